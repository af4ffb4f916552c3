#!/usr/bin/env python3
"""A power cut while boards write, and what the disk kept: used by tools/image-test.sh on the
SD-card image booted under QEMU.

  power_cut.py cut --console SOCKET --qemu-pid PID --out FILE [--boards 4] [--seconds 8]
      Logs in as root on the guest's serial console (the image's root has no password on the
      console), adds machines 2..N and one member with a card per machine to the running
      appliance's database and makes a board account per machine (`fabomatic board-account
      create`). Then N boards (one per machine, each with its account) run startuse/stopuse
      cycles back to back — the stop of cycle k carries duration k + 1, so every use is told
      apart — until QEMU is killed with SIGKILL: the guest loses power, with whatever its page
      cache held (just before, root writes CANARY without syncing it: a cut that drops unsynced
      writes loses it). Every reply that reached a board counts as acknowledged (a reply QEMU sent
      before it died is still read from the socket). Writes FILE (JSON): per machine, the
      acknowledged starts and stop durations, and the write in flight at the cut.

  power_cut.py verify --db DIR --acked FILE
      DIR holds database.sqldb and its -wal as the disk had them after the cut (read off the
      image with e2fsck and debugfs, as the guest's kernel would at the next boot). Checks that
      every acknowledged start and stop is there, none twice, that each machine's hours are the
      sum of its closed uses (a use and its hours committed together), and the database's
      integrity. Prints one "ok - " / "FAIL - " line per check; exit status 0 when all passed.

The MQTT packets are written by hand (appliance_probe.py's helpers): standard library only.
"""
import argparse
import base64
import json
import os
import re
import signal
import socket
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from appliance_probe import board_ask, board_session  # noqa: E402

DB = "/var/lib/fabomatic/database.sqldb"
CONFIG = "/etc/fabomatic/settings.toml"
CANARY = "/root/power-cut-canary"


def card_of(machine):
    return "c0ffee%02x" % machine


class Console:
    """The guest's serial console through QEMU's socket chardev: root's shell, commands run
    between markers so their output can be told from kernel and systemd lines."""

    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.settimeout(1)
        self.timeout = timeout
        self.buffer = b""

    def _read_until(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.buffer)
            if match:
                self.buffer = self.buffer[match.end():]
                return match
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise ConnectionError("console closed")
            self.buffer += chunk
        raise TimeoutError("console: no %r within %d s; last output: %r"
                           % (pattern, timeout, self.buffer[-300:]))

    def login(self):
        for _ in range(int(self.timeout / 5)):
            self.sock.sendall(b"\r")
            try:
                self._read_until(rb"login: ", 5)
                break
            except TimeoutError:
                continue
        self.sock.sendall(b"root\r")
        self._read_until(rb"# ", self.timeout)
        # No echo and no kernel lines from here on (systemd may still print its status lines:
        # the markers tell the command's output from them).
        self.run("stty -echo; dmesg -n 1")

    def run(self, command):
        """Runs a shell command as root; returns (exit status, output)."""
        self.buffer = b""
        self.sock.sendall(("echo @@BEGIN; %s; echo @@END $?\r" % command).encode())
        # The markers count at a line's start (after a newline or a carriage return: bash ends
        # its bracketed-paste mode with "\r" before a command's output): with echo on, the
        # command line also contains them, after "echo ".
        self._read_until(rb"[\r\n]@@BEGIN\r*\n", self.timeout)
        match = self._read_until(rb"(?s)^(.*?)(?:^|[\r\n])@@END (\d+)\r*\n", self.timeout)
        return int(match.group(2)), match.group(1).decode(errors="replace")

    def put_file(self, path, content):
        data = base64.b64encode(content.encode()).decode()
        status, out = self.run("echo %s | base64 -d > %s" % (data, path))
        if status != 0:
            raise RuntimeError("console: writing %s failed: %s" % (path, out))


