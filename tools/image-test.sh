#!/usr/bin/env bash
# Boots the SD-card image under QEMU, asks it what a board and a browser would, then cuts its
# power while boards write and checks that nothing a board was told was recorded is lost:
#   tools/image-test.sh [build/image/fabomatic-<version>-arm64.img]
# (default: the newest image in build/image). No hardware: qemu-system-aarch64 -M virt boots the
# image's own Debian arm64 kernel and initramfs (read from its FAT partition) with a copy of the
# image, grown by 1 GiB, as its disk, so the first boot has a partition to grow. User-mode
# networking forwards ports 1883 and 23336 from a network namespace of the test's own (the
# appliance's real ports, whatever else runs on this machine) into the guest. Prints the boot
# figures: seconds from QEMU's start to the board's answer and to the portal's.
#
# The power cut (tools/power_cut.py): root on the serial console adds machines, members and
# board accounts; FABOMATIC_CUT_BOARDS boards (4) run startuse/stopuse back to back for
# FABOMATIC_CUT_SECONDS (8) and QEMU is killed (SIGKILL) under them; the database is read off
# the disk as the next boot would read it, every acknowledged write must be there, once; then
# the image boots again and answers a board through its account.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD
[[ $(id -u) -eq 0 ]] || { echo "$0: needs root (network namespace)" >&2; exit 1; }
# Everything after the installation runs in a network namespace of its own: ports 1883 and
# 23336 there are the appliance's, whatever else this machine runs.
if [[ -z "${FABOMATIC_IMAGE_TEST_NETNS:-}" ]]; then
  tools/install-deps.sh --image
  exec unshare --net env FABOMATIC_IMAGE_TEST_NETNS=1 "$0" "$@"
fi
ip link set lo up
image=${1:-$(ls -t build/image/fabomatic-*-arm64.img 2>/dev/null | head -1 || true)}
[[ -n "$image" && -f "$image" ]] || { echo "$0: no image; make one with tools/image.sh" >&2; exit 1; }
image=$(realpath "$image")
work=$root_dir/build/image-test
rm -rf "$work"
mkdir -p "$work"
timeout_s=${FABOMATIC_BOOT_TIMEOUT:-600}
cut_boards=${FABOMATIC_CUT_BOARDS:-4}
cut_seconds=${FABOMATIC_CUT_SECONDS:-8}

echo "== $image ($(du -m --apparent-size "$image" | cut -f1) MiB)"
# The kernel and initramfs named by the firmware's config.txt, from the FAT partition.
fat_offset=$(( $(sfdisk -J "$image" | python3 -c 'import json,sys; print(json.load(sys.stdin)["partitiontable"]["partitions"][0]["start"])') * 512 ))
mcopy -i "$image@@$fat_offset" ::config.txt "$work/config.txt"
kernel=$(sed -n 's/^kernel=//p' "$work/config.txt" | head -1)
initrd=$(sed -n 's/^initramfs \([^ ]*\).*/\1/p' "$work/config.txt" | head -1)
mcopy -i "$image@@$fat_offset" "::$kernel" "$work/vmlinuz"
mcopy -i "$image@@$fat_offset" "::$initrd" "$work/initrd.img"
echo "   kernel $kernel, initramfs $initrd"
cp --sparse=always "$image" "$work/disk.img"
truncate -s +1G "$work/disk.img"

