/* test_loader.c: the batch loader's promises.
 * - The batch of step s depends only on (seed, s): a loader started at step
 *   k (a resumed run) hands out exactly the batch an unbroken one gives at
 *   step k; another seed gives other batches.
 * - Crops and flips are real pieces of the photos: every cropped row is a
 *   run of one source row, forwards or backwards.
 * - Zoomed crops (crop_scale) are squares of the photo resampled to S px:
 *   on a linear ramp every crop stays a plane, the column step is
 *   the row step times the ramp's ratio (same zoom both ways), the zoom lies
 *   in [crop_scale, 1] x N and varies, some are flipped, and a and b follow
 *   the same geometry.
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

/* Plain crops: every row a run of a source row, forwards or backwards. */
static void check_plain(check_state *st, const ct_batch *b, const char *arch, int B, int S)
{
    const size_t ss = (size_t)S * S;
    bool rows_ok = true;
    for (int j = 0; j < B; j++)
        for (int y = 0; y < S; y++) {
            const float *r = b->L + j * ss + (size_t)y * S;
            float d = r[1] - r[0];
            rows_ok = rows_ok && fabsf(fabsf(d) - 0.005f) < 2e-3f;
            for (int x = 1; x < S; x++) rows_ok = rows_ok && fabsf((r[x] - r[x - 1]) - d) < 2e-3f;
        }
    CHECK(st, rows_ok, "%s: a cropped row is not a run of a source row", arch);
}

/* Least-squares slope of v[0..n-1] against its index. */
static double slope(const double *v, int n)
{
    double mx = (n - 1) / 2.0, sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) sxy += (i - mx) * v[i], sxx += (i - mx) * (i - mx);
    return sxy / sxx;
}

/* Zoomed crops of the ramp L = 10 p + 0.2 y + 0.005 x: inside the border
 * pixels (whose filter may reach past the photo's edge) each crop is a plane
 * with steps 0.005 z along rows and 0.2 z down columns, z = side / S, up to
 * the tent filter's small position error (< 0.06 px where it shrinks). */
static void check_zoomed(check_state *st, ct_loader *ld, const ct_batch *first, const char *arch,
                         float crop, int B, int S)
{
    const size_t ss = (size_t)S * S;
    const int n = S - 2;
    double worst_fit = 0, worst_ratio = 0, worst_ab = 0, zmin = INFINITY, zmax = 0;
    double rows[64], cols[64];
    int flipped = 0, crops = 0;
    bool inside = true;
    const ct_batch *b = first;
    for (int round = 0; round < 6; round++, b = ct_loader_next(ld))
        for (int j = 0; j < B; j++) {
            const float *L = b->L + j * ss, *A = b->ab + 2 * j * ss, *Bb = A + ss;
            double mean = 0;
            for (int i = 0; i < n; i++) rows[i] = cols[i] = 0;
            for (int y = 1; y < S - 1; y++)
                for (int x = 1; x < S - 1; x++) {
                    rows[y - 1] += L[y * S + x] / n;
                    cols[x - 1] += L[y * S + x] / n;
                    mean += L[y * S + x] / ((double)n * n);
                    worst_ab = fmax(worst_ab, fabs(A[y * S + x] - A[S + x]));       /* a: x only */
                    worst_ab = fmax(worst_ab, fabs(Bb[y * S + x] - Bb[y * S + 1])); /* b: y only */
                }
            const double dy = slope(rows, n), dx = slope(cols, n);
            for (int y = 1; y < S - 1; y++)
                for (int x = 1; x < S - 1; x++) {
                    double want = mean + (x - 1 - (n - 1) / 2.0) * dx + (y - 1 - (n - 1) / 2.0) * dy;
                    worst_fit = fmax(worst_fit, fabs(L[y * S + x] - want));
                }
            worst_ratio = fmax(worst_ratio, fabs(fabs(dy / dx) - 40));
            flipped += dx < 0;
            crops++;
            const double z = dy / 0.2 * S;
            zmin = fmin(zmin, z);
            zmax = fmax(zmax, z);
            const int p = (int)floorf(L[S + 1] / 10);
            inside = inside && L[S + 1] >= p * 10 && L[(S - 2) * S + S - 2] <= p * 10 + (N - 1) * 0.205f + 1e-3f;
        }
    CHECK(st, worst_fit < 0.03, "%s zoom: crops are planes (worst off by %g)", arch, worst_fit);
    CHECK(st, worst_ratio < 1, "%s zoom: column step / row step = 40 (worst off by %g)", arch, worst_ratio);
    CHECK(st, worst_ab < 1e-3, "%s zoom: a and b share the crop's geometry (worst %g)", arch, worst_ab);
    CHECK(st, zmin >= crop * N - 0.2 && zmax <= N + 0.2, "%s zoom: sides %.2f..%.2f px outside [%g, %d]", arch,
          zmin, zmax, crop * N, N);
    CHECK(st, zmax - zmin > 0.3 * (1 - crop) * N, "%s zoom: sides %.2f..%.2f barely vary", arch, zmin, zmax);
    CHECK(st, inside, "%s zoom: a crop reaches outside its photo", arch);
    CHECK(st, flipped > 0 && flipped < crops, "%s zoom: %d of %d crops flipped", arch, flipped, crops);
    if (getenv("CZ_TEST_VERBOSE"))
        printf("%s zoom: fit %.3g, ratio %.3g, ab %.3g, sides %.2f..%.2f\n", arch, worst_fit, worst_ratio, worst_ab,
               zmin, zmax);
}

