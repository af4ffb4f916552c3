#!/usr/bin/env python3
"""Backend benchmark: board reply latency of fabomatic against Mosquitto + an external responder.

In one run, on loopback:
  (a) our `fabomatic` on a fresh database seeded with machines 1..200 and a few users whose
      cards are authorized machine by machine (so checkuser is a real lookup), and the same
      binary on a copy of that database holding 1 M closed uses;
  (b) Mosquitto with tools/board-sim's `relay-responder` on machine/+ (fixed replies, no
      database: the two extra network hops of an external backend).
The same `board-sim bench` drives each with 1, 20 and 200 boards, closed loop (each board
sends its next query when the reply arrives: the saturated throughput) and paced (--rate
queries per second per board: latency under a steady load), mixing checkmachine, checkuser
and inuse. It prints reply latency p50/p99 and replies/s side by side with ratios, as a
markdown table for the README, and fabomatic's RSS idle with 200 boards connected.

  tools/backend_bench.py [--fabomatic build/release/fabomatic] [--board-sim PATH]
                         [--relay PATH] [--duration 5] [--paced-duration 10]
                         [--warmup 1] [--rate 10] [--mix startuse=1,stopuse=1]

--mix replaces the read-only mix with board-sim's weights, e.g. startuse=1,stopuse=1: replies
to writes, which leave only after their commit is synced (one fdatasync per reactor turn).

board-sim and relay-responder are looked for next to the fabomatic binary's build tree
(<build>/tools/board-sim/), then in build/release. It builds nothing. On a 2-core machine the
load generator shares the CPU with the broker: the JSON lines keep the simulator's CPU%.
"""
import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MACHINES = 200
CARDS = ["aabbccd1", "aabbccd2", "aabbccd3", "aabbccd4", "aabbccd5"]
MILLION = 1_000_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_fd_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def wait_port(port, proc, name, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} exited at start (status {proc.returncode}); log: {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            time.sleep(0.2)
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{name} did not listen on port {port}; log: {log}")


class Process:
    """A child process in its own session, its output in a log file."""

    def __init__(self, name, argv, cwd, log):
        self.name, self.log = name, log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, preexec_fn=raise_fd_limit,
                                         start_new_session=True)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_fabomatic(binary, directory, db_path, name):
    port = free_port()
    web_port = free_port()
    settings = os.path.join(directory, f"{name}.toml")
    with open(settings, "w") as f:
        f.write(f'[database]\nurl = "sqlite:///{db_path}"\n'
                f'[MQTT]\nport = {port}\nbind_address = "127.0.0.1"\nallow_anonymous = true\n'
                f'[web]\nport = {web_port}\nbind_address = "127.0.0.1"\n')
    log = os.path.join(directory, f"{name}.log")
    proc = Process(name, [binary, "--config", settings], directory, log)
    proc.web_port = web_port
    wait_port(port, proc.proc, name, log)
    return proc, port


def seed(db_path):
    """Machines 1..200 (the first start created MACHINE1 and the default type), a role that
    does not authorize everything, users with cards, and an authorization per user and
    machine: checkuser walks the real decision (card → user → role → authorization)."""
    conn = sqlite3.connect(db_path)
    type_id = conn.execute("SELECT type_id FROM machine_types ORDER BY type_id LIMIT 1").fetchone()[0]
    conn.executemany(
        "INSERT OR IGNORE INTO machines (machine_id, machine_name, machine_type_id, machine_hours,"
        " blocked, last_seen) VALUES (?, ?, ?, 0, 0, 0)",
        [(i, f"BENCH {i}", type_id) for i in range(1, MACHINES + 1)])
    conn.execute("INSERT INTO roles (role_name, authorize_all, reserved, maintenance, backend_admin)"
                 " VALUES ('Bench users', 0, 0, 0, 0)")
    role = conn.execute("SELECT role_id FROM roles WHERE role_name = 'Bench users'").fetchone()[0]
    for n, card in enumerate(CARDS, 1):
        conn.execute("INSERT INTO users (name, surname, role_id, \"card_UUID\", disabled, deleted,"
                     " receive_weekly_summary) VALUES (?, ?, ?, ?, 0, 0, 0)",
                     (f"Bench{n}", "User", role, card))
    conn.execute("INSERT INTO authorizations (user_id, machine_id) SELECT u.user_id, m.machine_id"
                 " FROM users u, machines m WHERE u.role_id = ?", (role,))
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def add_million_uses(db_path):
    """1 M closed uses spread over the last 300 days (inside the purge window), one statement."""
    conn = sqlite3.connect(db_path)
    user = conn.execute("SELECT min(user_id) FROM users WHERE \"card_UUID\" = ?", (CARDS[0],)).fetchone()[0]
    now = time.time()
    span = 300 * 86400
    t0 = time.monotonic()
    conn.execute(
        f"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {MILLION}) "
        "INSERT INTO uses (user_id, machine_id, start_timestamp, last_seen, end_timestamp, replay) "
        f"SELECT ?, 1 + x % {MACHINES}, ? + x * ?, ? + x * ? + 600, ? + x * ? + 600, 0 FROM n",
        (user, now - span, span / MILLION, now - span, span / MILLION, now - span, span / MILLION))
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = conn.execute("SELECT count(*) FROM uses").fetchone()[0]
    conn.close()
    return count, time.monotonic() - t0


