#include "model_command.hpp"

#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/output.hpp"
#include "conveq/report/html_report.hpp"
#include "conveq/report/junit.hpp"
#include "conveq/report/report_view.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/suite/suite_run.hpp"
#include "option_values.hpp"
#ifdef CONVEQ_HAVE_ONNX
#include "conveq/model/node_problem.hpp"
#include "conveq/model/onnx_model.hpp"
#include "conveq/model/test_data.hpp"
#endif

namespace conveq::cli {

void setup_model_command(CLI::App& app, ModelCommandOptions& o) {
  app.add_option("model", o.model,
                 "MODEL.onnx, or an ONNX test-data directory (model.onnx and "
                 "test_data_set_N/input_K.pb, output_K.pb)")
      ->required();
  app.add_option("--input-shape", o.input_shapes,
                 "NAME=N,C,L or NAME=N,C,H,W: the shape of a value the model does not state "
                 "(repeatable)");
  app.add_option("--seed", o.seed, "Seed of the generated inputs")->capture_default_str();
  app.add_option("--report", o.report, "Write the report (JSON, suite format) to this file")
      ->type_name("FILE");
  app.add_option("--junit", o.junit, "Also write the results as JUnit XML (a case per node run)")
      ->type_name("FILE");
  app.add_option("--html", o.html, "Also write the report as one self-contained HTML page")
      ->type_name("FILE");
  app.add_option("--format", o.format,
                 "text: one line per node on stdout; json: the report on stdout (node lines go "
                 "to stderr)")
      ->capture_default_str();
  app.add_option("--save-model-tensors", o.save_model_tensors,
                 "Write each node's input, weight, bias (and stored output) as .npy into "
                 "DIR/<index>_<node>/, for conveq compare --input/--weight/--bias");
  add_run_options(app, o.run);
  o.app = &app;
}

#ifdef CONVEQ_HAVE_ONNX
namespace {

// A value as the node lines show it: "-" when absent.
std::string fastest_formulation(const nlohmann::json& report) {
  std::string best = "-";
  double best_ms = std::numeric_limits<double>::infinity();
  for (const auto& path : report["paths"]) {
    const auto& median = path["timing"]["median_ms"];
    if (path["name"] == "reference" || !median.is_number()) continue;
    if (median.get<double>() < best_ms) {
      best_ms = median.get<double>();
      best = path["name"].get<std::string>();
    }
  }
  return best;
}

// STATUS, node, Conv1d/Conv2d with its shapes and attributes, verdict, bound use, fastest.
// The lowest effective precision among the comparisons against the reference, in bits
// ("exact" when none has an error, "-" when none was measured; docs/precision.md).
std::string lowest_precision_text(const nlohmann::json& report) {
  std::optional<double> lowest;
  bool measured = false;
  for (const auto& c : report["comparisons"]) {
    if (c["b"] != "reference" || !c.contains("precision")) continue;
    const auto& p = c["precision"];
    if (p["outputs"].get<int64_t>() == 0) continue;
    measured = true;
    const auto& bits = p["effective_precision_bits"];
    if (bits.is_number() && (!lowest || bits.get<double>() < *lowest)) lowest = bits.get<double>();
  }
  if (!measured) return "-";
  return lowest ? format_number(*lowest, "%.1f") : "exact";
}

// The JUnit file of a model run: one test case per node run, grouped under the model file.
std::string junit_document(const nlohmann::json& report) {
  const auto& host = report["host"];
  std::string date = host["date"];
  if (!date.empty() && date.back() == 'Z') date.pop_back();  // JUnit's timestamps are bare
  const std::string file = report["suite"]["file"];
  JunitWriter writer(file, host["hostname"], date);
  for (const auto& entry : report["problems"]) {
    writer.add(junit_case(ReportView(entry, "the model report"), file));
  }
  return writer.finish(report["suite"]["seconds"].get<double>());
}

std::string node_line(const nlohmann::json& entry) {
  const auto& node = entry["model_node"];
  const auto dims = [](const nlohmann::json& shape) {
    std::string text = "(";
    for (const auto& d : shape)
      text += (text.size() > 1 ? "," : "") + std::to_string(d.get<int64_t>());
    return text + ")";
  };
  std::string line = column(upper(entry["status"].get<std::string>()), 10) +
                     column(entry["name"].get<std::string>(), 28) +
                     column(std::string(node["kernel_shape"].size() == 1 ? "Conv1d " : "Conv2d ") +
                                dims(node["input_shape"]) + "->" + dims(node["output_shape"]),
                            34);
  if (entry.contains("error")) return line + "error: " + entry["error"].get<std::string>();
  const auto& report = entry["report"];
  const auto& verdict = report["verdict"];
  const int64_t passed = verdict["passed"].get<int64_t>();
  const int64_t total =
      passed + verdict["failed"].get<int64_t>() + verdict["mistrusted"].get<int64_t>();
  line += column(std::to_string(passed) + "/" + std::to_string(total), 8) + "bound " +
          column(format_number(largest_bound_utilisation(report)), 10) + "bits " +
          column(lowest_precision_text(report), 7) + "fastest " + fastest_formulation(report);
  if (entry["status"] == "passed") return line;
  line += "\n    " + verdict["summary"].get<std::string>();
  // The repro runs only on saved tensors: the model's own are not .npy files.
  return line + (node["saved_tensors"].is_null()
                     ? "\n    replay: add --save-model-tensors DIR, then run the report's repro"
                     : "\n    repro: " + entry["repro"].get<std::string>());
}

namespace fs = std::filesystem;

struct ModelLocation {
  std::string model_file;
  std::string test_data_dir;  // empty: a bare MODEL.onnx, no stored outputs
};

// DIR: the ONNX test-data layout, DIR/model.onnx with DIR/test_data_set_N/.
ModelLocation locate(const std::string& given) {
  std::error_code error;
  if (!fs::is_directory(given, error)) return {given, ""};
  const std::string model = (fs::path(given) / "model.onnx").string();
  if (!fs::is_regular_file(model, error)) {
    throw InputError(given +
                     ": a directory without model.onnx: give MODEL.onnx or an ONNX "
                     "test-data directory (model.onnx, test_data_set_N/)");
  }
  return {model, given};
}

model::ShapeOverrides shape_overrides(const std::vector<std::string>& texts) {
  model::ShapeOverrides overrides;
  for (const auto& text : texts) {
    auto [name, shape] = model::parse_shape_override(text);
    overrides[name] = shape;
  }
  return overrides;
}

// Before any work: stdout takes the lines or the report, --report is writable and is not the
// model, --save-model-tensors can be made.
void check_outputs(const ModelCommandOptions& o, const std::string& model_file) {
  check_standard_output();
  std::vector<CommandInput> earlier;  // the outputs checked so far, by absolute path
  for (const CommandInput& output : std::vector<CommandInput>{{o.report, "--report " + o.report},
                                                              {o.junit, "--junit " + o.junit},
                                                              {o.html, "--html " + o.html}}) {
    if (output.path.empty()) continue;
    check_writable(output.path, output.what);
    if (written_in_place(output.path)) continue;
    refuse_input_as_output(output.path, output.what, {{model_file, "model " + model_file}});
    // Absolute: "./r.json" and "r.json" are one file even before either exists.
    const std::string absolute = std::filesystem::absolute(output.path).string();
    if (const CommandInput* same = same_file_as(absolute, earlier)) {
      throw InputError(output.what + ": is also " + same->what + "; give each output its own file");
    }
    earlier.push_back({absolute, output.what});
  }
  if (!o.save_model_tensors.empty()) {
    check_save_directory(o.save_model_tensors, "--save-model-tensors");
  }
}

// A run of a node: the node, its data, and its problem, planned (checked) before anything runs.
struct PlannedRun {
  const model::ConvNode* node;
  model::NodeData data;
  model::NodeRun run;
};

// Every Conv node once per test-data set that gives its input, else once on seeded data.
std::vector<PlannedRun> plan_runs(const model::Model& m,
                                  const std::vector<model::TestDataSet>& sets, uint64_t seed,
                                  const std::string& tensors_dir, int threads) {
  std::vector<PlannedRun> runs;
  const auto plan = [&](const model::ConvNode& conv, const model::NodeData& data) {
    runs.push_back({&conv, data, model::plan_node_run(m, conv, data, seed, tensors_dir, threads)});
  };
  for (const auto& conv : m.convs) {
    bool from_test_data = false;
    for (const auto& set : sets) {
      const auto input = set.inputs.find(conv.input);
      if (input == set.inputs.end()) continue;
      model::NodeData data{&input->second, set.files.at(conv.input), nullptr, "", set.name};
      const auto expected = set.outputs.find(conv.output);
      if (expected != set.outputs.end()) {
        data.expected = &expected->second;
        data.expected_file = set.files.at(conv.output);
      }
      plan(conv, data);
      from_test_data = true;
    }
    if (!from_test_data) plan(conv, {});
  }
  return runs;
}

// A run's saved tensors, staged: they appear with the report or not at all.
void stage_tensors(const std::string& dir, const TensorFiles& f, const std::string& what,
                   StagedFiles& staged) {
  staged.add_to_directory(dir, "input.npy", model::encode_array(f.input->array), what);
  staged.add_to_directory(dir, "weight.npy", model::encode_array(f.weight->array), what);
  if (f.bias) staged.add_to_directory(dir, "bias.npy", model::encode_array(f.bias->array), what);
  if (f.expect) {
    staged.add_to_directory(dir, "expect.npy", model::encode_array(f.expect->array), what);
  }
}

nlohmann::json model_json(const model::Model& m, const ModelLocation& where,
                          const std::vector<model::TestDataSet>& sets) {
  nlohmann::json set_names = nlohmann::json::array();
  for (const auto& set : sets) set_names.push_back(set.name);
  return {{"path", m.path},
          {"sha256", m.sha256},
          {"ir_version", m.ir_version},
          {"opset", m.opset},
          {"producer", m.producer},
          {"nodes", m.node_count},
          {"conv_nodes", m.convs.size()},
          {"test_data_dir", where.test_data_dir.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(where.test_data_dir)},
          {"test_data_sets", set_names}};
}

// The runs as a suite: one problem per run; its tensors are made (and saved) when it runs.
std::pair<std::vector<SuiteProblem>, std::vector<NodeTensors>> as_suite(
    const std::vector<PlannedRun>& runs, const model::Model& m, const ModelCommandOptions& o,
    uint64_t seed, StagedFiles& staged) {
  std::vector<SuiteProblem> problems;
  std::vector<NodeTensors> nodes;
  const RunOptions run = make_run_options(o.run);
  for (const auto& r : runs) {
    SuiteLine line{static_cast<int>(r.node->index) + 1, r.run.name, r.run.problem.options_string()};
    problems.push_back({line, r.run.problem, run});
    const auto tensors = [&m, &r, &o, seed, &staged] {
      TensorFiles files = model::node_tensors(m, *r.node, r.data, r.run, seed);
      const nlohmann::json& dir = r.run.node["saved_tensors"];
      if (!dir.is_null()) {
        stage_tensors(dir, files, "--save-model-tensors " + o.save_model_tensors, staged);
      }
      return files;
    };
    nodes.push_back({tensors, r.run.node});
  }
  return {std::move(problems), std::move(nodes)};
}

}  // namespace

int run_model_command(const ModelCommandOptions& o) {
  if (o.format != "json" && o.format != "text") {
    throw InputError("--format " + o.format + ": must be json or text");
  }
  const RunOptions run = make_run_options(o.run);
  const auto seed = static_cast<uint64_t>(
      parse_integer("--seed", o.seed, 0, std::numeric_limits<int64_t>::max()));
  const model::ShapeOverrides overrides = shape_overrides(o.input_shapes);
  const ModelLocation where = locate(o.model);
  check_outputs(o, where.model_file);
  const model::Model m = model::read_model(where.model_file, overrides);
  const std::vector<model::TestDataSet> sets = where.test_data_dir.empty()
                                                   ? std::vector<model::TestDataSet>{}
                                                   : model::read_test_data(where.test_data_dir, m);
  const std::vector<PlannedRun> runs = plan_runs(m, sets, seed, o.save_model_tensors, run.threads);
  StagedFiles outputs;

  const auto print = [json = o.format == "json"](const std::string& line) {
    if (json) {
      std::cerr << line << std::endl;
    } else {
      write_standard_output(line + "\n");
    }
  };
  SuiteRunInfo info;
  info.file = where.model_file;
  info.problems_in_file = runs.size();
  info.sha256 = m.sha256;  // the model's bytes: what the problems come from
  info.command = o.app == nullptr ? "conveq model " + o.model : command_line(*o.app);
  info.threads = run.threads;
  const auto count = [](size_t n, const std::string& what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  print("conveq model " + where.model_file + ": " + count(m.convs.size(), "Conv node") + " of " +
        std::to_string(m.node_count) + ", " + count(runs.size(), "run") +
        (sets.empty() ? "" : " (" + count(sets.size(), "test-data set") + ")"));
  const auto [problems, nodes] = as_suite(runs, m, o, seed, outputs);
  SessionResult result = run_suite(
      problems, info, [&print](const nlohmann::json& entry) { print(node_line(entry)); }, nodes);
  result.report["model"] = model_json(m, where, sets);
  print(format_summary_line(result.report["summary"]));
  const std::string json = result.report.dump(2) + "\n";
  if (o.format == "json") outputs.add_standard_output(json);
  if (!o.report.empty()) outputs.add(o.report, json, "--report " + o.report);
  if (!o.junit.empty()) outputs.add(o.junit, junit_document(result.report), "--junit " + o.junit);
  if (!o.html.empty()) outputs.add(o.html, format_html(result.report), "--html " + o.html);
  outputs.commit();
  return result.exit_status;
}

#else

int run_model_command(const ModelCommandOptions&) {
  throw InputError("conveq was built without ONNX support (libonnx-dev, libprotobuf-dev)");
}

#endif

}  // namespace conveq::cli
