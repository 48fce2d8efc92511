/* colorize-args.c: the table of plug-in-corolization's arguments (see
 * colorize-args.h). Only the plug-in's own strings are here; the numbers'
 * help is the engine's (engine/pixel_params.c, also in po/POTFILES.in). */

#include "config.h"

#include <string.h>

#include "colorize.h"

static const ColorizeArg args[COLORIZE_N_ARGS] =
{
  [COLORIZE_ARG_MODEL] =
    { COLORIZE_ARG_TYPE_STRING, 0, "model", N_("_Model"),
      N_("Name of an installed model; empty for the default") },
  [COLORIZE_ARG_TEMPERATURE] =
    { COLORIZE_ARG_TYPE_NUMBER, CZ_PIXEL_PARAM_TEMPERATURE, NULL,
      N_("_Vividness (temperature)"), NULL },
  [COLORIZE_ARG_SATURATION] =
    { COLORIZE_ARG_TYPE_NUMBER, CZ_PIXEL_PARAM_SATURATION, NULL,
      N_("S_aturation"), NULL },
  [COLORIZE_ARG_SIZE] =
    { COLORIZE_ARG_TYPE_NUMBER, CZ_PIXEL_PARAM_SIZE, NULL,
      N_("Network si_ze"), NULL },
  [COLORIZE_ARG_OUTPUT] =
    { COLORIZE_ARG_TYPE_CHOICE, 0, "output", N_("O_utput"),
      N_("A new colour layer, or a layer that carries only the colour "
         "(LCh Color mode)") },
  [COLORIZE_ARG_CONFIDENCE] =
    { COLORIZE_ARG_TYPE_BOOLEAN, 0, "confidence", N_("Add a con_fidence layer"),
      N_("Also add a grayscale layer of per-pixel confidence") },
  [COLORIZE_ARG_HINTS] =
    { COLORIZE_ARG_TYPE_DRAWABLE, 0, "hints", N_("Colour hin_ts"),
      N_("A layer whose opaque pixels give the colour there (a hints "
         "model only); none for an automatic result") },
  [COLORIZE_ARG_REFERENCE] =
    { COLORIZE_ARG_TYPE_DRAWABLE, 0, "reference", N_("R_eference layer"),
      N_("A colour photo, in any open image, whose colours the result "
         "takes (a colorful model only); its image's selection, if any, "
         "limits the pixels taken; none for an automatic result") },
  [COLORIZE_ARG_REFERENCE_STRENGTH] =
    { COLORIZE_ARG_TYPE_NUMBER, CZ_PIXEL_PARAM_REFERENCE_STRENGTH, NULL,
      N_("Reference stren_gth"), NULL },
};

const ColorizeArg *
colorize_arg_get (ColorizeArgId id)
{
  g_return_val_if_fail (id < COLORIZE_N_ARGS, NULL);

  return &args[id];
}

const cz_pixel_param *
colorize_arg_get_param (ColorizeArgId id)
{
  const ColorizeArg *arg = colorize_arg_get (id);

  if (! arg || arg->type != COLORIZE_ARG_TYPE_NUMBER)
    return NULL;

  return cz_pixel_param_get (arg->param);
}

const gchar *
colorize_arg_get_name (ColorizeArgId id)
{
  const cz_pixel_param *param = colorize_arg_get_param (id);

  return param ? param->name : colorize_arg_get (id)->name;
}

const gchar *
colorize_arg_get_help (ColorizeArgId id)
{
  const cz_pixel_param *param = colorize_arg_get_param (id);

  return param ? param->help : colorize_arg_get (id)->help;
}

gchar *
colorize_arg_describe (ColorizeArgId id)
{
  const cz_pixel_param *param = colorize_arg_get_param (id);
  const gchar          *help  = colorize_arg_get_help (id);

  /* g_strdup_printf follows LC_NUMERIC; a PDB description is C text. */
  if (param)
    {
      gchar min[G_ASCII_DTOSTR_BUF_SIZE];
      gchar max[G_ASCII_DTOSTR_BUF_SIZE];
      gchar def[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (min, sizeof (min), "%g", param->min);
      g_ascii_formatd (max, sizeof (max), "%g", param->max);
      g_ascii_formatd (def, sizeof (def), "%g", param->def);

      return g_strdup_printf ("%s; %s to %s, default %s", help, min, max, def);
    }

  switch (colorize_arg_get (id)->type)
    {
    case COLORIZE_ARG_TYPE_CHOICE:
      return g_strdup_printf ("%s: \"%s\" or \"%s\"", help,
                              colorize_output_to_string (COLORIZE_OUTPUT_LAYER),
                              colorize_output_to_string (COLORIZE_OUTPUT_CHROMA));
    case COLORIZE_ARG_TYPE_BOOLEAN:
      return g_strdup_printf ("%s: 1 or 0", help);
    case COLORIZE_ARG_TYPE_DRAWABLE:
      return g_strdup_printf ("%s: a layer ID, -1 for none", help);
    default:
      return g_strdup (help);
    }
}

void
colorize_values_init (ColorizeValues *values)
{
  memset (values, 0, sizeof (*values));
  cz_pixel_params_init (&values->params);
  values->output = COLORIZE_OUTPUT_LAYER;
}

gboolean
colorize_values_check (const ColorizeValues *values,
                       GError              **error)
{
  const cz_pixel_param *param;
  cz_pixel_param_id     bad;

  if (cz_pixel_params_check (&values->params, &bad, NULL) == CZ_STATUS_OK)
    return TRUE;

  param = cz_pixel_param_get (bad);
  g_set_error (error, COLORIZE_ERROR, 0,
               /* TRANSLATORS: %s is an argument's name (temperature,
                * saturation, size), untranslated as scripts use it; then
                * its value and its range. */
               _("The setting “%s” is %g, outside %g to %g."),
               param->name, cz_pixel_params_get_value (&values->params, bad),
               param->min, param->max);

  return FALSE;
}

ColorizeOutput
colorize_output_from_string (const gchar  *output,
                             GError      **error)
{
  if (! output || ! *output || ! g_ascii_strcasecmp (output, "layer"))
    return COLORIZE_OUTPUT_LAYER;

  if (! g_ascii_strcasecmp (output, "chroma"))
    return COLORIZE_OUTPUT_CHROMA;

  g_set_error (error, COLORIZE_ERROR, 0,
               _("Unknown output “%s”: use “layer” or “chroma”."), output);

  return COLORIZE_OUTPUT_LAYER;
}

const gchar *
colorize_output_to_string (ColorizeOutput output)
{
  return output == COLORIZE_OUTPUT_CHROMA ? "chroma" : "layer";
}
