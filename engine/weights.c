/* weights.c: the parameter arena (see weights.h). */
#include "weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "arena.h"

struct cz_weights {
    cz_weight *items;
    int n, cap;
    cz_arena arena;
};

cz_weights *cz_weights_new(void) { return calloc(1, sizeof(cz_weights)); }

void cz_weights_free(cz_weights *w)
{
    if (!w) return;
    cz_arena_free(&w->arena);
    free(w->items);
    free(w);
}

static bool same_shape(const cz_weight *p, int ndim, const int *shape)
{
    bool same = p->ndim == ndim;
    for (int d = 0; same && d < ndim; d++) same = p->shape[d] == shape[d];
    return same;
}

int cz_weights_declare(cz_weights *w, const char *name, int ndim, const int *shape, bool trainable, int fan_in,
                       int fan_out, float init, cz_error *err)
{
    cz_weight *old = cz_weights_find(w, name);
    if (old) {
        if (same_shape(old, ndim, shape)) return (int)(old - w->items);
        cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "parameter \"%s\" changes shape", name);
        return -1;
    }
    if (w->arena.base) {
        cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "parameter \"%s\" is not among the model's", name);
        return -1;
    }
    if (strlen(name) >= sizeof w->items[0].name || ndim < 1 || ndim > 4) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "bad parameter \"%s\"", name);
        return -1;
    }
    if (w->n == w->cap) {
        int cap = w->cap ? 2 * w->cap : 64;
        cz_weight *items = realloc(w->items, (size_t)cap * sizeof *items);
        if (!items) {
            cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
            return -1;
        }
        w->items = items, w->cap = cap;
    }
    cz_weight *p = &w->items[w->n];
    memset(p, 0, sizeof *p);
    strcpy(p->name, name);
    p->ndim = ndim;
    p->count = 1;
    for (int d = 0; d < ndim; d++) {
        p->shape[d] = shape[d];
        p->count *= (size_t)shape[d];
    }
    p->trainable = trainable;
    p->fan_in = fan_in, p->fan_out = fan_out;
    p->init = init;
    return w->n++;
}

cz_status cz_weights_alloc(cz_weights *w, cz_error *err)
{
    if (w->arena.base) return CZ_STATUS_OK;
    size_t total = 0;
    for (int i = 0; i < w->n; i++)
        if (!cz_size_add(&total, total, cz_arena_round(w->items[i].count)))
            return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "network too large");
    cz_status st = cz_arena_init(&w->arena, total ? total : 16, err);
    if (st) return st;
    for (int i = 0; i < w->n; i++) {
        cz_weight *p = &w->items[i];
        p->data = cz_arena_take(&w->arena, p->count);
        if (p->init != 0.0f) cz_init_constant(p->data, p->count, p->init);
    }
    return CZ_STATUS_OK;
}

bool cz_weights_allocated(const cz_weights *w) { return w->arena.base != NULL; }
int cz_weights_count(const cz_weights *w) { return w->n; }
cz_weight *cz_weights_get(cz_weights *w, int i) { return &w->items[i]; }

cz_weight *cz_weights_find(cz_weights *w, const char *name)
{
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->items[i].name, name)) return &w->items[i];
    return NULL;
}
