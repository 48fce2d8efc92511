/* activation.h: element-wise activations. n elements, any layout.
 * out may equal in. Backward accumulates (+=) into din. */
#ifndef CZ_ACTIVATION_H
#define CZ_ACTIVATION_H

#include <stddef.h>

void cz_relu_forward(float *out, const float *in, size_t n);
void cz_relu_backward(float *din, const float *dout, const float *out, size_t n);

void cz_leaky_relu_forward(float *out, const float *in, float slope, size_t n);
/* out (the forward output) has the sign of in for slope > 0. */
void cz_leaky_relu_backward(float *din, const float *dout, const float *out,
                            float slope, size_t n);

void cz_tanh_forward(float *out, const float *in, size_t n);
void cz_tanh_backward(float *din, const float *dout, const float *out, size_t n);

void cz_sigmoid_forward(float *out, const float *in, size_t n);
void cz_sigmoid_backward(float *din, const float *dout, const float *out, size_t n);

#endif
