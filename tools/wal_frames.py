#!/usr/bin/python3
"""What one board write adds to the database's log, and so what each sync has to carry to the disk.

Starts the appliance on a seeded database (as tools/backend_bench.py does), lets board-sim's
boards send startuse/stopuse, and follows the appliance with `strace`: every WAL frame is a
24-byte header write followed by its 4096-byte page, and the header of a transaction's last
frame carries the database size, so the frames of each commit can be counted from outside.
strace slows the appliance down (more commits share a sync than without it); the frames per
commit do not depend on that.

    /usr/bin/python3 tools/wal_frames.py --fabomatic build/release/fabomatic [--boards 20]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import backend_bench  # noqa: E402  (the appliance, the seed and board-sim, shared)

FRAME_HEADER = 24
PAGE = 4096
WRITE = re.compile(r'^\d+\s+pwrite64\(\d+, "((?:\\x[0-9a-f]{2})*)", (\d+), \d+\)\s+=\s+\d+')


def frames_per_commit(trace_path):
    """Frames of each committed transaction, in order, from `strace -xx` pwrite64 lines."""
    commits, frames = [], 0
    with open(trace_path) as trace:
        for line in trace:
            m = WRITE.match(line)
            if not m or int(m.group(2)) != FRAME_HEADER:
                continue
            header = bytes.fromhex(m.group(1).replace("\\x", ""))
            frames += 1
            if int.from_bytes(header[4:8], "big") != 0:  # commit frame: database size in pages
                commits.append(frames)
                frames = 0
    return commits


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fabomatic", required=True)
    ap.add_argument("--board-sim")
    ap.add_argument("--boards", type=int, default=20)
    ap.add_argument("--rate", type=float, default=10, help="queries per second per board")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--mix", default="startuse=1,stopuse=1")
    args = ap.parse_args()
    if shutil.which("strace") is None:
        sys.exit("strace is not installed (tools/install-deps.sh --test)")
    board_sim = backend_bench.find_tool(args.board_sim, args.fabomatic, "board-sim")

    with tempfile.TemporaryDirectory(prefix="fabomatic-wal-") as directory:
        db_path = os.path.join(directory, "database.sqldb")
        first, _ = backend_bench.start_fabomatic(args.fabomatic, directory, db_path, "first")
        first.stop()  # the first start created the schema; seed it as the benchmark does
        backend_bench.seed(db_path)
        proc, port = backend_bench.start_fabomatic(args.fabomatic, directory, db_path, "fabomatic")
        trace_path = os.path.join(directory, "strace.txt")
        strace = subprocess.Popen(["strace", "-f", "-qq", "-xx", "-s", str(FRAME_HEADER),
                                   "-e", "trace=pwrite64", "-p", str(proc.pid), "-o", trace_path])
        try:
            time.sleep(1)  # strace attached
            run = argparse.Namespace(paced_duration=args.seconds, duration=args.seconds, warmup=2,
                                     mix=args.mix)
            result = backend_bench.bench(board_sim, port, args.boards, run, args.rate)
        finally:
            strace.terminate()
            strace.wait()
            proc.stop()
        commits = frames_per_commit(trace_path)

    if not commits:
        sys.exit("no commit seen in the trace")
    commits.sort()
    n = len(commits)
    mean = sum(commits) / n
    print(f"{args.boards} boards, {args.mix}: {result['replies']} replies measured, {n} commits "
          f"traced (warm-up included)")
    print(f"frames per commit: p50 {commits[n // 2]}, p90 {commits[int(n * 0.9)]}, "
          f"max {commits[-1]}, mean {mean:.2f}")
    print(f"bytes a commit appends to the log: p50 {commits[n // 2] * (FRAME_HEADER + PAGE)}, "
          f"mean {mean * (FRAME_HEADER + PAGE):.0f} (a frame is {FRAME_HEADER} + {PAGE} bytes)")


if __name__ == "__main__":
    main()
