#pragma once
// What the library tests (test_onednn, test_xnnpack, test_torch) share: looking up a report's
// entries by name, and a real library path called with a deliberate mistake, which the
// checker must catch.
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"
#include "misconfigured_path.hpp"

inline const nlohmann::json* find_named(const nlohmann::json& list, const std::string& name) {
  for (const auto& item : list) {
    if (item["name"] == name) return &item;
  }
  return nullptr;
}

inline std::string skip_reason(const nlohmann::json& report, const std::string& name) {
  const nlohmann::json* skipped = find_named(report["skipped_paths"], name);
  return skipped ? (*skipped)["reason"].get<std::string>() : "";
}

inline const nlohmann::json* comparison(const nlohmann::json& report, const std::string& a,
                                        const std::string& b) {
  for (const auto& c : report["comparisons"]) {
    if (c["a"] == a && c["b"] == b) return &c;
  }
  return nullptr;
}

// The names of the paths of this algorithm that ran, in report order.
inline std::vector<std::string> ran_paths(const nlohmann::json& report,
                                          const std::string& algorithm) {
  std::vector<std::string> names;
  for (const auto& p : report["paths"]) {
    if (p["algorithm"] == algorithm) names.push_back(p["name"]);
  }
  return names;
}

// `op/algorithm` for each formulation.
inline std::vector<std::string> path_names(const std::vector<std::string>& ops,
                                           const std::string& algorithm) {
  std::vector<std::string> names;
  for (const auto& op : ops) names.push_back(op + "/" + algorithm);
  return names;
}

// `names` with two of conveq's own paths before them, which apply to every problem (and give
// ConvTester::Test the two comparisons it wants at least).
inline std::vector<std::string> with_own_paths(std::vector<std::string> names) {
  names.insert(names.begin(), {"conv2d/naive", "conv2d/im2col"});
  return names;
}

// Whether this build has the library (--backends name); a test that needs it and cannot run
// passes with a warning saying why.
inline bool require_backend(const std::string& name) {
  const conveq::BackendEntry* backend = conveq::find_backend(name);
  if (backend->not_built.empty()) return true;
  WARN(backend->library << ": " << backend->not_built << ": test skipped");
  return false;
}

// The mistakes: one more padding on the left and one less on the right (the same output
// size, shifted windows), and the bias left out.
inline void padding_off_by_one(conveq::Problem& p) {
  ++p.pad_left;
  --p.pad_right;
}
inline void bias_dropped(conveq::Problem& p) {
  p.has_bias = false;
}
