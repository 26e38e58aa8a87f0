#pragma once
// `conveq paths`: every path, its library, whether this build has it and whether it runs by
// default, with the reasons.
namespace conveq::cli {

int run_paths_command();

}  // namespace conveq::cli
