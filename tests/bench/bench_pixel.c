/* bench_pixel.c: the pixel path on huge scans, as the plug-in runs it: time
 * and peak memory for 12, 24, 48 and 100 MP, 8-bit and 32-bit float.
 *
 * Each case runs in its own child process (peak RSS is per process): the
 * source is made tile by tile in a GEGL buffer, GEGL's tile cache capped
 * as the plug-in caps it (128 MB) and its swap in a temporary folder (as
 * GIMP keeps a huge image); then the peak is reset (/proc clear_refs) and
 * the plug-in's work is timed: cz_pixel_prediction_new (read L, network)
 * and the new layer written tile by tile on GEGL's threads as the plug-in
 * writes it (cz_pixel_fill with cz_pixel_prediction_write; GEGL's "threads"
 * at 2, GIMP's default on this machine). The network runs at the model's
 * size whatever the photo, so its share is printed apart:
 *   CASE mp=.. WxH format=.. total_s=.. read_s=.. network_s=.. write_s=.. peak_rss_mb=..
 * peak_rss_mb is the high-water mark of the whole process during the work
 * (VmHWM), the model and GEGL included.
 *
 * Usage: bench_pixel MODEL [MP ...] (default 12 24 48 100) */
#include <gegl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "pixel.h"
#include "pixel_fill.h"
#include "rng.h"

#define CACHE_MB 128

typedef struct {
    double t0, t_running, t_written; /* seconds: start, first network report, last */
} timing;

/* The plug-in's writer: the prediction's pixels for each tile. */
typedef struct {
    cz_pixel_prediction *pred;
    const Babl *format;
} writer;

static cz_status write_tile(const GeglRectangle *roi, void *data, const float *mask, int lane, void *user,
                            cz_error *err)
{
    const writer *w = user;
    return cz_pixel_prediction_write(w->pred, lane, roi, w->format, data, NULL, mask, err);
}

static double now(void) { return (double)g_get_monotonic_time() / 1e6; }

static gboolean on_progress(double fraction, cz_pixel_step step, void *user)
{
    timing *t = user;
    (void)fraction;
    if (step == CZ_PIXEL_STEP_RUNNING && t->t_running == 0.0) t->t_running = now();
    return TRUE;
}

/* VmHWM of this process in MB, or -1. */
static double peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lf kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb < 0 ? -1 : kb / 1024.0;
}

static bool peak_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return false;
    bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* A gray photo with texture, written tile by tile. */
static void fill_source(GeglBuffer *src, const Babl *fmt)
{
    const Babl *rgb = babl_format("R'G'B' float");
    GeglBufferIterator *it = gegl_buffer_iterator_new(src, gegl_buffer_get_extent(src), 0, rgb,
                                                      GEGL_ACCESS_WRITE, GEGL_ABYSS_NONE, 1);
    const GeglRectangle *e = gegl_buffer_get_extent(src);
    uint64_t rng = 1;
    (void)fmt;
    while (gegl_buffer_iterator_next(it)) {
        float *p = it->items[0].data;
        const GeglRectangle *roi = &it->items[0].roi;
        for (int y = 0; y < roi->height; y++)
            for (int x = 0; x < roi->width; x++) {
                float v = 0.2f + 0.6f * (roi->x + x) / e->width + 0.1f * ((roi->y + y) / 200 % 2) +
                          0.05f * cz_rng_uniform(&rng);
                float *q = p + 3 * ((size_t)y * roi->width + x);
                q[0] = q[1] = q[2] = v;
            }
    }
}

static int run_case(const char *model_path, int w, int h, const char *encoding)
{
    cz_error err = {0};
    cz_model *m = cz_model_load(model_path, &err);
    if (!m) {
        fprintf(stderr, "bench_pixel: %s\n", err.msg);
        return 1;
    }
    const GeglRectangle r = {0, 0, w, h};
    const Babl *fmt = babl_format(encoding);
    GeglBuffer *src = gegl_buffer_new(&r, fmt), *dst = gegl_buffer_new(&r, fmt);
    fill_source(src, fmt);
    gegl_buffer_flush(src);
    if (!peak_reset()) fprintf(stderr, "bench_pixel: cannot reset the peak; it includes making the source\n");

    cz_pixel_params pp;
    cz_pixel_params_init(&pp);
    timing t = {now(), 0.0, 0.0};
    cz_pixel_prediction *pred = cz_pixel_prediction_new(m, src, NULL, &r, &pp, false, on_progress, &t, &err);
    if (!pred) {
        fprintf(stderr, "bench_pixel: %s\n", err.msg);
        return 1;
    }
    double t_net_end = now();
    writer wr = {pred, fmt};
    cz_status st = cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, CZ_PIXEL_LANES, write_tile, NULL, &wr, &err);
    t.t_written = now();
    if (st != CZ_STATUS_OK) {
        fprintf(stderr, "bench_pixel: %s\n", err.msg);
        return 1;
    }
    printf("CASE mp=%.0f %dx%d format=\"%s\" total_s=%.2f read_s=%.2f network_s=%.2f write_s=%.2f "
           "peak_rss_mb=%.0f\n",
           (double)w * h / 1e6, w, h, encoding, t.t_written - t.t0, t.t_running - t.t0, t_net_end - t.t_running,
           t.t_written - t_net_end, peak_rss_mb());
    fflush(stdout);
    cz_pixel_prediction_free(pred);
    g_object_unref(src);
    g_object_unref(dst);
    cz_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_pixel MODEL [MP ...]\n");
        return 2;
    }
    static const int sizes[][3] = {{12, 4000, 3000}, {24, 6000, 4000}, {48, 8000, 6000}, {100, 11548, 8660}};
    static const char *const encodings[] = {"R'G'B' u8", "RGB float"};
    char *swap = g_dir_make_tmp("bench-pixel-XXXXXX", NULL);
    if (!swap) return 1;
    char cache[32];
    snprintf(cache, sizeof cache, "%d", CACHE_MB);
    g_setenv("GEGL_SWAP", swap, TRUE);
    g_setenv("GEGL_CACHE_SIZE", cache, TRUE);
    int failures = 0;
    for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
        bool wanted = argc == 2;
        for (int a = 2; a < argc; a++) wanted |= atoi(argv[a]) == sizes[s][0];
        if (!wanted) continue;
        for (size_t e = 0; e < G_N_ELEMENTS(encodings); e++) {
            pid_t pid = fork();
            if (pid == 0) {
                gegl_init(NULL, NULL);
                g_object_set(gegl_config(), "tile-cache-size", (guint64)CACHE_MB << 20, "threads", 2, NULL);
                cz_lab_init();
                int rc = run_case(argv[1], sizes[s][1], sizes[s][2], encodings[e]);
                gegl_exit();
                _exit(rc);
            }
            int status = 0;
            if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failures++;
        }
    }
    /* GEGL removes its swap files at exit; the folder is ours. */
    g_rmdir(swap);
    g_free(swap);
    return failures ? 1 : 0;
}
