/* net.c: the graph executor. Nodes are data (an op, its input ids, its
 * per-sample output shape and hyper-parameters); this file sizes and owns
 * every buffer and dispatches each node to its layer kernel. Activations are
 * [batch, c, h, w] (NCHW) in one arena, gradients in another; parameters
 * live in a cz_weights the net owns or shares (weights.h), so forward and
 * backward never allocate. */
#include "net.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "batchnorm.h"
#include "concat.h"
#include "conv2d.h"
#include "deconv2d.h"
#include "dropout.h"
#include "fusion.h"
#include "init.h"
#include "linear.h"
#include "rng.h"
#include "softmax.h"
#include "subsample.h"
#include "arena.h"
#include "upsample.h"
#include "weights.h"

#define BN_MOMENTUM 0.1f /* PyTorch's defaults, so running stats agree */
#define BN_EPS 1e-5f

/* A network may take at most this share of physical memory. Beyond it the
 * machine swaps or the OOM killer ends the process (GIMP, with the user's
 * unsaved images, or a training run), so a model or an input size that
 * needs more is refused with the figure before anything is allocated. Half
 * leaves room for the image, the data loader and the rest of the system. */
#define CZ_NET_MEMORY_SHARE 0.5

typedef struct {
    cz_op op;
    char name[80];
    int in[2];
    int c, h, w;               /* output, per sample */
    int k, stride, pad, dil;   /* conv, deconv */
    float f;                   /* leaky slope, dropout p */
    int param[4];              /* weight, bias | bn: weight, bias, mean, var */
    int consumers;
    bool inplace;              /* relu/leaky over its input's buffer */
    float *out, *dout;
    float *save;               /* bn: mean, rstd [2c]; dropout: mask */
} cz_node;

struct cz_net {
    cz_node *nodes;
    int nnodes, cap_nodes;
    cz_param *params; /* the net's view: data in weights, grad its own */
    int *weight;      /* params[i] is weights item weight[i] */
    int nparams, cap_params;
    cz_weights *weights;
    bool own_weights;
    cz_arena train_arena; /* grad of trainable params */
    float *stats_scratch; /* running statistics a lane does not keep */
    bool no_stats;
    cz_arena act_arena;
    float *col;
    int batch;
    bool training, finalized, input_grad, no_dropout;
    bool defer_params; /* finalize sizes parameters, cz_net_alloc_params allocates */
    uint64_t rng;
    cz_error err;
    bool failed;
};

static size_t node_count(const cz_node *nd) { return (size_t)nd->c * nd->h * nd->w; }

cz_net *cz_net_new_on(cz_weights *w)
{
    cz_net *net = calloc(1, sizeof *net);
    if (!net) return NULL;
    net->rng = 0x636f726f6c697a65ull;
    net->weights = w;
    if (!w) {
        net->weights = cz_weights_new();
        net->own_weights = true;
        if (!net->weights) {
            free(net);
            return NULL;
        }
    }
    return net;
}

cz_net *cz_net_new(void) { return cz_net_new_on(NULL); }

cz_weights *cz_net_weights(cz_net *net) { return net->weights; }

/* Points each parameter's data at its weight (NULL until allocated). */
static void bind(cz_net *net)
{
    for (int i = 0; i < net->nparams; i++) net->params[i].data = cz_weights_get(net->weights, net->weight[i])->data;
}

void cz_net_free(cz_net *net)
{
    if (!net) return;
    if (net->own_weights) cz_weights_free(net->weights);
    cz_arena_free(&net->train_arena);
    free(net->stats_scratch);
    free(net->weight);
    cz_arena_free(&net->act_arena);
    free(net->nodes);
    free(net->params);
    free(net);
}

/* Records the first build error; later ones are consequences. */
static int build_fail(cz_net *net, cz_status st, const char *what, const char *why)
{
    if (!net->failed) {
        cz_error_set(&net->err, st, "building layer %s: %s", what, why);
        net->failed = true;
    }
    return -1;
}

static bool node_ok(const cz_net *net, int x)
{
    return x >= 0 && x < net->nnodes;
}

