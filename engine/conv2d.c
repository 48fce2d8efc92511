/* conv2d.c: 2-D convolution as im2col + one sgemm per image, and its backward.
 * Layout: in [N, Cin, H, W], w [Cout, Cin, K, K] (viewed as [Cout, Cin*K*K]),
 * b [Cout] or NULL, out [N, Cout, Ho, Wo]. Per image,
 *   out[Cout, Ho*Wo] = W[Cout, Cin*K*K] * col[Cin*K*K, Ho*Wo] (+ b),
 * where col row (c, kh, kw) holds the input pixel each output pixel sees
 * through that kernel tap (0 in the padding). A 1x1, stride-1, unpadded conv
 * is already in col form, so the input itself serves as col.
 * Forward of 3x3 stride-1 convs (any padding, any dilation) uses Winograd
 * F(2x2, 3x3) instead: 16 gemms of [Cout, Cin] x [Cin, tiles], 2.25x fewer
 * multiplies; col then holds the transformed weights, input tiles and
 * products (see wino_floats). Their input gradient is again such a conv
 * (conv2d_grad_dims) and goes the same way; the weight gradient stays
 * im2col + gemm. The element-wise passes (im2col, col2im,
 * transforms) split their channels over as many threads as OpenBLAS uses,
 * started per pass and joined before any BLAS call: a persistent pool
 * would spin on the cores sgemm needs. */
#include "conv2d.h"

#include <cblas.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cz.h"
#include "gemm.h"

/* Below this many floats of work a pass stays on one thread: starting one
 * costs some tens of microseconds. */
#define PAR_MIN_WORK 65536
#define PAR_MAX_THREADS 8

typedef void (*par_fn)(void *ctx, long lo, long hi);

typedef struct {
    par_fn fn;
    void *ctx;
    long lo, hi;
} par_part;

static void *par_main(void *p)
{
    par_part *t = p;
    t->fn(t->ctx, t->lo, t->hi);
    return NULL;
}

/* fn(ctx, lo, hi) over [0, n) in contiguous parts, one per thread; work (in
 * floats touched) decides whether threads pay off. A thread that cannot be
 * started leaves its part to the caller. */
static void par_run(par_fn fn, void *ctx, long n, size_t work)
{
    int nt = openblas_get_num_threads();
    if (nt > PAR_MAX_THREADS) nt = PAR_MAX_THREADS;
    if (nt > n) nt = (int)n;
    if (nt <= 1 || work < PAR_MIN_WORK) {
        if (n > 0) fn(ctx, 0, n);
        return;
    }
    par_part part[PAR_MAX_THREADS];
    pthread_t tid[PAR_MAX_THREADS];
    bool started[PAR_MAX_THREADS] = {false};
    for (int i = 0; i < nt; i++)
        part[i] = (par_part){fn, ctx, n * i / nt, n * (i + 1) / nt};
    for (int i = 1; i < nt; i++) started[i] = pthread_create(&tid[i], NULL, par_main, &part[i]) == 0;
    par_main(&part[0]);
    for (int i = 1; i < nt; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            par_main(&part[i]);
    }
}

int cz_conv2d_out_h(const cz_conv2d_dims *d)
{
    return (d->h + 2 * d->pad - d->dil * (d->k - 1) - 1) / d->stride + 1;
}

int cz_conv2d_out_w(const cz_conv2d_dims *d)
{
    return (d->w + 2 * d->pad - d->dil * (d->k - 1) - 1) / d->stride + 1;
}

static bool conv2d_is_pointwise(const cz_conv2d_dims *d)
{
    return d->k == 1 && d->stride == 1 && d->pad == 0;
}

/* Winograd F(2,3) serves 3x3 stride-1 convs with more than one input
 * channel (a single channel gains nothing from it). */
static bool conv2d_is_winograd(const cz_conv2d_dims *d)
{
    return d->k == 3 && d->stride == 1 && d->cin >= 2 && d->cout >= 1 && d->dil >= 1 &&
           cz_conv2d_out_h(d) > 0 && cz_conv2d_out_w(d) > 0;
}

/* The input gradient of a 3x3 stride-1 conv is itself one: dout (Cout
 * channels) convolved with the kernel transposed and turned by 180 degrees,
 * padding 2*dil - pad, same dilation, giving Cin channels of H x W. Fills *g
 * and says whether Winograd can run it. */
