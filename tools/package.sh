#!/usr/bin/env bash
# Builds the Debian package of the appliance from this checkout:
#   tools/package.sh amd64|arm64  ->  build/package/fabomatic_<version>_<arch>.deb
# It compiles the release binary itself (amd64 in build/package-amd64, arm64 with Debian's
# cross toolchain in build/cross-arm64, the directory tools/cross-test.sh also uses), lays it out
# with Debian's tooling (packaging/debian: dh, dh_installsystemd) and checks the result with
# lintian (errors fail the build). The version is the CMake project's, plus the commit
# (0.1.0+git<commits>.<hash>); set FABOMATIC_DEB_VERSION to choose another.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
arch=${1:-}
case "$arch" in
  amd64 | arm64) ;;
  *) echo "usage: $0 amd64|arm64" >&2; exit 2 ;;
esac
host_arch=$(dpkg --print-architecture)

if [[ "$arch" == "$host_arch" ]]; then
  tools/install-deps.sh --package
  build_dir=build/package-$arch
  cmake_args=(-DFABOMATIC_TESTS=OFF)
else
  [[ "$arch" == arm64 && "$host_arch" == amd64 ]] || {
    echo "$0: only amd64 natively and arm64 from amd64 are supported" >&2; exit 2; }
  tools/install-deps.sh --package --cross-arm64
  build_dir=build/cross-arm64
  cmake_args=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake")
fi

# Debian's hardening flags (as dpkg-buildflags gives them) on top of the project's release
# flavour (-O2 -g -DNDEBUG); the debug symbols go to the -dbgsym package.
hardening="-fstack-protector-strong -Wformat -Werror=format-security -D_FORTIFY_SOURCE=2"
hardening+=" -ffile-prefix-map=$root=."
tools/frontend-deps.sh # the portal embedded in the binary is bundled from them
# Configured once (a configuration that failed half-way left no build.ninja: again).
if [[ ! -f "$build_dir/build.ninja" ]]; then
  CXXFLAGS="$hardening" LDFLAGS="-Wl,-z,relro -Wl,-z,now" \
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFABOMATIC_REQUIRE_SYSTEMD=ON "${cmake_args[@]}" >/dev/null
fi
# The package is named after a commit: it must hold that commit's files, all of them. A file
# edited while the build ran makes objects compiled against two versions of a header (an arm64
# package built so crashed with SIGBUS at its first portal request): refused before and after.
changes() { git status --porcelain --untracked-files=no 2>/dev/null; }
tree_state() { git rev-parse HEAD 2>/dev/null; changes; }
before=$(tree_state)
if [[ -n "$(changes)" && -z "${FABOMATIC_DEB_VERSION:-}" ]]; then
  echo "$0: the checkout has uncommitted changes: commit them (or set FABOMATIC_DEB_VERSION)" >&2
  exit 1
fi
jobs=${FABOMATIC_JOBS:-2}
echo "== building fabomatic for $arch in $build_dir (-j$jobs)"
start=$SECONDS
cmake --build "$build_dir" -j "$jobs" --target fabomatic
echo "   build: $((SECONDS - start)) s"
if [[ "$(tree_state)" != "$before" ]]; then
  echo "$0: the checkout changed while fabomatic was being built: build again" >&2
  exit 1
fi

project_version=$(sed -n 's/^project(fabomatic VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
if [[ -n "${FABOMATIC_DEB_VERSION:-}" ]]; then
  version=$FABOMATIC_DEB_VERSION
elif git rev-parse --git-dir >/dev/null 2>&1; then
  version="$project_version+git$(git rev-list --count HEAD).$(git rev-parse --short=7 HEAD)"
else
  version=$project_version
fi
maintainer=${DEBFULLNAME:-$(git log -1 --format=%an 2>/dev/null || echo fabomatic)}
maintainer+=" <${DEBEMAIL:-$(git log -1 --format=%ae 2>/dev/null || echo root@localhost)}>"

# The staging tree dpkg-buildpackage works in; its results land in its parent, build/package.
out=build/package
stage=$out/fabomatic-$arch
rm -rf "$stage"
mkdir -p "$stage/prebuilt"
cp -r packaging/debian "$stage/debian"
sed -i "s|@MAINTAINER@|$maintainer|" "$stage/debian/control"
cat >"$stage/debian/changelog" <<CHANGELOG
fabomatic ($version) unstable; urgency=medium

  * Built by tools/package.sh from commit
    $(git rev-parse HEAD 2>/dev/null || echo unknown).

 -- $maintainer  $(date -R)
CHANGELOG
cp "$build_dir/fabomatic" "$stage/prebuilt/fabomatic"
cp README.md "$stage/prebuilt/README.md"

# The settings written on install: the project's example with the database and the data in
# /var/lib/fabomatic, and a placeholder for the secret key that postinst draws.
sed -e 's|^url = "sqlite:///database.sqldb"|url = "sqlite:////var/lib/fabomatic/database.sqldb"|' \
  -e 's|^secret_key = "[^"]*"|secret_key = "@SECRET_KEY@"|' \
  -e 's|^# \[backend\]$|[backend]|' \
  -e 's|^# data_dir = "\."   |data_dir = "/var/lib/fabomatic"|' \
  -e 's|Relative paths resolve against the working directory fabomatic starts in.|Relative paths resolve against /var/lib/fabomatic (the service'"'"'s working directory).|' \
  tools/settings.example.toml >"$stage/prebuilt/settings.toml.in"
for expected in '^url = "sqlite:////var/lib/fabomatic/database.sqldb"' \
  '^secret_key = "@SECRET_KEY@"' '^\[backend\]$' '^data_dir = "/var/lib/fabomatic"'; do
  grep -q "$expected" "$stage/prebuilt/settings.toml.in" || {
    echo "$0: tools/settings.example.toml changed: no line $expected in the packaged settings" >&2
    exit 1
  }
done

echo "== dpkg-buildpackage -a$arch ($version)"
(cd "$stage" && dpkg-buildpackage -b -a"$arch" -d --no-sign >../dpkg-buildpackage-$arch.log 2>&1) || {
  tail -30 "$out/dpkg-buildpackage-$arch.log"; exit 1; }
deb=$out/fabomatic_${version}_$arch.deb
[[ -f "$deb" ]] || { echo "$0: $deb was not made" >&2; exit 1; }

echo "== lintian"
lintian_out=$(lintian --fail-on error "$deb" 2>&1) || {
  echo "$lintian_out"; echo "$0: lintian found errors" >&2; exit 1; }
echo "${lintian_out:-   (no tags)}" | sed 's/^/   /'
echo "   errors: $(grep -c '^E:' <<<"$lintian_out" || true), warnings: $(grep -c '^W:' <<<"$lintian_out" || true)"

echo "== $deb: $(du -k "$deb" | cut -f1) KiB (installed binary $(du -k "$stage/debian/fabomatic/usr/bin/fabomatic" | cut -f1) KiB, stripped)"
dpkg-deb --field "$deb" Version Architecture Depends Installed-Size | sed 's/^/   /'
