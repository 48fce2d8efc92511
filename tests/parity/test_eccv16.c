/* test_eccv16.c: `corolization-train import --arch colorful` against
 * PyTorch end to end. eccv16.py writes a random full-width ECCV16 as
 * torch.save files (plain and {"model": ...}) with the published decoding
 * layer (model_out = the 313-bin table / 110) and its float64 ab for one L
 * plane; each file is imported with the trainer, loaded with cz_model_load
 * and run by cz_model_predict at temperature 1 (the published decoding is
 * the plain mean). Also: the imported file is marked D65 and carries the 313 bins of
 * engine/data/zhang-313-bins.txt in order, and a checkpoint whose model_out
 * decodes two classes to each other's bins is refused, writing nothing.
 * Tolerance: max |engine - torch| <= TOL ab (PyTorch's own float32 pass
 * is about 1.5e-3 off its float64 one on these data).
 *
 * Usage: test_eccv16 PYTHON ECCV16_PY BINS_TXT TRAINER WORKDIR. Fails
 * (never skips) when PyTorch is missing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "model.h"
#include "quant_tables.h"
#include "safetensors.h"

#include "ref_tensor.h"
#include "run_child.h"

#define TOL 0.01

/* Imports pth, checks its bins, predicts; returns max |engine - reference|
 * (or -1). */
static double check(const char *trainer, const char *dir, const char *pth, const cz_safetensors *ref, int h, int w)
{
    char from[1024], out[1024];
    snprintf(from, sizeof from, "%s/%s", dir, pth);
    snprintf(out, sizeof out, "%s/%s.safetensors", dir, pth);
    char *argv[] = {(char *)trainer, "import", "--arch", "colorful", "--from", from, "-o", out, NULL};
    if (run_child(argv) != 0) {
        fprintf(stderr, "test_eccv16: import of %s failed\n", from);
        return -1;
    }
    cz_error err = {0};
    cz_model *m = cz_model_load(out, &err);
    if (!m) {
        fprintf(stderr, "test_eccv16: %s\n", err.msg);
        return -1;
    }
    if (cz_model_get_config(m)->white != CZ_LAB_D65) {
        fprintf(stderr, "test_eccv16: %s is not marked lab_white D65\n", out);
        cz_model_free(m);
        return -1;
    }
    const cz_quant *qt = cz_model_get_quant(m);
    if (qt->q != CZ_QUANT_ZHANG313_BINS || cz_quant_zhang313_count != CZ_QUANT_ZHANG313_BINS ||
        memcmp(qt->ab, cz_quant_zhang313, sizeof(float) * 2 * CZ_QUANT_ZHANG313_BINS)) {
        fprintf(stderr, "test_eccv16: %s: the file's %d bins are not the 313-bin table\n", out, qt->q);
        cz_model_free(m);
        return -1;
    }
    const size_t n = (size_t)h * w;
    float *L = ref_tensor_read(ref, "L", n, "test_eccv16"), *want = ref_tensor_read(ref, "ab", 2 * n, "test_eccv16");
    float *ab = malloc(2 * n * sizeof *ab);
    double worst = -1;
    if (cz_model_predict(m, ab, NULL, L, h, w, 1.0f, &err)) {
        fprintf(stderr, "test_eccv16: predict: %s\n", err.msg);
    } else {
        worst = 0;
        for (size_t i = 0; i < 2 * n; i++) worst = fmax(worst, fabs((double)ab[i] - want[i]));
    }
    free(L), free(want), free(ab);
    cz_model_free(m);
    unlink(out);
    return worst;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: test_eccv16 PYTHON ECCV16_PY BINS_TXT TRAINER WORKDIR\n");
        return 2;
    }
    const char *trainer = argv[4], *dir = argv[5];
    char *gen[] = {argv[1], argv[2], "--out", (char *)dir, "--bins", argv[3], NULL};
    int rc = run_child(gen);
    if (rc != 0) {
        fprintf(stderr, "test_eccv16: FAIL: eccv16.py exited %d%s\n", rc, rc == 3 ? " (install python3-torch)" : "");
        return 1;
    }
    cz_lab_init();
    char path[1024];
    snprintf(path, sizeof path, "%s/eccv16.ref.safetensors", dir);
    cz_error err = {0};
    cz_safetensors *ref = cz_safetensors_open(path, &err);
    const cz_st_tensor *L = ref ? cz_safetensors_find(ref, "L") : NULL;
    if (!L || L->ndim != 2) {
        fprintf(stderr, "test_eccv16: %s: %s\n", path, ref ? "no L [h, w]" : err.msg);
        return 1;
    }
    const int h = (int)L->shape[0], w = (int)L->shape[1];
    const char *files[] = {"eccv16.pth", "eccv16-wrapped.pth"};
    int failed = 0;
    for (int i = 0; i < 2; i++) {
        double d = check(trainer, dir, files[i], ref, h, w);
        const bool ok = d >= 0 && d <= TOL;
        printf("%s %s: %dx%d, 313 bins, T 1, max |engine - torch| = %.3g ab (tolerance %g)\n", ok ? "ok" : "FAIL",
               files[i], w, h, d, TOL);
        failed += !ok;
    }
    /* other bins in model_out: refused, nothing written */
    char from[1024], out[1024];
    snprintf(from, sizeof from, "%s/eccv16-otherbins.pth", dir);
    snprintf(out, sizeof out, "%s/eccv16-otherbins.safetensors", dir);
    unlink(out);
    char *bad[] = {(char *)trainer, "import", "--arch", "colorful", "--from", from, "-o", out, NULL};
    rc = run_child(bad);
    const bool refused = rc == 1 && access(out, F_OK) != 0;
    printf("%s eccv16-otherbins.pth: import exit %d, %s\n", refused ? "ok" : "FAIL", rc,
           access(out, F_OK) ? "nothing written" : "a file written");
    failed += !refused;
    cz_safetensors_close(ref);
    cz_lab_exit();
    /* the checkpoints are 130 MB each */
    const char *gone[] = {"eccv16.pth", "eccv16-wrapped.pth", "eccv16-otherbins.pth"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, gone[i]);
        unlink(path);
    }
    return failed ? 1 : 0;
}
