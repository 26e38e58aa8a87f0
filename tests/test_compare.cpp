// The comparison rules on hand-made outputs whose answers are known.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "conveq/check/bound.hpp"
#include "conveq/check/compare.hpp"
#include "conveq/check/reference.hpp"
#include "conveq/core/fill.hpp"
#include "conveq/report/json.hpp"

using conveq::compare_outputs;
using conveq::CompareInput;
using conveq::CompareOptions;
using conveq::DType;
using conveq::Status;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Case {
  std::vector<double> a, b, scale;
  conveq::Tolerance tolerance = conveq::user_tolerance(1e-6, 0);
  CompareOptions options;
  conveq::ComparisonResult run() const {
    CompareInput in;
    in.a_name = "a";
    in.b_name = "b";
    in.a = a;
    in.b = b;
    in.scale = scale.empty() ? std::span<const double>(b) : std::span<const double>(scale);
    in.shape = {1, 1, static_cast<int64_t>(a.size())};
    in.dtype = DType::float32;
    in.tolerance = tolerance;
    return compare_outputs(in, options);
  }
};

std::vector<double> ramp(size_t n) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = 1.0 + static_cast<double>(i % 97) * 0.25;
  return v;
}

}  // namespace

TEST_CASE("the rounding bound is gamma_n = n u / (1 - n u)", "[compare][bound]") {
  CHECK(conveq::gamma(1, 0x1p-24) == Approx(0x1p-24 / (1 - 0x1p-24)).epsilon(1e-15));
  CHECK(conveq::gamma(1 << 24, 0x1p-24) == kInf);
  conveq::ProblemOptions o;
  o.in_channels = "64";
  o.length = "8";
  const auto p = conveq::make_problem(o);
  const auto t = conveq::path_vs_path_tolerance(p);
  CHECK(t.terms == 65);  // 64 products and the bias
  CHECK(t.scale_factor == Approx(2 * conveq::gamma(65, 0x1p-24)).epsilon(1e-12));
  CHECK(conveq::path_vs_reference_tolerance(p).scale_factor < t.scale_factor);
}

TEST_CASE("a difference just inside the tolerance passes, just outside fails", "[compare]") {
  Case c{{1.0 + 0.9e-3, 2.0}, {1.0, 2.0}, {}, conveq::user_tolerance(1e-3, 0), {}};
  CHECK(c.run().status == Status::passed);
  CHECK(c.run().bound_utilisation == Approx(0.9).epsilon(1e-9));
  c.a[0] = 1.0 + 1.1e-3;
  const auto r = c.run();
  CHECK(r.status == Status::failed);
  CHECK(r.mismatches == 1);
  CHECK(r.worst_index == std::vector<int64_t>{0, 0, 0});
  // torch.testing semantics: atol + rtol * |b|.
  Case rel{{101.0}, {100.0}, {}, conveq::user_tolerance(0, 0.0101), {}};
  CHECK(rel.run().status == Status::passed);
  rel.tolerance = conveq::user_tolerance(0, 0.0099);
  CHECK(rel.run().status == Status::failed);
}

TEST_CASE("exact tolerance accepts only identical values", "[compare]") {
  Case c{{1.0, 2.0, 3.0}, {1.0, 2.0, 3.0}, {}, conveq::exact_tolerance(), {}};
  CHECK(c.run().status == Status::passed);
  c.a[2] = std::nextafter(3.0f, 4.0f);
  const auto r = c.run();
  CHECK(r.status == Status::failed);
  CHECK(r.max_ulp == 1);
}

TEST_CASE("NaN never vanishes from a maximum", "[compare][nan]") {
  Case c{{1.0, kNaN, 3.0}, {1.0, 2.0, 3.0}, {}, conveq::user_tolerance(1e-6, 0), {}};
  const auto r = c.run();
  CHECK(r.status == Status::failed);
  CHECK(r.nan_mismatches == 1);
  CHECK(r.max_abs_error == kInf);
  CHECK(r.max_ulp == kInf);
  CHECK(r.a_nonfinite.nan == 1);
  CHECK(r.b_nonfinite.nan == 0);
  CHECK(r.worst_index == std::vector<int64_t>{0, 0, 1});
  // On the expected side too.
  Case d{{1.0, 2.0, 3.0}, {1.0, kNaN, 3.0}, {1.0, 1.0, 1.0}, conveq::user_tolerance(1e-6, 0), {}};
  CHECK(d.run().status == Status::failed);
}

