#include "conveq/session/run_options.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/core/shell_word.hpp"
#include "conveq/io/tensor_files.hpp"
#include "conveq/paths/gemm.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"

namespace conveq {

int RunOptions::threads_used() const {
  return threads > 0 ? threads : hardware_threads();
}

namespace {

void validate_backends(const RunOptions& options) {
  if (!options.backends) return;
  std::vector<std::string> known{"none"};
  for (const auto& backend : known_backends()) known.push_back(backend.name);
  const auto& given = *options.backends;
  for (const auto& name : given) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw InputError("--backends " + name +
                       ": unknown backend; known backends: " + join(known, ", "));
    }
  }
  if (given.empty() ||
      (std::find(given.begin(), given.end(), "none") != given.end() && given.size() > 1)) {
    throw InputError("--backends " + join(given, ",") +
                     ": give libraries, or none alone for conveq's own paths only");
  }
}

}  // namespace

void validate(const RunOptions& options) {
  const auto known = all_path_names();
  for (const auto& name : options.paths) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw InputError("--paths " + name + ": unknown path; known paths: " + join(known, ", "));
    }
  }
  validate_backends(options);
  if (options.repeat < 1) {
    throw InputError("--repeat " + std::to_string(options.repeat) + ": must be at least 1");
  }
  validate_gemm_name(options.gemm);
  if (options.warmup < 0) {
    throw InputError("--warmup " + std::to_string(options.warmup) + ": must be non-negative");
  }
  if (options.atol && (*options.atol < 0 || !std::isfinite(*options.atol))) {
    throw InputError("--atol " + std::to_string(*options.atol) + ": must be finite and >= 0");
  }
  if (options.rtol && (*options.rtol < 0 || !std::isfinite(*options.rtol))) {
    throw InputError("--rtol " + std::to_string(*options.rtol) + ": must be finite and >= 0");
  }
}

std::string repro_command(const Problem& p, const RunOptions& o, const TensorFiles* files) {
  std::ostringstream s;
  s << "conveq compare ";
  if (files != nullptr && !files->options_string().empty()) s << files->options_string() << " ";
  s << p.options_string();
  if (o.threads > 0) s << " --threads " << o.threads;
  s << " --warmup " << o.warmup << " --repeat " << o.repeat;
  if (!o.paths.empty()) s << " --paths " << join(o.paths, ",");
  if (o.gemm != "auto") s << " --gemm " << o.gemm;
  if (o.backends) s << " --backends " << join(*o.backends, ",");
  if (o.atol) s << " --atol " << *o.atol;
  if (o.rtol) s << " --rtol " << *o.rtol;
  if (o.compare.equal_nan) s << " --equal-nan";
  if (o.compare.allow_reduced_precision) {
    s << " --allow-reduced-precision " << shell_word(o.compare.allow_reduced_precision->given);
  }
  if (o.compare.worst_count != CompareOptions{}.worst_count) {
    s << " --worst-count " << o.compare.worst_count;
  }
  if (o.check_determinism) s << " --check-determinism";
  if (o.check_batch_invariance) s << " --check-batch-invariance";
  return s.str();
}

}  // namespace conveq
