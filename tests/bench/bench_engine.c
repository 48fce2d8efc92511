/* bench_engine.c: the engine's speed on the colorful network, against
 * PyTorch and against plain cblas_sgemm, all in the same run with the same
 * thread count (2).
 *
 * Networks: ECCV16 (width 1.0, 256 px), the published SIGGRAPH17 (hints,
 * width 1.0, 256 px, no hints), and the shipped colorful size (from
 * models/colorful.safetensors metadata when the file exists, else width
 * 0.25 at 128 px). Inference is the net's forward pass alone (batch 1,
 * eval, activations NCHW float32); one warm-up, then the median of RUNS;
 * engine and PyTorch alternate ROUNDS times and each keeps its best median
 * (the machine is shared; load hits both sides alike).
 * sgemm: cblas_sgemm on M=512 N=1024 K=4608 (a 512->512 3x3 conv at
 * 32x32), the ceiling a GEMM-based engine can reach, measured at the start
 * and in every round; the best counts. PyTorch's time comes
 * from torch_bench.py (Debian's python3-torch, the definition the parity
 * test checks). For each network one line:
 *   NAME engine_ms=.. pytorch_ms=.. ratio=.. gflops=.. sgemm_gflops=.. sgemm_ratio=..
 * (ratio = engine / PyTorch time; sgemm_ratio = gflops / sgemm_gflops), and
 * a training-step line for the shipped size (batch TRAIN_BATCH; gflops
 * counts 3x the forward FLOPs). Without PyTorch the line says so instead of
 * giving a ratio.
 *
 * Usage: bench_engine PYTHON TORCH_BENCH_PY SHIPPED_MODEL */
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "model.h"
#include "net.h"
#include "rng.h"

#define THREADS 2
#define RUNS 5
#define TRAIN_BATCH 8
#define ROUNDS 2

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef void (*work_fn)(void *ctx);

/* One warm-up, then the median of RUNS timings, in ms. */
static double median_ms(work_fn fn, void *ctx)
{
    double t[RUNS];
    fn(ctx);
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_ms();
        fn(ctx);
        t[i] = now_ms() - t0;
    }
    qsort(t, RUNS, sizeof t[0], cmp_double);
    return t[RUNS / 2];
}

typedef struct {
    int m, n, k;
    float *a, *b, *c;
} sgemm_ctx;

static void sgemm_run(void *p)
{
    sgemm_ctx *s = p;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, s->n, s->k, 1.0f, s->a, s->k, s->b, s->n,
                0.0f, s->c, s->n);
}

static double sgemm_gflops(void)
{
    sgemm_ctx s = {512, 1024, 4608, NULL, NULL, NULL};
    s.a = malloc((size_t)s.m * s.k * sizeof(float));
    s.b = malloc((size_t)s.k * s.n * sizeof(float));
    s.c = malloc((size_t)s.m * s.n * sizeof(float));
    if (!s.a || !s.b || !s.c) {
        free(s.a), free(s.b), free(s.c);
        return 0;
    }
    uint64_t rng = 42;
    for (size_t i = 0; i < (size_t)s.m * s.k; i++) s.a[i] = cz_rng_uniform(&rng) - 0.5f;
    for (size_t i = 0; i < (size_t)s.k * s.n; i++) s.b[i] = cz_rng_uniform(&rng) - 0.5f;
    double ms = median_ms(sgemm_run, &s);
    free(s.a), free(s.b), free(s.c);
    return 2.0 * s.m * s.n * s.k / (ms * 1e6);
}

/* The network input for L [S * S] (a hints net's hint channels: none). */
static void encode(cz_model *m, cz_net *net, const float *L, size_t n)
{
    float *x = cz_net_data(net, cz_model_get_input_node(m));
    cz_model_encode_input(m, x, L, n);
    if (cz_model_takes_hints(m)) cz_model_encode_hints(m, x + n, NULL, NULL, n);
}

typedef struct {
    cz_net *net;
    int out;
    const float *r; /* output gradient [batch * out size] */
    size_t nout;
} net_ctx;

static void forward_run(void *p) { cz_net_forward(((net_ctx *)p)->net); }

static void train_run(void *p)
{
    net_ctx *c = p;
    cz_net_forward(c->net);
    cz_net_zero_grad(c->net);
    memcpy(cz_net_grad(c->net, c->out), c->r, c->nout * sizeof(float));
    cz_net_backward(c->net);
}

/* Runs torch_bench.py; fills *infer_ms and (train_batch > 0) *train_ms.
 * Returns false, with why[] filled, when PyTorch gave no time. */
