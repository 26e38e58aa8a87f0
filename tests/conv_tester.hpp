#pragma once
// A fluent builder in the style of XNNPACK's operator testers: set the problem with
// chainable setters, then Test() runs every path through the session and checks that
// every comparison passed (and, under --fill exact, that every difference is zero).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "conveq/core/problem.hpp"
#include "conveq/session/session.hpp"

class ConvTester {
 public:
  ConvTester& batch(int64_t n) { return set(options_.batch, n); }
  ConvTester& in(int64_t c) { return set(options_.in_channels, c); }
  ConvTester& out(int64_t c) { return set(options_.out_channels, c); }
  ConvTester& length(int64_t l) { return set(options_.length, l); }
  ConvTester& height_width(int64_t h, int64_t w) {
    options_.height = std::to_string(h);
    options_.width = std::to_string(w);
    return *this;
  }
  ConvTester& kernel(const std::string& k) { return text(options_.kernel, k); }
  ConvTester& stride(const std::string& s) { return text(options_.stride, s); }
  ConvTester& padding(const std::string& p) { return text(options_.padding, p); }
  ConvTester& dilation(const std::string& d) { return text(options_.dilation, d); }
  ConvTester& groups(int64_t g) { return set(options_.groups, g); }
  ConvTester& no_bias() {
    options_.no_bias = true;
    return *this;
  }
  ConvTester& dtype(const std::string& d) { return text(options_.dtype, d); }
  ConvTester& accumulate(const std::string& a) { return text(options_.accumulate, a); }
  ConvTester& fill(const std::string& f) { return text(options_.fill, f); }
  ConvTester& seed(uint64_t s) { return set(options_.seed, static_cast<int64_t>(s)); }
  // The paths to run, as --paths (default: every path that runs without being named).
  ConvTester& paths(std::vector<std::string> names) {
    paths_ = std::move(names);
    return *this;
  }

  // --gemm for the im2col and gemm paths (default auto).
  ConvTester& gemm(const std::string& provider) { return text(gemm_, provider); }

  conveq::Problem problem() const { return conveq::make_problem(options_); }
  std::string describe() const { return problem().options_string(); }

  // Runs every path; returns the report for further checks.
  nlohmann::json Test() const {
    conveq::RunOptions run;
    run.threads = 2;
    run.warmup = 0;
    run.repeat = 1;
    run.paths = paths_;
    run.gemm = gemm_;
    const conveq::Problem p = problem();
    const auto result = conveq::run_compare(p, run);
    const auto& report = result.report;
    INFO(describe());
    CHECK(report["comparisons"].size() >= 2);
    for (const auto& c : report["comparisons"]) {
      INFO(c["a"].get<std::string>() + " vs " + c["b"].get<std::string>() + ": " +
           c["reason"].get<std::string>());
      CHECK(c["status"] == "passed");  // not failed, and not mistrusted either
      CHECK(c["mismatches"] == 0);
      if (p.fill == conveq::Fill::exact) CHECK(c["max_abs_error"] == 0.0);
    }
    CHECK(report["verdict"]["equivalent"] == true);
    return report;
  }

 private:
  ConvTester& set(std::string& field, int64_t value) {
    field = std::to_string(value);
    return *this;
  }
  ConvTester& text(std::string& field, const std::string& value) {
    field = value;
    return *this;
  }
  conveq::ProblemOptions options_;
  std::vector<std::string> paths_;
  std::string gemm_ = "auto";
};
