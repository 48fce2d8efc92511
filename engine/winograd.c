/* winograd.c: 3x3 stride-1 convolution by Winograd F(2x2, 3x3) (see
 * winograd.h): per image, 16 gemms of [Cout, Cin] x [Cin, tiles] instead of
 * one of [Cout, Cin*9] x [Cin*9, Ho*Wo], 2.25x fewer multiplies. The
 * element-wise transforms split their channels over threads
 * (cz_parallel_run), joined before any gemm.
 *
 * Per 4x4 input tile d and 3x3 kernel g, the 2x2 outputs are
 *   Y = A^T [(G g G^T) .* (B^T d B)] A,
 * B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5;
 * .5 -.5 .5; 0 0 1], A^T = [1 1 1 0; 0 1 -1 -1]. With dilation the tile's
 * taps and outputs sit dil apart. Tiles are ordered by row residue, row,
 * column residue, column; input and output transforms walk that order. */
#include "winograd.h"

#include <stdint.h>
#include <string.h>

#include "cz.h"
#include "gemm.h"
#include "parallel.h"

bool cz_winograd_supports(const cz_conv2d_dims *d)
{
    return d->k == 3 && d->stride == 1 && d->cin >= 2 && d->cout >= 1 && d->dil >= 1 &&
           cz_conv2d_out_h(d) > 0 && cz_conv2d_out_w(d) > 0;
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

size_t cz_winograd_col_size(const cz_conv2d_dims *d)
{
    return wino_floats(d, NULL);
}

/* One transform pass over channels, for cz_parallel_run. */
typedef struct {
    float *dst, *buf;
    const float *src, *b;
    const cz_conv2d_dims *d;
    int ho, wo;
    size_t t, cs;
    bool flip; /* weights: src is the forward conv's [Cin, Cout, 3, 3], taken transposed and rotated */
    bool acc;  /* output: add into dst instead of writing it */
} wino_job;

/* U[16, Cout, Cin] (slices us apart) from w[Cout, Cin, 3, 3]. */
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
    cz_parallel_run(wino_weights_part, &j, kk, (size_t)kk * 16);
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
    cz_parallel_run(wino_input_part, &j, d->cin, (size_t)d->cin * t_count * 20);
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
    cz_parallel_run(wino_output_part, &j, d->cout, (size_t)d->cout * t_count * 20);
}

void cz_winograd_conv(float *out, float *col, const float *in, const float *w, const float *b,
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
