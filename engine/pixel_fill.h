/* pixel_fill.h: a GEGL buffer written tile by tile by a caller's function,
 * a selection mask read with each tile: how the plug-in streams its new
 * layers (from a cz_pixel_prediction, pixel.h) in bounded memory, with its
 * failure path in one place a test can reach.
 *
 * The mask is read as "Y double" and handed on as float: babl 0.1.98
 * converts an 8- or 16-bit mask (GIMP's selection at those precisions)
 * to "Y float" through a lookup table of 350 MB, to "Y double" without.
 * The first tile whose write fails stops the fill: no further calls, its
 * status returned with the writer's message. What was written by then
 * stays in dst, so a caller that must leave nothing half-done writes into
 * a buffer it can still throw away (the plug-in: a layer not yet in the
 * image). */
#ifndef CZ_PIXEL_FILL_H
#define CZ_PIXEL_FILL_H

#include <gegl.h>

#include "cz.h"

/* Writes roi (dst's coordinates): data is its pixels in the fill's format,
 * packed rows; mask [roi pixels] the selection there, or NULL without one.
 * Returns CZ_STATUS_OK, or a status with err set (CZ_STATUS_CANCELLED to
 * stop on a user's cancel). */
typedef cz_status (*cz_pixel_fill_tile)(const GeglRectangle *roi, void *data, const float *mask, void *user,
                                        cz_error *err);

/* Writes rect of dst as format through write, tile by tile; with mask,
 * each tile's mask read at roi shifted by (mask_dx, mask_dy) (the layer's
 * offsets in the image), 0 outside the mask's extent. */
cz_status cz_pixel_fill(GeglBuffer *dst, const GeglRectangle *rect, const Babl *format, GeglBuffer *mask,
                        int mask_dx, int mask_dy, cz_pixel_fill_tile write, void *user, cz_error *err);

#endif
