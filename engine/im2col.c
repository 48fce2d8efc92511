/* im2col.c: im2col and col2im for one image, the element-wise halves of
 * convolution as gemm (see im2col.h). Channels are independent in both
 * directions, so cz_parallel_run splits the input planes (and their col
 * rows) over threads. */
#include "im2col.h"

#include <stddef.h>
#include <string.h>

#include "parallel.h"

/* Output columns ow in [*lo, *hi) read a real input column
 * iw = ow*stride - pad + off (0 <= iw < w); the rest read padding. */
static void col_valid_range(int *lo, int *hi, int off, int stride, int pad,
                            int w, int wo)
{
    int first = pad - off; /* need ow*stride >= pad - off */
    int a = first <= 0 ? 0 : (first + stride - 1) / stride;
    int last = w - 1 + pad - off; /* need ow*stride <= w-1+pad-off */
    int b = last < 0 ? 0 : last / stride + 1;
    if (a > wo) a = wo;
    if (b > wo) b = wo;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

static void im2col_serial(float *col /* [cin*k*k, ho*wo] */, const float *img /* [cin, h, w] */,
                          int cin, int h, int w, int k, int stride, int pad, int dil,
                          int ho, int wo)
{
    for (int c = 0; c < cin; c++) {
        const float *plane = img + (size_t)c * h * w;
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                float *row = col + (((size_t)c * k + kh) * k + kw) * ho * wo;
                int lo, hi;
                col_valid_range(&lo, &hi, kw * dil, stride, pad, w, wo);
                for (int oh = 0; oh < ho; oh++) {
                    float *restrict dst = row + (size_t)oh * wo;
                    int ih = oh * stride - pad + kh * dil;
                    if (ih < 0 || ih >= h || lo == hi) {
                        memset(dst, 0, sizeof(float) * wo);
                        continue;
                    }
                    if (lo > 0) memset(dst, 0, sizeof(float) * lo);
                    if (hi < wo) memset(dst + hi, 0, sizeof(float) * (wo - hi));
                    const float *restrict src = plane + (size_t)ih * w + (lo * stride - pad + kw * dil);
                    if (stride == 1) {
                        memcpy(dst + lo, src, sizeof(float) * (hi - lo));
                    } else if (stride == 2) {
                        for (int i = 0; i < hi - lo; i++) dst[lo + i] = src[2 * i];
                    } else {
                        for (int i = 0; i < hi - lo; i++) dst[lo + i] = src[i * stride];
                    }
                }
            }
        }
    }
}

static void col2im_serial(float *img /* [cin, h, w] */, const float *col /* [cin*k*k, ho*wo] */,
                          int cin, int h, int w, int k, int stride, int pad, int dil,
                          int ho, int wo)
{
    for (int c = 0; c < cin; c++) {
        float *plane = img + (size_t)c * h * w;
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                const float *row = col + (((size_t)c * k + kh) * k + kw) * ho * wo;
                int lo, hi;
                col_valid_range(&lo, &hi, kw * dil, stride, pad, w, wo);
                if (lo == hi) continue;
                for (int oh = 0; oh < ho; oh++) {
                    int ih = oh * stride - pad + kh * dil;
                    if (ih < 0 || ih >= h) continue;
                    /* restrict: col and img never overlap, so no runtime alias checks. */
                    const float *restrict src = row + (size_t)oh * wo + lo;
                    float *restrict dst = plane + (size_t)ih * w + (lo * stride - pad + kw * dil);
                    int n = hi - lo;
                    if (stride == 1) {
                        for (int i = 0; i < n; i++) dst[i] += src[i];
                    } else {
                        for (int i = 0; i < n; i++) dst[i * stride] += src[i];
                    }
                }
            }
        }
    }
}

/* Channels are independent in both directions: each thread takes a run of
 * input planes and their col rows. */
typedef struct {
    float *col, *img;
    const float *ccol, *cimg;
    int h, w, k, stride, pad, dil, ho, wo;
} col_job;

static void im2col_part(void *p, long lo, long hi)
{
    const col_job *j = p;
    size_t rows = (size_t)j->k * j->k * j->ho * j->wo, plane = (size_t)j->h * j->w;
    im2col_serial(j->col + lo * rows, j->cimg + lo * plane, (int)(hi - lo), j->h, j->w, j->k, j->stride,
                  j->pad, j->dil, j->ho, j->wo);
}

static void col2im_part(void *p, long lo, long hi)
{
    const col_job *j = p;
    size_t rows = (size_t)j->k * j->k * j->ho * j->wo, plane = (size_t)j->h * j->w;
    col2im_serial(j->img + lo * plane, j->ccol + lo * rows, (int)(hi - lo), j->h, j->w, j->k, j->stride,
                  j->pad, j->dil, j->ho, j->wo);
}

void cz_im2col(float *col /* [cin*k*k, ho*wo] */, const float *img /* [cin, h, w] */,
               int cin, int h, int w, int k, int stride, int pad, int dil,
               int ho, int wo)
{
    col_job j = {.col = col, .cimg = img, .h = h, .w = w, .k = k, .stride = stride, .pad = pad,
                 .dil = dil, .ho = ho, .wo = wo};
    cz_parallel_run(im2col_part, &j, cin, (size_t)cin * k * k * ho * wo);
}

void cz_col2im(float *img /* [cin, h, w] */, const float *col /* [cin*k*k, ho*wo] */,
               int cin, int h, int w, int k, int stride, int pad, int dil,
               int ho, int wo)
{
    col_job j = {.img = img, .ccol = col, .h = h, .w = w, .k = k, .stride = stride, .pad = pad,
                 .dil = dil, .ho = ho, .wo = wo};
    cz_parallel_run(col2im_part, &j, cin, (size_t)cin * k * k * ho * wo);
}
