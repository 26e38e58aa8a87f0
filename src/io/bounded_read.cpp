#include "conveq/io/bounded_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "conveq/core/error.hpp"

namespace conveq {
namespace {

// Closes the descriptor on every way out.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string byte_limit_text(size_t bytes) {
  constexpr size_t kMiB = size_t{1} << 20;
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

std::string read_bounded(const std::string& path, size_t max_bytes, const std::string& kind) {
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    if (errno == EISDIR) throw InputError(path + ": is a directory, not a " + kind);
    throw InputError(path + ": cannot open the " + kind + ": " + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(file.fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    throw InputError(path + ": is a directory, not a " + kind);
  }
  std::string content;
  char buffer[65536];
  // Up to one byte past the limit: enough to know the file is too large, never more.
  while (content.size() <= max_bytes) {
    const size_t wanted = std::min(sizeof buffer, max_bytes + 1 - content.size());
    const ssize_t got = ::read(file.fd, buffer, wanted);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      if (errno == EISDIR) throw InputError(path + ": is a directory, not a " + kind);
      throw InputError(path + ": cannot read the " + kind + ": " + std::strerror(errno));
    }
    if (got == 0) return content;
    content.append(buffer, static_cast<size_t>(got));
  }
  throw InputError(path + ": larger than " + byte_limit_text(max_bytes) + ", the limit for a " +
                   kind);
}

}  // namespace conveq