static bool conv2d_grad_dims(const cz_conv2d_dims *d, cz_conv2d_dims *g)
{
    if (d->k != 3 || d->stride != 1 || d->dil < 1 || d->pad > 2 * d->dil) return false;
    *g = (cz_conv2d_dims){.n = d->n, .cin = d->cout, .h = cz_conv2d_out_h(d), .w = cz_conv2d_out_w(d),
                          .cout = d->cin, .k = 3, .stride = 1, .pad = 2 * d->dil - d->pad, .dil = d->dil};
    return g->h > 0 && g->w > 0 && conv2d_is_winograd(g);
}

/* Tiles along one axis of ho outputs with dilation dil: outputs fall into
 * dil interleaved sub-grids (residue mod dil), each an undilated conv, cut
 * into pairs of outputs. */
static int wino_tiles(int ho, int dil)
{
    int t = 0;
    for (int r = 0; r < dil && r < ho; r++) {
        int n = (ho - r + dil - 1) / dil;
        t += (n + 1) / 2;
    }
    return t;
}

/* Distance between the 16 slices of a Winograd array of x floats each: a
 * whole number of 4 KiB pages plus 128 bytes, so that the 16 streams a
 * transform writes or reads at once fall into different cache sets (slices
 * a power of two apart would all map to the same few). SIZE_MAX on overflow. */
static size_t wino_slice(size_t x)
{
    return x > SIZE_MAX / 32 ? SIZE_MAX : ((x + 1023) & ~(size_t)1023) + 32;
}

/* Winograd scratch: U [16, Cout, Cin] (weights), V [16, Cin, T] (input
 * tiles), then M [16, Cout, T] (products) sharing its space with the
 * zero-padded input copy P [Cin, Ho + 3*dil, Wo + 3*dil], dead by then;
 * slices wino_slice() apart. Offsets in *off (u stride, v offset, v stride,
 * m offset, m stride). SIZE_MAX on overflow. */
static size_t wino_floats(const cz_conv2d_dims *d, size_t off[5])
{
    int ho = cz_conv2d_out_h(d), wo = cz_conv2d_out_w(d);
    size_t t = (size_t)wino_tiles(ho, d->dil) * (size_t)wino_tiles(wo, d->dil);
    size_t u, v, m, p, ph = (size_t)ho + 3 * (size_t)d->dil, pw = (size_t)wo + 3 * (size_t)d->dil;
    if (!cz_size_mul(&u, (size_t)d->cout, (size_t)d->cin) || !cz_size_mul(&v, (size_t)d->cin, t) ||
        !cz_size_mul(&m, (size_t)d->cout, t) || !cz_size_mul(&p, (size_t)d->cin, ph) ||
        !cz_size_mul(&p, p, pw))
        return SIZE_MAX;
    size_t us = wino_slice(u), vs = wino_slice(v), ms = wino_slice(m), total;
    if (us == SIZE_MAX || vs == SIZE_MAX || ms == SIZE_MAX || !cz_size_mul(&u, us, 16) ||
        !cz_size_mul(&v, vs, 16) || !cz_size_mul(&m, ms, 16))
        return SIZE_MAX;
    if (!cz_size_add(&total, u, v) || !cz_size_add(&total, total, m > p ? m : p)) return SIZE_MAX;
    if (off) {
        off[0] = us, off[1] = u, off[2] = vs, off[3] = u + v, off[4] = ms;
    }
    return total;
}

size_t cz_conv2d_col_size(const cz_conv2d_dims *d)
{
    if (conv2d_is_pointwise(d)) return 0;
    int ho = cz_conv2d_out_h(d), wo = cz_conv2d_out_w(d);
    if (d->cin <= 0 || d->k <= 0 || ho <= 0 || wo <= 0) return 0;
    size_t s = (size_t)d->cin;
    /* SIZE_MAX on overflow: no allocation of that size can succeed. */
    if (!cz_size_mul(&s, s, (size_t)d->k) || !cz_size_mul(&s, s, (size_t)d->k) ||
        !cz_size_mul(&s, s, (size_t)ho) || !cz_size_mul(&s, s, (size_t)wo))
        return SIZE_MAX;
    if (conv2d_is_winograd(d)) {
        size_t ws = wino_floats(d, NULL);
        if (ws > s) s = ws;
    }
    cz_conv2d_dims g;
    if (conv2d_grad_dims(d, &g)) {
        size_t ws = wino_floats(&g, NULL);
        if (ws > s) s = ws;
    }
    return s;
}

