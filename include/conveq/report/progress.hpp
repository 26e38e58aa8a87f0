#pragma once
// Progress of a long job (`run`, and `model` later) on one line of a terminal: how many are
// done, what runs now, the time so far and an estimate of the rest. Only on a terminal: a
// log file or a CI console gets nothing (the per-problem lines say the same there).
#include <cstddef>
#include <string>
#include <vector>

namespace conveq {

// "[3/18 17%] conv1d_k3  0:12 elapsed, about 1:00 left" (no estimate before the first is
// done). `elapsed_seconds` >= 0.
std::string progress_text(size_t done, size_t total, const std::string& current,
                          double elapsed_seconds);

// Minutes and seconds, "1:05"; hours when needed, "2:03:04".
std::string duration_text(double seconds);

class ProgressLine {
 public:
  // Writes to descriptor `fd` only when it is a terminal.
  explicit ProgressLine(int fd = 2);
  bool enabled() const { return enabled_; }
  // Draws the line anew (job `current` running, `done` of `total` finished).
  void show(size_t done, size_t total, const std::string& current);
  // For jobs run in order: start() shows the first, next() after each finished job shows the
  // one after it (and after the last, nothing).
  void start(std::vector<std::string> jobs);
  void next();
  // Erases the line, before anything else is printed to the terminal.
  void clear();

 private:
  int fd_;
  bool enabled_;
  bool shown_ = false;
  std::vector<std::string> jobs_;
  size_t done_ = 0;
  double start_ms_;
};

}  // namespace conveq
