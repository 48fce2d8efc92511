/* conv2d.c: 2-D convolution as im2col + one sgemm per image, and its backward.
 * Layout: in [N, Cin, H, W], w [Cout, Cin, K, K] (viewed as [Cout, Cin*K*K]),
 * b [Cout] or NULL, out [N, Cout, Ho, Wo]. Per image,
 *   out[Cout, Ho*Wo] = W[Cout, Cin*K*K] * col[Cin*K*K, Ho*Wo] (+ b),
 * where col row (c, kh, kw) holds the input pixel each output pixel sees
 * through that kernel tap (0 in the padding). A 1x1, stride-1, unpadded conv
 * is already in col form, so the input itself serves as col. */
#include "conv2d.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cz.h"
#include "gemm.h"

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

void cz_im2col(float *col /* [cin*k*k, ho*wo] */, const float *img /* [cin, h, w] */,
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

void cz_col2im(float *img /* [cin, h, w] */, const float *col /* [cin*k*k, ho*wo] */,
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

void cz_conv2d_forward(float *out /* [N, Cout, Ho, Wo] */, float *col /* [Cin*K*K, Ho*Wo] */,
                       const float *in /* [N, Cin, H, W] */,
                       const float *w /* [Cout, Cin, K, K] */, const float *b /* [Cout] */,
                       const cz_conv2d_dims *d)
{
    int ho = cz_conv2d_out_h(d), wo = cz_conv2d_out_w(d);
    if (ho <= 0 || wo <= 0) return;
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
        if (din) {
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
