/* model.h: a colorization model: an architecture built from the description
 * stored in its file, its weights, and what decoding needs.
 *
 * A model file is safetensors (see safetensors.h) whose __metadata__ holds
 *   "format": "corolization", "format_version": "1",
 *   "arch": "colorful" | "pix2pix" | "fusion" | "residual" | "hints",
 *   "width": width multiplier ("0.25"), "size": input side in pixels ("128"),
 *   "classes": scene classes (fusion), "class_names": comma-separated,
 *   "adversarial": "1" if the file carries a discriminator ("disc.*"),
 *   "lab_white": "D50" (babl's Lab, the default) or "D65" (skimage's, as
 *   the published models were trained; see lab.h): the Lab of the network's
 *   L input and ab output, which the pixel path honours, "name", "description",
 *   "mask_offset": added to the hint mask (hints; default the arch's, 0:
 *   the published SIGGRAPH17's is uncentred; its training code's 0.5).
 * Tensor names are the network's parameter names ("model1.0.weight", ...);
 * colorful models also carry "quant.prior" [Q] and "quant.weights" [Q], and
 * (written since bins are data) "quant.bins" [Q, 2] F32, the ab centre of
 * each output class in class order (cz_quant_set_bins checks them); a file
 * without it uses the grid engine/quant.c computes (261 bins). hints
 * models carry the same three for their class head's training.
 * Checkpoints add optimiser state ("optim.m.<param>", "optim.v.<param>") and
 * the training step and RNG in metadata (engine/trainer/checkpoint.h); the
 * loader ignores those. The loader reads format_version and lab_white and
 * refuses values it does not know.
 *
 * The model owns its weights (weights.h); its networks are plans built on
 * them (net.h), so inference, training and every training lane share one
 * copy. */
#ifndef CZ_MODEL_H
#define CZ_MODEL_H

#include "arch.h"
#include "cz.h"
#include "net.h"
#include "quant.h"
#include "reference.h"
#include "safetensors.h"

/* The format_version this engine writes and reads. */
#define CZ_MODEL_FORMAT_VERSION "1"

typedef struct cz_model cz_model; /* opaque */

/* A fresh model with initialised weights (Xavier), for training. */
cz_model *cz_model_new(const cz_model_config *cfg, uint64_t seed, cz_error *err);
/* The same over the q ab bins [q, 2] given (copied; checked by
 * cz_quant_set_bins) instead of the computed grid: a classifier's head then
 * has q outputs (an imported ECCV16's 313). */
cz_model *cz_model_new_binned(const cz_model_config *cfg, const float *bins, int q, uint64_t seed, cz_error *err);
/* Loads and validates a model file, which is untrusted: every tensor the
 * architecture needs must be present with its exact shape (checked in the
 * header, before anything is allocated), extra tensors other than
 * checkpoint state and num_batches_tracked are an error, so are NaN or
 * infinite values and negative batch-norm variances, and so is a model
 * that would need more memory at its own size than cz_net_check_memory
 * allows. Weights are read, never initialised. For inference: no training
 * state is built and a discriminator's tensors ("disc.*") are skipped. Error
 * messages name path. */
cz_model *cz_model_load(const char *path, cz_error *err);
/* The same for the trainer: an adversarial model's discriminator is loaded
 * too (initialised afresh when the file has none). cz_model_get_net's
 * network has no activations until cz_net_set_batch. */
cz_model *cz_model_load_for_training(const char *path, cz_error *err);
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
/* Sparse colour hints at network resolution: ab [2, h * w] (CIE a plane,
 * b plane) counts where mask [h * w] is 1; mask 0 is no hint there. */
typedef struct {
    const float *ab;
    const float *mask;
} cz_hints;

/* Whether the architecture takes hints (hints). */
bool cz_model_takes_hints(const cz_model *m);
/* cz_model_predict with hints (NULL: none); hints given to a model that
 * cannot take them are CZ_STATUS_UNSUPPORTED, with a message saying so. */
cz_status cz_model_predict_hints(cz_model *m, float *ab, float *confidence, const float *L, const cz_hints *hints,
                                 int h, int w, float temperature, cz_error *err);
