/* colorize.h: what the GIMP 3.0 and GIMP 2.10 front-ends share: the
 * procedure's names (its arguments are in colorize-args.h), finding models,
 * and the plan of a run: the checks, the default model, and the pixel work
 * from the source's GeglBuffer to the new layers to attach.
 *
 * Everything here compiles against either libgimp; it only uses API whose
 * signature is the same in both (gimp_directory, gimp_progress_*). */

#ifndef __COLORIZE_H__
#define __COLORIZE_H__

#include <glib/gi18n-lib.h>
#include <gegl.h>
#include <libgimp/gimp.h>

#include "model.h"
#include "pixel.h"

#include "colorize-args.h"

#define PLUG_IN_PROC       "plug-in-corolization"
#define PLUG_IN_BINARY     "corolization"
#define PLUG_IN_ROLE       "corolization"
#define PLUG_IN_AUTHOR     "The corolization authors"
#define PLUG_IN_COPYRIGHT  "GPL-3.0-or-later"
#define PLUG_IN_DATE       "2025"
#define PLUG_IN_IMAGE_TYPES "RGB*, GRAY*, INDEXED*"
#define PLUG_IN_MENU_PATH  "<Image>/Filters"
#define PLUG_IN_MENU_LABEL N_("Colori_ze…")
#define PLUG_IN_BLURB      N_("Colorize a black-and-white photo with a neural network")
#define PLUG_IN_HELP       N_("Predicts the colours of a black-and-white photo " \
                              "with a neural network and adds them as a new " \
                              "layer above the source, whose lightness equals " \
                              "the source's. The source layer is not changed; " \
                              "grayscale and indexed images are converted to " \
                              "RGB first, in the same undo step.")

/* GEGL's tile cache in the plug-in, at most: the source is read twice and
 * the layers written through it, so this bounds the plug-in's memory. */
#define COLORIZE_TILE_CACHE ((guint64) 128 << 20)

/* Used when no model is named, if installed; else the first model found. */
#define COLORIZE_DEFAULT_MODEL "colorful"

/* What a front-end's libgimp says of its drawable, for the run. */
typedef struct
{
  GeglBuffer *pixels;      /* the drawable's */
  GeglBuffer *selection;   /* the image's selection mask; NULL when
                            * nothing is selected */
  gboolean    touched;     /* the selection touches the drawable (or there
                            * is none) */
  gboolean    has_alpha;
  gint        offset_x;
  gint        offset_y;
  gint        precision;   /* the image's, a GimpPrecision value */
  const Babl *space;       /* the new layers' colour space */
  GeglBuffer *hints;       /* the colour hints in the drawable's own
                            * coordinates (colorize_hints_buffer), in the
                            * image's space; NULL for none */
  GeglBuffer *reference;   /* a reference photo's pixels to take colours
                            * from, its image's selection applied
                            * (colorize_reference_buffer), in its image's
                            * space; NULL for none */
  gboolean    reference_touched; /* its image's selection touches it (or
                                  * there is none) */
  gboolean    from_dialog; /* settings the model cannot use were greyed
                            * out, so they are ignored; a script gets an
                            * error for them */
} ColorizeSource;

/* What fills a layer a run adds. */
typedef enum
{
  COLORIZE_FILL_CLEAR,      /* transparent */
  COLORIZE_FILL_COLOR,      /* the colorized photo */
  COLORIZE_FILL_CONFIDENCE  /* the network's confidence, as gray */
} ColorizeFill;

/* A layer a run adds, not yet made: its pixels are written straight into
 * its own buffer when it is (colorize_plan_fill). */
typedef struct
{
  gchar        *name;      /* owned, translated */
  ColorizeFill  fill;
  gboolean      chroma;    /* LCh Color mode, else Normal */
  gboolean      visible;
} ColorizeLayer;

/* Where a run's time went, in microseconds of g_get_monotonic_time (). */
typedef struct
{
  gint64 start_us;    /* colorize_plan_make began */
  gint64 load_us;     /* finding and loading the model */
  gint64 read_us;     /* the source's L (and hints, reference) read */
  gint64 network_us;  /* the network, and the guided filter's slopes */
  gint64 write_us;    /* the layers written (colorize_plan_fill) */
} ColorizeTimes;

/* What a run adds: n_layers layers of width x height at (offset_x,
 * offset_y), each inserted in turn at the source's position (so the last
 * ends on top), after the image is made RGB, all in one undo group. */
typedef struct
{
  ColorizeLayer layers[2];   /* the colour, then its confidence */
  gint          n_layers;
  gint          width;
  gint          height;
  gint          offset_x;
  gint          offset_y;
  gboolean      alpha;
  gboolean      progress;    /* colorize_plan_clear ends the progress bar */
  gchar        *provenance;  /* owned; what made the layers (model, its
                              * file's SHA-256, the settings), for a
                              * COLORIZE_PARASITE on each; NULL: none */
  cz_pixel_prediction *prediction; /* owned; what the layers are written
                                    * from, at network resolution */
  GeglBuffer   *selection;   /* owned; the selection mask multiplying the
                              * layers' alpha, read at the offsets; NULL */
  const Babl   *format;      /* the colour layer's (colorize_layer_format) */
  gchar        *model_name;  /* owned, for progress */
  ColorizeTimes times;
} ColorizePlan;

/* The persistent parasite on each layer a run adds (kept in XCF): a line
 * of UTF-8 text saying how its colours were made, so an AI colouring can
 * be told apart from a hand-coloured one later. */
#define COLORIZE_PARASITE "corolization-provenance"

