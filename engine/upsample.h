/* upsample.h: bilinear resampling of each of nc = N*C planes from h x w to
 * ho x wo, with PyTorch's align_corners=False convention (pixel centres; a
 * source coordinate below 0 clamps to 0). Backward accumulates (+=). */
#ifndef CZ_UPSAMPLE_H
#define CZ_UPSAMPLE_H

void cz_upsample_forward(float *out, const float *in, int nc, int h, int w,
                         int ho, int wo);
void cz_upsample_backward(float *din, const float *dout, int nc, int h, int w,
                          int ho, int wo);

#endif
