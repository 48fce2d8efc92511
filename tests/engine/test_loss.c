/* test_loss.c: the training losses. Each gradient is checked against
 * central differences of the returned mean loss, hand-computed values pin
 * the definitions, and every loss and gradient is compared with PyTorch
 * through torch_layers.py. Layouts as loss.h: soft CE [N, Q, hw], CE [N, C]. */
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "loss.h"

#include "torch_ref.h"

/* ---- the loss as a function of its first input, for check_gradient ---- */

enum op { OP_SOFT_CE, OP_L1, OP_L2, OP_BCE, OP_CE, OP_HUBER };

typedef struct {
    enum op op;
    float *x;             /* logits or predictions */
    const float *t, *w;   /* target, weight */
    const int *labels;
    float label;
    int n, q, hw;
    size_t count;
} lossctx;

static float loss_eval(lossctx *c, float *grad)
{
    switch (c->op) {
    case OP_SOFT_CE: return cz_loss_soft_ce(grad, c->x, c->t, c->w, c->n, c->q, c->hw);
    case OP_L1: return cz_loss_l1(grad, c->x, c->t, c->count);
    case OP_HUBER: return cz_loss_huber(grad, c->x, c->t, c->count, 0.3f);
    case OP_L2: return cz_loss_l2(grad, c->x, c->t, c->count);
    case OP_BCE: return cz_loss_bce_logits(grad, c->x, c->label, c->count);
    case OP_CE: return cz_loss_ce(grad, c->x, c->labels, c->n, c->q);
    }
    return NAN;
}

static double loss_fn(void *vp) { return loss_eval(vp, NULL); }

/* Gradient vs finite differences; the gradient buffer starts as NaN to
 * show it is overwritten, and the loss must not depend on asking for it. */
static void loss_check(check_state *st, lossctx *c, const char *what, float eps, double tol,
                       double floor)
{
    float *g = malloc(c->count * sizeof(float));
    for (size_t i = 0; i < c->count; i++) g[i] = NAN;
    float with = loss_eval(c, g), without = loss_eval(c, NULL);
    CHECK(st, with == without, "%s: loss %g with gradient, %g without", what, with, without);
    bool finite = true;
    for (size_t i = 0; i < c->count; i++) finite = finite && isfinite(g[i]);
    CHECK(st, finite, "%s: gradient not fully overwritten", what);
    check_gradient(st, what, c->x, g, c->count, loss_fn, c, eps, tol, floor, 400);
    free(g);
}

/* Compares loss and gradient with PyTorch's record "<key>_loss"/"<key>_grad". */
static void torch_compare(check_state *st, const torch_refs *t, bool have, lossctx *c,
                          const char *key)
{
    char nl[96], ng[96];
    if (!have) return;
    snprintf(nl, sizeof nl, "%s_loss", key);
    snprintf(ng, sizeof ng, "%s_grad", key);
    const float *rl = torch_refs_get(t, nl, 1), *rg = torch_refs_get(t, ng, c->count);
    CHECK(st, rl && rg, "%s: PyTorch reference missing", key);
    if (!rl || !rg) return;
    float *g = malloc(c->count * sizeof(float));
    float v = loss_eval(c, g);
    double el = fabs(v - rl[0]) / (fabs(rl[0]) + 1e-6), eg = check_rel_err(g, rg, c->count, 1e-6);
    CHECK(st, el < 1e-5, "%s: loss %.8g, PyTorch %.8g", key, v, rl[0]);
    CHECK(st, eg < 1e-5, "%s: gradient differs from PyTorch by %g", key, eg);
    printf("  torch %-14s loss %.7g (torch %.7g) err %.1e, grad err %.1e\n", key, v, rl[0], el, eg);
    free(g);
}

/* Naive soft CE in double, pixel by pixel, for the blocked kernel. */
static double soft_ce_naive(float *g, const float *x, const float *tg, const float *w, int n,
                            int q, int hw)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        for (int p = 0; p < hw; p++) {
            double m = -INFINITY, z = 0, ts = 0, wp = w ? w[i * hw + p] : 1.0;
            for (int k = 0; k < q; k++) m = fmax(m, x[(i * q + k) * hw + p]);
            for (int k = 0; k < q; k++) z += exp(x[(i * q + k) * hw + p] - m);
            for (int k = 0; k < q; k++) ts += tg[(i * q + k) * hw + p];
            for (int k = 0; k < q; k++) {
                size_t o = (size_t)(i * q + k) * hw + p;
                double logp = x[o] - m - log(z);
                total -= wp * tg[o] * logp;
                g[o] = (float)(wp * (ts * exp(logp) - tg[o]) / ((double)n * hw));
            }
        }
    return total / ((double)n * hw);
}

