/* corolization-2.c: the GIMP 2.10 front-end (libgimp-2.0): PLUG_IN_INFO with
 * the same procedure, plug-in-corolization, its positional arguments and a
 * GTK 2 dialog made from the table in colorize-args.c, and the attachment of
 * the layers that the plan of a run (colorize.c) makes. */

#include "config.h"

#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "colorize.h"
#include "colorize-preview.h"

static void     query              (void);
static void     run                (const gchar      *name,
                                    gint              nparams,
                                    const GimpParam  *param,
                                    gint             *nreturn_vals,
                                    GimpParam       **return_vals);
static gboolean corolization_dialog (ColorizeValues  *values,
                                     gint32           drawable_ID,
                                     gint32          *layer_IDs);
static gint32   corolization_attach (gint32                image_ID,
                                     gint32                drawable_ID,
                                     ColorizePlan         *plan,
                                     GError              **error);
static void     corolization_source (gint32                image_ID,
                                     gint32                drawable_ID,
                                     gint32                hints_ID,
                                     gint32                reference_ID,
                                     gboolean              from_dialog,
                                     ColorizeSource       *source);
static gboolean corolization_apply  (gint32                image_ID,
                                     gint32                drawable_ID,
                                     gint32                hints_ID,
                                     gint32                reference_ID,
                                     gboolean              from_dialog,
                                     const ColorizeValues *values,
                                     GError              **error);


const GimpPlugInInfo PLUG_IN_INFO =
{
  NULL,  /* init_proc  */
  NULL,  /* quit_proc  */
  query, /* query_proc */
  run,   /* run_proc   */
};

int
main (int   argc,
      char *argv[])
{
  colorize_process_init ();

  return gimp_main (&PLUG_IN_INFO, argc, argv);
}


static void
corolization_bind_domain (void)
{
  gchar *locale_dir = colorize_locale_dir (gimp_get_progname ());

  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_free (locale_dir);
}

/* The PDB types of the table's argument types (colorize-args.h). */
static const GimpPDBArgType arg_types[] =
{
  [COLORIZE_ARG_TYPE_STRING]  = GIMP_PDB_STRING,
  [COLORIZE_ARG_TYPE_NUMBER]  = GIMP_PDB_FLOAT,
  [COLORIZE_ARG_TYPE_CHOICE]  = GIMP_PDB_STRING,
  [COLORIZE_ARG_TYPE_BOOLEAN] = GIMP_PDB_INT32,
  [COLORIZE_ARG_TYPE_DRAWABLE] = GIMP_PDB_DRAWABLE
};

static void
query (void)
{
  GimpParamDef   args[3 + COLORIZE_N_ARGS] =
  {
    { GIMP_PDB_INT32,    "run-mode",    "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }" },
    { GIMP_PDB_IMAGE,    "image",       "Input image" },
    { GIMP_PDB_DRAWABLE, "drawable",    "Input layer" }
  };
  gchar         *locale_dir = colorize_locale_dir (gimp_get_progname ());
  gchar         *help_uri   = colorize_help_uri (gimp_get_progname ());
  ColorizeArgId  id;

  for (id = 0; id < COLORIZE_N_ARGS; id++)
    {
      const cz_pixel_param *param = colorize_arg_get_param (id);
      GimpParamDef         *def   = &args[3 + id];

      def->type        = param && param->is_int ?
                         GIMP_PDB_INT32 : arg_types[colorize_arg_get (id)->type];
      def->name        = (gchar *) colorize_arg_get_name (id);
      def->description = colorize_arg_describe (id);
    }

  gimp_plugin_domain_register (GETTEXT_PACKAGE, locale_dir);
  g_free (locale_dir);
  /* The dialog's Help button opens the page of this domain that
   * help/en/gimp-help.xml gives for PLUG_IN_PROC. */
  if (help_uri)
    gimp_plugin_help_register (COLORIZE_HELP_DOMAIN, help_uri);
  g_free (help_uri);

  gimp_install_procedure (PLUG_IN_PROC,
                          PLUG_IN_BLURB,
                          PLUG_IN_HELP,
                          PLUG_IN_AUTHOR,
                          PLUG_IN_COPYRIGHT,
                          PLUG_IN_DATE,
                          PLUG_IN_MENU_LABEL,
                          PLUG_IN_IMAGE_TYPES,
                          GIMP_PLUGIN,
                          G_N_ELEMENTS (args), 0,
                          args, NULL);

  gimp_plugin_menu_register (PLUG_IN_PROC, PLUG_IN_MENU_PATH);

  for (id = 0; id < COLORIZE_N_ARGS; id++)
    g_free (args[3 + id].description);
}

