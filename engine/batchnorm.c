/* batchnorm.c: batch normalisation per channel over N*hw values (PyTorch
 * BatchNorm2d, affine).
 * Layout: in, out, din, dout [N, C, hw]; gamma, beta, running_*, mean, rstd [C].
 * Training normalises with the biased batch variance and feeds the unbiased
 * one into running_var, as PyTorch does; eps sits inside the square root.
 * Statistics accumulate in double: a channel of a 256x256 batch holds
 * millions of values. */
#include "batchnorm.h"

#include <math.h>
#include <stddef.h>

void cz_batchnorm_forward_train(float *out /* [N, C, hw] */, float *mean /* [C] */,
                                float *rstd /* [C] */, float *running_mean /* [C] */,
                                float *running_var /* [C] */, const float *in /* [N, C, hw] */,
                                const float *gamma /* [C] */, const float *beta /* [C] */,
                                float momentum, float eps, const cz_batchnorm_dims *d)
{
    size_t hw = (size_t)d->hw, count = (size_t)d->n * hw;
    if (count == 0) return;
    for (int c = 0; c < d->c; c++) {
        double s = 0;
        for (int n = 0; n < d->n; n++) {
            const float *x = in + ((size_t)n * d->c + c) * hw;
            for (size_t i = 0; i < hw; i++) s += x[i];
        }
        double m = s / (double)count;
        /* Two passes: the one-pass sum of squares cancels badly when the
         * mean is large against the spread. */
        double ss = 0;
        for (int n = 0; n < d->n; n++) {
            const float *x = in + ((size_t)n * d->c + c) * hw;
            for (size_t i = 0; i < hw; i++) {
                double t = x[i] - m;
                ss += t * t;
            }
        }
        double var = ss / (double)count;
        double rs = 1.0 / sqrt(var + (double)eps);
        mean[c] = (float)m;
        rstd[c] = (float)rs;
        if (running_mean)
            running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * m);
        if (running_var) {
            double unbiased = count > 1 ? var * (double)count / (double)(count - 1) : var;
            running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
        }
        float scale = (float)rs * (gamma ? gamma[c] : 1.0f);
        float shift = (beta ? beta[c] : 0.0f) - (float)m * scale;
        for (int n = 0; n < d->n; n++) {
            size_t off = ((size_t)n * d->c + c) * hw;
            for (size_t i = 0; i < hw; i++) out[off + i] = in[off + i] * scale + shift;
        }
    }
}

void cz_batchnorm_forward_eval(float *out /* [N, C, hw] */, const float *in /* [N, C, hw] */,
                               const float *gamma /* [C] */, const float *beta /* [C] */,
                               const float *running_mean /* [C] */,
                               const float *running_var /* [C] */, float eps,
                               const cz_batchnorm_dims *d)
{
    size_t hw = (size_t)d->hw;
    for (int c = 0; c < d->c; c++) {
        double rs = 1.0 / sqrt((double)running_var[c] + (double)eps);
        float scale = (float)rs * (gamma ? gamma[c] : 1.0f);
        float shift = (float)((beta ? beta[c] : 0.0f) - running_mean[c] * (double)scale);
        for (int n = 0; n < d->n; n++) {
            size_t off = ((size_t)n * d->c + c) * hw;
            for (size_t i = 0; i < hw; i++) out[off + i] = in[off + i] * scale + shift;
        }
    }
}

void cz_batchnorm_backward(float *din /* [N, C, hw] */, float *dgamma /* [C] */,
                           float *dbeta /* [C] */, const float *dout /* [N, C, hw] */,
                           const float *in /* [N, C, hw] */, const float *mean /* [C] */,
                           const float *rstd /* [C] */, const float *gamma /* [C] */,
                           const cz_batchnorm_dims *d)
{
    size_t hw = (size_t)d->hw, count = (size_t)d->n * hw;
    if (count == 0) return;
    for (int c = 0; c < d->c; c++) {
        double m = mean[c], rs = rstd[c];
        /* sum(dout) and sum(dout * xhat), xhat = (x - mean) * rstd */
        double sg = 0, sgx = 0;
        for (int n = 0; n < d->n; n++) {
            size_t off = ((size_t)n * d->c + c) * hw;
            for (size_t i = 0; i < hw; i++) {
                double g = dout[off + i];
                sg += g;
                sgx += g * ((in[off + i] - m) * rs);
            }
        }
        if (dbeta) dbeta[c] += (float)sg;
        if (dgamma) dgamma[c] += (float)sgx;
        if (!din) continue;
        /* din = gamma * rstd * (dout - mean(dout) - xhat * mean(dout * xhat)) */
        double k = (gamma ? gamma[c] : 1.0) * rs;
        double mg = sg / (double)count, mgx = sgx / (double)count;
        for (int n = 0; n < d->n; n++) {
            size_t off = ((size_t)n * d->c + c) * hw;
            for (size_t i = 0; i < hw; i++) {
                double xhat = (in[off + i] - m) * rs;
                din[off + i] += (float)(k * (dout[off + i] - mg - xhat * mgx));
            }
        }
    }
}
