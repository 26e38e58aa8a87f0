// The table of `conveq paths`: one row per path, then why some are not built or not run by
// default, each reason once.
#include "conveq/report/paths_text.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

#include "conveq/core/format.hpp"
#include "conveq/paths/registry.hpp"

namespace conveq {

std::string format_path_catalog() {
  std::ostringstream out;
  std::vector<std::string> notes;
  // "[2]": the note that explains a row, numbered in order of first use.
  auto note = [&](const std::string& reason) {
    auto found = std::find(notes.begin(), notes.end(), reason);
    if (found == notes.end()) found = notes.insert(notes.end(), reason);
    return "[" + std::to_string(found - notes.begin() + 1) + "]";
  };
  out << column("path", 24) << column("library", 10) << column("dtypes", 37) << column("built", 10)
      << "runs\n";
  for (const auto& entry : path_catalog()) {
    out << column(entry.name, 24) << column(entry.library, 10) << column(entry.dtypes, 37)
        << column(entry.not_built.empty() ? "yes" : "no " + note(entry.not_built), 10)
        << (entry.opt_in.empty() ? "by default" : "when named " + note(entry.opt_in)) << "\n";
  }
  out << column("reference", 24) << column("conveq", 10) << column(kOwnDtypes, 37)
      << column("yes", 10) << "always\n";
  if (!notes.empty()) out << "\n";
  for (size_t i = 0; i < notes.size(); ++i) out << "[" << i + 1 << "] " << notes[i] << "\n";
  out << "\n--backends LIST selects libraries (onednn, xnnpack, torch; none: conveq's own only); "
         "--paths LIST names paths. A path that does not apply to a problem is skipped with "
         "its reason in the report.\n";
  return out.str();
}

}  // namespace conveq
