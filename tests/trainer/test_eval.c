/* test_eval.c: `corolization-train eval --oracle --json` on photos with
 * known answers. Three 256 x 256 PNGs are drawn with cairo (no resampling
 * then); this program computes, on its own, what the figures must be: the
 * gray answer's PSNR (babl: 8-bit sRGB -> Lab, a = b = 0, -> sRGB, clipped)
 * and the truth's colourfulness; the oracle (the truth itself) must score
 * PSNR at the cap, SSIM 1, delta_cf 0 and AuC 1. Photos 0 and 1 lie in
 * folder a, photo 2 in folder b"q: the per-folder figures must be the means
 * over each (and the quote escaped); one folder alone gets no breakdown.
 * Usage: test_eval CRAYON (the corolization-train binary). */
#include <babl/babl.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define S 256

static double json_num(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* Runs cmd, its standard output into json[cap]; returns the exit status. */
static int run_json(const char *cmd, char *json, size_t cap)
{
    FILE *p = popen(cmd, "r");
    size_t got = p ? fread(json, 1, cap - 1, p) : 0;
    json[got] = 0;
    return p ? pclose(p) : -1;
}

static void draw(const char *path, int k, unsigned char *rgb)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, S, S);
    cairo_t *cr = cairo_create(s);
    cairo_pattern_t *p = cairo_pattern_create_radial(S * 0.3 * (k + 1), S / 2.0, 5, S / 2.0, S / 2.0, S);
    cairo_pattern_add_color_stop_rgb(p, 0, 0.95, 0.85 - 0.3 * k, 0.1);
    cairo_pattern_add_color_stop_rgb(p, 0.6, 0.1 + 0.2 * k, 0.5, 0.9);
    cairo_pattern_add_color_stop_rgb(p, 1, 0.05, 0.3, 0.1 * k);
    cairo_set_source(cr, p);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.9, 0.1, 0.2);
    cairo_rectangle(cr, 20 + 30 * k, 40, 60, 90);
    cairo_fill(cr);
    cairo_pattern_destroy(p);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            uint32_t v;
            memcpy(&v, d + (size_t)y * stride + 4 * x, 4);
            unsigned char *o = rgb + 3 * ((size_t)y * S + x);
            o[0] = v >> 16 & 255, o[1] = v >> 8 & 255, o[2] = v & 255;
        }
    cairo_surface_write_to_png(s, path);
    cairo_surface_destroy(s);
}

