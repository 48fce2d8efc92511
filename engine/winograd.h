/* winograd.h: 3x3 stride-1 convolution (any padding, any dilation) by
 * Winograd F(2x2, 3x3) (Lavin and Gray, 2015), the forward path of such
 * convs and of their input gradient (see conv2d.c). Shapes as in conv2d.h:
 * in [N, Cin, H, W], w [Cout, Cin, 3, 3], b [Cout] or NULL,
 * out [N, Cout, Ho, Wo]. col is caller-owned scratch of
 * cz_winograd_col_size() floats, holding the transformed weights, input
 * tiles and their products. */
#ifndef CZ_WINOGRAD_H
#define CZ_WINOGRAD_H

#include <stdbool.h>
#include <stddef.h>

#include "conv2d.h"

/* Whether d is a conv Winograd serves: 3x3, stride 1, dilation >= 1, a
 * non-empty output and more than one input channel (a single channel gains
 * nothing from it). */
bool cz_winograd_supports(const cz_conv2d_dims *d);
/* Floats of col that cz_winograd_conv needs for d; SIZE_MAX on overflow. */
size_t cz_winograd_col_size(const cz_conv2d_dims *d);
/* out (=, or += with acc) = the conv d of in by w (+ b). With flip, d is
 * the input gradient of a forward conv (conv2d.c) and w that conv's kernel,
 * [Cin, Cout, 3, 3] in d's terms, taken transposed and turned by 180
 * degrees. d must pass cz_winograd_supports. */
void cz_winograd_conv(float *out, float *col, const float *in, const float *w, const float *b,
                      const cz_conv2d_dims *d, bool flip, bool acc);

#endif
