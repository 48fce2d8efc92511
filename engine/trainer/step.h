/* step.h: one optimisation step of each architecture on a loader batch.
 *   colorful  soft-encoded cross-entropy with class rebalancing (Zhang 2016)
 *   hints     Huber on ab (delta 1) + the class head's soft-encoded CE with
 *             rebalancing, equal weight; inputs L and a simulated user's
 *             hints (Zhang, Zhu et al. 2017)
 *   residual  mean squared error on the ab target encoding
 *   fusion    mean squared error + 1/300 x scene-class cross-entropy
 *             (Iizuka et al. 2016)
 *   pix2pix   discriminator step on (L, fake) and (L, real) at half weight,
 *             then generator step on 100 x L1 + adversarial (Isola 2017);
 *             so does any adversarial model (fusion --adversarial: plus
 *             its class loss), L1 scaled to pix2pix's ab / 110
 * Adam throughout (PyTorch's update); pix2pix uses beta1 0.5 as its paper.
 *
 * With T > 1 threads, the single-network architectures train data-parallel:
 * T lanes, each a network on the model's weights for B / T of the batch
 * with single-threaded BLAS, run forward and backward side by side; their
 * gradients are averaged into lane 0, which takes the Adam step on the
 * shared weights. On 2 cores that beats splitting every small gemm in two.
 * Batch-norm statistics are then per lane (ghost batch norm over B / T
 * samples), so --threads is part of the recipe. Adversarial models, whose
 * step updates the discriminator mid-way, keep one lane and threaded BLAS.
 *
 * Across processes (dist.h, ct_trainer_set_dist) each rank's trainer is one
 * replica of the model for its shard of the batch, with its own lanes; the
 * lanes' mean gradient is summed over the ranks in one reduction over the
 * net's gradient block (and the discriminator's, before its update) and
 * divided by their number, so every rank takes the same Adam step: P ranks
 * of T lanes train as one process of P x T lanes would. */
#ifndef CT_STEP_H
#define CT_STEP_H

#include "dist.h"
#include "loader.h"
#include "model.h"
#include "optim.h"

typedef struct ct_trainer {
    cz_model *m;      /* the caller's */
    cz_net *net, *disc; /* lane 0: the model's; other lanes: an owned net on its weights */
    cz_optim *opt, *dopt; /* lane 0 only: Adam's state for net and disc */
    int in, gin, out, cls, din, dout;
    int B, S, q, thw, classes;
    int lg, lq, lthw; /* the ab-bin logits soft-CE trains: node, channels, pixels */
    bool hints;       /* the hints net: input L + hints, Huber + class-head CE */
    float *reg;       /* hints: regression target [B, 2, S*S] */
    float reg_scale;  /* hints: target units per ab unit */
    size_t dout_n; /* discriminator outputs per batch */
    cz_output_kind kind;
    float beta1, beta2, weight_decay;
    float l1_weight, cls_weight;
    float *dsave;   /* discriminator parameter gradients between passes */
    size_t dsave_n;
    int lanes;              /* 1, or the data-parallel lane count */
    struct ct_trainer *lane; /* lanes - 1 replicas */
    const ct_dist *dist;    /* lane 0 of a rank of several: borrowed; else NULL */
} ct_trainer;

typedef struct {
    double loss;  /* what the progress bar shows: the colour loss */
    double cls;   /* fusion: class cross-entropy */
    double g_adv, d_loss; /* pix2pix */
} ct_losses;

/* Sets the nets to batch B in training and wires the trainer to m; with
 * threads > 1, B divisible by it and no discriminator, also builds the
 * replicas (and sets BLAS to 1 thread), else sets BLAS to threads. */
void ct_trainer_init(ct_trainer *t, cz_model *m, int batch, float weight_decay, int threads);
void ct_trainer_free(ct_trainer *t);
/* One forward, backward and Adam update at learning rate lr; step counts
 * from 1 (Adam's bias correction). */
ct_losses ct_trainer_step(ct_trainer *t, const ct_batch *b, float lr, long step);
/* Makes t one rank of d (borrowed: it outlives t), t's batch that rank's
 * shard; after ct_trainer_init (and the net's seed). Lane l of rank k gets
 * the dropout seed lane k x lanes + l of one process would have. */
void ct_trainer_set_dist(ct_trainer *t, const ct_dist *d);



/* A fresh model of arch at width and size whose scene classes are the
 * dataset's (fusion); exits with a message on bad settings. */
cz_model *ct_model_for_data(const char *arch, float width, int size, bool adversarial, const ct_dataset *ds,
                            uint64_t seed);
/* OpenBLAS threads (the loader thread runs beside them). */
void ct_set_threads(int threads);
/* Lanes a trainer would use for a model at this batch and thread count
 * (1 for adversarial ones). */
int ct_trainer_lanes(const cz_model_config *cfg, int batch, int threads);
#endif
