/* deconv2d.h: transposed 2-D convolution (PyTorch ConvTranspose2d, no output
 * padding), used with K = 4, stride 2, pad 1 to double the resolution.
 * in [N, Cin, H, W], w [Cin, Cout, K, K], b [Cout] or NULL,
 * out [N, Cout, Ho, Wo], Ho = (H - 1) * stride - 2 * pad + dil * (K - 1) + 1. */
#ifndef CZ_DECONV2D_H
#define CZ_DECONV2D_H

#include <stddef.h>

typedef struct {
    int n, cin, h, w;
    int cout, k, stride, pad, dil;
} cz_deconv2d_dims;

int cz_deconv2d_out_h(const cz_deconv2d_dims *d);
int cz_deconv2d_out_w(const cz_deconv2d_dims *d);
size_t cz_deconv2d_col_size(const cz_deconv2d_dims *d);

void cz_deconv2d_forward(float *out, float *col, const float *in, const float *w,
                         const float *b, const cz_deconv2d_dims *d);
/* Accumulates (+=) into din, dw, db; any may be NULL. */
void cz_deconv2d_backward(float *din, float *dw, float *db, float *col,
                          const float *dout, const float *in, const float *w,
                          const cz_deconv2d_dims *d);
void cz_deconv2d_forward_ref(float *out, const float *in, const float *w,
                             const float *b, const cz_deconv2d_dims *d);

#endif
