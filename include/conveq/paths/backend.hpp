#pragma once
// What a path that calls a library (oneDNN, ...) tells the report about the call: the library
// and its version, the implementation the library chose, the memory layouts it used, and the
// threads it ran with. conveq's own paths have none.
#include <string>

namespace conveq {

struct BackendLayouts {
  // The library's names for the layouts, e.g. oneDNN's format tags: "abc" is plain (N, C, W),
  // "acb" channels-last, "aBc16b" channels blocked by 16.
  std::string src, weights, dst;
};

struct BackendInfo {
  std::string library;         // "oneDNN"
  std::string version;         // "2.6.3"
  std::string implementation;  // the library's name for the kernel it chose
  BackendLayouts layouts;
  int threads = 0;  // the threads the library ran with
};

// oneDNN's version as dnnl_version() reports it ("2.6.3"). Defined only in builds with oneDNN
// (paths/onednn.cpp): for its paths and for the GEMM provider built on its sgemm.
std::string onednn_version();

}  // namespace conveq
