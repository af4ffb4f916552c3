#!/usr/bin/env python3
"""Export benchmark (issue 14): the time and the memory of exporting 1,000,000 uses to CSV and
to xlsx while 200 simulated boards keep querying, and what that does to their reply latency.

On loopback: fabomatic on a database of 200 machines and 1 M closed uses (made as
tools/backend_bench.py makes its own), `board-sim bench` with 200 boards at --rate queries/s
each, run back to back for as long as each export lasts (and once before, without any
export, for comparison). The export is downloaded over HTTPS by a signed-in admin and
discarded as it arrives. fabomatic's RSS is sampled every 20 ms: the report gives its idle RSS
(boards connected and querying, no export) and the peak during each export above that.

  tools/export_bench.py [--fabomatic build/release/fabomatic] [--board-sim PATH]
                        [--rate 10] [--uses 1000000]

Goal (issue 14): memory flat, under 50 MB above idle; board reply p99 under 2 ms.
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))

import backend_bench as bb  # noqa: E402  seed(), the 1 M uses, board-sim helpers
from fabomatic_testing.https import sign_in_admin  # noqa: E402
from fabomatic_testing.process import Fabomatic  # noqa: E402

ADMIN_EMAIL = "admin@export-bench.local"


def add_uses(db_path, count):
    if count == bb.MILLION:
        return bb.add_million_uses(db_path)
    saved = bb.MILLION
    bb.MILLION = count
    try:
        return bb.add_million_uses(db_path)
    finally:
        bb.MILLION = saved


class RssSampler(threading.Thread):
    """VmRSS of `pid` every 20 ms while running; peak() since the last reset()."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.max_kib = 0

    def run(self):
        while not self.stop_flag.is_set():
            value = bb.rss_kib(self.pid)
            with self.lock:
                self.max_kib = max(self.max_kib, value)
            time.sleep(0.02)

    def reset(self):
        with self.lock:
            self.max_kib = bb.rss_kib(self.pid)

    def peak(self):
        with self.lock:
            return self.max_kib


class BoardLoad(threading.Thread):
    """`board-sim bench` runs of `chunk` seconds, back to back, until stopped."""

    def __init__(self, board_sim, port, boards, rate, chunk):
        super().__init__(daemon=True)
        self.argv = [board_sim, "bench", "--port", str(port), "--boards", str(boards),
                     "--rate", str(rate), "--duration", str(chunk), "--warmup", "1",
                     "--cards", ",".join(bb.CARDS), "--seed", "7"]
        self.stop_flag = threading.Event()
        self.results = []

    def run(self):
        while not self.stop_flag.is_set():
            out = subprocess.run(self.argv, capture_output=True, text=True, timeout=300,
                                 preexec_fn=bb.raise_fd_limit)
            for line in out.stdout.splitlines():
                if line.startswith("RESULT "):
                    self.results.append(json.loads(line[len("RESULT "):]))

    def summary(self):
        if not self.results:
            return {"runs": 0}
        return {"runs": len(self.results),
                "replies": sum(r["replies"] for r in self.results),
                "p50_us_max": max(r["p50_us"] for r in self.results),
                "p99_us_max": max(r["p99_us"] for r in self.results),
                "timeouts": sum(r["timeouts"] for r in self.results)}


