// What conveq writes, through the binary: a failed write on standard output is an error (exit 2,
// one line), every output path is checked before any work, --save-outputs is all or nothing
// (a failed or killed run leaves no file and no temporary behind), an input is never an output,
// and the numeric and empty option values are refused with one line naming the value and the
// rule.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "cli_runner.hpp"
#include "npy_test_files.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

const std::string kSmall = "--in 2 --out 3 --length 16 --kernel 3 --repeat 1 --warmup 0";

std::string q(const fs::path& path) {
  return "'" + path.string() + "'";
}

int lines_in(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// Every name in a directory, hidden ones included; empty when it does not exist.
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::map<std::string, std::string> contents(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& name : entries(dir)) files[name] = read_bytes(dir / name);
  return files;
}

// `conveq ARGUMENTS` through the shell with stdout redirected by `arguments` itself (to
// /dev/full, closed with >&-, ...); stdout is not captured, stderr is.
CliResult run_redirected(const std::string& arguments) {
  const fs::path err = fresh_directory("outputs_err") / "err";
  const std::string command = std::string(CONVEQ_BINARY) + " " + arguments + " 2>" + q(err);
  const int status = std::system(command.c_str());
  CliResult r;
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_text(err.string());
  return r;
}

// Starts `conveq ARGUMENTS` with its stdout on `stdout_fd` and its stderr in `err`.
pid_t spawn(const std::string& arguments, int stdout_fd, const fs::path& err) {
  const std::string command =
      "exec " + std::string(CONVEQ_BINARY) + " " + arguments + " 2>" + q(err);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(stdout_fd, 1);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// The one line a write error on stdout gives: exit 2, naming standard output and the error.
void expect_stdout_error(const CliResult& r, const std::string& error) {
  INFO(r.err);
  CHECK(r.exit_status == 2);
  CHECK(lines_in(r.err) == 1);
  CHECK_THAT(r.err, StartsWith("conveq: standard output: ") && Contains(error));
}

// A directory with a one-problem suite and two reports of it.
struct Workspace {
  fs::path dir;
  explicit Workspace(const std::string& name) : dir(fresh_directory("outputs_" + name)) {
    std::ofstream(dir / "suite") << "small: " << kSmall << "\n";
    for (const auto* report : {"current.json", "baseline.json"}) {
      const CliResult r = run_conveq("compare " + kSmall + " --report " + q(dir / report));
      REQUIRE(r.exit_status == 0);
    }
  }
  fs::path operator/(const std::string& name) const { return dir / name; }
};

void expect_refused(const CliResult& r, const std::string& start, const std::string& rule) {
  INFO(r.out << r.err);
  CHECK(r.exit_status == 2);
  CHECK(r.out.empty());
  CHECK(lines_in(r.err) == 1);
  CHECK_THAT(r.err, StartsWith("conveq: " + start) && Contains(rule));
}

}  // namespace

TEST_CASE("a failed write on standard output exits 2 with one line naming it", "[cli][outputs]") {
  const Workspace w("stdout");
  const std::string current = q(w / "current.json"), suite = q(w / "suite");
  for (const std::string& command :
       {"compare " + kSmall, "compare " + kSmall + " --format text", "show " + current,
        "check " + current + " --baseline " + q(w / "baseline.json"), "run " + suite,
        "run " + suite + " --format json", "run " + suite + " --list"}) {
    SECTION(command) {
      expect_stdout_error(run_redirected(command + " > /dev/full"), "No space left on device");
      expect_stdout_error(run_redirected(command + " >&-"), "");
    }
  }
}

TEST_CASE("a closed pipe on standard output is an error, not a silent death", "[cli][outputs]") {
  const auto dir = fresh_directory("outputs_pipe");
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  ::close(ends[0]);  // nobody will read: every write fails with EPIPE
  const pid_t pid =
      spawn("compare " + kSmall + " --save-outputs " + q(dir / "saved"), ends[1], dir / "err");
  ::close(ends[1]);
  const int status = wait_for(pid);
  CliResult r;
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_text((dir / "err").string());
  expect_stdout_error(r, "Broken pipe");
  // The report was not delivered, so nothing was saved either.
  CHECK(entries(dir) == std::vector<std::string>{"err"});
}

