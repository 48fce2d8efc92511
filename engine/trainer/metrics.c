/* metrics.c: PSNR, SSIM, colourfulness and the ab-error AuC (see metrics.h). */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

double ct_psnr_rgb(const float *a, const float *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < 3 * n; i++) {
        double d = (double)a[i] - (double)b[i];
        se += d * d;
    }
    double mse = se / (3.0 * (double)n);
    if (mse <= 0) return CT_PSNR_MAX;
    double p = 10.0 * log10(1.0 / mse);
    return p > CT_PSNR_MAX ? CT_PSNR_MAX : p;
}

/* Separable Gaussian "valid" filter: src [h, w] -> dst [h-10, w-10]. */
static void gauss_valid(double *dst, double *tmp, const double *src, int w, int h,
                        const double *g)
{
    int ow = w - 10, oh = h - 10;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < ow; x++) {
            double s = 0;
            for (int k = 0; k < 11; k++) s += g[k] * src[(size_t)y * w + x + k];
            tmp[(size_t)y * ow + x] = s;
        }
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            double s = 0;
            for (int k = 0; k < 11; k++) s += g[k] * tmp[(size_t)(y + k) * ow + x];
            dst[(size_t)y * ow + x] = s;
        }
}

double ct_ssim_rgb(const float *a, const float *b, int w, int h)
{
    if (w < 11 || h < 11) return NAN;
    double g[11], gs = 0;
    for (int k = 0; k < 11; k++) gs += g[k] = exp(-(k - 5) * (k - 5) / (2 * 1.5 * 1.5));
    for (int k = 0; k < 11; k++) g[k] /= gs;
    size_t np = (size_t)w * h, on = (size_t)(w - 10) * (h - 10);
    /* x, y, xx, yy, xy planes and their filtered versions. */
    double *in = mallocCheck(ct_size3(np, 5, sizeof(double)));
    double *out = mallocCheck(ct_size3(on, 5, sizeof(double)));
    double *tmp = mallocCheck(ct_size3(np, 1, sizeof(double)));
    const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
    double total = 0;
    for (int c = 0; c < 3; c++) {
        for (size_t i = 0; i < np; i++) {
            double x = a[3 * i + c], y = b[3 * i + c];
            in[i] = x;
            in[np + i] = y;
            in[2 * np + i] = x * x;
            in[3 * np + i] = y * y;
            in[4 * np + i] = x * y;
        }
        for (int k = 0; k < 5; k++) gauss_valid(out + k * on, tmp, in + k * np, w, h, g);
        double s = 0;
        for (size_t i = 0; i < on; i++) {
            double mx = out[i], my = out[on + i];
            double vx = out[2 * on + i] - mx * mx, vy = out[3 * on + i] - my * my;
            double cxy = out[4 * on + i] - mx * my;
            s += ((2 * mx * my + c1) * (2 * cxy + c2)) /
                 ((mx * mx + my * my + c1) * (vx + vy + c2));
        }
        total += s / (double)on;
    }
    free(in);
    free(out);
    free(tmp);
    return total / 3.0;
}

double ct_colourfulness(const float *rgb, size_t n)
{
    double srg = 0, syb = 0, srg2 = 0, syb2 = 0;
    for (size_t i = 0; i < n; i++) {
        double r = 255.0 * rgb[3 * i], g = 255.0 * rgb[3 * i + 1], b = 255.0 * rgb[3 * i + 2];
        double rg = r - g, yb = 0.5 * (r + g) - b;
        srg += rg;
        syb += yb;
        srg2 += rg * rg;
        syb2 += yb * yb;
    }
    double mrg = srg / n, myb = syb / n;
    double vrg = fmax(0, srg2 / n - mrg * mrg), vyb = fmax(0, syb2 / n - myb * myb);
    return sqrt(vrg + vyb) + 0.3 * sqrt(mrg * mrg + myb * myb);
}

double ct_ab_gradient(const float *lab, int w, int h)
{
    if (w < 2 || h < 2) return 0;
    double s = 0;
    for (int y = 0; y + 1 < h; y++)
        for (int x = 0; x + 1 < w; x++) {
            const float *p = lab + 3 * ((size_t)y * w + x), *r = p + 3, *d = p + 3 * (size_t)w;
            double ax = r[1] - p[1], ay = d[1] - p[1], bx = r[2] - p[2], by = d[2] - p[2];
            s += sqrt(ax * ax + ay * ay + bx * bx + by * by);
        }
    return s / ((double)(w - 1) * (h - 1));
}

void ct_ab_error_accumulate(uint64_t *hist, const float *lab_pred,
                            const float *lab_truth, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double da = lab_pred[3 * i + 1] - lab_truth[3 * i + 1];
        double db = lab_pred[3 * i + 2] - lab_truth[3 * i + 2];
        double d = ceil(sqrt(da * da + db * db) - 1e-9);
        if (d < 0) d = 0;
        if (d < CT_AUC_THRESHOLDS) hist[(int)d]++;
    }
}

double ct_auc(const uint64_t *hist, uint64_t total)
{
    if (!total) return NAN;
    uint64_t cum = 0;
    double s = 0;
    for (int t = 0; t < CT_AUC_THRESHOLDS; t++) {
        cum += hist[t]; /* pixels with error <= t */
        s += (double)cum / (double)total;
    }
    return s / CT_AUC_THRESHOLDS;
}
