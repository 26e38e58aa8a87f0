#include "conveq/suite/shard_environment.hpp"

#include <string>

#include "conveq/core/error.hpp"
#include "conveq/core/problem.hpp"

namespace conveq {
namespace {

constexpr int64_t kMaxShards = 1000000;  // as --shard I/N
const std::string kWhere = "--shard auto: ";

std::optional<std::string> lookup(const Environment& environment, const char* name) {
  const char* value = environment(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

int64_t integer(const char* name, const std::string& value, int64_t min_value,
                int64_t max_value = kMaxShards) {
  return parse_integer(kWhere + name, value, min_value, max_value);
}

std::string required(const Environment& environment, const char* name, const char* because) {
  const auto value = lookup(environment, name);
  if (!value) throw InputError(kWhere + name + " is not set: " + because);
  return *value;
}

// --shard-count, when given, must agree with the count the engine says.
void check_count(std::optional<int64_t> shard_count, int64_t count, const char* name) {
  if (shard_count && *shard_count != count) {
    throw InputError(kWhere + "--shard-count " + std::to_string(*shard_count) + " differs from " +
                     name + " " + std::to_string(count) + ": give one count");
  }
}

Shard checked(int64_t index, int64_t count, const std::string& what,
              const std::string& count_name) {
  if (index > count) {
    throw InputError(kWhere + what + " gives shard " + std::to_string(index) + " of " +
                     std::to_string(count) + ": there are only " + count_name + " shards");
  }
  return {index, count};
}

Shard conveq_shard(const Environment& environment, std::optional<int64_t> shard_count) {
  const char* because = "CONVEQ_SHARD_INDEX and CONVEQ_SHARD_COUNT go together";
  const int64_t index =
      integer("CONVEQ_SHARD_INDEX", required(environment, "CONVEQ_SHARD_INDEX", because), 1);
  const int64_t count =
      integer("CONVEQ_SHARD_COUNT", required(environment, "CONVEQ_SHARD_COUNT", because), 1);
  check_count(shard_count, count, "CONVEQ_SHARD_COUNT");
  return checked(index, count, "CONVEQ_SHARD_INDEX (1-based)", "CONVEQ_SHARD_COUNT");
}

Shard kubernetes_shard(const std::string& value, std::optional<int64_t> shard_count) {
  const int64_t index = integer("JOB_COMPLETION_INDEX", value, 0, kMaxShards - 1);
  if (!shard_count) {
    throw InputError(kWhere +
                     "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but --shard-count "
                     "is not: give the Job's completions as --shard-count N");
  }
  return checked(index + 1, *shard_count, "JOB_COMPLETION_INDEX " + value + " (0-based)",
                 "--shard-count");
}

Shard slurm_shard(const Environment& environment, const std::string& id_text,
                  std::optional<int64_t> shard_count) {
  const int64_t id = integer("SLURM_ARRAY_TASK_ID", id_text, 0, INT64_MAX / 2);
  const int64_t count =
      integer("SLURM_ARRAY_TASK_COUNT",
              required(environment, "SLURM_ARRAY_TASK_COUNT",
                       "a Slurm array task gives its count (srun/sbatch --array sets it)"),
              1);
  const auto min_text = lookup(environment, "SLURM_ARRAY_TASK_MIN");
  const auto step_text = lookup(environment, "SLURM_ARRAY_TASK_STEP");
  const int64_t min = min_text ? integer("SLURM_ARRAY_TASK_MIN", *min_text, 0, id) : 0;
  const int64_t step =
      step_text ? integer("SLURM_ARRAY_TASK_STEP", *step_text, 1, INT64_MAX / 2) : 1;
  if ((id - min) % step != 0) {
    throw InputError(kWhere + "SLURM_ARRAY_TASK_ID " + id_text +
                     " is not SLURM_ARRAY_TASK_MIN plus a multiple of SLURM_ARRAY_TASK_STEP");
  }
  check_count(shard_count, count, "SLURM_ARRAY_TASK_COUNT");
  return checked(
      (id - min) / step + 1, count,
      "SLURM_ARRAY_TASK_ID " + id_text + " (from SLURM_ARRAY_TASK_MIN " + std::to_string(min) + ")",
      "SLURM_ARRAY_TASK_COUNT");
}

}  // namespace

Shard shard_from_environment(const Environment& environment, std::optional<int64_t> shard_count) {
  if (lookup(environment, "CONVEQ_SHARD_INDEX") || lookup(environment, "CONVEQ_SHARD_COUNT")) {
    return conveq_shard(environment, shard_count);
  }
  if (const auto index = lookup(environment, "JOB_COMPLETION_INDEX")) {
    return kubernetes_shard(*index, shard_count);
  }
  if (const auto id = lookup(environment, "SLURM_ARRAY_TASK_ID")) {
    return slurm_shard(environment, *id, shard_count);
  }
  throw InputError(kWhere +
                   "no shard in the environment: set CONVEQ_SHARD_INDEX and CONVEQ_SHARD_COUNT "
                   "(1-based), or run as a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with "
                   "--shard-count) or a Slurm job array (SLURM_ARRAY_TASK_ID)");
}

}  // namespace conveq
