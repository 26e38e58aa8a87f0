// Effective precision (check/precision.hpp, docs/precision.md): calibrated on emulated formats.
// Inputs rounded to 7, 8, 10 and 16 explicit mantissa bits, then convolved exactly and rounded to
// float32 (what a TF32 or bfloat16 kernel with float32 accumulation gives), and float16
// accumulation, across reduction lengths 17 to 18,433: the --expect comparison must read the
// formats' bits and fail them as float32; correct float32 sums, coherent ones included, must not.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <functional>

#include "conveq/check/bound.hpp"
#include "conveq/check/compare.hpp"
#include "conveq/check/reference.hpp"
#include "conveq/core/error.hpp"
#include "conveq/core/fill.hpp"

namespace {

using conveq::ComparisonResult;
using conveq::Status;

// Rounds to nearest even keeping `explicit_bits` bits after the leading one (no range limits).
double round_to_bits(double v, int explicit_bits) {
  if (v == 0 || !std::isfinite(v)) return v;
  int e = 0;
  const double m = std::frexp(v, &e);  // [0.5, 1)
  return std::ldexp(std::nearbyint(std::ldexp(m, explicit_bits + 1)), e - (explicit_bits + 1));
}

// float16: 10 explicit bits, subnormals in steps of 2^-24 below 2^-14, infinity above 65504.
double round_to_half(double v) {
  if (std::abs(v) < 0x1p-14) return std::nearbyint(v * 0x1p24) * 0x1p-24;
  const double r = round_to_bits(v, 10);
  return std::abs(r) > 65504 ? std::copysign(INFINITY, r) : r;
}

struct Emulation {
  conveq::Problem problem;
  conveq::ConvData<float> data;
  conveq::ReferenceOutput reference;
};

// A Conv1d with `channels` inputs, kernel `kernel` ('same' padding), 4 outputs channels, length 24:
// 96 outputs of channels * kernel + 1 terms. `positive`: |x| and |w|, every term of one sign.
Emulation emulation(int64_t channels, int64_t kernel, bool positive = false) {
  conveq::ProblemOptions o;
  o.in_channels = std::to_string(channels);
  o.out_channels = "4";
  o.length = "24";
  o.kernel = std::to_string(kernel);
  o.padding = "same";
  o.seed = std::to_string(channels * 16 + kernel);
  Emulation e{conveq::make_problem(o), {}, {}};
  e.data = conveq::fill_data<float>(e.problem);
  if (positive) {
    for (auto& v : e.data.input) v = std::abs(v);
    for (auto& v : e.data.weight) v = std::abs(v);
    for (auto& v : e.data.bias) v = std::abs(v);
  }
  conveq::compute_reference(e.problem, e.data, 2, e.reference);
  return e;
}

// The convolution with every input and weight passed through `round_input`, each product through
// `round_product` and every partial sum through `round_sum` (bias first, then channel and tap
// order), as float32 at the end.
std::vector<double> emulate(const Emulation& e, const std::function<double(double)>& round_input,
                            const std::function<double(double)>& round_product,
                            const std::function<double(double)>& round_sum) {
  const conveq::Problem& p = e.problem;
  std::vector<double> out;
  for (int64_t o = 0; o < p.out_channels; ++o) {
    for (int64_t t = 0; t < p.out_width(); ++t) {
      double sum = round_sum(p.has_bias ? double(e.data.bias(o)) : 0.0);
      for (int64_t c = 0; c < p.in_channels; ++c) {
        for (int64_t k = 0; k < p.kernel_w; ++k) {
          const int64_t x = t + k - p.pad_left;
          if (x < 0 || x >= p.width) continue;
          const double product = round_product(round_input(e.data.weight(o, c, 0, k)) *
                                               round_input(e.data.input(0, c, 0, x)));
          sum = round_sum(sum + product);
        }
      }
      out.push_back(static_cast<float>(sum));
    }
  }
  return out;
}

// The output judged as conveq judges an --expect file of `stored_u` against the reference.
ComparisonResult judge_expected(const Emulation& e, const std::vector<double>& output,
                                double stored_u = 0x1p-24, conveq::CompareOptions options = {}) {
  const conveq::ExpectedOrigin origin{stored_u, false};
  conveq::CompareInput in;
  in.a_name = "expected";
  in.b_name = "reference";
  in.a = output;
  in.b = {e.reference.value.data(), e.reference.value.size()};
  in.scale = {e.reference.scale.data(), e.reference.scale.size()};
  in.l2_scale = {e.reference.l2_scale.data(), e.reference.l2_scale.size()};
  in.shape = e.problem.output_shape();
  in.tolerance = conveq::expected_vs_reference_tolerance(e.problem, origin);
  in.precision = conveq::expected_precision_model(e.problem, origin, true);
  return conveq::compare_outputs(in, options);
}

double identity(double v) {
  return v;
}

const std::vector<std::pair<int64_t, int64_t>> kShapes = {
    {16, 1}, {16, 9}, {64, 3}, {256, 1}, {256, 9}, {1024, 3}, {2048, 1}, {2048, 9}};

}  // namespace

