/* guided.c: the fast guided filter's passes (see guided.h). The window
 * means are double, so var(I) = mean(I^2) - mean(I)^2 keeps its digits with
 * L up to 100 (in float a flat window's variance is rounding noise of
 * ~1e-3, as large as a small eps). */
#include "guided.h"

#include "cz.h"
#include "upsample.h"

/* Means of the clipped windows along one line of n values at stride s:
 * a running sum, one add and one subtract per value. */
static void box_line(double *out, const double *in, int n, size_t s, int r)
{
    double sum = 0.0;
    int hi = r < n - 1 ? r : n - 1;
    for (int i = 0; i <= hi; i++) sum += in[(size_t)i * s];
    for (int i = 0; i < n; i++) {
        int lo = i - r < 0 ? 0 : i - r;
        int top = i + r > n - 1 ? n - 1 : i + r;
        out[(size_t)i * s] = sum / (double)(top - lo + 1);
        if (i + r + 1 < n) sum += in[(size_t)(i + r + 1) * s];
        if (i - r >= 0) sum -= in[(size_t)(i - r) * s];
    }
}

/* A clipped window is a rectangle, so its mean is the column mean of the
 * row means: rows first into tmp, then columns into out. */
void cz_guided_box_mean(double *out /* [h, w] */, double *tmp /* [h, w] */, const double *in /* [h, w] */,
                        int h, int w, int r)
{
    if (h <= 0 || w <= 0) return;
    if (r < 0) r = 0;
    for (int y = 0; y < h; y++) box_line(tmp + (size_t)y * w, in + (size_t)y * w, w, 1, r);
    for (int x = 0; x < w; x++) box_line(out + x, tmp + x, h, (size_t)w, r);
}

void cz_guided_box_mean_ref(double *out /* [h, w] */, const double *in /* [h, w] */, int h, int w, int r)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double sum = 0.0;
            int n = 0;
            for (int j = y - r; j <= y + r; j++)
                for (int i = x - r; i <= x + r; i++)
                    if (j >= 0 && j < h && i >= 0 && i < w) sum += in[(size_t)j * w + i], n++;
            out[(size_t)y * w + x] = sum / n;
        }
}

size_t cz_guided_work_doubles(int h, int w)
{
    size_t n, out;
    if (h <= 0 || w <= 0 || !cz_size_mul(&n, (size_t)h, (size_t)w) || !cz_size_mul(&out, n, 8)) return 0;
    return out;
}

void cz_guided_coeffs(float *A /* [h, w] */, double *work /* [8, h, w] */,
                      const float *I /* [h, w] */, const float *p /* [h, w] */, int h, int w, int r, float eps)
{
    if (h <= 0 || w <= 0) return;
    const size_t n = (size_t)h * w;
    double *mI = work, *mp = work + n, *mII = work + 2 * n, *mIp = work + 3 * n;
    double *x = work + 4 * n, *a = work + 5 * n, *tmp = work + 7 * n;
    for (size_t k = 0; k < n; k++) x[k] = I[k];
    cz_guided_box_mean(mI, tmp, x, h, w, r);
    for (size_t k = 0; k < n; k++) x[k] = p[k];
    cz_guided_box_mean(mp, tmp, x, h, w, r);
    for (size_t k = 0; k < n; k++) x[k] = (double)I[k] * I[k];
    cz_guided_box_mean(mII, tmp, x, h, w, r);
    for (size_t k = 0; k < n; k++) x[k] = (double)I[k] * p[k];
    cz_guided_box_mean(mIp, tmp, x, h, w, r);
    for (size_t k = 0; k < n; k++) {
        double var = mII[k] - mI[k] * mI[k];
        if (var < 0.0) var = 0.0; /* rounding in a flat window */
        a[k] = (mIp[k] - mI[k] * mp[k]) / (var + eps);
    }
    cz_guided_box_mean(mI, tmp, a, h, w, r);
    for (size_t k = 0; k < n; k++) A[k] = (float)mI[k];
}

/* The mean over (y, x)'s clipped window of expr (in j, i), in double. */
#define WINDOW_MEAN(out, y, x, expr)                                            \
    do {                                                                        \
        double s_ = 0.0;                                                        \
        int n_ = 0;                                                             \
        for (int j = (y) - r; j <= (y) + r; j++)                                \
            for (int i = (x) - r; i <= (x) + r; i++)                            \
                if (j >= 0 && j < h && i >= 0 && i < w) s_ += (expr), n_++;     \
        (out) = s_ / n_;                                                        \
    } while (0)

/* He's a of the window around (y, x), straight from the definitions. */
static void coeff_ref(double *a, const float *I, const float *p, int h, int w, int r, float eps,
                      int y, int x)
{
    double mI, mp, mII, mIp;
    WINDOW_MEAN(mI, y, x, (double)I[(size_t)j * w + i]);
    WINDOW_MEAN(mp, y, x, (double)p[(size_t)j * w + i]);
    WINDOW_MEAN(mII, y, x, (double)I[(size_t)j * w + i] * I[(size_t)j * w + i]);
    WINDOW_MEAN(mIp, y, x, (double)I[(size_t)j * w + i] * p[(size_t)j * w + i]);
    double var = mII - mI * mI;
    *a = (mIp - mI * mp) / ((var < 0.0 ? 0.0 : var) + eps);
}

/* O(r^4) per pixel and no scratch: each window's a recomputed. */
void cz_guided_coeffs_ref(float *A /* [h, w] */, const float *I /* [h, w] */,
                          const float *p /* [h, w] */, int h, int w, int r, float eps)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double sa = 0.0;
            int n = 0;
            for (int j = y - r; j <= y + r; j++)
                for (int i = x - r; i <= x + r; i++) {
                    if (j < 0 || j >= h || i < 0 || i >= w) continue;
                    double a;
                    coeff_ref(&a, I, p, h, w, r, eps, j, i);
                    sa += a, n++;
                }
            A[(size_t)y * w + x] = (float)(sa / n);
        }
}

float cz_guided_at(const float *p /* [h, w] */, const float *A /* [h, w] */, const float *I /* [h, w] */, int h,
                   int w, float u, float v, float L)
{
    return cz_upsample_at(p, h, w, u, v) + cz_upsample_at(A, h, w, u, v) * (L - cz_upsample_at(I, h, w, u, v));
}
