/* pixel.c: GEGL buffer in, coloured GEGL buffer out (see pixel.h).
 *
 * Planes at network resolution are float32, row-major, W fastest: L [nh * nw]
 * and ab [2, nh * nw] as cz_model_predict wants them. Full-resolution pixels
 * only ever pass through GEGL iterator tiles, so memory is bounded by the
 * network size plus one tile of scratch, whatever the image size.
 *
 * Steps 1 and 2 make a cz_pixel_prediction; step 3, its write of any
 * rectangle (colour, gamut, the source's exact L), is pixel_write.c.
 *
 * A model in D65 Lab (skimage's, "lab_white" D65: the published ones) gets
 * its L, hints and reference in that Lab, from the pixels read as linear
 * sRGB (lab.h), and its result is assembled in that Lab at full
 * resolution (pixel_lab.h): the source's D65 L with the up-sampled ab,
 * through linear sRGB, as skimage's lab2rgb would. */
#include "pixel.h"

#include <math.h>
#include <string.h>

#include "guided.h"
#include "pad.h"
#include "pixel_lab.h"
#include "pixel_read.h"
#include "pixel_write.h"

/* Which network cells each source column (or row) falls into: a contiguous
 * range [first, last]. Each cell covers at least one source pixel, so a
 * source smaller than the network is up-sampled by repetition. */
typedef struct {
    int *first; /* [n] */
    int *last;  /* [n] */
} cz_bins;

static bool bins_init(cz_bins *b, int n, int cells)
{
    b->first = g_try_new(int, (gsize)n);
    b->last = g_try_new(int, (gsize)n);
    if (!b->first || !b->last) return false;
    for (int x = 0; x < n; x++) {
        b->first[x] = -1;
        b->last[x] = -1;
    }
    for (int i = 0; i < cells; i++) {
        int a = (int)((int64_t)i * n / cells);
        int e = (int)((int64_t)(i + 1) * n / cells);
        if (e <= a) e = a + 1;
        for (int x = a; x < e && x < n; x++) {
            if (b->first[x] < 0) b->first[x] = i;
            b->last[x] = i;
        }
    }
    return true;
}

static void bins_free(cz_bins *b)
{
    g_free(b->first);
    g_free(b->last);
}

/* The photo's side at network scale: scaled so the long side is `size`,
 * at least 1. It is padded up to the model's multiple (padded_side), so
 * every model sees the photo at its own aspect. */
static int content_side(int side, int long_side, int size)
{
    long n = lround((double)side * size / long_side);
    return n < 1 ? 1 : (int)n;
}

static int padded_side(int content, int mult)
{
    return (content + mult - 1) / mult * mult;
}

static bool report(cz_pixel_progress progress, void *user, double f, cz_pixel_step step)
{
    return progress ? progress(f, step, user) : true;
}

/* The network's share of a run, 0.2 to 0.75, reported node by node. */
typedef struct {
    cz_pixel_progress progress;
    void *user;
} net_report;

static bool report_net(double fraction, void *user)
{
    const net_report *r = user;
    return report(r->progress, r->user, 0.2 + 0.55 * fraction, CZ_PIXEL_STEP_RUNNING);
}

