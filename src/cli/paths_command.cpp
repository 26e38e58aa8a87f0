#include "paths_command.hpp"

#include "conveq/core/error.hpp"
#include "conveq/io/output.hpp"
#include "conveq/report/paths_text.hpp"

namespace conveq::cli {

int run_paths_command() {
  write_standard_output(format_path_catalog());
  return kExitPassed;
}

}  // namespace conveq::cli
