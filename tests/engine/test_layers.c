/* test_layers.c: activations, dropout, upsample, concat/add, fusion, linear,
 * softmax and subsample. Every backward is checked against central differences (on
 * every input, weights and bias included) and for accumulation (+=); small
 * hand-computed cases pin the forward semantics, and upsample is compared
 * with PyTorch through torch_layers.py. Layout: NCHW, as the engine. */
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

#include "activation.h"
#include "check.h"
#include "concat.h"
#include "dropout.h"
#include "fusion.h"
#include "linear.h"
#include "softmax.h"
#include "subsample.h"
#include "upsample.h"

#include "torch_ref.h"

/* ---- one harness for all layers: forward, backward, gradient check ---- */

enum op { OP_RELU, OP_LEAKY, OP_TANH, OP_SIGMOID, OP_DROPOUT, OP_UPSAMPLE, OP_CONCAT,
          OP_ADD, OP_FUSION, OP_LINEAR, OP_SOFTMAX, OP_SUBSAMPLE };

typedef struct {
    enum op op;
    float *x, *x2, *w, *b;      /* inputs: x [nx], x2 [nx2] (b of concat/add, v of fusion) */
    float *gx, *gx2, *gw, *gb;  /* their gradients */
    float *out, *r, *mask;      /* out [nout], r = dout [nout] */
    size_t nx, nx2, nw, nb, nout;
    int n, c, h, w_, ho, wo, c2, hw, cin, cout;
    float slope, p;
    uint64_t seed;
} lctx;

static void layer_forward(lctx *c)
{
    uint64_t rng = c->seed; /* the same mask on every call */
    switch (c->op) {
    case OP_RELU: cz_relu_forward(c->out, c->x, c->nx); break;
    case OP_LEAKY: cz_leaky_relu_forward(c->out, c->x, c->slope, c->nx); break;
    case OP_TANH: cz_tanh_forward(c->out, c->x, c->nx); break;
    case OP_SIGMOID: cz_sigmoid_forward(c->out, c->x, c->nx); break;
    case OP_DROPOUT: cz_dropout_forward(c->out, c->mask, c->x, c->p, &rng, c->nx); break;
    case OP_UPSAMPLE: cz_upsample_forward(c->out, c->x, c->n, c->h, c->w_, c->ho, c->wo); break;
    case OP_CONCAT: cz_concat_forward(c->out, c->x, c->c, c->x2, c->c2, c->n, c->hw); break;
    case OP_ADD: cz_add_forward(c->out, c->x, c->x2, c->nx); break;
    case OP_FUSION: cz_fusion_forward(c->out, c->x, c->c, c->x2, c->c2, c->n, c->hw); break;
    case OP_LINEAR: cz_linear_forward(c->out, c->x, c->w, c->b, c->n, c->cin, c->cout); break;
    case OP_SOFTMAX: cz_softmax_forward(c->out, c->x, c->n, c->c, c->hw); break;
    case OP_SUBSAMPLE: cz_subsample_forward(c->out, c->x, c->n, c->h, c->w_, c->hw); break;
    }
}

/* Accumulates the gradients of L = sum(out * r) into gx, gx2, gw, gb. */
static void layer_backward(lctx *c)
{
    switch (c->op) {
    case OP_RELU: cz_relu_backward(c->gx, c->r, c->out, c->nx); break;
    case OP_LEAKY: cz_leaky_relu_backward(c->gx, c->r, c->out, c->slope, c->nx); break;
    case OP_TANH: cz_tanh_backward(c->gx, c->r, c->out, c->nx); break;
    case OP_SIGMOID: cz_sigmoid_backward(c->gx, c->r, c->out, c->nx); break;
    case OP_DROPOUT: cz_dropout_backward(c->gx, c->r, c->mask, c->nx); break;
    case OP_UPSAMPLE: cz_upsample_backward(c->gx, c->r, c->n, c->h, c->w_, c->ho, c->wo); break;
    case OP_CONCAT: cz_concat_backward(c->gx, c->gx2, c->r, c->c, c->c2, c->n, c->hw); break;
    case OP_ADD: cz_add_backward(c->gx, c->gx2, c->r, c->nx); break;
    case OP_FUSION: cz_fusion_backward(c->gx, c->gx2, c->r, c->c, c->c2, c->n, c->hw); break;
    case OP_LINEAR:
        cz_linear_backward(c->gx, c->gw, c->gb, c->r, c->x, c->w, c->n, c->cin, c->cout);
        break;
    case OP_SOFTMAX: cz_softmax_backward(c->gx, c->r, c->out, c->n, c->c, c->hw); break;
    case OP_SUBSAMPLE: cz_subsample_backward(c->gx, c->r, c->n, c->h, c->w_, c->hw); break;
    }
}

