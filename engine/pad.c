/* pad.c: padding and cropping of planes (see pad.h). */
#include "pad.h"

#include <stddef.h>

/* Index i of an axis of n values, mirrored into 0..n-1 with period 2n. */
static int mirror_index(int i, int n)
{
    int m = i % (2 * n);
    if (m < 0) m += 2 * n;
    return m < n ? m : 2 * n - 1 - m;
}

void cz_pad_forward(float *out /* [nc, ho, wo] */, const float *in /* [nc, h, w] */, int nc, int h, int w,
                    int ho, int wo, int top, int left, bool mirror)
{
    if (nc <= 0 || h <= 0 || w <= 0) return;
    for (int c = 0; c < nc; c++) {
        const float *src = in + (size_t)c * h * w;
        float *dst = out + (size_t)c * ho * wo;
        for (int y = 0; y < ho; y++) {
            int sy = y - top;
            bool row_in = sy >= 0 && sy < h;
            if (mirror) sy = mirror_index(sy, h);
            for (int x = 0; x < wo; x++) {
                int sx = x - left;
                bool inside = row_in && sx >= 0 && sx < w;
                if (mirror) sx = mirror_index(sx, w);
                dst[(size_t)y * wo + x] = inside || mirror ? src[(size_t)sy * w + sx] : 0.0f;
            }
        }
    }
}

void cz_pad_crop(float *out /* [nc, h, w] */, const float *in /* [nc, ho, wo] */, int nc, int h, int w,
                 int ho, int wo, int top, int left)
{
    for (int c = 0; c < nc; c++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                out[((size_t)c * h + y) * w + x] = in[((size_t)c * ho + y + top) * wo + x + left];
}
