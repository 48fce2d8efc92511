/* test_pixel_fill.c: cz_pixel_fill, the plug-in's tile-by-tile write of a
 * layer with the selection read beside each tile.
 * - Every pixel is written once, with the mask read at the layer's offsets
 *   (0 outside the mask), from an 8-bit mask as GIMP's selection is.
 * - The failure path: a writer failing at its third tile stops the fill
 *   there (no further calls) and the caller gets its status and message;
 *   one failing without a message still fails, with one; a cancel is a
 *   cancel. And the real failure the plug-in can meet: a prediction that
 *   does not cover the layer, whose error reaches the caller through the
 *   fill (the shipped colorful model).
 * - Lanes: with GEGL's pool at 2 threads the fill runs on 2 lanes, each
 *   tile once, and the prediction's pixels (with a mask) are the bytes of
 *   one lane; a tile failing on lane 1 stops both with its message. */
#include <gegl.h>
#include <string.h>

#include "check.h"
#include "pixel.h"
#include "pixel_fill.h"
#include "pixel_setup.h"

enum { W = 301, H = 203, DX = 37, DY = -11, MW = 250, MH = 180 };

/* The mask's value at (x, y) of its own buffer, as stored in "Y u8". */
static guint8 mask_at(int x, int y) { return (guint8)((x * 7 + y * 3) % 256); }

/* An 8-bit mask of MW x MH, as GIMP's selection is. */
static GeglBuffer *new_mask(void)
{
    const GeglRectangle mr = {0, 0, MW, MH};
    GeglBuffer *mask = gegl_buffer_new(&mr, babl_format("Y u8"));
    guint8 *m = g_new(guint8, MW * MH);
    for (int y = 0; y < MH; y++)
        for (int x = 0; x < MW; x++) m[y * MW + x] = mask_at(x, y);
    gegl_buffer_set(mask, &mr, 0, babl_format("Y u8"), m, GEGL_AUTO_ROWSTRIDE);
    g_free(m);
    return mask;
}

/* Pixels of dst [W * H] not as the writers put them (x, y, 1, the mask
 * at the offsets), or written other than once when hits is given. */
static long wrong_pixels(GeglBuffer *dst, const gint *hits, long *selected, long *outside)
{
    const GeglRectangle r = {0, 0, W, H};
    float *px = g_new(float, 4 * W * H);
    gegl_buffer_get(dst, &r, 1.0, babl_format("RGBA float"), px, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    long bad = 0;
    *selected = *outside = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const float *p = px + 4 * ((size_t)y * W + x);
            const int mx = x + DX, my = y + DY;
            const bool in = mx >= 0 && mx < MW && my >= 0 && my < MH;
            const float want = in ? mask_at(mx, my) / 255.0f : 0.0f;
            bad += p[0] != x || p[1] != y || p[2] != 1.0f || fabsf(p[3] - want) > 1e-6f ||
                   (hits && hits[(size_t)y * W + x] != 1);
            *selected += want > 0.0f;
            *outside += !in;
        }
    g_free(px);
    return bad;
}

typedef struct {
    int calls;
    int fail_at;       /* fail on this call; 0: never */
    cz_status fail_as;
    bool message;      /* set err when failing */
    long pixels;
} writer;

/* A tile as RGBA float: R = x, G = y of the pixel, B = 1, A = the mask
 * (or 1); each pixel's count in hits [W * H] (NULL: none) raised. */
static void put_coords(const GeglRectangle *roi, float *px, const float *mask, gint *hits)
{
    for (int y = 0; y < roi->height; y++)
        for (int x = 0; x < roi->width; x++) {
            size_t k = (size_t)y * roi->width + x;
            px[4 * k] = (float)(roi->x + x);
            px[4 * k + 1] = (float)(roi->y + y);
            px[4 * k + 2] = 1.0f;
            px[4 * k + 3] = mask ? mask[k] : 1.0f;
            if (hits) g_atomic_int_inc(&hits[(size_t)(roi->y + y) * W + roi->x + x]);
        }
}

