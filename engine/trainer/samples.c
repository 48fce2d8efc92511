/* samples.c: input | prediction | truth grids from a model (samples.h). */
#include "samples.h"

#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "plot.h"
#include "util.h"

bool ct_samples_write(const char *path, cz_model *m, const float *L, const float *ab,
                      int k, int S, float temperature, const char *caption,
                      char *why, size_t n)
{
    size_t ss = (size_t)S * S;
    unsigned char *px = mallocCheck(ct_size3((size_t)k * 3, ss, 3));
    float *pred = mallocCheck(ct_size3(ss, 2, sizeof(float)));
    float *zero = callocCheck(ss, sizeof(float));
    const unsigned char *cells[3 * 64];
    if (k > 64) k = 64;
    bool ok = true;
    for (int i = 0; i < k && ok; i++) {
        const float *Li = L + i * ss, *abi = ab + 2 * i * ss;
        unsigned char *in = px + (size_t)(0 * k + i) * ss * 3;
        unsigned char *pr = px + (size_t)(1 * k + i) * ss * 3;
        unsigned char *tr = px + (size_t)(2 * k + i) * ss * 3;
        cz_error err = {0};
        if (cz_model_predict(m, pred, NULL, Li, S, S, temperature, &err) != CZ_STATUS_OK) {
            snprintf(why, n, "predict: %s", err.msg);
            ok = false;
            break;
        }
        ct_lab_planes_to_rgb_u8(in, Li, zero, zero, ss);
        ct_lab_planes_to_rgb_u8(pr, Li, pred, pred + ss, ss);
        ct_lab_planes_to_rgb_u8(tr, Li, abi, abi + ss, ss);
        cells[i] = in;
        cells[k + i] = pr;
        cells[2 * k + i] = tr;
    }
    static const char *const labels[3] = {"input", "prediction", "truth"};
    if (ok) ok = ct_plot_grid(path, cells, 3, k, S, labels, caption, why, n);
    free(px);
    free(pred);
    free(zero);
    return ok;
}
