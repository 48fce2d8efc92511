/* pixel_write.c: step 3 of the pixel path, any rectangle at a time (see
 * pixel_write.h and pixel.h).
 *
 * Colour: the source's L is read in the model's Lab (pixel_lab.h: babl's
 * "CIE L alpha float" in its own space, or skimage's D65 from linear sRGB,
 * through pixel_read.h);
 * the network's ab, up-sampled to each pixel (bilinear, or guided by the
 * pixel's own L), times saturation, joins it and the Lab goes to linear RGB
 * of the destination's space. When the
 * predicted colour does not fit that gamut, its chroma is reduced (hue and L
 * kept) by bisection, so clipping in an integer destination never moves L.
 * Memory is one rectangle of scratch, whatever the image size. */
#include "pixel_write.h"

#include <string.h>

#include "guided.h"
#include "pixel_lab.h"
#include "pixel_read.h"
#include "upsample.h"

#define CZ_PIXEL_GAMUT_STEPS 10
#define CZ_PIXEL_GAMUT_EPS 1e-5f

/* Scratch for one rectangle, grown to the largest seen. */
struct cz_pixel_scratch {
    size_t cap;
    cz__pixel_read src; /* the source as pixel_lab.h reads it, with its own scratch */
    float *lab;    /* [cap * 4] L, a, b, alpha */
    float *rgba;   /* [cap * 4] linear RGBA in the destination space */
    float *tlab;   /* [cap * 4] bisection trial */
    float *trgba;  /* [cap * 4] */
    float *lo;     /* [cap] chroma scale known in gamut */
    float *hi;     /* [cap] chroma scale known out of gamut */
    int *idx;      /* [cap] pixels still out of gamut */
};

static bool scratch_reserve(struct cz_pixel_scratch *s, size_t n)
{
    if (n <= s->cap) return true;
    size_t n4;
    if (!cz_size_mul(&n4, n, 4 * sizeof(float))) return false;
    float **bufs4[] = {&s->lab, &s->rgba, &s->tlab, &s->trgba};
    for (size_t i = 0; i < G_N_ELEMENTS(bufs4); i++) {
        float *p = g_try_realloc(*bufs4[i], n4);
        if (!p) return false;
        *bufs4[i] = p;
    }
    float *lo = g_try_realloc(s->lo, n * sizeof(float));
    if (!lo) return false;
    s->lo = lo;
    float *hi = g_try_realloc(s->hi, n * sizeof(float));
    if (!hi) return false;
    s->hi = hi;
    int *idx = g_try_realloc(s->idx, n * sizeof(int));
    if (!idx) return false;
    s->idx = idx;
    s->cap = n;
    return true;
}

static void scratch_clear(struct cz_pixel_scratch *s)
{
    cz__pixel_read_clear(&s->src);
    g_free(s->lab);
    g_free(s->rgba);
    g_free(s->tlab);
    g_free(s->trgba);
    g_free(s->lo);
    g_free(s->hi);
    g_free(s->idx);
}

static inline bool in_gamut(const float *rgba)
{
    for (int c = 0; c < 3; c++)
        if (rgba[c] < -CZ_PIXEL_GAMUT_EPS || rgba[c] > 1.0f + CZ_PIXEL_GAMUT_EPS) return false;
    return true;
}

/* Lab (s->lab, n pixels, in lab's white) to linear RGBA (s->rgba),
 * reducing the chroma of out-of-gamut pixels by bisection on a common
 * scale of a and b. */
static void lab_to_rgba_in_gamut(struct cz_pixel_scratch *s, size_t n, const cz__pixel_lab *lab)
{
    cz__pixel_lab_to_rgba(lab, s->lab, s->rgba, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_gamut(s->rgba + 4 * i)) {
            s->idx[m] = (int)i;
            s->lo[m] = 0.0f;
            s->hi[m] = 1.0f;
            m++;
        }
    }
    if (m == 0) return;
    for (int step = 0; step < CZ_PIXEL_GAMUT_STEPS; step++) {
        for (size_t k = 0; k < m; k++) {
            const float *src = s->lab + 4 * (size_t)s->idx[k];
            float t = 0.5f * (s->lo[k] + s->hi[k]);
            float *d = s->tlab + 4 * k;
            d[0] = src[0];
            d[1] = src[1] * t;
            d[2] = src[2] * t;
            d[3] = src[3];
        }
        cz__pixel_lab_to_rgba(lab, s->tlab, s->trgba, m);
        for (size_t k = 0; k < m; k++) {
            float t = 0.5f * (s->lo[k] + s->hi[k]);
            if (in_gamut(s->trgba + 4 * k)) s->lo[k] = t;
            else s->hi[k] = t;
        }
    }
    for (size_t k = 0; k < m; k++) {
        const float *src = s->lab + 4 * (size_t)s->idx[k];
        float *d = s->tlab + 4 * k;
        d[0] = src[0];
        d[1] = src[1] * s->lo[k];
        d[2] = src[2] * s->lo[k];
        d[3] = src[3];
    }
    cz__pixel_lab_to_rgba(lab, s->tlab, s->trgba, m);
    for (size_t k = 0; k < m; k++) {
        float *d = s->rgba + 4 * (size_t)s->idx[k];
        for (int c = 0; c < 4; c++) {
            float v = s->trgba[4 * k + c];
            d[c] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
        }
    }
}

