/* test_parity.c: the engine against PyTorch. Runs reference.py (Debian's
 * python3-torch, independent definitions of the five architectures with the
 * engine's parameter names), which writes, per architecture, a model file
 * of random weights and a reference file; then loads each model with
 * cz_model_load and compares, tensor by tensor:
 *   - cz_model_predict on sample 0 (eval, the file's running statistics;
 *     colorful through the annealed mean at T = 0.38 and its confidence),
 *     and on another image at a non-square size (fusion's global path then
 *     runs on the input resized to the training size);
 *   - the batch output in eval mode;
 *   - the batch output in train mode (batch statistics, dropout off), the
 *     updated running statistics, and every weight gradient of
 *     sum(out * R) after one backward pass;
 *   - the same for pix2pix's PatchGAN discriminator;
 *   - for the hints net, inputs with random sparse hints, and its second
 *     head (the bin logits) compared and seeded beside the regression
 *     output, through a net built from arch.h (model.h names no such
 *     node); its predictions run without hints.
 * Before the backward, ReLU inputs within the engine's float32 error of zero
 * are put on the reference's side (align_kinks).
 * The references are computed in float64 (from float32 weights and inputs).
 * Error measure: max |engine - torch| / max |torch| per tensor; a bias is
 * measured at the scale of its layer's weight gradient when that is larger
 * (a conv bias ahead of batch norm has a zero gradient up to rounding).
 * Tolerance 1e-4, and 1e-3 for the gradients of the first third of the
 * parameters (deepest in back-propagation).
 *
 * Usage: test_parity PYTHON REFERENCE_PY WORKDIR. Fails (never skips) when
 * PyTorch is missing. Layouts: every buffer is NCHW float32. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "check.h"
#include "lab.h"
#include "model.h"
#include "net.h"
#include "quant.h"
#include "safetensors.h"

#define TOL 1e-4
#define TOL_DEEP 1e-3
#define TEMPERATURE 0.38f

typedef struct {
    check_state *cs;
    const cz_safetensors *ref;
    const char *arch;
    double worst_out, worst_grad; /* per architecture, for the summary */
} ctx;

/* Reference tensor `name` as float32 [count] (malloc'd), or NULL after a
 * failed check. */
static float *ref_read(ctx *c, const char *name, size_t count)
{
    const cz_st_tensor *t = cz_safetensors_find(c->ref, name);
    CHECK(c->cs, t != NULL, "%s: reference tensor \"%s\" missing", c->arch, name);
    if (!t) return NULL;
    CHECK(c->cs, t->count == count, "%s: \"%s\" holds %zu values, the engine %zu", c->arch, name, t->count,
          count);
    if (t->count != count) return NULL;
    float *buf = malloc(count * sizeof(float));
    cz_error err = {0};
    if (!buf || cz_st_tensor_read_f32(t, buf, count, &err)) {
        CHECK(c->cs, 0, "%s: reading \"%s\": %s", c->arch, name, err.msg);
        free(buf);
        return NULL;
    }
    return buf;
}

static double max_abs(const float *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > m) m = fabs(x[i]);
    return m;
}

/* Compares engine values a [n] with reference tensor `name`; scale (>= 0)
 * is a lower bound for the denominator. Returns the relative error. */
static double compare(ctx *c, const char *name, const float *a, size_t n, double scale, double tol, bool grad)
{
    float *b = ref_read(c, name, n);
    if (!b) return INFINITY;
    double maxdiff = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > maxdiff || isnan(d)) maxdiff = isnan(d) ? INFINITY : d;
    }
    double ref = max_abs(b, n);
    double den = ref > scale ? ref : scale;
    double rel = maxdiff / (den > 1e-30 ? den : 1e-30);
    printf("  %-8s %-36s n %-7zu max|torch| %-9.3g maxdiff %-9.3g rel %.2e (tol %.0e)\n", c->arch, name, n, ref,
           maxdiff, rel, tol);
    CHECK(c->cs, rel <= tol, "%s: %s differs from PyTorch: rel %.3g > %.0e", c->arch, name, rel, tol);
    double *w = grad ? &c->worst_grad : &c->worst_out;
    if (rel > *w || isnan(rel)) *w = rel;
    free(b);
    return rel;
}

