#pragma once
// Error messages are one line: text from a file or an option that goes into one (a pattern, a
// name, a status read from a report) shows its control characters escaped.
#include <string>
#include <string_view>

namespace conveq {

// `text` with control characters and DEL written as \0, \t, \n, \r or \xHH; everything else
// (backslashes and UTF-8 included) as it is.
std::string visible_text(std::string_view text);

}  // namespace conveq
