/* metrics.h: colorization quality figures, all on interleaved sRGB floats
 * [n, 3] in 0..1 (or Lab [n, 3] for the ab error).
 * PSNR: 10 log10(1 / MSE) over the three channels, capped at CT_PSNR_MAX
 *   (identical images) so that it stays a JSON number.
 * SSIM: Wang et al. 2004, Gaussian window 11 x 11 with sigma 1.5,
 *   K1 0.01, K2 0.03, data range 1, mean over the valid windows of each
 *   channel, then over channels (skimage's gaussian_weights=True form).
 * Colourfulness: Hasler & Suesstrunk 2003 on 0..255 values:
 *   rg = R - G, yb = (R + G)/2 - B,
 *   M = sqrt(sd(rg)^2 + sd(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2).
 * Colour-edge strength: the mean over pixels of |grad ab| (forward
 *   differences of a and b, Lab [w*h, 3]); a blurred colour answer has less
 *   of it than the truth, a blotchy one can have more.
 * ab-error curve (Zhang et al. 2016): the fraction of pixels whose
 *   Euclidean ab error is <= t, for t = 0..150; AuC is its mean over the
 *   151 thresholds, 1 for a perfect answer. */
#ifndef CT_METRICS_H
#define CT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define CT_PSNR_MAX 100.0
#define CT_AUC_THRESHOLDS 151

double ct_psnr_rgb(const float *a, const float *b, size_t n);
double ct_ssim_rgb(const float *a, const float *b, int w, int h);
double ct_colourfulness(const float *rgb, size_t n);
double ct_ab_gradient(const float *lab, int w, int h);
/* Adds each pixel's ab error to hist [151] (errors above 150 count in none;
 * the caller keeps the pixel total). */
void ct_ab_error_accumulate(uint64_t *hist, const float *lab_pred,
                            const float *lab_truth, size_t n);
/* AuC from hist [151] over total pixels. */
double ct_auc(const uint64_t *hist, uint64_t total);

#endif
