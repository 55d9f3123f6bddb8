#!/usr/bin/env bash
# Builds bench/out/cpp_loop (the limit) from native/core with the addon's optimisation level, and
# bench/out/decode_scales (JPEG decode cost at each libjpeg scale).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
# shellcheck disable=SC2046
g++ -std=c++17 -O3 -pthread bench/native/cpp_loop.cc native/core/*.cc $(pkg-config --cflags opencv4) \
  -lopencv_core -lopencv_imgproc -lopencv_imgcodecs -lopencv_dnn -lopencv_objdetect -o bench/out/cpp_loop
# shellcheck disable=SC2046
g++ -std=c++17 -O3 bench/native/decode_scales.cc $(pkg-config --cflags opencv4) \
  -lopencv_core -lopencv_imgcodecs -o bench/out/decode_scales