/* The last values of an interactive run, if GIMP holds ones of this
 * layout (an older plug-in may have stored another). */
static void
corolization_get_last_values (ColorizeValues *values)
{
  if (gimp_get_data_size (PLUG_IN_PROC) == sizeof (*values))
    gimp_get_data (PLUG_IN_PROC, values);
  values->model[sizeof (values->model) - 1] = '\0';
  /* A pointer of the run that stored them. */
  values->params.reference = NULL;
}

/* The positional arguments after run-mode, image and drawable, in the
 * table's order: n_args of them (calls written before "hints" or
 * "reference" existed stop before it). A layer argument's ID goes to
 * layer_IDs[its id]. */
static void
corolization_get_args (const GimpParam *param,
                       gint             n_args,
                       ColorizeValues  *values,
                       gint32          *layer_IDs,
                       GError         **error)
{
  ColorizeArgId id;

  for (id = 0; (gint) id < n_args; id++)
    {
      const GimpParam *arg = &param[3 + id];

      switch (colorize_arg_get (id)->type)
        {
        case COLORIZE_ARG_TYPE_STRING:
          g_strlcpy (values->model, arg->data.d_string ? arg->data.d_string : "",
                     sizeof (values->model));
          break;
        case COLORIZE_ARG_TYPE_NUMBER:
          cz_pixel_params_set_value (&values->params, colorize_arg_get (id)->param,
                                     colorize_arg_get_param (id)->is_int ?
                                     arg->data.d_int32 : arg->data.d_float);
          break;
        case COLORIZE_ARG_TYPE_CHOICE:
          values->output = colorize_output_from_string (arg->data.d_string, error);
          break;
        case COLORIZE_ARG_TYPE_BOOLEAN:
          values->confidence = arg->data.d_int32 != 0;
          break;
        case COLORIZE_ARG_TYPE_DRAWABLE:
          layer_IDs[id] = arg->data.d_drawable;
          break;
        }
    }
}

static void
run (const gchar      *name,
     gint              nparams,
     const GimpParam  *param,
     gint             *nreturn_vals,
     GimpParam       **return_vals)
{
  static GimpParam  results[2];
  ColorizeValues    values;
  GimpRunMode       run_mode;
  GimpPDBStatusType status  = GIMP_PDB_SUCCESS;
  GError           *error   = NULL;
  gint32            image_ID;
  gint32            drawable_ID;
  gint32            layer_IDs[COLORIZE_N_ARGS];
  gint32            hints_ID, reference_ID;
  gint              i;

  corolization_bind_domain ();
  gegl_init (NULL, NULL);
  colorize_values_init (&values);
  for (i = 0; i < COLORIZE_N_ARGS; i++)
    layer_IDs[i] = -1;

  *nreturn_vals = 1;
  *return_vals  = results;
  results[0].type          = GIMP_PDB_STATUS;
  results[0].data.d_status = GIMP_PDB_SUCCESS;

  run_mode    = param[0].data.d_int32;
  image_ID    = param[1].data.d_image;
  drawable_ID = param[2].data.d_drawable;

  if (colorize_check_item (gimp_item_is_layer (drawable_ID),
                           gimp_item_is_layer_mask (drawable_ID),
                           gimp_item_is_group (drawable_ID), &error))
    {
      switch (run_mode)
        {
        case GIMP_RUN_INTERACTIVE:
          corolization_get_last_values (&values);
          if (! corolization_dialog (&values, drawable_ID, layer_IDs))
            status = GIMP_PDB_CANCEL;
          break;

        case GIMP_RUN_NONINTERACTIVE:
          if (nparams != 3 + COLORIZE_N_ARGS &&
              nparams != 3 + COLORIZE_ARG_REFERENCE &&
              nparams != 3 + COLORIZE_ARG_HINTS)
            status = GIMP_PDB_CALLING_ERROR;
          else
            corolization_get_args (param, nparams - 3, &values, layer_IDs,
                                   &error);
          break;

        case GIMP_RUN_WITH_LAST_VALS:
          corolization_get_last_values (&values);
          break;
        }
    }

  hints_ID     = layer_IDs[COLORIZE_ARG_HINTS];
  reference_ID = layer_IDs[COLORIZE_ARG_REFERENCE];

  if (status == GIMP_PDB_SUCCESS && ! error && hints_ID > 0 &&
      (! gimp_item_is_valid (hints_ID) || ! gimp_item_is_drawable (hints_ID) ||
       gimp_item_get_image (hints_ID) != image_ID))
    g_set_error (&error, COLORIZE_ERROR, 0,
                 _("The colour hints layer must belong to the same image."));

  if (status == GIMP_PDB_SUCCESS && ! error && reference_ID > 0 &&
      (! gimp_item_is_valid (reference_ID) || ! gimp_item_is_drawable (reference_ID)))
    g_set_error (&error, COLORIZE_ERROR, 0,
                 _("The reference layer is not a layer of an open image."));

  if (status == GIMP_PDB_SUCCESS && ! error &&
      corolization_apply (image_ID, drawable_ID, hints_ID, reference_ID,
                          run_mode != GIMP_RUN_NONINTERACTIVE, &values, &error))
    {
      if (run_mode != GIMP_RUN_NONINTERACTIVE)
        gimp_displays_flush ();
      if (run_mode == GIMP_RUN_INTERACTIVE)
        gimp_set_data (PLUG_IN_PROC, &values, sizeof (values));
    }

  if (error)
    {
      status = GIMP_PDB_EXECUTION_ERROR;
      *nreturn_vals = 2;
      results[1].type          = GIMP_PDB_STRING;
      results[1].data.d_string = g_strdup (error->message);
      g_clear_error (&error);
    }

  results[0].data.d_status = status;
}

