/* test_net.c: the graph executor, the four architectures and model files.
 *
 * (Whole-network gradients of every architecture are compared with
 * PyTorch's in tests/parity; finite differences through 20 layers of ReLU
 * and batch norm in float32 are too rough to be a test.)
 * - in-place activations give the same results as separate buffers;
 * - shared layers share weights and add their gradients;
 * - ECCV16 at width 1 and 256 px costs 83.6 GFLOPs, as the issue states;
 * - a model continued at another size keeps its weights bit for bit, and
 *   one whose weights depend on the size (fusion, pix2pix) refuses and is
 *   left as it was;
 * - model files round-trip (F32 exactly, F16 closely), and hostile files
 *   (truncated, wrong shape, foreign tensor, missing metadata) fail with a
 *   message that names the problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "check.h"
#include "lab.h"
#include "model.h"
#include "net.h"
#include "safetensors.h"

static check_state st;

/* A two-branch net where the same conv name appears twice shares weights. */
static void check_sharing_and_inplace(void)
{
    cz_error err = {0};
    cz_net *net = cz_net_new();
    int x = cz_net_input(net, 2, 5, 5);
    int a = cz_net_conv2d(net, "shared", x, 3, 3, 1, 1, 1, true);
    int b = cz_net_conv2d(net, "shared", x, 3, 3, 1, 1, 1, true);
    int ra = cz_net_relu(net, a); /* a has one consumer: runs in place */
    int s = cz_net_add(net, ra, b);
    CHECK(&st, cz_net_finalize(net, &err) == CZ_STATUS_OK, "finalize: %s", err.msg);
    CHECK(&st, cz_net_param_count(net) == 2, "shared layer made %d params, want 2", cz_net_param_count(net));
    uint64_t rng = 3;
    cz_net_init_weights(net, CZ_INIT_XAVIER, &rng);
    CHECK(&st, cz_net_set_batch(net, 1, true, &err) == CZ_STATUS_OK, "set_batch: %s", err.msg);
    check_fill_uniform(cz_net_data(net, x), 50, -1, 1, &rng);
    cz_net_forward(net);
    /* s = relu(conv(x)) + conv(x) with one conv: s = 2 conv where conv > 0. */
    const float *pb = cz_net_data(net, b), *ps = cz_net_data(net, s);
    double worst = 0;
    for (int i = 0; i < 75; i++) {
        double want = (pb[i] > 0 ? 2.0 : 1.0) * pb[i];
        worst = fmax(worst, fabs(ps[i] - want));
    }
    CHECK(&st, worst < 1e-6, "in-place relu + shared conv: worst error %g", worst);
    CHECK(&st, cz_net_data(net, ra) == cz_net_data(net, a), "relu after a single-use conv should run in place");
    cz_net_free(net);

    /* A relu whose input is also read elsewhere must not run in place. */
    net = cz_net_new();
    x = cz_net_input(net, 1, 4, 4);
    a = cz_net_conv2d(net, "c", x, 2, 3, 1, 1, 1, false);
    ra = cz_net_relu(net, a);
    s = cz_net_concat(net, ra, a);
    CHECK(&st, cz_net_finalize(net, &err) == CZ_STATUS_OK, "finalize: %s", err.msg);
    CHECK(&st, cz_net_set_batch(net, 1, false, &err) == CZ_STATUS_OK, "set_batch: %s", err.msg);
    CHECK(&st, cz_net_data(net, ra) != cz_net_data(net, a), "relu of a twice-read node ran in place");
    cz_net_free(net);

    /* Build errors are reported, not crashed on. */
    net = cz_net_new();
    x = cz_net_input(net, 1, 4, 4);
    a = cz_net_conv2d(net, "big", x, 2, 9, 1, 0, 1, false); /* 9x9 kernel on 4x4 */
    CHECK(&st, a == -1, "a conv larger than its input should fail to build");
    CHECK(&st, cz_net_finalize(net, &err) != CZ_STATUS_OK && strstr(err.msg, "big"),
          "finalize should name the failed layer, said: %s", err.msg);
    cz_net_free(net);
}

