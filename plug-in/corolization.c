/* corolization.c: the GIMP 3.0 front-end (libgimp-3.0): a GimpPlugIn with
 * one procedure, plug-in-corolization, a GimpProcedureDialog, and the
 * attachment of the result to the image. The pixel work is in colorize.c. */

#include "config.h"

#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "colorize.h"

typedef struct _Corolization      Corolization;
typedef struct _CorolizationClass CorolizationClass;

struct _Corolization
{
  GimpPlugIn parent_instance;
};

struct _CorolizationClass
{
  GimpPlugInClass parent_class;
};

#define COROLIZATION_TYPE (corolization_get_type ())
#define COROLIZATION(obj) (G_TYPE_CHECK_INSTANCE_CAST ((obj), COROLIZATION_TYPE, Corolization))

GType                   corolization_get_type         (void) G_GNUC_CONST;

static GList          * corolization_query_procedures (GimpPlugIn           *plug_in);
static GimpProcedure  * corolization_create_procedure (GimpPlugIn           *plug_in,
                                                       const gchar          *name);
static GimpValueArray * corolization_run              (GimpProcedure        *procedure,
                                                       GimpRunMode           run_mode,
                                                       GimpImage            *image,
                                                       GimpDrawable        **drawables,
                                                       GimpProcedureConfig  *config,
                                                       gpointer              run_data);
static gboolean         corolization_dialog           (GimpProcedure        *procedure,
                                                       GimpProcedureConfig  *config);
static gboolean         corolization_apply            (GimpImage            *image,
                                                       GimpDrawable         *drawable,
                                                       const ColorizeValues *values,
                                                       GError              **error);


G_DEFINE_TYPE (Corolization, corolization, GIMP_TYPE_PLUG_IN)

GIMP_MAIN (COROLIZATION_TYPE)


static void
corolization_class_init (CorolizationClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);

  /* The default set_i18n binds the domain "corolization" (the folder's
   * name) to the "locale" folder beside the executable. */
  plug_in_class->query_procedures = corolization_query_procedures;
  plug_in_class->create_procedure = corolization_create_procedure;
}

static void
corolization_init (Corolization *corolization)
{
}

static GList *
corolization_query_procedures (GimpPlugIn *plug_in)
{
  return g_list_append (NULL, g_strdup (PLUG_IN_PROC));
}

static GimpProcedure *
corolization_create_procedure (GimpPlugIn  *plug_in,
                               const gchar *name)
{
  GimpProcedure *procedure = NULL;

  if (! strcmp (name, PLUG_IN_PROC))
    {
      procedure = gimp_image_procedure_new (plug_in, name,
                                            GIMP_PDB_PROC_TYPE_PLUGIN,
                                            corolization_run, NULL, NULL);

      gimp_procedure_set_image_types (procedure, "RGB*, GRAY*, INDEXED*");
      gimp_procedure_set_sensitivity_mask (procedure,
                                           GIMP_PROCEDURE_SENSITIVE_DRAWABLE);

      gimp_procedure_set_menu_label (procedure, _("Colori_ze…"));
      gimp_procedure_add_menu_path (procedure, "<Image>/Filters");

      gimp_procedure_set_documentation (procedure,
                                        _("Colorize a black-and-white photo "
                                          "with a neural network"),
                                        _("Predicts the colours of a "
                                          "black-and-white photo with a "
                                          "neural network and adds them as a "
                                          "new layer above the source, whose "
                                          "lightness equals the source's. "
                                          "The source layer is not changed; "
                                          "grayscale and indexed images are "
                                          "converted to RGB first, in the same "
                                          "undo step."),
                                        name);
      gimp_procedure_set_attribution (procedure,
                                      PLUG_IN_AUTHOR,
                                      PLUG_IN_COPYRIGHT,
                                      PLUG_IN_DATE);

      gimp_procedure_add_string_argument (procedure, "model",
                                          _("_Model"),
                                          _("Name of an installed model; "
                                            "empty for the default"),
                                          "",
                                          G_PARAM_READWRITE);
      gimp_procedure_add_double_argument (procedure, "temperature",
                                          _("_Vividness (temperature)"),
                                          _("Annealed-mean temperature: lower "
                                            "is more vivid (classifier models)"),
                                          0.01, 1.0,
                                          COLORIZE_DEFAULT_TEMPERATURE,
                                          G_PARAM_READWRITE);
      gimp_procedure_add_double_argument (procedure, "saturation",
                                          _("S_aturation"),
                                          _("Scale of the predicted colour"),
                                          0.0, 2.0,
                                          COLORIZE_DEFAULT_SATURATION,
                                          G_PARAM_READWRITE);
      gimp_procedure_add_int_argument (procedure, "size",
                                       _("Network si_ze"),
                                       _("Network input in pixels (long side); "
                                         "0 for the model's own"),
                                       0, 4096, 0,
                                       G_PARAM_READWRITE);
      gimp_procedure_add_choice_argument (procedure, "output",
                                          _("O_utput"),
                                          _("A new colour layer, or a layer "
                                            "that carries only the colour "
                                            "(LCh Color mode)"),
                                          gimp_choice_new_with_values ("layer",  COLORIZE_OUTPUT_LAYER,  _("New layer"),  NULL,
                                                                       "chroma", COLORIZE_OUTPUT_CHROMA, _("Colour only"), NULL,
                                                                       NULL),
                                          "layer",
                                          G_PARAM_READWRITE);
      gimp_procedure_add_boolean_argument (procedure, "confidence",
                                           _("Add a con_fidence layer"),
                                           _("Also add a grayscale layer of "
                                             "per-pixel confidence"),
                                           FALSE,
                                           G_PARAM_READWRITE);

      /* The dialog picks the model from a list; "model" stays the argument. */
      gimp_procedure_add_int_aux_argument (procedure, "model-index",
                                           _("_Model"), NULL,
                                           0, G_MAXINT, 0,
                                           G_PARAM_READWRITE);
    }

  return procedure;
}

