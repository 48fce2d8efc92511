/* softmax.h: softmax over the channel axis of [N, C, hw], numerically stable
 * (max subtracted). Backward accumulates (+=) and takes the forward output. */
#ifndef CZ_SOFTMAX_H
#define CZ_SOFTMAX_H

void cz_softmax_forward(float *out, const float *in, int n, int c, int hw);
void cz_softmax_backward(float *din, const float *dout, const float *out, int n,
                         int c, int hw);

#endif
