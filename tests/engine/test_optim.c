/* test_optim.c: Adam and SGD against PyTorch (tests/engine/torch_optim.py run
 * under /usr/bin/python3), schedules against torch's schedulers and by hand
 * at their boundaries, and the initialisers' statistics. Without PyTorch the
 * comparisons FAIL; they are never skipped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "init.h"
#include "optim.h"

#define N 37 /* as torch_optim.py */
#define K 6
#define TSTEPS 100

typedef struct {
    char name[16];
    int n;
    double v[TSTEPS];
} ref_line;

/* Runs the reference script; returns the number of lines read, -1 on error. */
static int load_torch(ref_line *lines, int max, check_state *st)
{
    const char *root = getenv("COROLIZATION_SOURCE_ROOT");
    CHECK(st, root != NULL, "COROLIZATION_SOURCE_ROOT is not set; cannot find torch_optim.py");
    if (!root) return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/engine/torch_optim.py", root);
    FILE *f = popen(cmd, "r");
    CHECK(st, f != NULL, "cannot run %s", cmd);
    if (!f) return -1;
    int count = 0;
    char buf[8192];
    while (count < max && fgets(buf, sizeof buf, f)) {
        ref_line *l = &lines[count];
        char *save = NULL, *tok = strtok_r(buf, " \n", &save);
        if (!tok) continue;
        snprintf(l->name, sizeof l->name, "%s", tok);
        l->n = 0;
        while ((tok = strtok_r(NULL, " \n", &save)) && l->n < TSTEPS) l->v[l->n++] = strtod(tok, NULL);
        count++;
    }
    int status = pclose(f);
    CHECK(st, status == 0, "%s failed (status %d): is PyTorch installed for /usr/bin/python3?", cmd, status);
    return status == 0 ? count : -1;
}

static const ref_line *find(const ref_line *lines, int count, const char *name, int n, check_state *st)
{
    for (int i = 0; i < count; i++)
        if (!strcmp(lines[i].name, name)) {
            CHECK(st, lines[i].n == n, "torch line %s has %d values, want %d", name, lines[i].n, n);
            return lines[i].n == n ? &lines[i] : NULL;
        }
    CHECK(st, 0, "torch reference has no line %s", name);
    return NULL;
}

/* Worst |a - b| / |b| over elements with a floor of 1e-3 on |b|. */
static double rel_err_d(const float *a, const double *b, int n)
{
    double w = 0;
    for (int i = 0; i < n; i++) {
        double e = fabs(a[i] - b[i]) / fmax(fabs(b[i]), 1e-3);
        if (e > w || isnan(e)) w = isnan(e) ? INFINITY : e;
    }
    return w;
}

static void inputs(float *p, float *g, int t)
{
    for (int i = 0; i < N; i++) {
        if (p) p[i] = (float)sin(0.3 * i);
        if (g) g[i] = (float)cos(0.7 * i + t);
    }
}

