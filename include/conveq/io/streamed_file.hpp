#pragma once
// A file written a line at a time as results come, so that a run that is killed keeps what it
// finished. The lines go to PATH.partial (created at once, replacing one an earlier stopped
// run left), each with one write; `stage` hands it to a StagedFiles, whose commit renames it
// to PATH with the command's other outputs. A run that fails or is killed leaves
// PATH.partial, never PATH. A device or pipe (/dev/stdout) gets the lines directly.
#include <string>
#include <string_view>

#include "conveq/io/atomic_file.hpp"

namespace conveq {

class StreamedFile {
 public:
  // Throws InputError naming `what` when PATH.partial cannot be created.
  StreamedFile(const std::string& path, const std::string& what);
  ~StreamedFile();
  StreamedFile(const StreamedFile&) = delete;
  StreamedFile& operator=(const StreamedFile&) = delete;

  // Appends `line` and a newline; throws InputError naming `what` on a write error.
  void append(std::string_view line);
  // Flushes to disk, closes, and stages the rename of PATH.partial to PATH.
  void stage(StagedFiles& outputs);

  // The name the lines are written under until the commit.
  static std::string partial_name(const std::string& path);

 private:
  std::string path_, what_, written_;
  int fd_ = -1;
  bool special_ = false;  // a device or a pipe: written in place
};

}  // namespace conveq