static void check_eccv16_size(void)
{
    cz_error err = {0};
    cz_model_config cfg = {.arch = "colorful", .width = 1.0f, .size = 256};
    cz_model *m = cz_model_new(&cfg, 1, &err);
    CHECK(&st, m, "ECCV16: %s", err.msg);
    if (!m) return;
    double gf = cz_net_flops(cz_model_get_net(m)) / 1e9;
    int q = cz_model_get_quant(m)->q;
    /* 83.6 GFLOPs with 313 bins; the head is 2*256*q*64*64 of it. */
    double want = 83.6 + 2.0 * 256 * (q - 313) * 64 * 64 / 1e9;
    CHECK(&st, fabs(gf - want) < 0.1, "ECCV16 at 256 px: %.2f GFLOPs, want %.2f", gf, want);
    printf("  ECCV16 width 1, 256 px: %.2f GFLOPs, %zu parameters, Q = %d\n", gf,
           cz_net_param_total(cz_model_get_net(m)), q);
    cz_model_free(m);
}

/* SIGGRAPH17's hints net at width 1: the published SIGGRAPHGenerator's
 * 98 tensors (batch-norm counters aside) and 34,187,027 trainable values,
 * its heads' shapes, built with parameters deferred (nothing allocated). */
static void check_siggraph17_size(void)
{
    cz_error err = {0};
    cz_model_config cfg = {.arch = "hints", .width = 1.0f, .size = 256};
    const cz_arch *a = cz_arch_find("hints");
    CHECK(&st, a && a->output == CZ_OUTPUT_AB, "arch hints is not registered as a regression arch");
    if (!a) return;
    cz_net *net = cz_net_new();
    cz_net_defer_params(net);
    cz_arch_nodes nodes;
    cz_status s = a->build(net, &nodes, &cfg, 0, 256, 256, &err);
    CHECK(&st, s == CZ_STATUS_OK, "hints: %s", err.msg);
    if (s) {
        cz_net_free(net);
        return;
    }
    CHECK(&st, cz_net_param_count(net) == 98, "hints: %d parameter tensors, want 98", cz_net_param_count(net));
    CHECK(&st, cz_net_param_total(net) == 34187027, "hints: %zu trainable values, want 34187027",
          cz_net_param_total(net));
    int c, h, w;
    cz_net_node_shape(net, nodes.input, &c, &h, &w);
    CHECK(&st, c == 4 && h == 256 && w == 256, "hints input %dx%dx%d", c, h, w);
    cz_net_node_shape(net, nodes.output, &c, &h, &w);
    CHECK(&st, c == 2 && h == 256 && w == 256, "hints output %dx%dx%d", c, h, w);
    CHECK(&st, cz_net_node_op(net, nodes.output) == CZ_OP_TANH, "hints output is not a tanh");
    cz_net_node_shape(net, nodes.logits, &c, &h, &w);
    CHECK(&st, c == CZ_HINTS_BINS && h == 64 && w == 64, "hints logits %dx%dx%d", c, h, w);
    CHECK(&st, nodes.classes == -1 && nodes.global_input == -1, "hints has no scene classes or global input");
    static const struct { const char *name; int shape[4]; } want[] = {
        {"model1.0.weight", {64, 4, 3, 3}},      {"model1.4.running_var", {64}},
        {"model3.6.weight", {256}},              {"model5.4.weight", {512, 512, 3, 3}},
        {"model8up.0.weight", {512, 256, 4, 4}}, {"model3short8.0.weight", {256, 256, 3, 3}},
        {"model8.5.bias", {256}},                {"model9.3.running_mean", {128}},
        {"model10up.0.weight", {128, 128, 4, 4}}, {"model1short10.0.weight", {128, 64, 3, 3}},
        {"model10.1.weight", {128, 128, 3, 3}},  {"model_class.0.weight", {529, 256, 1, 1}},
        {"model_out.0.weight", {2, 128, 1, 1}},  {"model_out.0.bias", {2}},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cz_param *p = cz_net_param_find(net, want[i].name);
        bool ok = p != NULL;
        for (int d = 0; ok && d < p->ndim; d++) ok = p->shape[d] == want[i].shape[d];
        CHECK(&st, ok, "hints: %s missing or misshapen", want[i].name);
    }
    printf("  SIGGRAPH17 hints width 1, 256 px: %.2f GFLOPs, %zu parameters\n", cz_net_flops(net) / 1e9,
           cz_net_param_total(net));
    cz_net_free(net);
}

