/* colorize.c: the part of the plug-in both GIMP front-ends share: finding
 * models, the checks of a run, and driving the engine's pixel path
 * (engine/pixel.c) from the source's GeglBuffer into the new layers the
 * front-end then attaches to the image. Nothing here changes the image, so
 * a failure changes nothing. */

#include "config.h"

#include <math.h>
#include <string.h>

#include <libgimp/gimp.h>

#include "colorize.h"
#include "pixel_fill.h"

#define MODEL_SUFFIX ".safetensors"
/* Names a message lists before "and N more". */
#define MESSAGE_MAX_NAMES 20

typedef struct
{
  gchar    *model_name;
  gint      step;        /* the last cz_pixel_step shown, -1 before any */
  gint64    running_at;  /* g_get_monotonic_time () when the network
                          * started, 0 before */
} ProgressState;

G_DEFINE_QUARK (corolization-error-quark, colorize_error)

/* g_ptr_array_sort passes pointers to the elements. */
static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

gchar **
colorize_model_dirs (void)
{
  GPtrArray   *dirs = g_ptr_array_new ();
  const gchar *env  = g_getenv ("COROLIZATION_MODELS");

  if (env && *env)
    {
      gchar **parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
      gint    i;

      for (i = 0; parts[i]; i++)
        if (*parts[i])
          g_ptr_array_add (dirs, g_strdup (parts[i]));

      g_strfreev (parts);
    }

  g_ptr_array_add (dirs, g_build_filename (gimp_directory (),
                                           "corolization", "models", NULL));
  g_ptr_array_add (dirs, g_build_filename (COROLIZATION_DATADIR,
                                           "corolization", "models", NULL));
  g_ptr_array_add (dirs, NULL);

  return (gchar **) g_ptr_array_free (dirs, FALSE);
}

/* Only regular files (or links to them) are models: a FIFO, a folder or a
 * broken link would be listed and then refused. The hash table keeps
 * listing linear in the number of files. */
gchar **
colorize_model_list (void)
{
  gchar     **dirs  = colorize_model_dirs ();
  GPtrArray  *names = g_ptr_array_new ();
  GHashTable *seen  = g_hash_table_new (g_str_hash, g_str_equal);
  gint        i;

  for (i = 0; dirs[i]; i++)
    {
      GDir        *dir = g_dir_open (dirs[i], 0, NULL);
      const gchar *entry;

      if (! dir)
        continue;

      while ((entry = g_dir_read_name (dir)))
        {
          gchar    *name;
          gchar    *path;
          gboolean  regular;

          if (! g_str_has_suffix (entry, MODEL_SUFFIX) || entry[0] == '.')
            continue;

          name = g_strndup (entry, strlen (entry) - strlen (MODEL_SUFFIX));

          if (g_hash_table_contains (seen, name))
            {
              g_free (name);
              continue;
            }

          /* g_file_test follows links, as loading does */
          path    = g_build_filename (dirs[i], entry, NULL);
          regular = g_file_test (path, G_FILE_TEST_IS_REGULAR);
          g_free (path);

          if (regular)
            {
              g_hash_table_add (seen, name);
              g_ptr_array_add (names, name);
            }
          else
            {
              g_free (name);
            }
        }

      g_dir_close (dir);
    }

  g_hash_table_destroy (seen); /* the names belong to the array */
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  g_strfreev (dirs);

  return (gchar **) g_ptr_array_free (names, FALSE);
}

/* The first MESSAGE_MAX_NAMES of names joined by ", ", and how many more:
 * a folder of thousands of files must not make a message of megabytes. */
