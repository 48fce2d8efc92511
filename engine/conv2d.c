/* conv2d.c: 2-D convolution as im2col + one sgemm per image, and its backward.
 * Layout: in [N, Cin, H, W], w [Cout, Cin, K, K] (viewed as [Cout, Cin*K*K]),
 * b [Cout] or NULL, out [N, Cout, Ho, Wo]. Per image,
 *   out[Cout, Ho*Wo] = W[Cout, Cin*K*K] * col[Cin*K*K, Ho*Wo] (+ b),
 * where col is the image in column form (im2col.h). A 1x1, stride-1,
 * unpadded conv is already in col form, so the input itself serves as col.
 * Forward of 3x3 stride-1 convs (any padding, any dilation) goes to
 * Winograd F(2x2, 3x3) instead (winograd.h), col then holding its scratch.
 * Their input gradient is again such a conv (conv2d_grad_dims) and goes
 * the same way; the weight gradient stays im2col + gemm. This file only
 * chooses the path; the direct definitions are in conv2d_ref.c. */
#include "conv2d.h"

#include <stdbool.h>
#include <stdint.h>

#include "cz.h"
#include "gemm.h"
#include "im2col.h"
#include "winograd.h"

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

/* The input gradient of a 3x3 stride-1 conv is itself one: dout (Cout
 * channels) convolved with the kernel transposed and turned by 180 degrees,
 * padding 2*dil - pad, same dilation, giving Cin channels of H x W. Fills *g
 * and says whether Winograd can run it. */
static bool conv2d_grad_dims(const cz_conv2d_dims *d, cz_conv2d_dims *g)
{
    if (d->k != 3 || d->stride != 1 || d->dil < 1 || d->pad > 2 * d->dil) return false;
    *g = (cz_conv2d_dims){.n = d->n, .cin = d->cout, .h = cz_conv2d_out_h(d), .w = cz_conv2d_out_w(d),
                          .cout = d->cin, .k = 3, .stride = 1, .pad = 2 * d->dil - d->pad, .dil = d->dil};
    return g->h > 0 && g->w > 0 && cz_winograd_supports(g);
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
    if (cz_winograd_supports(d)) {
        size_t ws = cz_winograd_col_size(d);
        if (ws > s) s = ws;
    }
    cz_conv2d_dims g;
    if (conv2d_grad_dims(d, &g)) {
        size_t ws = cz_winograd_col_size(&g);
        if (ws > s) s = ws;
    }
    return s;
}

void cz_conv2d_forward(float *out /* [N, Cout, Ho, Wo] */, float *col /* [Cin*K*K, Ho*Wo] */,
                       const float *in /* [N, Cin, H, W] */,
                       const float *w /* [Cout, Cin, K, K] */, const float *b /* [Cout] */,
                       const cz_conv2d_dims *d)
{
    int ho = cz_conv2d_out_h(d), wo = cz_conv2d_out_w(d);
    if (ho <= 0 || wo <= 0) return;
    if (cz_winograd_supports(d)) {
        cz_winograd_conv(out, col, in, w, b, d, false, false);
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
    if (din_winograd) cz_winograd_conv(din, col, dout, w, NULL, &gd, true, true);
}