def provision(console, boards):
    """Machines 1..boards with no hours, a member with a card for each, a board account each;
    returns {machine: (username, secret)}."""
    sql = ["BEGIN;",
           "UPDATE machines SET machine_hours = 0 WHERE machine_id = 1;"]
    for m in range(2, boards + 1):
        sql.append("INSERT INTO machines (machine_id, machine_name, machine_type_id, machine_hours,"
                   " blocked, last_seen) SELECT %d, 'POWER CUT %d', min(type_id), 0, 0, 0"
                   " FROM machine_types;" % (m, m))
    for m in range(1, boards + 1):
        sql.append("INSERT INTO users (name, surname, role_id, \"card_UUID\", disabled, deleted,"
                   " receive_weekly_summary) SELECT 'Member', '%d', role_id, '%s', 0, 0, 0"
                   " FROM roles WHERE role_name = 'Fab Users';" % (m, card_of(m)))
        sql.append("INSERT INTO authorizations (user_id, machine_id) SELECT user_id, %d FROM users"
                   " WHERE \"card_UUID\" = '%s';" % (m, card_of(m)))
    sql.append("COMMIT;")
    console.put_file("/tmp/power-cut.sql", "\n".join(sql) + "\n")
    status, out = console.run("runuser -u fabomatic -- sqlite3 %s < /tmp/power-cut.sql" % DB)
    if status != 0:
        raise RuntimeError("provisioning SQL failed: %s" % out)
    accounts = {}
    for m in range(1, boards + 1):
        status, out = console.run("cd /var/lib/fabomatic && runuser -u fabomatic -- fabomatic"
                                  " --config %s board-account create %d --json" % (CONFIG, m))
        line = next((l for l in out.splitlines() if l.startswith("{")), None)
        if status != 0 or line is None:
            raise RuntimeError("board-account create %d failed: %s" % (m, out))
        account = json.loads(line)
        accounts[m] = (account["username"], account["secret"])
    return accounts


class Board(threading.Thread):
    """One board: startuse, wait for its reply, stopuse with the next duration, wait, again."""

    def __init__(self, host, port, machine, account, power_cut):
        super().__init__(daemon=True)
        self.power_cut = power_cut  # set just before QEMU is killed
        self.host, self.port, self.machine, self.account = host, port, machine, account
        self.starts = []  # cycles whose startuse was acknowledged
        self.stops = []  # durations of acknowledged stopuses
        self.in_flight = None  # ("startuse", k) or ("stopuse", duration) sent, not answered
        self.error = None

    def run(self):
        username, secret = self.account
        try:
            sock = board_session(self.host, self.port, self.machine, 10,
                                 "power-cut-%d" % self.machine, username, secret)
        except Exception as e:  # noqa: BLE001 - reported by the caller
            self.error = e
            return
        card = card_of(self.machine)
        k = 0
        try:
            while True:
                self.in_flight = ("startuse", k)
                reply = board_ask(sock, self.machine, {"action": "startuse", "uid": card})
                if not reply["request_ok"]:
                    raise RuntimeError("machine %d: startuse refused" % self.machine)
                self.starts.append(k)
                self.in_flight = ("stopuse", k + 1)
                reply = board_ask(sock, self.machine,
                                  {"action": "stopuse", "uid": card, "duration": k + 1})
                if not reply["request_ok"]:
                    raise RuntimeError("machine %d: stopuse refused" % self.machine)
                self.stops.append(k + 1)
                self.in_flight = None
                k += 1
        except (ConnectionError, OSError) as e:
            if not self.power_cut.is_set():  # lost before the cut: the appliance's fault
                self.error = e
        except Exception as e:  # noqa: BLE001
            self.error = e


