/* subsample.c: strided slicing of NCHW planes, out[c, y, x] = in[c, s*y, s*x]
 * for y < ceil(h/s), x < ceil(w/s). No arithmetic, so it matches PyTorch's
 * x[:, :, ::s, ::s] exactly; backward adds dout into the kept pixels and
 * leaves the others' gradients untouched. */
#include "subsample.h"

#include <stddef.h>

void cz_subsample_forward(float *out /* [nc, ceil(h/s), ceil(w/s)] */, const float *in /* [nc, h, w] */,
                          int nc, int h, int w, int s)
{
    const int ho = cz_subsample_out(h, s), wo = cz_subsample_out(w, s);
    for (int c = 0; c < nc; c++) {
        const float *src = in + (size_t)c * h * w;
        float *dst = out + (size_t)c * ho * wo;
        for (int y = 0; y < ho; y++) {
            const float *row = src + (size_t)y * s * w;
            for (int x = 0; x < wo; x++) dst[(size_t)y * wo + x] = row[(size_t)x * s];
        }
    }
}

void cz_subsample_backward(float *din /* [nc, h, w] */, const float *dout /* [nc, ceil(h/s), ceil(w/s)] */,
                           int nc, int h, int w, int s)
{
    const int ho = cz_subsample_out(h, s), wo = cz_subsample_out(w, s);
    for (int c = 0; c < nc; c++) {
        float *dst = din + (size_t)c * h * w;
        const float *g = dout + (size_t)c * ho * wo;
        for (int y = 0; y < ho; y++) {
            float *row = dst + (size_t)y * s * w;
            for (int x = 0; x < wo; x++) row[(size_t)x * s] += g[(size_t)y * wo + x];
        }
    }
}
