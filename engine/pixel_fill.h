/* pixel_fill.h: a GEGL buffer written tile by tile by a caller's function,
 * a selection mask read with each tile: how the plug-in streams its new
 * layers (from a cz_pixel_prediction, pixel.h) in bounded memory, with its
 * failure path in one place a test can reach.
 *
 * With lanes > 1 the area is cut into bands of whole tile rows, one per
 * thread of GEGL's pool (gegl_parallel_distribute: at most GEGL's
 * "threads", which libgimp sets from GIMP's own preference), each band
 * written in order on its lane; the writer is then called from those
 * threads at once, one lane each. GEGL buffers, and GIMP's tile transfer
 * to a plug-in, take their own locks; the writer must not call into GIMP
 * (a PDB call from a worker would cross the transfer on the wire).
 *
 * The mask is read as "Y double" and handed on as float: babl 0.1.98
 * converts an 8- or 16-bit mask (GIMP's selection at those precisions)
 * to "Y float" through a lookup table of 350 MB, to "Y double" without.
 * The first tile whose write fails stops the fill: no further calls on
 * its lane, none on the others after the tile each is writing, and its
 * status returned with the writer's message. What was written by then
 * stays in dst, so a caller that must leave nothing half-done writes into
 * a buffer it can still throw away (the plug-in: a layer not yet in the
 * image). */
#ifndef CZ_PIXEL_FILL_H
#define CZ_PIXEL_FILL_H

#include "pixel.h"

/* Writes roi (dst's coordinates) on lane (0 to the fill's lanes - 1):
 * data is its pixels in the fill's format, packed rows; mask [roi pixels]
 * the selection there, or NULL without one. Returns CZ_STATUS_OK, or a
 * status with err set (CZ_STATUS_CANCELLED to stop on a user's cancel). */
typedef cz_status (*cz_pixel_fill_tile)(const GeglRectangle *roi, void *data, const float *mask, int lane,
                                        void *user, cz_error *err);

/* Called on the fill's own thread after each band with the fraction of
 * rect written (a plug-in's progress bar: a PDB call is safe here); false
 * cancels the fill (CZ_STATUS_CANCELLED). */
typedef bool (*cz_pixel_fill_done)(double fraction, void *user);

/* At most this many bands of rect, written one after another, each with a
 * tile row for each lane. */
#define CZ_PIXEL_FILL_BANDS 20

/* Writes rect of dst as format through write, tile by tile, on up to
 * lanes threads (1 to CZ_PIXEL_LANES; 1: the calling thread alone, tiles
 * in order), reporting to done (NULL: none) between its bands; with mask,
 * each tile's mask read at roi shifted by (mask_dx, mask_dy) (the layer's
 * offsets in the image), 0 outside the mask's extent. */
cz_status cz_pixel_fill(GeglBuffer *dst, const GeglRectangle *rect, const Babl *format, GeglBuffer *mask,
                        int mask_dx, int mask_dy, int lanes, cz_pixel_fill_tile write, cz_pixel_fill_done done,
                        void *user, cz_error *err);

#endif
