/* check.h: what the engine tests share: a failure counter, tolerant float
 * comparison and a finite-difference gradient check.
 *
 * The gradient check follows ggml's test-grad0: the scalar under test is
 * L = sum(out * r) for a fixed random r, so backward is seeded with dout = r,
 * and each sampled input element x[i] is compared with the central
 * difference (L(x + eps) - L(x - eps)) / (2 eps) computed in double. */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"

typedef struct {
    int failures;
    int checks;
} check_state;

#define CHECK(st, cond, ...)                                              \
    do {                                                                  \
        (st)->checks++;                                                   \
        if (!(cond)) {                                                    \
            (st)->failures++;                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

/* Prints the tally in the form test runners read; returns the exit code. */
static inline int check_finish(const check_state *st, const char *name)
{
    printf("%s: %d passed, %d failed\n", name, st->checks - st->failures, st->failures);
    return st->failures ? 1 : 0;
}

static inline void check_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * cz_rng_uniform(rng);
}

/* max |a - b| / (max |b| + floor): a relative error that ignores tiny values. */
static inline double check_rel_err(const float *a, const float *b, size_t n, double floor)
{
    double maxdiff = 0, maxref = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > maxdiff || isnan(d)) maxdiff = isnan(d) ? INFINITY : d;
        if (fabs(b[i]) > maxref) maxref = fabs(b[i]);
    }
    return maxdiff / (maxref + floor);
}

static inline double check_dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
    return s;
}

/* loss(ctx) runs the forward pass and returns L = sum(out * r). */
typedef double (*check_loss_fn)(void *ctx);

/* Compares the analytic gradient g [n] of x [n] with central differences at
 * up to max_samples evenly spread elements; err = |g - fd| / (|g| + |fd| +
 * floor) must stay below tol. Returns the worst err. */
static inline double check_gradient(check_state *st, const char *what, float *x,
                                    const float *g, size_t n, check_loss_fn loss,
                                    void *ctx, float eps, double tol, double floor,
                                    size_t max_samples)
{
    double worst = 0;
    size_t stride = n > max_samples ? n / max_samples : 1;
    for (size_t i = 0; i < n; i += stride) {
        float keep = x[i];
        x[i] = keep + eps;
        double lp = loss(ctx);
        x[i] = keep - eps;
        double lm = loss(ctx);
        x[i] = keep;
        double fd = (lp - lm) / (2.0 * (double)eps);
        double err = fabs(g[i] - fd) / (fabs(g[i]) + fabs(fd) + floor);
        if (err > worst || isnan(err)) worst = isnan(err) ? INFINITY : err;
    }
    CHECK(st, worst <= tol, "%s: gradient error %.3g > %.3g", what, worst, tol);
    printf("  grad %-28s worst rel err %.2e (tol %.0e)\n", what, worst, tol);
    return worst;
}

#endif