TEST_CASE("inputs rounded to p bits read p bits and fail as float32", "[precision]") {
  for (const auto& [channels, kernel] : kShapes) {
    const Emulation e = emulation(channels, kernel);
    for (const int explicit_bits : {7, 8, 10, 16}) {
      const auto round = [b = explicit_bits](double v) { return round_to_bits(v, b); };
      const ComparisonResult r = judge_expected(e, emulate(e, round, identity, identity));
      const auto& p = r.precision;
      const int64_t n = e.problem.reduction_length() + 1;
      std::printf(
          "calibration: n %6lld  inputs %2d explicit bits  reads %5.2f  expected %5.2f  "
          "bound used %.3g  %s\n",
          static_cast<long long>(n), explicit_bits, p.effective_bits, p.expected_bits,
          r.bound_utilisation, conveq::to_string(r.status).c_str());
      INFO("n " << n << ", " << explicit_bits << " explicit bits: reads " << p.effective_bits);
      CHECK(p.outputs == e.problem.output_elements());
      CHECK(std::abs(p.effective_bits - (explicit_bits + 1)) <= 1.5);
      CHECK(p.rule_applied);
      // 16-bit inputs are within float32's own sum error from about 1,000 terms on.
      if (explicit_bits + 1 < p.threshold_bits) {
        CHECK(r.status == Status::failed);
        CHECK(p.reduced);
      }
      if (explicit_bits <= 10) CHECK(r.status == Status::failed);
      if (explicit_bits == 10) {
        CHECK_THAT(r.reason, Catch::Contains("consistent with TF32 or float16 inputs"));
      }
    }
  }
}

TEST_CASE("float16 accumulation fails as float32", "[precision]") {
  for (const auto& [channels, kernel] : kShapes) {
    const Emulation e = emulation(channels, kernel);
    const ComparisonResult r =
        judge_expected(e, emulate(e, round_to_half, round_to_half, round_to_half));
    const int64_t n = e.problem.reduction_length() + 1;
    // The truth for a recursive float16 sum of random terms: each of the n additions rounds its
    // partial sum s_k with relative variance u^2 E[1/m^2] / 3 = 0.18 u^2, and sum_k s_k^2 is
    // about n l2^2 (1 + coherence) / 2, so the RMS normalised error is about sqrt(0.09) = 0.3
    // times the model's u sqrt(n (1 + coherence)); no better than float16 inputs alone (11).
    conveq::PrecisionModel float16 = conveq::path_precision_model(e.problem, 1);
    float16.accumulation_u = 0x1p-11;
    const double typical = 0.3 * conveq::expected_rms(float16, r.precision.coherence);
    const double truth = std::min(11.0, conveq::precision_bits(typical));
    std::printf(
        "calibration: n %6lld  float16 accumulation  reads %5.2f  truth %5.2f  "
        "expected %5.2f  bound used %.3g\n",
        static_cast<long long>(n), r.precision.effective_bits, truth, r.precision.expected_bits,
        r.bound_utilisation);
    INFO("n " << n << ": reads " << r.precision.effective_bits << ", truth " << truth);
    CHECK(r.status == Status::failed);
    CHECK(r.precision.reduced);
    CHECK(std::abs(r.precision.effective_bits - truth) <= 1.5);
  }
}

TEST_CASE("correct float32 sums are never flagged, coherent ones included", "[precision]") {
  const auto to_float = [](double v) { return double(static_cast<float>(v)); };
  for (const bool positive : {false, true}) {
    for (const auto& [channels, kernel] : kShapes) {
      const Emulation e = emulation(channels, kernel, positive);
      // Recursive summation in float32, products rounded: the least accurate correct order.
      const ComparisonResult r = judge_expected(e, emulate(e, identity, to_float, to_float));
      const int64_t n = e.problem.reduction_length() + 1;
      std::printf(
          "calibration: n %6lld  float32 recursive sum%s  reads %5.2f  expected %5.2f  "
          "coherence %.3g\n",
          static_cast<long long>(n), positive ? " (all terms positive)" : "",
          r.precision.effective_bits, r.precision.expected_bits, r.precision.coherence);
      INFO("n " << n << (positive ? " positive" : "") << ": " << r.reason);
      CHECK(r.status == Status::passed);
      CHECK_FALSE(r.precision.reduced);
      CHECK(r.precision.effective_bits >= r.precision.expected_bits);
    }
  }
}

