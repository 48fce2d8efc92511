/* pixel_fill.c: a buffer written tile by tile, with its mask, on one or
 * more lanes (see pixel_fill.h). */
#include "pixel_fill.h"

typedef struct {
    GeglBuffer *dst, *mask;
    GeglRectangle rect;
    const Babl *format;
    int mask_dx, mask_dy, tile_h;
    cz_pixel_fill_tile write;
    void *user;
    gint failed;                        /* the lane that failed first, -1: none (atomic) */
    cz_status status[CZ_PIXEL_LANES];
    cz_error err[CZ_PIXEL_LANES];
} fill_job;

/* One band of the job on lane, its tiles in order. */
static void fill_band(fill_job *job, int lane, const GeglRectangle *band)
{
    cz_error *err = &job->err[lane];
    const GeglRectangle mask_rect = {band->x + job->mask_dx, band->y + job->mask_dy, band->width, band->height};
    GeglBufferIterator *it =
        gegl_buffer_iterator_new(job->dst, band, 0, job->format, GEGL_ACCESS_WRITE, GEGL_ABYSS_NONE, 2);
    if (job->mask)
        gegl_buffer_iterator_add(it, job->mask, &mask_rect, 0, babl_format("Y double"), GEGL_ACCESS_READ,
                                 GEGL_ABYSS_NONE);
    float *m = NULL; /* the tile's mask as the writer takes it */
    size_t m_cap = 0;
    cz_status st = CZ_STATUS_OK;
    while (gegl_buffer_iterator_next(it)) {
        if (g_atomic_int_get(&job->failed) >= 0) { /* another lane failed: stop here */
            gegl_buffer_iterator_stop(it);
            break;
        }
        const GeglRectangle *roi = &it->items[0].roi;
        const size_t n = (size_t)it->length;
        if (job->mask && n > m_cap) {
            float *p = g_try_renew(float, m, n);
            if (!p) {
                st = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
                gegl_buffer_iterator_stop(it);
                break;
            }
            m = p;
            m_cap = n;
        }
        if (job->mask) {
            const double *md = it->items[1].data;
            for (size_t i = 0; i < n; i++) m[i] = (float)md[i];
        }
        st = job->write(roi, it->items[0].data, job->mask ? m : NULL, lane, job->user, err);
        if (st != CZ_STATUS_OK) {
            /* A writer that forgot its message still fails. */
            if (err->status != st)
                cz_error_set(err, st, "writing %d,%d %dx%d failed", roi->x, roi->y, roi->width, roi->height);
            gegl_buffer_iterator_stop(it);
            break;
        }
    }
    g_free(m);
    job->status[lane] = st;
    if (st != CZ_STATUS_OK) g_atomic_int_compare_and_exchange(&job->failed, -1, lane);
}

/* How many rows of tile_h-high tiles (the grid starting at y = 0) r
 * touches, the first of them in *first. */
static int tile_rows(const GeglRectangle *r, int tile_h, int *first)
{
    *first = r->y >= 0 ? r->y / tile_h : -((-r->y + tile_h - 1) / tile_h);
    return (r->y + r->height - 1 - *first * tile_h) / tile_h + 1;
}

/* The i-th of n runs of whole tile rows (tile_h high, the grid starting
 * at y = 0) covering r, clipped to it, into band, so no tile is written by
 * two lanes; false when that run is empty. */
static bool band_of(const GeglRectangle *r, int tile_h, int i, int n, GeglRectangle *band)
{
    int first;
    const int rows = tile_rows(r, tile_h, &first);
    int y0 = (first + (int)((gint64)rows * i / n)) * tile_h;
    int y1 = (first + (int)((gint64)rows * (i + 1) / n)) * tile_h;
    if (y0 < r->y) y0 = r->y;
    if (y1 > r->y + r->height) y1 = r->y + r->height;
    *band = (GeglRectangle){r->x, y0, r->width, y1 > y0 ? y1 - y0 : 0};
    return y1 > y0;
}

/* Lane i of n: its run of tile rows. */
static void fill_lane(gint i, gint n, gpointer user)
{
    fill_job *job = user;
    GeglRectangle band;
    if (band_of(&job->rect, job->tile_h, i, n, &band)) fill_band(job, i, &band);
}

cz_status cz_pixel_fill(GeglBuffer *dst, const GeglRectangle *rect, const Babl *format, GeglBuffer *mask,
                        int mask_dx, int mask_dy, int lanes, cz_pixel_fill_tile write, cz_pixel_fill_done done,
                        void *user, cz_error *err)
{
    cz_error own = {0};
    if (!err) err = &own; /* its status is the answer */
    if (!dst || !rect || !format || !write)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "missing buffer, area, format or writer");
    if (lanes < 1 || lanes > CZ_PIXEL_LANES)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "%d lanes is outside 1 to %d", lanes, CZ_PIXEL_LANES);
    if (rect->width <= 0 || rect->height <= 0) return CZ_STATUS_OK;
    fill_job *job = g_try_new0(fill_job, 1);
    if (!job) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    *job = (fill_job){.dst = dst, .mask = mask, .rect = *rect, .format = format, .mask_dx = mask_dx,
                      .mask_dy = mask_dy, .write = write, .user = user, .failed = -1};
    g_object_get(dst, "tile-height", &job->tile_h, NULL);
    if (job->tile_h < 1) job->tile_h = 1;
    /* Band by band, each shared between the lanes (GEGL runs at most its
     * "threads"), so a band holds a tile row for each; the report between
     * bands runs on this thread. */
    int threads = 1;
    g_object_get(gegl_config(), "threads", &threads, NULL);
    if (lanes > threads) lanes = threads > 1 ? threads : 1;
    int first, bands = tile_rows(rect, job->tile_h, &first) / lanes;
    bands = bands < 1 ? 1 : bands > CZ_PIXEL_FILL_BANDS ? CZ_PIXEL_FILL_BANDS : bands;
    cz_status cancel = CZ_STATUS_OK;
    for (int b = 0; b < bands && g_atomic_int_get(&job->failed) < 0; b++) {
        GeglRectangle band;
        if (!band_of(rect, job->tile_h, b, bands, &band)) continue;
        job->rect = band;
        if (lanes == 1) fill_band(job, 0, &band);
        else gegl_parallel_distribute(lanes, fill_lane, job);
        if (g_atomic_int_get(&job->failed) < 0 && done &&
            !done((double)(band.y + band.height - rect->y) / rect->height, user)) {
            cancel = cz_error_set(err, CZ_STATUS_CANCELLED, "cancelled");
            break;
        }
    }
    cz_status st = cancel;
    const int failed = g_atomic_int_get(&job->failed);
    if (failed >= 0) {
        st = job->status[failed];
        *err = job->err[failed];
    }
    g_free(job);
    return st;
}
