/* ema.h: an exponential moving average of a net's weights (Polyak
 * averaging, as torch.optim.swa_utils.AveragedModel with an EMA update and
 * TensorFlow's ExponentialMovingAverage with num_updates).
 *
 * Checkpoints at a constant rate swing by tenths of a dB; the average of the
 * recent weights is a steadier model. The trainer keeps the raw weights in
 * the checkpoint (they are what training continues from) and saves the
 * average as the model. Batch-norm running statistics are averaged like the
 * weights. The average lives beside the checkpoint, in CHECKPOINT.ema
 * (safetensors, tensors named as the net's, metadata "step"), so --resume
 * continues it. */
#ifndef CT_EMA_H
#define CT_EMA_H

#include "cz.h"
#include "net.h"

typedef struct ct_ema ct_ema;

/* An average that starts at net's current weights; decay in (0, 1). */
ct_ema *ct_ema_new(cz_net *net, double decay);
void ct_ema_free(ct_ema *e);
/* After an optimiser step: avg = d avg + (1 - d) w, with d = min(decay,
 * (1 + t) / (10 + t)) at the t-th update since the start, so the first
 * steps, far from the average, do not linger in it. */
void ct_ema_update(ct_ema *e, cz_net *net);
/* Exchanges the average and the net's weights: swap, save the model, swap
 * back. */
void ct_ema_swap(ct_ema *e, cz_net *net);
/* The average and its update count to path (atomically), tagged with the
 * checkpoint's step. */
cz_status ct_ema_save(const ct_ema *e, cz_net *net, const char *path, long step, cz_error *err);
/* Reads path into e when it holds every tensor of net and the given step;
 * otherwise leaves e as it is and returns an error saying why. */
cz_status ct_ema_load(ct_ema *e, cz_net *net, const char *path, long step, cz_error *err);
long ct_ema_updates(const ct_ema *e);

#endif
