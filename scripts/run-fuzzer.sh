#!/usr/bin/env bash
# Builds the fuzzers with clang (ASan + UBSan + libFuzzer) in build-fuzz/ and runs each for
# SECONDS over a scratch copy of its seed corpus (tests/fuzz_corpus/<target>/ stays untouched).
#   scripts/run-fuzzer.sh 120                 # every target, 120 s each
#   scripts/run-fuzzer.sh 600 report suite    # some of them
# Targets: npy (the .npy reader), suite (suites and --filter), report (reports read back by
# show and check), model (ONNX models and TensorProto files; skipped without libonnx-dev).
# Exits 0 when every run is clean, or when clang or its libFuzzer runtime is missing (printing
# that it skipped); non-zero on any finding, whose input is kept in
# build-fuzz/artifacts/<time>/<target>/. See docs/fuzzing.md.
set -euo pipefail

usage="usage: scripts/run-fuzzer.sh SECONDS [npy|suite|report|model ...]   (SECONDS: a positive whole number)"
if [[ $# -lt 1 || ! "$1" =~ ^[1-9][0-9]*$ ]]; then
  echo "$usage" >&2
  exit 2
fi
seconds="$1"
shift
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(npy suite report model)
for target in "${targets[@]}"; do
  case "$target" in
    npy | suite | report | model) ;;
    *) echo "run-fuzzer: unknown target '$target'; $usage" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"

if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
  echo "run-fuzzer: skipped: clang/clang++ not found (install clang and libclang-rt-dev)"
  exit 0
fi
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$probe/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" 2>/dev/null; then
  echo "run-fuzzer: skipped: clang++ cannot link -fsanitize=fuzzer (install libclang-rt-dev)"
  exit 0
fi

# build-fuzz may also have been configured from the top level with -DCONVEQ_FUZZ=ON (see
# docs/fuzzing.md); either way the targets are <name>_fuzzer. Otherwise configure fuzz/ on its
# own, which needs no build of the library.
if [[ -f "$build/CMakeCache.txt" ]] &&
  grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$root\$" "$build/CMakeCache.txt"; then
  cmake -S "$root" -B "$build" -DCONVEQ_FUZZ=ON >/dev/null
else
  CC=clang CXX=clang++ cmake -S "$root/fuzz" -B "$build" >/dev/null
fi
# model_fuzzer exists only where libonnx-dev and libprotobuf-dev are installed.
if [[ " ${targets[*]} " == *" model "* ]] &&
  [[ "$(cmake --build "$build" --target help)" != *model_fuzzer* ]]; then
  echo "run-fuzzer: skipped model: model_fuzzer is not built (install libonnx-dev libprotobuf-dev)"
  kept=()
  for target in "${targets[@]}"; do [[ "$target" == model ]] || kept+=("$target"); done
  targets=("${kept[@]}")
  [[ ${#targets[@]} -gt 0 ]] || exit 0
fi
cmake --build "$build" --target "${targets[@]/%/_fuzzer}" -j"$(nproc)"

# Tokens a mutator would take long to guess byte by byte, one dictionary per target.
write_dictionary() {
  case "$1" in
    npy)
      cat <<'DICT'
"\x93NUMPY"
"\x93NUMPY\x01\x00"
"\x93NUMPY\x02\x00"
"\x93NUMPY\x03\x00"
"'descr'"
"'fortran_order'"
"'shape'"
"\"descr\""
"True"
"False"
"None"
"'<f2'"
"'<f4'"
"'<f8'"
"'>f2'"
"'>f4'"
"'>f8'"
"'=f4'"
"'|f4'"
"'<c8'"
"'|O'"
"[('x', '<f4')]"
"()"
"(1,)"
"(2, 3)"
"9223372036854775807"
"4294967296"
"L,"
"\x0a"
DICT
      ;;
    suite)
      cat <<'DICT'
"\x0a"
"# "
": "
"--in "
"--out "
"--kernel 3"
"--padding same"
"\x09"
"\x0d\x0a"
"\x00"
"(?:"
"(?="
"[^"
"[a-z]"
"[:alpha:]"
"\\d"
"\\w"
"\\s"
"\\b"
"\\1"
"{2,3}"
"{1000}"
"*?"
"+"
"|"
"^"
"$"
DICT
      ;;
    report)
      cat <<'DICT'
"\"schema_version\":1"
"\"comparisons\":"
"\"problems\":"
"\"problem\":"
"\"report\":"
"\"error\":"
"\"verdict\":"
"\"status\":"
"\"passed\""
"\"failed\""
"\"mistrusted\""
"\"paths\":"
"\"timing\":"
"\"median_ms\":"
"\"max_scaled_error\":"
"\"mismatches\":"
"\"worst_mismatches\":"
"\"ulp_histogram\":"
"\"determinism\":"
"\"name\":"
"null"
"true"
"1e400"
"1e30"
"-1"
"18446744073709551615"
"9223372036854775808"
"[[[[[[[["
"{}"
"[]"
DICT
      ;;
    model)
      cat <<'DICT'
"Conv"
"ai.onnx"
"auto_pad"
"SAME_UPPER"
"SAME_LOWER"
"VALID"
"NOTSET"
"kernel_shape"
"strides"
"pads"
"dilations"
"group"
"location"
"offset"
"length"
"Relu"
"Constant"
"value"
"\x08\x07"
"\x10\x01"
"\x10\x0b"
"\xff\xff\xff\xff\x0f"
DICT
      ;;
  esac
}

max_len() {
  case "$1" in
    npy) echo 4096 ;;      # the preamble and header carry the structure
    suite) echo 8192 ;;    # past the 4096-character line limit
    report) echo 65536 ;;  # a small suite report, deep nesting, long names
    model) echo 16384 ;;   # the committed models are 0.6 to 12 KB
  esac
}

# One directory per run, so inputs saved by an earlier run do not fail this one.
run_artifacts="$build/artifacts/$(date +%Y%m%d-%H%M%S)"
failed=()
for target in "${targets[@]}"; do
  corpus="$probe/corpus-$target"
  artifacts="$run_artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  cp "$root"/tests/fuzz_corpus/"$target"/* "$corpus/"
  write_dictionary "$target" >"$probe/$target.dict"
  echo "run-fuzzer: running ${target}_fuzzer for ${seconds}s; findings go to $artifacts/"
  # -timeout: every reader is linear, so any input taking seconds is a hang worth reporting.
  status=0
  "$build/${target}_fuzzer" "$corpus" \
    -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 \
    -dict="$probe/$target.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 || status=$?
  if [[ $status -ne 0 ]] || compgen -G "$artifacts/*" >/dev/null; then
    echo "run-fuzzer: FINDING in ${target}_fuzzer (exit status $status); inputs kept in $artifacts/:" >&2
    ls -l "$artifacts" >&2
    failed+=("$target")
  else
    rmdir "$artifacts"
    echo "run-fuzzer: ${target}_fuzzer clean after ${seconds}s"
  fi
done
rmdir "$run_artifacts" 2>/dev/null || true
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run-fuzzer: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "run-fuzzer: clean: ${targets[*]}, ${seconds}s each"
