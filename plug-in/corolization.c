/* corolization.c: the GIMP 3.0 front-end (libgimp-3.0): a GimpPlugIn with
 * one procedure, plug-in-corolization, whose arguments and
 * GimpProcedureDialog come from the table in colorize-args.c, and the
 * attachment of the layers that the plan of a run (colorize.c) makes. */

#include "config.h"

#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "colorize.h"
#include "colorize-preview.h"

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
                                                       GimpProcedureConfig  *config,
                                                       GimpDrawable         *drawable);
static void             corolization_add_argument     (GimpProcedure        *procedure,
                                                       ColorizeArgId         id);
static void             corolization_get_values       (GimpProcedureConfig  *config,
                                                       ColorizeValues       *values,
                                                       GError              **error);
static void             corolization_source           (GimpImage            *image,
                                                       GimpDrawable         *drawable,
                                                       GimpDrawable         *hints,
                                                       GimpDrawable         *reference,
                                                       gboolean              from_dialog,
                                                       ColorizeSource       *source);
static gboolean         corolization_apply            (GimpImage            *image,
                                                       GimpDrawable         *drawable,
                                                       GimpDrawable         *hints,
                                                       GimpDrawable         *reference,
                                                       gboolean              from_dialog,
                                                       const ColorizeValues *values,
                                                       GError              **error);
static GimpLayer      * corolization_attach           (GimpImage            *image,
                                                       GimpDrawable         *drawable,
                                                       ColorizePlan         *plan,
                                                       GError              **error);


G_DEFINE_TYPE (Corolization, corolization, GIMP_TYPE_PLUG_IN)

int
main (int   argc,
      char *argv[])
{
  colorize_process_init ();

  return gimp_main (COROLIZATION_TYPE, argc, argv);
}


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
  gchar *help_uri = colorize_help_uri (gimp_get_progname ());

  /* The dialog's Help button opens the page of this domain that
   * help/en/gimp-help.xml gives for PLUG_IN_PROC. */
  if (help_uri)
    {
      GFile *help = g_file_new_for_uri (help_uri);

      gimp_plug_in_set_help_domain (plug_in, COLORIZE_HELP_DOMAIN, help);
      g_object_unref (help);
      g_free (help_uri);
    }

  return g_list_append (NULL, g_strdup (PLUG_IN_PROC));
}

static GimpProcedure *
corolization_create_procedure (GimpPlugIn  *plug_in,
                               const gchar *name)
{
  GimpProcedure *procedure = NULL;
  ColorizeArgId  id;

  if (! strcmp (name, PLUG_IN_PROC))
    {
      procedure = gimp_image_procedure_new (plug_in, name,
                                            GIMP_PDB_PROC_TYPE_PLUGIN,
                                            corolization_run, NULL, NULL);

      gimp_procedure_set_image_types (procedure, PLUG_IN_IMAGE_TYPES);
      gimp_procedure_set_sensitivity_mask (procedure,
                                           GIMP_PROCEDURE_SENSITIVE_DRAWABLE);

      gimp_procedure_set_menu_label (procedure, _(PLUG_IN_MENU_LABEL));
      gimp_procedure_add_menu_path (procedure, PLUG_IN_MENU_PATH);

      gimp_procedure_set_documentation (procedure,
                                        _(PLUG_IN_BLURB), _(PLUG_IN_HELP),
                                        name);
      gimp_procedure_set_attribution (procedure,
                                      PLUG_IN_AUTHOR,
                                      PLUG_IN_COPYRIGHT,
                                      PLUG_IN_DATE);

      for (id = 0; id < COLORIZE_N_ARGS; id++)
        corolization_add_argument (procedure, id);

      /* The dialog picks the model from a list; "model" stays the argument. */
      gimp_procedure_add_int_aux_argument (procedure, "model-index",
                                           _(colorize_arg_get (COLORIZE_ARG_MODEL)->label),
                                           NULL,
                                           0, G_MAXINT, 0,
                                           G_PARAM_READWRITE);
    }

  return procedure;
}

