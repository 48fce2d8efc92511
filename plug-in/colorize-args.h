/* colorize-args.h: the arguments of plug-in-corolization, declared once for
 * both front-ends: after the run mode, the image and the drawable(s), in
 * this order. The numbers (temperature, saturation, size) take their names,
 * ranges, defaults and help from the engine's table (pixel_params.h); this
 * adds what only the plug-in has: the dialog's labels and the model, output,
 * confidence, hints and reference arguments. The hints and reference layers
 * are items of an image, not values to keep: each front-end reads them in
 * its own libgimp's terms and hands the plan their pixels
 * (ColorizeSource.hints, ColorizeSource.reference). */

#ifndef __COLORIZE_ARGS_H__
#define __COLORIZE_ARGS_H__

#include <glib.h>

#include "pixel_params.h"

typedef enum
{
  COLORIZE_OUTPUT_LAYER,   /* a full RGB layer, Normal mode */
  COLORIZE_OUTPUT_CHROMA   /* the same pixels in LCh Color mode */
} ColorizeOutput;

typedef enum
{
  COLORIZE_ARG_MODEL,
  COLORIZE_ARG_TEMPERATURE,
  COLORIZE_ARG_SATURATION,
  COLORIZE_ARG_SIZE,
  COLORIZE_ARG_OUTPUT,
  COLORIZE_ARG_CONFIDENCE,
  COLORIZE_ARG_HINTS,
  COLORIZE_ARG_REFERENCE,
  COLORIZE_ARG_REFERENCE_STRENGTH,
  COLORIZE_N_ARGS
} ColorizeArgId;

typedef enum
{
  COLORIZE_ARG_TYPE_STRING,   /* the model's name */
  COLORIZE_ARG_TYPE_NUMBER,   /* a cz_pixel_param: int or float */
  COLORIZE_ARG_TYPE_CHOICE,   /* a ColorizeOutput by name */
  COLORIZE_ARG_TYPE_BOOLEAN,
  COLORIZE_ARG_TYPE_DRAWABLE  /* a layer, or none */
} ColorizeArgType;

typedef struct
{
  ColorizeArgType    type;
  cz_pixel_param_id  param;   /* a number's row in the engine's table */
  const gchar       *name;    /* NULL for numbers: the engine's name */
  const gchar       *label;   /* untranslated; the dialog's, with a mnemonic */
  const gchar       *help;    /* untranslated; NULL for numbers: the engine's */
} ColorizeArg;

/* The values of the arguments: plain bytes, so GIMP 2.10's gimp_set_data
 * can store them as they are. */
typedef struct
{
  gchar            model[256];   /* "" means the default */
  cz_pixel_params  params;
  ColorizeOutput   output;
  gboolean         confidence;
} ColorizeValues;

/* The row of id: static, not to be freed. */
const ColorizeArg    *colorize_arg_get           (ColorizeArgId         id);
/* Its name and help (untranslated: pass the help through _() to show it). */
const gchar          *colorize_arg_get_name      (ColorizeArgId         id);
const gchar          *colorize_arg_get_help      (ColorizeArgId         id);
/* A number's range and default; NULL for the other types. */
const cz_pixel_param *colorize_arg_get_param     (ColorizeArgId         id);
/* The help with the range and default of a number, or the choices of the
 * output, for a PDB that has neither (GIMP 2.10); g_free it. */
gchar                *colorize_arg_describe      (ColorizeArgId         id);

/* Sets values to the defaults. */
void                  colorize_values_init       (ColorizeValues       *values);
/* FALSE, with a translated message naming the setting, when a number is
 * outside its range. */
gboolean              colorize_values_check      (const ColorizeValues *values,
                                                  GError              **error);

ColorizeOutput        colorize_output_from_string (const gchar         *output,
                                                   GError             **error);
const gchar          *colorize_output_to_string  (ColorizeOutput        output);

#endif /* __COLORIZE_ARGS_H__ */
