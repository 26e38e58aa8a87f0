#include "conveq/report/json.hpp"

#include <cmath>

#include "conveq/core/host_info.hpp"
#include "conveq/io/tensor_files.hpp"
#include "conveq/report/suite_report.hpp"
#include "conveq/suite/baseline.hpp"

namespace conveq {

nlohmann::json number_or_null(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

nlohmann::json to_json(const Problem& p) {
  return {
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
      {"accumulation", to_string(p.accumulation_dtype())},
      {"fill", to_string(p.fill)},
      {"seed", p.seed},
      {"pointwise", p.is_pointwise()},
      {"input_shape", p.input_shape()},
      {"weight_shape", p.weight_shape()},
      {"output_shape", p.output_shape()},
      {"reduction_length", p.reduction_length()},
      {"flops", p.flops()},
  };
}

nlohmann::json to_json(const Timing& t) {
  nlohmann::json j = {{"min_ms", t.min_ms},   {"median_ms", t.median_ms},
                      {"max_ms", t.max_ms},   {"mad_ms", t.mad_ms},
                      {"repeats", t.repeats}, {"samples_ms", t.samples_ms}};
  // Absent, not zeros, where the host does not count it.
  if (!t.runqueue_wait_ms.empty()) j["runqueue_wait_ms"] = t.runqueue_wait_ms;
  if (t.warm_before_each) j["warm_before_each"] = true;
  return j;
}

nlohmann::json to_json(const NonFiniteCounts& c) {
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

nlohmann::json allowance_json(const std::optional<PrecisionAllowance>& allowance) {
  if (!allowance) return nullptr;
  return {{"given", allowance->given}, {"bits", allowance->bits}};
}

nlohmann::json precision_json(const PrecisionResult& p) {
  return {{"statistic", "rms_error_over_l2_scale"},
          {"effective_precision_bits", number_or_null(p.effective_bits)},
          {"expected_precision_bits", number_or_null(p.expected_bits)},
          {"threshold_bits", number_or_null(p.threshold_bits)},
          {"format", p.format},
          {"rms_normalised_error", number_or_null(p.rms_normalised_error)},
          {"max_normalised_error", number_or_null(p.max_normalised_error)},
          {"coherence", number_or_null(p.coherence)},
          {"outputs", p.outputs},
          {"excluded_small_scale", p.excluded_small_scale},
          {"excluded_nonfinite", p.excluded_nonfinite},
          {"rule_applied", p.rule_applied},
          {"reduced", p.reduced},
          {"nearest_format",
           p.nearest_format.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.nearest_format)},
          {"allowed", allowance_json(p.allowance)},
          {"accepted", p.accepted}};
}

nlohmann::json band_json(const ComparisonResult& r) {
  if (!r.band.applies) return nullptr;
  return {{"lambda", kBandLambda},
          {"scale_factor", r.tolerance.band_scale_factor},
          {"confidence_per_output", r.band.confidence_per_output},
          {"utilisation", number_or_null(r.band.utilisation)},
          {"outputs_beyond", r.band.outputs_beyond}};
}

nlohmann::json error_map_json(const ErrorMap& map) {
  const auto maxima = [](const std::vector<double>& values) {
    nlohmann::json array = nlohmann::json::array();
    for (const double v : values) array.push_back(number_or_null(v));
    return array;
  };
  nlohmann::json histogram = nlohmann::json::array();  // the non-empty buckets only
  for (int k = 0; k < kUtilisationBuckets; ++k) {
    const int64_t count = map.utilisation_histogram[static_cast<size_t>(k)];
    if (count == 0) continue;
    histogram.push_back({{"lower", utilisation_bucket_lower(k)},
                         {"upper", number_or_null(utilisation_bucket_upper(k))},
                         {"count", count}});
  }
  return {{"channel_bucket_size", map.channel_bucket_size},
          {"channel_max_utilisation", maxima(map.channel_max_utilisation)},
          {"position_bucket_size", map.position_bucket_size},
          {"position_max_utilisation", maxima(map.position_max_utilisation)},
          {"utilisation_histogram", histogram}};
}
}  // namespace

nlohmann::json to_json(const Tolerance& t) {
  nlohmann::json j = {{"kind", to_string(t.kind)}, {"formula", t.formula}};
  if (t.kind == ToleranceKind::rounding_bound) {
    j["terms"] = t.terms;
    j["unit_roundoff"] = t.unit_roundoff;
    j["gamma"] = gamma(t.terms, t.unit_roundoff);
    j["scale_factor"] = t.scale_factor;
    j["value_factor"] = t.value_factor;
    j["atol"] = t.atol;
  } else if (t.kind == ToleranceKind::atol_rtol) {
    j["atol"] = t.atol;
    j["rtol"] = t.value_factor;
  } else if (t.kind == ToleranceKind::running_error_bound) {
    j["terms"] = t.terms;
    j["unit_roundoff"] = t.unit_roundoff;
    j["running_factor"] = t.running_factor;
    j["scale_factor"] = t.scale_factor;
    j["value_factor"] = t.value_factor;
    j["atol"] = t.atol;
    if (t.order_free) j["order_free_bound"] = to_json(*t.order_free);
  }
  return j;
}

nlohmann::json to_json(const ComparisonResult& r) {
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
      {"error_map", error_map_json(r.error_map)},
      {"worst_mismatches", worst},
      {"nonfinite",
       {{"a", to_json(r.a_nonfinite)},
        {"b", to_json(r.b_nonfinite)},
        {"nan_mismatches", r.nan_mismatches},
        {"inf_mismatches", r.inf_mismatches},
        {"agreements", r.nonfinite_agreements}}},
      {"tolerance", to_json(r.tolerance)},
      {"precision", precision_json(r.precision)},
      {"probabilistic_band", band_json(r)},
      {"passed", r.status != Status::failed},
      {"status", to_string(r.status)},
      {"reason", r.reason},
  };
}

