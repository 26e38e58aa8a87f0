#include "conveq/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "conveq/error.hpp"

namespace conveq {

void write_file_atomically(const std::string& path, std::string_view content,
                           const std::string& what) {
  const std::filesystem::path target(path);
  const auto directory = target.has_parent_path() ? target.parent_path() : ".";
  // Appended piecewise: g++ 12 warns falsely (-Wrestrict) on a chained concatenation here.
  std::string pattern = directory.string();
  pattern += "/.";
  pattern += target.filename().string();
  pattern += ".tmp.XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) {
    throw InputError(what + ": cannot create a file in " + directory.string() + ": " +
                     std::strerror(errno));
  }
  ::fchmod(fd, 0644);  // mkstemp's 0600 would surprise whoever reads the report
  const char* data = content.data();
  size_t left = content.size();
  bool ok = true;
  while (left > 0 && ok) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    ok = written > 0;
    if (ok) {
      data += written;
      left -= static_cast<size_t>(written);
    }
  }
  const int saved_errno = errno;
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(name.data(), path.c_str()) != 0) {
    const int error = ok ? errno : saved_errno;
    std::remove(name.data());
    throw InputError(what + ": cannot write " + path + ": " + std::strerror(error));
  }
}

void check_writable(const std::string& path, const std::string& what) {
  const std::filesystem::path target(path);
  const auto directory = target.has_parent_path() ? target.parent_path() : ".";
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    throw InputError(what + ": directory " + directory.string() + " does not exist");
  }
  if (::access(directory.c_str(), W_OK) != 0) {
    throw InputError(what + ": directory " + directory.string() + " is not writable");
  }
  if (std::filesystem::is_directory(target, error)) {
    throw InputError(what + ": " + path + " is a directory, not a file");
  }
}

}  // namespace conveq