TEST_CASE("allow-reduced-precision accepts what it names and no less", "[precision]") {
  const Emulation e = emulation(1024, 3);
  const auto tf32 = [](double v) { return round_to_bits(v, 10); };
  const auto bf16 = [](double v) { return round_to_bits(v, 7); };
  conveq::CompareOptions allow_tf32;
  allow_tf32.allow_reduced_precision = conveq::parse_precision_allowance("tf32");
  const auto accepted =
      judge_expected(e, emulate(e, tf32, identity, identity), 0x1p-24, allow_tf32);
  CHECK(accepted.status == Status::passed);
  CHECK(accepted.precision.reduced);
  CHECK(accepted.precision.accepted);
  const auto refused = judge_expected(e, emulate(e, bf16, identity, identity), 0x1p-24, allow_tf32);
  CHECK(refused.status == Status::failed);
  CHECK_THAT(refused.reason, Catch::Contains("--allow-reduced-precision tf32 accepts down to 9.5"));
  conveq::CompareOptions allow_bf16;
  allow_bf16.allow_reduced_precision = conveq::parse_precision_allowance("8");
  CHECK(judge_expected(e, emulate(e, bf16, identity, identity), 0x1p-24, allow_bf16).status ==
        Status::passed);
  // The rigorous bound still decides: a wrong output fails whatever is allowed.
  std::vector<double> wrong = emulate(e, bf16, identity, identity);
  wrong[5] += 1.0;
  const auto broken = judge_expected(e, wrong, 0x1p-24, allow_bf16);
  CHECK(broken.status == Status::failed);
  CHECK(broken.mismatches == 1);
  CHECK_THAT(broken.reason, Catch::StartsWith("1 of 96 elements outside the tolerance; about "));
  CHECK_THAT(broken.reason, !Catch::Contains("accepts"));
}

TEST_CASE("a float16 file with a 3 % error fails, a correct one is never flagged", "[precision]") {
  // n = 145: float16's bound passes the 3 % error; n = 2,305: the bound is infinite (the correct
  // file is then mistrusted, never failed).
  for (const auto& [channels, kernel] : kShapes) {
    const Emulation e = emulation(channels, kernel);
    std::vector<double> correct, off;
    for (size_t i = 0; i < e.reference.value.size(); ++i) {
      correct.push_back(round_to_half(e.reference.value(i)));
      off.push_back(round_to_half(e.reference.value(i) * (i % 2 ? 1.03 : 0.97)));
    }
    const auto good = judge_expected(e, correct, 0x1p-11);
    INFO("n " << e.problem.reduction_length() + 1 << ": " << good.reason);
    CHECK(good.status != Status::failed);
    CHECK_FALSE(good.precision.reduced);
    const auto bad = judge_expected(e, off, 0x1p-11);
    INFO(bad.reason);
    CHECK(bad.status == Status::failed);
    CHECK(bad.precision.reduced);
    CHECK_THAT(bad.reason, Catch::Contains("not float32 sums stored as float16"));
    if (channels * kernel >= 144) CHECK(bad.mismatches == 0);  // only the rule sees it
  }
}

TEST_CASE("the reference's l2 scale is sqrt(sum (w x)^2 + b^2)", "[precision]") {
  const Emulation e = emulation(16, 9);
  const auto square = [](double v) { return v * v; };
  const std::vector<double> squares = emulate(e, identity, square, identity);
  // Summed in double from the bias: emulate's sum starts at b, so add b^2 - b.
  const conveq::Problem& p = e.problem;
  for (int64_t o = 0; o < p.out_channels; ++o) {
    for (int64_t t = 0; t < p.out_width(); ++t) {
      const auto i = static_cast<size_t>(o * p.out_width() + t);
      const double b = e.data.bias(o);
      const double direct = std::sqrt(squares[i] - b + b * b);
      CHECK(e.reference.l2_scale(i) == Approx(direct).epsilon(1e-6));
    }
  }
}

