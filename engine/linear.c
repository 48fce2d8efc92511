/* linear.c: fully connected layer, PyTorch layout.
 * in [N, Cin] (an NCHW tensor read flattened), w [Cout, Cin], b [Cout] or
 * NULL, out [N, Cout] = in w^T + b. All products go through cz_gemm.
 * Backward accumulates (+=); din, dw, db may each be NULL. */
#include "linear.h"

#include <stddef.h>

#include "gemm.h"

void cz_linear_forward(float *out /* [n, cout] */, const float *in /* [n, cin] */,
                       const float *w /* [cout, cin] */, const float *b /* [cout] or NULL */,
                       int n, int cin, int cout)
{
    if (n <= 0 || cout <= 0) return;
    /* out = in [n, cin] * w^T [cin, cout] */
    cz_gemm(false, true, n, cout, cin, 1.0f, in, cin, w, cin, 0.0f, out, cout);
    if (b) {
        for (int i = 0; i < n; i++) {
            float *o = out + (size_t)i * cout;
            for (int j = 0; j < cout; j++) o[j] += b[j];
        }
    }
}

void cz_linear_backward(float *din /* [n, cin] or NULL */, float *dw /* [cout, cin] or NULL */,
                        float *db /* [cout] or NULL */, const float *dout /* [n, cout] */,
                        const float *in /* [n, cin] */, const float *w /* [cout, cin] */,
                        int n, int cin, int cout)
{
    if (n <= 0 || cin <= 0 || cout <= 0) return;
    /* din += dout [n, cout] * w [cout, cin] */
    if (din) cz_gemm(false, false, n, cin, cout, 1.0f, dout, cout, w, cin, 1.0f, din, cin);
    /* dw += dout^T [cout, n] * in [n, cin] */
    if (dw) cz_gemm(true, false, cout, cin, n, 1.0f, dout, cout, in, cin, 1.0f, dw, cin);
    if (db) {
        for (int j = 0; j < cout; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += dout[(size_t)i * cout + j];
            db[j] += (float)s;
        }
    }
}
