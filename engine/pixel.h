/* pixel.h: the plug-in's pixel path, shared with corolization-train's
 * colorize command: GEGL buffer in, coloured GEGL buffer out.
 *
 * 1. Read the source through GEGL iterators as CIE L in its own colour space
 *    (babl_format_with_space) and area-average it down to the network size
 *    (long side = size, the short side in proportion), then pad it by
 *    mirroring up to the model's multiple (pad.h): the photo keeps its
 *    aspect whatever the model.
 * 2. Run the model: ab (and confidence) at network resolution, cropped back
 *    to the photo's cells. With params->edge_radius > 0, the guided filter's
 *    slopes of ab on the network-size L (guided.h).
 * 3. Write the destination tile by tile: ab up-sampled to full size
 *    (bilinear, or guided by each pixel's own L so colour follows its
 *    edges), times saturation, joined with the source's exact
 *    full-resolution L (and its alpha), converted by babl into the
 *    destination's format.
 * Memory is bounded by the network size plus GEGL's tiles, whatever the
 * image size. The source buffer is only read.
 *
 * A reference photo (params->reference, cz_pixel_reference_new) re-weights
 * a classifier model's distribution at step 2 (reference.h).
 * A model in D65 Lab ("lab_white" D65) reads its L, hints and reference in
 * that Lab (skimage's, lab.h); its ab is taken to babl's D50 before step 3,
 * so the result keeps the source's own L as for any model. */
#ifndef CZ_PIXEL_H
#define CZ_PIXEL_H

#include <gegl.h>

#include "model.h"
#include "pixel_params.h"

/* The steps above, as progress reports them. */
typedef enum {
    CZ_PIXEL_STEP_READING, /* 1: reading the source's L */
    CZ_PIXEL_STEP_RUNNING, /* 2: running the network */
    CZ_PIXEL_STEP_WRITING  /* 3: writing the destination */
} cz_pixel_step;

/* Called with fraction 0..1 and the step it is in; return false to cancel.
 * Reading reports by tiles (0 to 0.2), the network node by node (0.2 to
 * 0.75), writing by tiles (0.75 to 1), so a false answer stops the run
 * within one tile or one layer (dst untouched unless writing had begun).
 * May be NULL. */
typedef gboolean (*cz_pixel_progress)(double fraction, cz_pixel_step step, void *user);

/* src and dst have the same extent (rect); dst may have any RGB(A) or Y(A)
 * format. confidence, when not NULL, receives per-pixel confidence as gray
 * ("Y float" in dst's space). params must pass cz_pixel_params_check, and
 * the size it resolves to be at least the model's multiple. Returns
 * CZ_STATUS_CANCELLED when progress said stop. */
cz_status cz_pixel_colorize(cz_model *model, GeglBuffer *src, GeglBuffer *dst,
                            GeglBuffer *confidence, const GeglRectangle *rect,
                            const cz_pixel_params *params,
                            cz_pixel_progress progress, void *user,
                            cz_error *err);

/* The same with colour hints (a hints model only; NULL: none): every pixel
 * of hints over rect with alpha >= 0.5 is a hint whose colour, as Lab in
 * the buffer's own space, gives ab there (its L is not used). Hinted pixels
 * are averaged per network cell. */
cz_status cz_pixel_colorize_hinted(cz_model *model, GeglBuffer *src, GeglBuffer *hints, GeglBuffer *dst,
                                   GeglBuffer *confidence, const GeglRectangle *rect,
                                   const cz_pixel_params *params, cz_pixel_progress progress, void *user,
                                   cz_error *err);

/* Steps 1 and 2 alone, for a caller that writes the result itself, one
 * rectangle at a time (a plug-in into its new layer's tiles, a preview):
 * what the network predicted for src over rect, at network resolution.
 * Checks as cz_pixel_colorize_hinted; with confidence, keeps the model's
 * confidence too (a model that has one). Holds a reference on src (L and
 * alpha are read from it at each write), none on model or params. NULL on
 * error or cancel, with err set; free with cz_pixel_prediction_free. */
typedef struct cz_pixel_prediction cz_pixel_prediction;
cz_pixel_prediction *cz_pixel_prediction_new(cz_model *model, GeglBuffer *src, GeglBuffer *hints,
                                             const GeglRectangle *rect, const cz_pixel_params *params,
                                             bool confidence, cz_pixel_progress progress, void *user,
                                             cz_error *err);
/* Step 3 for roi (inside the prediction's rect): its pixels, packed rows,
 * into dst as format (any RGB(A) or Y(A)), the same bytes cz_pixel_colorize
 * writes there; with confidence (a prediction made with it), [roi pixels]
 * of per-pixel confidence. dst may be NULL to write confidence alone. With
 * mask [roi pixels] (format with alpha), alpha is multiplied by it as a
 * selection would, in float before the one conversion to format (never
 * from format back to float: for 8-bit RGBA babl would build a 320 MB
 * table). lane (0 to CZ_PIXEL_LANES - 1) picks one of pred's scratch
 * spaces: calls on different lanes may run at once, on one lane not. */
#define CZ_PIXEL_LANES 8
cz_status cz_pixel_prediction_write(cz_pixel_prediction *pred, int lane, const GeglRectangle *roi,
                                    const Babl *format, void *dst, float *confidence, const float *mask,
                                    cz_error *err);
bool cz_pixel_prediction_has_confidence(const cz_pixel_prediction *pred);
void cz_pixel_prediction_free(cz_pixel_prediction *pred);

/* A reference photo's colour prior for model (classifier models only;
 * others are CZ_STATUS_UNSUPPORTED with a message saying why): the ab
 * histogram of ref's pixels over rect (NULL: its extent) with alpha >= 0.5,
 * read as Lab in the buffer's own space at most CZ_PIXEL_REFERENCE_SIDE
 * pixels on the long side. Set it as params->reference for
 * cz_pixel_colorize; the caller frees it (cz_reference_free). NULL on
 * error, with err set. */
/* Step 1 alone: the network's L input [nh * nw] for src over rect in the
 * Lab of white (a model's cz_model_config.white), area-averaged as
 * cz_pixel_colorize does. */
cz_status cz_pixel_read_L(float *L, cz_lab_white white, GeglBuffer *src, const GeglRectangle *rect, int nh, int nw,
                          cz_error *err);

#define CZ_PIXEL_REFERENCE_SIDE 256
cz_reference *cz_pixel_reference_new(const cz_model *model, GeglBuffer *ref, const GeglRectangle *rect,
                                     cz_error *err);

#endif