static void check_loader(check_state *st, const ct_dataset *ds, const char *arch, float crop)
{
    cz_error err = {0};
    cz_model_config cfg = {0};
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    cfg.width = 0.125f;
    cfg.size = 32;
    cz_model *m = cz_model_new(&cfg, 3, &err);
    CHECK(st, m != NULL, "model %s: %s", arch, err.msg);
    if (!m) return;
    ct_set_rebalancing(m, ds, 0.5f);
    const int B = 3, S = 32;
    const size_t ss = (size_t)S * S;
    ct_loader *l0 = ct_loader_new(ds, m, B, 42, 0, true, crop, 3);
    ct_batch keep = {0};
    keep.L = malloc(B * ss * sizeof(float));
    keep.ab = malloc(2 * B * ss * sizeof(float));
    keep.labels = malloc(B * sizeof(int));
    const ct_batch *b = NULL;
    for (int s = 0; s <= 5; s++) {
        b = ct_loader_next(l0);
        CHECK(st, b->step == s, "step %ld, want %d", b->step, s);
    }
    copy_batch(&keep, b, B, S);
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
        CHECK(st, worst < 1e-5, "soft targets sum to 1 (worst %g)", worst);
        const float *pr = cz_model_get_prior(m), *cw = cz_model_get_class_weights(m);
        double e = 0, minw = INFINITY;
        for (int q = 0; q < qt->q; q++) e += pr[q] * cw[q], minw = fmin(minw, cw[q]);
        CHECK(st, fabs(e - 1) < 1e-3 && minw > 0, "E_p[w] = %f, min w %f", e, minw);
        bool wpos = true;
        for (int i = 0; i < B * hw; i++) wpos = wpos && b->weight[i] > 0;
        CHECK(st, wpos, "pixel weights positive");
    } else {
        static float t[2 * 32 * 32];
        cz_model_ab_to_target(m, t, b->ab, 2 * ss);
        CHECK(st, !memcmp(t, b->target, 2 * ss * sizeof(float)), "regression target encoding");
    }
    /* Last: check_zoomed moves l0 on, which ends b's life. */
    if (crop > 0) check_zoomed(st, l0, b, arch, crop, B, S);
    else check_plain(st, b, arch, B, S);
    ct_loader *l5 = ct_loader_new(ds, m, B, 42, 5, true, crop, 2);
    const ct_batch *b5 = ct_loader_next(l5);
    CHECK(st, b5->step == 5 && same_batch(b5, &keep, B, S), "%s: resumed loader differs at step 5", arch);
    ct_loader *lx = ct_loader_new(ds, m, B, 43, 5, true, crop, 2);
    CHECK(st, !same_batch(ct_loader_next(lx), &keep, B, S), "another seed gave the same batch");
    ct_loader *lv = ct_loader_new(ds, m, B, 42, 0, false, crop, 2);
    const ct_batch *bv = ct_loader_next(lv);
    /* Validation: centre crops of photos 0, 1, 2 in order. */
    float want = (float)(1 * 10 + ((N - S) / 2) * 0.2 + ((N - S) / 2) * 0.005);
    CHECK(st, fabsf(bv->L[ss] - want) < 2e-3f && bv->labels[1] == 1, "validation crop %f want %f",
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
        check_loader(&st, &ds, archs[k], 0);
        check_loader(&st, &ds, archs[k], 0.5f);
    }
    ct_dataset_close(&ds);
    unlink(path);
    return check_finish(&st, "trainer loader");
}
