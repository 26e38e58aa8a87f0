// Tensors from .npy files: the problem derived from their shapes, contradictions with typed
// options, conversions into the working dtype, the --expect tolerance, saved outputs.
#include "conveq/io/tensor_files.hpp"
#include "conveq/report/json.hpp"
#include "conveq/session/comparison_plan.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "cli_runner.hpp"
#include "conveq/core/error.hpp"
#include "npy_test_files.hpp"

namespace {

using Catch::Matchers::Contains;
using conveq::InputError;
namespace fs = std::filesystem;

// Files in a fresh directory, loaded with the options and typed-option names given.
struct Loader {
  fs::path dir;
  conveq::TensorFileOptions files;
  conveq::ProblemOptions options;
  std::set<std::string> given;

  explicit Loader(const std::string& name) : dir(fresh_directory("tensor_files_" + name)) {}
  std::string path(const std::string& name) const { return (dir / name).string(); }
  Loader& input(const std::vector<int64_t>& shape) {
    write_float_npy(path("x.npy"), shape);
    files.input = path("x.npy");
    return *this;
  }
  Loader& weight(const std::vector<int64_t>& shape) {
    write_float_npy(path("w.npy"), shape);
    files.weight = path("w.npy");
    return *this;
  }
  Loader& bias(int64_t n) {
    write_float_npy(path("b.npy"), {n});
    files.bias = path("b.npy");
    return *this;
  }
  Loader& typed(const std::string& option, std::string& field, const std::string& value) {
    field = value;
    given.insert(option);
    return *this;
  }
  std::pair<conveq::Problem, conveq::TensorFiles> load() const {
    return conveq::load_tensor_files(files, options, given);
  }
  std::string error() const {
    try {
      load();
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  }
};

}  // namespace

TEST_CASE("a 1D problem comes from the shapes of input, weight and bias", "[tensor_files]") {
  Loader l("conv1d");
  l.input({2, 6, 20}).weight({4, 3, 5}).bias(4);
  const auto [p, files] = l.load();
  CHECK(p.rank == 1);
  CHECK(p.batched);
  CHECK(p.batch == 2);
  CHECK(p.in_channels == 6);
  CHECK(p.out_channels == 4);
  CHECK(p.groups == 2);
  CHECK(p.width == 20);
  CHECK(p.kernel_w == 5);
  CHECK(p.has_bias);
  CHECK(p.fill == conveq::Fill::files);
  CHECK(p.dtype == conveq::DType::float32);
  CHECK(p.input_shape() == std::vector<int64_t>{2, 6, 20});
  CHECK(p.output_shape() == std::vector<int64_t>{2, 4, 16});
  // Shapes stay in the repro (they agree with the files); the generator's options do not.
  CHECK_THAT(p.options_string(),
             Contains("--groups 2") && !Contains("--fill") && !Contains("--seed"));
  CHECK_THAT(files.options_string(), Contains("--input " + l.path("x.npy")) &&
                                         Contains("--weight " + l.path("w.npy")) &&
                                         Contains("--bias " + l.path("b.npy")));
  const auto j = conveq::to_json(files);
  CHECK(j["input"]["descr"] == "<f4");
  CHECK(j["input"]["shape"] == std::vector<int64_t>{2, 6, 20});
  CHECK(j["input"]["version"] == "1.0");
  CHECK(j["input"]["fortran_order"] == false);
  CHECK(j["input"]["sha256"].get<std::string>().size() == 64);
  CHECK(j["input"]["conversion"].is_null());
  CHECK(j["expect"].is_null());
}

TEST_CASE("unbatched inputs keep their shape, and no bias file means no bias", "[tensor_files]") {
  Loader l("unbatched");
  l.input({3, 7, 9}).weight({5, 3, 3, 2});
  const auto [p, files] = l.load();
  CHECK(p.rank == 2);
  CHECK_FALSE(p.batched);
  CHECK(p.batch == 1);
  CHECK_FALSE(p.has_bias);
  CHECK(p.height == 7);
  CHECK(p.width == 9);
  CHECK(p.kernel_h == 3);
  CHECK(p.kernel_w == 2);
  CHECK(p.input_shape() == std::vector<int64_t>{3, 7, 9});
  CHECK(p.output_shape() == std::vector<int64_t>{5, 5, 8});
  CHECK(p.output_elements() == 5 * 5 * 8);
  CHECK(conveq::to_json(files)["bias"].is_null());
}

TEST_CASE("stride, padding and dilation still come from the options", "[tensor_files]") {
  Loader l("options");
  l.input({1, 2, 30}).weight({3, 2, 3});
  l.options.stride = "2";
  l.options.padding = "same";
  CHECK_THROWS_WITH(l.load(), Contains("--padding same") && Contains("stride 1"));
  l.options.padding = "4";
  l.options.dilation = "3";
  const auto [p, files] = l.load();
  CHECK(p.out_width() == (30 + 8 - 3 * 2 - 1) / 2 + 1);
  l.options.padding = "0";
  l.options.dilation = "20";
  CHECK_THROWS_WITH(l.load(), Contains("spans 41") && Contains("shapes from --input"));
}

TEST_CASE("a pointwise 1D problem from files still has its folded view", "[tensor_files]") {
  Loader l("fold");
  l.input({1, 4, 12}).weight({2, 4, 1});
  CHECK(l.load().first.fold_h == 3);
  l.typed("--height", l.options.height, "2").typed("--width", l.options.width, "6");
  CHECK(l.load().first.fold_h == 2);
  l.options.width = "5";
  CHECK_THROWS_WITH(l.load(), Contains("H*W = 10"));
}

TEST_CASE("typed shape options must agree with the files", "[tensor_files]") {
  auto loader = [] {
    Loader l("agree");
    l.input({2, 6, 20}).weight({4, 3, 5}).bias(4);
    return l;
  };
  {
    Loader l = loader();
    l.typed("--in", l.options.in_channels, "6").typed("--out", l.options.out_channels, "4");
    l.typed("--batch", l.options.batch, "2").typed("--length", l.options.length, "20");
    l.typed("--kernel", l.options.kernel, "5").typed("--groups", l.options.groups, "2");
    CHECK_NOTHROW(l.load());
  }
  Loader l = loader();
  l.typed("--fill", l.options.fill, "exact");
  CHECK_THAT(l.error(), Contains("--fill exact: the data come from --input"));
  l = loader();
  l.typed("--seed", l.options.seed, "4");
  CHECK_THAT(l.error(), Contains("--seed 4"));
  l = loader();
  l.options.no_bias = true;
  CHECK_THAT(l.error(), Contains("--no-bias contradicts --bias"));
  l = loader();
  l.typed("--in", l.options.in_channels, "x");
  CHECK_THAT(l.error(), Contains("--in x: must be a positive integer"));
}

TEST_CASE("a typed shape option that contradicts the files names the file and its shape",
          "[tensor_files]") {
  using O = conveq::ProblemOptions;
  struct Case {
    std::string option;
    std::string O::*field;
    std::string value, file, description;
  };
  const std::vector<Case> cases = {
      {"--in", &O::in_channels, "32", "x.npy", "input shape (2, 6, 20) has 6 channels"},
      {"--out", &O::out_channels, "8", "w.npy", "weight shape (4, 3, 5) has 4 output channels"},
      {"--batch", &O::batch, "1", "x.npy", "input shape (2, 6, 20) has 2 samples"},
      {"--length", &O::length, "21", "x.npy", "input shape (2, 6, 20) has length 20"},
      {"--kernel", &O::kernel, "3", "w.npy", "weight shape (4, 3, 5) has kernel 5"},
      {"--kernel", &O::kernel, "5,5", "w.npy", "weight shape (4, 3, 5) has kernel 5"},
      {"--groups", &O::groups, "3", "w.npy",
       "weight shape (4, 3, 5) has 3 input channels per group, so the input's 6 channels make 2 "
       "groups"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.option << " " << c.value) {
      Loader l("contradict");
      l.input({2, 6, 20}).weight({4, 3, 5}).bias(4);
      l.typed(c.option, l.options.*c.field, c.value);
      CHECK(l.error() ==
            c.option + " " + c.value + " contradicts " + l.path(c.file) + ": " + c.description);
    }
  }
}

TEST_CASE("2D options are checked against a 2D weight", "[tensor_files]") {
  Loader l("agree2d");
  l.input({1, 2, 6, 7}).weight({2, 2, 3, 2});
  l.typed("--kernel", l.options.kernel, "3,2");
  l.typed("--height", l.options.height, "6").typed("--width", l.options.width, "7");
  CHECK_NOTHROW(l.load());
  l.options.kernel = "3";
  CHECK_THAT(l.error(), Contains("--kernel 3 contradicts") && Contains("kernel 3x2"));
  l.options.kernel = "3,2";
  l.options.width = "8";
  CHECK_THAT(l.error(), Contains("--width 8 contradicts") && Contains("width 7"));
  l.given.erase("--width");
  l.typed("--length", l.options.length, "42");
  CHECK_THAT(l.error(), Contains("--length 42 contradicts") && Contains("Conv2d weight"));
}

TEST_CASE("files that do not fit together are refused with one precise message", "[tensor_files]") {
  using Shape = std::vector<int64_t>;
  struct Case {
    std::string name;
    Shape input, weight, bias;  // no bias file when empty
    std::string option, file;   // the file blamed
    std::vector<std::string> fragments;
  };
  const std::vector<Case> cases = {
      {"a 2-dimensional weight",
       {2, 6, 20},
       {4, 6},
       {},
       "--weight",
       "w.npy",
       {"shape (4, 6) has 2 dimensions: a weight has 3 (Conv1d: out, in/groups, K) or 4"}},
      {"a 5-dimensional weight",
       {2, 6, 20},
       {4, 6, 1, 1, 1},
       {},
       "--weight",
       "w.npy",
       {"shape (4, 6, 1, 1, 1) has 5 dimensions: a weight has 3"}},
      {"a 1-dimensional input",
       {20},
       {4, 6, 3},
       {},
       "--input",
       "x.npy",
       {"shape (20,) has 1 dimensions", "the input has 3 (N, C, L) or 2 (C, L)"}},
      {"a 4-dimensional input with a Conv1d weight",
       {1, 1, 6, 20},
       {4, 6, 3},
       {},
       "--input",
       "x.npy",
       {"shape (1, 1, 6, 20) has 4 dimensions", "the input has 3 (N, C, L) or 2 (C, L)"}},
      {"a 2-dimensional input with a Conv2d weight",
       {6, 5},
       {4, 6, 3, 3},
       {},
       "--input",
       "x.npy",
       {"shape (6, 5) has 2 dimensions", "the input has 4 (N, C, H, W) or 3 (C, H, W)"}},
      {"input channels per group that do not divide the input's",
       {2, 6, 20},
       {4, 4, 3},
       {},
       "--weight",
       "w.npy",
       {"shape (4, 4, 3) has 4 input channels per group: that must divide the input's 6 channels"}},
      {"groups that do not divide the output channels",
       {2, 6, 20},
       {5, 3, 3},
       {},
       "--weight",
       "w.npy",
       {"shape (5, 3, 3) has 5 output channels: the input's 6 channels at 3 per group make 2 "
        "groups, which must divide the output channels"}},
      {"a bias of the wrong length",
       {2, 6, 20},
       {4, 6, 3},
       {3},
       "--bias",
       "b.npy",
       {"shape (3,) has 3 elements: it needs one per output channel, 4 (--weight "}},
      {"a 2-dimensional bias",
       {2, 6, 20},
       {4, 6, 3},
       {4, 1},
       "--bias",
       "b.npy",
       {"shape (4, 1) has 2 dimensions: a bias is 1-dimensional, (out_channels,)"}},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      Loader l("fit");
      l.input(c.input).weight(c.weight);
      if (!c.bias.empty()) {
        write_float_npy(l.path("b.npy"), c.bias);
        l.files.bias = l.path("b.npy");
      }
      const std::string message = l.error();
      INFO(message);
      CHECK(message.rfind(c.option + " " + l.path(c.file) + ": ", 0) == 0);
      for (const auto& fragment : c.fragments) CHECK_THAT(message, Contains(fragment));
    }
  }
}

