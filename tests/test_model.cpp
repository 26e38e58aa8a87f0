// The ONNX model reader and the Conv node translation: values from raw_data and float_data,
// attributes resolved as ONNX defines them, and hostile models refused with one line.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"
#include "conveq/model/node_problem.hpp"
#include "conveq/model/onnx_tensor.hpp"
#include "input_error.hpp"
#include "onnx_models.hpp"

namespace {

using Catch::Matchers::Contains;
using conveq::model::Model;
namespace fs = std::filesystem;

// The error of parsing `m`, which must be one line.
std::string parse_error(const onnx::ModelProto& m, const std::string& dir = "") {
  const std::string message = error_of([&] { parse(m, dir); });
  CHECK(message.find('\n') == std::string::npos);
  return message;
}

// The problem of the model's only node on generated data; its error must be one line.
conveq::model::NodeRun node_run(const Model& model) {
  return conveq::model::make_node_run(model, model.convs.at(0), {}, 0, "", 1);
}
std::string node_error(const onnx::ModelProto& m) {
  const Model model = parse(m);
  const std::string message = error_of([&] { node_run(model); });
  CHECK(message.find('\n') == std::string::npos);
  return message;
}

}  // namespace

TEST_CASE("raw_data and float_data initializers give the same values", "[model]") {
  const Model raw = parse(single_conv({1, 4, 20}, {6, 4, 3}, true, true));
  const Model typed = parse(single_conv({1, 4, 20}, {6, 4, 3}, true, false));
  REQUIRE(raw.tensors.at("W").values.size() == 72);
  CHECK(raw.tensors.at("W").values == typed.tensors.at("W").values);
  CHECK(raw.tensors.at("B").values == typed.tensors.at("B").values);
  CHECK(raw.tensors.at("W").values[1] == -0.5);  // 0.25 * 1 - 0.75
  CHECK(raw.tensors.at("W").shape == std::vector<int64_t>{6, 4, 3});
}

TEST_CASE("a Conv node becomes the problem of its attributes", "[model]") {
  auto m = single_conv({2, 4, 30}, {8, 2, 3});
  add_ints(conv_node(m), "strides", {2});
  add_ints(conv_node(m), "dilations", {3});
  add_ints(conv_node(m), "pads", {2, 2});
  auto* group = conv_node(m).add_attribute();
  group->set_name("group");
  group->set_type(onnx::AttributeProto::INT);
  group->set_i(2);
  const auto run = node_run(parse(m));
  CHECK(run.problem.rank == 1);
  CHECK(run.problem.batch == 2);
  CHECK(run.problem.groups == 2);
  CHECK(run.problem.stride_w == 2);
  CHECK(run.problem.dilation_w == 3);
  CHECK(run.problem.pad_left == 2);
  CHECK(run.problem.pad_right == 2);
  CHECK(run.problem.output_shape() == std::vector<int64_t>{2, 8, 14});
  CHECK(run.node["output_shape"] == std::vector<int64_t>{2, 8, 14});
  REQUIRE(run.files.weight);
  CHECK(run.files.weight->array.values == parse(m).tensors.at("W").values);
  CHECK(run.files.input->array.shape == std::vector<int64_t>{2, 4, 30});
}

TEST_CASE("auto_pad SAME_UPPER and SAME_LOWER split the padding as ONNX does", "[model]") {
  auto m = single_conv({1, 2, 10}, {2, 2, 4});
  auto* pad = conv_node(m).add_attribute();
  pad->set_name("auto_pad");
  pad->set_type(onnx::AttributeProto::STRING);
  pad->set_s("SAME_UPPER");
  const auto upper = node_run(parse(m));
  CHECK(upper.node["pads"] == std::vector<int64_t>{1, 2});
  CHECK(upper.problem.padding_spec == "same");  // PyTorch's 'same': the extra at the end
  CHECK(upper.problem.output_shape() == std::vector<int64_t>{1, 2, 10});
  pad->set_s("SAME_LOWER");
  // The extra at the beginning: no conveq problem pads that way, so the node is refused.
  CHECK_THAT(node_error(m), Contains("pads [2,1]") && Contains("asymmetric"));
  pad->set_s("VALID");
  CHECK(node_run(parse(m)).problem.output_shape() == std::vector<int64_t>{1, 2, 7});
}

