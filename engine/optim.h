/* optim.h: optimisers and learning-rate schedules.
 * Both updates match PyTorch's torch.optim (Adam with L2 weight decay added to
 * the gradient, bias-corrected; SGD with momentum buffer b = mu*b + g). */
#ifndef CZ_OPTIM_H
#define CZ_OPTIM_H

#include <stddef.h>

#include "net.h"

/* step counts from 1 (the first update is step 1). m, v [n] start at 0. */
void cz_adam_update(float *param, float *m, float *v, const float *grad, size_t n,
                    float lr, float beta1, float beta2, float eps,
                    float weight_decay, long step);
/* mom [n] starts at 0; the first step sets mom = grad as PyTorch does
 * (step == 1). */
void cz_sgd_update(float *param, float *mom, const float *grad, size_t n,
                   float lr, float momentum, float weight_decay, long step);

/* The optimiser's state for one network's trainable parameters, in the
 * net's parameter order: Adam's moments m and v (SGD keeps its momentum
 * buffer in m), in one arena the optimiser owns; the net is borrowed. The
 * rules, stated once here: every trainable parameter with a gradient is
 * updated (batch-norm running statistics are not trained); L2 weight decay
 * applies to kernels (more than one dimension), never to vectors (biases,
 * batch-norm scale and shift). */
typedef struct cz_optim cz_optim;

/* After cz_net_set_batch(net, .., true); moments start at 0. */
cz_optim *cz_optim_new(cz_net *net, cz_error *err);
void cz_optim_free(cz_optim *o);
void cz_optim_adam_step(cz_optim *o, float lr, float beta1, float beta2, float eps, float weight_decay, long step);
void cz_optim_sgd_step(cz_optim *o, float lr, float momentum, float weight_decay, long step);
/* Net parameter i's first (which 0) or second (1) moment [count], or NULL
 * for a parameter that is not trained: for checkpoints. */
float *cz_optim_moment(cz_optim *o, int param, int which);

typedef enum {
    CZ_SCHEDULE_CONSTANT,
    CZ_SCHEDULE_STEP,     /* lr * gamma^(floor(step / step_size)) */
    CZ_SCHEDULE_COSINE,   /* lr * (min_factor + (1-min_factor)(1+cos(pi t/T))/2) */
    CZ_SCHEDULE_ONE_CYCLE /* linear warm-up from lr/div to lr over warmup*T, cosine down to lr/final_div */
} cz_schedule_kind;

typedef struct {
    cz_schedule_kind kind;
    float lr;          /* base (peak for one-cycle) rate */
    long total_steps;  /* T */
    long step_size;    /* step schedule */
    float gamma;       /* step schedule */
    float min_factor;  /* cosine floor, fraction of lr */
    float warmup;      /* one-cycle: fraction of T spent rising (e.g. 0.3) */
    float div;         /* one-cycle: start at lr / div (e.g. 25) */
    float final_div;   /* one-cycle: end at lr / final_div (e.g. 1e4) */
} cz_schedule;

/* Default parameters for a kind (gamma 0.1, step T/3, warmup 0.3, div 25,
 * final_div 1e4, min_factor 0). */
cz_schedule cz_schedule_make(cz_schedule_kind kind, float lr, long total_steps);
/* Rate at step (0-based). */
float cz_schedule_lr(const cz_schedule *s, long step);
/* Parses "constant", "step", "cosine", "one-cycle"; -1 when unknown. */
int cz_schedule_kind_parse(const char *name);

#endif
