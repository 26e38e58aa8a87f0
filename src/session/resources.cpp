#include "conveq/session/resources.hpp"

#include <algorithm>
#include <limits>
#include <sstream>

#include "conveq/core/error.hpp"
#include "conveq/core/host_info.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"

namespace conveq {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

void check_memory(const Problem& p, int threads) {
  const double bytes = estimated_bytes(p, threads);
  const double available = static_cast<double>(available_memory_bytes());
  if (available > 0 && bytes > 0.8 * available) {
    std::ostringstream message;
    message.precision(3);
    message << "problem " << p.options_string() << ": needs about " << bytes / kGiB
            << " GiB, more than 80% of the " << available / kGiB
            << " GiB this machine has available; choose smaller shapes";
    throw InputError(message.str());
  }
}

void check_blas_limits(const Problem& p) {
  const double blas_limit = static_cast<double>(std::numeric_limits<int>::max());
  const double gemm_dims[] = {
      static_cast<double>(p.batch) * static_cast<double>(p.length()),
      static_cast<double>(p.out_height()) * static_cast<double>(p.out_width()),
      static_cast<double>(p.reduction_length())};
  for (const double dim : gemm_dims) {
    if (dim > blas_limit) {
      throw InputError("problem " + p.options_string() +
                       ": a GEMM dimension exceeds BLAS's 32-bit integer limit (2^31 - 1)");
    }
  }
}

// The threads that hold comparison buffers at once: one per comparison at most (every path
// against the reference, as a twin and against --expect, and --expect against the reference),
// and no more than the run's threads. --threads 4096 does not make 4096 sets of buffers.
int comparison_threads(int threads) {
  const int paths = static_cast<int>(all_path_names().size()) - 1;  // without "reference"
  const int most_comparisons = 3 * paths + 1;
  return std::min(threads > 0 ? threads : hardware_threads(), most_comparisons);
}

}  // namespace

double estimated_bytes(const Problem& p, int threads) {
  // In double, so that absurd shapes cannot overflow before they are refused.
  const double item = p.dtype == DType::float64 ? 8 : 4;  // float16/bfloat16 live in float
  const double input = static_cast<double>(p.batch) * static_cast<double>(p.in_channels) *
                       static_cast<double>(p.height) * static_cast<double>(p.width);
  const double weight = static_cast<double>(p.out_channels) *
                        static_cast<double>(p.in_channels_per_group()) *
                        static_cast<double>(p.kernel_h) * static_cast<double>(p.kernel_w);
  const double output = static_cast<double>(p.batch) * static_cast<double>(p.out_channels) *
                        static_cast<double>(p.out_height()) * static_cast<double>(p.out_width());
  const double columns = static_cast<double>(p.reduction_length()) *
                         static_cast<double>(p.out_height()) * static_cast<double>(p.out_width());
  const double paths = static_cast<double>(all_path_names().size());
  // Inputs, a channels-last copy for linear, one output per path plus linear's channels-last
  // output and the two a determinism check adds, im2col's columns, the reference's value and
  // scale, and per comparison thread 6 doubles per output (converted outputs and temporaries).
  return item * (2 * input + weight + (paths + 3) * output + 2 * columns) + 8 * (2 * output) +
         8 * 6 * output * static_cast<double>(comparison_threads(threads));
}

void check_resources(const Problem& p, int threads) {
  check_memory(p, threads);
  check_blas_limits(p);
}

}  // namespace conveq
