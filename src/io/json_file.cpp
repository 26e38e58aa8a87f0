#include "conveq/io/json_file.hpp"

#include "conveq/core/error.hpp"
#include "conveq/io/bounded_read.hpp"

namespace conveq {
namespace {

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest is the news.
std::string without_prefix(const std::string& message) {
  const size_t end = message.rfind("] ", message.find(' '));
  return message.rfind("[json.exception.", 0) == 0 && end != std::string::npos
             ? message.substr(end + 2)
             : message;
}

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& name) {
  // Nesting is refused as the parser meets it, so nothing deep is ever built (copying or
  // printing a deep document recurses once per level).
  const auto limit_depth = [&name](int depth, nlohmann::json::parse_event_t event,
                                   nlohmann::json&) {
    const bool opens = event == nlohmann::json::parse_event_t::object_start ||
                       event == nlohmann::json::parse_event_t::array_start;
    if (opens && depth >= kMaxJsonDepth) {
      throw InputError(name + ": not valid JSON: arrays and objects nested more than " +
                       std::to_string(kMaxJsonDepth) + " deep (the limit)");
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, limit_depth);
  } catch (const nlohmann::json::out_of_range& e) {  // a number such as 1e400
    throw InputError(name + ": not valid JSON: " + without_prefix(e.what()) +
                     " (numbers must fit in a double)");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(name + ": not valid JSON: " + without_prefix(e.what()));
  }
}

nlohmann::json read_json_file(const std::string& path) {
  return parse_json(read_bounded(path, kMaxJsonBytes, "JSON file"), path);
}

nlohmann::json read_report_file(const std::string& path) {
  nlohmann::json report = parse_json(read_bounded(path, kMaxJsonBytes, "report"), path);
  const bool looks_like_report = report.is_object() && report.contains("schema_version") &&
                                 (report.contains("comparisons") || report.contains("problems"));
  if (!looks_like_report) {
    throw InputError(path +
                     ": not a conveq report (expected an object with \"schema_version\" and "
                     "\"comparisons\" or \"problems\")");
  }
  return report;
}

}  // namespace conveq