static gchar *
join_names (gchar **names)
{
  guint  n = g_strv_length (names);
  gchar *head;
  gchar *joined;
  gchar *saved;

  if (n <= MESSAGE_MAX_NAMES)
    return g_strjoinv (", ", names);

  saved = names[MESSAGE_MAX_NAMES];
  names[MESSAGE_MAX_NAMES] = NULL;
  head = g_strjoinv (", ", names);
  names[MESSAGE_MAX_NAMES] = saved;

  joined = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s and %u more",
                                         "%s and %u more", n - MESSAGE_MAX_NAMES),
                            head, n - MESSAGE_MAX_NAMES);
  g_free (head);

  return joined;
}

gchar *
colorize_model_find (const gchar  *name,
                     gchar       **resolved_name,
                     GError      **error)
{
  gchar **dirs = colorize_model_dirs ();
  gchar  *path = NULL;
  gchar  *wanted;
  gint    i;

  if (! name || ! *name)
    {
      gchar **all = colorize_model_list ();

      if (g_strv_contains ((const gchar * const *) all, COLORIZE_DEFAULT_MODEL) ||
          ! all[0])
        wanted = g_strdup (COLORIZE_DEFAULT_MODEL);
      else
        wanted = g_strdup (all[0]);

      g_strfreev (all);
    }
  else
    {
      wanted = g_strdup (name);
    }

  /* A model name is a file name, never a path. */
  if (! strchr (wanted, G_DIR_SEPARATOR) && wanted[0] != '.')
    {
      gchar *file = g_strconcat (wanted, MODEL_SUFFIX, NULL);

      for (i = 0; dirs[i] && ! path; i++)
        {
          gchar *candidate = g_build_filename (dirs[i], file, NULL);

          if (g_file_test (candidate, G_FILE_TEST_IS_REGULAR))
            path = candidate;
          else
            g_free (candidate);
        }

      g_free (file);
    }

  if (! path)
    {
      gchar **all      = colorize_model_list ();
      gchar  *known    = join_names (all);
      gchar  *searched = g_strjoinv (G_SEARCHPATH_SEPARATOR_S, dirs);

      if (all[0])
        g_set_error (error, COLORIZE_ERROR, 0,
                     _("There is no colorization model named “%s”. "
                       "Installed models: %s."),
                     wanted, known);
      else
        g_set_error (error, COLORIZE_ERROR, 0,
                     _("No colorization model is installed. "
                       "Put a model file (.safetensors) in one of: %s."),
                     searched);

      g_free (known);
      g_free (searched);
      g_strfreev (all);
    }

  if (path && resolved_name)
    *resolved_name = g_strdup (wanted);

  g_free (wanted);
  g_strfreev (dirs);

  return path;
}

gint
colorize_model_index (gchar       **names,
                      const gchar  *current)
{
  const gchar *wanted = current && *current ? current : COLORIZE_DEFAULT_MODEL;
  gint         i;

  for (i = 0; names[i]; i++)
    if (! strcmp (names[i], wanted))
      return i;

  return 0;
}

gboolean
colorize_check_item (gboolean   is_layer,
                     gboolean   is_mask,
                     gboolean   is_group,
                     GError   **error)
{
  if (! is_layer || is_mask)
    {
      g_set_error (error, COLORIZE_ERROR, 0,
                   _("Colorize works on a layer, not on a channel or a mask."));
      return FALSE;
    }

  if (is_group)
    {
      g_set_error (error, COLORIZE_ERROR, 0,
                   _("Colorize cannot work on a layer group: "
                     "choose one of its layers."));
      return FALSE;
    }

  return TRUE;
}

const Babl *
colorize_layer_format (gint         precision,
                       gboolean     alpha,
                       const Babl  *space)
{
  const gchar *type;
  const gchar *model;
  gchar        name[64];

  switch (precision / 100)
    {
    case 1:  type = "u8";     break;
    case 2:  type = "u16";    break;
    case 3:  type = "u32";    break;
    case 5:  type = "half";   break;
    case 6:  type = "float";  break;
    case 7:  type = "double"; break;
    default: type = "float";  break;
    }

  /* GimpPrecision: x00 linear, x50 non-linear, x75 perceptual (3.0). */
  switch (precision % 100)
    {
    case 0:  model = alpha ? "RGBA"    : "RGB";    break;
    case 75: model = alpha ? "R~G~B~A" : "R~G~B~"; break;
    default: model = alpha ? "R'G'B'A" : "R'G'B'"; break;
    }

  g_snprintf (name, sizeof (name), "%s %s", model, type);

  return babl_format_with_space (name, space);
}

