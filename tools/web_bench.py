#!/usr/bin/env python3
"""Web load benchmark: board reply latency while wrk loads the HTTPS portal of fabomatic.

In one run, on loopback, against one fabomatic (broker, backend, portal on one reactor) with
a fresh database seeded like tools/backend_bench.py (machines 1..200, users whose cards are
authorized machine by machine):
  1. `board-sim bench` alone: 200 boards paced at --rate queries/s each (default 1/s, the
     whole lab polling far faster than the firmware's 30 s cycle), mixing checkmachine,
     checkuser and inuse: the board reply p50/p99 with no web load;
  2. the same bench WHILE `wrk -t2 -c50 --latency` loads an API list endpoint with the admin's
     session cookie (default GET /api/v1/machines: 50 machines with their maintenance state);
  3. the same WHILE wrk loads a static asset (default GET /style.css, embedded in the binary).
Each wrk run lasts --duration seconds plus the bench's start-up and warm-up; the bench window
lies inside it. It prints per web target requests/s and p99 (wrk's own figures), the board
reply p50/p99 during it, fabomatic's CPU share, then a markdown table for the README and the
exact commands.

  tools/web_bench.py [--fabomatic build/release/fabomatic] [--board-sim PATH]
                     [--duration 10] [--rate 1] [--boards 200] [--connections 50]
                     [--threads 2] [--api-path /api/v1/machines] [--static-path /style.css]

On a 2-core machine wrk, the simulator and fabomatic share the CPU: the figures say how the
portal and the boards share one reactor under that contention, not the portal's peak rate.
Needs Debian's wrk (tools/install-deps.sh installs it). It builds nothing.
"""
import argparse
import http.client
import json
import os
import re
import shlex
import shutil
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

# The seeding, process and port helpers of the backend benchmark: same database, same fleet.
from backend_bench import (CARDS, MACHINES, Process, find_tool, free_port,  # noqa: E402
                           raise_fd_limit, seed, wait_port)

NEW_PASSWORD = "web-bench-password-1"
SEEDED_PASSWORD = "admin"  # db/seed.hpp kDefaultAdminPassword


# ----------------------------------------------------------------------------- fabomatic
def write_settings(directory, name, db_path, mqtt_port, web_port):
    path = os.path.join(directory, f"{name}.toml")
    with open(path, "w") as f:
        f.write(f'[database]\nurl = "sqlite:///{db_path}"\n'
                f'[MQTT]\nport = {mqtt_port}\nbind_address = "127.0.0.1"\nallow_anonymous = true\n'
                f'[web]\nport = {web_port}\nbind_address = "127.0.0.1"\n')
    return path


def start_fabomatic(binary, directory, db_path, name):
    """(process, MQTT port, web port); ready when both ports accept connections."""
    mqtt_port, web_port = free_port(), free_port()
    settings = write_settings(directory, name, db_path, mqtt_port, web_port)
    log = os.path.join(directory, f"{name}.log")
    proc = Process(name, [binary, "--config", settings], directory, log)
    wait_port(mqtt_port, proc.proc, name, log)
    wait_port(web_port, proc.proc, name, log)
    return proc, mqtt_port, web_port


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


# ----------------------------------------------------------------------------- portal
class Portal:
    def __init__(self, port):
        self.port = port
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE  # the portal's first-start self-signed cert
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                           context=self.context)
        headers = {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, raw, response.headers
        finally:
            conn.close()

    def sign_in_seeded_admin(self, email):
        """Signs in; the seeded admin must choose a new password before anything else."""
        status, raw, headers = self.request("POST", "/api/v1/auth/login",
                                            {"email": email, "password": SEEDED_PASSWORD})
        if status != 200:
            sys.exit(f"login answered {status}: {raw[:200]!r}")
        self.cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
        answer = json.loads(raw)
        self.csrf = answer["csrf_token"]
        if answer.get("password_change_required"):
            status, raw, _ = self.request("POST", "/api/v1/auth/password",
                                          {"current": SEEDED_PASSWORD, "new": NEW_PASSWORD})
            if status != 200:
                sys.exit(f"password change answered {status}: {raw[:200]!r}")
        return self.cookie


def admin_email(db_path):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT email FROM users WHERE name = 'admin' ORDER BY user_id"
                            " LIMIT 1").fetchone()[0]
    finally:
        conn.close()