def bench(board_sim, port, boards, args, rate):
    argv = [board_sim, "bench", "--port", str(port), "--boards", str(boards),
            "--duration", str(args.paced_duration if rate else args.duration),
            "--warmup", str(args.warmup),
            "--cards", ",".join(CARDS), "--seed", "7"]
    if rate:
        argv += ["--rate", str(rate)]
    if args.mix:
        argv += ["--mix", args.mix]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                         preexec_fn=raise_fd_limit)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    sys.exit(f"board-sim bench failed ({out.returncode}): {out.stderr.strip()}")


def sync_buckets(proc):
    """[(upper bound in s, cumulative count)] of fabomatic_board_sync_seconds from /metrics (the
    time of each fdatasync that replies to writes waited for)."""
    conn = http.client.HTTPSConnection("127.0.0.1", proc.web_port, timeout=10,
                                       context=ssl._create_unverified_context())
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    buckets = []
    for line in text.splitlines():
        if line.startswith('fabomatic_board_sync_seconds_bucket{le="'):
            bound = line.split('"')[1]
            buckets.append((float("inf") if bound == "+Inf" else float(bound),
                            float(line.split()[-1])))
    return buckets


def sync_figures(before, after):
    """Syncs made between two scrapes and the histogram bounds their p50 and p99 fall under."""
    counts = [(bound, a - b) for (bound, a), (_, b) in zip(after, before)]
    total = counts[-1][1] if counts else 0

    def under(q):
        return next((bound for bound, n in counts if n >= q * total), float("inf"))

    return {"syncs": int(total), "p50_le_ms": under(0.5) * 1e3, "p99_le_ms": under(0.99) * 1e3}


