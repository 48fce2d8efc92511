/* test_dist.c: ranks compute the gradient of one network, run by
 * test_mpi.sh as `mpirun -np 2 test_trainer_dist` (alone it is a job of one
 * and says so: exit 77).
 *   - A batch of 16 whose second half repeats its first: each rank trains
 *     its 8 (ct_trainer_set_dist); the batch-norm statistics of a half are
 *     those of the whole, so the job's loss and summed gradient must be the
 *     single network's on all 16, up to float rounding (as test_step checks
 *     for lanes). Since such halves give each rank the whole gradient
 *     already, a second batch has different halves and is checked against
 *     one process of 2 lanes, which a rank that skipped the sum would fail.
 *   - After the step every rank holds the same trainable weights.
 * For colorful, residual and fusion (whose class labels are split too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dist.h"
#include "lab.h"
#include "step.h"
#include "util.h"

#define B 16
#define S 32

static cz_model *new_model(const char *arch)
{
    cz_model_config cfg = {.width = 0.125f, .size = S};
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    if (!strcmp(arch, "fusion")) {
        cfg.classes = 3;
        for (int c = 0; c < 3; c++) snprintf(cfg.class_names[c], sizeof cfg.class_names[c], "c%d", c);
    }
    cz_error err = {0};
    cz_model *m = cz_model_new(&cfg, 7, &err);
    if (!m) ct_die(__FILE__, __LINE__, NULL, "%s: %s", arch, err.msg);
    return m;
}

/* A batch of B random samples; with repeat, the second half is the first. */
static ct_batch make_batch(const ct_trainer *t, bool repeat, uint64_t seed)
{
    uint64_t rng = seed;
    const size_t ss = (size_t)S * S, n = repeat ? B / 2 : B;
    const size_t tper = t->kind == CZ_OUTPUT_LOGITS ? (size_t)t->q * t->thw : 2 * ss;
    ct_batch b = {.step = 0};
    b.L = mallocCheck(B * ss * sizeof(float));
    b.ab = mallocCheck(B * 2 * ss * sizeof(float));
    b.target = mallocCheck(B * tper * sizeof(float));
    b.weight = mallocCheck(B * (size_t)t->thw * sizeof(float));
    b.labels = mallocCheck(B * sizeof(int));
    check_fill_uniform(b.L, n * ss, 0.0f, 100.0f, &rng);
    check_fill_uniform(b.ab, n * 2 * ss, -40.0f, 40.0f, &rng);
    check_fill_uniform(b.target, n * tper, 0.0f, 1.0f, &rng);
    check_fill_uniform(b.weight, n * t->thw, 0.5f, 2.0f, &rng);
    if (t->kind == CZ_OUTPUT_LOGITS) /* a distribution over the bins per pixel */
        for (size_t j = 0; j < n; j++)
            for (int p = 0; p < t->thw; p++) {
                float *tp = b.target + j * tper + p, s = 0;
                for (int q = 0; q < t->q; q++) s += tp[(size_t)q * t->thw];
                for (int q = 0; q < t->q; q++) tp[(size_t)q * t->thw] /= s;
            }
    for (size_t j = 0; j < n; j++) b.labels[j] = (int)((j + seed) % 3);
    if (repeat) {
        const size_t h = B / 2;
        memcpy(b.L + h * ss, b.L, h * ss * sizeof(float));
        memcpy(b.ab + h * 2 * ss, b.ab, h * 2 * ss * sizeof(float));
        memcpy(b.target + h * tper, b.target, h * tper * sizeof(float));
        memcpy(b.weight + h * t->thw, b.weight, h * t->thw * sizeof(float));
        memcpy(b.labels + h, b.labels, h * sizeof(int));
    }
    return b;
}

