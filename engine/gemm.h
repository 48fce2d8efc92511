/* gemm.h: the engine's one door to BLAS.
 * C[M,N] = alpha * op(A) * op(B) + beta * C, row-major, op = transpose when
 * the flag is set. cz_gemm calls OpenBLAS's cblas_sgemm; cz_gemm_ref is the
 * naive triple loop the tests compare against. */
#ifndef CZ_GEMM_H
#define CZ_GEMM_H

#include <stdbool.h>

void cz_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
             const float *a, int lda, const float *b, int ldb, float beta,
             float *c, int ldc);
void cz_gemm_ref(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta,
                 float *c, int ldc);

#endif
