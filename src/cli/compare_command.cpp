#include "compare_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "conveq/core/error.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/output.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/report/html_report.hpp"
#include "conveq/report/text_report.hpp"
#include "option_values.hpp"

namespace conveq::cli {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::vector<CommandInput> file_inputs(const TensorFileOptions& files) {
  std::vector<CommandInput> inputs;
  const std::pair<std::string, const std::string*> options[] = {{"--input", &files.input},
                                                                {"--weight", &files.weight},
                                                                {"--bias", &files.bias},
                                                                {"--expect", &files.expect}};
  for (const auto& [option, path] : options) {
    if (!path->empty()) inputs.push_back({*path, option + " " + *path});
  }
  return inputs;
}

// --save-outputs DIR: a directory that can be made, where no file it would get is an input
// of the run or the report, or a directory in the way.
void check_save_outputs(const CompareCommandOptions& o, const std::vector<CommandInput>& inputs) {
  const std::string what = "--save-outputs " + o.save_outputs;
  check_save_directory(o.save_outputs);
  const std::vector<CommandInput> report = {{o.report, "--report " + o.report}};
  const bool exists = std::filesystem::is_directory(o.save_outputs);
  for (const auto& file : saved_output_files(o.save_outputs, all_path_names())) {
    if (const CommandInput* input = same_file_as(file, inputs)) {
      throw InputError(what + ": would replace " + file + ", the input " + input->what +
                       "; an output never replaces an input, choose another directory");
    }
    if (!o.report.empty() && same_file_as(file, report) != nullptr) {
      throw InputError(what + ": would write " + file + ", which is also --report " + o.report +
                       "; choose another directory or report");
    }
    if (exists) check_writable(file, what);
  }
}

// Before any work: where the report goes (a writable file, or standard output) and where the
// outputs are saved; none of them may be an input of the run.
void check_outputs(const CompareCommandOptions& o, bool to_terminal) {
  const std::vector<CommandInput> inputs = file_inputs(o.files);
  if (o.report.empty() || to_terminal) check_standard_output();
  if (!o.report.empty()) {
    check_writable(o.report, "--report " + o.report);
    refuse_input_as_output(o.report, "--report " + o.report, inputs);
  }
  if (!o.html.empty()) {
    const std::string what = "--html " + o.html;
    check_writable(o.html, what);
    std::vector<CommandInput> taken = inputs;
    if (!o.report.empty()) taken.push_back({o.report, "--report " + o.report});
    refuse_input_as_output(o.html, what, taken);
  }
  if (!o.save_outputs.empty()) check_save_outputs(o, inputs);
}

}  // namespace

void add_problem_options(CLI::App& app, ProblemOptions& o) {
  // An option given twice takes the last value, as in most tools (and suites rely on it).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--batch", o.batch, "Batch size N")->capture_default_str()->type_name("INT");
  app.add_option("--in", o.in_channels, "Input channels")->capture_default_str()->type_name("INT");
  app.add_option("--out", o.out_channels, "Output channels")
      ->capture_default_str()
      ->type_name("INT");
  app.add_option("--length", o.length, "Sequence length L of a 1D problem (default 4096)")
      ->type_name("INT");
  app.add_option("--height", o.height,
                 "Height: with --length, the folded (H, W) view of L; without, a 2D problem")
      ->type_name("INT");
  app.add_option("--width", o.width, "Width (see --height)")->type_name("INT");
  app.add_option("--kernel", o.kernel, "Kernel size K, or KH,KW for a 2D problem")
      ->capture_default_str()
      ->type_name("INT[,INT]");
  app.add_option("--stride", o.stride, "Stride S or SH,SW")
      ->capture_default_str()
      ->type_name("INT[,INT]");
  app.add_option("--padding", o.padding, "Padding: P, PH,PW, same or valid")
      ->capture_default_str()
      ->type_name("INT[,INT]|same|valid");
  app.add_option("--dilation", o.dilation, "Dilation D or DH,DW")
      ->capture_default_str()
      ->type_name("INT[,INT]");
  app.add_option("--groups", o.groups, "Groups (in and out channels must divide)")
      ->capture_default_str()
      ->type_name("INT");
  app.add_flag("--no-bias", o.no_bias, "No bias term");
  app.add_option("--dtype", o.dtype, "Working dtype: float32, float64, float16 or bfloat16")
      ->capture_default_str();
  app.add_option("--accumulate", o.accumulate,
                 "float16/bfloat16 sums: float32 (default) or same (in the storage format)");
  app.add_option("--fill", o.fill, "Data: normal, uniform or exact")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the data generator")
      ->capture_default_str()
      ->type_name("INT");
}