def idle_rss_with_fleet(board_sim, proc, port):
    """fabomatic's RSS before any board, then with 200 firmware-like boards connected."""
    before = rss_kib(proc.pid)
    fleet = subprocess.Popen([board_sim, "fleet", "--port", str(port), "--boards", str(MACHINES),
                              "--duration", "6"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, preexec_fn=raise_fd_limit)
    time.sleep(4)
    during = rss_kib(proc.pid)
    out, err = fleet.communicate(timeout=30)
    summary = json.loads(out.strip().splitlines()[-1])
    return before, during, summary


def find_tool(explicit, fabomatic, name):
    if explicit:
        return os.path.abspath(explicit)
    candidates = [os.path.join(os.path.dirname(os.path.abspath(fabomatic)), "tools", "board-sim", name),
                  os.path.join(ROOT, "build", "release", "tools", "board-sim", name)]
    for c in candidates:
        if os.access(c, os.X_OK):
            return c
    sys.exit(f"{name} not found (tried {', '.join(candidates)}); build it or pass its path")


def ratio(ours, theirs):
    return f"{ours / theirs:.2f}" if theirs else "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fabomatic", default=os.path.join(ROOT, "build", "release", "fabomatic"))
    parser.add_argument("--board-sim")
    parser.add_argument("--relay")
    parser.add_argument("--mosquitto", default=shutil.which("mosquitto") or "/usr/sbin/mosquitto")
    parser.add_argument("--duration", type=float, default=5.0,
                        help="measured seconds per closed-loop run")
    # At 10 queries/s one board gives 10 samples a second: its p99 needs the longer run.
    parser.add_argument("--paced-duration", type=float, default=10.0,
                        help="measured seconds per paced run")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=10.0,
                        help="queries per second per board in the paced runs")
    parser.add_argument("--mix", help="board-sim's query weights instead of its read-only default,"
                        " e.g. startuse=1,stopuse=1 (replies that wait for a synced commit)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, databases)")
    args = parser.parse_args()
    args.fabomatic = os.path.abspath(args.fabomatic)  # the children run in a temp dir
    board_sim = find_tool(args.board_sim, args.fabomatic, "board-sim")
    relay_bin = find_tool(args.relay, args.fabomatic, "relay-responder")

    directory = tempfile.mkdtemp(prefix="backend-bench-")
    procs = []
    try:
        # A fresh database: the first start creates and seeds it (schema, default rows).
        empty_db = os.path.join(directory, "empty.sqldb")
        first, _ = start_fabomatic(args.fabomatic, directory, empty_db, "fabomatic-init")
        first.stop()
        seed(empty_db)
        big_db = os.path.join(directory, "million.sqldb")
        shutil.copyfile(empty_db, big_db)
        uses, fill_s = add_million_uses(big_db)
        print(f"# databases: {MACHINES} machines, {len(CARDS)} users; copy with {uses} uses "
              f"(filled in {fill_s:.1f} s)", flush=True)

        ours, ours_port = start_fabomatic(args.fabomatic, directory, empty_db, "fabomatic")
        procs.append(ours)
        before, during, fleet = idle_rss_with_fleet(board_sim, ours, ours_port)
        print(f"# fabomatic RSS: {before / 1024:.1f} MiB with no board, {during / 1024:.1f} MiB "
              f"with {fleet['connected']} boards connected (firmware cycle, idle)", flush=True)

        big, big_port = start_fabomatic(args.fabomatic, directory, big_db, "fabomatic-1M")
        procs.append(big)

        mosq_port = free_port()
        conf = os.path.join(directory, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {mosq_port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "log_dest none\nset_tcp_nodelay true\n")
        mosq = Process("mosquitto", [args.mosquitto, "-c", conf], directory,
                       os.path.join(directory, "mosquitto.log"))
        procs.append(mosq)
        wait_port(mosq_port, mosq.proc, "mosquitto", mosq.log)
        relay = Process("relay", [relay_bin, "--port", str(mosq_port)], directory,
                        os.path.join(directory, "relay.log"))
        procs.append(relay)
        time.sleep(0.5)
        if relay.proc.poll() is not None:
            sys.exit(f"relay-responder exited; log: {relay.log}")

        rows = []
        for mode, rate in (("closed loop", 0), (f"paced {args.rate:g}/s/board", args.rate)):
            for boards in (1, 20, MACHINES):
                # Interleaved so that drift in the machine's load hits all three alike.
                synced = sync_buckets(ours)
                r_ours = bench(board_sim, ours_port, boards, args, rate)
                r_ours["sync"] = sync_figures(synced, sync_buckets(ours))
                r_relay = bench(board_sim, mosq_port, boards, args, rate)
                synced = sync_buckets(big)
                r_big = bench(board_sim, big_port, boards, args, rate)
                r_big["sync"] = sync_figures(synced, sync_buckets(big))
                for name, r in (("fabomatic", r_ours), ("relay", r_relay), ("fabomatic-1M", r_big)):
                    print(f"# {name:12} {mode:18} {boards:3} boards: " + json.dumps(r), flush=True)
                rows.append((mode, boards, r_ours, r_relay, r_big))

        print()
        print("| load | boards | fabomatic p50 / p99 µs | replies/s | Mosquitto + relay p50 / p99 µs "
              "| replies/s | p50 ratio | p99 ratio | fabomatic, 1 M uses: p50 / p99 µs | replies/s |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for mode, boards, o, r, b in rows:
            print(f"| {mode} | {boards} | {o['p50_us']} / {o['p99_us']} | {o['replies_per_s']:.0f} "
                  f"| {r['p50_us']} / {r['p99_us']} | {r['replies_per_s']:.0f} "
                  f"| {ratio(o['p50_us'], r['p50_us'])} | {ratio(o['p99_us'], r['p99_us'])} "
                  f"| {b['p50_us']} / {b['p99_us']} | {b['replies_per_s']:.0f} |")
        if args.mix:
            # What the disk took of those replies: the syncs they waited for (warm-up included),
            # as the bounds of fabomatic_board_sync_seconds their p50 and p99 fall under.
            print()
            print("| load | boards | reply p50 / p99 µs | syncs | sync p50 / p99 ≤ ms "
                  "| 1 M uses: reply p50 / p99 µs | syncs | sync p50 / p99 ≤ ms |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|")
            for mode, boards, o, _, b in rows:
                print(f"| {mode} | {boards} | {o['p50_us']} / {o['p99_us']} | {o['sync']['syncs']} "
                      f"| {o['sync']['p50_le_ms']:g} / {o['sync']['p99_le_ms']:g} "
                      f"| {b['p50_us']} / {b['p99_us']} | {b['sync']['syncs']} "
                      f"| {b['sync']['p50_le_ms']:g} / {b['sync']['p99_le_ms']:g} |")
        closed = [row for row in rows if row[0] == "closed loop"]
        print()
        print(f"Saturated (closed loop, best of 1/20/200 boards): fabomatic "
              f"{max(row[2]['replies_per_s'] for row in closed):.0f} replies/s, Mosquitto + relay "
              f"{max(row[3]['replies_per_s'] for row in closed):.0f} replies/s, fabomatic with 1 M "
              f"uses {max(row[4]['replies_per_s'] for row in closed):.0f} replies/s.")
        print(f"fabomatic RSS: {before / 1024:.1f} MiB idle, {during / 1024:.1f} MiB with "
              f"{fleet['connected']} boards connected.")
        timeouts = sum(row[i]["timeouts"] for row in rows for i in (2, 3, 4))
        if timeouts:
            print(f"WARNING: {timeouts} queries timed out")
    finally:
        for p in reversed(procs):
            p.stop()
        if args.keep:
            print(f"# kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
