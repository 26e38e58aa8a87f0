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
std::unique_ptr<Path<T>> make_conv2d_naive(Formulation view);
template <typename T>
std::unique_ptr<Path<T>> make_conv2d_im2col(Formulation view);
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

// The XNNPACK paths (src/paths/xnnpack.cpp): `op` is conv2d, conv2d_col, conv2d_hw or linear.
template <typename T>
std::unique_ptr<Path<T>> make_xnnpack_path(const std::string& op);

// The LibTorch paths (src/paths/torch.cpp, through the plugin libconveq_torch.so): `op` is
// conv1d, conv2d, conv2d_col or linear.
template <typename T>
std::unique_ptr<Path<T>> make_torch_path(const std::string& op);

// A path that is always skipped with `reason` (a library missing from this build, a dtype it
// lacks), so that its name is known either way; `backend` is its --backends name.
template <typename T>
std::unique_ptr<Path<T>> make_unavailable_path(const std::string& op, const std::string& algorithm,
                                               const std::string& reason,
                                               const std::string& backend = "");

// The libraries conveq runs as paths, as --backends names them, in report order.
struct BackendEntry {
  std::string name;       // "onednn"
  std::string library;    // "oneDNN"
  std::string not_built;  // why this build has none of its paths; empty when it has them
  // Why its paths run only when --backends or --paths names them; empty: they run by default.
  std::string opt_in;
  std::string dtypes;  // the working dtypes its paths compute in
};
const std::vector<BackendEntry>& known_backends();
const BackendEntry* find_backend(const std::string& name);

// What `conveq paths` lists: every path, its library, whether this build has it (and why not),
// and whether it runs by default (and why not).
struct PathCatalogEntry {
  std::string name;
  std::string backend;    // the --backends name; empty for conveq's own paths
  std::string library;    // "oneDNN"; "conveq" for conveq's own
  std::string dtypes;     // the working dtypes it computes in
  std::string not_built;  // empty when built
  std::string opt_in;     // empty when it runs by default
};
std::vector<PathCatalogEntry> path_catalog();
// The working dtypes conveq's own paths and the reference compute in.
inline constexpr const char* kOwnDtypes = "float32, float64, float16, bfloat16";

}  // namespace conveq
