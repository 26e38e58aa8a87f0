#include "conveq/paths/channels_last.hpp"

namespace conveq {

template <typename T>
void to_channels_last(const T* channels_first, int64_t batch, int64_t channels, int64_t spatial,
                      T* channels_last) {
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const T* from = channels_first + (n * channels + c) * spatial;
      T* to = channels_last + n * spatial * channels + c;
      for (int64_t s = 0; s < spatial; ++s) to[s * channels] = from[s];
    }
  }
}

template <typename T>
void from_channels_last(const T* channels_last, int64_t batch, int64_t channels, int64_t spatial,
                        T* channels_first) {
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const T* from = channels_last + n * spatial * channels + c;
      T* to = channels_first + (n * channels + c) * spatial;
      for (int64_t s = 0; s < spatial; ++s) to[s] = from[s * channels];
    }
  }
}

#define CONVEQ_INSTANTIATE(T)                                                 \
  template void to_channels_last<T>(const T*, int64_t, int64_t, int64_t, T*); \
  template void from_channels_last<T>(const T*, int64_t, int64_t, int64_t, T*);
CONVEQ_INSTANTIATE(float)
CONVEQ_INSTANTIATE(double)
#undef CONVEQ_INSTANTIATE

}  // namespace conveq
