/* pixel.h: the plug-in's pixel path, shared with corolization-train's
 * colorize command: GEGL buffer in, coloured GEGL buffer out.
 *
 * 1. Read the source through GEGL iterators as CIE L in its own colour space
 *    (babl_format_with_space) and area-average it down to the network size
 *    (long side = size, both sides rounded to the model's multiple).
 * 2. Run the model: ab (and confidence) at network resolution.
 * 3. Write the destination tile by tile: ab up-sampled bilinearly to full
 *    size, times saturation, joined with the source's exact full-resolution L
 *    (and its alpha), converted by babl into the destination's format.
 * Memory is bounded by the network size plus GEGL's tiles, whatever the
 * image size. The source buffer is only read. */
#ifndef CZ_PIXEL_H
#define CZ_PIXEL_H

#include <gegl.h>

#include "model.h"

typedef struct {
    float temperature; /* annealed-mean T, 0.01..1 (default 0.38) */
    float saturation;  /* chroma scale, 0..2 (default 1) */
    int size;          /* network input long side; 0 = the model's own */
} cz_pixel_params;

/* Called with fraction 0..1 and a short description of the step; return
 * false to cancel. May be NULL. */
typedef gboolean (*cz_pixel_progress)(double fraction, const char *step, void *user);

/* src and dst have the same extent (rect); dst may have any RGB(A) or Y(A)
 * format. confidence, when not NULL, receives per-pixel confidence as gray
 * ("Y float" in dst's space). Returns CZ_STATUS_CANCELLED when progress said
 * stop. */
cz_status cz_pixel_colorize(cz_model *model, GeglBuffer *src, GeglBuffer *dst,
                            GeglBuffer *confidence, const GeglRectangle *rect,
                            const cz_pixel_params *params,
                            cz_pixel_progress progress, void *user,
                            cz_error *err);

#endif
