#include "conveq/io/temporary_files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace conveq {
namespace {

// The table the handler reads: plain static storage, no allocation. Enough for one command's
// outputs (a report and --save-outputs' dozen files and their directory).
constexpr int kSlots = 64;
constexpr size_t kPathBytes = 4096;  // PATH_MAX on Linux
struct Slot {
  bool used;
  bool directory;
  char path[kPathBytes];
};
Slot slots[kSlots];

// idle: the handler may act; busy: the main thread is changing the table or committing, so a
// signal is only recorded; dying: a handler is removing the temporaries.
enum State : int { kIdle, kBusy, kDying };
std::atomic<int> state{kIdle};
std::atomic<int> pending_signal{0};
int hold_depth = 0;  // main thread only

static_assert(std::atomic<int>::is_always_lock_free, "the handler needs lock-free atomics");

// Async-signal-safe: files first, then directories (a staging directory holds files).
void remove_all_temporaries() {
  for (const bool directories : {false, true}) {
    for (int i = kSlots - 1; i >= 0; --i) {
      if (!slots[i].used || slots[i].directory != directories) continue;
      if (directories) {
        ::rmdir(slots[i].path);
      } else {
        ::unlink(slots[i].path);
      }
    }
  }
}

// Async-signal-safe. From the handler, the re-raised signal is delivered when it returns.
void remove_and_die(int signal_number) {
  remove_all_temporaries();
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

extern "C" void on_termination_signal(int signal_number) {
  int expected = kIdle;
  if (state.compare_exchange_strong(expected, kDying)) {
    remove_and_die(signal_number);
  } else if (expected == kBusy) {
    pending_signal.store(signal_number);
  }  // kDying: another thread is already removing them and will end the process
}

[[noreturn]] void wait_for_the_end() {
  for (;;) ::pause();
}

Slot& free_slot() {
  for (Slot& slot : slots) {
    if (!slot.used) return slot;
  }
  throw std::logic_error("more than 64 temporary files at once");
}

// Copies `pattern` into a free slot, lets `create` fill its XXXXXX, and marks it used.
template <typename Create>
bool track(const std::string& pattern, bool directory, std::string& name, Create create) {
  SignalsHeldBack hold;
  Slot& slot = free_slot();
  if (pattern.size() >= kPathBytes) {
    errno = ENAMETOOLONG;
    return false;
  }
  std::memcpy(slot.path, pattern.c_str(), pattern.size() + 1);
  if (!create(slot.path)) return false;
  slot.directory = directory;
  slot.used = true;
  name = slot.path;
  return true;
}

}  // namespace

void remove_temporaries_on_signals() {
  struct sigaction action {};
  action.sa_handler = on_termination_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (const int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&action.sa_mask, s);
  for (const int s : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction previous {};
    if (::sigaction(s, nullptr, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
    ::sigaction(s, &action, nullptr);
  }
}

int create_temporary_file(const std::string& pattern, std::string& name) {
  int fd = -1;
  track(pattern, false, name, [&fd](char* path) { return (fd = ::mkstemp(path)) >= 0; });
  return fd;
}

bool create_temporary_directory(const std::string& pattern, std::string& name) {
  return track(pattern, true, name, [](char* path) { return ::mkdtemp(path) != nullptr; });
}

int create_tracked_file(const std::string& name) {
  int fd = -1;
  std::string tracked;
  track(name, false, tracked, [&fd](char* path) {
    return (fd = ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) >= 0;
  });
  return fd;
}

void forget_temporary(const std::string& name) {
  SignalsHeldBack hold;
  for (Slot& slot : slots) {
    if (slot.used && name == slot.path) slot.used = false;
  }
}

SignalsHeldBack::SignalsHeldBack() {
  if (hold_depth++ > 0) return;
  int expected = kIdle;
  // A handler on another thread is already removing the temporaries: the process is ending.
  if (!state.compare_exchange_strong(expected, kBusy)) wait_for_the_end();
}

SignalsHeldBack::~SignalsHeldBack() {
  if (--hold_depth > 0) return;
  state.store(kIdle);
  const int signal_number = pending_signal.exchange(0);
  if (signal_number == 0) return;
  int expected = kIdle;
  if (!state.compare_exchange_strong(expected, kDying)) wait_for_the_end();
  remove_and_die(signal_number);
  wait_for_the_end();
}

}  // namespace conveq
