/* test_guided.c: the fast guided filter's passes (guided.h) against their
 * direct O(r^2) and O(r^4) loops in double, to float tolerance, at sizes
 * with windows wider than the plane; that the up-sampled colour follows a
 * sharp edge of full-resolution L where bilinear bleeds across it; and the
 * padding of pad.h by hand-computed values. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guided.h"
#include "pad.h"
#include "upsample.h"

static void test_box(check_state *st, uint64_t *rng)
{
    static const int sizes[][3] = {{1, 1, 0}, {1, 7, 2}, {5, 3, 1}, {9, 13, 2}, {6, 4, 8}, {31, 17, 4}};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        const int h = sizes[t][0], w = sizes[t][1], r = sizes[t][2];
        const size_t n = (size_t)h * w;
        double *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
        double *ref = malloc(n * sizeof *ref), *tmp = malloc(n * sizeof *tmp);
        for (size_t i = 0; i < n; i++) in[i] = 100.0 * cz_rng_uniform(rng);
        cz_guided_box_mean(out, tmp, in, h, w, r);
        cz_guided_box_mean_ref(ref, in, h, w, r);
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(out[i] - ref[i]));
        CHECK(st, e < 1e-9, "box mean %dx%d r %d: max err %.3g", h, w, r, e);
        free(in), free(out), free(ref), free(tmp);
    }
    /* By hand: 1 x 4 row 0, 4, 8, 12 with r 1: windows clipped at the ends. */
    const double row[4] = {0, 4, 8, 12};
    const double want[4] = {2, 4, 8, 10};
    double out[4], tmp[4];
    cz_guided_box_mean(out, tmp, row, 1, 4, 1);
    for (int i = 0; i < 4; i++) CHECK(st, fabs(out[i] - want[i]) < 1e-12, "box 1x4 [%d] = %g, want %g", i, out[i], want[i]);
}

static void test_coeffs(check_state *st, uint64_t *rng)
{
    static const int sizes[][3] = {{1, 1, 1}, {4, 6, 1}, {11, 9, 2}, {8, 21, 3}, {5, 5, 6}};
    static const float eps[] = {0.01f, 10.0f, 1000.0f};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++)
        for (size_t k = 0; k < sizeof eps / sizeof *eps; k++) {
            const int h = sizes[t][0], w = sizes[t][1], r = sizes[t][2];
            const size_t n = (size_t)h * w;
            float *I = malloc(n * sizeof *I), *p = malloc(n * sizeof *p);
            float *A = malloc(n * sizeof *A), *Ar = malloc(n * sizeof *Ar);
            double *work = malloc(cz_guided_work_doubles(h, w) * sizeof *work);
            check_fill_uniform(I, n, 0.0f, 100.0f, rng);
            check_fill_uniform(p, n, -80.0f, 80.0f, rng);
            cz_guided_coeffs(A, work, I, p, h, w, r, eps[k]);
            cz_guided_coeffs_ref(Ar, I, p, h, w, r, eps[k]);
            double ea = check_rel_err(A, Ar, n, 1e-3);
            CHECK(st, ea < 1e-5, "slopes %dx%d r %d eps %g: rel err %.3g", h, w, r, eps[k], ea);
            free(I), free(p), free(A), free(Ar), free(work);
        }
    /* p = 2 I + 3 exactly: every window's slope is 2, whatever r, and a
     * tiny eps leaves it. */
    enum { H = 6, W = 7 };
    float I[H * W], p[H * W], A[H * W];
    double work[8 * H * W];
    check_fill_uniform(I, H * W, 0.0f, 100.0f, rng);
    for (int i = 0; i < H * W; i++) p[i] = 2.0f * I[i] + 3.0f;
    cz_guided_coeffs(A, work, I, p, H, W, 2, 1e-4f);
    for (int i = 0; i < H * W; i++) CHECK(st, fabsf(A[i] - 2.0f) < 1e-3f, "linear p: slope %g at %d", A[i], i);
    CHECK(st, cz_guided_work_doubles(0, 5) == 0 && cz_guided_work_doubles(6, 7) == 8 * 42, "work sizes");
}

/* A photo 64 px wide, dark (L 20) left of x = 37 and light (L 80) from it,
 * whose true colour is a = 0 on the dark side and 60 on the light one. The
 * network sees it as 8 cells of 8 px (L and a area-averaged), so the cell
 * holding the edge has a in between. Bilinear spreads the colour over
 * ~16 px around the edge; guided up-sampling puts it back on the light side
 * And an L as smooth as the grid gives bilinear's answer. */
