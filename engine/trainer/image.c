/* image.c: photo loading (sniff, then GEGL), Lab through babl, square
 * resampling, PNG writing. See image.h for why files are sniffed. */
#include "image.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "file.h"
#include "util.h"

/* GEGL is process-wide; main owns its lifetime through these two. */
static bool gegl_started;

void ct_gegl_init(void)
{
    if (gegl_started) return;
    gegl_init(NULL, NULL);
    gegl_started = true;
}

void ct_gegl_exit(void)
{
    if (gegl_started) gegl_exit();
    gegl_started = false;
}

static bool read_whole(const char *path, unsigned char **data, size_t *size,
                       char *why, size_t n)
{
    struct stat stt;
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(why, n, "cannot open: %s", strerror(errno)); return false; }
    if (fstat(fileno(f), &stt) != 0 || !S_ISREG(stt.st_mode)) {
        snprintf(why, n, "not a regular file");
        fclose(f);
        return false;
    }
    *size = (size_t)stt.st_size;
    *data = malloc(*size ? *size : 1);
    if (!*data) { snprintf(why, n, "out of memory"); fclose(f); return false; }
    if (fread(*data, 1, *size, f) != *size) {
        snprintf(why, n, "read error");
        free(*data);
        fclose(f);
        return false;
    }
    fclose(f);
    return true;
}

/* Walks JPEG marker segments from SOI to the first SOS; requires an SOF and
 * an EOI at the end (trailing zero padding allowed). */
static bool jpeg_check(const unsigned char *d, size_t size, char *why, size_t n)
{
    size_t p = 2;
    bool sof = false;
    for (;;) {
        if (p + 4 > size) { snprintf(why, n, "truncated JPEG (headers end early)"); return false; }
        if (d[p] != 0xFF) { snprintf(why, n, "corrupt JPEG (bad marker at byte %zu)", p); return false; }
        while (p < size && d[p] == 0xFF) p++;
        if (p + 3 > size) { snprintf(why, n, "truncated JPEG"); return false; }
        unsigned m = d[p++];
        if (m == 0xD8 || m == 0xD9 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
            snprintf(why, n, "corrupt JPEG (marker 0x%02X before the scan)", m);
            return false;
        }
        size_t len = ((size_t)d[p] << 8) | d[p + 1];
        if (len < 2 || p + len > size) { snprintf(why, n, "truncated JPEG (segment 0x%02X)", m); return false; }
        if ((m >= 0xC0 && m <= 0xCF) && m != 0xC4 && m != 0xC8 && m != 0xCC) sof = true;
        if (m == 0xDA) break;
        p += len;
    }
    if (!sof) { snprintf(why, n, "corrupt JPEG (no frame header)"); return false; }
    size_t e = size;
    while (e > 2 && d[e - 1] == 0) e--;
    if (e < 2 || d[e - 2] != 0xFF || d[e - 1] != 0xD9) {
        snprintf(why, n, "truncated JPEG (no end-of-image marker)");
        return false;
    }
    return true;
}

bool ct_image_sniff(const char *path, const char **op, char *why, size_t n)
{
    unsigned char *d;
    size_t size;
    if (!read_whole(path, &d, &size, why, n)) return false;
    bool ok = false;
    const char *loader = NULL;
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    static const unsigned char iend[8] = {'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    if (size >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
        loader = "gegl:jpg-load";
        ok = jpeg_check(d, size, why, n);
    } else if (size >= 8 && memcmp(d, png_sig, 8) == 0) {
        loader = "gegl:png-load";
        ok = size >= 8 + 12 + 12 && memcmp(d + size - 8, iend, 8) == 0;
        if (!ok) snprintf(why, n, "truncated PNG (no IEND chunk at the end)");
    } else if (size >= 8 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0)) {
        loader = "gegl:tiff-load";
        ok = true; /* libtiff reports its own errors without exiting */
    } else if (size >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) {
        loader = "gegl:webp-load";
        size_t riff = (size_t)d[4] | (size_t)d[5] << 8 | (size_t)d[6] << 16 | (size_t)d[7] << 24;
        ok = riff + 8 <= size;
        if (!ok) snprintf(why, n, "truncated WebP (%zu of %zu bytes)", size, riff + 8);
    } else {
        snprintf(why, n, "not a JPEG, PNG, TIFF or WebP file");
    }
    free(d);
    if (ok && op) *op = loader;
    return ok;
}

GeglBuffer *ct_image_load_buffer(const char *path, char *why, size_t n)
{
    const char *op;
    if (!ct_image_sniff(path, &op, why, n)) return NULL;
    GeglBuffer *buf = NULL;
    GeglNode *graph = gegl_node_new();
    GeglNode *load = gegl_node_new_child(graph, "operation", op, "path", path, NULL);
    GeglNode *sink = gegl_node_new_child(graph, "operation", "gegl:buffer-sink",
                                         "buffer", &buf, NULL);
    gegl_node_link(load, sink);
    gegl_node_process(sink);
    g_object_unref(graph);
    if (!buf) { snprintf(why, n, "GEGL could not decode it"); return NULL; }
    const GeglRectangle *r = gegl_buffer_get_extent(buf);
    if (r->width <= 0 || r->height <= 0 || r->width > 65536 || r->height > 65536) {
        snprintf(why, n, "unusable size %dx%d", r->width, r->height);
        g_object_unref(buf);
        return NULL;
    }
    return buf;
}