static int add_node(cz_net *net, cz_op op, const char *name, int a, int b, int c, int h, int w)
{
    if (net->failed) return -1;
    if (net->finalized) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, name ? name : "?", "network already finalized");
    if ((a != -1 && !node_ok(net, a)) || (b != -1 && !node_ok(net, b)))
        return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, name ? name : "?", "input node does not exist");
    if (c <= 0 || h <= 0 || w <= 0)
        return build_fail(net, CZ_STATUS_SHAPE_MISMATCH, name ? name : "?", "output shape is empty (input too small?)");
    if (net->nnodes == net->cap_nodes) {
        int cap = net->cap_nodes ? 2 * net->cap_nodes : 64;
        cz_node *nodes = realloc(net->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes) return build_fail(net, CZ_STATUS_OUT_OF_MEMORY, name ? name : "?", "out of memory");
        net->nodes = nodes, net->cap_nodes = cap;
    }
    cz_node *nd = &net->nodes[net->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->op = op;
    snprintf(nd->name, sizeof nd->name, "%s", name ? name : "");
    nd->in[0] = a, nd->in[1] = b;
    nd->c = c, nd->h = h, nd->w = w;
    nd->param[0] = nd->param[1] = nd->param[2] = nd->param[3] = -1;
    if (a >= 0) net->nodes[a].consumers++;
    if (b >= 0) net->nodes[b].consumers++;
    return net->nnodes++;
}

/* Adds (or, for a shared layer, finds) parameter "<layer>.<suffix>". */
static int add_param(cz_net *net, const char *layer, const char *suffix, int ndim,
                     const int *shape, bool trainable, int fan_in, int fan_out, float init)
{
    char name[96];
    snprintf(name, sizeof name, "%s.%s", layer, suffix);
    for (int i = 0; i < net->nparams; i++) {
        cz_param *p = &net->params[i];
        if (strcmp(p->name, name)) continue;
        bool same = p->ndim == ndim;
        for (int d = 0; same && d < ndim; d++) same = p->shape[d] == shape[d];
        if (!same) {
            build_fail(net, CZ_STATUS_SHAPE_MISMATCH, layer, "shares a name with a layer of another shape");
            return -1;
        }
        return i;
    }
    cz_error err = {0};
    int wi = cz_weights_declare(net->weights, name, ndim, shape, trainable, fan_in, fan_out, init, &err);
    if (wi < 0) {
        build_fail(net, err.status, layer, err.msg);
        return -1;
    }
    if (net->nparams == net->cap_params) {
        int cap = net->cap_params ? 2 * net->cap_params : 64;
        cz_param *params = realloc(net->params, (size_t)cap * sizeof *params);
        int *weight = params ? realloc(net->weight, (size_t)cap * sizeof *weight) : NULL;
        if (params) net->params = params;
        if (!weight) {
            build_fail(net, CZ_STATUS_OUT_OF_MEMORY, layer, "out of memory");
            return -1;
        }
        net->weight = weight, net->cap_params = cap;
    }
    net->weight[net->nparams] = wi;
    /* The net's view of the weight: its name and shape, data bound later. */
    const cz_weight *wt = cz_weights_get(net->weights, wi);
    cz_param *p = &net->params[net->nparams];
    memset(p, 0, sizeof *p);
    memcpy(p->name, wt->name, sizeof p->name);
    memcpy(p->shape, wt->shape, sizeof p->shape);
    p->ndim = wt->ndim, p->count = wt->count, p->trainable = wt->trainable;
    p->fan_in = wt->fan_in, p->fan_out = wt->fan_out;
    return net->nparams++;
}

int cz_net_input(cz_net *net, int c, int h, int w)
{
    return add_node(net, CZ_OP_INPUT, "input", -1, -1, c, h, w);
}

int cz_net_conv2d(cz_net *net, const char *name, int x, int cout, int k, int stride,
                  int pad, int dil, bool bias)
{
    if (net->failed) return -1;
    if (!node_ok(net, x)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, name, "no input");
    if (cout <= 0 || k <= 0 || stride <= 0 || pad < 0 || dil <= 0)
        return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, name, "bad convolution parameters");
    const cz_node *in = &net->nodes[x];
    cz_conv2d_dims d = {1, in->c, in->h, in->w, cout, k, stride, pad, dil};
    int id = add_node(net, CZ_OP_CONV2D, name, x, -1, cout, cz_conv2d_out_h(&d), cz_conv2d_out_w(&d));
    if (id < 0) return -1;
    cz_node *nd = &net->nodes[id];
    nd->k = k, nd->stride = stride, nd->pad = pad, nd->dil = dil;
    int ws[4] = {cout, in->c, k, k};
    nd->param[0] = add_param(net, name, "weight", 4, ws, true, in->c * k * k, cout * k * k, 0.0f);
    if (bias) nd->param[1] = add_param(net, name, "bias", 1, &cout, true, 0, 0, 0.0f);
    return net->failed ? -1 : id;
}

