/* arena.h: the arena that holds the engine's float32 tensors.
 *
 * A cz_arena is one 64-byte-aligned block handed out in pieces; freeing the
 * arena frees every piece, so a network pass never allocates. Tensors are
 * plain float pointers into it, with their shapes kept by their owner
 * (net.c). */
#ifndef CZ_ARENA_H
#define CZ_ARENA_H

#include "cz.h"

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
