#pragma once
// Running a path: its output buffer, prefilled with NaN so that an element the path never
// writes cannot pass, and the timing samples of its timed runs.
#include <cstdint>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "conveq/core/fill.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/paths/path.hpp"

namespace conveq {

template <typename T>
struct RanPath {
  Path<T>* path;
  AlignedTensor<T, 1> output;            // (N, Cout, OH, OW) flattened
  std::vector<double> samples_ms;        // one per timed run
  std::vector<double> runqueue_wait_ms;  // one per timed run, NaN where unavailable
  bool warm_before_each = false;         // each timed run right after an untimed one
  // What the library chose when this run prepared it; kept here because the optional checks
  // prepare the path again, with other threads or another batch.
  std::optional<BackendInfo> backend;
};

// An output of the problem's size, every element NaN.
template <typename T>
AlignedTensor<T, 1> nan_output(const Problem& problem);

// Prepares the path and gives it a NaN-filled output; nothing is run yet.
template <typename T>
RanPath<T> prepare_path(Path<T>& path, const Problem& problem, const ConvData<T>& data,
                        int threads);

// Runs a path once, start to finish (prepare, run, finish), into a fresh NaN-filled output.
template <typename T>
AlignedTensor<T, 1> run_once(Path<T>& path, const Problem& problem, const ConvData<T>& data,
                             int threads);

// Elements whose bits differ between two outputs of the same type (NaN == NaN by bits).
template <typename T>
int64_t differing_bits(const T* a, const T* b, int64_t count);

}  // namespace conveq