/* The argument id of the table in colorize-args.c, as libgimp-3.0 has it. */
static void
corolization_add_argument (GimpProcedure *procedure,
                           ColorizeArgId  id)
{
  const ColorizeArg    *arg   = colorize_arg_get (id);
  const cz_pixel_param *param = colorize_arg_get_param (id);
  const gchar          *name  = colorize_arg_get_name (id);
  const gchar          *label = _(arg->label);
  const gchar          *help  = _(colorize_arg_get_help (id));

  switch (arg->type)
    {
    case COLORIZE_ARG_TYPE_STRING:
      gimp_procedure_add_string_argument (procedure, name, label, help,
                                          "", G_PARAM_READWRITE);
      break;

    case COLORIZE_ARG_TYPE_NUMBER:
      if (param->is_int)
        gimp_procedure_add_int_argument (procedure, name, label, help,
                                         param->min, param->max, param->def,
                                         G_PARAM_READWRITE);
      else
        gimp_procedure_add_double_argument (procedure, name, label, help,
                                            param->min, param->max, param->def,
                                            G_PARAM_READWRITE);
      break;

    case COLORIZE_ARG_TYPE_CHOICE:
      gimp_procedure_add_choice_argument (procedure, name, label, help,
                                          gimp_choice_new_with_values ("layer",  COLORIZE_OUTPUT_LAYER,  _("New layer"),  NULL,
                                                                       "chroma", COLORIZE_OUTPUT_CHROMA, _("Colour only"), NULL,
                                                                       NULL),
                                          colorize_output_to_string (COLORIZE_OUTPUT_LAYER),
                                          G_PARAM_READWRITE);
      break;

    case COLORIZE_ARG_TYPE_BOOLEAN:
      gimp_procedure_add_boolean_argument (procedure, name, label, help,
                                           FALSE, G_PARAM_READWRITE);
      break;

    case COLORIZE_ARG_TYPE_DRAWABLE:
      gimp_procedure_add_drawable_argument (procedure, name, label, help,
                                            TRUE, G_PARAM_READWRITE);
      break;
    }
}

static GimpValueArray *
corolization_run (GimpProcedure        *procedure,
                  GimpRunMode           run_mode,
                  GimpImage            *image,
                  GimpDrawable        **drawables,
                  GimpProcedureConfig  *config,
                  gpointer              run_data)
{
  ColorizeValues  values;
  GimpDrawable   *hints     = NULL;
  GimpDrawable   *reference = NULL;
  GError         *error     = NULL;

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

  if (! colorize_check_item (GIMP_IS_LAYER (drawables[0]),
                             GIMP_IS_LAYER_MASK (drawables[0]),
                             gimp_item_is_group (GIMP_ITEM (drawables[0])),
                             &error))
    return gimp_procedure_new_return_values (procedure,
                                             GIMP_PDB_EXECUTION_ERROR, error);

  /* The last run's hints layer is offered again only in its own image. */
  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    {
      g_object_get (config, colorize_arg_get_name (COLORIZE_ARG_HINTS), &hints, NULL);
      if (hints && gimp_item_get_image (GIMP_ITEM (hints)) != image)
        g_object_set (config, colorize_arg_get_name (COLORIZE_ARG_HINTS), NULL, NULL);
      g_clear_object (&hints);

      /* The reference may be in any image that is still open. */
      g_object_get (config, colorize_arg_get_name (COLORIZE_ARG_REFERENCE), &reference, NULL);
      if (reference && ! gimp_item_is_valid (GIMP_ITEM (reference)))
        g_object_set (config, colorize_arg_get_name (COLORIZE_ARG_REFERENCE), NULL, NULL);
      g_clear_object (&reference);
    }

  if (run_mode == GIMP_RUN_INTERACTIVE &&
      ! corolization_dialog (procedure, config, drawables[0]))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);

  corolization_get_values (config, &values, &error);
  g_object_get (config,
                colorize_arg_get_name (COLORIZE_ARG_HINTS),     &hints,
                colorize_arg_get_name (COLORIZE_ARG_REFERENCE), &reference,
                NULL);

  if (! error && hints &&
      gimp_item_get_image (GIMP_ITEM (hints)) != image)
    g_set_error (&error, COLORIZE_ERROR, 0,
                 _("The colour hints layer must belong to the same image."));

  if (! error)
    corolization_apply (image, drawables[0], hints, reference,
                        run_mode != GIMP_RUN_NONINTERACTIVE, &values, &error);

  g_clear_object (&hints);
  g_clear_object (&reference);

  if (error)
    return gimp_procedure_new_return_values (procedure,
                                             GIMP_PDB_EXECUTION_ERROR, error);

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();

  return gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
}