TEST_CASE("NaN equals NaN only with equal_nan", "[compare][nan]") {
  Case c{{1.0, kNaN, 3.0}, {1.0, kNaN, 3.0}, {1, 1, 1}, conveq::user_tolerance(1e-6, 0), {}};
  CHECK(c.run().status == Status::failed);
  c.options.equal_nan = true;
  const auto r = c.run();
  CHECK(r.status == Status::passed);
  CHECK(r.max_abs_error == 0);
  CHECK(r.ulp_not_comparable == 1);
}

TEST_CASE("infinities are equal only with the same sign", "[compare][inf]") {
  // Two infinities among five: fewer than half, so the finite rest decides.
  Case same{{kInf, 2.0, -kInf, 3.0, 4.0},
            {kInf, 2.0, -kInf, 3.0, 4.0},
            {1, 1, 1, 1, 1},
            conveq::user_tolerance(1e-6, 0),
            {}};
  const auto r = same.run();
  CHECK(r.status == Status::passed);
  CHECK(r.a_nonfinite.positive_inf == 1);
  CHECK(r.a_nonfinite.negative_inf == 1);
  CHECK(r.nonfinite_agreements == 2);
  Case opposite = same;
  opposite.a[0] = -kInf;
  const auto o = opposite.run();
  CHECK(o.status == Status::failed);
  CHECK(o.inf_mismatches == 1);
  CHECK(o.max_abs_error == kInf);
  Case finite = same;
  finite.a[0] = 1e30;
  CHECK(finite.run().status == Status::failed);
}

TEST_CASE("checks too weak to mean anything are mistrusted", "[compare][mistrusted]") {
  Case zeros{std::vector<double>(100, 0.0), std::vector<double>(100, 0.0), {}, {}, {}};
  zeros.scale = std::vector<double>(100, 1.0);
  Case nearly = zeros;
  nearly.a[5] = nearly.b[5] = 1.0;
  struct Row {
    std::string name;
    Case c;
    std::string reason;
  };
  const std::vector<Row> rows = {
      {"all zero", zeros, "all zero"},
      {"nearly all zero", nearly, "nearly all zero"},
      {"constant", Case{std::vector<double>(50, 2.5), std::vector<double>(50, 2.5), {}, {}, {}},
       "constant"},
      {"a tolerance looser than the data",
       Case{ramp(50), ramp(50), {}, conveq::user_tolerance(100.0, 0), {}}, "looser"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto r = row.c.run();
      CHECK(r.status == Status::mistrusted);
      CHECK_THAT(r.reason, Catch::Contains(row.reason));
    }
  }
  SECTION("a failure stays a failure, whatever the data") {
    Case failing = zeros;
    failing.a[3] = 1.0;
    CHECK(failing.run().status == Status::failed);
  }
  SECTION("ordinary data is trusted") {
    Case fine{ramp(50), ramp(50), {}, conveq::user_tolerance(1e-6, 0), {}};
    CHECK(fine.run().status == Status::passed);
  }
}

TEST_CASE("one outlier among exact values: found, percentiles unmoved", "[compare]") {
  Case c{ramp(1000), ramp(1000), {}, conveq::user_tolerance(1e-3, 0), {}};
  c.a[617] += 0.5;
  const auto r = c.run();
  CHECK(r.status == Status::failed);
  CHECK(r.mismatches == 1);
  CHECK(r.worst_index == std::vector<int64_t>{0, 0, 617});
  REQUIRE(r.worst_mismatches.size() == 1);
  CHECK(r.worst_mismatches[0].index == std::vector<int64_t>{0, 0, 617});
  CHECK(r.worst_mismatches[0].difference == Approx(0.5));
  CHECK(r.abs_error.p50 == 0);
  CHECK(r.abs_error.p90 == 0);
  CHECK(r.abs_error.p99 == 0);
  CHECK(r.abs_error.max == Approx(0.5));
  CHECK(r.ulp_histogram[0] == 999);
}