static cz_status write_coords(const GeglRectangle *roi, void *data, const float *mask, int lane, void *user,
                              cz_error *err)
{
    writer *w = user;
    (void)lane;
    if (++w->calls == w->fail_at)
        return w->message ? cz_error_set(err, w->fail_as, "tile %d refused", w->calls) : w->fail_as;
    put_coords(roi, data, mask, NULL);
    w->pixels += (long)roi->width * roi->height;
    return CZ_STATUS_OK;
}

static void check_writes(check_state *st)
{
    const GeglRectangle r = {0, 0, W, H};
    const Babl *fmt = babl_format("RGBA float");
    GeglBuffer *dst = gegl_buffer_new(&r, fmt), *mask = new_mask();

    writer w = {0};
    cz_error err = {0};
    cz_status s = cz_pixel_fill(dst, &r, fmt, mask, DX, DY, 1, write_coords, NULL, &w, &err);
    CHECK(st, s == CZ_STATUS_OK, "fill: %s", err.msg);
    CHECK(st, w.pixels == (long)W * H && w.calls > 1, "%ld pixels in %d tiles, %d wanted", w.pixels, w.calls, W * H);
    long selected, outside, bad = wrong_pixels(dst, NULL, &selected, &outside);
    CHECK(st, bad == 0 && selected > W * H / 2 && outside > 0, "%ld pixels wrong (%ld selected, %ld outside the mask)",
          bad, selected, outside);

    /* Without a mask the writer sees none. */
    writer w2 = {0};
    s = cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, 1, write_coords, NULL, &w2, &err);
    float *px = g_new(float, 4 * W * H);
    gegl_buffer_get(dst, &r, 1.0, fmt, px, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    bad = 0;
    for (int i = 0; i < W * H; i++) bad += px[4 * i + 3] != 1.0f;
    CHECK(st, s == CZ_STATUS_OK && bad == 0, "no mask: %ld alphas not 1", bad);
    g_free(px);
    g_object_unref(dst);
    g_object_unref(mask);
}

/* The fill's reports: how many, whether they rose, the last; answers
 * false at report stop_at (0: never). */
typedef struct {
    int n, stop_at;
    bool rising;
    double last;
} reports;

static bool on_done(double fraction, void *user)
{
    reports *r = user;
    r->rising = r->n == 0 ? true : r->rising && fraction > r->last;
    r->last = fraction;
    return ++r->n != r->stop_at;
}

/* put_coords for any lane, keeping no counts (the report tests' writer). */
static cz_status write_coords_once(const GeglRectangle *roi, void *data, const float *mask, int lane, void *user,
                                   cz_error *err)
{
    (void)lane, (void)user, (void)err;
    put_coords(roi, data, mask, NULL);
    return CZ_STATUS_OK;
}

static void check_failures(check_state *st)
{
    const GeglRectangle r = {0, 0, W, H};
    const Babl *fmt = babl_format("RGBA float");
    GeglBuffer *dst = gegl_buffer_new(&r, fmt);

    writer w = {.fail_at = 3, .fail_as = CZ_STATUS_IO_ERROR, .message = true};
    cz_error err = {0};
    cz_status s = cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, 1, write_coords, NULL, &w, &err);
    CHECK(st, s == CZ_STATUS_IO_ERROR && err.status == CZ_STATUS_IO_ERROR && strcmp(err.msg, "tile 3 refused") == 0,
          "a failing writer: %s, \"%s\"", cz_status_name(s), err.msg);
    CHECK(st, w.calls == 3, "the fill went on after the failure: %d calls", w.calls);

    writer quiet = {.fail_at = 2, .fail_as = CZ_STATUS_OUT_OF_MEMORY};
    cz_error err2 = {0};
    s = cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, 1, write_coords, NULL, &quiet, &err2);
    CHECK(st, s == CZ_STATUS_OUT_OF_MEMORY && err2.status == s && strstr(err2.msg, "failed") && quiet.calls == 2,
          "a writer failing without a message: %s, \"%s\", %d calls", cz_status_name(s), err2.msg, quiet.calls);

    writer cancel = {.fail_at = 1, .fail_as = CZ_STATUS_CANCELLED, .message = true};
    s = cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, 1, write_coords, NULL, &cancel, NULL);
    CHECK(st, s == CZ_STATUS_CANCELLED && cancel.calls == 1, "a cancel: %s after %d calls", cz_status_name(s),
          cancel.calls);

    /* Reports between bands (one a tile row here), rising to 1; a false
     * answer cancels there. */
    reports rep = {.stop_at = 0};
    s = cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, 1, write_coords_once, on_done, &rep, &err);
    CHECK(st, s == CZ_STATUS_OK && rep.n > 1 && rep.rising && rep.last == 1.0, "reports: %d, rising %d, last %g",
          rep.n, rep.rising, rep.last);
    reports stop = {.stop_at = 1};
    s = cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, 1, write_coords_once, on_done, &stop, &err);
    CHECK(st, s == CZ_STATUS_CANCELLED && stop.n == 1 && stop.last < 1.0, "a report answering false: %s after %d",
          cz_status_name(s), stop.n);

    CHECK(st, cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, 1, NULL, NULL, NULL, &err) == CZ_STATUS_INVALID_ARGUMENT,
          "no writer is refused");
    g_object_unref(dst);
}