int cz_net_deconv2d(cz_net *net, const char *name, int x, int cout, int k, int stride,
                    int pad, bool bias)
{
    if (net->failed) return -1;
    if (!node_ok(net, x)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, name, "no input");
    if (cout <= 0 || k <= 0 || stride <= 0 || pad < 0)
        return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, name, "bad convolution parameters");
    const cz_node *in = &net->nodes[x];
    cz_deconv2d_dims d = {1, in->c, in->h, in->w, cout, k, stride, pad, 1};
    int id = add_node(net, CZ_OP_DECONV2D, name, x, -1, cout, cz_deconv2d_out_h(&d),
                      cz_deconv2d_out_w(&d));
    if (id < 0) return -1;
    cz_node *nd = &net->nodes[id];
    nd->k = k, nd->stride = stride, nd->pad = pad, nd->dil = 1;
    int ws[4] = {in->c, cout, k, k};
    /* PyTorch reads fans from dims 1 and 0 of [Cin, Cout, K, K]. */
    nd->param[0] = add_param(net, name, "weight", 4, ws, true, cout * k * k, in->c * k * k, 0.0f);
    if (bias) nd->param[1] = add_param(net, name, "bias", 1, &cout, true, 0, 0, 0.0f);
    return net->failed ? -1 : id;
}

int cz_net_batchnorm(cz_net *net, const char *name, int x)
{
    if (net->failed) return -1;
    if (!node_ok(net, x)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, name, "no input");
    const cz_node *in = &net->nodes[x];
    int c = in->c;
    int id = add_node(net, CZ_OP_BATCHNORM, name, x, -1, in->c, in->h, in->w);
    if (id < 0) return -1;
    cz_node *nd = &net->nodes[id];
    nd->param[0] = add_param(net, name, "weight", 1, &c, true, 0, 0, 1.0f); /* as PyTorch starts */
    nd->param[1] = add_param(net, name, "bias", 1, &c, true, 0, 0, 0.0f);
    nd->param[2] = add_param(net, name, "running_mean", 1, &c, false, 0, 0, 0.0f);
    nd->param[3] = add_param(net, name, "running_var", 1, &c, false, 0, 0, 1.0f);
    return net->failed ? -1 : id;
}

static int unary(cz_net *net, cz_op op, const char *what, int x, float f)
{
    if (net->failed) return -1;
    if (!node_ok(net, x)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, what, "no input");
    const cz_node *in = &net->nodes[x];
    int id = add_node(net, op, what, x, -1, in->c, in->h, in->w);
    if (id >= 0) net->nodes[id].f = f;
    return id;
}

int cz_net_relu(cz_net *net, int x) { return unary(net, CZ_OP_RELU, "relu", x, 0); }
int cz_net_leaky_relu(cz_net *net, int x, float slope)
{
    return unary(net, CZ_OP_LEAKY_RELU, "leaky_relu", x, slope);
}
int cz_net_tanh(cz_net *net, int x) { return unary(net, CZ_OP_TANH, "tanh", x, 0); }
int cz_net_sigmoid(cz_net *net, int x) { return unary(net, CZ_OP_SIGMOID, "sigmoid", x, 0); }
int cz_net_softmax(cz_net *net, int x) { return unary(net, CZ_OP_SOFTMAX, "softmax", x, 0); }
int cz_net_dropout(cz_net *net, int x, float p)
{
    if (!(p >= 0 && p < 1)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, "dropout", "p must be in [0, 1)");
    return unary(net, CZ_OP_DROPOUT, "dropout", x, p);
}

int cz_net_upsample(cz_net *net, int x, int ho, int wo)
{
    if (net->failed) return -1;
    if (!node_ok(net, x)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, "upsample", "no input");
    return add_node(net, CZ_OP_UPSAMPLE, "upsample", x, -1, net->nodes[x].c, ho, wo);
}

int cz_net_subsample(cz_net *net, int x, int s)
{
    if (net->failed) return -1;
    if (!node_ok(net, x)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, "subsample", "no input");
    if (s <= 0) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, "subsample", "step must be positive");
    const cz_node *in = &net->nodes[x];
    int id = add_node(net, CZ_OP_SUBSAMPLE, "subsample", x, -1, in->c, cz_subsample_out(in->h, s),
                      cz_subsample_out(in->w, s));
    if (id >= 0) net->nodes[id].stride = s;
    return id;
}

