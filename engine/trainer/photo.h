/* photo.h: deciding from a photo file's bytes alone whether a GEGL loader may
 * be given it.
 *
 * GEGL's loaders cannot be trusted with hostile files: gegl:jpg-load keeps
 * libjpeg's default error manager, which prints "Corrupt JPEG data" warnings
 * to stderr (no GLib log, nothing the caller can see) and exits the process
 * on errors; gegl:png-load prints libpng's errors with g_printerr and returns
 * a buffer whose missing rows are black. Both decode whatever size the header
 * claims before anyone can refuse it. So the bytes are checked here first:
 *
 * 1. ct_photo_header_read: the signature (JPEG, PNG, TIFF, WebP), the size
 *    from the header (JPEG SOF, PNG IHDR, TIFF's first IFD, WebP VP8/VP8L/
 *    VP8X), the structure a truncation breaks (JPEG marker segments up to the
 *    scan and EOI at the end; PNG chunks from IHDR to a final IEND; TIFF
 *    strips or tiles inside the file; the RIFF length), and the pixel limits
 *    below. Reads no pixels.
 * 2. ct_photo_verify: a full decode of a JPEG or PNG by libjpeg or libpng
 *    from memory, with error managers that turn every error and warning into
 *    a refusal (a JPEG cut short with FFD9 re-appended passes step 1), and a
 *    limit on progressive scans. TIFF and WebP are left to their loaders
 *    (gegl:webp-load returns nothing for damaged data; damage inside a TIFF
 *    strip only draws libtiff warnings).
 * Neither keeps state between calls: photos may be checked on any thread. */
#ifndef CT_PHOTO_H
#define CT_PHOTO_H

#include <stdbool.h>
#include <stddef.h>

/* The most pixels a photo may have: 50 megapixels (8660 x 5773; its Lab copy
 * takes 600 MB). */
#define CT_PHOTO_MAX_PIXELS 50000000u
/* Above CT_PHOTO_DENSE_PIXELS a photo needs a byte of file per
 * CT_PHOTO_PIXELS_PER_BYTE pixels. Camera photos are far denser (a 24 MP
 * JPEG takes some 6 MB); a small file claiming a huge size is a
 * decompression bomb. So a file under 1 MB costs at most 16 MP of decoding,
 * a few seconds. */
#define CT_PHOTO_DENSE_PIXELS 16000000u
#define CT_PHOTO_PIXELS_PER_BYTE 16u
/* The largest file read at all: 1 GiB (a 50 MP photo as uncompressed 16-bit
 * RGBA is 400 MB); a bigger, or sparse, file would only cost memory and time. */
#define CT_PHOTO_MAX_BYTES (1u << 30)
/* More scans than this in a progressive JPEG is an attack on decoding time
 * (libjpeg's own scripts use about ten). */
#define CT_PHOTO_MAX_SCANS 100

typedef enum { CT_PHOTO_JPEG, CT_PHOTO_PNG, CT_PHOTO_TIFF, CT_PHOTO_WEBP } ct_photo_format;

typedef struct {
    ct_photo_format format;
    int w, h;
} ct_photo_info;

/* Step 1 over d [size]. True with *info filled, or false with why[n] saying
 * what is wrong. */
bool ct_photo_header_read(const unsigned char *d, size_t size, ct_photo_info *info,
                          char *why, size_t n);

/* Step 2 over d [size], for a header ct_photo_header_read accepted. */
bool ct_photo_verify(const unsigned char *d, size_t size, const ct_photo_info *info,
                     char *why, size_t n);

/* The GEGL operation that loads the format ("gegl:png-load", ...). */
const char *ct_photo_loader(ct_photo_format format);

#endif
