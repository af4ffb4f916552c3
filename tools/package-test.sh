#!/usr/bin/env bash
# Installs the amd64 package on a fresh Debian 12 and checks what its users rely on:
#   tools/package-test.sh [build/package/fabomatic_<version>_amd64.deb]
# (default: the newest amd64 package in build/package; made by tools/package.sh amd64 if none).
#
# The fresh Debian 12 is a minbase chroot made by mmdebstrap (kept as a tarball in
# build/package-test and unpacked anew for every run). No systemd runs in a chroot, so the
# service is started the way its unit does (ExecStart as the unit's User, in its
# WorkingDirectory, with its UMask), with $NOTIFY_SOCKET and $WATCHDOG_USEC set as systemd would
# set them, inside a network namespace of its own (ports 1883 and 23336 there, whatever else this
# machine runs). Checked: install, start, READY/WATCHDOG/STOPPING notifications, a board question
# on 1883, the portal on 23336, apt remove keeps the data, reinstall finds it, purge removes it,
# and the import of a Python FabOMatic's settings and database.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD
[[ $(id -u) -eq 0 ]] || { echo "$0: needs root (chroot, mounts, network namespace)" >&2; exit 1; }
tools/install-deps.sh --package --image

deb=${1:-$(ls -t build/package/fabomatic_*_amd64.deb 2>/dev/null | head -1 || true)}
if [[ -z "$deb" ]]; then
  tools/package.sh amd64
  deb=$(ls -t build/package/fabomatic_*_amd64.deb | head -1)
fi
deb=$(realpath "$deb")
work=$root_dir/build/package-test
base=$work/bookworm-amd64-minbase.tar
rootfs=$work/rootfs
mkdir -p "$work"

passed=0
failed=0
check() { # check "what" command...
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    echo "ok - $what"
    passed=$((passed + 1))
  else
    echo "FAIL - $what"
    failed=$((failed + 1))
  fi
}

cleanup() {
  [[ -n "${notify_pid:-}" ]] && kill "$notify_pid" 2>/dev/null || true
  umount "$rootfs/proc" 2>/dev/null || true
}
trap cleanup EXIT

if [[ ! -f "$base" ]]; then
  echo "== mmdebstrap: Debian 12 minbase (once; kept as $base)"
  mmdebstrap --variant=minbase --mode=root bookworm "$work/incomplete.tar" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >"$work/mmdebstrap.log" 2>&1 ||
    { tail -20 "$work/mmdebstrap.log"; exit 1; }
  mv "$work/incomplete.tar" "$base"
fi
echo "== fresh Debian 12 chroot in $rootfs"
umount "$rootfs/proc" 2>/dev/null || true
rm -rf "$rootfs"
mkdir -p "$rootfs"
tar -xf "$base" -C "$rootfs"
mount -t proc proc "$rootfs/proc"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
cp "$deb" "$rootfs/tmp/"
pkg=/tmp/$(basename "$deb")
in_root() { chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get update -q >"$work/apt.log" 2>&1

# The unit as installed: its ExecStart, User, WorkingDirectory and UMask are what we run.
unit_value() { sed -n "s/^$1=//p" "$rootfs/lib/systemd/system/fabomatic.service" | head -1; }

notify_log=$work/notify.log
# A stand-in for systemd's notification socket, inside the chroot's /run.
start_notify_listener() {
  : >"$notify_log"
  rm -f "$rootfs/run/fabomatic.notify"
  python3 -c '
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path): os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
with open(out, "a") as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        f.flush()
' "$rootfs/run/fabomatic.notify" "$notify_log" &
  notify_pid=$!
  for _ in $(seq 1 100); do [[ -S "$rootfs/run/fabomatic.notify" ]] && return; sleep 0.1; done
  echo "$0: the notification socket stand-in did not start" >&2
  exit 1
}