/* The dialog's widgets per argument, to grey out what a model cannot use. */
typedef struct
{
  gchar         **names;
  gint32          drawable_ID;
  ColorizeValues *values;
  ColorizePreview *preview;
  GtkWidget      *model;
  GtkWidget      *label[COLORIZE_N_ARGS];
  GtkWidget      *widget[COLORIZE_N_ARGS];
  GtkAdjustment  *adj[COLORIZE_N_ARGS];
} DialogRows;

static void
corolization_row_set_sensitive (DialogRows    *rows,
                                ColorizeArgId  id,
                                gboolean       sensitive)
{
  if (rows->adj[id])
    gimp_scale_entry_set_sensitive (GTK_OBJECT (rows->adj[id]), sensitive);
  if (rows->label[id])
    gtk_widget_set_sensitive (rows->label[id], sensitive);
  if (rows->widget[id])
    gtk_widget_set_sensitive (rows->widget[id], sensitive);
}

/* Greys out what the chosen model cannot use. */
static void
corolization_model_changed (GtkWidget  *combo,
                            DialogRows *rows)
{
  cz_model_uses     uses = { TRUE, TRUE };
  gint              index;

  /* A model that cannot be read keeps everything on: the run says why. */
  if (gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &index) &&
      index >= 0 && index < (gint) g_strv_length (rows->names))
    colorize_model_uses (rows->names[index], &uses, NULL);

  corolization_row_set_sensitive (rows, COLORIZE_ARG_TEMPERATURE, uses.distribution);
  corolization_row_set_sensitive (rows, COLORIZE_ARG_CONFIDENCE, uses.distribution);
  corolization_row_set_sensitive (rows, COLORIZE_ARG_HINTS, uses.hints);
  corolization_row_set_sensitive (rows, COLORIZE_ARG_REFERENCE, uses.distribution);
  corolization_row_set_sensitive (rows, COLORIZE_ARG_REFERENCE_STRENGTH, uses.distribution);

  if (rows->preview)
    colorize_preview_invalidate (rows->preview);
}

/* A setting the preview shows changed. */
static void
corolization_preview_invalidate (GtkWidget  *widget,
                                 DialogRows *rows)
{
  if (rows->preview)
    colorize_preview_invalidate (rows->preview);
}