static char *tmp_path(const char *name)
{
    static char buf[4][256];
    static int k;
    char *p = buf[k++ & 3];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(p, 256, "%s/cz_test_net_%d_%s", dir, (int)getpid(), name);
    return p;
}

/* A hints model through its file: cz_model_predict (no hints: the hint
 * channels stay 0) gives the same colours after save and load. */
static void check_hints_file(void)
{
    cz_error err = {0};
    cz_model_config cfg = {.arch = "hints", .width = 0.125f, .size = 32};
    cz_model *m = cz_model_new(&cfg, 3, &err);
    CHECK(&st, m, "hints new: %s", err.msg);
    if (!m) return;
    enum { S = 32, N = S * S };
    static float L[N], ab0[2 * N], ab1[2 * N];
    uint64_t rng = 4;
    check_fill_uniform(L, N, 0, 100, &rng);
    CHECK(&st, cz_model_get_output_kind(m) == CZ_OUTPUT_AB, "hints is not a regression model");
    CHECK(&st, cz_model_predict(m, ab0, NULL, L, S, S, 0.38f, &err) == CZ_STATUS_OK, "hints predict: %s", err.msg);
    const char *path = tmp_path("hints.safetensors");
    CHECK(&st, cz_model_save(m, path, CZ_DTYPE_F32, NULL, 0, NULL, &err) == CZ_STATUS_OK, "hints save: %s", err.msg);
    cz_model *a = cz_model_load(path, &err);
    CHECK(&st, a, "hints load: %s", err.msg);
    if (a) {
        CHECK(&st, cz_model_predict(a, ab1, NULL, L, S, S, 0.38f, &err) == CZ_STATUS_OK, "hints predict: %s",
              err.msg);
        CHECK(&st, !memcmp(ab0, ab1, sizeof ab0), "hints: other colours after save and load");
        CHECK(&st, cz_net_param_find(cz_model_get_net(a), "model_class.0.weight") != NULL,
              "hints: the class head is not in the loaded model");
        cz_model_free(a);
    }
    unlink(path);
    cz_model_free(m);
}

/* Random batch-norm statistics, so that inference depends on them. */
static void fill_bn_statistics(cz_net *net, uint64_t *rng)
{
    for (int i = 0; i < cz_net_param_count(net); i++) {
        cz_param *p = cz_net_param(net, i);
        if (strstr(p->name, "running_var")) check_fill_uniform(p->data, p->count, 0.5f, 2.0f, rng);
        if (strstr(p->name, "running_mean")) check_fill_uniform(p->data, p->count, -0.5f, 0.5f, rng);
    }
}