static double layer_loss(void *vp)
{
    lctx *c = vp;
    layer_forward(c);
    return check_dot(c->out, c->r, c->nout);
}

static float *alloc0(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

/* Allocates by the sizes in c, fills inputs and r from rng. Inputs are kept
 * at least `gap` away from 0 so kinks (relu) are not straddled. */
static void layer_setup(lctx *c, uint64_t *rng, float gap)
{
    float **in[4] = {&c->x, &c->x2, &c->w, &c->b}, **g[4] = {&c->gx, &c->gx2, &c->gw, &c->gb};
    size_t ns[4] = {c->nx, c->nx2, c->nw, c->nb};
    for (int k = 0; k < 4; k++) {
        *in[k] = alloc0(ns[k]);
        *g[k] = alloc0(ns[k]);
        check_fill_uniform(*in[k], ns[k], -1.0f, 1.0f, rng);
        for (size_t i = 0; i < ns[k]; i++)
            if (fabsf((*in[k])[i]) < gap) (*in[k])[i] += (*in[k])[i] < 0 ? -gap : gap;
    }
    c->out = alloc0(c->nout);
    c->r = alloc0(c->nout);
    c->mask = alloc0(c->nx);
    check_fill_uniform(c->r, c->nout, -1.0f, 1.0f, rng);
}

static void layer_free(lctx *c)
{
    free(c->x), free(c->x2), free(c->w), free(c->b);
    free(c->gx), free(c->gx2), free(c->gw), free(c->gb);
    free(c->out), free(c->r), free(c->mask);
}

/* Finite differences on every input of c, then a second backward onto
 * gradients preset to 1 must add exactly the same amounts (+=). */
static void layer_check(check_state *st, lctx *c, const char *what, float eps, double tol)
{
    char name[96];
    float *xs[4] = {c->x, c->x2, c->w, c->b}, *gs[4] = {c->gx, c->gx2, c->gw, c->gb};
    size_t ns[4] = {c->nx, c->nx2, c->nw, c->nb};
    const char *tag[4] = {"din", "din2", "dw", "db"};
    for (int k = 0; k < 4; k++) memset(gs[k], 0, ns[k] * sizeof(float));
    layer_forward(c);
    layer_backward(c);
    for (int k = 0; k < 4; k++) {
        if (!ns[k]) continue;
        snprintf(name, sizeof name, "%s %s", what, tag[k]);
        check_gradient(st, name, xs[k], gs[k], ns[k], layer_loss, c, eps, tol, 1e-3, 400);
    }
    double worst = 0;
    float *keep[4];
    for (int k = 0; k < 4; k++) {
        keep[k] = alloc0(ns[k]);
        memcpy(keep[k], gs[k], ns[k] * sizeof(float));
        for (size_t i = 0; i < ns[k]; i++) gs[k][i] = 1.0f;
    }
    layer_forward(c);
    layer_backward(c);
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < ns[k]; i++) {
            double d = fabs((double)gs[k][i] - 1.0 - keep[k][i]);
            if (d > worst || isnan(d)) worst = isnan(d) ? INFINITY : d;
        }
        free(keep[k]);
    }
    CHECK(st, worst < 1e-5, "%s: backward does not accumulate (+=), off by %g", what, worst);
}

