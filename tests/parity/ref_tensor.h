/* ref_tensor.h: a float tensor of a PyTorch reference file, exactly count
 * values, or the test (who) ends saying which is missing. */
#ifndef REF_TENSOR_H
#define REF_TENSOR_H

#include <stdio.h>
#include <stdlib.h>

#include "safetensors.h"

static inline float *ref_tensor_read(const cz_safetensors *st, const char *name, size_t count, const char *who)
{
    const cz_st_tensor *t = cz_safetensors_find(st, name);
    float *out = malloc(count * sizeof *out);
    if (!t || !out || cz_st_tensor_read_f32(t, out, count, NULL)) {
        fprintf(stderr, "%s: reference tensor %s missing or not %zu values\n", who, name, count);
        exit(1);
    }
    return out;
}

#endif