static gboolean
corolization_check_drawable (GimpDrawable  *drawable,
                             GError       **error)
{
  if (! GIMP_IS_LAYER (drawable) || GIMP_IS_LAYER_MASK (drawable))
    {
      g_set_error (error, COLORIZE_ERROR, 0,
                   _("Colorize works on a layer, not on a channel or a mask."));
      return FALSE;
    }

  if (gimp_item_is_group (GIMP_ITEM (drawable)))
    {
      g_set_error (error, COLORIZE_ERROR, 0,
                   _("Colorize cannot work on a layer group: "
                     "choose one of its layers."));
      return FALSE;
    }

  return TRUE;
}

static GimpValueArray *
corolization_run (GimpProcedure        *procedure,
                  GimpRunMode           run_mode,
                  GimpImage            *image,
                  GimpDrawable        **drawables,
                  GimpProcedureConfig  *config,
                  gpointer              run_data)
{
  ColorizeValues  values = { 0 };
  gchar          *output = NULL;
  GError         *error  = NULL;

  /* GIMP 3 leaves GEGL to the plug-in, as 2.10 did: without this the
   * first gegl_buffer_new prints a GLib critical (test: gimp-3.0). */
  gegl_init (NULL, NULL);

  if (gimp_core_object_array_get_length ((GObject **) drawables) != 1)
    {
      g_set_error (&error, COLORIZE_ERROR, 0,
                   _("Colorize works on exactly one layer."));
      return gimp_procedure_new_return_values (procedure,
                                               GIMP_PDB_CALLING_ERROR, error);
    }

  if (! corolization_check_drawable (drawables[0], &error))
    return gimp_procedure_new_return_values (procedure,
                                             GIMP_PDB_EXECUTION_ERROR, error);

  if (run_mode == GIMP_RUN_INTERACTIVE &&
      ! corolization_dialog (procedure, config))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);

  g_object_get (config,
                "model",       &values.model,
                "temperature", &values.temperature,
                "saturation",  &values.saturation,
                "size",        &values.size,
                "output",      &output,
                "confidence",  &values.confidence,
                NULL);
  values.output = colorize_output_from_string (output, &error);
  g_free (output);

  if (! error)
    corolization_apply (image, drawables[0], &values, &error);

  g_free (values.model);

  if (error)
    return gimp_procedure_new_return_values (procedure,
                                             GIMP_PDB_EXECUTION_ERROR, error);

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();

  return gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
}

static gboolean
corolization_dialog (GimpProcedure       *procedure,
                     GimpProcedureConfig *config)
{
  GtkWidget    *dialog;
  GtkListStore *store;
  gchar       **names = colorize_model_list ();
  gchar        *model = NULL;
  gint          index = 0;
  gint          i;
  gboolean      run;
  static const gchar *const spin_props[] = { "temperature", "saturation", "size" };

  gimp_ui_init (PLUG_IN_BINARY);

  /* Select the last-used model, else the default. */
  g_object_get (config, "model", &model, NULL);
  store = GTK_LIST_STORE (g_object_new (GIMP_TYPE_INT_STORE, NULL));
  for (i = 0; names[i]; i++)
    {
      GtkTreeIter iter;

      gtk_list_store_append (store, &iter);
      gtk_list_store_set (store, &iter,
                          GIMP_INT_STORE_VALUE, i,
                          GIMP_INT_STORE_LABEL, names[i],
                          -1);

      if ((model && *model && ! strcmp (model, names[i])) ||
          ((! model || ! *model) && ! strcmp (names[i], COLORIZE_DEFAULT_MODEL)))
        index = i;
    }
  g_object_set (config, "model-index", index, NULL);

  dialog = gimp_procedure_dialog_new (procedure, config, _("Colorize"));

  gimp_procedure_dialog_get_int_combo (GIMP_PROCEDURE_DIALOG (dialog),
                                       "model-index", GIMP_INT_STORE (store));
  gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog),
                              "model-index", "temperature", "saturation",
                              "size", "output", "confidence",
                              NULL);
  /* Enter in a number field runs, as in the 2.10 dialog. */
  for (i = 0; i < (gint) G_N_ELEMENTS (spin_props); i++)
    {
      GtkWidget *w = gimp_procedure_dialog_get_widget (GIMP_PROCEDURE_DIALOG (dialog),
                                                       spin_props[i], G_TYPE_NONE);

      if (GIMP_IS_LABEL_SPIN (w))
        gtk_entry_set_activates_default (GTK_ENTRY (gimp_label_spin_get_spin_button (GIMP_LABEL_SPIN (w))),
                                         TRUE);
    }

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));

  if (run && names[0])
    {
      g_object_get (config, "model-index", &index, NULL);
      if (index >= 0 && index < (gint) g_strv_length (names))
        g_object_set (config, "model", names[index], NULL);
    }

  gtk_widget_destroy (dialog);  /* it owns the store */
  g_strfreev (names);
  g_free (model);

  return run;
}