TEST_CASE("a run that exits 2 saves no outputs", "[cli][outputs]") {
  const auto dir = fresh_directory("outputs_save_full");
  const CliResult r = run_conveq("compare " + kSmall + " --save-outputs " + q(dir / "saved") +
                                 " --report /dev/full");
  expect_refused(r, "--report /dev/full: ", "No space left on device");
  CHECK(entries(dir).empty());
}

TEST_CASE("a run killed while its report is written leaves the saved outputs as they were",
          "[cli][outputs]") {
  const auto dir = fresh_directory("outputs_sigterm");
  const fs::path saved = dir / "saved";
  REQUIRE(run_conveq("compare " + kSmall + " --seed 1 --save-outputs " + q(saved)).exit_status ==
          0);
  const auto before = contents(saved);
  REQUIRE(before.count("reference.npy") == 1);

  // stdout is a FIFO whose pipe holds 4 KiB and is never read: conveq blocks writing its 18 KB
  // report, and is killed there.
  const fs::path fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  const int writer = ::open(fifo.c_str(), O_WRONLY);
  REQUIRE(writer >= 0);
  REQUIRE(::fcntl(writer, F_SETPIPE_SZ, 4096) >= 0);
  const pid_t pid =
      spawn("compare " + kSmall + " --seed 2 --save-outputs " + q(saved), writer, dir / "err");
  ::close(writer);
  pollfd ready{reader, POLLIN, 0};
  const bool writing = ::poll(&ready, 1, 60000) == 1;  // the first bytes of the report arrived
  ::kill(pid, SIGTERM);
  const int status = wait_for(pid);
  ::close(reader);
  INFO(read_text((dir / "err").string()));
  REQUIRE(writing);
  CHECK(WIFSIGNALED(status));
  CHECK(contents(saved) == before);  // neither replaced nor joined by temporaries
  CHECK(entries(dir) == std::vector<std::string>{"err", "fifo", "saved"});
}

TEST_CASE("run checks --report before the suite runs", "[cli][outputs]") {
  const Workspace w("run_report");
  const std::string suite = q(w / "suite");
  expect_refused(run_conveq("run " + suite + " --report /dev/full"),
                 "--report /dev/full: ", "No space left on device");
  fs::create_directory(w / "a_directory");
  expect_refused(run_conveq("run " + suite + " --report " + q(w / "a_directory")), "--report ",
                 "is a directory");
  expect_refused(run_conveq("run " + suite + " --report /proc/conveq.json"), "--report ",
                 "not writable");
  // --format json: the suite does not run (not even its first line on stderr) when stdout
  // cannot take the report.
  expect_stdout_error(run_redirected("run " + suite + " --format json > /dev/full"),
                      "No space left on device");
  const CliResult check = run_conveq("check " + q(w / "current.json") + " --baseline " +
                                     q(w / "baseline.json") + " --report /dev/full");
  expect_refused(check, "--report /dev/full: ", "No space left on device");
}

TEST_CASE("an input is never an output", "[cli][outputs]") {
  const Workspace w("inputs");
  const std::string suite_text = read_bytes(w / "suite");
  const std::string current = read_bytes(w / "current.json");
  const std::string baseline = read_bytes(w / "baseline.json");
  expect_refused(run_conveq("run " + q(w / "suite") + " --report " + q(w / "suite")),
                 "--report " + (w / "suite").string() + ": ", "is the input suite");
  fs::create_symlink(w / "suite", w / "link");
  expect_refused(run_conveq("run " + q(w / "suite") + " --report " + q(w / "link")), "--report ",
                 "is the input suite");
  const std::string check =
      "check " + q(w / "current.json") + " --baseline " + q(w / "baseline.json") + " --report ";
  expect_refused(run_conveq(check + q(w / "baseline.json")), "--report ",
                 "is the input --baseline");
  expect_refused(run_conveq(check + q(w / "current.json")), "--report ", "is the input current");
  CHECK(read_bytes(w / "suite") == suite_text);
  CHECK(read_bytes(w / "current.json") == current);
  CHECK(read_bytes(w / "baseline.json") == baseline);

  const fs::path files = w / "files";
  fs::create_directory(files);
  write_float_npy(files / "input.npy", {1, 2, 8});
  write_float_npy(files / "w.npy", {3, 2, 3});
  const std::string input = read_bytes(files / "input.npy");
  const std::string npy =
      "compare --input " + q(files / "input.npy") + " --weight " + q(files / "w.npy") + " ";
  expect_refused(run_conveq(npy + "--report " + q(files / "input.npy")), "--report ",
                 "is the input --input");
  expect_refused(run_conveq(npy + "--report " + q(files / "w.npy")), "--report ",
                 "is the input --weight");
  expect_refused(run_conveq(npy + "--save-outputs " + q(files)),
                 "--save-outputs " + files.string() + ": ",
                 "would replace " + (files / "input.npy").string() + ", the input --input");
  CHECK(read_bytes(files / "input.npy") == input);
  CHECK(entries(files) == std::vector<std::string>{"input.npy", "w.npy"});
}