/* What the dialog says now, for a run of the preview. */
static gboolean
corolization_preview_source (gpointer        data,
                             ColorizeValues *values,
                             ColorizeSource *source)
{
  DialogRows *rows = data;
  gint32      image_ID = gimp_item_get_image (rows->drawable_ID);
  gint32      layer_IDs[COLORIZE_N_ARGS];
  gint        index;
  gint        i;

  *values = *rows->values;
  if (gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (rows->model), &index) &&
      index >= 0 && index < (gint) g_strv_length (rows->names))
    g_strlcpy (values->model, rows->names[index], sizeof (values->model));

  for (i = 0; i < COLORIZE_N_ARGS; i++)
    if (! (i == COLORIZE_ARG_HINTS || i == COLORIZE_ARG_REFERENCE) ||
        ! gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (rows->widget[i]),
                                         &layer_IDs[i]) ||
        ! gimp_item_is_valid (layer_IDs[i]))
      layer_IDs[i] = -1;

  corolization_source (image_ID, rows->drawable_ID,
                       layer_IDs[COLORIZE_ARG_HINTS],
                       layer_IDs[COLORIZE_ARG_REFERENCE], TRUE, source);

  return TRUE;
}

/* Keeps a number of values in step with its scale entry. */
static void
corolization_number_update (GtkAdjustment  *adj,
                            ColorizeValues *values)
{
  cz_pixel_params_set_value (&values->params,
                             GPOINTER_TO_INT (g_object_get_data (G_OBJECT (adj),
                                                                 "cz-param")),
                             gtk_adjustment_get_value (adj));
}

/* The hints combo offers the layers of the source's image. */
static gboolean
corolization_same_image (gint32   image_ID,
                         gint32   item_ID,
                         gpointer data)
{
  return image_ID == GPOINTER_TO_INT (data);
}

/* Attaches the layers of plan above drawable_ID, in one undo step, the
 * image made RGB first (a hint or a colour needs it); returns the top one.
 * The layers are written before they join the image, so a write that fails
 * deletes them and leaves the image as it was (but for the conversion of a
 * gray or indexed image, which their RGB layers need first: it stays, one
 * undo step); -1 then, with the message. */
static gint32
corolization_attach (gint32         image_ID,
                     gint32         drawable_ID,
                     ColorizePlan  *plan,
                     GError       **error)
{
  gint32        parent_ID = gimp_item_get_parent (drawable_ID);
  gint          position  = gimp_image_get_item_position (image_ID, drawable_ID);
  gboolean      convert   = gimp_image_base_type (image_ID) != GIMP_RGB;
  gint32        layer_IDs[G_N_ELEMENTS (plan->layers)];
  GimpParasite *parasite;
  gint          i;

  if (convert)
    {
      gimp_image_undo_group_start (image_ID);
      gimp_image_convert_rgb (image_ID);
    }

  for (i = 0; i < plan->n_layers; i++)
    {
      const ColorizeLayer *spec = &plan->layers[i];

      layer_IDs[i] = gimp_layer_new (image_ID, spec->name, plan->width, plan->height,
                                     plan->alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE,
                                     100.0,
                                     spec->chroma ?
                                     GIMP_LAYER_MODE_LCH_COLOR : GIMP_LAYER_MODE_NORMAL);
      if (! colorize_plan_fill (plan, i, gimp_drawable_get_buffer (layer_IDs[i]), error))
        {
          for (; i >= 0; i--)
            gimp_item_delete (layer_IDs[i]);
          if (convert)
            gimp_image_undo_group_end (image_ID);
          return -1;
        }
    }

  if (! convert)
    gimp_image_undo_group_start (image_ID);

  parasite = colorize_plan_parasite (plan);
  for (i = 0; i < plan->n_layers; i++)
    {
      gimp_image_insert_layer (image_ID, layer_IDs[i],
                               parent_ID > 0 ? parent_ID : -1, position);
      gimp_layer_set_offsets (layer_IDs[i], plan->offset_x, plan->offset_y);
      gimp_drawable_update (layer_IDs[i], 0, 0, plan->width, plan->height);
      gimp_item_set_visible (layer_IDs[i], plan->layers[i].visible);
      if (parasite)
        gimp_item_attach_parasite (layer_IDs[i], parasite);
    }

  gimp_image_undo_group_end (image_ID);
  g_clear_pointer (&parasite, gimp_parasite_free);

  return layer_IDs[plan->n_layers - 1];
}

/* "New hints layer": an empty transparent layer of the source's size just
 * above it, attached as a run's layers are (one ordinary undo step:
 * cancelling the dialog keeps it), selected in the combo. */