static void test_edge(check_state *st)
{
    enum { FW = 64, CW = 8, EDGE = 37 };
    float L[FW], a[FW], Lc[CW], ac[CW], A[CW];
    double work[8 * CW];
    for (int x = 0; x < FW; x++) L[x] = x < EDGE ? 20.0f : 80.0f, a[x] = x < EDGE ? 0.0f : 60.0f;
    for (int c = 0; c < CW; c++) {
        double sl = 0, sa = 0;
        for (int x = c * 8; x < c * 8 + 8; x++) sl += L[x], sa += a[x];
        Lc[c] = (float)(sl / 8), ac[c] = (float)(sa / 8);
    }
    cz_guided_coeffs(A, work, Lc, ac, 1, CW, 1, 1.0f);
    double err_bil = 0, err_gui = 0, max_gui = 0, max_bil = 0;
    for (int x = 0; x < FW; x++) {
        float u = ((float)x + 0.5f) * CW / FW - 0.5f;
        float bil = cz_upsample_at(ac, 1, CW, u, 0.0f);
        float gui = cz_guided_at(ac, A, Lc, 1, CW, u, 0.0f, L[x]);
        err_bil += fabs(bil - a[x]);
        if (fabs(bil - a[x]) > max_bil) max_bil = fabs(bil - a[x]);
        err_gui += fabs(gui - a[x]);
        if (fabs(gui - a[x]) > max_gui) max_gui = fabs(gui - a[x]);
    }
    printf("  edge: mean |a error| bilinear %.3f, guided %.3f; worst %.3f, %.3f\n", err_bil / FW, err_gui / FW, max_bil,
           max_gui);
    /* Not exact: A is the window mean of a, which is 0 in the flat windows
     * next to the edge's (2/3 of the slope in the cells beside it). */
    CHECK(st, err_gui < 0.2 * err_bil, "guided error %.3f is not under a fifth of bilinear's %.3f", err_gui / FW,
          err_bil / FW);
    CHECK(st, max_gui < 0.25 * max_bil, "guided: worst |a error| %.3f, bilinear's %.3f", max_gui, max_bil);
    /* L as smooth as the grid: L = its bilinear sample, so q is bilinear. */
    double worst = 0;
    for (int x = 0; x < FW; x++) {
        float u = ((float)x + 0.5f) * CW / FW - 0.5f;
        float Ls = cz_upsample_at(Lc, 1, CW, u, 0.0f);
        worst = fmax(worst, fabs(cz_guided_at(ac, A, Lc, 1, CW, u, 0.0f, Ls) - cz_upsample_at(ac, 1, CW, u, 0.0f)));
    }
    CHECK(st, worst < 1e-4, "smooth L: guided differs from bilinear by %.3g", worst);
}

static void test_pad(check_state *st)
{
    /* 2 x 3 plane 1..6 into 4 x 7 at (1, 2), mirrored: rows -1 and 2 repeat
     * rows 0 and 1; columns -2, -1 are columns 1, 0; 3, 4 are 2, 1. */
    const float in[6] = {1, 2, 3, 4, 5, 6};
    const float want[28] = {2, 1, 1, 2, 3, 3, 2,
                            2, 1, 1, 2, 3, 3, 2,
                            5, 4, 4, 5, 6, 6, 5,
                            5, 4, 4, 5, 6, 6, 5};
    float out[28], back[6];
    cz_pad_forward(out, in, 1, 2, 3, 4, 7, 1, 2, true);
    for (int i = 0; i < 28; i++) CHECK(st, out[i] == want[i], "mirror pad [%d] = %g, want %g", i, out[i], want[i]);
    cz_pad_crop(back, out, 1, 2, 3, 4, 7, 1, 2);
    CHECK(st, !memcmp(back, in, sizeof in), "crop of the pad is not the plane");
    cz_pad_forward(out, in, 1, 2, 3, 4, 7, 1, 2, false);
    float sum = 0;
    for (int i = 0; i < 28; i++) sum += out[i];
    CHECK(st, sum == 21.0f && out[7 + 2] == 1.0f && out[14 + 4] == 6.0f, "zero pad: sum %g", sum);
    /* Padding wider than the plane mirrors again: 1 x 1 fills with its value,
     * 1 x 2 (a, b) over 6 columns at 2: b a | a b | b a. */
    const float two[2] = {7, 9};
    float six[6];
    cz_pad_forward(six, two, 1, 1, 2, 1, 6, 0, 2, true);
    const float want6[6] = {9, 7, 7, 9, 9, 7};
    for (int i = 0; i < 6; i++) CHECK(st, six[i] == want6[i], "wide mirror [%d] = %g, want %g", i, six[i], want6[i]);
}

int main(void)
{
    check_state st = {0};
    uint64_t rng = 0x6775696465ull;
    test_box(&st, &rng);
    test_coeffs(&st, &rng);
    test_edge(&st);
    test_pad(&st);
    return check_finish(&st, "guided");
}
