/* colorize.h: what the GIMP 3.0 and GIMP 2.10 front-ends share: the
 * procedure's names and defaults, finding models, and the pixel work from a
 * source GeglBuffer to new, not yet attached, result buffers.
 *
 * Everything here compiles against either libgimp; it only uses API whose
 * signature is the same in both (gimp_directory, gimp_progress_*). */

#ifndef __COLORIZE_H__
#define __COLORIZE_H__

#include <glib/gi18n-lib.h>
#include <gegl.h>

#include "model.h"
#include "pixel.h"

#define PLUG_IN_PROC       "plug-in-corolization"
#define PLUG_IN_BINARY     "corolization"
#define PLUG_IN_ROLE       "corolization"
#define PLUG_IN_AUTHOR     "The corolization authors"
#define PLUG_IN_COPYRIGHT  "GPL-3.0-or-later"
#define PLUG_IN_DATE       "2025"

/* Used when no model is named, if installed; else the first model found. */
#define COLORIZE_DEFAULT_MODEL "colorful"

#define COLORIZE_DEFAULT_TEMPERATURE CZ_PIXEL_TEMPERATURE_DEFAULT
#define COLORIZE_DEFAULT_SATURATION  1.0

typedef enum
{
  COLORIZE_OUTPUT_LAYER,   /* a full RGB layer, Normal mode */
  COLORIZE_OUTPUT_CHROMA   /* the same pixels in LCh Color mode */
} ColorizeOutput;

typedef struct
{
  gchar          *model;       /* owned; "" means the default */
  gdouble         temperature;
  gdouble         saturation;
  gint            size;        /* 0: the model's own */
  ColorizeOutput  output;
  gboolean        confidence;
} ColorizeValues;

/* What the pixel work produced: buffers in the source's extent, owned by
 * the caller (g_object_unref). */
typedef struct
{
  GeglBuffer *color;
  GeglBuffer *confidence;   /* NULL unless asked for */
  gchar      *model_name;   /* owned: the model that was used */
} ColorizeResult;

/* Folders searched for models, most specific first; free with g_strfreev. */
gchar        **colorize_model_dirs       (void);
/* Sorted, unique model names (file names without ".safetensors"). */
gchar        **colorize_model_list       (void);
/* The file of a model, or NULL with a message naming the folders searched. */
gchar         *colorize_model_find       (const gchar          *name,
                                          gchar               **resolved_name,
                                          GError              **error);
ColorizeOutput colorize_output_from_string (const gchar        *output,
                                            GError            **error);
const gchar   *colorize_output_to_string (ColorizeOutput        output);

/* The babl format of a new RGB layer at precision (a GimpPrecision value). */
const Babl    *colorize_layer_format     (gint                  precision,
                                          gboolean              alpha,
                                          const Babl           *space);

/* Loads the model and colorizes src into new buffers of color_format.
 * selection, when not NULL, is the image's selection mask; (offset_x,
 * offset_y) is the source's position in it, and the result's alpha is
 * multiplied by the mask. Progress goes to GIMP's progress bar. */
gboolean       colorize_run              (GeglBuffer           *src,
                                          const Babl           *color_format,
                                          GeglBuffer           *selection,
                                          gint                  offset_x,
                                          gint                  offset_y,
                                          const ColorizeValues *values,
                                          ColorizeResult       *result,
                                          GError              **error);
void           colorize_result_clear     (ColorizeResult       *result);

/* The catalogue folder: "locale" beside the plug-in if present, else the
 * install's. */
gchar         *colorize_locale_dir       (const gchar          *progname);

#define COLORIZE_ERROR (colorize_error_quark ())
GQuark         colorize_error_quark      (void);

#endif /* __COLORIZE_H__ */
