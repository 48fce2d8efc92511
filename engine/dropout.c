/* dropout.c: inverted dropout for training. Layout-free, n elements.
 * The mask stores the applied scale (0 or 1/(1-p)) so backward is a single
 * multiply; the random stream comes from the caller's explicit rng state. */
#include "dropout.h"

#include "rng.h"

void cz_dropout_forward(float *out /* [n] */, float *mask /* [n] */,
                        const float *in /* [n] */, float p, uint64_t *rng, size_t n)
{
    /* p <= 0 keeps everything and p >= 1 drops everything; neither needs
     * random numbers, and p >= 1 must not divide by zero. NaN p drops all. */
    if (p <= 0.0f) {
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f, out[i] = in[i];
        return;
    }
    if (!(p < 1.0f)) {
        for (size_t i = 0; i < n; i++) mask[i] = 0.0f, out[i] = 0.0f;
        return;
    }
    float scale = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = cz_rng_uniform(rng) >= p ? scale : 0.0f;
        out[i] = in[i] * mask[i];
    }
}

void cz_dropout_backward(float *din /* [n] */, const float *dout /* [n] */,
                         const float *mask /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++) din[i] += dout[i] * mask[i];
}
