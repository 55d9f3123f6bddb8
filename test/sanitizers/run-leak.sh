#!/usr/bin/env bash
# npm run test:leak: valgrind memcheck over the engine, sharp's way (docs/reliability.md, "Leak check"):
# --leak-check=full, definite and indirect leaks only, and test/sanitizers/valgrind.supp for allocations Node.js,
# V8 and OpenCV keep for the life of the process. The traced program is test/sanitizers/leak-driver.ts (the
# pipeline service over a folder of frames), not the AVA files: those load @u4/opencv4nodejs, which pulls in
# libhwy, whose start-up code uses an instruction valgrind 3.19 cannot run (SIGILL). The frames are written first,
# outside valgrind, by leak-inputs.ts. Passes only when the driver exits 0 and no block is definitely lost.
# Slow (valgrind runs inference ~50x slower): not in CI; run it before changing native/.
#
#   npm run test:leak [-- --rounds N]   (default 2 rounds of every frame on detect_fast)
#   LEAK_PIPELINES="detect_fast faces text" npm run test:leak   (the pipelines loaded; default below)
#
# Warming all seven pipelines on two slots took more than 54 CPU-minutes under valgrind, so the run loads the
# pipelines named in LEAK_PIPELINES only (a filtered copy of config/pipelines.json) on one worker slot with one
# OpenCV thread: the code paths are the same per slot, and valgrind serialises threads anyway. The default covers
# the three kinds of node (detector, faces, text with Tesseract).
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build
out=build-valgrind
rm -rf "$out" && mkdir -p "$out/frames"
node dist/test/sanitizers/leak-inputs.js "$out/frames"
# Valgrind runs a frame's decode ~50x slower: the default 1 s decode deadline would refuse frames that decode.
export FRAMEWIRE_DECODE_DEADLINE_MS=0
pipelines=${LEAK_PIPELINES:-detect_fast faces text}
node -e '
  const [src, dst, ...ids] = process.argv.slice(1);
  const file = JSON.parse(require("fs").readFileSync(src, "utf8"));
  const missing = ids.filter((id) => !file.pipelines.some((p) => p.id === id));
  if (missing.length) { console.error(`LEAK_PIPELINES: no such pipeline: ${missing.join(", ")}`); process.exit(2); }
  file.pipelines = file.pipelines.filter((p) => ids.includes(p.id));
  file.default_pipeline = ids[0];
  require("fs").writeFileSync(dst, JSON.stringify(file, null, 2));
' config/pipelines.json "$out/pipelines.json" $pipelines
export FRAMEWIRE_PIPELINES="$PWD/$out/pipelines.json" FRAMEWIRE_WORKER_SLOTS=1 FRAMEWIRE_OPENCV_THREADS=1
echo "test:leak: pipelines $pipelines, one slot, one OpenCV thread"
started=$SECONDS
status=0
# --smc-check=all-non-file: V8 writes and rewrites machine code (the JIT); valgrind must re-translate it.
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite \
  --suppressions=test/sanitizers/valgrind.supp --gen-suppressions=no --num-callers=40 --smc-check=all-non-file \
  --log-file="$out/vg.%p.log" \
  node dist/test/sanitizers/leak-driver.js "$out/frames" "$@" || status=$?
definite=0; indirect=0; processes=0
for log in "$out"/vg.*.log; do
  grep -q 'LEAK SUMMARY\|All heap blocks were freed' "$log" || continue
  processes=$((processes + 1))
  d=$(grep -Eo 'definitely lost: [0-9,]+ bytes' "$log" | grep -Eo '[0-9,]+' | tr -d , | tail -1 || true)
  i=$(grep -Eo 'indirectly lost: [0-9,]+ bytes' "$log" | grep -Eo '[0-9,]+' | tr -d , | tail -1 || true)
  definite=$((definite + ${d:-0})); indirect=$((indirect + ${i:-0}))
done
echo "test:leak: driver exit $status, $processes process checked, definitely lost $definite bytes, indirectly lost $indirect bytes, $((SECONDS - started)) s (logs: $out/)"
if ((processes == 0)); then echo "test:leak: no leak summary found: valgrind did not finish"; status=1; fi
if ((definite > 0)); then
  grep -l 'definitely lost: [1-9]' "$out"/vg.*.log | while read -r log; do echo "--- $log"; grep -B2 -A40 'definitely lost in' "$log" | head -120; done
  status=1
fi
exit $status