static void test_activations(check_state *st, uint64_t *rng)
{
    lctx c = {.nx = 300, .nout = 300, .slope = 0.2f};
    layer_setup(&c, rng, 0.05f);
    c.op = OP_RELU, layer_check(st, &c, "relu", 1e-3f, 1e-3);
    c.op = OP_LEAKY, layer_check(st, &c, "leaky_relu", 1e-3f, 1e-3);
    for (size_t i = 0; i < c.nx; i++) c.x[i] *= 3.0f; /* reach the saturated parts */
    c.op = OP_TANH, layer_check(st, &c, "tanh", 1e-2f, 1e-3);
    c.op = OP_SIGMOID, layer_check(st, &c, "sigmoid", 1e-2f, 1e-3);
    layer_free(&c);

    /* hand values, and in place (out == in) */
    float x[6] = {-2.0f, -0.5f, 0.0f, 0.5f, 3.0f, -100.0f}, y[6];
    cz_relu_forward(y, x, 6);
    CHECK(st, y[0] == 0 && y[1] == 0 && y[2] == 0 && y[3] == 0.5f && y[4] == 3.0f && y[5] == 0,
          "relu hand values");
    cz_leaky_relu_forward(y, x, 0.2f, 6);
    CHECK(st, fabsf(y[0] + 0.4f) < 1e-7f && fabsf(y[1] + 0.1f) < 1e-7f && y[4] == 3.0f &&
                  fabsf(y[5] + 20.0f) < 1e-5f, "leaky relu hand values");
    cz_sigmoid_forward(y, x, 6);
    CHECK(st, y[2] == 0.5f && fabsf(y[4] - 0.95257413f) < 1e-6f && y[5] >= 0 && y[5] < 1e-40f,
          "sigmoid hand values: %g %g %g", y[2], y[4], y[5]);
    float big[2] = {100.0f, -100.0f};
    cz_sigmoid_forward(big, big, 2);
    CHECK(st, big[0] == 1.0f && big[1] >= 0 && big[1] < 1e-40f, "sigmoid saturates without NaN");
    cz_tanh_forward(y, x, 6);
    CHECK(st, fabsf(y[3] - 0.46211716f) < 1e-6f && y[5] == -1.0f, "tanh hand values");
    float z[3] = {-1.0f, 2.0f, -3.0f};
    cz_relu_forward(z, z, 3);
    CHECK(st, z[0] == 0 && z[1] == 2.0f && z[2] == 0, "relu in place");
}

