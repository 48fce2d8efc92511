/* colorize-preview.c: the dialogs' live preview (colorize-preview.h).
 *
 * Only the main thread talks to GIMP: when a run starts it copies what the
 * network needs into memory buffers (the preview area's thumbnail, the
 * hints over that area and the reference photo, both reduced), and a worker
 * thread (GTask) runs the pixel path on them with the same checks as a run
 * (colorize_plan_check_uses, colorize_plan_reference). The engine's
 * progress callback answers FALSE once a newer change cancelled the run,
 * which stops it within one layer. One run at a time: a change during a run
 * cancels it and starts the next when it has stopped, so the model loaded
 * by one run is handed to the next without being shared between threads. */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "colorize-preview.h"

/* The long side a reference photo is read at: the engine reads it at
 * CZ_PIXEL_REFERENCE_SIDE anyway. */
#define PREVIEW_REFERENCE_SIDE CZ_PIXEL_REFERENCE_SIDE
/* G_MESSAGES_DEBUG=corolization-preview prints each preview's latency. */
#define PREVIEW_LOG_DOMAIN "corolization-preview"

struct _ColorizePreview
{
  GimpPreview               *preview;
  gboolean                   rgb;
  ColorizePreviewSourceFunc  source_func;
  gpointer                   data;
  gulong                     invalidated_id;
  GTask                     *task;        /* the run in progress, or NULL */
  gboolean                   pending;     /* a change came during it */
  gint64                     changed;     /* the first change not yet drawn
                                           * (monotonic µs), 0: none */
  cz_model                  *model;       /* the last run's, owned while no
                                           * run holds it */
  gchar                     *model_path;
};

/* One run: everything the worker reads is its own. */
typedef struct
{
  ColorizePreview *preview;    /* NULL once colorize_preview_free ran */
  ColorizeValues   values;
  gchar           *path;       /* the model's file */
  gchar           *model_name;
  cz_model        *model;      /* owned; NULL: the worker loads path */
  GeglBuffer      *src;        /* the thumbnail, width x height at 0,0 */
  GeglBuffer      *hints;      /* over the same area, or NULL */
  GeglBuffer      *reference;  /* reduced, or NULL */
  GeglBuffer      *out;
  gdouble          seconds;    /* the worker's time */
  GMutex           lock;
  GCond            cond;
  gboolean         done;       /* the worker no longer runs */
} PreviewJob;

static void
preview_job_free (PreviewJob *job)
{
  g_free (job->path);
  g_free (job->model_name);
  g_clear_pointer (&job->model, cz_model_free);
  g_clear_object (&job->src);
  g_clear_object (&job->hints);
  g_clear_object (&job->reference);
  g_clear_object (&job->out);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
  g_free (job);
}

/* The engine asks at every tile and layer whether to go on. */
static gboolean
preview_job_progress (gdouble        fraction,
                      cz_pixel_step  step,
                      void          *user)
{
  return ! g_cancellable_is_cancelled (G_CANCELLABLE (user));
}

static gboolean
preview_job_colorize (PreviewJob    *job,
                      GCancellable  *cancellable,
                      GError       **error)
{
  const GeglRectangle *rect      = gegl_buffer_get_extent (job->src);
  GeglBuffer          *hints     = job->hints;
  GeglBuffer          *reference = job->reference;
  cz_reference        *prior     = NULL;
  cz_error             cz_err    = { 0 };
  cz_pixel_params      params;
  ColorizeValues       used      = job->values;
  cz_status            status;

  if (! job->model)
    {
      job->model = cz_model_load (job->path, &cz_err);
      if (! job->model)
        {
          g_set_error (error, COLORIZE_ERROR, 0,
                       _("The colorization model “%s” could not be read: %s"),
                       job->model_name, cz_err.msg);
          return FALSE;
        }
    }

  /* As a run from the dialog: what the model cannot use is dropped. */
  if (! colorize_plan_check_uses (job->model, job->model_name, TRUE, &used,
                                  &hints, &reference, error) ||
      (reference &&
       ! colorize_plan_reference (reference, job->model, &prior, error)))
    return FALSE;

  params = used.params;
  params.reference = prior;
  /* The network at the model's own size: the preview has fewer pixels
   * than that, so a larger size would only cost time. */
  params.size = 0;

  status = cz_pixel_colorize_hinted (job->model, job->src, hints, job->out,
                                     NULL, rect, &params,
                                     preview_job_progress, cancellable,
                                     &cz_err);
  cz_reference_free (prior);

  if (status == CZ_STATUS_CANCELLED)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  else if (status != CZ_STATUS_OK)
    g_set_error (error, COLORIZE_ERROR, 0,
                 _("Colorizing with the model “%s” failed: %s"),
                 job->model_name, cz_err.msg);

  return status == CZ_STATUS_OK;
}

