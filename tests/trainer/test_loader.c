/* test_loader.c: the batch loader's promises.
 * - The batch of step s depends only on (seed, s): a loader started at step
 *   k (a resumed run) hands out exactly the batch an unbroken one gives at
 *   step k; another seed gives other batches.
 * - Crops and flips are real pieces of the photos: every cropped row is a
 *   run of one source row, forwards or backwards.
 * - Colorful targets: each pixel's soft encoding sums to 1 over the bins;
 *   rebalancing weights are positive with E_prior[w] = 1.
 * - Regression targets are the model's ab encoding of the cropped ab. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dataset.h"
#include "lab.h"
#include "loader.h"
#include "quant.h"

#define N 40
#define COUNT 7

static bool same_batch(const ct_batch *a, const ct_batch *b, int B, int S)
{
    size_t ss = (size_t)S * S;
    return !memcmp(a->L, b->L, B * ss * sizeof(float)) && !memcmp(a->ab, b->ab, 2 * B * ss * sizeof(float)) &&
           !memcmp(a->labels, b->labels, B * sizeof(int));
}

static bool copy_batch(ct_batch *dst, const ct_batch *src, int B, int S)
{
    size_t ss = (size_t)S * S;
    memcpy(dst->L, src->L, B * ss * sizeof(float));
    memcpy(dst->ab, src->ab, 2 * B * ss * sizeof(float));
    memcpy(dst->labels, src->labels, B * sizeof(int));
    return true;
}

int main(void)
{
    check_state st = {0};
    cz_lab_init();
    char path[] = "/tmp/cz-test-loader-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    /* Photos whose L encodes (photo, row, column) so crops can be traced. */
    char names[3][CT_DATASET_NAME] = {"a", "b", "c"};
    ct_dataset_writer w;
    cz_error err = {0};
    ct_dataset_writer_begin(&w, path, N, 3, names, &err);
    static float L[N * N], A[N * N], Bp[N * N];
    for (int p = 0; p < COUNT; p++) {
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) {
                L[y * N + x] = (float)(p * 10 + y * 0.2 + x * 0.005);
                A[y * N + x] = 40 * sinf(0.2f * x + p);
                Bp[y * N + x] = 30 * cosf(0.15f * y - p);
            }
        CHECK(&st, ct_dataset_writer_add(&w, L, A, Bp, p % 3, &err) == CZ_STATUS_OK, "add %s", err.msg);
    }
    ct_dataset_writer_finish(&w, &err);
    ct_dataset ds;
    CHECK(&st, ct_dataset_open(&ds, path, &err) == CZ_STATUS_OK, "open %s", err.msg);

    const char *archs[2] = {"colorful", "residual"};
    for (int k = 0; k < 2; k++) {
        cz_model_config cfg = {0};
        snprintf(cfg.arch, sizeof cfg.arch, "%s", archs[k]);
        cfg.width = 0.125f;
        cfg.size = 32;
        cz_model *m = cz_model_new(&cfg, 3, &err);
        CHECK(&st, m != NULL, "model %s: %s", archs[k], err.msg);
        if (!m) continue;
        ct_set_rebalancing(m, &ds, 0.5f);
        const int B = 3, S = 32;
        const size_t ss = (size_t)S * S;
        ct_loader *l0 = ct_loader_new(&ds, m, B, 42, 0, true, 3);
        ct_batch keep = {0};
        keep.L = malloc(B * ss * sizeof(float));
        keep.ab = malloc(2 * B * ss * sizeof(float));
        keep.labels = malloc(B * sizeof(int));
        const ct_batch *b = NULL;
        for (int s = 0; s <= 5; s++) {
            b = ct_loader_next(l0);
            CHECK(&st, b->step == s, "step %ld, want %d", b->step, s);
        }
        copy_batch(&keep, b, B, S);
        /* Crops are runs of source rows, forwards or backwards. */
        bool rows_ok = true;
        for (int j = 0; j < B; j++)
            for (int y = 0; y < S; y++) {
                const float *r = b->L + j * ss + (size_t)y * S;
                float d = r[1] - r[0];
                rows_ok = rows_ok && fabsf(fabsf(d) - 0.005f) < 2e-3f;
                for (int x = 1; x < S; x++) rows_ok = rows_ok && fabsf((r[x] - r[x - 1]) - d) < 2e-3f;
            }
        CHECK(&st, rows_ok, "%s: a cropped row is not a run of a source row", archs[k]);
        if (cz_model_get_output_kind(m) == CZ_OUTPUT_LOGITS) {
            const cz_quant *qt = cz_model_get_quant(m);
            int hw = (S / 4) * (S / 4);
            double worst = 0;
            for (int j = 0; j < B; j++)
                for (int p = 0; p < hw; p++) {
                    double s = 0;
                    for (int q = 0; q < qt->q; q++) s += b->target[((size_t)j * qt->q + q) * hw + p];
                    worst = fmax(worst, fabs(s - 1));
                }
            CHECK(&st, worst < 1e-5, "soft targets sum to 1 (worst %g)", worst);
            const float *pr = cz_model_get_prior(m), *cw = cz_model_get_class_weights(m);
            double e = 0, minw = INFINITY;
            for (int q = 0; q < qt->q; q++) e += pr[q] * cw[q], minw = fmin(minw, cw[q]);
            CHECK(&st, fabs(e - 1) < 1e-3 && minw > 0, "E_p[w] = %f, min w %f", e, minw);
            bool wpos = true;
            for (int i = 0; i < B * hw; i++) wpos = wpos && b->weight[i] > 0;
            CHECK(&st, wpos, "pixel weights positive");
        } else {
            static float t[2 * 32 * 32];
            cz_model_ab_to_target(m, t, b->ab, 2 * ss);
            CHECK(&st, !memcmp(t, b->target, 2 * ss * sizeof(float)), "regression target encoding");
        }
        ct_loader *l5 = ct_loader_new(&ds, m, B, 42, 5, true, 2);
        const ct_batch *b5 = ct_loader_next(l5);
        CHECK(&st, b5->step == 5 && same_batch(b5, &keep, B, S), "%s: resumed loader differs at step 5", archs[k]);
        ct_loader *lx = ct_loader_new(&ds, m, B, 43, 5, true, 2);
        CHECK(&st, !same_batch(ct_loader_next(lx), &keep, B, S), "another seed gave the same batch");
        ct_loader *lv = ct_loader_new(&ds, m, B, 42, 0, false, 2);
        const ct_batch *bv = ct_loader_next(lv);
        /* Validation: centre crops of photos 0, 1, 2 in order. */
        float want = (float)(1 * 10 + ((N - S) / 2) * 0.2 + ((N - S) / 2) * 0.005);
        CHECK(&st, fabsf(bv->L[ss] - want) < 2e-3f && bv->labels[1] == 1, "validation crop %f want %f",
              bv->L[ss], want);
        ct_loader_free(l0);
        ct_loader_free(l5);
        ct_loader_free(lx);
        ct_loader_free(lv);
        free(keep.L);
        free(keep.ab);
        free(keep.labels);
        cz_model_free(m);
    }
    ct_dataset_close(&ds);
    unlink(path);
    return check_finish(&st, "trainer loader");
}
