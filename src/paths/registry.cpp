// The list of paths, in report order.
#include "conveq/paths/registry.hpp"

namespace conveq {

std::string onednn_algorithm(bool plain) {
  return plain ? "onednn_plain" : "onednn";
}

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
  return make_unavailable_path<T>(op, onednn_algorithm(plain),
                                  "not built: libdnnl-dev was not found at build time");
}
template std::unique_ptr<Path<float> > make_onednn_path<float>(const std::string&, bool);
template std::unique_ptr<Path<double> > make_onednn_path<double>(const std::string&, bool);
#endif

template <typename T>
PathList<T> all_paths() {
  PathList<T> paths;
  paths.push_back(make_conv1d_naive<T>());
  paths.push_back(make_conv1d_im2col<T>());
  paths.push_back(make_conv2d_naive<T>(false));
  paths.push_back(make_conv2d_im2col<T>(false));
  paths.push_back(make_conv2d_naive<T>(true));
  paths.push_back(make_conv2d_im2col<T>(true));
  paths.push_back(make_linear_gemm<T>());
  // oneDNN: each formulation in the layouts it prefers, then each in conveq's plain layouts.
  for (const bool plain : {false, true}) {
    for (const char* op : {"conv1d", "conv2d", "conv2d_col", "conv2d_hw", "linear"}) {
      paths.push_back(make_onednn_path<T>(op, plain));
    }
  }
  return paths;
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
