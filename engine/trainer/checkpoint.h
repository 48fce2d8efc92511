/* checkpoint.h: the trainer's state between runs, read and written here
 * and nowhere else.
 *
 * A checkpoint is a model file (model.h: weights, a discriminator's
 * "disc.*" too) and, beside them:
 *   tensors   "optim.m.<param>", "optim.v.<param>": Adam's moments of every
 *             trainable parameter (the discriminator's after the model's)
 *   metadata  the fields of ct_checkpoint below, as decimal strings, and
 *             "trainer": "corolization-train"
 *   sidecar   CHECKPOINT.ema, the weights' average (ema.h), written first:
 *             a kill between the two files leaves an average of another
 *             step, which --resume then restarts rather than trusts.
 * Writes are atomic (file.h), so a kill at any moment leaves the last good
 * checkpoint; --resume continues from it. */
#ifndef CT_CHECKPOINT_H
#define CT_CHECKPOINT_H

#include <stdint.h>

#include "ema.h"
#include "model.h"
#include "step.h"

typedef struct {
    long step;          /* optimiser steps done */
    long adam_base;     /* Adam counts its steps from here (fresh moments restart it) */
    long schedule_from; /* the learning-rate schedule runs from here to total_steps */
    uint64_t seed;      /* the loader's: batches are a function of seed and step */
    uint64_t net_seed;  /* the dropout RNG */
    bool has_seed, has_net_seed;
    /* The recipe, recorded so --resume keeps it: */
    int batch;
    long total_steps;
    float lr;
    const char *schedule; /* "cosine", ... */
    /* Settings --resume takes from the checkpoint, each in 0..1; NAN when
     * absent (ema_decay is written only with --ema). */
    float lambda, crop_scale, ema_decay;
    const char *command; /* the command line that started the run */
} ct_checkpoint;

/* The fields of a model file (a checkpoint, or a model written by train,
 * which carries step, seed and command); the strings point into m's
 * metadata. Refuses fields that are not numbers or out of range. */
cz_status ct_checkpoint_read(ct_checkpoint *c, const cz_model *m, cz_error *err);

/* Writes the average (when avg) to ema_path, then m with t's optimiser
 * moments and c's fields to path. */
cz_status ct_checkpoint_write(const char *path, const char *ema_path, cz_model *m, const ct_trainer *t,
                              const ct_checkpoint *c, const ct_ema *avg, cz_error *err);

/* Loads the optimiser moments of path into t; CZ_STATUS_FORMAT_ERROR when
 * the file holds none (a model, not a checkpoint). The values are
 * untrusted: a NaN, or a negative second moment, is refused. */
cz_status ct_checkpoint_load_optim(ct_trainer *t, const char *path, cz_error *err);

#endif
