#pragma once
// Every path conveq knows, and one factory per algorithm file. A new path is a new file in
// src/paths/ with its factory declared here and listed in all_paths().
#include <memory>
#include <string>
#include <vector>

#include "conveq/paths/path.hpp"

namespace conveq {

template <typename T>
using PathList = std::vector<std::unique_ptr<Path<T>>>;

// Every path conveq knows, in report order.
template <typename T>
PathList<T> all_paths();
std::vector<std::string> all_path_names();

// One factory per algorithm file.
template <typename T>
std::unique_ptr<Path<T>> make_conv1d_naive();
template <typename T>
std::unique_ptr<Path<T>> make_conv1d_im2col();
template <typename T>
std::unique_ptr<Path<T>> make_conv2d_naive(bool folded);
template <typename T>
std::unique_ptr<Path<T>> make_conv2d_im2col(bool folded);
template <typename T>
std::unique_ptr<Path<T>> make_linear_gemm();

// The oneDNN paths (src/paths/onednn.cpp): `op` is conv1d, conv2d, conv2d_col, conv2d_hw or
// linear; `plain` forces conveq's layouts instead of the ones oneDNN prefers. In a build
// without oneDNN they are unavailable paths, skipped as "not built".
template <typename T>
std::unique_ptr<Path<T>> make_onednn_path(const std::string& op, bool plain);
std::string onednn_algorithm(bool plain);  // "onednn" or "onednn_plain"
// Whether this build has oneDNN; without it its paths are listed, always skipped.
bool onednn_built();

// A path that is always skipped with `reason` (a library missing from this build, a dtype it
// lacks), so that its name is known either way.
template <typename T>
std::unique_ptr<Path<T>> make_unavailable_path(const std::string& op, const std::string& algorithm,
                                               const std::string& reason);

}  // namespace conveq
