#include "conveq/check/percentile.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace conveq {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
// 12-bit digits: the first is the sign and the exponent, so one bin is one binade; later digits
// may overlap the ones before, which the candidates share by then.
constexpr int kDigitBits = 12;
constexpr size_t kBins = size_t{1} << kDigitBits;
constexpr int kTopShift = 64 - kDigitBits;
// Below this many candidates nth_element costs less than another histogram.
constexpr size_t kSmallSet = 2048;

size_t digit(uint64_t key, int shift) {
  return static_cast<size_t>(key >> shift) & (kBins - 1);
}

// Where a rank (0-based) falls: its bin, and how many keys lie in lower bins.
struct BinOfRank {
  size_t bin = 0, below = 0;
};

BinOfRank bin_of_rank(const std::vector<size_t>& counts, size_t rank) {
  BinOfRank at;
  while (rank >= at.below + counts[at.bin]) at.below += counts[at.bin++];
  return at;
}

void count_digits(const std::vector<uint64_t>& keys, int shift, std::vector<size_t>& counts) {
  counts.assign(kBins, 0);
  for (const uint64_t key : keys) ++counts[digit(key, shift)];
}

// The key of rank `rank` among `candidates`, whose digits above `shift` are all equal: each
// step keeps the bin holding the rank (in place), until few are left or every bit is used.
uint64_t select_key(std::vector<uint64_t>& candidates, size_t rank, int shift,
                    std::vector<size_t>& counts) {
  while (candidates.size() > kSmallSet) {
    count_digits(candidates, shift, counts);
    const BinOfRank at = bin_of_rank(counts, rank);
    if (counts[at.bin] != candidates.size()) {
      std::erase_if(candidates, [&](uint64_t key) { return digit(key, shift) != at.bin; });
      rank -= at.below;
    }
    if (shift == 0) return candidates[rank];  // every bit is used: the candidates are equal
    shift = std::max(0, shift - kDigitBits);
  }
  std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(rank),
                   candidates.end());
  return candidates[rank];
}

// The keys of a few top-digit bins, gathered in one pass over all of them into places sized
// from the bins' counts.
class TopBins {
 public:
  void gather(const std::vector<uint64_t>& keys, const std::vector<BinOfRank>& wanted,
              const std::vector<size_t>& counts) {
    // Place 0 takes every other key and never advances: no branch on which bin a key is in
    // (half the keys may be, at random, and the mispredictions cost more than the stores).
    slot_.assign(kBins, 0);
    uint64_t discarded = 0;
    std::vector<uint64_t*> next{&discarded};
    for (const BinOfRank& at : wanted) {
      if (slot_[at.bin] > 0) continue;
      const size_t place = next.size() - 1;
      slot_[at.bin] = static_cast<int>(next.size());
      if (gathered_.size() <= place) gathered_.emplace_back();
      gathered_[place].resize(counts[at.bin]);
      next.push_back(gathered_[place].data());
    }
    const int* slot = slot_.data();
    for (const uint64_t key : keys) {
      const auto s = static_cast<size_t>(slot[digit(key, kTopShift)]);
      *next[s] = key;
      next[s] += s > 0 ? 1 : 0;
    }
  }
  const std::vector<uint64_t>& candidates(size_t bin) const {
    return gathered_[static_cast<size_t>(slot_[bin]) - 1];
  }

 private:
  std::vector<int> slot_;  // per bin: 1 + its place in gathered_, or 0
  std::vector<std::vector<uint64_t>> gathered_;
};

// Nearest rank, as conveq has always computed it: ceil(q n) - 1, clamped to the last.
size_t rank_of(double q, size_t n) {
  const auto k = static_cast<size_t>(std::ceil(q * static_cast<double>(n))) - 1;
  return std::min(k, n - 1);
}

}  // namespace

uint64_t order_key(double value) {
  const auto bits = std::bit_cast<uint64_t>(value);
  return (bits & kSignBit) ? ~bits : bits | kSignBit;
}

double from_order_key(uint64_t key) {
  return std::bit_cast<double>((key & kSignBit) ? key & ~kSignBit : ~key);
}

std::vector<double> nearest_rank_percentiles(const std::vector<uint64_t>& keys,
                                             std::initializer_list<double> quantiles) {
  std::vector<double> result(quantiles.size(), 0.0);
  if (keys.empty()) return result;
  // Per thread, so that the candidates of a large bin do not page-fault on every call.
  static thread_local std::vector<size_t> top_counts, step_counts;
  static thread_local TopBins bins;
  static thread_local std::vector<uint64_t> candidates;
  count_digits(keys, kTopShift, top_counts);
  std::vector<BinOfRank> at;
  for (const double q : quantiles) at.push_back(bin_of_rank(top_counts, rank_of(q, keys.size())));
  bins.gather(keys, at, top_counts);
  size_t i = 0;
  for (const double q : quantiles) {
    candidates = bins.candidates(at[i].bin);  // a copy: select_key narrows it
    const size_t rank = rank_of(q, keys.size()) - at[i].below;
    result[i++] = from_order_key(select_key(candidates, rank, kTopShift - kDigitBits, step_counts));
  }
  return result;
}

}  // namespace conveq
