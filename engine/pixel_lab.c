/* pixel_lab.c: the write step's Lab, D50 or D65 (see pixel_lab.h). */
#include "pixel_lab.h"

const Babl *cz__pixel_lab_linear_srgb(void) { return babl_format_with_space("RGBA float", babl_space("sRGB")); }

void cz__pixel_lab_init(cz__pixel_lab *c, bool d65, const Babl *src_space, const Babl *dst_space)
{
    const Babl *rgba = babl_format_with_space("RGBA float", dst_space);
    c->d65 = d65;
    c->src_fmt = d65 ? cz__pixel_lab_linear_srgb() : babl_format_with_space("CIE L alpha float", src_space);
    c->fish = babl_fish(d65 ? cz__pixel_lab_linear_srgb() : babl_format_with_space("CIE Lab alpha float", dst_space),
                        rgba);
}

void cz__pixel_lab_to_rgba(const cz__pixel_lab *c, const float *lab, float *rgba, size_t n)
{
    if (!c->d65) {
        babl_process(c->fish, lab, rgba, (long)n);
        return;
    }
    /* In chunks through the stack: lab.h's formulas take 3 interleaved
     * floats, and babl is not asked to convert in place. */
    enum { CHUNK = 256 };
    float lab3[3 * CHUNK], rgb3[3 * CHUNK], lin[4 * CHUNK];
    for (size_t i = 0; i < n; i += CHUNK) {
        const size_t m = n - i < CHUNK ? n - i : CHUNK;
        for (size_t k = 0; k < m; k++)
            for (int j = 0; j < 3; j++) lab3[3 * k + j] = lab[4 * (i + k) + j];
        cz_lab_d65_to_linear_srgb(rgb3, lab3, m);
        for (size_t k = 0; k < m; k++) {
            for (int j = 0; j < 3; j++) lin[4 * k + j] = rgb3[3 * k + j];
            lin[4 * k + 3] = lab[4 * (i + k) + 3];
        }
        babl_process(c->fish, lin, rgba + 4 * i, (long)m);
    }
}