cz_pixel_prediction *cz__pixel_prediction_alloc(GeglBuffer *src, const GeglRectangle *rect, int h, int w, bool d65,
                                                bool confidence, bool guided, float saturation)
{
    const size_t cells = (size_t)h * (size_t)w;
    cz_pixel_prediction *p = g_try_new0(cz_pixel_prediction, 1);
    if (!p) return NULL;
    p->block = g_try_new(float, (3 + (confidence ? 1 : 0) + (guided ? 2 : 0)) * cells);
    p->scratch = g_try_new0(struct cz_pixel_scratch, CZ_PIXEL_LANES);
    if (!p->block || !p->scratch) {
        g_free(p->block);
        g_free(p->scratch);
        g_free(p);
        return NULL;
    }
    p->src = g_object_ref(src);
    p->rect = *rect;
    p->h = h;
    p->w = w;
    p->d65 = d65;
    p->saturation = saturation;
    p->ab = p->block;
    p->L = p->ab + 2 * cells;
    float *next = p->L + cells;
    if (confidence) p->conf = next, next += cells;
    if (guided) p->coef = next;
    return p;
}

void cz_pixel_prediction_free(cz_pixel_prediction *pred)
{
    if (!pred) return;
    g_object_unref(pred->src);
    g_free(pred->block);
    for (int i = 0; i < CZ_PIXEL_LANES; i++) scratch_clear(pred->scratch + i);
    g_free(pred->scratch);
    g_free(pred);
}

bool cz_pixel_prediction_has_confidence(const cz_pixel_prediction *pred) { return pred->conf != NULL; }

cz_status cz_pixel_prediction_write(cz_pixel_prediction *pred, int lane, const GeglRectangle *roi,
                                    const Babl *format, void *dst, float *confidence, const float *mask,
                                    cz_error *err)
{
    if (!pred || !roi || (dst && !format))
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "missing prediction, area or format");
    if (lane < 0 || lane >= CZ_PIXEL_LANES)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "lane %d is outside 0 to %d", lane, CZ_PIXEL_LANES - 1);
    if (!gegl_rectangle_contains(&pred->rect, roi) || roi->width <= 0 || roi->height <= 0)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "the area %d,%d %dx%d is outside the prediction",
                            roi->x, roi->y, roi->width, roi->height);
    if (confidence && !pred->conf)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "the prediction has no confidence");
    if (dst && mask && !babl_format_has_alpha(format))
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "a mask needs a format with alpha");
    const size_t n = (size_t)roi->width * (size_t)roi->height;
    struct cz_pixel_scratch *s = pred->scratch + lane;
    if (!scratch_reserve(s, n)) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");

    const GeglRectangle *r = &pred->rect;
    const int nh = pred->h, nw = pred->w;
    const size_t cells = (size_t)nh * nw;
    const float *pa = pred->ab, *pb = pred->ab + cells;
    const float sx = (float)nw / (float)r->width, sy = (float)nh / (float)r->height;
    const float saturation = pred->saturation;
    if (!dst) {
        for (int y = 0; y < roi->height; y++) {
            float v = ((float)(roi->y + y - r->y) + 0.5f) * sy - 0.5f;
            for (int x = 0; x < roi->width; x++) {
                float u = ((float)(roi->x + x - r->x) + 0.5f) * sx - 0.5f;
                confidence[(size_t)y * roi->width + x] = cz_upsample_at(pred->conf, nh, nw, u, v);
            }
        }
        return CZ_STATUS_OK;
    }

    const Babl *src_space = babl_format_get_space(gegl_buffer_get_format(pred->src));
    const Babl *dst_space = babl_format_get_space(format);
    /* A gray destination has no room for colour: it gets babl's L alone. */
    const bool gray = babl_format_get_n_components(format) <= 2;
    const Babl *lab_fmt = babl_format_with_space("CIE Lab alpha float", dst_space);
    const Babl *rgba_fmt = babl_format_with_space("RGBA float", dst_space);
    cz__pixel_lab lab;
    cz__pixel_lab_init(&lab, pred->d65 && !gray, src_space, dst_space);
    if (s->src.want != lab.src_fmt) {
        cz__pixel_read_clear(&s->src);
        cz__pixel_read_init(&s->src, gegl_buffer_get_format(pred->src), lab.src_fmt);
    }
    /* [n, 2] L, alpha or [n, 4] linear sRGB (pixel_lab.h) */
    const float *Lsrc = cz__pixel_read_rect(&s->src, pred->src, roi);
    if (!Lsrc) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    for (int y = 0; y < roi->height; y++) {
        float v = ((float)(roi->y + y - r->y) + 0.5f) * sy - 0.5f;
        for (int x = 0; x < roi->width; x++) {
            float u = ((float)(roi->x + x - r->x) + 0.5f) * sx - 0.5f;
            size_t k = (size_t)y * roi->width + x;
            float *d = s->lab + 4 * k;
            d[0] = cz__pixel_lab_L(&lab, Lsrc, k);
            if (gray) {
                d[1] = d[2] = 0.0f;
            } else if (pred->coef) {
                d[1] = saturation * cz_guided_at(pa, pred->coef, pred->L, nh, nw, u, v, d[0]);
                d[2] = saturation * cz_guided_at(pb, pred->coef + cells, pred->L, nh, nw, u, v, d[0]);
            } else {
                d[1] = saturation * cz_upsample_at(pa, nh, nw, u, v);
                d[2] = saturation * cz_upsample_at(pb, nh, nw, u, v);
            }
            d[3] = cz__pixel_lab_alpha(&lab, Lsrc, k);
            if (mask) d[3] *= mask[k];
            if (confidence) confidence[k] = cz_upsample_at(pred->conf, nh, nw, u, v);
        }
    }
    if (gray) {
        babl_process(babl_fish(lab_fmt, format), s->lab, dst, (long)n);
    } else {
        lab_to_rgba_in_gamut(s, n, &lab);
        babl_process(babl_fish(rgba_fmt, format), s->rgba, dst, (long)n);
    }
    return CZ_STATUS_OK;
}