/* Step 1: area-average the source's L (in white's Lab) into L [nh * nw]. */
static cz_status read_L(float *L, cz_lab_white white, GeglBuffer *src, const GeglRectangle *r, int nh, int nw,
                        cz_pixel_progress progress, void *user, cz_error *err)
{
    const Babl *space = babl_format_get_space(gegl_buffer_get_format(src));
    const bool d65 = white == CZ_LAB_D65;
    const Babl *fmt = d65 ? cz__pixel_lab_linear_srgb() : babl_format_with_space("CIE L alpha float", space);
    const int stride = d65 ? 4 : 2;
    cz__pixel_read rd;
    cz__pixel_read_init(&rd, gegl_buffer_get_format(src), fmt);
    size_t cells = (size_t)nh * (size_t)nw;
    double *sum = g_try_new0(double, cells);
    double *cnt = g_try_new0(double, cells);
    cz_bins bx = {0}, by = {0};
    cz_status st = CZ_STATUS_OK;
    if (!sum || !cnt || !bins_init(&bx, r->width, nw) || !bins_init(&by, r->height, nh)) {
        st = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory for a %d x %d image", r->width, r->height);
        goto done;
    }
    GeglBufferIterator *it = gegl_buffer_iterator_new(src, r, 0, rd.read, GEGL_ACCESS_READ, GEGL_ABYSS_NONE, 1);
    size_t done_px = 0, total = (size_t)r->width * (size_t)r->height;
    while (gegl_buffer_iterator_next(it)) {
        /* [len, 2] L, alpha, or [len, 4] RGBA */
        const float *p = cz__pixel_read_tile(&rd, it->items[0].data, (size_t)it->length);
        const GeglRectangle *roi = &it->items[0].roi;
        if (!p) {
            gegl_buffer_iterator_stop(it);
            st = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
            goto done;
        }
        for (int y = 0; y < roi->height; y++) {
            int sy = roi->y + y - r->y;
            for (int x = 0; x < roi->width; x++) {
                int sx = roi->x + x - r->x;
                const float *px = p + (size_t)stride * ((size_t)y * roi->width + x);
                double v = d65 ? cz_lab_d65_L(px[0], px[1], px[2]) : px[0];
                for (int j = by.first[sy]; j <= by.last[sy]; j++)
                    for (int i = bx.first[sx]; i <= bx.last[sx]; i++) {
                        sum[(size_t)j * nw + i] += v;
                        cnt[(size_t)j * nw + i] += 1.0;
                    }
            }
        }
        done_px += (size_t)roi->width * roi->height;
        if (!report(progress, user, 0.2 * done_px / total, CZ_PIXEL_STEP_READING)) {
            gegl_buffer_iterator_stop(it);
            st = cz_error_set(err, CZ_STATUS_CANCELLED, "cancelled");
            goto done;
        }
    }
    for (size_t k = 0; k < cells; k++)
        L[k] = cnt[k] > 0.0 ? (float)(sum[k] / cnt[k]) : 0.0f;
done:
    cz__pixel_read_clear(&rd);
    bins_free(&bx);
    bins_free(&by);
    g_free(sum);
    g_free(cnt);
    return st;
}

/* Step 1b: colour hints. Every pixel of hints (over rect) with alpha >= 0.5
 * is a hint; its colour, as Lab in the buffer's own space, gives ab. Each
 * network cell takes the mean ab of its hinted pixels, so a 1-px dot on a
 * huge photo still counts. hint_ab [2, cells] (0 where none), mask [cells]. */
static cz_status read_hints(float *hint_ab, float *mask, cz_lab_white white, GeglBuffer *hints,
                            const GeglRectangle *r, int nh, int nw, cz_error *err)
{
    const Babl *space = babl_format_get_space(gegl_buffer_get_format(hints));
    const bool d65 = white == CZ_LAB_D65;
    const Babl *fmt = d65 ? cz__pixel_lab_linear_srgb() : babl_format_with_space("CIE Lab alpha float", space);
    cz__pixel_read rd;
    cz__pixel_read_init(&rd, gegl_buffer_get_format(hints), fmt);
    const size_t cells = (size_t)nh * (size_t)nw;
    double *sum = g_try_new0(double, 3 * cells);
    cz_bins bx = {0}, by = {0};
    cz_status st = CZ_STATUS_OK;
    GeglRectangle area;
    if (!sum || !bins_init(&bx, r->width, nw) || !bins_init(&by, r->height, nh)) {
        st = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory for a %d x %d image", r->width, r->height);
        goto done;
    }
    if (gegl_rectangle_intersect(&area, r, gegl_buffer_get_extent(hints))) {
        GeglBufferIterator *it = gegl_buffer_iterator_new(hints, &area, 0, rd.read, GEGL_ACCESS_READ, GEGL_ABYSS_NONE, 1);
        while (gegl_buffer_iterator_next(it)) {
            /* [len, 4] L, a, b, alpha (D65: R, G, B, alpha) */
            const float *p = cz__pixel_read_tile(&rd, it->items[0].data, (size_t)it->length);
            const GeglRectangle *roi = &it->items[0].roi;
            if (!p) {
                gegl_buffer_iterator_stop(it);
                st = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
                goto done;
            }
            for (int y = 0; y < roi->height; y++)
                for (int x = 0; x < roi->width; x++) {
                    const float *px = p + 4 * ((size_t)y * roi->width + x);
                    if (!(px[3] >= 0.5f)) continue;
                    float lab[3] = {px[0], px[1], px[2]};
                    if (d65) cz_lab_d65_from_linear_srgb(lab, px, 1);
                    const int sx = roi->x + x - r->x, sy = roi->y + y - r->y;
                    for (int j = by.first[sy]; j <= by.last[sy]; j++)
                        for (int i = bx.first[sx]; i <= bx.last[sx]; i++) {
                            double *s = sum + 3 * ((size_t)j * nw + i);
                            s[0] += lab[1], s[1] += lab[2], s[2] += 1.0;
                        }
                }
        }
    }
    for (size_t k = 0; k < cells; k++) {
        const double *s = sum + 3 * k;
        mask[k] = s[2] > 0 ? 1.0f : 0.0f;
        hint_ab[k] = s[2] > 0 ? (float)(s[0] / s[2]) : 0.0f;
        hint_ab[cells + k] = s[2] > 0 ? (float)(s[1] / s[2]) : 0.0f;
    }
done:
    cz__pixel_read_clear(&rd);
    bins_free(&bx);
    bins_free(&by);
    g_free(sum);
    return st;
}

