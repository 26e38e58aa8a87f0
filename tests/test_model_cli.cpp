// `conveq model` end to end on the committed models (tests/data/models, made by
// scripts/make_models.py): every node against the exporter's own record, the conv1d/conv2d
// rewrites bit-identical, test-data directories, a corrupted stored output caught at its node
// and index, replay of a node from --save-model-tensors, and hostile files.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "onnx_models.hpp"

namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;
namespace fs = std::filesystem;

const std::string kModels = std::string(CONVEQ_SOURCE_DIR) + "/tests/data/models";
const std::string kQuick = " --warmup 0 --repeat 1";

json read_json(const fs::path& path) {
  return json::parse(read_text(path.string()));
}

// The model's report; the run must exit with `status`.
json model_report(const std::string& arguments, const fs::path& dir, int status = 0) {
  const fs::path report = dir / "report.json";
  const CliResult r = run_conveq("model " + arguments + kQuick + " --report " + report.string());
  INFO(r.out << r.err);
  REQUIRE(r.exit_status == status);
  return read_json(report);
}

const json* find_comparison(const json& report, const std::string& a, const std::string& b) {
  for (const auto& c : report["comparisons"]) {
    if (c["a"] == a && c["b"] == b) return &c;
  }
  return nullptr;
}

// Each algorithm's Conv1d against its Conv2d on (N, C, 1, L) and on (N, C, L, 1): within the
// bound, and identical bits, but for one measured exception: oneDNN 2.6's brgconv on the
// (N, C, L, 1) view of a dilated Conv1d sums in another order (4.8e-7 apart on the speech
// model's dilated layer, on this machine's AVX-512 build).
void check_rewrites(const json& report, bool dilated) {
  int compared = 0;
  for (const std::string algorithm : {"naive", "im2col", "onednn"}) {
    for (const std::string view : {"conv2d/", "conv2d_col/"}) {
      const json* c = find_comparison(report, "conv1d/" + algorithm, view + algorithm);
      if (c == nullptr) continue;
      INFO("conv1d/" << algorithm << " vs " << view << algorithm);
      CHECK((*c)["status"] == "passed");
      if (!(dilated && algorithm == "onednn" && view == "conv2d_col/")) {
        CHECK((*c)["max_abs_error"] == 0.0);
      }
      ++compared;
    }
  }
  CHECK(compared >= 2);  // naive and im2col at least, whatever backends were built
}

void write_tensor(const fs::path& path, const onnx::TensorProto& tensor) {
  std::string bytes;
  tensor.SerializeToString(&bytes);
  std::ofstream(path, std::ios::binary) << bytes;
}

