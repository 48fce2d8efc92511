/* im2col.h: the column form of one image for convolution as gemm.
 * img [Cin, H, W]; col [Cin*K*K, Ho*Wo], where row (c, kh, kw) holds the
 * input pixel each output pixel sees through that kernel tap (0 in the
 * padding): input row oh*stride - pad + kh*dil, column likewise. */
#ifndef CZ_IM2COL_H
#define CZ_IM2COL_H

/* col = im2col(img); every element of col is written. */
void cz_im2col(float *col, const float *img, int cin, int h, int w, int k,
               int stride, int pad, int dil, int ho, int wo);
/* img += col2im(col): each col element is added to the pixel it came from. */
void cz_col2im(float *img, const float *col, int cin, int h, int w, int k,
               int stride, int pad, int dil, int ho, int wo);

#endif
