/* test_photo.c: the photo reader (ct_image_sniff, ct_image_load_lab) against
 * hostile files, each made here from a generated photo:
 * 1. Good PNG, baseline and progressive JPEG load at their size.
 * 2. A PNG or JPEG cut in half with its end marker (IEND, FFD9) re-appended,
 *    and a PNG cut between two IDAT chunks, are refused: GEGL alone decodes
 *    them with black or gray rows.
 * 3. A FIFO is refused at once (an alarm fails the test instead of a hang),
 *    and a sparse 4 GiB file without being read.
 * 4. Headers claiming 30000 x 30000 (PNG, JPEG, TIFF, WebP) or 25 MP in a few
 *    bytes are refused before decoding, well under a second; 25 MP pass
 *    the header from 25e6 / 16 bytes of file on.
 * 5. A progressive JPEG of 190 scans is refused (decoding-time attack), and
 *    a 12-bit JPEG, on which gegl:jpg-load exits the process. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h> /* after stdio.h: it uses FILE and size_t */

#include "check.h"
#include "commands.h"
#include "image.h"
#include "photo.h"
#include "util.h"

#define W 256
#define H 192

static char dir[] = "/tmp/cz-test-photo-XXXXXX";

static char *path_in(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *path, const void *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static unsigned char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot read %s\n", path); exit(1); }
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *d = malloc(*n);
    if (fread(d, 1, *n, f) != *n) exit(1);
    fclose(f);
    return d;
}

/* Gradients with noise, so that the photo does not compress to nothing. */
static unsigned char *make_rgb(void)
{
    unsigned char *rgb = malloc(W * H * 3);
    uint32_t r = 12345;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            r = r * 1664525u + 1013904223u;
            unsigned char *p = rgb + 3 * (y * W + x);
            p[0] = (unsigned char)(x + (r >> 28));
            p[1] = (unsigned char)(y + (r >> 26 & 15));
            p[2] = (unsigned char)(128 + (x - y) / 4 + (r >> 24 & 15));
        }
    return rgb;
}

/* A JPEG of rgb through libjpeg; scans: 0 baseline, 1 libjpeg's progressive
 * script, 2 one scan per AC coefficient and component (190 scans). */
static unsigned char *make_jpeg(const unsigned char *rgb, int scans, size_t *n)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    unsigned char *out = NULL;
    unsigned long size = 0;
    jpeg_scan_info script[1 + 3 * 63];
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, &size);
    c.image_width = W;
    c.image_height = H;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 90, TRUE);
    if (scans == 1) jpeg_simple_progression(&c);
    if (scans == 2) {
        script[0] = (jpeg_scan_info){3, {0, 1, 2, 0}, 0, 0, 0, 0};
        for (int k = 0; k < 3 * 63; k++)
            script[1 + k] = (jpeg_scan_info){1, {k / 63, 0, 0, 0}, 1 + k % 63, 1 + k % 63, 0, 0};
        c.scan_info = script;
        c.num_scans = 1 + 3 * 63;
    }
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < H) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)c.next_scanline * W * 3);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *n = size;
    return out;
}