/* The config's arguments, by the names of the table. */
static void
corolization_get_values (GimpProcedureConfig  *config,
                         ColorizeValues       *values,
                         GError              **error)
{
  gchar         *model  = NULL;
  gchar         *output = NULL;
  ColorizeArgId  id;

  colorize_values_init (values);
  g_object_get (config,
                colorize_arg_get_name (COLORIZE_ARG_MODEL),      &model,
                colorize_arg_get_name (COLORIZE_ARG_OUTPUT),     &output,
                colorize_arg_get_name (COLORIZE_ARG_CONFIDENCE), &values->confidence,
                NULL);
  g_strlcpy (values->model, model ? model : "", sizeof (values->model));
  values->output = colorize_output_from_string (output, error);
  g_free (model);
  g_free (output);

  /* The numbers as doubles: GObject converts the int "size". */
  for (id = 0; id < COLORIZE_N_ARGS; id++)
    if (colorize_arg_get_param (id))
      {
        GValue value = G_VALUE_INIT;

        g_value_init (&value, G_TYPE_DOUBLE);
        g_object_get_property (G_OBJECT (config), colorize_arg_get_name (id),
                               &value);
        cz_pixel_params_set_value (&values->params, colorize_arg_get (id)->param,
                                   g_value_get_double (&value));
        g_value_unset (&value);
      }
}

/* Attaches the layers of plan above drawable, in one undo step, the image
 * made RGB first (a hint or a colour needs it); returns the top one. The
 * layers are written before they join the image, so a write that fails
 * deletes them and leaves the image as it was (but for the conversion of a
 * gray or indexed image, which their RGB layers need first: it stays, one
 * undo step); NULL then, with the message. */
static GimpLayer *
corolization_attach (GimpImage     *image,
                     GimpDrawable  *drawable,
                     ColorizePlan  *plan,
                     GError       **error)
{
  GimpLayer    *parent   = GIMP_LAYER (gimp_item_get_parent (GIMP_ITEM (drawable)));
  gint          position = gimp_image_get_item_position (image, GIMP_ITEM (drawable));
  gboolean      convert  = gimp_image_get_base_type (image) != GIMP_RGB;
  GimpLayer    *layers[G_N_ELEMENTS (plan->layers)];
  GimpParasite *parasite;
  gint          i;

  if (convert)
    {
      gimp_image_undo_group_start (image);
      gimp_image_convert_rgb (image);
    }

  for (i = 0; i < plan->n_layers; i++)
    {
      const ColorizeLayer *spec = &plan->layers[i];

      layers[i] = gimp_layer_new (image, spec->name, plan->width, plan->height,
                                  plan->alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE, 100.0,
                                  spec->chroma ?
                                  GIMP_LAYER_MODE_LCH_COLOR : GIMP_LAYER_MODE_NORMAL);
      if (! colorize_plan_fill (plan, i,
                                gimp_drawable_get_buffer (GIMP_DRAWABLE (layers[i])),
                                error))
        {
          for (; i >= 0; i--)
            gimp_item_delete (GIMP_ITEM (layers[i]));
          if (convert)
            gimp_image_undo_group_end (image);
          return NULL;
        }
    }

  if (! convert)
    gimp_image_undo_group_start (image);

  parasite = colorize_plan_parasite (plan);
  for (i = 0; i < plan->n_layers; i++)
    {
      GimpLayer *layer = layers[i];

      gimp_image_insert_layer (image, layer, parent, position);
      gimp_layer_set_offsets (layer, plan->offset_x, plan->offset_y);
      gimp_drawable_update (GIMP_DRAWABLE (layer), 0, 0, plan->width, plan->height);
      if (! plan->layers[i].visible)
        gimp_item_set_visible (GIMP_ITEM (layer), FALSE);
      if (parasite)
        gimp_item_attach_parasite (GIMP_ITEM (layer), parasite);
    }

  gimp_image_undo_group_end (image);
  g_clear_pointer (&parasite, gimp_parasite_free);

  return layers[plan->n_layers - 1];
}