/* The plug-in's writer: the prediction's pixels for each tile. */
static cz_status write_prediction(const GeglRectangle *roi, void *data, const float *mask, int lane, void *user,
                                  cz_error *err)
{
    return cz_pixel_prediction_write(user, lane, roi, babl_format("R'G'B'A u8"), data, NULL, mask, err);
}

static void check_prediction_failure(check_state *st, cz_model *m)
{
    const GeglRectangle r = {0, 0, W, H}, half = {0, 0, W, H / 2};
    const Babl *fmt = babl_format("R'G'B'A u8");
    GeglBuffer *src = gegl_buffer_new(&r, babl_format("Y' u8"));
    guint8 *g = g_new(guint8, W * H);
    for (int i = 0; i < W * H; i++) g[i] = (guint8)(40 + (i % W) * 180 / W);
    gegl_buffer_set(src, &r, 0, babl_format("Y' u8"), g, GEGL_AUTO_ROWSTRIDE);
    g_free(g);
    cz_pixel_params pp;
    cz_pixel_params_init(&pp);
    cz_error err = {0};
    /* A prediction of the top half: the fill of the whole layer writes the
     * top tiles, then the first tile reaching below fails. */
    cz_pixel_prediction *pred = cz_pixel_prediction_new(m, src, NULL, &half, &pp, false, NULL, NULL, &err);
    CHECK(st, pred != NULL, "prediction: %s", err.msg);
    if (pred) {
        GeglBuffer *dst = gegl_buffer_new(&r, fmt);
        cz_status s = cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, 1, write_prediction, NULL, pred, &err);
        CHECK(st, s == CZ_STATUS_INVALID_ARGUMENT && strstr(err.msg, "outside the prediction"),
              "a prediction short of the layer: %s, \"%s\"", cz_status_name(s), err.msg);
        /* The same fill over the predicted half succeeds. */
        cz_error ok = {0};
        s = cz_pixel_fill(dst, &half, fmt, NULL, 0, 0, 1, write_prediction, NULL, pred, &ok);
        CHECK(st, s == CZ_STATUS_OK, "the predicted half: %s", ok.msg);
        g_object_unref(dst);
        cz_pixel_prediction_free(pred);
    }
    g_object_unref(src);
}

/* The lanes' writer: counts shared by threads, the lanes seen. */
typedef struct {
    gint calls, pixels, lanes_seen; /* lanes_seen: a bit per lane */
    gint fail_lane;                 /* fail this lane's first tile; -1: never */
    gint *hits;                     /* [W * H] writes of each pixel */
} lanes_writer;

static cz_status write_lanes(const GeglRectangle *roi, void *data, const float *mask, int lane, void *user,
                             cz_error *err)
{
    lanes_writer *w = user;
    g_atomic_int_inc(&w->calls);
    g_atomic_int_or(&w->lanes_seen, 1 << lane);
    if (lane == w->fail_lane) return cz_error_set(err, CZ_STATUS_IO_ERROR, "lane %d refused", lane);
    put_coords(roi, data, mask, w->hits);
    g_atomic_int_add(&w->pixels, roi->width * roi->height);
    return CZ_STATUS_OK;
}

