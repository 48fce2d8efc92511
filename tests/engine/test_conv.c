/* test_conv.c: the heavy kernels: gemm against its naive loop; conv2d and
 * deconv2d forward against direct loops and hand-computed cases (checked
 * with PyTorch), backward against the direct loop and finite differences;
 * batchnorm statistics, running averages and finite differences.
 * Tensors are NCHW float32 as everywhere in the engine. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchnorm.h"
#include "check.h"
#include "conv2d.h"
#include "deconv2d.h"
#include "gemm.h"
#include "im2col.h"
#include "rng.h"

static float *falloc(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static float *frand(size_t n, uint64_t *rng)
{
    float *p = falloc(n);
    check_fill_uniform(p, n, -1.0f, 1.0f, rng);
    return p;
}

/* ---- gemm ---- */

static void test_gemm(check_state *st, uint64_t *rng)
{
    const int m = 13, n = 7, k = 11, pad = 3;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int bi = 0; bi < 2; bi++) {
                float alpha = 0.7f, beta = bi ? 0.3f : 0.0f;
                /* Leading dimensions wider than the matrices, to catch
                 * stride mistakes. */
                int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
                float *a = frand((size_t)(ta ? k : m) * lda, rng);
                float *b = frand((size_t)(tb ? n : k) * ldb, rng);
                float *c1 = frand((size_t)m * ldc, rng);
                float *c2 = falloc((size_t)m * ldc);
                if (!bi) c1[0] = NAN; /* beta = 0 must overwrite, not scale */
                memcpy(c2, c1, sizeof(float) * m * ldc);
                cz_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c1, ldc);
                cz_gemm_ref(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c2, ldc);
                double e = check_rel_err(c1, c2, (size_t)m * ldc, 1e-3);
                CHECK(st, e < 1e-5, "gemm ta=%d tb=%d beta=%g: rel err %g", ta, tb, beta, e);
                free(a), free(b), free(c1), free(c2);
            }
    /* A 2x2 by hand: [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]. */
    float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, c[4] = {1, 1, 1, 1};
    cz_gemm(false, false, 2, 2, 2, 2.0f, a, 2, b, 2, 1.0f, c, 2);
    CHECK(st, c[0] == 39 && c[1] == 45 && c[2] == 87 && c[3] == 101,
          "gemm by hand: %g %g %g %g", c[0], c[1], c[2], c[3]);
    /* A^T * B^T: A^T = [1 3; 2 4], B^T = [5 7; 6 8] -> [23 31; 34 46]. */
    cz_gemm(true, true, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);
    CHECK(st, c[0] == 23 && c[1] == 31 && c[2] == 34 && c[3] == 46,
          "gemm^T by hand: %g %g %g %g", c[0], c[1], c[2], c[3]);
}

/* ---- conv2d ---- */

static size_t conv_in_size(const cz_conv2d_dims *d)
{
    return (size_t)d->n * d->cin * d->h * d->w;
}
static size_t conv_out_size(const cz_conv2d_dims *d)
{
    return (size_t)d->n * d->cout * cz_conv2d_out_h(d) * cz_conv2d_out_w(d);
}
static size_t conv_w_size(const cz_conv2d_dims *d)
{
    return (size_t)d->cout * d->cin * d->k * d->k;
}

static const cz_conv2d_dims conv_cases[] = {
    /* n cin h  w   cout k stride pad dil */
    {2, 3, 9, 7, 4, 3, 1, 1, 1},
    {2, 3, 9, 7, 4, 3, 2, 1, 1},
    {2, 2, 11, 10, 3, 4, 2, 1, 1},
    {2, 4, 8, 8, 5, 1, 1, 0, 1},   /* pointwise: input used as col */
    {2, 4, 7, 9, 5, 1, 2, 0, 1},   /* 1x1 but strided: needs im2col */
    {2, 3, 10, 9, 2, 3, 1, 2, 2},  /* dilated, pad 2 keeps the size */
    {2, 2, 9, 11, 3, 3, 2, 2, 2},
    {2, 3, 5, 6, 2, 4, 1, 0, 1},
    {2, 2, 6, 5, 3, 3, 2, 0, 1},
    {2, 3, 4, 3, 2, 3, 1, 2, 1},   /* padding larger than half the image */
    /* Winograd input gradient: unpadded (gradient pad 2), dilated with
     * pad 1 (gradient pad 3), odd sizes; pad 3 > 2*dil falls back. */
    {2, 3, 7, 8, 5, 3, 1, 0, 1},
    {1, 4, 9, 10, 3, 3, 1, 1, 2},
    {2, 5, 5, 7, 6, 3, 1, 3, 1},
};
#define N_CONV_CASES (sizeof conv_cases / sizeof conv_cases[0])