/* "New hints layer": an empty transparent layer of the source's size just
 * above it, attached as a run's layers are (one ordinary undo step:
 * cancelling the dialog keeps it), selected as the hints. */
static void
corolization_new_hints_layer (GtkWidget           *button,
                              GimpProcedureConfig *config)
{
  GimpDrawable *drawable = g_object_get_data (G_OBJECT (button), "cz-drawable");
  ColorizePlan  plan;
  GimpLayer    *layer;
  gint          x, y;

  gimp_drawable_get_offsets (drawable, &x, &y);
  colorize_plan_hints_layer (&plan, gimp_drawable_get_width (drawable),
                             gimp_drawable_get_height (drawable), x, y);
  /* An empty layer: nothing to write, nothing to fail. */
  layer = corolization_attach (gimp_item_get_image (GIMP_ITEM (drawable)),
                               drawable, &plan, NULL);
  colorize_plan_clear (&plan);

  g_object_set (config, colorize_arg_get_name (COLORIZE_ARG_HINTS), layer, NULL);
  gimp_displays_flush ();
}

/* Greys out what the chosen model cannot use. */
static void
corolization_model_changed (GimpProcedureConfig *config,
                            GParamSpec          *pspec,
                            GtkWidget           *dialog)
{
  gchar             **names = g_object_get_data (G_OBJECT (dialog), "cz-names");
  cz_model_uses       uses  = { TRUE, TRUE };
  gint                index;
  gint                i;
  const struct { const gchar *field; bool *used; } fields[] =
  {
    { colorize_arg_get_name (COLORIZE_ARG_TEMPERATURE),        &uses.distribution },
    { colorize_arg_get_name (COLORIZE_ARG_CONFIDENCE),         &uses.distribution },
    /* the chooser: "New hints layer" stays, the step before choosing a
     * hints model */
    { colorize_arg_get_name (COLORIZE_ARG_HINTS),              &uses.hints },
    { colorize_arg_get_name (COLORIZE_ARG_REFERENCE),          &uses.distribution },
    { colorize_arg_get_name (COLORIZE_ARG_REFERENCE_STRENGTH), &uses.distribution },
  };

  g_object_get (config, "model-index", &index, NULL);
  /* A model that cannot be read keeps everything on: the run says why. */
  if (index >= 0 && index < (gint) g_strv_length (names))
    colorize_model_uses (names[index], &uses, NULL);

  for (i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      GtkWidget *w = gimp_procedure_dialog_get_widget (GIMP_PROCEDURE_DIALOG (dialog),
                                                       fields[i].field, G_TYPE_NONE);
      if (w)
        gtk_widget_set_sensitive (w, *fields[i].used);
    }
}

/* What the dialog says now, for a run of the preview. */
static gboolean
corolization_preview_source (gpointer        data,
                             ColorizeValues *values,
                             ColorizeSource *source)
{
  GtkWidget           *dialog   = data;
  GimpProcedureConfig *config   = g_object_get_data (G_OBJECT (dialog), "cz-config");
  GimpDrawable        *drawable = g_object_get_data (G_OBJECT (dialog), "cz-drawable");
  gchar              **names    = g_object_get_data (G_OBJECT (dialog), "cz-names");
  GimpDrawable        *hints    = NULL;
  GimpDrawable        *reference = NULL;
  GError              *error    = NULL;
  gint                 index;

  corolization_get_values (config, values, &error);
  if (error)
    {
      g_error_free (error);
      return FALSE;
    }
  /* "model" is set from the list on OK only */
  g_object_get (config, "model-index", &index,
                colorize_arg_get_name (COLORIZE_ARG_HINTS),     &hints,
                colorize_arg_get_name (COLORIZE_ARG_REFERENCE), &reference,
                NULL);
  if (index >= 0 && index < (gint) g_strv_length (names))
    g_strlcpy (values->model, names[index], sizeof (values->model));
  if (reference && ! gimp_item_is_valid (GIMP_ITEM (reference)))
    g_clear_object (&reference);

  corolization_source (gimp_item_get_image (GIMP_ITEM (drawable)), drawable,
                       hints, reference, TRUE, source);
  g_clear_object (&hints);
  g_clear_object (&reference);

  return TRUE;
}

