#!/usr/bin/env bash
# npm run test:leak: valgrind memcheck over the native tests, sharp's way (docs/reliability.md, "Leak check"):
# --leak-check=full, definite and indirect leaks only, and test/sanitizers/valgrind.supp for allocations Node.js,
# V8 and OpenCV keep for the life of the process. Every Node process is traced (AVA's main process, its test
# workers); compilers are not. Passes only when no process has a definite leak. Slow (valgrind runs the models'
# inference ~50x slower): not in CI; run it before changing native/.
#
#   npm run test:leak [-- TEST_FILE.js ...]   (default: the bad-frame, decode-limit and golden pipeline tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build
out=build-valgrind
rm -rf "$out" && mkdir -p "$out"
files=("$@")
if ((${#files[@]} == 0)); then
  files=(dist/test/pipeline-bad-frames.test.js dist/test/decode-limits.test.js dist/test/pipeline-golden.test.js)
fi
# Valgrind runs a frame's decode ~50x slower: the default 1 s decode deadline would refuse frames the tests
# expect decoded. Tests that set their own deadline (decode-limits) still do.
export FRAMEWIRE_DECODE_DEADLINE_MS=0
started=$SECONDS
status=0
# --smc-check=all-non-file: V8 writes and rewrites machine code (the JIT); valgrind must re-translate it.
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite \
  --suppressions=test/sanitizers/valgrind.supp --gen-suppressions=no --num-callers=40 --smc-check=all-non-file \
  --trace-children=yes --trace-children-skip='*/g++,*/cc1plus,*/as,*/ld,*/collect2,*/pkg-config,*/sh,*/bash' \
  --log-file="$out/vg.%p.log" \
  node node_modules/ava/entrypoints/cli.mjs --timeout=60m --serial "${files[@]}" || status=$?
definite=0; indirect=0; processes=0
for log in "$out"/vg.*.log; do
  grep -q 'LEAK SUMMARY\|All heap blocks were freed' "$log" || continue
  processes=$((processes + 1))
  d=$(grep -Eo 'definitely lost: [0-9,]+ bytes' "$log" | grep -Eo '[0-9,]+' | tr -d , | tail -1 || true)
  i=$(grep -Eo 'indirectly lost: [0-9,]+ bytes' "$log" | grep -Eo '[0-9,]+' | tr -d , | tail -1 || true)
  definite=$((definite + ${d:-0})); indirect=$((indirect + ${i:-0}))
done
echo "test:leak: ${#files[@]} test files, ava exit $status, $processes Node processes checked, definitely lost $definite bytes, indirectly lost $indirect bytes, $((SECONDS - started)) s (logs: $out/)"
if ((definite > 0)); then
  grep -l 'definitely lost: [1-9]' "$out"/vg.*.log | while read -r log; do echo "--- $log"; grep -B2 -A40 'definitely lost in' "$log" | head -120; done
  status=1
fi
exit $status