def download(appliance, session, path):
    """Streams GET `path` and discards it; returns (bytes, seconds, rows for CSV)."""
    conn = http.client.HTTPSConnection("127.0.0.1", appliance.web_port, timeout=600,
                                       context=appliance.tls_context())
    started = time.monotonic()
    conn.request("GET", path, headers={"Cookie": session.cookie})
    response = conn.getresponse()
    if response.status != 200:
        sys.exit(f"GET {path} answered {response.status}: {response.read()[:300]!r}")
    size = lines = 0
    while True:
        chunk = response.read(1 << 16)
        if not chunk:
            break
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    conn.close()
    return size, time.monotonic() - started, lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fabomatic", default=os.path.join(ROOT, "build", "release", "fabomatic"))
    parser.add_argument("--board-sim")
    parser.add_argument("--rate", type=float, default=10.0, help="queries/s per board")
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--uses", type=int, default=bb.MILLION)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    args.fabomatic = os.path.abspath(args.fabomatic)
    os.environ["FABOMATIC_BIN"] = args.fabomatic
    board_sim = bb.find_tool(args.board_sim, args.fabomatic, "board-sim")

    directory = tempfile.mkdtemp(prefix="export-bench-")
    settings = {"web": {"default_admin_email": ADMIN_EMAIL},
                "MQTT": {"max_connections": 1000}}
    appliance = None
    try:
        db_path = os.path.join(directory, "db.sqldb")
        first = Fabomatic(os.path.join(directory), settings=settings, db_path=db_path).start()
        first.stop()
        bb.seed(db_path)
        uses, fill_s = add_uses(db_path, args.uses)
        print(f"# database: {bb.MACHINES} machines, {uses} uses (filled in {fill_s:.1f} s), "
              f"{os.path.getsize(db_path) / 1e6:.0f} MB", flush=True)

        appliance = Fabomatic(os.path.join(directory), settings=settings, db_path=db_path).start()
        session, _ = sign_in_admin(appliance, ADMIN_EMAIL)
        sampler = RssSampler(appliance.pid)
        sampler.start()

        baseline = BoardLoad(board_sim, appliance.mqtt_port, args.boards, args.rate, 10)
        baseline.start()
        time.sleep(12)
        baseline.stop_flag.set()
        baseline.join()
        idle_kib = bb.rss_kib(appliance.pid)
        print(f"# no export: {args.boards} boards at {args.rate:g}/s: "
              f"{json.dumps(baseline.summary())}; RSS {idle_kib / 1024:.1f} MiB", flush=True)

        rows = []
        for fmt in ("csv", "xlsx"):
            load = BoardLoad(board_sim, appliance.mqtt_port, args.boards, args.rate, 5)
            load.start()
            time.sleep(2)  # boards connected and querying
            idle_kib = bb.rss_kib(appliance.pid)
            sampler.reset()
            size, seconds, lines = download(appliance, session,
                                            f"/api/v1/uses/export?format={fmt}")
            peak_kib = sampler.peak()
            load.stop_flag.set()
            load.join()
            boards = load.summary()
            extra = f", {lines - 1} rows" if fmt == "csv" else ""
            print(f"# {fmt}: {size / 1e6:.1f} MB in {seconds:.1f} s{extra}; RSS idle "
                  f"{idle_kib / 1024:.1f} MiB, peak {peak_kib / 1024:.1f} MiB "
                  f"(+{(peak_kib - idle_kib) / 1024:.1f} MiB); boards: {json.dumps(boards)}",
                  flush=True)
            rows.append((fmt, size, seconds, idle_kib, peak_kib, boards))

        print()
        print(f"| format | {uses:,} uses | time s | RSS idle MiB | peak MiB | above idle MiB "
              f"| board p50 / p99 µs (worst {args.boards}-board run) | timeouts |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        b = baseline.summary()
        print(f"| none (boards only) | | | | | | {b['p50_us_max']} / {b['p99_us_max']} "
              f"| {b['timeouts']} |")
        for fmt, size, seconds, idle, peak, boards in rows:
            print(f"| {fmt} | {size / 1e6:.1f} MB | {seconds:.1f} | {idle / 1024:.1f} "
                  f"| {peak / 1024:.1f} | {(peak - idle) / 1024:.1f} "
                  f"| {boards.get('p50_us_max', '-')} / {boards.get('p99_us_max', '-')} "
                  f"| {boards.get('timeouts', '-')} |")
        sampler.stop_flag.set()
    finally:
        if appliance is not None:
            appliance.stop()
        if args.keep:
            print(f"# kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
