#pragma once
// ONNX test-data directories, as the ONNX backend tests and onnxruntime's test runner lay them
// out: DIR/model.onnx and DIR/test_data_set_N/input_K.pb, output_K.pb, where input_K is the
// graph's K-th input (initializers aside) and output_K its K-th output.
#include <map>
#include <string>
#include <vector>

#include "conveq/io/npy.hpp"
#include "conveq/model/onnx_model.hpp"

namespace conveq::model {

// At most this many test_data_set_N directories are read.
inline constexpr size_t kMaxTestDataSets = 64;

struct TestDataSet {
  std::string name;                                   // "test_data_set_0"
  std::map<std::string, npy::Array> inputs, outputs;  // by the graph's value names
  std::map<std::string, std::string> files;           // value name -> the .pb file's path
};

// Every test_data_set_N of DIR, in N order, checked against the model: a file the graph has no
// input or output for, a tensor whose name or stated shape contradicts the graph's, is refused.
std::vector<TestDataSet> read_test_data(const std::string& dir, const Model& model);

}  // namespace conveq::model
