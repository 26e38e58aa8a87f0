#pragma once
// `conveq paths`: every path as a table for people.
#include <string>

namespace conveq {

std::string format_path_catalog();

}  // namespace conveq
