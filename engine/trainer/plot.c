/* plot.c: cairo line plots and sample grids (see plot.h). */
#include "plot.h"

#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "file.h"

/* Cairo's PNG encoder writes into a cz_file_writer: every write is checked
 * and the old file stays until the new one is whole. */
typedef struct {
    cz_file_writer *w;
    cz_error err;
} png_sink;

static cairo_status_t write_png(void *closure, const unsigned char *data, unsigned int len)
{
    png_sink *k = closure;
    return cz_file_writer_write(k->w, data, len, &k->err) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static bool save(cairo_surface_t *s, const char *path, char *why, size_t n)
{
    png_sink k = {0};
    k.w = cz_file_writer_new(path, &k.err);
    if (k.w) {
        cairo_status_t st = cairo_surface_write_to_png_stream(s, write_png, &k);
        if (st != CAIRO_STATUS_SUCCESS && !k.err.status) /* cairo's own failure */
            cz_error_set(&k.err, CZ_STATUS_IO_ERROR, "%s: %s", path, cairo_status_to_string(st));
        if (k.err.status) cz_file_writer_abort(k.w);
        else cz_file_writer_commit(k.w, &k.err);
    }
    if (k.err.status) snprintf(why, n, "%s", k.err.msg);
    return !k.err.status;
}

/* A round tick spacing close to raw: 1, 2 or 5 times a power of ten. */
static double nice_step(double raw)
{
    if (!(raw > 0)) return 1;
    double p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

static void text(cairo_t *cr, double x, double y, double size, double align, const char *s)
{
    cairo_text_extents_t e;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - align * e.width, y);
    cairo_show_text(cr, s);
}

bool ct_plot_lines(const char *path, const char *title, const char *xlabel,
                   const char *ylabel, bool log_x, const ct_series *series,
                   int nseries, double mark_x, char *why, size_t n)
{
    const int W = 800, H = 500, L = 80, R = 20, T = 40, B = 60;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int s = 0; s < nseries; s++)
        for (size_t i = 0; i < series[s].n; i++) {
            double x = series[s].x[i], y = series[s].y[i];
            if (!isfinite(x) || !isfinite(y) || (log_x && x <= 0)) continue;
            if (log_x) x = log10(x);
            x0 = fmin(x0, x); x1 = fmax(x1, x);
            y0 = fmin(y0, y); y1 = fmax(y1, y);
        }
    if (!isfinite(x0)) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
    if (x1 <= x0) x1 = x0 + 1;
    if (y1 <= y0) { y1 = y0 + 1; }
    double pad = 0.05 * (y1 - y0);
    y0 -= pad; y1 += pad;
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    double pw = W - L - R, ph = H - T - B;
#define PX(x) (L + ((x) - x0) / (x1 - x0) * pw)
#define PY(y) (T + ph - ((y) - y0) / (y1 - y0) * ph)
    /* Grid and tick labels. */
    cairo_set_line_width(cr, 1);
    char buf[64];
    /* Ticks at round numbers (1, 2 or 5 times a power of ten). */
    double ys = nice_step((y1 - y0) / 5);
    for (double y = ceil(y0 / ys) * ys; y <= y1; y += ys) {
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, L, PY(y)); cairo_line_to(cr, L + pw, PY(y)); cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(buf, sizeof buf, "%.4g", fabs(y) < 1e-9 * ys ? 0.0 : y);
        text(cr, L - 6, PY(y) + 4, 11, 1, buf);
    }
    if (log_x) {
        for (int e = (int)floor(x0); e <= (int)ceil(x1); e++) {
            if (e < x0 || e > x1) continue;
            cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
            cairo_move_to(cr, PX(e), T); cairo_line_to(cr, PX(e), T + ph); cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
            snprintf(buf, sizeof buf, "1e%d", e);
            text(cr, PX(e), T + ph + 16, 11, 0.5, buf);
        }
    } else {
        double xs = nice_step((x1 - x0) / 5);
        for (double x = ceil(x0 / xs) * xs; x <= x1; x += xs) {
            cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
            cairo_move_to(cr, PX(x), T); cairo_line_to(cr, PX(x), T + ph); cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
            snprintf(buf, sizeof buf, "%.4g", x);
            text(cr, PX(x), T + ph + 16, 11, 0.5, buf);
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, L, T, pw, ph);
    cairo_stroke(cr);
    text(cr, W / 2.0, 24, 15, 0.5, title);
    text(cr, L + pw / 2, H - 16, 12, 0.5, xlabel);
    cairo_save(cr);
    cairo_translate(cr, 18, T + ph / 2);
    cairo_rotate(cr, -M_PI / 2);
    text(cr, 0, 0, 12, 0.5, ylabel);
    cairo_restore(cr);
    cairo_rectangle(cr, L, T, pw, ph);
    cairo_clip(cr);
    for (int s = 0; s < nseries; s++) {
        cairo_set_source_rgb(cr, series[s].r, series[s].g, series[s].b);
        cairo_set_line_width(cr, 1.5);
        bool pen = false;
        for (size_t i = 0; i < series[s].n; i++) {
            double x = series[s].x[i], y = series[s].y[i];
            if (!isfinite(x) || !isfinite(y) || (log_x && x <= 0)) { pen = false; continue; }
            if (log_x) x = log10(x);
            if (pen) cairo_line_to(cr, PX(x), PY(y));
            else cairo_move_to(cr, PX(x), PY(y));
            pen = true;
        }
        if (series[s].n == 1 && pen) cairo_arc(cr, PX(log_x ? log10(series[s].x[0]) : series[s].x[0]),
                                               PY(series[s].y[0]), 2, 0, 2 * M_PI);
        cairo_stroke(cr);
    }
    if (isfinite(mark_x) && (!log_x || mark_x > 0)) {
        double mx = log_x ? log10(mark_x) : mark_x;
        cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
        double dash = 4;
        cairo_set_dash(cr, &dash, 1, 0);
        cairo_move_to(cr, PX(mx), T); cairo_line_to(cr, PX(mx), T + ph); cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        snprintf(buf, sizeof buf, "%.3g", mark_x);
        text(cr, PX(mx) + 4, T + 14, 11, 0, buf);
    }
    cairo_reset_clip(cr);
    for (int s = 0; s < nseries; s++) { /* legend */
        cairo_set_source_rgb(cr, series[s].r, series[s].g, series[s].b);
        cairo_rectangle(cr, L + pw - 150, T + 10 + 16 * s, 12, 4);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, L + pw - 132, T + 16 + 16 * s, 11, 0, series[s].label ? series[s].label : "");
    }
