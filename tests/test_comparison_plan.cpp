// Running a plan: comparisons whose operands have the same bits share one result, under their
// own names, and only within one kind (one tolerance and precision model).
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "conveq/check/reference.hpp"
#include "conveq/core/fill.hpp"
#include "conveq/report/json.hpp"
#include "conveq/session/comparison_plan.hpp"

namespace {

using conveq::ComparisonKind;
using conveq::Operand;
using conveq::PlannedComparison;

// A comparison result as JSON without its names, which shared results change.
std::string without_names(const conveq::ComparisonResult& r) {
  auto json = conveq::to_json(r);
  json.erase("a");
  json.erase("b");
  return json.dump();
}

}  // namespace

TEST_CASE("comparisons of the same bits share a result, under their own names", "[plan]") {
  conveq::ProblemOptions o;
  o.in_channels = "4";
  o.out_channels = "8";
  o.length = "300";
  const auto problem = conveq::make_problem(o);
  conveq::ReferenceOutput reference;
  conveq::compute_reference(problem, conveq::fill_data<float>(problem), 1, reference);
  const size_t n = reference.value.size();
  std::vector<float> first(n), same(n), other(n);
  for (size_t i = 0; i < n; ++i) first[i] = static_cast<float>(reference.value[i]);
  same = first;
  other = first;
  other[n / 2] = std::nextafter(other[n / 2], 1e9f);  // one ULP apart: another result

  const Operand<float> reference_side{
      "reference", nullptr, {reference.value.data(), reference.value.size()}};
  const auto vs_reference = conveq::path_vs_reference_tolerance(problem);
  const auto vs_path = conveq::path_vs_path_tolerance(problem);
  const auto model = conveq::path_precision_model(problem, 1);
  const auto twin_model = conveq::path_precision_model(problem, 2);
  std::vector<PlannedComparison<float>> plan;
  auto add = [&](const Operand<float>& a, const Operand<float>& b, const conveq::Tolerance& t,
                 const conveq::PrecisionModel& m, ComparisonKind kind) {
    plan.push_back({a, b, t, m, kind});
  };
  const Operand<float> first_side{"first", first.data(), {}}, same_side{"same", same.data(), {}};
  add(first_side, reference_side, vs_reference, model, ComparisonKind::path_vs_reference);
  add(same_side, reference_side, vs_reference, model, ComparisonKind::path_vs_reference);
  add({"other", other.data(), {}}, reference_side, vs_reference, model,
      ComparisonKind::path_vs_reference);
  add(same_side, first_side, vs_path, twin_model, ComparisonKind::twins);
  add(same_side, first_side, vs_path, twin_model, ComparisonKind::twins);
  add(first_side, reference_side, vs_path, twin_model, ComparisonKind::twins);
  const conveq::OutputScales scales{{reference.scale.data(), reference.scale.size()},
                                    {reference.l2_scale.data(), reference.l2_scale.size()},
                                    {}};
  const auto results = conveq::run_comparisons(plan, problem, scales, {}, 2);
  REQUIRE(results.size() == plan.size());

  // Each result as its comparison alone gives it.
  for (size_t i = 0; i < plan.size(); ++i) {
    INFO("comparison " << i);
    const auto alone = conveq::run_comparisons(std::vector{plan[i]}, problem, scales, {}, 1);
    CHECK(conveq::to_json(results[i]).dump() == conveq::to_json(alone[0]).dump());
  }
  CHECK(results[1].a == "same");
  CHECK(without_names(results[1]) == without_names(results[0]));
  CHECK(without_names(results[2]) != without_names(results[0]));
  CHECK(results[2].max_ulp > results[0].max_ulp);
  // Another kind, another tolerance: the same operands do not share across kinds.
  CHECK(results[5].tolerance.scale_factor == vs_path.scale_factor);
  CHECK(without_names(results[5]) != without_names(results[0]));
}
