/* model.c: models as files and as colorizers. One loader serves every
 * architecture: the file's metadata names the architecture and its
 * hyper-parameters, arch_*.c builds the network, and each parameter is then
 * looked up by name and checked against the shape the architecture expects
 * before a byte of it is read.
 *
 * The model owns its weights (one cz_weights); every network is a plan for
 * one input size and batch built on them: the trainer's at cfg.size, the
 * inference net at the size last predicted, each training lane's. */
#include "model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "safetensors.h"
#include "upsample.h"

struct cz_model {
    cz_model_config cfg;
    const cz_arch *arch;
    cz_weights *weights;      /* the colorizer's parameters */
    cz_weights *disc_weights; /* the PatchGAN's, only when training */
    cz_net *net; /* at cfg.size, the one the trainer drives */
    cz_arch_nodes nodes;
    cz_net *disc;
    int disc_in, disc_out;
    cz_net *infer; /* on the same weights, at the last predicted size */
    cz_arch_nodes infer_nodes;
    int infer_h, infer_w;
    cz_quant *quant;
    float *prior, *class_weights; /* [q] */
    cz_safetensors *file;   /* kept open for metadata */
    float mask_offset;      /* the arch's, or the file's "mask_offset" (an imported net's) */
};

/* Only a model whose output is ab can be shown to a discriminator. */
static cz_status check_adversarial(const cz_arch *a, cz_error *err)
{
    if (a->output == CZ_OUTPUT_AB) return CZ_STATUS_OK;
    return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "only models that regress ab can be adversarial, not %s",
                        a->name);
}

static cz_status check_config(const cz_model_config *cfg, cz_error *err)
{
    return cz_arch_check_config(cfg, err);
}

static int model_q(const cz_model *m) { return m->quant ? m->quant->q : 2; }

