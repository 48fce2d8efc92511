/* photo_header.c: a photo's format, size and structure from its header, and
 * the pixel limits (see photo.h). Reads no pixels. */
#include "photo.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Writes why and returns false, for `return refuse(...)`. */
__attribute__((format(printf, 3, 4)))
static bool refuse(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return false;
}

static uint32_t be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const unsigned char *p) { return be16(p) << 16 | be16(p + 2); }
static uint32_t le16(const unsigned char *p) { return (uint32_t)p[1] << 8 | p[0]; }
static uint32_t le24(const unsigned char *p) { return (uint32_t)p[2] << 16 | le16(p); }
static uint32_t le32(const unsigned char *p) { return le16(p + 2) << 16 | le16(p); }

/* Walks JPEG marker segments from SOI to the first SOS, taking the size from
 * the frame header (SOF); requires an EOI at the end (trailing zero padding
 * allowed). */
static bool jpeg_header(const unsigned char *d, size_t size, ct_photo_info *info, char *why,
                        size_t n)
{
    size_t p = 2;
    bool sof = false;
    for (;;) {
        if (p + 4 > size) return refuse(why, n, "truncated JPEG (headers end early)");
        if (d[p] != 0xFF) return refuse(why, n, "corrupt JPEG (bad marker at byte %zu)", p);
        while (p < size && d[p] == 0xFF) p++;
        if (p + 3 > size) return refuse(why, n, "truncated JPEG");
        unsigned m = d[p++];
        if (m == 0xD8 || m == 0xD9 || (m >= 0xD0 && m <= 0xD7) || m == 0x01)
            return refuse(why, n, "corrupt JPEG (marker 0x%02X before the scan)", m);
        size_t len = be16(d + p);
        if (len < 2 || p + len > size) return refuse(why, n, "truncated JPEG (segment 0x%02X)", m);
        if ((m >= 0xC0 && m <= 0xCF) && m != 0xC4 && m != 0xC8 && m != 0xCC && !sof) {
            /* length, precision, height, width */
            if (len < 8) return refuse(why, n, "corrupt JPEG (short frame header)");
            info->h = (int)be16(d + p + 3);
            info->w = (int)be16(d + p + 5);
            sof = true;
        }
        if (m == 0xDA) break;
        p += len;
    }
    if (!sof) return refuse(why, n, "corrupt JPEG (no frame header)");
    size_t e = size;
    while (e > 2 && d[e - 1] == 0) e--;
    if (e < 2 || d[e - 2] != 0xFF || d[e - 1] != 0xD9)
        return refuse(why, n, "truncated JPEG (no end-of-image marker)");
    return true;
}

/* Walks PNG chunks: IHDR first (the size), every chunk inside the file, IEND
 * last. CRCs and the compressed data are libpng's to check. */
static bool png_header(const unsigned char *d, size_t size, ct_photo_info *info, char *why,
                       size_t n)
{
    size_t p = 8;
    for (bool first = true;; first = false) {
        if (p == size) return refuse(why, n, "truncated PNG (no IEND chunk at the end)");
        if (size - p < 12) return refuse(why, n, "truncated PNG (a chunk header is cut)");
        size_t len = be32(d + p);
        const unsigned char *type = d + p + 4;
        if (len > size - p - 12)
            return refuse(why, n, "truncated PNG (chunk %.4s runs past the end)",
                          (const char *)type);
        if (first) {
            if (memcmp(type, "IHDR", 4) != 0 || len != 13)
                return refuse(why, n, "corrupt PNG (no IHDR chunk first)");
            uint32_t w = be32(d + p + 8), h = be32(d + p + 12);
            if (w > INT32_MAX || h > INT32_MAX)
                return refuse(why, n, "corrupt PNG (size %ux%u)", w, h);
            info->w = (int)w;
            info->h = (int)h;
        }
        p += len + 12;
        if (memcmp(type, "IEND", 4) == 0) {
            if (p != size) return refuse(why, n, "corrupt PNG (%zu bytes after IEND)", size - p);
            return true;
        }
    }
}

/* Element i of a TIFF entry's SHORT or LONG array, stored in the entry when
 * it fits in 4 bytes, else at the offset the entry holds. */
static bool tiff_value(const unsigned char *d, size_t size, const unsigned char *e, bool le,
                       uint32_t i, uint32_t *v)
{
    uint32_t (*u16)(const unsigned char *) = le ? le16 : be16;
    uint32_t (*u32)(const unsigned char *) = le ? le32 : be32;
    uint32_t type = u16(e + 2), cnt = u32(e + 4);
    size_t unit = type == 3 ? 2 : type == 4 ? 4 : 0;
    if (!unit || i >= cnt) return false;
    const unsigned char *p = e + 8;
    if ((size_t)cnt * unit > 4) {
        size_t off = u32(e + 8);
        if (off > size || (size - off) / unit < cnt) return false;
        p = d + off;
    }
    *v = unit == 2 ? u16(p + i * unit) : u32(p + i * unit);
    return true;
}

/* TIFF: the first directory (the one gegl:tiff-load reads): ImageWidth
 * (256) and ImageLength (257), and every strip (273 offsets, 279 byte
 * counts) or tile (324, 325) inside the file. */
