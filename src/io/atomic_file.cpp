#include "conveq/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "conveq/core/error.hpp"

namespace conveq {

namespace {

// Where the content really goes: symbolic links are followed by hand (even to a target that
// does not exist yet), so that renaming the temporary file replaces the file the link names.
std::filesystem::path resolve(const std::string& path) {
  std::filesystem::path target(path);
  std::error_code error;
  for (int hops = 0; hops < 40 && std::filesystem::is_symlink(target, error); ++hops) {
    const auto link = std::filesystem::read_symlink(target, error);
    if (error) break;
    target = link.is_absolute() ? link : target.parent_path() / link;
  }
  const auto canonical = std::filesystem::weakly_canonical(target, error);
  return error ? target : canonical;
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
bool is_special(const std::string& path, const std::filesystem::path& target) {
  if (path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0) return true;
  std::error_code error;
  const auto status = std::filesystem::status(target, error);
  return !error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status) &&
         !std::filesystem::is_directory(status);
}

bool write_all(int fd, std::string_view content) {
  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    left -= static_cast<size_t>(written);
  }
  return true;
}

std::string temporary_pattern(const std::filesystem::path& target) {
  const auto directory = target.has_parent_path() ? target.parent_path() : ".";
  // Appended piecewise: g++ 12 warns falsely (-Wrestrict) on a chained concatenation here.
  std::string pattern = directory.string();
  pattern += "/.";
  pattern += target.filename().string();
  pattern += ".tmp.XXXXXX";
  return pattern;
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view content,
                           const std::string& what) {
  if (const int stream = standard_stream(path); stream >= 0) {
    if (!write_all(stream, content)) {
      throw InputError(what + ": cannot write " + path + ": " + std::strerror(errno));
    }
    return;
  }
  const std::filesystem::path target = resolve(path);
  if (is_special(path, target)) {
    const int fd = ::open(path.c_str(), O_WRONLY);
    const bool ok = fd >= 0 && write_all(fd, content);
    const int error = errno;
    if (fd >= 0) ::close(fd);
    if (!ok) throw InputError(what + ": cannot write " + path + ": " + std::strerror(error));
    return;
  }
  const std::string pattern = temporary_pattern(target);
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) {
    throw InputError(what + ": cannot create a file beside " + path + ": " + std::strerror(errno));
  }
  ::fchmod(fd, 0644);  // mkstemp's 0600 would surprise whoever reads the report
  bool ok = write_all(fd, content);
  const int saved_errno = errno;
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(name.data(), target.c_str()) != 0) {
    const int error = ok ? errno : saved_errno;
    std::remove(name.data());
    throw InputError(what + ": cannot write " + path + ": " + std::strerror(error));
  }
}

void check_writable(const std::string& path, const std::string& what) {
  if (standard_stream(path) >= 0) return;
  const std::filesystem::path target = resolve(path);
  const auto directory = target.has_parent_path() ? target.parent_path() : ".";
  std::error_code error;
  if (std::filesystem::is_directory(target, error)) {
    throw InputError(what + ": " + path + " is a directory, not a file");
  }
  if (is_special(path, target)) {
    if (::access(path.c_str(), W_OK) != 0) {
      throw InputError(what + ": " + path + " is not writable");
    }
    return;
  }
  if (!std::filesystem::is_directory(directory, error)) {
    throw InputError(what + ": directory " + directory.string() + " does not exist");
  }
  // Create (and remove) the temporary file the real write will use: the only test that
  // cannot be fooled by permissions, read-only mounts or pseudo file systems like /proc.
  const std::string pattern = temporary_pattern(target);
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) {
    throw InputError(what + ": cannot create a file in " + directory.string() + ": " +
                     std::strerror(errno));
  }
  ::close(fd);
  std::remove(name.data());
}

}  // namespace conveq