/* Puts "<printf>: " before the message already in err; returns s. */
static cz_status error_prefix(cz_status s, cz_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cz_status error_prefix(cz_status s, cz_error *err, const char *fmt, ...)
{
    if (!err) return s;
    char what[sizeof err->msg], reason[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, cz_error_text(fmt), ap);
    va_end(ap);
    memcpy(reason, err->msg, sizeof reason);
    return cz_error_set(err, s, "%s: %s", what, reason);
}

/* Builds the architecture for an h x w input into a fresh net on the
 * model's weights: a first plan names and sizes them (allocated later, see
 * commit_net), a later one must find every parameter there. */
static cz_net *plan_net(const cz_model *m, cz_arch_nodes *nodes, int h, int w, cz_error *err)
{
    cz_net *net = cz_net_new_on(m->weights);
    if (!net) {
        cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    cz_net_defer_params(net);
    if (m->arch->build(net, nodes, &m->cfg, model_q(m), h, w, err)) {
        cz_net_free(net);
        return NULL;
    }
    return net;
}

/* Allocates a planned net's weights (a no-op when they already are), and
 * its activations at batch 1 when asked, once the estimate of both says
 * they fit in memory. */
static cz_status commit_net(const cz_model *m, cz_net *net, int h, int w, bool activations, cz_error *err)
{
    cz_status s = cz_net_check_memory(net, 1, false, err);
    if (s) return error_prefix(s, err, "a %s model at %dx%d px", m->cfg.arch, w, h);
    s = cz_net_alloc_params(net, err);
    if (!s && activations) s = cz_net_set_batch(net, 1, false, err);
    return s;
}

/* Builds the architecture into a fresh net for an h x w input, ready for
 * inference at batch 1 (the trainer sets its own batch later). */
static cz_net *build_net(const cz_model *m, cz_arch_nodes *nodes, int h, int w, cz_error *err)
{
    cz_net *net = plan_net(m, nodes, h, w, err);
    if (net && commit_net(m, net, h, w, true, err)) {
        cz_net_free(net);
        return NULL;
    }
    return net;
}

/* Builds pix2pix's PatchGAN for m's size into a fresh net on the
 * discriminator's weights, as plan_net. */
static cz_net *plan_disc(const cz_model *m, int *in, int *out, cz_error *err)
{
    cz_net *net = cz_net_new_on(m->disc_weights);
    if (!net) {
        cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    cz_net_defer_params(net);
    if (cz_arch_patchgan_build(net, in, out, &m->cfg, err)) {
        cz_net_free(net);
        return NULL;
    }
    return net;
}

/* The same, parameters allocated (weights not set). */
static cz_net *build_disc(const cz_model *m, int *in, int *out, cz_error *err)
{
    cz_net *net = plan_disc(m, in, out, err);
    if (net && commit_net(m, net, m->cfg.size, m->cfg.size, false, err)) {
        cz_net_free(net);
        return NULL;
    }
    return net;
}

void cz_model_free(cz_model *m)
{
    if (!m) return;
    cz_net_free(m->net);
    cz_net_free(m->disc);
    cz_net_free(m->infer);
    cz_weights_free(m->weights);
    cz_weights_free(m->disc_weights);
    free(m->quant);
    free(m->prior);
    free(m->class_weights);
    if (m->file) cz_safetensors_close(m->file);
    free(m);
}

static cz_status add_disc(cz_model *m, uint64_t *rng, cz_error *err)
{
    if (!m->disc_weights && !(m->disc_weights = cz_weights_new()))
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    m->disc = build_disc(m, &m->disc_in, &m->disc_out, err);
    if (!m->disc) return err ? err->status : CZ_STATUS_INVALID_ARGUMENT;
    cz_net_init_weights(m->disc, CZ_INIT_XAVIER, rng);
    m->cfg.adversarial = true;
    return CZ_STATUS_OK;
}

cz_status cz_model_add_discriminator(cz_model *m, uint64_t seed, cz_error *err)
{
    if (m->disc) return CZ_STATUS_OK;
    cz_status s = check_adversarial(m->arch, err);
    uint64_t rng = seed;
    if (!s) s = add_disc(m, &rng, err);
    if (s) {
        cz_net_free(m->disc);
        cz_weights_free(m->disc_weights);
        m->disc = NULL, m->disc_weights = NULL;
    }
    return s;
}

/* A model without networks: the config and, for classifiers, the
 * quantisation with a uniform prior and unit class weights: over bins [q, 2]
 * when given (a file's "quant.bins"), else over the computed grid. */
static cz_model *model_alloc(const cz_model_config *cfg, const float *bins, int q, cz_error *err)
{
    if (check_config(cfg, err)) return NULL;
    cz_model *m = calloc(1, sizeof *m);
    if (!m) {
        cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->arch = cz_arch_find(cfg->arch);
    m->mask_offset = m->arch->mask_offset;
    if (!(m->weights = cz_weights_new())) goto oom;
    if (m->arch->output == CZ_OUTPUT_LOGITS || m->arch->hints) { /* hints: its class head trains on the bins */
        m->quant = malloc(sizeof *m->quant);
        if (!m->quant) goto oom;
        if (bins ? cz_quant_set_bins(m->quant, bins, q, err) : cz_quant_init(m->quant, err)) goto fail;
        m->prior = malloc((size_t)m->quant->q * sizeof(float));
        m->class_weights = malloc((size_t)m->quant->q * sizeof(float));
        if (!m->prior || !m->class_weights) goto oom;
        for (int i = 0; i < m->quant->q; i++) m->prior[i] = 1.0f / m->quant->q, m->class_weights[i] = 1.0f;
    }
    return m;
oom:
    cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
fail:
    cz_model_free(m);
    return NULL;
}

cz_model *cz_model_new(const cz_model_config *cfg, uint64_t seed, cz_error *err)
{
    return cz_model_new_binned(cfg, NULL, 0, seed, err);
}

cz_model *cz_model_new_binned(const cz_model_config *cfg, const float *bins, int q, uint64_t seed, cz_error *err)
{
    cz_model *m = model_alloc(cfg, bins, q, err);
    if (!m) return NULL;
    m->net = build_net(m, &m->nodes, cfg->size, cfg->size, err);
    if (!m->net) goto fail;
    uint64_t rng = seed;
    cz_net_init_weights(m->net, CZ_INIT_XAVIER, &rng);
    if ((cfg->adversarial || m->arch->adversarial) && add_disc(m, &rng, err)) goto fail;
    cz_net_set_seed(m->net, rng);
    return m;
fail:
    cz_model_free(m);
    return NULL;
}

cz_status cz_model_set_size(cz_model *m, int size, cz_error *err)
{
    if (size == m->cfg.size) return CZ_STATUS_OK;
    const int old = m->cfg.size;
    cz_net *net = NULL, *disc = NULL;
    cz_arch_nodes nodes;
    int disc_in = -1, disc_out = -1;
    cz_status s = CZ_STATUS_OK;
    m->cfg.size = size; /* the builders read it (fusion's global path, U-Net depth, PatchGAN) */
    if ((s = check_config(&m->cfg, err))) goto fail;
    /* The new plans are built on the same weights, which are closed: a
     * parameter that depends on the size fails the build. */
    net = build_net(m, &nodes, size, size, err);
    if (!net) {
        s = error_prefix(err ? err->status : CZ_STATUS_INVALID_ARGUMENT, err, "a %s network at %d px", m->cfg.arch,
                         size);
        goto fail;
    }
    if (m->disc) {
        disc = build_disc(m, &disc_in, &disc_out, err);
        if (!disc) {
            s = error_prefix(err ? err->status : CZ_STATUS_INVALID_ARGUMENT, err, "PatchGAN at %d px", size);
            goto fail;
        }
    }
    cz_net_set_seed(net, cz_net_get_seed(m->net));
    cz_net_free(m->net);
    m->net = net, m->nodes = nodes;
    if (m->disc) {
        cz_net_free(m->disc);
        m->disc = disc, m->disc_in = disc_in, m->disc_out = disc_out;
    }
    return CZ_STATUS_OK;
fail:
    m->cfg.size = old;
    cz_net_free(net);
    cz_net_free(disc);
    return s;
}

/* ---- loading ------------------------------------------------------------ */

static cz_status parse_config(cz_model_config *cfg, const cz_safetensors *st, cz_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    const char *arch = cz_safetensors_metadata(st, "arch");
    const char *width = cz_safetensors_metadata(st, "width");
    const char *size = cz_safetensors_metadata(st, "size");
    const char *classes = cz_safetensors_metadata(st, "classes");
    const char *names = cz_safetensors_metadata(st, "class_names");
    const char *adv = cz_safetensors_metadata(st, "adversarial");
    const char *version = cz_safetensors_metadata(st, "format_version");
    const char *white = cz_safetensors_metadata(st, "lab_white");
    if (!arch || !width || !size)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                            "not a corolization model: its metadata lacks \"arch\", \"width\" or \"size\"");
    /* A later format may mean something else by the same tensors: refuse it
     * rather than colour with it wrongly. Files without the keys are 1, D50. */
    if (version && strcmp(version, CZ_MODEL_FORMAT_VERSION))
        return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                            "model format version \"%.16s\" is not one this corolization reads (%s); a newer "
                            "corolization may", version, CZ_MODEL_FORMAT_VERSION);
    if (white && strcmp(white, "D50") && strcmp(white, "D65"))
        return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                            "the model works in Lab with white \"%.16s\"; this corolization knows D50 (babl's "
                            "Lab) and D65 (skimage's)", white);
    cfg->white = white && !strcmp(white, "D65") ? CZ_LAB_D65 : CZ_LAB_D50;
    if (strlen(arch) >= sizeof cfg->arch)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "architecture name too long");
    strcpy(cfg->arch, arch);
    char *end;
    cfg->width = strtof(width, &end);
    if (*end || end == width) return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "width \"%s\" is not a number", width);
    long v = strtol(size, &end, 10);
    if (*end || end == size || v < 0 || v > 1 << 20)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "size \"%s\" is not a size", size);
    cfg->size = (int)v;
    if (classes) {
        v = strtol(classes, &end, 10);
        if (*end || end == classes || v < 0 || v > CZ_MODEL_MAX_CLASSES)
            return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "classes \"%s\" is not a class count", classes);
        cfg->classes = (int)v;
    }
    if (adv && strcmp(adv, "0") && strcmp(adv, "1"))
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "adversarial \"%s\" is not 0 or 1", adv);
    cfg->adversarial = adv && !strcmp(adv, "1");
    if (names) {
        int k = 0;
        const char *p = names;
        while (*p && k < cfg->classes) {
            size_t len = strcspn(p, ",");
            snprintf(cfg->class_names[k++], sizeof cfg->class_names[0], "%.*s", (int)len, p);
            p += len + (p[len] == ',');
        }
    }
    return check_config(cfg, err);
}

