// Staged outputs: nothing is in place before commit, nothing is left when a run fails or is
// stopped by a signal, and a signal during the renames of a commit waits until they are done.
#include "conveq/io/atomic_file.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>

#include "cli_runner.hpp"
#include "conveq/core/error.hpp"
#include "conveq/io/temporary_files.hpp"
#include "npy_test_files.hpp"

namespace {

namespace fs = std::filesystem;

// Every name under `dir`, relative, hidden ones included, sorted.
std::vector<std::string> tree(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    names.push_back(fs::relative(entry.path(), dir).string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Runs `child` in a forked process with the signal handlers installed; returns its status.
int in_child(const std::function<void()>& child) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    conveq::remove_temporaries_on_signals();
    try {
      child();
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

bool killed_by(int status, int signal_number) {
  return WIFSIGNALED(status) && WTERMSIG(status) == signal_number;
}

}  // namespace

TEST_CASE("staged files appear only at commit, with no temporary left", "[atomic_file]") {
  const auto dir = fresh_directory("staged_commit");
  conveq::StagedFiles staged;
  staged.add((dir / "report.json").string(), "report", "--report");
  staged.add_to_directory((dir / "a" / "b").string(), "x.npy", "x", "--save-outputs");
  staged.add_to_directory((dir / "a" / "b").string(), "y.npy", "y", "--save-outputs");
  CHECK_FALSE(fs::exists(dir / "report.json"));
  CHECK_FALSE(fs::exists(dir / "a"));
  staged.commit();
  CHECK(tree(dir) == std::vector<std::string>{"a", "a/b", "a/b/x.npy", "a/b/y.npy", "report.json"});
  CHECK(read_bytes(dir / "report.json") == "report");
  CHECK(read_bytes(dir / "a" / "b" / "y.npy") == "y");
  const mode_t mask = ::umask(0);
  ::umask(mask);
  CHECK((fs::status(dir / "a" / "b").permissions() & fs::perms::all) ==
        static_cast<fs::perms>(0777 & ~mask));
}

TEST_CASE("staged files not committed leave the directory as it was", "[atomic_file]") {
  const auto dir = fresh_directory("staged_discard");
  write_bytes(dir / "x.npy", "old");
  {
    conveq::StagedFiles staged;
    staged.add_to_directory(dir.string(), "x.npy", "new", "--save-outputs");
    staged.add_to_directory(dir.string(), "z.npy", "new", "--save-outputs");
    staged.add((dir / "report.json").string(), "report", "--report");
  }
  CHECK(tree(dir) == std::vector<std::string>{"x.npy"});
  CHECK(read_bytes(dir / "x.npy") == "old");
}

TEST_CASE("a stream that cannot be written commits no file", "[atomic_file]") {
  const auto dir = fresh_directory("staged_stream");
  conveq::StagedFiles staged;
  staged.add_to_directory((dir / "saved").string(), "x.npy", "x", "--save-outputs");
  staged.add("/dev/full", "report", "--report /dev/full");
  CHECK_THROWS_WITH(staged.commit(), Catch::Contains("No space left on device"));
  staged = conveq::StagedFiles();  // what a failed command does on its way out
  CHECK(tree(dir).empty());
}

TEST_CASE("SIGTERM removes the staged temporaries before the process dies", "[atomic_file]") {
  const auto dir = fresh_directory("staged_sigterm");
  write_bytes(dir / "x.npy", "old");
  const int status = in_child([&dir] {
    conveq::StagedFiles staged;
    staged.add_to_directory(dir.string(), "x.npy", "new", "--save-outputs");
    staged.add_to_directory((dir / "new").string(), "y.npy", "new", "--save-outputs");
    staged.add((dir / "report.json").string(), "report", "--report");
    ::raise(SIGTERM);
  });
  CHECK(killed_by(status, SIGTERM));
  CHECK(tree(dir) == std::vector<std::string>{"x.npy"});
  CHECK(read_bytes(dir / "x.npy") == "old");
}

TEST_CASE("a signal during a commit waits until every file is in place", "[atomic_file]") {
  const auto dir = fresh_directory("staged_held");
  const int status = in_child([&dir] {
    conveq::StagedFiles staged;
    staged.add_to_directory(dir.string(), "x.npy", "new", "--save-outputs");
    staged.add((dir / "report.json").string(), "report", "--report");
    conveq::SignalsHeldBack hold;
    ::raise(SIGTERM);  // arrives before the renames: recorded, acted on after them
    staged.commit();
  });
  CHECK(killed_by(status, SIGTERM));
  CHECK(tree(dir) == std::vector<std::string>{"report.json", "x.npy"});
  CHECK(read_bytes(dir / "x.npy") == "new");
}