cz_status cz_pixel_read_L(float *L, cz_lab_white white, GeglBuffer *src, const GeglRectangle *rect, int nh, int nw,
                          cz_error *err)
{
    if (!L || !src || !rect || nh <= 0 || nw <= 0 || rect->width <= 0 || rect->height <= 0)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "missing buffer or empty area");
    return read_L(L, white, src, rect, nh, nw, NULL, NULL, err);
}

cz_status cz_pixel_colorize(cz_model *model, GeglBuffer *src, GeglBuffer *dst,
                            GeglBuffer *confidence, const GeglRectangle *rect,
                            const cz_pixel_params *params,
                            cz_pixel_progress progress, void *user,
                            cz_error *err)
{
    return cz_pixel_colorize_hinted(model, src, NULL, dst, confidence, rect, params, progress, user, err);
}

cz_pixel_prediction *cz_pixel_prediction_new(cz_model *model, GeglBuffer *src, GeglBuffer *hints,
                                             const GeglRectangle *rect, const cz_pixel_params *params,
                                             bool confidence, cz_pixel_progress progress, void *user,
                                             cz_error *err)
{
    if (!model || !src || !rect || !params) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "missing model, buffer or parameters");
        return NULL;
    }
    if (hints && !cz_model_takes_hints(model)) {
        cz_error_set(err, CZ_STATUS_UNSUPPORTED, "the %s model cannot take colour hints (a hints model can)",
                     cz_model_get_config(model)->arch);
        return NULL;
    }
    if (params->reference && cz_model_check_reference(model, err) != CZ_STATUS_OK) return NULL;
    if (rect->width <= 0 || rect->height <= 0) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "the area to colorize is empty");
        return NULL;
    }
    if (cz_pixel_params_check(params, NULL, err) != CZ_STATUS_OK) return NULL;
    const cz_model_config *cfg = cz_model_get_config(model);
    int size = params->size > 0 ? params->size : cfg->size;
    int mult = cz_model_get_multiple(model);
    int size_max = (int)cz_pixel_param_get(CZ_PIXEL_PARAM_SIZE)->max;
    if (mult < 1) mult = 1;
    if (size < mult || size > size_max) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "network size %d is outside %d to %d pixels", size, mult,
                     size_max);
        return NULL;
    }

    /* Network planes are nh x nw (padded to the multiple); the photo fills
     * ch x cw cells of them at (top, left), and everything after the
     * network works on those cells only (the prediction's planes). */
    int long_side = rect->width > rect->height ? rect->width : rect->height;
    const int cw = content_side(rect->width, long_side, size), ch = content_side(rect->height, long_side, size);
    const int nw = padded_side(cw, mult), nh = padded_side(ch, mult);
    const int top = (nh - ch) / 2, left = (nw - cw) / 2;
    const size_t cells = (size_t)nh * (size_t)nw, ccells = (size_t)ch * (size_t)cw;
    const bool guided = params->edge_radius > 0;
    /* One block: L, ab, conf, hints [3] padded; then the hints of the
     * photo's cells. */
    float *block = g_try_new(float, 7 * cells + 3 * ccells);
    double *gwork = guided ? g_try_new(double, cz_guided_work_doubles(ch, cw)) : NULL;
    cz_pixel_prediction *pred = cz__pixel_prediction_alloc(src, rect, ch, cw, cfg->white == CZ_LAB_D65, confidence,
                                                           guided, params->saturation);
    cz_status st;
    if (!block || (guided && !gwork) || !pred) {
        st = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory for a %d x %d network input", nw, nh);
        goto done;
    }
    const cz_lab_white white = cfg->white;
    float *L = block, *ab = L + cells, *conf = ab + 2 * cells, *hint = conf + cells;
    float *hintc = hint + 3 * cells;
    st = read_L(pred->L, white, src, rect, ch, cw, progress, user, err);
    if (st == CZ_STATUS_OK && hints) st = read_hints(hintc, hintc + 2 * ccells, white, hints, rect, ch, cw, err);
    if (st != CZ_STATUS_OK) goto done;
    cz_pad_forward(L, pred->L, 1, ch, cw, nh, nw, top, left, true);
    if (hints) cz_pad_forward(hint, hintc, 3, ch, cw, nh, nw, top, left, false); /* no hints in the padding */
    if (!report(progress, user, 0.2, CZ_PIXEL_STEP_RUNNING)) {
        st = cz_error_set(err, CZ_STATUS_CANCELLED, "cancelled");
        goto done;
    }
    const cz_hints h = {hint, hint + 2 * cells};
    net_report nr = {progress, user};
    st = cz_model_predict_progress(model, ab, confidence ? conf : NULL, L, hints ? &h : NULL, params->reference,
                                   params->reference_strength, nh, nw, params->temperature,
                                   progress ? report_net : NULL, &nr, err);
    if (st != CZ_STATUS_OK) goto done;
    cz_pad_crop(pred->ab, ab, 2, ch, cw, nh, nw, top, left);
    if (confidence) cz_pad_crop(pred->conf, conf, 1, ch, cw, nh, nw, top, left);
    if (guided)
        for (int c = 0; c < 2; c++)
            cz_guided_coeffs(pred->coef + c * ccells, gwork, pred->L, pred->ab + c * ccells, ch, cw,
                             params->edge_radius, params->edge_eps);
