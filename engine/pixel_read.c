/* pixel_read.c: the source read as float, around babl's u8 tables (see
 * pixel_read.h). */
#include "pixel_read.h"

void cz__pixel_read_init(cz__pixel_read *r, const Babl *src, const Babl *want)
{
    *r = (cz__pixel_read){0};
    const Babl *space = babl_format_get_space(want);
    const Babl *rgba = babl_format_with_space("RGBA float", space);
    /* The (source, destination) pixel sizes among the pixel path's reads
     * that babl 0.1.98 probes and builds a table for, from 8-bit sources:
     * 4 bytes (R'G'B'A u8) to 8 or 16, 2 bytes (Y'A u8) to 16. */
    const int sbpp = babl_format_get_bytes_per_pixel(src), wbpp = babl_format_get_bytes_per_pixel(want);
    r->via_double = babl_format_get_type(src, 0) == babl_type("u8") && (sbpp == 4 || (sbpp == 2 && wbpp == 16));
    r->read = r->via_double ? babl_format_with_space("RGBA double", space) : want;
    r->fish = r->via_double && want != rgba ? babl_fish(rgba, want) : NULL;
    r->want = want;
    r->n_out = babl_format_get_n_components(want);
}

void cz__pixel_read_clear(cz__pixel_read *r)
{
    g_free(r->raw);
    g_free(r->rgba);
    g_free(r->out);
    *r = (cz__pixel_read){0};
}

static bool reserve(cz__pixel_read *r, size_t n)
{
    if (n <= r->cap) return true;
    if (r->via_double) {
        double *raw = g_try_renew(double, r->raw, 4 * n);
        if (!raw) return false;
        r->raw = raw;
        float *rgba = g_try_renew(float, r->rgba, 4 * n);
        if (!rgba) return false;
        r->rgba = rgba;
    }
    if (!r->via_double || r->fish) {
        float *out = g_try_renew(float, r->out, (size_t)r->n_out * n);
        if (!out) return false;
        r->out = out;
    }
    r->cap = n;
    return true;
}

const float *cz__pixel_read_tile(cz__pixel_read *r, const void *data, size_t n)
{
    if (!r->via_double) return data;
    if (!reserve(r, n)) return NULL;
    const double *d = data;
    for (size_t i = 0; i < 4 * n; i++) r->rgba[i] = (float)d[i];
    if (!r->fish) return r->rgba;
    babl_process(r->fish, r->rgba, r->out, (long)n);
    return r->out;
}

const float *cz__pixel_read_rect(cz__pixel_read *r, GeglBuffer *buf, const GeglRectangle *roi)
{
    const size_t n = (size_t)roi->width * (size_t)roi->height;
    if (!reserve(r, n)) return NULL;
    void *dst = r->via_double ? (void *)r->raw : (void *)r->out;
    gegl_buffer_get(buf, roi, 1.0, r->read, dst, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    return cz__pixel_read_tile(r, dst, n);
}
