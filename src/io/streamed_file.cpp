#include "conveq/io/streamed_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "conveq/core/error.hpp"
#include "conveq/io/output.hpp"

namespace conveq {

std::string StreamedFile::partial_name(const std::string& path) {
  return path + ".partial";
}

StreamedFile::StreamedFile(const std::string& path, const std::string& what)
    : path_(path), what_(what), special_(written_in_place(path)) {
  written_ = special_ ? path : partial_name(path);
  if (path == "/dev/stdout" || path == "/dev/fd/1" || path == "/proc/self/fd/1") {
    fd_ = ::dup(1);
  } else if (path == "/dev/stderr" || path == "/dev/fd/2" || path == "/proc/self/fd/2") {
    fd_ = ::dup(2);
  } else {
    const int flags = O_WRONLY | O_CLOEXEC | (special_ ? 0 : O_CREAT | O_TRUNC);
    fd_ = ::open(written_.c_str(), flags, 0644);
  }
  if (fd_ < 0) {
    throw InputError(what + ": cannot create " + written_ + ": " + std::strerror(errno));
  }
}

StreamedFile::~StreamedFile() {
  if (fd_ >= 0) ::close(fd_);
}

void StreamedFile::append(std::string_view line) {
  std::string text(line);
  text += '\n';
  // One write per line: a run killed between lines leaves only whole lines.
  if (!write_all(fd_, text)) {
    throw InputError(what_ + ": cannot write " + written_ + ": " + std::strerror(errno));
  }
}

void StreamedFile::stage(StagedFiles& outputs) {
  const bool synced = special_ || ::fsync(fd_) == 0;
  const int error = errno;
  const bool closed = ::close(fd_) == 0;
  fd_ = -1;
  if (!synced || !closed) {
    throw InputError(what_ + ": cannot write " + written_ + ": " +
                     std::strerror(synced ? errno : error));
  }
  if (!special_) outputs.add_written(written_, path_, what_);
}

}  // namespace conveq