def cut(args):
    console = Console(args.console, 120)
    console.login()
    accounts = provision(console, args.boards)
    print("provisioned %d machines, members and board accounts through the console" % args.boards,
          flush=True)
    power_cut = threading.Event()
    boards = [Board(args.host, args.port, m, accounts[m], power_cut)
              for m in range(1, args.boards + 1)]
    for board in boards:
        board.start()
    time.sleep(args.seconds)
    # A write nobody syncs, just before the cut: the next boot should not find it, which shows
    # the cut drops what only the guest's page cache held (as a real one does).
    console.run("echo written-without-sync > %s" % CANARY)
    power_cut.set()
    os.kill(args.qemu_pid, signal.SIGKILL)
    cut_at = time.monotonic()
    for board in boards:
        board.join(10)
    errors = [str(b.error) for b in boards if b.error]
    result = {
        "accounts": {m: list(a) for m, a in accounts.items()},
        "machines": {b.machine: {"starts": b.starts, "stops": b.stops, "in_flight": b.in_flight}
                     for b in boards},
        "errors": errors,
    }
    with open(args.out, "w") as f:
        json.dump(result, f)
    acked = sum(len(b.starts) + len(b.stops) for b in boards)
    in_flight = sum(1 for b in boards if b.in_flight)
    print("power cut (SIGKILL to QEMU) after %.0f s of %d boards writing: %d writes acknowledged,"
          " %d in flight; boards done %.1f s after the cut"
          % (args.seconds, args.boards, acked, in_flight, time.monotonic() - cut_at), flush=True)
    for e in errors:
        print("board error: %s" % e, flush=True)
    return 1 if errors or acked == 0 else 0


def verify(args):
    with open(args.acked) as f:
        acked = json.load(f)
    conn = sqlite3.connect(os.path.join(args.db, "database.sqldb"))
    failures = 0

    def check(ok, text):
        nonlocal failures
        print(("ok - " if ok else "FAIL - ") + text, flush=True)
        failures += 0 if ok else 1

    check(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok",
          "the database read off the disk after the cut passes PRAGMA integrity_check")
    total_acked = total_found = flight_found = flight = 0
    for machine, sent in sorted(acked["machines"].items(), key=lambda kv: int(kv[0])):
        m = int(machine)
        rows = conn.execute("SELECT start_timestamp, end_timestamp FROM uses WHERE machine_id = ?"
                            " ORDER BY use_id", (m,)).fetchall()
        closed = [round(end - start) for start, end in rows if end is not None]
        missing_stops = [d for d in sent["stops"] if d not in closed]
        twice = sorted({d for d in closed if closed.count(d) > 1})
        check(not missing_stops and not twice and len(rows) >= len(sent["starts"]),
              "machine %d: %d acknowledged starts and %d stops, %d uses on disk (%d closed)%s%s"
              % (m, len(sent["starts"]), len(sent["stops"]), len(rows), len(closed),
                 "; missing stops %s" % missing_stops[:5] if missing_stops else "",
                 "; recorded twice %s" % twice[:5] if twice else ""))
        hours = conn.execute("SELECT machine_hours FROM machines WHERE machine_id = ?",
                             (m,)).fetchone()[0]
        check(abs(hours * 3600 - sum(closed)) < 0.01,
              "machine %d: hours %.4f = the sum of its closed uses, %d s" % (m, hours, sum(closed)))
        total_acked += len(sent["starts"]) + len(sent["stops"])
        total_found += len(sent["starts"]) + len(sent["stops"]) - len(missing_stops)
        if sent["in_flight"]:
            flight += 1
            what, value = sent["in_flight"]
            flight_found += (value in closed) if what == "stopuse" else (len(rows) > len(sent["starts"]))
    print("acknowledged writes found after the power cut: %d of %d; writes in flight at the cut"
          " found: %d of %d (either is right: their boards were told nothing)"
          % (total_found, total_acked, flight_found, flight), flush=True)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cut")
    c.add_argument("--console", required=True, help="QEMU's serial chardev socket")
    c.add_argument("--qemu-pid", type=int, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--host", default="127.0.0.1")
    c.add_argument("--port", type=int, default=1883)
    c.add_argument("--boards", type=int, default=4)
    c.add_argument("--seconds", type=float, default=8)
    v = sub.add_parser("verify")
    v.add_argument("--db", required=True)
    v.add_argument("--acked", required=True)
    args = ap.parse_args()
    return cut(args) if args.command == "cut" else verify(args)


if __name__ == "__main__":
    sys.exit(main())
