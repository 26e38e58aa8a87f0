// libFuzzer target for the ONNX model reader: any bytes must either parse into a model whose
// Conv nodes are consistent, or be refused with one InputError line naming the file. The same
// bytes are also read as a TensorProto (a test-data .pb file). Crashes, other exceptions,
// sanitizer reports, leaks and timeouts are findings. See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "conveq/core/error.hpp"
#include "conveq/model/conv_node.hpp"
#include "conveq/model/onnx_model.hpp"
#include "tensor_proto.hpp"

namespace {

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "model_fuzzer: invariant broken: %s\n", what);
    std::abort();
  }
}

void check_message(const conveq::InputError& error, const char* prefix) {
  check(error.message().find('\n') == std::string::npos, "error message spans several lines");
  check(error.message().rfind(prefix, 0) == 0, "error message lacks the file or node name");
}

// Every node whose input shape is known becomes a problem or is refused naming the node; no
// data is allocated (make_problem only checks the shapes).
void check_nodes(const conveq::model::Model& model) {
  for (const auto& node : model.convs) {
    const auto input = model.known_shape(node.input);
    const auto weight = model.tensors.find(node.weight);
    check(weight != model.tensors.end(), "a Conv weight was not read");
    check(static_cast<int64_t>(weight->second.values.size()) == weight->second.element_count(),
          "a weight's values disagree with its dims");
    if (input.empty()) continue;
    try {
      const auto g = conveq::model::resolve_geometry(node, input, weight->second.shape);
      const auto options = conveq::model::problem_options(
          node, g, input, weight->second.shape, !node.bias.empty(), conveq::DType::float32);
      const conveq::Problem problem = conveq::make_problem(options);
      check(problem.output_shape() == conveq::model::output_shape(g, input, weight->second.shape),
            "the problem's output shape is not the node's");
    } catch (const conveq::InputError& error) {
      // The node's own checks name the node (raw here: make_node_run escapes the name);
      // make_problem's name the option, with numbers only.
      check(
          error.message().rfind("node ", 0) == 0 || error.message().find('\n') == std::string::npos,
          "error message neither names the node nor is one line");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const unsigned char> bytes(data, size);
  try {
    check_nodes(conveq::model::parse_model(bytes, "fuzz.onnx", ""));
  } catch (const conveq::InputError& error) {
    check_message(error, "");
  }
  onnx::TensorProto tensor;
  if (tensor.ParseFromArray(data, static_cast<int>(size))) {
    try {
      const auto array = conveq::model::to_array(tensor, "fuzz.pb", "");
      check(static_cast<int64_t>(array.values.size()) == array.element_count(),
            "a tensor's values disagree with its dims");
    } catch (const conveq::InputError& error) {
      check_message(error, "fuzz.pb: ");
    }
  }
  return 0;
}
