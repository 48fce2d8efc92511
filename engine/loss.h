/* loss.h: training losses. Each returns the mean loss and, when the gradient
 * pointer is not NULL, OVERWRITES it with d(loss)/d(input) (losses start the
 * backward pass, so there is nothing to accumulate into). */
#ifndef CZ_LOSS_H
#define CZ_LOSS_H

#include <stddef.h>

/* Multinomial cross-entropy of ECCV16 against soft-encoded targets, with
 * per-pixel class-rebalancing weights:
 *   loss = 1/(N*hw) * sum_{n,p} weight[n,p] * -sum_q target[n,q,p] * log softmax(logits)[n,q,p]
 * logits, target [N, Q, hw]; weight [N, hw] or NULL (all 1). */
float cz_loss_soft_ce(float *dlogits, const float *logits, const float *target,
                      const float *weight, int n, int q, int hw);

/* Mean absolute error over n elements (the subgradient at 0 is 0). */
float cz_loss_l1(float *dpred, const float *pred, const float *target, size_t n);
/* Huber loss over n elements, as torch.nn.HuberLoss(delta): 0.5 d^2 where
 * |d| <= delta, delta (|d| - 0.5 delta) beyond; mean. Quadratic near the
 * truth, linear for outliers (SIGGRAPH17's regression loss). */
float cz_loss_huber(float *dpred, const float *pred, const float *target, size_t n, float delta);
/* Mean squared error over n elements. */
float cz_loss_l2(float *dpred, const float *pred, const float *target, size_t n);
/* Binary cross-entropy with logits against a constant label (1 real, 0 fake),
 * mean over n elements, stable for large |logit|. */
float cz_loss_bce_logits(float *dlogits, const float *logits, float label, size_t n);
/* Categorical cross-entropy: logits [N, C], labels [N] in [0, C); mean over N.
 * A label outside [0, C) is a caller bug: the result is NaN and that row's
 * gradient is zero, so it cannot pass unnoticed. */
float cz_loss_ce(float *dlogits, const float *logits, const int *labels, int n, int c);

#endif