TEST_CASE("the worst mismatches are listed worst first, at most worst_count", "[compare]") {
  Case c{ramp(200), ramp(200), {}, conveq::user_tolerance(1e-3, 0), {}};
  for (int i = 0; i < 20; ++i) c.a[static_cast<size_t>(i * 10)] += 0.01 * (i + 1);
  c.options.worst_count = 5;
  const auto r = c.run();
  CHECK(r.mismatches == 20);
  REQUIRE(r.worst_mismatches.size() == 5);
  CHECK(r.worst_mismatches[0].index == std::vector<int64_t>{0, 0, 190});
  CHECK(r.worst_mismatches[4].index == std::vector<int64_t>{0, 0, 150});
  for (size_t i = 1; i < r.worst_mismatches.size(); ++i) {
    CHECK(r.worst_mismatches[i - 1].difference > r.worst_mismatches[i].difference);
  }
}

TEST_CASE("ULP distance and the histogram's log2 buckets", "[compare][ulp]") {
  const float one = 1.0f;
  CHECK(conveq::ulp_distance(one, std::nextafter(one, 2.0f), DType::float32) == 1);
  CHECK(conveq::ulp_distance(0.0, -0.0, DType::float32) == 0);
  const double tiny = std::numeric_limits<float>::denorm_min();
  CHECK(conveq::ulp_distance(tiny, -tiny, DType::float32) == 2);
  CHECK(conveq::ulp_distance(1.0, std::nextafter(1.0, 2.0), DType::float64) == 1);
  CHECK(conveq::ulp_distance(kNaN, 1.0, DType::float64) == kInf);

  std::vector<double> b{1.0, 1.0, 1.0, 1.0, 1.0};
  std::vector<double> a = b;
  a[1] = std::nextafter(1.0f, 2.0f);  // 1 ULP
  a[2] = 1.0 + 3 * 0x1p-23;           // 3 ULPs: [2, 3]
  a[3] = 1.0 + 6 * 0x1p-23;           // 6 ULPs: [4, 7]
  const auto r = Case{a, b, {}, conveq::user_tolerance(1, 0), {}}.run();
  CHECK(r.ulp_histogram == std::vector<int64_t>{2, 1, 1, 1});
  CHECK(r.max_ulp == 6);
}

TEST_CASE("relative error uses the scale as a floor near zero", "[compare]") {
  // b = 1e-9 from cancellation in a sum of magnitude 1: relative to |b| the error would be
  // 1e3; against the floor scale/1024 it is about 1e-3.
  Case c{{1e-9 + 1e-6}, {1e-9}, {1.0}, conveq::user_tolerance(1, 0), {}};
  const auto r = c.run();
  CHECK(r.max_rel_error == Approx(1e-6 * 1024).epsilon(1e-6));
  CHECK(r.max_scaled_error == Approx(1e-6).epsilon(1e-6));
}

TEST_CASE("a NaN mismatch fails even against an infinite tolerance", "[compare][nan]") {
  // gamma_n is infinite once n u >= 1: the bound says nothing, but a NaN is still wrong.
  Case c{{1.0, kNaN, 3.0}, {1.0, 2.0, 3.0}, {1, 1, 1}, conveq::user_tolerance(kInf, 0), {}};
  const auto r = c.run();
  CHECK(r.status == Status::failed);
  CHECK(r.mismatches == 1);
  CHECK(r.bound_utilisation == kInf);
}

