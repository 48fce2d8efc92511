/* pixel_fill.c: a buffer written tile by tile, with its mask (see
 * pixel_fill.h). */
#include "pixel_fill.h"

cz_status cz_pixel_fill(GeglBuffer *dst, const GeglRectangle *rect, const Babl *format, GeglBuffer *mask,
                        int mask_dx, int mask_dy, cz_pixel_fill_tile write, void *user, cz_error *err)
{
    cz_error own = {0};
    if (!err) err = &own; /* its status is the answer */
    if (!dst || !rect || !format || !write)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "missing buffer, area, format or writer");
    if (rect->width <= 0 || rect->height <= 0) return CZ_STATUS_OK;
    const GeglRectangle mask_rect = {rect->x + mask_dx, rect->y + mask_dy, rect->width, rect->height};
    GeglBufferIterator *it = gegl_buffer_iterator_new(dst, rect, 0, format, GEGL_ACCESS_WRITE, GEGL_ABYSS_NONE, 2);
    if (mask)
        gegl_buffer_iterator_add(it, mask, &mask_rect, 0, babl_format("Y double"), GEGL_ACCESS_READ,
                                 GEGL_ABYSS_NONE);
    float *m = NULL; /* the tile's mask as the writer takes it */
    size_t m_cap = 0;
    cz_status st = CZ_STATUS_OK;
    while (gegl_buffer_iterator_next(it)) {
        const GeglRectangle *roi = &it->items[0].roi;
        const size_t n = (size_t)it->length;
        if (mask && n > m_cap) {
            float *p = g_try_renew(float, m, n);
            if (!p) {
                st = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
                gegl_buffer_iterator_stop(it);
                break;
            }
            m = p;
            m_cap = n;
        }
        if (mask) {
            const double *md = it->items[1].data;
            for (size_t i = 0; i < n; i++) m[i] = (float)md[i];
        }
        st = write(roi, it->items[0].data, mask ? m : NULL, user, err);
        if (st != CZ_STATUS_OK) {
            /* A writer that forgot its message still fails. */
            if (err->status != st)
                cz_error_set(err, st, "writing %d,%d %dx%d failed", roi->x, roi->y, roi->width, roi->height);
            gegl_buffer_iterator_stop(it);
            break;
        }
    }
    g_free(m);
    return st;
}