/* Checks that tensor `name` is in the file with exactly `shape`. */
static cz_status check_tensor(const cz_safetensors *st, const char *name, int ndim, const int *shape,
                              cz_error *err)
{
    const cz_st_tensor *t = cz_safetensors_find(st, name);
    if (!t) return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "tensor \"%s\" is missing from the model file", name);
    bool same = t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++) same = t->shape[d] == shape[d];
    if (!same) {
        char want[64] = "", got[64] = "";
        for (int d = 0; d < ndim; d++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", d ? "x" : "", shape[d]);
        for (int d = 0; d < t->ndim && d < 4; d++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? "x" : "", (long long)t->shape[d]);
        return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH,
                            "tensor \"%s\" has shape [%s] where the architecture needs [%s]", name, got, want);
    }
    return CZ_STATUS_OK;
}

/* Copies tensor `name` into dst after checking it has exactly `shape`. */
static cz_status load_tensor(float *dst, const cz_safetensors *st, const char *name, int ndim,
                             const int *shape, size_t count, cz_error *err)
{
    cz_status s = check_tensor(st, name, ndim, shape, err);
    return s ? s : cz_st_tensor_read_f32(cz_safetensors_find(st, name), dst, count, err);
}

static bool has_prefix(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Every planned weight, present with its shape, before any memory is given
 * to them. */
static cz_status check_params(cz_weights *w, const cz_safetensors *st, cz_error *err)
{
    for (int i = 0; i < cz_weights_count(w); i++) {
        const cz_weight *p = cz_weights_get(w, i);
        cz_status s = check_tensor(st, p->name, p->ndim, p->shape, err);
        if (s) return s;
    }
    return CZ_STATUS_OK;
}

/* Reads every parameter and rejects values no trained network holds: NaN
 * or infinity anywhere, and a negative batch-norm variance (eval divides by
 * sqrt(var + eps), which would weaken or flip the colour without a word). */
static cz_status load_params(cz_weights *w, const cz_safetensors *st, cz_error *err)
{
    for (int i = 0; i < cz_weights_count(w); i++) {
        cz_weight *p = cz_weights_get(w, i);
        cz_status s = load_tensor(p->data, st, p->name, p->ndim, p->shape, p->count, err);
        if (s) return s;
        const bool var = ends_with(p->name, ".running_var");
        for (size_t k = 0; k < p->count; k++) {
            if (!isfinite(p->data[k]))
                return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                                    "tensor \"%s\" holds a value that is not finite (element %zu)", p->name, k);
            if (var && p->data[k] < 0)
                return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                                    "tensor \"%s\" holds a negative variance (%g, element %zu)", p->name,
                                    p->data[k], k);
        }
    }
    return CZ_STATUS_OK;
}

