#!/usr/bin/env python3
"""Broker benchmark: ours against Mosquitto, side by side in one run.

Starts fabomatic and Mosquitto on two free loopback ports, runs the same scenarios of
tools/broker-bench/mqttbench.py (a stdlib MQTT load generator, copied from the shared tools)
against each, alternating brokers run by run, and prints the medians and the ratio
ours/Mosquitto:

  QoS 0 and QoS 1 throughput, 10 publishers -> 10 subscribers   (goal: ratio >= 1)
  request/reply latency p50 and p99 at QoS 0 and QoS 1           (goal: ratio <= 1)
  RSS per idle connection with one subscription, 1000 and 5000  (goal: ratio <= 2)

Each broker is restarted before every idle-connection run, so RSS deltas are measured on a
fresh heap. It builds nothing: give it the executable.

  tools/broker_bench.py [--fabomatic build/release/fabomatic] [--runs 3] [--only tp-q0 ...]
                        [--brokers fabomatic,mosquitto]

--brokers names the two brokers compared (the ratio is first/second), each one of
  fabomatic, mosquitto            anonymous clients, every right (the figures of the README)
  fabomatic+acl, mosquitto+acl    allow_anonymous false, a password file written by
                                  mosquitto_passwd and an ACL file: every client logs in and
                                  each PUBLISH/SUBSCRIBE is checked
so `--brokers fabomatic+acl,fabomatic` measures what accounts and ACL cost ours.

On a 2-core machine the generator competes with the broker for CPU: the table shows the
broker's CPU% so one can tell which side saturated.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MQTTBENCH = os.path.join(HERE, "broker-bench", "mqttbench.py")

# name: (mqttbench arguments, metric, what "better" means, goal for ours/Mosquitto)
SCENARIOS = {
    "tp-q0": ("throughput --pubs 10 --subs 10 --qos 0 --duration 5", "recv_rate", "msg/s", ">= 1"),
    "tp-q1": ("throughput --pubs 10 --subs 10 --qos 1 --duration 5", "recv_rate", "msg/s", ">= 1"),
    "rr-q0": ("rr --qos 0 --count 5000", ("p50_us", "p99_us"), "us", "<= 1"),
    "rr-q1": ("rr --qos 1 --count 5000", ("p50_us", "p99_us"), "us", "<= 1"),
    "idle-1000": ("idle --conns 1000 --subscribe --hold 2", "per_conn_bytes", "B/conn", "<= 2"),
    "idle-5000": ("idle --conns 5000 --subscribe --hold 2", "per_conn_bytes", "B/conn", "<= 2"),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_fd_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# The account every client of the "+acl" variants logs in with, and its rules: the topics of
# mqttbench (bench/NNNNN, machine/N and machine/N/reply), as a lab would write them.
BENCH_USER, BENCH_PASSWORD = "bench", "bench-password"
BENCH_ACL = ("user bench\ntopic readwrite bench/#\ntopic readwrite machine/#\n"
             "topic deny secret/#\npattern readwrite clients/%c/#\n")


def write_access_files(directory):
    """password file (Debian's mosquitto_passwd) and ACL file; returns their paths."""
    passwd, acl = os.path.join(directory, "passwd"), os.path.join(directory, "acl")
    if not os.path.exists(passwd):
        subprocess.run(["mosquitto_passwd", "-c", "-b", passwd, BENCH_USER, BENCH_PASSWORD],
                       check=True, capture_output=True)
    with open(acl, "w") as f:
        f.write(BENCH_ACL)
    return passwd, acl


class Broker:
    """One broker process in its own temp dir; restartable on the same port."""

    def __init__(self, name, make_argv, credentials=None):
        self.name, self.make_argv, self.credentials = name, make_argv, credentials
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        self.port = free_port()
        self.proc = None

    def start(self):
        argv = self.make_argv(self.dir, self.port)
        with open(os.path.join(self.dir, "broker.log"), "ab") as log:
            self.proc = subprocess.Popen(argv, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, preexec_fn=raise_fd_limit,
                                         start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"{self.name} exited at start (status {self.proc.returncode}); "
                         f"log: {self.dir}/broker.log")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                time.sleep(0.3)  # let the broker drop the probe connection before measuring
                return self.proc.pid
            except OSError:
                time.sleep(0.05)
        self.stop()
        sys.exit(f"{self.name} did not listen on port {self.port}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def mosquitto_argv(binary, access=False):
    def argv(directory, port):
        conf = os.path.join(directory, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {port} 127.0.0.1\npersistence false\n"
                    "max_keepalive 65535\nlog_dest none\n"
                    # ours sets TCP_NODELAY on every socket; without it Mosquitto's PUBACK
                    # followed by a PUBLISH waits ~40 ms for a delayed ACK (Nagle)
                    "set_tcp_nodelay true\n")
            if access:
                passwd, acl = write_access_files(directory)
                f.write(f"allow_anonymous false\npassword_file {passwd}\nacl_file {acl}\n")
            else:
                f.write("allow_anonymous true\n")
        return [binary, "-c", conf]
    return argv


def mosquitto_version(binary):
    try:
        out = subprocess.run([binary, "-h"], capture_output=True, text=True, timeout=5).stdout
        return out.split("version", 1)[1].split()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def fabomatic_argv(binary, access=False):
    def argv(directory, port):
        settings = os.path.join(directory, "settings.toml")
        with open(settings, "w") as f:
            f.write(f'[MQTT]\nport = {port}\nbind_address = "127.0.0.1"\n')
            if access:
                passwd, acl = write_access_files(directory)
                f.write(f'allow_anonymous = false\npassword_file = "{passwd}"\n'
                        f'acl_file = "{acl}"\n')
            else:
                f.write("allow_anonymous = true\n")  # anonymous clients, every right
            f.write(f'[web]\nport = {free_port()}\nbind_address = "127.0.0.1"\n')
        return [binary, "--config", settings]
    return argv


def make_broker(name, fabomatic, mosquitto):
    access = name.endswith("+acl")
    credentials = (BENCH_USER, BENCH_PASSWORD) if access else None
    if name.startswith("fabomatic"):
        return Broker(name, fabomatic_argv(fabomatic, access), credentials)
    return Broker(name, mosquitto_argv(mosquitto, access), credentials)


def run_scenario(broker, name):
    args = SCENARIOS[name][0]
    pid = broker.restart() if name.startswith("idle") else broker.proc.pid
    cmd = [sys.executable, MQTTBENCH, "--port", str(broker.port), "--broker-pid", str(pid)]
    if broker.credentials:
        cmd += ["--username", broker.credentials[0], "--password", broker.credentials[1]]
    try:
        p = subprocess.run(cmd + args.split(), capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    line = next((l for l in p.stdout.splitlines() if l.startswith("RESULT ")), None)
    if not line:
        return {"error": (p.stderr or p.stdout).strip()[-300:]}
    result = json.loads(line[7:])
    if broker.proc.poll() is not None:
        result["error"] = f"{broker.name} died (status {broker.proc.returncode})"
    elif result.get("mode") == "throughput" and result.get("loss_pct"):
        result["error"] = f"lost {result['loss_pct']}% of the messages"
    elif result.get("timed_out"):
        result["error"] = "request/reply timed out"
    elif result.get("error"):
        result["error"] = str(result["error"])
    return result


def metric_rows(name, results):
    """[(label, unit, goal, median or None, errors)] for one scenario's results."""
    _, metric, unit, goal = SCENARIOS[name]
    metrics = metric if isinstance(metric, tuple) else (metric,)
    ok = [r for r in results if not r.get("error")]
    rows = []
    for m in metrics:
        values = [r[m] for r in ok if r.get(m) is not None]
        label = f"{name} {m.replace('_us', '')}" if len(metrics) > 1 else name
        rows.append((label, unit, goal, statistics.median(values) if values else None))
    return rows


def fmt(v):
    if v is None:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fabomatic", default=os.path.join(ROOT, "build", "release", "fabomatic"))
    ap.add_argument("--mosquitto", default=shutil.which("mosquitto") or "/usr/sbin/mosquitto")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", nargs="*", choices=list(SCENARIOS), help="scenario names")
    ap.add_argument("--out", help="also append every single result to this JSON-lines file")
    ap.add_argument("--brokers", default="fabomatic,mosquitto",
                    help="the two brokers compared, first/second (see above)")
    a = ap.parse_args()
    variants = ("fabomatic", "fabomatic+acl", "mosquitto", "mosquitto+acl")
    pair = a.brokers.split(",")
    if len(pair) != 2 or any(p not in variants for p in pair) or pair[0] == pair[1]:
        sys.exit(f"--brokers: two different ones of {', '.join(variants)}")
    for path in (a.fabomatic, a.mosquitto):
        if not os.access(path, os.X_OK):
            sys.exit(f"not an executable: {path}")
    raise_fd_limit()
    names = a.only or list(SCENARIOS)
    brokers = [make_broker(n, os.path.abspath(a.fabomatic), a.mosquitto) for n in pair]
    results = {(b.name, n): [] for b in brokers for n in names}
    cpu = {}
    out = open(a.out, "a") if a.out else None
    try:
        for b in brokers:
            b.start()
        for run in range(a.runs):
            for name in names:
                # alternate which broker goes first, so slow drifts of the machine even out
                order = brokers if run % 2 == 0 else brokers[::-1]
                for b in order:
                    r = run_scenario(b, name)
                    results[(b.name, name)].append(r)
                    if r.get("broker_cpu_pct") is not None:
                        cpu.setdefault((b.name, name), []).append(r["broker_cpu_pct"])
                    brief = r.get("error") or {k: r.get(k) for k in
                                               ("recv_rate", "p50_us", "p99_us", "per_conn_bytes")
                                               if r.get(k) is not None}
                    print(f"[run {run + 1}/{a.runs}] {name} {b.name}: {brief}",
                          file=sys.stderr, flush=True)
                    if out:
                        out.write(json.dumps(dict(r, broker=b.name, scenario=name, run=run)) + "\n")
    finally:
        for b in brokers:
            b.cleanup()
        if out:
            out.close()

    first, second = pair
    print(f"\nmedians of {a.runs} runs; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}; ours = {a.fabomatic}; Mosquitto {mosquitto_version(a.mosquitto)} "
          "with set_tcp_nodelay true\n")
    print(f"| scenario | unit | {first} | {second} | {first}/{second} | goal | "
          f"broker CPU % {first} / {second} |")
    print("|---|---|---:|---:|---:|---|---|")
    for name in names:
        ours_rows = metric_rows(name, results[(first, name)])
        theirs_rows = metric_rows(name, results[(second, name)])
        for (label, unit, goal, ours), (_, _, _, theirs) in zip(ours_rows, theirs_rows):
            ratio = f"{ours / theirs:.2f}" if ours is not None and theirs else "-"
            c_ours = cpu.get((first, name))
            c_theirs = cpu.get((second, name))
            c = (f"{fmt(statistics.median(c_ours)) if c_ours else '-'} / "
                 f"{fmt(statistics.median(c_theirs)) if c_theirs else '-'}")
            print(f"| {label} | {unit} | {fmt(ours)} | {fmt(theirs)} | {ratio} | {goal} | {c} |")
    errors = {k: [r["error"] for r in v if r.get("error")] for k, v in results.items()}
    errors = {k: v for k, v in errors.items() if v}
    for (broker, name), errs in errors.items():
        print(f"\n{broker} {name}: {len(errs)} failed run(s): {errs[0]}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
