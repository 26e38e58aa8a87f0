#pragma once
// The HTML report's detail of each comparison (its ULP histogram, its error distribution
// against the bound, where its worst errors lie, its effective precision and probabilistic
// band when the report has them, its worst mismatches) and of the bit-for-bit checks.
#include <string>

#include "conveq/report/report_view.hpp"

namespace conveq {

// "21.3 of 24" from effective_precision_bits and expected_precision_bits, "" when absent.
std::string precision_text(const ReportView& comparison);

// One <details> per comparison, open when it did not pass; `compact`: only those that did not
// pass and the one that used most of its bound. Ids: PREFIX comparison-INDEX.
std::string comparison_details_html(const ReportView& report, bool compact,
                                    const std::string& prefix);

// --check-determinism and --check-batch-invariance, when the report has them.
std::string checks_html(const ReportView& report);

}  // namespace conveq
