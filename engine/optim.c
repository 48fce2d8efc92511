/* optim.c: Adam and SGD with momentum (bit-for-bit the arithmetic of
 * torch.optim's single-tensor paths), and learning-rate schedules.
 * Layout: flat parameter, gradient and state arrays [n].
 *
 * Schedules, step s counted from 0, T = total_steps:
 *  constant   lr
 *  step       lr * gamma^floor(s / step_size)
 *  cosine     lr * (f + (1-f)(1 + cos(pi min(s,T)/T))/2), f = min_factor
 *             (torch's CosineAnnealingLR with T_max = T, eta_min = f lr)
 *  one-cycle  with P = warmup*T - 1 (the peak step) and E = T - 1 (the last):
 *             s <= P: linear from lr/div (s = 0) to lr (s = P);
 *             P <= s <= E: cosine from lr to lr/final_div (reached at s = E);
 *             s > E: lr/final_div. Step indices as torch's OneCycleLR, whose
 *             second phase this equals when given final_div_factor =
 *             final_div/div; unlike torch the warm-up is linear (as
 *             anneal_strategy='linear') and the floor is lr/final_div, not
 *             lr/(div*final_div). With P <= 0 it starts at the peak; P is
 *             kept below E; T <= 1 gives lr. */
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

struct cz_optim {
    cz_net *net;
    float **m, **v; /* per net parameter, NULL when not trained */
    cz_arena arena;
};

cz_optim *cz_optim_new(cz_net *net, cz_error *err)
{
    const int n = cz_net_param_count(net);
    cz_optim *o = calloc(1, sizeof *o);
    if (o) o->m = calloc((size_t)n + 1, sizeof *o->m), o->v = calloc((size_t)n + 1, sizeof *o->v);
    if (!o || !o->m || !o->v) goto oom;
    o->net = net;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        const cz_param *p = cz_net_param(net, i);
        if (p->trainable && p->grad) total += 2 * cz_arena_round(p->count);
    }
    if (cz_arena_init(&o->arena, total ? total : 16, err)) {
        cz_optim_free(o);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        const cz_param *p = cz_net_param(net, i);
        if (!p->trainable || !p->grad) continue;
        o->m[i] = cz_arena_take(&o->arena, p->count);
        o->v[i] = cz_arena_take(&o->arena, p->count);
    }
    return o;
oom:
    cz_optim_free(o);
    cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    return NULL;
}

void cz_optim_free(cz_optim *o)
{
    if (!o) return;
    cz_arena_free(&o->arena);
    free(o->m);
    free(o->v);
    free(o);
}

float *cz_optim_moment(cz_optim *o, int param, int which) { return which ? o->v[param] : o->m[param]; }

/* Decay on kernels only: biases and batch-norm affine parameters are vectors. */
static float decay_of(const cz_param *p, float weight_decay) { return p->ndim > 1 ? weight_decay : 0.0f; }

void cz_optim_adam_step(cz_optim *o, float lr, float beta1, float beta2, float eps, float weight_decay, long step)
{
    for (int i = 0; i < cz_net_param_count(o->net); i++) {
        cz_param *p = cz_net_param(o->net, i);
        if (!o->m[i]) continue;
        cz_adam_update(p->data, o->m[i], o->v[i], p->grad, p->count, lr, beta1, beta2, eps,
                       decay_of(p, weight_decay), step);
    }
}

void cz_optim_sgd_step(cz_optim *o, float lr, float momentum, float weight_decay, long step)
{
    for (int i = 0; i < cz_net_param_count(o->net); i++) {
        cz_param *p = cz_net_param(o->net, i);
        if (!o->m[i]) continue;
        cz_sgd_update(p->data, o->m[i], p->grad, p->count, lr, momentum, decay_of(p, weight_decay), step);
    }
}

