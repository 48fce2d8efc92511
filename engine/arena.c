/* arena.c: the tensor arena (see arena.h). */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

cz_status cz_arena_init(cz_arena *a, size_t cap, cz_error *err)
{
    size_t bytes;
    *a = (cz_arena){0};
    cap = cz_arena_round(cap ? cap : 16);
    if (!cz_size_mul(&bytes, cap, sizeof(float)))
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "arena of %zu floats is too large", cap);
    a->base = aligned_alloc(64, bytes);
    if (!a->base)
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY,
                            "out of memory for %zu MB of tensors", bytes >> 20);
    memset(a->base, 0, bytes);
    a->cap = cap;
    return CZ_STATUS_OK;
}

void cz_arena_free(cz_arena *a)
{
    free(a->base);
    *a = (cz_arena){0};
}

float *cz_arena_take(cz_arena *a, size_t n)
{
    size_t r = cz_arena_round(n);
    if (r > a->cap - a->used) return NULL;
    float *p = a->base + a->used;
    a->used += r;
    return p;
}
