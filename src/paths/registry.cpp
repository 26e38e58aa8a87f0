// The list of paths, in report order, and the libraries behind them.
#include "conveq/paths/registry.hpp"

namespace conveq {

std::string onednn_algorithm(bool plain) {
  return plain ? "onednn_plain" : "onednn";
}

namespace {
// Why a library's paths are absent from this build: what CMake did not find.
const char* const kOnednnNotBuilt = "not built: libdnnl-dev was not found at build time";
const char* const kXnnpackNotBuilt =
    "not built: libxnnpack-dev or libpthreadpool-dev was not found at build time";
const char* const kTorchNotBuilt = "not built: libtorch-dev was not found at build time";
const char* const kTorchOptIn =
    "LibTorch runs only when --backends or --paths names it: loading it costs about 0.35 s";
}  // namespace

#ifdef CONVEQ_HAVE_ONEDNN
bool onednn_built() {
  return true;
}
#else
bool onednn_built() {
  return false;
}

// Without oneDNN (src/paths/onednn.cpp is not compiled) its paths keep their names, skipped.
template <typename T>
std::unique_ptr<Path<T> > make_onednn_path(const std::string& op, bool plain) {
  return make_unavailable_path<T>(op, onednn_algorithm(plain), kOnednnNotBuilt, "onednn");
}
template std::unique_ptr<Path<float> > make_onednn_path<float>(const std::string&, bool);
template std::unique_ptr<Path<double> > make_onednn_path<double>(const std::string&, bool);
#endif

#ifndef CONVEQ_HAVE_XNNPACK
template <typename T>
std::unique_ptr<Path<T> > make_xnnpack_path(const std::string& op) {
  return make_unavailable_path<T>(op, "xnnpack", kXnnpackNotBuilt, "xnnpack");
}
template std::unique_ptr<Path<float> > make_xnnpack_path<float>(const std::string&);
template std::unique_ptr<Path<double> > make_xnnpack_path<double>(const std::string&);
#endif

#ifndef CONVEQ_HAVE_TORCH
template <typename T>
std::unique_ptr<Path<T> > make_torch_path(const std::string& op) {
  return make_unavailable_path<T>(op, "torch", kTorchNotBuilt, "torch");
}
template std::unique_ptr<Path<float> > make_torch_path<float>(const std::string&);
template std::unique_ptr<Path<double> > make_torch_path<double>(const std::string&);
#endif

const std::vector<BackendEntry>& known_backends() {
#ifdef CONVEQ_HAVE_XNNPACK
  const bool xnnpack = true;
#else
  const bool xnnpack = false;
#endif
#ifdef CONVEQ_HAVE_TORCH
  const bool torch = true;
#else
  const bool torch = false;
#endif
  static const std::vector<BackendEntry> backends = {
      {"onednn", "oneDNN", onednn_built() ? "" : kOnednnNotBuilt, "",
       "float32, bfloat16 (float32 sums)"},
      {"xnnpack", "XNNPACK", xnnpack ? "" : kXnnpackNotBuilt, "", "float32"},
      {"torch", "LibTorch", torch ? "" : kTorchNotBuilt, kTorchOptIn, "float32, float64"},
  };
  return backends;
}

const BackendEntry* find_backend(const std::string& name) {
  for (const auto& backend : known_backends()) {
    if (backend.name == name) return &backend;
  }
  return nullptr;
}

template <typename T>
PathList<T> all_paths() {
  PathList<T> paths;
  paths.push_back(make_conv1d_naive<T>());
  paths.push_back(make_conv1d_im2col<T>());
  for (const Formulation view :
       {Formulation::conv2d, Formulation::conv2d_col, Formulation::conv2d_hw}) {
    paths.push_back(make_conv2d_naive<T>(view));
    paths.push_back(make_conv2d_im2col<T>(view));
  }
  paths.push_back(make_linear_gemm<T>());
  // oneDNN: each formulation in the layouts it prefers, then each in conveq's plain layouts.
  for (const bool plain : {false, true}) {
    for (const char* op : {"conv1d", "conv2d", "conv2d_col", "conv2d_hw", "linear"}) {
      paths.push_back(make_onednn_path<T>(op, plain));
    }
  }
  // XNNPACK: NHWC only, so no conv1d of its own.
  for (const char* op : {"conv2d", "conv2d_col", "conv2d_hw", "linear"}) {
    paths.push_back(make_xnnpack_path<T>(op));
  }
  // LibTorch: opt-in (its load cost), as PyTorch's Conv1d, Conv2d on either axis and Linear.
  for (const char* op : {"conv1d", "conv2d", "conv2d_col", "linear"}) {
    paths.push_back(make_torch_path<T>(op));
  }
  return paths;
}

std::vector<PathCatalogEntry> path_catalog() {
  std::vector<PathCatalogEntry> catalog;
  for (const auto& path : all_paths<float>()) {
    PathCatalogEntry entry{path->name(), path->backend_name(), "conveq", kOwnDtypes,
                           "",           path->opt_in()};
    if (const BackendEntry* backend = find_backend(entry.backend)) {
      entry.library = backend->library;
      entry.dtypes = backend->dtypes;
      entry.not_built = backend->not_built;
      if (entry.opt_in.empty()) entry.opt_in = backend->opt_in;
    }
    catalog.push_back(std::move(entry));
  }
  return catalog;
}

std::vector<std::string> all_path_names() {
  std::vector<std::string> names;
  for (const auto& path : all_paths<float>()) names.push_back(path->name());
  names.push_back("reference");
  return names;
}

template PathList<float> all_paths<float>();
template PathList<double> all_paths<double>();

}  // namespace conveq
