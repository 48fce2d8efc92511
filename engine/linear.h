/* linear.h: fully connected layer. in [N, Cin] (a [N, C, H, W] tensor is
 * read flattened, as torch.flatten(x, 1)), w [Cout, Cin], b [Cout] or NULL,
 * out [N, Cout]. Backward accumulates (+=); din, dw, db may be NULL. */
#ifndef CZ_LINEAR_H
#define CZ_LINEAR_H

void cz_linear_forward(float *out, const float *in, const float *w,
                       const float *b, int n, int cin, int cout);
void cz_linear_backward(float *din, float *dw, float *db, const float *dout,
                        const float *in, const float *w, int n, int cin, int cout);

#endif
