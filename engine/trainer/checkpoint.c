/* checkpoint.c: the checkpoint format (see checkpoint.h). */
#include "checkpoint.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

static cz_status read_long(long *v, const cz_model *m, const char *key, cz_error *err)
{
    const char *s = cz_model_get_metadata(m, key);
    if (!s) return CZ_STATUS_OK;
    char *end;
    long x = strtol(s, &end, 10);
    if (end == s || *end || x < 0)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "metadata %s \"%.32s\" is not a count", key, s);
    *v = x;
    return CZ_STATUS_OK;
}

static cz_status read_seed(uint64_t *v, bool *has, const cz_model *m, const char *key, cz_error *err)
{
    const char *s = cz_model_get_metadata(m, key);
    if (!s) return CZ_STATUS_OK;
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (end == s || *end)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "metadata %s \"%.32s\" is not a seed", key, s);
    *v = (uint64_t)x, *has = true;
    return CZ_STATUS_OK;
}

static cz_status read_unit(float *v, const cz_model *m, const char *key, cz_error *err)
{
    const char *s = cz_model_get_metadata(m, key);
    *v = NAN;
    if (!s) return CZ_STATUS_OK;
    char *end;
    float f = strtof(s, &end);
    if (end == s || *end || !(f >= 0 && f <= 1))
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "metadata %s \"%.32s\" is not a number in 0..1", key, s);
    *v = f;
    return CZ_STATUS_OK;
}

cz_status ct_checkpoint_read(ct_checkpoint *c, const cz_model *m, cz_error *err)
{
    memset(c, 0, sizeof *c);
    long batch = 0;
    cz_status s = read_long(&c->step, m, "step", err);
    if (!s) s = read_long(&c->adam_base, m, "adam_base", err);
    if (!s) s = read_long(&c->schedule_from, m, "schedule_from", err);
    if (!s) s = read_long(&c->total_steps, m, "total_steps", err);
    if (!s) s = read_long(&batch, m, "batch", err);
    if (!s) s = read_seed(&c->seed, &c->has_seed, m, "seed", err);
    if (!s) s = read_seed(&c->net_seed, &c->has_net_seed, m, "net_seed", err);
    if (!s) s = read_unit(&c->lambda, m, "lambda", err);
    if (!s) s = read_unit(&c->crop_scale, m, "crop_scale", err);
    if (!s) s = read_unit(&c->ema_decay, m, "ema_decay", err);
    if (s) return s;
    if (c->schedule_from > c->step)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "schedule_from %ld is outside 0..%ld", c->schedule_from,
                            c->step);
    const char *lr = cz_model_get_metadata(m, "lr");
    c->lr = lr ? strtof(lr, NULL) : NAN;
    c->batch = batch > 1 << 20 ? 0 : (int)batch;
    c->schedule = cz_model_get_metadata(m, "schedule");
    c->command = cz_model_get_metadata(m, "command");
    return CZ_STATUS_OK;
}

/* "optim.m.<name>" and "optim.v.<name>" of every trained parameter of net. */
static size_t optim_entries(cz_st_entry *e, char (*names)[112], cz_net *net, cz_optim *o)
{
    size_t k = 0;
    for (int i = 0; o && i < cz_net_param_count(net); i++) {
        const cz_param *p = cz_net_param(net, i);
        for (int which = 0; which < 2; which++) {
            const float *mom = cz_optim_moment(o, i, which);
            if (!mom) continue;
            snprintf(names[k], sizeof names[k], "optim.%c.%s", which ? 'v' : 'm', p->name);
            e[k] = (cz_st_entry){.name = names[k], .dtype = CZ_DTYPE_F32, .ndim = p->ndim, .data = mom};
            for (int d = 0; d < p->ndim; d++) e[k].shape[d] = p->shape[d];
            k++;
        }
    }
    return k;
}

