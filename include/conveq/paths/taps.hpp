#pragma once
// The tap loops shared by the reference (check/reference.cpp) and the naive paths
// (src/paths/row_taps.hpp): which outputs of a row a kernel tap reaches, and the order in which
// runs of taps are added onto a row. Every output adds its taps one at a time, in the order
// given, whatever the grouping, so the sums do not depend on how the taps are grouped; only the
// kernel that adds a run (in the working dtype, or in the reference's wider accumulator) differs.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace conveq {

// Output indices o with 0 <= o*stride + offset < size: [first, last), possibly empty.
inline void outputs_inside(int64_t offset, int64_t stride, int64_t size, int64_t out_size,
                           int64_t& first, int64_t& last) {
  first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  last = size - offset <= 0 ? 0 : std::min(out_size, (size - offset - 1) / stride + 1);
  first = std::min(first, last);
}

// One (input channel, kernel tap) term of an output row: outputs [first, last) of the row
// add w * row[offset + o * stride] for output o. Only indices inside the row are formed.
// W is the weight's type: the data's own in the paths, the accumulator's in the reference.
template <typename T, typename W = T>
struct RowTap {
  const T* row;
  int64_t offset;
  W w;
  int64_t first, last;
};

// Taps that share one pass over the outputs they all cover.
inline constexpr int kTapGroup = 4;
// How many taps a run adds, as a type, so that the kernel can take it as a template argument.
template <int count>
using TapCount = std::integral_constant<int, count>;

// Adds every tap, in order, onto rows [0, rows) through
//   add_run(TapCount<count>{}, taps, row, begin, end),
// which must add taps[0..count) onto outputs [begin, end) of row `row`, taps covering all of
// them. A group of Group taps (kTapGroup unless the caller picks another) shares one run over the
// outputs all of them cover; the outputs outside that common range get the group's taps one by one,
// still in order, so every output sees exactly its taps in order. Empty runs may be passed (begin
// >= end).
template <int Group = kTapGroup, typename Tap, typename AddRun>
void add_taps_in_groups(const std::vector<Tap>& taps, int64_t rows, AddRun&& add_run) {
  size_t t = 0;
  for (; t + Group <= taps.size(); t += Group) {
    const Tap* group = taps.data() + t;
    int64_t first = group[0].first, last = group[0].last;
    bool same = true;
    for (int u = 1; u < Group; ++u) {
      first = std::max(first, group[u].first);
      last = std::min(last, group[u].last);
      same = same && group[u].first == group[0].first && group[u].last == group[0].last;
    }
    if (first >= last) first = last = group[0].last;  // no common range: all one by one
    for (int64_t r = 0; r < rows; ++r) {
      // With the same range for every tap of the group, the one-by-one runs would be empty.
      if (!same) {
        for (int u = 0; u < Group; ++u) {
          add_run(TapCount<1>{}, group + u, r, group[u].first, std::min(group[u].last, first));
        }
      }
      add_run(TapCount<Group>{}, group, r, first, last);
      if (!same) {
        for (int u = 0; u < Group; ++u) {
          add_run(TapCount<1>{}, group + u, r, std::max(group[u].first, last), group[u].last);
        }
      }
    }
  }
  for (; t < taps.size(); ++t) {
    for (int64_t r = 0; r < rows; ++r)
      add_run(TapCount<1>{}, &taps[t], r, taps[t].first, taps[t].last);
  }
}

}  // namespace conveq
