#include "conveq/check/verdict.hpp"

#include <algorithm>
#include <sstream>

#include "conveq/core/error.hpp"

namespace conveq {
namespace {

std::string summary_of(const Problem& p, const Verdict& v, double worst_utilisation,
                       const std::string& first_problem) {
  std::ostringstream s;
  const int total = v.passed + v.failed + v.mistrusted;
  if (v.failed > 0) {
    s << v.failed << " of " << total << " comparisons failed; first: " << first_problem << ".";
  } else if (v.mistrusted > 0) {
    s << "No comparison failed, but " << v.mistrusted << " of " << total
      << " are too weak to mean anything; first: " << first_problem << ".";
  } else {
    s.precision(3);
    s << "All " << total << " comparisons agree within "
      << (p.fill == Fill::exact ? "zero tolerance (exact fill)" : "their tolerance")
      << "; largest bound utilisation " << worst_utilisation << ".";
  }
  return s.str();
}

// " Mistrusted inputs, whatever the comparisons say: a; b." or "" without warnings.
std::string warnings_sentence(const std::vector<std::string>& warnings) {
  if (warnings.empty()) return "";
  std::string sentence = " Mistrusted inputs, whatever the comparisons say: ";
  for (size_t i = 0; i < warnings.size(); ++i) sentence += (i > 0 ? "; " : "") + warnings[i];
  return sentence + ".";
}

// " 2 comparisons inside the bound but less precise than float32 were accepted
// (--allow-reduced-precision tf32)." or "" when none was.
std::string accepted_sentence(const std::vector<ComparisonResult>& comparisons) {
  int accepted = 0;
  std::string given, format;
  for (const auto& c : comparisons) {
    if (!c.precision.accepted) continue;
    ++accepted;
    given = c.precision.allowance->given;
    format = c.precision.format;
  }
  if (accepted == 0) return "";
  return " " + std::to_string(accepted) + " comparison" + (accepted > 1 ? "s" : "") +
         " less precise than " + format + " accepted (--allow-reduced-precision " + given + ").";
}

}  // namespace

Verdict decide(const Problem& problem, const std::vector<ComparisonResult>& comparisons,
               bool deterministic, bool batch_invariant,
               const std::vector<std::string>& input_warnings) {
  Verdict v;
  double worst_utilisation = 0;
  std::string first_failure, first_mistrust;
  for (const auto& c : comparisons) {
    worst_utilisation = std::max(worst_utilisation, c.bound_utilisation);
    if (c.status == Status::passed) ++v.passed;
    if (c.status == Status::failed) ++v.failed;
    if (c.status == Status::mistrusted) ++v.mistrusted;
    std::string& first = c.status == Status::failed ? first_failure : first_mistrust;
    if (c.status != Status::passed && first.empty()) first = c.a + " vs " + c.b + ": " + c.reason;
  }
  v.summary = comparisons.empty()
                  ? "Nothing was compared: select at least two paths, or one path and the "
                    "reference."
                  : summary_of(problem, v, worst_utilisation,
                               v.failed > 0 ? first_failure : first_mistrust);
  v.summary += accepted_sentence(comparisons);
  if (!deterministic) v.summary += " Some path is not deterministic (see determinism).";
  if (!batch_invariant) v.summary += " Some path is not batch-invariant (see batch_invariance).";
  v.summary += warnings_sentence(input_warnings);
  // A run that compared nothing proves nothing, nor does one on damaged inputs: mistrusted,
  // never passed.
  const bool checks_failed = !deterministic || !batch_invariant;
  const bool untrusted = v.mistrusted > 0 || comparisons.empty() || !input_warnings.empty();
  v.status = v.failed > 0 || checks_failed ? Status::failed
             : untrusted                   ? Status::mistrusted
                                           : Status::passed;
  return v;
}

int exit_status(const Verdict& verdict) {
  switch (verdict.status) {
    case Status::passed:
      return kExitPassed;
    case Status::failed:
      return kExitFailed;
    case Status::mistrusted:
      return kExitMistrusted;
  }
  return kExitInternalError;
}

}  // namespace conveq
