#include "conveq/check/error_map.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace conveq {
namespace {

int bucket_of(double utilisation) {
  if (utilisation == 0) return 0;
  if (!(utilisation < std::ldexp(1.0, kHighestUtilisationExponent))) {
    return kUtilisationBuckets - 1;  // large, infinite or NaN
  }
  const int exponent = std::ilogb(utilisation);  // 2^exponent <= utilisation
  if (exponent < kLowestUtilisationExponent) return 1;
  return exponent - kLowestUtilisationExponent + 2;
}

int64_t bucket_size(int64_t count) {
  return std::max<int64_t>(1, (count + kErrorMapBuckets - 1) / kErrorMapBuckets);
}

// NaN counts as the worst: a difference against a NaN tolerance is a mismatch.
double worse(double current, double utilisation) {
  if (std::isnan(utilisation)) return std::numeric_limits<double>::infinity();
  return std::max(current, utilisation);
}

}  // namespace

double utilisation_bucket_lower(int bucket) {
  if (bucket <= 1) return 0;
  return std::ldexp(1.0, bucket - 2 + kLowestUtilisationExponent);
}

double utilisation_bucket_upper(int bucket) {
  if (bucket == 0) return 0;
  if (bucket >= kUtilisationBuckets - 1) return std::numeric_limits<double>::infinity();
  return std::ldexp(1.0, bucket - 1 + kLowestUtilisationExponent);
}

ErrorMapAccumulator::ErrorMapAccumulator(int64_t channels, int64_t positions)
    : channels_(std::max<int64_t>(1, channels)), positions_(std::max<int64_t>(1, positions)) {
  map_.channel_bucket_size = bucket_size(channels_);
  map_.position_bucket_size = bucket_size(positions_);
  map_.channel_max_utilisation.assign(
      static_cast<size_t>((channels_ + map_.channel_bucket_size - 1) / map_.channel_bucket_size),
      0.0);
  map_.position_max_utilisation.assign(
      static_cast<size_t>((positions_ + map_.position_bucket_size - 1) / map_.position_bucket_size),
      0.0);
}

void ErrorMapAccumulator::add_zero_utilisations(int64_t count) {
  map_.utilisation_histogram[0] += count;
}

void ErrorMapAccumulator::add(int64_t flat, double utilisation) {
  ++map_.utilisation_histogram[static_cast<size_t>(bucket_of(utilisation))];
  if (utilisation == 0) return;
  const int64_t position = flat % positions_;
  const int64_t channel = (flat / positions_) % channels_;
  auto& by_channel =
      map_.channel_max_utilisation[static_cast<size_t>(channel / map_.channel_bucket_size)];
  by_channel = worse(by_channel, utilisation);
  auto& by_position =
      map_.position_max_utilisation[static_cast<size_t>(position / map_.position_bucket_size)];
  by_position = worse(by_position, utilisation);
}

}  // namespace conveq