static gboolean
colorize_progress (gdouble        fraction,
                   cz_pixel_step  step,
                   void          *user)
{
  ProgressState *state = user;

  if ((gint) step != state->step)
    {
      state->step = step;
      if (step == CZ_PIXEL_STEP_RUNNING)
        state->running_at = g_get_monotonic_time ();

      switch (step)
        {
        case CZ_PIXEL_STEP_READING:
          gimp_progress_set_text (_("Reading the image"));
          break;
        case CZ_PIXEL_STEP_RUNNING:
          gimp_progress_set_text_printf (_("Running the network (%s)"),
                                         state->model_name);
          break;
        case CZ_PIXEL_STEP_WRITING:
          gimp_progress_set_text (_("Writing the colorized layer"));
          break;
        }
    }

  gimp_progress_update (fraction);

  /* GIMP cancels a plug-in by ending it; nothing is attached by then. */
  return TRUE;
}

/* Multiplies the alpha of buffer by the selection mask at (offset_x, offset_y). */
static void
colorize_apply_mask (GeglBuffer *buffer,
                     GeglBuffer *mask,
                     gint        offset_x,
                     gint        offset_y)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (buffer);
  const Babl          *format;
  GeglRectangle        mask_rect;
  GeglBufferIterator  *iter;

  format = babl_format_with_space ("RGBA float",
                                   babl_format_get_space (gegl_buffer_get_format (buffer)));
  mask_rect = *extent;
  mask_rect.x += offset_x;
  mask_rect.y += offset_y;

  iter = gegl_buffer_iterator_new (buffer, extent, 0, format,
                                   GEGL_ACCESS_READWRITE, GEGL_ABYSS_NONE, 2);
  /* "Y double", as cz_pixel_fill reads it: babl 0.1.98 converts an 8- or
   * 16-bit selection to "Y float" through a 350 MB table. */
  gegl_buffer_iterator_add (iter, mask, &mask_rect, 0, babl_format ("Y double"),
                            GEGL_ACCESS_READ, GEGL_ABYSS_NONE);

  while (gegl_buffer_iterator_next (iter))
    {
      gfloat        *pixel = iter->items[0].data;
      const gdouble *m     = iter->items[1].data;
      gint          i;

      for (i = 0; i < iter->length; i++)
        pixel[4 * i + 3] *= m[i];
    }
}

gboolean
colorize_model_uses (const gchar    *name,
                     cz_model_uses  *uses,
                     GError        **error)
{
  cz_error  cz_err = { 0 };
  gchar    *path   = colorize_model_find (name, NULL, error);
  cz_status status;

  if (! path)
    return FALSE;

  /* The header alone: a dialog asks at every change of model. */
  status = cz_model_file_uses (path, uses, &cz_err);
  g_free (path);
  if (status != CZ_STATUS_OK)
    g_set_error (error, COLORIZE_ERROR, 0,
                 _("The colorization model “%s” could not be read: %s"),
                 name, cz_err.msg);

  return status == CZ_STATUS_OK;
}

