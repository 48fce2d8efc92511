/* dist_none.c: dist.h without MPI: every job is a job of one. A launcher's
 * environment naming more than one rank (or a rank past 0) is an error,
 * since every rank would train the whole batch and write the same files. */
#include "dist.h"

#include <stdlib.h>

#include "util.h"

static long env_long(const char *name)
{
    const char *v = getenv(name);
    return v ? strtol(v, NULL, 10) : 0;
}

void ct_dist_init(ct_dist *d)
{
    *d = (ct_dist){.rank = 0, .size = 1};
    if (env_long("OMPI_COMM_WORLD_SIZE") > 1 || env_long("PMI_SIZE") > 1 || env_long("PMIX_RANK") > 0)
        ct_die(__FILE__, __LINE__, "rebuild with Open MPI (libopenmpi-dev; meson option -Dmpi=enabled)",
               "started as one of several ranks (mpirun or srun), but this corolization-train was built "
               "without MPI");
}

void ct_dist_finish(ct_dist *d) { *d = (ct_dist){.rank = 0, .size = 1}; }
void ct_dist_sum_floats(const ct_dist *d, float *x, size_t n) {}
void ct_dist_sum_doubles(const ct_dist *d, double *x, int n) {}
void ct_dist_barrier(const ct_dist *d) {}
bool ct_dist_agree(const ct_dist *d, double v) { return true; }

_Noreturn void ct_dist_abort(const ct_dist *d, int code, const char *why)
{
    fprintf(stderr, "corolization-train: %s\n", why);
    exit(code);
}

bool ct_dist_available(void) { return false; }
