/* step.c: the per-architecture training step (see step.h). */
#include "step.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "loss.h"
#include "optim.h"
#include "util.h"

#define ADAM_EPS 1e-8f
#define MAX_LANES 8
#define LANE_SEED_STEP 0x9E3779B97F4A7C15ull /* lane r's dropout seed: the first's + r x this */

/* The discriminator's input [3, S, S] and patch logits [1, h, w]. */
static void find_disc_nodes(ct_trainer *t)
{
    int c, h, w;
    t->din = cz_model_get_disc_input_node(t->m);
    t->dout = cz_model_get_disc_output_node(t->m);
    if (t->din < 0 || t->dout < 0)
        ct_die(__FILE__, __LINE__, NULL, "the discriminator has no input or output node");
    cz_net_node_shape(t->disc, t->din, &c, &h, &w);
    if (c != 3 || h != t->S || w != t->S)
        ct_die(__FILE__, __LINE__, NULL, "unexpected discriminator input %dx%dx%d", c, h, w);
    cz_net_node_shape(t->disc, t->dout, &c, &h, &w);
    if (c != 1)
        ct_die(__FILE__, __LINE__, NULL, "unexpected discriminator output %dx%dx%d", c, h, w);
    t->dout_n = (size_t)t->B * h * w;
}

/* Wires t to m and to net (the model's own, or a lane's on its weights). */
static void trainer_init_lane(ct_trainer *t, cz_model *m, cz_net *net, int batch, float weight_decay)
{
    memset(t, 0, sizeof *t);
    t->lanes = 1;
    cz_error err = {0};
    t->m = m;
    t->net = net;
    t->disc = net == cz_model_get_net(m) ? cz_model_get_discriminator(m) : NULL;
    t->in = cz_model_get_input_node(m);
    t->hints = cz_model_takes_hints(m);
    t->gin = cz_model_get_global_input_node(m);
    t->out = cz_model_get_output_node(m);
    t->cls = cz_model_get_class_node(m);
    t->kind = cz_model_get_output_kind(m);
    t->B = batch;
    t->S = cz_model_get_config(m)->size;
    t->classes = cz_model_get_config(m)->classes;
    t->beta1 = t->disc ? 0.5f : 0.9f;
    t->beta2 = 0.999f;
    t->weight_decay = weight_decay;
    /* pix2pix's 100 x L1 on ab / 110, whatever the model's ab encoding. */
    float ab[2] = {0.0f, 110.0f}, enc[2];
    cz_model_ab_to_target(m, enc, ab, 2);
    t->l1_weight = 100.0f / fabsf(enc[1] - enc[0]);
    t->cls_weight = 1.0f / 300.0f;
    statusCheck(cz_net_set_batch(t->net, batch, true, &err), &err);
    int c, h, w;
    cz_net_node_shape(t->net, t->out, &c, &h, &w);
    t->q = c;
    t->thw = h * w;
    t->lg = cz_model_get_logits_node(m);
    t->lq = t->q, t->lthw = t->thw;
    if (t->hints) {
        cz_net_node_shape(t->net, t->lg, &c, &h, &w);
        t->lq = c, t->lthw = h * w;
        t->cls_weight = 1.0f; /* the class head's CE beside the regression */
        float one[2] = {0.0f, 1.0f}, e[2];
        cz_model_ab_to_target(m, e, one, 2);
        t->reg_scale = fabsf(e[1] - e[0]); /* target units per ab unit */
        t->reg = mallocCheck(ct_size3((size_t)batch * 2, (size_t)t->S * t->S, sizeof(float)));
    }
    if (t->disc) {
        statusCheck(cz_net_set_batch(t->disc, batch, true, &err), &err);
        cz_net_set_input_grad(t->disc, true);
        find_disc_nodes(t);
        for (int i = 0; i < cz_net_param_count(t->disc); i++)
            t->dsave_n += cz_net_param(t->disc, i)->count;
        t->dsave = mallocCheck(ct_size3(t->dsave_n, 1, sizeof(float)));
    }
}

int ct_trainer_lanes(const cz_model_config *cfg, int batch, int threads)
{
    const cz_arch *a = cz_arch_find(cfg->arch);
    if (threads < 2 || threads > MAX_LANES || cfg->adversarial || (a && a->adversarial) || batch % threads)
        return 1;
    return threads;
}

