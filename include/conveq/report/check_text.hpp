#pragma once
// `conveq check` for a terminal.
#include <string>

#include "conveq/suite/baseline.hpp"

namespace conveq {

// The table `conveq check` prints: every regression, improvement and note, then a summary.
std::string format_check(const CheckResult& result, const CheckThresholds& thresholds);

}  // namespace conveq
