/* parallel.h: runs an element-wise pass over [0, n) on as many threads as
 * OpenBLAS uses (at most CZ_PARALLEL_MAX_THREADS), each taking one
 * contiguous part. Threads are started per call and joined before it
 * returns, so no thread outlives the pass: a persistent pool would spin on
 * the cores the next sgemm needs. */
#ifndef CZ_PARALLEL_H
#define CZ_PARALLEL_H

#include <stddef.h>

#define CZ_PARALLEL_MAX_THREADS 8

/* One part: fn(ctx, lo, hi) handles items [lo, hi). */
typedef void (*cz_parallel_fn)(void *ctx, long lo, long hi);

/* fn over [0, n); work (in floats touched) decides whether threads pay off.
 * A thread that cannot be started leaves its part to the caller, so the
 * pass always completes. */
void cz_parallel_run(cz_parallel_fn fn, void *ctx, long n, size_t work);

#endif
