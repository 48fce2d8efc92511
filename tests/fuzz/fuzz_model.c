/* fuzz_model.c: libFuzzer target for the model loader: metadata parsing,
 * the architecture builders, the header's name and shape checks, the
 * memory estimate and the value checks. Any input must either be rejected
 * with a message or give a model that predicts (at small sizes); run.sh
 * caps memory, so a small input that makes the loader allocate much fails. */
#include <stdio.h>
#include <stdlib.h>

#include "lab.h"
#include "model.h"

/* Prediction runs only at small sizes: a large valid model is no bug. */
#define PREDICT_MAX_SIDE 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Colorful models compute their ab bins through babl. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    cz_lab_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cz_error err = {0};
    cz_model *m = cz_model_load_memory(data, size, &err);
    if (!m) {
        if (!err.msg[0] || err.status == CZ_STATUS_OK) {
            fprintf(stderr, "rejected without a message\n");
            abort();
        }
        return 0;
    }
    const int side = cz_model_get_multiple(m);
    if (side <= PREDICT_MAX_SIDE && cz_model_get_config(m)->size <= 2 * PREDICT_MAX_SIDE) {
        float L[PREDICT_MAX_SIDE * PREDICT_MAX_SIDE], ab[2 * PREDICT_MAX_SIDE * PREDICT_MAX_SIDE];
        const int n = side * side;
        for (int i = 0; i < n; i++) L[i] = 100.0f * i / n;
        if (cz_model_predict(m, ab, NULL, L, side, side, 0.38f, &err) != CZ_STATUS_OK) {
            fprintf(stderr, "a loaded model failed to predict %dx%d: %s\n", side, side, err.msg);
            abort();
        }
    }
    cz_model_free(m);
    return 0;
}