TEST_CASE("2D pads are read in ONNX's begin..., end... order", "[model]") {
  auto m = single_conv({1, 3, 9, 8}, {4, 3, 3, 1});
  add_ints(conv_node(m), "pads", {1, 0, 1, 0});  // H: 1 and 1, W: 0 and 0
  const auto run = node_run(parse(m));
  CHECK(run.problem.pad_top == 1);
  CHECK(run.problem.pad_bottom == 1);
  CHECK(run.problem.pad_left == 0);
  CHECK(run.problem.output_shape() == std::vector<int64_t>{1, 4, 9, 8});
  auto asymmetric = single_conv({1, 3, 9, 8}, {4, 3, 3, 1});
  add_ints(conv_node(asymmetric), "pads", {1, 0, 0, 0});
  CHECK_THAT(node_error(asymmetric), Contains("node conv") && Contains("pads [1,0,0,0]"));
}

TEST_CASE("a Conv with inconsistent attributes is refused naming the node", "[model]") {
  auto kernel = single_conv({1, 4, 20}, {6, 4, 3});
  add_ints(conv_node(kernel), "kernel_shape", {5});
  CHECK_THAT(parse_error(kernel), Contains("node conv: kernel_shape [5] contradicts weight W"));
  auto strides = single_conv({1, 4, 20}, {6, 4, 3});
  add_ints(conv_node(strides), "strides", {1, 1});
  CHECK_THAT(parse_error(strides), Contains("strides [1,1] has 2 values"));
  auto zero = single_conv({1, 4, 20}, {6, 4, 3});
  add_ints(conv_node(zero), "dilations", {0});
  CHECK_THAT(parse_error(zero), Contains("dilations [0]"));
  auto pads = single_conv({1, 4, 20}, {6, 4, 3});
  add_ints(conv_node(pads), "pads", {1, -1});
  CHECK_THAT(parse_error(pads), Contains("pads [1,-1]"));
  auto odd_pads = single_conv({1, 4, 20}, {6, 4, 3});
  add_ints(conv_node(odd_pads), "pads", {1});
  CHECK_THAT(parse_error(odd_pads), Contains("takes 2"));
  auto channels = single_conv({1, 5, 20}, {6, 4, 3});
  CHECK_THAT(parse_error(channels), Contains("group 1 with weight (6, 4, 3)"));
  auto wide = single_conv({1, 4, 2}, {6, 4, 3});
  CHECK_THAT(parse_error(wide), Contains("more than the padded input's 2"));
  auto both = single_conv({1, 4, 20}, {6, 4, 3});
  add_ints(conv_node(both), "pads", {1, 1});
  auto* pad = conv_node(both).add_attribute();
  pad->set_name("auto_pad");
  pad->set_type(onnx::AttributeProto::STRING);
  pad->set_s("SAME_UPPER");
  CHECK_THAT(parse_error(both), Contains("only with auto_pad NOTSET"));
  conv_node(both).mutable_attribute()->DeleteSubrange(0, 1);  // the pads
  conv_node(both).mutable_attribute(0)->set_s("SAME");
  CHECK_THAT(parse_error(both), Contains("auto_pad \"SAME\": must be NOTSET, SAME_UPPER"));
}

TEST_CASE("attributes of the wrong type, unknown or repeated are refused", "[model]") {
  auto typed = single_conv({1, 4, 20}, {6, 4, 3});
  auto* a = conv_node(typed).add_attribute();
  a->set_name("strides");
  a->set_type(onnx::AttributeProto::FLOATS);
  a->add_floats(1.0f);
  CHECK_THAT(parse_error(typed), Contains("attribute strides has type 6: Conv's strides is INTS"));
  auto unknown = single_conv({1, 4, 20}, {6, 4, 3});
  add_ints(conv_node(unknown), "padding", {1});
  CHECK_THAT(parse_error(unknown), Contains("\"padding\" is not one of ONNX Conv's"));
  auto twice = single_conv({1, 4, 20}, {6, 4, 3});
  add_ints(conv_node(twice), "strides", {1});
  add_ints(conv_node(twice), "strides", {2});
  CHECK_THAT(parse_error(twice), Contains("attribute strides is given twice"));
}