# run_service NAME [MACHINE [PROBE OPTIONS]]: starts the service as its unit would, in a network
# namespace of its own, probes it from inside that namespace (appliance_probe.py with the
# options given: a board account, or --anonymous-refused-ok), waits 3 s for watchdog pings,
# stops it with SIGTERM.
run_service() {
  local name=$1 log=$work/service-$1.log
  local exec_start user workdir umask_value
  exec_start=$(unit_value ExecStart)
  user=$(unit_value User)
  workdir=$(unit_value WorkingDirectory)
  umask_value=$(unit_value UMask)
  start_notify_listener
  echo "== run $name: $exec_start (as $user, in $workdir, umask $umask_value)"
  unshare --net bash -c '
    ip link set lo up
    chroot --userspec="$1:$1" "$2" /usr/bin/env -i PATH=/usr/bin:/bin HOME="$3" \
      NOTIFY_SOCKET=/run/fabomatic.notify WATCHDOG_USEC=2000000 \
      sh -c "cd \"$3\" && umask $4 && exec $5" >"$6" 2>&1 &
    service=$!
    python3 "$7/tools/appliance_probe.py" --wait 60 --machine "$8" $9
    probe=$?
    sleep 3
    kill -TERM $service
    wait $service
    echo "exit status $?" >>"$6"
    exit $probe
  ' run "$user" "$rootfs" "$workdir" "$umask_value" "$exec_start" "$log" "$root_dir" "${2:-1}" \
    "${3:-}" |
    sed 's/^/   /' | tee "$work/probe-$name.txt"
  kill "$notify_pid" 2>/dev/null || true
  wait "$notify_pid" 2>/dev/null || true
  notify_pid=
  check "$name: board question and portal answered (probe above)" grep -q '^   probe: .*all passed' "$work/probe-$name.txt"
  check "$name: READY=1 sent once listening" grep -q 'READY=1' "$notify_log"
  check "$name: WATCHDOG=1 pings from the reactor ($(grep -c WATCHDOG=1 "$notify_log") in 3+ s at WATCHDOG_USEC=2 s)" \
    test "$(grep -c 'WATCHDOG=1' "$notify_log")" -ge 2
  check "$name: STOPPING=1 at SIGTERM, exit status 0" \
    sh -c "grep -q STOPPING=1 '$notify_log' && grep -q '^exit status 0' '$log'"
}

echo "== install $(basename "$deb")"
in_root apt-get install -y -q "$pkg" >"$work/install-1.log" 2>&1 || { tail -20 "$work/install-1.log"; exit 1; }
check "apt-get install of the .deb on a fresh Debian 12 (dependencies from Debian)" in_root dpkg -s fabomatic
check "system user fabomatic exists" in_root id fabomatic
check "/etc/fabomatic/settings.toml written on install, root:fabomatic 0640" \
  test "$(in_root stat -c '%U:%G %a' /etc/fabomatic/settings.toml)" = "root:fabomatic 640"
check "its secret key was drawn at install" \
  sh -c "grep -Eq '^secret_key = \"[0-9a-f]{64}\"' '$rootfs/etc/fabomatic/settings.toml'"
check "its database and data_dir are in /var/lib/fabomatic" \
  sh -c "grep -q '^url = \"sqlite:////var/lib/fabomatic/database.sqldb\"' '$rootfs/etc/fabomatic/settings.toml' && grep -q '^data_dir = \"/var/lib/fabomatic\"' '$rootfs/etc/fabomatic/settings.toml'"
check "/var/lib/fabomatic owned by fabomatic, 0750" \
  test "$(in_root stat -c '%U:%G %a' /var/lib/fabomatic)" = "fabomatic:fabomatic 750"
check "unit enabled (multi-user.target.wants)" test -L "$rootfs/etc/systemd/system/multi-user.target.wants/fabomatic.service"
check "binary stripped and runs: $(in_root fabomatic --version)" in_root fabomatic --version
exposure=$(systemd-analyze security --offline=true "$rootfs/lib/systemd/system/fabomatic.service" 2>/dev/null |
  sed -n 's/.*Overall exposure level for fabomatic.service: \([0-9.]*\).*/\1/p')
check "unit sandboxed: systemd-analyze security exposure ${exposure:-?} (at most 2.0)" \
  systemd-analyze security --offline=true --threshold=20 "$rootfs/lib/systemd/system/fabomatic.service"

# A new installation refuses boards without an account (allow_anonymous = false): the broker's
# CONNACK 0x05 is its answer.
run_service first 1 --anonymous-refused-ok
log1=$work/service-first.log
check "a new installation refuses anonymous boards (allow_anonymous = false)" \
  grep -q 'anonymous board is refused' "$work/probe-first.txt"
check "first start created the database in /var/lib/fabomatic" grep -q 'created a new database /var/lib/fabomatic/database.sqldb' "$log1"
check "first start created the certificate in /var/lib/fabomatic" grep -q 'created self-signed certificate /var/lib/fabomatic/' "$log1"
fingerprint=$(sed -n 's/.*SHA-256 fingerprint \([0-9A-Fa-f:]*\).*/\1/p' "$log1" | head -1)
settings_sum=$(md5sum <"$rootfs/etc/fabomatic/settings.toml")
db_sum=$(md5sum <"$rootfs/var/lib/fabomatic/database.sqldb")

