#include "conveq/report/report.hpp"

#include <cmath>

namespace conveq {

nlohmann::json number_or_null(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

nlohmann::json problem_json(const Problem& p) {
  nlohmann::json j = {
      {"rank", p.rank},
      {"batch", p.batch},
      {"in_channels", p.in_channels},
      {"out_channels", p.out_channels},
      {"groups", p.groups},
      {"height", p.height},
      {"width", p.width},
      {"length", p.length()},
      {"kernel", {p.kernel_h, p.kernel_w}},
      {"stride", {p.stride_h, p.stride_w}},
      {"dilation", {p.dilation_h, p.dilation_w}},
      {"padding",
       {{"spec", p.padding_spec},
        {"top", p.pad_top},
        {"bottom", p.pad_bottom},
        {"left", p.pad_left},
        {"right", p.pad_right}}},
      {"fold", p.fold_h > 0 ? nlohmann::json{p.fold_h, p.fold_w} : nlohmann::json(nullptr)},
      {"bias", p.has_bias},
      {"dtype", to_string(p.dtype)},
      {"fill", to_string(p.fill)},
      {"seed", p.seed},
      {"pointwise", p.is_pointwise()},
      {"input_shape", p.input_shape()},
      {"weight_shape", p.weight_shape()},
      {"output_shape", p.output_shape()},
      {"reduction_length", p.reduction_length()},
      {"flops", p.flops()},
  };
  return j;
}

nlohmann::json timing_json(const Timing& t) {
  return {{"min_ms", t.min_ms},
          {"median_ms", t.median_ms},
          {"max_ms", t.max_ms},
          {"repeats", t.repeats}};
}

nlohmann::json nonfinite_json(const NonFiniteCounts& c) {
  return {{"nan", c.nan}, {"positive_inf", c.positive_inf}, {"negative_inf", c.negative_inf}};
}

namespace {
nlohmann::json percentiles_json(const Percentiles& p) {
  return {{"p50", number_or_null(p.p50)},
          {"p90", number_or_null(p.p90)},
          {"p99", number_or_null(p.p99)},
          {"max", number_or_null(p.max)}};
}

nlohmann::json histogram_json(const ComparisonResult& r) {
  nlohmann::json buckets = nlohmann::json::array();
  for (size_t k = 0; k < r.ulp_histogram.size(); ++k) {
    const double lo = k == 0 ? 0 : std::ldexp(1.0, static_cast<int>(k) - 1);
    const double hi = k == 0 ? 0 : std::ldexp(1.0, static_cast<int>(k)) - 1;
    buckets.push_back({{"min_ulp", lo}, {"max_ulp", hi}, {"count", r.ulp_histogram[k]}});
  }
  return {{"buckets", buckets}, {"not_comparable", r.ulp_not_comparable}};
}
}  // namespace

nlohmann::json comparison_json(const ComparisonResult& r) {
  nlohmann::json worst = nlohmann::json::array();
  for (const auto& m : r.worst_mismatches) {
    worst.push_back({{"index", m.index},
                     {"a", number_or_null(m.a)},
                     {"b", number_or_null(m.b)},
                     {"difference", number_or_null(m.difference)},
                     {"tolerance", number_or_null(m.tolerance)}});
  }
  return {
      {"a", r.a},
      {"b", r.b},
      {"elements", r.elements},
      {"max_abs_error", number_or_null(r.max_abs_error)},
      {"max_rel_error", number_or_null(r.max_rel_error)},
      {"max_scaled_error", number_or_null(r.max_scaled_error)},
      {"max_ulp", number_or_null(r.max_ulp)},
      {"mean_abs_error", number_or_null(r.mean_abs_error)},
      {"mismatches", r.mismatches},
      {"worst_index", r.worst_index},
      {"worst_a", number_or_null(r.worst_a)},
      {"worst_b", number_or_null(r.worst_b)},
      {"bound_utilisation", number_or_null(r.bound_utilisation)},
      {"abs_error_percentiles", percentiles_json(r.abs_error)},
      {"rel_error_percentiles", percentiles_json(r.rel_error)},
      {"ulp_histogram", histogram_json(r)},
      {"worst_mismatches", worst},
      {"nonfinite",
       {{"a", nonfinite_json(r.a_nonfinite)},
        {"b", nonfinite_json(r.b_nonfinite)},
        {"nan_mismatches", r.nan_mismatches},
        {"inf_mismatches", r.inf_mismatches}}},
      {"tolerance", r.tolerance.to_json()},
      {"passed", r.status != Status::failed},
      {"status", to_string(r.status)},
      {"reason", r.reason},
  };
}

}  // namespace conveq