nlohmann::json to_json(const PathResult& p) {
  nlohmann::json path = {{"name", p.name},
                         {"op", p.op},
                         {"algorithm", p.algorithm},
                         {"input_shape", p.input_shape},
                         {"weight_shape", p.weight_shape},
                         {"output_shape", p.output_shape},
                         {"timing", to_json(p.timing)},
                         {"gflops", number_or_null(p.flops / (p.timing.median_ms * 1e6))},
                         {"output_nonfinite", to_json(p.output_nonfinite)}};
  // Only for a path that calls a library: conveq's own paths' entries are unchanged.
  if (p.backend) {
    const BackendInfo& b = *p.backend;
    path["backend"] = {
        {"library", b.library},
        {"version", b.version},
        {"implementation", b.implementation},
        {"layouts",
         {{"src", b.layouts.src}, {"weights", b.layouts.weights}, {"dst", b.layouts.dst}}},
        {"threads", b.threads}};
  }
  return path;
}

nlohmann::json to_json(const SkippedPath& p) {
  return {{"name", p.name}, {"reason", p.reason}};
}

nlohmann::json to_json(const DeterminismResult& r) {
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& p : r.paths) {
    paths.push_back({{"name", p.name},
                     {"identical", p.identical},
                     {"rerun_differing_elements", p.rerun_differing_elements},
                     {"other_threads_differing_elements", p.other_threads_differing_elements}});
  }
  return {{"threads", r.threads},
          {"other_threads", r.other_threads},
          {"identical", r.identical},
          {"paths", paths}};
}

nlohmann::json to_json(const BatchInvarianceResult& r) {
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& p : r.paths) {
    paths.push_back({{"name", p.name},
                     {"identical", p.identical},
                     {"differing_elements", p.differing_elements},
                     {"differing_samples", p.differing_samples}});
  }
  return {{"batch", r.batch}, {"identical", r.identical}, {"paths", paths}};
}

nlohmann::json to_json(const Verdict& v) {
  return {{"equivalent", v.equivalent()}, {"status", to_string(v.status)}, {"passed", v.passed},
          {"failed", v.failed},           {"mistrusted", v.mistrusted},    {"summary", v.summary}};
}

nlohmann::json to_json(const RunOptions& o, int threads) {
  return {{"threads", threads},
          {"warmup", o.warmup},
          {"repeat", o.repeat},
          {"paths_selected", o.paths},
          {"gemm_requested", o.gemm},
          {"backends_selected", o.backends ? nlohmann::json(*o.backends) : nullptr},
          {"equal_nan", o.compare.equal_nan},
          {"worst_count", o.compare.worst_count},
          {"allow_reduced_precision", allowance_json(o.compare.allow_reduced_precision)},
          {"check_determinism", o.check_determinism},
          {"check_batch_invariance", o.check_batch_invariance},
          {"atol", o.atol ? nlohmann::json(*o.atol) : nullptr},
          {"rtol", o.rtol ? nlohmann::json(*o.rtol) : nullptr}};
}