static void normalise_targets(float *tg, int n, int q, int hw)
{
    for (int i = 0; i < n; i++)
        for (int p = 0; p < hw; p++) {
            double s = 0;
            for (int k = 0; k < q; k++) s += tg[(i * q + k) * hw + p];
            for (int k = 0; k < q; k++) tg[(i * q + k) * hw + p] /= (float)s;
        }
}

static void test_soft_ce(check_state *st, uint64_t *rng, const torch_refs *t, bool have)
{
    /* finite differences on a small case (the mean is returned as a float,
     * so its resolution limits how many elements a difference can see) */
    enum { SN = 2, SQ = 5, SHW = 3, SC = SN * SQ * SHW };
    float sx[SC], st_[SC], sw[SN * SHW];
    check_fill_uniform(sx, SC, -3.0f, 3.0f, rng);
    check_fill_uniform(st_, SC, 0.0f, 1.0f, rng);
    check_fill_uniform(sw, SN * SHW, 0.2f, 3.0f, rng);
    normalise_targets(st_, SN, SQ, SHW);
    lossctx sc = {.op = OP_SOFT_CE, .x = sx, .t = st_, .n = SN, .q = SQ, .hw = SHW, .count = SC};
    loss_check(st, &sc, "soft_ce", 2e-2f, 1e-3, 1e-2);
    sc.w = sw;
    loss_check(st, &sc, "soft_ce weighted", 2e-2f, 1e-3, 1e-2);

    /* a larger case against the naive version: hw 70 crosses the 64-pixel block */
    enum { N = 2, Q = 9, HW = 70, CNT = N * Q * HW };
    float *x = malloc(CNT * sizeof(float)), *tg = malloc(CNT * sizeof(float)),
          *w = malloc(N * HW * sizeof(float)), *g = malloc(CNT * sizeof(float)),
          *gr = malloc(CNT * sizeof(float));
    check_fill_uniform(x, CNT, -3.0f, 3.0f, rng);
    check_fill_uniform(tg, CNT, 0.0f, 1.0f, rng);
    check_fill_uniform(w, N * HW, 0.2f, 3.0f, rng);
    normalise_targets(tg, N, Q, HW);
    for (int k = 0; k < 2; k++) {
        const float *wk = k ? w : NULL;
        float v = cz_loss_soft_ce(g, x, tg, wk, N, Q, HW);
        double vr = soft_ce_naive(gr, x, tg, wk, N, Q, HW);
        double eg = check_rel_err(g, gr, CNT, 1e-9);
        CHECK(st, fabs(v - vr) < 1e-6 * vr, "soft_ce%s %.8g vs naive %.8g", k ? " weighted" : "",
              v, vr);
        CHECK(st, eg < 1e-5, "soft_ce%s gradient vs naive: %g", k ? " weighted" : "", eg);
        printf("  soft_ce%s 2x9x70 vs naive: loss err %.1e, grad err %.1e\n", k ? " weighted" : "",
               fabs(v - vr) / vr, eg);
    }

    /* one-hot targets: the loss is the mean of -log softmax at the target */
    lossctx c = {.op = OP_SOFT_CE, .x = x, .t = tg, .n = N, .q = Q, .hw = HW, .count = CNT};
    memset(tg, 0, CNT * sizeof(float));
    double want = 0, wantw = 0;
    for (int i = 0; i < N; i++)
        for (int p = 0; p < HW; p++) {
            int k0 = (i * 7 + p * 3) % Q;
            tg[(i * Q + k0) * HW + p] = 1.0f;
            double z = 0;
            for (int k = 0; k < Q; k++) z += exp(x[(i * Q + k) * HW + p]);
            double nll = -log(exp(x[(i * Q + k0) * HW + p]) / z);
            want += nll, wantw += w[i * HW + p] * nll;
        }
    want /= N * HW, wantw /= N * HW;
    float v = loss_eval(&c, NULL);
    CHECK(st, fabs(v - want) < 1e-5 * want, "soft_ce one-hot: %.7g, want -log p = %.7g", v, want);
    c.w = w;
    v = loss_eval(&c, NULL);
    CHECK(st, fabs(v - wantw) < 1e-5 * wantw, "soft_ce one-hot weighted: %.7g want %.7g", v, wantw);
    /* equal logits: log Q; huge logits stay finite */
    for (size_t i = 0; i < CNT; i++) x[i] = 500.0f;
    c.w = NULL;
    v = loss_eval(&c, NULL);
    CHECK(st, fabsf(v - logf((float)Q)) < 1e-5f, "soft_ce uniform: %g want log %d", v, Q);
    free(x), free(tg), free(w), free(g), free(gr);

    /* against PyTorch, on torch_layers.py's inputs (targets not normalised) */
    enum { TN = 2, TQ = 7, THW = 6, TC = TN * TQ * THW };
    float tx[TC], tt[TC], tw[TN * THW];
    gen(tx, TC, 3.0, 0.37, 0.0);
    gen(tt, TC, 0.5, 0.23, 1.0);
    for (int i = 0; i < TC; i++) tt[i] += 0.5f;
    gen(tw, TN * THW, 0.5, 0.7, 0.2);
    for (int i = 0; i < TN * THW; i++) tw[i] += 1.0f;
    lossctx tc = {.op = OP_SOFT_CE, .x = tx, .t = tt, .n = TN, .q = TQ, .hw = THW, .count = TC};
    torch_compare(st, t, have, &tc, "softce");
    tc.w = tw;
    torch_compare(st, t, have, &tc, "softce_w");
}