static void test_conv_forward(check_state *st, uint64_t *rng)
{
    for (size_t ci = 0; ci < N_CONV_CASES; ci++) {
        const cz_conv2d_dims *d = &conv_cases[ci];
        for (int with_b = 0; with_b < 2; with_b++) {
            float *in = frand(conv_in_size(d), rng), *w = frand(conv_w_size(d), rng);
            float *b = with_b ? frand((size_t)d->cout, rng) : NULL;
            float *o1 = falloc(conv_out_size(d)), *o2 = falloc(conv_out_size(d));
            float *col = falloc(cz_conv2d_col_size(d));
            check_fill_uniform(o1, conv_out_size(d), 5, 6, rng); /* must be overwritten */
            cz_conv2d_forward(o1, col, in, w, b, d);
            cz_conv2d_forward_ref(o2, in, w, b, d);
            double e = check_rel_err(o1, o2, conv_out_size(d), 1e-3);
            CHECK(st, e < 1e-5, "conv forward case %zu bias %d: rel err %g", ci, with_b, e);
            free(in), free(w), free(b), free(o1), free(o2), free(col);
        }
    }
    CHECK(st, cz_conv2d_col_size(&conv_cases[3]) == 0, "pointwise conv needs no col");
    CHECK(st, cz_conv2d_col_size(&conv_cases[4]) == 4u * 4 * 5,
          "strided 1x1 col size %zu", cz_conv2d_col_size(&conv_cases[4]));
    CHECK(st, cz_conv2d_out_h(&conv_cases[2]) == 5 && cz_conv2d_out_w(&conv_cases[2]) == 5,
          "k4 s2 p1 on 11x10: %dx%d", cz_conv2d_out_h(&conv_cases[2]),
          cz_conv2d_out_w(&conv_cases[2]));

    /* By hand: 3x3 image 1..9, all-ones 3x3 kernel, stride 2, pad 1, bias
     * 0.5: each output sums a 2x2 corner: 12, 16, 24, 28 (+0.5). */
    float img[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, ones[9], bias = 0.5f, out[4];
    for (int i = 0; i < 9; i++) ones[i] = 1;
    cz_conv2d_dims d1 = {1, 1, 3, 3, 1, 3, 2, 1, 1};
    float col[9 * 4];
    cz_conv2d_forward(out, col, img, ones, &bias, &d1);
    CHECK(st, out[0] == 12.5f && out[1] == 16.5f && out[2] == 24.5f && out[3] == 28.5f,
          "conv by hand (s2 p1): %g %g %g %g", out[0], out[1], out[2], out[3]);
    /* By hand: 2x2 kernel [1 2; 3 4] at dilation 2 on the same image reads
     * the four corners: 1*1 + 2*3 + 3*7 + 4*9 = 64. */
    float k2[4] = {1, 2, 3, 4};
    cz_conv2d_dims d2 = {1, 1, 3, 3, 1, 2, 1, 0, 2};
    cz_conv2d_forward(out, col, img, k2, NULL, &d2);
    CHECK(st, cz_conv2d_out_h(&d2) == 1 && out[0] == 64.0f, "dilated conv by hand: %g", out[0]);
    /* im2col of a 2x2 image, k2 s1 p1 -> 3x3 outputs; row (kh=0, kw=0)
     * sees in[oh-1][ow-1]: only the bottom-right 2x2 is inside. */
    float im[4] = {1, 2, 3, 4}, c4[4 * 9];
    cz_im2col(c4, im, 1, 2, 2, 2, 1, 1, 1, 3, 3);
    const float row0[9] = {0, 0, 0, 0, 1, 2, 0, 3, 4};
    CHECK(st, memcmp(c4, row0, sizeof row0) == 0, "im2col padded row");
}

static void test_conv_backward_ref(check_state *st, uint64_t *rng)
{
    for (size_t ci = 0; ci < N_CONV_CASES; ci++) {
        const cz_conv2d_dims *d = &conv_cases[ci];
        size_t ni = conv_in_size(d), nw = conv_w_size(d), no = conv_out_size(d);
        float *in = frand(ni, rng), *w = frand(nw, rng), *dout = frand(no, rng);
        /* Both start from the same non-zero gradients: backward must add. */
        float *din1 = frand(ni, rng), *dw1 = frand(nw, rng), *db1 = frand((size_t)d->cout, rng);
        float *din2 = falloc(ni), *dw2 = falloc(nw), *db2 = falloc((size_t)d->cout);
        memcpy(din2, din1, ni * sizeof(float));
        memcpy(dw2, dw1, nw * sizeof(float));
        memcpy(db2, db1, d->cout * sizeof(float));
        size_t cs = cz_conv2d_col_size(d);
        float *col = cs ? falloc(cs) : NULL;
        cz_conv2d_backward(din1, dw1, db1, col, dout, in, w, d);
        cz_conv2d_backward_ref(din2, dw2, db2, dout, in, w, d);
        double e1 = check_rel_err(din1, din2, ni, 1e-3);
        double e2 = check_rel_err(dw1, dw2, nw, 1e-3);
        double e3 = check_rel_err(db1, db2, (size_t)d->cout, 1e-3);
        CHECK(st, e1 < 1e-5 && e2 < 1e-5 && e3 < 1e-5,
              "conv backward case %zu vs ref: din %g dw %g db %g", ci, e1, e2, e3);
        /* Only din requested (dw, db NULL) gives the same din increment. */
        float *din3 = falloc(ni), *din4 = falloc(ni);
        cz_conv2d_backward(din3, NULL, NULL, col, dout, in, w, d);
        cz_conv2d_backward_ref(din4, NULL, NULL, dout, in, w, d);
        double e4 = check_rel_err(din3, din4, ni, 1e-3);
        CHECK(st, e4 < 1e-5, "conv backward din-only case %zu: %g", ci, e4);
        free(in), free(w), free(dout), free(din1), free(dw1), free(db1);
        free(din2), free(dw2), free(db2), free(din3), free(din4), free(col);
    }
}

/* L = sum(out * r) for the finite-difference checks. */
typedef struct {
    const cz_conv2d_dims *cd;
    const cz_deconv2d_dims *dd;
    const cz_batchnorm_dims *bd;
    float *out, *col, *in, *w, *b, *r;
    float *mean, *rstd, *rm, *rv; /* batchnorm */
} fd_ctx;

static double conv_loss(void *p)
{
    fd_ctx *c = p;
    cz_conv2d_forward(c->out, c->col, c->in, c->w, c->b, c->cd);
    return check_dot(c->out, c->r, conv_out_size(c->cd));
}

static void test_conv_fd(check_state *st, uint64_t *rng)
{
    static const size_t cases[] = {1, 2, 3, 6};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const cz_conv2d_dims *d = &conv_cases[cases[i]];
        size_t ni = conv_in_size(d), nw = conv_w_size(d), no = conv_out_size(d);
        size_t cs = cz_conv2d_col_size(d);
        fd_ctx c = {.cd = d, .out = falloc(no), .col = cs ? falloc(cs) : NULL,
                    .in = frand(ni, rng), .w = frand(nw, rng),
                    .b = frand((size_t)d->cout, rng), .r = frand(no, rng)};
        float *din = falloc(ni), *dw = falloc(nw), *db = falloc((size_t)d->cout);
        cz_conv2d_backward(din, dw, db, c.col, c.r, c.in, c.w, d);
        char what[64];
        snprintf(what, sizeof what, "conv case %zu din", cases[i]);
        check_gradient(st, what, c.in, din, ni, conv_loss, &c, 1e-2f, 1e-2, 1e-3, 200);
        snprintf(what, sizeof what, "conv case %zu dw", cases[i]);
        check_gradient(st, what, c.w, dw, nw, conv_loss, &c, 1e-2f, 1e-2, 1e-3, 200);
        snprintf(what, sizeof what, "conv case %zu db", cases[i]);
        check_gradient(st, what, c.b, db, (size_t)d->cout, conv_loss, &c, 1e-2f, 1e-2, 1e-3, 200);
        free(c.out), free(c.col), free(c.in), free(c.w), free(c.b), free(c.r);
        free(din), free(dw), free(db);
    }
}