static void check_lanes(check_state *st, cz_model *m)
{
    g_object_set(gegl_config(), "threads", 2, NULL);
    const GeglRectangle r = {0, 0, W, H};
    const Babl *fmt = babl_format("RGBA float");
    GeglBuffer *dst = gegl_buffer_new(&r, fmt), *mask = new_mask();
    lanes_writer w = {.fail_lane = -1, .hits = g_new0(gint, W * H)};
    cz_error err = {0};
    cz_status s = cz_pixel_fill(dst, &r, fmt, mask, DX, DY, CZ_PIXEL_LANES, write_lanes, NULL, &w, &err);
    CHECK(st, s == CZ_STATUS_OK && w.lanes_seen == 3, "2 threads: %s, lanes seen 0x%x (0x3 wanted)", err.msg,
          w.lanes_seen);
    long selected, outside, bad = wrong_pixels(dst, w.hits, &selected, &outside);
    CHECK(st, bad == 0 && w.pixels == W * H, "2 lanes: %ld pixels wrong or written twice, %d of %d written", bad,
          w.pixels, W * H);

    g_free(w.hits);
    lanes_writer f = {.fail_lane = 1, .hits = g_new0(gint, W * H)};
    cz_error ferr = {0};
    s = cz_pixel_fill(dst, &r, fmt, NULL, 0, 0, CZ_PIXEL_LANES, write_lanes, NULL, &f, &ferr);
    CHECK(st, s == CZ_STATUS_IO_ERROR && strcmp(ferr.msg, "lane 1 refused") == 0 && f.pixels < W * H,
          "lane 1 failing: %s, \"%s\", %d of %d pixels written", cz_status_name(s), ferr.msg, f.pixels, W * H);
    g_free(f.hits);
    g_object_unref(dst);

    /* The prediction on 2 lanes: the same bytes as on one. */
    const Babl *u8 = babl_format("R'G'B'A u8");
    GeglBuffer *src = gegl_buffer_new(&r, babl_format("Y' u8"));
    guint8 *g = g_new(guint8, W * H);
    for (int i = 0; i < W * H; i++) g[i] = (guint8)(30 + (i % W) * 150 / W + (i / W) % 40);
    gegl_buffer_set(src, &r, 0, babl_format("Y' u8"), g, GEGL_AUTO_ROWSTRIDE);
    g_free(g);
    cz_pixel_params pp;
    cz_pixel_params_init(&pp);
    cz_pixel_prediction *pred = cz_pixel_prediction_new(m, src, NULL, &r, &pp, false, NULL, NULL, &err);
    CHECK(st, pred != NULL, "prediction: %s", err.msg);
    if (pred) {
        GeglBuffer *one = gegl_buffer_new(&r, u8), *two = gegl_buffer_new(&r, u8);
        cz_status s1 = cz_pixel_fill(one, &r, u8, mask, DX, DY, 1, write_prediction, NULL, pred, &err);
        cz_status s2 = cz_pixel_fill(two, &r, u8, mask, DX, DY, CZ_PIXEL_LANES, write_prediction, NULL, pred, &err);
        guint8 *a = g_new(guint8, 4 * W * H), *b = g_new(guint8, 4 * W * H);
        gegl_buffer_get(one, &r, 1.0, u8, a, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        gegl_buffer_get(two, &r, 1.0, u8, b, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        long diff = 0, colour = 0;
        for (int i = 0; i < W * H; i++) {
            diff += memcmp(a + 4 * i, b + 4 * i, 4) != 0;
            colour += a[4 * i] != a[4 * i + 2] && a[4 * i + 3] > 0;
        }
        CHECK(st, s1 == CZ_STATUS_OK && s2 == CZ_STATUS_OK && diff == 0 && colour > W * H / 4,
              "prediction on 2 lanes: %ld of %d pixels differ from one lane (%ld coloured)", diff, W * H, colour);
        g_free(a);
        g_free(b);
        g_object_unref(one);
        g_object_unref(two);
        cz_pixel_prediction_free(pred);
    }
    g_object_unref(src);
    g_object_unref(mask);
}

int main(void)
{
    check_state st = {0};
    cz_model *m = pixel_setup(&st, "colorful");
    if (!m) return check_finish(&st, "pixel_fill");
    check_writes(&st);
    check_failures(&st);
    check_prediction_failure(&st, m);
    check_lanes(&st, m);
    cz_model_free(m);
    gegl_exit();
    return check_finish(&st, "pixel_fill");
}