static void test_regression(check_state *st, uint64_t *rng, const torch_refs *t, bool have)
{
    enum { CNT = 20 };
    float x[CNT], tg[CNT], g[4];
    check_fill_uniform(x, CNT, -1.0f, 1.0f, rng);
    check_fill_uniform(tg, CNT, -1.0f, 1.0f, rng);
    for (int i = 0; i < CNT; i++) /* L1 away from its kink */
        if (fabsf(x[i] - tg[i]) < 0.05f) x[i] += 0.1f;
    lossctx c = {.op = OP_L1, .x = x, .t = tg, .count = CNT};
    loss_check(st, &c, "l1", 1e-3f, 1e-3, 1e-3);
    c.op = OP_L2;
    loss_check(st, &c, "l2", 1e-2f, 1e-3, 1e-3);

    const float p[3] = {1.0f, -2.0f, 0.5f}, q[3] = {0.0f, 0.0f, 0.5f};
    float v = cz_loss_l1(g, p, q, 3);
    CHECK(st, fabsf(v - 1.0f) < 1e-7f && fabsf(g[0] - 1.0f / 3) < 1e-7f &&
                  fabsf(g[1] + 1.0f / 3) < 1e-7f && g[2] == 0.0f,
          "l1 hand: %g [%g %g %g]", v, g[0], g[1], g[2]);
    v = cz_loss_l2(g, p, q, 3);
    CHECK(st, fabsf(v - 5.0f / 3) < 1e-6f && fabsf(g[0] - 2.0f / 3) < 1e-7f &&
                  fabsf(g[1] + 4.0f / 3) < 1e-6f && g[2] == 0.0f,
          "l2 hand: %g [%g %g %g]", v, g[0], g[1], g[2]);

    float tx[40], tt[40];
    gen(tx, 40, 1.0, 0.37, 0.0);
    gen(tt, 40, 1.0, 0.29, 0.5);
    lossctx tc = {.op = OP_L1, .x = tx, .t = tt, .count = 40};
    torch_compare(st, t, have, &tc, "l1");
    tc.op = OP_L2;
    torch_compare(st, t, have, &tc, "l2");
    tc.op = OP_HUBER;
    torch_compare(st, t, have, &tc, "huber");
    /* both branches, away from the joins at |d| = 0.3 */
    for (int i = 0; i < CNT; i++)
        if (fabsf(fabsf(x[i] - tg[i]) - 0.3f) < 0.05f) x[i] += 0.1f;
    c.op = OP_HUBER;
    loss_check(st, &c, "huber", 1e-3f, 1e-3, 1e-3);
    v = cz_loss_huber(g, p, q, 3, 0.3f); /* d = 1, -2, 0: 0.3 * 0.85 + 0.3 * 1.85 + 0 */
    CHECK(st, fabsf(v - 0.27f) < 1e-6f && fabsf(g[0] - 0.1f) < 1e-7f && fabsf(g[1] + 0.1f) < 1e-7f && g[2] == 0.0f,
          "huber hand: %g [%g %g %g]", v, g[0], g[1], g[2]);
}

