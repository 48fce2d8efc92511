/* test_hints_sim.c: the simulated users of hints_sim.c. Statistics over many
 * draws (mean count 7 and P(0) = 1/8 of the geometric law, patch sides
 * uniform over 1..9, positions inside the image and centred on average),
 * the consistency of every output with the points it reports (mask and
 * hints rebuilt from them, each hint the mean true ab of its patch),
 * small images, repeatability, and the fixed `eval --hints N` variant. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hints_sim.h"
#include "rng.h"

enum { H = 24, W = 32, CAP = 256 };

/* A smooth random truth in Lab ab units, different per seed. */
static void make_truth(float *ab, int h, int w, uint64_t *rng)
{
    const float fa = 0.1f + 0.3f * cz_rng_uniform(rng), fb = 0.1f + 0.3f * cz_rng_uniform(rng);
    const float oa = 60 * cz_rng_uniform(rng) - 30, ob = 60 * cz_rng_uniform(rng) - 30;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            ab[y * w + x] = oa + 40 * sinf(fa * x + 0.2f * y) + 3 * cz_rng_normal(rng);
            ab[h * w + y * w + x] = ob + 40 * cosf(fb * y - 0.1f * x) + 3 * cz_rng_normal(rng);
        }
}

/* Rebuilds mask and hints from the reported points, in order, and compares
 * them with the outputs; checks each point's mean against the truth.
 * Returns false (after one failed CHECK) on the first disagreement. */
static bool consistent(check_state *st, const float *hint, const float *mask, const ct_hint_point *pts, int n,
                       const float *ab, int h, int w, const char *what)
{
    const size_t plane = (size_t)h * w;
    float *eh = calloc(2 * plane, sizeof(float)), *em = calloc(plane, sizeof(float));
    bool ok = true;
    for (int k = 0; k < n && ok; k++) {
        const ct_hint_point *p = &pts[k];
        ok = p->side >= 1 && p->y >= 0 && p->x >= 0 && p->y + p->side <= h && p->x + p->side <= w;
        CHECK(st, ok, "%s: point %d (%d, %d) side %d is outside the %dx%d image", what, k, p->y, p->x, p->side, w,
              h);
        if (!ok) break;
        double sa = 0, sb = 0;
        for (int y = p->y; y < p->y + p->side; y++)
            for (int x = p->x; x < p->x + p->side; x++) {
                sa += ab[y * w + x], sb += ab[plane + y * w + x];
                eh[y * w + x] = p->a, eh[plane + y * w + x] = p->b, em[y * w + x] = 1;
            }
        const double area = (double)p->side * p->side;
        ok = fabs(sa / area - p->a) < 1e-4 && fabs(sb / area - p->b) < 1e-4;
        CHECK(st, ok, "%s: point %d hints (%g, %g), its patch's mean is (%g, %g)", what, k, p->a, p->b, sa / area,
              sb / area);
    }
    if (ok) {
        ok = !memcmp(em, mask, plane * sizeof(float)) && !memcmp(eh, hint, 2 * plane * sizeof(float));
        CHECK(st, ok, "%s: mask or hints differ from the union of the reported patches", what);
    }
    free(eh);
    free(em);
    return ok;
}

static void test_statistics(check_state *st)
{
    enum { PHOTOS = 40000, CHECKED = 300 };
    static float ab[2 * H * W], hint[2 * H * W], mask[H * W];
    static ct_hint_point pts[CAP];
    uint64_t rng = 2017, truth_rng = 17;
    long total = 0, zero = 0, recorded = 0, sides[CT_HINTS_SIDE_MAX + 1] = {0};
    double cy = 0, cx = 0;
    bool all_ok = true;
    make_truth(ab, H, W, &truth_rng);
    for (int i = 0; i < PHOTOS; i++) {
        if (i < CHECKED) make_truth(ab, H, W, &truth_rng);
        const int n = ct_hints_simulate(hint, mask, pts, CAP, ab, H, W, &rng);
        total += n;
        zero += n == 0;
        const int m = n < CAP ? n : CAP;
        for (int k = 0; k < m; k++) {
            const ct_hint_point *p = &pts[k];
            if (p->side < CT_HINTS_SIDE_MIN || p->side > CT_HINTS_SIDE_MAX || p->y < 0 || p->x < 0 ||
                p->y + p->side > H || p->x + p->side > W) {
                all_ok = false;
                continue;
            }
            sides[p->side]++;
            cy += p->y + 0.5 * p->side, cx += p->x + 0.5 * p->side;
            recorded++;
        }
        if (i < CHECKED && !consistent(st, hint, mask, pts, m, ab, H, W, "simulate")) break;
        if (n == 0) {
            bool empty = true;
            for (int j = 0; j < H * W; j++) empty = empty && mask[j] == 0 && hint[j] == 0 && hint[H * W + j] == 0;
            CHECK(st, empty, "no points, yet the mask or the hints are not zero");
        }
    }
    CHECK(st, all_ok, "a patch side or position outside its range");
    const double mean = (double)total / PHOTOS, p0 = (double)zero / PHOTOS;
    const double want_mean = (1 - CT_HINTS_P) / CT_HINTS_P;
    /* standard errors: sqrt(1-p)/p / sqrt(N) = 0.037, sqrt(p(1-p)/N) = 0.0017 */
    CHECK(st, fabs(mean - want_mean) < 0.2, "mean point count %.3f, want %.3f", mean, want_mean);
    CHECK(st, fabs(p0 - CT_HINTS_P) < 0.01, "P(no points) %.4f, want %.4f", p0, CT_HINTS_P);
    printf("  simulate: %d photos %dx%d: mean %.3f points (want %.3f), P(0) %.4f (want %.4f)\n", PHOTOS, W, H, mean,
           want_mean, p0, CT_HINTS_P);
    const double nsides = CT_HINTS_SIDE_MAX - CT_HINTS_SIDE_MIN + 1;
    for (int s = CT_HINTS_SIDE_MIN; s <= CT_HINTS_SIDE_MAX; s++) {
        const double f = (double)sides[s] / recorded;
        CHECK(st, fabs(f - 1 / nsides) < 0.01, "side %d drawn %.4f of the time, want %.4f", s, f, 1 / nsides);
    }
    cy /= recorded, cx /= recorded;
    CHECK(st, fabs(cy - H / 2.0) < 1 && fabs(cx - W / 2.0) < 1, "mean patch centre (%.2f, %.2f), image centre (%g, %g)",
          cx, cy, W / 2.0, H / 2.0);
    printf("  simulate: patch sides 1..9 each %.3f..%.3f of the time; mean centre (%.2f, %.2f) of %dx%d\n",
           (double)sides[1] / recorded, (double)sides[9] / recorded, cx, cy, W, H);
}