/* The engine refuses some settings too, but in English. */
gboolean
colorize_plan_check_uses (const cz_model  *model,
                          const gchar     *model_name,
                          gboolean         from_dialog,
                          ColorizeValues  *values,
                          GeglBuffer     **hints,
                          GeglBuffer     **reference,
                          GError         **error)
{
  cz_model_uses  uses;
  gboolean       dist, takes_hint;
  GError        *e = NULL;

  /* The dialog greyed out by the same rule (colorize_model_uses). */
  cz_model_get_uses (model, &uses);
  dist       = uses.distribution; /* temperature, confidence, a reference */
  takes_hint = uses.hints;

  if (from_dialog)
    ;
  else if (*hints && ! takes_hint)
    g_set_error (&e, COLORIZE_ERROR, 0,
                 _("The model “%s” does not take colour hints: choose a "
                   "hints model, or no hints layer."), model_name);
  else if (*reference && ! dist)
    g_set_error (&e, COLORIZE_ERROR, 0,
                 _("The model “%s” cannot take colours from a reference "
                   "photo: choose a colorful model, or no reference layer."),
                 model_name);
  else if (! dist &&
           fabs (values->params.temperature - CZ_PIXEL_TEMPERATURE_DEFAULT) > 1e-6)
    g_set_error (&e, COLORIZE_ERROR, 0,
                 _("The model “%s” predicts colours directly and has no "
                   "temperature: leave it at %g."),
                 model_name, CZ_PIXEL_TEMPERATURE_DEFAULT);
  else if (! dist && values->confidence)
    g_set_error (&e, COLORIZE_ERROR, 0,
                 _("The model “%s” predicts colours directly and has no "
                   "confidence to show: ask for no confidence layer."),
                 model_name);

  if (e)
    {
      g_propagate_error (error, e);
      return FALSE;
    }

  if (! takes_hint)
    *hints = NULL;
  if (! dist)
    {
      *reference = NULL;
      values->params.temperature = CZ_PIXEL_TEMPERATURE_DEFAULT;
      values->confidence         = FALSE;
    }

  return TRUE;
}

gboolean
colorize_plan_reference (GeglBuffer     *buffer,
                         const cz_model *model,
                         cz_reference  **reference,
                         GError        **error)
{
  cz_error cz_err = { 0 };

  *reference = cz_pixel_reference_new (model, buffer, NULL, &cz_err);
  if (! *reference && cz_err.status == CZ_STATUS_INVALID_ARGUMENT)
    g_set_error (error, COLORIZE_ERROR, 0,
                 _("The reference layer has no opaque pixels to take "
                   "colours from (in its image's selection, if any)."));
  else if (! *reference)
    g_set_error (error, COLORIZE_ERROR, 0,
                 _("The reference layer could not be read: %s"), cz_err.msg);

  return *reference != NULL;
}

/* The text of the layers' COLORIZE_PARASITE. */
static gchar *
colorize_provenance (const gchar          *path,
                     const gchar          *model_name,
                     const cz_model       *model,
                     gboolean              hints,
                     gboolean              reference,
                     const ColorizeValues *values)
{
  const gchar *arch = cz_model_get_metadata (model, "arch");
  const gchar *step = cz_model_get_metadata (model, "step");
  gchar       *contents = NULL;
  gsize        length;
  gchar       *sha;
  gchar       *text;
  gchar        t[G_ASCII_DTOSTR_BUF_SIZE];
  gchar        s[G_ASCII_DTOSTR_BUF_SIZE];
  gchar        r[G_ASCII_DTOSTR_BUF_SIZE];

  /* The file as it was read: a name alone does not say which weights. */
  sha = g_file_get_contents (path, &contents, &length, NULL) ?
        g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length) :
        g_strdup ("unknown");
  g_free (contents);

  /* C numbers whatever the locale: a script may parse this. */
  g_ascii_formatd (t, sizeof (t), "%g", values->params.temperature);
  g_ascii_formatd (s, sizeof (s), "%g", values->params.saturation);
  g_ascii_formatd (r, sizeof (r), "%g", values->params.reference_strength);

  text = g_strdup_printf ("corolization %s; model %s; arch %s; step %s; sha256 %s; "
                          "temperature %s; saturation %s; size %d; hints %s; "
                          "reference %s; reference-strength %s",
                          COROLIZATION_VERSION, model_name,
                          arch ? arch : "unknown", step ? step : "unknown", sha,
                          t, s, values->params.size,
                          hints ? "yes" : "no", reference ? "yes" : "no", r);
  g_free (sha);

  return text;
}