TEST_CASE("a file the reader refuses is named by its option", "[tensor_files]") {
  // The reader's own rules are in test_npy.cpp; here only that its message gets the option.
  Loader l("unreadable");
  l.input({2, 3, 10}).weight({4, 3, 3});
  write_bytes(l.path("x.npy"), "");
  CHECK(l.error() == "--input " + l.path("x.npy") +
                         ": empty file (0 bytes): a .npy file starts with the magic string "
                         "\\x93NUMPY");
  l.input({2, 3, 10});
  fs::remove(l.path("w.npy"));
  CHECK(l.error() ==
        "--weight " + l.path("w.npy") + ": cannot open file: No such file or directory");
}

TEST_CASE("file options need their partners", "[tensor_files]") {
  Loader l("partners");
  l.input({1, 2, 8});
  CHECK_THAT(l.error(), Contains("--input ") && Contains("needs --weight"));
  l.files.input.clear();
  l.weight({1, 2, 3});
  CHECK_THAT(l.error(), Contains("--weight ") && Contains("needs --input"));
  l.files.weight.clear();
  l.bias(1);
  CHECK_THAT(l.error(), Contains("--bias ") && Contains("needs --input and --weight"));
}

TEST_CASE("values are converted to the working dtype and the conversion is reported",
          "[tensor_files]") {
  Loader l("convert");
  // 0.1 is not a float; 0.5 and -2 are; 1e300 overflows float32.
  write_double_npy(l.path("x.npy"), {1, 2, 3}, {0.1, 0.5, -2, 0.25, 1e300, 3});
  write_double_npy(l.path("w.npy"), {1, 2, 1}, {0.5, -2});
  l.files.input = l.path("x.npy");
  l.files.weight = l.path("w.npy");
  {
    const auto [p, files] = l.load();
    CHECK(p.dtype == conveq::DType::float64);  // the input file's own
    CHECK(files.input->conversion.empty());
    CHECK_FALSE(files.inputs_rounded());
  }
  l.typed("--dtype", l.options.dtype, "float32");
  const auto [p, files] = l.load();
  CHECK(p.dtype == conveq::DType::float32);
  CHECK(files.input->conversion == "float64 -> float32 (rounded; 1 overflowed to infinity)");
  CHECK(files.input->values_changed == 2);
  CHECK(files.weight->conversion == "float64 -> float32 (exact)");
  CHECK(files.inputs_rounded());
  const auto data = conveq::to_conv_data<float>(p, files);
  CHECK(data.input(0, 0, 0, 0) == 0.1f);
  CHECK(std::isinf(data.input(0, 1, 0, 1)));
  CHECK(data.weight(0, 1, 0, 0) == -2.0f);
  CHECK(data.bias.size() == 0);

  Loader half("half");
  // 1.0 and -0.5 in float16: float16 files keep float16 as the working dtype.
  write_bytes(half.path("x.npy"),
              npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (1, 1, 2), }",
                        std::string("\x00\x3c\x00\xb8", 4)));
  write_float_npy(half.path("w.npy"), {1, 1, 1});
  half.files.input = half.path("x.npy");
  half.files.weight = half.path("w.npy");
  const auto [hp, hfiles] = half.load();
  CHECK(hp.dtype == conveq::DType::float16);
  CHECK(hfiles.input->conversion.empty());
  CHECK(hfiles.weight->conversion == "float32 -> float16 (exact)");
  const auto hdata = conveq::to_conv_data<float>(hp, hfiles);
  CHECK(hdata.input(0, 0, 0, 1) == -0.5f);
  // --dtype float32 still works in float32, exactly.
  half.given.insert("--dtype");
  half.options.dtype = "float32";
  const auto [fp, ffiles] = half.load();
  CHECK(fp.dtype == conveq::DType::float32);
  CHECK(ffiles.input->conversion == "float16 -> float32 (exact)");
}

