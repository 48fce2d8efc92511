/* corolization-2.c: the GIMP 2.10 front-end (libgimp-2.0): PLUG_IN_INFO with
 * the same procedure, plug-in-corolization, and positional arguments in the
 * same order as the 3.0 front-end's names. The pixel work is in colorize.c. */

#include "config.h"

#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "colorize.h"

/* Last values as gimp_set_data stores them: plain bytes, no pointers. */
typedef struct
{
  gchar   model[256];
  gdouble temperature;
  gdouble saturation;
  gint    size;
  gint    output;
  gint    confidence;
} StoredValues;

static void     query              (void);
static void     run                (const gchar      *name,
                                    gint              nparams,
                                    const GimpParam  *param,
                                    gint             *nreturn_vals,
                                    GimpParam       **return_vals);
static gboolean corolization_dialog (StoredValues    *stored);
static gboolean corolization_apply  (gint32                image_ID,
                                     gint32                drawable_ID,
                                     const ColorizeValues *values,
                                     GError              **error);


const GimpPlugInInfo PLUG_IN_INFO =
{
  NULL,  /* init_proc  */
  NULL,  /* quit_proc  */
  query, /* query_proc */
  run,   /* run_proc   */
};

MAIN ()


static void
corolization_bind_domain (void)
{
  gchar *locale_dir = colorize_locale_dir (gimp_get_progname ());

  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_free (locale_dir);
}

static void
query (void)
{
  static const GimpParamDef args[] =
  {
    { GIMP_PDB_INT32,    "run-mode",    "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }" },
    { GIMP_PDB_IMAGE,    "image",       "Input image" },
    { GIMP_PDB_DRAWABLE, "drawable",    "Input layer" },
    { GIMP_PDB_STRING,   "model",       "Name of an installed model; empty for the default" },
    { GIMP_PDB_FLOAT,    "temperature", "Annealed-mean temperature, 0.01 to 1 (0.38): lower is more vivid" },
    { GIMP_PDB_FLOAT,    "saturation",  "Scale of the predicted colour, 0 to 2 (1.0)" },
    { GIMP_PDB_INT32,    "size",        "Network input in pixels (long side); 0 for the model's own" },
    { GIMP_PDB_STRING,   "output",      "\"layer\" (a new colour layer) or \"chroma\" (colour only, LCh Color mode)" },
    { GIMP_PDB_INT32,    "confidence",  "1 to also add a grayscale confidence layer, else 0" }
  };
  gchar *locale_dir = colorize_locale_dir (gimp_get_progname ());

  gimp_plugin_domain_register (GETTEXT_PACKAGE, locale_dir);
  g_free (locale_dir);

  gimp_install_procedure (PLUG_IN_PROC,
                          N_("Colorize a black-and-white photo with a neural network"),
                          "Predicts the colours of a black-and-white photo with "
                          "a neural network and adds them as a new layer above "
                          "the source, whose lightness equals the source's. "
                          "The source layer is not changed; grayscale and "
                          "indexed images are converted to RGB first, in the "
                          "same undo step.",
                          PLUG_IN_AUTHOR,
                          PLUG_IN_COPYRIGHT,
                          PLUG_IN_DATE,
                          N_("Colori_ze…"),
                          "RGB*, GRAY*, INDEXED*",
                          GIMP_PLUGIN,
                          G_N_ELEMENTS (args), 0,
                          args, NULL);

  gimp_plugin_menu_register (PLUG_IN_PROC, "<Image>/Filters");
}

