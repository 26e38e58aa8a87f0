#include "conveq/paths/storage_format.hpp"

#include <stdexcept>

#include "conveq/paths/emulated_gemm.hpp"

namespace conveq {
namespace {

// A conveq path in a storage format: its GEMM emulated while it runs (--accumulate same), its
// output rounded to the format after it ran (--accumulate float32).
class StorageFormatPath final : public Path<float> {
 public:
  StorageFormatPath(std::unique_ptr<Path<float>> inner, HalfFormat format, DType dtype)
      : inner_(std::move(inner)), format_(format), dtype_(dtype) {}
  std::string op() const override { return inner_->op(); }
  std::string algorithm() const override { return inner_->algorithm(); }
  // A library path's own reason first ("not built", a formulation it lacks), then the dtype's.
  std::string skip_reason(const Problem& p) const override {
    const std::string reason = inner_->skip_reason(p);
    if (!reason.empty() || inner_->runs_16_bit(dtype_)) return reason;
    return half_library_skip_reason(dtype_);
  }
  ConvGeometry geometry(const Problem& p) const override { return inner_->geometry(p); }
  bool is_rank1() const override { return inner_->is_rank1(); }
  std::string opt_in() const override { return inner_->opt_in(); }
  std::optional<BackendInfo> backend() const override { return inner_->backend(); }
  std::string backend_name() const override { return inner_->backend_name(); }
  void park_threads() override { inner_->park_threads(); }
  bool runs_16_bit(DType dtype) const override { return inner_->runs_16_bit(dtype); }

  void prepare(const Problem& p, const ConvData<float>& data, int threads) override {
    emulated_ = accumulation_format(p);
    threads_ = threads;
    elements_ = p.output_elements();
    inner_->prepare(p, data, threads);
  }
  void run(float* output) override {
    const EmulatedGemmScope scope(emulated_, threads_);
    inner_->run(output);
  }
  // Rounding each output once is untimed: a real kernel rounds as it stores. With every
  // operation rounded, an output the format cannot hold means the emulation itself broke.
  void finish(float* output) override {
    inner_->finish(output);
    if (!emulated_) {
      round_all(format_, output, elements_);
      return;
    }
    const int64_t stray = count_unrepresentable(format_, output, elements_);
    if (stray > 0) {
      throw std::logic_error(name() + ": " + std::to_string(stray) + " outputs are not " +
                             to_string(format_) +
                             " values with --accumulate same: its emulation missed a rounding");
    }
  }

 private:
  std::unique_ptr<Path<float>> inner_;
  HalfFormat format_;
  DType dtype_;
  std::optional<HalfFormat> emulated_;
  int threads_ = 1;
  int64_t elements_ = 0;
};

}  // namespace

std::optional<HalfFormat> accumulation_format(const Problem& problem) {
  if (problem.accumulate != Accumulation::same) return std::nullopt;
  return storage_format(problem.dtype);
}

std::string half_library_skip_reason(DType dtype) {
  return to_string(dtype) + " working dtype: not run by this path yet";
}

PathList<float> storage_format_paths(PathList<float> paths, const Problem& problem) {
  const auto format = storage_format(problem.dtype);
  if (!format) return paths;
  PathList<float> wrapped;
  for (auto& path : paths) {
    wrapped.push_back(std::make_unique<StorageFormatPath>(std::move(path), *format, problem.dtype));
  }
  return wrapped;
}

}  // namespace conveq
