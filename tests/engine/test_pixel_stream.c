/* test_pixel_stream.c: a prediction written rectangle by rectangle (as the
 * plug-in streams its new layer, tile by tile) gives exactly the bytes of
 * the whole-image path: cz_pixel_colorize into a full-size buffer; with a
 * selection, into "RGBA float", the selection multiplied into its alpha,
 * then converted once to the layer's format (the streamed write multiplies
 * in float before its one conversion: no second rounding of alpha, and no
 * 8-bit to float conversion, for which babl builds a 320 MB table). Every GIMP precision (u8, u16, u32, half, float,
 * double; linear and not), odd image sizes cut into odd rectangles that
 * straddle GEGL's tiles, with and without a selection mask, with
 * confidence, bilinear and guided. The shipped colorful model.
 * The masked confidence is exact where the old path rounded (see below). */
#include <gegl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pixel.h"
#include "pixel_setup.h"

/* Odd rectangles, so no write lines up with a GEGL tile. */
enum { STEP_W = 53, STEP_H = 29 };

/* A photo with edges, noise and a varying alpha: a ramp, a disc, bars. */
static GeglBuffer *photo_new(int w, int h)
{
    const GeglRectangle r = {0, 0, w, h};
    const Babl *fmt = babl_format("R'G'B'A u8");
    guint8 *px = malloc((size_t)4 * w * h);
    uint64_t rng = 7;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = 0.15f + 0.6f * x / w + 0.05f * cz_rng_uniform(&rng);
            if ((x - w / 3) * (x - w / 3) + (y - h / 2) * (y - h / 2) < w * h / 16) v = 0.92f;
            if (x > 2 * w / 3 && (y / 9) % 2) v = 0.05f;
            guint8 *p = px + 4 * ((size_t)y * w + x);
            p[0] = p[1] = p[2] = (guint8)lroundf(255.0f * v);
            p[3] = (guint8)(255 - (x * 200) / w);
        }
    GeglBuffer *b = gegl_buffer_new(&r, fmt);
    gegl_buffer_set(b, &r, 0, fmt, px, GEGL_AUTO_ROWSTRIDE);
    free(px);
    return b;
}

/* A selection: feathered disc, 0 outside, 1 inside, float in between. */
static GeglBuffer *mask_new(int w, int h)
{
    const GeglRectangle r = {0, 0, w, h};
    float *m = malloc(sizeof(float) * w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float d = hypotf(x - 0.6f * w, y - 0.4f * h) / (0.35f * (w < h ? w : h));
            m[(size_t)y * w + x] = d < 0.8f ? 1.0f : d > 1.2f ? 0.0f : (1.2f - d) / 0.4f;
        }
    GeglBuffer *b = gegl_buffer_new(&r, babl_format("Y float"));
    gegl_buffer_set(b, &r, 0, babl_format("Y float"), m, GEGL_AUTO_ROWSTRIDE);
    free(m);
    return b;
}

/* The whole-image path's selection step: alpha times the mask, through
 * "RGBA float" of buf's space (the plug-in's colorize_apply_mask). */
static void apply_mask(GeglBuffer *buf, GeglBuffer *mask)
{
    const GeglRectangle *e = gegl_buffer_get_extent(buf);
    const Babl *f = babl_format_with_space("RGBA float", babl_format_get_space(gegl_buffer_get_format(buf)));
    GeglBufferIterator *it = gegl_buffer_iterator_new(buf, e, 0, f, GEGL_ACCESS_READWRITE, GEGL_ABYSS_NONE, 2);
    gegl_buffer_iterator_add(it, mask, e, 0, babl_format("Y float"), GEGL_ACCESS_READ, GEGL_ABYSS_NONE);
    while (gegl_buffer_iterator_next(it)) {
        float *p = it->items[0].data;
        const float *m = it->items[1].data;
        for (int i = 0; i < it->length; i++) p[4 * i + 3] *= m[i];
    }
}

