/* test_lab_d65.c: D65 Lab, as the published models were trained (skimage's
 * rgb2lab), through the pixel path (issue 17).
 * skimage_lab.py writes a crop of a test photo's sRGB bytes and skimage's
 * Lab of it; this test puts the bytes in a GEGL buffer ("R'G'B' u8", sRGB)
 * and checks:
 *  - cz_pixel_read_L for a D65 model at the crop's own size (one pixel a
 *    cell) is skimage's L within 0.5 (measured: about 1e-4);
 *  - cz_lab_d65_from_linear_srgb of the pixels read linear gives skimage's a
 *    and b within 0.05, and cz_lab_d65_to_linear_srgb takes them back;
 *  - cz_lab_d65_to_d50 gives babl's D50 Lab of the same pixels within 0.05
 *    (the colour is kept, only the white changes) and keeps white white
 *    (within 0.01 ab);
 *  - the D50 path still reads babl's CIE L (its difference from skimage's
 *    on this colour photo is printed: why D65 files need their own path).
 *
 * Usage: test_lab_d65 PYTHON SKIMAGE_LAB_PY PHOTO WORKDIR. Fails (never
 * skips) when skimage is missing. */
#include <gegl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "lab.h"
#include "pixel.h"
#include "run_child.h"

enum { H = 96, W = 128 };

static check_state st;

/* The crop's bytes [H * W * 3] and skimage's Lab [H * W * 3] from path. */
static bool read_reference(const char *path, unsigned char *rgb, float *lab)
{
    FILE *f = fopen(path, "rb");
    char magic[7];
    int32_t hw[2];
    bool ok = f && fread(magic, 1, 7, f) == 7 && !memcmp(magic, "CZLAB1\n", 7) && fread(hw, 4, 2, f) == 2 &&
              hw[0] == H && hw[1] == W && fread(rgb, 1, (size_t)H * W * 3, f) == (size_t)H * W * 3 &&
              fread(lab, sizeof(float), (size_t)H * W * 3, f) == (size_t)H * W * 3;
    if (f) fclose(f);
    return ok;
}

