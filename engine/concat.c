/* concat.c: channel concatenation and element-wise addition of NCHW maps.
 * Concat: a [N, Ca, hw] and b [N, Cb, hw] -> out [N, Ca+Cb, hw]; per sample
 * the a channels come first, so each sample is two contiguous copies.
 * Backward accumulates (+=); a NULL gradient is skipped. */
#include "concat.h"

#include <string.h>

void cz_concat_forward(float *out /* [n, ca+cb, hw] */, const float *a /* [n, ca, hw] */,
                       int ca, const float *b /* [n, cb, hw] */, int cb, int n, int hw)
{
    size_t sa = (size_t)ca * hw, sb = (size_t)cb * hw;
    for (int i = 0; i < n; i++) {
        float *o = out + (size_t)i * (sa + sb);
        memcpy(o, a + (size_t)i * sa, sa * sizeof(float));
        memcpy(o + sa, b + (size_t)i * sb, sb * sizeof(float));
    }
}

void cz_concat_backward(float *da /* [n, ca, hw] or NULL */, float *db /* [n, cb, hw] or NULL */,
                        const float *dout /* [n, ca+cb, hw] */, int ca, int cb, int n, int hw)
{
    size_t sa = (size_t)ca * hw, sb = (size_t)cb * hw;
    for (int i = 0; i < n; i++) {
        const float *g = dout + (size_t)i * (sa + sb);
        if (da) {
            float *d = da + (size_t)i * sa;
            for (size_t j = 0; j < sa; j++) d[j] += g[j];
        }
        if (db) {
            float *d = db + (size_t)i * sb;
            for (size_t j = 0; j < sb; j++) d[j] += g[sa + j];
        }
    }
}

void cz_add_forward(float *out /* [n] */, const float *a /* [n] */, const float *b /* [n] */,
                    size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void cz_add_backward(float *da /* [n] or NULL */, float *db /* [n] or NULL */,
                     const float *dout /* [n] */, size_t n)
{
    if (da)
        for (size_t i = 0; i < n; i++) da[i] += dout[i];
    if (db)
        for (size_t i = 0; i < n; i++) db[i] += dout[i];
}
