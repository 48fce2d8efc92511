/* test_pixel_aspect.c: a model whose input must be a multiple of N (the
 * shipped pix2pix: 128, so every input is 128 x 128) sees a photo at its
 * own aspect: the pixel path pads the photo's network planes by mirroring
 * and crops the answer, never squeezes it.
 *
 * P is a 2:1 photo (256 x 128); Q is P with 64 rows mirrored above and
 * below (256 x 256), which is what the padding builds at network size. Both
 * reach pix2pix as the same 128 x 128 input, so the colour of Q's middle
 * rows must be P's colour, row for row (the outermost row of P is left out:
 * its bilinear sample clamps at P's edge, not at Q's). A squeezed P would
 * be coloured from a different input and fail by far. Then the same with
 * edge-aware up-sampling on, away from the window's reach of the borders. */
#include <gegl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pixel.h"
#include "pixel_setup.h"

enum { W = 256, H = 128, PAD = 64 };

/* A gray photo with edges: a ramp, a bright disc, dark bars. */
static float photo_value(int x, int y)
{
    float v = 0.2f + 0.5f * x / W;
    if ((x - 90) * (x - 90) + (y - 60) * (y - 60) < 900) v = 0.9f;
    if (x > 160 && x < 200 && (y / 16) % 2) v = 0.1f;
    return v;
}

static GeglBuffer *buffer_of(const float *rgb, int w, int h)
{
    const GeglRectangle r = {0, 0, w, h};
    const Babl *fmt = babl_format("R'G'B' float");
    GeglBuffer *b = gegl_buffer_new(&r, fmt);
    gegl_buffer_set(b, &r, 0, fmt, rgb, GEGL_AUTO_ROWSTRIDE);
    return b;
}

/* out [w * h * 3] = model's colour of rgb [w * h * 3]. */
static bool colorize(check_state *st, cz_model *m, const cz_pixel_params *pp, const float *rgb, float *out, int w,
                     int h)
{
    const GeglRectangle r = {0, 0, w, h};
    GeglBuffer *src = buffer_of(rgb, w, h), *dst = gegl_buffer_new(&r, babl_format("R'G'B' float"));
    cz_error err = {0};
    cz_status s = cz_pixel_colorize(m, src, dst, NULL, &r, pp, NULL, NULL, &err);
    CHECK(st, s == CZ_STATUS_OK, "colorize %dx%d: %s", w, h, err.msg);
    if (s == CZ_STATUS_OK) gegl_buffer_get(dst, &r, 1.0, babl_format("R'G'B' float"), out, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    g_object_unref(src);
    g_object_unref(dst);
    return s == CZ_STATUS_OK;
}

/* The largest |P - Q's middle| over P's rows y0..y1-1, all columns. */
static double max_diff(const float *p, const float *q, int y0, int y1)
{
    double d = 0;
    for (int y = y0; y < y1; y++)
        for (size_t k = 0; k < 3 * (size_t)W; k++)
            d = fmax(d, fabs(p[(size_t)y * W * 3 + k] - q[(size_t)(y + PAD) * W * 3 + k]));
    return d;
}

int main(void)
{
    check_state st = {0};
    cz_model *m = pixel_setup(&st, "pix2pix");
    if (!m) return check_finish(&st, "pixel_aspect");
    CHECK(&st, cz_model_get_multiple(m) == 128, "pix2pix's multiple is %d, the test assumes 128", cz_model_get_multiple(m));

    float *p = malloc(sizeof(float) * 3 * W * H), *q = malloc(sizeof(float) * 3 * W * (H + 2 * PAD));
    float *cp = malloc(sizeof(float) * 3 * W * H), *cq = malloc(sizeof(float) * 3 * W * (H + 2 * PAD));
    for (int y = 0; y < H + 2 * PAD; y++) {
        /* Q's row y is P's row y - PAD, mirrored about P's top and bottom. */
        int sy = y - PAD;
        if (sy < 0) sy = -sy - 1;
        if (sy >= H) sy = 2 * H - 1 - sy;
        for (int x = 0; x < W; x++) {
            float v = photo_value(x, sy);
            for (int c = 0; c < 3; c++) {
                if (y >= PAD && y < PAD + H) p[((size_t)(y - PAD) * W + x) * 3 + c] = v;
                q[((size_t)y * W + x) * 3 + c] = v;
            }
        }
    }
    cz_pixel_params pp;
    cz_pixel_params_init(&pp);
    pp.edge_radius = 0;
    if (colorize(&st, m, &pp, p, cp, W, H) && colorize(&st, m, &pp, q, cq, W, H + 2 * PAD)) {
        double inner = max_diff(cp, cq, 1, H - 1);
        /* How far P's colour is from Q's top rows: what a wrong placement
         * would give, so the tolerance means something. */
        double chroma = 0;
        for (size_t k = 0; k < (size_t)W * H; k++)
            chroma = fmax(chroma, fabs(cp[3 * k] - cp[3 * k + 2]));
        printf("  bilinear: max |P - Q middle| %.2e over rows 1..%d; P's largest R - B %.3f\n", inner, H - 2, chroma);
        CHECK(&st, inner < 1e-4, "the 2:1 photo's colour differs from its padded square's by %.3g", inner);
        CHECK(&st, chroma > 0.01, "pix2pix gave no colour (R - B at most %.3g): the comparison proves nothing", chroma);
    }
    /* Guided: the windows of r cells (2 px each here) reach r + 1 cells
     * from P's borders, where P and Q see different neighbours. */
    pp.edge_radius = 2;
    if (colorize(&st, m, &pp, p, cp, W, H) && colorize(&st, m, &pp, q, cq, W, H + 2 * PAD)) {
        int margin = 2 * (2 * pp.edge_radius + 2);
        double inner = max_diff(cp, cq, margin, H - margin);
        printf("  guided r 2: max |P - Q middle| %.2e over rows %d..%d\n", inner, margin, H - margin - 1);
        CHECK(&st, inner < 1e-4, "guided: the 2:1 photo's colour differs from its padded square's by %.3g", inner);
    }
    free(p), free(q), free(cp), free(cq);
    cz_model_free(m);
    gegl_exit();
    return check_finish(&st, "pixel_aspect");
}
