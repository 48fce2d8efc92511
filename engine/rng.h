/* rng.h: explicit-state random numbers (no rand(), no globals).
 * The state is one uint64_t owned by the caller; the generator is splitmix64,
 * so any seed, including 0, is valid and runs are repeatable. */
#ifndef CZ_RNG_H
#define CZ_RNG_H

#include <stdint.h>

static inline uint64_t cz_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline float cz_rng_uniform(uint64_t *state)
{
    return (float)(cz_rng_next(state) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform integer in [0, n), n > 0. */
static inline uint32_t cz_rng_below(uint64_t *state, uint32_t n)
{
    return (uint32_t)(((cz_rng_next(state) >> 32) * (uint64_t)n) >> 32);
}

/* Standard normal (Box-Muller). */
float cz_rng_normal(uint64_t *state);

#endif