void cz_adam_update(float *param, float *m, float *v, const float *grad, size_t n,
                    float lr, float beta1, float beta2, float eps,
                    float weight_decay, long step)
{
    /* torch computes the corrections in double (Python floats) */
    double bc1 = 1.0 - pow((double)beta1, (double)step);
    double bc2 = 1.0 - pow((double)beta2, (double)step);
    float step_size = (float)(lr / bc1);
    float bc2_sqrt = (float)sqrt(bc2);
    float one_b1 = 1.0f - beta1, one_b2 = 1.0f - beta2;
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        if (weight_decay != 0.0f) g += weight_decay * param[i];
        m[i] = m[i] * beta1 + one_b1 * g;
        v[i] = v[i] * beta2 + one_b2 * g * g;
        float denom = sqrtf(v[i]) / bc2_sqrt + eps;
        param[i] -= step_size * (m[i] / denom);
    }
}

void cz_sgd_update(float *param, float *mom, const float *grad, size_t n,
                   float lr, float momentum, float weight_decay, long step)
{
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        if (weight_decay != 0.0f) g += weight_decay * param[i];
        /* the buffer starts as a copy of the first gradient */
        mom[i] = step <= 1 ? g : momentum * mom[i] + g;
        param[i] -= lr * mom[i];
    }
}

cz_schedule cz_schedule_make(cz_schedule_kind kind, float lr, long total_steps)
{
    cz_schedule s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.lr = lr;
    s.total_steps = total_steps;
    s.step_size = total_steps / 3 > 0 ? total_steps / 3 : 1;
    s.gamma = 0.1f;
    s.min_factor = 0.0f;
    s.warmup = 0.3f;
    s.div = 25.0f;
    s.final_div = 1e4f;
    return s;
}

/* cosine from hi (pct 0) to lo (pct 1), as torch's _annealing_cos */
static double anneal_cos(double hi, double lo, double pct)
{
    return lo + (hi - lo) / 2.0 * (cos(M_PI * pct) + 1.0);
}

float cz_schedule_lr(const cz_schedule *s, long step)
{
    double lr = s->lr;
    if (step < 0) step = 0;
    switch (s->kind) {
    case CZ_SCHEDULE_CONSTANT:
        return s->lr;
    case CZ_SCHEDULE_STEP: {
        long size = s->step_size > 0 ? s->step_size : 1;
        return (float)(lr * pow((double)s->gamma, (double)(step / size)));
    }
    case CZ_SCHEDULE_COSINE: {
        if (s->total_steps <= 0) return s->lr;
        double t = step < s->total_steps ? (double)step : (double)s->total_steps;
        double f = s->min_factor;
        return (float)(lr * (f + (1.0 - f) * (1.0 + cos(M_PI * t / s->total_steps)) / 2.0));
    }
    case CZ_SCHEDULE_ONE_CYCLE: {
        double lo = lr / (s->final_div > 0 ? s->final_div : 1.0f);
        double start = lr / (s->div > 0 ? s->div : 1.0f);
        double peak = (double)s->warmup * (double)s->total_steps - 1.0;
        double end = (double)s->total_steps - 1.0;
        double t = (double)step;
        if (s->total_steps <= 1) return s->lr;
        if (peak > end - 1.0) peak = end - 1.0; /* keep a falling phase */
        if (t >= end) return (float)lo;
        if (peak > 0.0 && t <= peak) return (float)(start + (lr - start) * t / peak);
        if (peak < 0.0) peak = 0.0;
        return (float)anneal_cos(lr, lo, (t - peak) / (end - peak));
    }
    }
    return s->lr;
}

int cz_schedule_kind_parse(const char *name)
{
    if (!name) return -1;
    if (!strcmp(name, "constant")) return CZ_SCHEDULE_CONSTANT;
    if (!strcmp(name, "step")) return CZ_SCHEDULE_STEP;
    if (!strcmp(name, "cosine")) return CZ_SCHEDULE_COSINE;
    if (!strcmp(name, "one-cycle")) return CZ_SCHEDULE_ONE_CYCLE;
    return -1;
}
