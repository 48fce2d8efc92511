/* ema.c: the moving average of the weights (see ema.h). */
#include "ema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

struct ct_ema {
    int n;
    float **avg;   /* [n] copies of the parameters, in the net's order */
    double decay;
    long updates;
};

ct_ema *ct_ema_new(cz_net *net, double decay)
{
    ct_ema *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->n = cz_net_param_count(net);
    e->decay = decay;
    e->avg = calloc((size_t)e->n, sizeof *e->avg);
    if (!e->avg) { free(e); return NULL; }
    for (int i = 0; i < e->n; i++) {
        const cz_param *p = cz_net_param(net, i);
        e->avg[i] = malloc(p->count * sizeof(float));
        if (!e->avg[i]) { ct_ema_free(e); return NULL; }
        memcpy(e->avg[i], p->data, p->count * sizeof(float));
    }
    return e;
}

void ct_ema_free(ct_ema *e)
{
    if (!e) return;
    for (int i = 0; i < e->n; i++) free(e->avg[i]);
    free(e->avg);
    free(e);
}

void ct_ema_update(ct_ema *e, cz_net *net)
{
    e->updates++;
    double warm = (1.0 + (double)e->updates) / (10.0 + (double)e->updates);
    float d = (float)(e->decay < warm ? e->decay : warm);
    for (int i = 0; i < e->n; i++) {
        const cz_param *p = cz_net_param(net, i);
        float *a = e->avg[i];
        for (size_t j = 0; j < p->count; j++) a[j] = d * a[j] + (1.0f - d) * p->data[j];
    }
}

void ct_ema_swap(ct_ema *e, cz_net *net)
{
    for (int i = 0; i < e->n; i++) {
        cz_param *p = cz_net_param(net, i);
        float *a = e->avg[i];
        for (size_t j = 0; j < p->count; j++) {
            float t = p->data[j];
            p->data[j] = a[j];
            a[j] = t;
        }
    }
}

long ct_ema_updates(const ct_ema *e) { return e->updates; }

cz_status ct_ema_save(const ct_ema *e, cz_net *net, const char *path, long step, cz_error *err)
{
    cz_st_entry *ent = calloc((size_t)e->n, sizeof *ent);
    if (!ent) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < e->n; i++) {
        const cz_param *p = cz_net_param(net, i);
        ent[i] = (cz_st_entry){.name = p->name, .dtype = CZ_DTYPE_F32, .ndim = p->ndim, .data = e->avg[i]};
        for (int k = 0; k < p->ndim; k++) ent[i].shape[k] = p->shape[k];
    }
    char s_step[32], s_updates[32], s_decay[32];
    snprintf(s_step, sizeof s_step, "%ld", step);
    snprintf(s_updates, sizeof s_updates, "%ld", e->updates);
    snprintf(s_decay, sizeof s_decay, "%.17g", e->decay);
    const char *meta[] = {"step", s_step, "ema_updates", s_updates, "ema_decay", s_decay, NULL};
    cz_status s = cz_safetensors_write(path, ent, (size_t)e->n, meta, err);
    free(ent);
    return s;
}

/* A non-negative decimal integer from metadata, or -1. */
static long meta_long(const cz_safetensors *st, const char *key)
{
    const char *s = cz_safetensors_metadata(st, key);
    char *end;
    long v = s ? strtol(s, &end, 10) : -1;
    return s && *s && !*end && v >= 0 ? v : -1;
}

cz_status ct_ema_load(ct_ema *e, cz_net *net, const char *path, long step, cz_error *err)
{
    cz_safetensors *st = cz_safetensors_open(path, err);
    if (!st) return err ? err->status : CZ_STATUS_IO_ERROR;
    cz_status s = CZ_STATUS_OK;
    long at = meta_long(st, "step"), updates = meta_long(st, "ema_updates");
    if (at != step || updates < 0)
        s = cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "%s: average of step %ld, but the checkpoint is at step %ld",
                         path, at, step);
    /* Check every tensor before taking any, so a bad file leaves e whole. */
    for (int i = 0; s == CZ_STATUS_OK && i < e->n; i++) {
        const cz_param *p = cz_net_param(net, i);
        const cz_st_tensor *t = cz_safetensors_find(st, p->name);
        if (!t || t->count != p->count)
            s = cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "%s: tensor \"%s\" %s", path, p->name,
                             t ? "has another size" : "is missing");
    }
    float **tmp = s == CZ_STATUS_OK ? calloc((size_t)e->n, sizeof *tmp) : NULL;
    if (s == CZ_STATUS_OK && !tmp) s = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; s == CZ_STATUS_OK && i < e->n; i++) {
        const cz_param *p = cz_net_param(net, i);
        tmp[i] = malloc(p->count * sizeof(float));
        if (!tmp[i]) s = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
        else s = cz_st_tensor_read_f32(cz_safetensors_find(st, p->name), tmp[i], p->count, err);
    }
    for (int i = 0; tmp && i < e->n; i++) {
        if (s == CZ_STATUS_OK) {
            free(e->avg[i]);
            e->avg[i] = tmp[i];
        } else {
            free(tmp[i]);
        }
    }
    if (s == CZ_STATUS_OK) e->updates = updates;
    free(tmp);
    cz_safetensors_close(st);
    return s;
}
