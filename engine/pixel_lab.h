/* pixel_lab.h: the Lab in which the pixel path's write step (pixel.c)
 * assembles the result, a switch on the model's white. Private to the
 * pixel path.
 *
 * D50 (babl's, the project's models): the source is read as "CIE L alpha
 * float" in its own space and the Lab is converted by babl.
 * D65 (skimage's, imported models): the source is read as linear sRGB, its
 * L computed per pixel, and the colour (full-resolution L, up-sampled ab)
 * goes through linear sRGB by lab.h's formulas, then by babl to the
 * destination: the result is what skimage's lab2rgb of (L, ab) gives, as
 * the published demo composes it. (Taking the ab to D50 at network size
 * and joining it with babl's L instead was up to 1.6 ab off it: the
 * conversion depends on L, and the two Ls differ.) */
#ifndef CZ_PIXEL_LAB_H
#define CZ_PIXEL_LAB_H

#include <babl/babl.h>
#include <stdbool.h>
#include <stddef.h>

#include "lab.h"

typedef struct {
    bool d65;
    const Babl *src_fmt; /* the source as read for L and alpha: [n, 2] L, alpha (D50) or [n, 4] RGBA (D65) */
    const Babl *fish;    /* to the destination's "RGBA float": from Lab (D50) or from linear sRGB (D65) */
} cz__pixel_lab;

/* Linear sRGB with alpha, what the D65 formulas of lab.h take. */
const Babl *cz__pixel_lab_linear_srgb(void);

void cz__pixel_lab_init(cz__pixel_lab *c, bool d65, const Babl *src_space, const Babl *dst_space);

/* L and alpha of pixel k of a buffer read in c->src_fmt. */
static inline float cz__pixel_lab_L(const cz__pixel_lab *c, const float *px, size_t k)
{
    return c->d65 ? cz_lab_d65_L(px[4 * k], px[4 * k + 1], px[4 * k + 2]) : px[2 * k];
}

static inline float cz__pixel_lab_alpha(const cz__pixel_lab *c, const float *px, size_t k)
{
    return c->d65 ? px[4 * k + 3] : px[2 * k + 1];
}

/* lab [n, 4] (L, a, b, alpha) to rgba [n, 4], the destination's linear
 * "RGBA float", unclipped; lab and rgba must not overlap. */
void cz__pixel_lab_to_rgba(const cz__pixel_lab *c, const float *lab, float *rgba, size_t n);

#endif
