/* test_pixel_progress.c: the pixel path reports the network's progress
 * node by node (between 0.2 and 0.75, rising), and a false answer while
 * the network runs stops it there: CZ_STATUS_CANCELLED, no further calls,
 * the output buffer untouched. The shipped colorful model on a 96 x 64
 * gray ramp. */
#include <gegl.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pixel.h"
#include "pixel_setup.h"

enum { W = 96, H = 64, STOP_AT = 5 };

typedef struct {
    int running;       /* calls with CZ_PIXEL_STEP_RUNNING */
    int after_stop;    /* calls after a false answer */
    int stop_at;       /* answer false on this running call; 0: never */
    bool stopped;
    bool rising;       /* every fraction above the one before */
    double first, last; /* of the running calls */
} calls;

static gboolean on_progress(double fraction, cz_pixel_step step, void *user)
{
    calls *c = user;
    if (c->stopped) c->after_stop++;
    if (step != CZ_PIXEL_STEP_RUNNING) return TRUE;
    if (c->running == 0) c->first = fraction;
    else if (fraction <= c->last) c->rising = false;
    c->last = fraction;
    if (++c->running == c->stop_at) {
        c->stopped = true;
        return FALSE;
    }
    return TRUE;
}

/* Runs the model on src into a fresh dst filled with 0.5; returns the
 * status and whether dst still holds only 0.5. */
static cz_status run(cz_model *m, GeglBuffer *src, calls *c, bool *untouched)
{
    const GeglRectangle r = {0, 0, W, H};
    const Babl *fmt = babl_format("R'G'B' float");
    GeglBuffer *dst = gegl_buffer_new(&r, fmt);
    float *px = malloc(sizeof(float) * 3 * W * H);
    for (int i = 0; i < 3 * W * H; i++) px[i] = 0.5f;
    gegl_buffer_set(dst, &r, 0, fmt, px, GEGL_AUTO_ROWSTRIDE);
    cz_pixel_params pp;
    cz_pixel_params_init(&pp);
    cz_error err = {0};
    cz_status s = cz_pixel_colorize(m, src, dst, NULL, &r, &pp, on_progress, c, &err);
    gegl_buffer_get(dst, &r, 1.0, fmt, px, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    *untouched = true;
    for (int i = 0; i < 3 * W * H; i++)
        if (px[i] != 0.5f) *untouched = false;
    free(px);
    g_object_unref(dst);
    return s;
}

int main(void)
{
    check_state st = {0};
    cz_model *m = pixel_setup(&st, "colorful");
    if (!m) return check_finish(&st, "pixel_progress");

    const GeglRectangle r = {0, 0, W, H};
    const Babl *fmt = babl_format("R'G'B' float");
    float *rgb = malloc(sizeof(float) * 3 * W * H);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int k = 0; k < 3; k++) rgb[3 * (y * W + x) + k] = 0.1f + 0.8f * x / W;
    GeglBuffer *src = gegl_buffer_new(&r, fmt);
    gegl_buffer_set(src, &r, 0, fmt, rgb, GEGL_AUTO_ROWSTRIDE);

    calls all = {.rising = true};
    bool untouched;
    cz_status s = run(m, src, &all, &untouched);
    CHECK(&st, s == CZ_STATUS_OK, "a run that is never stopped: status %d", s);
    CHECK(&st, !untouched, "a finished run writes its output");
    CHECK(&st, all.running >= 20, "the network reports node by node: %d running calls", all.running);
    CHECK(&st, all.rising, "running fractions rise");
    CHECK(&st, all.first >= 0.2 && all.first < 0.25 && all.last == 0.75,
          "running fractions span 0.2 to 0.75: %g .. %g", all.first, all.last);

    calls stop = {.stop_at = STOP_AT, .rising = true};
    s = run(m, src, &stop, &untouched);
    CHECK(&st, s == CZ_STATUS_CANCELLED, "a false answer while the network runs cancels: status %d", s);
    CHECK(&st, stop.after_stop == 0, "no call after the false answer: %d", stop.after_stop);
    CHECK(&st, untouched, "a cancelled run leaves the output untouched");

    g_object_unref(src);
    free(rgb);
    cz_model_free(m);
    gegl_exit();
    return check_finish(&st, "pixel_progress");
}
