#pragma once
// A real path prepared for a wrong problem: what a mistake in a call (to a library, or in
// conveq's own arithmetic settings) would compute, which the checker must catch. By default it
// is named misconfigured/<its algorithm>, so that it is the first formulation of that
// algorithm, which the others are compared with; a test may name it otherwise.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "conveq/paths/path.hpp"

class MisconfiguredPath final : public conveq::Path<float> {
 public:
  MisconfiguredPath(std::unique_ptr<conveq::Path<float>> inner,
                    std::function<void(conveq::Problem&)> mistake, std::string op = "misconfigured",
                    std::string algorithm = "")
      : inner_(std::move(inner)),
        mistake_(std::move(mistake)),
        op_(std::move(op)),
        algorithm_(std::move(algorithm)) {}
  std::string op() const override { return op_; }
  std::string algorithm() const override {
    return algorithm_.empty() ? inner_->algorithm() : algorithm_;
  }
  std::string backend_name() const override { return inner_->backend_name(); }
  bool is_rank1() const override { return inner_->is_rank1(); }
  std::string skip_reason(const conveq::Problem& p) const override {
    return inner_->skip_reason(p);
  }
  conveq::ConvGeometry geometry(const conveq::Problem& p) const override {
    return inner_->geometry(p);
  }
  void prepare(const conveq::Problem& p, const conveq::ConvData<float>& data,
               int threads) override {
    conveq::Problem wrong = p;
    mistake_(wrong);
    inner_->prepare(wrong, data, threads);
  }
  void run(float* output) override { inner_->run(output); }
  void finish(float* output) override { inner_->finish(output); }
  std::optional<conveq::BackendInfo> backend() const override { return inner_->backend(); }

 private:
  std::unique_ptr<conveq::Path<float>> inner_;
  std::function<void(conveq::Problem&)> mistake_;
  std::string op_, algorithm_;
};

// A float16/bfloat16 path told that the problem sums in float32, whatever it says.
inline void sums_in_float32(conveq::Problem& p) {
  p.accumulate = conveq::Accumulation::float32;
}