static void
corolization_new_hints_layer (GtkWidget *button,
                              GtkWidget *combo)
{
  gint32       drawable_ID = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button),
                                                                 "cz-drawable"));
  ColorizePlan plan;
  gint32       layer_ID;
  gint         x, y;

  gimp_drawable_offsets (drawable_ID, &x, &y);
  colorize_plan_hints_layer (&plan, gimp_drawable_width (drawable_ID),
                             gimp_drawable_height (drawable_ID), x, y);
  /* An empty layer: nothing to write, nothing to fail. */
  layer_ID = corolization_attach (gimp_item_get_image (drawable_ID),
                                  drawable_ID, &plan, NULL);
  colorize_plan_clear (&plan);
  gimp_displays_flush ();

  gimp_int_combo_box_append (GIMP_INT_COMBO_BOX (combo),
                             GIMP_INT_STORE_VALUE, layer_ID,
                             GIMP_INT_STORE_LABEL, _("Colour hints"),
                             -1);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo), layer_ID);
}

static gboolean
corolization_dialog (ColorizeValues *values,
                     gint32          drawable_ID,
                     gint32         *layer_IDs)
{
  GtkWidget     *dialog;
  GtkWidget     *main_vbox;
  GtkWidget     *preview;
  GtkWidget     *table;
  GtkWidget     *combo  = NULL;
  GtkWidget     *output = NULL;
  GtkWidget     *layers[COLORIZE_N_ARGS] = { NULL };
  DialogRows     rows = { NULL };
  GtkWidget     *hints;
  GtkWidget     *toggle;
  GtkWidget     *hbox;
  GtkWidget     *button;
  gchar        **names = colorize_model_list ();
  gchar         *label;
  gint           index;
  gint           row;
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

  main_vbox = gtk_vbox_new (FALSE, 12);
  gtk_container_set_border_width (GTK_CONTAINER (main_vbox), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      main_vbox, TRUE, TRUE, 0);

  /* The colours of the part shown, as OK would give them. */
  preview = gimp_zoom_preview_new_from_drawable_id (drawable_ID);
  gtk_box_pack_start (GTK_BOX (main_vbox), preview, TRUE, TRUE, 0);

  table = gtk_table_new (COLORIZE_N_ARGS, 3, FALSE);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 6);
  gtk_box_pack_start (GTK_BOX (main_vbox), table, FALSE, FALSE, 0);

  /* One row an argument, in the table's order; labels end in a colon, as
   * in GIMP 2.10's own dialogs. */
  for (row = 0; row < COLORIZE_N_ARGS; row++)
    {
      const ColorizeArg    *arg   = colorize_arg_get (row);
      const cz_pixel_param *param = colorize_arg_get_param (row);
      GtkAdjustment        *adj;

      label = g_strdup_printf ("%s:", _(arg->label));

      switch (arg->type)
        {
        case COLORIZE_ARG_TYPE_STRING:
          combo = g_object_new (GIMP_TYPE_INT_COMBO_BOX, NULL);
          for (i = 0; names[i]; i++)
            gimp_int_combo_box_append (GIMP_INT_COMBO_BOX (combo),
                                       GIMP_INT_STORE_VALUE, i,
                                       GIMP_INT_STORE_LABEL, names[i],
                                       -1);
          gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo),
                                         colorize_model_index (names, values->model));
          gimp_table_attach_aligned (GTK_TABLE (table), 0, row, label, 0.0, 0.5,
                                     combo, 2, FALSE);
          rows.model = combo;
          break;

        case COLORIZE_ARG_TYPE_NUMBER:
          adj = GTK_ADJUSTMENT (gimp_scale_entry_new (GTK_TABLE (table), 0, row,
                                                      label, 200, 6,
                                                      cz_pixel_params_get_value (&values->params, arg->param),
                                                      param->min, param->max,
                                                      param->step, param->page,
                                                      param->digits,
                                                      TRUE, 0, 0, NULL, NULL));
          g_object_set_data (G_OBJECT (adj), "cz-param",
                             GINT_TO_POINTER (arg->param));
          rows.adj[row] = adj;
          g_signal_connect (adj, "value-changed",
                            G_CALLBACK (corolization_number_update), values);
          g_signal_connect (adj, "value-changed",
                            G_CALLBACK (corolization_preview_invalidate), &rows);
          gtk_entry_set_activates_default (GTK_ENTRY (GIMP_SCALE_ENTRY_SPINBUTTON (adj)), TRUE);
          break;

        case COLORIZE_ARG_TYPE_CHOICE:
          output = gimp_int_combo_box_new (_("New layer"),   COLORIZE_OUTPUT_LAYER,
                                           _("Colour only"), COLORIZE_OUTPUT_CHROMA,
                                           NULL);
          gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (output), values->output);
          gimp_table_attach_aligned (GTK_TABLE (table), 0, row, label, 0.0, 0.5,
                                     output, 2, FALSE);
          break;

        case COLORIZE_ARG_TYPE_BOOLEAN:
          /* a check box carries its own label, without a colon */
          toggle = gtk_check_button_new_with_mnemonic (_(arg->label));
          gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), values->confidence);
          g_signal_connect (toggle, "toggled",
                            G_CALLBACK (gimp_toggle_button_update),
                            &values->confidence);
          gtk_table_attach_defaults (GTK_TABLE (table), toggle, 0, 3, row, row + 1);
          rows.widget[row] = toggle;
          break;

        case COLORIZE_ARG_TYPE_DRAWABLE:
          if (row == COLORIZE_ARG_REFERENCE)
            {
              /* a layer of any open image */
              layers[row] = gimp_layer_combo_box_new (NULL, NULL);
              gimp_int_combo_box_prepend (GIMP_INT_COMBO_BOX (layers[row]),
                                          GIMP_INT_STORE_VALUE, -1,
                                          GIMP_INT_STORE_LABEL, _("None"),
                                          -1);
              gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (layers[row]), -1);
              g_signal_connect (layers[row], "changed",
                                G_CALLBACK (corolization_preview_invalidate), &rows);
              rows.label[row] = gimp_table_attach_aligned (GTK_TABLE (table), 0, row,
                                                           label, 0.0, 0.5,
                                                           layers[row], 2, FALSE);
              rows.widget[row] = layers[row];
              break;
            }

          hints = layers[row] = gimp_layer_combo_box_new (corolization_same_image,
                                            GINT_TO_POINTER (gimp_item_get_image (drawable_ID)));
          gimp_int_combo_box_prepend (GIMP_INT_COMBO_BOX (hints),
                                      GIMP_INT_STORE_VALUE, -1,
                                      GIMP_INT_STORE_LABEL, _("None"),
                                      -1);
          gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (hints), -1);
          g_signal_connect (hints, "changed",
                            G_CALLBACK (corolization_preview_invalidate), &rows);

          button = gtk_button_new_with_mnemonic (_("_New hints layer"));
          gimp_help_set_help_data (button,
                                   _("Add an empty transparent layer above this one "
                                     "to paint colour hints on"), NULL);
          g_object_set_data (G_OBJECT (button), "cz-drawable",
                             GINT_TO_POINTER (drawable_ID));
          g_signal_connect (button, "clicked",
                            G_CALLBACK (corolization_new_hints_layer), hints);

          hbox = gtk_hbox_new (FALSE, 6);
          gtk_box_pack_start (GTK_BOX (hbox), hints, TRUE, TRUE, 0);
          gtk_box_pack_start (GTK_BOX (hbox), button, FALSE, FALSE, 0);
          rows.label[row] = gimp_table_attach_aligned (GTK_TABLE (table), 0, row,
                                                       label, 0.0, 0.5,
                                                       hbox, 2, FALSE);
          /* the chooser: "New hints layer" stays, the step before
           * choosing a hints model */
          rows.widget[row] = hints;
          break;
        }

      g_free (label);
    }

  rows.names       = names;
  rows.drawable_ID = drawable_ID;
  rows.values      = values;
  if (rows.model)
    {
      g_signal_connect (rows.model, "changed",
                        G_CALLBACK (corolization_model_changed), &rows);
      corolization_model_changed (rows.model, &rows);
    }

  gtk_widget_show_all (dialog);

  /* After the rows exist: the first run reads them. */
  if (rows.model)
    rows.preview = colorize_preview_new (GIMP_PREVIEW (preview),
                                         gimp_drawable_is_rgb (drawable_ID),
                                         corolization_preview_source, &rows);
  if (rows.preview)
    colorize_preview_invalidate (rows.preview);

  run = gimp_dialog_run (GIMP_DIALOG (dialog)) == GTK_RESPONSE_OK;

  g_clear_pointer (&rows.preview, colorize_preview_free);

  if (run)
    {
      if (names[0] && gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &index))
        g_strlcpy (values->model, names[index], sizeof (values->model));
      gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (output), (gint *) &values->output);
      for (i = 0; i < COLORIZE_N_ARGS; i++)
        if (layers[i] &&
            ! gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (layers[i]), &layer_IDs[i]))
          layer_IDs[i] = -1;
    }

  gtk_widget_destroy (dialog);
  g_strfreev (names);

  return run;
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

