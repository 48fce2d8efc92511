/* model.h: a colorization model: an architecture built from the description
 * stored in its file, its weights, and what decoding needs.
 *
 * A model file is safetensors (see safetensors.h) whose __metadata__ holds
 *   "format": "corolization", "format_version": "1",
 *   "arch": "colorful" | "pix2pix" | "fusion" | "residual" | "hints",
 *   "width": width multiplier ("0.25"), "size": input side in pixels ("128"),
 *   "classes": scene classes (fusion), "class_names": comma-separated,
 *   "adversarial": "1" if the file carries a discriminator ("disc.*"),
 *   "lab_white": "D50" (babl's Lab; see lab.h), "name", "description".
 * Tensor names are the network's parameter names ("model1.0.weight", ...);
 * colorful models also carry "quant.prior" [Q] and "quant.weights" [Q].
 * Checkpoints add optimiser state ("optim.m.<param>", "optim.v.<param>") and
 * the training step and RNG in metadata; the loader ignores those. */
#ifndef CZ_MODEL_H
#define CZ_MODEL_H

#include "cz.h"
#include "net.h"
#include "quant.h"

#define CZ_MODEL_MAX_CLASSES 64

typedef struct {
    char arch[32];
    float width;  /* channel multiplier, (0, 4] */
    int size;     /* training input side, pixels */
    int classes;  /* scene classes (fusion), 0 otherwise */
    bool adversarial; /* has a PatchGAN (always for pix2pix; regression
                         models trained with one, optional) */
    char class_names[CZ_MODEL_MAX_CLASSES][48];
} cz_model_config;

typedef struct cz_model cz_model; /* opaque */

/* A fresh model with initialised weights (Xavier), for training. */
cz_model *cz_model_new(const cz_model_config *cfg, uint64_t seed, cz_error *err);
/* Loads and validates a model file, which is untrusted: every tensor the
 * architecture needs must be present with its exact shape (checked in the
 * header, before anything is allocated), extra tensors other than
 * checkpoint state and num_batches_tracked are an error, so are NaN or
 * infinite values and negative batch-norm variances, and so is a model
 * that would need more memory at its own size than cz_net_check_memory
 * allows. Weights are read, never initialised. The network has parameters
 * but no activations until cz_net_set_batch. Error messages name path. */
cz_model *cz_model_load(const char *path, cz_error *err);
/* The same from a buffer that must outlive the model (fuzzing). */
cz_model *cz_model_load_memory(const void *data, size_t size, cz_error *err);
void cz_model_free(cz_model *m);

const cz_model_config *cz_model_get_config(const cz_model *m);
/* Metadata value from the file (NULL if absent or for new models). */
const char *cz_model_get_metadata(const cz_model *m, const char *key);

/* Colorizes one L plane at network resolution: L [h * w] (CIE L, 0..100),
 * h and w multiples of cz_model_get_multiple(). Writes ab [2, h * w] (a
 * plane, b plane) at the same resolution, and, when not NULL, confidence
 * [h * w] in 0..1. temperature is the annealed-mean T for classifier models
 * (ignored by regression models). A size whose network would not fit in
 * memory (cz_net_check_memory) is refused before L is read. */
cz_status cz_model_predict(cz_model *m, float *ab, float *confidence,
                           const float *L, int h, int w, float temperature,
                           cz_error *err);
/* Input sides must be multiples of this (8 for colorful, 2^depth for U-Net). */
int cz_model_get_multiple(const cz_model *m);

/* ---- For the trainer ------------------------------------------------------
 * The network is built for cfg.size x cfg.size at batch 1 (a loaded
 * model's has no activations until its batch is set). The trainer calls
 * cz_net_set_batch(net, B, true) on it (and on the discriminator), writes
 * inputs with cz_model_encode_input, runs the net, computes the loss on the
 * output node and seeds its gradient, then steps the optimiser. */
typedef enum {
    CZ_OUTPUT_LOGITS, /* Q logits at h/4 x w/4 (colorful): soft-CE training */
    CZ_OUTPUT_AB,     /* 2 channels at h x w, ab scaled by cz_model_ab_to_target */
} cz_output_kind;

/* Rebuilds the training network (and discriminator) for size x size inputs
 * with the same weights, to continue training at another size; before
 * cz_net_set_batch(.., true). Fails, leaving m as it was, when a parameter
 * depends on the size (fusion's global branch, the U-Net's depth). */
cz_status cz_model_set_size(cz_model *m, int size, cz_error *err);
cz_net *cz_model_get_net(cz_model *m);
/* The PatchGAN of an adversarial model (input: 3 channels, encoded L then ab
 * target encoding); NULL for others. */
cz_net *cz_model_get_discriminator(cz_model *m);
/* Gives a regression model a fresh (Xavier) PatchGAN and marks it
 * adversarial, to continue its training with one; no-op if it has one. */
cz_status cz_model_add_discriminator(cz_model *m, uint64_t seed, cz_error *err);
int cz_model_get_disc_input_node(const cz_model *m);  /* -1 without one */
int cz_model_get_disc_output_node(const cz_model *m); /* patch logits */
int cz_model_get_input_node(const cz_model *m);
/* fusion's global-branch input (the image resized to cfg.size), else -1;
 * for cfg.size inputs it takes the same encoded L as the local input. */
int cz_model_get_global_input_node(const cz_model *m);
int cz_model_get_output_node(const cz_model *m);
/* fusion's scene-class logits [classes], else -1. */
int cz_model_get_class_node(const cz_model *m);
cz_output_kind cz_model_get_output_kind(const cz_model *m);

/* Network input encoding of L (0..100) for n pixels. */
void cz_model_encode_input(const cz_model *m, float *dst, const float *L, size_t n);
/* AB models: target space <-> ab (e.g. tanh range = ab / 110). */
void cz_model_ab_to_target(const cz_model *m, float *dst, const float *ab, size_t n);
void cz_model_target_to_ab(const cz_model *m, float *dst, const float *t, size_t n);

/* Colorful models: the quantisation, and the ab prior / rebalancing weights
 * [q] that training uses and the file stores. */
const cz_quant *cz_model_get_quant(const cz_model *m);
float *cz_model_get_prior(cz_model *m);
float *cz_model_get_class_weights(cz_model *m);

/* Saves weights (F32 or F16, see safetensors.h) with the architecture in
 * metadata, plus extra key/value metadata (NULL-terminated list or NULL).
 * with_optim adds the optimiser moments of every trainable parameter
 * (after cz_net_set_batch(.., true)), for checkpoints. Atomic. */
cz_status cz_model_save(cz_model *m, const char *path, int dtype,
                        bool with_optim, const char *const *extra_meta,
                        cz_error *err);
/* Loads a checkpoint's optimiser moments into m (which must be in training,
 * batch set) from path; CZ_STATUS_FORMAT_ERROR if it holds none. */
cz_status cz_model_load_optim(cz_model *m, const char *path, cz_error *err);

#endif
