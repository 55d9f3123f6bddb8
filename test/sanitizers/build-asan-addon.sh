#!/usr/bin/env bash
# Builds the addon with -fsanitize=address,undefined (compile and link flags) into build-asan/build/Release/
# framewire.node, never build/Release: build-asan/binding.gyp is binding.gyp with its sources one level up and the
# sanitizer flags added, so the two builds cannot drift. Rebuilds only when native/ or binding.gyp changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build-asan/build/Release/framewire.node
mkdir -p build-asan
if [[ -f $out && -z $(find native binding.gyp "$0" -newer "$out" -print -quit) ]]; then exit 0; fi
node - <<'JS'
const fs = require('node:fs');
const gyp = JSON.parse(fs.readFileSync('binding.gyp', 'utf8'));
const sanitize = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-g'];
for (const target of gyp.targets) {
  target.sources = target.sources.map((s) => `../${s}`);
  // -O1: ASan's advice (readable stacks, few false negatives from inlining); replaces the addon's -O3.
  target.cflags_cc = [...target.cflags_cc.filter((f) => !/^-O\d$/.test(f)), '-O1', ...sanitize];
  target.cflags = [...(target.cflags ?? []), ...sanitize];
  target.ldflags = [...(target.ldflags ?? []), '-fsanitize=address,undefined'];
}
fs.writeFileSync('build-asan/binding.gyp', `${JSON.stringify(gyp, null, 2)}\n`);
JS
echo "building $out (g++ -fsanitize=address,undefined)" >&2
npx --no-install node-gyp rebuild --loglevel=warn --directory=build-asan >/dev/null
