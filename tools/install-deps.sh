#!/usr/bin/env bash
# Installs the Debian 12 packages fabomatic needs to build, run and test. Idempotent: when
# everything is already there it changes nothing and does not touch the network.
#   tools/install-deps.sh                build and run
#   tools/install-deps.sh --test         also what the test suite uses
#   tools/install-deps.sh --package      also what tools/package.sh uses (Debian packaging)
#   tools/install-deps.sh --cross-arm64  also the arm64 cross toolchain, the arm64 libraries and
#                                        qemu-user (adds the arm64 architecture to dpkg)
#   tools/install-deps.sh --image        also what tools/image.sh and tools/image-test.sh use
#   tools/install-deps.sh --fuzz         also clang and libFuzzer for tools/fuzz.sh
# Options combine.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config git
  libboost1.81-dev nlohmann-json3-dev libsqlite3-dev libssl-dev libsodium-dev
  libtomlplusplus-dev libcurl4-openssl-dev libsystemd-dev
  libxlsxwriter-dev zlib1g-dev  # the portal's Excel exports (xlsxwriter.pc links -lz)
  openssl sqlite3
)
# The browser app is built with Node.js >= 18 (web/frontend/package.json): Debian 12's nodejs
# and npm packages, unless a Node.js is installed already (e.g. from NodeSource, which brings
# its own npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
test_packages=(
  libgtest-dev libgmock-dev clang-format
  python3 python3-paho-mqtt mosquitto mosquitto-clients procps wrk
  strace  # tests/backend_integration/test_durability.py watches the syncs of the reply path
  chromium  # the browser the portal's Playwright tests drive (/usr/bin/chromium)
  python3-openpyxl  # the export tests read the xlsx files back
  python3-aiosmtpd  # the mail tests' SMTP sink
)
package_packages=(debhelper dpkg-dev fakeroot lintian)
# tools/fuzz.sh: Debian 12's clang 14 and its libFuzzer/sanitizer runtimes.
fuzz_packages=(clang-14 libclang-rt-14-dev)
# Boost 1.81 on both sides: libboost-dev:arm64 would bring 1.74, which cannot be installed beside
# the host's 1.81 headers.
cross_packages=(
  crossbuild-essential-arm64 pkgconf:arm64 qemu-user-static
  libboost1.81-dev:arm64 libsqlite3-dev:arm64 libssl-dev:arm64 libsodium-dev:arm64
  libtomlplusplus-dev:arm64 libcurl4-openssl-dev:arm64 libsystemd-dev:arm64
  libxlsxwriter-dev:arm64 zlib1g-dev:arm64  # xlsxwriter.pc links -lz; nothing pulls it for arm64
  libgtest-dev:arm64 libgmock-dev:arm64
)
image_packages=(
  mmdebstrap arch-test qemu-user-static dosfstools mtools fdisk e2fsprogs qemu-system-arm
  python3 python3-paho-mqtt curl
)
cross=no
for option in "$@"; do
  case "$option" in
    --test) packages+=("${test_packages[@]}") ;;
    --package) packages+=("${package_packages[@]}") ;;
    --cross-arm64) packages+=("${cross_packages[@]}"); cross=yes ;;
    --image) packages+=("${image_packages[@]}") ;;
    --fuzz) packages+=("${fuzz_packages[@]}") ;;
    *) echo "usage: $0 [--test] [--package] [--cross-arm64] [--image] [--fuzz]" >&2; exit 2 ;;
  esac
done

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
if [[ $cross == yes ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  "${sudo[@]}" dpkg --add-architecture arm64
fi

missing=()
for p in "${packages[@]}"; do
  [[ "$p" == "nodejs" || "$p" == "npm" ]] && { missing+=("$p"); continue; }
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if (( node_major < 18 )); then
  echo "install-deps: the browser app needs Node.js 18 or newer, found $(node --version 2>/dev/null || echo none)" >&2
  exit 1
fi