cpu=${FABOMATIC_QEMU_CPU:-cortex-a72}
# Boots the disk under QEMU in the background, its serial console on a socket (and logged to
# $1), and sets $qemu to QEMU's pid. The network card has no option ROM (romfile=): the kernel
# is given directly, nothing boots from the network, and Debian's QEMU without its Recommends
# (ipxe-qemu) has none to load.
boot() {
  rm -f "$work/console.sock"
  qemu-system-aarch64 -M virt -cpu "$cpu" -smp 2 -m 1024 \
    -display none -monitor none \
    -chardev "socket,id=console,path=$work/console.sock,server=on,wait=off,logfile=$1" \
    -serial chardev:console \
    -kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
    -append "root=LABEL=RASPIROOT rw rootwait console=ttyAMA0 net.ifnames=0" \
    -drive "file=$work/disk.img,if=none,format=raw,id=disk" -device virtio-blk-pci,drive=disk \
    -netdev "user,id=net,hostfwd=tcp:127.0.0.1:1883-:1883,hostfwd=tcp:127.0.0.1:23336-:23336" \
    -device virtio-net-pci,netdev=net,romfile= 2>>"$work/qemu.log" &
  qemu=$!
  disown $qemu # killed on purpose below: no "Killed" report from bash
  # QEMU refusing its command line ends at once: say so now, not after the probe's wait.
  sleep 2
  kill -0 $qemu 2>/dev/null || { echo "$0: QEMU did not start:" >&2; cat "$work/qemu.log" >&2; exit 1; }
}
# Whatever stops the test, QEMU goes too (and the test's own exit status stays: under set -e a
# failing trap command would replace it).
trap 'kill -9 "${qemu:-none}" 2>/dev/null || true' EXIT
# Ends QEMU with signal $1 and waits until it is gone.
stop_qemu() {
  kill -s "$1" $qemu 2>/dev/null
  for _ in $(seq 1 300); do kill -0 $qemu 2>/dev/null || return 0; sleep 0.1; done
}

echo "== first boot: qemu-system-aarch64 -M virt -cpu $cpu -smp 2 -m 1024 (console: $work/console.log)"
set +e
start=$(date +%s.%N)
boot "$work/console.log"
# The image is a new installation: a board without an account is refused (CONNACK 0x05),
# which is the broker answering.
python3 tools/appliance_probe.py --wait "$timeout_s" --anonymous-refused-ok >"$work/probe.txt"
status=$?
end=$(date +%s.%N)
echo "boot to both answers: $(python3 -c "print(round($end - $start, 1))") s" >>"$work/probe.txt"
sed 's/^/   /' "$work/probe.txt"
# The console lines of the first boot need a few seconds more after the portal answers.
for _ in $(seq 1 60); do grep -aq "admin portal on" "$work/console.log" && break; sleep 1; done
sleep 2

# Power cut: boards write through their accounts while QEMU is killed (SIGKILL): the guest's
# page cache is lost, what it had written to its disk stays.
echo "== power cut while $cut_boards boards write (console: root, as on a Pi's screen)"
python3 tools/power_cut.py cut --console "$work/console.sock" --qemu-pid "$qemu" \
  --boards "$cut_boards" --seconds "$cut_seconds" --out "$work/acked.json" >"$work/acked.txt" 2>&1
cut_status=$?
sed 's/^/   /' "$work/acked.txt"
stop_qemu KILL

# What the disk kept, read the way the next boot reads it: the root partition's ext4 journal
# replayed (e2fsck), then the database and its write-ahead log copied out (debugfs), and SQLite
# recovering the log when it opens them.
echo "== the database on the disk after the cut"
rm -rf "$work/after-cut"
mkdir -p "$work/after-cut"
read -r root_start root_size < <(sfdisk -J "$work/disk.img" | python3 -c \
  'import json,sys; p=json.load(sys.stdin)["partitiontable"]["partitions"][1]; print(p["start"], p["size"])')
dd if="$work/disk.img" of="$work/after-cut/root.ext4" bs=512 skip="$root_start" count="$root_size" \
  conv=sparse status=none
e2fsck -fy "$work/after-cut/root.ext4" >"$work/after-cut/e2fsck.txt" 2>&1
fsck_status=$?
for file in database.sqldb database.sqldb-wal; do
  debugfs -R "dump /var/lib/fabomatic/$file $work/after-cut/$file" "$work/after-cut/root.ext4" \
    >/dev/null 2>&1 || true
done
debugfs -R "dump /root/power-cut-canary $work/after-cut/canary" "$work/after-cut/root.ext4" \
  >/dev/null 2>&1 || true
if [[ -s "$work/after-cut/canary" ]]; then
  echo "   a file written without a sync just before the cut: kept (the file system committed it in time)"
