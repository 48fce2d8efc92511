/* init.h: weight initialisers (as torch.nn.init). fan_in and fan_out are
 * computed by the caller from the layer shape (conv: C*K*K). */
#ifndef CZ_INIT_H
#define CZ_INIT_H

#include <stddef.h>
#include <stdint.h>

/* Glorot/Xavier uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)). */
void cz_init_xavier_uniform(float *w, size_t n, int fan_in, int fan_out,
                            float gain, uint64_t *rng);
/* He/Kaiming normal, fan-in mode: N(0, gain^2 / fan_in), gain = sqrt(2) for ReLU. */
void cz_init_kaiming_normal(float *w, size_t n, int fan_in, float gain,
                            uint64_t *rng);
void cz_init_constant(float *w, size_t n, float value);

#endif