static void
run (const gchar      *name,
     gint              nparams,
     const GimpParam  *param,
     gint             *nreturn_vals,
     GimpParam       **return_vals)
{
  static GimpParam  values[2];
  StoredValues      stored  = { "", COLORIZE_DEFAULT_TEMPERATURE,
                                COLORIZE_DEFAULT_SATURATION, 0, 0, 0 };
  ColorizeValues    vals    = { 0 };
  GimpRunMode       run_mode;
  GimpPDBStatusType status  = GIMP_PDB_SUCCESS;
  GError           *error   = NULL;
  gint32            image_ID;
  gint32            drawable_ID;

  corolization_bind_domain ();
  gegl_init (NULL, NULL);

  *nreturn_vals = 1;
  *return_vals  = values;
  values[0].type          = GIMP_PDB_STATUS;
  values[0].data.d_status = GIMP_PDB_SUCCESS;

  run_mode    = param[0].data.d_int32;
  image_ID    = param[1].data.d_image;
  drawable_ID = param[2].data.d_drawable;

  if (! gimp_item_is_layer (drawable_ID) || gimp_item_is_layer_mask (drawable_ID))
    g_set_error (&error, COLORIZE_ERROR, 0,
                 _("Colorize works on a layer, not on a channel or a mask."));
  else if (gimp_item_is_group (drawable_ID))
    g_set_error (&error, COLORIZE_ERROR, 0,
                 _("Colorize cannot work on a layer group: "
                   "choose one of its layers."));

  if (! error)
    {
      switch (run_mode)
        {
        case GIMP_RUN_INTERACTIVE:
          gimp_get_data (PLUG_IN_PROC, &stored);
          stored.model[sizeof (stored.model) - 1] = '\0';
          if (! corolization_dialog (&stored))
            status = GIMP_PDB_CANCEL;
          break;

        case GIMP_RUN_NONINTERACTIVE:
          if (nparams != 9)
            {
              status = GIMP_PDB_CALLING_ERROR;
              break;
            }
          g_strlcpy (stored.model,
                     param[3].data.d_string ? param[3].data.d_string : "",
                     sizeof (stored.model));
          stored.temperature = param[4].data.d_float;
          stored.saturation  = param[5].data.d_float;
          stored.size        = param[6].data.d_int32;
          stored.output      = colorize_output_from_string (param[7].data.d_string,
                                                            &error);
          stored.confidence  = param[8].data.d_int32 != 0;
          break;

        case GIMP_RUN_WITH_LAST_VALS:
          gimp_get_data (PLUG_IN_PROC, &stored);
          stored.model[sizeof (stored.model) - 1] = '\0';
          break;
        }
    }

  if (status == GIMP_PDB_SUCCESS && ! error)
    {
      vals.model       = stored.model;
      vals.temperature = stored.temperature;
      vals.saturation  = stored.saturation;
      vals.size        = stored.size;
      vals.output      = stored.output;
      vals.confidence  = stored.confidence;

      if (corolization_apply (image_ID, drawable_ID, &vals, &error))
        {
          if (run_mode != GIMP_RUN_NONINTERACTIVE)
            gimp_displays_flush ();
          if (run_mode == GIMP_RUN_INTERACTIVE)
            gimp_set_data (PLUG_IN_PROC, &stored, sizeof (stored));
        }
    }

  if (error)
    {
      status = GIMP_PDB_EXECUTION_ERROR;
      *nreturn_vals = 2;
      values[1].type          = GIMP_PDB_STRING;
      values[1].data.d_string = g_strdup (error->message);
      g_clear_error (&error);
    }

  values[0].data.d_status = status;
}