static uint32_t crc32_png(const unsigned char *d, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= d[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* A 65-byte PNG: an IHDR of w x h (8-bit RGB), one empty IDAT, IEND. */
static size_t make_png_header(unsigned char *d, uint32_t w, uint32_t h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    static const unsigned char zlib_empty[8] = {0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
    size_t p = 8;
    memcpy(d, sig, 8);
    put_be32(d + p, 13);
    memcpy(d + p + 4, "IHDR", 4);
    put_be32(d + p + 8, w);
    put_be32(d + p + 12, h);
    memcpy(d + p + 16, (unsigned char[]){8, 2, 0, 0, 0}, 5);
    put_be32(d + p + 21, crc32_png(d + p + 4, 17));
    p += 25;
    put_be32(d + p, 8);
    memcpy(d + p + 4, "IDAT", 4);
    memcpy(d + p + 8, zlib_empty, 8);
    put_be32(d + p + 16, crc32_png(d + p + 4, 12));
    p += 20;
    put_be32(d + p, 0);
    memcpy(d + p + 4, "IEND", 4);
    put_be32(d + p + 8, crc32_png(d + p + 4, 4));
    return p + 12;
}

/* Refused by the reader with a message containing want, in under limit s. */
static void expect_refused(check_state *st, const char *name, const void *d, size_t n,
                           const char *want, double limit)
{
    char why[256] = "";
    const char *path = path_in(name);
    write_file(path, d, n);
    ct_lab_image img;
    double t0 = ct_now();
    bool loaded = ct_image_load_lab(path, &img, why, sizeof why);
    double t = ct_now() - t0;
    if (loaded) ct_lab_image_free(&img);
    CHECK(st, !loaded && strstr(why, want), "%s: loaded %d, why '%s' (want '%s')", name, loaded,
          why, want);
    CHECK(st, t < limit, "%s: %.3f s to refuse (limit %.1f s)", name, t, limit);
    printf("  %-18s refused in %.3f s: %s\n", name, t, why);
}

static void expect_loaded(check_state *st, const char *name, const void *d, size_t n)
{
    char why[256] = "";
    const char *path = path_in(name);
    write_file(path, d, n);
    ct_lab_image img;
    bool ok = ct_image_load_lab(path, &img, why, sizeof why);
    CHECK(st, ok && img.w == W && img.h == H, "%s: not loaded at %dx%d: %s", name, W, H, why);
    if (ok) ct_lab_image_free(&img);
}

/* The offset of the n-th chunk of type t (0-based), or 0. */
static size_t png_chunk(const unsigned char *d, size_t size, const char *t, int nth)
{
    for (size_t p = 8; p + 12 <= size;) {
        uint32_t len = (uint32_t)d[p] << 24 | (uint32_t)d[p + 1] << 16 |
                       (uint32_t)d[p + 2] << 8 | d[p + 3];
        if (memcmp(d + p + 4, t, 4) == 0 && nth-- == 0) return p;
        p += (size_t)len + 12;
    }
    return 0;
}

int main(void)
{
    check_state st = {0};
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    ct_gegl_init();
    unsigned char *rgb = make_rgb();

    /* 1. Good photos. */
    const char *png = path_in("good.png");
    CHECK(&st, ct_png_write_rgb_u8(png, rgb, W, H, (char[256]){0}, 256), "cannot write %s", png);
    size_t npng, njpg, nprog, nmany;
    unsigned char *dpng = read_file(png, &npng);
    unsigned char *djpg = make_jpeg(rgb, 0, &njpg);
    unsigned char *dprog = make_jpeg(rgb, 1, &nprog);
    unsigned char *dmany = make_jpeg(rgb, 2, &nmany);
    expect_loaded(&st, "good.png", dpng, npng);
    expect_loaded(&st, "good.jpg", djpg, njpg);
    expect_loaded(&st, "progressive.jpg", dprog, nprog);
    /* Two stray bytes before the end marker: libjpeg warns, no pixel is lost. */
    unsigned char *stray = malloc(njpg + 2);
    memcpy(stray, djpg, njpg - 2);
    memcpy(stray + njpg - 2, "\0\0\xFF\xD9", 4);
    expect_loaded(&st, "stray-bytes.jpg", stray, njpg + 2);
    free(stray);

    /* 2. Cut in half, end marker re-appended; a PNG cut after its first IDAT. */
    unsigned char *buf = malloc(npng + njpg);
    size_t half = npng / 2;
    memcpy(buf, dpng, half);
    memcpy(buf + half, dpng + npng - 12, 12);
    expect_refused(&st, "half.png", buf, half + 12, "truncated PNG", 1.0);
    size_t idat2 = png_chunk(dpng, npng, "IDAT", 1);
    CHECK(&st, idat2 > 0, "the generated PNG has one IDAT chunk only");
    memcpy(buf, dpng, idat2);
    memcpy(buf + idat2, dpng + npng - 12, 12);
    expect_refused(&st, "idat-cut.png", buf, idat2 + 12, "corrupt PNG", 1.0);
    half = njpg / 2;
    memcpy(buf, djpg, half);
    memcpy(buf + half, "\xFF\xD9", 2);
    expect_refused(&st, "half.jpg", buf, half + 2, "corrupt JPEG", 1.0);
    half = nprog / 2;
    memcpy(buf, dprog, half);
    memcpy(buf + half, "\xFF\xD9", 2);
    expect_refused(&st, "half-prog.jpg", buf, half + 2, "corrupt JPEG", 1.0);

    /* 3. A FIFO: without the fix, open() waits for a writer forever. */
    const char *fifo = path_in("fifo.png");
    CHECK(&st, mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
    alarm(10); /* kills the test (a failure) rather than hanging it */
    char why[256] = "";
    ct_lab_image img;
    CHECK(&st, !ct_image_load_lab(fifo, &img, why, sizeof why) && strstr(why, "not a regular file"),
          "fifo: %s", why);
    CHECK(&st, !ct_image_sniff(fifo, NULL, why, sizeof why), "fifo sniffed as a photo");
    alarm(0);
    unlink(fifo);

    /* A sparse file of 4 GiB is refused by its size, not read. */
    const char *huge = path_in("huge.jpg");
    FILE *f = fopen(huge, "wb");
    CHECK(&st, f && fwrite(djpg, 1, 16, f) == 16 && ftruncate(fileno(f), 1ll << 32) == 0 &&
               fclose(f) == 0, "cannot make %s", huge);
    double t0 = ct_now();
    CHECK(&st, !ct_image_sniff(huge, NULL, why, sizeof why) && strstr(why, "larger than"),
          "huge: %s", why);
    CHECK(&st, ct_now() - t0 < 0.5, "huge: %.3f s to refuse", ct_now() - t0);
    unlink(huge);

    /* 4. Decompression bombs, refused from the header. */
    unsigned char hdr[65];
    size_t nh = make_png_header(hdr, 30000, 30000);
    expect_refused(&st, "bomb.png", hdr, nh, "over the limit", 0.5);
    nh = make_png_header(hdr, 5000, 5000);
    expect_refused(&st, "dense.png", hdr, nh, "decompression bomb", 0.5);
    memcpy(buf, djpg, njpg);
    for (size_t p = 2; p + 9 < njpg; p++)
        if (buf[p] == 0xFF && buf[p + 1] == 0xC0) { /* SOF0: length, precision, height, width */
            memcpy(buf + p + 5, "\x75\x30\x75\x30", 4);
            break;
        }
    expect_refused(&st, "bomb.jpg", buf, njpg, "over the limit", 0.5);
    static const unsigned char tiff[] = {
        'I', 'I', 42, 0, 8, 0, 0, 0, 4, 0,
        0, 1, 4, 0, 1, 0, 0, 0, 0x30, 0x75, 0, 0, /* ImageWidth LONG 30000 */
        1, 1, 4, 0, 1, 0, 0, 0, 0x30, 0x75, 0, 0, /* ImageLength LONG 30000 */
        0x11, 1, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0,    /* StripOffsets: byte 8 */
        0x17, 1, 4, 0, 1, 0, 0, 0, 4, 0, 0, 0,    /* StripByteCounts: 4 bytes */
        0, 0, 0, 0};
    expect_refused(&st, "bomb.tiff", tiff, sizeof tiff, "over the limit", 0.5);
    static const unsigned char webp[] = {
        'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L', 10, 0, 0, 0,
        0x2F, 0xFE, 0xBF, 0xFF, 0x0F, 0, 0, 0, 0, 0}; /* 16383 x 16383 */
    expect_refused(&st, "bomb.webp", webp, sizeof webp, "over the limit", 0.5);
    expect_refused(&st, "text.png", "hello\n", 6, "not a JPEG, PNG", 0.5);
    /* The bound of the bomb rule: 5000 x 5000 needs 25e6 / 16 bytes. */
    size_t need = 25000000 / CT_PHOTO_PIXELS_PER_BYTE;
    unsigned char *big = calloc(need, 1);
    nh = make_png_header(big, 5000, 5000);
    memmove(big + need - 12, big + nh - 12, 12); /* IEND last, the IDAT grown */
    put_be32(big + nh - 32, (uint32_t)(need - 12 - (nh - 32) - 12));
    ct_photo_info info;
    CHECK(&st, ct_photo_header_read(big, need, &info, why, sizeof why) && info.w == 5000,
          "25 MP in %zu bytes refused: %s", need, why);
    /* one byte less: the IDAT shorter, IEND moved up */
    memmove(big + need - 13, big + need - 12, 12);
    put_be32(big + nh - 32, (uint32_t)(need - 13 - (nh - 32) - 12));
    CHECK(&st, !ct_photo_header_read(big, need - 1, &info, why, sizeof why) && strstr(why, "bomb"),
          "25 MP in %zu bytes: %s", need - 1, why);
    free(big);

    /* 5. Too many progressive scans; a header libjpeg refuses. */
    expect_refused(&st, "190-scans.jpg", dmany, nmany, "scans", 2.0);
    /* 12-bit samples: libjpeg errors out, and gegl:jpg-load exits the process. */
    memcpy(buf, djpg, njpg);
    for (size_t p = 2; p + 9 < njpg; p++)
        if (buf[p] == 0xFF && buf[p + 1] == 0xC0) {
            buf[p + 4] = 12;
            break;
        }
    expect_refused(&st, "12-bit.jpg", buf, njpg, "precision", 0.5);

    free(buf);
    free(dpng);
    free(djpg);
    free(dprog);
    free(dmany);
    free(rgb);
    static const char *names[] = {"good.png", "good.jpg", "progressive.jpg", "half.png",
                                  "idat-cut.png", "half.jpg", "half-prog.jpg", "bomb.png",
                                  "dense.png", "bomb.jpg", "bomb.tiff", "bomb.webp", "text.png",
                                  "190-scans.jpg", "12-bit.jpg"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unlink(path_in(names[i]));
    rmdir(dir);
    ct_gegl_exit();
    return check_finish(&st, "trainer photo");
}
