// The memory estimate that refuses problems before anything is allocated.
#include "conveq/session/resources.hpp"

#include <catch2/catch.hpp>

TEST_CASE("the memory estimate counts the threads that hold comparison buffers", "[session]") {
  conveq::ProblemOptions options;
  options.in_channels = "64";
  options.out_channels = "64";
  options.length = "100000";
  const conveq::Problem p = conveq::make_problem(options);
  // At most one thread per comparison holds buffers, however many threads were asked for.
  CHECK(conveq::estimated_bytes(p, 4096) == conveq::estimated_bytes(p, 1024));
  CHECK(conveq::estimated_bytes(p, 2) > conveq::estimated_bytes(p, 1));
}