int cz_net_concat(cz_net *net, int a, int b)
{
    if (net->failed) return -1;
    if (!node_ok(net, a) || !node_ok(net, b)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, "concat", "no input");
    const cz_node *na = &net->nodes[a], *nb = &net->nodes[b];
    if (na->h != nb->h || na->w != nb->w)
        return build_fail(net, CZ_STATUS_SHAPE_MISMATCH, "concat", "inputs differ in height or width");
    return add_node(net, CZ_OP_CONCAT, "concat", a, b, na->c + nb->c, na->h, na->w);
}

int cz_net_add(cz_net *net, int a, int b)
{
    if (net->failed) return -1;
    if (!node_ok(net, a) || !node_ok(net, b)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, "add", "no input");
    const cz_node *na = &net->nodes[a], *nb = &net->nodes[b];
    if (na->c != nb->c || na->h != nb->h || na->w != nb->w)
        return build_fail(net, CZ_STATUS_SHAPE_MISMATCH, "add", "inputs differ in shape");
    return add_node(net, CZ_OP_ADD, "add", a, b, na->c, na->h, na->w);
}

int cz_net_linear(cz_net *net, const char *name, int x, int cout, bool bias)
{
    if (net->failed) return -1;
    if (!node_ok(net, x)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, name, "no input");
    if (cout <= 0) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, name, "no outputs");
    int cin = (int)node_count(&net->nodes[x]);
    int id = add_node(net, CZ_OP_LINEAR, name, x, -1, cout, 1, 1);
    if (id < 0) return -1;
    int ws[2] = {cout, cin};
    net->nodes[id].param[0] = add_param(net, name, "weight", 2, ws, true, cin, cout, 0.0f);
    if (bias) net->nodes[id].param[1] = add_param(net, name, "bias", 1, &cout, true, 0, 0, 0.0f);
    return net->failed ? -1 : id;
}

int cz_net_fusion(cz_net *net, int a, int v)
{
    if (net->failed) return -1;
    if (!node_ok(net, a) || !node_ok(net, v)) return build_fail(net, CZ_STATUS_INVALID_ARGUMENT, "fusion", "no input");
    const cz_node *na = &net->nodes[a], *nv = &net->nodes[v];
    if (nv->h != 1 || nv->w != 1)
        return build_fail(net, CZ_STATUS_SHAPE_MISMATCH, "fusion", "global input is not a vector");
    return add_node(net, CZ_OP_FUSION, "fusion", a, v, na->c + nv->c, na->h, na->w);
}

void cz_net_defer_params(cz_net *net) { net->defer_params = true; }

cz_status cz_net_alloc_params(cz_net *net, cz_error *err)
{
    if (!net->finalized) return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "network not finalized");
    cz_status st = cz_weights_alloc(net->weights, err);
    if (!st) bind(net);
    return st;
}

cz_status cz_net_finalize(cz_net *net, cz_error *err)
{
    if (net->failed) return cz_error_set(err, net->err.status, "%s", net->err.msg);
    if (net->nnodes == 0) return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "empty network");
    /* Element-wise activations run in place when nothing else reads their
     * input and the input's own backward does not need its output. */
    for (int i = 0; i < net->nnodes; i++) {
        cz_node *nd = &net->nodes[i];
        if (nd->op != CZ_OP_RELU && nd->op != CZ_OP_LEAKY_RELU) continue;
        const cz_node *in = &net->nodes[nd->in[0]];
        bool needs_out = in->op == CZ_OP_INPUT || in->op == CZ_OP_RELU || in->op == CZ_OP_LEAKY_RELU ||
                         in->op == CZ_OP_TANH || in->op == CZ_OP_SIGMOID || in->op == CZ_OP_SOFTMAX ||
                         in->inplace;
        nd->inplace = in->consumers == 1 && !needs_out;
    }
    net->finalized = true;
    return net->defer_params ? CZ_STATUS_OK : cz_net_alloc_params(net, err);
}

void cz_net_init_weights(cz_net *net, cz_init_kind kind, uint64_t *rng)
{
    bind(net);
    for (int i = 0; i < net->nnodes; i++) {
        const cz_node *nd = &net->nodes[i];
        if (nd->op != CZ_OP_CONV2D && nd->op != CZ_OP_DECONV2D && nd->op != CZ_OP_LINEAR) continue;
        cz_param *p = &net->params[nd->param[0]];
        if (kind == CZ_INIT_XAVIER)
            cz_init_xavier_uniform(p->data, p->count, p->fan_in, p->fan_out, 1.0f, rng);
        else
            cz_init_kaiming_normal(p->data, p->count, p->fan_in, 1.41421356f, rng);
        if (nd->param[1] >= 0) cz_init_constant(net->params[nd->param[1]].data, net->params[nd->param[1]].count, 0.0f);
    }
}

