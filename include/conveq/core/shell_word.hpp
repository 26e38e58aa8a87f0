#pragma once
// Repro commands are pasted into shells: every word in them is quoted unless plainly safe.
#include <string>

namespace conveq {

// `word` as one POSIX shell word: unchanged when it holds only safe characters, else in
// single quotes (an embedded ' becomes '\'').
std::string shell_word(const std::string& word);

}  // namespace conveq
