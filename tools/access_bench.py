#!/usr/bin/env python3
"""What accounts and ACL cost the boards: fabomatic open (anonymous boards, every right: the
configuration of the README's figures) against fabomatic locked (allow_anonymous = false, a
board account per machine, a password file and an ACL file loaded), on the same seeded
database, and a reconnect storm of 200 boards with their accounts.

  (a) board replies: `board-sim bench` with 1, 20 and 200 boards, closed loop and paced, the two
      configurations interleaved run by run; prints p50/p99 and replies/s with the ratio
      locked/open (goal: within 5 %).
  (b) reconnect storm: 200 boards of the locked appliance (each its own account) open their
      connections at once, as after a power cut; measured from the first connect() to the
      last CONNACK (all admitted: goal < 1 s), to the last SUBACK and to the last reply of a
      first checkmachine. --storms times, medians printed.

  tools/access_bench.py [--fabomatic build/release/fabomatic] [--board-sim PATH] [--runs 3]
                        [--duration 5] [--storms 5] [--pin]

--pin keeps the appliances (every thread) on CPU 0 and board-sim on CPU 1, so that the load
generator and the scheduler's choices move the figures less from run to run.

It builds nothing; board-sim is looked for beside the fabomatic binary's build tree. On a
2-core machine the load generator shares the CPU with the appliance.
"""
import argparse
import json
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "pylib"))
import backend_bench as bb  # noqa: E402  (seed, Process, find_tool, ...)
from fabomatic_testing.mqtt_raw import connect_pkt, publish_pkt, subscribe_pkt  # noqa: E402

ACL = "user monitor\ntopic read machine/#\ntopic read $SYS/#\npattern readwrite clients/%c/#\n"


def settings_text(db_path, port, locked, directory):
    text = (f'[database]\nurl = "sqlite:///{db_path}"\n'
            f'[MQTT]\nport = {port}\nbind_address = "127.0.0.1"\n')
    if locked:
        passwd, acl = os.path.join(directory, "passwd"), os.path.join(directory, "acl")
        text += f'allow_anonymous = false\npassword_file = "{passwd}"\nacl_file = "{acl}"\n'
    else:
        text += "allow_anonymous = true\n"
    return text + f'[web]\nport = {bb.free_port()}\nbind_address = "127.0.0.1"\n'


def start(binary, directory, db_path, name, locked):
    port = bb.free_port()
    settings = os.path.join(directory, f"{name}.toml")
    with open(settings, "w") as f:
        f.write(settings_text(db_path, port, locked, directory))
    log = os.path.join(directory, f"{name}.log")
    proc = bb.Process(name, [binary, "--config", settings], directory, log)
    bb.wait_port(port, proc.proc, name, log)
    return proc, port, settings


def create_accounts(binary, settings, directory, path):
    """A board account per machine with `fabomatic board-account create`, written as board-sim's
    --accounts file."""
    lines = []
    for machine in range(1, bb.MACHINES + 1):
        out = subprocess.run([binary, "--config", settings, "board-account", "create",
                              str(machine), "--json"], cwd=directory, capture_output=True,
                             text=True, timeout=30)
        if out.returncode != 0:
            sys.exit(f"board-account create {machine}: {out.stderr.strip()}")
        account = json.loads(out.stdout)
        lines.append(f"{machine} {account['username']} {account['secret']}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return {int(l.split()[0]): (l.split()[1], l.split()[2]) for l in lines}


def bench(board_sim, port, boards, args, rate, accounts_file=None):
    argv = (["taskset", "-c", "1"] if args.pin else []) + [
            board_sim, "bench", "--port", str(port), "--boards", str(boards),
            "--duration", str(args.paced_duration if rate else args.duration),
            "--warmup", str(args.warmup), "--cards", ",".join(bb.CARDS), "--seed", "7"]
    if rate:
        argv += ["--rate", str(rate)]
    if accounts_file:
        argv += ["--accounts", accounts_file]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                         preexec_fn=bb.raise_fd_limit)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    sys.exit(f"board-sim bench failed ({out.returncode}): {out.stderr.strip()}")