static size_t col_floats(const cz_node *nd, const cz_node *in)
{
    if (nd->op == CZ_OP_CONV2D) {
        cz_conv2d_dims d = {1, in->c, in->h, in->w, nd->c, nd->k, nd->stride, nd->pad, nd->dil};
        return cz_conv2d_col_size(&d);
    }
    if (nd->op == CZ_OP_DECONV2D) {
        cz_deconv2d_dims d = {1, in->c, in->h, in->w, nd->c, nd->k, nd->stride, nd->pad, nd->dil};
        return cz_deconv2d_col_size(&d);
    }
    return 0;
}

static size_t save_floats(const cz_node *nd, int batch, bool training)
{
    if (!training) return 0;
    if (nd->op == CZ_OP_BATCHNORM) return 2 * (size_t)nd->c;
    if (nd->op == CZ_OP_DROPOUT) return (size_t)batch * node_count(nd);
    return 0;
}

/* Floats of the activation arena for batch samples (*col of them the
 * im2col buffer), or false on overflow. */
static bool act_floats(const cz_net *net, int batch, bool training, size_t *out, size_t *col_out)
{
    size_t total = 0, col = 0, x;
    for (int i = 0; i < net->nnodes; i++) {
        const cz_node *nd = &net->nodes[i];
        size_t n;
        if (!cz_size_mul(&n, node_count(nd), (size_t)batch)) return false;
        x = nd->inplace ? 0 : cz_arena_round(n);
        if (training) x += cz_arena_round(n);
        x += cz_arena_round(save_floats(nd, batch, training));
        if (!cz_size_add(&total, total, x)) return false;
        if (nd->in[0] >= 0) {
            size_t c = col_floats(nd, &net->nodes[nd->in[0]]);
            if (c > col) col = c;
        }
    }
    *col_out = col;
    return cz_size_add(out, total, cz_arena_round(col));
}

/* Floats of parameters and, when training, of their gradients and the
 * optimiser's moments (optim.h), which a training run needs beside them. */
static size_t param_floats(const cz_net *net, bool training)
{
    size_t t = 0;
    for (int i = 0; i < net->nparams; i++) {
        size_t n = cz_arena_round(net->params[i].count);
        t += n + (training && net->params[i].trainable ? 3 * n : 0);
    }
    return t;
}

size_t cz_net_memory(const cz_net *net, int batch, bool training)
{
    size_t act, col, all, bytes;
    if (batch <= 0 || !act_floats(net, batch, training, &act, &col) ||
        !cz_size_add(&all, act, param_floats(net, training)) || !cz_size_mul(&bytes, all, sizeof(float)))
        return SIZE_MAX;
    return bytes;
}

cz_status cz_net_check_memory(const cz_net *net, int batch, bool training, cz_error *err)
{
    const double gb = 1024.0 * 1024 * 1024;
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    const double phys = pages > 0 && page > 0 ? (double)pages * page : 0; /* 0: unknown, no limit */
    const size_t need = cz_net_memory(net, batch, training);
    if (need == SIZE_MAX)
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "the network at batch %d is too large to count", batch);
    if (phys > 0 && (double)need > CZ_NET_MEMORY_SHARE * phys)
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY,
                            "the network needs %.1f GB at batch %d (%.1f GB of parameters), more than %.0f%% "
                            "of this machine's %.1f GB of memory",
                            need / gb, batch, param_floats(net, training) * sizeof(float) / gb,
                            CZ_NET_MEMORY_SHARE * 100, phys / gb);
    return CZ_STATUS_OK;
}