static gboolean
corolization_dialog (GimpProcedure       *procedure,
                     GimpProcedureConfig *config,
                     GimpDrawable        *drawable)
{
  GtkWidget       *dialog;
  GtkWidget       *preview;
  ColorizePreview *colorize_preview;
  GtkWidget       *box;
  GtkWidget       *button;
  GtkListStore    *store;
  GList        *fields = NULL;
  gchar       **names  = colorize_model_list ();
  gchar        *model  = NULL;
  gint          index;
  gint          i;
  gboolean      run;

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
    }
  g_object_set (config, "model-index", colorize_model_index (names, model), NULL);

  dialog = gimp_procedure_dialog_new (procedure, config, _("Colorize"));

  /* The colours of the part shown, as OK would give them; above the
   * fields, which gimp_procedure_dialog_fill_list packs after it. */
  preview = gimp_zoom_preview_new_from_drawable (drawable);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      preview, TRUE, TRUE, 0);
  gtk_widget_show (preview);

  gimp_procedure_dialog_get_int_combo (GIMP_PROCEDURE_DIALOG (dialog),
                                       "model-index", GIMP_INT_STORE (store));

  /* The hints layer's chooser, and beside it a button that makes one. */
  box = gimp_procedure_dialog_fill_box (GIMP_PROCEDURE_DIALOG (dialog), "hints-box",
                                       colorize_arg_get_name (COLORIZE_ARG_HINTS),
                                       NULL);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (box), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing (GTK_BOX (box), 6);
  button = gtk_button_new_with_mnemonic (_("_New hints layer"));
  gimp_help_set_help_data (button,
                           _("Add an empty transparent layer above this one "
                             "to paint colour hints on"), NULL);
  g_object_set_data (G_OBJECT (button), "cz-drawable", drawable);
  g_signal_connect (button, "clicked",
                    G_CALLBACK (corolization_new_hints_layer), config);
  gtk_box_pack_start (GTK_BOX (box), button, FALSE, FALSE, 0);
  gtk_widget_show (button);

  /* The arguments in the table's order, the model by its list. */
  for (i = 0; i < COLORIZE_N_ARGS; i++)
    fields = g_list_append (fields, (gpointer) (i == COLORIZE_ARG_MODEL ?
                                                "model-index" :
                                                i == COLORIZE_ARG_HINTS ?
                                                "hints-box" :
                                                colorize_arg_get_name (i)));
  gimp_procedure_dialog_fill_list (GIMP_PROCEDURE_DIALOG (dialog), fields);
  g_list_free (fields);

  g_object_set_data (G_OBJECT (dialog), "cz-names", names);
  g_signal_connect_object (config, "notify::model-index",
                           G_CALLBACK (corolization_model_changed), dialog, 0);
  corolization_model_changed (config, NULL, dialog);

  /* Enter in a number field runs, as in the 2.10 dialog. */
  for (i = 0; i < COLORIZE_N_ARGS; i++)
    {
      GtkWidget *w;

      if (! colorize_arg_get_param (i))
        continue;

      w = gimp_procedure_dialog_get_widget (GIMP_PROCEDURE_DIALOG (dialog),
                                            colorize_arg_get_name (i), G_TYPE_NONE);
      if (GIMP_IS_LABEL_SPIN (w))
        gtk_entry_set_activates_default (GTK_ENTRY (gimp_label_spin_get_spin_button (GIMP_LABEL_SPIN (w))),
                                         TRUE);
    }

  g_object_set_data (G_OBJECT (dialog), "cz-config", config);
  g_object_set_data (G_OBJECT (dialog), "cz-drawable", drawable);
  colorize_preview = colorize_preview_new (GIMP_PREVIEW (preview),
                                           gimp_drawable_is_rgb (drawable),
                                           corolization_preview_source, dialog);
  /* Every setting but the output and the confidence layer shows. */
  g_signal_connect_swapped (config, "notify",
                            G_CALLBACK (colorize_preview_invalidate),
                            colorize_preview);
  colorize_preview_invalidate (colorize_preview);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));

  g_signal_handlers_disconnect_by_func (config, colorize_preview_invalidate,
                                        colorize_preview);
  colorize_preview_free (colorize_preview);

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