# ---------------------------------------------------------------- the reconnect storm
def storm(port, accounts):
    """Every board connects at once: CONNECT, then SUBSCRIBE reply+request and a checkmachine
    as the firmware does. Returns seconds to the last CONNACK, SUBACK and reply."""
    sel = selectors.DefaultSelector()
    boards = []
    t0 = time.monotonic()
    for machine, (user, secret) in sorted(accounts.items()):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        board = {"sock": s, "machine": machine, "buf": b"", "stage": "connecting",
                 "out": connect_pkt(f"BOARD{machine % 1000}", keepalive=10, username=user,
                                    password=secret)}
        boards.append(board)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, board)
    times = {}
    done = 0
    deadline = t0 + 30
    while done < len(boards) and time.monotonic() < deadline:
        for key, events in sel.select(0.5):
            b = key.data
            s = b["sock"]
            if events & selectors.EVENT_WRITE and b["out"]:
                try:
                    n = s.send(b["out"])
                    b["out"] = b["out"][n:]
                except (BlockingIOError, ConnectionError):
                    pass
                if not b["out"]:
                    sel.modify(s, selectors.EVENT_READ, b)
            if not events & selectors.EVENT_READ:
                continue
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            if not data:
                sys.exit(f"storm: board of machine {b['machine']} was closed by the broker")
            b["buf"] += data
            while len(b["buf"]) >= 2:
                length, used, shift = 0, 1, 0
                while True:
                    if used >= len(b["buf"]):
                        break
                    byte = b["buf"][used]
                    length |= (byte & 0x7F) << shift
                    shift += 7
                    used += 1
                    if not byte & 0x80:
                        break
                if len(b["buf"]) < used + length:
                    break
                kind, body = b["buf"][0] >> 4, b["buf"][used:used + length]
                b["buf"] = b["buf"][used + length:]
                now = time.monotonic() - t0
                topic = f"machine/{b['machine']}"
                if kind == 2:
                    if body[1] != 0:
                        sys.exit(f"storm: CONNACK {body[1]} for machine {b['machine']}")
                    times.setdefault("connack", []).append(now)
                    b["out"] += subscribe_pkt(1, [(topic + "/reply", 0), (topic + "/request", 0)])
                    b["out"] += publish_pkt(topic, '{"action":"checkmachine"}')
                    sel.modify(s, selectors.EVENT_READ | selectors.EVENT_WRITE, b)
                elif kind == 9:
                    times.setdefault("suback", []).append(now)
                elif kind == 3:
                    times.setdefault("reply", []).append(now)
                    done += 1
    for b in boards:
        sel.unregister(b["sock"])
        try:
            b["sock"].sendall(b"\xe0\x00")
        except OSError:
            pass
        b["sock"].close()
    if done < len(boards):
        sys.exit(f"storm: only {done} of {len(boards)} boards answered")
    return {k: max(v) for k, v in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fabomatic", default=os.path.join(bb.ROOT, "build", "release", "fabomatic"))
    parser.add_argument("--board-sim")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs per load")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--paced-duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--storms", type=int, default=5)
    parser.add_argument("--only-storm", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--pin", action="store_true",
                        help="appliances on CPU 0, board-sim on CPU 1")
    args = parser.parse_args()
    args.fabomatic = os.path.abspath(args.fabomatic)
    board_sim = bb.find_tool(args.board_sim, args.fabomatic, "board-sim")
    directory = tempfile.mkdtemp(prefix="access-bench-")
    procs = []
    try:
        db = os.path.join(directory, "bench.sqldb")
        first, _ = bb.start_fabomatic(args.fabomatic, directory, db, "init")
        first.stop()
        bb.seed(db)
        subprocess.run(["mosquitto_passwd", "-c", "-b", os.path.join(directory, "passwd"),
                        "monitor", "monitor-password"], check=True, capture_output=True)
        with open(os.path.join(directory, "acl"), "w") as f:
            f.write(ACL)
        locked, locked_port, locked_settings = start(args.fabomatic, directory, db, "locked", True)
        procs.append(locked)
        accounts_file = os.path.join(directory, "accounts.txt")
        accounts = create_accounts(args.fabomatic, locked_settings, directory, accounts_file)
        print(f"# {len(accounts)} board accounts created with fabomatic board-account", flush=True)
        if not args.only_storm:
            open_, open_port, _ = start(args.fabomatic, directory, db, "open", False)
            procs.append(open_)
            if args.pin:
                for p in (locked, open_):  # -a: every thread the appliance has started
                    subprocess.run(["taskset", "-a", "-p", "-c", "0", str(p.pid)], check=True,
                                   capture_output=True)
                print("# pinned: appliances on CPU 0, board-sim on CPU 1", flush=True)
            rows = []
            for mode, rate in (("closed loop", 0), (f"paced {args.rate:g}/s/board", args.rate)):
                for boards in (1, 20, bb.MACHINES):
                    o_runs, l_runs = [], []
                    for run in range(args.runs):
                        pair = [("open", open_port, None), ("locked", locked_port, accounts_file)]
                        if run % 2:
                            pair.reverse()
                        for name, port, acc in pair:
                            r = bench(board_sim, port, boards, args, rate, acc)
                            (o_runs if name == "open" else l_runs).append(r)
                            print(f"# {name:6} {mode:18} {boards:3} boards: " + json.dumps(r),
                                  flush=True)
                    rows.append((mode, boards, o_runs, l_runs))
            med = lambda runs, key: statistics.median(r[key] for r in runs)
            print()
            print("| load | boards | open p50 / p99 µs | replies/s | accounts+ACL p50 / p99 µs "
                  "| replies/s | p50 / p99 / replies ratio |")
            print("|---|---:|---:|---:|---:|---:|---|")
            for mode, boards, o, l in rows:
                print(f"| {mode} | {boards} | {med(o, 'p50_us'):.0f} / {med(o, 'p99_us'):.0f} "
                      f"| {med(o, 'replies_per_s'):.0f} | {med(l, 'p50_us'):.0f} / "
                      f"{med(l, 'p99_us'):.0f} | {med(l, 'replies_per_s'):.0f} | "
                      f"{med(l, 'p50_us') / med(o, 'p50_us'):.2f} / "
                      f"{med(l, 'p99_us') / med(o, 'p99_us'):.2f} / "
                      f"{med(l, 'replies_per_s') / med(o, 'replies_per_s'):.2f} |")
        results = []
        for n in range(args.storms):
            r = storm(locked_port, accounts)
            results.append(r)
            print(f"# storm {n + 1}: " + json.dumps({k: round(v * 1000, 1) for k, v in r.items()}),
                  flush=True)
            time.sleep(1.0)
        print()
        print(f"Reconnect storm, {len(accounts)} boards with board accounts, medians of "
              f"{len(results)}: all admitted (last CONNACK) in "
              f"{statistics.median(r['connack'] for r in results) * 1000:.0f} ms, all subscribed "
              f"in {statistics.median(r['suback'] for r in results) * 1000:.0f} ms, all "
              f"answered in {statistics.median(r['reply'] for r in results) * 1000:.0f} ms "
              f"(worst: {max(r['connack'] for r in results) * 1000:.0f} ms admitted).")
    finally:
        for p in reversed(procs):
            p.stop()
        if args.keep:
            print(f"# kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
