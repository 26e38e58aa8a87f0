#pragma once
// Outputs appear whole or not at all. A command stages what it writes (StagedFiles) and commits
// it at the end: files go to temporary names beside their targets (or, for a directory of
// outputs, into a fresh hidden directory), and are renamed into place together, after the
// streams (standard output, devices, pipes), which cannot be taken back, were written. A run
// that fails, or is stopped by SIGINT/SIGTERM/SIGHUP, leaves no output and no temporary behind.
#include <string>
#include <string_view>
#include <vector>

namespace conveq {

class StagedFiles {
 public:
  StagedFiles() = default;
  StagedFiles(StagedFiles&& other) noexcept;
  StagedFiles& operator=(StagedFiles&& other) noexcept;
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;
  ~StagedFiles();  // removes whatever was staged and not committed

  // `content` for `path`. A file is written now, under a temporary name beside it; a device, a
  // pipe or a standard stream by name (/dev/stdout) is written at commit. Throws InputError
  // naming `what` (e.g. "--report out.json").
  void add(const std::string& path, std::string_view content, const std::string& what);
  // `content` for standard output, written at commit.
  void add_standard_output(std::string content);
  // `content` for the file `name` in the directory `dir`: written now into a fresh hidden
  // directory (inside DIR, or, when DIR does not exist yet, beside its nearest existing
  // ancestor, so every rename stays on one file system), moved into DIR at commit (created
  // then, with its parents).
  void add_to_directory(const std::string& dir, const std::string& name, std::string_view content,
                        const std::string& what);
  // A file already written in full at `written` (a StreamedFile's PATH.partial), renamed to
  // `path` at commit. Unlike a temporary it is left in place when nothing is committed.
  void add_written(const std::string& written, const std::string& path, const std::string& what);
  // The streams in order, then every rename with SIGINT/SIGTERM/SIGHUP held back. Throws
  // InputError; what was not committed is removed.
  void commit();

 private:
  struct Temporary {
    std::string name;
    bool directory;
  };
  struct Rename {
    std::string from, to, what;
  };
  struct Stream {
    std::string path, content, what;  // path empty: standard output
  };
  struct Directory {
    std::string dir, staging, what;
    bool created_at_commit;  // the staging directory becomes DIR
  };
  const Directory& staging_directory(const std::string& dir, const std::string& what);
  std::string write_temporary(const std::string& pattern, std::string_view content,
                              const std::string& path, const std::string& what);
  void discard() noexcept;

  std::vector<Temporary> temporaries_;  // in creation order
  std::vector<Rename> renames_;
  std::vector<Stream> streams_;
  std::vector<Directory> directories_;
};

// True for what is written in place rather than staged: a device, a pipe, a standard stream.
bool written_in_place(const std::string& path);

// One file, staged and committed.
void write_file_atomically(const std::string& path, std::string_view content,
                           const std::string& what);

// Checks up front that `path` could be written, so that a long run does not end in a write
// error: not a directory, not a loop of symbolic links, its directory exists and a file can be
// created in it (permissions, read-only mounts, /proc), a device is writable and is not
// /dev/full. A disk that fills up during the run is only found when the report is written.
// Throws InputError naming `what`.
void check_writable(const std::string& path, const std::string& what);

// A file a command reads, by the words that name it in messages ("--input x.npy").
struct CommandInput {
  std::string path, what;
};
// The input that is the same file as `path` (by any name: links, hard links, "./"), or null.
const CommandInput* same_file_as(const std::string& path, const std::vector<CommandInput>& inputs);
// Refuses an output that is one of the command's inputs: writing it would destroy the input.
void refuse_input_as_output(const std::string& path, const std::string& what,
                            const std::vector<CommandInput>& inputs);

}  // namespace conveq
