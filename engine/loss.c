/* loss.c: training losses. Each returns the mean loss and, when the
 * gradient pointer is not NULL, OVERWRITES it with d(mean loss)/d(input).
 * Sums run in double so that means over a 256x256 batch keep float
 * precision. Layouts: soft CE logits/target [N, Q, hw], weight [N, hw];
 * CE logits [N, C], labels [N]; the others are flat [n]. */
#include "loss.h"

#include <math.h>

enum { LOSS_BLOCK = 64 };

/* Per pixel p, with lse = log sum_q exp(l_q) computed after subtracting the
 * max, and T = sum_q t_q (1 for a proper distribution, but not assumed):
 *   loss_p = w_p * (T * lse - sum_q t_q l_q)
 *   dloss_p / dl_q = w_p * (T * softmax_q - t_q).
 * Pixels are handled LOSS_BLOCK at a time so inner loops read channel rows
 * contiguously, with the per-pixel sums on the stack. */
float cz_loss_soft_ce(float *dlogits /* [n, q, hw] or NULL */,
                      const float *logits /* [n, q, hw] */, const float *target /* [n, q, hw] */,
                      const float *weight /* [n, hw] or NULL */, int n, int q, int hw)
{
    if (n <= 0 || q <= 0 || hw <= 0) return 0.0f;
    double total = 0, inv = 1.0 / ((double)n * hw);
    float mx[LOSS_BLOCK];
    double sumexp[LOSS_BLOCK], tsum[LOSS_BLOCK], tl[LOSS_BLOCK], lse[LOSS_BLOCK];
    for (int i = 0; i < n; i++) {
        size_t base = (size_t)i * q * hw;
        const float *l = logits + base, *t = target + base;
        const float *wt = weight ? weight + (size_t)i * hw : NULL;
        for (int p0 = 0; p0 < hw; p0 += LOSS_BLOCK) {
            int bn = hw - p0 < LOSS_BLOCK ? hw - p0 : LOSS_BLOCK;
            for (int p = 0; p < bn; p++) mx[p] = -INFINITY, sumexp[p] = tsum[p] = tl[p] = 0;
            for (int k = 0; k < q; k++) {
                const float *lk = l + (size_t)k * hw + p0;
                for (int p = 0; p < bn; p++) mx[p] = lk[p] > mx[p] ? lk[p] : mx[p];
            }
            for (int k = 0; k < q; k++) {
                const float *lk = l + (size_t)k * hw + p0, *tk = t + (size_t)k * hw + p0;
                for (int p = 0; p < bn; p++) {
                    sumexp[p] += exp((double)lk[p] - mx[p]);
                    tsum[p] += tk[p];
                    tl[p] += (double)tk[p] * lk[p];
                }
            }
            for (int p = 0; p < bn; p++) {
                double w = wt ? wt[p0 + p] : 1.0;
                lse[p] = mx[p] + log(sumexp[p]);
                total += w * (tsum[p] * lse[p] - tl[p]);
            }
            if (!dlogits) continue;
            for (int k = 0; k < q; k++) {
                size_t o = base + (size_t)k * hw + p0;
                for (int p = 0; p < bn; p++) {
                    double w = (wt ? wt[p0 + p] : 1.0) * inv;
                    double sm = exp((double)logits[o + p] - lse[p]);
                    dlogits[o + p] = (float)(w * (tsum[p] * sm - target[o + p]));
                }
            }
        }
    }
    return (float)(total * inv);
}

float cz_loss_huber(float *dpred /* [n] or NULL */, const float *pred /* [n] */,
                    const float *target /* [n] */, size_t n, float delta)
{
    if (n == 0) return 0.0f;
    double total = 0;
    float inv = (float)(1.0 / (double)n);
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i], a = fabsf(d);
        total += a <= delta ? 0.5 * (double)d * d : (double)delta * (a - 0.5 * (double)delta);
        if (dpred) dpred[i] = (a <= delta ? d : d > 0.0f ? delta : -delta) * inv;
    }
    return (float)(total / (double)n);
}

float cz_loss_l1(float *dpred /* [n] or NULL */, const float *pred /* [n] */,
                 const float *target /* [n] */, size_t n)
{
    if (n == 0) return 0.0f;
    double total = 0;
    float inv = (float)(1.0 / (double)n);
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i];
        total += fabsf(d);
        if (dpred) dpred[i] = d > 0.0f ? inv : d < 0.0f ? -inv : 0.0f;
    }
    return (float)(total / (double)n);
}

float cz_loss_l2(float *dpred /* [n] or NULL */, const float *pred /* [n] */,
                 const float *target /* [n] */, size_t n)
{
    if (n == 0) return 0.0f;
    double total = 0;
    float scale = (float)(2.0 / (double)n);
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i];
        total += (double)d * d;
        if (dpred) dpred[i] = scale * d;
    }
    return (float)(total / (double)n);
}

/* loss = max(x, 0) - x*y + log(1 + exp(-|x|)), which never overflows;
 * dloss/dx = sigmoid(x) - y, with sigmoid taken from the same exp(-|x|). */
float cz_loss_bce_logits(float *dlogits /* [n] or NULL */, const float *logits /* [n] */,
                         float label, size_t n)
{
    if (n == 0) return 0.0f;
    double total = 0, inv = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++) {
        double x = logits[i], e = exp(-fabs(x));
        total += (x > 0 ? x : 0) - x * label + log1p(e);
        if (dlogits) {
            double sig = x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            dlogits[i] = (float)((sig - label) * inv);
        }
    }
    return (float)(total * inv);
}

/* Per row: loss = lse(l) - l[label]; dloss/dl_j = softmax_j - [j == label].
 * A label outside [0, c) has no meaning: the result is NaN (so the caller's
 * loss check sees it) and that row's gradient is zero. */
float cz_loss_ce(float *dlogits /* [n, c] or NULL */, const float *logits /* [n, c] */,
                 const int *labels /* [n] */, int n, int c)
{
    if (n <= 0 || c <= 0) return 0.0f;
    double total = 0, inv = 1.0 / (double)n;
    for (int i = 0; i < n; i++) {
        const float *l = logits + (size_t)i * c;
        float *d = dlogits ? dlogits + (size_t)i * c : NULL;
        int y = labels[i];
        if (y < 0 || y >= c) {
            total = NAN;
            if (d)
                for (int j = 0; j < c; j++) d[j] = 0.0f;
            continue;
        }
        float mx = l[0];
        for (int j = 1; j < c; j++) mx = l[j] > mx ? l[j] : mx;
        double s = 0;
        for (int j = 0; j < c; j++) s += exp((double)l[j] - mx);
        double lse = mx + log(s);
        total += lse - l[y];
        if (d)
            for (int j = 0; j < c; j++)
                d[j] = (float)((exp((double)l[j] - lse) - (j == y ? 1.0 : 0.0)) * inv);
    }
    return (float)(total * inv);
}
