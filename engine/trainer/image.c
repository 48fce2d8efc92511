/* image.c: photo loading (sniff, then GEGL), Lab through babl, square
 * resampling, PNG writing. See photo.h for why files are sniffed. */
#include "image.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Sniffs into *info (the format and the header's size). */
static bool sniff(const char *path, ct_photo_info *info, char *why, size_t n)
{
    unsigned char *d;
    size_t size;
    if (!read_whole(path, &d, &size, why, n)) return false;
    bool ok = ct_photo_header_read(d, size, info, why, n) && ct_photo_verify(d, size, info, why, n);
    free(d);
    return ok;
}

bool ct_image_sniff(const char *path, const char **op, char *why, size_t n)
{
    ct_photo_info info;
    if (!sniff(path, &info, why, n)) return false;
    if (op) *op = ct_photo_loader(info.format);
    return true;
}

GeglBuffer *ct_image_load_buffer(const char *path, char *why, size_t n)
{
    ct_photo_info info;
    if (!sniff(path, &info, why, n)) return NULL;
    GeglBuffer *buf = NULL;
    GeglNode *graph = gegl_node_new();
    GeglNode *load = gegl_node_new_child(graph, "operation", ct_photo_loader(info.format),
                                         "path", path, NULL);
    GeglNode *sink = gegl_node_new_child(graph, "operation", "gegl:buffer-sink",
                                         "buffer", &buf, NULL);
    gegl_node_link(load, sink);
    gegl_node_process(sink);
    g_object_unref(graph);
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

/* Box-filter weights: output pixel i covers source [off + i*scale, off + (i+1)*scale). */
static void resample_1d(float *dst, int dn, int dstride, const float *src, int sstride,
                        double off, double scale)
{
    for (int i = 0; i < dn; i++) {
        double x0 = off + i * scale, x1 = x0 + scale, acc = 0, wsum = 0;
        for (int s = (int)floor(x0); s < (int)ceil(x1); s++) {
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
                        img->lab + (size_t)y * img->w * 3 + c, 3, offx, scale);
    float *planes[3] = {L, a, b};
    for (int x = 0; x < n; x++)
        for (int c = 0; c < 3; c++)
            resample_1d(planes[c] + x, n, n, tmp + (size_t)x * 3 + c, n * 3, offy, scale);
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

bool ct_png_write_buffer(const char *path, GeglBuffer *buf, char *why, size_t n)
{
    unlink(path); /* so that a stale file cannot pass for a written one */
    GeglNode *graph = gegl_node_new();
    GeglNode *src = gegl_node_new_child(graph, "operation", "gegl:buffer-source",
                                        "buffer", buf, NULL);
    GeglNode *save = gegl_node_new_child(graph, "operation", "gegl:png-save",
                                         "path", path, "bitdepth", 8, NULL);
    gegl_node_link(src, save);
    gegl_node_process(save);
    g_object_unref(graph);
    struct stat stt;
    if (stat(path, &stt) != 0 || stt.st_size == 0) {
        snprintf(why, n, "gegl:png-save did not write '%s'", path);
        return false;
    }
    return true;
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