/* Copies buffer into the new layer's pixels. */
static void
corolization_fill (GimpDrawable *drawable,
                   GeglBuffer   *buffer)
{
  GeglBuffer *dst = gimp_drawable_get_buffer (drawable);

  gegl_buffer_copy (buffer, NULL, GEGL_ABYSS_NONE, dst, NULL);
  g_object_unref (dst);

  gimp_drawable_update (drawable, 0, 0,
                        gimp_drawable_get_width (drawable),
                        gimp_drawable_get_height (drawable));
}

static gboolean
corolization_apply (GimpImage            *image,
                    GimpDrawable         *drawable,
                    const ColorizeValues *values,
                    GError              **error)
{
  ColorizeResult  result    = { 0 };
  GeglBuffer     *src;
  GeglBuffer     *selection = NULL;
  GimpLayer      *parent;
  GimpLayer      *layer;
  const Babl     *format;
  gchar          *name;
  gint            offset_x, offset_y;
  gint            x, y, width, height;
  gint            position;
  gboolean        alpha;
  gboolean        ok;

  gimp_progress_init (_("Colorizing"));

  gimp_drawable_get_offsets (drawable, &offset_x, &offset_y);
  width  = gimp_drawable_get_width (drawable);
  height = gimp_drawable_get_height (drawable);

  if (! gimp_selection_is_empty (image))
    {
      if (! gimp_drawable_mask_intersect (drawable, &x, &y, &width, &height))
        {
          g_set_error (error, COLORIZE_ERROR, 0,
                       _("The selection does not touch the layer."));
          return FALSE;
        }
      width  = gimp_drawable_get_width (drawable);
      height = gimp_drawable_get_height (drawable);
      selection = gimp_drawable_get_buffer (GIMP_DRAWABLE (gimp_image_get_selection (image)));
    }

  alpha  = gimp_drawable_has_alpha (drawable) || selection;
  format = colorize_layer_format (gimp_image_get_precision (image), alpha,
                                  babl_format_get_space (gimp_drawable_get_format (drawable)));

  /* All the work happens before the image is touched: an error, or a
   * cancel (which ends the plug-in), leaves the image as it was. */
  src = gimp_drawable_get_buffer (drawable);
  ok  = colorize_run (src, format, selection, offset_x, offset_y,
                      values, &result, error);
  g_object_unref (src);
  g_clear_object (&selection);

  if (! ok)
    return FALSE;

  gimp_image_undo_group_start (image);

  if (gimp_image_get_base_type (image) != GIMP_RGB)
    gimp_image_convert_rgb (image);

  parent   = GIMP_LAYER (gimp_item_get_parent (GIMP_ITEM (drawable)));
  position = gimp_image_get_item_position (image, GIMP_ITEM (drawable));

  name  = g_strdup_printf (_("Colorized (%s)"), result.model_name);
  layer = gimp_layer_new (image, name, width, height,
                          alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE, 100.0,
                          values->output == COLORIZE_OUTPUT_CHROMA ?
                          GIMP_LAYER_MODE_LCH_COLOR : GIMP_LAYER_MODE_NORMAL);
  g_free (name);
  gimp_image_insert_layer (image, layer, parent, position);
  gimp_layer_set_offsets (layer, offset_x, offset_y);
  corolization_fill (GIMP_DRAWABLE (layer), result.color);

  if (result.confidence)
    {
      GimpLayer *conf;

      name = g_strdup_printf (_("Colorization confidence (%s)"),
                              result.model_name);
      conf = gimp_layer_new (image, name, width, height,
                             alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE, 100.0,
                             GIMP_LAYER_MODE_NORMAL);
      g_free (name);
      gimp_image_insert_layer (image, conf, parent, position);
      gimp_layer_set_offsets (conf, offset_x, offset_y);
      corolization_fill (GIMP_DRAWABLE (conf), result.confidence);
      /* Hidden, so the colorized layer below it stays visible. */
      gimp_item_set_visible (GIMP_ITEM (conf), FALSE);
    }

  gimp_image_undo_group_end (image);

  colorize_result_clear (&result);
  gimp_progress_end ();

  return TRUE;
}
