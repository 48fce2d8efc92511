/* upsample.h: bilinear resampling of each of nc = N*C planes from h x w to
 * ho x wo, with PyTorch's align_corners=False convention (pixel centres; a
 * source coordinate below 0 clamps to 0). Backward accumulates (+=).
 * cz_upsample_at samples one point of a plane. */
#ifndef CZ_UPSAMPLE_H
#define CZ_UPSAMPLE_H

void cz_upsample_forward(float *out, const float *in, int nc, int h, int w,
                         int ho, int wo);
void cz_upsample_backward(float *din, const float *dout, int nc, int h, int w,
                          int ho, int wo);

/* One bilinear sample of plane p [h * w] at continuous coordinates (u, v),
 * cell centres at integers, edges clamped: the pixel path's up-sampling of
 * a network plane to any pixel, one pixel at a time. */
static inline float cz_upsample_at(const float *p, int h, int w, float u, float v)
{
    if (u < 0.0f) u = 0.0f;
    if (v < 0.0f) v = 0.0f;
    if (u > (float)(w - 1)) u = (float)(w - 1);
    if (v > (float)(h - 1)) v = (float)(h - 1);
    int x0 = (int)u, y0 = (int)v;
    int x1 = x0 + 1 < w ? x0 + 1 : x0;
    int y1 = y0 + 1 < h ? y0 + 1 : y0;
    float fx = u - (float)x0, fy = v - (float)y0;
    float top = p[y0 * w + x0] * (1.0f - fx) + p[y0 * w + x1] * fx;
    float bot = p[y1 * w + x0] * (1.0f - fx) + p[y1 * w + x1] * fx;
    return top * (1.0f - fy) + bot * fy;
}

#endif
