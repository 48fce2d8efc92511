/* pixel_read.h: a source's pixels as float in the format the pixel path
 * wants (pixel_lab.h's src_fmt, the hints' Lab), tile by tile. Private to
 * the pixel path.
 *
 * An 8-bit source with alpha read straight into a float format can make
 * babl 0.1.98 probe and build its 24-bit lookup table (a 256 MB probe on
 * the first such fish, then up to 256 MB kept per table). Measured
 * standalone over 24 Mpx in 128 x 128 tiles: R'G'B'A u8 to "CIE L alpha
 * float", "CIE Lab alpha float" or "RGBA float", and Y'A u8 to "CIE Lab
 * alpha float" or "RGBA float", peaked at 355 MB; Y'A u8 to "CIE L alpha
 * float" and any of them to "RGBA double" (32 bytes a pixel, a size babl
 * has no table for) stayed at 6 MB. Those reads go through "RGBA double",
 * cast to "RGBA float" and converted float to float by babl. For R'G'B'A
 * u8 in sRGB that was bit for bit the direct read (every colour at alpha
 * 255, 128 and 1, babl's paths from its cache); Y'A u8 to "RGBA float" or
 * "CIE Lab alpha float" differed by at most 7e-7 (linear RGB) and 9e-5
 * (Lab). babl picks float paths by timing, so with a fresh cache the direct
 * read itself moves between runs (seen: 3e-5 in L). Other reads are direct.
 * (A babl fish cache that already holds such a u8 fish, GIMP's own
 * "R'G'B'A u8" to "RGBA float" for one, runs the probe at babl_init.) */
#ifndef CZ_PIXEL_READ_H
#define CZ_PIXEL_READ_H

#include <gegl.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const Babl *want; /* the float format handed out */
    const Babl *read; /* the format asked of GEGL: the wanted one, or "RGBA double" */
    const Babl *fish; /* "RGBA float" to the wanted format, when read through double and they differ */
    bool via_double;
    int n_out;        /* floats a pixel in the wanted format */
    size_t cap;       /* pixels the scratch holds */
    double *raw;      /* [cap * 4] a rectangle as read (cz__pixel_read_rect) */
    float *rgba;      /* [cap * 4] the double read cast */
    float *out;       /* [cap * n_out] the wanted format, when fish */
} cz__pixel_read;

/* want: a float format; src: the source buffer's format. Owns no memory
 * until a read; cz__pixel_read_clear frees it. */
void cz__pixel_read_init(cz__pixel_read *r, const Babl *src, const Babl *want);
void cz__pixel_read_clear(cz__pixel_read *r);

/* n pixels in r->read (an iterator's tile) as the wanted format: data
 * itself, or r's scratch valid until the next call; NULL when out of
 * memory. */
const float *cz__pixel_read_tile(cz__pixel_read *r, const void *data, size_t n);

/* The pixels of roi of buf as the wanted format, into r's scratch (valid
 * until the next call); NULL when out of memory. */
const float *cz__pixel_read_rect(cz__pixel_read *r, GeglBuffer *buf, const GeglRectangle *roi);

#endif
