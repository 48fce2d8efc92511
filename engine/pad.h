/* pad.h: planes placed inside larger ones and cut back out, for networks
 * whose input sides must be multiples of N: the photo's own aspect is kept
 * by padding its network-size planes up to the multiple and cropping the
 * answer, never by squeezing. nc planes, row-major, W fastest. */
#ifndef CZ_PAD_H
#define CZ_PAD_H

#include <stdbool.h>

/* out [nc, ho, wo] holds in [nc, h, w] at (top, left), ho >= h + top,
 * wo >= w + left; the rest is in mirrored about its borders (repeatedly,
 * whatever the padding's width: symmetric, edge rows repeated once) when
 * mirror, else 0. */
void cz_pad_forward(float *out, const float *in, int nc, int h, int w, int ho, int wo, int top, int left,
                    bool mirror);

/* out [nc, h, w] = the h x w window of in [nc, ho, wo] at (top, left). */
void cz_pad_crop(float *out, const float *in, int nc, int h, int w, int ho, int wo, int top, int left);

#endif