/* The file's ab bins, "quant.bins" [Q, 2] F32-readable, into a fresh *bins
 * (caller frees); none (a file from before they were data) leaves *bins NULL
 * and the computed grid is used. Their values are checked by
 * cz_quant_set_bins, the head's channels against Q by the shapes. */
static cz_status read_bins(float **bins, int *q, const cz_safetensors *st, cz_error *err)
{
    *bins = NULL, *q = 0;
    const cz_st_tensor *t = cz_safetensors_find(st, "quant.bins");
    if (!t) return CZ_STATUS_OK;
    if (t->ndim != 2 || t->shape[1] != 2 || t->shape[0] < CZ_QUANT_NEIGHBOURS || t->shape[0] > CZ_QUANT_MAX_BINS)
        return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH,
                            "tensor \"quant.bins\" is not [Q, 2] ab bin centres with %d <= Q <= %d",
                            CZ_QUANT_NEIGHBOURS, CZ_QUANT_MAX_BINS);
    const int n = (int)t->shape[0];
    float *b = malloc((size_t)n * 2 * sizeof(float));
    if (!b) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    cz_status s = cz_st_tensor_read_f32(t, b, (size_t)n * 2, err);
    if (s) {
        free(b);
        return s;
    }
    *bins = b, *q = n;
    return CZ_STATUS_OK;
}

/* Builds the model a parsed file describes, taking ownership of st: the
 * network is planned, the file's tensors checked against it and the memory
 * estimated before anything large is allocated, and the weights are read,
 * not initialised. For inference nothing of training is built and the
 * discriminator's tensors ("disc.*") are skipped; for training they are
 * loaded (or, absent, initialised afresh). */