cz_status ct_checkpoint_write(const char *path, const char *ema_path, cz_model *m, const ct_trainer *t,
                              const ct_checkpoint *c, const ct_ema *avg, cz_error *err)
{
    if (avg) {
        cz_status s = ct_ema_save(avg, t->net, ema_path, c->step, err);
        if (s) return s;
    }
    size_t n = 2 * ((size_t)cz_net_param_count(t->net) + (t->disc ? (size_t)cz_net_param_count(t->disc) : 0));
    cz_st_entry *e = calloc(n + 1, sizeof *e);
    char (*names)[112] = calloc(n + 1, sizeof *names);
    if (!e || !names) {
        free(e);
        free(names);
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    size_t k = optim_entries(e, names, t->net, t->opt);
    if (t->disc) k += optim_entries(e + k, names + k, t->disc, t->dopt);

    char s_step[32], s_base[32], s_sched[32], s_seed[32], s_net[32], s_batch[32], s_total[32], s_lr[32],
        s_lambda[32], s_crop[32], s_ema[32];
    snprintf(s_step, sizeof s_step, "%ld", c->step);
    snprintf(s_base, sizeof s_base, "%ld", c->adam_base);
    snprintf(s_sched, sizeof s_sched, "%ld", c->schedule_from);
    snprintf(s_seed, sizeof s_seed, "%" PRIu64, c->seed);
    snprintf(s_net, sizeof s_net, "%" PRIu64, c->net_seed);
    snprintf(s_batch, sizeof s_batch, "%d", c->batch);
    snprintf(s_total, sizeof s_total, "%ld", c->total_steps);
    snprintf(s_lr, sizeof s_lr, "%g", c->lr);
    snprintf(s_lambda, sizeof s_lambda, "%g", c->lambda);
    snprintf(s_crop, sizeof s_crop, "%g", c->crop_scale);
    snprintf(s_ema, sizeof s_ema, "%g", c->ema_decay);
    const char *meta[] = {"step", s_step, "adam_base", s_base, "seed", s_seed, "net_seed", s_net,
                          "batch", s_batch, "total_steps", s_total, "lr", s_lr, "schedule", c->schedule,
                          "schedule_from", s_sched, "lambda", s_lambda, "crop_scale", s_crop,
                          "command", c->command, "trainer", "corolization-train",
                          avg ? "ema_decay" : NULL, s_ema, NULL};
    cz_status s = cz_model_save(m, path, CZ_DTYPE_F32, e, k, meta, err);
    free(e);
    free(names);
    return s;
}

/* Reads tensor name [count] of st into dst, which the architecture sized. */
static cz_status read_moment(float *dst, const cz_safetensors *st, const char *name, const cz_param *p,
                             cz_error *err)
{
    const cz_st_tensor *t = cz_safetensors_find(st, name);
    if (!t) return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "tensor \"%s\" is missing from the checkpoint", name);
    bool same = t->ndim == p->ndim;
    for (int d = 0; same && d < p->ndim; d++) same = t->shape[d] == p->shape[d];
    if (!same) return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "tensor \"%s\" has another shape than \"%s\"", name,
                                   p->name);
    return cz_st_tensor_read_f32(t, dst, p->count, err);
}

static cz_status load_net_optim(cz_net *net, cz_optim *o, const cz_safetensors *st, cz_error *err)
{
    char name[112];
    for (int i = 0; i < cz_net_param_count(net); i++) {
        const cz_param *p = cz_net_param(net, i);
        float *mm = cz_optim_moment(o, i, 0), *vv = cz_optim_moment(o, i, 1);
        if (!mm) continue;
        snprintf(name, sizeof name, "optim.m.%s", p->name);
        cz_status s = read_moment(mm, st, name, p, err);
        snprintf(name, sizeof name, "optim.v.%s", p->name);
        if (!s) s = read_moment(vv, st, name, p, err);
        if (s) return s;
        /* Adam divides by sqrt(v): a NaN or a negative v would turn the
         * weights to NaN at the first step, with no word why. */
        for (size_t k = 0; k < p->count; k++)
            if (!isfinite(mm[k]) || !isfinite(vv[k]) || vv[k] < 0)
                return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "optimiser state of \"%s\" holds %s (element %zu)",
                                    p->name, vv[k] < 0 ? "a negative second moment" : "a value that is not finite",
                                    k);
    }
    return CZ_STATUS_OK;
}

cz_status ct_checkpoint_load_optim(ct_trainer *t, const char *path, cz_error *err)
{
    cz_safetensors *st = cz_safetensors_open(path, err);
    if (!st) return err ? err->status : CZ_STATUS_IO_ERROR;
    bool any = false;
    for (size_t i = 0; i < cz_safetensors_count(st) && !any; i++)
        any = !strncmp(cz_safetensors_get(st, i)->name, "optim.", 6);
    cz_status s;
    if (!any) {
        s = cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "%s holds no optimiser state (not a checkpoint)", path);
    } else {
        s = load_net_optim(t->net, t->opt, st, err);
        if (!s && t->disc) s = load_net_optim(t->disc, t->dopt, st, err);
        if (s && err) {
            char reason[sizeof err->msg];
            memcpy(reason, err->msg, sizeof reason);
            cz_error_set(err, s, "%s: %s", path, reason);
        }
    }
    cz_safetensors_close(st);
    return s;
}