/* The source of a run on the drawable (or of the preview), its buffers
 * GIMP's: read them in the main thread. */
static void
corolization_source (gint32          image_ID,
                     gint32          drawable_ID,
                     gint32          hints_ID,
                     gint32          reference_ID,
                     gboolean        from_dialog,
                     ColorizeSource *out)
{
  ColorizeSource  source = { 0 };
  gint            x, y, w, h;

  source.space       = corolization_image_space (image_ID);
  source.from_dialog = from_dialog;
  source.pixels    = gimp_drawable_get_buffer (drawable_ID);
  source.precision = gimp_image_get_precision (image_ID);
  source.has_alpha = gimp_drawable_has_alpha (drawable_ID);
  source.touched   = gimp_selection_is_empty (image_ID) ||
                     gimp_drawable_mask_intersect (drawable_ID, &x, &y, &w, &h);
  gimp_drawable_offsets (drawable_ID, &source.offset_x, &source.offset_y);

  if (! gimp_selection_is_empty (image_ID))
    source.selection = gimp_drawable_get_buffer (gimp_image_get_selection (image_ID));

  if (gimp_drawable_is_rgb (drawable_ID) && source.space)
    gegl_buffer_set_format (source.pixels,
                            babl_format_with_space (babl_format_get_encoding (gegl_buffer_get_format (source.pixels)),
                                                    source.space));

  /* Read only, in the image's space as the source. */
  if (hints_ID > 0)
    {
      GeglBuffer *buffer = gimp_drawable_get_buffer (hints_ID);
      gint        hints_x, hints_y;

      if (gimp_drawable_is_rgb (hints_ID) && source.space)
        gegl_buffer_set_format (buffer,
                                babl_format_with_space (babl_format_get_encoding (gegl_buffer_get_format (buffer)),
                                                        source.space));
      gimp_drawable_offsets (hints_ID, &hints_x, &hints_y);
      source.hints = colorize_hints_buffer (buffer, hints_x, hints_y,
                                            source.offset_x, source.offset_y);
    }

  /* It may be a layer of another image, with its own space and
   * selection. */
  if (reference_ID > 0)
    {
      gint32         ref_image_ID = gimp_item_get_image (reference_ID);
      const Babl    *ref_space    = corolization_image_space (ref_image_ID);
      GeglBuffer    *buffer       = gimp_drawable_get_buffer (reference_ID);
      GeglBuffer    *selection    = NULL;
      GeglRectangle  bounds       = { 0 };
      gint           ref_x, ref_y;

      if (gimp_drawable_is_rgb (reference_ID) && ref_space)
        gegl_buffer_set_format (buffer,
                                babl_format_with_space (babl_format_get_encoding (gegl_buffer_get_format (buffer)),
                                                        ref_space));
      source.reference_touched = TRUE;
      if (! gimp_selection_is_empty (ref_image_ID))
        {
          source.reference_touched =
            gimp_drawable_mask_intersect (reference_ID, &bounds.x, &bounds.y,
                                          &bounds.width, &bounds.height);
          if (source.reference_touched)
            selection = gimp_drawable_get_buffer (gimp_image_get_selection (ref_image_ID));
        }
      gimp_drawable_offsets (reference_ID, &ref_x, &ref_y);
      source.reference = colorize_reference_buffer (buffer, selection, &bounds,
                                                    ref_x, ref_y);
    }

  *out = source;
}

/* Runs the plan of colorize.c on the drawable and attaches its layers
 * above it, in one undo step. */
static gboolean
corolization_apply (gint32                image_ID,
                    gint32                drawable_ID,
                    gint32                hints_ID,
                    gint32                reference_ID,
                    gboolean              from_dialog,
                    const ColorizeValues *values,
                    GError              **error)
{
  ColorizeSource  source;
  ColorizePlan    plan;

  corolization_source (image_ID, drawable_ID, hints_ID, reference_ID,
                       from_dialog, &source);

  /* All the work happens before the image is touched: an error, or a
   * cancel (which ends the plug-in), leaves the image as it was. */
  if (! colorize_plan_make (&source, values, &plan, error))
    return FALSE;

  if (corolization_attach (image_ID, drawable_ID, &plan, error) < 0)
    {
      colorize_plan_clear (&plan);
      return FALSE;
    }

  colorize_plan_clear (&plan);

  return TRUE;
}