cz_status cz_net_set_batch(cz_net *net, int batch, bool training, cz_error *err)
{
    if (!net->finalized) return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "network not finalized");
    if (!cz_weights_allocated(net->weights))
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "network parameters not allocated");
    bind(net);
    if (batch <= 0) return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "batch must be positive");
    cz_status st = cz_net_check_memory(net, batch, training, err);
    if (st) return st;
    size_t total, col;
    act_floats(net, batch, training, &total, &col); /* cannot overflow: checked above */

    cz_arena_free(&net->act_arena);
    st = cz_arena_init(&net->act_arena, total, err);
    if (st) return st;
    for (int i = 0; i < net->nnodes; i++) {
        cz_node *nd = &net->nodes[i];
        size_t n = node_count(nd) * (size_t)batch;
        nd->out = nd->inplace ? net->nodes[nd->in[0]].out : cz_arena_take(&net->act_arena, n);
        nd->dout = training ? cz_arena_take(&net->act_arena, n) : NULL;
        size_t s = save_floats(nd, batch, training);
        nd->save = s ? cz_arena_take(&net->act_arena, s) : NULL;
    }
    net->col = col ? cz_arena_take(&net->act_arena, col) : NULL;

    if (training && !net->train_arena.base) {
        size_t tt = 0;
        for (int i = 0; i < net->nparams; i++)
            if (net->params[i].trainable) tt += cz_arena_round(net->params[i].count);
        st = cz_arena_init(&net->train_arena, tt ? tt : 16, err);
        if (st) return st;
        for (int i = 0; i < net->nparams; i++) {
            cz_param *p = &net->params[i];
            if (p->trainable) p->grad = cz_arena_take(&net->train_arena, p->count);
        }
    }
    if (training && net->no_stats && !net->stats_scratch) {
        int c = 0;
        for (int i = 0; i < net->nnodes; i++)
            if (net->nodes[i].op == CZ_OP_BATCHNORM && net->nodes[i].c > c) c = net->nodes[i].c;
        net->stats_scratch = calloc(2 * (size_t)c + 1, sizeof(float));
        if (!net->stats_scratch) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    net->batch = batch;
    net->training = training;
    return CZ_STATUS_OK;
}

int cz_net_get_batch(const cz_net *net) { return net->batch; }
void cz_net_set_seed(cz_net *net, uint64_t seed) { net->rng = seed; }
uint64_t cz_net_get_seed(const cz_net *net) { return net->rng; }
void cz_net_set_input_grad(cz_net *net, bool enabled) { net->input_grad = enabled; }
void cz_net_set_dropout(cz_net *net, bool enabled) { net->no_dropout = !enabled; }
void cz_net_set_stats_update(cz_net *net, bool enabled) { net->no_stats = !enabled; }

int cz_net_node_count(const cz_net *net) { return net->nnodes; }
cz_op cz_net_node_op(const cz_net *net, int node) { return net->nodes[node].op; }

void cz_net_node_shape(const cz_net *net, int node, int *c, int *h, int *w)
{
    const cz_node *nd = &net->nodes[node];
    if (c) *c = nd->c;
    if (h) *h = nd->h;
    if (w) *w = nd->w;
}

float *cz_net_data(cz_net *net, int node) { return net->nodes[node].out; }
float *cz_net_grad(cz_net *net, int node) { return net->nodes[node].dout; }

static float *pdata(cz_net *net, int id) { return id >= 0 ? net->params[id].data : NULL; }
static float *pgrad(cz_net *net, int id) { return id >= 0 ? net->params[id].grad : NULL; }