TEST_CASE("agreement on infinities or NaN alone proves nothing", "[compare][nonfinite]") {
  SECTION("every output the same infinity on both sides: nothing finite was compared") {
    std::vector<double> signs(8);
    for (size_t i = 0; i < signs.size(); ++i) signs[i] = i % 2 == 0 ? kInf : -kInf;
    Case c{signs, signs, std::vector<double>(8, kInf), conveq::user_tolerance(1e-6, 0), {}};
    const auto r = c.run();
    CHECK(r.status == Status::mistrusted);
    CHECK(r.nonfinite_agreements == 8);
    CHECK(r.mismatches == 0);
    CHECK_THAT(r.reason, Catch::Contains("nothing finite was compared") &&
                             Catch::Contains("8 of 8 expected outputs are infinite or NaN"));
  }
  SECTION("every output NaN with equal_nan: nothing finite was compared") {
    const std::vector<double> nans(6, kNaN);
    Case c{nans, nans, std::vector<double>(6, 1.0), conveq::user_tolerance(1e-6, 0), {}};
    c.options.equal_nan = true;
    const auto r = c.run();
    CHECK(r.status == Status::mistrusted);
    CHECK(r.nonfinite_agreements == 6);
    CHECK_THAT(r.reason, Catch::Contains("nothing finite was compared"));
    c.options.equal_nan = false;  // without it NaN never matches
    CHECK(c.run().status == Status::failed);
  }
  SECTION("half or more of the expected outputs non-finite: mistrusted, with the count") {
    // "Most" is at least half: 4 of 8 is mistrusted, 3 of 8 is judged by the finite rest.
    std::vector<double> values = ramp(8);
    for (size_t i = 0; i < 4; ++i) values[i] = i % 2 == 0 ? kInf : kNaN;
    Case c{values, values, ramp(8), conveq::user_tolerance(1e-6, 0), {}};
    c.options.equal_nan = true;
    const auto r = c.run();
    CHECK(r.status == Status::mistrusted);
    CHECK(r.nonfinite_agreements == 4);
    CHECK(r.reason ==
          "4 of 8 expected outputs are infinite or NaN: agreement on them proves nothing");
    c.a[3] = c.b[3] = ramp(8)[3];
    const auto fewer = c.run();
    CHECK(fewer.status == Status::passed);
    CHECK(fewer.nonfinite_agreements == 3);
  }
}

TEST_CASE("a non-finite output where the other side is finite fails", "[compare][nonfinite]") {
  // A path that overflowed (or produced NaN) where the reference holds the finite exact result,
  // or the reverse, is a mismatch, never an agreement.
  Case path_overflowed{
      {kInf, 2.0, 3.0}, {6e38, 2.0, 3.0}, {6e38, 2, 3}, conveq::user_tolerance(kInf, 0), {}};
  auto r = path_overflowed.run();
  CHECK(r.status == Status::failed);
  CHECK(r.inf_mismatches == 1);
  CHECK(r.nonfinite_agreements == 0);
  Case reference_infinite{
      {1.0, 2.0, 3.0}, {kInf, 2.0, 3.0}, {1, 2, 3}, conveq::user_tolerance(1e-6, 0), {}};
  r = reference_infinite.run();
  CHECK(r.status == Status::failed);
  CHECK(r.inf_mismatches == 1);
  Case nan_with_equal_nan{
      {kNaN, 2.0, 3.0}, {1.0, 2.0, 3.0}, {1, 2, 3}, conveq::user_tolerance(1e-6, 0), {}};
  nan_with_equal_nan.options.equal_nan = true;
  r = nan_with_equal_nan.run();
  CHECK(r.status == Status::failed);
  CHECK(r.nan_mismatches == 1);
}

