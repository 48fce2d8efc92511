/* test_dataset.c: photos into the packed dataset and back.
 * 1. A PNG drawn by cairo (gradients, so every pixel differs) is loaded by
 *    the trainer's path (sniff, gegl:png-load, babl "CIE Lab float") and
 *    compared with babl's own conversion of the same 8-bit pixels, which
 *    cairo reads back independently.
 * 2. At the photo's own size (no resampling) the dataset stores L and ab
 *    within half a quantisation step (L 1/655.35, ab 1/256) of that
 *    conversion; the ab histogram counts every pixel; the class names and
 *    labels come back.
 * 3. Resampling: a 2:1 photo of two flat halves keeps the centre square,
 *    and averaging 2 x 2 blocks of a checkerboard gives the mean.
 * 4. Hostile files: truncation, a wrong magic, a count that disagrees with
 *    the size, and a stray label are errors, never crashes.
 * 5. Sniffing: a truncated JPEG and a text file are refused with a reason. */
#include <babl/babl.h>
#include <cairo.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "dataset.h"
#include "image.h"

#define S 48

static void draw_png(const char *path, int w, int h)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_pattern_t *p = cairo_pattern_create_linear(0, 0, w, h);
    cairo_pattern_add_color_stop_rgb(p, 0, 0.9, 0.1, 0.1);
    cairo_pattern_add_color_stop_rgb(p, 0.5, 0.1, 0.8, 0.2);
    cairo_pattern_add_color_stop_rgb(p, 1, 0.2, 0.3, 0.95);
    cairo_set_source(cr, p);
    cairo_paint(cr);
    cairo_pattern_t *q = cairo_pattern_create_linear(0, 0, 0, h);
    cairo_pattern_add_color_stop_rgba(q, 0, 1, 1, 0.6, 0.0);
    cairo_pattern_add_color_stop_rgba(q, 1, 0.0, 0.0, 0.1, 0.7);
    cairo_set_source(cr, q);
    cairo_paint(cr);
    cairo_pattern_destroy(p);
    cairo_pattern_destroy(q);
    cairo_destroy(cr);
    cairo_surface_write_to_png(s, path);
    cairo_surface_destroy(s);
}

/* babl's Lab of the PNG's 8-bit pixels, read by cairo. */
static void reference_lab(float *lab, const char *path, int w, int h)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    unsigned char *rgb = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v;
            memcpy(&v, d + (size_t)y * stride + 4 * x, 4);
            unsigned char *o = rgb + 3 * ((size_t)y * w + x);
            o[0] = v >> 16 & 255, o[1] = v >> 8 & 255, o[2] = v & 255;
        }
    babl_process(babl_fish(babl_format("R'G'B' u8"), babl_format("CIE Lab float")), rgb, lab, (long)w * h);
    free(rgb);
    cairo_surface_destroy(s);
}

static void write_bytes(const char *path, const void *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(d, 1, n, f);
    fclose(f);
}

static void *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    void *d = malloc(*n);
    if (fread(d, 1, *n, f) != *n) *n = 0;
    fclose(f);
    return d;
}