void ct_trainer_init(ct_trainer *t, cz_model *m, int batch, float weight_decay, int threads)
{
    int lanes = ct_trainer_lanes(cz_model_get_config(m), batch, threads);
    ct_set_threads(lanes > 1 ? 1 : threads);
    trainer_init_lane(t, m, cz_model_get_net(m), batch / lanes, weight_decay); /* t->B: samples per lane */
    cz_error err = {0};
    if (!(t->opt = cz_optim_new(t->net, &err)) || (t->disc && !(t->dopt = cz_optim_new(t->disc, &err))))
        ct_die(__FILE__, __LINE__, NULL, "optimiser: %s", err.msg);
    t->lanes = lanes;
    if (lanes == 1) return;
    t->lane = mallocCheck(ct_size3((size_t)lanes - 1, sizeof(ct_trainer), 1));
    for (int r = 1; r < lanes; r++) {
        /* A lane is a plan on the model's weights: nothing to copy back. Its
         * batch-norm statistics are not kept (lane 0's are, ghost batch norm). */
        cz_net *net = cz_model_new_lane(m, &err);
        if (!net) ct_die(__FILE__, __LINE__, NULL, "lane %d: %s", r, err.msg);
        cz_net_set_stats_update(net, false);
        trainer_init_lane(&t->lane[r - 1], m, net, batch / lanes, weight_decay);
        cz_net_set_seed(net, cz_net_get_seed(t->net) + LANE_SEED_STEP * (uint64_t)r);
    }
}

void ct_trainer_set_dist(ct_trainer *t, const ct_dist *d)
{
    t->dist = d->size > 1 ? d : NULL;
    const uint64_t base = cz_net_get_seed(t->net), first = (uint64_t)d->rank * (uint64_t)t->lanes;
    cz_net_set_seed(t->net, base + LANE_SEED_STEP * first);
    for (int r = 1; r < t->lanes; r++)
        cz_net_set_seed(t->lane[r - 1].net, base + LANE_SEED_STEP * (first + (uint64_t)r));
}

void ct_trainer_free(ct_trainer *t)
{
    for (int r = 1; r < t->lanes; r++) {
        ct_trainer *l = &t->lane[r - 1];
        cz_net *net = l->net;
        ct_trainer_free(l);
        cz_net_free(net);
    }
    free(t->lane);
    free(t->dsave);
    free(t->reg);
    cz_optim_free(t->opt);
    cz_optim_free(t->dopt);
    memset(t, 0, sizeof *t);
}

