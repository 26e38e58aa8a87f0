#pragma once
// How long this process's threads have waited on a CPU run queue, runnable but not running:
// Linux counts it per thread in /proc/self/task/<tid>/schedstat (second field, nanoseconds).
// Read around a timed run, it tells a sample the host delayed (a parallel region waiting for a
// thread the scheduler took away) from a slower kernel, which the sample alone cannot.
#include <optional>
#include <string_view>

namespace conveq {

// The second field of a schedstat line ("<on cpu ns> <run queue wait ns> <time slices>\n"),
// in milliseconds; nullopt when the text is not such a line.
std::optional<double> parse_schedstat_wait_ms(std::string_view text);

// Keeps /proc/self/task open between readings, so that a reading costs one directory scan and
// one small read per thread.
class RunQueueWait {
 public:
  RunQueueWait();
  ~RunQueueWait();
  RunQueueWait(const RunQueueWait&) = delete;
  RunQueueWait& operator=(const RunQueueWait&) = delete;

  // The sum over the process's current threads, plus what conveq's own exited worker threads
  // recorded (record_exiting_thread_wait), in milliseconds; nullopt when unavailable (not
  // Linux, no /proc, a kernel without schedstat). Another library's thread that exits between
  // two readings takes its count with it, so a difference can come out negative: clamp it.
  std::optional<double> total_ms();

 private:
  void* directory_ = nullptr;  // DIR*, null when /proc/self/task cannot be opened
};

// Called by a short-lived worker thread (core/parallel's) just before it ends: adds its run
// queue wait to the process's count, which would otherwise leave with it (a direct loop's
// parallel region delayed by the host would look undelayed). One small read, about 4 us.
void record_exiting_thread_wait();

}  // namespace conveq
