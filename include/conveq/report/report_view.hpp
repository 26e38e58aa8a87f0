#pragma once
// Reading a report back (`show`, `check`, the suite tables): every field goes through this one
// checked accessor. A missing field or one of the wrong type is an InputError naming the file
// and the field's path,
//   r.json: field problems[3].report.problem.input_shape: missing
//   r.json: field comparisons[0].mismatches: must be an integer from 0 to 9223372036854775807
//           (found 1e+30)
// never undefined behaviour (nlohmann's operator[] on a missing key) or a wrapped-around value.
#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conveq {

// The report layout this conveq reads (report/json.hpp's kSchemaVersion, which writes it;
// baseline.cpp checks that the two agree).
inline constexpr int kReadableSchemaVersion = 1;

class ReportView {
 public:
  // The whole document read from `file` (the name that starts every message).
  ReportView(const nlohmann::json& document, std::string file);

  const nlohmann::json& json() const { return *value_; }
  const std::string& file() const { return *file_; }
  const std::string& path() const { return path_; }  // "" for the document itself

  // A member of this object: "missing" when absent (null is present).
  ReportView operator[](std::string_view key) const;
  // A member that may be left out: absent and null both give nullopt.
  std::optional<ReportView> optional(std::string_view key) const;
  bool contains(std::string_view key) const;
  // The elements of this array.
  std::vector<ReportView> items() const;

  bool is_null() const { return value_->is_null(); }
  std::string string() const;
  bool boolean() const;
  int64_t integer(int64_t min = std::numeric_limits<int64_t>::min(),
                  int64_t max = std::numeric_limits<int64_t>::max()) const;
  int64_t count() const { return integer(0); }  // an integer >= 0
  double number() const;                        // any JSON number
  // A number, or null: the reports' way of writing a non-finite value.
  std::optional<double> number_or_null() const;
  std::vector<int64_t> integers() const;  // an array of integers, e.g. a shape

  // Throws InputError "FILE: field PATH: rule".
  [[noreturn]] void fail(const std::string& rule) const;

 private:
  ReportView(const nlohmann::json* value, std::shared_ptr<const std::string> file,
             std::string path);
  void require(bool holds, const char* what) const;

  const nlohmann::json* value_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
};

// Throws InputError naming the file unless report.schema_version is kReadableSchemaVersion
// (a report of another version may mean its fields differently).
void require_readable_schema(const ReportView& report);

}  // namespace conveq