static void scale(float *x, size_t n, float s)
{
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

/* The mean over the ranks of net's parameter gradients, in place (one
 * reduction over its gradient block). */
static void ranks_mean_grads(const ct_dist *d, cz_net *net)
{
    size_t n;
    float *g = cz_net_param_grads(net, &n);
    ct_dist_sum_floats(d, g, n);
    scale(g, n, 1.0f / (float)d->size);
}

/* The batch's losses: the mean of the ranks' (each a mean over its shard). */
static void ranks_mean_losses(const ct_dist *d, ct_losses *r)
{
    double x[4] = {r->loss, r->cls, r->g_adv, r->d_loss};
    ct_dist_sum_doubles(d, x, 4);
    *r = (ct_losses){x[0] / d->size, x[1] / d->size, x[2] / d->size, x[3] / d->size};
}

/* Discriminator input: channel 0 encoded L, channels 1-2 the ab encoding. */
static void disc_input(ct_trainer *t, const float *encL, const float *ab_t)
{
    float *x = cz_net_data(t->disc, t->din);
    size_t ss = (size_t)t->S * t->S;
    for (int j = 0; j < t->B; j++) {
        memcpy(x + 3 * j * ss, encL + j * ss, ss * sizeof(float));
        memcpy(x + (3 * j + 1) * ss, ab_t + 2 * j * ss, 2 * ss * sizeof(float));
    }
}

static void disc_grad_save(ct_trainer *t, bool restore_add)
{
    size_t k = 0;
    for (int i = 0; i < cz_net_param_count(t->disc); i++) {
        cz_param *p = cz_net_param(t->disc, i);
        if (p->grad)
            for (size_t e = 0; e < p->count; e++) {
                if (restore_add) p->grad[e] += t->dsave[k + e];
                else t->dsave[k + e] = p->grad[e];
            }
        k += p->count;
    }
}

/* Forward, losses and backward of one lane on its samples (for pix2pix also
 * the discriminator's update); leaves the generator's gradients. */
static ct_losses trainer_grads(ct_trainer *t, const ct_batch *b, float lr, long step)
{
    ct_losses r = {0};
    const size_t ss = (size_t)t->S * t->S, n_in = (size_t)t->B * ss;
    float *x = cz_net_data(t->net, t->in);
    if (t->hints) {
        for (int j = 0; j < t->B; j++) { /* [L, hint a, hint b, mask] per sample */
            const float *h = b->hints + 3 * j * ss;
            cz_model_encode_input(t->m, x + 4 * j * ss, b->L + j * ss, ss);
            cz_model_encode_hints(t->m, x + (4 * j + 1) * ss, h, h + 2 * ss, ss);
        }
    } else {
        cz_model_encode_input(t->m, x, b->L, n_in);
    }
    if (t->gin >= 0 && t->gin != t->in) memcpy(cz_net_data(t->net, t->gin), x, n_in * sizeof(float));
    cz_net_zero_grad(t->net);
    cz_net_forward(t->net);
    float *out = cz_net_data(t->net, t->out), *dout = cz_net_grad(t->net, t->out);
    if (t->kind == CZ_OUTPUT_LOGITS) {
        r.loss = cz_loss_soft_ce(dout, out, b->target, b->weight, t->B, t->q, t->thw);
    } else if (t->hints) {
        /* Regression: Huber with delta 1 ab unit, reported in ab units; its
         * gradient scaled to +-1/n beyond delta in the target encoding (as
         * L1 there), so it weighs like the class head's CE, per pixel. */
        const float s = t->reg_scale;
        cz_model_ab_to_target(t->m, t->reg, b->ab, 2 * n_in);
        r.loss = cz_loss_huber(dout, out, t->reg, 2 * n_in, s) / (s * s);
        scale(dout, 2 * n_in, 1.0f / s);
        float *lg = cz_net_data(t->net, t->lg), *dlg = cz_net_grad(t->net, t->lg);
        r.cls = cz_loss_soft_ce(dlg, lg, b->target, b->weight, t->B, t->lq, t->lthw);
    } else if (!t->disc) {
        r.loss = cz_loss_l2(dout, out, b->target, 2 * n_in);
    } else {
        /* Discriminator: fake at label 0, real at label 1, each half weight. */
        cz_net *d = t->disc;
        float *dl = cz_net_data(d, t->dout), *dg = cz_net_grad(d, t->dout);
        cz_net_zero_grad(d);
        disc_input(t, x, out);
        cz_net_forward(d);
        double lf = cz_loss_bce_logits(dg, dl, 0.0f, t->dout_n);
        scale(dg, t->dout_n, 0.5f);
        cz_net_backward(d);
        disc_grad_save(t, false);
        cz_net_zero_grad(d);
        disc_input(t, x, b->target);
        cz_net_forward(d);
        double lr_ = cz_loss_bce_logits(dg, dl, 1.0f, t->dout_n);
        scale(dg, t->dout_n, 0.5f);
        cz_net_backward(d);
        disc_grad_save(t, true);
        if (t->dist) ranks_mean_grads(t->dist, d);
        cz_optim_adam_step(t->dopt, lr, t->beta1, t->beta2, ADAM_EPS, t->weight_decay, step);
        r.d_loss = 0.5 * (lf + lr_);
        /* Generator: 100 x L1 + BCE(D(L, fake), real) through the updated D. */
        cz_net_zero_grad(d);
        disc_input(t, x, out);
        cz_net_forward(d);
        r.g_adv = cz_loss_bce_logits(dg, dl, 1.0f, t->dout_n);
        cz_net_backward(d);
        r.loss = cz_loss_l1(dout, out, b->target, 2 * n_in);
        scale(dout, 2 * n_in, t->l1_weight);
        const float *dx = cz_net_grad(d, t->din);
        for (int j = 0; j < t->B; j++)
            for (size_t p = 0; p < 2 * ss; p++) dout[2 * j * ss + p] += dx[(3 * j + 1) * ss + p];
    }
    if (t->cls >= 0 && t->classes > 0) {
        float *dc = cz_net_grad(t->net, t->cls);
        r.cls = cz_loss_ce(dc, cz_net_data(t->net, t->cls), b->labels, t->B, t->classes);
        scale(dc, (size_t)t->B * t->classes, t->cls_weight);
    }
    cz_net_backward(t->net);
    return r;
}

typedef struct {
    ct_trainer *t;
    ct_batch b;
    ct_losses r;
} lane_job;

static void *lane_main(void *p)
{
    lane_job *j = p;
    j->r = trainer_grads(j->t, &j->b, 0.0f, 0);
    return NULL;
}

/* Lane r's samples of b, in place. */
static ct_batch lane_batch(const ct_trainer *t, const ct_batch *b, int r)
{
    size_t n = (size_t)t->B * (size_t)r, ss = (size_t)t->S * t->S;
    size_t tper = t->lg >= 0 ? (size_t)t->lq * t->lthw : 2 * ss;
    ct_batch s = *b;
    s.L = b->L + n * ss;
    s.ab = b->ab ? b->ab + n * 2 * ss : NULL;
    s.target = b->target + n * tper;
    s.weight = b->weight ? b->weight + n * t->lthw : NULL;
    s.hints = b->hints ? b->hints + n * 3 * ss : NULL;
    s.labels = b->labels ? b->labels + n : NULL;
    return s;
}

ct_losses ct_trainer_step(ct_trainer *t, const ct_batch *b, float lr, long step)
{
    if (t->lanes == 1) {
        ct_losses r = trainer_grads(t, b, lr, step);
        if (t->dist) ranks_mean_grads(t->dist, t->net), ranks_mean_losses(t->dist, &r);
        cz_optim_adam_step(t->opt, lr, t->beta1, t->beta2, ADAM_EPS, t->weight_decay, step);
        return r;
    }
    int R = t->lanes;
    lane_job job[MAX_LANES] = {{0}};
    pthread_t tid[MAX_LANES];
    bool started[MAX_LANES] = {false};
    for (int r = 0; r < R; r++) {
        job[r].t = r ? &t->lane[r - 1] : t;
        job[r].b = lane_batch(t, b, r);
    }
    for (int r = 1; r < R; r++) started[r] = pthread_create(&tid[r], NULL, lane_main, &job[r]) == 0;
    lane_main(&job[0]);
    for (int r = 1; r < R; r++) {
        if (started[r]) pthread_join(tid[r], NULL);
        else lane_main(&job[r]);
    }
    /* Each lane's loss is a mean over its samples: the batch mean is the
     * mean of the lanes'. */
    ct_losses sum = {0};
    const float inv = 1.0f / (float)R;
    for (int r = 0; r < R; r++) {
        sum.loss += job[r].r.loss / R;
        sum.cls += job[r].r.cls / R;
    }
    for (int i = 0; i < cz_net_param_count(t->net); i++) {
        cz_param *p = cz_net_param(t->net, i);
        if (!p->grad) continue;
        for (int r = 1; r < R; r++) {
            const float *g = cz_net_param(t->lane[r - 1].net, i)->grad;
            for (size_t e = 0; e < p->count; e++) p->grad[e] += g[e];
        }
        for (size_t e = 0; e < p->count; e++) p->grad[e] *= inv;
    }
    if (t->dist) ranks_mean_grads(t->dist, t->net), ranks_mean_losses(t->dist, &sum);
    cz_optim_adam_step(t->opt, lr, t->beta1, t->beta2, ADAM_EPS, t->weight_decay, step);
    return sum;
}

cz_model *ct_model_for_data(const char *arch, float width, int size, bool adversarial, const ct_dataset *ds,
                            uint64_t seed)
{
    cz_model_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    cfg.width = width;
    cfg.size = size;
    cfg.adversarial = adversarial;
    if (!strcmp(arch, "fusion")) {
        if (ds->classes < 2)
            ct_die(__FILE__, __LINE__, "prepare the photos in one subfolder per scene class",
                   "fusion needs at least 2 scene classes; the dataset has %u", ds->classes);
        cfg.classes = (int)ds->classes;
        for (uint32_t c = 0; c < ds->classes; c++)
            snprintf(cfg.class_names[c], sizeof cfg.class_names[c], "%s", ds->class_names[c]);
    }
    cz_error err = {0};
    cz_model *m = cz_model_new(&cfg, seed, &err);
    if (!m) ct_die(__FILE__, __LINE__, "check --arch, --width and --size", "%s", err.msg);
    return m;
}

extern void openblas_set_num_threads(int num_threads);

void ct_set_threads(int threads)
{
    if (threads > 0) openblas_set_num_threads(threads);
}
