#!/usr/bin/python3
"""Abuse/flood check of an MQTT broker (issue 2, "Done when" 6).

Waves of 5000 TCP connections send malformed input (random bytes, truncated packets, oversized
remaining lengths, invalid UTF-8, wrong flags, half-open sockets that never send CONNECT,
CONNECT followed by garbage, large packets that never complete) while a well-behaved client in
its own process keeps doing publish -> receive round trips and records their latency. After the
abusive connections are gone, the broker's RSS must come back near its baseline.

Used by test_flood.py (ctest label `flood`), and standalone against a running broker:
    PYTHONPATH=../pylib ./flood.py --port 1883 --pid <broker pid> [--duration 20] [--conns 5000]
"""
import argparse
import json
import multiprocessing
import os
import random
import select
import socket
import struct
import sys
import time

from fabomatic_testing.process import raise_fd_limit

from fabomatic_testing.mqtt_raw import PUBLISH, RawClient, connect_pkt, packet, publish_pkt, s16, subscribe_pkt


def _connect_then(data):
    return connect_pkt(f"flood-{random.getrandbits(40):x}") + data


def _random_bytes():
    return os.urandom(random.randint(1, 512))


# name -> function returning the bytes that connection sends (b"" sends nothing), with weights
ABUSES = [
    ("random_bytes", 6, _random_bytes),
    ("truncated_connect", 4, lambda: connect_pkt("trunc")[:random.randint(1, 14)]),
    ("oversized_length", 4, lambda: b"\x10\xff\xff\xff\x7f" + os.urandom(16)),
    ("bad_remaining_length", 2, lambda: b"\x30\xff\xff\xff\xff\xff"),
    ("connect_invalid_utf8_id", 3, lambda: connect_pkt(b"\xc3\x28\xff")),
    ("connect_wrong_flags", 3, lambda: bytes([0x1F]) + connect_pkt("flags")[1:]),
    ("connect_reserved_bit", 2, lambda: connect_pkt("rsv", flags_override=0x03)),
    ("half_open_silent", 6, lambda: b""),
    ("connect_then_garbage", 6, lambda: _connect_then(_random_bytes())),
    ("connect_then_oversized", 3, lambda: _connect_then(b"\x30\xff\xff\xff\x7f" + b"x" * 64)),
    ("publish_invalid_utf8", 3, lambda: _connect_then(publish_pkt(b"flood/\xed\xa0\x80", b"x"))),
    ("publish_wildcard_topic", 2, lambda: _connect_then(publish_pkt("flood/#", b"x"))),
    ("subscribe_wrong_flags", 2, lambda: _connect_then(subscribe_pkt(1, [("a", 0)], 0x80))),
    ("publish_qos3", 2, lambda: _connect_then(bytes([0x36]) + b"\x05" + s16("a") + b"\x00\x01")),
    ("connect_then_idle", 3, lambda: _connect_then(b"")),
    # a large packet whose body never completes (about 2% of the connections)
    ("partial_large_publish", 1,
     lambda: _connect_then(b"\x30" + bytes([0x80, 0x80, 0x06]) + s16("flood/big") + b"x" * 1024)),
]
_WEIGHTED = [(name, fn) for name, weight, fn in ABUSES for _ in range(weight)]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# ----------------------------------------------------------------- well-behaved client
def prober(port, stop, results, interval):
    """Publish -> receive round trips at QoS 1 until stop is set; reconnects after a failure
    (and counts it). Sends (rtts in seconds, failures) through the results queue."""
    rtts, failures, seq = [], [], 0
    client = None
    topic = "flood/probe"
    while not stop.is_set():
        try:
            if client is None:
                client = RawClient(port, timeout=2)
                client.connect(f"flood-prober-{os.getpid()}", keepalive=30)
                client.subscribe([(topic, 1)])
            seq += 1
            start = time.monotonic()
            client.send(publish_pkt(topic, struct.pack(">Q", seq), qos=1, pid=seq % 65535 + 1))
            while True:
                pkt = client.read(timeout=2.0)
                if pkt.type == PUBLISH:
                    client.send(packet(0x40, struct.pack(">H", pkt.pid)))
                    if struct.unpack(">Q", pkt.payload)[0] == seq:
                        break
            rtts.append(time.monotonic() - start)
        except Exception as e:  # noqa: BLE001 - every failure is reported, none is fatal
            failures.append(f"{time.monotonic():.3f} {type(e).__name__}: {e}")
            if client is not None:
                client.close()
            client = None
            time.sleep(0.1)
        stop.wait(interval)
    if client is not None:
        client.disconnect()
    results.put((rtts, failures))


