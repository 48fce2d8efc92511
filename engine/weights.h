/* weights.h: a model's parameters in one arena, as a ggml context: named
 * and sized while networks are built on them, allocated once, then shared by
 * every network built on them (inference at any size, each training lane),
 * so no weight is ever copied from one network to another.
 *
 * A name declared again must have the same shape (a shared layer, or the
 * same layer in a network built for another size); once allocated, the set
 * is closed: a network that would need a new parameter is refused. */
#ifndef CZ_WEIGHTS_H
#define CZ_WEIGHTS_H

#include "cz.h"

typedef struct {
    char name[96];
    int ndim;
    int shape[4];
    size_t count;
    bool trainable;      /* false for batch-norm running statistics */
    int fan_in, fan_out; /* for initialisers */
    float init;          /* the value the arena starts with */
    float *data;         /* NULL until cz_weights_alloc */
} cz_weight;

typedef struct cz_weights cz_weights; /* opaque */

cz_weights *cz_weights_new(void);
void cz_weights_free(cz_weights *w);

/* The index of parameter name, added if new; -1 with err set when the name
 * exists with another shape, or is new after cz_weights_alloc. */
int cz_weights_declare(cz_weights *w, const char *name, int ndim, const int *shape, bool trainable, int fan_in,
                       int fan_out, float init, cz_error *err);
/* Allocates every declared parameter, each filled with its init value; a
 * no-op when already allocated. */
cz_status cz_weights_alloc(cz_weights *w, cz_error *err);
bool cz_weights_allocated(const cz_weights *w);

int cz_weights_count(const cz_weights *w);
cz_weight *cz_weights_get(cz_weights *w, int i);
/* NULL when absent. */
cz_weight *cz_weights_find(cz_weights *w, const char *name);

#endif
