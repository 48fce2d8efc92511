/* bench_train.c: training images/s of corolization-train's `colorful`
 * against PyTorch on the same network, batch, size and threads, in the same
 * run (one after the other on the same machine).
 *
 * Ours: the trainer's own loop pieces (loader thread, ct_trainer_step with
 * the rebalanced soft-encoded loss, Adam) on a synthetic dataset of smooth
 * colour fields (the speed does not depend on the pictures), wall time over
 * the timed steps after warm-up. PyTorch: torch_train_bench.py under
 * /usr/bin/python3 (Debian's python3-torch), random soft targets.
 *
 * The two alternate for --rounds rounds (default 2) and the best round of
 * each is reported, so that a burst of other work on the machine does not
 * decide the comparison.
 *
 * Usage: bench_train [--size N] [--batch B] [--width W] [--threads T]
 *                    [--steps N] [--warmup N] [--rounds R] [--script PATH]
 *                    [--python PATH] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "lab.h"
#include "loader.h"
#include "step.h"
#include "util.h"

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return def;
}

int main(int argc, char **argv)
{
    int size = atoi(arg(argc, argv, "--size", "128"));
    int batch = atoi(arg(argc, argv, "--batch", "16"));
    float width = (float)atof(arg(argc, argv, "--width", "0.25"));
    int threads = atoi(arg(argc, argv, "--threads", "2"));
    int steps = atoi(arg(argc, argv, "--steps", "10"));
    int warmup = atoi(arg(argc, argv, "--warmup", "2"));
    int rounds = atoi(arg(argc, argv, "--rounds", "2"));
    const char *script = arg(argc, argv, "--script", getenv("TORCH_BENCH_SCRIPT"));
    const char *python = arg(argc, argv, "--python", "/usr/bin/python3");
    if (size < 32 || batch < 1 || steps < 1 || threads < 1 || rounds < 1) {
        fprintf(stderr, "bench_train: bad arguments\n");
        return 2;
    }
    cz_lab_init();

    /* Synthetic dataset: 64 photos of smooth colour fields, 16 px margin. */
    char path[] = "/tmp/cz-bench-train-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    int N = size + 16;
    size_t nn = (size_t)N * N;
    float *L = malloc(3 * nn * sizeof(float)), *A = L + nn, *B = L + 2 * nn;
    ct_dataset_writer w;
    cz_error err = {0};
    statusCheck(ct_dataset_writer_begin(&w, path, N, 0, NULL, &err), &err);
    for (int p = 0; p < 64; p++) {
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) {
                L[y * N + x] = 50 + 40 * sinf(0.05f * (x + 3 * p) + 0.03f * y);
                A[y * N + x] = 60 * sinf(0.04f * x - 0.1f * p);
                B[y * N + x] = 60 * cosf(0.03f * y + 0.2f * p);
            }
        statusCheck(ct_dataset_writer_add(&w, L, A, B, 0, &err), &err);
    }
    statusCheck(ct_dataset_writer_finish(&w, &err), &err);
    free(L);
    ct_dataset ds;
    statusCheck(ct_dataset_open(&ds, path, &err), &err);

    cz_model *m = ct_model_for_data("colorful", width, size, false, &ds, 1);
    ct_set_rebalancing(m, &ds, 0.5f);
    ct_trainer tr;
    ct_trainer_init(&tr, m, batch, 0, threads);
    ct_loader *ld = ct_loader_new(&ds, m, batch, 1, 0, true, 0, 3);
    printf("colorful (ECCV16) width %g, %dx%d, batch %d, threads %d, %d timed steps after %d warm-up, "
           "best of %d rounds\n", width, size, size, batch, threads, steps, warmup, rounds);
    fflush(stdout);
    bool have_torch = true;
    const char *why_not = NULL;
    if (!script || access(script, R_OK) != 0) {
        have_torch = false;
        why_not = "torch_train_bench.py not found (pass --script PATH)";
    } else if (access(python, X_OK) != 0) {
        have_torch = false;
        why_not = "/usr/bin/python3 is missing (install python3-torch)";
    }
    double best_ours = 0, best_step = 0, best_theirs = 0;
    long s = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < (r == 0 ? warmup : 0); i++, s++) ct_trainer_step(&tr, ct_loader_next(ld), 3e-4f, s + 1);
        double t0 = ct_now(), step_time = 0;
        for (int i = 0; i < steps; i++, s++) {
            const ct_batch *b = ct_loader_next(ld);
            double ts = ct_now();
            ct_losses ls = ct_trainer_step(&tr, b, 3e-4f, s + 1);
            step_time += ct_now() - ts;
            if (!isfinite(ls.loss)) {
                fprintf(stderr, "bench_train: loss not finite\n");
                return 1;
            }
        }
        double ours = steps * batch / (ct_now() - t0);
        printf("  round %d: corolization-train %.2f images/s (%.2f in the step alone)\n", r + 1, ours,
               steps * batch / step_time);
        best_ours = fmax(best_ours, ours);
        best_step = fmax(best_step, steps * batch / step_time);
        fflush(stdout);
        if (!have_torch) continue;
        char cmd[2048], line[512];
        snprintf(cmd, sizeof cmd, "'%s' '%s' --size %d --batch %d --width %g --threads %d --steps %d "
                 "--warmup %d --q %d 2>&1", python, script, size, batch, width, threads, steps, warmup, tr.q);
        FILE *p = popen(cmd, "r");
        double theirs = NAN;
        bool missing = false;
        while (p && fgets(line, sizeof line, p)) {
            if (sscanf(line, "images/s: %lf", &theirs) == 1) continue;
            if (!strncmp(line, "pytorch-missing", 15)) missing = true;
            if (!strncmp(line, "torch ", 6) && r == 0) printf("  (%.*s)\n", (int)strcspn(line, "\n"), line);
        }
        if (p) pclose(p);
        if (missing || isnan(theirs)) {
            have_torch = false;
            why_not = missing ? "PyTorch is not installed for /usr/bin/python3 (apt-get install python3-torch)"
                              : "the PyTorch script failed";
            continue;
        }
        printf("  round %d: PyTorch            %.2f images/s\n", r + 1, theirs);
        best_theirs = fmax(best_theirs, theirs);
        fflush(stdout);
    }
    printf("  corolization-train: %.2f images/s (%.2f in the step alone; loader waits %.2f s in all)\n",
           best_ours, best_step, ct_loader_wait_seconds(ld));
    if (!have_torch) {
        printf("  PyTorch: NOT MEASURED: %s\n", why_not);
    } else {
        printf("  PyTorch:            %.2f images/s\n", best_theirs);
        printf("  ratio corolization / PyTorch: %.2f (%s)\n", best_ours / best_theirs,
               best_ours >= best_theirs ? "at least as fast" : "slower than PyTorch");
    }
    ct_loader_free(ld);
    ct_trainer_free(&tr);
    cz_model_free(m);
    ct_dataset_close(&ds);
    unlink(path);
    return 0;
}