void check_one_line_error(const CliResult& r, const std::string& expected) {
  INFO(r.err);
  CHECK(r.exit_status == 2);
  CHECK_THAT(r.err, StartsWith("conveq: ") && Contains(expected));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("every Conv node of the committed models has the exporter's attributes and passes",
          "[model_cli]") {
  const json record = read_json(kModels + "/layers.json");
  const fs::path dir = fresh_directory("model_record");
  for (const auto& [file, layers] : record["models"].items()) {
    INFO(file);
    const json report = model_report(kModels + "/" + file, dir);
    REQUIRE(report["problems"].size() == layers.size());
    CHECK(report["summary"]["passed"] == layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      const json& layer = layers[i];
      const json& entry = report["problems"][i];
      const json& node = entry["model_node"];
      INFO("layer " << layer["module"]);
      CHECK(entry["status"] == "passed");
      CHECK_THAT(node["name"].get<std::string>(), Contains(layer["module"].get<std::string>()));
      for (const char* field : {"kernel_shape", "strides", "pads", "dilations", "group",
                                "input_shape", "weight_shape"}) {
        CHECK(node[field] == layer[field]);
      }
      CHECK(node["bias"].is_null() == !layer["bias"].get<bool>());
      if (layer["kernel_shape"].size() == 1) {
        check_rewrites(entry["report"], layer["dilations"][0] != 1);
      }
    }
  }
}

TEST_CASE("conveq model prints one line per node and the tally", "[model_cli]") {
  const CliResult r = run_conveq("model " + kModels + "/speech_conv1d.onnx" + kQuick);
  INFO(r.err);
  REQUIRE(r.exit_status == 0);
  CHECK_THAT(r.out, Contains("5 Conv nodes of 9, 5 runs"));
  CHECK_THAT(r.out, Contains("/same_even/Conv") && Contains("Conv1d (2,16,50)->(2,12,50)"));
  CHECK_THAT(r.out,
             Contains("Conv1d (2,12,50)->(2,8,25)") && Contains(" bits ") && Contains("fastest "));
  CHECK_THAT(r.out, Contains("\n5 passed, 0 failed, 0 mistrusted\n"));
  const CliResult j = run_conveq("model " + kModels + "/cnn2d.onnx --format json" + kQuick);
  REQUIRE(j.exit_status == 0);
  const json report = json::parse(j.out);
  CHECK(report["model"]["conv_nodes"] == 4);
  CHECK_THAT(j.err, Contains("Conv2d (1,8,12,10)->(1,16,6,5)"));
}

TEST_CASE("a test-data directory is checked against its stored outputs", "[model_cli]") {
  const fs::path dir = fresh_directory("model_test_data");
  const json report = model_report(kModels + "/single_conv1d", dir);
  REQUIRE(report["problems"].size() == 2);
  CHECK(report["model"]["test_data_sets"] == json({"test_data_set_0", "test_data_set_1"}));
  for (int set = 0; set < 2; ++set) {
    const json& entry = report["problems"][set];
    CHECK(entry["name"] == "/conv/Conv@test_data_set_" + std::to_string(set));
    CHECK_THAT(entry["model_node"]["expected_output"].get<std::string>(), Contains("output_0.pb"));
    const json* expected = find_comparison(entry["report"], "expected", "reference");
    REQUIRE(expected != nullptr);
    CHECK((*expected)["status"] == "passed");
  }
}

TEST_CASE("a corrupted stored output is caught at its node and index", "[model_cli]") {
  const fs::path dir = fresh_directory("model_corrupted");
  fs::copy(kModels + "/single_conv1d", dir / "data", fs::copy_options::recursive);
  const fs::path output = dir / "data" / "test_data_set_1" / "output_0.pb";
  onnx::TensorProto tensor;
  const std::string bytes = read_text(output.string());
  REQUIRE(tensor.ParseFromString(bytes));
  REQUIRE(tensor.raw_data().size() == 6 * 20 * 4);
  float value = 0;
  const size_t flat = (0 * 6 + 3) * 20 + 7;  // element (0, 3, 7)
  std::memcpy(&value, tensor.raw_data().data() + flat * 4, 4);
  value += 0.01f;
  std::memcpy(tensor.mutable_raw_data()->data() + flat * 4, &value, 4);
  write_tensor(output, tensor);

  const CliResult r = run_conveq("model " + (dir / "data").string() + kQuick);
  CHECK(r.exit_status == 1);
  CHECK_THAT(r.out, Contains(": 1 Conv node of 1, 2 runs (2 test-data sets)\n"));
  CHECK_THAT(r.out, Contains("FAILED     /conv/Conv@test_data_set_1") &&
                        Contains("expected vs reference: 1 of 120 elements outside") &&
                        Contains("replay: add --save-model-tensors DIR"));
  const json report = model_report((dir / "data").string(), dir, 1);
  CHECK(report["problems"][0]["status"] == "passed");
  const json& entry = report["problems"][1];
  CHECK(entry["name"] == "/conv/Conv@test_data_set_1");
  CHECK(entry["status"] == "failed");
  const json* expected = find_comparison(entry["report"], "expected", "reference");
  REQUIRE(expected != nullptr);
  CHECK((*expected)["status"] == "failed");
  CHECK((*expected)["mismatches"] == 1);
  CHECK((*expected)["worst_index"] == json({0, 3, 7}));
}

TEST_CASE("conveq compare replays each node from the saved model tensors", "[model_cli]") {
  const fs::path dir = fresh_directory("model_replay");
  const json report = model_report(
      kModels + "/speech_conv1d.onnx --save-model-tensors " + (dir / "t").string(), dir);
  for (const auto& entry : report["problems"]) {
    INFO(entry["name"]);
    const std::string repro = entry["repro"];
    REQUIRE_THAT(repro, StartsWith("conveq compare --input " + (dir / "t").string()));
    const fs::path replayed = dir / "replayed.json";
    const CliResult r = run_conveq(repro.substr(7) + " --report " + replayed.string());
    INFO(r.err);
    REQUIRE(r.exit_status == 0);
    const json again = read_json(replayed);
    for (const char* file : {"input", "weight", "bias"}) {
      const json& replayed_file = again["inputs"][file];
      const json& model_file = entry["report"]["inputs"][file];
      REQUIRE(replayed_file.is_null() == model_file.is_null());
      if (!model_file.is_null()) CHECK(replayed_file["sha256"] == model_file["sha256"]);
    }
    // conv1d/naive is deterministic: the same data give the same error, to the bit.
    CHECK((*find_comparison(again, "conv1d/naive", "reference"))["max_abs_error"] ==
          (*find_comparison(entry["report"], "conv1d/naive", "reference"))["max_abs_error"]);
  }
}

TEST_CASE("hostile model files exit 2 with one line and write nothing", "[model_cli]") {
  const fs::path dir = fresh_directory("model_hostile");
  const std::string good = read_text(kModels + "/speech_conv1d.onnx");
  std::ofstream(dir / "truncated.onnx", std::ios::binary) << good.substr(0, good.size() / 2);
  const fs::path report = dir / "r.json";
  check_one_line_error(
      run_conveq("model " + (dir / "truncated.onnx").string() + " --report " + report.string()),
      "truncated.onnx: not an ONNX model");
  CHECK(!fs::exists(report));

  auto huge = single_conv({1, 4, 20}, {6, 4, 3});
  initializer(huge, 0).set_dims(0, int64_t{1} << 29);
  std::ofstream(dir / "huge.onnx", std::ios::binary) << serialized(huge);
  check_one_line_error(run_conveq("model " + (dir / "huge.onnx").string()), "more than 1024 MiB");

  auto shape = single_conv({1, 4, 1u << 31}, {6, 4, 3});
  std::ofstream(dir / "shape.onnx", std::ios::binary) << serialized(shape);
  check_one_line_error(run_conveq("model " + (dir / "shape.onnx").string()), "node conv:");

  // The graph (field 7) sent with the varint wire type instead of a length-delimited one.
  std::string wire = serialized(single_conv({1, 4, 20}, {6, 4, 3}));
  const size_t graph_tag = wire.find('\x3a');
  REQUIRE(graph_tag != std::string::npos);
  wire[graph_tag] = '\x38';
  std::ofstream(dir / "wire.onnx", std::ios::binary) << wire;
  check_one_line_error(run_conveq("model " + (dir / "wire.onnx").string()),
                       "wire.onnx: not an ONNX model");

  check_one_line_error(run_conveq("model " + dir.string()), "a directory without model.onnx");
  check_one_line_error(run_conveq("model " + kModels + "/speech_conv1d.onnx --input-shape x=2"),
                       "--input-shape x=2");
}

TEST_CASE("test-data files that contradict the model exit 2", "[model_cli]") {
  const fs::path dir = fresh_directory("model_bad_test_data");
  fs::copy(kModels + "/single_conv1d", dir, fs::copy_options::recursive);
  write_tensor(dir / "test_data_set_1" / "input_0.pb", float_tensor("x", {1, 4, 21}, true));
  check_one_line_error(run_conveq("model " + dir.string()),
                       "shape (1, 4, 21) contradicts the model's (1, 4, 20) for x");
  write_tensor(dir / "test_data_set_1" / "input_0.pb", float_tensor("other", {1, 4, 20}, true));
  check_one_line_error(run_conveq("model " + dir.string()), "names its tensor \"other\"");
  write_tensor(dir / "test_data_set_1" / "input_0.pb", float_tensor("x", {1, 4, 20}, true));
  write_tensor(dir / "test_data_set_1" / "output_1.pb", float_tensor("y", {1, 6, 20}, true));
  check_one_line_error(run_conveq("model " + dir.string()), "the model has only 1 graph outputs");
}