/* ---- deconv2d ---- */

static size_t deconv_in_size(const cz_deconv2d_dims *d)
{
    return (size_t)d->n * d->cin * d->h * d->w;
}
static size_t deconv_out_size(const cz_deconv2d_dims *d)
{
    return (size_t)d->n * d->cout * cz_deconv2d_out_h(d) * cz_deconv2d_out_w(d);
}
static size_t deconv_w_size(const cz_deconv2d_dims *d)
{
    return (size_t)d->cin * d->cout * d->k * d->k;
}

static const cz_deconv2d_dims deconv_cases[] = {
    /* n cin h w cout k stride pad dil */
    {2, 3, 5, 4, 2, 4, 2, 1, 1}, /* the up-sampling block: doubles H, W */
    {2, 2, 3, 5, 3, 3, 1, 1, 1},
    {2, 3, 4, 3, 2, 3, 2, 0, 1},
    {2, 2, 3, 3, 2, 3, 2, 1, 2},
    {2, 4, 3, 5, 3, 1, 1, 0, 1},
    {2, 2, 4, 4, 3, 2, 3, 0, 1}, /* stride > k: gaps in the output */
};
#define N_DECONV_CASES (sizeof deconv_cases / sizeof deconv_cases[0])

static void test_deconv_forward(check_state *st, uint64_t *rng)
{
    for (size_t ci = 0; ci < N_DECONV_CASES; ci++) {
        const cz_deconv2d_dims *d = &deconv_cases[ci];
        for (int with_b = 0; with_b < 2; with_b++) {
            float *in = frand(deconv_in_size(d), rng), *w = frand(deconv_w_size(d), rng);
            float *b = with_b ? frand((size_t)d->cout, rng) : NULL;
            float *o1 = falloc(deconv_out_size(d)), *o2 = falloc(deconv_out_size(d));
            float *col = falloc(cz_deconv2d_col_size(d));
            check_fill_uniform(o1, deconv_out_size(d), 5, 6, rng);
            cz_deconv2d_forward(o1, col, in, w, b, d);
            cz_deconv2d_forward_ref(o2, in, w, b, d);
            double e = check_rel_err(o1, o2, deconv_out_size(d), 1e-3);
            CHECK(st, e < 1e-5, "deconv forward case %zu bias %d: rel err %g", ci, with_b, e);
            free(in), free(w), free(b), free(o1), free(o2), free(col);
        }
    }
    CHECK(st, cz_deconv2d_out_h(&deconv_cases[0]) == 10 && cz_deconv2d_out_w(&deconv_cases[0]) == 8,
          "k4 s2 p1 doubles: %dx%d", cz_deconv2d_out_h(&deconv_cases[0]),
          cz_deconv2d_out_w(&deconv_cases[0]));

    /* By hand (and PyTorch conv_transpose2d): in [1 2; 3 4], w = 1..16
     * row-major, k4 s2 p1 -> 4x4. */
    float in[4] = {1, 2, 3, 4}, w[16], out[16], col[16 * 4];
    for (int i = 0; i < 16; i++) w[i] = (float)(i + 1);
    const float want[16] = {6, 17, 20, 14, 16, 42, 52, 34, 32, 82, 92, 58, 30, 69, 76, 44};
    cz_deconv2d_dims d = {1, 1, 2, 2, 1, 4, 2, 1, 1};
    CHECK(st, cz_deconv2d_col_size(&d) == 64, "deconv col size %zu", cz_deconv2d_col_size(&d));
    cz_deconv2d_forward(out, col, in, w, NULL, &d);
    int bad = 0;
    for (int i = 0; i < 16; i++) bad += out[i] != want[i];
    CHECK(st, bad == 0, "deconv by hand: %d of 16 wrong (out[5] %g, want 42)", bad, out[5]);
    float bias = -1.0f;
    cz_deconv2d_forward(out, col, in, w, &bias, &d);
    CHECK(st, out[0] == 5.0f && out[15] == 43.0f, "deconv by hand with bias: %g %g", out[0], out[15]);
}

