#!/usr/bin/env python3
"""Repeated runs of one case of the durability benchmark: N boards writing at a steady rate.

The goal of the reply to a write (issue 15) is stated for one case, 20 boards paced at 10
queries/s each, every query a startuse or stopuse whose reply waits for its synced commit. One
run of tools/backend_bench.py gives one figure of it; the disk of a virtual machine changes from
one minute to the next, so this runs that case again and again on one appliance and prints, per
run, the reply latency and the syncs the replies waited for (the appliance's own
fabomatic_board_sync_seconds histogram, so "<= 0.5" is the bucket the percentile falls in).

  tools/write_p99_runs.py [--fabomatic build/release/fabomatic] [--runs 6] [--boards 20]
                          [--rate 10] [--seconds 10]

A first run of the same length warms the appliance up and is not counted. It reuses
backend_bench.py's start, seed and measuring functions, so both print comparable figures.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
import types

import backend_bench as bench


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fabomatic", default=os.path.join(bench.ROOT, "build", "release", "fabomatic"))
    parser.add_argument("--board-sim")
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0, help="queries per second per board")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--mix", default="startuse=1,stopuse=1")
    args = parser.parse_args()
    if args.runs < 1 or args.boards < 1 or args.rate <= 0 or args.seconds <= 0:
        sys.exit("--runs, --boards, --rate and --seconds must be positive")
    args.fabomatic = os.path.abspath(args.fabomatic)
    board_sim = bench.find_tool(args.board_sim, args.fabomatic, "board-sim")
    sim_args = types.SimpleNamespace(duration=args.seconds, paced_duration=args.seconds,
                                     warmup=1.0, mix=args.mix)

    directory = tempfile.mkdtemp(prefix="write-p99-")
    proc = None
    try:
        db_path = os.path.join(directory, "bench.sqldb")
        first, _ = bench.start_fabomatic(args.fabomatic, directory, db_path, "fabomatic-init")
        first.stop()
        bench.seed(db_path)
        proc, port = bench.start_fabomatic(args.fabomatic, directory, db_path, "fabomatic")
        bench.bench(board_sim, port, args.boards, sim_args, args.rate)  # warm-up, not counted
        p99s = []
        print(f"# {args.boards} boards, {args.rate:g}/s each, mix {args.mix}, {args.seconds:g} s per run")
        for n in range(1, args.runs + 1):
            before = bench.sync_buckets(proc)
            result = bench.bench(board_sim, port, args.boards, sim_args, args.rate)
            syncs = bench.sync_figures(before, bench.sync_buckets(proc))
            p99s.append(result["p99_us"])
            print(f"run {n} {time.strftime('%H:%M:%S', time.gmtime())}: reply p50 "
                  f"{result['p50_us'] / 1e3:.2f} ms, p99 {result['p99_us'] / 1e3:.2f} ms, max "
                  f"{result['max_us'] / 1e3:.2f} ms, {result['replies']} replies, "
                  f"{result['timeouts']} timeouts; {syncs['syncs']} syncs, p50 <= "
                  f"{syncs['p50_le_ms']:g} ms, p99 <= {syncs['p99_le_ms']:g} ms", flush=True)
        under = sum(1 for p in p99s if p < 2000)
        print(f"p99 under 2 ms in {under} of {len(p99s)} runs; "
              f"p99 from {min(p99s) / 1e3:.2f} to {max(p99s) / 1e3:.2f} ms")
    finally:
        if proc:
            proc.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
