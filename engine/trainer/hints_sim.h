/* hints_sim.h: simulated users for the hints network (Zhang, Zhu et al.,
 * SIGGRAPH 2017): from a photo's true ab, the sparse colour hints a user
 * might give, as training and `eval --hints N` feed the network.
 *
 * Layout: planes, row-major: ab and hint [2, h, w] (a plane, then b),
 * mask [h, w]. Units: hint holds raw Lab ab (babl's CIE Lab, as the truth),
 * not the network's encoding; the hints net takes a * ab_scale and
 * b * ab_scale (1/110, its arch's ab_scale) and the mask as is (1 at hinted
 * pixels, 0 elsewhere).
 *
 * A point is a square patch of side s at (y, x) (its top-left pixel):
 * every pixel of [y, y + s) x [x, x + s) gets the patch's MEAN true ab and
 * mask 1. Points drawn later overwrite earlier ones where they overlap. */
#ifndef CT_HINTS_SIM_H
#define CT_HINTS_SIM_H

#include <stdint.h>

/* The number of points is geometric from 0: after each point another
 * follows with probability 1 - CT_HINTS_P, so P(k points) = (1 - p)^k p,
 * P(0) = 1/8 and the mean is (1 - p)/p = 7 (the convention of the authors'
 * colorization-pytorch data loader, add_color_patches_rand_gt). */
#define CT_HINTS_P 0.125f
/* Patch sides, uniform over CT_HINTS_SIDE_MIN..MAX (the loader's 1..9). */
#define CT_HINTS_SIDE_MIN 1
#define CT_HINTS_SIDE_MAX 9
/* Share of points placed by the centred Gaussian, the rest uniformly. The
 * paper names both; the authors' loader defaults to the Gaussian only, and
 * we draw each point from one or the other, half and half, so that hints
 * near the borders (common for users) are seen in training too. */
#define CT_HINTS_GAUSSIAN 0.5f
/* `eval --hints N`: N points of this side at uniform positions. */
#define CT_HINTS_EVAL_SIDE 5

typedef struct {
    int y, x, side; /* the patch [y, y + side) x [x, x + side) */
    float a, b;     /* the mean true ab over it, written as the hint */
} ct_hint_point;

/* Training: a geometric number of points (see CT_HINTS_P), each of a side
 * uniform in 1..9 (at most min(h, w)), placed either at
 *   y = clamp(N((h - s + 1) / 2, (h - s + 1) / 4), 0, h - s), truncated,
 *   and the same for x with w (a Gaussian around the centre with sigma a
 *   quarter of each side, as the authors' loader), or
 *   y uniform in 0..h - s, x in 0..w - s,
 * by CT_HINTS_GAUSSIAN. Writes hint [2, h, w] and mask [h, w] (zero outside
 * the patches), and the first `cap` points to points (may be NULL when cap
 * is 0). rng advances. Returns the number of points drawn. */
int ct_hints_simulate(float *hint, float *mask, ct_hint_point *points, int cap, const float *ab, int h,
                      int w, uint64_t *rng);

/* `eval --hints N`: exactly n points (n >= 0) of side CT_HINTS_EVAL_SIDE (at
 * most min(h, w)) at uniform positions, drawn from the given seed, so that
 * one seed gives every run the same hints. Output as ct_hints_simulate;
 * returns n. */
int ct_hints_fixed(float *hint, float *mask, ct_hint_point *points, int cap, const float *ab, int h, int w,
                   int n, uint64_t seed);

#endif
