/* fuzz_photo.c: libFuzzer target for the checks every photo passes before
 * GEGL may decode it (engine/trainer/photo.h): the header (format, size,
 * structure, pixel limits) and the strict libjpeg/libpng decode. Any input
 * must be refused with a message, or accepted with a size inside the limits,
 * without a sanitizer report, an exit from libjpeg or a hang. GEGL itself
 * is not run: its loaders only ever see what these checks accept. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "photo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256] = "";
    ct_photo_info info;
    if (!ct_photo_header_read(data, size, &info, why, sizeof why)) {
        if (!why[0]) { fprintf(stderr, "header refused without a message\n"); abort(); }
        return 0;
    }
    uint64_t px = (uint64_t)info.w * (uint64_t)info.h;
    if (info.w <= 0 || info.h <= 0 || px > CT_PHOTO_MAX_PIXELS ||
        (px > CT_PHOTO_DENSE_PIXELS && px / CT_PHOTO_PIXELS_PER_BYTE > size)) {
        fprintf(stderr, "accepted %dx%d in %zu bytes\n", info.w, info.h, size);
        abort();
    }
    why[0] = 0;
    if (!ct_photo_verify(data, size, &info, why, sizeof why) && !why[0]) {
        fprintf(stderr, "decode refused without a message\n");
        abort();
    }
    return 0;
}
