/* hints_sim.c: simulated users (see hints_sim.h): geometric counts of
 * square patches whose mean true ab becomes the hint. Planes [2, h, w] and
 * [h, w], row-major; raw Lab ab in and out. */
#include "hints_sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "rng.h"

/* One position along a side of n pixels for a patch of side s. */
static int place(int n, int s, bool gaussian, uint64_t *rng)
{
    const int room = n - s + 1; /* positions 0 .. n - s */
    if (!gaussian) return (int)cz_rng_below(rng, (uint32_t)room);
    float v = 0.5f * room + 0.25f * room * cz_rng_normal(rng);
    if (v < 0.0f) v = 0.0f;
    if (v > (float)(n - s)) v = (float)(n - s);
    return (int)v;
}

/* Writes the patch's mean true ab over it and sets the mask there. */
static void paint(float *hint, float *mask, ct_hint_point *pt, const float *ab, int h, int w)
{
    const size_t plane = (size_t)h * w;
    double sa = 0, sb = 0;
    for (int y = pt->y; y < pt->y + pt->side; y++)
        for (int x = pt->x; x < pt->x + pt->side; x++) {
            const size_t i = (size_t)y * w + x;
            sa += ab[i], sb += ab[plane + i];
        }
    const double area = (double)pt->side * pt->side;
    pt->a = (float)(sa / area), pt->b = (float)(sb / area);
    for (int y = pt->y; y < pt->y + pt->side; y++)
        for (int x = pt->x; x < pt->x + pt->side; x++) {
            const size_t i = (size_t)y * w + x;
            hint[i] = pt->a, hint[plane + i] = pt->b, mask[i] = 1.0f;
        }
}

static void clear(float *hint, float *mask, int h, int w)
{
    const size_t plane = (size_t)h * w;
    memset(hint, 0, 2 * plane * sizeof(float));
    memset(mask, 0, plane * sizeof(float));
}

int ct_hints_simulate(float *hint /* [2, h, w] */, float *mask /* [h, w] */, ct_hint_point *points, int cap,
                      const float *ab /* [2, h, w] */, int h, int w, uint64_t *rng)
{
    clear(hint, mask, h, w);
    const int smax = CT_HINTS_SIDE_MAX < h && CT_HINTS_SIDE_MAX < w ? CT_HINTS_SIDE_MAX : h < w ? h : w;
    int n = 0;
    while (cz_rng_uniform(rng) < 1.0f - CT_HINTS_P) {
        ct_hint_point pt;
        pt.side = CT_HINTS_SIDE_MIN + (int)cz_rng_below(rng, CT_HINTS_SIDE_MAX - CT_HINTS_SIDE_MIN + 1);
        if (pt.side > smax) pt.side = smax;
        const bool gaussian = cz_rng_uniform(rng) < CT_HINTS_GAUSSIAN;
        pt.y = place(h, pt.side, gaussian, rng);
        pt.x = place(w, pt.side, gaussian, rng);
        paint(hint, mask, &pt, ab, h, w);
        if (n < cap) points[n] = pt;
        n++;
    }
    return n;
}

int ct_hints_fixed(float *hint /* [2, h, w] */, float *mask /* [h, w] */, ct_hint_point *points, int cap,
                   const float *ab /* [2, h, w] */, int h, int w, int n, uint64_t seed)
{
    clear(hint, mask, h, w);
    uint64_t rng = seed;
    int side = CT_HINTS_EVAL_SIDE;
    if (side > h) side = h;
    if (side > w) side = w;
    for (int k = 0; k < n; k++) {
        ct_hint_point pt = {.side = side};
        pt.y = place(h, side, false, &rng);
        pt.x = place(w, side, false, &rng);
        paint(hint, mask, &pt, ab, h, w);
        if (k < cap) points[k] = pt;
    }
    return n < 0 ? 0 : n;
}
