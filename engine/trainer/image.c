/* image.c: photo loading (sniff, then GEGL), Lab through babl, square
 * resampling, PNG writing. See photo.h for why files are sniffed. */
#define _GNU_SOURCE /* memfd_create */
#include "image.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "file.h"
#include "photo.h"
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

/* The whole file, opened through cz_file_open_regular (a FIFO or a device
 * is refused without blocking). */
static bool read_whole(const char *path, unsigned char **data, size_t *size,
                       char *why, size_t n)
{
    struct stat stt;
    cz_error err = {0};
    int fd = cz_file_open_regular(path, &stt, &err);
    if (fd < 0) {
        /* err names path; our callers name the photo themselves */
        size_t k = strlen(path);
        bool named = strncmp(err.msg, path, k) == 0 && strncmp(err.msg + k, ": ", 2) == 0;
        snprintf(why, n, "%s", named ? err.msg + k + 2 : err.msg);
        return false;
    }
    if (stt.st_size > (off_t)CT_PHOTO_MAX_BYTES) {
        snprintf(why, n, "%lld bytes: larger than any photo read (%u MiB)",
                 (long long)stt.st_size, CT_PHOTO_MAX_BYTES >> 20);
        close(fd);
        return false;
    }
    *size = (size_t)stt.st_size;
    *data = malloc(*size ? *size : 1);
    if (!*data) { snprintf(why, n, "out of memory"); close(fd); return false; }
    size_t got = 0;
    ssize_t r = 1;
    while (got < *size && r != 0) {
        r = read(fd, *data + got, *size - got);
        if (r < 0 && errno != EINTR) break;
        if (r > 0) got += (size_t)r;
    }
    if (got != *size) {
        snprintf(why, n, "read error: %s", r < 0 ? strerror(errno) : "the file shrank");
        free(*data);
        close(fd);
        return false;
    }
    close(fd);
    return true;
}

/* Reads path whole and checks it into *info (the format and the header's
 * size); the checked bytes stay in *data (free them) when data is not NULL. */
static bool sniff(const char *path, ct_photo_info *info, unsigned char **data, size_t *size,
                  char *why, size_t n)
{
    unsigned char *d;
    size_t sz;
    if (!read_whole(path, &d, &sz, why, n)) return false;
    bool ok = ct_photo_header_read(d, sz, info, why, n) && ct_photo_verify(d, sz, info, why, n);
    if (ok && data) {
        *data = d;
        *size = sz;
    } else {
        free(d);
    }
    return ok;
}

/* The checked bytes as an anonymous file, so that GEGL decodes exactly what
 * was checked and not whatever the path holds by then (a photo replaced in
 * between would reach a loader that exits the process on some errors).
 * Returns its descriptor, or -1 (then GEGL reads the path). */
static int checked_copy(const unsigned char *d, size_t size)
{
    int fd = memfd_create("corolization-photo", MFD_CLOEXEC);
    if (fd < 0) return -1;
    size_t put = 0;
    while (put < size) {
        ssize_t w = write(fd, d + put, size - put);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { close(fd); return -1; }
        put += (size_t)w;
    }
    return fd;
}

bool ct_image_sniff(const char *path, const char **op, char *why, size_t n)
{
    ct_photo_info info;
    if (!sniff(path, &info, NULL, NULL, why, n)) return false;
    if (op) *op = ct_photo_loader(info.format);
    return true;
}

GeglBuffer *ct_image_load_buffer(const char *path, char *why, size_t n)
{
    ct_photo_info info;
    unsigned char *d;
    size_t size;
    if (!sniff(path, &info, &d, &size, why, n)) return NULL;
    int fd = checked_copy(d, size);
    free(d);
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    GeglBuffer *buf = NULL;
    GeglNode *graph = gegl_node_new();
    GeglNode *load = gegl_node_new_child(graph, "operation", ct_photo_loader(info.format),
                                         "path", fd >= 0 && access(fdpath, R_OK) == 0 ? fdpath : path, NULL);
    GeglNode *sink = gegl_node_new_child(graph, "operation", "gegl:buffer-sink",
                                         "buffer", &buf, NULL);
    gegl_node_link(load, sink);
    gegl_node_process(sink);
    g_object_unref(graph);
    if (fd >= 0) close(fd);
    if (!buf) { snprintf(why, n, "GEGL could not decode it"); return NULL; }
    /* A loader that read another size than the header says (or none, when
     * its decoder failed) is not to be believed. */
    const GeglRectangle *r = gegl_buffer_get_extent(buf);
    if (r->width != info.w || r->height != info.h) {
        snprintf(why, n, "GEGL decoded %dx%d of a %dx%d photo", r->width, r->height, info.w, info.h);
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
                   int type, int bits, unsigned char *row)
{
    const GeglRectangle *r = gegl_buffer_get_extent(buf);
    const Babl *space = babl_format_get_space(format);
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_compression_level(png, 3); /* gegl:png-save's default */
    png_set_IHDR(png, info, (png_uint_32)r->width, (png_uint_32)r->height, bits, type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_DEFAULT);
    if (type == PNG_COLOR_TYPE_RGB || type == PNG_COLOR_TYPE_RGB_ALPHA) {
        int icc_len = 0;
        const bool own = space && space != babl_space("sRGB") && !babl_space_is_cmyk(space);
        const char *icc = own ? babl_space_get_icc(space, &icc_len) : NULL; /* not a CMYK profile on RGB */
        if (icc) png_set_iCCP(png, info, "ICC profile", 0, (png_const_bytep)icc, (png_uint_32)icc_len);
        else png_set_sRGB_gAMA_and_cHRM(png, info, PNG_sRGB_INTENT_RELATIVE);
    }
    png_write_info(png, info);
    /* PNG's 16-bit samples are big-endian; babl's u16 is the host's. */
    const unsigned short one = 1;
    if (bits == 16 && *(const unsigned char *)&one == 1) png_set_swap(png);
    for (int y = 0; y < r->height; y++) {
        GeglRectangle line = {r->x, r->y + y, r->width, 1};
        gegl_buffer_get(buf, &line, 1.0, format, row, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        png_write_row(png, row);
    }
    png_write_end(png, info);
    return true;
}

bool ct_png_write_buffer(const char *path, GeglBuffer *buf, int bits, char *why, size_t n)
{
    const GeglRectangle *r = gegl_buffer_get_extent(buf);
    const Babl *bf = gegl_buffer_get_format(buf);
    const bool alpha = babl_format_has_alpha(bf), gray = babl_format_get_n_components(bf) <= 2;
    if (bits != 16) bits = 8;
    char name[16];
    snprintf(name, sizeof name, "%s u%d", gray ? (alpha ? "Y'A" : "Y'") : (alpha ? "R'G'B'A" : "R'G'B'"), bits);
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
        if (!encode(png, info, buf, format, type, bits, row) && !k->err.status)
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

int ct_image_buffer_bits(GeglBuffer *buf)
{
    const Babl *type = babl_format_get_type(gegl_buffer_get_format(buf), 0);
    return type == babl_type("u8") ? 8 : 16;
}

bool ct_png_write_rgb_u8(const char *path, const unsigned char *rgb, int w, int h,
                         char *why, size_t n)
{
    GeglRectangle r = {0, 0, w, h};
    GeglBuffer *buf = gegl_buffer_new(&r, babl_format("R'G'B' u8"));
    gegl_buffer_set(buf, &r, 0, babl_format("R'G'B' u8"), rgb, GEGL_AUTO_ROWSTRIDE);
    bool ok = ct_png_write_buffer(path, buf, 8, why, n);
    g_object_unref(buf);
    return ok;
}