static cz_model *model_from_file(cz_safetensors *st, bool training, cz_error *err)
{
    cz_model_config cfg;
    if (parse_config(&cfg, st, err)) {
        cz_safetensors_close(st);
        return NULL;
    }
    float *bins = NULL;
    int nbins = 0;
    const cz_arch *arch = cz_arch_find(cfg.arch);
    if (arch->output == CZ_OUTPUT_LOGITS || arch->hints) {
        if (read_bins(&bins, &nbins, st, err)) {
            cz_safetensors_close(st);
            return NULL;
        }
    }
    cz_model *m = model_alloc(&cfg, bins, nbins, err);
    free(bins);
    if (!m) {
        if (err && nbins) error_prefix(err->status, err, "tensor \"quant.bins\"");
        cz_safetensors_close(st);
        return NULL;
    }
    m->file = st;
    const char *mo = cz_safetensors_metadata(st, "mask_offset");
    if (mo) {
        char *end;
        m->mask_offset = strtof(mo, &end);
        if (*end || end == mo || !(m->mask_offset >= -1.0f && m->mask_offset <= 1.0f)) {
            cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "mask_offset \"%.16s\" is not a number in [-1, 1]", mo);
            goto fail;
        }
    }
    m->net = plan_net(m, &m->nodes, cfg.size, cfg.size, err);
    if (!m->net) goto fail;
    const bool adversarial = cfg.adversarial || m->arch->adversarial;
    if (training && adversarial) {
        if (!(m->disc_weights = cz_weights_new())) {
            cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
            goto fail;
        }
        if (!(m->disc = plan_disc(m, &m->disc_in, &m->disc_out, err))) goto fail;
    }
    bool has_disc = false;
    for (size_t i = 0; i < cz_safetensors_count(st); i++) {
        const char *name = cz_safetensors_get(st, i)->name;
        const bool disc = has_prefix(name, "disc.");
        if (disc) has_disc = true;
        bool known = has_prefix(name, "optim.") || ends_with(name, ".num_batches_tracked") ||
                     (m->quant && (!strcmp(name, "quant.prior") || !strcmp(name, "quant.weights") ||
                                      !strcmp(name, "quant.bins"))) ||
                     cz_weights_find(m->weights, name) ||
                     (disc && (m->disc ? cz_weights_find(m->disc_weights, name) != NULL : adversarial));
        if (!known) {
            cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH,
                         "tensor \"%s\" does not belong to a %s model", name, cfg.arch);
            goto fail;
        }
    }
    int q = model_q(m);
    /* A classifier decodes with its bins' statistics; a hints net only
     * trains with them, and a file without them (an imported one) starts
     * from a uniform prior. */
    const bool has_quant = m->quant && (m->arch->output == CZ_OUTPUT_LOGITS || cz_safetensors_find(st, "quant.prior") ||
                                        cz_safetensors_find(st, "quant.weights"));
    if (check_params(m->weights, st, err) || (m->disc && has_disc && check_params(m->disc_weights, st, err)) ||
        (has_quant && (check_tensor(st, "quant.prior", 1, &q, err) || check_tensor(st, "quant.weights", 1, &q, err))))
        goto fail;
    /* The net at its own size gets activations only when used (prediction
     * builds its own plan, the trainer sets its batch), but a model that
     * could not run at its own size is refused now. */
    if (commit_net(m, m->net, cfg.size, cfg.size, false, err) ||
        (m->disc && commit_net(m, m->disc, cfg.size, cfg.size, false, err)))
        goto fail;
    if (load_params(m->weights, st, err)) goto fail;
    if (m->disc && has_disc && load_params(m->disc_weights, st, err)) goto fail;
    if (m->disc && !has_disc) {
        uint64_t rng = 0;
        cz_net_init_weights(m->disc, CZ_INIT_XAVIER, &rng);
    }
    if (has_quant) {
        if (load_tensor(m->prior, st, "quant.prior", 1, &q, (size_t)q, err) ||
            load_tensor(m->class_weights, st, "quant.weights", 1, &q, (size_t)q, err))
            goto fail;
        for (int i = 0; i < q; i++)
            if (!isfinite(m->prior[i]) || !isfinite(m->class_weights[i]) || m->prior[i] < 0 ||
                m->class_weights[i] < 0) {
                cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "tensor \"quant.prior\"/\"quant.weights\" holds invalid values");
                goto fail;
            }
    }
    return m;
fail:
    cz_model_free(m);
    return NULL;
}

static cz_model *model_load(const char *path, bool training, cz_error *err)
{
    cz_safetensors *st = cz_safetensors_open(path, err); /* its errors name path */
    if (!st) return NULL;
    cz_model *m = model_from_file(st, training, err);
    if (!m && err) error_prefix(err->status, err, "%s", path);
    return m;
}

cz_model *cz_model_load(const char *path, cz_error *err) { return model_load(path, false, err); }
cz_model *cz_model_load_for_training(const char *path, cz_error *err) { return model_load(path, true, err); }

cz_model *cz_model_load_memory(const void *data, size_t size, cz_error *err)
{
    cz_safetensors *st = cz_safetensors_open_memory(data, size, err);
    return st ? model_from_file(st, false, err) : NULL;
}

const cz_model_config *cz_model_get_config(const cz_model *m) { return &m->cfg; }

const char *cz_model_get_metadata(const cz_model *m, const char *key)
{
    return m->file ? cz_safetensors_metadata(m->file, key) : NULL;
}

int cz_model_get_multiple(const cz_model *m)
{
    return m->arch->multiple ? m->arch->multiple : m->cfg.size; /* U-Net: 2^depth = size */
}

