/* tensor.c: owned tensors and arenas. */
#include "tensor.h"

#include <stdlib.h>
#include <string.h>

size_t cz_tensor_count(const cz_tensor *t)
{
    return (size_t)t->n * t->c * t->h * t->w;
}

cz_status cz_tensor_new(cz_tensor *t, int n, int c, int h, int w, cz_error *err)
{
    size_t count = 1, bytes;
    *t = (cz_tensor){0};
    if (n <= 0 || c <= 0 || h <= 0 || w <= 0)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT,
                            "tensor shape %dx%dx%dx%d is not positive", n, c, h, w);
    if (!cz_size_mul(&count, count, (size_t)n) || !cz_size_mul(&count, count, (size_t)c) ||
        !cz_size_mul(&count, count, (size_t)h) || !cz_size_mul(&count, count, (size_t)w) ||
        !cz_size_mul(&bytes, count, sizeof(float)))
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY,
                            "tensor shape %dx%dx%dx%d is too large", n, c, h, w);
    t->data = calloc(count, sizeof(float));
    if (!t->data)
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY,
                            "out of memory for a %zu-byte tensor", bytes);
    t->n = n, t->c = c, t->h = h, t->w = w, t->owned = true;
    return CZ_STATUS_OK;
}

cz_tensor cz_tensor_view(float *data, int n, int c, int h, int w)
{
    return (cz_tensor){.data = data, .n = n, .c = c, .h = h, .w = w, .owned = false};
}

void cz_tensor_free(cz_tensor *t)
{
    if (t->owned) free(t->data);
    *t = (cz_tensor){0};
}

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
