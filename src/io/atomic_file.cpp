#include "conveq/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "conveq/core/error.hpp"
#include "conveq/io/output.hpp"
#include "conveq/io/temporary_files.hpp"

namespace conveq {

namespace {

namespace fs = std::filesystem;

constexpr int kMaxLinkHops = 40;  // as the kernel's ELOOP limit

// Where the content really goes: symbolic links are followed by hand (even to a target that
// does not exist yet), so that renaming the temporary file replaces the file the link names.
// Sets `loop` when the links do not end (a loop, or a chain longer than the kernel allows).
fs::path resolve(const std::string& path, bool& loop) {
  fs::path target(path);
  std::error_code error;
  int hops = 0;
  for (; hops < kMaxLinkHops && fs::is_symlink(target, error); ++hops) {
    const auto link = fs::read_symlink(target, error);
    if (error) break;
    target = link.is_absolute() ? link : target.parent_path() / link;
  }
  loop = hops == kMaxLinkHops;
  const auto canonical = fs::weakly_canonical(target, error);
  return error ? target : canonical;
}

fs::path resolve(const std::string& path, const std::string& what) {
  bool loop = false;
  fs::path target = resolve(path, loop);
  if (loop) {
    throw InputError(what + ": is a symbolic link loop (or a chain of more than " +
                     std::to_string(kMaxLinkHops) + " links); name a file");
  }
  return target;
}

// The standard streams by name are written through the process's own descriptors, whatever
// they point at (a terminal, a pipe, a file opened for appending).
int standard_stream(const std::string& path) {
  if (path == "/dev/stdout" || path == "/dev/fd/1" || path == "/proc/self/fd/1") return 1;
  if (path == "/dev/stderr" || path == "/dev/fd/2" || path == "/proc/self/fd/2") return 2;
  return -1;
}

// Devices, pipes and the like (/dev/null, a FIFO) are written in place: renaming over them
// would replace them, and atomicity means nothing for a stream. Anything under /dev or /proc
// counts, before links are followed.
bool is_special(const std::string& path, const fs::path& target) {
  if (path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0) return true;
  std::error_code error;
  const auto status = fs::status(target, error);
  return !error && fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status);
}

// Writes, flushes to disk and closes; throws InputError naming `what` and `path`.
void write_and_close(int fd, std::string_view content, const std::string& path,
                     const std::string& what) {
  bool ok = write_all(fd, content) && ::fsync(fd) == 0;
  int error = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (!ok) throw InputError(what + ": cannot write " + path + ": " + std::strerror(error));
}

std::string temporary_pattern(const fs::path& target) {
  const auto directory = target.has_parent_path() ? target.parent_path() : ".";
  // Appended piecewise: g++ 12 warns falsely (-Wrestrict) on a chained concatenation here.
  std::string pattern = directory.string();
  pattern += "/.";
  pattern += target.filename().string();
  pattern += ".tmp.XXXXXX";
  return pattern;
}

// A device, a pipe or a standard stream, written in place.
void write_stream(const std::string& path, std::string_view content, const std::string& what) {
  if (path.empty()) return write_standard_output(content);
  const int stream = standard_stream(path);
  const int fd = stream >= 0 ? stream : ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && write_all(fd, content);
  const int error = errno;
  if (stream < 0 && fd >= 0) ::close(fd);
  if (!ok) throw InputError(what + ": cannot write " + path + ": " + std::strerror(error));
}

// The first missing part of `dir` and the existing directory that holds it.
std::pair<fs::path, std::string> nearest_existing_ancestor(const std::string& dir) {
  std::error_code error;
  fs::path missing = fs::absolute(dir, error).lexically_normal();
  if (!missing.has_filename()) missing = missing.parent_path();  // "a/b/"
  fs::path parent = missing.parent_path();
  std::string leaf = missing.filename().string();
  while (!fs::exists(parent, error) && parent != parent.parent_path()) {
    leaf = parent.filename().string();
    parent = parent.parent_path();
  }
  return {parent, leaf};
}

}  // namespace