/* Loads the model and colorizes source into the layers of plan, whose
 * geometry is set. */
static gboolean
colorize_plan_run (const ColorizeSource *source,
                   const ColorizeValues *values,
                   ColorizePlan         *plan,
                   GError              **error)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (source->pixels);
  ProgressState        state  = { NULL, -1, 0 };
  gint64               loaded_at;
  cz_error             cz_err = { 0 };
  cz_model            *model;
  gchar               *model_name = NULL;
  gchar               *path;
  cz_reference        *reference  = NULL;
  ColorizeValues       used;
  cz_pixel_params      params;
  GeglBuffer          *hints            = source->hints;     /* borrowed */
  GeglBuffer          *reference_pixels = source->reference; /* borrowed */

  path = colorize_model_find (values->model, &model_name, error);
  if (! path)
    return FALSE;

  gimp_progress_set_text_printf (_("Loading the model %s"), model_name);

  model = cz_model_load (path, &cz_err);
  if (! model)
    {
      g_free (path);
      /* cz_model_load's message names the file */
      g_set_error (error, COLORIZE_ERROR, 0,
                   _("The colorization model “%s” could not be read: %s"),
                   model_name, cz_err.msg);
      g_free (model_name);
      return FALSE;
    }

  loaded_at = g_get_monotonic_time ();
  plan->times.load_us = loaded_at - plan->times.start_us;

  used = *values;
  if (! colorize_plan_check_uses (model, model_name, source->from_dialog, &used,
                                  &hints, &reference_pixels, error) ||
      (reference_pixels &&
       ! colorize_plan_reference (reference_pixels, model, &reference, error)))
    {
      cz_model_free (model);
      g_free (model_name);
      g_free (path);
      return FALSE;
    }
  plan->provenance = colorize_provenance (path, model_name, model,
                                          hints != NULL, reference != NULL, &used);
  g_free (path);
  params = used.params;
  params.reference = reference;

  state.model_name = model_name;
  plan->prediction = cz_pixel_prediction_new (model, source->pixels, hints,
                                              extent, &params, used.confidence,
                                              colorize_progress, &state,
                                              &cz_err);
  cz_reference_free (reference);
  cz_model_free (model);
  if (state.running_at)
    {
      plan->times.read_us    = state.running_at - loaded_at;
      plan->times.network_us = g_get_monotonic_time () - state.running_at;
    }

  if (! plan->prediction)
    {
      g_set_error (error, COLORIZE_ERROR, 0,
                   _("Colorizing with the model “%s” failed: %s"),
                   model_name, cz_err.msg);
      g_free (model_name);
      return FALSE;
    }

  plan->format     = colorize_layer_format (source->precision, plan->alpha,
                                            source->space);
  plan->model_name = model_name;
  if (source->selection)
    plan->selection = g_object_ref (source->selection);

  plan->layers[0].name    = g_strdup_printf (_("Colorized (%s)"), model_name);
  plan->layers[0].fill    = COLORIZE_FILL_COLOR;
  plan->layers[0].chroma  = values->output == COLORIZE_OUTPUT_CHROMA;
  plan->layers[0].visible = TRUE;
  plan->n_layers = 1;

  if (used.confidence)
    {
      plan->layers[1].name    = g_strdup_printf (_("Colorization confidence (%s)"),
                                                 model_name);
      plan->layers[1].fill    = COLORIZE_FILL_CONFIDENCE;
      /* Hidden, so the colorized layer below it stays visible. */
      plan->layers[1].visible = FALSE;
      plan->n_layers = 2;
    }

  return TRUE;
}

