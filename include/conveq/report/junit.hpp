#pragma once
// Results as JUnit XML, the test-report format CI systems show as test cases (Jenkins,
// GitLab, GitHub test-report actions, Azure): one <testsuite> of one <testcase> per problem,
// in the Jenkins/Ant layout that tests/data/junit-10.xsd describes.
//
//   passed      <testcase .../>
//   failed      <testcase ...><failure type="failed" message="the verdict">repro +
//   reasons</failure> mistrusted  the same, type="mistrusted": a check that proves nothing fails CI
//   too error       <error type="error" message="what stopped it">repro</error> skipped <skipped
//   message="why"/>
//
// Every text is escaped for XML 1.0: markup characters as entities, the control characters
// XML 1.0 forbids (and bytes that are not UTF-8) written visibly as \xHH.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "conveq/report/report_view.hpp"

namespace conveq {

struct JunitCase {
  std::string name;
  std::string classname;  // the suite (or model) file: CI systems group cases by it
  std::string status;     // passed, failed, mistrusted, error or skipped
  std::string message;    // one line: the verdict, the error or the skip reason
  std::string details;    // the element's text: repro command, reasons
  double seconds = 0;
};

class JunitWriter {
 public:
  // `name`: the testsuite's name; `hostname` and `timestamp` (ISO 8601) may be empty.
  JunitWriter(std::string name, std::string hostname, std::string timestamp);
  void add(const JunitCase& test_case);
  // The whole document; `seconds`: the suite's wall time.
  std::string finish(double seconds) const;

 private:
  std::string name_, hostname_, timestamp_;
  std::string cases_;  // the <testcase> elements so far
  int64_t tests_ = 0, failures_ = 0, errors_ = 0, skipped_ = 0;
};

// One problem of a suite report (an entry of "problems", or a JSON Lines problem record) as a
// test case of `classname`. Throws InputError naming the field when one is missing.
JunitCase junit_case(const ReportView& entry, const std::string& classname);

// A suite report (JSON or JSON Lines; one without its summary line too) or a single compare
// report (a suite of one problem named "report") as JUnit XML, one problem at a time.
class SuiteReportFile;
std::string format_junit(const SuiteReportFile& report);

}  // namespace conveq
