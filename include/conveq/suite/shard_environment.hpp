#pragma once
// `--shard auto`: which shard this process is, from the environment of the engine that
// started it (docs/ci.md, "Sharding"). The first of these that is set wins:
//
//   CONVEQ_SHARD_INDEX, CONVEQ_SHARD_COUNT  1-based index and count, both required (a GitHub
//                                           Actions matrix, or any other engine)
//   JOB_COMPLETION_INDEX                    a Kubernetes Indexed Job: 0-based index; the count
//                                           (the Job's completions) is --shard-count
//   SLURM_ARRAY_TASK_ID                     a Slurm job array: the task id; the count is
//                                           SLURM_ARRAY_TASK_COUNT, the ids start at
//                                           SLURM_ARRAY_TASK_MIN (0 when unset) and step by
//                                           SLURM_ARRAY_TASK_STEP (1 when unset)
//
// Any value that is missing where required, not an integer, or out of range is an InputError
// naming the variable and the rule.
#include <cstdint>
#include <functional>
#include <optional>

#include "conveq/suite/suite.hpp"

namespace conveq {

// The environment as a lookup (std::getenv in the CLI; a map in tests): null when unset.
using Environment = std::function<const char*(const char* name)>;

// `shard_count`: the value of --shard-count, when given.
Shard shard_from_environment(const Environment& environment, std::optional<int64_t> shard_count);

}  // namespace conveq
