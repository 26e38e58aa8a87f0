#include "conveq/io/json_file.hpp"

#include <fstream>
#include <sstream>

#include "conveq/core/error.hpp"

namespace conveq {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file");
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw InputError(path + ": cannot read the file");
  try {
    return nlohmann::json::parse(content.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path + ": not valid JSON: " + e.what());
  }
}

nlohmann::json read_report_file(const std::string& path) {
  nlohmann::json report = read_json_file(path);
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