static void test_updates(check_state *st, const ref_line *lines, int count)
{
    struct { const char *name; float lr, b1, b2, eps, wd; } adams[2] = {
        {"adam", 1e-2f, 0.9f, 0.999f, 1e-8f, 0.0f},
        {"adam_wd", 3e-3f, 0.5f, 0.99f, 1e-6f, 0.1f},
    };
    float p[N], m[N], v[N], g[N], p1[N];
    for (int c = 0; c < 2; c++) {
        inputs(p, NULL, 0);
        memset(m, 0, sizeof m);
        memset(v, 0, sizeof v);
        for (int t = 1; t <= K; t++) {
            inputs(NULL, g, t);
            cz_adam_update(p, m, v, g, N, adams[c].lr, adams[c].b1, adams[c].b2, adams[c].eps,
                           adams[c].wd, t);
            if (t == 1 && c == 0) memcpy(p1, p, sizeof p);
        }
        const ref_line *r = find(lines, count, adams[c].name, N, st);
        if (r) {
            double e = rel_err_d(p, r->v, N);
            CHECK(st, e < 1e-5, "%s vs torch after %d steps: rel err %g", adams[c].name, K, e);
            printf("  %-8s vs torch.optim after %d steps: max rel err %.2e\n", adams[c].name, K, e);
        }
    }
    /* by hand: Adam's first step is lr * g / (|g| + eps) */
    float p0[N];
    inputs(p0, g, 1);
    int bad = 0;
    for (int i = 0; i < N; i++) bad += fabsf(p1[i] - (p0[i] - 1e-2f * g[i] / (fabsf(g[i]) + 1e-8f))) > 1e-6f;
    CHECK(st, !bad, "Adam first step: %d elements not p - lr sign(g)", bad);

    struct { const char *name; float lr, mu, wd; } sgds[2] = {
        {"sgd", 0.05f, 0.9f, 0.0f},
        {"sgd_wd", 0.1f, 0.8f, 0.01f},
    };
    float mom[N];
    for (int c = 0; c < 2; c++) {
        inputs(p, NULL, 0);
        for (int i = 0; i < N; i++) mom[i] = 123.0f; /* step 1 must overwrite it */
        for (int t = 1; t <= K; t++) {
            inputs(NULL, g, t);
            cz_sgd_update(p, mom, g, N, sgds[c].lr, sgds[c].mu, sgds[c].wd, t);
            if (t == 1) {
                bad = 0;
                for (int i = 0; i < N; i++) {
                    float gi = g[i] + sgds[c].wd * p0[i];
                    bad += mom[i] != gi || fabsf(p[i] - (p0[i] - sgds[c].lr * gi)) > 1e-6f;
                }
                CHECK(st, !bad, "%s first step: %d elements wrong", sgds[c].name, bad);
            }
        }
        const ref_line *r = find(lines, count, sgds[c].name, N, st);
        if (r) {
            double e = rel_err_d(p, r->v, N);
            CHECK(st, e < 1e-5, "%s vs torch after %d steps: rel err %g", sgds[c].name, K, e);
            printf("  %-8s vs torch.optim after %d steps: max rel err %.2e\n", sgds[c].name, K, e);
        }
    }
}

