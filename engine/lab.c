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
 * so each call costs one lookup and one babl_process over all n pixels. */
#include "lab.h"

#include <babl/babl.h>

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