static void check_model_files(void)
{
    cz_error err = {0};
    cz_model_config cfg = {.arch = "colorful", .width = 0.125f, .size = 32};
    cz_model *m = cz_model_new(&cfg, 5, &err);
    CHECK(&st, m, "new: %s", err.msg);
    if (!m) return;
    const int n = 32 * 32;
    float L[32 * 32], ab0[2 * 32 * 32], ab1[2 * 32 * 32], conf[32 * 32];
    uint64_t rng = 9;
    check_fill_uniform(L, n, 0, 100, &rng);
    cz_net *net = cz_model_get_net(m);
    fill_bn_statistics(net, &rng);
    CHECK(&st, cz_model_predict(m, ab0, conf, L, 32, 32, 0.38f, &err) == CZ_STATUS_OK, "predict: %s", err.msg);
    double cmin = 1, cmax = 0;
    for (int i = 0; i < n; i++) cmin = fmin(cmin, conf[i]), cmax = fmax(cmax, conf[i]);
    CHECK(&st, cmin > 0 && cmax <= 1.0 + 1e-6, "confidence outside (0, 1]: %g..%g", cmin, cmax);

    /* Deep ReLU layers give running variances beyond F16's 65504. */
    cz_param *deep_var = cz_net_param_find(net, "model7.6.running_var");
    CHECK(&st, deep_var != NULL, "model7.6.running_var missing");
    if (deep_var) deep_var->data[0] = 1e6f;
    CHECK(&st, cz_model_predict(m, ab0, conf, L, 32, 32, 0.38f, &err) == CZ_STATUS_OK, "predict: %s", err.msg);
    const char *f32 = tmp_path("f32.safetensors"), *f16 = tmp_path("f16.safetensors");
    const char *meta[] = {"name", "test", NULL};
    CHECK(&st, cz_model_save(m, f32, CZ_DTYPE_F32, NULL, 0, meta, &err) == CZ_STATUS_OK, "save: %s", err.msg);
    CHECK(&st, cz_model_save(m, f16, CZ_DTYPE_F16, NULL, 0, NULL, &err) == CZ_STATUS_OK, "save f16: %s", err.msg);
    cz_model *a = cz_model_load(f32, &err);
    CHECK(&st, a, "load f32: %s", err.msg);
    if (a) {
        CHECK(&st, cz_model_predict(a, ab1, NULL, L, 32, 32, 0.38f, &err) == CZ_STATUS_OK, "predict: %s", err.msg);
        CHECK(&st, memcmp(ab0, ab1, sizeof ab0) == 0, "F32 round trip changed the prediction");
        const char *name = cz_model_get_metadata(a, "name");
        CHECK(&st, name && !strcmp(name, "test"), "metadata \"name\" lost");
        CHECK(&st, !strcmp(cz_model_get_metadata(a, "lab_white"), "D50"), "lab_white should be D50");
        /* Another input size rebuilds the network with the same weights. */
        float Lb[48 * 64], abb[2 * 48 * 64];
        check_fill_uniform(Lb, 48 * 64, 0, 100, &rng);
        CHECK(&st, cz_model_predict(a, abb, NULL, Lb, 48, 64, 0.38f, &err) == CZ_STATUS_OK, "predict 64x48: %s", err.msg);
        CHECK(&st, cz_model_predict(a, abb, NULL, Lb, 44, 64, 0.38f, &err) == CZ_STATUS_INVALID_ARGUMENT,
              "a height that is not a multiple of 8 should be refused");
        cz_model_free(a);
    }
    cz_model *b = cz_model_load(f16, &err);
    CHECK(&st, b, "load f16: %s", err.msg);
    if (b) {
        cz_model_predict(b, ab1, NULL, L, 32, 32, 0.38f, &err);
        double worst = 0;
        for (int i = 0; i < 2 * n; i++) worst = fmax(worst, fabs(ab0[i] - ab1[i]));
        CHECK(&st, worst < 1.0, "F16 weights moved ab by %g (want < 1)", worst);
        cz_param *v = cz_net_param_find(cz_model_get_net(b), "model7.6.running_var");
        CHECK(&st, v && v->data[0] == 1e6f, "a running variance of 1e6 did not survive an F16 save");
        printf("  F16 model file: worst ab difference %.3g\n", worst);
        cz_model_free(b);
    }

    /* Truncated copies fail with a message, never a crash. */
    FILE *fp = fopen(f32, "rb");
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    rewind(fp);
    unsigned char *bytes = malloc((size_t)size);
    CHECK(&st, fread(bytes, 1, (size_t)size, fp) == (size_t)size, "read back");
    fclose(fp);
    const char *cut = tmp_path("cut.safetensors");
    long cuts[] = {0, 4, 8, 100, size / 2, size - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        fp = fopen(cut, "wb");
        fwrite(bytes, 1, (size_t)cuts[i], fp);
        fclose(fp);
        err.msg[0] = 0;
        cz_model *t = cz_model_load(cut, &err);
        CHECK(&st, !t && err.msg[0], "a file cut at %ld bytes loaded", cuts[i]);
        cz_model_free(t);
    }
    free(bytes);

    /* A tensor of the wrong shape, a foreign tensor, missing metadata. */
    cz_safetensors *sf = cz_safetensors_open(f32, &err);
    size_t nt = cz_safetensors_count(sf);
    cz_st_entry *e = calloc(nt + 1, sizeof *e);
    float **bufs = calloc(nt + 1, sizeof *bufs);
    for (size_t i = 0; i < nt; i++) {
        const cz_st_tensor *t = cz_safetensors_get(sf, i);
        bufs[i] = malloc(t->count * sizeof(float) + 4);
        cz_st_tensor_read_f32(t, bufs[i], t->count, &err);
        e[i] = (cz_st_entry){.name = t->name, .dtype = CZ_DTYPE_F32, .ndim = t->ndim, .data = bufs[i]};
        for (int d = 0; d < t->ndim; d++) e[i].shape[d] = t->shape[d];
    }
    const char *good_meta[] = {"arch", "colorful", "width", "0.125", "size", "32", NULL};
    const char *bad = tmp_path("bad.safetensors");
    /* 1. wrong shape: drop the last dim of model1.0.weight's first axis */
    for (size_t i = 0; i < nt; i++)
        if (!strcmp(e[i].name, "model2.0.weight")) e[i].shape[0] -= 1;
    cz_safetensors_write(bad, e, nt, good_meta, &err);
    cz_model *t = cz_model_load(bad, &err);
    CHECK(&st, !t && strstr(err.msg, "model2.0.weight"), "wrong shape: %s", err.msg);
    cz_model_free(t);
    for (size_t i = 0; i < nt; i++)
        if (!strcmp(e[i].name, "model2.0.weight")) e[i].shape[0] += 1;
    /* 1b. a weight that is not finite */
    for (size_t i = 0; i < nt; i++)
        if (!strcmp(e[i].name, "model3.0.weight")) bufs[i][3] = INFINITY;
    cz_safetensors_write(bad, e, nt, good_meta, &err);
    t = cz_model_load(bad, &err);
    CHECK(&st, !t && strstr(err.msg, "model3.0.weight") && strstr(err.msg, "finite"), "inf weight: %s", err.msg);
    cz_model_free(t);
    for (size_t i = 0; i < nt; i++)
        if (!strcmp(e[i].name, "model3.0.weight")) bufs[i][3] = 0.0f;
    /* 2. a foreign tensor */
    e[nt] = (cz_st_entry){.name = "evil.weight", .dtype = CZ_DTYPE_F32, .ndim = 1, .shape = {1}, .data = bufs[0]};
    cz_safetensors_write(bad, e, nt + 1, good_meta, &err);
    t = cz_model_load(bad, &err);
    CHECK(&st, !t && strstr(err.msg, "evil.weight"), "foreign tensor: %s", err.msg);
    cz_model_free(t);
    /* 3. no architecture in the metadata */
    cz_safetensors_write(bad, e, nt, NULL, &err);
    t = cz_model_load(bad, &err);
    CHECK(&st, !t && strstr(err.msg, "arch"), "no metadata: %s", err.msg);
    cz_model_free(t);
    /* 4. an unknown architecture */
    const char *other_meta[] = {"arch", "vgg", "width", "1", "size", "32", NULL};
    cz_safetensors_write(bad, e, nt, other_meta, &err);
    t = cz_model_load(bad, &err);
    CHECK(&st, !t && strstr(err.msg, "vgg"), "unknown arch: %s", err.msg);
    cz_model_free(t);
    /* 4b. a colorful file claiming a discriminator, and a bad flag */
    const char *adv_meta[] = {"arch", "colorful", "width", "0.125", "size", "32", "adversarial", "1", NULL};
    cz_safetensors_write(bad, e, nt, adv_meta, &err);
    t = cz_model_load(bad, &err);
    CHECK(&st, !t && strstr(err.msg, "regress ab"), "adversarial colorful: %s", err.msg);
    cz_model_free(t);
    adv_meta[7] = "yes";
    cz_safetensors_write(bad, e, nt, adv_meta, &err);
    t = cz_model_load(bad, &err);
    CHECK(&st, !t && strstr(err.msg, "adversarial"), "adversarial \"yes\": %s", err.msg);
    cz_model_free(t);
    /* 5. the good set loads */
    cz_safetensors_write(bad, e, nt, good_meta, &err);
    t = cz_model_load(bad, &err);
    CHECK(&st, t, "rewritten model should load: %s", err.msg);
    cz_model_free(t);
    for (size_t i = 0; i < nt; i++) free(bufs[i]);
    free(bufs);
    free(e);
    cz_safetensors_close(sf);
    unlink(f32), unlink(f16), unlink(cut), unlink(bad);
    cz_model_free(m);
}