static size_t node_size(cz_net *net, int node, int batch)
{
    int ch, h, w;
    cz_net_node_shape(net, node, &ch, &h, &w);
    return (size_t)batch * ch * h * w;
}

/* Running statistics after the training pass. */
static void compare_running(ctx *c, cz_net *net)
{
    char name[128];
    for (int i = 0; i < cz_net_param_count(net); i++) {
        cz_param *p = cz_net_param(net, i);
        if (p->trainable) continue;
        snprintf(name, sizeof name, "running.%s", p->name);
        compare(c, name, p->data, p->count, 0, TOL, false);
    }
}

/* ReLU kinks. Where a ReLU input lies within float32 error of zero, the
 * engine may take the other side than the float64 reference, and every
 * gradient behind it then differs by a whole term (either side's gradient
 * is right at a kink). The reference writes each ReLU input of its training
 * pass, "kink.K" in call order, which is the engine's node order. An input
 * on the other side passes when it is within the engine's measured error on
 * that tensor (the largest |out - x| where both are positive); the engine's
 * output there is then set to x, or 0 below zero, a change within that
 * error, so the backward takes the reference's side. Further from zero, the
 * forward is wrong: a failure. */
static void align_kinks(ctx *c, cz_net *net, int batch, const char *pfx)
{
    char name[128];
    int k = 0;
    for (int i = 0; i < cz_net_node_count(net); i++) {
        const cz_op op = cz_net_node_op(net, i);
        if (op != CZ_OP_RELU && op != CZ_OP_LEAKY_RELU) continue;
        snprintf(name, sizeof name, "%skink.%d", pfx, k++);
        const size_t n = node_size(net, i, batch);
        float *x = ref_read(c, name, n);
        if (!x) continue;
        float *out = cz_net_data(net, i);
        double ss = 0, err = 0;
        for (size_t j = 0; j < n; j++) {
            ss += (double)x[j] * x[j];
            if (x[j] > 0 && out[j] > 0 && fabs((double)out[j] - x[j]) > err) err = fabs((double)out[j] - x[j]);
        }
        const double rms = sqrt(ss / (double)n);
        for (size_t j = 0; j < n; j++) {
            if ((out[j] > 0) == (x[j] > 0)) continue;
            printf("  %-8s %s element %zu: engine on the other side of 0 at %.2e of the RMS, its error on the "
                   "tensor %.2e: backward on the reference's side\n",
                   c->arch, name, j, fabs(x[j]) / rms, err / rms);
            CHECK(c->cs, fabs(x[j]) <= err, "%s: %s element %zu is %.3g of the RMS from 0, beyond the engine's "
                  "forward error %.3g, yet the engine takes the other side", c->arch, name, j, fabs(x[j]) / rms,
                  err / rms);
            out[j] = x[j] > 0 ? x[j] : 0.0f;
        }
        free(x);
    }
    snprintf(name, sizeof name, "%skink.%d", pfx, k);
    CHECK(c->cs, cz_safetensors_find(c->ref, name) == NULL, "%s: the reference has more ReLUs than the engine's %d",
          c->arch, k);
}

/* Weight gradients; the first third of the trainable parameters (nearest
 * the input, deepest in backprop) get TOL_DEEP. */
