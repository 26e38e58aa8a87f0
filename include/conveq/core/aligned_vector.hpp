#pragma once
// std::vector and xt::xtensor on cache-line-aligned storage. glibc's malloc returns large blocks 16
// bytes past a page boundary, so every 64-byte vector load from a plain std::vector<float>
// straddles two cache lines: oneDNN's brgconv kernel ran 5 % slower on such buffers than on its own
// aligned ones at (8, 256, 256, 4096) (docs/performance.md). The buffers the paths compute on use
// this.
#include <cstddef>
#include <new>
#include <vector>
#include <xtensor/xtensor.hpp>

namespace conveq {

inline constexpr std::size_t kCacheLineBytes = 64;

template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  explicit CacheLineAllocator(const CacheLineAllocator<U>& /*other*/) noexcept {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kCacheLineBytes}));
  }
  void deallocate(T* p, std::size_t /*n*/) noexcept {
    ::operator delete (p, std::align_val_t{kCacheLineBytes});
  }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

template <typename T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

// An xtensor on such storage: the problem's data and every path's output.
template <typename T, std::size_t N>
using AlignedTensor = xt::xtensor<T, N, xt::layout_type::row_major, CacheLineAllocator<T>>;

}  // namespace conveq