/* What plan holds, freed; the progress bar left as it is. */
static void
colorize_plan_clear_data (ColorizePlan *plan)
{
  gint i;

  for (i = 0; i < plan->n_layers; i++)
    g_clear_pointer (&plan->layers[i].name, g_free);
  plan->n_layers = 0;
  g_clear_pointer (&plan->provenance, g_free);
  g_clear_pointer (&plan->prediction, cz_pixel_prediction_free);
  g_clear_object (&plan->selection);
  g_clear_pointer (&plan->model_name, g_free);
}

gboolean
colorize_plan_make (const ColorizeSource *source,
                    const ColorizeValues *values,
                    ColorizePlan         *plan,
                    GError              **error)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (source->pixels);
  gboolean             ok     = FALSE;
  guint64              cache;

  memset (plan, 0, sizeof (*plan));
  plan->times.start_us = g_get_monotonic_time ();

  /* libgimp sizes the plug-in's cache as GIMP's own (gigabytes): a huge
   * image would fill it with tiles read once, then written once. */
  g_object_get (gegl_config (), "tile-cache-size", &cache, NULL);
  if (cache > COLORIZE_TILE_CACHE)
    g_object_set (gegl_config (), "tile-cache-size", COLORIZE_TILE_CACHE, NULL);

  gimp_progress_init (_("Colorizing"));
  plan->progress = TRUE;

  if (! source->touched)
    g_set_error (error, COLORIZE_ERROR, 0,
                 _("The selection does not touch the layer."));
  else if (source->reference && ! source->reference_touched)
    g_set_error (error, COLORIZE_ERROR, 0,
                 _("The selection of the reference layer's image does not "
                   "touch the reference layer."));
  else if (colorize_values_check (values, error))
    {
      plan->width    = extent->width;
      plan->height   = extent->height;
      plan->offset_x = source->offset_x;
      plan->offset_y = source->offset_y;
      plan->alpha    = source->has_alpha || source->selection;

      ok = colorize_plan_run (source, values, plan, error);
    }

  g_object_unref (source->pixels);
  if (source->selection)
    g_object_unref (source->selection);
  if (source->hints)
    g_object_unref (source->hints);
  if (source->reference)
    g_object_unref (source->reference);
  if (! ok)
    colorize_plan_clear_data (plan);

  return ok;
}

/* A pixel (x, y) of the drawable is (x + source_x - hints_x, ...) of the
 * hints layer; GEGL's "shift-x" reads the source buffer at x + shift-x. */
GeglBuffer *
colorize_hints_buffer (GeglBuffer *buffer,
                       gint        hints_x,
                       gint        hints_y,
                       gint        source_x,
                       gint        source_y)
{
  GeglBuffer *view;

  view = g_object_new (GEGL_TYPE_BUFFER,
                       "source",  buffer,
                       "shift-x", source_x - hints_x,
                       "shift-y", source_y - hints_y,
                       NULL);
  g_object_unref (buffer);

  return view;
}

GeglBuffer *
colorize_reference_buffer (GeglBuffer          *buffer,
                           GeglBuffer          *selection,
                           const GeglRectangle *bounds,
                           gint                 offset_x,
                           gint                 offset_y)
{
  GeglBuffer *masked;

  if (! selection)
    return buffer;

  masked = gegl_buffer_new (bounds,
                            babl_format_with_space ("RGBA float",
                                                    babl_format_get_space (gegl_buffer_get_format (buffer))));
  gegl_buffer_copy (buffer, bounds, GEGL_ABYSS_NONE, masked, bounds);
  colorize_apply_mask (masked, selection, offset_x, offset_y);
  g_object_unref (buffer);
  g_object_unref (selection);

  return masked;
}