done:
    g_free(block);
    g_free(gwork);
    if (st != CZ_STATUS_OK) {
        cz_pixel_prediction_free(pred);
        return NULL;
    }
    return pred;
}

/* Step 3 over the whole of rect, tile by tile through GEGL iterators. */
static cz_status write_dst(cz_pixel_prediction *pred, GeglBuffer *dst, GeglBuffer *conf_buf,
                           cz_pixel_progress progress, void *user, cz_error *err)
{
    const GeglRectangle *r = &pred->rect;
    const Babl *dst_fmt = gegl_buffer_get_format(dst);
    const Babl *Y_fmt = babl_format_with_space("Y float", babl_format_get_space(dst_fmt));
    cz_status st = CZ_STATUS_OK;
    GeglBufferIterator *it = gegl_buffer_iterator_new(dst, r, 0, dst_fmt, GEGL_ACCESS_WRITE, GEGL_ABYSS_NONE, 2);
    if (conf_buf) gegl_buffer_iterator_add(it, conf_buf, r, 0, Y_fmt, GEGL_ACCESS_WRITE, GEGL_ABYSS_NONE);
    size_t done_px = 0, total = (size_t)r->width * (size_t)r->height;
    while (gegl_buffer_iterator_next(it)) {
        st = cz_pixel_prediction_write(pred, 0, &it->items[0].roi, dst_fmt, it->items[0].data,
                                       conf_buf ? it->items[1].data : NULL, NULL, err);
        done_px += (size_t)it->length;
        if (st == CZ_STATUS_OK && !report(progress, user, 0.75 + 0.25 * done_px / total, CZ_PIXEL_STEP_WRITING))
            st = cz_error_set(err, CZ_STATUS_CANCELLED, "cancelled");
        if (st != CZ_STATUS_OK) {
            gegl_buffer_iterator_stop(it);
            break;
        }
    }
    return st;
}

