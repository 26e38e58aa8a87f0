// --shard auto: the shard from each engine's environment, and one line naming the variable
// and the rule for anything missing or malformed.
#include "conveq/suite/shard_environment.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "input_error.hpp"

namespace {

using Variables = std::map<std::string, std::string>;

conveq::Shard shard(const Variables& variables, std::optional<int64_t> count = std::nullopt) {
  return conveq::shard_from_environment(
      [&variables](const char* name) -> const char* {
        const auto found = variables.find(name);
        return found == variables.end() ? nullptr : found->second.c_str();
      },
      count);
}

std::string refusal(const Variables& variables, std::optional<int64_t> count = std::nullopt) {
  return error_of([&] { shard(variables, count); });
}

}  // namespace

TEST_CASE("Shard auto reads each engine's variables", "[shard]") {
  auto is = [](conveq::Shard s, int64_t index, int64_t count) {
    return s.index == index && s.count == count;
  };
  CHECK(is(shard({{"CONVEQ_SHARD_INDEX", "2"}, {"CONVEQ_SHARD_COUNT", "3"}}), 2, 3));
  // Kubernetes' index is 0-based; the count is the Job's completions, given as --shard-count.
  CHECK(is(shard({{"JOB_COMPLETION_INDEX", "0"}}, 4), 1, 4));
  CHECK(is(shard({{"JOB_COMPLETION_INDEX", "3"}}, 4), 4, 4));
  // Slurm: ids from SLURM_ARRAY_TASK_MIN (0 when unset) by SLURM_ARRAY_TASK_STEP.
  CHECK(is(shard({{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_COUNT", "2"}}), 1, 2));
  CHECK(is(shard({{"SLURM_ARRAY_TASK_ID", "7"},
                  {"SLURM_ARRAY_TASK_COUNT", "4"},
                  {"SLURM_ARRAY_TASK_MIN", "4"}}),
           4, 4));
  CHECK(is(shard({{"SLURM_ARRAY_TASK_ID", "14"},
                  {"SLURM_ARRAY_TASK_COUNT", "3"},
                  {"SLURM_ARRAY_TASK_MIN", "10"},
                  {"SLURM_ARRAY_TASK_STEP", "2"}}),
           3, 3));
  // conveq's own variables win over an engine's.
  CHECK(is(shard({{"CONVEQ_SHARD_INDEX", "1"},
                  {"CONVEQ_SHARD_COUNT", "2"},
                  {"JOB_COMPLETION_INDEX", "5"}}),
           1, 2));
}

TEST_CASE("Shard auto refuses missing and malformed values, naming them", "[shard]") {
  CHECK_THAT(refusal({}), Catch::Contains("no shard in the environment"));
  CHECK_THAT(refusal({{"CONVEQ_SHARD_INDEX", "1"}}),
             Catch::Contains("CONVEQ_SHARD_COUNT is not set"));
  CHECK_THAT(refusal({{"CONVEQ_SHARD_INDEX", "0"}, {"CONVEQ_SHARD_COUNT", "2"}}),
             Catch::Contains("CONVEQ_SHARD_INDEX 0: must be a positive integer"));
  CHECK_THAT(refusal({{"CONVEQ_SHARD_INDEX", "3"}, {"CONVEQ_SHARD_COUNT", "2"}}),
             Catch::Contains("CONVEQ_SHARD_INDEX (1-based) gives shard 3 of 2: there are only "
                             "CONVEQ_SHARD_COUNT shards"));
  CHECK_THAT(refusal({{"CONVEQ_SHARD_INDEX", "1"}, {"CONVEQ_SHARD_COUNT", "2"}}, 3),
             Catch::Contains("--shard-count 3 differs from CONVEQ_SHARD_COUNT 2"));
  CHECK_THAT(refusal({{"JOB_COMPLETION_INDEX", "1"}}), Catch::Contains("--shard-count"));
  CHECK_THAT(refusal({{"JOB_COMPLETION_INDEX", "-1"}}, 2),
             Catch::Contains("JOB_COMPLETION_INDEX -1: must be a non-negative integer"));
  CHECK_THAT(refusal({{"JOB_COMPLETION_INDEX", "2"}}, 2),
             Catch::Contains("JOB_COMPLETION_INDEX 2 (0-based) gives shard 3 of 2: there are only "
                             "--shard-count shards"));
  CHECK_THAT(refusal({{"JOB_COMPLETION_INDEX", " 1"}}, 2),
             Catch::Contains("JOB_COMPLETION_INDEX  1: must be"));
  CHECK_THAT(refusal({{"SLURM_ARRAY_TASK_ID", "1"}}),
             Catch::Contains("SLURM_ARRAY_TASK_COUNT is not set"));
  CHECK_THAT(refusal({{"SLURM_ARRAY_TASK_ID", "3"},
                      {"SLURM_ARRAY_TASK_COUNT", "2"},
                      {"SLURM_ARRAY_TASK_MIN", "5"}}),
             Catch::Contains("SLURM_ARRAY_TASK_MIN 5: must be"));
  CHECK_THAT(refusal({{"SLURM_ARRAY_TASK_ID", "3"},
                      {"SLURM_ARRAY_TASK_COUNT", "2"},
                      {"SLURM_ARRAY_TASK_STEP", "2"}}),
             Catch::Contains("not SLURM_ARRAY_TASK_MIN plus a multiple of SLURM_ARRAY_TASK_STEP"));
  CHECK_THAT(refusal({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "2"}}),
             Catch::Contains("there are only SLURM_ARRAY_TASK_COUNT shards"));
  CHECK_THAT(refusal({{"SLURM_ARRAY_TASK_ID", "abc"}, {"SLURM_ARRAY_TASK_COUNT", "2"}}),
             Catch::Contains("SLURM_ARRAY_TASK_ID abc"));
}
