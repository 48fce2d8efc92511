/* image.h: photos in and out of corolization-train through GEGL and babl.
 *
 * Loading checks the file's bytes first (photo.h: the header's size against
 * the pixel limits, the structure, a strict decode of JPEG and PNG), because
 * GEGL's loaders cannot be trusted with damaged files; then the matching GEGL
 * loader decodes it, and must agree with the header on the size.
 *
 * Lab is babl's "CIE Lab float" in the buffer's own space
 * (babl_format_with_space), the path the plug-in reads L by.
 * Layout of ct_lab_image: interleaved L, a, b per pixel, rows top to bottom. */
#ifndef CT_IMAGE_H
#define CT_IMAGE_H

#include <gegl.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int w, h;
    float *lab; /* [h, w, 3] */
} ct_lab_image;

/* Checks a file (see photo.h), opened through cz_file_open_regular. Returns
 * true when a GEGL loader may be given it; otherwise writes why into why[n]
 * and, when op is not NULL, leaves it alone. *op receives the GEGL loader's
 * name. */
bool ct_image_sniff(const char *path, const char **op, char *why, size_t n);

/* Loads a photo into a new GeglBuffer (its own format and space); NULL with
 * why[n] filled when the file is damaged or unreadable. */
GeglBuffer *ct_image_load_buffer(const char *path, char *why, size_t n);

/* Loads a photo as Lab; false with why filled on failure. */
bool ct_image_load_lab(const char *path, ct_lab_image *img, char *why, size_t n);
/* Reads a buffer as Lab in the buffer's own space. */
bool ct_image_buffer_to_lab(GeglBuffer *buf, ct_lab_image *img, char *why, size_t n);
void ct_lab_image_free(ct_lab_image *img);

/* Mean chroma sqrt(a^2 + b^2) over the image: near 0 for gray photos. */
double ct_lab_image_mean_chroma(const ct_lab_image *img);

/* Centre square crop (side = short side) area-resampled to n x n:
 * L [n*n], a [n*n], b [n*n] planes. Averaging in Lab keeps L the average
 * the plug-in's own down-sampling of L computes. */
void ct_lab_image_square(float *L, float *a, float *b, const ct_lab_image *img, int n);

/* Planar Lab [3][n] <-> interleaved 8-bit sRGB / float sRGB through babl
 * ("CIE Lab float" <-> "R'G'B' u8"/"R'G'B' float", sRGB). */
void ct_lab_planes_to_rgb_u8(unsigned char *rgb, const float *L, const float *a,
                             const float *b, size_t n);
void ct_lab_planes_to_rgb_float(float *rgb, const float *L, const float *a,
                                const float *b, size_t n);
void ct_rgb_float_to_lab(float *lab, const float *rgb, size_t n);

/* PNG writing: libpng encodes straight into a cz_file_writer (file.h), so a
 * full disk or a file size limit fails the write with its reason and leaves
 * any old file whole (gegl:png-save ignores write errors). The file is what
 * gegl:png-save writes at bitdepth 8: RGB or gray, with alpha when the
 * buffer has it, sRGB chunks for sRGB buffers, the buffer's ICC profile
 * otherwise. Both return false with why[n] filled on failure. */
/* Writes interleaved 8-bit sRGB [h, w, 3] as PNG. */
bool ct_png_write_rgb_u8(const char *path, const unsigned char *rgb, int w, int h,
                         char *why, size_t n);
/* Writes a buffer (its whole extent) as PNG of bits (8 or 16) per sample. */
bool ct_png_write_buffer(const char *path, GeglBuffer *buf, int bits, char *why, size_t n);
/* The PNG depth that keeps what a photo's buffer holds: 16 when its samples
 * have more than 8 bits (16-bit PNG or TIFF, float), else 8. */
int ct_image_buffer_bits(GeglBuffer *buf);

#endif
