/* dropout.h: inverted dropout. In training each element is kept with
 * probability 1 - p and scaled by 1 / (1 - p); mask [n] keeps that scale
 * (0 or 1/(1-p)) for backward. In inference dropout is the identity and the
 * network does not call it. */
#ifndef CZ_DROPOUT_H
#define CZ_DROPOUT_H

#include <stddef.h>
#include <stdint.h>

void cz_dropout_forward(float *out, float *mask, const float *in, float p,
                        uint64_t *rng, size_t n);
/* din += dout * mask */
void cz_dropout_backward(float *din, const float *dout, const float *mask, size_t n);

#endif
