/* net.h: a network as data: a list of nodes (an op and its parameters),
 * built once for one input size, then run forward and backward over arenas
 * it owns. Its parameters live in a cz_weights (weights.h): its own, or a
 * model's, shared with every other net built on it (a plan per size and
 * batch; the model owns the weights, each net its activations and
 * gradients).
 *
 * Build with the cz_net_* node functions (each returns the new node's id, or
 * -1 after recording an error that cz_net_finalize reports), then
 * cz_net_finalize (allocates parameters), cz_net_set_batch (allocates
 * activations for a batch size, with gradients when training). A pass never
 * allocates. Node shapes are per sample (c, h, w); buffers are
 * [batch, c, h, w].
 *
 * Parameter names are "<node name>.<param>" (weight, bias, running_mean,
 * running_var), the names PyTorch gives the same modules, so safetensors
 * from either side load into the other. */
#ifndef CZ_NET_H
#define CZ_NET_H

#include "cz.h"
#include "weights.h"

typedef enum {
    CZ_OP_INPUT,
    CZ_OP_CONV2D,
    CZ_OP_DECONV2D,
    CZ_OP_BATCHNORM,
    CZ_OP_RELU,
    CZ_OP_LEAKY_RELU,
    CZ_OP_TANH,
    CZ_OP_SIGMOID,
    CZ_OP_DROPOUT,
    CZ_OP_UPSAMPLE,
    CZ_OP_CONCAT,
    CZ_OP_ADD,
    CZ_OP_LINEAR,
    CZ_OP_FUSION,
    CZ_OP_SOFTMAX,
    CZ_OP_SUBSAMPLE,
} cz_op;

typedef struct {
    char name[96];
    int ndim;
    int shape[4];
    size_t count;
    bool trainable; /* false for batch-norm running statistics */
    float *data;    /* in the weights, NULL until they are allocated */
    float *grad;    /* the net's own, NULL until cz_net_set_batch(training) */
    int fan_in, fan_out; /* for initialisers */
} cz_param;

typedef struct cz_net cz_net; /* opaque */

/* A net with weights of its own. */
cz_net *cz_net_new(void);
/* A net whose parameters are declared in, and point into, w (borrowed:
 * w must outlive the net). */
cz_net *cz_net_new_on(cz_weights *w);
void cz_net_free(cz_net *net);
cz_weights *cz_net_weights(cz_net *net);

int cz_net_input(cz_net *net, int c, int h, int w);
/* A layer whose name is already taken by a layer of the same kind and
 * shape shares its parameters (Iizuka's low-level network runs on both the
 * local and the global input with one set of weights). */
int cz_net_conv2d(cz_net *net, const char *name, int x, int cout, int k,
                  int stride, int pad, int dil, bool bias);
int cz_net_deconv2d(cz_net *net, const char *name, int x, int cout, int k,
                    int stride, int pad, bool bias);
int cz_net_batchnorm(cz_net *net, const char *name, int x);
int cz_net_relu(cz_net *net, int x);
int cz_net_leaky_relu(cz_net *net, int x, float slope);
int cz_net_tanh(cz_net *net, int x);
int cz_net_sigmoid(cz_net *net, int x);
int cz_net_dropout(cz_net *net, int x, float p);
int cz_net_upsample(cz_net *net, int x, int ho, int wo);
/* Every s-th row and column, from the first (x[:, :, ::s, ::s]). */
int cz_net_subsample(cz_net *net, int x, int s);
int cz_net_concat(cz_net *net, int a, int b);
int cz_net_add(cz_net *net, int a, int b);
int cz_net_linear(cz_net *net, const char *name, int x, int cout, bool bias);
int cz_net_fusion(cz_net *net, int a, int v);
int cz_net_softmax(cz_net *net, int x);

/* Allocates the weights (unless deferred, below; a no-op for weights
 * already allocated): weights 0, biases 0, batch-norm weight 1 and
 * running_var 1. Reports the first build error. */
cz_status cz_net_finalize(cz_net *net, cz_error *err);
/* Called before building: cz_net_finalize then names and sizes the
 * parameters without allocating them, so a caller can compare them with a
 * file, and cz_net_memory with a budget, before committing memory;
 * cz_net_alloc_params allocates them (initialised as above). */