static void
preview_job_run (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PreviewJob *job   = task_data;
  GError     *error = NULL;
  gint64      start = g_get_monotonic_time ();
  gboolean    ok;

  ok = preview_job_colorize (job, cancellable, &error);
  job->seconds = (g_get_monotonic_time () - start) / 1e6;

  /* colorize_preview_free may be waiting for this. */
  g_mutex_lock (&job->lock);
  job->done = TRUE;
  g_cond_signal (&job->cond);
  g_mutex_unlock (&job->lock);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The area of buffer (in its own coordinates) read at width x height into
 * a new memory buffer at 0,0 in the buffer's format: the worker must not
 * read a GIMP buffer, whose tiles come over the plug-in's pipe. */
static GeglBuffer *
preview_buffer_reduce (GeglBuffer          *buffer,
                       const GeglRectangle *area,
                       gint                 width,
                       gint                 height)
{
  const Babl    *format = gegl_buffer_get_format (buffer);
  GeglRectangle  rect   = { 0, 0, width, height };
  gdouble        scale  = MIN (1.0, (gdouble) width / area->width);
  GeglRectangle  scaled = { (gint) (area->x * scale), (gint) (area->y * scale),
                            width, height };
  GeglBuffer    *reduced;
  guchar        *pixels;

  pixels = g_malloc ((gsize) width * height * babl_format_get_bytes_per_pixel (format));
  gegl_buffer_get (buffer, &scaled, scale, format, pixels,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  reduced = gegl_buffer_new (&rect, format);
  gegl_buffer_set (reduced, &rect, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
  g_free (pixels);

  return reduced;
}

/* The 8-bit format of a thumbnail of bpp bytes a pixel (GIMP gives an
 * indexed drawable's as RGB), or of the colours drawn for it. */
static const Babl *
preview_format (gint         bpp,
                gboolean     colour,
                const Babl  *space)
{
  gboolean alpha = bpp == 2 || bpp == 4;

  if (colour || bpp >= 3)
    return babl_format_with_space (alpha ? "R'G'B'A u8" : "R'G'B' u8", space);

  return babl_format_with_space (alpha ? "Y'A u8" : "Y' u8", space);
}

static void preview_job_done (GObject      *object,
                              GAsyncResult *result,
                              gpointer      data);

/* Copies what the network needs and starts the worker; FALSE when there is
 * nothing to show (no model, a value out of range, nothing selected). */
static gboolean
preview_job_start (ColorizePreview *preview)
{
  ColorizeSource  source = { 0 };
  PreviewJob     *job;
  GCancellable   *cancellable;
  GeglRectangle   rect;
  GeglRectangle   area;
  const Babl     *format;
  guchar         *thumb;
  gint            width, height, bpp;
  gint            x2, y2;
  gboolean        ok;

  job = g_new0 (PreviewJob, 1);
  g_mutex_init (&job->lock);
  g_cond_init (&job->cond);
  job->preview = preview;
  colorize_values_init (&job->values);

  ok = preview->source_func (preview->data, &job->values, &source) &&
       source.touched &&
       (! source.reference || source.reference_touched) &&
       colorize_values_check (&job->values, NULL);
  if (ok)
    job->path = colorize_model_find (job->values.model, &job->model_name, NULL);

  thumb = ok && job->path ?
          gimp_zoom_preview_get_source (GIMP_ZOOM_PREVIEW (preview->preview),
                                        &width, &height, &bpp) : NULL;
  if (thumb && width > 0 && height > 0)
    {
      rect = (GeglRectangle) { 0, 0, width, height };
      format = preview_format (bpp, FALSE, source.space);
      job->src = gegl_buffer_new (&rect, format);
      gegl_buffer_set (job->src, &rect, 0, format, thumb, GEGL_AUTO_ROWSTRIDE);
      job->out = gegl_buffer_new (&rect, preview_format (bpp, TRUE, source.space));

      /* The area shown, in the drawable's coordinates. */
      gimp_preview_untransform (preview->preview, 0, 0, &area.x, &area.y);
      gimp_preview_untransform (preview->preview, width, height, &x2, &y2);
      area.width  = MAX (1, x2 - area.x);
      area.height = MAX (1, y2 - area.y);
      if (source.hints)
        job->hints = preview_buffer_reduce (source.hints, &area, width, height);

      if (source.reference)
        {
          const GeglRectangle *extent = gegl_buffer_get_extent (source.reference);
          gdouble              scale  = MIN (1.0, (gdouble) PREVIEW_REFERENCE_SIDE /
                                                  MAX (extent->width, extent->height));

          job->reference = preview_buffer_reduce (source.reference, extent,
                                                  MAX (1, extent->width * scale),
                                                  MAX (1, extent->height * scale));
        }
    }
  g_free (thumb);

  g_clear_object (&source.pixels);
  g_clear_object (&source.selection);
  g_clear_object (&source.hints);
  g_clear_object (&source.reference);

  if (! job->src)
    {
      preview_job_free (job);
      return FALSE;
    }

  /* The last run's model, when it is the same file. */
  if (preview->model && ! g_strcmp0 (preview->model_path, job->path))
    job->model = g_steal_pointer (&preview->model);
  g_clear_pointer (&preview->model, cz_model_free);
  g_clear_pointer (&preview->model_path, g_free);

  cancellable = g_cancellable_new ();
  preview->task = g_task_new (NULL, cancellable, preview_job_done, NULL);
  g_object_unref (cancellable);
  g_task_set_task_data (preview->task, job, (GDestroyNotify) preview_job_free);
  g_task_run_in_thread (preview->task, preview_job_run);

  return TRUE;
}

static void
preview_draw (ColorizePreview *preview,
              PreviewJob      *job)
{
  const GeglRectangle *rect   = gegl_buffer_get_extent (job->out);
  const Babl          *format = gegl_buffer_get_format (job->out);
  gint                 bpp    = babl_format_get_bytes_per_pixel (format);
  gint                 stride = rect->width * bpp;
  guchar              *pixels = g_malloc ((gsize) stride * rect->height);

  gegl_buffer_get (job->out, rect, 1.0, format, pixels, stride, GEGL_ABYSS_NONE);

  if (preview->rgb)
    gimp_preview_draw_buffer (preview->preview, pixels, stride);
  else
    gimp_preview_area_draw (GIMP_PREVIEW_AREA (gimp_preview_get_area (preview->preview)),
                            0, 0, rect->width, rect->height,
                            bpp == 4 ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE,
                            pixels, stride);
  g_free (pixels);

  if (preview->changed)
    g_log (PREVIEW_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
           "drawn %.3f s after the change (network %.3f s, %dx%d)",
           (g_get_monotonic_time () - preview->changed) / 1e6,
           job->seconds, rect->width, rect->height);
  preview->changed = 0;
  /* GLib writes debug messages to stdout: a file when GIMP's output is
   * logged, and GIMP may end the plug-in before it is flushed. */
  fflush (stdout);
}

static void
preview_job_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  PreviewJob      *job     = g_task_get_task_data (G_TASK (result));
  ColorizePreview *preview = job->preview;
  GError          *error   = NULL;
  gboolean         ok;

  if (! preview)  /* freed while it ran */
    return;

  ok = g_task_propagate_boolean (G_TASK (result), &error);

  /* Kept for the next run. */
  preview->model      = g_steal_pointer (&job->model);
  preview->model_path = g_steal_pointer (&job->path);

  /* A run cancelled just as it ended is as out of date as one stopped. */
  if (ok && ! preview->pending &&
      ! g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    preview_draw (preview, job);
  else if (error && ! g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* the preview keeps the photo; OK gives the message */
    g_log (PREVIEW_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "%s", error->message);
  g_clear_error (&error);

  g_clear_object (&preview->task);
  if (preview->pending)
    {
      preview->pending = FALSE;
      preview_job_start (preview);
    }
}

/* GimpPreview emits it 200 ms after the last gimp_preview_invalidate (so
 * typing a number runs the network once), on scrolling and zooming, and
 * not at all while its "Preview" box is unticked. */
static void
preview_invalidated (GimpPreview     *gimp_preview,
                     ColorizePreview *preview)
{
  if (! preview->changed)
    preview->changed = g_get_monotonic_time ();

  if (preview->task)
    {
      /* cancelled: the next starts when it has stopped */
      g_cancellable_cancel (g_task_get_cancellable (preview->task));
      preview->pending = TRUE;
    }
  else
    {
      preview_job_start (preview);
    }
}

ColorizePreview *
colorize_preview_new (GimpPreview               *gimp_preview,
                      gboolean                   rgb,
                      ColorizePreviewSourceFunc  source_func,
                      gpointer                   data)
{
  ColorizePreview *preview = g_new0 (ColorizePreview, 1);

  preview->preview     = gimp_preview;
  preview->rgb         = rgb;
  preview->source_func = source_func;
  preview->data        = data;
  preview->invalidated_id = g_signal_connect (gimp_preview, "invalidated",
                                              G_CALLBACK (preview_invalidated),
                                              preview);

  return preview;
}

void
colorize_preview_invalidate (ColorizePreview *preview)
{
  if (! preview->changed)
    preview->changed = g_get_monotonic_time ();

  /* What runs is out of date: stop it now, not after the delay. */
  if (preview->task)
    g_cancellable_cancel (g_task_get_cancellable (preview->task));

  gimp_preview_invalidate (preview->preview);
}

void
colorize_preview_free (ColorizePreview *preview)
{
  g_signal_handler_disconnect (preview->preview, preview->invalidated_id);

  if (preview->task)
    {
      PreviewJob *job = g_task_get_task_data (preview->task);

      g_cancellable_cancel (g_task_get_cancellable (preview->task));
      g_mutex_lock (&job->lock);
      while (! job->done)
        g_cond_wait (&job->cond, &job->lock);
      g_mutex_unlock (&job->lock);
      job->preview = NULL;
      g_object_unref (preview->task);
    }

  g_clear_pointer (&preview->model, cz_model_free);
  g_free (preview->model_path);
  g_free (preview);
}
