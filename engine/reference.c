/* reference.c: a reference photo's ab histogram over a model's bins (see
 * reference.h). */
#include "reference.h"

#include <math.h>
#include <stdlib.h>

/* Chroma histograms: CHROMA_BINS bins of CHROMA_STEP ab units; larger
 * chroma (beyond sRGB's) counts in the last. */
#define CHROMA_STEP 0.25f
#define CHROMA_BINS 640

struct cz_reference {
    int q;
    float hist[CZ_QUANT_MAX_BINS];
    float chroma_cdf[CHROMA_BINS + 1]; /* fraction of pixels of chroma below k * CHROMA_STEP */
};

static int chroma_bin(float c)
{
    int k = (int)(c / CHROMA_STEP);
    return k < 0 ? 0 : k >= CHROMA_BINS ? CHROMA_BINS - 1 : k;
}

/* counts [CHROMA_BINS] of the chroma of ab [2, n]. */
static void chroma_count(double *counts, const float *ab, size_t n)
{
    for (int k = 0; k < CHROMA_BINS; k++) counts[k] = 0;
    for (size_t i = 0; i < n; i++) counts[chroma_bin(hypotf(ab[i], ab[n + i]))] += 1;
}

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
    double cc[CHROMA_BINS], cum = 0;
    chroma_count(cc, ab, n);
    for (int k = 0; k < CHROMA_BINS; k++) {
        r->chroma_cdf[k] = (float)(cum / (double)n);
        cum += cc[k];
    }
    r->chroma_cdf[CHROMA_BINS] = 1.0f;
    return r;
}

void cz_reference_free(cz_reference *r) { free(r); }

int cz_reference_get_bins(const cz_reference *r) { return r->q; }

const float *cz_reference_get_histogram(const cz_reference *r) { return r->hist; }

void cz_reference_log_prior(float *lp, const cz_reference *r, const float *train_prior, float strength,
                            float temperature)
{
    const float k = strength * CZ_REFERENCE_SCALE * temperature;
    for (int q = 0; q < r->q; q++) {
        float x = logf(r->hist[q] + CZ_REFERENCE_EPS);
        if (train_prior) x -= logf(train_prior[q] + CZ_REFERENCE_EPS);
        lp[q] = k == 0.0f ? 0.0f : k * x;
    }
}

/* The chroma whose share in the reference is u (0..1): its CDF inverted,
 * linear within a bin. */
static float chroma_quantile(const cz_reference *r, float u)
{
    int lo = 0, hi = CHROMA_BINS; /* cdf[lo] <= u < cdf[hi] */
    if (u <= 0.0f) return 0.0f;
    if (u >= 1.0f) u = 1.0f;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (r->chroma_cdf[mid] <= u) lo = mid;
        else hi = mid;
    }
    const float a = r->chroma_cdf[lo], b = r->chroma_cdf[lo + 1];
    const float t = b > a ? (u - a) / (b - a) : 0.0f;
    return ((float)lo + (t < 0 ? 0 : t > 1 ? 1 : t)) * CHROMA_STEP;
}

void cz_reference_match_chroma(const cz_reference *r, float *ab, size_t n, float strength)
{
    const float w = strength * CZ_REFERENCE_CHROMA_GAIN;
    if (w == 0.0f || n == 0) return;
    double counts[CHROMA_BINS], below[CHROMA_BINS], cum = 0;
    chroma_count(counts, ab, n);
    for (int k = 0; k < CHROMA_BINS; k++) {
        below[k] = cum;
        cum += counts[k];
    }
    for (size_t i = 0; i < n; i++) {
        const float c = hypotf(ab[i], ab[n + i]);
        if (!(c > 1e-6f)) continue; /* gray has no hue to carry chroma */
        /* its share among the pixels: below its bin, and within it linearly */
        const int k = chroma_bin(c);
        float t = c / CHROMA_STEP - (float)k;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const float u = (float)((below[k] + t * counts[k]) / (double)n);
        float c1 = c + w * (chroma_quantile(r, u) - c);
        if (c1 < 0.0f) c1 = 0.0f;
        ab[i] *= c1 / c;
        ab[n + i] *= c1 / c;
    }
}
