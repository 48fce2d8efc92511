/* reference.h: a reference photo's colours as a prior over a classifier
 * model's ab bins (issue 16: "make it look like this one").
 *
 * The reference's ab pixels are counted on the model's bins (their nearest,
 * cz_quant_prior_accumulate) and smoothed as the training prior is (a
 * Gaussian of CZ_REFERENCE_SIGMA over ab, cz_quant_weights), giving a
 * histogram h [Q] that sums to 1. Decoding then re-weights each pixel's
 * predicted distribution before the annealed mean:
 *     p'(q) ~ p(q) * ((h(q) + eps) / (pi(q) + eps))^s,  s in [0, 2], 0 = off,
 * where pi is the prior of the model's training photos (the file's
 * quant.prior): the network's p already carries pi, so the reference
 * replaces it rather than piling on it. Without the division (p * h^s, the
 * issue's first form) both priors favour the grays every photo is mostly
 * made of, and on the validation photos the result lost half its
 * colourfulness. On logits this is adding cz_reference_log_prior. eps
 * keeps the colours the reference lacks possible.
 *
 * Only a model whose output is a distribution over these bins can use it
 * (colorful). The hints net's class head is over its own grid but its
 * output comes from the regression head, so it, like pix2pix, fusion and
 * residual, refuses a reference (cz_model_check_reference). */
#ifndef CZ_REFERENCE_H
#define CZ_REFERENCE_H

#include <stddef.h>

#include "cz.h"
#include "quant.h"

#define CZ_REFERENCE_SIGMA 5.0f /* ab units: the training prior's smoothing */
#define CZ_REFERENCE_EPS 1e-4f  /* floor under h and pi, chosen on the validation photos */

typedef struct cz_reference cz_reference; /* opaque */

/* The histogram of n ab pairs, ab [2, n] (a plane, b plane, CIE ab as the
 * model's Lab), on qt's bins. n = 0 is CZ_STATUS_INVALID_ARGUMENT (a
 * reference with no pixels says nothing). Caller frees it. */
cz_reference *cz_reference_new(const cz_quant *qt, const float *ab, size_t n, cz_error *err);
void cz_reference_free(cz_reference *r);

/* The number of bins it is over (the qt it was made with). */
int cz_reference_get_bins(const cz_reference *r);
/* h [bins], summing to 1 (owned by r). */
const float *cz_reference_get_histogram(const cz_reference *r);

/* lp [bins] = strength * (log(h + eps) - log(pi + eps)) with eps =
 * CZ_REFERENCE_EPS, pi [bins] the model's training prior (NULL: none, the
 * plain p * h^s): what decoding adds to each pixel's logits. strength 0
 * gives exact zeros. */
void cz_reference_log_prior(float *lp, const cz_reference *r, const float *train_prior, float strength);

#endif
