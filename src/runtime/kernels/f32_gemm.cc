#include "runtime/kernels/f32_gemm.h"

#include <cblas.h>

#include <mutex>

namespace octet::kernels {

void f32_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
              int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  // OpenBLAS must not spawn its own threads: octet's pool splits the work deterministically.
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace octet::kernels
