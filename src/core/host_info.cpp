#include "conveq/core/host_info.hpp"

#include <cblas.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include "conveq/core/parallel.hpp"
#include "conveq/core/version.hpp"

namespace conveq {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  const auto last = s.find_last_not_of(" \t\n");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) return trim(line.substr(line.find(':') + 1));
  }
  return "unknown";
}

// The 1, 5 and 15 minute load averages: how busy the machine was while the timings were
// taken (null where /proc/loadavg is unreadable).
nlohmann::json load_average() {
  std::ifstream file("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  if (!(file >> one >> five >> fifteen)) return nullptr;
  return {one, five, fifteen};
}

// cpufreq's governor of CPU 0 ("performance", "powersave", "schedutil", ...): timings under
// "powersave" or a ramping governor are not comparable with timings under "performance".
// Null where the kernel does not expose it (containers, some virtual machines).
nlohmann::json cpu_governor() {
  std::ifstream file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::string governor;
  if (!(file >> governor)) return nullptr;
  return governor;
}

}  // namespace

nlohmann::json tool_info() {
  return {{"name", "conveq"},
          {"version", build::kVersion},
          {"build_type", build::kBuildType},
          {"native_arch", build::kNativeArch},
          {"compiler", std::string("g++ ") + __VERSION__},
          {"blas",
           {{"name", "OpenBLAS"},
            {"version", build::kOpenBlasVersion},
            {"config", trim(openblas_get_config())}}}};
}

nlohmann::json host_info(int threads_used) {
  char hostname[256] = {};
  gethostname(hostname, sizeof hostname - 1);
  return {{"hostname", hostname},
          {"cpu_model", cpu_model()},
          {"hardware_threads", hardware_threads()},
          {"threads_used", threads_used},
          {"load_average", load_average()},
          {"cpu_governor", cpu_governor()},
          {"date", utc_timestamp()}};
}

uint64_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace conveq