static gboolean
corolization_dialog (StoredValues *stored)
{
  GtkWidget     *dialog;
  GtkWidget     *table;
  GtkWidget     *combo;
  GtkWidget     *output;
  GtkWidget     *toggle;
  GtkAdjustment *adj;
  gchar        **names = colorize_model_list ();
  gint           index = 0;
  gint           i;
  gboolean       run;

  gimp_ui_init (PLUG_IN_BINARY, FALSE);

  dialog = gimp_dialog_new (_("Colorize"), PLUG_IN_ROLE,
                            NULL, 0,
                            gimp_standard_help_func, PLUG_IN_PROC,
                            _("_Cancel"), GTK_RESPONSE_CANCEL,
                            _("_OK"),     GTK_RESPONSE_OK,
                            NULL);
  gimp_window_set_transient (GTK_WINDOW (dialog));
  /* Enter in a number field runs, as in GIMP's own filters. */
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);

  table = gtk_table_new (6, 3, FALSE);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 6);
  gtk_container_set_border_width (GTK_CONTAINER (table), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      table, TRUE, TRUE, 0);

  combo = g_object_new (GIMP_TYPE_INT_COMBO_BOX, NULL);
  for (i = 0; names[i]; i++)
    {
      gimp_int_combo_box_append (GIMP_INT_COMBO_BOX (combo),
                                 GIMP_INT_STORE_VALUE, i,
                                 GIMP_INT_STORE_LABEL, names[i],
                                 -1);
      if ((stored->model[0] && ! strcmp (stored->model, names[i])) ||
          (! stored->model[0] && ! strcmp (names[i], COLORIZE_DEFAULT_MODEL)))
        index = i;
    }
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo), index);
  gimp_table_attach_aligned (GTK_TABLE (table), 0, 0, _("_Model:"), 0.0, 0.5,
                             combo, 2, FALSE);

  adj = GTK_ADJUSTMENT (gimp_scale_entry_new (GTK_TABLE (table), 0, 1,
                                              _("_Vividness (temperature):"),
                                              200, 6, stored->temperature,
                                              0.01, 1.0, 0.01, 0.1, 2,
                                              TRUE, 0, 0, NULL, NULL));
  g_signal_connect (adj, "value-changed",
                    G_CALLBACK (gimp_double_adjustment_update),
                    &stored->temperature);
  gtk_entry_set_activates_default (GTK_ENTRY (GIMP_SCALE_ENTRY_SPINBUTTON (adj)), TRUE);

  adj = GTK_ADJUSTMENT (gimp_scale_entry_new (GTK_TABLE (table), 0, 2,
                                              _("S_aturation:"),
                                              200, 6, stored->saturation,
                                              0.0, 2.0, 0.01, 0.1, 2,
                                              TRUE, 0, 0, NULL, NULL));
  g_signal_connect (adj, "value-changed",
                    G_CALLBACK (gimp_double_adjustment_update),
                    &stored->saturation);
  gtk_entry_set_activates_default (GTK_ENTRY (GIMP_SCALE_ENTRY_SPINBUTTON (adj)), TRUE);

  adj = GTK_ADJUSTMENT (gimp_scale_entry_new (GTK_TABLE (table), 0, 3,
                                              _("Network si_ze:"),
                                              200, 6, stored->size,
                                              0, 1024, 8, 64, 0,
                                              TRUE, 0, 0, NULL, NULL));
  g_signal_connect (adj, "value-changed",
                    G_CALLBACK (gimp_int_adjustment_update),
                    &stored->size);
  gtk_entry_set_activates_default (GTK_ENTRY (GIMP_SCALE_ENTRY_SPINBUTTON (adj)), TRUE);

  output = gimp_int_combo_box_new (_("New layer"),   COLORIZE_OUTPUT_LAYER,
                                   _("Colour only"), COLORIZE_OUTPUT_CHROMA,
                                   NULL);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (output), stored->output);
  gimp_table_attach_aligned (GTK_TABLE (table), 0, 4, _("O_utput:"), 0.0, 0.5,
                             output, 2, FALSE);

  toggle = gtk_check_button_new_with_mnemonic (_("Add a con_fidence layer"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), stored->confidence);
  g_signal_connect (toggle, "toggled",
                    G_CALLBACK (gimp_toggle_button_update),
                    &stored->confidence);
  gtk_table_attach_defaults (GTK_TABLE (table), toggle, 0, 3, 5, 6);

  gtk_widget_show_all (dialog);

  run = gimp_dialog_run (GIMP_DIALOG (dialog)) == GTK_RESPONSE_OK;

  if (run)
    {
      if (names[0] && gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &index))
        g_strlcpy (stored->model, names[index], sizeof (stored->model));
      gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (output), &stored->output);
    }

  gtk_widget_destroy (dialog);
  g_strfreev (names);

  return run;
}

/* Copies buffer into the new layer's pixels. */
static void
corolization_fill (gint32      drawable_ID,
                   GeglBuffer *buffer)
{
  GeglBuffer *dst = gimp_drawable_get_buffer (drawable_ID);

  gegl_buffer_copy (buffer, NULL, GEGL_ABYSS_NONE, dst, NULL);
  g_object_unref (dst);

  gimp_drawable_update (drawable_ID, 0, 0,
                        gimp_drawable_width (drawable_ID),
                        gimp_drawable_height (drawable_ID));
}

