/* dist_mpi.c: dist.h over Open MPI (MPI_COMM_WORLD). Only the thread that
 * called ct_dist_init makes MPI calls (MPI_THREAD_FUNNELED): the loader
 * and the lanes never do. */
#include "dist.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

/* A process that leaves between init and finish (exit from ct_die or a
 * usage error) takes the job with it: otherwise the others would wait for
 * it in their next reduction (mpirun would notice, srun by default not). */
static void leave_job(void)
{
    int up = 0, down = 0;
    MPI_Initialized(&up);
    MPI_Finalized(&down);
    if (!up || down) return;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr, "corolization-train: rank %d stopped before the job ended; ending every rank\n", rank);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, CT_EXIT_FAILURE);
}

/* Set by mpirun (Open MPI's own launcher) or by srun (PMIx or PMI-2). */
static bool launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

void ct_dist_init(ct_dist *d)
{
    *d = (ct_dist){.rank = 0, .size = 1};
    if (!launched()) return;
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        ct_die(__FILE__, __LINE__, NULL, "MPI_Init_thread failed");
    d->mpi = true;
    if (atexit(leave_job) != 0) ct_dist_abort(d, CT_EXIT_FAILURE, "cannot register the exit handler");
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    if (provided < MPI_THREAD_FUNNELED)
        ct_dist_abort(d, CT_EXIT_FAILURE, "this MPI library does not support threads (MPI_THREAD_FUNNELED)");
}

void ct_dist_finish(ct_dist *d)
{
    if (d->mpi) {
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Finalize();
    }
    *d = (ct_dist){.rank = 0, .size = 1};
}

void ct_dist_sum_floats(const ct_dist *d, float *x, size_t n)
{
    if (d->size < 2) return;
    /* MPI counts are ints: a block past INT_MAX floats goes in pieces. */
    for (size_t done = 0; done < n;) {
        size_t k = n - done < (size_t)INT_MAX ? n - done : (size_t)INT_MAX;
        MPI_Allreduce(MPI_IN_PLACE, x + done, (int)k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        done += k;
    }
}

void ct_dist_sum_doubles(const ct_dist *d, double *x, int n)
{
    if (d->size > 1) MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

void ct_dist_barrier(const ct_dist *d)
{
    if (d->size > 1) MPI_Barrier(MPI_COMM_WORLD);
}

bool ct_dist_agree(const ct_dist *d, double v)
{
    if (d->size < 2) return true;
    double x[2] = {v, -v}; /* the largest and minus the smallest */
    MPI_Allreduce(MPI_IN_PLACE, x, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return x[0] == -x[1];
}

_Noreturn void ct_dist_abort(const ct_dist *d, int code, const char *why)
{
    fprintf(stderr, "corolization-train: rank %d: %s\n", d->rank, why);
    fflush(stderr);
    if (d->mpi) MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

bool ct_dist_available(void) { return true; }