static double deconv_loss(void *p)
{
    fd_ctx *c = p;
    cz_deconv2d_forward(c->out, c->col, c->in, c->w, c->b, c->dd);
    return check_dot(c->out, c->r, deconv_out_size(c->dd));
}

static void test_deconv_fd(check_state *st, uint64_t *rng)
{
    for (size_t ci = 0; ci < N_DECONV_CASES; ci++) {
        const cz_deconv2d_dims *d = &deconv_cases[ci];
        size_t ni = deconv_in_size(d), nw = deconv_w_size(d), no = deconv_out_size(d);
        fd_ctx c = {.dd = d, .out = falloc(no), .col = falloc(cz_deconv2d_col_size(d)),
                    .in = frand(ni, rng), .w = frand(nw, rng),
                    .b = frand((size_t)d->cout, rng), .r = frand(no, rng)};
        /* Start from non-zero gradients and subtract them after: += check. */
        float *din = frand(ni, rng), *dw = frand(nw, rng), *db = frand((size_t)d->cout, rng);
        float *din0 = falloc(ni), *dw0 = falloc(nw), *db0 = falloc((size_t)d->cout);
        memcpy(din0, din, ni * sizeof(float));
        memcpy(dw0, dw, nw * sizeof(float));
        memcpy(db0, db, d->cout * sizeof(float));
        cz_deconv2d_backward(din, dw, db, c.col, c.r, c.in, c.w, d);
        for (size_t i = 0; i < ni; i++) din[i] -= din0[i];
        for (size_t i = 0; i < nw; i++) dw[i] -= dw0[i];
        for (int i = 0; i < d->cout; i++) db[i] -= db0[i];
        char what[64];
        snprintf(what, sizeof what, "deconv case %zu din", ci);
        check_gradient(st, what, c.in, din, ni, deconv_loss, &c, 1e-2f, 1e-2, 1e-3, 200);
        snprintf(what, sizeof what, "deconv case %zu dw", ci);
        check_gradient(st, what, c.w, dw, nw, deconv_loss, &c, 1e-2f, 1e-2, 1e-3, 200);
        snprintf(what, sizeof what, "deconv case %zu db", ci);
        check_gradient(st, what, c.b, db, (size_t)d->cout, deconv_loss, &c, 1e-2f, 1e-2, 1e-3, 200);
        free(c.out), free(c.col), free(c.in), free(c.w), free(c.b), free(c.r);
        free(din), free(dw), free(db), free(din0), free(dw0), free(db0);
    }
}