static void compare_grads(ctx *c, cz_net *net)
{
    int ntrain = 0, k = 0;
    for (int i = 0; i < cz_net_param_count(net); i++) ntrain += cz_net_param(net, i)->trainable;
    char name[128], comp[128];
    for (int i = 0; i < cz_net_param_count(net); i++) {
        cz_param *p = cz_net_param(net, i);
        if (!p->trainable) continue;
        CHECK(c->cs, p->grad != NULL, "%s: %s has no gradient buffer in training", c->arch, p->name);
        if (!p->grad) continue;
        double scale = 0;
        size_t len = strlen(p->name);
        if (len > 5 && !strcmp(p->name + len - 5, ".bias")) {
            snprintf(comp, sizeof comp, "%.*sweight", (int)(len - 4), p->name);
            cz_param *w = cz_net_param_find(net, comp);
            if (w && w->grad) scale = max_abs(w->grad, w->count);
        }
        snprintf(name, sizeof name, "grad.%s", p->name);
        compare(c, name, p->grad, p->count, scale, 3 * k < ntrain ? TOL_DEEP : TOL, true);
        k++;
    }
}

/* Eval and train passes and the backward of one network. encode: write
 * the inputs (called again after each cz_net_set_batch). pfx: reference
 * name prefix ("" or "disc."). */
typedef void (*fill_fn)(void *user, cz_net *net, int batch);

/* cls: a second output node (fusion's classes, the hints net's bin logits),
 * named cls_name in the reference, or -1. */
static void run_net(ctx *c, cz_net *net, int batch, int out, int cls, const char *cls_name, const char *pfx,
                    fill_fn fill, void *user)
{
    cz_error err = {0};
    char name[128];
    cz_status s = cz_net_set_batch(net, batch, false, &err);
    CHECK(c->cs, s == CZ_STATUS_OK, "%s: set_batch eval: %s", c->arch, err.msg);
    if (s) return;
    fill(user, net, batch);
    cz_net_forward(net);
    snprintf(name, sizeof name, "%seval.out", pfx);
    compare(c, name, cz_net_data(net, out), node_size(net, out, batch), 0, TOL, false);
    if (cls >= 0) {
        snprintf(name, sizeof name, "eval.%s", cls_name);
        compare(c, name, cz_net_data(net, cls), node_size(net, cls, batch), 0, TOL, false);
    }

    s = cz_net_set_batch(net, batch, true, &err);
    CHECK(c->cs, s == CZ_STATUS_OK, "%s: set_batch train: %s", c->arch, err.msg);
    if (s) return;
    cz_net_set_dropout(net, false);
    fill(user, net, batch);
    cz_net_forward(net);
    snprintf(name, sizeof name, "%strain.out", pfx);
    compare(c, name, cz_net_data(net, out), node_size(net, out, batch), 0, TOL, false);
    if (cls >= 0) {
        snprintf(name, sizeof name, "train.%s", cls_name);
        compare(c, name, cz_net_data(net, cls), node_size(net, cls, batch), 0, TOL, false);
    }
    compare_running(c, net);
    align_kinks(c, net, batch, pfx);

    cz_net_zero_grad(net);
    snprintf(name, sizeof name, "%sgrad.out", pfx);
    float *r = ref_read(c, name, node_size(net, out, batch));
    if (!r) return;
    memcpy(cz_net_grad(net, out), r, node_size(net, out, batch) * sizeof(float));
    free(r);
    if (cls >= 0) {
        snprintf(name, sizeof name, "grad.%s", cls_name);
        r = ref_read(c, name, node_size(net, cls, batch));
        if (!r) return;
        memcpy(cz_net_grad(net, cls), r, node_size(net, cls, batch) * sizeof(float));
        free(r);
    }
    cz_net_backward(net);
    compare_grads(c, net);
}

typedef struct {
    cz_model *m;
    const float *L; /* [batch, S, S] */
    const float *x; /* discriminator input [batch, 3, S, S]; hints [batch, 3, S, S] */
    int in, gin, S;
} fill_data;

