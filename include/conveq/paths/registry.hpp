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

}  // namespace conveq
