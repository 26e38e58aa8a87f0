#include "conveq/report/github_annotations.hpp"

namespace conveq {

std::string escape_workflow_message(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_workflow_property(std::string_view text) {
  std::string out;
  for (const char c : escape_workflow_message(text)) {
    if (c == ':') {
      out += "%3A";
    } else if (c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string github_annotation(const ReportView& entry, const std::string& suite_file) {
  const std::string status = entry["status"].string();
  if (status == "passed") return "";
  const std::string name = entry["name"].string();
  const auto error = entry.optional("error");
  const std::string message = (error ? "stopped with an error: " + error->string()
                                     : entry["report"]["verdict"]["summary"].string()) +
                              "\nrepro: " + entry["repro"].string();
  const std::string command = status == "mistrusted" ? "warning" : "error";
  return "::" + command + " file=" + escape_workflow_property(suite_file) +
         ",line=" + std::to_string(entry["line"].integer()) +
         ",title=" + escape_workflow_property("conveq: " + name + " " + status) +
         "::" + escape_workflow_message(message) + "\n";
}

}  // namespace conveq
