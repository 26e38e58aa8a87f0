#pragma once
// GitHub Actions workflow commands for problems that did not pass (`run --github-annotations`):
//
//   ::error file=SUITE,line=N,title=conveq: NAME failed::VERDICT%0Arepro: COMMAND
//
// `error` for a failed problem or one that stopped with an error, `warning` for a mistrusted
// one; GitHub shows them on the run's summary page and on the suite file's line. Values are
// escaped as GitHub's workflow-command rules say: % CR LF in the message as %25 %0D %0A, and
// also : and , in a property (file, line, title) as %3A and %2C.
#include <string>
#include <string_view>

#include "conveq/report/report_view.hpp"

namespace conveq {

// The command for one problem of a suite report, with its newline; "" when it passed.
std::string github_annotation(const ReportView& entry, const std::string& suite_file);

std::string escape_workflow_message(std::string_view text);
std::string escape_workflow_property(std::string_view text);

}  // namespace conveq