/* ---- prediction --------------------------------------------------------- */

/* The inference plan for h x w, built when the size changed; it shares
 * the weights, so it sees every update the trainer makes. */
static cz_status prepare_infer(cz_model *m, int h, int w, cz_error *err)
{
    if (m->infer && m->infer_h == h && m->infer_w == w) return CZ_STATUS_OK;
    cz_net_free(m->infer);
    m->infer_h = m->infer_w = 0;
    m->infer = build_net(m, &m->infer_nodes, h, w, err);
    if (!m->infer) return err ? err->status : CZ_STATUS_INVALID_ARGUMENT;
    m->infer_h = h, m->infer_w = w;
    return CZ_STATUS_OK;
}

bool cz_model_takes_hints(const cz_model *m) { return m->arch->hints; }

void cz_model_encode_hints(const cz_model *m, float *dst, const float *hint_ab, const float *mask, size_t n)
{
    const float s = m->arch->ab_scale, o = m->arch->ab_offset, mo = m->mask_offset;
    for (size_t i = 0; i < n; i++) {
        const bool on = hint_ab && mask && mask[i] > 0.5f;
        dst[i] = on ? hint_ab[i] * s + o : 0.0f;
        dst[n + i] = on ? hint_ab[n + i] * s + o : 0.0f;
        dst[2 * n + i] = (on ? 1.0f : 0.0f) + mo;
    }
}

cz_status cz_model_predict(cz_model *m, float *ab, float *confidence, const float *L, int h, int w,
                           float temperature, cz_error *err)
{
    return cz_model_predict_hints(m, ab, confidence, L, NULL, h, w, temperature, err);
}

bool cz_model_takes_reference(const cz_model *m) { return m->arch->output == CZ_OUTPUT_LOGITS && m->quant; }

/* One rule for a file's header and a loaded model: a classifier carries its
 * quant, so its logits are a distribution over ab bins. */
static cz_model_uses arch_uses(const cz_arch *a) { return (cz_model_uses){a->output == CZ_OUTPUT_LOGITS, a->hints}; }

void cz_model_get_uses(const cz_model *m, cz_model_uses *uses) { *uses = arch_uses(m->arch); }

cz_status cz_model_file_uses(const char *path, cz_model_uses *uses, cz_error *err)
{
    cz_safetensors *st = cz_safetensors_open(path, err);
    if (!st) return err ? err->status : CZ_STATUS_IO_ERROR;
    const char *name = cz_safetensors_metadata(st, "arch");
    const cz_arch *a = name ? cz_arch_find(name) : NULL;
    cz_status s = CZ_STATUS_OK;
    if (!a)
        s = cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "%s: unknown architecture \"%s\"", path, name ? name : "");
    else
        *uses = arch_uses(a);
    cz_safetensors_close(st);
    return s;
}

cz_status cz_model_check_reference(const cz_model *m, cz_error *err)
{
    if (cz_model_takes_reference(m)) return CZ_STATUS_OK;
    return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                        "the %s model predicts colours directly, not a distribution over colour bins, so it "
                        "cannot use a reference photo (a colorful model can)", m->cfg.arch);
}

cz_status cz_model_predict_hints(cz_model *m, float *ab, float *confidence, const float *L, const cz_hints *hints,
                                 int h, int w, float temperature, cz_error *err)
{
    return cz_model_predict_reference(m, ab, confidence, L, hints, NULL, 0.0f, h, w, temperature, err);
}

cz_status cz_model_predict_reference(cz_model *m, float *ab, float *confidence, const float *L,
                                     const cz_hints *hints, const cz_reference *ref, float strength, int h, int w,
                                     float temperature, cz_error *err)
{
    return cz_model_predict_progress(m, ab, confidence, L, hints, ref, strength, h, w, temperature, NULL, NULL, err);
}