TEST_CASE("an expected output is checked against the output shape of the problem",
          "[tensor_files]") {
  Loader l("expect");
  l.input({2, 3, 10}).weight({4, 3, 3});
  write_float_npy(l.path("y.npy"), {2, 4, 8});
  l.files.expect = l.path("y.npy");
  CHECK_NOTHROW(l.load());
  write_float_npy(l.path("y.npy"), {4, 8});  // unbatched, but the input is batched
  CHECK_THAT(l.error(), Contains("--expect " + l.path("y.npy") + ": shape (4, 8): must equal") &&
                            Contains("output shape (2, 4, 8)"));
  // Without input files it checks against the generated problem.
  Loader g("expect_generated");
  g.options.in_channels = "4";
  g.options.out_channels = "8";
  g.options.length = "16";
  write_float_npy(g.path("y.npy"), {1, 8, 16});
  g.files.expect = g.path("y.npy");
  CHECK_NOTHROW(g.load());
  g.options.out_channels = "6";
  CHECK_THAT(g.error(), Contains("output shape (1, 6, 16)"));
}

TEST_CASE("the --expect tolerance uses the coarser of the working and stored dtypes",
          "[tensor_files]") {
  Loader l("tolerance");
  l.input({1, 4, 10}).weight({2, 4, 3}).bias(2);
  const int64_t n = 4 * 3 + 1;
  write_bytes(l.path("y.npy"),
              npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2, 8), }",
                        std::string(32, '\0')));
  l.files.expect = l.path("y.npy");
  auto [p, files] = l.load();
  const double u16 = std::ldexp(1.0, -11), u32 = std::ldexp(1.0, -24);
  const double inflation = 1 + conveq::gamma(n, std::ldexp(1.0, -53));
  auto t = conveq::expected_vs_reference_tolerance(p, conveq::expected_origin(files));
  CHECK(t.kind == conveq::ToleranceKind::rounding_bound);
  CHECK(t.unit_roundoff == u16);
  CHECK(t.terms == n + 1);
  CHECK(t.scale_factor ==
        Approx((conveq::gamma(n + 1, u16) + conveq::gamma(n, std::ldexp(1.0, -53))) * inflation));
  CHECK(t.atol == (n + 1) * std::ldexp(1.0, -25));
  auto tp = conveq::expected_vs_path_tolerance(p, conveq::expected_origin(files));
  CHECK(tp.scale_factor == Approx((conveq::gamma(n + 1, u16) + conveq::gamma(n, u32)) * inflation));

  // A float64 file judged in float32 work: u is float32's; no underflow term.
  write_double_npy(l.path("y.npy"), {1, 2, 8}, std::vector<double>(16, 1.0));
  std::tie(p, files) = l.load();
  t = conveq::expected_vs_reference_tolerance(p, conveq::expected_origin(files));
  CHECK(t.unit_roundoff == u32);
  CHECK(t.atol == 0);
  // Inputs rounded into the working dtype: four more terms.
  write_double_npy(l.path("x.npy"), {1, 4, 10}, std::vector<double>(40, 0.1));
  l.typed("--dtype", l.options.dtype, "float32");
  std::tie(p, files) = l.load();
  CHECK(files.inputs_rounded());
  CHECK(conveq::expected_vs_reference_tolerance(p, conveq::expected_origin(files)).terms == n + 5);
}