/* Whether the model's output is a distribution over its quantisation's ab
 * bins that a reference photo's prior can re-weight (colorful); and the
 * same as a status: CZ_STATUS_UNSUPPORTED with a message saying why not. */
bool cz_model_takes_reference(const cz_model *m);
/* What a model uses besides L, by the same rules: a distribution over ab
 * bins (temperature, confidence, a reference photo), colour hints. */
typedef struct {
    bool distribution;
    bool hints;
} cz_model_uses;
void cz_model_get_uses(const cz_model *m, cz_model_uses *uses);
/* The same read from a model file's header alone, no weights loaded (for a
 * dialog that greys out what a model cannot use). */
cz_status cz_model_file_uses(const char *path, cz_model_uses *uses, cz_error *err);
cz_status cz_model_check_reference(const cz_model *m, cz_error *err);
/* cz_model_predict_hints with a reference photo's prior (reference.h; NULL:
 * none) in place of the model's training prior, at strength 0..2 (0:
 * decoded exactly as without). A reference given
 * to a model that cannot use it is refused (cz_model_check_reference), as
 * is one over another number of bins (made with another model's quant).
 * confidence is then the re-weighted distribution's. */
cz_status cz_model_predict_reference(cz_model *m, float *ab, float *confidence, const float *L,
                                     const cz_hints *hints, const cz_reference *ref, float strength, int h, int w,
                                     float temperature, cz_error *err);
/* The same, reporting the network's progress node by node (net.h's
 * cz_net_progress; NULL: none): a false answer stops it there and returns
 * CZ_STATUS_CANCELLED with ab and confidence not written. */
cz_status cz_model_predict_progress(cz_model *m, float *ab, float *confidence, const float *L,
                                    const cz_hints *hints, const cz_reference *ref, float strength, int h, int w,
                                    float temperature, cz_net_progress progress, void *user, cz_error *err);
/* The hint input channels [3, n] (see cz_arch.hints) from hints for n
 * pixels; hint_ab and mask NULL: no hints. */
void cz_model_encode_hints(const cz_model *m, float *dst, const float *hint_ab, const float *mask, size_t n);

/* Input sides must be multiples of this (8 for colorful, 2^depth for U-Net). */
int cz_model_get_multiple(const cz_model *m);

/* ---- For the trainer ------------------------------------------------------
 * The network is built for cfg.size x cfg.size at batch 1 (a loaded
 * model's has no activations until its batch is set). The trainer calls
 * cz_net_set_batch(net, B, true) on it (and on the discriminator), writes
 * inputs with cz_model_encode_input, runs the net, computes the loss on the
 * output node and seeds its gradient, then steps the optimiser. */
/* Rebuilds the training network (and discriminator) for size x size inputs
 * on the same weights, to continue training at another size; before
 * cz_net_set_batch(.., true). Fails, leaving m as it was, when a parameter
 * depends on the size (fusion's global branch, the U-Net's depth). */
cz_status cz_model_set_size(cz_model *m, int size, cz_error *err);
/* The network at cfg.size the trainer drives (owned by m). */
cz_net *cz_model_get_net(cz_model *m);
/* Another network at cfg.size on m's weights, for a data-parallel lane
 * (caller frees it, before m); its node ids are cz_model_get_net's. */
cz_net *cz_model_new_lane(cz_model *m, cz_error *err);
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
/* The ab-bin logits soft-CE trains: colorful's output, the hints net's
 * class head (CZ_HINTS_BINS channels, the whole grid), else -1. */
int cz_model_get_logits_node(const cz_model *m);
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

/* Saves weights (F32 or F16, see safetensors.h; a discriminator's too) with
 * the architecture in metadata, plus nextra more tensors (a checkpoint's
 * optimiser state; may be NULL) and extra key/value metadata
 * (NULL-terminated list or NULL). Atomic. */
cz_status cz_model_save(cz_model *m, const char *path, int dtype, const cz_st_entry *extra, size_t nextra,
                        const char *const *extra_meta, cz_error *err);

#endif