void
colorize_plan_hints_layer (ColorizePlan *plan,
                           gint          width,
                           gint          height,
                           gint          offset_x,
                           gint          offset_y)
{
  memset (plan, 0, sizeof (*plan));
  plan->layers[0].name    = g_strdup (_("Colour hints"));
  plan->layers[0].visible = TRUE;
  plan->n_layers = 1;
  plan->width    = width;
  plan->height   = height;
  plan->offset_x = offset_x;
  plan->offset_y = offset_y;
  plan->alpha    = TRUE;
}

/* One fill of a layer (cz_pixel_fill's writer): its tiles written from
 * the plan on GEGL's threads, one lane each. */
typedef struct
{
  const ColorizePlan  *plan;
  const ColorizeLayer *layer;
  const Babl          *format;
  gfloat              *conf[CZ_PIXEL_LANES];   /* scratch for a tile's confidence */
  gsize                conf_n[CZ_PIXEL_LANES];
  gdouble              from;                    /* the layer's share of the progress bar */
  gdouble              span;
} FillState;

/* Between the fill's bands, on the plug-in's own thread: a PDB call from
 * a worker would cross the tile transfer on the wire. */
static bool
colorize_plan_fill_done (gdouble  fraction,
                         void    *user)
{
  const FillState *fill = user;

  gimp_progress_update (fill->from + fill->span * fraction);

  return true;
}

/* One tile of layer: colour, or confidence (gray, with the mask as alpha
 * when there is a selection), its alpha times mask [n] (NULL: none). */
static cz_status
colorize_plan_write_tile (const GeglRectangle *roi,
                          void                *data,
                          const float         *mask,
                          gint                 lane,
                          void                *user,
                          cz_error            *cz_err)
{
  FillState *fill = user;
  gsize      n    = (gsize) roi->width * roi->height;
  gsize      i;
  cz_status  status;

  if (fill->layer->fill == COLORIZE_FILL_COLOR)
    return cz_pixel_prediction_write (fill->plan->prediction, lane, roi,
                                      fill->format, data, NULL, mask,
                                      cz_err);
  if (! mask)
    return cz_pixel_prediction_write (fill->plan->prediction, lane, roi,
                                      NULL, NULL, data, NULL, cz_err);

  if (n > fill->conf_n[lane])
    {
      gfloat *conf = g_try_renew (gfloat, fill->conf[lane], n);

      if (! conf)
        return cz_error_set (cz_err, CZ_STATUS_OUT_OF_MEMORY,
                             "out of memory");
      fill->conf[lane]   = conf;
      fill->conf_n[lane] = n;
    }
  status = cz_pixel_prediction_write (fill->plan->prediction, lane, roi,
                                      NULL, NULL, fill->conf[lane], NULL,
                                      cz_err);
  for (i = 0; i < n && status == CZ_STATUS_OK; i++)
    {
      ((gfloat *) data)[2 * i]     = fill->conf[lane][i];
      ((gfloat *) data)[2 * i + 1] = mask[i];
    }

  return status;
}

gboolean
colorize_plan_fill (ColorizePlan *plan,
                    gint          i,
                    GeglBuffer   *dst,
                    GError      **error)
{
  const ColorizeLayer *layer  = &plan->layers[i];
  const GeglRectangle  extent = { 0, 0, plan->width, plan->height };
  gint64               start  = g_get_monotonic_time ();
  cz_error             cz_err = { 0 };
  FillState            fill   = { 0 };
  cz_status            status;
  gint                 k;

  if (layer->fill == COLORIZE_FILL_CLEAR || ! plan->prediction)
    {
      gegl_buffer_clear (dst, NULL);
      g_object_unref (dst);
      return TRUE;
    }

  fill.plan  = plan;
  fill.layer = layer;
  fill.from  = 0.75 + 0.25 * i / plan->n_layers;
  fill.span  = 0.25 / plan->n_layers;

  /* A confidence layer needs alpha for the selection too. */
  if (layer->fill == COLORIZE_FILL_COLOR)
    fill.format = plan->format;
  else
    fill.format = babl_format_with_space (plan->selection ? "YA float" : "Y float",
                                          babl_format_get_space (plan->format));

  if (layer->fill == COLORIZE_FILL_COLOR)
    gimp_progress_set_text (_("Writing the colorized layer"));
  else
    gimp_progress_set_text (_("Writing the confidence layer"));

  /* The selection is read tile by tile with the layer, at its offsets. */
  status = cz_pixel_fill (dst, &extent, fill.format, plan->selection,
                          plan->offset_x, plan->offset_y, CZ_PIXEL_LANES,
                          colorize_plan_write_tile, colorize_plan_fill_done,
                          &fill, &cz_err);
  for (k = 0; k < CZ_PIXEL_LANES; k++)
    g_free (fill.conf[k]);
  /* The last tiles reach GIMP here. */
  g_object_unref (dst);
  plan->times.write_us += g_get_monotonic_time () - start;

  if (status != CZ_STATUS_OK)
    {
      g_set_error (error, COLORIZE_ERROR, 0,
                   _("Writing the layer “%s” failed: %s"),
                   layer->name, cz_err.msg);
      return FALSE;
    }

  return TRUE;
}

