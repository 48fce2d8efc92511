/* fusion.c: the global fusion layer of Iizuka et al. (2016).
 * a [N, Ca, hw] local features, v [N, Cv] global features;
 * out [N, Ca+Cv, hw] = a, then each v[n, k] broadcast over its hw plane.
 * Backward accumulates (+=); dv[n, k] sums its plane of dout; da or dv may
 * be NULL. */
#include "fusion.h"

#include <stddef.h>
#include <string.h>

void cz_fusion_forward(float *out /* [n, ca+cv, hw] */, const float *a /* [n, ca, hw] */,
                       int ca, const float *v /* [n, cv] */, int cv, int n, int hw)
{
    size_t sa = (size_t)ca * hw, so = (size_t)(ca + cv) * hw;
    for (int i = 0; i < n; i++) {
        float *o = out + (size_t)i * so;
        memcpy(o, a + (size_t)i * sa, sa * sizeof(float));
        for (int k = 0; k < cv; k++) {
            float x = v[(size_t)i * cv + k];
            float *plane = o + sa + (size_t)k * hw;
            for (int p = 0; p < hw; p++) plane[p] = x;
        }
    }
}

void cz_fusion_backward(float *da /* [n, ca, hw] or NULL */, float *dv /* [n, cv] or NULL */,
                        const float *dout /* [n, ca+cv, hw] */, int ca, int cv, int n, int hw)
{
    size_t sa = (size_t)ca * hw, so = (size_t)(ca + cv) * hw;
    for (int i = 0; i < n; i++) {
        const float *g = dout + (size_t)i * so;
        if (da) {
            float *d = da + (size_t)i * sa;
            for (size_t j = 0; j < sa; j++) d[j] += g[j];
        }
        if (dv) {
            for (int k = 0; k < cv; k++) {
                const float *plane = g + sa + (size_t)k * hw;
                double s = 0; /* a 56x56 plane sums thousands of terms */
                for (int p = 0; p < hw; p++) s += plane[p];
                dv[(size_t)i * cv + k] += (float)s;
            }
        }
    }
}