/* GIMP 2.10's buffers carry no colour space: give them the image's. */
static const Babl *
corolization_image_space (gint32 image_ID)
{
  GimpColorProfile *profile = gimp_image_get_effective_color_profile (image_ID);
  const Babl       *space   = NULL;

  if (profile && gimp_color_profile_is_rgb (profile))
    space = gimp_color_profile_get_space (profile,
                                          GIMP_COLOR_RENDERING_INTENT_RELATIVE_COLORIMETRIC,
                                          NULL);
  g_clear_object (&profile);

  return space;
}

static gboolean
corolization_apply (gint32                image_ID,
                    gint32                drawable_ID,
                    const ColorizeValues *values,
                    GError              **error)
{
  ColorizeResult  result    = { 0 };
  GeglBuffer     *src;
  GeglBuffer     *selection = NULL;
  const Babl     *space     = corolization_image_space (image_ID);
  const Babl     *format;
  gchar          *name;
  gint32          layer_ID;
  gint32          parent_ID;
  gint            offset_x, offset_y;
  gint            x, y, w, h, width, height;
  gint            position;
  gboolean        alpha;
  gboolean        ok;

  gimp_progress_init (_("Colorizing"));

  gimp_drawable_offsets (drawable_ID, &offset_x, &offset_y);
  width  = gimp_drawable_width (drawable_ID);
  height = gimp_drawable_height (drawable_ID);

  if (! gimp_selection_is_empty (image_ID))
    {
      if (! gimp_drawable_mask_intersect (drawable_ID, &x, &y, &w, &h))
        {
          g_set_error (error, COLORIZE_ERROR, 0,
                       _("The selection does not touch the layer."));
          return FALSE;
        }
      selection = gimp_drawable_get_buffer (gimp_image_get_selection (image_ID));
    }

  alpha  = gimp_drawable_has_alpha (drawable_ID) || selection;
  format = colorize_layer_format (gimp_image_get_precision (image_ID), alpha,
                                  space);

  src = gimp_drawable_get_buffer (drawable_ID);
  if (gimp_drawable_is_rgb (drawable_ID) && space)
    gegl_buffer_set_format (src,
                            babl_format_with_space (babl_format_get_encoding (gegl_buffer_get_format (src)),
                                                    space));

  /* All the work happens before the image is touched: an error, or a
   * cancel (which ends the plug-in), leaves the image as it was. */
  ok = colorize_run (src, format, selection, offset_x, offset_y,
                     values, &result, error);
  g_object_unref (src);
  g_clear_object (&selection);

  if (! ok)
    return FALSE;

  gimp_image_undo_group_start (image_ID);

  if (gimp_image_base_type (image_ID) != GIMP_RGB)
    gimp_image_convert_rgb (image_ID);

  parent_ID = gimp_item_get_parent (drawable_ID);
  position  = gimp_image_get_item_position (image_ID, drawable_ID);

  name     = g_strdup_printf (_("Colorized (%s)"), result.model_name);
  layer_ID = gimp_layer_new (image_ID, name, width, height,
                             alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE, 100.0,
                             values->output == COLORIZE_OUTPUT_CHROMA ?
                             GIMP_LAYER_MODE_LCH_COLOR : GIMP_LAYER_MODE_NORMAL);
  g_free (name);
  gimp_image_insert_layer (image_ID, layer_ID, parent_ID > 0 ? parent_ID : -1,
                           position);
  gimp_layer_set_offsets (layer_ID, offset_x, offset_y);
  corolization_fill (layer_ID, result.color);

  if (result.confidence)
    {
      gint32 conf_ID;

      name    = g_strdup_printf (_("Colorization confidence (%s)"),
                                 result.model_name);
      conf_ID = gimp_layer_new (image_ID, name, width, height,
                                alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE, 100.0,
                                GIMP_LAYER_MODE_NORMAL);
      g_free (name);
      gimp_image_insert_layer (image_ID, conf_ID, parent_ID > 0 ? parent_ID : -1,
                               position);
      gimp_layer_set_offsets (conf_ID, offset_x, offset_y);
      corolization_fill (conf_ID, result.confidence);
      /* Hidden, so the colorized layer below it stays visible. */
      gimp_item_set_visible (conf_ID, FALSE);
    }

  gimp_image_undo_group_end (image_ID);

  colorize_result_clear (&result);
  gimp_progress_end ();

  return TRUE;
}
