#!/usr/bin/env bash
# Installs whatever conveq's build and tests need that is missing (Debian 12 packages;
# apt-get as root, sudo otherwise), then configures and builds in Release into build/.
set -euo pipefail
cd "$(dirname "$0")/.."

# libdnnl-dev: the oneDNN paths; its CMake package needs the OpenCL headers, which it only
# recommends (ocl-icd-opencl-dev). libonnx-dev, libprotobuf-dev: `conveq model`.
# libxnnpack-dev: the XNNPACK paths; its header needs libpthreadpool-dev, which it does not
# depend on. libtorch-dev: the LibTorch plugin. libxml2-utils: xmllint for the JUnit tests.
# chromium: the test that opens the HTML reports in a browser.
packages=(g++ cmake make libcli11-dev libxtensor-dev libopenblas-dev
          nlohmann-json3-dev catch2 python3 python3-jsonschema libxml2-utils
          libdnnl-dev ocl-icd-opencl-dev libonnx-dev libprotobuf-dev
          libxnnpack-dev libpthreadpool-dev libtorch-dev chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "conveq setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCONVEQ_WERROR=ON >&2
cmake --build build -j"$(nproc)" >&2