static bool torch_times(const char *python, const char *script, const char *arch, float width, int size, int q,
                        int train_batch, double *infer_ms, double *train_ms, char *why, size_t why_len)
{
    char w[32], s[16], qs[16], th[16], runs[16], tb[16];
    snprintf(w, sizeof w, "%g", width);
    snprintf(s, sizeof s, "%d", size);
    snprintf(qs, sizeof qs, "%d", q);
    snprintf(th, sizeof th, "%d", THREADS);
    snprintf(runs, sizeof runs, "%d", RUNS);
    snprintf(tb, sizeof tb, "%d", train_batch);
    int fd[2];
    if (pipe(fd)) {
        snprintf(why, why_len, "pipe: %s", strerror(errno));
        return false;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "fork: %s", strerror(errno));
        close(fd[0]), close(fd[1]);
        return false;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]), close(fd[1]);
        execl(python, python, script, "--arch", arch, "--width", w, "--size", s, "--q", qs, "--threads", th, "--runs",
              runs, "--train-batch", tb, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    FILE *fp = fdopen(fd[0], "r");
    char line[256];
    *infer_ms = *train_ms = -1;
    while (fp && fgets(line, sizeof line, fp)) {
        if (!strncmp(line, "pytorch_ms=", 11)) *infer_ms = atof(line + 11);
        if (!strncmp(line, "pytorch_train_ms=", 17)) *train_ms = atof(line + 17);
    }
    if (fp) fclose(fp);
    int st = 0;
    waitpid(pid, &st, 0);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (rc == 127 || rc == 3)
        snprintf(why, why_len, "PyTorch missing (%s cannot import torch; install Debian's python3-torch)", python);
    else if (rc || *infer_ms <= 0)
        snprintf(why, why_len, "PyTorch benchmark failed (%s exit code %d)", script, rc);
    return rc == 0 && *infer_ms > 0;
}

static void print_line(const char *name, double engine_ms, bool have_torch, double torch_ms, const char *why,
                       double gflops, double sgemm)
{
    if (have_torch)
        printf("%s engine_ms=%.1f pytorch_ms=%.1f ratio=%.2f gflops=%.1f sgemm_gflops=%.1f sgemm_ratio=%.2f\n", name,
               engine_ms, torch_ms, engine_ms / torch_ms, gflops, sgemm, gflops / sgemm);
    else
        printf("%s engine_ms=%.1f pytorch_ms=none (no ratio: %s) gflops=%.1f sgemm_gflops=%.1f sgemm_ratio=%.2f\n",
               name, engine_ms, why, gflops, sgemm, gflops / sgemm);
    fflush(stdout);
}

/* Benchmarks one colorful (or hints: no hints given) configuration;
 * returns false on an engine error. */
typedef struct {
    char name[64];
    double engine_ms, torch_ms, gflops;
    bool have_torch;
    char why[256];
} result;

