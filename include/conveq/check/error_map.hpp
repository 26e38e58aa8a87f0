#pragma once
// Where a comparison's errors lie and how they spread against the tolerance, in a few numbers
// per comparison (the HTML report draws them): the largest bound utilisation (|a - b| /
// tolerance) per bucket of output channels and per bucket of output positions, and a log2
// histogram of every element's utilisation. One pass, fixed memory.
#include <array>
#include <cstdint>
#include <vector>

namespace conveq {

// Utilisation buckets: [0] exactly 0; [1] (0, 2^kLowestExponent); [k] [2^(k-2+lowest),
// 2^(k-1+lowest)) up to [kUtilisationBuckets-2]; the last one everything from 2^kHighestExponent
// up, infinite and NaN included. Utilisation 1 (the tolerance itself) starts a bucket.
inline constexpr int kLowestUtilisationExponent = -30;
inline constexpr int kHighestUtilisationExponent = 8;
inline constexpr int kUtilisationBuckets =
    kHighestUtilisationExponent - kLowestUtilisationExponent + 3;
// At most this many buckets of channels and of positions (consecutive ones share a bucket).
inline constexpr int64_t kErrorMapBuckets = 32;

struct ErrorMap {
  int64_t channel_bucket_size = 1, position_bucket_size = 1;
  std::vector<double> channel_max_utilisation;   // +inf: an infinite difference there
  std::vector<double> position_max_utilisation;  // positions: the spatial index oh * OW + ow
  std::array<int64_t, kUtilisationBuckets> utilisation_histogram{};
};

// The bucket's edges: lower (inclusive, except for bucket 1) and upper (exclusive; +inf for
// the last bucket; 0 for bucket 0, which holds exactly 0).
double utilisation_bucket_lower(int bucket);
double utilisation_bucket_upper(int bucket);

class ErrorMapAccumulator {
 public:
  // The outputs are (N, channels, positions) flattened; channels or positions <= 0 reads as 1.
  ErrorMapAccumulator(int64_t channels, int64_t positions);
  void add(int64_t flat, double utilisation);
  // `count` elements with no difference (utilisation 0): what add() does for each of them.
  void add_zero_utilisations(int64_t count);
  ErrorMap finish() const { return map_; }

 private:
  int64_t channels_, positions_;
  ErrorMap map_;
};

}  // namespace conveq
