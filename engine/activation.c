/* activation.c: element-wise activations (ReLU, leaky ReLU, tanh, sigmoid).
 * Layout-free: every function walks n floats. Forward may run in place
 * (out == in), so backward works from the saved output, never the input.
 * Backward accumulates (+=) into din. */
#include "activation.h"

#include <math.h>

void cz_relu_forward(float *out /* [n] */, const float *in /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void cz_relu_backward(float *din /* [n] */, const float *dout /* [n] */,
                      const float *out /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (out[i] > 0.0f) din[i] += dout[i];
}

void cz_leaky_relu_forward(float *out /* [n] */, const float *in /* [n] */,
                           float slope, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = in[i] > 0.0f ? in[i] : slope * in[i];
}

void cz_leaky_relu_backward(float *din /* [n] */, const float *dout /* [n] */,
                            const float *out /* [n] */, float slope, size_t n)
{
    /* For slope > 0, out > 0 exactly when in > 0. */
    for (size_t i = 0; i < n; i++) din[i] += out[i] > 0.0f ? dout[i] : slope * dout[i];
}

void cz_tanh_forward(float *out /* [n] */, const float *in /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = tanhf(in[i]);
}

void cz_tanh_backward(float *din /* [n] */, const float *dout /* [n] */,
                      const float *out /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++) din[i] += dout[i] * (1.0f - out[i] * out[i]);
}

void cz_sigmoid_forward(float *out /* [n] */, const float *in /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* exp of a non-positive number only, so large |x| cannot overflow. */
        float x = in[i];
        if (x >= 0.0f) {
            out[i] = 1.0f / (1.0f + expf(-x));
        } else {
            float e = expf(x);
            out[i] = e / (1.0f + e);
        }
    }
}

void cz_sigmoid_backward(float *din /* [n] */, const float *dout /* [n] */,
                         const float *out /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++) din[i] += dout[i] * out[i] * (1.0f - out[i]);
}
