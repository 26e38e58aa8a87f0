#include "conveq/model/node_problem.hpp"

#include <filesystem>

#include "conveq/core/error.hpp"
#include "conveq/core/fill.hpp"
#include "conveq/core/visible_text.hpp"
#include "conveq/io/sha256.hpp"
#include "conveq/session/resources.hpp"

namespace conveq::model {
namespace {

// The node's input shape: the test data's, else the model's (or --input-shape's).
std::vector<int64_t> input_shape(const Model& model, const ConvNode& node, const NodeData& data) {
  if (data.input != nullptr) return data.input->shape;
  std::vector<int64_t> shape = model.known_shape(node.input);
  if (shape.empty()) {
    const std::string rank = model.tensors.at(node.weight).shape.size() == 3 ? "N,C,L" : "N,C,H,W";
    throw InputError("node " + node.name + ": the model does not state the shape of its input " +
                     node.input + ": give --input-shape " + node.input + "=" + rank);
  }
  return shape;
}

TensorFile tensor_file(const std::string& option, const std::string& path,
                       const npy::Array& array) {
  TensorFile file;
  file.option = option;
  file.path = path;
  file.array = array;
  const std::string bytes = encode_array(array);
  file.sha256 = sha256_hex({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
  return file;
}

// Seeded values of the problem's input shape in its dtype, as the compare command makes them.
npy::Array generated_input(const Problem& problem, uint64_t seed) {
  Problem generated = problem;
  generated.fill = Fill::normal;
  generated.seed = seed;
  npy::Array array;
  array.shape = problem.input_shape();
  if (problem.dtype == DType::float32) {
    const auto data = fill_data<float>(generated);
    array.values.assign(data.input.begin(), data.input.end());
    array.descr = "<f4";
  } else {
    const auto data = fill_data<double>(generated);
    array.values.assign(data.input.begin(), data.input.end());
    array.descr = "<f8";
    array.stored_type = npy::StoredType::float64;
  }
  return array;
}

Problem node_problem(const ConvNode& node, const NodeGeometry& g, const std::vector<int64_t>& input,
                     const npy::Array& weight, bool has_bias) {
  const DType dtype =
      weight.stored_type == npy::StoredType::float64 ? DType::float64 : DType::float32;
  Problem problem;
  try {
    problem = make_problem(problem_options(node, g, input, weight.shape, has_bias, dtype));
  } catch (const InputError& e) {
    if (e.message().rfind("node ", 0) == 0) throw;
    throw InputError("node " + node.name + ": " + e.message());
  }
  problem.fill = Fill::files;
  return problem;
}

void check_data(const ConvNode& node, const Problem& problem, const NodeData& data,
                const npy::Array& weight, const npy::Array* bias) {
  const auto same_dtype = [&](const npy::Array& a, const std::string& what) {
    if (a.stored_type != weight.stored_type) {
      throw InputError("node " + node.name + ": " + what + " is " + a.descr + " but the weight " +
                       node.weight + " is " + weight.descr + ": conveq needs one dtype per node");
    }
  };
  if (bias != nullptr) {
    same_dtype(*bias, "bias " + node.bias);
    if (bias->shape != std::vector<int64_t>{problem.out_channels}) {
      throw InputError("node " + node.name + ": bias " + node.bias + " has shape " +
                       npy::shape_to_string(bias->shape) + ": it needs one value per output " +
                       "channel, (" + std::to_string(problem.out_channels) + ",)");
    }
  }
  if (data.input != nullptr) same_dtype(*data.input, data.input_file);
  if (data.expected != nullptr && data.expected->shape != problem.output_shape()) {
    throw InputError(data.expected_file + ": shape " + npy::shape_to_string(data.expected->shape) +
                     " is not node " + node.name + "'s output shape " +
                     npy::shape_to_string(problem.output_shape()));
  }
}

std::string saved_or(const std::string& dir, const std::string& file, const std::string& other) {
  return dir.empty() ? other : (std::filesystem::path(dir) / file).string();
}

}  // namespace

std::string encode_array(const npy::Array& array) {
  if (array.stored_type == npy::StoredType::float64) {
    return npy::encode(array.values.data(), array.shape);
  }
  const std::vector<float> values(array.values.begin(), array.values.end());
  return npy::encode(values.data(), array.shape);
}

std::string node_directory(const std::string& tensors_dir, const ConvNode& node,
                           const std::string& test_data_set) {
  // At most 100 characters of the name: a file name has 255 bytes; the index keeps it unique.
  std::string name = std::to_string(node.index) + "_" + node.name.substr(0, 100);
  if (!test_data_set.empty()) name += "_" + test_data_set;
  for (char& c : name) {
    const bool keep =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (!keep) c = '_';
  }
  return (std::filesystem::path(tensors_dir) / name).string();
}

namespace {

NodeRun node_run(const Model& model, const ConvNode& node, const NodeData& data, uint64_t seed,
                 const std::string& tensors_dir, int threads) {
  const npy::Array& weight = model.tensors.at(node.weight);
  const npy::Array* bias = node.bias.empty() ? nullptr : &model.tensors.at(node.bias);
  const std::vector<int64_t> input = input_shape(model, node, data);
  const NodeGeometry geometry = resolve_geometry(node, input, weight.shape);
  NodeRun run;
  run.name = node.name + (data.test_data_set.empty() ? "" : "@" + data.test_data_set);
  run.problem = node_problem(node, geometry, input, weight, bias != nullptr);
  check_data(node, run.problem, data, weight, bias);
  try {
    check_resources(run.problem, threads);
  } catch (const InputError& e) {
    throw InputError("node " + node.name + ": " + e.message());
  }

  const std::string dir =
      tensors_dir.empty() ? "" : node_directory(tensors_dir, node, data.test_data_set);
  const std::string generated = "generated: --fill normal --seed " + std::to_string(seed);
  run.node = node_json(node, geometry, input, weight.shape);
  run.node["input_data"] = data.input ? data.input_file : generated;
  run.node["expected_output"] = data.expected ? nlohmann::json(data.expected_file) : nullptr;
  run.node["test_data_set"] =
      data.test_data_set.empty() ? nlohmann::json(nullptr) : nlohmann::json(data.test_data_set);
  run.node["saved_tensors"] = dir.empty() ? nlohmann::json(nullptr) : nlohmann::json(dir);
  return run;
}

}  // namespace

TensorFiles node_tensors(const Model& model, const ConvNode& node, const NodeData& data,
                         const NodeRun& run, uint64_t seed) {
  const npy::Array& weight = model.tensors.at(node.weight);
  const npy::Array* bias = node.bias.empty() ? nullptr : &model.tensors.at(node.bias);
  const nlohmann::json& saved = run.node["saved_tensors"];
  const std::string dir = saved.is_null() ? std::string() : saved.get<std::string>();
  const std::string in_model = model.path + "#";
  const std::string generated = run.node["input_data"].get<std::string>();
  TensorFiles files;
  files.input =
      tensor_file("--input", saved_or(dir, "input.npy", data.input ? data.input_file : generated),
                  data.input ? *data.input : generated_input(run.problem, seed));
  files.weight =
      tensor_file("--weight", saved_or(dir, "weight.npy", in_model + node.weight), weight);
  if (bias)
    files.bias = tensor_file("--bias", saved_or(dir, "bias.npy", in_model + node.bias), *bias);
  if (data.expected) {
    files.expect =
        tensor_file("--expect", saved_or(dir, "expect.npy", data.expected_file), *data.expected);
  }
  return files;
}

NodeRun plan_node_run(const Model& model, const ConvNode& node, const NodeData& data, uint64_t seed,
                      const std::string& tensors_dir, int threads) {
  try {
    return node_run(model, node, data, seed, tensors_dir, threads);
  } catch (const InputError& e) {
    throw InputError(visible_text(e.message()));  // names from the model: one line
  }
}

NodeRun make_node_run(const Model& model, const ConvNode& node, const NodeData& data, uint64_t seed,
                      const std::string& tensors_dir, int threads) {
  NodeRun run = plan_node_run(model, node, data, seed, tensors_dir, threads);
  run.files = node_tensors(model, node, data, run, seed);
  return run;
}

}  // namespace conveq::model
