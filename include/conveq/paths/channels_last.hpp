#pragma once
// (N, C, S) <-> (N, S, C), with S every spatial position in row-major order: the channels-last
// layout of nn.Linear's rows and of the libraries that compute in NHWC. For (N, C, H, W) it is
// NHWC, and (N, C, L) as (N, C, 1, L), (N, C, L, 1) or folded to (H, W) is the same buffer.
#include <cstdint>

namespace conveq {

template <typename T>
void to_channels_last(const T* channels_first, int64_t batch, int64_t channels, int64_t spatial,
                      T* channels_last);
template <typename T>
void from_channels_last(const T* channels_last, int64_t batch, int64_t channels, int64_t spatial,
                        T* channels_first);

}  // namespace conveq
