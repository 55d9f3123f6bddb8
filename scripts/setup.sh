#!/usr/bin/env bash
# The one setup path, used by both README commands and by .ci/run.
#   scripts/setup.sh server   runtime only (skips the test-only @u4/opencv4nodejs build)
#   scripts/setup.sh test     everything the tests and benchmarks need
# Idempotent: installs only missing apt packages, reruns `npm ci` only when
# package-lock.json or the mode changed, rebuilds the addon only when native/
# changed, and copies or downloads only missing or corrupt model files.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-test}
case "$mode" in server|test) ;; *) echo "usage: scripts/setup.sh [server|test]" >&2; exit 2 ;; esac
say() { printf '\n==> %s\n' "$*"; }

# --- system packages -------------------------------------------------------
# libtesseract-dev + tesseract-ocr-eng: the text pipelines' line recogniser (Tesseract LSTM) and its English model.
apt_packages=(libopencv-dev opencv-data libjpeg-dev pkg-config g++ make python3 libtesseract-dev tesseract-ocr-eng)
# Test mode also needs: Debian's chromium for the demo's browser test (puppeteer-core drives it; no browser is
# downloaded), Python with websockets and OpenCV for examples/python, and curl for the README's example.
if [ "$mode" = test ]; then apt_packages+=(chromium python3-websockets python3-opencv curl); fi
# Test mode: the reliability harnesses (docs/reliability.md): clang + libFuzzer + its sanitizer runtimes for
# fuzz:native, valgrind for test:leak (test:asan and test:tsan use g++'s own libasan/libtsan).
if [ "$mode" = test ]; then apt_packages+=(clang libfuzzer-14-dev libclang-rt-14-dev valgrind); fi
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
# Test mode also: the load balancers and the unit checker that test:cluster and test/deploy-configs.test.ts run.
# Only their binaries are used, on loopback ports of the tests' choosing: their packaged services are not started.
daemon_packages=()
if [ "$mode" = test ]; then
  for pkg in haproxy nginx systemd; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || daemon_packages+=("$pkg")
  done
fi
if ((${#missing[@]} + ${#daemon_packages[@]})); then
  say "installing system packages: ${missing[*]} ${daemon_packages[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  if ((${#daemon_packages[@]})); then
    # Debian starts a daemon when it is installed unless /usr/sbin/policy-rc.d says no (exit 101): nginx
    # would take port 80. Say no for this install only, unless a policy is already in place (containers have one).
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
      "${sudo_cmd[@]}" chmod 755 "$policy"
      own_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${daemon_packages[@]}" || status=$?
    if [ "$own_policy" = 1 ]; then "${sudo_cmd[@]}" rm -f "$policy"; fi
    [ "${status:-0}" = 0 ] || exit "$status"
  fi
fi

if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=8)?0:1)'; then
  echo "Framewire needs Node.js >= 20.8 with npm (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install it from your distribution or nodejs.org, then rerun this script." >&2
  exit 1
fi

# --- npm packages ----------------------------------------------------------
# @u4/opencv4nodejs (tests and benchmarks only) must build against the system
# OpenCV: its own auto-build downloads OpenCV sources, which cannot work here.
export OPENCV4NODEJS_DISABLE_AUTOBUILD=1
OPENCV_INCLUDE_DIR=$(pkg-config --variable=includedir opencv4)
OPENCV_LIB_DIR=$(pkg-config --variable=libdir opencv4)
export OPENCV_INCLUDE_DIR OPENCV_LIB_DIR OPENCV_BIN_DIR=/usr/bin

stamp=node_modules/.framewire-setup
want="$(sha256sum package-lock.json | cut -d' ' -f1) $mode"
have=$(cat "$stamp" 2>/dev/null || true)
# A full (test) install also satisfies the server mode.
if [ "$have" != "$want" ] && ! { [ "$mode" = server ] && [ "$have" = "${want% *} test" ]; }; then
  if [ "$mode" = server ]; then
    say "npm ci (runtime; skipping the test-only opencv4nodejs build)"
    npm ci --omit=optional --no-audit --no-fund
  else
    say "npm ci (includes building @u4/opencv4nodejs against system OpenCV: a few minutes the first time)"
    npm ci --no-audit --no-fund
    node -e "require('@u4/opencv4nodejs')" >/dev/null || { echo "@u4/opencv4nodejs did not build; see the npm ci output above" >&2; exit 1; }
  fi
  echo "$want" > "$stamp"
fi

# --- build -----------------------------------------------------------------
addon=build/Release/framewire.node
if [ ! -f "$addon" ] || [ -n "$(find native binding.gyp -newer "$addon" -print -quit)" ]; then
  say "building the native addon"
  npm run --silent build:native
fi
if [ "$mode" = server ]; then
  # src/ only: tests and benchmarks import the test-only @u4/opencv4nodejs.
  say "compiling TypeScript (server)"
  npm run --silent build:server
else
  say "compiling TypeScript"
  npm run --silent build:ts
fi

# --- models ----------------------------------------------------------------
if [ -z "${FRAMEWIRE_MODEL_MIRROR:-}" ] && [ -d ../shared/models ]; then
  FRAMEWIRE_MODEL_MIRROR=$(cd ../shared/models && pwd)
  export FRAMEWIRE_MODEL_MIRROR
fi
say "checking model files${FRAMEWIRE_MODEL_MIRROR:+ (mirror: $FRAMEWIRE_MODEL_MIRROR)}"
LOG_LEVEL=warn npm run --silent models
say "setup done ($mode)"