/* Bytes of the whole of buf as format. */
static guint8 *bytes_of(GeglBuffer *buf, const Babl *format, size_t *n)
{
    const GeglRectangle *e = gegl_buffer_get_extent(buf);
    *n = (size_t)e->width * e->height * babl_format_get_bytes_per_pixel(format);
    guint8 *p = malloc(*n);
    gegl_buffer_get(buf, e, 1.0, format, p, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    return p;
}

static void check_same(check_state *st, GeglBuffer *a, GeglBuffer *b, const Babl *format, const char *what)
{
    size_t na, nb;
    guint8 *pa = bytes_of(a, format, &na), *pb = bytes_of(b, format, &nb);
    size_t diff = 0;
    for (size_t i = 0; i < na; i++) diff += pa[i] != pb[i];
    CHECK(st, na == nb && diff == 0, "%s: %zu of %zu bytes differ", what, diff, na);
    free(pa);
    free(pb);
}

/* One case: the whole-image path against the streamed one. */
static void run_case(check_state *st, cz_model *m, int w, int h, const char *encoding, bool masked, bool guided)
{
    const GeglRectangle r = {0, 0, w, h};
    const Babl *fmt = babl_format(encoding);
    GeglBuffer *src = photo_new(w, h), *mask = masked ? mask_new(w, h) : NULL;
    cz_pixel_params pp;
    cz_pixel_params_init(&pp);
    pp.saturation = 1.3f; /* pushes some colour out of gamut */
    pp.edge_radius = guided ? 2 : 0;
    char what[200];
    snprintf(what, sizeof what, "%dx%d %s%s%s", w, h, encoding, masked ? " masked" : "", guided ? " guided" : "");
    cz_error err = {0};

    /* Whole image; masked in float, then one conversion to fmt. */
    const Babl *whole_fmt = mask ? babl_format_with_space("RGBA float", babl_format_get_space(fmt)) : fmt;
    GeglBuffer *whole = gegl_buffer_new(&r, whole_fmt), *wconf = gegl_buffer_new(&r, babl_format("Y float"));
    cz_status s = cz_pixel_colorize(m, src, whole, wconf, &r, &pp, NULL, NULL, &err);
    CHECK(st, s == CZ_STATUS_OK, "%s: colorize: %s", what, err.msg);
    GeglBuffer *wconf_a = gegl_buffer_new(&r, babl_format("YA float"));
    gegl_buffer_copy(wconf, NULL, GEGL_ABYSS_NONE, wconf_a, NULL);
    if (mask) {
        apply_mask(whole, mask);
        apply_mask(wconf_a, mask);
        GeglBuffer *as_fmt = gegl_buffer_new(&r, fmt);
        gegl_buffer_copy(whole, NULL, GEGL_ABYSS_NONE, as_fmt, NULL);
        g_object_unref(whole);
        whole = as_fmt;
    }

    /* Streamed: odd rectangles, each written and (with a mask) masked alone. */
    GeglBuffer *stream = gegl_buffer_new(&r, fmt), *sconf = gegl_buffer_new(&r, babl_format("YA float"));
    cz_pixel_prediction *pred = cz_pixel_prediction_new(m, src, NULL, &r, &pp, true, NULL, NULL, &err);
    CHECK(st, pred != NULL, "%s: prediction: %s", what, err.msg);
    if (pred) {
        const int bpp = babl_format_get_bytes_per_pixel(fmt);
        guint8 *px = malloc((size_t)STEP_W * STEP_H * bpp);
        float *conf = malloc(sizeof(float) * STEP_W * STEP_H), *mk = malloc(sizeof(float) * STEP_W * STEP_H);
        float *ya = malloc(2 * sizeof(float) * STEP_W * STEP_H);
        int writes = 0;
        for (int y = 0; y < h; y += STEP_H)
            for (int x = 0; x < w; x += STEP_W) {
                GeglRectangle t = {x, y, MIN(STEP_W, w - x), MIN(STEP_H, h - y)};
                const int n = t.width * t.height;
                if (mask)
                    gegl_buffer_get(mask, &t, 1.0, babl_format("Y float"), mk, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
                s = cz_pixel_prediction_write(pred, 0, &t, fmt, px, conf, mask ? mk : NULL, &err);
                if (s != CZ_STATUS_OK) break;
                gegl_buffer_set(stream, &t, 0, fmt, px, GEGL_AUTO_ROWSTRIDE);
                for (int i = 0; i < n; i++) ya[2 * i] = conf[i], ya[2 * i + 1] = mask ? mk[i] : 1.0f;
                gegl_buffer_set(sconf, &t, 0, babl_format("YA float"), ya, GEGL_AUTO_ROWSTRIDE);
                writes++;
            }
        CHECK(st, s == CZ_STATUS_OK, "%s: write: %s", what, err.msg);
        CHECK(st, writes > 4, "%s: %d rectangles", what, writes);
        free(px);
        free(conf);
        free(mk);
        free(ya);
        cz_pixel_prediction_free(pred);
    }
    check_same(st, whole, stream, fmt, what);
    snprintf(what + strlen(what), sizeof what - strlen(what), " confidence");
    if (!mask) {
        check_same(st, wconf_a, sconf, babl_format("YA float"), what);
    } else {
        /* Masking the whole confidence afterwards went Y -> RGB -> Y, which
         * moves Y by an ulp; streamed, Y is the whole path's exactly and
         * alpha the mask exactly. */
        size_t n;
        float *old_ya = (float *)bytes_of(wconf_a, babl_format("YA float"), &n);
        float *ya = (float *)bytes_of(sconf, babl_format("YA float"), &n);
        float *y = (float *)bytes_of(wconf, babl_format("Y float"), &n);
        float *mk = (float *)bytes_of(mask, babl_format("Y float"), &n);
        size_t bad_y = 0, bad_a = 0;
        double max_old = 0.0;
        for (int i = 0; i < w * h; i++) {
            bad_y += ya[2 * i] != y[i];
            bad_a += ya[2 * i + 1] != mk[i];
            max_old = fmax(max_old, fabs(ya[2 * i] - old_ya[2 * i]));
        }
        CHECK(st, bad_y == 0 && bad_a == 0 && max_old < 1e-6, "%s: %zu values, %zu alphas differ, %g from old",
              what, bad_y, bad_a, max_old);
        free(old_ya);
        free(ya);
        free(y);
        free(mk);
    }

    g_object_unref(whole);
    g_object_unref(wconf);
    g_object_unref(wconf_a);
    g_object_unref(stream);
    g_object_unref(sconf);
    g_object_unref(src);
    if (mask) g_object_unref(mask);
}

int main(void)
{
    check_state st = {0};
    cz_model *m = pixel_setup(&st, "colorful");
    if (!m) return check_finish(&st, "pixel_stream");

    /* GIMP's precisions as its layers' formats (colorize_layer_format). */
    static const char *const encodings[] = {
        "R'G'B'A u8", "RGBA u8", "R'G'B'A u16", "RGBA u16", "R'G'B'A u32", "RGBA u32",
        "R'G'B'A half", "RGBA half", "R'G'B'A float", "RGBA float", "R'G'B'A double", "RGBA double",
    };
    for (size_t e = 0; e < G_N_ELEMENTS(encodings); e++)
        for (int masked = 0; masked < 2; masked++)
            run_case(&st, m, 211, 147, encodings[e], masked, false);
    /* Without alpha, taller than wide, and edge-aware. */
    run_case(&st, m, 131, 263, "R'G'B' u8", false, false);
    run_case(&st, m, 131, 263, "RGB float", false, true);
    run_case(&st, m, 199, 101, "R'G'B'A u16", true, true);

    /* A rectangle outside the prediction is an error, not a crash. */
    const GeglRectangle r = {0, 0, 40, 30}, out = {30, 20, 20, 20};
    GeglBuffer *src = photo_new(40, 30);
    cz_error err = {0};
    cz_pixel_params pp;
    cz_pixel_params_init(&pp);
    cz_pixel_prediction *pred = cz_pixel_prediction_new(m, src, NULL, &r, &pp, false, NULL, NULL, &err);
    float px[4 * 400], conf[400];
    CHECK(&st, pred && cz_pixel_prediction_write(pred, 0, &out, babl_format("RGBA float"), px, NULL, NULL, &err) ==
                           CZ_STATUS_INVALID_ARGUMENT, "a rectangle outside is refused");
    CHECK(&st, pred && cz_pixel_prediction_write(pred, 0, &r, babl_format("RGBA float"), px, conf, NULL, &err) ==
                           CZ_STATUS_INVALID_ARGUMENT, "confidence from a prediction made without it is refused");
    cz_pixel_prediction_free(pred);
    g_object_unref(src);

    cz_model_free(m);
    gegl_exit();
    return check_finish(&st, "pixel_stream");
}
