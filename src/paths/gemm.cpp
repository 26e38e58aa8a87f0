#include "conveq/paths/gemm.hpp"

#include <cblas.h>

#include <algorithm>

// OpenBLAS's own thread-server entry points (exported, not in cblas.h): the shutdown it runs
// before fork(), and the start it otherwise runs lazily on the next threaded call.
extern "C" int blas_thread_shutdown_(void);
extern "C" int blas_thread_init(void);

namespace conveq {
namespace {
CBLAS_TRANSPOSE op(bool transpose) {
  return transpose ? CblasTrans : CblasNoTrans;
}
int blas_int(int64_t value) {
  return static_cast<int>(value);
}
}  // namespace

template <>
void gemm<float>(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                 const float* b, int64_t ldb, bool accumulate, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, op(ta), op(tb), blas_int(m), blas_int(n), blas_int(k), 1.0f, a,
              blas_int(lda), b, blas_int(ldb), accumulate ? 1.0f : 0.0f, c, blas_int(ldc));
}

template <>
void gemm<double>(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
                  const double* b, int64_t ldb, bool accumulate, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, op(ta), op(tb), blas_int(m), blas_int(n), blas_int(k), 1.0, a,
              blas_int(lda), b, blas_int(ldb), accumulate ? 1.0 : 0.0, c, blas_int(ldc));
}

template <typename T>
void fill_rows(T* c, int64_t rows, int64_t cols, int64_t ldc, const T* row_values) {
  for (int64_t r = 0; r < rows; ++r) std::fill_n(c + r * ldc, cols, row_values[r]);
}

void park_blas_threads() {
  blas_thread_shutdown_();
}

void resume_blas_threads() {
  blas_thread_init();
}

template void fill_rows<float>(float*, int64_t, int64_t, int64_t, const float*);
template void fill_rows<double>(double*, int64_t, int64_t, int64_t, const double*);

}  // namespace conveq
