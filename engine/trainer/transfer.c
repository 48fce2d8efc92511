/* transfer.c: colorful -> hints (see transfer.h). */
#include "transfer.h"

#include <stdio.h>
#include <string.h>

/* hints' name for colorful's conv8 tensors (ECCV16's Sequential has no
 * leading ReLU or batch norm there; SIGGRAPH17's block 8 starts after its
 * separate upsampling). */
static const char *const renames[][2] = {
    {"model8.0.", "model8up.0."}, {"model8.2.", "model8.1."}, {"model8.4.", "model8.3."}};

static bool same_shape(const cz_param *a, const cz_param *b)
{
    return a->ndim == b->ndim && !memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof a->shape[0]);
}

cz_status ct_transfer_colorful_to_hints(cz_model *hints, cz_model *from, int *taken, cz_error *err)
{
    const cz_model_config *hc = cz_model_get_config(hints), *fc = cz_model_get_config(from);
    if (strcmp(hc->arch, "hints") || strcmp(fc->arch, "colorful"))
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "a hints net starts from a colorful model, not %s",
                            fc->arch);
    if (hc->width != fc->width)
        return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "the colorful model has width %g, the hints net %g",
                            fc->width, hc->width);
    cz_net *dst = cz_model_get_net(hints), *src = cz_model_get_net(from);
    const cz_quant *qt = cz_model_get_quant(from), *hq = cz_model_get_quant(hints);
    /* The statistics are copied bin for bin, so both must be over the same bins. */
    if (qt->q != hq->q || memcmp(qt->ab, hq->ab, (size_t)qt->q * sizeof qt->ab[0]))
        return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                            "the colorful model is over %d ab bins other than the hints net's %d (a hints net "
                            "starts from a colorful model over the computed grid)", qt->q, hq->q);
    int n = 0;
    for (int i = 0; i < cz_net_param_count(src); i++) {
        const cz_param *s = cz_net_param(src, i);
        char name[112];
        snprintf(name, sizeof name, "%s", s->name);
        for (size_t r = 0; r < sizeof renames / sizeof renames[0]; r++)
            if (!strncmp(s->name, renames[r][0], strlen(renames[r][0])))
                snprintf(name, sizeof name, "%s%s", renames[r][1], s->name + strlen(renames[r][0]));
        if (!strncmp(s->name, "model8.6.", 9)) { /* the classifier: its bins' rows of the grid head */
            snprintf(name, sizeof name, "model_class.0.%s", s->name + 9);
            cz_param *d = cz_net_param_find(dst, name);
            const size_t row = s->count / (size_t)qt->q;
            if (!d || d->count != row * 529)
                return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "no grid head for \"%s\"", s->name);
            /* Bins outside colorful's gamut start improbable. */
            for (size_t k = 0; k < d->count; k++) d->data[k] = row == 1 ? -10.0f : 0.0f;
            for (int ia = 0; ia < 23; ia++)
                for (int ib = 0; ib < 23; ib++)
                    if (qt->grid[ia][ib] >= 0)
                        memcpy(d->data + (size_t)(ia * 23 + ib) * row, s->data + (size_t)qt->grid[ia][ib] * row,
                               row * sizeof(float));
            n++;
            continue;
        }
        cz_param *d = cz_net_param_find(dst, name);
        if (!d) continue;
        if (same_shape(s, d)) {
            memcpy(d->data, s->data, s->count * sizeof(float));
        } else if (!strcmp(name, "model1.0.weight") && d->ndim == 4 && s->shape[1] == 1 &&
                   d->shape[0] == s->shape[0] && d->shape[2] == s->shape[2] && d->shape[3] == s->shape[3]) {
            /* L's kernels into channel 0; the hint channels start at zero. */
            const size_t k = (size_t)s->shape[2] * s->shape[3], cin = (size_t)d->shape[1];
            memset(d->data, 0, d->count * sizeof(float));
            for (int o = 0; o < s->shape[0]; o++) memcpy(d->data + o * cin * k, s->data + o * k, k * sizeof(float));
        } else {
            return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "\"%s\" and \"%s\" differ in shape", s->name, name);
        }
        n++;
    }
    memcpy(cz_model_get_prior(hints), cz_model_get_prior(from), (size_t)qt->q * sizeof(float));
    memcpy(cz_model_get_class_weights(hints), cz_model_get_class_weights(from), (size_t)qt->q * sizeof(float));
    if (taken) *taken = n;
    return CZ_STATUS_OK;
}