int main(void)
{
    check_state st = {0};
    ct_gegl_init();
    char dir[] = "/tmp/cz-test-dataset-XXXXXX", png[256], data[256], bad[256];
    if (!mkdtemp(dir)) return 1;
    snprintf(png, sizeof png, "%s/photo.png", dir);
    snprintf(data, sizeof data, "%s/data.czds", dir);
    snprintf(bad, sizeof bad, "%s/bad.czds", dir);

    /* 1. Loading = babl's conversion of the same pixels. */
    draw_png(png, S, S);
    ct_lab_image img;
    char why[256];
    CHECK(&st, ct_image_load_lab(png, &img, why, sizeof why), "load: %s", why);
    static float ref[S * S * 3], L[S * S], A[S * S], B[S * S];
    reference_lab(ref, png, S, S);
    double maxd = 0;
    for (int i = 0; i < S * S * 3; i++) maxd = fmax(maxd, fabs(img.lab[i] - ref[i]));
    CHECK(&st, img.w == S && img.h == S && maxd < 1e-3, "load vs babl: %dx%d maxdiff %g", img.w, img.h, maxd);
    printf("  load vs babl's own conversion: maxdiff %.2e\n", maxd);
    CHECK(&st, ct_lab_image_mean_chroma(&img) > 10, "chroma of a colour photo %f", ct_lab_image_mean_chroma(&img));

    /* 2. Round trip through the file at the photo's own size. */
    ct_lab_image_square(L, A, B, &img, S);
    maxd = 0;
    for (int i = 0; i < S * S; i++)
        maxd = fmax(maxd, fmax(fabs(L[i] - ref[3 * i]), fmax(fabs(A[i] - ref[3 * i + 1]), fabs(B[i] - ref[3 * i + 2]))));
    CHECK(&st, maxd < 1e-3, "same-size resampling changed pixels: %g", maxd);
    char names[2][CT_DATASET_NAME] = {"kitchen", "outdoor"};
    ct_dataset_writer w;
    cz_error err = {0};
    CHECK(&st, ct_dataset_writer_begin(&w, data, S, 2, names, &err) == CZ_STATUS_OK, "begin: %s", err.msg);
    CHECK(&st, ct_dataset_writer_add(&w, L, A, B, 1, &err) == CZ_STATUS_OK, "add: %s", err.msg);
    CHECK(&st, ct_dataset_writer_add(&w, L, B, A, 0, &err) == CZ_STATUS_OK, "add: %s", err.msg);
    CHECK(&st, ct_dataset_writer_add(&w, L, A, B, 2, &err) != CZ_STATUS_OK, "label 2 of 2 classes accepted");
    CHECK(&st, ct_dataset_writer_finish(&w, &err) == CZ_STATUS_OK, "finish: %s", err.msg);
    ct_dataset ds;
    CHECK(&st, ct_dataset_open(&ds, data, &err) == CZ_STATUS_OK, "open: %s", err.msg);
    CHECK(&st, ds.count == 2 && ds.size == S && ds.classes == 2, "header %u %u %u", ds.count, ds.size, ds.classes);
    CHECK(&st, !strcmp(ds.class_names[0], "kitchen") && !strcmp(ds.class_names[1], "outdoor"), "names");
    CHECK(&st, ct_dataset_label(&ds, 0) == 1 && ct_dataset_label(&ds, 1) == 0, "labels");
    static float gL[S * S], gab[2 * S * S];
    ct_dataset_get(&ds, 0, gL, gab);
    double dl = 0, da = 0;
    for (int i = 0; i < S * S; i++) {
        dl = fmax(dl, fabs(gL[i] - ref[3 * i]));
        da = fmax(da, fmax(fabs(gab[i] - ref[3 * i + 1]), fabs(gab[S * S + i] - ref[3 * i + 2])));
    }
    CHECK(&st, dl <= 0.5 / 655.35 + 1e-3 && da <= 0.5 / 256 + 1e-3, "round trip: L %g ab %g", dl, da);
    printf("  round trip vs babl: L maxdiff %.2e, ab maxdiff %.2e\n", dl, da);
    ct_dataset_get(&ds, 1, gL, gab);
    CHECK(&st, fabs(gab[5] - B[5]) < 0.01 && fabs(gab[S * S + 5] - A[5]) < 0.01, "second photo's planes");
    uint64_t total = 0;
    for (int i = 0; i < CT_DATASET_HIST * CT_DATASET_HIST; i++) total += ds.hist[i];
    CHECK(&st, total == 2 * S * S, "histogram holds %llu pixels", (unsigned long long)total);
    int ia = (int)lroundf(A[0]) + 128, ib = (int)lroundf(B[0]) + 128;
    CHECK(&st, ds.hist[ia * CT_DATASET_HIST + ib] >= 1, "histogram bin of pixel 0 empty");
    ct_dataset_close(&ds);
    ct_lab_image_free(&img);

    /* 3. Resampling: centre square of a wide photo, 2 x 2 block means. */
    ct_lab_image wide = {2 * 8, 8, calloc(16 * 8 * 3, sizeof(float))};
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 16; x++) {
            float *p = wide.lab + 3 * (y * 16 + x);
            p[0] = x < 4 ? 10 : x >= 12 ? 90 : ((x + y) % 2 ? 40 : 60);
            p[1] = (float)x;
            p[2] = -5;
        }
    float sl[16], sa[16], sb[16];
    ct_lab_image_square(sl, sa, sb, &wide, 4);
    bool flat = true;
    for (int i = 0; i < 16; i++) flat = flat && fabsf(sl[i] - 50) < 1e-4 && fabsf(sb[i] + 5) < 1e-5;
    CHECK(&st, flat, "checkerboard 40/60 centre averages to 50: %f", sl[0]);
    CHECK(&st, fabsf(sa[0] - 4.5f) < 1e-4 && fabsf(sa[3] - 10.5f) < 1e-4, "a ramp means %f %f", sa[0], sa[3]);
    free(wide.lab);
    /* 7 px to 6: the last cell's end rounds to 7.000000000000001, one sample
     * past the photo (the ASan build reads out of bounds without the clamp). */
    ct_lab_image seven = {7, 7, malloc(7 * 7 * 3 * sizeof(float))};
    for (int i = 0; i < 7 * 7 * 3; i++) seven.lab[i] = i % 3 ? 0.0f : 50.0f;
    float s6l[36], s6a[36], s6b[36];
    ct_lab_image_square(s6l, s6a, s6b, &seven, 6);
    CHECK(&st, fabsf(s6l[35] - 50) < 1e-4, "7 px squared to 6: last pixel %f", s6l[35]);
    free(seven.lab);

    /* 4. Hostile dataset files. */
    size_t n;
    unsigned char *bytes = read_bytes(data, &n);
    write_bytes(bad, bytes, n - 1);
    CHECK(&st, ct_dataset_open(&ds, bad, &err) == CZ_STATUS_FORMAT_ERROR, "truncated file accepted");
    write_bytes(bad, bytes, 40);
    CHECK(&st, ct_dataset_open(&ds, bad, &err) == CZ_STATUS_FORMAT_ERROR, "header-only file accepted");
    bytes[0] = 'X';
    write_bytes(bad, bytes, n);
    CHECK(&st, ct_dataset_open(&ds, bad, &err) == CZ_STATUS_FORMAT_ERROR, "bad magic accepted");
    bytes[0] = 'C';
    bytes[8] = 200; /* count 200: sizes disagree */
    write_bytes(bad, bytes, n);
    CHECK(&st, ct_dataset_open(&ds, bad, &err) == CZ_STATUS_FORMAT_ERROR, "wrong count accepted");
    printf("  wrong count: %s\n", err.msg);
    bytes[8] = 2;
    bytes[n - 2] = 9; /* label of photo 0 = 9 of 2 classes */
    write_bytes(bad, bytes, n);
    CHECK(&st, ct_dataset_open(&ds, bad, &err) == CZ_STATUS_FORMAT_ERROR, "stray label accepted");
    CHECK(&st, ct_dataset_open(&ds, "/nonexistent/x", &err) == CZ_STATUS_IO_ERROR, "missing file");
    free(bytes);

    /* 5. Sniffing refuses damaged photos with a reason. */
    static const unsigned char jpeg_head[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
    write_bytes(bad, jpeg_head, sizeof jpeg_head);
    CHECK(&st, !ct_image_sniff(bad, NULL, why, sizeof why) && strstr(why, "truncated"), "truncated jpeg: %s", why);
    write_bytes(bad, "hello\n", 6);
    CHECK(&st, !ct_image_sniff(bad, NULL, why, sizeof why) && strstr(why, "not a JPEG"), "text: %s", why);
    CHECK(&st, ct_image_load_buffer("/nonexistent.png", why, sizeof why) == NULL, "missing photo loaded");
    bytes = read_bytes(png, &n);
    write_bytes(bad, bytes, n / 2);
    CHECK(&st, !ct_image_sniff(bad, NULL, why, sizeof why) && strstr(why, "truncated PNG"), "half png: %s", why);
    free(bytes);

    unlink(png);
    unlink(data);
    unlink(bad);
    rmdir(dir);
    ct_gegl_exit();
    return check_finish(&st, "trainer dataset");
}
