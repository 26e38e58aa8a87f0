#include "conveq/report/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "conveq/core/timing.hpp"
#include "conveq/core/visible_text.hpp"
#include "conveq/io/output.hpp"

namespace conveq {
namespace {

// A terminal line is rarely wider: longer names are cut so the line never wraps (a wrapped
// line cannot be erased with a carriage return).
constexpr size_t kLongestName = 36;

}  // namespace

std::string duration_text(double seconds) {
  const auto total = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60,
                  total % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", total / 60, total % 60);
  }
  return text;
}

std::string progress_text(size_t done, size_t total, const std::string& current,
                          double elapsed_seconds) {
  const size_t percent = total == 0 ? 100 : done * 100 / total;
  std::string name = visible_text(current);
  if (name.size() > kLongestName) name = name.substr(0, kLongestName - 3) + "...";
  std::string text = "[" + std::to_string(done) + "/" + std::to_string(total) + " " +
                     std::to_string(percent) + "%] " + name + "  " +
                     duration_text(elapsed_seconds) + " elapsed";
  if (done > 0 && done < total) {
    const double rest =
        elapsed_seconds / static_cast<double>(done) * static_cast<double>(total - done);
    text += ", about " + duration_text(rest) + " left";
  }
  return text;
}

ProgressLine::ProgressLine(int fd) : fd_(fd), enabled_(::isatty(fd) == 1), start_ms_(now_ms()) {}

void ProgressLine::show(size_t done, size_t total, const std::string& current) {
  if (!enabled_) return;
  // \r and "erase to the end of the line" (ECMA-48 EL), then the new text; no newline.
  write_all(fd_, "\r\x1b[K" + progress_text(done, total, current, (now_ms() - start_ms_) / 1000));
  shown_ = true;
}

void ProgressLine::start(std::vector<std::string> jobs) {
  jobs_ = std::move(jobs);
  done_ = 0;
  if (!jobs_.empty()) show(0, jobs_.size(), jobs_[0]);
}

void ProgressLine::next() {
  ++done_;
  if (done_ < jobs_.size()) show(done_, jobs_.size(), jobs_[done_]);
}

void ProgressLine::clear() {
  if (!enabled_ || !shown_) return;
  write_all(fd_, "\r\x1b[K");
  shown_ = false;
}

}  // namespace conveq
