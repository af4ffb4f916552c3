#!/usr/bin/env bash
# What one sync of the database's log costs on a disk: fio appends what one board write's commit
# appends to the log -- 6 frames of 24 + 4096 bytes, 24720 bytes (tools/wal_frames.py counts
# them) -- to a file in the given folder (default: ./data, where tools/run.sh keeps the
# database) and fdatasyncs after each, as the appliance does once per reactor turn that answered
# a write. Run it on the Pi's SD card to see what a board's startuse or stopuse waits for there.
#   tools/sync_bench.sh [FOLDER] [SECONDS]
set -euo pipefail
folder=${1:-data}
seconds=${2:-20}
if ! command -v fio >/dev/null; then
  echo "Installing fio"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -q >/dev/null
  "${sudo[@]}" apt-get install -y -q --no-install-recommends fio >/dev/null
fi
mkdir -p "$folder"
file="$folder/.fabomatic-sync-bench"
trap 'rm -f "$file"' EXIT
fio --name=wal-sync --filename="$file" --rw=write --bs=24720 --size=64m --ioengine=sync \
    --fdatasync=1 --time_based --runtime="$seconds" --output-format=json --output="$file.json" \
    >/dev/null
/usr/bin/python3 - "$file.json" "$folder" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
sync = job["sync"]["lat_ns"]
pct = sync.get("percentile", {})
def ms(ns): return ns / 1e6
p50 = ms(pct.get("50.000000", sync["mean"]))
p99 = ms(pct.get("99.000000", sync["max"]))
print(f"fdatasync after a 24720-byte append (one write's commit) in {sys.argv[2]}: {sync['N']} syncs, "
      f"mean {ms(sync['mean']):.3f} ms, p50 {p50:.3f} ms, p99 {p99:.3f} ms")
print("A board's acknowledged write waits for one such sync, shared with every other write "
      "answered in the same turn of the reactor;")
print(f"20 boards writing at once: about {p50:.3f} ms added to each reply, "
      f"{p50 / 20:.3f} ms of disk time per write.")
PY
rm -f "$file.json"
