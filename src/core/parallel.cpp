#include "conveq/core/parallel.hpp"

#include <cblas.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "conveq/core/runqueue_wait.hpp"

namespace conveq {
namespace {

// Starting and joining a std::thread costs tens of microseconds here (measured by
// bench/conveq_bench, section direct); below this many multiply-adds per extra thread the
// start-up costs more than the thread saves.
constexpr double kWorkPerThread = 1 << 20;

}  // namespace

int hardware_threads() {
  return std::max(1u, std::thread::hardware_concurrency());
}

void parallel_for(int64_t count, int threads, const std::function<void(int64_t, int64_t)>& body) {
  const int64_t workers = std::clamp<int64_t>(threads, 1, std::max<int64_t>(count, 1));
  if (workers == 1) {
    body(0, count);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(workers - 1));
  auto chunk_begin = [&](int64_t w) { return count * w / workers; };
  for (int64_t w = 1; w < workers; ++w) {
    pool.emplace_back([&, w] {
      body(chunk_begin(w), chunk_begin(w + 1));
      record_exiting_thread_wait();  // its run-queue wait would leave with it
    });
  }
  body(chunk_begin(0), chunk_begin(1));
  for (auto& thread : pool) thread.join();
}

int threads_for_work(double work, int threads) {
  const double useful = std::max(1.0, work / kWorkPerThread);
  return static_cast<int>(std::min<double>(std::max(threads, 1), useful));
}

void set_blas_threads(int threads) {
  openblas_set_num_threads(threads);
}

std::string blas_core() {
  return openblas_get_corename();
}

}  // namespace conveq