echo "== apt remove"
in_root apt-get remove -y -q fabomatic >"$work/remove.log" 2>&1
check "apt remove: package removed" sh -c "! test -e '$rootfs/usr/bin/fabomatic'"
check "apt remove: database kept" test -f "$rootfs/var/lib/fabomatic/database.sqldb"
check "apt remove: certificate kept" sh -c "ls '$rootfs'/var/lib/fabomatic/*.pem >/dev/null"
check "apt remove: settings kept" test -f "$rootfs/etc/fabomatic/settings.toml"

echo "== reinstall"
in_root apt-get install -y -q "$pkg" >"$work/install-2.log" 2>&1
check "reinstall: settings unchanged" test "$(md5sum <"$rootfs/etc/fabomatic/settings.toml")" = "$settings_sum"
check "reinstall: database unchanged" test "$(md5sum <"$rootfs/var/lib/fabomatic/database.sqldb")" = "$db_sum"
# A board account made on the command line as the service's user, as an admin would.
secret=$(chroot --userspec=fabomatic:fabomatic "$rootfs" /usr/bin/env -i PATH=/usr/bin:/bin \
  sh -c 'cd /var/lib/fabomatic && fabomatic --config /etc/fabomatic/settings.toml board-account create 1 --json' |
  sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')
check "fabomatic board-account create 1 as the service's user printed a secret" test -n "$secret"
run_service second 1 "--username board-1 --password $secret"
log2=$work/service-second.log
check "second start: the board answered with its account" \
  grep -q '^   ok - board answered' "$work/probe-second.txt"
check "second start found the database (none created)" sh -c "! grep -q 'created a new database' '$log2'"
check "second start found the certificate (same fingerprint ${fingerprint:0:17}...)" \
  grep -q "using self-signed certificate .*$fingerprint" "$log2"

echo "== apt purge"
in_root apt-get purge -y -q fabomatic >"$work/purge.log" 2>&1
check "purge: /var/lib/fabomatic removed" sh -c "! test -e '$rootfs/var/lib/fabomatic'"
check "purge: /etc/fabomatic removed" sh -c "! test -e '$rootfs/etc/fabomatic'"

echo "== from a Python FabOMatic: its /etc/FabOMatic/settings.toml and database"
mkdir -p "$rootfs/etc/FabOMatic"
# The old tool's files have no allow_anonymous: its boards keep working (legacy mode). This one
# was saved by a Windows editor: a byte order mark, then at once its first section header.
printf '\357\273\277' >"$rootfs/etc/FabOMatic/settings.toml"
sed -e '1,/^\[database\]/{/^\[database\]/!d}' -e 's|^secret_key = .*|secret_key = "python-secret-kept"|' \
  -e '/^allow_anonymous/d' tools/settings.example.toml >>"$rootfs/etc/FabOMatic/settings.toml"
cp tests/fixtures/legacy-db/database-0.2.11.db "$rootfs/tmp/old.sqldb"
in_root apt-get install -y -q "$pkg" >"$work/install-3.log" 2>&1
check "install offered and made the import (debconf default yes): secret key kept" \
  grep -q '^secret_key = "python-secret-kept"' "$rootfs/etc/fabomatic/settings.toml"
check "imported settings point into /var/lib/fabomatic" \
  sh -c "grep -q '^url = \"sqlite:////var/lib/fabomatic/database.sqldb\"' '$rootfs/etc/fabomatic/settings.toml' && grep -q '^data_dir = \"/var/lib/fabomatic\"' '$rootfs/etc/fabomatic/settings.toml'"
in_root fabomatic-import --no-restart --database /tmp/old.sqldb >"$work/import.log" 2>&1
check "fabomatic-import --database: the Python database is in place" \
  test "$(in_root stat -c %U /var/lib/fabomatic/database.sqldb)" = fabomatic
run_service python-import 1
check "the Python database was upgraded at start (backup written)" grep -q 'upgraded /var/lib/fabomatic/database.sqldb from revision dfd2b0db0016' "$work/service-python-import.log"
check "its machine 1 (LASER 1) is known to the board question" grep -q '"is_valid":true' "$work/probe-python-import.txt"
in_root apt-get purge -y -q fabomatic >>"$work/purge.log" 2>&1

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