void add_run_options(CLI::App& app, CompareCommandOptions& o) {
  app.add_option("--threads", o.threads, "Threads (0: every hardware thread)")
      ->capture_default_str()
      ->type_name("INT");
  app.add_option("--warmup", o.warmup,
                 "Untimed runs per path (with warm-up, a path faster than 10 ms also runs untimed "
                 "right before each timed run)")
      ->capture_default_str()
      ->type_name("INT");
  app.add_option("--repeat", o.repeat, "Timed runs per path")
      ->capture_default_str()
      ->type_name("INT");
  app.add_option("--paths", o.paths, "Comma-separated paths to run (default: all)");
  app.add_option("--gemm", o.gemm,
                 "The GEMM of the im2col and gemm paths: auto (oneDNN's sgemm for float32 when "
                 "built with it, else OpenBLAS), openblas, onednn")
      ->capture_default_str();
  app.add_option("--backends", o.backends,
                 "Comma-separated libraries whose paths may run: onednn, xnnpack, torch, or "
                 "none (conveq's own only); default: every library built, torch only when "
                 "named (see conveq paths)");
  app.add_option("--atol", o.atol, "Absolute tolerance: |a-b| <= atol + rtol*|b|")
      ->type_name("FLOAT");
  app.add_option("--rtol", o.rtol, "Relative tolerance (see --atol)")->type_name("FLOAT");
  app.add_flag("--equal-nan", o.equal_nan, "Count NaN == NaN as a match");
  app.add_option("--worst-count", o.worst_count, "Worst mismatches listed per comparison")
      ->capture_default_str()
      ->type_name("INT");
  app.add_option("--allow-reduced-precision", o.allow_reduced_precision,
                 "Accept results with this precision (tf32, bfloat16, float16 or BITS) inside "
                 "the rounding bound, instead of failing them as less precise than their dtype");
  app.add_flag("--check-determinism", o.check_determinism,
               "Run each path again and with another thread count: bit-identical?");
  app.add_flag("--check-batch-invariance", o.check_batch_invariance,
               "Compute each sample alone: bit-identical to its slice of the batch?");
}

void setup_compare_command(CLI::App& app, CompareCommandOptions& o) {
  add_problem_options(app, o.problem);
  add_run_options(app, o);
  app.add_option("--report", o.report, "Write the report here (default: stdout)")
      ->type_name("FILE");
  app.add_option("--format", o.format,
                 "Report format: json or text (default: text when standard output is a "
                 "terminal, where the JSON goes only to --report; json otherwise)")
      ->type_name("json|text");
  app.add_option("--html", o.html,
                 "Also write the report as one self-contained HTML page to this file")
      ->type_name("FILE");
  app.add_option("--input", o.files.input,
                 "Input .npy: (N, C, L), (N, C, H, W) or unbatched (C, L), (C, H, W); with "
                 "--weight, it gives the problem's shapes and data")
      ->type_name("FILE");
  app.add_option("--weight", o.files.weight,
                 "Weight .npy: (O, C/groups, K) for Conv1d, (O, C/groups, KH, KW) for Conv2d")
      ->type_name("FILE");
  app.add_option("--bias", o.files.bias, "Bias .npy, (O,); without it the problem has no bias")
      ->type_name("FILE");
  app.add_option("--expect", o.files.expect,
                 "An externally computed output .npy, checked against the reference and every "
                 "path")
      ->type_name("FILE");
  app.add_option("--save-outputs", o.save_outputs,
                 "Write every output, the reference and the inputs used as .npy files into "
                 "this directory (created if missing)")
      ->type_name("DIR");
  o.app = &app;
}

