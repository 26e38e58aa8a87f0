#!/usr/bin/env bash
# Builds the .npy fuzzer with clang (ASan + UBSan + libFuzzer) in build-fuzz/ and runs it for
# SECONDS over a scratch copy of the seed corpus (tests/fuzz_corpus/npy stays untouched).
#   scripts/run-fuzzer.sh 120
# Exits 0 when the run is clean, or when clang or its libFuzzer runtime is missing (printing
# that it skipped); non-zero on any finding, whose input is kept in build-fuzz/artifacts/<time>/.
# See docs/fuzzing.md.
set -euo pipefail

usage="usage: scripts/run-fuzzer.sh SECONDS   (a positive whole number of seconds)"
if [[ $# -ne 1 || ! "$1" =~ ^[1-9][0-9]*$ ]]; then
  echo "$usage" >&2
  exit 2
fi
seconds="$1"
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
# docs/fuzzing.md); either way the target is npy_fuzzer. Otherwise configure fuzz/ on its
# own, which needs none of the library's dependencies.
if [[ -f "$build/CMakeCache.txt" ]] &&
  grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$root\$" "$build/CMakeCache.txt"; then
  cmake -S "$root" -B "$build" -DCONVEQ_FUZZ=ON >/dev/null
else
  CC=clang CXX=clang++ cmake -S "$root/fuzz" -B "$build" >/dev/null
fi
cmake --build "$build" --target npy_fuzzer -j"$(nproc)"

corpus="$probe/corpus"
# One directory per run, so inputs saved by an earlier run do not fail this one.
artifacts="$build/artifacts/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$corpus" "$artifacts"
cp "$root"/tests/fuzz_corpus/npy/* "$corpus/"

# Tokens a mutator would take long to guess byte by byte.
cat >"$probe/npy.dict" <<'DICT'
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

echo "run-fuzzer: running npy_fuzzer for ${seconds}s; findings go to $artifacts/"
# -timeout: parsing is linear, so any input taking seconds is a hang worth reporting.
status=0
"$build/npy_fuzzer" "$corpus" \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -dict="$probe/npy.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 || status=$?

if [[ $status -ne 0 ]] || compgen -G "$artifacts/*" >/dev/null; then
  echo "run-fuzzer: FINDING (exit status $status); inputs kept in $artifacts/:" >&2
  ls -l "$artifacts" >&2
  exit $((status == 0 ? 1 : status))
fi
rmdir "$artifacts"
echo "run-fuzzer: clean after ${seconds}s"