# ----------------------------------------------------------------------------- wrk
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output):
    """requests/s, latency percentiles (ms), request count and errors from wrk --latency."""
    result = {"requests_per_s": None, "p50_ms": None, "p99_ms": None, "requests": 0,
              "non_2xx": 0, "socket_errors": 0}
    if m := re.search(r"Requests/sec:\s+([0-9.]+)", output):
        result["requests_per_s"] = float(m.group(1))
    if m := re.search(r"^\s*50%\s+(\S+)", output, re.M):
        result["p50_ms"] = to_ms(m.group(1))
    if m := re.search(r"^\s*99%\s+(\S+)", output, re.M):
        result["p99_ms"] = to_ms(m.group(1))
    if m := re.search(r"(\d+) requests in", output):
        result["requests"] = int(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        result["non_2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                      output):
        result["socket_errors"] = sum(int(g) for g in m.groups())
    return result


def wrk_command(args, url, cookie, seconds):
    argv = [args.wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    return argv + [url]


# ----------------------------------------------------------------------------- board-sim
def bench_command(args, board_sim, port):
    argv = [board_sim, "bench", "--port", str(port), "--boards", str(args.boards),
            "--duration", str(args.duration), "--warmup", str(args.warmup),
            "--cards", ",".join(CARDS), "--seed", "7"]
    if args.rate:
        argv += ["--rate", str(args.rate)]
    return argv


def run_bench(argv):
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                         preexec_fn=raise_fd_limit)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    sys.exit(f"board-sim bench failed ({out.returncode}): {out.stderr.strip()}")


def under_load(args, board_sim, fabomatic, mqtt_port, wrk_argv):
    """Runs wrk, starts the bench once wrk has ramped up, returns (wrk, bench, CPU %)."""
    ticks_per_s = os.sysconf("SC_CLK_TCK")
    wrk = subprocess.Popen(wrk_argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           preexec_fn=raise_fd_limit)
    time.sleep(1.0)
    ticks0, t0 = cpu_ticks(fabomatic.pid), time.monotonic()
    bench = run_bench(bench_command(args, board_sim, mqtt_port))
    cpu = 100.0 * (cpu_ticks(fabomatic.pid) - ticks0) / ticks_per_s / (time.monotonic() - t0)
    output, _ = wrk.communicate(timeout=120)
    if wrk.returncode != 0:
        sys.exit(f"wrk failed ({wrk.returncode}):\n{output}")
    return parse_wrk(output), bench, cpu, output


def check_target(portal, path, with_cookie):
    """The target answers 200 (with the cookie when given), or the benchmark would measure
    refusals."""
    saved = portal.cookie
    if not with_cookie:
        portal.cookie = None
    try:
        status, raw, _ = portal.request("GET", path)
    finally:
        portal.cookie = saved
    if status != 200:
        sys.exit(f"GET {path} answered {status}: {raw[:200]!r}")
    return len(raw)


# ----------------------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fabomatic", default=os.path.join(ROOT, "build", "release", "fabomatic"))
    parser.add_argument("--board-sim")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="measured seconds of each board bench (wrk runs a little longer)")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=1.0,
                        help="queries per second per board (0: closed loop)")
    parser.add_argument("--boards", type=int, default=MACHINES)
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=50, help="wrk -c")
    parser.add_argument("--api-path", default="/api/v1/machines")
    parser.add_argument("--static-path", default="/style.css")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, database)")
    args = parser.parse_args()
    args.fabomatic = os.path.abspath(args.fabomatic)  # the children run in a temp dir
    if not os.access(args.fabomatic, os.X_OK):
        sys.exit(f"{args.fabomatic} is not an executable; build it or pass --fabomatic")
    if not os.access(args.wrk, os.X_OK):
        sys.exit("wrk not found: apt-get install wrk (tools/install-deps.sh)")
    if args.boards > MACHINES:
        sys.exit(f"at most {MACHINES} boards (the seeded machines)")
    board_sim = find_tool(args.board_sim, args.fabomatic, "board-sim")

    directory = tempfile.mkdtemp(prefix="web-bench-")
    fabomatic = None
    try:
        db_path = os.path.join(directory, "bench.sqldb")
        first, _, _ = start_fabomatic(args.fabomatic, directory, db_path, "fabomatic-init")
        first.stop()
        seed(db_path)
        fabomatic, mqtt_port, web_port = start_fabomatic(args.fabomatic, directory, db_path,
                                                         "fabomatic")
        portal = Portal(web_port)
        cookie = portal.sign_in_seeded_admin(admin_email(db_path))
        base = f"https://127.0.0.1:{web_port}"
        api_bytes = check_target(portal, args.api_path, True)
        static_bytes = check_target(portal, args.static_path, False)
        print(f"# fabomatic {args.fabomatic}: {MACHINES} machines, {len(CARDS)} users; "
              f"{args.boards} boards at {args.rate:g} queries/s each; wrk -t{args.threads} "
              f"-c{args.connections}; API answer {api_bytes} bytes, static {static_bytes} bytes",
              flush=True)

        baseline_argv = bench_command(args, board_sim, mqtt_port)
        baseline = run_bench(baseline_argv)
        print("# boards alone: " + json.dumps(baseline), flush=True)

        wrk_seconds = int(round(args.duration + args.warmup + 4))
        rows = []
        targets = (("API list", args.api_path, cookie), ("static asset", args.static_path, None))
        for label, path, target_cookie in targets:
            argv = wrk_command(args, base + path, target_cookie, wrk_seconds)
            web, bench, cpu, output = under_load(args, board_sim, fabomatic, mqtt_port, argv)
            if web["non_2xx"] or web["socket_errors"]:
                print(f"WARNING: {label}: {web['non_2xx']} non-2xx answers, "
                      f"{web['socket_errors']} socket errors:\n{output}", flush=True)
            print(f"# {label} GET {path}: {web['requests_per_s']:.0f} requests/s, p50 "
                  f"{web['p50_ms']:.2f} ms, p99 {web['p99_ms']:.2f} ms; boards meanwhile: p50 "
                  f"{bench['p50_us']} us, p99 {bench['p99_us']} us, timeouts "
                  f"{bench['timeouts']}; fabomatic CPU {cpu:.0f}%", flush=True)
            rows.append((label, path, web, bench, cpu, argv))

        print()
        print(f"| web load (wrk -t{args.threads} -c{args.connections}) | requests/s | web p99 ms "
              f"| board reply p50 / p99 µs ({args.boards} boards, {args.rate:g}/s each) "
              f"| board timeouts | fabomatic CPU |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| none | – | – | {baseline['p50_us']} / {baseline['p99_us']} "
              f"| {baseline['timeouts']} | – |")
        for label, path, web, bench, cpu, _ in rows:
            print(f"| {label} `GET {path}` | {web['requests_per_s']:.0f} | {web['p99_ms']:.2f} "
                  f"| {bench['p50_us']} / {bench['p99_us']} | {bench['timeouts']} | {cpu:.0f}% |")
        print()
        print(f"Board reply p99 alone: {baseline['p99_us']} µs; under API load "
              f"{rows[0][3]['p99_us']} µs; under static load {rows[1][3]['p99_us']} µs.")
        print()
        print("Commands:")
        print("  " + " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv))
        print("  boards: " + " ".join(shlex.quote(a) for a in baseline_argv))
        for label, _, _, _, _, argv in rows:
            shown = [("Cookie: fabomatic_session=<session>" if a.startswith("Cookie: ") else a)
                     for a in argv]
            print(f"  {label}: " + " ".join(shlex.quote(a) for a in shown))
    finally:
        if fabomatic:
            fabomatic.stop()
        if args.keep:
            print(f"# kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
