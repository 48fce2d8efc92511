/* lab.c: sRGB <-> CIE Lab through babl.
 * Layout: n pixels, 3 interleaved floats each (R'G'B' 0..1, or L a b).
 *
 * babl's "CIE Lab float" is CIE 1976 L*a*b* relative to the D50 white
 * (X 0.9642, Y 1, Z 0.8249), reached from sRGB through babl's
 * Bradford-adapted sRGB -> XYZ(D50) matrix. Measured with babl 0.1.98: the
 * "CIE Lab float" -> "R'G'B' float" fish does NOT clip (Lab 50,100,100 gives
 * R'G'B' 1.034,-0.988,-0.270; L 120 gives 1.232), so the unclipped variant
 * is babl's own result and the clipped one clamps it afterwards; no formula
 * of our own is needed. test_quant checks red against an independent
 * formula computation.
 *
 * Nothing is cached here: babl_fish() looks fishes up in babl's own cache,
 * so each call costs one lookup and one babl_process over all n pixels.
 *
 * D65 (skimage.color.rgb2lab, for imported models): from linear sRGB,
 * XYZ = M rgb with skimage's xyz_from_rgb
 *   0.412453 0.357580 0.180423 / 0.212671 0.715160 0.072169 /
 *   0.019334 0.119193 0.950227,
 * divided by the D65 white (0.95047, 1, 1.08883); f(t) = cbrt(t) above
 * (6/29)^3, else t / (3 (6/29)^2) + 4/29; L = 116 f(Y) - 16, a = 500
 * (f(X) - f(Y)), b = 200 (f(Y) - f(Z)). The sRGB curve is babl's (the
 * buffers are read linear), so only this step is ours. test_quant compares
 * it with skimage's numbers. */
#include "lab.h"

#include <babl/babl.h>
#include <math.h>
#include <stdlib.h>

static const double M65[3][3] = {{0.412453, 0.357580, 0.180423},
                                 {0.212671, 0.715160, 0.072169},
                                 {0.019334, 0.119193, 0.950227}};
static const double W65[3] = {0.95047, 1.0, 1.08883};
#define EPS3 (216.0 / 24389.0) /* (6/29)^3 */
#define KAPPA (24389.0 / 27.0)

static double f_lab(double t) { return t > EPS3 ? cbrt(t) : (KAPPA * t + 16.0) / 116.0; }

static double f_inv(double f)
{
    const double t = f * f * f;
    return t > EPS3 ? t : (116.0 * f - 16.0) / KAPPA;
}

float cz_lab_d65_L(float r, float g, float b)
{
    const double y = M65[1][0] * r + M65[1][1] * g + M65[1][2] * b;
    return (float)(116.0 * f_lab(y) - 16.0);
}

void cz_lab_d65_from_linear_srgb(float *lab, const float *rgb, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float *c = rgb + 3 * i;
        double f[3];
        for (int k = 0; k < 3; k++)
            f[k] = f_lab((M65[k][0] * c[0] + M65[k][1] * c[1] + M65[k][2] * c[2]) / W65[k]);
        lab[3 * i] = (float)(116.0 * f[1] - 16.0);
        lab[3 * i + 1] = (float)(500.0 * (f[0] - f[1]));
        lab[3 * i + 2] = (float)(200.0 * (f[1] - f[2]));
    }
}

/* rgb_from_xyz: the inverse of M65, computed once per call (cheap, and no
 * state kept). */
static void invert3(double inv[3][3], const double m[3][3])
{
    const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                       m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                       m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            const int a = (j + 1) % 3, b = (j + 2) % 3, c = (i + 1) % 3, d = (i + 2) % 3;
            inv[i][j] = (m[a][c] * m[b][d] - m[a][d] * m[b][c]) / det;
        }
}

void cz_lab_d65_to_linear_srgb(float *rgb, const float *lab, size_t n)
{
    double inv[3][3];
    invert3(inv, M65);
    for (size_t i = 0; i < n; i++) {
        const float *c = lab + 3 * i;
        const double fy = (c[0] + 16.0) / 116.0, fx = fy + c[1] / 500.0, fz = fy - c[2] / 200.0;
        const double xyz[3] = {W65[0] * f_inv(fx), W65[1] * f_inv(fy), W65[2] * f_inv(fz)};
        for (int k = 0; k < 3; k++)
            rgb[3 * i + k] = (float)(inv[k][0] * xyz[0] + inv[k][1] * xyz[1] + inv[k][2] * xyz[2]);
    }
}

void cz_lab_d65_to_d50(float *lab, size_t n)
{
    /* in chunks, so the linear-sRGB scratch stays small */
    enum { CHUNK = 4096 };
    float rgb[3 * CHUNK];
    const Babl *fish = babl_fish(babl_format("RGB float"), babl_format("CIE Lab float"));
    for (size_t i = 0; i < n; i += CHUNK) {
        const size_t m = n - i < CHUNK ? n - i : CHUNK;
        cz_lab_d65_to_linear_srgb(rgb, lab + 3 * i, m);
        babl_process(fish, rgb, lab + 3 * i, (long)m);
    }
}

void cz_lab_init(void)
{
    babl_init();
}

void cz_lab_exit(void)
{
    babl_exit();
}

/* babl_process takes a long count; split huge n so it never overflows. */
static void lab_process(const Babl *fish, const float *src, float *dst, size_t n)
{
    const size_t chunk = (size_t)1 << 30;
    while (n > 0) {
        size_t m = n < chunk ? n : chunk;
        babl_process(fish, src, dst, (long)m);
        src += 3 * m;
        dst += 3 * m;
        n -= m;
    }
}

void cz_lab_from_srgb(float *lab, const float *rgb, size_t n)
{
    const Babl *fish = babl_fish(babl_format("R'G'B' float"),
                                 babl_format("CIE Lab float"));
    lab_process(fish, rgb, lab, n);
}

void cz_lab_to_srgb_unclipped(float *rgb, const float *lab, size_t n)
{
    const Babl *fish = babl_fish(babl_format("CIE Lab float"),
                                 babl_format("R'G'B' float"));
    lab_process(fish, lab, rgb, n);
}

void cz_lab_to_srgb(float *rgb, const float *lab, size_t n)
{
    cz_lab_to_srgb_unclipped(rgb, lab, n);
    for (size_t i = 0; i < 3 * n; i++) {
        float v = rgb[i];
        /* also maps NaN to 0 */
        rgb[i] = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
    }
}
