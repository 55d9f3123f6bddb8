#!/usr/bin/env bash
# Builds bench/out/cpp_loop (the limit) from native/core with the addon's optimisation level, and
# bench/out/decode_scales (JPEG decode cost at each libjpeg scale), and bench/out/plain_loop (the
# reference: the same detection loop with OpenCV alone, no Framewire code).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
# shellcheck disable=SC2046
g++ -std=c++17 -O3 -pthread bench/native/cpp_loop.cc native/core/*.cc $(pkg-config --cflags opencv4) \
  -lopencv_core -lopencv_imgproc -lopencv_imgcodecs -lopencv_dnn -lopencv_objdetect -ljpeg -ltesseract -lgomp -o bench/out/cpp_loop
# shellcheck disable=SC2046
g++ -std=c++17 -O3 bench/native/decode_scales.cc $(pkg-config --cflags opencv4) \
  -lopencv_core -lopencv_imgcodecs -o bench/out/decode_scales
# bench/out/decoder_ab: cv::imdecode against native/core/jpeg_decoder.cc (libjpeg-turbo directly).
# shellcheck disable=SC2046
g++ -std=c++17 -O3 bench/native/decoder_ab.cc native/core/jpeg_decoder.cc $(pkg-config --cflags opencv4) \
  -lopencv_core -lopencv_imgcodecs -ljpeg -o bench/out/decoder_ab
# Only when the source is newer than the binary (or there is none): it needs no native/core code.
if [[ ! bench/out/plain_loop -nt bench/native/plain_loop.cc ]]; then
  # shellcheck disable=SC2046
  g++ -std=c++17 -O3 -pthread bench/native/plain_loop.cc $(pkg-config --cflags --libs opencv4) -o bench/out/plain_loop
fi
# bench/out/blob_ab: the detectors' input blob three ways (blobFromImage, a float packer, BlobPacker's 8-bit blob).
# shellcheck disable=SC2046
g++ -std=c++17 -O3 bench/native/blob_ab.cc native/core/blob.cc $(pkg-config --cflags opencv4) \
  -lopencv_core -lopencv_imgproc -lopencv_imgcodecs -lopencv_dnn -o bench/out/blob_ab
# bench/out/darknet_heads_ab: the darknet heads through the Region layers against DarknetHeads' own decode.
# shellcheck disable=SC2046
g++ -std=c++17 -O3 bench/native/darknet_heads_ab.cc native/core/darknet_heads.cc native/core/blob.cc native/core/nms.cc \
  $(pkg-config --cflags opencv4) -lopencv_core -lopencv_imgproc -lopencv_imgcodecs -lopencv_dnn -o bench/out/darknet_heads_ab
