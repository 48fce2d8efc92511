/* upsample.c: bilinear resampling of NCHW planes, nc = N*C planes of h x w
 * to ho x wo, matching PyTorch's F.interpolate(mode='bilinear',
 * align_corners=False) with an explicit output size:
 *   src = (dst + 0.5) * (in / out) - 0.5, clamped below at 0;
 *   i0 = floor(src), i1 = i0 + 1 clamped to the last row/column,
 *   weights (1 - frac, frac).
 * The arithmetic is float, in PyTorch's order, so results agree to rounding.
 * Backward scatters dout with the same weights and accumulates (+=). */
#include "upsample.h"

#include <stddef.h>

/* One axis: output index d -> (i0, step to i1, weight of i1). */
static inline void upsample_index(int d, float scale, int in, int *i0, int *step, float *l1)
{
    float src = scale * ((float)d + 0.5f) - 0.5f;
    if (src < 0.0f) src = 0.0f;
    int i = (int)src;
    if (i > in - 1) i = in - 1; /* guards rounding at the far edge */
    *i0 = i;
    *step = i < in - 1 ? 1 : 0;
    *l1 = src - (float)i;
}

void cz_upsample_forward(float *out /* [nc, ho, wo] */, const float *in /* [nc, h, w] */,
                         int nc, int h, int w, int ho, int wo)
{
    if (nc <= 0 || h <= 0 || w <= 0 || ho <= 0 || wo <= 0) return;
    float sh = (float)h / (float)ho, sw = (float)w / (float)wo;
    for (int c = 0; c < nc; c++) {
        const float *src = in + (size_t)c * h * w;
        float *dst = out + (size_t)c * ho * wo;
        for (int y = 0; y < ho; y++) {
            int y0, dy;
            float ly1;
            upsample_index(y, sh, h, &y0, &dy, &ly1);
            float ly0 = 1.0f - ly1;
            const float *r0 = src + (size_t)y0 * w, *r1 = r0 + (size_t)dy * w;
            float *o = dst + (size_t)y * wo;
            for (int x = 0; x < wo; x++) {
                int x0, dx;
                float lx1;
                upsample_index(x, sw, w, &x0, &dx, &lx1);
                float lx0 = 1.0f - lx1;
                o[x] = ly0 * (lx0 * r0[x0] + lx1 * r0[x0 + dx]) +
                       ly1 * (lx0 * r1[x0] + lx1 * r1[x0 + dx]);
            }
        }
    }
}

void cz_upsample_backward(float *din /* [nc, h, w] */, const float *dout /* [nc, ho, wo] */,
                          int nc, int h, int w, int ho, int wo)
{
    if (nc <= 0 || h <= 0 || w <= 0 || ho <= 0 || wo <= 0) return;
    float sh = (float)h / (float)ho, sw = (float)w / (float)wo;
    for (int c = 0; c < nc; c++) {
        float *d = din + (size_t)c * h * w;
        const float *g = dout + (size_t)c * ho * wo;
        for (int y = 0; y < ho; y++) {
            int y0, dy;
            float ly1;
            upsample_index(y, sh, h, &y0, &dy, &ly1);
            float ly0 = 1.0f - ly1;
            float *r0 = d + (size_t)y0 * w, *r1 = r0 + (size_t)dy * w;
            const float *gy = g + (size_t)y * wo;
            for (int x = 0; x < wo; x++) {
                int x0, dx;
                float lx1;
                upsample_index(x, sw, w, &x0, &dx, &lx1);
                float lx0 = 1.0f - lx1;
                /* When a step is 0 both taps hit the same cell and add up. */
                r0[x0] += ly0 * lx0 * gy[x];
                r0[x0 + dx] += ly0 * lx1 * gy[x];
                r1[x0] += ly1 * lx0 * gy[x];
                r1[x0 + dx] += ly1 * lx1 * gy[x];
            }
        }
    }
}