StagedFiles::StagedFiles(StagedFiles&& other) noexcept
    : temporaries_(std::move(other.temporaries_)),
      renames_(std::move(other.renames_)),
      streams_(std::move(other.streams_)),
      directories_(std::move(other.directories_)) {
  other.temporaries_.clear();
  other.renames_.clear();
  other.streams_.clear();
  other.directories_.clear();
}

StagedFiles& StagedFiles::operator=(StagedFiles&& other) noexcept {
  if (this != &other) {
    discard();
    std::swap(temporaries_, other.temporaries_);
    std::swap(renames_, other.renames_);
    std::swap(streams_, other.streams_);
    std::swap(directories_, other.directories_);
  }
  return *this;
}

StagedFiles::~StagedFiles() {
  discard();
}

void StagedFiles::discard() noexcept {
  for (auto it = temporaries_.rbegin(); it != temporaries_.rend(); ++it) {
    if (it->directory) {
      ::rmdir(it->name.c_str());
    } else {
      ::unlink(it->name.c_str());
    }
    forget_temporary(it->name);
  }
  temporaries_.clear();
  renames_.clear();
  streams_.clear();
  directories_.clear();
}

void StagedFiles::add(const std::string& path, std::string_view content, const std::string& what) {
  const fs::path target = resolve(path, what);
  if (standard_stream(path) >= 0 || is_special(path, target)) {
    streams_.push_back({path, std::string(content), what});
    return;
  }
  std::string name;
  const int fd = create_temporary_file(temporary_pattern(target), name);
  if (fd < 0) {
    throw InputError(what + ": cannot create a file beside " + path + ": " + std::strerror(errno));
  }
  temporaries_.push_back({name, false});
  ::fchmod(fd, 0644);  // mkstemp's 0600 would surprise whoever reads the report
  write_and_close(fd, content, path, what);
  renames_.push_back({name, target.string(), what});
}

void StagedFiles::add_written(const std::string& written, const std::string& path,
                              const std::string& what) {
  renames_.push_back({written, resolve(path, what).string(), what});
}

bool written_in_place(const std::string& path) {
  bool loop = false;
  return standard_stream(path) >= 0 || is_special(path, resolve(path, loop));
}

void StagedFiles::add_standard_output(std::string content) {
  streams_.push_back({"", std::move(content), "standard output"});
}

const StagedFiles::Directory& StagedFiles::staging_directory(const std::string& dir,
                                                             const std::string& what) {
  for (const auto& d : directories_) {
    if (d.dir == dir) return d;
  }
  Directory d{dir, "", what, !fs::is_directory(dir)};
  const auto [parent, leaf] = d.created_at_commit
                                  ? nearest_existing_ancestor(dir)
                                  : std::pair<fs::path, std::string>{dir, "outputs"};
  if (!create_temporary_directory((parent / ("." + leaf + ".tmp.XXXXXX")).string(), d.staging)) {
    throw InputError(what + ": cannot create a directory in " + parent.string() + ": " +
                     std::strerror(errno));
  }
  temporaries_.push_back({d.staging, true});
  if (d.created_at_commit) {  // it becomes DIR: the permissions of a directory made as usual
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(d.staging.c_str(), 0777 & ~mask);
  }
  directories_.push_back(d);
  return directories_.back();
}

void StagedFiles::add_to_directory(const std::string& dir, const std::string& name,
                                   std::string_view content, const std::string& what) {
  const Directory& d = staging_directory(dir, what);
  const std::string staged = (fs::path(d.staging) / name).string();
  const std::string target = (fs::path(dir) / name).string();
  const bool moved_with_directory = d.created_at_commit;
  const int fd = create_tracked_file(staged);
  if (fd < 0) {
    throw InputError(what + ": cannot create " + staged + ": " + std::strerror(errno));
  }
  temporaries_.push_back({staged, false});
  write_and_close(fd, content, target, what);
  if (!moved_with_directory) renames_.push_back({staged, target, what});
}

