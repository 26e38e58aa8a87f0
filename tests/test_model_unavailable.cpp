// Built only without ONNX (libonnx-dev, libprotobuf-dev): `conveq model` still exists, and
// says what is missing in one line, exit 2.
#include <catch2/catch.hpp>

#include "cli_runner.hpp"

TEST_CASE("conveq model without ONNX support exits 2 naming the packages", "[model_cli]") {
  const CliResult r =
      run_conveq("model " + std::string(CONVEQ_SOURCE_DIR) + "/tests/data/models/cnn2d.onnx");
  CHECK(r.exit_status == 2);
  CHECK(r.err == "conveq: conveq was built without ONNX support (libonnx-dev, libprotobuf-dev)\n");
  CHECK(r.out.empty());
}