static void check_photo(const unsigned char *rgb, const float *sk)
{
    const size_t n = (size_t)H * W;
    const GeglRectangle rect = {0, 0, W, H};
    GeglBuffer *buf = gegl_buffer_new(&rect, babl_format("R'G'B' u8"));
    gegl_buffer_set(buf, &rect, 0, babl_format("R'G'B' u8"), rgb, GEGL_AUTO_ROWSTRIDE);
    float *L = malloc(n * sizeof *L), *lin = malloc(n * 4 * sizeof *lin), *lab = malloc(n * 3 * sizeof *lab);
    float *lab50 = malloc(n * 3 * sizeof *lab50), *srgb = malloc(n * 3 * sizeof *srgb), *back = malloc(n * 3 * sizeof *back);
    cz_error err = {0};

    /* L: the D65 model's input is skimage's */
    CHECK(&st, cz_pixel_read_L(L, CZ_LAB_D65, buf, &rect, H, W, &err) == CZ_STATUS_OK, "read_L D65: %s", err.msg);
    double dL = 0;
    for (size_t i = 0; i < n; i++) dL = fmax(dL, fabs((double)L[i] - sk[3 * i]));
    CHECK(&st, dL <= 0.5, "D65 L differs from skimage's by %g", dL);
    printf("  D65 L input vs skimage rgb2lab L: max |dL| %.3g (tolerance 0.5)\n", dL);
    /* the D50 path is babl's CIE L, as before */
    CHECK(&st, cz_pixel_read_L(L, CZ_LAB_D50, buf, &rect, H, W, &err) == CZ_STATUS_OK, "read_L D50: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) srgb[3 * i + c] = rgb[3 * i + c] / 255.0f;
    cz_lab_from_srgb(lab50, srgb, n);
    double dBabl = 0, d50 = 0;
    for (size_t i = 0; i < n; i++) {
        dBabl = fmax(dBabl, fabs((double)L[i] - lab50[3 * i]));
        d50 = fmax(d50, fabs((double)L[i] - sk[3 * i]));
    }
    CHECK(&st, dBabl <= 1e-3, "D50 L is not babl's CIE L: %g", dBabl);
    printf("  D50 L input vs babl's CIE L: max %.3g; vs skimage's L: max %.3g\n", dBabl, d50);

    /* a, b by the D65 formula from the pixels read linear */
    gegl_buffer_get(buf, &rect, 1.0, babl_format_with_space("RGBA float", babl_space("sRGB")), lin,
                    GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    for (size_t i = 0; i < n; i++) memcpy(srgb + 3 * i, lin + 4 * i, 3 * sizeof(float));
    cz_lab_d65_from_linear_srgb(lab, srgb, n);
    double dab = 0, drgb = 0;
    for (size_t i = 0; i < 3 * n; i++) dab = fmax(dab, fabs((double)lab[i] - sk[i]));
    CHECK(&st, dab <= 0.05, "D65 Lab differs from skimage's by %g", dab);
    cz_lab_d65_to_linear_srgb(back, lab, n);
    for (size_t i = 0; i < 3 * n; i++) drgb = fmax(drgb, fabs((double)back[i] - srgb[i]));
    CHECK(&st, drgb <= 1e-4, "D65 Lab -> linear sRGB does not go back: %g", drgb);
    printf("  D65 Lab vs skimage: max %.3g; round trip to linear sRGB: max %.3g\n", dab, drgb);

    /* D65 -> D50 is babl's Lab of the same colour */
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) srgb[3 * i + c] = rgb[3 * i + c] / 255.0f;
    cz_lab_from_srgb(lab50, srgb, n);
    cz_lab_d65_to_d50(lab, n);
    double dconv = 0;
    for (size_t i = 0; i < 3 * n; i++) dconv = fmax(dconv, fabs((double)lab[i] - lab50[i]));
    CHECK(&st, dconv <= 0.05, "D65 -> D50 differs from babl's D50 Lab by %g", dconv);
    float white[3] = {100, 0, 0};
    cz_lab_d65_to_d50(white, 1);
    /* skimage's matrix rows sum to (0.950456, 1, 1.088754), not quite its
     * white (0.95047, 1, 1.08883): 0.005 ab of tint, measured */
    CHECK(&st, fabsf(white[0] - 100) < 1e-3 && fabsf(white[1]) < 0.01 && fabsf(white[2]) < 0.01,
          "D65 white is D50 (%g, %g, %g)", white[0], white[1], white[2]);
    printf("  D65 -> D50 vs babl's D50 Lab: max %.3g; white -> (%.2g, %.2g, %.2g)\n", dconv, white[0], white[1],
           white[2]);
    free(L), free(lin), free(lab), free(lab50), free(srgb), free(back);
    g_object_unref(buf);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_lab_d65 PYTHON SKIMAGE_LAB_PY PHOTO WORKDIR\n");
        return 2;
    }
    char out[1024], h[16], w[16];
    snprintf(out, sizeof out, "%s/skimage-lab.bin", argv[4]);
    snprintf(h, sizeof h, "%d", H);
    snprintf(w, sizeof w, "%d", W);
    char *gen[] = {argv[1], argv[2], argv[3], h, w, out, NULL};
    int rc = run_child(gen);
    if (rc != 0) {
        fprintf(stderr, "test_lab_d65: FAIL: skimage_lab.py exited %d%s\n", rc,
                rc == 3 ? " (install python3-skimage)" : "");
        return 1;
    }
    unsigned char *rgb = malloc((size_t)H * W * 3);
    float *sk = malloc((size_t)H * W * 3 * sizeof *sk);
    if (!read_reference(out, rgb, sk)) {
        fprintf(stderr, "test_lab_d65: FAIL: %s is not the reference\n", out);
        return 1;
    }
    gegl_init(NULL, NULL);
    cz_lab_init();
    check_photo(rgb, sk);
    free(rgb), free(sk);
    unlink(out);
    cz_lab_exit();
    gegl_exit();
    return check_finish(&st, "test_lab_d65");
}