/* The source of a run on drawable (or of the preview), its buffers
 * GIMP's: read them in the main thread. */
static void
corolization_source (GimpImage      *image,
                     GimpDrawable   *drawable,
                     GimpDrawable   *hints,
                     GimpDrawable   *reference,
                     gboolean        from_dialog,
                     ColorizeSource *out)
{
  ColorizeSource  source = { 0 };
  gint            x, y, w, h;

  source.pixels      = gimp_drawable_get_buffer (drawable);
  source.from_dialog = from_dialog;
  source.touched   = TRUE;
  source.has_alpha = gimp_drawable_has_alpha (drawable);
  source.precision = gimp_image_get_precision (image);
  source.space     = babl_format_get_space (gimp_drawable_get_format (drawable));
  gimp_drawable_get_offsets (drawable, &source.offset_x, &source.offset_y);

  /* Read only; its buffer's format carries the image's space, as the
   * source's does. */
  if (hints)
    {
      gint hints_x, hints_y;

      gimp_drawable_get_offsets (hints, &hints_x, &hints_y);
      source.hints = colorize_hints_buffer (gimp_drawable_get_buffer (hints),
                                            hints_x, hints_y,
                                            source.offset_x, source.offset_y);
    }

  /* It may be a layer of another image, with its own space and
   * selection. */
  if (reference)
    {
      GimpImage     *ref_image = gimp_item_get_image (GIMP_ITEM (reference));
      GeglBuffer    *selection = NULL;
      GeglRectangle  bounds    = { 0 };
      gint           ref_x, ref_y;

      source.reference_touched = TRUE;
      if (! gimp_selection_is_empty (ref_image))
        {
          source.reference_touched =
            gimp_drawable_mask_intersect (reference, &bounds.x, &bounds.y,
                                          &bounds.width, &bounds.height);
          if (source.reference_touched)
            selection = gimp_drawable_get_buffer (GIMP_DRAWABLE (gimp_image_get_selection (ref_image)));
        }
      gimp_drawable_get_offsets (reference, &ref_x, &ref_y);
      source.reference = colorize_reference_buffer (gimp_drawable_get_buffer (reference),
                                                    selection, &bounds,
                                                    ref_x, ref_y);
    }

  if (! gimp_selection_is_empty (image))
    {
      source.touched   = gimp_drawable_mask_intersect (drawable, &x, &y, &w, &h);
      source.selection = gimp_drawable_get_buffer (GIMP_DRAWABLE (gimp_image_get_selection (image)));
    }

  *out = source;
}

/* Runs the plan of colorize.c on drawable and attaches its layers above
 * it, in one undo step. */
static gboolean
corolization_apply (GimpImage            *image,
                    GimpDrawable         *drawable,
                    GimpDrawable         *hints,
                    GimpDrawable         *reference,
                    gboolean              from_dialog,
                    const ColorizeValues *values,
                    GError              **error)
{
  ColorizeSource  source;
  ColorizePlan    plan;

  corolization_source (image, drawable, hints, reference, from_dialog, &source);

  /* All the work happens before the image is touched: an error, or a
   * cancel (which ends the plug-in), leaves the image as it was. */
  if (! colorize_plan_make (&source, values, &plan, error))
    return FALSE;

  if (! corolization_attach (image, drawable, &plan, error))
    {
      colorize_plan_clear (&plan);
      return FALSE;
    }
  colorize_plan_clear (&plan);

  return TRUE;
}
