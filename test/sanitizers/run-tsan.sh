#!/usr/bin/env bash
# npm run test:tsan: ThreadSanitizer over the engine's concurrency, as two C++ stress programs built with
# g++ -fsanitize=thread over native/core (docs/reliability.md, "Engine races"):
#   test/native/engine_stress.cc          slots, the job queue, the idle-slot stack, sinks, engine teardown with
#                                         jobs queued, under real inference with the real models (2 slots x 2 threads)
#   test/native/parallel_backend_stress.cc  the core-sharing parallel_for_ backend alone
# Passes only with zero ThreadSanitizer reports and both programs' own checks passing.
# Needs `npm run build:ts` (the spec writer) and the models (.models/).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build-tsan
mkdir -p "$out"
opencv_cflags=$(pkg-config --cflags opencv4)
libs=(-lopencv_core -lopencv_imgproc -lopencv_dnn -lopencv_objdetect -ljpeg -ltesseract -lgomp)
build() {  # build OUTPUT SOURCES...: only when native/core, test/native or this script is newer than the binary
  local binary=$1; shift
  if [[ -f $binary && -z $(find native/core test/native "$0" -newer "$binary" -print -quit) ]]; then return; fi
  echo "building $binary (g++ -fsanitize=thread)" >&2
  # shellcheck disable=SC2086
  g++ -std=c++17 -O1 -g -fsanitize=thread -pthread $opencv_cflags "$@" "${libs[@]}" -o "$binary"
}
build "$out/engine_stress" test/native/engine_stress.cc native/core/*.cc
build "$out/parallel_backend_stress" test/native/parallel_backend_stress.cc native/core/parallel_backend.cc

node dist/test/sanitizers/write-spec.js "$out/spec.txt" FRAMEWIRE_WORKER_SLOTS=2 FRAMEWIRE_OPENCV_THREADS=2 FRAMEWIRE_CORE_SHARING=true
media=${FRAMEWIRE_MEDIA_DIR:-../shared/media}

# exitcode=66 (TSan's default) marks a run with reports; history_size=4 keeps older accesses for the report.
export TSAN_OPTIONS="history_size=4 second_deadlock_stack=1 exitcode=66"
status=0
run() {  # run NAME COMMAND...
  local name=$1; shift
  local log="$out/$name.log"
  local started=$SECONDS
  set +e
  "$@" >"$out/$name.json" 2>"$log"
  local code=$?
  set -e
  local reports
  reports=$(grep -c '^WARNING: ThreadSanitizer' "$log" || true)
  echo "$name: $(cat "$out/$name.json") exit=$code tsan_reports=$reports seconds=$((SECONDS - started))"
  if [[ $code -ne 0 || $reports -ne 0 ]]; then status=1; grep -A30 '^WARNING: ThreadSanitizer' "$log" | head -80 >&2 || true; fi
}
run engine_stress "$out/engine_stress" "$out/spec.txt" 4 60 "$media/messi5.jpg" "$media/home.jpg" "$media/baboon.jpg"
run parallel_backend_stress "$out/parallel_backend_stress" 3 20000 300
exit $status