static void test_schedules(check_state *st, const ref_line *lines, int count)
{
    float lr[TSTEPS];
    /* step and cosine: the whole curve against torch */
    cz_schedule s = cz_schedule_make(CZ_SCHEDULE_STEP, 0.1f, TSTEPS);
    CHECK(st, s.step_size == 33 && s.gamma == 0.1f && s.warmup == 0.3f && s.div == 25.0f &&
              s.final_div == 1e4f && s.min_factor == 0.0f, "cz_schedule_make defaults");
    for (int t = 0; t < TSTEPS; t++) lr[t] = cz_schedule_lr(&s, t);
    const ref_line *r = find(lines, count, "step", TSTEPS, st);
    if (r) CHECK(st, rel_err_d(lr, r->v, TSTEPS) < 1e-5, "step schedule vs StepLR");
    CHECK(st, lr[32] == 0.1f && fabsf(lr[33] - 0.01f) < 1e-9f && fabsf(lr[99] - 1e-4f) < 1e-10f,
          "step boundaries %g %g %g", lr[32], lr[33], lr[99]);

    s = cz_schedule_make(CZ_SCHEDULE_COSINE, 0.1f, TSTEPS);
    s.min_factor = 0.05f;
    for (int t = 0; t < TSTEPS; t++) lr[t] = cz_schedule_lr(&s, t);
    r = find(lines, count, "cosine", TSTEPS, st);
    if (r) {
        double e = rel_err_d(lr, r->v, TSTEPS);
        CHECK(st, e < 1e-5, "cosine schedule vs CosineAnnealingLR: %g", e);
        printf("  cosine   vs CosineAnnealingLR over %d steps: max rel err %.2e\n", TSTEPS, e);
    }
    CHECK(st, lr[0] == 0.1f && fabsf(lr[50] - 0.0525f) < 1e-7f, "cosine start %g middle %g", lr[0], lr[50]);
    CHECK(st, fabsf(cz_schedule_lr(&s, TSTEPS) - 0.005f) < 1e-9f &&
              fabsf(cz_schedule_lr(&s, 5 * TSTEPS) - 0.005f) < 1e-9f, "cosine floor");

    /* one-cycle: peak at P = 0.3 T - 1 = 29, last step 99 */
    s = cz_schedule_make(CZ_SCHEDULE_ONE_CYCLE, 0.1f, TSTEPS);
    for (int t = 0; t < TSTEPS; t++) lr[t] = cz_schedule_lr(&s, t);
    CHECK(st, fabsf(lr[0] - 0.004f) < 1e-9f, "one-cycle step 0: %g, want lr/div", lr[0]);
    CHECK(st, fabsf(lr[29] - 0.1f) < 1e-8f && lr[28] < lr[29] && lr[30] < lr[29], "one-cycle peak %g", lr[29]);
    CHECK(st, fabsf(lr[99] - 1e-5f) < 1e-11f && fabsf(cz_schedule_lr(&s, 500) - 1e-5f) < 1e-11f,
          "one-cycle end %g, want lr/final_div", lr[99]);
    int bad = 0;
    for (int t = 0; t <= 29; t++) bad += fabsf(lr[t] - (0.004f + 0.096f * t / 29.0f)) > 1e-7f;
    CHECK(st, !bad, "one-cycle warm-up not linear at %d steps", bad);
    r = find(lines, count, "onecycle", TSTEPS, st);
    if (r) {
        double e = rel_err_d(lr + 29, r->v + 29, TSTEPS - 29);
        CHECK(st, e < 1e-5, "one-cycle annealing vs OneCycleLR: %g", e);
        CHECK(st, fabs(r->v[0] - lr[0]) < 1e-9 && fabs(r->v[29] - lr[29]) < 1e-8,
              "one-cycle start/peak differ from OneCycleLR");
        printf("  one-cycle annealing phase vs OneCycleLR: max rel err %.2e\n", e);
    }
    s = cz_schedule_make(CZ_SCHEDULE_CONSTANT, 0.3f, TSTEPS);
    CHECK(st, cz_schedule_lr(&s, 0) == 0.3f && cz_schedule_lr(&s, 1000) == 0.3f, "constant schedule");

    CHECK(st, cz_schedule_kind_parse("constant") == CZ_SCHEDULE_CONSTANT &&
              cz_schedule_kind_parse("step") == CZ_SCHEDULE_STEP &&
              cz_schedule_kind_parse("cosine") == CZ_SCHEDULE_COSINE &&
              cz_schedule_kind_parse("one-cycle") == CZ_SCHEDULE_ONE_CYCLE, "kind names");
    CHECK(st, cz_schedule_kind_parse("onecycle") == -1 && cz_schedule_kind_parse("") == -1 &&
              cz_schedule_kind_parse(NULL) == -1, "unknown kind accepted");
}

static void moments(const float *w, size_t n, double *mean, double *var, double *absmax)
{
    double s = 0, s2 = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        s += w[i];
        mx = fmax(mx, fabs(w[i]));
    }
    *mean = s / n;
    for (size_t i = 0; i < n; i++) s2 += (w[i] - *mean) * (w[i] - *mean);
    *var = s2 / (n - 1);
    *absmax = mx;
}

