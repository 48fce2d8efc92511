/* plot.h: pictures people look at, drawn with cairo and written by cairo's
 * own PNG writer (to a temporary file, then renamed).
 * Line plots: loss curves and the learning-rate range test.
 * Sample grids: rows "input", "prediction", "truth" of k photos each, as in
 * the colorization papers' figures. Images are interleaved 8-bit sRGB. */
#ifndef CT_PLOT_H
#define CT_PLOT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const double *x, *y;
    size_t n;
    const char *label;
    double r, g, b;
} ct_series;

/* mark_x: a vertical marker (e.g. the suggested rate), NAN for none.
 * Non-finite points are skipped. */
bool ct_plot_lines(const char *path, const char *title, const char *xlabel,
                   const char *ylabel, bool log_x, const ct_series *series,
                   int nseries, double mark_x, char *why, size_t n);

/* rows x k images of side px (rgb[row][i] -> [px, px, 3]); row_labels[rows]. */
bool ct_plot_grid(const char *path, const unsigned char *const *images, int rows,
                  int k, int px, const char *const *row_labels, const char *caption,
                  char *why, size_t n);

#endif
