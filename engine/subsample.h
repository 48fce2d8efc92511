/* subsample.h: keeping every s-th row and column of each of nc = N*C planes
 * (PyTorch's x[:, :, ::s, ::s]), h x w to ceil(h/s) x ceil(w/s). The
 * SIGGRAPH17 hints network halves its resolution this way between blocks.
 * Backward accumulates (+=) dout into the kept pixels of din. */
#ifndef CZ_SUBSAMPLE_H
#define CZ_SUBSAMPLE_H

/* Output side for an input side n and step s (ceil(n / s)). */
static inline int cz_subsample_out(int n, int s) { return (n + s - 1) / s; }

void cz_subsample_forward(float *out, const float *in, int nc, int h, int w, int s);
void cz_subsample_backward(float *din, const float *dout, int nc, int h, int w, int s);

#endif
