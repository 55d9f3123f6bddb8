#!/usr/bin/env bash
# Text recognition candidates on the sample pages (issue 13): PP-OCRv4 rec (ONNX, fixed widths) against Tesseract
# LSTM, on the server's own line crops. Needs `npm run build` and `npm run models` first.
#   bash bench/text/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
media=${FRAMEWIRE_MEDIA_DIR:-../shared/media}
models=${FRAMEWIRE_MODEL_DIR:-.models}
mkdir -p bench/out
node dist/bench/text/prepare-rec.js bench/out/ppocr-rec 320 640 960 1280 1920 2560
# shellcheck disable=SC2046
g++ -std=c++17 -O3 bench/text/rec_candidates.cc native/core/text_detector_db.cc native/core/text_reader.cc \
  native/core/text_recognizer_tesseract.cc $(pkg-config --cflags opencv4) \
  -lopencv_core -lopencv_imgproc -lopencv_imgcodecs -lopencv_dnn -ltesseract -o bench/out/rec_candidates
OMP_THREAD_LIMIT=1 bench/out/rec_candidates "$models/ppocr-v4/ch_PP-OCRv4_det_infer.opencv.onnx" \
  "$models/tesseract/eng.traineddata" bench/out/ppocr-rec test/fixtures/imageText.transcript.txt "$rounds" \
  "$media/imageTextN.png" "$media/imageTextR.png"