void StagedFiles::commit() {
  // Streams first: once written they cannot be taken back, so if one fails no file is placed.
  for (const auto& stream : streams_) write_stream(stream.path, stream.content, stream.what);
  streams_.clear();
  SignalsHeldBack hold;  // the renames happen together, or a signal waits until they did
  for (const auto& d : directories_) {
    if (!d.created_at_commit) continue;
    std::error_code error;
    const fs::path parent = fs::path(d.dir).parent_path();
    if (!parent.empty()) fs::create_directories(parent, error);
    if (std::rename(d.staging.c_str(), d.dir.c_str()) != 0) {
      throw InputError(d.what + ": cannot create " + d.dir + ": " + std::strerror(errno));
    }
  }
  for (const auto& rename : renames_) {
    if (std::rename(rename.from.c_str(), rename.to.c_str()) != 0) {
      throw InputError(rename.what + ": cannot write " + rename.to + ": " + std::strerror(errno));
    }
  }
  for (const auto& d : directories_) {
    if (!d.created_at_commit) ::rmdir(d.staging.c_str());
  }
  for (const auto& temporary : temporaries_) forget_temporary(temporary.name);
  temporaries_.clear();
  renames_.clear();
  directories_.clear();
}

void write_file_atomically(const std::string& path, std::string_view content,
                           const std::string& what) {
  StagedFiles staged;
  staged.add(path, content, what);
  staged.commit();
}

void check_writable(const std::string& path, const std::string& what) {
  if (const int stream = standard_stream(path); stream >= 0) {
    if (const std::string failure = known_write_failure(stream); !failure.empty()) {
      throw InputError(what + ": cannot write " + path + ": " + failure);
    }
    return;
  }
  const fs::path target = resolve(path, what);
  const auto directory = target.has_parent_path() ? target.parent_path() : ".";
  std::error_code error;
  if (fs::is_directory(target, error)) {
    throw InputError(what + ": " + path + " is a directory, not a file");
  }
  if (is_special(path, target)) {
    if (::access(path.c_str(), W_OK) != 0)
      throw InputError(what + ": " + path + " is not writable");
    if (refuses_every_write(path)) {
      throw InputError(what + ": cannot write " + path + ": " + std::strerror(ENOSPC) +
                       " (/dev/full refuses every write)");
    }
    return;
  }
  if (!fs::is_directory(directory, error)) {
    throw InputError(what + ": directory " + directory.string() + " does not exist");
  }
  // Create (and remove) a temporary file where the real write will: the only test that
  // cannot be fooled by permissions, read-only mounts or pseudo file systems like /proc.
  std::string name;
  const int fd = create_temporary_file(temporary_pattern(target), name);
  if (fd < 0) {
    throw InputError(what + ": cannot create a file in " + directory.string() + ": " +
                     std::strerror(errno));
  }
  ::close(fd);
  ::unlink(name.c_str());
  forget_temporary(name);
}

const CommandInput* same_file_as(const std::string& path, const std::vector<CommandInput>& inputs) {
  std::error_code error;
  const bool exists = fs::exists(path, error);
  bool loop = false;
  const fs::path target = resolve(path, loop);
  for (const auto& input : inputs) {
    if (input.path.empty()) continue;
    // Both there: the same inode, by any name. Otherwise (an output not written yet), the
    // same place once links are followed.
    const bool same = (exists && fs::exists(input.path, error))
                          ? fs::equivalent(path, input.path, error) && !error
                          : resolve(input.path, loop) == target;
    if (same) return &input;
  }
  return nullptr;
}

void refuse_input_as_output(const std::string& path, const std::string& what,
                            const std::vector<CommandInput>& inputs) {
  if (const CommandInput* input = same_file_as(path, inputs)) {
    throw InputError(what + ": is the input " + input->what +
                     "; an output never replaces an input, choose another file");
  }
}

}  // namespace conveq