cz_status cz_pixel_colorize_hinted(cz_model *model, GeglBuffer *src, GeglBuffer *hints, GeglBuffer *dst,
                                   GeglBuffer *confidence, const GeglRectangle *rect,
                                   const cz_pixel_params *params, cz_pixel_progress progress, void *user,
                                   cz_error *err)
{
    cz_error own = {0};
    if (!err) err = &own; /* its status is the answer */
    if (!dst) return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "missing model, buffer or parameters");
    cz_pixel_prediction *pred =
        cz_pixel_prediction_new(model, src, hints, rect, params, confidence != NULL, progress, user, err);
    if (!pred) return err->status;
    cz_status st = CZ_STATUS_OK;
    if (!report(progress, user, 0.75, CZ_PIXEL_STEP_WRITING)) st = cz_error_set(err, CZ_STATUS_CANCELLED, "cancelled");
    if (st == CZ_STATUS_OK) st = write_dst(pred, dst, confidence, progress, user, err);
    cz_pixel_prediction_free(pred);
    return st;
}

cz_reference *cz_pixel_reference_new(const cz_model *model, GeglBuffer *ref, const GeglRectangle *rect,
                                     cz_error *err)
{
    if (!model || !ref) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "missing model or reference buffer");
        return NULL;
    }
    if (cz_model_check_reference(model, err) != CZ_STATUS_OK) return NULL;
    GeglRectangle r;
    if (!gegl_rectangle_intersect(&r, rect ? rect : gegl_buffer_get_extent(ref), gegl_buffer_get_extent(ref))) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "the reference area is empty");
        return NULL;
    }
    /* A histogram needs no more: GEGL box-filters the area down to it. */
    int long_side = r.width > r.height ? r.width : r.height;
    double scale = long_side > CZ_PIXEL_REFERENCE_SIDE ? (double)CZ_PIXEL_REFERENCE_SIDE / long_side : 1.0;
    GeglRectangle sr = {(int)floor(r.x * scale), (int)floor(r.y * scale), (int)lround(r.width * scale),
                        (int)lround(r.height * scale)};
    if (sr.width < 1) sr.width = 1;
    if (sr.height < 1) sr.height = 1;
    const size_t n = (size_t)sr.width * (size_t)sr.height;
    const Babl *space = babl_format_get_space(gegl_buffer_get_format(ref));
    const bool d65 = cz_model_get_config(model)->white == CZ_LAB_D65;
    const Babl *fmt = d65 ? cz__pixel_lab_linear_srgb() : babl_format_with_space("CIE Lab alpha float", space);
    float *px = g_try_new(float, 4 * n); /* [n, 4] L, a, b, alpha (D65: R, G, B, alpha) */
    float *ab = g_try_new(float, 2 * n); /* [2, k] of the k opaque pixels */
    cz_reference *out = NULL;
    if (!px || !ab) {
        cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory for the reference");
        goto done;
    }
    gegl_buffer_get(ref, &sr, scale, fmt, px, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    if (d65)
        for (size_t i = 0; i < n; i++) {
            float lab[3];
            cz_lab_d65_from_linear_srgb(lab, px + 4 * i, 1);
            memcpy(px + 4 * i, lab, sizeof lab);
        }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (px[4 * i + 3] >= 0.5f) ab[k++] = px[4 * i + 1];
    for (size_t i = 0, j = 0; i < n; i++)
        if (px[4 * i + 3] >= 0.5f) ab[k + j++] = px[4 * i + 2];
    out = cz_reference_new(cz_model_get_quant(model), ab, k, err);
done:
    g_free(px);
    g_free(ab);
    return out;
}
