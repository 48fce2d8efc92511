/* test_loader.c: the batch loader's promises.
 * - The batch of step s depends only on (seed, s): a loader started at step
 *   k (a resumed run) hands out exactly the batch an unbroken one gives at
 *   step k; another seed gives other batches.
 * - Crops and flips are real pieces of the photos: every cropped row is a
 *   run of one source row, forwards or backwards.
 * - Zoomed crops (crop_scale) are squares of the photo resampled to S px:
 *   on a linear ramp every crop stays a plane, the column step is
 *   the row step times the ramp's ratio (same zoom both ways), the zoom lies
 *   in [crop_scale, 1] x N and varies, the crops' origins vary within the
 *   photo, some are flipped, and a and b follow the same geometry; at
 *   crop_scale 1 (the whole photo) every pixel sits where the geometry says.
 *   Also on 100 px photos, where the filter spans up to 7 source pixels.
 * - Colorful targets: each pixel's soft encoding sums to 1 over the bins;
 *   rebalancing weights are positive with E_prior[w] = 1.
 * - Regression targets are the model's ab encoding of the cropped ab.
 * - A rank's shard (samples first .. first + count - 1 of the batch) holds
 *   exactly those samples of the whole batch, crops and flips included. */
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

/* The test photos' ramp: L = 10 p + GY y + GX x with GY = 8 / n and
 * GX = 0.2 / n, so a photo spans less than 10 in L whatever its side n. */
#define GY(n) (8.0 / (n))
#define GX(n) (0.2 / (n))

/* Zoomed crops of the ramp: inside the border pixels (whose filter may
 * reach past the photo's edge) each crop is a plane with steps GX z along
 * rows and GY z down columns, z = side / S, up to the tent filter's small
 * position error (< 0.09 source px). The centre's value gives the crop's
 * row origin to within (n - side) / 80 px (the unknown column origin). */