cz_status cz_model_predict_progress(cz_model *m, float *ab, float *confidence, const float *L,
                                    const cz_hints *hints, const cz_reference *ref, float strength, int h, int w,
                                    float temperature, cz_net_progress progress, void *user, cz_error *err)
{
    if (ref) {
        cz_status s = cz_model_check_reference(m, err);
        if (s) return s;
        if (cz_reference_get_bins(ref) != m->quant->q)
            return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "the reference is over %d colour bins, the model's %d",
                                cz_reference_get_bins(ref), m->quant->q);
        if (!(strength >= 0.0f && strength <= 2.0f))
            return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "reference strength %g is outside 0 to 2", strength);
    }
    if (hints && !m->arch->hints)
        return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                            "the %s model cannot take colour hints (a hints model can)", m->cfg.arch);
    const int mult = cz_model_get_multiple(m);
    if (h <= 0 || w <= 0 || h % mult || w % mult)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT,
                            "network input %dx%d is not a multiple of %d", w, h, mult);
    if (m->arch->output == CZ_OUTPUT_AB && confidence)
        return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                            "the %s model predicts colours directly and has no distribution to measure confidence",
                            m->cfg.arch);
    if (!(temperature > 0) || temperature > 10)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "temperature %g is outside (0, 10]", temperature);
    cz_status s = prepare_infer(m, h, w, err);
    if (s) return s;
    const size_t n = (size_t)h * w;
    float *x = cz_net_data(m->infer, m->infer_nodes.input);
    cz_model_encode_input(m, x, L, n);
    if (m->arch->hints) cz_model_encode_hints(m, x + n, hints ? hints->ab : NULL, hints ? hints->mask : NULL, n);
    if (m->infer_nodes.global_input >= 0) {
        /* Iizuka's global path sees the whole image at the training size. */
        const int S = m->cfg.size;
        float *g = cz_net_data(m->infer, m->infer_nodes.global_input);
        float *tmp = malloc(n * sizeof(float));
        if (!tmp) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
        cz_model_encode_input(m, tmp, L, n);
        cz_upsample_forward(g, tmp, 1, h, w, S, S);
        free(tmp);
    }
    if (!cz_net_forward_progress(m->infer, progress, user)) return cz_error_set(err, CZ_STATUS_CANCELLED, "cancelled");
    const float *out = cz_net_data(m->infer, m->infer_nodes.output);
    if (m->arch->output == CZ_OUTPUT_AB) {
        cz_model_target_to_ab(m, ab, out, 2 * n);
        return CZ_STATUS_OK;
    }
    int oh, ow;
    cz_net_node_shape(m->infer, m->infer_nodes.output, NULL, &oh, &ow);
    const size_t on = (size_t)oh * ow;
    float *lo = malloc(3 * on * sizeof(float));
    if (!lo) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    /* strength 0 is no prior at all, so it decodes exactly as without one */
    float lp[CZ_QUANT_MAX_BINS];
    const bool prior = ref && strength > 0.0f;
    if (prior) cz_reference_log_prior(lp, ref, m->prior, strength, temperature);
    cz_quant_decode(lo, lo + 2 * on, out, prior ? lp : NULL, (int)on, temperature, m->quant);
    if (prior) cz_reference_match_chroma(ref, lo, on, strength);
    cz_upsample_forward(ab, lo, 2, oh, ow, h, w);
    if (confidence) cz_upsample_forward(confidence, lo + 2 * on, 1, oh, ow, h, w);
    free(lo);
    return CZ_STATUS_OK;
}

/* ---- the trainer's view ------------------------------------------------- */

cz_net *cz_model_get_net(cz_model *m) { return m->net; }

cz_net *cz_model_new_lane(cz_model *m, cz_error *err)
{
    cz_arch_nodes nodes;
    return build_net(m, &nodes, m->cfg.size, m->cfg.size, err);
}
cz_net *cz_model_get_discriminator(cz_model *m) { return m->disc; }
int cz_model_get_disc_input_node(const cz_model *m) { return m->disc ? m->disc_in : -1; }
int cz_model_get_disc_output_node(const cz_model *m) { return m->disc ? m->disc_out : -1; }
int cz_model_get_input_node(const cz_model *m) { return m->nodes.input; }
int cz_model_get_global_input_node(const cz_model *m) { return m->nodes.global_input; }
int cz_model_get_output_node(const cz_model *m) { return m->nodes.output; }
int cz_model_get_class_node(const cz_model *m) { return m->nodes.classes; }
int cz_model_get_logits_node(const cz_model *m)
{
    return m->arch->output == CZ_OUTPUT_LOGITS ? m->nodes.output : m->nodes.logits;
}
cz_output_kind cz_model_get_output_kind(const cz_model *m) { return m->arch->output; }
const cz_quant *cz_model_get_quant(const cz_model *m) { return m->quant; }
float *cz_model_get_prior(cz_model *m) { return m->prior; }
float *cz_model_get_class_weights(cz_model *m) { return m->class_weights; }

void cz_model_encode_input(const cz_model *m, float *dst, const float *L, size_t n)
{
    const float s = m->arch->in_scale, o = m->arch->in_offset;
    for (size_t i = 0; i < n; i++) dst[i] = L[i] * s + o;
}

