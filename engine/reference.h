/* reference.h: a reference photo's colours as a prior over a classifier
 * model's ab bins (issue 16: "make it look like this one").
 *
 * The reference's ab pixels are counted on the model's bins (their nearest,
 * cz_quant_prior_accumulate) and smoothed as the training prior is (a
 * Gaussian of CZ_REFERENCE_SIGMA over ab, cz_quant_weights), giving a
 * histogram h [Q] that sums to 1; their chroma |ab| is kept as a
 * distribution too. Decoding then does two things, both scaled by the
 * strength s in [0, 2] (0 = off, exactly as without a reference):
 *
 * 1. Re-weights each pixel's distribution after the annealing:
 *        p'(q) ~ p(q)^(1/T) * ((h(q) + eps) / (pi(q) + eps))^(k s),
 *    k = CZ_REFERENCE_SCALE, where pi is the prior of the model's training
 *    photos (the file's quant.prior): the network's p already carries pi,
 *    so the reference replaces it rather than piling on it (p * h^s, the
 *    issue's first form, halved the colourfulness: both priors favour the
 *    grays every photo is mostly made of). Applied before the annealing the
 *    factor is raised to 1/T (2.6 at T = 0.38) and a reference that is not
 *    the photo itself overrules what the network sees. On logits this is
 *    adding cz_reference_log_prior. eps keeps the colours the reference
 *    lacks possible.
 * 2. Moves each decoded pixel's chroma towards the reference's chroma at
 *    the same rank (quantile matching, the hue kept), by CZ_REFERENCE_CHROMA_GAIN
 *    * s (cz_reference_match_chroma): the annealed mean of a spread
 *    distribution is duller than the photo it should look like.
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
#define CZ_REFERENCE_SCALE 1.0f /* k: the prior's exponent at strength 1, after annealing */
#define CZ_REFERENCE_CHROMA_GAIN 0.5f /* chroma matching at strength 1 (1: the reference's) */

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

/* lp [bins] = T k strength (log(h + eps) - log(pi + eps)) with eps =
 * CZ_REFERENCE_EPS, k = CZ_REFERENCE_SCALE, T = temperature, pi [bins] the
 * model's training prior (NULL: none, the plain h): what decoding adds to
 * each pixel's logits before dividing them by T, so the factor on p^(1/T)
 * is ((h + eps) / (pi + eps))^(k strength). strength 0 gives exact zeros. */
void cz_reference_log_prior(float *lp, const cz_reference *r, const float *train_prior, float strength,
                            float temperature);

/* Moves the chroma of each of the n decoded pixels ab [2, n] (a plane, b
 * plane) towards the reference's chroma of the same rank among the n, by
 * CZ_REFERENCE_CHROMA_GAIN * strength of the way (beyond it above 1),
 * keeping its hue; gray pixels stay gray. strength 0 changes nothing. */
void cz_reference_match_chroma(const cz_reference *r, float *ab, size_t n, float strength);

#endif