static void test_init(check_state *st)
{
    enum { NW = 200000 };
    float *w = malloc(sizeof(float) * NW);
    uint64_t rng = 7;
    double mean, var, mx;

    cz_init_xavier_uniform(w, NW, 300, 500, 1.0f, &rng);
    double a = sqrt(6.0 / 800.0), want = a * a / 3;
    moments(w, NW, &mean, &var, &mx);
    CHECK(st, fabs(var / want - 1) < 0.02 && fabs(mean) < 0.01 * a && mx <= a && mx > 0.999 * a,
          "xavier: var %g want %g, mean %g, max %g bound %g", var, want, mean, mx, a);
    printf("  xavier  (300, 500): var %.4e want %.4e (%+.2f%%)\n", var, want, 100 * (var / want - 1));
    cz_init_xavier_uniform(w, NW, 64, 64, 2.0f, &rng);
    a = 2.0 * sqrt(6.0 / 128.0);
    moments(w, NW, &mean, &var, &mx);
    CHECK(st, fabs(var / (a * a / 3) - 1) < 0.02 && mx <= a, "xavier gain 2: var %g", var);

    cz_init_kaiming_normal(w, NW, 3 * 3 * 32, sqrtf(2.0f), &rng);
    want = 2.0 / 288.0;
    moments(w, NW, &mean, &var, &mx);
    double k4 = 0;
    for (size_t i = 0; i < NW; i++) k4 += pow(w[i] - mean, 4);
    k4 /= NW * var * var; /* a normal's kurtosis is 3 */
    CHECK(st, fabs(var / want - 1) < 0.02 && fabs(mean) < 0.01 * sqrt(want) && fabs(k4 - 3) < 0.1,
          "kaiming: var %g want %g, mean %g, kurtosis %g", var, want, mean, k4);
    printf("  kaiming (fan_in 288): var %.4e want %.4e (%+.2f%%), kurtosis %.3f\n", var, want,
           100 * (var / want - 1), k4);

    uint64_t r1 = 99, r2 = 99;
    float x[8], y[8];
    cz_init_kaiming_normal(x, 8, 10, 1.0f, &r1);
    cz_init_kaiming_normal(y, 8, 10, 1.0f, &r2);
    CHECK(st, !memcmp(x, y, sizeof x) && r1 == r2, "initialisers not repeatable from a seed");

    cz_init_constant(w, NW, 0.25f);
    int bad = 0;
    for (size_t i = 0; i < NW; i++) bad += w[i] != 0.25f;
    CHECK(st, !bad, "constant init: %d wrong", bad);
    free(w);
}

/* cz_optim over a net: its rules (decay on kernels only; running statistics
 * never trained) and that the step is cz_adam_update's, tensor by tensor. */
static void test_net_optim(check_state *st)
{
    cz_error err = {0};
    cz_net *net = cz_net_new();
    int x = cz_net_input(net, 2, 4, 4);
    x = cz_net_conv2d(net, "c", x, 3, 3, 1, 1, 1, true);
    x = cz_net_batchnorm(net, "bn", x);
    bool ok = cz_net_finalize(net, &err) == CZ_STATUS_OK && cz_net_set_batch(net, 1, true, &err) == CZ_STATUS_OK;
    CHECK(st, ok, "net: %s", err.msg);
    cz_optim *o = ok ? cz_optim_new(net, &err) : NULL;
    CHECK(st, o, "cz_optim_new: %s", err.msg);
    if (!o) {
        cz_net_free(net);
        return;
    }
    float before[6][64], want[64], m[64], v[64];
    for (int i = 0; i < cz_net_param_count(net); i++) {
        cz_param *p = cz_net_param(net, i);
        for (size_t k = 0; k < p->count; k++) {
            p->data[k] = 0.5f + 0.01f * (float)k;
            if (p->grad) p->grad[k] = 0.0f;
        }
        memcpy(before[i], p->data, p->count * sizeof(float));
    }
    cz_optim_adam_step(o, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f, 1);
    for (int i = 0; i < cz_net_param_count(net); i++) {
        const cz_param *p = cz_net_param(net, i);
        const bool moved = memcmp(before[i], p->data, p->count * sizeof(float)) != 0;
        const bool kernel = p->ndim > 1 && p->trainable;
        CHECK(st, moved == kernel, "%s: %s with zero gradient and decay 0.5", p->name,
              moved ? "moved" : "did not move");
        CHECK(st, (cz_optim_moment(o, i, 0) != NULL) == p->trainable, "%s: moments %s", p->name,
              p->trainable ? "missing" : "for a running statistic");
        if (!kernel) continue;
        memcpy(want, before[i], p->count * sizeof(float));
        memset(m, 0, sizeof m), memset(v, 0, sizeof v);
        cz_adam_update(want, m, v, p->grad, p->count, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f, 1);
        CHECK(st, !memcmp(want, p->data, p->count * sizeof(float)), "%s: not cz_adam_update's step", p->name);
    }
    cz_optim_free(o);
    cz_net_free(net);
}

int main(void)
{
    check_state st = {0};
    static ref_line lines[16];
    int count = load_torch(lines, 16, &st);
    if (count < 0) {
        fprintf(stderr, "FAIL: no PyTorch reference values; the comparisons below fail\n");
        count = 0;
    }
    test_updates(&st, lines, count);
    test_schedules(&st, lines, count);
    test_init(&st);
    test_net_optim(&st);
    return check_finish(&st, "optim");
}