static void forward_node(cz_net *net, cz_node *nd)
{
    const int B = net->batch;
    const cz_node *a = nd->in[0] >= 0 ? &net->nodes[nd->in[0]] : NULL;
    const cz_node *b = nd->in[1] >= 0 ? &net->nodes[nd->in[1]] : NULL;
    const size_t n = node_count(nd) * (size_t)B;
    switch (nd->op) {
    case CZ_OP_INPUT:
        break;
    case CZ_OP_CONV2D: {
        cz_conv2d_dims d = {B, a->c, a->h, a->w, nd->c, nd->k, nd->stride, nd->pad, nd->dil};
        cz_conv2d_forward(nd->out, net->col, a->out, pdata(net, nd->param[0]), pdata(net, nd->param[1]), &d);
        break;
    }
    case CZ_OP_DECONV2D: {
        cz_deconv2d_dims d = {B, a->c, a->h, a->w, nd->c, nd->k, nd->stride, nd->pad, nd->dil};
        cz_deconv2d_forward(nd->out, net->col, a->out, pdata(net, nd->param[0]), pdata(net, nd->param[1]), &d);
        break;
    }
    case CZ_OP_BATCHNORM: {
        cz_batchnorm_dims d = {B, nd->c, nd->h * nd->w};
        float *rm = pdata(net, nd->param[2]), *rv = pdata(net, nd->param[3]);
        if (net->training && net->no_stats) rm = net->stats_scratch, rv = net->stats_scratch + nd->c;
        if (net->training)
            cz_batchnorm_forward_train(nd->out, nd->save, nd->save + nd->c, rm, rv, a->out, pdata(net, nd->param[0]),
                                       pdata(net, nd->param[1]), BN_MOMENTUM, BN_EPS, &d);
        else
            cz_batchnorm_forward_eval(nd->out, a->out, pdata(net, nd->param[0]), pdata(net, nd->param[1]),
                                      pdata(net, nd->param[2]), pdata(net, nd->param[3]), BN_EPS, &d);
        break;
    }
    case CZ_OP_RELU: cz_relu_forward(nd->out, a->out, n); break;
    case CZ_OP_LEAKY_RELU: cz_leaky_relu_forward(nd->out, a->out, nd->f, n); break;
    case CZ_OP_TANH: cz_tanh_forward(nd->out, a->out, n); break;
    case CZ_OP_SIGMOID: cz_sigmoid_forward(nd->out, a->out, n); break;
    case CZ_OP_DROPOUT:
        if (net->training && nd->f > 0 && !net->no_dropout)
            cz_dropout_forward(nd->out, nd->save, a->out, nd->f, &net->rng, n);
        else
            memcpy(nd->out, a->out, n * sizeof(float));
        break;
    case CZ_OP_UPSAMPLE: cz_upsample_forward(nd->out, a->out, B * nd->c, a->h, a->w, nd->h, nd->w); break;
    case CZ_OP_SUBSAMPLE: cz_subsample_forward(nd->out, a->out, B * nd->c, a->h, a->w, nd->stride); break;
    case CZ_OP_CONCAT: cz_concat_forward(nd->out, a->out, a->c, b->out, b->c, B, nd->h * nd->w); break;
    case CZ_OP_ADD: cz_add_forward(nd->out, a->out, b->out, n); break;
    case CZ_OP_LINEAR:
        cz_linear_forward(nd->out, a->out, pdata(net, nd->param[0]), pdata(net, nd->param[1]), B,
                          (int)node_count(a), nd->c);
        break;
    case CZ_OP_FUSION: cz_fusion_forward(nd->out, a->out, a->c, b->out, b->c, B, nd->h * nd->w); break;
    case CZ_OP_SOFTMAX: cz_softmax_forward(nd->out, a->out, B, nd->c, nd->h * nd->w); break;
    }
}

void cz_net_forward(cz_net *net)
{
    cz_net_forward_progress(net, NULL, NULL);
}

bool cz_net_forward_progress(cz_net *net, cz_net_progress progress, void *user)
{
    for (int i = 0; i < net->nnodes; i++) {
        forward_node(net, &net->nodes[i]);
        if (progress && !progress((double)(i + 1) / net->nnodes, user)) return false;
    }
    return true;
}

float *cz_net_param_grads(cz_net *net, size_t *n)
{
    *n = net->train_arena.used;
    return net->train_arena.base;
}

void cz_net_zero_grad(cz_net *net)
{
    for (int i = 0; i < net->nparams; i++)
        if (net->params[i].grad) memset(net->params[i].grad, 0, net->params[i].count * sizeof(float));
    for (int i = 0; i < net->nnodes; i++) {
        cz_node *nd = &net->nodes[i];
        if (nd->dout) memset(nd->dout, 0, node_count(nd) * (size_t)net->batch * sizeof(float));
    }
}

/* din for a node's input, or NULL when that input needs no gradient. */
static float *input_grad(cz_net *net, int id)
{
    if (id < 0) return NULL;
    cz_node *in = &net->nodes[id];
    if (in->op == CZ_OP_INPUT && !net->input_grad) return NULL;
    return in->dout;
}

