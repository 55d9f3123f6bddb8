#!/usr/bin/env bash
# npm run bench: end to end over WebSocket, beside the C++ loop and the in-process addon path.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash bench/build-cpp-loop.sh
node dist/bench/stream/stream-bench.js "$@"
