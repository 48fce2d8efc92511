/* concat.h: joining feature maps. Channel concatenation (U-Net skips) and
 * element-wise addition (residual paths). a [N, Ca, hw], b [N, Cb, hw],
 * out [N, Ca + Cb, hw]. Backward accumulates (+=); da or db may be NULL. */
#ifndef CZ_CONCAT_H
#define CZ_CONCAT_H

#include <stddef.h>

void cz_concat_forward(float *out, const float *a, int ca, const float *b,
                       int cb, int n, int hw);
void cz_concat_backward(float *da, float *db, const float *dout, int ca, int cb,
                        int n, int hw);

/* out = a + b over n elements; backward: da += dout, db += dout. */
void cz_add_forward(float *out, const float *a, const float *b, size_t n);
void cz_add_backward(float *da, float *db, const float *dout, size_t n);

#endif
