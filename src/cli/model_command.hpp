#pragma once
// `conveq model MODEL.onnx|DIR`: every Conv node of an ONNX model as a problem with the node's
// real weights and bias, one line per node, one suite report holding every node's report.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "compare_command.hpp"

namespace conveq::cli {

struct ModelCommandOptions {
  std::string model;  // MODEL.onnx, or a test-data DIR holding model.onnx and test_data_set_N/
  std::vector<std::string> input_shapes;  // --input-shape NAME=N,C,L (repeatable)
  std::string seed = "0";                 // of the generated inputs
  std::string report;                     // the suite report (JSON); empty: not written
  std::string junit;                      // --junit FILE: one test case per node run
  std::string html;                       // --html FILE: the report as a page
  std::string format = "text";            // text: node lines on stdout; json: the report on stdout
  std::string save_model_tensors;         // DIR: every node's tensors as .npy; empty: none
  CompareCommandOptions run;              // the run options of compare (threads, paths, tolerances)
  const CLI::App* app = nullptr;
};

void setup_model_command(CLI::App& app, ModelCommandOptions& options);
// Exits 2 with one line when conveq was built without ONNX.
int run_model_command(const ModelCommandOptions& options);

}  // namespace conveq::cli
