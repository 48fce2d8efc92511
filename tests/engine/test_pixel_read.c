/* test_pixel_read.c: the pixel path's source read (pixel_read.h).
 * - An 8-bit source with alpha read as the pixel path's float formats,
 *   through "RGBA double", keeps babl's 24-bit lookup table away: the peak
 *   RSS grows by under 64 MB (the table's probe alone is 256 MB).
 * - Its values are the direct read's, within babl's own run-to-run spread:
 *   babl picks its float conversion path by timing, so with a fresh cache
 *   the direct read itself moves between runs (seen: up to 3e-5 in L; one
 *   run in six was not bit-equal for R'G'B'A u8 to "CIE L alpha float").
 *   Lab within 5e-4, linear "RGBA float" within 1e-6; the counts of values
 *   not bit-equal are printed. Y'A u8 to "CIE L alpha float" (no table) and
 *   other sources are read directly.
 * babl's fish cache is a fresh folder: a cached u8 fish of the kind would
 * run babl's 256 MB probe at gegl_init, before anything is read. */
#include <gegl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "check.h"
#include "pixel_read.h"

enum { W = 256, H = 256 };

static long peak_rss_mb(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024;
}

static void rm_tree(const char *path)
{
    GDir *d = g_file_test(path, G_FILE_TEST_IS_DIR) ? g_dir_open(path, 0, NULL) : NULL;
    for (const char *name; d && (name = g_dir_read_name(d));) {
        char *child = g_build_filename(path, name, NULL);
        rm_tree(child);
        g_free(child);
    }
    if (d) g_dir_close(d);
    g_remove(path);
}

/* Every (R, G) pair, B and alpha varied across the square; alpha covers 0
 * and 255. */
static GeglBuffer *u8_source(const char *format)
{
    const Babl *fmt = babl_format(format);
    const int bpp = babl_format_get_bytes_per_pixel(fmt);
    const GeglRectangle r = {0, 0, W, H};
    GeglBuffer *b = gegl_buffer_new(&r, fmt);
    guint8 *px = g_new(guint8, (size_t)W * H * bpp);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            guint8 *p = px + (size_t)bpp * ((size_t)y * W + x);
            const guint8 v[4] = {(guint8)x, (guint8)y, (guint8)((x * 7 + y * 13) % 256), (guint8)((x + 3 * y) % 256)};
            if (bpp == 4) memcpy(p, v, 4);
            else p[0] = v[0], p[1] = v[3];
        }
    gegl_buffer_set(b, &r, 0, fmt, px, GEGL_AUTO_ROWSTRIDE);
    g_free(px);
    return b;
}