/* Output columns ow in [*lo, *hi) read a real input column
 * iw = ow*stride - pad + off (0 <= iw < w); the rest read padding. */
static void col_valid_range(int *lo, int *hi, int off, int stride, int pad,
                            int w, int wo)
{
    int first = pad - off; /* need ow*stride >= pad - off */
    int a = first <= 0 ? 0 : (first + stride - 1) / stride;
    int last = w - 1 + pad - off; /* need ow*stride <= w-1+pad-off */
    int b = last < 0 ? 0 : last / stride + 1;
    if (a > wo) a = wo;
    if (b > wo) b = wo;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

static void im2col_serial(float *col /* [cin*k*k, ho*wo] */, const float *img /* [cin, h, w] */,
                          int cin, int h, int w, int k, int stride, int pad, int dil,
                          int ho, int wo)
{
    for (int c = 0; c < cin; c++) {
        const float *plane = img + (size_t)c * h * w;
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                float *row = col + (((size_t)c * k + kh) * k + kw) * ho * wo;
                int lo, hi;
                col_valid_range(&lo, &hi, kw * dil, stride, pad, w, wo);
                for (int oh = 0; oh < ho; oh++) {
                    float *restrict dst = row + (size_t)oh * wo;
                    int ih = oh * stride - pad + kh * dil;
                    if (ih < 0 || ih >= h || lo == hi) {
                        memset(dst, 0, sizeof(float) * wo);
                        continue;
                    }
                    if (lo > 0) memset(dst, 0, sizeof(float) * lo);
                    if (hi < wo) memset(dst + hi, 0, sizeof(float) * (wo - hi));
                    const float *restrict src = plane + (size_t)ih * w + (lo * stride - pad + kw * dil);
                    if (stride == 1) {
                        memcpy(dst + lo, src, sizeof(float) * (hi - lo));
                    } else if (stride == 2) {
                        for (int i = 0; i < hi - lo; i++) dst[lo + i] = src[2 * i];
                    } else {
                        for (int i = 0; i < hi - lo; i++) dst[lo + i] = src[i * stride];
                    }
                }
            }
        }
    }
}

static void col2im_serial(float *img /* [cin, h, w] */, const float *col /* [cin*k*k, ho*wo] */,
                          int cin, int h, int w, int k, int stride, int pad, int dil,
                          int ho, int wo)
{
    for (int c = 0; c < cin; c++) {
        float *plane = img + (size_t)c * h * w;
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                const float *row = col + (((size_t)c * k + kh) * k + kw) * ho * wo;
                int lo, hi;
                col_valid_range(&lo, &hi, kw * dil, stride, pad, w, wo);
                if (lo == hi) continue;
                for (int oh = 0; oh < ho; oh++) {
                    int ih = oh * stride - pad + kh * dil;
                    if (ih < 0 || ih >= h) continue;
                    /* restrict: col and img never overlap, so no runtime alias checks. */
                    const float *restrict src = row + (size_t)oh * wo + lo;
                    float *restrict dst = plane + (size_t)ih * w + (lo * stride - pad + kw * dil);
                    int n = hi - lo;
                    if (stride == 1) {
                        for (int i = 0; i < n; i++) dst[i] += src[i];
                    } else {
                        for (int i = 0; i < n; i++) dst[i * stride] += src[i];
                    }
                }
            }
        }
    }
}

/* Channels are independent in both directions: each thread takes a run of
 * input planes and their col rows. */
typedef struct {
    float *col, *img;
    const float *ccol, *cimg;
    int h, w, k, stride, pad, dil, ho, wo;
} col_job;

static void im2col_part(void *p, long lo, long hi)
{
    const col_job *j = p;
    size_t rows = (size_t)j->k * j->k * j->ho * j->wo, plane = (size_t)j->h * j->w;
    im2col_serial(j->col + lo * rows, j->cimg + lo * plane, (int)(hi - lo), j->h, j->w, j->k, j->stride,
                  j->pad, j->dil, j->ho, j->wo);
}

