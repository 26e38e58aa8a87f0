#include "conveq/paths/gemm.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>

#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/core/version.hpp"
#include "conveq/paths/backend.hpp"
#include "conveq/paths/emulated_gemm.hpp"

#ifdef CONVEQ_HAVE_ONEDNN
#include <omp.h>

#include <oneapi/dnnl/dnnl.h>
#endif

// OpenBLAS's own thread-server entry points (exported, not in cblas.h): the shutdown it runs
// before fork(), and the start it otherwise runs lazily on the next threaded call.
extern "C" int blas_thread_shutdown_(void);
extern "C" int blas_thread_init(void);

namespace conveq {
namespace {

std::atomic<GemmProvider> active_provider{GemmProvider::openblas};
bool blas_threads_parked = false;
std::atomic<int> gemm_threads{1};

CBLAS_TRANSPOSE op(bool transpose) {
  return transpose ? CblasTrans : CblasNoTrans;
}
int blas_int(int64_t value) {
  return static_cast<int>(value);
}

#ifdef CONVEQ_HAVE_ONEDNN
std::string onednn_isa() {
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41:
      return "sse41";
    case dnnl_cpu_isa_avx:
      return "avx";
    case dnnl_cpu_isa_avx2:
      return "avx2";
    case dnnl_cpu_isa_avx2_vnni:
      return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core:
      return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "unknown";
  }
}
#endif

}  // namespace

std::string to_string(GemmProvider provider) {
  return provider == GemmProvider::onednn ? "onednn" : "openblas";
}

std::vector<GemmProvider> built_gemm_providers() {
#ifdef CONVEQ_HAVE_ONEDNN
  return {GemmProvider::openblas, GemmProvider::onednn};
#else
  return {GemmProvider::openblas};
#endif
}

void validate_gemm_name(const std::string& requested) {
  if (requested == "auto") return;
  std::vector<std::string> names{"auto"};
  for (GemmProvider p : built_gemm_providers()) {
    if (to_string(p) == requested) return;
    names.push_back(to_string(p));
  }
  if (requested == "onednn") {
    throw InputError(
        "--gemm onednn: conveq was built without oneDNN (libdnnl-dev); this build "
        "has " +
        join(names, ", "));
  }
  throw InputError("--gemm " + requested + ": must be one of " + join(names, ", "));
}

GemmProvider resolve_gemm_provider(const std::string& requested, DType dtype) {
  validate_gemm_name(requested);
  if (requested == "openblas") return GemmProvider::openblas;
  if (requested == "onednn" && dtype == DType::float64) {
    throw InputError("--gemm onednn: oneDNN has no " + to_string(dtype) +
                     " GEMM; use --gemm openblas or auto");
  }
  if (requested == "onednn") return GemmProvider::onednn;
  // auto: the fastest measured (the header's note).
  const auto built = built_gemm_providers();
  const bool have_onednn =
      std::find(built.begin(), built.end(), GemmProvider::onednn) != built.end();
  return have_onednn && dtype != DType::float64 ? GemmProvider::onednn : GemmProvider::openblas;
}

void use_gemm_provider(GemmProvider provider, int threads) {
  active_provider = provider;
  if (provider == GemmProvider::openblas) {
    resume_blas_threads();
  } else {
    park_blas_threads();
  }
  set_gemm_threads(threads);
}

GemmProvider current_gemm_provider() {
  return active_provider;
}

int current_gemm_threads() {
  return gemm_threads;
}

void set_gemm_threads(int threads) {
  gemm_threads = threads;
  if (active_provider == GemmProvider::openblas) {
    openblas_set_num_threads(threads);
    return;
  }
#ifdef CONVEQ_HAVE_ONEDNN
  omp_set_num_threads(threads);
#endif
}

GemmInfo describe_gemm_provider(GemmProvider provider) {
#ifdef CONVEQ_HAVE_ONEDNN
  if (provider == GemmProvider::onednn) {
    return {"onednn", "oneDNN", onednn_version(), "dnnl_sgemm " + onednn_isa()};
  }
#endif
  (void)provider;
  return {"openblas", "OpenBLAS", build::kOpenBlasVersion, "cblas_sgemm/dgemm " + blas_core()};
}

template <>
void gemm<float>(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                 const float* b, int64_t ldb, bool accumulate, float* c, int64_t ldc) {
  if (const auto format = emulated_gemm_format()) {  // float16/bfloat16, --accumulate same
    emulated_gemm(*format, ta, tb, m, n, k, a, lda, b, ldb, accumulate, c, ldc);
    return;
  }
#ifdef CONVEQ_HAVE_ONEDNN
  if (active_provider == GemmProvider::onednn) {  // row-major, like the CBLAS call below
    dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb,
               accumulate ? 1.0f : 0.0f, c, ldc);
    return;
  }
#endif
  cblas_sgemm(CblasRowMajor, op(ta), op(tb), blas_int(m), blas_int(n), blas_int(k), 1.0f, a,
              blas_int(lda), b, blas_int(ldb), accumulate ? 1.0f : 0.0f, c, blas_int(ldc));
}

template <>
void gemm<double>(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
                  const double* b, int64_t ldb, bool accumulate, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, op(ta), op(tb), blas_int(m), blas_int(n), blas_int(k), 1.0, a,
              blas_int(lda), b, blas_int(ldb), accumulate ? 1.0 : 0.0, c, blas_int(ldc));
}

void park_blas_threads() {
  if (blas_threads_parked) return;
  blas_thread_shutdown_();
  blas_threads_parked = true;
}

void resume_blas_threads() {
  if (!blas_threads_parked) return;
  blas_thread_init();
  blas_threads_parked = false;
}

}  // namespace conveq