static void backward_node(cz_net *net, cz_node *nd)
{
    const int B = net->batch;
    cz_node *a = nd->in[0] >= 0 ? &net->nodes[nd->in[0]] : NULL;
    cz_node *b = nd->in[1] >= 0 ? &net->nodes[nd->in[1]] : NULL;
    float *da = input_grad(net, nd->in[0]);
    float *db = input_grad(net, nd->in[1]);
    const size_t n = node_count(nd) * (size_t)B;
    switch (nd->op) {
    case CZ_OP_INPUT:
        break;
    case CZ_OP_CONV2D: {
        cz_conv2d_dims d = {B, a->c, a->h, a->w, nd->c, nd->k, nd->stride, nd->pad, nd->dil};
        cz_conv2d_backward(da, pgrad(net, nd->param[0]), pgrad(net, nd->param[1]), net->col, nd->dout,
                           a->out, pdata(net, nd->param[0]), &d);
        break;
    }
    case CZ_OP_DECONV2D: {
        cz_deconv2d_dims d = {B, a->c, a->h, a->w, nd->c, nd->k, nd->stride, nd->pad, nd->dil};
        cz_deconv2d_backward(da, pgrad(net, nd->param[0]), pgrad(net, nd->param[1]), net->col, nd->dout,
                             a->out, pdata(net, nd->param[0]), &d);
        break;
    }
    case CZ_OP_BATCHNORM: {
        cz_batchnorm_dims d = {B, nd->c, nd->h * nd->w};
        cz_batchnorm_backward(da, pgrad(net, nd->param[0]), pgrad(net, nd->param[1]), nd->dout, a->out,
                              nd->save, nd->save + nd->c, pdata(net, nd->param[0]), &d);
        break;
    }
    case CZ_OP_RELU: if (da) cz_relu_backward(da, nd->dout, nd->out, n); break;
    case CZ_OP_LEAKY_RELU: if (da) cz_leaky_relu_backward(da, nd->dout, nd->out, nd->f, n); break;
    case CZ_OP_TANH: if (da) cz_tanh_backward(da, nd->dout, nd->out, n); break;
    case CZ_OP_SIGMOID: if (da) cz_sigmoid_backward(da, nd->dout, nd->out, n); break;
    case CZ_OP_DROPOUT:
        if (!da) break;
        if (nd->f > 0 && !net->no_dropout)
            cz_dropout_backward(da, nd->dout, nd->save, n);
        else
            for (size_t i = 0; i < n; i++) da[i] += nd->dout[i];
        break;
    case CZ_OP_UPSAMPLE: if (da) cz_upsample_backward(da, nd->dout, B * nd->c, a->h, a->w, nd->h, nd->w); break;
    case CZ_OP_SUBSAMPLE: if (da) cz_subsample_backward(da, nd->dout, B * nd->c, a->h, a->w, nd->stride); break;
    case CZ_OP_CONCAT: cz_concat_backward(da, db, nd->dout, a->c, b->c, B, nd->h * nd->w); break;
    case CZ_OP_ADD: cz_add_backward(da, db, nd->dout, n); break;
    case CZ_OP_LINEAR:
        cz_linear_backward(da, pgrad(net, nd->param[0]), pgrad(net, nd->param[1]), nd->dout, a->out,
                           pdata(net, nd->param[0]), B, (int)node_count(a), nd->c);
        break;
    case CZ_OP_FUSION: cz_fusion_backward(da, db, nd->dout, a->c, b->c, B, nd->h * nd->w); break;
    case CZ_OP_SOFTMAX: if (da) cz_softmax_backward(da, nd->dout, nd->out, B, nd->c, nd->h * nd->w); break;
    }
}

void cz_net_backward(cz_net *net)
{
    assert(net->training);
    for (int i = net->nnodes - 1; i >= 0; i--) backward_node(net, &net->nodes[i]);
}

int cz_net_param_count(const cz_net *net) { return net->nparams; }

cz_param *cz_net_param(cz_net *net, int i)
{
    net->params[i].data = cz_weights_get(net->weights, net->weight[i])->data;
    return &net->params[i];
}

cz_param *cz_net_param_find(cz_net *net, const char *name)
{
    for (int i = 0; i < net->nparams; i++)
        if (!strcmp(net->params[i].name, name)) return cz_net_param(net, i);
    return NULL;
}

size_t cz_net_param_total(const cz_net *net)
{
    size_t t = 0;
    for (int i = 0; i < net->nparams; i++)
        if (net->params[i].trainable) t += net->params[i].count;
    return t;
}

double cz_net_flops(const cz_net *net)
{
    double f = 0;
    for (int i = 0; i < net->nnodes; i++) {
        const cz_node *nd = &net->nodes[i];
        const cz_node *a = nd->in[0] >= 0 ? &net->nodes[nd->in[0]] : NULL;
        if (nd->op == CZ_OP_CONV2D)
            f += 2.0 * nd->c * nd->h * nd->w * a->c * nd->k * nd->k;
        else if (nd->op == CZ_OP_DECONV2D)
            f += 2.0 * a->c * a->h * a->w * nd->c * nd->k * nd->k;
        else if (nd->op == CZ_OP_LINEAR)
            f += 2.0 * (double)node_count(a) * nd->c;
    }
    return f;
}
