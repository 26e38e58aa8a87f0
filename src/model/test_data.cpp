#include "conveq/model/test_data.hpp"

#include <algorithm>
#include <filesystem>

#include "conveq/core/error.hpp"
#include "conveq/core/visible_text.hpp"
#include "conveq/model/onnx_tensor.hpp"

namespace conveq::model {
namespace {

namespace fs = std::filesystem;

// The numbered directories test_data_set_N, in N order.
std::vector<std::pair<int64_t, fs::path>> set_directories(const std::string& dir) {
  std::vector<std::pair<int64_t, fs::path>> sets;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    const std::string prefix = "test_data_set_";
    if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size() ||
        name.size() > prefix.size() + 9 ||
        name.find_first_not_of("0123456789", prefix.size()) != std::string::npos ||
        !it->is_directory(error)) {
      continue;
    }
    sets.emplace_back(std::stoll(name.substr(prefix.size())), it->path());
    if (sets.size() > kMaxTestDataSets) {
      throw InputError(dir + ": more than " + std::to_string(kMaxTestDataSets) +
                       " test_data_set_N directories");
    }
  }
  if (error) throw InputError(dir + ": cannot be listed: " + error.message());
  std::sort(sets.begin(), sets.end());
  return sets;
}

void read_tensors(const fs::path& set, const char* kind, const std::vector<std::string>& values,
                  const Model& model, std::map<std::string, npy::Array>& tensors,
                  std::map<std::string, std::string>& files) {
  for (size_t k = 0;; ++k) {
    const fs::path file = set / (std::string(kind) + "_" + std::to_string(k) + ".pb");
    std::error_code error;
    if (!fs::exists(file, error)) return;
    if (k >= values.size()) {
      throw InputError(file.string() + ": the model has only " + std::to_string(values.size()) +
                       " graph " + kind + "s");
    }
    std::string name;
    npy::Array array = read_tensor_file(file.string(), &name);
    if (!name.empty() && name != values[k]) {
      throw InputError(file.string() + ": names its tensor \"" + name + "\", but graph " + kind +
                       " " + std::to_string(k) + " is \"" + values[k] + "\"");
    }
    const auto stated = model.shapes.find(values[k]);
    if (stated != model.shapes.end()) {
      bool agrees = stated->second.size() == array.shape.size();
      for (size_t d = 0; agrees && d < array.shape.size(); ++d) {
        agrees = stated->second[d] < 1 || stated->second[d] == array.shape[d];
      }
      if (!agrees) {
        throw InputError(file.string() + ": shape " + npy::shape_to_string(array.shape) +
                         " contradicts the model's " + npy::shape_to_string(stated->second) +
                         " for " + values[k] + " (-1: any)");
      }
    }
    tensors[values[k]] = std::move(array);
    files[values[k]] = file.string();
  }
}

std::vector<TestDataSet> read_sets(const std::string& dir, const Model& model) {
  std::vector<TestDataSet> sets;
  for (const auto& [number, path] : set_directories(dir)) {
    TestDataSet set;
    set.name = path.filename().string();
    read_tensors(path, "input", model.inputs, model, set.inputs, set.files);
    read_tensors(path, "output", model.outputs, model, set.outputs, set.files);
    if (set.inputs.empty()) {
      throw InputError(path.string() + ": has no input_0.pb: a test-data set gives the inputs");
    }
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace

std::vector<TestDataSet> read_test_data(const std::string& dir, const Model& model) {
  try {
    return read_sets(dir, model);
  } catch (const InputError& e) {
    throw InputError(visible_text(e.message()));  // tensor and value names: one line
  }
}

}  // namespace conveq::model