static void fill_model(void *user, cz_net *net, int batch)
{
    fill_data *f = user;
    size_t n = (size_t)batch * f->S * f->S;
    cz_model_encode_input(f->m, cz_net_data(net, f->in), f->L, n);
    if (f->gin >= 0) cz_model_encode_input(f->m, cz_net_data(net, f->gin), f->L, n);
}

/* The hints net's input [batch, 4, S, S]: encoded L, then the reference's
 * hint channels (a / 110, b / 110, mask). */
static void fill_hints(void *user, cz_net *net, int batch)
{
    fill_data *f = user;
    const size_t n = (size_t)f->S * f->S;
    float *in = cz_net_data(net, f->in);
    for (int i = 0; i < batch; i++) {
        cz_model_encode_input(f->m, in + (size_t)i * 4 * n, f->L + (size_t)i * n, n);
        memcpy(in + ((size_t)i * 4 + 1) * n, f->x + (size_t)i * 3 * n, 3 * n * sizeof(float));
    }
}

static void fill_disc(void *user, cz_net *net, int batch)
{
    fill_data *f = user;
    memcpy(cz_net_data(net, f->in), f->x, (size_t)batch * 3 * f->S * f->S * sizeof(float));
}

/* pix2pix's PatchGAN, built from arch.h (which names its nodes) with the
 * weights cz_model_load read into the model's discriminator. */
static void test_disc(ctx *c, cz_model *m, int batch)
{
    cz_net *loaded = cz_model_get_discriminator(m);
    CHECK(c->cs, loaded != NULL, "pix2pix model has no discriminator");
    if (!loaded) return;
    cz_error err = {0};
    cz_net *net = cz_net_new();
    int in = -1, out = -1;
    cz_status s = cz_arch_patchgan_build(net, &in, &out, cz_model_get_config(m), &err);
    CHECK(c->cs, s == CZ_STATUS_OK, "patchgan: %s", err.msg);
    if (s) goto done;
    for (int i = 0; i < cz_net_param_count(net); i++) {
        cz_param *p = cz_net_param(net, i);
        cz_param *q = cz_net_param_find(loaded, p->name);
        CHECK(c->cs, q && q->count == p->count, "discriminator parameter %s not loaded", p->name);
        if (q && q->count == p->count) memcpy(p->data, q->data, p->count * sizeof(float));
    }
    int S = cz_model_get_config(m)->size;
    float *x = ref_read(c, "disc.input", (size_t)batch * 3 * S * S);
    if (!x) goto done;
    fill_data f = {.x = x, .in = in, .S = S};
    run_net(c, net, batch, out, -1, NULL, "disc.", fill_disc, &f);
    free(x);
done:
    cz_net_free(net);
}

/* The hints net at the model's size, built from arch.h (for its logits
 * node) with the weights cz_model_load read. */
static void test_hints_net(ctx *c, cz_model *m, const float *L, int batch)
{
    const cz_model_config *cfg = cz_model_get_config(m);
    const int S = cfg->size;
    cz_error err = {0};
    cz_net *net = cz_net_new();
    cz_arch_nodes nodes;
    cz_status s = cz_arch_find(cfg->arch)->build(net, &nodes, cfg, 0, S, S, &err);
    CHECK(c->cs, s == CZ_STATUS_OK, "hints: build: %s", err.msg);
    CHECK(c->cs, s || nodes.logits >= 0, "hints: the build names no logits node");
    float *x = NULL;
    if (s || nodes.logits < 0) goto done;
    cz_net *loaded = cz_model_get_net(m);
    CHECK(c->cs, cz_net_param_count(net) == cz_net_param_count(loaded), "hints: %d parameters, the model %d",
          cz_net_param_count(net), cz_net_param_count(loaded));
    for (int i = 0; i < cz_net_param_count(net); i++) {
        cz_param *p = cz_net_param(net, i);
        cz_param *q = cz_net_param_find(loaded, p->name);
        CHECK(c->cs, q && q->count == p->count, "hints parameter %s not loaded", p->name);
        if (q && q->count == p->count) memcpy(p->data, q->data, p->count * sizeof(float));
    }
    int ch;
    cz_net_node_shape(net, nodes.input, &ch, NULL, NULL);
    CHECK(c->cs, ch == 4, "hints: the input node has %d channels, not 4", ch);
    x = ref_read(c, "input.hints", (size_t)batch * 3 * S * S);
    if (!x) goto done;
    fill_data f = {.m = m, .L = L, .x = x, .in = nodes.input, .gin = -1, .S = S};
    run_net(c, net, batch, nodes.output, nodes.logits, "logits", "", fill_hints, &f);
done:
    free(x);
    cz_net_free(net);
}

