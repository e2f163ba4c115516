// Single-threaded float GEMM (OpenBLAS sgemm underneath). Callers parallelise over
// independent slices themselves, which keeps results identical for a given thread count.
#pragma once

namespace octet::kernels {

// C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major, leading dimensions in floats.
void f32_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
              int lda, const float* b, int ldb, float beta, float* c, int ldc);

}  // namespace octet::kernels
