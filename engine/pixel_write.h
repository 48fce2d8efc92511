/* pixel_write.h: step 3 of the pixel path (pixel.h) as an object: what the
 * network predicted, kept at network resolution, and any rectangle of the
 * full-resolution result written from it on demand. Private to the pixel
 * path: pixel.c fills the planes (steps 1 and 2), pixel_write.c owns their
 * memory and writes; callers see the opaque cz_pixel_prediction of pixel.h.
 *
 * Planes are float32, row-major, W fastest, over the photo's h x w network
 * cells (the padding cropped away). */
#ifndef CZ_PIXEL_WRITE_H
#define CZ_PIXEL_WRITE_H

#include "pixel.h"

struct cz_pixel_prediction {
    GeglBuffer *src;      /* a reference: L and alpha are read from it per rectangle */
    GeglRectangle rect;   /* the area predicted, in src's coordinates */
    int h, w;             /* network cells of the photo */
    bool d65;             /* the model's Lab is skimage's D65 (pixel_lab.h), else babl's D50 */
    float saturation;
    float *ab;            /* [2, h * w] in the model's Lab */
    float *conf;          /* [h * w], NULL without confidence */
    float *L;             /* [h * w] the network's L */
    float *coef;          /* [2, h * w] guided slopes (guided.h), NULL: bilinear */
    float *block;         /* owns the planes above */
    struct cz_pixel_scratch *scratch; /* [CZ_PIXEL_LANES] one rectangle's working memory per lane, grown on demand */
};

/* A prediction of h x w cells for src over rect (src gets a reference),
 * its planes allocated but not filled; NULL when out of memory. */
cz_pixel_prediction *cz__pixel_prediction_alloc(GeglBuffer *src, const GeglRectangle *rect, int h, int w, bool d65,
                                                bool confidence, bool guided, float saturation);

#endif
