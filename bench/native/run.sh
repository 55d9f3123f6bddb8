#!/usr/bin/env bash
# npm run bench:native: the plain C++ loop, then every pipeline through the three paths.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash bench/build-cpp-loop.sh
node dist/bench/native/native-bench.js "$@"
