/* arch.h: the architectures a model file can name, their config, and the
 * blocks they share (arch.c). Each arch_*.c builds its network into a cz_net
 * from the config and an input size; model.c does the rest (weights, files,
 * decoding) the same way for all of them. */
#ifndef CZ_ARCH_H
#define CZ_ARCH_H

#include "lab.h"
#include "net.h"

#define CZ_MODEL_MAX_CLASSES 64

/* What a model file's metadata says about its network. */
typedef struct {
    char arch[32];
    float width;  /* channel multiplier, (0, 4] */
    int size;     /* training input side, pixels */
    int classes;  /* scene classes (fusion), 0 otherwise */
    bool adversarial; /* has a PatchGAN (always for pix2pix; regression
                         models trained with one, optional) */
    char class_names[CZ_MODEL_MAX_CLASSES][48];
    cz_lab_white white; /* the Lab its L in and ab out are in ("lab_white"; 0: D50) */
} cz_model_config;

typedef enum {
    CZ_OUTPUT_LOGITS, /* Q logits at h/4 x w/4 (colorful): soft-CE training */
    CZ_OUTPUT_AB,     /* 2 channels at h x w, ab scaled by cz_model_ab_to_target */
} cz_output_kind;

typedef struct {
    int input;        /* L, encoded (hints: L, hint a, hint b, mask; see arch_hints.c) */
    int global_input; /* fusion's fixed-size global input, or -1 */
    int output;       /* logits (Q channels) or ab target encoding (2) */
    int classes;      /* scene-class logits, or -1 */
    int logits;       /* a second head of ab-bin logits next to a regression
                       * output (hints: model_class, CZ_HINTS_BINS channels at
                       * a quarter of the input resolution), or -1 */
} cz_arch_nodes;

typedef struct {
    const char *name;
    cz_output_kind output;
    /* Input sides must be multiples of this; fusion's training size must
     * also be a multiple of 32 (its global branch halves four times... and
     * ends in fully connected layers sized from it). */
    int multiple;
    /* Input encoding: x = L * in_scale + in_offset. */
    float in_scale, in_offset;
    /* Regression target: t = ab * ab_scale + ab_offset. */
    float ab_scale, ab_offset;
    /* Builds the colorizer for an h x w input; q is the number of ab bins
     * (classifier output). */
    cz_status (*build)(cz_net *net, cz_arch_nodes *nodes, const cz_model_config *cfg,
                       int q, int h, int w, cz_error *err);
    /* Always trained against a discriminator (pix2pix); regression
     * architectures may be by choice (cz_model_config.adversarial). */
    bool adversarial;
    /* Takes colour hints: the input node has 4 channels, encoded L, the
     * hints' ab target encoding (ab * ab_scale + ab_offset, 0 where there is
     * no hint) and the mask (1 at a hint, 0 elsewhere) plus mask_offset. */
    bool hints;
    float mask_offset;
} cz_arch;

extern const cz_arch cz_arch_colorful;
extern const cz_arch cz_arch_pix2pix;
extern const cz_arch cz_arch_fusion;
extern const cz_arch cz_arch_residual;
extern const cz_arch cz_arch_hints;

/* The hints network's classification head: the whole 23 x 23 grid of ab
 * bins of side 10 (a, b in [-110, 110]), as the published model has it,
 * rather than quant.c's in-gamut bins. */
#define CZ_HINTS_BINS 529

/* The architecture called name, or NULL. */
const cz_arch *cz_arch_find(const char *name);
/* A config the architectures can build: a known arch, width in (0, 4], size
 * 8..4096, classes 0..CZ_MODEL_MAX_CLASSES, adversarial only for ab. */
cz_status cz_arch_check_config(const cz_model_config *cfg, cz_error *err);

/* The PatchGAN discriminator (arch_patchgan.c) for cfg.size inputs of 3
 * channels: encoded L, then the ab target encoding. */
cz_status cz_arch_patchgan_build(cz_net *net, int *input, int *output, const cz_model_config *cfg,
                                 cz_error *err);

/* 3x3 conv (pad 1, bias) "<prefix>.<i>.conv", batch norm "<prefix>.<i>.bn",
 * ReLU: the block Iizuka's and Dahl's networks are made of. */
int cz_arch_conv_bn_relu(cz_net *net, const char *prefix, int i, int x, int cout, int stride);

/* Channels of a layer whose full-width count is base: round(base * width),
 * at least 1. */
static inline int cz_arch_channels(float width, int base)
{
    int c = (int)(base * width + 0.5f);
    return c < 1 ? 1 : c;
}

#endif
