/* conv2d.h: 2-D convolution (kernel K x K, stride, padding, dilation) as
 * im2col + gemm (Winograd for 3x3 stride 1), with its backward pass.
 * in [N, Cin, H, W], w [Cout, Cin, K, K], b [Cout] or NULL,
 * out [N, Cout, Ho, Wo] with Ho = (H + 2*pad - dil*(K-1) - 1) / stride + 1.
 * col is caller-owned scratch of cz_conv2d_col_size() floats. */
#ifndef CZ_CONV2D_H
#define CZ_CONV2D_H

#include <stddef.h>

typedef struct {
    int n, cin, h, w;     /* input */
    int cout, k, stride, pad, dil;
} cz_conv2d_dims;

int cz_conv2d_out_h(const cz_conv2d_dims *d);
int cz_conv2d_out_w(const cz_conv2d_dims *d);
/* Floats of scratch that forward and backward need (0 for 1x1 stride-1 convs
 * that need no im2col). */
size_t cz_conv2d_col_size(const cz_conv2d_dims *d);

void cz_conv2d_forward(float *out, float *col, const float *in, const float *w,
                       const float *b, const cz_conv2d_dims *d);
/* Accumulates (+=) into din, dw, db; any of them may be NULL. */
void cz_conv2d_backward(float *din, float *dw, float *db, float *col,
                        const float *dout, const float *in, const float *w,
                        const cz_conv2d_dims *d);
/* Direct seven-loop definitions, for tests (conv2d_ref.c). */
void cz_conv2d_forward_ref(float *out, const float *in, const float *w,
                           const float *b, const cz_conv2d_dims *d);
void cz_conv2d_backward_ref(float *din, float *dw, float *db, const float *dout,
                            const float *in, const float *w,
                            const cz_conv2d_dims *d);

#endif