static void test_small_and_repeatable(check_state *st)
{
    float ab[2 * 4 * 5], hint[2 * 4 * 5], mask[4 * 5], hint2[2 * 4 * 5], mask2[4 * 5];
    ct_hint_point pts[CAP];
    uint64_t truth = 3, rng = 11;
    make_truth(ab, 4, 5, &truth);
    bool ok = true;
    for (int i = 0; i < 2000 && ok; i++) {
        int n = ct_hints_simulate(hint, mask, pts, CAP, ab, 4, 5, &rng);
        for (int k = 0; k < n && k < CAP; k++) ok = ok && pts[k].side <= 4;
        ok = ok && consistent(st, hint, mask, pts, n < CAP ? n : CAP, ab, 4, 5, "simulate 5x4");
    }
    CHECK(st, ok, "a 5x4 image: patches wider than the image or inconsistent outputs");

    /* a constant truth gives exactly that colour at every hinted pixel */
    static float cab[2 * H * W], chint[2 * H * W], cmask[H * W];
    for (int j = 0; j < H * W; j++) cab[j] = 20.0f, cab[H * W + j] = -30.0f;
    uint64_t r2 = 5;
    int n = 0;
    while (n == 0) n = ct_hints_simulate(chint, cmask, NULL, 0, cab, H, W, &r2);
    ok = true;
    for (int j = 0; j < H * W; j++)
        ok = ok && (cmask[j] ? chint[j] == 20.0f && chint[H * W + j] == -30.0f : chint[j] == 0 && chint[H * W + j] == 0);
    CHECK(st, ok, "a constant truth (20, -30) is not the hint at every hinted pixel");

    uint64_t a = 99, b = 99;
    ct_hints_simulate(hint, mask, NULL, 0, ab, 4, 5, &a);
    ct_hints_simulate(hint2, mask2, NULL, 0, ab, 4, 5, &b);
    CHECK(st, a == b && !memcmp(hint, hint2, sizeof hint) && !memcmp(mask, mask2, sizeof mask),
          "the same RNG state gives other hints");
}

static void test_fixed(check_state *st)
{
    static float ab[2 * H * W], hint[2 * H * W], mask[H * W], hint2[2 * H * W], mask2[H * W];
    ct_hint_point pts[CAP];
    uint64_t truth = 8;
    make_truth(ab, H, W, &truth);
    const int counts[] = {0, 1, 2, 5, 10, 20, 50};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        const int n = counts[i];
        char what[32];
        snprintf(what, sizeof what, "fixed %d", n);
        CHECK(st, ct_hints_fixed(hint, mask, pts, CAP, ab, H, W, n, 1234) == n, "%s: wrong count", what);
        bool sides = true;
        for (int k = 0; k < n; k++) sides = sides && pts[k].side == CT_HINTS_EVAL_SIDE;
        CHECK(st, sides, "%s: a patch is not %dx%d", what, CT_HINTS_EVAL_SIDE, CT_HINTS_EVAL_SIDE);
        consistent(st, hint, mask, pts, n, ab, H, W, what);
        double area = 0;
        for (int j = 0; j < H * W; j++) area += mask[j];
        const int full = CT_HINTS_EVAL_SIDE * CT_HINTS_EVAL_SIDE;
        CHECK(st, n ? area >= full && area <= (double)n * full : area == 0, "%s: %g pixels hinted", what, area);
        ct_hints_fixed(hint2, mask2, NULL, 0, ab, H, W, n, 1234);
        CHECK(st, !memcmp(hint, hint2, sizeof hint) && !memcmp(mask, mask2, sizeof mask),
              "%s: the same seed gives other hints", what);
        if (n) {
            ct_hints_fixed(hint2, mask2, NULL, 0, ab, H, W, n, 1235);
            CHECK(st, memcmp(mask, mask2, sizeof mask), "%s: another seed gives the same hints", what);
        }
    }
    /* an image smaller than the patch: one patch covers it */
    float sab[2 * 3 * 4], shint[2 * 3 * 4], smask[3 * 4];
    make_truth(sab, 3, 4, &truth);
    ct_hints_fixed(shint, smask, pts, CAP, sab, 3, 4, 2, 1);
    CHECK(st, pts[0].side == 3 && pts[1].side == 3, "a 4x3 image: patches of side %d, %d", pts[0].side, pts[1].side);
    consistent(st, shint, smask, pts, 2, sab, 3, 4, "fixed 4x3");
}

int main(void)
{
    check_state st = {0};
    test_statistics(&st);
    test_small_and_repeatable(&st);
    test_fixed(&st);
    return check_finish(&st, "hints_sim");
}
