#pragma once
// A Conv node of a model made into a conveq problem with its real weights and bias, and the
// data it runs on: seeded random input of the node's input shape, or a test-data set's input
// (and its stored output, compared like --expect).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "conveq/core/problem.hpp"
#include "conveq/io/tensor_files.hpp"
#include "conveq/model/onnx_model.hpp"

namespace conveq::model {

// Real tensors for one node; null: none (seeded random input, no expected output).
struct NodeData {
  const npy::Array* input = nullptr;
  std::string input_file;
  const npy::Array* expected = nullptr;
  std::string expected_file;
  std::string test_data_set;  // "test_data_set_0"; empty: none
};

struct NodeRun {
  std::string name;  // the node's name, with "@test_data_set_N" for a test-data set
  Problem problem;
  // The tensors in memory, as compare's --input/--weight/--bias/--expect; empty after
  // plan_node_run.
  TensorFiles files;
  nlohmann::json node;  // the report's model_node
};

// The node's problem, checked (attributes, shapes, dtypes, the memory it needs for `threads`),
// and its model_node; no tensor yet (`files` is empty). `tensors_dir` (--save-model-tensors;
// empty: none) names where the tensors will be saved, so that the files' paths, and the repro,
// are those of the saved .npy files. Throws InputError "node NAME: ...", on one line.
NodeRun plan_node_run(const Model& model, const ConvNode& node, const NodeData& data, uint64_t seed,
                      const std::string& tensors_dir, int threads);

// The tensors of a planned run: the model's weight and bias, the test data or the seeded input
// (generated here: call it just before the run, so that one node's input is in memory at once).
TensorFiles node_tensors(const Model& model, const ConvNode& node, const NodeData& data,
                         const NodeRun& run, uint64_t seed);

// plan_node_run, then node_tensors into its `files`.
NodeRun make_node_run(const Model& model, const ConvNode& node, const NodeData& data, uint64_t seed,
                      const std::string& tensors_dir, int threads);

// The .npy bytes of an array in its stored dtype (float32 or float64): what
// --save-model-tensors writes and what the report's sha256 hashes.
std::string encode_array(const npy::Array& array);

// The directory of a run's saved tensors under --save-model-tensors DIR: "DIR/<index>_<name>"
// (and "_test_data_set_N"), the name cut at 100 characters, every character outside
// [A-Za-z0-9._-] replaced by '_'.
std::string node_directory(const std::string& tensors_dir, const ConvNode& node,
                           const std::string& test_data_set);

}  // namespace conveq::model
