/* gemm.c: the engine's one door to BLAS.
 * C[M,N] = alpha * op(A) * op(B) + beta * C, all row-major; op(A) is [M,K],
 * op(B) is [K,N]. cz_gemm hands the work to OpenBLAS, cz_gemm_ref is the
 * naive loop the tests trust. */
#include "gemm.h"

#include <cblas.h>

void cz_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
             const float *a, int lda, const float *b, int ldb, float beta,
             float *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
                ldb, beta, c, ldc);
}

void cz_gemm_ref(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta,
                 float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
                /* a: [M,K] or, transposed, stored [K,M]; b likewise. */
                float av = trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float bv = trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                s += (double)av * (double)bv;
            }
            float *cij = &c[(size_t)i * ldc + j];
            /* beta == 0 overwrites, as BLAS does, so stale NaNs do not leak. */
            *cij = (float)(alpha * s + (beta == 0.0f ? 0.0 : (double)beta * *cij));
        }
    }
}