/* ---- batchnorm ---- */

static void test_batchnorm_forward(check_state *st, uint64_t *rng)
{
    const cz_batchnorm_dims d = {3, 4, 37};
    size_t n = (size_t)d.n * d.c * d.hw, count = (size_t)d.n * d.hw;
    float *in = falloc(n), *out = falloc(n), *out2 = falloc(n);
    /* Channel c has mean 3c - 4 and spread c + 0.5: far from normalised. */
    for (int b = 0; b < d.n; b++)
        for (int c = 0; c < d.c; c++)
            for (int i = 0; i < d.hw; i++)
                in[((size_t)b * d.c + c) * d.hw + i] =
                    3.0f * c - 4.0f + (c + 0.5f) * (2.0f * cz_rng_uniform(rng) - 1.0f);
    float gamma[4], beta[4], ones[4], zeros[4], mean[4], rstd[4];
    float rm[4], rv[4], rm0[4], rv0[4];
    for (int c = 0; c < 4; c++) {
        gamma[c] = 0.5f + c, beta[c] = 0.25f * c - 0.3f, ones[c] = 1, zeros[c] = 0;
        rm[c] = rm0[c] = 0.1f * c, rv[c] = rv0[c] = 1.0f + 0.2f * c;
    }
    const float momentum = 0.1f, eps = 1e-5f;
    cz_batchnorm_forward_train(out, mean, rstd, rm, rv, in, ones, zeros, momentum, eps, &d);
    for (int c = 0; c < d.c; c++) {
        /* Reference statistics, computed here independently. */
        double s = 0, ss = 0, os = 0, oss = 0;
        for (int b = 0; b < d.n; b++)
            for (int i = 0; i < d.hw; i++) {
                size_t j = ((size_t)b * d.c + c) * d.hw + i;
                s += in[j], ss += (double)in[j] * in[j];
                os += out[j], oss += (double)out[j] * out[j];
            }
        double m = s / count, var = ss / count - m * m;
        double om = os / count, ov = oss / count - om * om;
        CHECK(st, fabs(om) < 1e-5, "bn channel %d normalised mean %g", c, om);
        /* 1 but for eps: var / (var + eps). */
        CHECK(st, fabs(ov - var / (var + eps)) < 1e-5, "bn channel %d normalised var %g", c, ov);
        CHECK(st, fabs(ov - 1.0) < 2e-4, "bn channel %d normalised var %g", c, ov);
        CHECK(st, fabs(mean[c] - m) < 1e-5 * (1 + fabs(m)), "bn saved mean %g vs %g", mean[c], m);
        CHECK(st, fabs(rstd[c] - 1 / sqrt(var + eps)) < 1e-5 * rstd[c], "bn saved rstd");
        double want_rm = (1 - momentum) * rm0[c] + momentum * m;
        double want_rv = (1 - momentum) * rv0[c] + momentum * var * count / (count - 1.0);
        CHECK(st, fabs(rm[c] - want_rm) < 1e-6 * (1 + fabs(want_rm)),
              "bn running_mean %d: %g vs %g", c, rm[c], want_rm);
        CHECK(st, fabs(rv[c] - want_rv) < 1e-6 * (1 + want_rv),
              "bn running_var %d (unbiased): %g vs %g", c, rv[c], want_rv);
    }
    /* Affine: out = gamma * xhat + beta, applied to the unit output. */
    float rm2[4], rv2[4];
    memcpy(rm2, rm0, sizeof rm2), memcpy(rv2, rv0, sizeof rv2);
    cz_batchnorm_forward_train(out2, mean, rstd, rm2, rv2, in, gamma, beta, momentum, eps, &d);
    double worst = 0;
    for (int b = 0; b < d.n; b++)
        for (int c = 0; c < d.c; c++)
            for (int i = 0; i < d.hw; i++) {
                size_t j = ((size_t)b * d.c + c) * d.hw + i;
                worst = fmax(worst, fabs(out2[j] - (gamma[c] * out[j] + beta[c])));
            }
    CHECK(st, worst < 1e-5, "bn affine train: worst %g", worst);
    /* Eval uses the running statistics, not the batch's. */
    cz_batchnorm_forward_eval(out2, in, gamma, beta, rm, rv, eps, &d);
    worst = 0;
    for (int b = 0; b < d.n; b++)
        for (int c = 0; c < d.c; c++)
            for (int i = 0; i < d.hw; i++) {
                size_t j = ((size_t)b * d.c + c) * d.hw + i;
                double want = gamma[c] * (in[j] - rm[c]) / sqrt(rv[c] + eps) + beta[c];
                worst = fmax(worst, fabs(out2[j] - want) / (1 + fabs(want)));
            }
    CHECK(st, worst < 1e-5, "bn eval: worst %g", worst);
    /* By hand: one channel [1 2 3 4], eval with mean 2, var 4 - eps: (x-2)/2. */
    const cz_batchnorm_dims d1 = {1, 1, 4};
    float x[4] = {1, 2, 3, 4}, y[4], g1 = 1, b1 = 0, m1 = 2, v1 = 4 - 1e-5f;
    cz_batchnorm_forward_eval(y, x, &g1, &b1, &m1, &v1, 1e-5f, &d1);
    CHECK(st, fabsf(y[0] + 0.5f) < 1e-6f && fabsf(y[3] - 1.0f) < 1e-6f,
          "bn eval by hand: %g %g", y[0], y[3]);
    free(in), free(out), free(out2);
}

