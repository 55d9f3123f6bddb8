#!/usr/bin/env bash
# Builds build-fuzz/frame_fuzzer (test/fuzz/frame_fuzzer.cc over native/core) with libFuzzer, ASan and UBSan
# (Debian's clang + libfuzzer-14-dev + libclang-rt-14-dev; scripts/setup.sh test installs them). Its own
# directory: `node-gyp rebuild` wipes build/. Rebuilds only when a source is newer than the binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build-fuzz/frame_fuzzer
mkdir -p build-fuzz
if [[ -f $out && -z $(find native/core test/fuzz/frame_fuzzer.cc "$0" -newer "$out" -print -quit) ]]; then exit 0; fi
echo "building $out (clang++, -fsanitize=fuzzer,address,undefined)" >&2
# -O1 -g: ASan's advice for readable reports at a usable speed. -fno-sanitize-recover: a UBSan report aborts,
# so libFuzzer saves the input like any crash. Only native/core and the target are instrumented: libjpeg-turbo
# and OpenCV are Debian's shared libraries (exercised, their allocations checked, but not coverage-guided).
# shellcheck disable=SC2046
clang++ -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  $(pkg-config --cflags opencv4) test/fuzz/frame_fuzzer.cc native/core/*.cc \
  -lopencv_core -lopencv_imgproc -lopencv_dnn -lopencv_objdetect -ljpeg -ltesseract -lgomp -pthread -o "$out.tmp"
mv "$out.tmp" "$out"
