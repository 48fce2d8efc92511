/* loader.h: training batches from a background thread.
 *
 * One producer thread fills a small ring of batches ahead of the training
 * loop: random crops of side S from the N x N photos (optionally zoomed),
 * random horizontal flips, and the loss targets (soft-encoded ab with rebalancing weights for
 * classifier models, the regression encoding for ab models). The batch of
 * step s depends only on (seed, s): photo order is a fresh permutation per
 * epoch, seeded by (seed, epoch), and crops/flips by (seed, s). So a resumed
 * run sees exactly the batches an unbroken run would, with no RNG state to
 * save beyond the seed and step.
 * Layouts: L [B, S*S] (0..100), ab [B, 2, S*S], target [B, Q, h*w] (logits
 * resolution; for the hints net its class head's) or [B, 2, S*S], weight
 * [B, h*w], labels [B]. Models that take hints also get a simulated user's
 * hints per sample (from their own RNG stream, seeded by seed and sample). */
#ifndef CT_LOADER_H
#define CT_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "dataset.h"
#include "model.h"

typedef struct {
    long step;
    float *L, *ab, *target, *weight;
    int *labels;
    float *hints; /* models that take hints: [B, 3, S*S], a simulated user's
                     hint ab (CIE units) and mask (hints_sim.h), else NULL */
} ct_batch;

typedef struct ct_loader ct_loader;

/* For the model m (read only from the loader thread: quant, prior weights,
 * encodings), crop side S = the model's size. augment false: centre crops,
 * no flips, photos in order (validation). crop_scale 0: S-px crops at the
 * photo's own scale; crop_scale in (0, 1] (with augment): squares of a random
 * side in [crop_scale, 1] x N at a random place, resampled to S px (tent
 * filter), so the network sees objects at more than one scale. Starts
 * producing at first_step. */
ct_loader *ct_loader_new(const ct_dataset *ds, cz_model *m, int batch, uint64_t seed,
                         long first_step, bool augment, float crop_scale, int slots);
/* One rank's shard of each batch: samples first .. first + count - 1 of the
 * batch of `batch` the whole job trains, exactly as ct_loader_new would make
 * them (the RNG draws of the other samples are made and dropped), so the
 * ranks' shards together are the batch of one process. Batches hold count
 * samples. */
ct_loader *ct_loader_new_shard(const ct_dataset *ds, cz_model *m, int batch, int first, int count,
                               uint64_t seed, long first_step, bool augment, float crop_scale, int slots);
/* The next step's batch; valid until the next call. Blocks until ready. */
const ct_batch *ct_loader_next(ct_loader *ld);
/* Seconds the consumer spent waiting for batches (loader too slow). */
double ct_loader_wait_seconds(const ct_loader *ld);
void ct_loader_free(ct_loader *ld);

/* Fills one batch (the loader's shard of it) synchronously (the producer's
 * own routine, for tests). */
void ct_loader_fill(ct_loader *ld, ct_batch *b, long step);

/* Class counts [Q] from the dataset's ab histogram (each 1-unit cell to its
 * nearest bin), then prior and rebalancing weights into the model. */
void ct_set_rebalancing(cz_model *m, const ct_dataset *ds, float lambda);

#endif