# --------------------------------------------------------------------- abusive waves
class Wave:
    """`count` non-blocking connections, each sending one abuse, opened in batches."""

    def __init__(self, port, count, batch=250):
        self.port, self.count, self.batch = port, count, batch
        self.socks = []
        self.kinds = {}
        self.refused = 0

    def open(self, deadline):
        poller = select.poll()
        pending = {}
        for start in range(0, self.count, self.batch):
            if time.monotonic() > deadline:
                break
            for _ in range(min(self.batch, self.count - start)):
                name, fn = random.choice(_WEIGHTED)
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", self.port))
                pending[s.fileno()] = (s, fn())
                self.kinds[name] = self.kinds.get(name, 0) + 1
                poller.register(s, select.POLLOUT)
            # wait for this batch to connect and send its bytes
            batch_end = time.monotonic() + 5
            while pending and time.monotonic() < batch_end:
                for fd, ev in poller.poll(200):
                    s, data = pending.pop(fd)
                    poller.unregister(fd)
                    if ev & (select.POLLERR | select.POLLHUP):
                        self.refused += 1
                        s.close()
                        continue
                    try:
                        if data:
                            s.send(data)
                        self.socks.append(s)
                    except OSError:
                        self.refused += 1
                        s.close()
            for fd, (s, _) in pending.items():
                poller.unregister(fd)
                s.close()
                self.refused += 1
            pending.clear()

    def alive(self):
        """How many of our sockets the broker has not closed yet."""
        n = 0
        for s in self.socks:
            try:
                data = s.recv(65536, socket.MSG_PEEK)
                n += bool(data)  # data pending (a CONNACK, say): still open
            except BlockingIOError:
                n += 1
            except OSError:
                pass
        return n

    def close(self):
        for i, s in enumerate(self.socks):
            if i % 2:  # half of them vanish with a reset, as a crashed client would
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass
            s.close()
        self.socks = []


def run(port, pid, conns=5000, duration=20.0, settle=15.0, rss_margin_kb=10 * 1024,
        max_rtt=1.0, log=print):
    """Runs the flood; returns a result dict with "ok" and the reasons it is not."""
    raise_fd_limit(conns + 200)
    ctx = multiprocessing.get_context("fork")
    stop, results = ctx.Event(), ctx.Queue()
    probe = ctx.Process(target=prober, args=(port, stop, results, 0.02), daemon=True)
    probe.start()
    time.sleep(1.0)  # the prober's session and subscription are part of the baseline
    baseline = rss_kb(pid)
    peak = baseline
    log(f"baseline RSS {baseline} kB")
    start = time.monotonic()
    waves, kinds, refused, still_open = 0, {}, 0, []
    while waves == 0 or time.monotonic() - start < duration:
        wave = Wave(port, conns)
        wave.open(start + duration + 30)
        waves += 1
        for k, v in wave.kinds.items():
            kinds[k] = kinds.get(k, 0) + v
        refused += wave.refused
        time.sleep(0.5)
        peak = max(peak, rss_kb(pid))
        still_open.append(wave.alive())
        log(f"wave {waves}: {len(wave.socks)} connections sent their abuse, "
            f"{still_open[-1]} still open, {wave.refused} refused; RSS {rss_kb(pid)} kB")
        wave.close()
    flood_s = time.monotonic() - start
    # the broker must give the memory back once the abusers are gone
    settle_end = time.monotonic() + settle
    after = rss_kb(pid)
    while after > baseline + rss_margin_kb and time.monotonic() < settle_end:
        time.sleep(0.5)
        after = rss_kb(pid)
    stop.set()
    rtts, failures = results.get(timeout=30)
    probe.join(10)
    rtts.sort()
    result = dict(
        waves=waves, connections=waves * conns, refused=refused, flood_s=round(flood_s, 1),
        still_open_per_wave=still_open, kinds=kinds,
        round_trips=len(rtts), failures=failures,
        rtt_ms={k: round(1000 * rtts[min(len(rtts) - 1, int(q * len(rtts)))], 2) if rtts else None
                for k, q in (("p50", 0.5), ("p99", 0.99), ("max", 1.0))},
        rss_kb=dict(baseline=baseline, peak=peak, after=after, margin=rss_margin_kb))
    problems = []
    if failures:
        problems.append(f"the well-behaved client failed {len(failures)} times: {failures[:5]}")
    if rtts and rtts[-1] > max_rtt:
        problems.append(f"a round trip took {rtts[-1]:.3f} s (limit {max_rtt} s)")
    if len(rtts) < flood_s * 5:
        problems.append(f"only {len(rtts)} round trips in {flood_s:.0f} s")
    if after > baseline + rss_margin_kb:
        problems.append(f"RSS {after} kB did not return within {rss_margin_kb} kB of the "
                        f"baseline {baseline} kB")
    result["problems"] = problems
    result["ok"] = not problems
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="broker process id (for its RSS)")
    ap.add_argument("--conns", type=int, default=5000)
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--settle", type=float, default=15)
    ap.add_argument("--rss-margin-mb", type=float, default=10)
    a = ap.parse_args()
    r = run(a.port, a.pid, a.conns, a.duration, a.settle, int(a.rss_margin_mb * 1024))
    print("RESULT " + json.dumps(r))
    sys.exit(0 if r["ok"] else 1)


if __name__ == "__main__":
    main()