static void test_dropout(check_state *st, uint64_t *rng)
{
    lctx c = {.op = OP_DROPOUT, .nx = 500, .nout = 500, .p = 0.3f, .seed = 1234};
    layer_setup(&c, rng, 0.0f);
    layer_check(st, &c, "dropout (fixed mask)", 1e-3f, 1e-3);
    layer_free(&c);

    /* statistics: kept fraction 1-p, kept values scaled by 1/(1-p), mean preserved */
    enum { N = 200000 };
    float *x = malloc(N * sizeof(float)), *y = malloc(N * sizeof(float)),
          *m = malloc(N * sizeof(float)), *m2 = malloc(N * sizeof(float));
    const float ps[3] = {0.1f, 0.3f, 0.5f};
    for (int k = 0; k < 3; k++) {
        float p = ps[k];
        uint64_t seed = 99 + k, seed2 = 99 + k;
        for (int i = 0; i < N; i++) x[i] = 1.0f + 0.5f * sinf(0.01f * i);
        cz_dropout_forward(y, m, x, p, &seed, N);
        size_t kept = 0, badscale = 0;
        double sx = 0, sy = 0;
        for (int i = 0; i < N; i++) {
            sx += x[i], sy += y[i];
            if (m[i] != 0.0f) {
                kept++;
                if (fabsf(m[i] - 1.0f / (1.0f - p)) > 1e-6f || fabsf(y[i] - x[i] * m[i]) > 1e-6f)
                    badscale++;
            } else if (y[i] != 0.0f) {
                badscale++;
            }
        }
        double frac = (double)kept / N;
        CHECK(st, fabs(frac - (1.0 - p)) < 0.005, "dropout p=%g keeps %.4f", p, frac);
        CHECK(st, badscale == 0, "dropout p=%g: %zu elements not 0 or x/(1-p)", p, badscale);
        CHECK(st, fabs(sy / sx - 1.0) < 0.01, "dropout p=%g mean ratio %.4f", p, sy / sx);
        printf("  dropout p=%.1f kept %.4f (expect %.1f), mean ratio %.4f\n", p, frac, 1 - p,
               sy / sx);
        cz_dropout_forward(y, m2, x, p, &seed2, N);
        CHECK(st, !memcmp(m, m2, N * sizeof(float)), "dropout same seed, same mask");
    }
    uint64_t s = 5;
    cz_dropout_forward(y, m, x, 0.0f, &s, 1000);
    CHECK(st, !memcmp(y, x, 1000 * sizeof(float)), "dropout p=0 is the identity");
    cz_dropout_forward(y, m, x, 1.0f, &s, 1000);
    bool zero = true;
    for (int i = 0; i < 1000; i++) zero = zero && y[i] == 0.0f && m[i] == 0.0f;
    CHECK(st, zero, "dropout p=1 drops everything (no division by zero)");
    free(x), free(y), free(m), free(m2);
}

/* Shared with torch_layers.py's UPSAMPLE_CASES. */
static const struct { const char *name; int nc, h, w, ho, wo; } up_cases[] = {
    {"up2x", 2, 3, 4, 6, 8},
    {"up4x", 2, 4, 6, 16, 24},
    {"up3x5to7x9", 3, 3, 5, 7, 9},
    {"down7x9to3x4", 1, 7, 9, 3, 4},
    {"up1x3to2x5", 2, 1, 3, 2, 5},
};

