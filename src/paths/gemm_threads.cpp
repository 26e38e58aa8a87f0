#include "conveq/paths/gemm_threads.hpp"

#include "conveq/core/parallel.hpp"
#include "conveq/paths/gemm.hpp"

#ifdef CONVEQ_HAVE_ONEDNN
#include <omp.h>
#endif

namespace conveq {

namespace {
// Below this a pass runs on the calling thread: waking or starting a thread costs about as
// much as copying this many bytes.
constexpr double kBytesPerExtraThread = 256.0 * 1024;
}  // namespace

void parallel_for_near_gemm(int64_t count, double bytes,
                            const std::function<void(int64_t, int64_t)>& body) {
  if (count <= 0) return;
  const int threads = current_gemm_threads();
  if (bytes < kBytesPerExtraThread || threads <= 1) {
    body(0, count);
    return;
  }
#ifdef CONVEQ_HAVE_ONEDNN
  if (current_gemm_provider() == GemmProvider::onednn) {
#pragma omp parallel num_threads(threads)
    {
      const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t begin = count * t / nt, end = count * (t + 1) / nt;
      if (begin < end) body(begin, end);
    }
    return;
  }
#endif
  parallel_for(count, threads, body);
}

void parallel_gemms_near_gemm(int64_t count, double bytes,
                              const std::function<void(int64_t, int64_t)>& body) {
  if (count <= 0) return;
#ifdef CONVEQ_HAVE_ONEDNN
  if (current_gemm_provider() == GemmProvider::onednn) {
    const int threads = current_gemm_threads();
    if (bytes >= kBytesPerExtraThread && threads > 1) {
      parallel_for_near_gemm(count, bytes, body);  // one OpenMP region: dnnl_sgemm on one thread
      return;
    }
    struct OneThread {  // this thread's next regions, dnnl_sgemm's among them
      explicit OneThread(int restore) : threads(restore) { omp_set_num_threads(1); }
      ~OneThread() { omp_set_num_threads(threads); }
      int threads;
    } one_thread(threads);
    body(0, count);
    return;
  }
#endif
  body(0, count);
}

}  // namespace conveq
