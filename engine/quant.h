/* quant.h: the ab colour quantisation of Zhang et al. (ECCV 2016): bins on
 * a grid of step 10 over ab, either computed here (the cells that hold an
 * in-gamut sRGB colour for some L: the project's 261) or given as data (a
 * model file's "quant.bins", e.g. the published 313-bin table); soft-encoding of a true ab onto
 * its 5 nearest bins with a Gaussian (sigma 5); the empirical prior and the
 * rebalancing weights w ~ ((1-lambda) p~ + lambda/Q)^-1 normalised so that
 * E_p[w] = 1; and annealed-mean decoding at temperature T.
 * Layouts: ab [2, hw] (a plane then b plane), distributions [Q, hw]. */
#ifndef CZ_QUANT_H
#define CZ_QUANT_H

#include "cz.h"

#define CZ_QUANT_MAX_BINS 529 /* 23 x 23 grid over [-110, 110] */
#define CZ_QUANT_NEIGHBOURS 5

typedef struct {
    int q;                          /* bins kept: 261 by this rule (the paper's
                                       313 came from its own table) */
    float ab[CZ_QUANT_MAX_BINS][2]; /* bin centres */
    int grid[23][23];               /* bin index of grid cell, or -1 */
} cz_quant;

/* Computes the in-gamut bins. Needs cz_lab_init(). */
cz_status cz_quant_init(cz_quant *qt, cz_error *err);
/* Takes q bins from ab [q, 2] (a, b of each, in class order), which are
 * untrusted (a model file's): every centre must be finite and one of the
 * grid's, a and b in -110, -100, ..., 110 (the nearest-bin search walks the
 * grid), no two alike, and CZ_QUANT_NEIGHBOURS <= q <= CZ_QUANT_MAX_BINS.
 * CZ_STATUS_FORMAT_ERROR naming the first bad bin otherwise, qt unchanged. */
cz_status cz_quant_set_bins(cz_quant *qt, const float *ab, int q, cz_error *err);

/* Nearest bin of one ab pair. */
int cz_quant_nearest(const cz_quant *qt, float a, float b);

/* Sparse soft-encoding: for each pixel, idx[p*5 + j] and wt[p*5 + j] of its
 * 5 nearest bins, weights Gaussian(sigma) normalised to sum 1. */
void cz_quant_encode_sparse(int *idx, float *wt, const float *ab, int hw,
                            float sigma, const cz_quant *qt);
/* Dense soft-encoding: target [Q, hw] (zeroed first). */
void cz_quant_encode(float *target, const float *ab, int hw, float sigma,
                     const cz_quant *qt);

/* Adds each pixel's nearest bin to counts [Q]. */
void cz_quant_prior_accumulate(double *counts, const float *ab, int hw,
                               const cz_quant *qt);
/* From counts [Q]: prior p [Q] (smoothed with a Gaussian of sigma over ab,
 * normalised) and weights w [Q] with lambda mixing, E_p[w] = 1. */
void cz_quant_weights(float *prior, float *weights, const double *counts,
                      float sigma, float lambda, const cz_quant *qt);

/* Annealed mean: z = softmax(logits / T) per pixel, ab = sum_q z_q * bin_q.
 * logits [Q, hw] -> ab [2, hw]. T -> 0 gives the mode, T = 1 the mean.
 * log_prior [Q] (may be NULL: none) is added to every pixel's logits first,
 * re-weighting its distribution p(q) by exp(log_prior[q]) before the
 * annealing (a reference photo's prior, reference.h).
 * confidence [hw] (may be NULL): max_q of that softmax at T = 1, 1/Q..1. */
void cz_quant_decode(float *ab, float *confidence, const float *logits, const float *log_prior, int hw,
                     float temperature, const cz_quant *qt);

#endif
