/* softmax.c: softmax over the channel axis of NCHW maps, in [N, C, hw].
 * Each pixel's C values are strided by hw, so the work runs over blocks of
 * adjacent pixels with small per-pixel accumulators on the stack: the inner
 * loops then read whole rows of a channel plane (no heap allocation).
 * Stable: the per-pixel maximum is subtracted before exp.
 * Backward, from the forward output y: din += y * (dout - sum_c dout*y). */
#include "softmax.h"

#include <math.h>
#include <stddef.h>

enum { SOFTMAX_BLOCK = 64 };

void cz_softmax_forward(float *out /* [n, c, hw] */, const float *in /* [n, c, hw] */,
                        int n, int c, int hw)
{
    if (n <= 0 || c <= 0 || hw <= 0) return;
    float mx[SOFTMAX_BLOCK];
    double sum[SOFTMAX_BLOCK];
    for (int i = 0; i < n; i++) {
        const float *x = in + (size_t)i * c * hw;
        float *y = out + (size_t)i * c * hw;
        for (int p0 = 0; p0 < hw; p0 += SOFTMAX_BLOCK) {
            int bn = hw - p0 < SOFTMAX_BLOCK ? hw - p0 : SOFTMAX_BLOCK;
            for (int p = 0; p < bn; p++) mx[p] = -INFINITY, sum[p] = 0;
            for (int q = 0; q < c; q++) {
                const float *xq = x + (size_t)q * hw + p0;
                for (int p = 0; p < bn; p++) mx[p] = xq[p] > mx[p] ? xq[p] : mx[p];
            }
            for (int q = 0; q < c; q++) {
                const float *xq = x + (size_t)q * hw + p0;
                float *yq = y + (size_t)q * hw + p0;
                for (int p = 0; p < bn; p++) {
                    yq[p] = expf(xq[p] - mx[p]);
                    sum[p] += yq[p];
                }
            }
            for (int q = 0; q < c; q++) {
                float *yq = y + (size_t)q * hw + p0;
                for (int p = 0; p < bn; p++) yq[p] = (float)(yq[p] / sum[p]);
            }
        }
    }
}

void cz_softmax_backward(float *din /* [n, c, hw] */, const float *dout /* [n, c, hw] */,
                         const float *out /* [n, c, hw] */, int n, int c, int hw)
{
    if (n <= 0 || c <= 0 || hw <= 0) return;
    double dot[SOFTMAX_BLOCK];
    for (int i = 0; i < n; i++) {
        size_t base = (size_t)i * c * hw;
        const float *g = dout + base, *y = out + base;
        float *d = din + base;
        for (int p0 = 0; p0 < hw; p0 += SOFTMAX_BLOCK) {
            int bn = hw - p0 < SOFTMAX_BLOCK ? hw - p0 : SOFTMAX_BLOCK;
            for (int p = 0; p < bn; p++) dot[p] = 0;
            for (int q = 0; q < c; q++) {
                size_t o = (size_t)q * hw + p0;
                for (int p = 0; p < bn; p++) dot[p] += (double)g[o + p] * y[o + p];
            }
            for (int q = 0; q < c; q++) {
                size_t o = (size_t)q * hw + p0;
                for (int p = 0; p < bn; p++) d[o + p] += y[o + p] * (float)(g[o + p] - dot[p]);
            }
        }
    }
}