TEST_CASE("saved outputs read back as written", "[tensor_files]") {
  Loader l("save");
  l.input({3, 5}).weight({2, 3, 2}).bias(2);
  const auto [p, files] = l.load();
  const auto data = conveq::to_conv_data<float>(p, files);
  std::vector<float> out(static_cast<size_t>(p.output_elements()));
  std::vector<double> reference(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = 0.5f * static_cast<float>(i);
    reference[i] = 0.1 * static_cast<double>(i);
  }
  const std::string dir = (l.dir / "nested" / "saved").string();
  conveq::check_save_directory(dir);
  CHECK_FALSE(fs::exists(dir));  // checked, not created
  conveq::save_outputs<float>(dir, p, data, {{"conv1d/naive", out.data()}}, reference);
  const auto input = conveq::npy::read_file(dir + "/input.npy");
  CHECK(input.shape == std::vector<int64_t>{3, 5});  // unbatched, as given
  CHECK(input.descr == "<f4");
  CHECK(input.values == files.input->array.values);
  CHECK(conveq::npy::read_file(dir + "/weight.npy").values == files.weight->array.values);
  CHECK(conveq::npy::read_file(dir + "/bias.npy").shape == std::vector<int64_t>{2});
  const auto path = conveq::npy::read_file(dir + "/conv1d_naive.npy");
  CHECK(path.shape == std::vector<int64_t>{2, 4});
  CHECK(path.values == std::vector<double>(out.begin(), out.end()));
  const auto ref = conveq::npy::read_file(dir + "/reference.npy");
  CHECK(ref.descr == "<f8");
  CHECK(ref.values == reference);
  // Only the named files, no temporaries.
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 5);
}

TEST_CASE("the --save-outputs directory is checked before the run", "[tensor_files]") {
  const auto dir = fresh_directory("save_check");
  CHECK_NOTHROW(conveq::check_save_directory(dir.string()));
  CHECK_NOTHROW(conveq::check_save_directory((dir / "a" / "b").string()));
  write_bytes(dir / "file", "x");
  CHECK_THROWS_WITH(conveq::check_save_directory((dir / "file").string()),
                    Contains("exists and is not a directory"));
  CHECK_THROWS_WITH(conveq::check_save_directory((dir / "file" / "sub").string()),
                    Contains("cannot be created") && Contains("is not a directory"));
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}

TEST_CASE("fill files is printed but cannot be asked for", "[tensor_files]") {
  CHECK(conveq::to_string(conveq::Fill::files) == "files");
  CHECK_THROWS_WITH(conveq::parse_fill("files"), Contains("--fill files"));
  conveq::Problem p;
  p.fill = conveq::Fill::files;
  CHECK_THROWS_AS(conveq::fill_data<float>(p), std::logic_error);
}