RunOptions make_run_options(const CompareCommandOptions& o) {
  RunOptions run;
  run.threads = static_cast<int>(parse_integer("--threads", o.threads, 0, 4096));
  run.warmup = static_cast<int>(parse_integer("--warmup", o.warmup, 0, 1000000));
  run.repeat = static_cast<int>(parse_integer("--repeat", o.repeat, 1, 1000000));
  run.paths = split_list(o.paths);
  run.gemm = o.gemm;
  if (!o.paths.empty() && run.paths.empty()) {
    throw InputError("--paths " + o.paths + ": names no path; give a comma-separated list");
  }
  if (!o.backends.empty()) {
    run.backends = split_list(o.backends);
    if (run.backends->empty()) {
      throw InputError("--backends " + o.backends +
                       ": names no backend; give a comma-separated "
                       "list");
    }
  }
  // Empty means not given: an empty value typed is refused before (refuse_empty_values).
  if (!o.atol.empty()) run.atol = parse_real("--atol", o.atol, 0);
  if (!o.rtol.empty()) run.rtol = parse_real("--rtol", o.rtol, 0);
  run.compare.equal_nan = o.equal_nan;
  run.compare.worst_count =
      static_cast<int>(parse_integer("--worst-count", o.worst_count, 0, 1000000));
  if (!o.allow_reduced_precision.empty()) {
    run.compare.allow_reduced_precision = parse_precision_allowance(o.allow_reduced_precision);
  }
  run.check_determinism = o.check_determinism;
  run.check_batch_invariance = o.check_batch_invariance;
  validate(run);
  return run;
}

// The format of what goes to standard output or --report. Without --format, a person at a
// terminal gets the text view (and --report, if given, the JSON); scripts and pipes get JSON.
std::string chosen_format(const CompareCommandOptions& o) {
  if (!o.format.empty()) {
    if (o.format != "json" && o.format != "text") {
      throw InputError("--format " + o.format + ": must be json or text");
    }
    return o.format;
  }
  return ::isatty(STDOUT_FILENO) == 1 ? "terminal" : "json";
}

int run_compare_command(const CompareCommandOptions& o) {
  const std::string format = chosen_format(o);
  RunOptions run = make_run_options(o);
  check_outputs(o, format == "terminal");
  std::set<std::string> given;
  if (o.app != nullptr) {
    for (const CLI::Option* option : o.app->get_options()) {
      if (option->count() > 0) given.insert(option->get_name());
    }
  }
  const auto [problem, files] = load_tensor_files(o.files, o.problem, given);
  run.save_outputs = o.save_outputs;
  const bool any_file = files.input || files.expect;
  SessionResult result = run_compare(problem, run, any_file ? &files : nullptr);
  const std::string json = result.report.dump(2) + "\n";
  // The report, the page and the saved outputs together: if the report cannot be written,
  // neither is any output.
  StagedFiles outputs = std::move(result.saved_outputs);
  if (format == "terminal") {
    outputs.add_standard_output(format_text(result.report));
    if (!o.report.empty()) outputs.add(o.report, json, "--report " + o.report);
  } else {
    const std::string content = format == "json" ? json : format_text(result.report);
    if (o.report.empty()) {
      outputs.add_standard_output(content);
    } else {
      outputs.add(o.report, content, "--report " + o.report);
    }
  }
  if (!o.html.empty()) outputs.add(o.html, format_html(result.report), "--html " + o.html);
  outputs.commit();
  return result.exit_status;
}

}  // namespace conveq::cli
