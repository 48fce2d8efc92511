/* tensor.h: float32 NCHW tensors and the arena that owns them.
 *
 * A cz_tensor either owns its data (cz_tensor_new / cz_tensor_free) or is a
 * view into memory someone else owns (an arena, a network). A cz_arena is one
 * 64-byte-aligned block handed out in pieces; freeing the arena frees every
 * piece, so a network pass never allocates. */
#ifndef CZ_TENSOR_H
#define CZ_TENSOR_H

#include "cz.h"

typedef struct {
    float *data;
    int n, c, h, w;
    bool owned; /* cz_tensor_free releases data only when true */
} cz_tensor;

/* Zero-filled owned tensor; NULL data (and CZ_STATUS_OUT_OF_MEMORY) on
 * failure or size overflow. */
cz_status cz_tensor_new(cz_tensor *t, int n, int c, int h, int w, cz_error *err);
cz_tensor cz_tensor_view(float *data, int n, int c, int h, int w);
void cz_tensor_free(cz_tensor *t);
size_t cz_tensor_count(const cz_tensor *t);

typedef struct {
    float *base;
    size_t cap;  /* floats */
    size_t used; /* floats */
} cz_arena;

/* Allocates cap floats (zeroed). */
cz_status cz_arena_init(cz_arena *a, size_t cap, cz_error *err);
void cz_arena_free(cz_arena *a);
/* A piece of n floats, rounded up to 16 floats for alignment; NULL when the
 * arena is full (a sizing bug, never input-dependent). */
float *cz_arena_take(cz_arena *a, size_t n);
/* Floats cz_arena_take(n) consumes, for sizing passes. */
static inline size_t cz_arena_round(size_t n) { return (n + 15) & ~(size_t)15; }

#endif
