/* fuzz_safetensors.c: libFuzzer target for the safetensors reader. Any input
 * must either be rejected with a message or yield tensors whose every byte
 * can be converted, without a sanitizer report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

#define MAX_TENSORS 64
#define MAX_FLOATS (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cz_error err = {0};
    cz_safetensors *st = cz_safetensors_open_memory(data, size, &err);
    if (!st) {
        if (!err.msg[0] || err.status == CZ_STATUS_OK) {
            fprintf(stderr, "rejected without a message\n");
            abort();
        }
        return 0;
    }
    static float buf[MAX_FLOATS];
    size_t n = cz_safetensors_count(st);
    for (size_t i = 0; i < n && i < MAX_TENSORS; i++) {
        const cz_st_tensor *t = cz_safetensors_get(st, i);
        if (cz_safetensors_find(st, t->name) == NULL) abort(); /* names must be findable */
        /* The range must lie in the input: touch both ends. */
        if (t->nbytes) {
            const uint8_t *p = t->data;
            if (p < data || p + t->nbytes > data + size) abort();
        }
        if (t->count <= MAX_FLOATS) {
            cz_status s = cz_st_tensor_read_f32(t, buf, t->count, &err);
            if ((s == CZ_STATUS_OK) != (t->dtype != CZ_DTYPE_I64)) abort();
        }
    }
    (void)cz_safetensors_metadata(st, "format");
    cz_safetensors_close(st);
    return 0;
}