GimpParasite *
colorize_plan_parasite (const ColorizePlan *plan)
{
  if (! plan->provenance)
    return NULL;

  /* Persistent: XCF keeps it; undoable: it goes with the layers' undo. */
  return gimp_parasite_new (COLORIZE_PARASITE,
                            GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                            strlen (plan->provenance) + 1, plan->provenance);
}

void
colorize_plan_clear (ColorizePlan *plan)
{
  const ColorizeTimes *t       = &plan->times;
  gint                 threads = 0;

  /* G_MESSAGES_DEBUG=corolization shows it (gimp_bench.py reads it); the
   * read and write run on GEGL's threads, as many as GIMP's preference. */
  g_object_get (gegl_config (), "threads", &threads, NULL);
  if (plan->prediction)
    g_log ("corolization", G_LOG_LEVEL_DEBUG,
           "timing: %dx%d load %.3f s, read %.3f s, network %.3f s, write %.3f s, "
           "threads %d",
           plan->width, plan->height, t->load_us / 1e6, t->read_us / 1e6,
           t->network_us / 1e6, t->write_us / 1e6, threads);

  colorize_plan_clear_data (plan);

  if (plan->progress)
    gimp_progress_end ();
  plan->progress = FALSE;
}

/* The folder NAME beside the plug-in's executable, if it is there. */
static gchar *
colorize_beside_plugin (const gchar *progname,
                        const gchar *name)
{
  gchar *dir;
  gchar *path;

  if (! progname)
    return NULL;

  dir  = g_path_get_dirname (progname);
  path = g_build_filename (dir, name, NULL);
  g_free (dir);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return path;

  g_free (path);
  return NULL;
}

/* Before gimp_main, which starts GEGL and babl: a babl fish cache that
 * holds a 24-bit table fish (GIMP's own does after a session with 8-bit
 * images) makes babl probe and build that table at start, in every
 * process: 24 MP 8-bit in GIMP 2.10, peak 369 MB and 1 s more with GIMP's
 * cache, 164 MB without (tests/bench/gimp_bench.py --babl-cache). The
 * plug-in's few fishes are found again in milliseconds; a user's own
 * BABL_INHIBIT_CACHE is kept. */
void
colorize_process_init (void)
{
  g_setenv ("BABL_INHIBIT_CACHE", "1", FALSE);
}

gchar *
colorize_locale_dir (const gchar *progname)
{
  gchar *locale = colorize_beside_plugin (progname, "locale");

  return locale ? locale : g_strdup (COROLIZATION_LOCALEDIR);
}

gchar *
colorize_help_uri (const gchar *progname)
{
  gchar *help = colorize_beside_plugin (progname, "help");
  gchar *uri  = help ? g_filename_to_uri (help, NULL, NULL) : NULL;

  g_free (help);
  return uri;
}