static void test_upsample(check_state *st, uint64_t *rng)
{
    /* hand case: [[1,2],[3,4]] -> 4x4; columns sit at src -0.25(->0), 0.25, 0.75, 1.25 */
    const float in[4] = {1, 2, 3, 4};
    const float want[16] = {1.0f, 1.25f, 1.75f, 2.0f, 1.5f, 1.75f, 2.25f, 2.5f,
                            2.5f, 2.75f, 3.25f, 3.5f, 3.0f, 3.25f, 3.75f, 4.0f};
    float out[16];
    cz_upsample_forward(out, in, 1, 2, 2, 4, 4);
    CHECK(st, check_rel_err(out, want, 16, 0) < 1e-7, "upsample 2x2->4x4 hand values");
    float din[4] = {0}, ones[16];
    for (int i = 0; i < 16; i++) ones[i] = 1.0f;
    cz_upsample_backward(din, ones, 1, 2, 2, 4, 4);
    CHECK(st, din[0] == 4 && din[1] == 4 && din[2] == 4 && din[3] == 4,
          "upsample 2x2->4x4 backward of ones: %g %g %g %g", din[0], din[1], din[2], din[3]);
    float same[6];
    const float src6[6] = {1, -2, 3, 4, 5, -6};
    cz_upsample_forward(same, src6, 1, 2, 3, 2, 3);
    CHECK(st, !memcmp(same, src6, sizeof same), "upsample to the same size is the identity");

    torch_refs t;
    bool have_torch = torch_refs_load(&t, "upsample");
    CHECK(st, have_torch, "upsample: PyTorch reference unavailable (see message above)");
    for (size_t k = 0; k < sizeof up_cases / sizeof up_cases[0]; k++) {
        char name[96];
        lctx c = {.op = OP_UPSAMPLE, .n = up_cases[k].nc, .h = up_cases[k].h,
                  .w_ = up_cases[k].w, .ho = up_cases[k].ho, .wo = up_cases[k].wo};
        c.nx = (size_t)c.n * c.h * c.w_;
        c.nout = (size_t)c.n * c.ho * c.wo;
        layer_setup(&c, rng, 0.0f);
        snprintf(name, sizeof name, "upsample %s", up_cases[k].name);
        layer_check(st, &c, name, 1e-3f, 1e-3);

        /* against PyTorch: forward and the gradient of sum(out * g) */
        gen(c.x, c.nx, 1.0, 0.37, 0.0);
        gen(c.r, c.nout, 1.0, 0.11, 0.5);
        memset(c.gx, 0, c.nx * sizeof(float));
        layer_forward(&c);
        layer_backward(&c);
        if (have_torch) {
            char key[96];
            snprintf(key, sizeof key, "%s_out", up_cases[k].name);
            const float *ro = torch_refs_get(&t, key, c.nout);
            snprintf(key, sizeof key, "%s_din", up_cases[k].name);
            const float *rd = torch_refs_get(&t, key, c.nx);
            CHECK(st, ro && rd, "%s: PyTorch reference missing", name);
            if (ro && rd) {
                double eo = check_rel_err(c.out, ro, c.nout, 1e-6);
                double ed = check_rel_err(c.gx, rd, c.nx, 1e-6);
                CHECK(st, eo < 1e-6, "%s: forward differs from PyTorch by %g", name, eo);
                CHECK(st, ed < 1e-5, "%s: backward differs from PyTorch by %g", name, ed);
                printf("  torch %-30s out err %.1e, din err %.1e\n", name, eo, ed);
            }
        }
        /* upsampling conserves the sum of the gradient (weights sum to 1) */
        double sd = 0, sg = 0;
        for (size_t i = 0; i < c.nx; i++) sd += c.gx[i];
        for (size_t i = 0; i < c.nout; i++) sg += c.r[i];
        CHECK(st, fabs(sd - sg) < 1e-4 * (1 + fabs(sg)), "%s: sum(din) %g != sum(dout) %g",
              name, sd, sg);
        layer_free(&c);
    }
    torch_refs_free(&t);
}

static void test_concat_fusion(check_state *st, uint64_t *rng)
{
    lctx c = {.op = OP_CONCAT, .n = 2, .c = 3, .c2 = 2, .hw = 5};
    c.nx = 2 * 3 * 5, c.nx2 = 2 * 2 * 5, c.nout = 2 * 5 * 5;
    layer_setup(&c, rng, 0.0f);
    layer_check(st, &c, "concat", 1e-3f, 1e-3);
    /* layout: sample 1, channel 3 of out is channel 0 of b */
    layer_forward(&c);
    CHECK(st, c.out[25 + 3 * 5 + 2] == c.x2[10 + 2] && c.out[25 + 2 * 5 + 4] == c.x[15 + 2 * 5 + 4],
          "concat layout");
    float *keep = alloc0(c.nx2);
    memcpy(keep, c.gx2, c.nx2 * sizeof(float));
    cz_concat_backward(NULL, c.gx2, c.r, c.c, c.c2, c.n, c.hw); /* da NULL is allowed */
    bool ok = true;
    for (size_t i = 0; i < c.nx2; i++) ok = ok && fabsf(c.gx2[i] - keep[i] - c.r[25 * (i / 10) + 15 + i % 10]) < 1e-6f;
    CHECK(st, ok, "concat backward with da NULL");
    free(keep);
    layer_free(&c);

    lctx a = {.op = OP_ADD, .nx = 40, .nx2 = 40, .nout = 40};
    layer_setup(&a, rng, 0.0f);
    layer_check(st, &a, "add", 1e-3f, 1e-3);
    layer_free(&a);

    lctx f = {.op = OP_FUSION, .n = 2, .c = 3, .c2 = 4, .hw = 6};
    f.nx = 2 * 3 * 6, f.nx2 = 2 * 4, f.nout = 2 * 7 * 6;
    layer_setup(&f, rng, 0.0f);
    layer_check(st, &f, "fusion", 1e-3f, 1e-3);
    layer_forward(&f);
    ok = true;
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 4; k++)
            for (int p = 0; p < 6; p++) ok = ok && f.out[(i * 7 + 3 + k) * 6 + p] == f.x2[i * 4 + k];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 18; j++) ok = ok && f.out[i * 42 + j] == f.x[i * 18 + j];
    CHECK(st, ok, "fusion layout: a first, then v tiled");
    layer_free(&f);
}

