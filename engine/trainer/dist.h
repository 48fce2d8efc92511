/* dist.h: the processes of a data-parallel training job (Open MPI).
 *
 * Under mpirun or srun each process is a rank: it trains its share of every
 * batch on a replica of the model, and the ranks sum their gradients so that
 * every replica takes the same optimiser step. Started any other way, the
 * process is a job of one and nothing here talks to anyone.
 *
 * Built with MPI (meson option 'mpi') this is dist_mpi.c, else dist_none.c,
 * which runs jobs of one and refuses to be one of several ranks (each would
 * train the whole batch and write the same files).
 *
 * MPI's default error handler stays: a failed call ends the whole job. A
 * rank that exits before ct_dist_finish (ct_die, a usage error) ends the job
 * too, so no other rank waits for it in a reduction. */
#ifndef CT_DIST_H
#define CT_DIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int rank, size; /* 0 and 1 in a job of one */
    bool mpi;       /* MPI was initialised here (and is finalised by ct_dist_finish) */
} ct_dist;

/* Joins the job the launcher started (its environment says so), else makes
 * a job of one without touching MPI. Exits with a message when it cannot. */
void ct_dist_init(ct_dist *d);
/* Waits for every rank, then leaves the job. */
void ct_dist_finish(ct_dist *d);
/* Sums x[0..n) over the ranks, in place, on every rank (one reduction). */
void ct_dist_sum_floats(const ct_dist *d, float *x, size_t n);
void ct_dist_sum_doubles(const ct_dist *d, double *x, int n);
void ct_dist_barrier(const ct_dist *d);
/* Whether every rank passed the same v (every rank gets the same answer). */
bool ct_dist_agree(const ct_dist *d, double v);
/* Ends every rank of the job with status code, after printing why. */
_Noreturn void ct_dist_abort(const ct_dist *d, int code, const char *why);
/* Whether this build can run as one of several ranks. */
bool ct_dist_available(void);

#endif
