// The running error bound of --accumulate same (check/running_bound): it covers every output's
// actual error, float16 subnormals included, and is tighter than gamma_n; a path that is not the
// definition's order is an internal error; a result missing one term, inside gamma_n, fails it.
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>

#include "conveq/check/bound.hpp"
#include "conveq/check/compare.hpp"
#include "conveq/check/reference.hpp"
#include "conveq/check/running_bound.hpp"
#include "conveq/core/fill.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/paths/storage_format.hpp"
#include "conveq/session/session.hpp"
#include "misconfigured_path.hpp"

namespace {

conveq::Problem problem(const std::string& dtype, int64_t in, int64_t kernel, int64_t length,
                        bool bias = true) {
  conveq::ProblemOptions o;
  o.no_bias = !bias;
  o.in_channels = std::to_string(in);
  o.out_channels = "4";
  o.length = std::to_string(length);
  o.kernel = std::to_string(kernel);
  o.padding = "same";
  o.dtype = dtype;
  o.accumulate = "same";
  return conveq::make_problem(o);
}

conveq::ReferenceOutput reference_of(const conveq::Problem& p, const conveq::ConvData<float>& d) {
  conveq::ReferenceOutput ref;
  conveq::compute_reference(p, d, 2, ref);
  return ref;
}

// A path that sums in float32 and rounds each output once into the format (conv1d/naive in
// the format, told it sums in float32): format values, but not the definition's order of
// roundings.
std::unique_ptr<conveq::Path<float>> rounded_once_path(const conveq::Problem& p) {
  conveq::PathList<float> naive;
  naive.push_back(conveq::make_conv1d_naive<float>());
  return std::make_unique<MisconfiguredPath>(
      std::move(conveq::storage_format_paths(std::move(naive), p)[0]), sums_in_float32, "conv1d",
      "rounded_once");
}

// A path that skips the product's rounding (a fused multiply-add in the format): the
// definition's order, one rounding short per term. 1D, one group.
class FusedPath final : public conveq::Path<float> {
 public:
  std::string op() const override { return "conv1d"; }
  std::string algorithm() const override { return "fused"; }
  std::string skip_reason(const conveq::Problem&) const override { return ""; }
  conveq::ConvGeometry geometry(const conveq::Problem& p) const override {
    return conveq::conv1d_view(p);
  }
  void prepare(const conveq::Problem& p, const conveq::ConvData<float>& data, int) override {
    p_ = p;
    data_ = &data;
  }
  void run(float* output) override {
    const auto format = *conveq::storage_format(p_.dtype);
    for (int64_t o = 0; o < p_.out_channels; ++o) {
      for (int64_t l = 0; l < p_.out_width(); ++l) {
        float s = data_->bias(o);
        for (int64_t c = 0; c < p_.in_channels; ++c) {
          for (int64_t k = 0; k < p_.kernel_w; ++k) {
            const int64_t i = l * p_.stride_w + k * p_.dilation_w - p_.pad_left;
            if (i < 0 || i >= p_.width) continue;
            s = conveq::round_to(format, s + data_->weight(o, c, 0, k) * data_->input(0, c, 0, i));
          }
        }
        *output++ = s;
      }
    }
  }

 private:
  conveq::Problem p_;
  const conveq::ConvData<float>* data_ = nullptr;
};

}  // namespace

TEST_CASE("the running bound covers every output's error and is tighter than gamma_n",
          "[half][bound]") {
  for (const std::string dtype : {"float16", "bfloat16"}) {
    // 37 to 2,305 terms; the last without bias and with inputs scaled by 2^-14, so that
    // float16's products and sums are subnormal.
    for (const auto& [in, kernel, tiny] : {std::tuple{12, 3, false}, std::tuple{64, 9, false},
                                           std::tuple{256, 9, false}, std::tuple{24, 5, true}}) {
      const conveq::Problem p = problem(dtype, in, kernel, 40, !tiny);
      auto data = conveq::fill_data<float>(p);
      if (tiny) {
        for (float& x : data.input)
          x = conveq::round_to(*conveq::storage_format(p.dtype), x * 0x1p-14f);
      }
      const auto ref = reference_of(p, data);
      const conveq::RunningBound r = conveq::running_error_bound(p, data, 2);
      const conveq::Tolerance order_free = conveq::path_vs_reference_tolerance(p);
      const double reference_error = conveq::gamma(conveq::output_sum_terms(p), 0x1p-53);
      INFO(dtype << " n = " << conveq::output_sum_terms(p) << (tiny ? " (tiny inputs)" : ""));
      int64_t tighter = 0, nonzero_error = 0;
      for (size_t i = 0; i < r.value.size(); ++i) {
        const double error = std::abs(r.value[i] - ref.value[i]);
        INFO("output " << i << ": error " << error << ", bound " << r.bound[i]);
        REQUIRE(error <= r.bound[i] + reference_error * ref.scale[i]);
        tighter += r.bound[i] < order_free.at(ref.scale[i], ref.value[i]);
        nonzero_error += error > 0;
      }
      CHECK(tighter == static_cast<int64_t>(r.value.size()));
      CHECK(nonzero_error > static_cast<int64_t>(r.value.size()) / 2);
    }
  }
}

