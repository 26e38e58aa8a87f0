#pragma once
// Effective precision: how many bits a comparison's errors show, what a correct computation in
// its dtype should show, and the rule that fails a result clearly less precise than its dtype
// (docs/precision.md). Each error is normalised by its output's l2 scale
// sqrt(sum (w x)^2 + b^2): rounding the inputs to p significant bits then gives an RMS
// normalised error of about 0.6 * 2^-p whatever the reduction length n, while a correct
// accumulation in unit roundoff u gives at most about u sqrt(n), so the two separate.
#include <cstdint>
#include <optional>
#include <string>

namespace conveq {

// RMS normalised error of inputs rounded (to nearest) to p significant bits, in units of
// 2^-p: sqrt(2 * E[1/m^2] / 3) with m the significand, log-uniform in [1, 2) (0.601). Bits are
// reported on this scale: p-bit inputs read p (within 0.4 bits measured, docs/precision.md).
constexpr double kInputRoundingRms = 0.6;
// "Clearly below": the RMS normalised error is at least 2^4 times what the expectation allows.
constexpr double kReducedMarginBits = 4.0;
// Fewer measured outputs than this: the reading is reported but never fails a comparison.
constexpr int64_t kMinPrecisionOutputs = 32;
// --allow-reduced-precision P accepts readings down to P minus this (the calibration's
// agreement with the truth, docs/precision.md).
constexpr double kAllowanceSlackBits = 1.5;
// The probabilistic band's lambda (Higham and Mary 2019).
constexpr double kBandLambda = 5.0;

// What a correct computation's error is made of, for one comparison: `sides` computed sides
// that each sum `terms` terms in unit roundoff `accumulation_u` (1 against the reference, 2
// for twins), a result stored in a coarser format (`storage_u`, 0 when none: an --expect file
// of float16), and inputs rounded into the working dtype (`input_u`, 0 when none).
struct PrecisionModel {
  bool applies = false;  // false: --atol/--rtol replaced the bound (reported, never judged)
  double accumulation_u = 0;
  int64_t terms = 0;
  int sides = 1;
  double storage_u = 0;
  int storage_sides = 1;  // sides rounded into storage_u (2: twin float16 paths with float32 sums)
  double input_u = 0;
  int significand_bits = 0;  // of the coarsest format: no correct result reads more
  double min_l2_scale = 0;   // outputs below it: underflow, not rounding, dominates; not measured
  std::string format;        // "float32", "float16 file (float32 computation)"
};

// Effective bits of an RMS normalised error: -log2(rms / kInputRoundingRms).
double precision_bits(double rms_normalised_error);

// The RMS normalised error a correct computation stays below, given the mean over the measured
// outputs of (expected / l2 scale)^2 (`coherence`: about 1 for mixed-sign terms, up to n when
// the terms share a sign and the partial sums grow with the output):
//   sqrt(sides u^2 n (1 + coherence) + storage_sides storage_u^2 coherence + 2 input_u^2).
double expected_rms(const PrecisionModel& model, double coherence);

// --allow-reduced-precision: significant bits a result may have and still pass the precision
// rule (the rigorous bound still applies).
struct PrecisionAllowance {
  double bits = 0;
  std::string given;  // as typed: "tf32", "11"
};
// "tf32" (11 bits), "bfloat16" (8), "float16" (11) or a number of bits in [2, 53]; throws
// InputError naming the option and the rule.
PrecisionAllowance parse_precision_allowance(const std::string& text);

// The known formats near `bits` significant bits ("TF32 or float16 inputs (11 significant
// bits)"), or "" when none is within kAllowanceSlackBits.
std::string nearest_format(double bits);

// "float16", "bfloat16", "float32", "float64" for their unit roundoffs.
std::string format_name(double unit_roundoff);

// The smallest subnormal of the format with unit roundoff u (float16 2^-24, bfloat16 2^-133,
// float32 2^-149, float64 2^-1074); 0 for another u.
double smallest_subnormal(double unit_roundoff);

}  // namespace conveq