static double bn_loss(void *p)
{
    fd_ctx *c = p;
    const cz_batchnorm_dims *d = c->bd;
    /* Running stats do not feed the output; reset them to keep runs equal. */
    for (int i = 0; i < d->c; i++) c->rm[i] = 0, c->rv[i] = 1;
    cz_batchnorm_forward_train(c->out, c->mean, c->rstd, c->rm, c->rv, c->in, c->w,
                               c->b, 0.1f, 1e-5f, d);
    return check_dot(c->out, c->r, (size_t)d->n * d->c * d->hw);
}

static void test_batchnorm_fd(check_state *st, uint64_t *rng)
{
    static const cz_batchnorm_dims dims[] = {{2, 3, 10}, {5, 4, 1}};
    for (size_t k = 0; k < 2; k++) {
        const cz_batchnorm_dims *d = &dims[k];
        size_t n = (size_t)d->n * d->c * d->hw;
        float mean[4], rstd[4], rm[4], rv[4];
        fd_ctx c = {.bd = d, .out = falloc(n), .in = frand(n, rng), .w = frand((size_t)d->c, rng),
                    .b = frand((size_t)d->c, rng), .r = frand(n, rng),
                    .mean = mean, .rstd = rstd, .rm = rm, .rv = rv};
        for (size_t i = 0; i < n; i++) c.in[i] = 2.0f * c.in[i] + 0.5f;
        bn_loss(&c); /* fills mean, rstd */
        float *din = falloc(n), *dg = falloc((size_t)d->c), *dbeta = falloc((size_t)d->c);
        cz_batchnorm_backward(din, dg, dbeta, c.r, c.in, mean, rstd, c.w, d);
        char what[64];
        snprintf(what, sizeof what, "batchnorm %zu din", k);
        check_gradient(st, what, c.in, din, n, bn_loss, &c, 1e-3f, 2e-2, 1e-2, 200);
        snprintf(what, sizeof what, "batchnorm %zu dgamma", k);
        check_gradient(st, what, c.w, dg, (size_t)d->c, bn_loss, &c, 1e-3f, 1e-2, 1e-3, 200);
        snprintf(what, sizeof what, "batchnorm %zu dbeta", k);
        check_gradient(st, what, c.b, dbeta, (size_t)d->c, bn_loss, &c, 1e-3f, 1e-2, 1e-3, 200);
        /* The din of a batchnorm sums to zero per channel (shift invariance). */
        double s = 0;
        for (int b = 0; b < d->n; b++)
            for (int i = 0; i < d->hw; i++) s += din[((size_t)b * d->c) * d->hw + i];
        CHECK(st, fabs(s) < 1e-4, "batchnorm %zu din channel sum %g", k, s);
        free(c.out), free(c.in), free(c.w), free(c.b), free(c.r), free(din), free(dg), free(dbeta);
    }
}

int main(void)
{
    check_state st = {0, 0};
    uint64_t rng = 1234;
    test_gemm(&st, &rng);
    test_conv_forward(&st, &rng);
    test_conv_backward_ref(&st, &rng);
    test_conv_fd(&st, &rng);
    test_deconv_forward(&st, &rng);
    test_deconv_fd(&st, &rng);
    test_batchnorm_forward(&st, &rng);
    test_batchnorm_fd(&st, &rng);
    return check_finish(&st, "conv");
}