static void col2im_part(void *p, long lo, long hi)
{
    const col_job *j = p;
    size_t rows = (size_t)j->k * j->k * j->ho * j->wo, plane = (size_t)j->h * j->w;
    col2im_serial(j->img + lo * plane, j->ccol + lo * rows, (int)(hi - lo), j->h, j->w, j->k, j->stride,
                  j->pad, j->dil, j->ho, j->wo);
}

void cz_im2col(float *col /* [cin*k*k, ho*wo] */, const float *img /* [cin, h, w] */,
               int cin, int h, int w, int k, int stride, int pad, int dil,
               int ho, int wo)
{
    col_job j = {.col = col, .cimg = img, .h = h, .w = w, .k = k, .stride = stride, .pad = pad,
                 .dil = dil, .ho = ho, .wo = wo};
    par_run(im2col_part, &j, cin, (size_t)cin * k * k * ho * wo);
}

void cz_col2im(float *img /* [cin, h, w] */, const float *col /* [cin*k*k, ho*wo] */,
               int cin, int h, int w, int k, int stride, int pad, int dil,
               int ho, int wo)
{
    col_job j = {.img = img, .ccol = col, .h = h, .w = w, .k = k, .stride = stride, .pad = pad,
                 .dil = dil, .ho = ho, .wo = wo};
    par_run(col2im_part, &j, cin, (size_t)cin * k * k * ho * wo);
}

/* ---- Winograd F(2x2, 3x3) (Lavin and Gray, 2015) -------------------------
 * Per 4x4 input tile d and 3x3 kernel g, the 2x2 outputs are
 *   Y = A^T [(G g G^T) .* (B^T d B)] A,
 * B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5;
 * .5 -.5 .5; 0 0 1], A^T = [1 1 1 0; 0 1 -1 -1]. With dilation the tile's
 * taps and outputs sit dil apart. Tiles are ordered by row residue, row,
 * column residue, column; input and output transforms walk that order. */

/* U[16, Cout, Cin] (slices us apart) from w[Cout, Cin, 3, 3]. */
typedef struct {
    float *dst, *buf;
    const float *src, *b;
    const cz_conv2d_dims *d;
    int ho, wo;
    size_t t, cs;
    bool flip; /* weights: src is the forward conv's [Cin, Cout, 3, 3], taken transposed and rotated */
    bool acc;  /* output: add into dst instead of writing it */
} wino_job;

static void wino_weights_part(void *p, long lo, long hi)
{
    const wino_job *job = p;
    float *restrict u = job->dst;
    const float *restrict w = job->src;
    const size_t us = job->cs;
    const int cin = job->d->cin, cout = job->d->cout;
    for (long i = lo; i < hi; i++) {
        const float *g = w + i * 9;
        float rot[9];
        if (job->flip) {
            /* U[co][ci] of the gradient conv is the forward kernel [ci][co]
             * turned by 180 degrees. */
            const float *f = w + ((size_t)(i % cin) * cout + (size_t)(i / cin)) * 9;
            for (int j = 0; j < 9; j++) rot[j] = f[8 - j];
            g = rot;
        }
        float t[4][3];
        for (int j = 0; j < 3; j++) {
            t[0][j] = g[j];
            t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
            t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
            t[3][j] = g[6 + j];
        }
        for (int r = 0; r < 4; r++) {
            float *o = u + (size_t)(4 * r) * us + i;
            o[0] = t[r][0];
            o[us] = 0.5f * (t[r][0] + t[r][1] + t[r][2]);
            o[2 * us] = 0.5f * (t[r][0] - t[r][1] + t[r][2]);
            o[3 * us] = t[r][2];
        }
    }
}

static void wino_weights(float *u, const float *w, const cz_conv2d_dims *d, size_t us, bool flip)
{
    wino_job j = {.dst = u, .src = w, .d = d, .cs = us, .flip = flip};
    long kk = (long)d->cout * d->cin;
    par_run(wino_weights_part, &j, kk, (size_t)kk * 16);
}

/* Zero-padded copy of one image, then V[16, Cin, T] (slices cs apart) from
 * its tiles. */