static void check_zoomed(check_state *st, ct_loader *ld, const ct_batch *first, const char *arch,
                         float crop, int n, int B, int S)
{
    const size_t ss = (size_t)S * S;
    const int m = S - 2;
    double worst_fit = 0, worst_ratio = 0, worst_ab = 0, zmin = INFINITY, zmax = 0;
    double omin = INFINITY, omax = -INFINITY, worst_out = 0;
    double rows[64], cols[64];
    int flipped = 0, crops = 0;
    const ct_batch *b = first;
    for (int round = 0; round < 6; round++, b = ct_loader_next(ld))
        for (int j = 0; j < B; j++) {
            const float *L = b->L + j * ss, *A = b->ab + 2 * j * ss, *Bb = A + ss;
            double mean = 0;
            for (int i = 0; i < m; i++) rows[i] = cols[i] = 0;
            for (int y = 1; y < S - 1; y++)
                for (int x = 1; x < S - 1; x++) {
                    rows[y - 1] += L[y * S + x] / m;
                    cols[x - 1] += L[y * S + x] / m;
                    mean += L[y * S + x] / ((double)m * m);
                    worst_ab = fmax(worst_ab, fabs(A[y * S + x] - A[S + x]));       /* a: x only */
                    worst_ab = fmax(worst_ab, fabs(Bb[y * S + x] - Bb[y * S + 1])); /* b: y only */
                }
            const double dy = slope(rows, m), dx = slope(cols, m);
            for (int y = 1; y < S - 1; y++)
                for (int x = 1; x < S - 1; x++) {
                    double want = mean + (x - 1 - (m - 1) / 2.0) * dx + (y - 1 - (m - 1) / 2.0) * dy;
                    worst_fit = fmax(worst_fit, fabs(L[y * S + x] - want));
                }
            worst_ratio = fmax(worst_ratio, fabs(fabs(dy / dx) - GY(n) / GX(n)));
            flipped += dx < 0;
            crops++;
            const double z = dy / GY(n) * S;
            zmin = fmin(zmin, z);
            zmax = fmax(zmax, z);
            /* Row origin: the centre row of the crop sits at oy + z / 2 - 0.5. */
            const double p = floor(mean / 10), slack = (n - z) / 80 + 0.3;
            const double oy = (mean - 10 * p - GX(n) * (n / 2.0 - 0.5)) / GY(n) - z / 2 + 0.5;
            worst_out = fmax(worst_out, fmax(-slack - oy, oy - (n - z) - slack));
            omin = fmin(omin, oy);
            omax = fmax(omax, oy);
        }
    CHECK(st, worst_fit < 0.15 * GY(n), "%s zoom %d px: crops are planes (worst off by %g)", arch, n, worst_fit);
    CHECK(st, worst_ratio < 1, "%s zoom %d px: column step / row step = 40 (worst off by %g)", arch, n, worst_ratio);
    CHECK(st, worst_ab < 1e-3, "%s zoom %d px: a and b share the crop's geometry (worst %g)", arch, n, worst_ab);
    CHECK(st, zmin >= crop * n - 0.2 && zmax <= n + 0.2, "%s zoom %d px: sides %.2f..%.2f outside [%g, %d]", arch,
          n, zmin, zmax, crop * n, n);
    CHECK(st, zmax - zmin > 0.3 * (1 - crop) * n, "%s zoom %d px: sides %.2f..%.2f barely vary", arch, n, zmin, zmax);
    CHECK(st, worst_out <= 0, "%s zoom %d px: a crop's rows reach %.2f px outside the photo", arch, n, worst_out);
    CHECK(st, omax - omin > 0.15 * (1 - crop) * n, "%s zoom %d px: row origins %.2f..%.2f barely vary", arch, n,
          omin, omax);
    CHECK(st, flipped > 0 && flipped < crops, "%s zoom %d px: %d of %d crops flipped", arch, n, flipped, crops);
    if (getenv("CZ_TEST_VERBOSE"))
        printf("%s zoom %d px: fit %.3g, ratio %.3g, ab %.3g, sides %.2f..%.2f, row origins %.2f..%.2f\n", arch, n,
               worst_fit, worst_ratio, worst_ab, zmin, zmax, omin, omax);
}

/* crop_scale 1: every crop is the whole photo (origin 0, side n), so each
 * interior pixel must hold the ramp at its centre's source position,
 * (i + 0.5) n / S - 0.5, mirrored in x for flipped crops. */