/* Folders searched for models, most specific first; free with g_strfreev. */
gchar        **colorize_model_dirs       (void);
/* Sorted, unique model names (file names without ".safetensors"). */
gchar        **colorize_model_list       (void);
/* The file of a model, or NULL with a message naming the folders searched. */
gchar         *colorize_model_find       (const gchar          *name,
                                          gchar               **resolved_name,
                                          GError              **error);
/* What the model of that name uses, for a dialog to grey out the rest;
 * FALSE, with a message, when it cannot be found or read. */
gboolean       colorize_model_uses       (const gchar          *name,
                                          cz_model_uses        *uses,
                                          GError              **error);
/* The index in names of the model a dialog selects first: current, else
 * the default model, else 0. */
gint           colorize_model_index      (gchar               **names,
                                          const gchar          *current);

/* The babl format of a new RGB layer at precision (a GimpPrecision value). */
const Babl    *colorize_layer_format     (gint                  precision,
                                          gboolean              alpha,
                                          const Babl           *space);

/* The item the procedure got, as its libgimp describes it: FALSE, with a
 * message, unless it is a layer that is neither a mask nor a group. */
gboolean       colorize_check_item       (gboolean              is_layer,
                                          gboolean              is_mask,
                                          gboolean              is_group,
                                          GError              **error);

/* The pixels of a hints layer (its buffer, transfer full) at (hints_x,
 * hints_y) in the image, seen in the coordinates of a drawable at
 * (source_x, source_y): a read-only view, shifted by the offset difference,
 * for ColorizeSource.hints. */
GeglBuffer    *colorize_hints_buffer     (GeglBuffer           *buffer,
                                          gint                  hints_x,
                                          gint                  hints_y,
                                          gint                  source_x,
                                          gint                  source_y);

/* The pixels of a reference layer (its buffer, transfer full) for
 * ColorizeSource.reference. With its image's selection (transfer full;
 * NULL: none) a copy of the part of the layer within bounds (the
 * selection's bounds in the layer's coordinates), its alpha multiplied by
 * the selection seen at the layer's offsets, so only the selected colours
 * count. */
GeglBuffer    *colorize_reference_buffer (GeglBuffer           *buffer,
                                          GeglBuffer           *selection,
                                          const GeglRectangle  *bounds,
                                          gint                  offset_x,
                                          gint                  offset_y);

/* Starts the progress bar, checks values and the selection, loads the
 * model and runs it on source, for the new layers of plan (the selection
 * will multiply their alpha); caps GEGL's tile cache at
 * COLORIZE_TILE_CACHE so a huge image streams in bounded memory. Unrefs source's buffers (transfer full), done
 * with them either way. The image is not touched, so a failure (plan is
 * left empty) changes nothing. */
gboolean       colorize_plan_make        (const ColorizeSource *source,
                                          const ColorizeValues *values,
                                          ColorizePlan         *plan,
                                          GError              **error);
/* What values and the layers ask of model that it cannot use: an error in
 * the user's language for a script; from a dialog (which greyed them out)
 * they are dropped: *hints and *reference (borrowed) set to NULL, the
 * temperature and confidence of values reset. */
gboolean       colorize_plan_check_uses  (const cz_model       *model,
                                          const gchar          *model_name,
                                          gboolean              from_dialog,
                                          ColorizeValues       *values,
                                          GeglBuffer          **hints,
                                          GeglBuffer          **reference,
                                          GError              **error);
/* The prior of a reference photo's pixels for model (one that takes it),
 * or FALSE with a message in the user's language. */
gboolean       colorize_plan_reference   (GeglBuffer           *buffer,
                                          const cz_model       *model,
                                          cz_reference        **reference,
                                          GError              **error);
/* The plan of the dialog's "New hints layer" button: one empty,
 * transparent "Colour hints" layer of width x height at (offset_x,
 * offset_y), attached as a run's layers are. */
void           colorize_plan_hints_layer (ColorizePlan         *plan,
                                          gint                  width,
                                          gint                  height,
                                          gint                  offset_x,
                                          gint                  offset_y);
/* Writes layer i of plan into dst, the buffer of the layer made for it,
 * tile by tile (cz_pixel_fill; clears dst for a transparent layer),
 * reporting progress, adds its time to plan->times, and unrefs dst
 * (transfer full). Memory stays bounded by GEGL's tile cache whatever the
 * image size: no full-size copy is ever made. FALSE, with a message in the
 * user's language, when a tile could not be written: dst is then partly
 * written, so the caller fills a layer not yet in the image and deletes
 * it. */
gboolean       colorize_plan_fill        (ColorizePlan         *plan,
                                          gint                  i,
                                          GeglBuffer           *dst,
                                          GError              **error);
/* The COLORIZE_PARASITE for each layer of plan (gimp_parasite_free it),
 * NULL when the plan has no provenance. */
GimpParasite  *colorize_plan_parasite    (const ColorizePlan   *plan);
/* Frees what plan holds and ends its progress bar, if it has one; logs
 * plan->times under G_MESSAGES_DEBUG=corolization for a run's plan. */
void           colorize_plan_clear       (ColorizePlan         *plan);

/* The plug-in process's setup, in main before gimp_main (babl's cache). */
void           colorize_process_init     (void);
/* The catalogue folder: "locale" beside the plug-in if present, else the
 * install's. */
gchar         *colorize_locale_dir       (const gchar          *progname);
/* The Help pages' folder (holding en/gimp-help.xml, which maps PLUG_IN_PROC
 * to the page), "help" beside the plug-in, installed and staged alike:
 * the help domain's URI, or NULL when the folder is absent. */
gchar         *colorize_help_uri         (const gchar          *progname);
#define COLORIZE_HELP_DOMAIN "corolization"

#define COLORIZE_ERROR (colorize_error_quark ())
GQuark         colorize_error_quark      (void);

#endif /* __COLORIZE_H__ */
