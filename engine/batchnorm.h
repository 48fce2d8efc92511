/* batchnorm.h: batch normalisation over N*H*W per channel (PyTorch
 * BatchNorm2d, affine). Training uses batch statistics and updates the
 * running averages (momentum, unbiased variance as PyTorch does); inference
 * uses the running statistics. A [N, C] input (after a linear layer) is
 * hw = 1. x, out [N, C, hw]; gamma, beta, running_* [C]. */
#ifndef CZ_BATCHNORM_H
#define CZ_BATCHNORM_H

typedef struct {
    int n, c, hw;
} cz_batchnorm_dims;

/* mean, rstd [C]: saved for backward. running_* updated in place. */
void cz_batchnorm_forward_train(float *out, float *mean, float *rstd,
                                float *running_mean, float *running_var,
                                const float *in, const float *gamma,
                                const float *beta, float momentum, float eps,
                                const cz_batchnorm_dims *d);
void cz_batchnorm_forward_eval(float *out, const float *in, const float *gamma,
                               const float *beta, const float *running_mean,
                               const float *running_var, float eps,
                               const cz_batchnorm_dims *d);
/* Backward of the training pass. Accumulates (+=) into din, dgamma, dbeta. */
void cz_batchnorm_backward(float *din, float *dgamma, float *dbeta,
                           const float *dout, const float *in,
                           const float *mean, const float *rstd,
                           const float *gamma, const cz_batchnorm_dims *d);

#endif