static void wino_input_part(void *p, long lo, long hi)
{
    const wino_job *job = p;
    float *restrict v = job->dst, *restrict pad_buf = job->buf;
    const float *restrict img = job->src;
    const cz_conv2d_dims *d = job->d;
    const int h = d->h, w = d->w, pad = d->pad, dil = d->dil, ho = job->ho, wo = job->wo;
    const size_t ph = (size_t)ho + 3 * dil, pw = (size_t)wo + 3 * dil, t_count = job->t, cs = job->cs;
    for (long c = lo; c < hi; c++) {
        float *pc = pad_buf + (size_t)c * ph * pw;
        const float *src = img + (size_t)c * h * w;
        for (size_t y = 0; y < ph; y++) {
            float *row = pc + y * pw;
            long ih = (long)y - pad;
            if (ih < 0 || ih >= h) {
                memset(row, 0, pw * sizeof(float));
                continue;
            }
            /* pw = w + 2*pad + dil, so the whole input row fits. */
            memset(row, 0, (size_t)pad * sizeof(float));
            memcpy(row + pad, src + (size_t)ih * w, (size_t)w * sizeof(float));
            memset(row + pad + w, 0, (pw - pad - w) * sizeof(float));
        }
        float *vc = v + (size_t)c * t_count;
        size_t t = 0;
        const size_t dr = (size_t)dil * pw;
        for (int ry = 0; ry < dil && ry < ho; ry++)
            for (int oy = ry; oy < ho; oy += 2 * dil)
                for (int rx = 0; rx < dil && rx < wo; rx++)
                    for (int ox = rx; ox < wo; ox += 2 * dil, t++) {
                        const float *b = pc + (size_t)oy * pw + ox;
                        float r[4][4];
                        for (int j = 0; j < 4; j++) {
                            float d0 = b[j * dil], d1 = b[dr + j * dil];
                            float d2 = b[2 * dr + j * dil], d3 = b[3 * dr + j * dil];
                            r[0][j] = d0 - d2;
                            r[1][j] = d1 + d2;
                            r[2][j] = d2 - d1;
                            r[3][j] = d1 - d3;
                        }
                        for (int i = 0; i < 4; i++) {
                            float *o = vc + (size_t)(4 * i) * cs + t;
                            o[0] = r[i][0] - r[i][2];
                            o[cs] = r[i][1] + r[i][2];
                            o[2 * cs] = r[i][2] - r[i][1];
                            o[3 * cs] = r[i][1] - r[i][3];
                        }
                    }
    }
}

static void wino_input(float *v, float *pad_buf, const float *img, const cz_conv2d_dims *d, int ho,
                       int wo, size_t t_count, size_t cs)
{
    wino_job j = {.dst = v, .buf = pad_buf, .src = img, .d = d, .ho = ho, .wo = wo, .t = t_count, .cs = cs};
    par_run(wino_input_part, &j, d->cin, (size_t)d->cin * t_count * 20);
}

/* out[Cout, Ho, Wo] = A^T M A (+ b) from M[16, Cout, T] (slices cs apart). */
static void wino_output_part(void *p, long lo, long hi)
{
    const wino_job *job = p;
    float *restrict out = job->dst;
    const float *restrict m = job->src, *b = job->b;
    const int ho = job->ho, wo = job->wo, dil = job->d->dil;
    const size_t t_count = job->t, cs = job->cs;
    for (long co = lo; co < hi; co++) {
        const float *mc = m + (size_t)co * t_count;
        float *oc = out + (size_t)co * ho * wo, bv = b ? b[co] : 0.0f;
        size_t t = 0;
        for (int ry = 0; ry < dil && ry < ho; ry++)
            for (int oy = ry; oy < ho; oy += 2 * dil)
                for (int rx = 0; rx < dil && rx < wo; rx++)
                    for (int ox = rx; ox < wo; ox += 2 * dil, t++) {
                        float s[2][4];
                        for (int j = 0; j < 4; j++) {
                            float m0 = mc[(size_t)j * cs + t], m1 = mc[(size_t)(4 + j) * cs + t];
                            float m2 = mc[(size_t)(8 + j) * cs + t], m3 = mc[(size_t)(12 + j) * cs + t];
                            s[0][j] = m0 + m1 + m2;
                            s[1][j] = m1 - m2 - m3;
                        }
                        bool y1 = oy + dil < ho, x1 = ox + dil < wo;
                        for (int i = 0; i < 2; i++) {
                            if (i && !y1) break;
                            float *o = oc + (size_t)(oy + i * dil) * wo + ox;
                            float o0 = s[i][0] + s[i][1] + s[i][2] + bv;
                            float o1 = s[i][1] - s[i][2] - s[i][3] + bv;
                            if (job->acc) {
                                o[0] += o0;
                                if (x1) o[dil] += o1;
                            } else {
                                o[0] = o0;
                                if (x1) o[dil] = o1;
                            }
                        }
                    }
    }
}

