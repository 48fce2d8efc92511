/* rng.c: the one non-inline random function. */
#include "rng.h"

#include <math.h>

float cz_rng_normal(uint64_t *state)
{
    /* u1 in (0, 1] so log() is finite. */
    float u1 = 1.0f - cz_rng_uniform(state);
    float u2 = cz_rng_uniform(state);
    return sqrtf(-2.0f * logf(u1)) * cosf(6.28318530718f * u2);
}