void cz_net_defer_params(cz_net *net);
cz_status cz_net_alloc_params(cz_net *net, cz_error *err);
/* Bytes of parameters plus activations for batch samples (plus gradients
 * and optimiser moments when training): what cz_net_alloc_params and
 * cz_net_set_batch allocate. SIZE_MAX when that overflows. */
size_t cz_net_memory(const cz_net *net, int batch, bool training);
/* CZ_STATUS_OUT_OF_MEMORY, with the figure, when cz_net_memory exceeds a
 * share of physical memory (see net.c); cz_net_set_batch checks it. */
cz_status cz_net_check_memory(const cz_net *net, int batch, bool training, cz_error *err);

typedef enum { CZ_INIT_XAVIER, CZ_INIT_KAIMING } cz_init_kind;
/* Initialises every conv/deconv/linear weight (biases stay 0). */
void cz_net_init_weights(cz_net *net, cz_init_kind kind, uint64_t *rng);

/* (Re)allocates activations for batch samples; training adds gradient
 * buffers, batch statistics and dropout. Refuses (cz_net_check_memory) a
 * batch that would not fit. */
cz_status cz_net_set_batch(cz_net *net, int batch, bool training, cz_error *err);
int cz_net_get_batch(const cz_net *net);
void cz_net_set_seed(cz_net *net, uint64_t seed); /* dropout RNG */
/* Also back-propagate into input nodes' gradient buffers (off by default:
 * only a discriminator's input gradient is ever needed). */
void cz_net_set_input_grad(cz_net *net, bool enabled);
/* Dropout is on in training by default; tests that compare gradients with
 * another implementation turn it off to keep both deterministic. */
void cz_net_set_dropout(cz_net *net, bool enabled);
/* Training updates the batch-norm running statistics in the weights by
 * default; a data-parallel lane other than the first turns that off, so
 * lanes sharing weights never write the same statistics (the first lane's
 * are kept, as ghost batch norm). Before cz_net_set_batch. */
void cz_net_set_stats_update(cz_net *net, bool enabled);
uint64_t cz_net_get_seed(const cz_net *net);

/* Nodes are numbered 0 .. cz_net_node_count - 1 in the order they were
 * added, which is the order a forward pass runs them. */
int cz_net_node_count(const cz_net *net);
cz_op cz_net_node_op(const cz_net *net, int node);
/* Shape of a node's output, per sample. */
void cz_net_node_shape(const cz_net *net, int node, int *c, int *h, int *w);
/* A node's activation buffer [batch, c, h, w] (write inputs here). */
float *cz_net_data(cz_net *net, int node);
/* A node's gradient buffer (seed outputs here; read inputs' here). */
float *cz_net_grad(cz_net *net, int node);

void cz_net_forward(cz_net *net);
/* The same, calling progress (NULL: none) after each node with the share
 * of nodes done; a false answer stops before the next node and returns
 * false (the outputs are then not to be read). */
typedef bool (*cz_net_progress)(double fraction, void *user);
bool cz_net_forward_progress(cz_net *net, cz_net_progress progress, void *user);
/* Zeroes every parameter and activation gradient. */
void cz_net_zero_grad(cz_net *net);
/* Back-propagates from the gradients seeded into output nodes, accumulating
 * into parameter gradients and into input nodes' gradients. */
void cz_net_backward(cz_net *net);

int cz_net_param_count(const cz_net *net);
cz_param *cz_net_param(cz_net *net, int i);
cz_param *cz_net_param_find(cz_net *net, const char *name);
/* Trainable scalars. */
size_t cz_net_param_total(const cz_net *net);
/* Every trainable parameter's gradient lies in one block the net owns
 * (cz_net_set_batch in training; NULL before): n floats, with zeros between
 * tensors, so a data-parallel job sums all of them in one reduction. */
float *cz_net_param_grads(cz_net *net, size_t *n);
/* Forward floating-point operations per sample (2 per multiply-add). */
double cz_net_flops(const cz_net *net);

#endif
