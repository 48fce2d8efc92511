/* parallel.c: per-pass threads for the element-wise parts of convolution
 * (see parallel.h). */
#include "parallel.h"

#include <cblas.h>
#include <pthread.h>
#include <stdbool.h>

/* Below this many floats of work a pass stays on one thread: starting one
 * costs some tens of microseconds. */
#define PAR_MIN_WORK 65536

typedef struct {
    cz_parallel_fn fn;
    void *ctx;
    long lo, hi;
} par_part;

static void *par_main(void *p)
{
    par_part *t = p;
    t->fn(t->ctx, t->lo, t->hi);
    return NULL;
}

void cz_parallel_run(cz_parallel_fn fn, void *ctx, long n, size_t work)
{
    int nt = openblas_get_num_threads();
    if (nt > CZ_PARALLEL_MAX_THREADS) nt = CZ_PARALLEL_MAX_THREADS;
    if (nt > n) nt = (int)n;
    if (nt <= 1 || work < PAR_MIN_WORK) {
        if (n > 0) fn(ctx, 0, n);
        return;
    }
    par_part part[CZ_PARALLEL_MAX_THREADS];
    pthread_t tid[CZ_PARALLEL_MAX_THREADS];
    bool started[CZ_PARALLEL_MAX_THREADS] = {false};
    for (int i = 0; i < nt; i++)
        part[i] = (par_part){fn, ctx, n * i / nt, n * (i + 1) / nt};
    for (int i = 1; i < nt; i++) started[i] = pthread_create(&tid[i], NULL, par_main, &part[i]) == 0;
    par_main(&part[0]);
    for (int i = 1; i < nt; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            par_main(&part[i]);
    }
}