TEST_CASE("a symbolic link loop as --report is refused, not replaced", "[cli][outputs]") {
  const auto dir = fresh_directory("outputs_loop");
  fs::create_symlink("loop", dir / "loop");
  expect_refused(run_conveq("compare " + kSmall + " --report " + q(dir / "loop")), "--report ",
                 "symbolic link loop");
  CHECK(fs::is_symlink(dir / "loop"));
}

TEST_CASE("real-valued options name the value and the rule", "[cli][options]") {
  const Workspace w("reals");
  const std::string check =
      "check " + q(w / "current.json") + " --baseline " + q(w / "baseline.json") + " ";
  expect_refused(run_conveq(check + "--max-slowdown nan"),
                 "--max-slowdown nan: ", "must be a finite number >= 1");
  expect_refused(run_conveq(check + "--max-slowdown ''"),
                 "--max-slowdown \"\": ", "must not be empty");
  expect_refused(run_conveq(check + "--max-error-growth abc"),
                 "--max-error-growth abc: ", "must be a finite number >= 1");
  expect_refused(run_conveq(check + "--min-time-ms -1"),
                 "--min-time-ms -1: ", "must be a finite number >= 0");
  expect_refused(run_conveq("compare " + kSmall + " --rtol 1e-400"),
                 "--rtol 1e-400: ", "underflows to 0");
  expect_refused(run_conveq("compare " + kSmall + " --atol 1e400"), "--atol 1e400: ", "overflows");
  expect_refused(run_conveq("compare " + kSmall + " --atol ' 1'"),
                 "--atol  1: ", "must be a finite number >= 0");
  CHECK(run_conveq("compare " + kSmall + " --atol 1e-310 --rtol +0.5").exit_status == 0);
}

TEST_CASE("an empty value is refused, never taken as absent", "[cli][options]") {
  const Workspace w("empty");
  for (const std::string option : {"--atol", "--rtol", "--report", "--save-outputs", "--paths"}) {
    expect_refused(run_conveq("compare " + kSmall + " " + option + " ''"),
                   option + " \"\": ", "must not be empty");
  }
  expect_refused(run_conveq("run " + q(w / "suite") + " --filter ''"),
                 "--filter \"\": ", "must not be empty");
}

TEST_CASE("a control character in a value never breaks the one-line message", "[cli][options]") {
  const CliResult newline = run_conveq("compare " + kSmall + " --atol '1\n2'");
  expect_refused(newline, "--atol 1\\n2: ", "must be a finite number >= 0");
  const CliResult tab = run_conveq("compare " + kSmall + " --paths 'conv1d/naive\tx\r'");
  expect_refused(tab, "--paths conv1d/naive\\tx\\r", "unknown path");
  // A NUL byte from a file is shown, not where the message stops.
  const auto dir = fresh_directory("outputs_nul");
  write_bytes(dir / "suite", std::string("x: --in 4\0q\n", 12));
  expect_refused(run_conveq("run " + q(dir / "suite")),
                 (dir / "suite").string() + ":1: control character \\0 at column 10",
                 "a suite line holds printable text and tabs only");
}