TEST_CASE("precision statistic: exclusions, too few outputs and no error", "[precision]") {
  const Emulation e = emulation(64, 3);
  std::vector<double> out = emulate(
      e, [](double v) { return round_to_bits(v, 7); }, identity, identity);
  out[0] = NAN;
  const auto with_nan = judge_expected(e, out);
  CHECK(with_nan.precision.excluded_nonfinite == 1);
  CHECK(with_nan.precision.outputs == e.problem.output_elements() - 1);
  // A huge error keeps the statistic finite (capped at 2^64 times the scale) and fails.
  out[1] = 1e300;
  const auto huge = judge_expected(e, out);
  CHECK(std::isfinite(huge.precision.rms_normalised_error));
  CHECK(huge.precision.effective_bits < -50);
  CHECK(huge.status == Status::failed);
  // Exactly the reference: no error at all reads +inf bits, never reduced.
  const std::vector<double> same(e.reference.value.begin(), e.reference.value.end());
  const auto exact = judge_expected(e, same);
  CHECK(std::isinf(exact.precision.effective_bits));
  CHECK_FALSE(exact.precision.reduced);
  // Fewer than 32 outputs: read, never judged.
  conveq::ProblemOptions o;
  o.in_channels = "2048";
  o.out_channels = "2";
  o.length = "8";
  Emulation small{conveq::make_problem(o), {}, {}};
  small.data = conveq::fill_data<float>(small.problem);
  conveq::compute_reference(small.problem, small.data, 1, small.reference);
  const auto few = judge_expected(
      small, emulate(
                 small, [](double v) { return round_to_bits(v, 10); }, identity, identity));
  CHECK(few.precision.outputs == 16);
  CHECK_FALSE(few.precision.rule_applied);
  CHECK(few.status == Status::passed);
  CHECK(few.precision.effective_bits < 13);
  // Zero scale: an output whose every term is zero is not measured.
  const std::vector<double> small_same(small.reference.value.begin(), small.reference.value.end());
  std::fill(small.reference.l2_scale.begin(), small.reference.l2_scale.begin() + 3, 0.0);
  CHECK(judge_expected(small, small_same).precision.excluded_small_scale == 3);
}

TEST_CASE("the probabilistic band is reported beside the bound", "[precision]") {
  const Emulation e = emulation(256, 9);
  const auto tf32 = [](double v) { return round_to_bits(v, 10); };
  const auto r = judge_expected(e, emulate(e, tf32, identity, identity));
  CHECK(r.band.applies);
  CHECK(r.bound_utilisation < 1);
  // TF32 inputs are inside the rigorous bound but far outside the float32 band.
  CHECK(r.band.utilisation > 1);
  CHECK(r.band.outputs_beyond > 0);
  CHECK(r.band.confidence_per_output > 0.98);
  CHECK(conveq::band_confidence(1, 0x1p-24) == Approx(1 - 2 * std::exp(-12.5)));
}

TEST_CASE("allow-reduced-precision values", "[precision]") {
  CHECK(conveq::parse_precision_allowance("tf32").bits == 11);
  CHECK(conveq::parse_precision_allowance("bfloat16").bits == 8);
  CHECK(conveq::parse_precision_allowance("float16").bits == 11);
  CHECK(conveq::parse_precision_allowance("12.5").bits == 12.5);
  for (const char* bad : {"", "1", "54", "tf", "11x", "nan", "inf"}) {
    CHECK_THROWS_AS(conveq::parse_precision_allowance(bad), conveq::InputError);
  }
}

TEST_CASE("a float32 file of float32 sums is not flagged under --dtype float64", "[precision]") {
  const Emulation e = emulation(1024, 9);
  conveq::Problem p = e.problem;
  p.dtype = conveq::DType::float64;
  conveq::ConvData<double> data = conveq::allocate_data<double>(p);
  std::copy(e.data.input.begin(), e.data.input.end(), data.input.begin());
  std::copy(e.data.weight.begin(), e.data.weight.end(), data.weight.begin());
  std::copy(e.data.bias.begin(), e.data.bias.end(), data.bias.begin());
  conveq::ReferenceOutput reference;
  conveq::compute_reference(p, data, 2, reference);
  const auto to_float = [](double v) { return double(static_cast<float>(v)); };
  const std::vector<double> output = emulate(e, identity, to_float, to_float);
  const conveq::ExpectedOrigin origin{0x1p-24, false};
  conveq::CompareInput in;
  in.a = output;
  in.b = {reference.value.data(), reference.value.size()};
  in.scale = {reference.scale.data(), reference.scale.size()};
  in.l2_scale = {reference.l2_scale.data(), reference.l2_scale.size()};
  in.shape = p.output_shape();
  in.dtype = p.dtype;
  in.tolerance = conveq::expected_vs_reference_tolerance(p, origin);
  in.precision = conveq::expected_precision_model(p, origin, true);
  const auto r = conveq::compare_outputs(in, {});
  INFO(r.reason);
  CHECK(r.precision.format == "float32");
  CHECK(r.status == Status::passed);
  CHECK_FALSE(r.precision.reduced);
  // The same sums judged as float64 ones would be flagged: the model is what keeps them apart.
  in.precision = conveq::path_precision_model(p, 1);
  CHECK(conveq::compare_outputs(in, {}).precision.reduced);
}