/* Samples [first, first + B/2) of b, in place. */
static ct_batch half_of(const ct_trainer *t, const ct_batch *b, int first)
{
    const size_t ss = (size_t)S * S;
    const size_t tper = t->kind == CZ_OUTPUT_LOGITS ? (size_t)t->q * t->thw : 2 * ss;
    ct_batch h = *b;
    h.L = b->L + first * ss;
    h.ab = b->ab + first * 2 * ss;
    h.target = b->target + first * tper;
    h.weight = b->weight + first * (size_t)t->thw;
    h.labels = b->labels + first;
    return h;
}

/* Trainable weights only: the batch-norm running statistics are each rank's
 * own (its first lane's, of its own samples), as they are each lane's. */
static double weights_sum(cz_net *net)
{
    double s = 0;
    for (int i = 0; i < cz_net_param_count(net); i++) {
        const cz_param *p = cz_net_param(net, i);
        if (p->trainable)
            for (size_t e = 0; e < p->count; e++) s += p->data[e];
    }
    return s;
}

/* The job on b (each rank its half) against a local trainer of `threads`
 * lanes on all of b. */
static void compare(check_state *st, const ct_dist *d, const char *arch, bool repeat, int threads)
{
    cz_model *mr = new_model(arch), *ml = new_model(arch);
    ct_trainer tr, tl;
    ct_trainer_init(&tr, mr, B / d->size, 0, 1);
    ct_trainer_set_dist(&tr, d);
    ct_trainer_init(&tl, ml, B, 0, threads);
    ct_batch b = make_batch(&tl, repeat, repeat ? 42 : 43);
    ct_batch mine = half_of(&tr, &b, d->rank * (B / d->size));
    ct_losses lr_ = ct_trainer_step(&tr, &mine, 1e-3f, 1);
    ct_losses ll = ct_trainer_step(&tl, &b, 1e-3f, 1);
    const char *what = repeat ? "halves that match, vs one network" : "other halves, vs 2 lanes";
    double worst = 0;
    size_t compared = 0;
    for (int i = 0; i < cz_net_param_count(tr.net); i++) {
        cz_param *p = cz_net_param(tr.net, i), *q = cz_net_param(tl.net, i);
        if (!p->grad) continue;
        double e = check_rel_err(p->grad, q->grad, p->count, 1e-3);
        if (e > worst) worst = e;
        compared += p->count;
    }
    if (d->rank == 0)
        printf("%-9s %s: loss %.7g vs %.7g, gradient worst rel err %.3g over %zu weights\n", arch, what, lr_.loss,
               ll.loss, worst, compared);
    CHECK(st, fabs(lr_.loss - ll.loss) <= 1e-5 * fabs(ll.loss) + 1e-7, "%s, %s: loss %.7g vs %.7g", arch, what,
          lr_.loss, ll.loss);
    CHECK(st, compared > 0 && worst < 1e-4, "%s, %s: gradients of %zu weights, worst rel err %.3g", arch, what,
          compared, worst);
    CHECK(st, ct_dist_agree(d, weights_sum(tr.net)), "%s, %s: the ranks' weights differ after the step", arch,
          what);
    ct_trainer_free(&tr);
    ct_trainer_free(&tl);
    cz_model_free(mr);
    cz_model_free(ml);
    free(b.L), free(b.ab), free(b.target), free(b.weight), free(b.labels);
}

int main(void)
{
    ct_dist d;
    ct_dist_init(&d);
    if (d.size != 2) {
        printf("test_trainer_dist: run me as 'mpirun -np 2' (this is a job of %d): skipped\n", d.size);
        ct_dist_finish(&d);
        return 77;
    }
    check_state st = {0};
    cz_lab_init();
    static const char *archs[] = {"colorful", "residual", "fusion"};
    for (int a = 0; a < 3; a++) {
        compare(&st, &d, archs[a], true, 1);
        compare(&st, &d, archs[a], false, 2);
    }
    /* Every rank's verdict counts: failures on either fail the job. */
    double failed = st.failures;
    ct_dist_sum_doubles(&d, &failed, 1);
    int rc = d.rank == 0 ? check_finish(&st, "dist") : (st.failures ? 1 : 0);
    if (failed > 0) rc = 1;
    ct_dist_finish(&d);
    return rc;
}
