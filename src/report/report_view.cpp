#include "conveq/report/report_view.hpp"

#include "conveq/core/error.hpp"
#include "conveq/core/visible_text.hpp"

namespace conveq {
namespace {

// A found value for a message: short, on one line.
std::string found(const nlohmann::json& value) {
  if (!value.is_number() && !value.is_boolean()) return std::string("found ") + value.type_name();
  return "found " + value.dump();  // a number or a boolean: short
}

}  // namespace

ReportView::ReportView(const nlohmann::json& document, std::string file)
    : value_(&document), file_(std::make_shared<const std::string>(std::move(file))) {}

ReportView::ReportView(const nlohmann::json* value, std::shared_ptr<const std::string> file,
                       std::string path)
    : value_(value), file_(std::move(file)), path_(std::move(path)) {}

void ReportView::fail(const std::string& rule) const {
  // The rule may quote a string of the report: escaped, so the message stays one line.
  throw InputError(*file_ + ": " + (path_.empty() ? std::string("the report") : "field " + path_) +
                   ": " + visible_text(rule));
}

void ReportView::require(bool holds, const char* what) const {
  if (!holds) fail(std::string("must be ") + what + " (" + found(*value_) + ")");
}

ReportView ReportView::operator[](std::string_view key) const {
  require(value_->is_object(), "an object");
  const auto member = value_->find(std::string(key));
  const std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  if (member == value_->end()) ReportView(value_, file_, path).fail("missing");
  return ReportView(&*member, file_, path);
}

std::optional<ReportView> ReportView::optional(std::string_view key) const {
  if (!contains(key)) return std::nullopt;
  ReportView member = (*this)[key];
  if (member.is_null()) return std::nullopt;
  return member;
}

bool ReportView::contains(std::string_view key) const {
  require(value_->is_object(), "an object");
  return value_->contains(std::string(key));
}

std::vector<ReportView> ReportView::items() const {
  require(value_->is_array(), "an array");
  std::vector<ReportView> items;
  items.reserve(value_->size());
  for (size_t i = 0; i < value_->size(); ++i) {
    items.push_back(ReportView(&(*value_)[i], file_, path_ + "[" + std::to_string(i) + "]"));
  }
  return items;
}

std::string ReportView::string() const {
  require(value_->is_string(), "a string");
  return value_->get<std::string>();
}

bool ReportView::boolean() const {
  require(value_->is_boolean(), "true or false");
  return value_->get<bool>();
}

namespace {

bool fits_int64(const nlohmann::json& value) {
  // An unsigned value above INT64_MAX, or a float such as 1e30, would wrap in get<int64_t>().
  return value.is_number_integer() &&
         !(value.is_number_unsigned() &&
           value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
}

std::string integer_rule(int64_t min, int64_t max) {
  constexpr auto lowest = std::numeric_limits<int64_t>::min();
  constexpr auto highest = std::numeric_limits<int64_t>::max();
  if (min == lowest && max == highest) return "must be an integer";
  if (max == highest) return "must be an integer >= " + std::to_string(min);
  return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

}  // namespace

int64_t ReportView::integer(int64_t min, int64_t max) const {
  if (!fits_int64(*value_) || value_->get<int64_t>() < min || value_->get<int64_t>() > max) {
    fail(integer_rule(min, max) + " (" + found(*value_) + ")");
  }
  return value_->get<int64_t>();
}

double ReportView::number() const {
  require(value_->is_number(), "a number");
  return value_->get<double>();
}

std::optional<double> ReportView::number_or_null() const {
  if (value_->is_null()) return std::nullopt;
  require(value_->is_number(), "a number or null");
  return value_->get<double>();
}

std::vector<int64_t> ReportView::integers() const {
  require(value_->is_array(), "an array of integers");
  std::vector<int64_t> values;
  for (const auto& item : *value_) {
    if (!fits_int64(item)) fail("must be an array of integers (" + found(item) + ")");
    values.push_back(item.get<int64_t>());
  }
  return values;
}

void require_readable_schema(const ReportView& report) {
  const int64_t version = report["schema_version"].integer();
  if (version != kReadableSchemaVersion) {
    throw InputError(report.file() + ": schema_version " + std::to_string(version) +
                     ": this conveq reads reports of schema_version " +
                     std::to_string(kReadableSchemaVersion) +
                     " only (use the conveq that wrote it, or write the report again)");
  }
}

}  // namespace conveq