bool ct_image_buffer_to_lab(GeglBuffer *buf, ct_lab_image *img, char *why, size_t n)
{
    const GeglRectangle *r = gegl_buffer_get_extent(buf);
    const Babl *space = babl_format_get_space(gegl_buffer_get_format(buf));
    img->w = r->width;
    img->h = r->height;
    img->lab = malloc(ct_size3((size_t)r->width, (size_t)r->height, 3 * sizeof(float)));
    if (!img->lab) { snprintf(why, n, "out of memory"); return false; }
    gegl_buffer_get(buf, r, 1.0, babl_format_with_space("CIE Lab float", space),
                    img->lab, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    return true;
}

bool ct_image_load_lab(const char *path, ct_lab_image *img, char *why, size_t n)
{
    img->lab = NULL;
    GeglBuffer *buf = ct_image_load_buffer(path, why, n);
    if (!buf) return false;
    bool ok = ct_image_buffer_to_lab(buf, img, why, n);
    g_object_unref(buf);
    return ok;
}

void ct_lab_image_free(ct_lab_image *img)
{
    free(img->lab);
    img->lab = NULL;
}

double ct_lab_image_mean_chroma(const ct_lab_image *img)
{
    size_t np = (size_t)img->w * (size_t)img->h;
    double s = 0;
    for (size_t i = 0; i < np; i++) {
        double a = img->lab[3 * i + 1], b = img->lab[3 * i + 2];
        s += sqrt(a * a + b * b);
    }
    return np ? s / (double)np : 0;
}

/* Box-filter weights: output pixel i covers source [off + i*scale, off + (i+1)*scale),
 * within the source's sn samples (rounding can push the last cell's end past them). */
static void resample_1d(float *dst, int dn, int dstride, const float *src, int sstride,
                        int sn, double off, double scale)
{
    for (int i = 0; i < dn; i++) {
        double x0 = off + i * scale, x1 = x0 + scale, acc = 0, wsum = 0;
        int hi = (int)ceil(x1) < sn ? (int)ceil(x1) : sn;
        for (int s = (int)floor(x0); s < hi; s++) {
            double w = fmin(x1, s + 1.0) - fmax(x0, (double)s);
            if (w <= 0) continue;
            acc += w * src[(size_t)s * sstride];
            wsum += w;
        }
        dst[(size_t)i * dstride] = (float)(acc / wsum);
    }
}

void ct_lab_image_square(float *L, float *a, float *b, const ct_lab_image *img, int n)
{
    int side = img->w < img->h ? img->w : img->h;
    double scale = (double)side / n;
    double offx = (img->w - side) / 2, offy = (img->h - side) / 2;
    /* Horizontal pass into tmp [h, n, 3], then vertical per channel. */
    float *tmp = mallocCheck(ct_size3((size_t)img->h, (size_t)n, 3 * sizeof(float)));
    for (int y = 0; y < img->h; y++)
        for (int c = 0; c < 3; c++)
            resample_1d(tmp + ((size_t)y * n) * 3 + c, n, 3,
                        img->lab + (size_t)y * img->w * 3 + c, 3, img->w, offx, scale);
    float *planes[3] = {L, a, b};
    for (int x = 0; x < n; x++)
        for (int c = 0; c < 3; c++)
            resample_1d(planes[c] + x, n, n, tmp + (size_t)x * 3 + c, n * 3, img->h, offy, scale);
    free(tmp);
}

static void planes_to(void *out, const Babl *fmt, const float *L, const float *a,
                      const float *b, size_t n)
{
    float *lab = mallocCheck(ct_size3(n, 3, sizeof(float)));
    for (size_t i = 0; i < n; i++) {
        lab[3 * i] = L[i];
        lab[3 * i + 1] = a[i];
        lab[3 * i + 2] = b[i];
    }
    babl_process(babl_fish(babl_format("CIE Lab float"), fmt), lab, out, (long)n);
    free(lab);
}

void ct_lab_planes_to_rgb_u8(unsigned char *rgb, const float *L, const float *a,
                             const float *b, size_t n)
{
    planes_to(rgb, babl_format("R'G'B' u8"), L, a, b, n);
}

void ct_lab_planes_to_rgb_float(float *rgb, const float *L, const float *a,
                                const float *b, size_t n)
{
    planes_to(rgb, babl_format("R'G'B' float"), L, a, b, n);
}

void ct_rgb_float_to_lab(float *lab, const float *rgb, size_t n)
{
    babl_process(babl_fish(babl_format("R'G'B' float"), babl_format("CIE Lab float")),
                 rgb, lab, (long)n);
}

/* libpng's I/O and error callbacks share this; it lives on the heap so that
 * its contents are defined after libpng's longjmp. */
typedef struct {
    cz_file_writer *w;
    cz_error err;
} png_sink;

static void sink_write(png_structp png, png_bytep data, size_t len)
{
    png_sink *k = png_get_io_ptr(png);
    if (cz_file_writer_write(k->w, data, len, &k->err)) png_error(png, "write failed");
}

static void sink_flush(png_structp png) { (void)png; }

static void sink_error(png_structp png, png_const_charp msg)
{
    png_sink *k = png_get_error_ptr(png);
    if (!k->err.status) cz_error_set(&k->err, CZ_STATUS_IO_ERROR, "libpng: %s", msg);
    png_longjmp(png, 1);
}

static void sink_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

/* Rows of buf in format through png; false when libpng gave up (k->err
 * says why). Nothing local changes after setjmp. */
static bool encode(png_structp png, png_infop info, GeglBuffer *buf, const Babl *format,
                   int type, unsigned char *row)
{
    const GeglRectangle *r = gegl_buffer_get_extent(buf);
    const Babl *space = babl_format_get_space(format);
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_compression_level(png, 3); /* gegl:png-save's default */
    png_set_IHDR(png, info, (png_uint_32)r->width, (png_uint_32)r->height, 8, type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_DEFAULT);
    if (type == PNG_COLOR_TYPE_RGB || type == PNG_COLOR_TYPE_RGB_ALPHA) {
        int icc_len = 0;
        const bool own = space && space != babl_space("sRGB") && !babl_space_is_cmyk(space);
        const char *icc = own ? babl_space_get_icc(space, &icc_len) : NULL; /* not a CMYK profile on RGB */
        if (icc) png_set_iCCP(png, info, "ICC profile", 0, (png_const_bytep)icc, (png_uint_32)icc_len);
        else png_set_sRGB_gAMA_and_cHRM(png, info, PNG_sRGB_INTENT_RELATIVE);
    }
    png_write_info(png, info);
    for (int y = 0; y < r->height; y++) {
        GeglRectangle line = {r->x, r->y + y, r->width, 1};
        gegl_buffer_get(buf, &line, 1.0, format, row, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        png_write_row(png, row);
    }
    png_write_end(png, info);
    return true;
}

bool ct_png_write_buffer(const char *path, GeglBuffer *buf, char *why, size_t n)
{
    const GeglRectangle *r = gegl_buffer_get_extent(buf);
    const Babl *bf = gegl_buffer_get_format(buf);
    const bool alpha = babl_format_has_alpha(bf), gray = babl_format_get_n_components(bf) <= 2;
    const char *name = gray ? (alpha ? "Y'A u8" : "Y' u8") : (alpha ? "R'G'B'A u8" : "R'G'B' u8");
    const int type = gray ? (alpha ? PNG_COLOR_TYPE_GRAY_ALPHA : PNG_COLOR_TYPE_GRAY)
                          : (alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB);
    const Babl *format = babl_format_with_space(name, babl_format_get_space(bf));
    size_t row_bytes = 0;
    png_sink *k = calloc(1, sizeof *k);
    unsigned char *row = NULL;
    png_structp png = NULL;
    png_infop info = NULL;
    if (!k || r->width <= 0 || r->height <= 0 ||
        !cz_size_mul(&row_bytes, (size_t)r->width, (size_t)babl_format_get_bytes_per_pixel(format)) ||
        !(row = malloc(row_bytes))) {
        snprintf(why, n, "%s: out of memory or an empty image", path);
        free(k);
        return false;
    }
    k->w = cz_file_writer_new(path, &k->err);
    if (k->w && (png = png_create_write_struct(PNG_LIBPNG_VER_STRING, k, sink_error, sink_warning)))
        info = png_create_info_struct(png);
    if (k->w && !info && !k->err.status) cz_error_set(&k->err, CZ_STATUS_OUT_OF_MEMORY, "libpng: out of memory");
    if (info) {
        png_set_write_fn(png, k, sink_write, sink_flush);
        if (!encode(png, info, buf, format, type, row) && !k->err.status)
            cz_error_set(&k->err, CZ_STATUS_IO_ERROR, "libpng failed");
    }
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    if (k->err.status) cz_file_writer_abort(k->w);
    else cz_file_writer_commit(k->w, &k->err);
    bool ok = !k->err.status;
    if (!ok) snprintf(why, n, "%s", k->err.msg);
    free(row);
    free(k);
    return ok;
}

bool ct_png_write_rgb_u8(const char *path, const unsigned char *rgb, int w, int h,
                         char *why, size_t n)
{
    GeglRectangle r = {0, 0, w, h};
    GeglBuffer *buf = gegl_buffer_new(&r, babl_format("R'G'B' u8"));
    gegl_buffer_set(buf, &r, 0, babl_format("R'G'B' u8"), rgb, GEGL_AUTO_ROWSTRIDE);
    bool ok = ct_png_write_buffer(path, buf, why, n);
    g_object_unref(buf);
    return ok;
}
