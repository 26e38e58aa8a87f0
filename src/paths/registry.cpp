// The list of paths, in report order.
#include "conveq/paths/registry.hpp"

namespace conveq {

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
