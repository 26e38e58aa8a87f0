#include "conveq/io/output.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "conveq/core/error.hpp"

namespace conveq {
namespace {

constexpr int kStandardOutput = 1;

bool is_dev_full(const struct stat& file) {
  struct stat full {};
  return S_ISCHR(file.st_mode) && ::stat("/dev/full", &full) == 0 && S_ISCHR(full.st_mode) &&
         file.st_rdev == full.st_rdev;
}

}  // namespace

bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    content.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

void prepare_standard_streams() {
  ::signal(SIGPIPE, SIG_IGN);
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0 && null != fd) {
      ::dup2(null, fd);
      ::close(null);
    }
  }
}

std::string known_write_failure(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return std::strerror(errno);
  if ((flags & O_ACCMODE) == O_RDONLY) return "closed or not open for writing";
  struct stat file {};
  if (::fstat(fd, &file) == 0 && is_dev_full(file)) {
    return std::string(std::strerror(ENOSPC)) + " (/dev/full refuses every write)";
  }
  return "";
}

bool refuses_every_write(const std::string& path) {
  struct stat file {};
  return ::stat(path.c_str(), &file) == 0 && is_dev_full(file);
}

void check_standard_output() {
  if (const std::string failure = known_write_failure(kStandardOutput); !failure.empty()) {
    throw InputError("standard output: cannot write: " + failure);
  }
}

void write_standard_output(std::string_view content) {
  if (!write_all(kStandardOutput, content)) {
    throw InputError(std::string("standard output: cannot write: ") + std::strerror(errno));
  }
}

}  // namespace conveq
