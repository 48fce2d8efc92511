/* test_siggraph17.c: `corolization-train import` against PyTorch end to
 * end. siggraph17.py writes a random full-width SIGGRAPH17 as torch.save
 * files (plain and {"state_dict": ...}) and its float64 ab output for one
 * L plane with sparse hints; each file is imported with the trainer, loaded
 * with cz_model_load and run by cz_model_predict_hints on the same L and
 * hints. Tolerance: max |engine - torch| <= 0.11 ab, 1e-3 of the network's
 * tanh output (ab / 110).
 *
 * Usage: test_siggraph17 PYTHON SIGGRAPH17_PY TRAINER WORKDIR. Fails (never
 * skips) when PyTorch is missing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "model.h"
#include "safetensors.h"

#include "ref_tensor.h"
#include "run_child.h"

#define TOL 0.11

/* Imports pth, predicts, returns max |engine - reference| (or -1). */
static double check(const char *trainer, const char *dir, const char *pth, const cz_safetensors *ref, int h, int w)
{
    char from[1024], out[1024];
    snprintf(from, sizeof from, "%s/%s", dir, pth);
    snprintf(out, sizeof out, "%s/%s.safetensors", dir, pth);
    char *argv[] = {(char *)trainer, "import", "--arch", "hints", "--from", from, "-o", out, NULL};
    if (run_child(argv) != 0) {
        fprintf(stderr, "test_siggraph17: import of %s failed\n", from);
        return -1;
    }
    cz_error err = {0};
    cz_model *m = cz_model_load(out, &err);
    if (!m) {
        fprintf(stderr, "test_siggraph17: %s\n", err.msg);
        return -1;
    }
    const size_t n = (size_t)h * w;
    float *L = ref_tensor_read(ref, "L", n, "test_siggraph17"), *hab = ref_tensor_read(ref, "hint_ab", 2 * n, "test_siggraph17");
    float *mask = ref_tensor_read(ref, "mask", n, "test_siggraph17"), *want = ref_tensor_read(ref, "ab", 2 * n, "test_siggraph17");
    float *ab = malloc(2 * n * sizeof *ab);
    cz_hints hints = {hab, mask};
    double worst = -1;
    if (cz_model_predict_hints(m, ab, NULL, L, &hints, h, w, 1.0f, &err)) {
        fprintf(stderr, "test_siggraph17: predict: %s\n", err.msg);
    } else {
        worst = 0;
        for (size_t i = 0; i < 2 * n; i++) worst = fmax(worst, fabs((double)ab[i] - want[i]));
    }
    free(L), free(hab), free(mask), free(want), free(ab);
    cz_model_free(m);
    unlink(out);
    return worst;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_siggraph17 PYTHON SIGGRAPH17_PY TRAINER WORKDIR\n");
        return 2;
    }
    const char *dir = argv[4];
    char *gen[] = {argv[1], argv[2], "--out", (char *)dir, NULL};
    int rc = run_child(gen);
    if (rc != 0) {
        fprintf(stderr, "test_siggraph17: FAIL: siggraph17.py exited %d%s\n", rc,
                rc == 3 ? " (install python3-torch)" : "");
        return 1;
    }
    cz_lab_init();
    char path[1024];
    snprintf(path, sizeof path, "%s/siggraph17.ref.safetensors", dir);
    cz_error err = {0};
    cz_safetensors *ref = cz_safetensors_open(path, &err);
    const cz_st_tensor *L = ref ? cz_safetensors_find(ref, "L") : NULL;
    if (!L || L->ndim != 2) {
        fprintf(stderr, "test_siggraph17: %s: %s\n", path, ref ? "no L [h, w]" : err.msg);
        return 1;
    }
    const int h = (int)L->shape[0], w = (int)L->shape[1];
    const char *files[] = {"siggraph17.pth", "siggraph17-wrapped.pth"};
    int failed = 0;
    for (int i = 0; i < 2; i++) {
        double d = check(argv[3], dir, files[i], ref, h, w);
        const bool ok = d >= 0 && d <= TOL;
        printf("%s %s: %dx%d with hints, max |engine - torch| = %.3g ab (tolerance %g)\n", ok ? "ok" : "FAIL",
               files[i], w, h, d, TOL);
        failed += !ok;
    }
    cz_safetensors_close(ref);
    return failed ? 1 : 0;
}