/* cz_model_set_size: the trainer continues a model at a larger size. */
static void check_set_size(void)
{
    cz_error err = {0};
    cz_model_config cfg = {.arch = "colorful", .width = 0.125f, .size = 32};
    cz_model *m = cz_model_new(&cfg, 5, &err);
    CHECK(&st, m, "new: %s", err.msg);
    if (!m) return;
    enum { S = 48 };
    static float L[S * S], ab0[2 * S * S], ab1[2 * S * S];
    uint64_t rng = 11;
    check_fill_uniform(L, S * S, 0, 100, &rng);
    cz_net *net = cz_model_get_net(m);
    fill_bn_statistics(net, &rng);
    size_t total = 0, off = 0; /* every parameter, running statistics too */
    for (int i = 0; i < cz_net_param_count(net); i++) total += cz_net_param(net, i)->count;
    float *before = malloc(total * sizeof(float));
    for (int i = 0; i < cz_net_param_count(net); i++) {
        const cz_param *p = cz_net_param(net, i);
        memcpy(before + off, p->data, p->count * sizeof(float));
        off += p->count;
    }
    CHECK(&st, cz_model_predict(m, ab0, NULL, L, S, S, 0.38f, &err) == CZ_STATUS_OK, "predict: %s", err.msg);
    CHECK(&st, cz_model_set_size(m, S, &err) == CZ_STATUS_OK, "set_size 48: %s", err.msg);
    net = cz_model_get_net(m);
    int h = 0, w = 0;
    cz_net_node_shape(net, cz_model_get_input_node(m), NULL, &h, &w);
    CHECK(&st, cz_model_get_config(m)->size == S && h == S && w == S, "after set_size: size %d, input %dx%d",
          cz_model_get_config(m)->size, w, h);
    off = 0;
    bool same = true;
    for (int i = 0; same && i < cz_net_param_count(net); i++) {
        const cz_param *p = cz_net_param(net, i);
        same = off + p->count <= total && !memcmp(before + off, p->data, p->count * sizeof(float));
        off += p->count;
    }
    same = same && off == total;
    CHECK(&st, same, "set_size changed the weights");
    CHECK(&st, cz_model_predict(m, ab1, NULL, L, S, S, 0.38f, &err) == CZ_STATUS_OK, "predict: %s", err.msg);
    CHECK(&st, !memcmp(ab0, ab1, sizeof ab0), "prediction at 48 px differs after set_size");
    free(before);
    cz_model_free(m);

    /* Weights that depend on the size: refused, model untouched. */
    const cz_model_config fixed[] = {{.arch = "fusion", .width = 0.125f, .size = 32, .classes = 2},
                                     {.arch = "pix2pix", .width = 0.125f, .size = 32}};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        m = cz_model_new(&fixed[k], 5, &err);
        CHECK(&st, m, "new %s: %s", fixed[k].arch, err.msg);
        if (!m) continue;
        err.msg[0] = 0;
        cz_status s = cz_model_set_size(m, 64, &err);
        CHECK(&st, s == CZ_STATUS_SHAPE_MISMATCH && strstr(err.msg, fixed[k].arch),
              "%s set_size 64: status %d, \"%s\"", fixed[k].arch, (int)s, err.msg);
        cz_net_node_shape(cz_model_get_net(m), cz_model_get_input_node(m), NULL, &h, &w);
        CHECK(&st, cz_model_get_config(m)->size == 32 && h == 32,
              "%s after a refused set_size: size %d, input %d", fixed[k].arch, cz_model_get_config(m)->size, h);
        CHECK(&st, cz_model_predict(m, ab0, NULL, L, 32, 32, 0.38f, &err) == CZ_STATUS_OK,
              "%s predict after a refused set_size: %s", fixed[k].arch, err.msg);
        cz_model_free(m);
    }
}

int main(void)
{
    cz_lab_init();
    check_sharing_and_inplace();
    check_eccv16_size();
    check_siggraph17_size();
    check_hints_file();
    check_model_files();
    check_set_size();
    cz_lab_exit();
    return check_finish(&st, "test_net");
}
