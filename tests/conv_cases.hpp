#pragma once
// The problems every path test runs (conveq's own paths and each library's): odd sizes and
// every parameter, each with its kind, which a library's test maps to the formulations that
// compute it there (a library without Conv1d, or one whose Linear has no groups, runs fewer).
#include <string>
#include <vector>

#include "conv_tester.hpp"

enum class CaseKind {
  pointwise,          // Conv1d(k=1): every formulation
  pointwise_2d,       // Conv2d 1x1 on an H x W input: no folded view
  grouped_pointwise,  // no nn.Linear
  conv1d,             // a kernel > 1 on a 1D input
  conv2d,             // a 2D kernel: Conv2d only
};

struct ConvCase {
  std::string name;
  ConvTester tester;
  CaseKind kind;
};

// A case as one library's test runs it: the formulations that apply there.
struct LibraryCase {
  std::string name;
  ConvTester tester;
  std::vector<std::string> ops;
};

// Conv2d with every parameter different on the two axes.
inline ConvTester strided_2d_case() {
  return ConvTester()
      .in(6)
      .out(10)
      .height_width(9, 11)
      .kernel("3,3")
      .stride("2,1")
      .dilation("1,2")
      .padding("1,2")
      .groups(2);
}

inline std::vector<ConvCase> shared_conv_cases() {
  return {
      {"pointwise 3 -> 5 channels, length 17", ConvTester().in(3).out(5).length(17),
       CaseKind::pointwise},
      {"pointwise 23 -> 19 channels, length 37, batch 2",
       ConvTester().batch(2).in(23).out(19).length(37), CaseKind::pointwise},
      {"pointwise 17 -> 9, length 30 folded as 5 x 6, no bias",
       ConvTester().in(17).out(9).length(30).height_width(5, 6).no_bias(), CaseKind::pointwise},
      {"2D pointwise 13 -> 24 on 9 x 11", ConvTester().in(13).out(24).height_width(9, 11),
       CaseKind::pointwise_2d},
      {"grouped pointwise: no nn.Linear", ConvTester().in(4).out(6).groups(2).length(10),
       CaseKind::grouped_pointwise},
      {"kernel 3, padding same", ConvTester().in(5).out(7).length(13).kernel("3").padding("same"),
       CaseKind::conv1d},
      {"even kernel 4 dilated 3, padding same (the odd extra at the end)",
       ConvTester().in(3).out(5).length(23).kernel("4").padding("same").dilation("3"),
       CaseKind::conv1d},
      {"stride 3, dilation 2, groups 2, batch 2",
       ConvTester().batch(2).in(6).out(10).length(23).kernel("3").stride("3").dilation("2").groups(
           2),
       CaseKind::conv1d},
      {"stride 2, padding 1, length 20 (the last window ends early)",
       ConvTester().in(4).out(6).length(20).kernel("3").stride("2").padding("1"), CaseKind::conv1d},
      {"depthwise: 7 groups, kernel 5, padding 2",
       ConvTester().in(7).out(7).length(17).kernel("5").padding("2").groups(7), CaseKind::conv1d},
      {"exact fill, kernel 3: bit-exact",
       ConvTester().in(40).out(8).length(50).kernel("3").padding("1").fill("exact"),
       CaseKind::conv1d},
      {"2D kernel 2x3, padding same",
       ConvTester().in(3).out(5).height_width(7, 9).kernel("2,3").padding("same"),
       CaseKind::conv2d},
      {"2D stride 2,1, dilation 1,2, padding 1,2, groups 2", strided_2d_case(), CaseKind::conv2d},
      {"2D depthwise 3x3, padding same",
       ConvTester().in(16).out(16).groups(16).height_width(14, 13).kernel("3").padding("same"),
       CaseKind::conv2d},
  };
}
