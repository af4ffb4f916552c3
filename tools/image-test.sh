#!/usr/bin/env bash
# Boots the SD-card image under QEMU and asks it what a board and a browser would:
#   tools/image-test.sh [build/image/fabomatic-<version>-arm64.img]
# (default: the newest image in build/image). No hardware: qemu-system-aarch64 -M virt boots the
# image's own Debian arm64 kernel and initramfs (read from its FAT partition) with a copy of the
# image, grown by 1 GiB, as its disk, so the first boot has a partition to grow. User-mode
# networking forwards ports 1883 and 23336 from a network namespace of the test's own (the
# appliance's real ports, whatever else runs on this machine) into the guest. Prints the boot
# figures: seconds from QEMU's start to the board's answer and to the portal's.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD
[[ $(id -u) -eq 0 ]] || { echo "$0: needs root (network namespace)" >&2; exit 1; }
tools/install-deps.sh --image
image=${1:-$(ls -t build/image/fabomatic-*-arm64.img 2>/dev/null | head -1 || true)}
[[ -n "$image" && -f "$image" ]] || { echo "$0: no image; make one with tools/image.sh" >&2; exit 1; }
image=$(realpath "$image")
work=$root_dir/build/image-test
rm -rf "$work"
mkdir -p "$work"
timeout_s=${FABOMATIC_BOOT_TIMEOUT:-600}

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
echo "== qemu-system-aarch64 -M virt -cpu $cpu -smp 2 -m 1024 (console: $work/console.log)"
set +e
unshare --net bash -c '
  ip link set lo up
  work=$1 cpu=$2 timeout_s=$3 root_dir=$4
  start=$(date +%s.%N)
  qemu-system-aarch64 -M virt -cpu "$cpu" -smp 2 -m 1024 \
    -display none -monitor none -serial "file:$work/console.log" \
    -kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
    -append "root=LABEL=RASPIROOT rw rootwait console=ttyAMA0 net.ifnames=0" \
    -drive "file=$work/disk.img,if=none,format=raw,id=disk" -device virtio-blk-pci,drive=disk \
    -netdev "user,id=net,hostfwd=tcp:127.0.0.1:1883-:1883,hostfwd=tcp:127.0.0.1:23336-:23336" \
    -device virtio-net-pci,netdev=net &
  qemu=$!
  # The image is a new installation: a board without an account is refused (CONNACK 0x05),
  # which is the broker answering.
  python3 "$root_dir/tools/appliance_probe.py" --wait "$timeout_s" --anonymous-refused-ok \
    >"$work/probe.txt"
  status=$?
  end=$(date +%s.%N)
  cat "$work/probe.txt"
  echo "boot to both answers: $(python3 -c "print(round($end - $start, 1))") s" | tee -a "$work/probe.txt"
  # The console lines of the first boot need a few seconds more after the portal answers.
  for _ in $(seq 1 60); do grep -aq "admin portal on" "$work/console.log" && break; sleep 1; done
  sleep 2
  kill $qemu
  wait $qemu 2>/dev/null
  exit $status
' boot "$work" "$cpu" "$timeout_s" "$root_dir" | sed 's/^/   /'
status=${PIPESTATUS[0]}
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
echo "$passed passed, $failed failed"
[[ $status -eq 0 && $failed -eq 0 ]]
