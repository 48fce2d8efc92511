/* fuzz_pth.c: libFuzzer target for the PyTorch checkpoint reader
 * (engine/trainer/pth.h: the zip directory and the restricted unpickler).
 * Any input must be refused with a message, or give tensors whose data lie
 * inside the input, without a sanitizer report or a hang. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cz_error err = {0};
    ct_pth *p = ct_pth_open_memory(data, size, &err);
    if (!p) {
        if (!err.msg[0]) { fprintf(stderr, "refused without a message\n"); abort(); }
        return 0;
    }
    for (size_t i = 0; i < ct_pth_count(p); i++) {
        const ct_pth_tensor *t = ct_pth_get(p, i);
        const uint8_t *d = t->data;
        size_t bytes = t->count * cz_dtype_size(t->dtype);
        if (t->count && (d < data || d > data + size || bytes > (size_t)(data + size - d))) {
            fprintf(stderr, "tensor %s outside the input\n", t->name);
            abort();
        }
        volatile uint8_t sum = 0; /* every byte is read: ASan checks the extent */
        for (size_t k = 0; k < bytes; k++) sum ^= d[k];
    }
    ct_pth_close(p);
    return 0;
}
