#pragma once
// Runs the conveq binary as a user would, capturing exit status, stdout and stderr.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

struct CliResult {
  int exit_status = -1;
  std::string out, err;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Any shell command, its stdout and stderr captured.
inline CliResult run_conveq_command(const std::string& shell_command) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string out_path = (dir / ("conveq_out_" + tag)).string();
  const std::string err_path = (dir / ("conveq_err_" + tag)).string();
  const std::string command = shell_command + " >" + out_path + " 2>" + err_path;
  const int status = std::system(command.c_str());
  CliResult r;
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out_path);
  r.err = read_text(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

// `arguments` is appended to the binary's path as shell words.
inline CliResult run_conveq(const std::string& arguments) {
  return run_conveq_command(std::string(CONVEQ_BINARY) + " " + arguments);
}

// A fresh empty directory for a test's files.
inline std::filesystem::path fresh_directory(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("conveq_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}