static bool tiff_header(const unsigned char *d, size_t size, ct_photo_info *info, char *why,
                        size_t n)
{
    bool le = d[0] == 'I';
    uint32_t (*u16)(const unsigned char *) = le ? le16 : be16;
    uint32_t (*u32)(const unsigned char *) = le ? le32 : be32;
    size_t ifd = u32(d + 4);
    if (ifd < 8 || ifd > size || size - ifd < 2)
        return refuse(why, n, "truncated TIFF (no directory)");
    size_t count = u16(d + ifd);
    if ((size - ifd - 2) / 12 < count) return refuse(why, n, "truncated TIFF (directory)");
    uint32_t w = 0, h = 0;
    const unsigned char *offsets = NULL, *counts = NULL;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *e = d + ifd + 2 + 12 * i;
        uint32_t tag = u16(e);
        if (tag == 256 && !tiff_value(d, size, e, le, 0, &w)) w = 0;
        if (tag == 257 && !tiff_value(d, size, e, le, 0, &h)) h = 0;
        if (tag == 273 || tag == 324) offsets = e;
        if (tag == 279 || tag == 325) counts = e;
    }
    if (w == 0 || h == 0 || w > INT32_MAX || h > INT32_MAX)
        return refuse(why, n, "corrupt TIFF (no image size)");
    info->w = (int)w;
    info->h = (int)h;
    if (!offsets || !counts || u32(offsets + 4) != u32(counts + 4))
        return refuse(why, n, "corrupt TIFF (no strip or tile table)");
    for (uint32_t i = 0; i < u32(offsets + 4); i++) {
        uint32_t off, len;
        if (!tiff_value(d, size, offsets, le, i, &off) || !tiff_value(d, size, counts, le, i, &len))
            return refuse(why, n, "truncated TIFF (strip table)");
        if (off > size || len > size - off)
            return refuse(why, n, "truncated TIFF (strip %u of %u runs past the end)", i + 1,
                          u32(offsets + 4));
    }
    return true;
}

/* WebP: as long as its RIFF header says; the size from the first chunk. */
static bool webp_header(const unsigned char *d, size_t size, ct_photo_info *info, char *why,
                        size_t n)
{
    size_t riff = le32(d + 4);
    if (riff > size - 8) return refuse(why, n, "truncated WebP (%zu of %zu bytes)", size, riff + 8);
    if (size < 30) return refuse(why, n, "truncated WebP (headers end early)");
    const unsigned char *c = d + 12, *b = d + 20; /* first chunk, its data */
    if (memcmp(c, "VP8 ", 4) == 0 && b[3] == 0x9D && b[4] == 0x01 && b[5] == 0x2A) {
        info->w = (int)(le16(b + 6) & 0x3FFF);
        info->h = (int)(le16(b + 8) & 0x3FFF);
    } else if (memcmp(c, "VP8L", 4) == 0 && b[0] == 0x2F) {
        uint32_t bits = le32(b + 1);
        info->w = (int)(bits & 0x3FFF) + 1;
        info->h = (int)(bits >> 14 & 0x3FFF) + 1;
    } else if (memcmp(c, "VP8X", 4) == 0) {
        info->w = (int)le24(b + 4) + 1;
        info->h = (int)le24(b + 7) + 1;
    } else {
        return refuse(why, n, "corrupt WebP (no image header)");
    }
    return true;
}

static const char *format_name(ct_photo_format f)
{
    static const char *const names[] = {"JPEG", "PNG", "TIFF", "WebP"};
    return names[f];
}

/* The limits of photo.h, before anything is decoded. */
static bool size_check(const ct_photo_info *info, size_t size, char *why, size_t n)
{
    const char *name = format_name(info->format);
    uint64_t px = (uint64_t)info->w * (uint64_t)info->h;
    if (px == 0)
        return refuse(why, n, "corrupt %s (size %dx%d)", name, info->w, info->h);
    if (px > CT_PHOTO_MAX_PIXELS)
        return refuse(why, n, "%s of %dx%d is over the limit of %u megapixels", name, info->w,
                      info->h, CT_PHOTO_MAX_PIXELS / 1000000);
    if (px > CT_PHOTO_DENSE_PIXELS && px / CT_PHOTO_PIXELS_PER_BYTE > size)
        return refuse(why, n,
                      "%s of %dx%d in only %zu bytes: a decompression bomb? (above %u "
                      "megapixels a photo needs a byte per %u pixels)",
                      name, info->w, info->h, size, CT_PHOTO_DENSE_PIXELS / 1000000,
                      CT_PHOTO_PIXELS_PER_BYTE);
    return true;
}

bool ct_photo_header_read(const unsigned char *d, size_t size, ct_photo_info *info,
                          char *why, size_t n)
{
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    bool ok;
    if (size >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
        info->format = CT_PHOTO_JPEG;
        ok = jpeg_header(d, size, info, why, n);
    } else if (size >= 8 && memcmp(d, png_sig, 8) == 0) {
        info->format = CT_PHOTO_PNG;
        ok = png_header(d, size, info, why, n);
    } else if (size >= 8 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0)) {
        info->format = CT_PHOTO_TIFF;
        ok = tiff_header(d, size, info, why, n);
    } else if (size >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) {
        info->format = CT_PHOTO_WEBP;
        ok = webp_header(d, size, info, why, n);
    } else {
        return refuse(why, n, "not a JPEG, PNG, TIFF or WebP file");
    }
    return ok && size_check(info, size, why, n);
}

const char *ct_photo_loader(ct_photo_format format)
{
    static const char *const ops[] = {"gegl:jpg-load", "gegl:png-load", "gegl:tiff-load",
                                      "gegl:webp-load"};
    return ops[format];
}
