/* conv2d_ref.c: convolution and its backward as direct seven-loop sums in
 * double, the definitions the tests hold cz_conv2d_forward and
 * cz_conv2d_backward to. Shapes as in conv2d.h. */
#include "conv2d.h"

#include <stddef.h>

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