static void wino_output(float *out, const float *m, const float *b, const cz_conv2d_dims *d, int ho,
                        int wo, size_t t_count, size_t cs, bool acc)
{
    wino_job j = {.dst = out, .src = m, .b = b, .d = d, .ho = ho, .wo = wo, .t = t_count, .cs = cs,
                  .acc = acc};
    par_run(wino_output_part, &j, d->cout, (size_t)d->cout * t_count * 20);
}

/* out (=, or += with acc) = the conv d of in by w; with flip, w is the
 * forward kernel of the conv whose input gradient this is (see
 * conv2d_grad_dims). */
static void conv2d_winograd(float *out, float *col, const float *in, const float *w, const float *b,
                            const cz_conv2d_dims *d, bool flip, bool acc)
{
    int ho = cz_conv2d_out_h(d), wo = cz_conv2d_out_w(d);
    size_t off[5];
    wino_floats(d, off);
    size_t t = (size_t)wino_tiles(ho, d->dil) * (size_t)wino_tiles(wo, d->dil);
    float *u = col, *v = col + off[1], *m = col + off[3];
    wino_weights(u, w, d, off[0], flip);
    for (int n = 0; n < d->n; n++) {
        wino_input(v, m, in + (size_t)n * d->cin * d->h * d->w, d, ho, wo, t, off[2]);
        for (int e = 0; e < 16; e++)
            cz_gemm(false, false, d->cout, (int)t, d->cin, 1.0f, u + e * off[0], d->cin, v + e * off[2], (int)t,
                    0.0f, m + e * off[4], (int)t);
        wino_output(out + (size_t)n * d->cout * ho * wo, m, b, d, ho, wo, t, off[4], acc);
    }
}

void cz_conv2d_forward(float *out /* [N, Cout, Ho, Wo] */, float *col /* [Cin*K*K, Ho*Wo] */,
                       const float *in /* [N, Cin, H, W] */,
                       const float *w /* [Cout, Cin, K, K] */, const float *b /* [Cout] */,
                       const cz_conv2d_dims *d)
{
    int ho = cz_conv2d_out_h(d), wo = cz_conv2d_out_w(d);
    if (ho <= 0 || wo <= 0) return;
    if (conv2d_is_winograd(d)) {
        conv2d_winograd(out, col, in, w, b, d, false, false);
        return;
    }
    int hw = ho * wo, ckk = d->cin * d->k * d->k;
    bool pointwise = conv2d_is_pointwise(d);
    for (int n = 0; n < d->n; n++) {
        const float *img = in + (size_t)n * d->cin * d->h * d->w;
        float *o = out + (size_t)n * d->cout * hw;
        const float *c = img;
        if (!pointwise) {
            cz_im2col(col, img, d->cin, d->h, d->w, d->k, d->stride, d->pad,
                      d->dil, ho, wo);
            c = col;
        }
        /* Seeding out with the bias lets the gemm add into it (beta = 1),
         * sparing a second pass over the output. */
        if (b) {
            for (int co = 0; co < d->cout; co++) {
                float *p = o + (size_t)co * hw, bv = b[co];
                for (int i = 0; i < hw; i++) p[i] = bv;
            }
        }
        cz_gemm(false, false, d->cout, hw, ckk, 1.0f, w, ckk, c, hw,
                b ? 1.0f : 0.0f, o, hw);
    }
}