int main(int argc, char **argv)
{
    check_state st = {0};
    if (argc < 2) {
        fprintf(stderr, "usage: test_eval COROLIZATION_TRAIN\n");
        return 2;
    }
    babl_init();
    char dir[] = "/tmp/cz-test-eval-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    static unsigned char rgb[S * S * 3];
    static float lab[S * S * 3], gray[S * S * 3], truth[S * S * 3];
    /* b"qé then a byte that is not UTF-8 (a Latin-1 name): JSON escapes. */
    static const char *const sub[3] = {"a", "a", "b\"q\xc3\xa9\xff"};
    double psnr_sum = 0, cf_sum = 0, psnr_k[3], cf_k[3];
    for (int k = 0; k < 3; k++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, sub[k]);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/%s/photo%d.png", dir, sub[k], k);
        draw(path, k, rgb);
        babl_process(babl_fish(babl_format("R'G'B' u8"), babl_format("CIE Lab float")), rgb, lab, S * S);
        for (int i = 0; i < S * S; i++) lab[3 * i + 1] = lab[3 * i + 2] = 0;
        babl_process(babl_fish(babl_format("CIE Lab float"), babl_format("R'G'B' float")), lab, gray, S * S);
        double se = 0, srg = 0, syb = 0, srg2 = 0, syb2 = 0;
        for (int i = 0; i < 3 * S * S; i++) {
            truth[i] = rgb[i] / 255.0f;
            double g = gray[i] < 0 ? 0 : gray[i] > 1 ? 1 : gray[i];
            se += (g - truth[i]) * (g - truth[i]);
        }
        psnr_k[k] = 10 * log10(3.0 * S * S / se);
        psnr_sum += psnr_k[k];
        for (int i = 0; i < S * S; i++) {
            double r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
            double rg = r - g, yb = (r + g) / 2 - b;
            srg += rg, syb += yb, srg2 += rg * rg, syb2 += yb * yb;
        }
        double n = S * S, mrg = srg / n, myb = syb / n;
        cf_k[k] = sqrt(srg2 / n - mrg * mrg + syb2 / n - myb * myb) + 0.3 * sqrt(mrg * mrg + myb * myb);
        cf_sum += cf_k[k];
    }
    char cmd[1024], json[4096] = "";
    snprintf(cmd, sizeof cmd, "'%s' eval --oracle --json --images '%s' --no-grid", argv[1], dir);
    int rc = run_json(cmd, json, sizeof json);
    printf("  %s", json);
    CHECK(&st, rc == 0, "eval exit status %d", rc);
    double want_psnr = psnr_sum / 3, want_cf = cf_sum / 3;
    CHECK(&st, json_num(json, "images") == 3, "images %f", json_num(json, "images"));
    CHECK(&st, fabs(json_num(json, "psnr_gray") - want_psnr) < 0.01, "psnr_gray %f want %f",
          json_num(json, "psnr_gray"), want_psnr);
    printf("  gray PSNR: eval %.4f, computed here %.4f\n", json_num(json, "psnr_gray"), want_psnr);
    CHECK(&st, json_num(json, "psnr") == 100, "oracle psnr %f", json_num(json, "psnr"));
    CHECK(&st, fabs(json_num(json, "ssim") - 1) < 1e-6, "oracle ssim %f", json_num(json, "ssim"));
    CHECK(&st, fabs(json_num(json, "delta_cf")) < 1e-3, "oracle delta_cf %f", json_num(json, "delta_cf"));
    CHECK(&st, fabs(json_num(json, "auc") - 1) < 1e-6, "oracle auc %f", json_num(json, "auc"));
    CHECK(&st, fabs(json_num(json, "cf_truth") - want_cf) < 0.05, "cf_truth %f want %f",
          json_num(json, "cf_truth"), want_cf);
    CHECK(&st, json_num(json, "auc_gray") < 1 && json_num(json, "auc_gray") > 0.2, "auc_gray %f",
          json_num(json, "auc_gray"));
    CHECK(&st, fabs(json_num(json, "delta_cf_gray") - want_cf) < 0.05, "gray delta_cf %f",
          json_num(json, "delta_cf_gray"));
    /* Per folder: a = photos 0 and 1, b"qé\xff = photo 2. */
    const char *fa = strstr(json, "{\"name\": \"a\""),
               *fb = strstr(json, "{\"name\": \"b\\\"q\xc3\xa9\xef\xbf\xbd\"");
    CHECK(&st, fa && fb, "folders a and b\\\"q\xc3\xa9\xef\xbf\xbd (U+FFFD) in the JSON");
    if (fa && fb) {
        CHECK(&st, json_num(fa, "images") == 2 && json_num(fb, "images") == 1, "folder images %g, %g",
              json_num(fa, "images"), json_num(fb, "images"));
        CHECK(&st, fabs(json_num(fa, "psnr_gray") - (psnr_k[0] + psnr_k[1]) / 2) < 0.01 &&
                       fabs(json_num(fb, "psnr_gray") - psnr_k[2]) < 0.01,
              "folder gray PSNR %f, %f want %f, %f", json_num(fa, "psnr_gray"), json_num(fb, "psnr_gray"),
              (psnr_k[0] + psnr_k[1]) / 2, psnr_k[2]);
        CHECK(&st, fabs(json_num(fa, "cf_truth") - (cf_k[0] + cf_k[1]) / 2) < 0.05 &&
                       fabs(json_num(fb, "cf_truth") - cf_k[2]) < 0.05,
              "folder cf_truth %f, %f", json_num(fa, "cf_truth"), json_num(fb, "cf_truth"));
        CHECK(&st, json_num(fa, "psnr") == 100 && json_num(fb, "psnr") == 100, "folder oracle PSNR");
    }
    snprintf(cmd, sizeof cmd, "'%s' eval --oracle --json --images '%s/a' --no-grid", argv[1], dir);
    rc = run_json(cmd, json, sizeof json);
    CHECK(&st, rc == 0 && json_num(json, "images") == 2 && !strstr(json, "folders"),
          "one folder: 2 photos, no breakdown: %s", json);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_finish(&st, "trainer eval");
}
