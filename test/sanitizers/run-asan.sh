#!/usr/bin/env bash
# npm run test:asan: the native pipeline and streaming tests against the addon built with
# -fsanitize=address,undefined (test/sanitizers/build-asan-addon.sh -> build-asan/, never build/Release), loaded
# through FRAMEWIRE_ADDON_PATH (src/native/binding.ts) with libasan preloaded into every Node process (the main
# AVA process, its workers, and the servers the stream tests spawn; Node itself is not instrumented, so the
# runtime must come first). Passes only when the tests pass AND no process wrote a sanitizer report: reports go
# to build-asan/reports/ (log_path), not to stderr, which some tests read.
#
# The subset (docs/reliability.md, "Sanitizers"): the native pipeline and streaming test files that drive the
# engine, in process or through a server process. Left out:
#   - pipeline-nms-classes, pipeline-parallel-backend-stress: they compile and run plain C++ programs with g++
#     (preloading libasan into g++ is noise; test:tsan runs the backend stress under ThreadSanitizer);
#   - stream-dropping, stream-slowdown, stream-slow-reader: they assert the shape of saturation (round-robin
#     shares, slow_down counts, a slow reader's close code) at the speed of a normal build. Under ASan every
#     allocation, Node's included, goes through the sanitizer's allocator, the load shape changes, and these three
#     failed on those assertions with no sanitizer report. The native paths they drive (decode, inference,
#     answers, drops) are the ones the other stream files drive;
#   - stream-tracking-video: streams 300 frames paced at twice real time and checks tracking identities, which
#     need every frame answered in time; it arrived (issue 10) after this subset was measured under ASan;
#   - the pure TypeScript stream files (scheduler, session manager, service, control, frame validator): no
#     native code;
#   - one test by title (--match): stream-shutdown's "SIGTERM under a flood", whose precondition is that more
#     than 10 frames per session reach the server in 300 ms; under ASan 9 did (2026-11-30), while its
#     exactly-once check held. stream-shutdown's other SIGTERM test runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/sanitizers/build-asan-addon.sh
npm run --silent build:ts

reports=$PWD/build-asan/reports
rm -rf "$reports" && mkdir -p "$reports"
libasan=$(g++ -print-file-name=libasan.so)
# detect_leaks: LeakSanitizer at each process's exit, with test/sanitizers/lsan.supp (Node/V8 internals and the
#   test-only opencv4nodejs, each entry justified there).
# exitcode=0: with leak checking on, ASan turns a process's exit code into 1 when it reported anything, and tests
#   that check a server's exit code would fail on that alone. Every report is counted below from log_path instead.
# handle_segv=0: V8 handles SIGSEGV itself (WebAssembly trap handler); ASan's handler would take it first.
# UBSan: print a stack and stop the process at the first report.
export ASAN_OPTIONS="detect_leaks=1:exitcode=0:handle_segv=0:log_path=$reports/asan:strip_path_prefix=$PWD/"
export LSAN_OPTIONS="suppressions=$PWD/test/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export FRAMEWIRE_ADDON_PATH=$PWD/build-asan/build/Release/framewire.node

files=()
for f in dist/test/pipeline-*.test.js dist/test/decode-*.test.js dist/test/native-failure.test.js dist/test/stream-*.test.js; do
  case "$f" in
    *pipeline-nms-classes* | *pipeline-parallel-backend-stress*) continue ;;
    *stream-dropping* | *stream-slowdown* | *stream-slow-reader*) continue ;;
    *stream-tracking-video*) continue ;;
    *stream-scheduler* | *stream-session-manager* | *stream-service* | *stream-control* | *stream-frame-validator*) continue ;;
  esac
  files+=("$f")
done
status=0
LD_PRELOAD=$libasan npx --no-install ava --timeout=5m --match='!SIGTERM under a flood*' "${files[@]}" || status=$?
# A report file is a finding unless all it says is that LeakSanitizer's own tracer crashed ("Tracer caught signal
# 11 ... LeakSanitizer has encountered a fatal error"): LSan could not stop the process's threads to scan them at
# exit, so that process got no leak check, but nothing was found in it. Those are printed and counted, not failed
# on; seen in 2 server processes of one CI run (2026-11-30), none in the run before it.
findings=0; tracer_crashes=0
for r in "$reports"/*; do
  [ -f "$r" ] || continue
  if grep -q 'LeakSanitizer has encountered a fatal error' "$r" && ! grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer: detected)|runtime error' "$r"; then
    tracer_crashes=$((tracer_crashes + 1))
  else
    findings=$((findings + 1))
  fi
done
echo "test:asan: ${#files[@]} test files, exit $status, sanitizer reports: $findings, processes whose exit leak check could not run (LSan tracer crash): $tracer_crashes"
if ((findings + tracer_crashes)); then
  for r in "$reports"/*; do echo "--- $r"; head -60 "$r"; done
fi
if ((findings)); then status=1; fi
exit $status