void cz_conv2d_backward(float *din /* [N, Cin, H, W] */, float *dw /* [Cout, Cin, K, K] */,
                        float *db /* [Cout] */, float *col /* [Cin*K*K, Ho*Wo] */,
                        const float *dout /* [N, Cout, Ho, Wo] */,
                        const float *in /* [N, Cin, H, W] */,
                        const float *w /* [Cout, Cin, K, K] */, const cz_conv2d_dims *d)
{
    int ho = cz_conv2d_out_h(d), wo = cz_conv2d_out_w(d);
    if (ho <= 0 || wo <= 0) return;
    int hw = ho * wo, ckk = d->cin * d->k * d->k;
    bool pointwise = conv2d_is_pointwise(d);
    cz_conv2d_dims gd;
    bool din_winograd = din && conv2d_grad_dims(d, &gd);
    size_t in_img = (size_t)d->cin * d->h * d->w;
    for (int n = 0; n < d->n; n++) {
        const float *g = dout + (size_t)n * d->cout * hw;
        const float *img = in + (size_t)n * in_img;
        if (db) {
            for (int co = 0; co < d->cout; co++) {
                const float *p = g + (size_t)co * hw;
                double s = 0;
                for (int i = 0; i < hw; i++) s += p[i];
                db[co] += (float)s;
            }
        }
        if (dw) {
            const float *c = img;
            if (!pointwise) {
                cz_im2col(col, img, d->cin, d->h, d->w, d->k, d->stride, d->pad,
                          d->dil, ho, wo);
                c = col;
            }
            /* dW[Cout, CKK] += dout[Cout, HW] * col[CKK, HW]^T */
            cz_gemm(false, true, d->cout, ckk, hw, 1.0f, g, hw, c, hw, 1.0f, dw, ckk);
        }
        if (din && !din_winograd) {
            float *di = din + (size_t)n * in_img;
            if (pointwise) {
                /* din[Cin, HW] += W^T[Cin, Cout] * dout[Cout, HW] */
                cz_gemm(true, false, ckk, hw, d->cout, 1.0f, w, ckk, g, hw, 1.0f, di, hw);
            } else {
                cz_gemm(true, false, ckk, hw, d->cout, 1.0f, w, ckk, g, hw, 0.0f, col, hw);
                cz_col2im(di, col, d->cin, d->h, d->w, d->k, d->stride, d->pad,
                          d->dil, ho, wo);
            }
        }
    }
    /* After the loop: the Winograd pass uses all of col. */
    if (din_winograd) conv2d_winograd(din, col, dout, w, NULL, &gd, true, true);
}

void cz_conv2d_forward_ref(float *out, const float *in, const float *w,
                           const float *b, const cz_conv2d_dims *d)
{
    int ho = cz_conv2d_out_h(d), wo = cz_conv2d_out_w(d), k = d->k;
    for (int n = 0; n < d->n; n++)
        for (int co = 0; co < d->cout; co++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++) {
                    double s = b ? b[co] : 0.0;
                    for (int ci = 0; ci < d->cin; ci++)
                        for (int kh = 0; kh < k; kh++)
                            for (int kw = 0; kw < k; kw++) {
                                int ih = oh * d->stride - d->pad + kh * d->dil;
                                int iw = ow * d->stride - d->pad + kw * d->dil;
                                if (ih < 0 || ih >= d->h || iw < 0 || iw >= d->w) continue;
                                s += (double)in[(((size_t)n * d->cin + ci) * d->h + ih) * d->w + iw] *
                                     w[(((size_t)co * d->cin + ci) * k + kh) * k + kw];
                            }
                    out[(((size_t)n * d->cout + co) * ho + oh) * wo + ow] = (float)s;
                }
}

void cz_conv2d_backward_ref(float *din, float *dw, float *db, const float *dout,
                            const float *in, const float *w, const cz_conv2d_dims *d)
{
    int ho = cz_conv2d_out_h(d), wo = cz_conv2d_out_w(d), k = d->k;
    for (int n = 0; n < d->n; n++)
        for (int co = 0; co < d->cout; co++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++) {
                    float g = dout[(((size_t)n * d->cout + co) * ho + oh) * wo + ow];
                    if (db) db[co] += g;
                    for (int ci = 0; ci < d->cin; ci++)
                        for (int kh = 0; kh < k; kh++)
                            for (int kw = 0; kw < k; kw++) {
                                int ih = oh * d->stride - d->pad + kh * d->dil;
                                int iw = ow * d->stride - d->pad + kw * d->dil;
                                if (ih < 0 || ih >= d->h || iw < 0 || iw >= d->w) continue;
                                size_t ii = (((size_t)n * d->cin + ci) * d->h + ih) * d->w + iw;
                                size_t wi = (((size_t)co * d->cin + ci) * k + kh) * k + kw;
                                if (din) din[ii] += g * w[wi];
                                if (dw) dw[wi] += g * in[ii];
                            }
                }
}
