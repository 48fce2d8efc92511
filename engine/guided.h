/* guided.h: edge-aware upsampling of the network's ab, guided by the
 * full-resolution L: the fast guided filter (He, Sun & Tang, "Guided Image
 * Filtering", PAMI 2013; He & Sun, "Fast Guided Filter", 2015).
 *
 * At network resolution (planes [h * w], row-major, W fastest), with guide
 * I = the area-averaged source L and input p = one ab channel:
 *   pass 1 (cz_guided_box_mean): means over (2r+1)^2 windows clipped at the
 *     borders, by running sums: O(pixels) whatever r;
 *   pass 2 (cz_guided_coeffs): per window the least-squares slope of p on
 *     I, a = cov(I, p) / (var(I) + eps), and A its window mean;
 *   pass 3 (cz_guided_at, per full-resolution pixel): the bilinear p plus
 *     the slope times the detail of L the grid lost,
 *       q = p~ + A~ (L - I~)   (~: sampled bilinearly at the pixel).
 * He's output A~ L + B~ (B the window mean of mean(p) - a mean(I)) smooths
 * p over 2r + 1 cells as well; measured on the true ab of the validation
 * photos brought down to the network grid and back, it was worse than
 * bilinear everywhere (dev/upsample_oracle.py), while this form equals
 * bilinear where L is as smooth as the grid (L = I~) and puts the colour
 * back on L's edges where it is not. Where L is flat within a window
 * (var(I) << eps), a -> 0. Only passes 1 and 2 hold planes, at network
 * size, so memory stays bounded whatever the image size; pass 3 is a few
 * flops per pixel. eps is in L^2 units (L in 0..100). */
#ifndef CZ_GUIDED_H
#define CZ_GUIDED_H

#include <stddef.h>

/* out [h * w] = window means of in [h * w]; tmp [h * w] scratch. */
void cz_guided_box_mean(double *out, double *tmp, const double *in, int h, int w, int r);
/* The same by a direct sum over each window (tests). */
void cz_guided_box_mean_ref(double *out, const double *in, int h, int w, int r);

/* Doubles of work cz_guided_coeffs needs for h x w planes (0 when the size
 * overflows). */
size_t cz_guided_work_doubles(int h, int w);

/* A [h * w] for guide I [h * w] and input p [h * w]; work
 * [cz_guided_work_doubles(h, w)]. */
void cz_guided_coeffs(float *A, double *work, const float *I, const float *p, int h, int w, int r, float eps);
/* The same by direct window sums, in double (tests). */
void cz_guided_coeffs_ref(float *A, const float *I, const float *p, int h, int w, int r, float eps);

/* q at continuous coordinates (u, v) of the h x w grid (cell centres at
 * integers, edges clamped) for a pixel whose own L is L, from the grid's p,
 * A and guide I. */
float cz_guided_at(const float *p, const float *A, const float *I, int h, int w, float u, float v, float L);

#endif