static bool bench(const char *name, cz_model_config *cfg, const char *python, const char *script, double *sgemm,
                  bool train, result *res)
{
    cz_error err = {0};
    cz_model *m = cz_model_new(cfg, 1, &err);
    if (!m) {
        fprintf(stderr, "%s: cz_model_new: %s\n", name, err.msg);
        return false;
    }
    cz_net *net = cz_model_get_net(m);
    const int S = cfg->size, q = cz_model_get_quant(m)->q;
    const double flops = cz_net_flops(net);
    printf("# %s: %s width %g, %d px, Q %d: %.2f GFLOP per image forward (2 per multiply-add), "
           "%d threads, median of %d\n",
           name, cfg->arch, cfg->width, S, q, flops / 1e9, THREADS, RUNS);
    uint64_t rng = 7;
    float *L = malloc((size_t)TRAIN_BATCH * S * S * sizeof(float)), *r = NULL;
    if (!L) {
        cz_model_free(m);
        return false;
    }
    for (size_t i = 0; i < (size_t)TRAIN_BATCH * S * S; i++) L[i] = 100.0f * cz_rng_uniform(&rng);
    encode(m, net, L, (size_t)S * S);
    net_ctx c = {.net = net};
    int out = cz_model_get_output_node(m), oc, oh, ow;
    cz_net_node_shape(net, out, &oc, &oh, &ow);
    c.out = out;
    c.nout = (size_t)TRAIN_BATCH * oc * oh * ow;
    if (train) {
        r = malloc(c.nout * sizeof(float));
        if (!r) {
            cz_error_set(&err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < c.nout; i++) r[i] = cz_rng_uniform(&rng) - 0.5f;
        c.r = r;
    }
    /* ROUNDS alternations of engine and PyTorch, keeping each side's best
     * median, so that load from other processes hits both alike. */
    double engine_ms = INFINITY, train_ms = INFINITY, torch_ms = INFINITY, torch_train_ms = INFINITY;
    bool have = false;
    char why[256] = "";
    for (int round = 0; round < ROUNDS; round++) {
        if (cz_net_set_batch(net, 1, false, &err)) goto fail;
        encode(m, net, L, (size_t)S * S);
        double g = sgemm_gflops();
        if (g > *sgemm) *sgemm = g;
        double t = median_ms(forward_run, &c);
        if (t < engine_ms) engine_ms = t;
        if (train) {
            if (cz_net_set_batch(net, TRAIN_BATCH, true, &err)) goto fail;
            cz_model_encode_input(m, cz_net_data(net, cz_model_get_input_node(m)), L,
                                  (size_t)TRAIN_BATCH * S * S);
            t = median_ms(train_run, &c);
            if (t < train_ms) train_ms = t;
        }
        double ti, tt;
        if (torch_times(python, script, cfg->arch, cfg->width, S, q, train ? TRAIN_BATCH : 0, &ti, &tt, why,
                        sizeof why)) {
            have = true;
            if (ti < torch_ms) torch_ms = ti;
            if (tt > 0 && tt < torch_train_ms) torch_train_ms = tt;
        } else {
            break; /* no PyTorch: one engine round is enough */
        }
    }
    res[0] = (result){.engine_ms = engine_ms, .torch_ms = torch_ms, .gflops = flops / (engine_ms * 1e6),
                      .have_torch = have};
    snprintf(res[0].name, sizeof res[0].name, "%s", name);
    snprintf(res[0].why, sizeof res[0].why, "%s", why);
    if (train) {
        res[1] = (result){.engine_ms = train_ms, .torch_ms = torch_train_ms,
                          .gflops = 3.0 * flops * TRAIN_BATCH / (train_ms * 1e6),
                          .have_torch = have && isfinite(torch_train_ms)};
        snprintf(res[1].name, sizeof res[1].name, "%s-train-b%d", name, TRAIN_BATCH);
        snprintf(res[1].why, sizeof res[1].why, "%s", why);
    }
    free(r);
    free(L);
    cz_model_free(m);
    return true;
fail:
    fprintf(stderr, "%s: %s\n", name, err.msg);
    free(r);
    free(L);
    cz_model_free(m);
    return false;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s PYTHON TORCH_BENCH_PY SHIPPED_MODEL\n", argv[0]);
        return 2;
    }
    setenv("OPENBLAS_NUM_THREADS", "2", 1); /* for anything started later */
    openblas_set_num_threads(THREADS);
    cz_lab_init();
    double sgemm = sgemm_gflops();
    FILE *la = fopen("/proc/loadavg", "r");
    char load[64] = "?";
    if (la && fgets(load, sizeof load, la)) load[strcspn(load, "\n")] = 0;
    if (la) fclose(la);
    printf("# load average before the run: %s (other processes skew every figure)\n", load);

    cz_model_config eccv = {.arch = "colorful", .width = 1.0f, .size = 256};
    cz_model_config shipped = {.arch = "colorful", .width = 0.25f, .size = 128};
    cz_error err = {0};
    if (access(argv[3], R_OK) == 0) {
        cz_model *m = cz_model_load(argv[3], &err);
        if (!m) {
            fprintf(stderr, "%s\n", err.msg); /* names the file */
            return 1;
        }
        shipped = *cz_model_get_config(m);
        printf("# shipped size from %s\n", argv[3]);
        cz_model_free(m);
    } else {
        printf("# %s not found: shipped size taken as width 0.25, 128 px\n", argv[3]);
    }
    char name[64];
    snprintf(name, sizeof name, "colorful-w%g-%d", shipped.width, shipped.size);
    /* the published SIGGRAPH17 (an imported hints file), its forward with
     * both heads (PyTorch's module computes the ab head only: 0.2% fewer
     * FLOPs) */
    cz_model_config sig = {.arch = "hints", .width = 1.0f, .size = 256};
    result res[4];
    memset(res, 0, sizeof res);
    bool ok = bench("colorful-eccv16-w1-256", &eccv, argv[1], argv[2], &sgemm, false, &res[0]);
    ok = bench("hints-siggraph17-w1-256", &sig, argv[1], argv[2], &sgemm, false, &res[1]) && ok;
    ok = bench(name, &shipped, argv[1], argv[2], &sgemm, true, &res[2]) && ok;
    printf("# cblas_sgemm 512x1024x4608, %d threads, best of the run: %.1f GFLOPS\n", THREADS, sgemm);
    for (int i = 0; i < 4 && ok; i++)
        print_line(res[i].name, res[i].engine_ms, res[i].have_torch, res[i].torch_ms, res[i].why, res[i].gflops,
                   sgemm);
    cz_lab_exit();
    return ok ? 0 : 1;
}