static void test_arch(check_state *cs, const char *dir, const char *arch)
{
    char path[4096];
    cz_error err = {0};
    ctx c = {.cs = cs, .arch = arch};
    snprintf(path, sizeof path, "%s/%s.model.safetensors", dir, arch);
    cz_model *m = cz_model_load_for_training(path, &err);
    CHECK(cs, m != NULL, "%s: cz_model_load_for_training(%s): %s", arch, path, err.msg);
    snprintf(path, sizeof path, "%s/%s.ref.safetensors", dir, arch);
    cz_safetensors *ref = cz_safetensors_open(path, &err);
    CHECK(cs, ref != NULL, "%s: %s: %s", arch, path, err.msg);
    float *L = NULL, *ab = NULL, *conf = NULL;
    if (!m || !ref) goto done;
    c.ref = ref;
    const char *bs = cz_safetensors_metadata(ref, "batch");
    const int B = bs ? atoi(bs) : 0, S = cz_model_get_config(m)->size;
    CHECK(cs, B > 0, "%s: reference lacks its batch size", arch);
    if (B <= 0) goto done;
    printf("%s: width %g size %d batch %d, %d parameter tensors%s%s\n", arch, cz_model_get_config(m)->width, S, B,
           cz_net_param_count(cz_model_get_net(m)), cz_model_get_quant(m) ? ", Q " : "",
           cz_model_get_quant(m) ? "from engine/quant.c" : "");
    L = ref_read(&c, "input.L", (size_t)B * S * S);
    if (!L) goto done;

    /* 1. cz_model_predict, sample 0, before training touches the statistics */
    const bool logits = cz_model_get_output_kind(m) == CZ_OUTPUT_LOGITS;
    ab = malloc(2 * (size_t)S * S * sizeof(float));
    conf = malloc((size_t)S * S * sizeof(float));
    cz_status s = cz_model_predict(m, ab, logits ? conf : NULL, L, S, S, TEMPERATURE, &err);
    CHECK(cs, s == CZ_STATUS_OK, "%s: cz_model_predict: %s", arch, err.msg);
    if (!s) {
        compare(&c, "predict.ab", ab, 2 * (size_t)S * S, 0, TOL, false);
        if (logits) compare(&c, "predict.conf", conf, (size_t)S * S, 0, TOL, false);
    }

    /* 1b. the same at another, non-square size: a second inference net
     * (fusion: the global path on the input resized to the training size) */
    const cz_st_tensor *t2 = cz_safetensors_find(ref, "predict2.L");
    CHECK(cs, t2 && t2->ndim == 4, "%s: reference lacks predict2.L", arch);
    if (t2 && t2->ndim == 4) {
        const int h2 = (int)t2->shape[2], w2 = (int)t2->shape[3];
        const size_t n2 = (size_t)h2 * w2;
        float *L2 = ref_read(&c, "predict2.L", n2), *ab2 = malloc(2 * n2 * sizeof(float)),
              *conf2 = malloc(n2 * sizeof(float));
        if (L2 && ab2 && conf2) {
            printf("  %-8s predict at %dx%d (w x h)\n", arch, w2, h2);
            s = cz_model_predict(m, ab2, logits ? conf2 : NULL, L2, h2, w2, TEMPERATURE, &err);
            CHECK(cs, s == CZ_STATUS_OK, "%s: cz_model_predict %dx%d: %s", arch, w2, h2, err.msg);
            if (!s) {
                compare(&c, "predict2.ab", ab2, 2 * n2, 0, TOL, false);
                if (logits) compare(&c, "predict2.conf", conf2, n2, 0, TOL, false);
            }
        }
        free(L2);
        free(ab2);
        free(conf2);
    }

    /* 2-3. eval and train passes over the batch, gradients */
    cz_net *net = cz_model_get_net(m);
    fill_data f = {.m = m, .L = L, .in = cz_model_get_input_node(m), .gin = cz_model_get_global_input_node(m),
                   .S = S};
    if (!strcmp(arch, "hints"))
        test_hints_net(&c, m, L, B);
    else
        run_net(&c, net, B, cz_model_get_output_node(m), cz_model_get_class_node(m), "classes", "", fill_model,
                &f);
    if (cz_model_get_discriminator(m)) test_disc(&c, m, B);
    printf("%s: worst rel diff: outputs/statistics %.2e, gradients %.2e (torch float32 itself: %s)\n\n", arch,
           c.worst_out, c.worst_grad,
           cz_safetensors_metadata(ref, "torch_float32_max_rel") ? cz_safetensors_metadata(ref, "torch_float32_max_rel")
                                                                  : "?");
done:
    free(L);
    free(ab);
    free(conf);
    if (ref) cz_safetensors_close(ref);
    cz_model_free(m);
}