static void test_linear(check_state *st, uint64_t *rng)
{
    lctx c = {.op = OP_LINEAR, .n = 3, .cin = 7, .cout = 5};
    c.nx = 21, c.nw = 35, c.nb = 5, c.nout = 15;
    layer_setup(&c, rng, 0.0f);
    layer_check(st, &c, "linear", 1e-2f, 1e-3);
    /* forward against a double loop */
    layer_forward(&c);
    float ref[15];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++) {
            double s = c.b[j];
            for (int k = 0; k < 7; k++) s += (double)c.x[i * 7 + k] * c.w[j * 7 + k];
            ref[i * 5 + j] = (float)s;
        }
    CHECK(st, check_rel_err(c.out, ref, 15, 1e-6) < 1e-6, "linear forward vs naive");
    /* NULL bias, NULL gradients */
    float nb[15];
    cz_linear_forward(nb, c.x, c.w, NULL, 3, 7, 5);
    bool ok = true;
    for (int i = 0; i < 15; i++) ok = ok && fabsf(nb[i] + c.b[i % 5] - c.out[i]) < 1e-5f;
    CHECK(st, ok, "linear without bias");
    memset(c.gb, 0, 5 * sizeof(float));
    cz_linear_backward(NULL, NULL, c.gb, c.r, c.x, c.w, 3, 7, 5);
    ok = true;
    for (int j = 0; j < 5; j++) ok = ok && fabsf(c.gb[j] - (c.r[j] + c.r[5 + j] + c.r[10 + j])) < 1e-6f;
    CHECK(st, ok, "linear db alone (din, dw NULL)");
    layer_free(&c);
    /* hand case: w = [[1,2],[3,4],[5,6]] (cout 3, cin 2), b = [1,0,-1], x = [1,-1] */
    const float w[6] = {1, 2, 3, 4, 5, 6}, b[3] = {1, 0, -1}, x[2] = {1, -1};
    float y[3];
    cz_linear_forward(y, x, w, b, 1, 2, 3);
    CHECK(st, y[0] == 0 && y[1] == -1 && y[2] == -2, "linear hand: %g %g %g", y[0], y[1], y[2]);
}

static void test_softmax(check_state *st, uint64_t *rng)
{
    /* hw 70 crosses the 64-pixel block */
    lctx c = {.op = OP_SOFTMAX, .n = 2, .c = 5, .hw = 70};
    c.nx = c.nout = 2 * 5 * 70;
    layer_setup(&c, rng, 0.0f);
    for (size_t i = 0; i < c.nx; i++) c.x[i] *= 3.0f;
    layer_check(st, &c, "softmax", 2e-2f, 1e-3);
    layer_forward(&c);
    double worst = 0, worst_ref = 0;
    for (int i = 0; i < 2; i++)
        for (int p = 0; p < 70; p++) {
            double s = 0, m = -INFINITY, z = 0;
            for (int q = 0; q < 5; q++) s += c.out[(i * 5 + q) * 70 + p];
            if (fabs(s - 1) > worst) worst = fabs(s - 1);
            for (int q = 0; q < 5; q++) m = fmax(m, c.x[(i * 5 + q) * 70 + p]);
            for (int q = 0; q < 5; q++) z += exp(c.x[(i * 5 + q) * 70 + p] - m);
            for (int q = 0; q < 5; q++) {
                size_t o = (size_t)(i * 5 + q) * 70 + p;
                double e = fabs(c.out[o] - exp(c.x[o] - m) / z);
                if (e > worst_ref) worst_ref = e;
            }
        }
    CHECK(st, worst < 1e-6, "softmax sums to 1 (off by %g)", worst);
    CHECK(st, worst_ref < 1e-6, "softmax vs naive (off by %g)", worst_ref);
    layer_free(&c);
    /* large logits stay finite; hand case ln-spaced values */
    float big[3] = {1000.0f, 1000.0f, -1000.0f}, y[3];
    cz_softmax_forward(y, big, 1, 3, 1);
    CHECK(st, y[0] == 0.5f && y[1] == 0.5f && y[2] == 0.0f, "softmax of +-1000: %g %g %g", y[0],
          y[1], y[2]);
    float lg[3] = {0.0f, logf(2.0f), logf(5.0f)};
    cz_softmax_forward(y, lg, 1, 3, 1);
    CHECK(st, fabsf(y[0] - 0.125f) < 1e-6f && fabsf(y[1] - 0.25f) < 1e-6f &&
                  fabsf(y[2] - 0.625f) < 1e-6f, "softmax hand: %g %g %g", y[0], y[1], y[2]);
}