namespace {

nlohmann::json file_json(const std::optional<TensorFile>& file) {
  if (!file) return nullptr;
  const npy::Array& a = file->array;
  return {{"path", file->path},
          {"descr", a.descr},
          {"shape", a.shape},
          {"fortran_order", a.fortran_order},
          {"version", std::to_string(a.version_major) + "." + std::to_string(a.version_minor)},
          {"sha256", file->sha256},
          {"conversion",
           file->conversion.empty() ? nlohmann::json(nullptr) : nlohmann::json(file->conversion)},
          {"values_changed", file->values_changed},
          {"values_overflowed", file->values_overflowed},
          {"values_flushed_to_zero", file->values_flushed_to_zero},
          {"nonfinite", to_json(count_nonfinite(a.values))}};
}

// A list of results as a JSON array.
template <typename Result>
nlohmann::json array_of(const std::vector<Result>& results) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& r : results) array.push_back(to_json(r));
  return array;
}

template <typename Result>
nlohmann::json optional_json(const std::optional<Result>& result) {
  return result ? to_json(*result) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const TensorFiles& files) {
  return {{"input", file_json(files.input)},
          {"weight", file_json(files.weight)},
          {"bias", file_json(files.bias)},
          {"expect", file_json(files.expect)}};
}

nlohmann::json to_json(const CompareReport& r) {
  nlohmann::json report = {
      {"schema_version", kSchemaVersion},
      {"tool", tool_info()},
      {"host", host_info(r.threads)},
      {"problem", to_json(r.problem)},
      {"run", to_json(r.run, r.threads)},
      {"gemm",
       {{"provider", r.gemm.provider},
        {"library", r.gemm.library},
        {"version", r.gemm.version},
        {"kernel", r.gemm.kernel}}},
      {"reference",
       {{"accumulation", r.reference_accumulation}, {"unit_roundoff", r.reference_unit_roundoff}}},
      {"paths", array_of(r.paths)},
      {"skipped_paths", array_of(r.skipped_paths)},
      {"comparisons", array_of(r.comparisons)},
      {"verdict", to_json(r.verdict)},
      {"determinism", optional_json(r.determinism)},
      {"batch_invariance", optional_json(r.batch_invariance)},
      {"repro", r.repro},
  };
  if (r.files != nullptr) report["inputs"] = to_json(*r.files);
  return report;
}

nlohmann::json to_json(const SuiteEntry& e) {
  nlohmann::json entry = {{"name", e.name},   {"line", e.line},     {"options", e.options},
                          {"repro", e.repro}, {"status", e.status}, {"seconds", e.seconds}};
  if (e.status == "error") {
    entry["error"] = e.error;
  } else {
    entry["report"] = e.report;
  }
  if (!e.model_node.is_null()) entry["model_node"] = e.model_node;
  return entry;
}

nlohmann::json to_json(const SuiteSummary& s) {
  return {{"problems", s.problems},
          {"passed", s.passed},
          {"failed", s.failed},
          {"mistrusted", s.mistrusted},
          {"errors", s.errors}};
}

nlohmann::json to_json(const SuiteRunInfo& info, int64_t problems_selected) {
  return {{"file", info.file},
          {"sha256", info.sha256},
          {"problems_in_file", info.problems_in_file},
          {"problems_selected", problems_selected},
          {"shard", {{"index", info.shard.index}, {"count", info.shard.count}}},
          {"filter", info.filter.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.filter)},
          {"command", info.command},
          {"run_options", info.run_options}};
}

nlohmann::json to_json(const SuiteReport& r) {
  nlohmann::json suite = to_json(r.info, r.summary.problems);
  suite["seconds"] = r.seconds;
  return {
      {"schema_version", kSchemaVersion}, {"tool", tool_info()},
      {"host", host_info(r.threads)},     {"suite", suite},
      {"problems", array_of(r.entries)},  {"summary", to_json(r.summary)},
  };
}

nlohmann::json to_json(const CheckResult& result, const CheckThresholds& thresholds,
                       const std::string& current_name, const std::string& baseline_name) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : result.rows) {
    rows.push_back({{"change", to_string(row.change)},
                    {"problem", row.problem},
                    {"subject", row.subject},
                    {"metric", row.metric},
                    {"baseline", row.baseline},
                    {"current", row.current},
                    {"reason", row.reason}});
  }
  return {{"schema_version", kSchemaVersion},
          {"current", current_name},
          {"baseline", baseline_name},
          {"thresholds",
           {{"max_slowdown", thresholds.max_slowdown},
            {"max_error_growth", thresholds.max_error_growth},
            {"min_time_ms", thresholds.min_time_ms},
            {"significance", thresholds.significance},
            {"subset", thresholds.subset}}},
          {"checked",
           {{"problems", result.problems},
            {"comparisons", result.comparisons},
            {"paths", result.paths}}},
          {"regressions", result.count(Change::regression)},
          {"mistrusted", result.count(Change::mistrusted)},
          {"improvements", result.count(Change::improvement)},
          {"rows", rows},
          {"notes", result.notes}};
}

}  // namespace conveq