static void test_bce(check_state *st, uint64_t *rng, const torch_refs *t, bool have)
{
    enum { CNT = 10 };
    float x[CNT], g[4];
    for (int k = 0; k < 2; k++) {
        float scale = k ? 40.0f : 3.0f;
        check_fill_uniform(x, CNT, -scale, scale, rng);
        for (int y = 0; y < 2; y++) {
            char name[64];
            snprintf(name, sizeof name, "bce label %d, |x| <= %g", y, scale);
            lossctx c = {.op = OP_BCE, .x = x, .label = (float)y, .count = CNT};
            loss_check(st, &c, name, k ? 0.1f : 1e-2f, 1e-3, 1e-2);
        }
    }
    /* logit 0 is log 2 for either label, gradient (0.5 - y) / n */
    const float z[2] = {0.0f, 0.0f};
    float v0 = cz_loss_bce_logits(g, z, 0.0f, 2);
    CHECK(st, fabsf(v0 - logf(2.0f)) < 1e-7f && g[0] == 0.25f && g[1] == 0.25f,
          "bce(0, y=0) = %g, grad %g", v0, g[0]);
    float v1 = cz_loss_bce_logits(g, z, 1.0f, 2);
    CHECK(st, fabsf(v1 - logf(2.0f)) < 1e-7f && g[0] == -0.25f, "bce(0, y=1) = %g", v1);
    /* huge logits: the right loss, no overflow */
    const float huge[2] = {1000.0f, -1000.0f};
    v0 = cz_loss_bce_logits(g, huge, 0.0f, 2);
    CHECK(st, fabsf(v0 - 500.0f) < 1e-3f && g[0] == 0.5f && g[1] == 0.0f,
          "bce(+-1000, y=0) = %g, grad %g %g", v0, g[0], g[1]);
    v1 = cz_loss_bce_logits(g, huge, 1.0f, 2);
    CHECK(st, fabsf(v1 - 500.0f) < 1e-3f && g[0] == 0.0f && g[1] == -0.5f,
          "bce(+-1000, y=1) = %g, grad %g %g", v1, g[0], g[1]);

    float tx[40];
    for (int k = 0; k < 2; k++)
        for (int y = 0; y < 2; y++) {
            char key[32];
            int s = k ? 30 : 2;
            gen(tx, 40, s, 0.37, 0.0);
            snprintf(key, sizeof key, "bce_s%d_y%d", s, y);
            lossctx tc = {.op = OP_BCE, .x = tx, .label = (float)y, .count = 40};
            torch_compare(st, t, have, &tc, key);
        }
}

static void test_ce(check_state *st, uint64_t *rng, const torch_refs *t, bool have)
{
    enum { N = 3, C = 5 };
    float x[N * C], g[3];
    int labels[N] = {0, 4, 2};
    check_fill_uniform(x, N * C, -3.0f, 3.0f, rng);
    lossctx c = {.op = OP_CE, .x = x, .labels = labels, .n = N, .q = C, .count = N * C};
    loss_check(st, &c, "ce", 3e-2f, 1e-3, 1e-2);

    /* hand: logits (0, ln 2, ln 5), softmax (1/8, 2/8, 5/8), label 2 */
    const float l[3] = {0.0f, logf(2.0f), logf(5.0f)};
    const int y = 2;
    float v = cz_loss_ce(g, l, &y, 1, 3);
    CHECK(st, fabsf(v + logf(0.625f)) < 1e-6f && fabsf(g[0] - 0.125f) < 1e-6f &&
                  fabsf(g[1] - 0.25f) < 1e-6f && fabsf(g[2] + 0.375f) < 1e-6f,
          "ce hand: %g [%g %g %g]", v, g[0], g[1], g[2]);
    const int bad = 3;
    v = cz_loss_ce(g, l, &bad, 1, 3);
    CHECK(st, isnan(v) && g[0] == 0 && g[1] == 0 && g[2] == 0, "ce label out of range -> NaN");

    float tx[20];
    int tl[5];
    gen(tx, 20, 2.0, 0.37, 0.1);
    for (int i = 0; i < 5; i++) tl[i] = (3 * i) % 4;
    lossctx tc = {.op = OP_CE, .x = tx, .labels = tl, .n = 5, .q = 4, .count = 20};
    torch_compare(st, t, have, &tc, "ce");
}

int main(void)
{
    check_state st = {0};
    uint64_t rng = 7;
    torch_refs t;
    bool have = torch_refs_load(&t, "loss");
    CHECK(&st, have, "losses: PyTorch reference unavailable (see message above)");
    test_soft_ce(&st, &rng, &t, have);
    test_regression(&st, &rng, &t, have);
    test_bce(&st, &rng, &t, have);
    test_ce(&st, &rng, &t, have);
    torch_refs_free(&t);
    return check_finish(&st, "loss");
}