else
  echo "   a file written without a sync just before the cut: lost, as unsynced writes are in a power cut"
fi
rm -f "$work/after-cut/root.ext4"
cut_verify=1
if [[ $cut_status -eq 0 && -f "$work/after-cut/database.sqldb" ]]; then
  python3 tools/power_cut.py verify --db "$work/after-cut" --acked "$work/acked.json" \
    >"$work/cut.txt" 2>&1
  cut_verify=$?
  sed 's/^/   /' "$work/cut.txt"
fi

# After the cut the appliance boots again and answers a board through its account.
echo "== boot after the power cut (console: $work/console-after-cut.log)"
start=$(date +%s.%N)
boot "$work/console-after-cut.log"
account=()
if [[ -f "$work/acked.json" ]]; then
  mapfile -t account < <(python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["accounts"]["1"]; print(a[0]); print(a[1])' "$work/acked.json")
fi
python3 tools/appliance_probe.py --wait "$timeout_s" --machine 1 \
  ${account[0]:+--username "${account[0]}" --password "${account[1]}"} >"$work/probe-after-cut.txt"
reboot_status=$?
end=$(date +%s.%N)
sed 's/^/   /' "$work/probe-after-cut.txt"
echo "   boot to both answers after the cut: $(python3 -c "print(round($end - $start, 1))") s"
stop_qemu TERM
set -e

passed=0
failed=0
check() {
  if "${@:2}" >/dev/null 2>&1; then echo "ok - $1"; passed=$((passed + 1)); else echo "FAIL - $1"; failed=$((failed + 1)); fi
}
board_s=$(sed -n 's/.*broker answered on .* after \([0-9.]*\) s.*/\1/p' "$work/probe.txt")
portal_s=$(sed -n 's/.*portal answered on .* after \([0-9.]*\) s.*/\1/p' "$work/probe.txt")
check "booted under QEMU: the broker answered a board after ${board_s:-?} s (refused without an account)" \
  grep -q '^ok - broker answered' "$work/probe.txt"
check "the portal answered after ${portal_s:-?} s" grep -q '^ok - portal answered' "$work/probe.txt"
check "first boot grew the root file system: $(grep -ao 'grown from [^ ]* to [^ ]*' "$work/console.log" | head -1)" \
  grep -aq 'fabomatic-firstboot: root file system .* grown' "$work/console.log"
check "the console shows the certificate's fingerprint and the portal's address" \
  sh -c "grep -aq 'SHA-256 fingerprint' '$work/console.log' && grep -aq 'admin portal on https://fabomatic' '$work/console.log'"
check "the console shows the first start's one-time setup code: $(grep -ao 'setup code [0-9A-Z-]*' "$work/console.log" | head -1)" \
  grep -aq 'console: first start: .*setup code [0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}' "$work/console.log"
check "systemd got READY=1 with fabomatic's status: $(grep -ao 'fabomatic.service active: [^(]*' "$work/console.log" | head -1 | tr -d '\r')" \
  grep -aq 'fabomatic.service active: broker on port 1883' "$work/console.log"
check "systemd receives the watchdog pings (WatchdogSec)" grep -aq 'watchdog pings arriving' "$work/console.log"
check "SSH is off" sh -c "! grep -aq 'Started .*ssh\.service' '$work/console.log'"
check "power cut: $(grep -o '[0-9]* writes acknowledged, [0-9]* in flight' "$work/acked.txt" 2>/dev/null || echo 'no writes')" \
  test "$cut_status" -eq 0
check "after the cut the disk holds every acknowledged write, once: $(grep -o 'found after the power cut: [0-9]* of [0-9]*' "$work/cut.txt" 2>/dev/null || echo '?') (e2fsck status $fsck_status)" \
  test "$cut_verify" -eq 0
check "after the cut the appliance boots again and answers a board through its account" \
  test "$reboot_status" -eq 0
echo "$passed passed, $failed failed"
[[ $status -eq 0 && $failed -eq 0 ]]