/* x[:, :, ::s, ::s] (the hints network's down-sampling); hw holds s. */
static void test_subsample(check_state *st, uint64_t *rng)
{
    /* hand case: 3x5 -> 2x3 keeps rows 0, 2 and columns 0, 2, 4 */
    const float in[15] = {0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24};
    const float want[6] = {0, 2, 4, 20, 22, 24};
    float out[6];
    cz_subsample_forward(out, in, 1, 3, 5, 2);
    CHECK(st, !memcmp(out, want, sizeof out), "subsample 3x5 step 2 hand values");
    float din[15], ones[6] = {1, 1, 1, 1, 1, 1};
    for (int i = 0; i < 15; i++) din[i] = 0.5f;
    cz_subsample_backward(din, ones, 1, 3, 5, 2);
    bool ok = true;
    for (int i = 0; i < 15; i++) {
        bool kept = (i / 5) % 2 == 0 && (i % 5) % 2 == 0;
        ok = ok && din[i] == (kept ? 1.5f : 0.5f);
    }
    CHECK(st, ok, "subsample backward adds into kept pixels only");
    CHECK(st, cz_subsample_out(8, 2) == 4 && cz_subsample_out(7, 2) == 4 && cz_subsample_out(1, 2) == 1 &&
                  cz_subsample_out(9, 3) == 3, "subsample output sides are ceil(n / s)");
    cz_subsample_forward(out, in, 1, 3, 2, 1);
    CHECK(st, !memcmp(out, in, 6 * sizeof(float)), "subsample step 1 is the identity");

    static const struct { int nc, h, w, s; } cases[] = {{3, 4, 6, 2}, {2, 5, 7, 2}, {2, 7, 5, 3}, {1, 1, 3, 2}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char name[64];
        lctx c = {.op = OP_SUBSAMPLE, .n = cases[k].nc, .h = cases[k].h, .w_ = cases[k].w, .hw = cases[k].s};
        c.nx = (size_t)c.n * c.h * c.w_;
        c.nout = (size_t)c.n * cz_subsample_out(c.h, c.hw) * cz_subsample_out(c.w_, c.hw);
        layer_setup(&c, rng, 0.0f);
        snprintf(name, sizeof name, "subsample %dx%dx%d step %d", c.n, c.h, c.w_, c.hw);
        layer_check(st, &c, name, 1e-3f, 1e-3);
        layer_free(&c);
    }
}

int main(void)
{
    check_state st = {0};
    uint64_t rng = 42;
    test_activations(&st, &rng);
    test_dropout(&st, &rng);
    test_upsample(&st, &rng);
    test_concat_fusion(&st, &rng);
    test_linear(&st, &rng);
    test_softmax(&st, &rng);
    test_subsample(&st, &rng);
    return check_finish(&st, "layers");
}