TEST_CASE("exact zeros count against 99 %, the bound against the nonzero outputs",
          "[compare][mistrusted]") {
  // The output of x (1, 1, 4) * w (1, 1, 1) with --padding 4 and no bias: 8 of 12 exactly zero.
  const std::vector<double> wide = {0, 0, 0, 0, 0.75, -1.5, 2.25, 0.375, 0, 0, 0, 0};
  std::vector<double> scale(wide.size());
  std::transform(wide.begin(), wide.end(), scale.begin(), [](double v) { return std::abs(v); });
  SECTION("a correct result with mostly zeros passes") {
    Case c{wide, wide, scale, conveq::user_tolerance(1e-6, 0), {}};
    const auto r = c.run();
    CHECK(r.status == Status::passed);
    CHECK(r.reason.empty());
  }
  SECTION("98 of 100 zeros is below the 99 % threshold: passed") {
    std::vector<double> b(100, 0.0);
    b[10] = 1.5;
    b[20] = -2.0;
    Case c{b, b, std::vector<double>(100, 2.0), conveq::user_tolerance(1e-6, 0), {}};
    CHECK(c.run().status == Status::passed);
    c.a[20] = c.b[20] = 0;  // 99 of 100: nearly all zero
    CHECK_THAT(c.run().reason, Catch::Contains("nearly all zero (99 of 100 elements)"));
  }
  SECTION("a tolerance looser than the nonzero outputs is still mistrusted") {
    Case c{wide, wide, scale, conveq::user_tolerance(10.0, 0), {}};
    const auto r = c.run();
    CHECK(r.status == Status::mistrusted);
    CHECK_THAT(r.reason, Catch::Contains("looser") && Catch::Contains("median |expected| 0.75"));
  }
  SECTION("zeros and infinities only: no finite nonzero output to judge") {
    std::vector<double> b(10, 0.0);
    for (size_t i = 0; i < 3; ++i) b[i] = kInf;
    Case c{b, b, std::vector<double>(10, 1.0), conveq::user_tolerance(1e-6, 0), {}};
    const auto r = c.run();
    CHECK(r.status == Status::mistrusted);
    CHECK(r.reason == "no expected output is finite and nonzero (7 zeros, 3 infinite or NaN)");
  }
}

TEST_CASE("bit-identical outputs take a shortcut that gives what the full pass gives",
          "[compare]") {
  conveq::ProblemOptions o;
  o.in_channels = "8";
  o.out_channels = "16";
  o.length = "700";
  o.padding = "3";  // without bias, the padded positions are exact zeros
  o.no_bias = true;
  const auto problem = conveq::make_problem(o);
  conveq::ReferenceOutput reference;
  conveq::compute_reference(problem, conveq::fill_data<float>(problem), 1, reference);
  std::vector<double> b(reference.value.begin(), reference.value.end());
  for (auto& v : b) v = static_cast<float>(v);  // a float path's output
  std::vector<double> same = b, equal_not_same = b;
  const auto zero = std::find(b.begin() + 1, b.end(), 0.0) - b.begin();
  REQUIRE(zero < static_cast<std::ptrdiff_t>(b.size()));
  equal_not_same[static_cast<size_t>(zero)] = -0.0;  // equal, but other bits: the full pass

  CompareInput in;
  in.a_name = "a";
  in.b_name = "b";
  in.b = b;
  in.scale = {reference.scale.data(), reference.scale.size()};
  in.l2_scale = {reference.l2_scale.data(), reference.l2_scale.size()};
  in.precision = conveq::path_precision_model(problem, 2);
  in.shape = problem.output_shape();
  in.channels = problem.out_channels;
  in.positions = problem.out_width();
  in.tolerance = conveq::path_vs_path_tolerance(problem);
  in.a = same;
  const auto shortcut = compare_outputs(in, {});
  in.a = equal_not_same;
  const auto full = compare_outputs(in, {});
  CHECK(conveq::to_json(shortcut).dump() == conveq::to_json(full).dump());
  CHECK(shortcut.status == Status::passed);
  CHECK(shortcut.precision.outputs > 0);
  CHECK(shortcut.precision.coherence > 0);
  CHECK(shortcut.error_map.utilisation_histogram[0] == static_cast<int64_t>(b.size()));
}

TEST_CASE("count_nonfinite counts NaN and each infinity, and nothing in finite data", "[compare]") {
  const float big = std::numeric_limits<float>::max();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> finite{big, -big, 0.0f, -0.0f, std::numeric_limits<float>::denorm_min()};
  const auto none = conveq::count_nonfinite(finite);
  CHECK(none.nan + none.positive_inf + none.negative_inf == 0);
  std::vector<float> mixed = finite;
  mixed.insert(mixed.end(), {std::nanf(""), inf, -inf, inf});
  const auto counts = conveq::count_nonfinite(mixed);
  CHECK(counts.nan == 1);
  CHECK(counts.positive_inf == 2);
  CHECK(counts.negative_inf == 1);
  const auto doubles = conveq::count_nonfinite(std::vector<double>{1.0, kNaN, -kInf});
  CHECK(doubles.nan == 1);
  CHECK(doubles.negative_inf == 1);
}
