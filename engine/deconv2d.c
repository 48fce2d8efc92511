/* deconv2d.c: transposed 2-D convolution (PyTorch ConvTranspose2d, no output
 * padding) as gemm + col2im, and its backward.
 * Layout: in [N, Cin, H, W], w [Cin, Cout, K, K] (viewed as [Cin, Cout*K*K]),
 * b [Cout] or NULL, out [N, Cout, Ho, Wo]. A transposed conv is the backward
 * of a conv whose input is out and whose output is in, so per image
 *   col[Cout*K*K, H*W] = W^T * in[Cin, H*W];  out = col2im(col) (+ b),
 * and the backward runs that conv forwards: col = im2col(dout). */
#include "deconv2d.h"

#include <stdint.h>
#include <string.h>

#include "cz.h"
#include "gemm.h"
#include "im2col.h"

int cz_deconv2d_out_h(const cz_deconv2d_dims *d)
{
    return (d->h - 1) * d->stride - 2 * d->pad + d->dil * (d->k - 1) + 1;
}

int cz_deconv2d_out_w(const cz_deconv2d_dims *d)
{
    return (d->w - 1) * d->stride - 2 * d->pad + d->dil * (d->k - 1) + 1;
}

size_t cz_deconv2d_col_size(const cz_deconv2d_dims *d)
{
    if (d->cout <= 0 || d->k <= 0 || d->h <= 0 || d->w <= 0) return 0;
    size_t s = (size_t)d->cout;
    /* SIZE_MAX on overflow: no allocation of that size can succeed. */
    if (!cz_size_mul(&s, s, (size_t)d->k) || !cz_size_mul(&s, s, (size_t)d->k) ||
        !cz_size_mul(&s, s, (size_t)d->h) || !cz_size_mul(&s, s, (size_t)d->w))
        return SIZE_MAX;
    return s;
}

void cz_deconv2d_forward(float *out /* [N, Cout, Ho, Wo] */, float *col /* [Cout*K*K, H*W] */,
                         const float *in /* [N, Cin, H, W] */,
                         const float *w /* [Cin, Cout, K, K] */, const float *b /* [Cout] */,
                         const cz_deconv2d_dims *d)
{
    int ho = cz_deconv2d_out_h(d), wo = cz_deconv2d_out_w(d);
    if (ho <= 0 || wo <= 0) return;
    int hw = d->h * d->w, ohw = ho * wo, ckk = d->cout * d->k * d->k;
    for (int n = 0; n < d->n; n++) {
        const float *x = in + (size_t)n * d->cin * hw;
        float *o = out + (size_t)n * d->cout * ohw;
        cz_gemm(true, false, ckk, hw, d->cin, 1.0f, w, ckk, x, hw, 0.0f, col, hw);
        for (int co = 0; co < d->cout; co++) {
            float *p = o + (size_t)co * ohw, bv = b ? b[co] : 0.0f;
            for (int i = 0; i < ohw; i++) p[i] = bv;
        }
        cz_col2im(o, col, d->cout, ho, wo, d->k, d->stride, d->pad, d->dil, d->h, d->w);
    }
}

void cz_deconv2d_backward(float *din /* [N, Cin, H, W] */, float *dw /* [Cin, Cout, K, K] */,
                          float *db /* [Cout] */, float *col /* [Cout*K*K, H*W] */,
                          const float *dout /* [N, Cout, Ho, Wo] */,
                          const float *in /* [N, Cin, H, W] */,
                          const float *w /* [Cin, Cout, K, K] */, const cz_deconv2d_dims *d)
{
    int ho = cz_deconv2d_out_h(d), wo = cz_deconv2d_out_w(d);
    if (ho <= 0 || wo <= 0) return;
    int hw = d->h * d->w, ohw = ho * wo, ckk = d->cout * d->k * d->k;
    for (int n = 0; n < d->n; n++) {
        const float *g = dout + (size_t)n * d->cout * ohw;
        if (db) {
            for (int co = 0; co < d->cout; co++) {
                const float *p = g + (size_t)co * ohw;
                double s = 0;
                for (int i = 0; i < ohw; i++) s += p[i];
                db[co] += (float)s;
            }
        }
        if (!din && !dw) continue;
        cz_im2col(col, g, d->cout, ho, wo, d->k, d->stride, d->pad, d->dil, d->h, d->w);
        if (din) /* din[Cin, HW] += W[Cin, CoutKK] * col[CoutKK, HW] */
            cz_gemm(false, false, d->cin, hw, ckk, 1.0f, w, ckk, col, hw, 1.0f,
                    din + (size_t)n * d->cin * hw, hw);
        if (dw) /* dW[Cin, CoutKK] += in[Cin, HW] * col^T */
            cz_gemm(false, true, d->cin, ckk, hw, 1.0f, in + (size_t)n * d->cin * hw,
                    hw, col, hw, 1.0f, dw, ckk);
    }
}

void cz_deconv2d_forward_ref(float *out, const float *in, const float *w,
                             const float *b, const cz_deconv2d_dims *d)
{
    int ho = cz_deconv2d_out_h(d), wo = cz_deconv2d_out_w(d), k = d->k;
    /* Gather form: out(oh) collects in(ih) where ih*stride - pad + kh*dil == oh. */
    for (int n = 0; n < d->n; n++)
        for (int co = 0; co < d->cout; co++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++) {
                    double s = b ? b[co] : 0.0;
                    for (int ci = 0; ci < d->cin; ci++)
                        for (int kh = 0; kh < k; kh++)
                            for (int kw = 0; kw < k; kw++) {
                                int th = oh + d->pad - kh * d->dil;
                                int tw = ow + d->pad - kw * d->dil;
                                if (th < 0 || tw < 0 || th % d->stride || tw % d->stride) continue;
                                int ih = th / d->stride, iw = tw / d->stride;
                                if (ih >= d->h || iw >= d->w) continue;
                                s += (double)in[(((size_t)n * d->cin + ci) * d->h + ih) * d->w + iw] *
                                     w[(((size_t)ci * d->cout + co) * k + kh) * k + kw];
                            }
                    out[(((size_t)n * d->cout + co) * ho + oh) * wo + ow] = (float)s;
                }
}