void cz_model_ab_to_target(const cz_model *m, float *dst, const float *ab, size_t n)
{
    const float s = m->arch->ab_scale, o = m->arch->ab_offset;
    for (size_t i = 0; i < n; i++) dst[i] = ab[i] * s + o;
}

void cz_model_target_to_ab(const cz_model *m, float *dst, const float *t, size_t n)
{
    const float s = 1.0f / m->arch->ab_scale, o = m->arch->ab_offset;
    for (size_t i = 0; i < n; i++) dst[i] = (t[i] - o) * s;
}

/* ---- saving ------------------------------------------------------------- */

static void add_entry(cz_st_entry *e, const char *name, int dtype, int ndim, const int *shape, const float *data)
{
    e->name = name;
    e->dtype = (cz_dtype)dtype;
    e->ndim = ndim;
    for (int d = 0; d < ndim; d++) e->shape[d] = shape[d];
    e->data = data;
}

/* Half precision only where it holds the values: batch-norm running
 * variances of deep ReLU layers exceed F16's 65504, and the statistics are
 * not trained, so they stay F32; so does any tensor beyond F16's range. */
static int param_dtype(const cz_weight *p, int dtype)
{
    if (dtype != CZ_DTYPE_F16 && dtype != CZ_DTYPE_BF16) return dtype;
    if (!p->trainable) return CZ_DTYPE_F32;
    if (dtype == CZ_DTYPE_F16)
        for (size_t i = 0; i < p->count; i++)
            if (!(fabsf(p->data[i]) <= 65504.0f)) return CZ_DTYPE_F32;
    return dtype;
}

cz_status cz_model_save(cz_model *m, const char *path, int dtype, const cz_st_entry *extra, size_t nextra,
                        const char *const *extra_meta, cz_error *err)
{
    cz_weights *sets[2] = {m->weights, m->disc ? m->disc_weights : NULL};
    size_t n = 3 + nextra;
    for (int j = 0; j < 2; j++)
        if (sets[j]) n += (size_t)cz_weights_count(sets[j]);
    cz_st_entry *e = calloc(n, sizeof *e);
    if (!e) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    size_t k = 0;
    for (int j = 0; j < 2; j++) {
        if (!sets[j]) continue;
        for (int i = 0; i < cz_weights_count(sets[j]); i++) {
            const cz_weight *p = cz_weights_get(sets[j], i);
            add_entry(&e[k++], p->name, param_dtype(p, dtype), p->ndim, p->shape, p->data);
        }
    }
    for (size_t i = 0; i < nextra; i++) e[k++] = extra[i];
    if (m->quant) {
        add_entry(&e[k++], "quant.prior", CZ_DTYPE_F32, 1, &m->quant->q, m->prior);
        add_entry(&e[k++], "quant.weights", CZ_DTYPE_F32, 1, &m->quant->q, m->class_weights);
        const int bshape[2] = {m->quant->q, 2};
        add_entry(&e[k++], "quant.bins", CZ_DTYPE_F32, 2, bshape, &m->quant->ab[0][0]);
    }

    char width[32], size[16], classes[16];
    char names_csv[CZ_MODEL_MAX_CLASSES * 49] = "";
    snprintf(width, sizeof width, "%g", m->cfg.width);
    snprintf(size, sizeof size, "%d", m->cfg.size);
    snprintf(classes, sizeof classes, "%d", m->cfg.classes);
    for (int c = 0; c < m->cfg.classes; c++) {
        if (c) strcat(names_csv, ",");
        strcat(names_csv, m->cfg.class_names[c]);
    }
    const char *meta[64] = {"format", "corolization", "format_version", CZ_MODEL_FORMAT_VERSION, "arch", m->cfg.arch,
                            "width", width, "size", size, "classes", classes,
                            "class_names", names_csv, "lab_white", m->cfg.white == CZ_LAB_D65 ? "D65" : "D50",
                            "adversarial", m->cfg.adversarial ? "1" : "0"};
    int nm = 18;
    char mask_offset[32];
    if (m->mask_offset != m->arch->mask_offset) {
        snprintf(mask_offset, sizeof mask_offset, "%g", m->mask_offset);
        meta[nm++] = "mask_offset";
        meta[nm++] = mask_offset;
    }
    for (int i = 0; extra_meta && extra_meta[i] && extra_meta[i + 1] && nm < 62; i += 2) {
        meta[nm++] = extra_meta[i];
        meta[nm++] = extra_meta[i + 1];
    }
    meta[nm] = NULL;
    cz_status s = cz_safetensors_write(path, e, k, meta, err);
    free(e);
    return s;
}
