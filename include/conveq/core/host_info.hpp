#pragma once
// What the report says about the tool and the machine, so a number can be traced back.
#include <cstdint>
#include <nlohmann/json.hpp>

namespace conveq {

nlohmann::json tool_info();                  // version, build type, compiler, BLAS and its version
nlohmann::json host_info(int threads_used);  // CPU model, hardware threads, threads used
// MemAvailable from /proc/meminfo, in bytes; 0 when unknown.
uint64_t available_memory_bytes();
// Today's UTC date and time, ISO 8601.
std::string utc_timestamp();

}  // namespace conveq