#undef PX
#undef PY
    cairo_destroy(cr);
    bool ok = save(surf, path, why, n);
    cairo_surface_destroy(surf);
    return ok;
}

bool ct_plot_grid(const char *path, const unsigned char *const *images, int rows,
                  int k, int px, const char *const *row_labels, const char *caption,
                  char *why, size_t n)
{
    const int label_w = 90, gap = 4, top = caption ? 24 : 0;
    int W = label_w + k * (px + gap) + gap, H = top + rows * (px + gap) + gap;
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_surface_flush(surf);
    unsigned char *dst = cairo_image_surface_get_data(surf);
    int stride = cairo_image_surface_get_stride(surf);
    memset(dst, 255, (size_t)stride * H);
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < k; i++) {
            const unsigned char *img = images[r * k + i];
            if (!img) continue;
            int ox = label_w + gap + i * (px + gap), oy = top + gap + r * (px + gap);
            for (int y = 0; y < px; y++)
                for (int x = 0; x < px; x++) {
                    const unsigned char *s = img + ((size_t)y * px + x) * 3;
                    uint32_t v = 0xFF000000u | (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
                    memcpy(dst + (size_t)(oy + y) * stride + (size_t)(ox + x) * 4, &v, 4);
                }
        }
    cairo_surface_mark_dirty(surf);
    cairo_t *cr = cairo_create(surf);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int r = 0; r < rows; r++)
        text(cr, 6, top + gap + r * (px + gap) + px / 2.0 + 5, 13, 0, row_labels[r]);
    if (caption) text(cr, 6, 17, 13, 0, caption);
    cairo_destroy(cr);
    bool ok = save(surf, path, why, n);
    cairo_surface_destroy(surf);
    return ok;
}