static void check_whole(check_state *st, const ct_dataset *ds, cz_model *m, int B, int S)
{
    const int n = (int)ds->size;
    const size_t ss = (size_t)S * S;
    ct_loader *ld = ct_loader_new(ds, m, B, 7, 0, true, 1.0f, 2);
    const ct_batch *b = ct_loader_next(ld);
    double worst = 0;
    for (int j = 0; j < B; j++) {
        const float *L = b->L + j * ss;
        const double p = floor(L[S + 1] / 10);
        double err[2] = {0, 0};
        for (int flip = 0; flip < 2; flip++)
            for (int y = 1; y < S - 1; y++)
                for (int x = 1; x < S - 1; x++) {
                    double ys = (y + 0.5) * n / S - 0.5, xs = ((flip ? S - 1 - x : x) + 0.5) * n / S - 0.5;
                    err[flip] = fmax(err[flip], fabs(L[y * S + x] - (10 * p + GY(n) * ys + GX(n) * xs)));
                }
        worst = fmax(worst, fmin(err[0], err[1]));
    }
    CHECK(st, worst < 0.15 * GY(n), "whole-photo crops of %d px: pixels %.3g off the ramp (%.2f px)", n, worst,
          worst / GY(n));
    if (getenv("CZ_TEST_VERBOSE")) printf("whole %d px: worst %.3g (%.3f px)\n", n, worst, worst / GY(n));
    ct_loader_free(ld);
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
    if (crop > 0) check_zoomed(st, l0, b, arch, crop, (int)ds->size, B, S);
    else check_plain(st, b, arch, B, S);
    if (crop > 0) check_whole(st, ds, m, B, S);
    ct_loader *l5 = ct_loader_new(ds, m, B, 42, 5, true, crop, 2);
    const ct_batch *b5 = ct_loader_next(l5);
    CHECK(st, b5->step == 5 && same_batch(b5, &keep, B, S), "%s: resumed loader differs at step 5", arch);
    /* Two ranks' shards of the batch of 3: samples 0 and 1..2. */
    for (int first = 0; first < B; first += first ? B : 1) {
        const int count = first ? B - first : 1;
        ct_loader *ls = ct_loader_new_shard(ds, m, B, first, count, 42, 5, true, crop, 2);
        const ct_batch *bs = ct_loader_next(ls);
        ct_batch part = {.L = keep.L + first * ss, .ab = keep.ab + 2 * first * ss, .labels = keep.labels + first};
        CHECK(st, bs->step == 5 && same_batch(bs, &part, count, S), "%s crop %g: shard %d+%d is not the batch's",
              arch, crop, first, count);
        ct_loader_free(ls);
    }
    ct_loader *lx = ct_loader_new(ds, m, B, 43, 5, true, crop, 2);
    CHECK(st, !same_batch(ct_loader_next(lx), &keep, B, S), "another seed gave the same batch");
    ct_loader *lv = ct_loader_new(ds, m, B, 42, 0, false, crop, 2);
    const ct_batch *bv = ct_loader_next(lv);
    /* Validation: centre crops of photos 0, 1, 2 in order. */
    const int n = (int)ds->size;
    float want = (float)(1 * 10 + ((n - S) / 2) * GY(n) + ((n - S) / 2) * GX(n));
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

/* COUNT photos of side n whose L is the ramp (photo p at 10 p), a a wave
 * along x and b one along y, written to a fresh file at path and opened. */
static void make_dataset(check_state *st, char *path, int n, ct_dataset *ds)
{
    int fd = mkstemp(path);
    close(fd);
    char names[3][CT_DATASET_NAME] = {"a", "b", "c"};
    ct_dataset_writer w;
    cz_error err = {0};
    ct_dataset_writer_begin(&w, path, n, 3, names, &err);
    float *L = malloc(3 * sizeof(float) * n * n), *A = L + n * n, *Bp = A + n * n;
    for (int p = 0; p < COUNT; p++) {
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) {
                L[y * n + x] = (float)(p * 10 + y * GY(n) + x * GX(n));
                A[y * n + x] = 40 * sinf(0.2f * x * N / n + p);
                Bp[y * n + x] = 30 * cosf(0.15f * y * N / n - p);
            }
        CHECK(st, ct_dataset_writer_add(&w, L, A, Bp, p % 3, &err) == CZ_STATUS_OK, "add %s", err.msg);
    }
    free(L);
    ct_dataset_writer_finish(&w, &err);
    CHECK(st, ct_dataset_open(ds, path, &err) == CZ_STATUS_OK, "open %s", err.msg);
}

int main(void)
{
    check_state st = {0};
    cz_lab_init();
    char path[] = "/tmp/cz-test-loader-XXXXXX", big[] = "/tmp/cz-test-loader-XXXXXX";
    ct_dataset ds, ds_big;
    make_dataset(&st, path, N, &ds);
    make_dataset(&st, big, 100, &ds_big);

    const char *archs[2] = {"colorful", "residual"};
    for (int k = 0; k < 2; k++) {
        check_loader(&st, &ds, archs[k], 0);
        check_loader(&st, &ds, archs[k], 0.5f);
    }
    check_loader(&st, &ds_big, "colorful", 0.3f);
    ct_dataset_close(&ds);
    ct_dataset_close(&ds_big);
    unlink(path);
    unlink(big);
    return check_finish(&st, "trainer loader");
}