TEST_CASE("tensors whose dims, dtype or data do not agree are refused before allocating",
          "[model]") {
  auto huge = single_conv({1, 4, 20}, {6, 4, 3});
  // 2^29 floats = 2 GiB claimed, 72 values present: refused on the claim alone.
  initializer(huge, 0).set_dims(0, int64_t{1} << 29);
  CHECK_THAT(parse_error(huge), Contains("m.onnx: weight W: dims claim more than 1024 MiB"));
  auto absurd = single_conv({1, 4, 20}, {6, 4, 3});
  initializer(absurd, 0).set_dims(1, int64_t{1} << 40);
  CHECK_THAT(parse_error(absurd), Contains("dimension 1099511627776"));
  auto negative = single_conv({1, 4, 20}, {6, 4, 3});
  initializer(negative, 0).set_dims(1, -4);
  CHECK_THAT(parse_error(negative), Contains("dimension -4"));
  auto short_raw = single_conv({1, 4, 20}, {6, 4, 3});
  initializer(short_raw, 0).mutable_raw_data()->resize(100);
  CHECK_THAT(parse_error(short_raw), Contains("raw_data has 100 bytes") && Contains("need 288"));
  auto short_typed = single_conv({1, 4, 20}, {6, 4, 3}, true, false);
  initializer(short_typed, 0).mutable_float_data()->RemoveLast();
  CHECK_THAT(parse_error(short_typed), Contains("71 values for dims (6, 4, 3) (72)"));
  auto integer = single_conv({1, 4, 20}, {6, 4, 3});
  initializer(integer, 0).set_data_type(onnx::TensorProto::INT64);
  CHECK_THAT(parse_error(integer), Contains("data_type 7"));
  auto two_fields = single_conv({1, 4, 20}, {6, 4, 3});
  initializer(two_fields, 0).add_float_data(1.0f);
  CHECK_THAT(parse_error(two_fields), Contains("more than one field"));
  auto computed = single_conv({1, 4, 20}, {6, 4, 3});
  computed.mutable_graph()->mutable_initializer()->DeleteSubrange(0, 1);
  CHECK_THAT(parse_error(computed), Contains("weight W is computed by the graph"));
}

TEST_CASE("names from the model reach messages escaped, on one line", "[model]") {
  auto m = single_conv({1, 4, 20}, {6, 4, 3});
  conv_node(m).set_name("conv\nrm -rf");
  conv_node(m).set_input(1, "W\x01");
  CHECK(parse_error(m) ==
        "node conv\\nrm -rf: weight W\\x01 is computed by the graph: conveq "
        "needs it as an initializer or Constant");
}

TEST_CASE("truncated and foreign bytes are not a model", "[model]") {
  const std::string bytes = serialized(single_conv({1, 4, 20}, {6, 4, 3}));
  for (const size_t size : {bytes.size() - 1, bytes.size() / 2, size_t{7}}) {
    const std::string message = error_of([&] {
      conveq::model::parse_model({reinterpret_cast<const unsigned char*>(bytes.data()), size},
                                 "m.onnx", "");
    });
    CHECK_THAT(message, Contains("m.onnx: not an ONNX model"));
  }
  const std::string text = "this is not protobuf";
  CHECK_THAT(error_of([&] {
               conveq::model::parse_model(
                   {reinterpret_cast<const unsigned char*>(text.data()), text.size()}, "t.onnx",
                   "");
             }),
             Contains("t.onnx: not an ONNX model"));
  auto empty = single_conv({1, 4, 20}, {6, 4, 3});
  empty.mutable_graph()->clear_node();
  CHECK_THAT(parse_error(empty), Contains("has no Conv node"));
}

TEST_CASE("external data is read only from a file beside the model", "[model]") {
  const fs::path dir = fresh_directory("model_external");
  auto m = single_conv({1, 4, 20}, {6, 4, 3});
  onnx::TensorProto& w = initializer(m, 0);
  const std::string raw = w.raw_data();
  {
    std::ofstream out(dir / "weights.bin", std::ios::binary);
    out << "pad!" << raw;
  }
  w.clear_raw_data();
  w.set_data_location(onnx::TensorProto::EXTERNAL);
  const auto set = [&](const std::string& location, const std::string& offset) {
    w.clear_external_data();
    auto* e = w.add_external_data();
    e->set_key("location");
    e->set_value(location);
    auto* o = w.add_external_data();
    o->set_key("offset");
    o->set_value(offset);
  };
  set("weights.bin", "4");
  CHECK(parse(m, dir.string()).tensors.at("W").values ==
        parse(single_conv({1, 4, 20}, {6, 4, 3})).tensors.at("W").values);
  CHECK_THAT(parse_error(m), Contains("external data (weights.bin) is not accepted here"));
  set("weights.bin", "0");
  CHECK_THAT(parse_error(m, dir.string()), Contains("holds no 288 bytes at offset 0"));
  for (const std::string location : {"../weights.bin", "/etc/passwd", "sub/weights.bin", ".."}) {
    set(location, "4");
    CHECK_THAT(parse_error(m, dir.string()), Contains("must be a file name beside the model"));
  }
  fs::create_symlink("/etc/passwd", dir / "link.bin");
  set("link.bin", "0");
  CHECK_THAT(parse_error(m, dir.string()), Contains("must be a regular file beside the model"));
}

