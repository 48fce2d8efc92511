/* init.c: weight initialisers with the formulas of torch.nn.init.
 * Layout: a flat weight array [n]; fans come from the caller. Fans below 1
 * are taken as 1 so that a degenerate shape cannot divide by zero. */
#include "init.h"

#include <math.h>

#include "rng.h"

void cz_init_xavier_uniform(float *w, size_t n, int fan_in, int fan_out,
                            float gain, uint64_t *rng)
{
    double fans = (double)(fan_in > 0 ? fan_in : 1) + (double)(fan_out > 0 ? fan_out : 1);
    float a = (float)(gain * sqrt(6.0 / fans));
    for (size_t i = 0; i < n; i++) w[i] = a * (2.0f * cz_rng_uniform(rng) - 1.0f);
}

void cz_init_kaiming_normal(float *w, size_t n, int fan_in, float gain,
                            uint64_t *rng)
{
    float std = (float)(gain / sqrt((double)(fan_in > 0 ? fan_in : 1)));
    for (size_t i = 0; i < n; i++) w[i] = std * cz_rng_normal(rng);
}

void cz_init_constant(float *w, size_t n, float value)
{
    for (size_t i = 0; i < n; i++) w[i] = value;
}