/* cz__pixel_read_rect and the iterator's tiles against babl's direct read, within tol. */
static void check_close(check_state *st, GeglBuffer *src, const Babl *want, float tol)
{
    const GeglRectangle r = {0, 0, W, H};
    const size_t n = (size_t)W * H;
    const int comps = babl_format_get_n_components(want);
    float *direct = g_new(float, n * comps);
    gegl_buffer_get(src, &r, 1.0, want, direct, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    cz__pixel_read rd;
    cz__pixel_read_init(&rd, gegl_buffer_get_format(src), want);
    CHECK(st, rd.via_double, "%s read through double", babl_get_name(gegl_buffer_get_format(src)));
    const float *got = cz__pixel_read_rect(&rd, src, &r);
    size_t diff = 0, unequal = 0;
    float worst = 0.0f;
    for (size_t i = 0; got && i < n * comps; i++) {
        const float d = fabsf(got[i] - direct[i]);
        diff += !(d <= tol);
        unequal += memcmp(&got[i], &direct[i], sizeof(float)) != 0;
        if (d > worst) worst = d;
    }
    printf("%s to %s: %zu of %zu values not bit-equal to the direct read, at most %g off\n",
           babl_get_name(gegl_buffer_get_format(src)), babl_get_name(want), unequal, n * comps, worst);
    CHECK(st, got && diff == 0, "%s to %s: %zu of %zu values differ from the direct read by more than %g",
          babl_get_name(gegl_buffer_get_format(src)), babl_get_name(want), diff, n * comps, tol);
    size_t tdiff = 0;
    GeglBufferIterator *it = gegl_buffer_iterator_new(src, &r, 0, rd.read, GEGL_ACCESS_READ, GEGL_ABYSS_NONE, 1);
    while (gegl_buffer_iterator_next(it)) {
        const float *p = cz__pixel_read_tile(&rd, it->items[0].data, (size_t)it->length);
        const GeglRectangle *roi = &it->items[0].roi;
        for (int y = 0; y < roi->height; y++)
            for (int x = 0; x < roi->width; x++)
                for (int c = 0; c < comps; c++) {
                    const float *a = p + (size_t)comps * ((size_t)y * roi->width + x) + c;
                    const float *b = direct + (size_t)comps * ((size_t)(roi->y + y) * W + roi->x + x) + c;
                    tdiff += !(fabsf(*a - *b) <= tol);
                }
    }
    CHECK(st, tdiff == 0, "%s to %s by tiles: %zu values differ", babl_get_name(gegl_buffer_get_format(src)),
          babl_get_name(want), tdiff);
    cz__pixel_read_clear(&rd);
    g_free(direct);
}

int main(void)
{
    check_state st = {0};
    char *cache = g_dir_make_tmp("cz-pixel-read-XXXXXX", NULL);
    CHECK(&st, cache != NULL, "a temporary folder for babl's cache");
    if (cache) g_setenv("XDG_CACHE_HOME", cache, TRUE);
    gegl_init(NULL, NULL);
    const Babl *srgb = babl_space("sRGB");
    const Babl *wants[] = {babl_format_with_space("CIE L alpha float", srgb),
                           babl_format_with_space("CIE Lab alpha float", srgb),
                           babl_format_with_space("RGBA float", srgb)};
    GeglBuffer *rgba = u8_source("R'G'B'A u8"), *ya = u8_source("Y'A u8");

    /* Memory first: the direct reads below build the table on purpose. */
    const GeglRectangle r = {0, 0, W, H};
    const long before = peak_rss_mb();
    GeglBuffer *srcs[] = {rgba, ya};
    for (size_t i = 0; i < G_N_ELEMENTS(srcs); i++)
        for (size_t w = 0; w < G_N_ELEMENTS(wants); w++) {
            cz__pixel_read rd;
            cz__pixel_read_init(&rd, gegl_buffer_get_format(srcs[i]), wants[w]);
            for (int pass = 0; pass < 4; pass++) /* 4 x 64 Kpx: past babl's 32 Kpx threshold for a table */
                CHECK(&st, cz__pixel_read_rect(&rd, srcs[i], &r) != NULL, "read %s", babl_get_name(wants[w]));
            cz__pixel_read_clear(&rd);
        }
    const long grew = peak_rss_mb() - before;
    CHECK(&st, grew < 64, "reading R'G'B'A u8 and Y'A u8 grew the peak RSS by %ld MB (babl's table?)", grew);
    printf("peak RSS %ld MB, grew by %ld MB over the reads\n", peak_rss_mb(), grew);

    const float tols[] = {5e-4f, 5e-4f, 1e-6f};
    for (size_t w = 0; w < G_N_ELEMENTS(wants); w++) check_close(&st, rgba, wants[w], tols[w]);
    check_close(&st, ya, wants[1], 5e-4f);
    check_close(&st, ya, wants[2], 1e-6f);

    /* Without alpha, or not 8-bit: read as asked. */
    const char *direct[] = {"R'G'B' u8", "Y' u8", "Y'A u8", "R'G'B'A u16", "RGBA float"};
    for (size_t i = 0; i < G_N_ELEMENTS(direct); i++) {
        cz__pixel_read rd;
        cz__pixel_read_init(&rd, babl_format(direct[i]), wants[0]);
        CHECK(&st, !rd.via_double && rd.read == wants[0], "%s is read directly", direct[i]);
    }
    g_object_unref(rgba);
    g_object_unref(ya);
    gegl_exit();
    if (cache) rm_tree(cache); /* babl's fishes, GEGL's swap folder */
    g_free(cache);
    return check_finish(&st, "pixel_read");
}
