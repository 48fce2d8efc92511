/* reference.c: a reference photo's ab histogram over a model's bins (see
 * reference.h). */
#include "reference.h"

#include <math.h>
#include <stdlib.h>

struct cz_reference {
    int q;
    float hist[CZ_QUANT_MAX_BINS];
};

cz_reference *cz_reference_new(const cz_quant *qt, const float *ab, size_t n, cz_error *err)
{
    if (!qt || !ab || n == 0) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "the reference photo has no pixels to take colours from");
        return NULL;
    }
    if (n > INT32_MAX) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "the reference photo has too many pixels (%zu)", n);
        return NULL;
    }
    cz_reference *r = calloc(1, sizeof *r);
    if (!r) {
        cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    r->q = qt->q;
    double counts[CZ_QUANT_MAX_BINS] = {0};
    cz_quant_prior_accumulate(counts, ab, (int)n, qt);
    /* The training prior's smoothing; its rebalancing weights are not used. */
    float weights[CZ_QUANT_MAX_BINS];
    cz_quant_weights(r->hist, weights, counts, CZ_REFERENCE_SIGMA, 0.5f, qt);
    return r;
}

void cz_reference_free(cz_reference *r) { free(r); }

int cz_reference_get_bins(const cz_reference *r) { return r->q; }

const float *cz_reference_get_histogram(const cz_reference *r) { return r->hist; }

void cz_reference_log_prior(float *lp, const cz_reference *r, const float *train_prior, float strength)
{
    for (int q = 0; q < r->q; q++) {
        float x = logf(r->hist[q] + CZ_REFERENCE_EPS);
        if (train_prior) x -= logf(train_prior[q] + CZ_REFERENCE_EPS);
        lp[q] = strength == 0.0f ? 0.0f : strength * x;
    }
}