/* Writes the engine's bin centres for reference.py; returns Q or -1. */
static int write_bins(const char *path)
{
    static cz_quant qt;
    cz_error err = {0};
    if (cz_quant_init(&qt, &err)) {
        fprintf(stderr, "FAIL: cz_quant_init: %s\n", err.msg);
        return -1;
    }
    FILE *fp = fopen(path, "w");
    if (!fp) return -1;
    for (int i = 0; i < qt.q; i++) fprintf(fp, "%.9g %.9g\n", qt.ab[i][0], qt.ab[i][1]);
    return fclose(fp) ? -1 : qt.q;
}

/* Runs PYTHON SCRIPT --out dir --bins bins; returns its exit code. */
static int run_python(const char *python, const char *script, const char *dir, const char *bins)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execl(python, python, script, "--out", dir, "--bins", bins, (char *)NULL);
        fprintf(stderr, "parity: cannot run %s: %s\n", python, strerror(errno));
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s PYTHON REFERENCE_PY WORKDIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[3];
    check_state cs = {0};
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep FAIL lines (stderr) in order */
    cz_lab_init();
    mkdir(dir, 0755);
    char bins[4096];
    snprintf(bins, sizeof bins, "%s/bins.txt", dir);
    int q = write_bins(bins);
    CHECK(&cs, q > 0, "cannot write the engine's bin centres to %s", bins);
    if (q <= 0) return check_finish(&cs, "parity");
    printf("parity: Q = %d ab bins from engine/quant.c\n", q);
    int rc = run_python(argv[1], argv[2], dir, bins);
    if (rc == 3 || rc == 127) {
        fprintf(stderr, "FAIL: PyTorch is required for the parity test and is missing: install Debian's "
                        "python3-torch (apt-get install python3-torch) so that %s can import torch\n",
                argv[1]);
        CHECK(&cs, 0, "PyTorch missing");
        return check_finish(&cs, "parity");
    }
    CHECK(&cs, rc == 0, "%s %s failed with exit code %d", argv[1], argv[2], rc);
    if (rc) return check_finish(&cs, "parity");
    const char *archs[] = {"colorful", "pix2pix", "fusion", "residual", "hints"};
    for (int i = 0; i < 5; i++) test_arch(&cs, dir, archs[i]);
    cz_lab_exit();
    return check_finish(&cs, "parity");
}