TEST_CASE("a result missing one term: inside gamma_n, outside the running bound", "[half][bound]") {
  const conveq::Problem p = problem("bfloat16", 24, 3, 40);
  const auto data = conveq::fill_data<float>(p);
  const auto ref = reference_of(p, data);
  const conveq::RunningBound r = conveq::running_error_bound(p, data, 2);
  // The same outputs without their first channel's first tap (where it is inside the input).
  std::vector<double> missing(r.value.begin(), r.value.end()),
      bound(r.bound.begin(), r.bound.end());
  for (int64_t o = 0; o < p.out_channels; ++o) {
    for (int64_t l = 1; l < p.out_width(); ++l) {
      missing[static_cast<size_t>(o * p.out_width() + l)] -=
          static_cast<double>(data.weight(o, 0, 0, 0)) * data.input(0, 0, 0, l - 1);
    }
  }
  conveq::CompareInput in;
  in.a_name = "missing";
  in.b_name = "reference";
  in.a = missing;
  in.b = {ref.value.data(), ref.value.size()};
  in.scale = {ref.scale.data(), ref.scale.size()};
  in.shape = p.output_shape();
  in.dtype = p.dtype;
  in.tolerance = conveq::path_vs_reference_tolerance(p);
  CHECK(conveq::compare_outputs(in, {}).mismatches == 0);
  in.tolerance = conveq::running_vs_reference_tolerance(p);
  CHECK_THROWS_AS(conveq::compare_outputs(in, {}), std::logic_error);  // no bounds given
  in.running_bound = bound;
  const conveq::ComparisonResult failed = conveq::compare_outputs(in, {});
  CHECK(failed.status == conveq::Status::failed);
  CHECK(failed.mismatches > 0);
  // The definition itself passes, and not mistrusted.
  std::vector<double> exact(r.value.begin(), r.value.end());
  in.a = exact;
  const conveq::ComparisonResult passed = conveq::compare_outputs(in, {});
  CHECK(passed.status == conveq::Status::passed);
  CHECK(passed.bound_utilisation > 0);
}

TEST_CASE("a path that is not the definition's order is an internal error", "[half][bound]") {
  for (const std::string dtype : {"float16", "bfloat16"}) {
    const conveq::Problem p = problem(dtype, 24, 3, 40);
    conveq::PathList<float> paths;
    paths.push_back(rounded_once_path(p));
    paths.push_back(conveq::make_conv1d_im2col<float>());
    conveq::RunOptions run;
    run.threads = 2;
    run.warmup = 0;
    run.repeat = 1;
    CHECK_THROWS_WITH(
        conveq::run_compare_on<float>(p, run, conveq::fill_data<float>(p),
                                      conveq::storage_format_paths(std::move(paths), p)),
        Catch::StartsWith("conv1d/rounded_once: ") &&
            Catch::Contains("differ from the definition's summation order"));
    conveq::PathList<float> fused;
    fused.push_back(std::make_unique<FusedPath>());
    CHECK_THROWS_WITH(
        conveq::run_compare_on<float>(p, run, conveq::fill_data<float>(p),
                                      conveq::storage_format_paths(std::move(fused), p)),
        Catch::StartsWith("conv1d/fused: ") &&
            Catch::Contains("differ from the definition's summation order"));
    // The honest paths alone pass, with the running bound as their tolerance.
    conveq::PathList<float> honest;
    honest.push_back(conveq::make_conv1d_naive<float>());
    honest.push_back(conveq::make_conv1d_im2col<float>());
    const auto result = conveq::run_compare_on<float>(
        p, run, conveq::fill_data<float>(p), conveq::storage_format_paths(std::move(honest), p));
    CHECK(result.exit_status == 0);
  }
}
