/* colorize-preview.h: the live preview of both dialogs. A GimpZoomPreview
 * (made by the front-end: its constructor differs between libgimps) shows
 * the colours the run would give on the part of the layer it shows: the
 * network runs on the preview's own pixels (the drawable's thumbnail of
 * that area, so a huge scan costs what a small one does) in a worker
 * thread, 200 ms after the last change, and a newer change cancels the
 * running one, so typing never waits for the network.
 *
 * Like colorize.h it compiles against either libgimp. */

#ifndef __COLORIZE_PREVIEW_H__
#define __COLORIZE_PREVIEW_H__

#include "colorize.h"

#include <libgimp/gimpui.h>

typedef struct _ColorizePreview ColorizePreview;

/* Called in the main thread when a run of the preview starts: the dialog's
 * current values and its source (as for colorize_plan_make; its buffers
 * transfer full, source->pixels is not read). FALSE: nothing to show. */
typedef gboolean (*ColorizePreviewSourceFunc) (gpointer        data,
                                               ColorizeValues *values,
                                               ColorizeSource *source);

/* Draws into preview (a GimpZoomPreview) whenever it is invalidated; rgb:
 * the drawable is RGB(A), whose buffer gimp_preview_draw_buffer takes (it
 * shows the colours inside the selection only), else the colours are drawn
 * on the preview's area directly. Free with colorize_preview_free before
 * the preview is destroyed. */
ColorizePreview *colorize_preview_new        (GimpPreview               *preview,
                                              gboolean                   rgb,
                                              ColorizePreviewSourceFunc  source_func,
                                              gpointer                   data);
/* A setting changed: the preview runs again 200 ms after the last one. */
void             colorize_preview_invalidate (ColorizePreview           *preview);
/* Cancels a run and waits for its worker (within one layer of the
 * network). */
void             colorize_preview_free       (ColorizePreview           *preview);

#endif /* __COLORIZE_PREVIEW_H__ */