TEST_CASE("shapes come from the graph, --input-shape or Conv outputs", "[model]") {
  auto m = single_conv({1, 4, 20}, {6, 4, 3});
  auto* x = m.mutable_graph()->mutable_input(0);
  x->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("N");
  const Model open = parse(m);
  CHECK(open.known_shape("X").empty());
  CHECK(open.known_shape("Y").empty());
  CHECK_THAT(error_of([&] { node_run(open); }), Contains("give --input-shape X=N,C,L"));
  const Model given = parse(m, "", {{"X", {3, 4, 20}}});
  CHECK(given.known_shape("Y") == std::vector<int64_t>{3, 6, 18});
  CHECK(node_run(given).problem.batch == 3);
  CHECK_THAT(error_of([&] {
               parse(m, "", {{"x", {3, 4, 20}}});
             }),
             Contains("--input-shape x=...: no node of m.onnx reads a value of that name"));
  // A stated output shape that the Conv's attributes contradict.
  auto stated = single_conv({1, 4, 20}, {6, 4, 3});
  set_shape(*stated.mutable_graph()->mutable_output(0), "Y", {1, 6, 20});
  CHECK_THAT(parse_error(stated),
             Contains("states shape (1, 6, 20) for its output Y") && Contains("make (1, 6, 18)"));
}

TEST_CASE("the parsed shape overrides are checked", "[model]") {
  CHECK(conveq::model::parse_shape_override("x=2,8,50").second == std::vector<int64_t>{2, 8, 50});
  CHECK(conveq::model::parse_shape_override("a=b=1,2,3,4").first == "a=b");
  CHECK_THAT(error_of([] { conveq::model::parse_shape_override("x"); }), Contains("NAME=N,C,L"));
  CHECK_THAT(error_of([] { conveq::model::parse_shape_override("x=1,0,3"); }),
             Contains("--input-shape 0"));
  CHECK_THAT(error_of([] { conveq::model::parse_shape_override("x=1,2"); }),
             Contains("3 (N,C,L) or 4"));
}

TEST_CASE("TensorProto files are read with the .npy reader's distrust", "[model]") {
  const fs::path dir = fresh_directory("model_tensor_files");
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return (dir / name).string();
  };
  std::string bytes;
  float_tensor("x", {2, 3}, true).SerializeToString(&bytes);
  std::string name;
  const auto array = conveq::model::read_tensor_file(write("ok.pb", bytes), &name);
  CHECK(name == "x");
  CHECK(array.shape == std::vector<int64_t>{2, 3});
  CHECK(array.values[0] == -0.75);
  CHECK_THAT(
      error_of([&] { conveq::model::read_tensor_file(write("cut.pb", bytes.substr(0, 20))); }),
      Contains("cut.pb: not a TensorProto") || Contains("cut.pb: raw_data has"));
  CHECK_THAT(error_of([&] { conveq::model::read_tensor_file(write("empty.pb", "")); }),
             Contains("empty.pb: not a TensorProto: it has no data_type"));
  CHECK_THAT(error_of([&] { conveq::model::read_tensor_file(dir.string()); }),
             Contains(dir.string()));
}

TEST_CASE("saved tensors go to one safe directory per node and test-data set", "[model]") {
  conveq::model::ConvNode node;
  node.index = 7;
  node.name = "/encoder/conv.1/Conv";
  CHECK(conveq::model::node_directory("out", node, "") == "out/7__encoder_conv.1_Conv");
  CHECK(conveq::model::node_directory("out", node, "test_data_set_2") ==
        "out/7__encoder_conv.1_Conv_test_data_set_2");
  node.name = std::string(300, 'a') + "/../x";
  const std::string dir = conveq::model::node_directory("out", node, "");
  CHECK(dir == "out/7_" + std::string(100, 'a'));
}
