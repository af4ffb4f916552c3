"""Brokers under test and the per-broker test-case machinery.

Every scenario is written once, as a mixin class, and runs against both brokers:
    class RetainedScenarios: ...                      # the assertions
    globals().update(per_broker(RetainedScenarios))   # RetainedScenarios_mosquitto/_fabomatic

Each generated TestCase class starts its own broker on a free loopback port (setUpClass) and
stops it in tearDownClass; every client a test opens is closed in tearDown, every broker is
killed at exit. Which brokers run: $INTEGRATION_BROKERS ("mosquitto,fabomatic"); by default
Mosquitto, plus ours when $FABOMATIC_BIN names the executable.

Intended differences between the brokers live in INTENDED_DIFFERENCES: a test asks
self.expected("key") and asserts the same thing against both brokers with the answer for the
broker it runs against. Known defects of ours are marked in KNOWN_FAILURES: such a test
runs as an expected failure, so the suite reports it without hiding it, and flags it as an
"unexpected success" (a failure of the run) as soon as the broker is fixed.
"""
import atexit
import ctypes
import functools
import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from mqtt_raw import RawClient

# --------------------------------------------------------------------------- differences
# key -> {broker name: expected observable behaviour, "reason": why they differ}
INTENDED_DIFFERENCES = {
    "invalid_subscribe_filter": {
        "mosquitto": "closed",
        "fabomatic": "suback_0x80",
        "reason": "an invalid filter (MQTT-4.7.1-1/2) is refused with SUBACK 0x80 so the client "
                  "learns which filter failed and keeps its connection and other filters; "
                  "Mosquitto treats it as a protocol error and closes the connection.",
    },
    "mqtt5_connect": {
        "mosquitto": "accepted",
        "fabomatic": "refused_0x01",
        "reason": "we implement MQTT 3.1.1 and 3.1 only; a protocol level 5 CONNECT is answered "
                  "with CONNACK 0x01 (unacceptable protocol version, MQTT-3.1.2-2) and closed.",
    },
    "connect_timeout_s": {
        "mosquitto": None,
        "fabomatic": 2,
        "reason": "we close a socket that sends no CONNECT within [MQTT] connect_timeout_s "
                  "(default 10 s, 2 s in these tests); Mosquitto has no such setting and closes "
                  "it only after about 90 s (1.5 x its default 60 s keep-alive).",
    },
    "keepalive_lateness_s": {
        "mosquitto": 5.0,
        "fabomatic": 1.0,
        "reason": "how long after 1.5 x keep-alive the connection may still be open: Mosquitto "
                  "checks keep-alives every 5 s, ours times each connection individually.",
    },
    "slow_qos1_subscriber": {
        "mosquitto": "drops beyond its queue",
        "fabomatic": "publisher slowed, nothing lost",
        "reason": "a QoS 1/2 publisher faster than an online subscriber that keeps acknowledging "
                  "is read no further while that subscriber's queue is over half full (flow "
                  "control), so nothing overflows; Mosquitto acknowledges at full speed and drops "
                  "what exceeds max_queued_messages. A subscriber that acknowledges nothing for 1 s "
                  "holds nobody back on ours either: its queue overflows, the publishers go on.",
    },
}

# broker name -> {test method name: what the broker does wrong}. Mosquitto's entries are its
# deviations from the standard, where ours follows it (listed in the README with the others).
KNOWN_FAILURES = {
    "mosquitto": {
        "test_MQTT_3_3_5_1_overlapping_subscriptions_one_copy_at_highest_qos":
            "Mosquitto 2.0.11 delivers one copy at the QoS of the first filter of its tree walk "
            "(exact and '+' levels before '#'), not at the highest granted QoS.",
        "test_MQTT_4_3_3_2_qos2_pipelined_beyond_inflight_window_not_lost":
            "Mosquitto 2.0.11 answers PUBREC to every pipelined QoS 2 PUBLISH but delivers only "
            "the first 20 (its max_inflight_messages) when they arrive before any PUBREL.",
        "test_MQTT_2_2_2_2_pingreq_with_reserved_flags_closes":
            "Mosquitto does not check the reserved flags of PINGREQ and answers it.",
        "test_MQTT_2_2_2_2_pingreq_with_remaining_length_closes":
            "Mosquitto ignores a non-zero remaining length on PINGREQ and answers it.",
        "test_MQTT_4_8_0_1_suback_from_client_closes":
            "Mosquitto ignores a SUBACK sent by a client instead of closing the connection.",
    },
    "fabomatic": {},
}


# The same limit for both brokers (ours defaults to it), so the oversize tests agree.
MAX_PACKET_SIZE = 256 * 1024


def _child_setup():
    """In the broker's child process: as many descriptors as the hard limit allows, and
    death with the test process even when that one is killed (ctest timeout, Ctrl-C)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port():
    """A loopback TCP port nobody listens on (bound to port 0 and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=5.0, interval=0.02):
    """Polls predicate until it is truthy or timeout passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


_running = set()


@atexit.register
def _kill_leftovers():
    for broker in list(_running):
        broker.stop()


class Broker:
    """A broker process on 127.0.0.1:<free port> with its own temp dir and log file."""

    name = ""
    start_timeout = 10.0

    def __init__(self, sanitizer_options=""):
        # appended to $ASAN_OPTIONS for this broker (later options override earlier ones)
        self.sanitizer_options = sanitizer_options
        self.port = None
        self.proc = None
        self.dir = None
        self.log_path = None

    # subclasses: the argv and the config files in self.dir
    def command(self):
        raise NotImplementedError

    def start(self):
        self.dir = tempfile.mkdtemp(prefix=f"it-{self.name}-")
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "broker.log")
        argv = self.command()
        env = dict(os.environ)
        if self.sanitizer_options:
            env["ASAN_OPTIONS"] = ":".join(
                o for o in (env.get("ASAN_OPTIONS"), self.sanitizer_options) if o)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, cwd=self.dir, env=env, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True,
                                         preexec_fn=_child_setup)
        _running.add(self)
        if not wait_until(self._accepts, self.start_timeout, 0.05):
            log = self.log_tail()
            self.stop()
            raise RuntimeError(f"{self.name} did not listen on port {self.port}:\n{log}")
        return self

    def _accepts(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        """SIGTERM, then SIGKILL after 10 s; returns the exit status."""
        _running.discard(self)
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def cleanup(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def sanitizer_report(self):
        """The first sanitizer finding in the log, if any."""
        text = self.log_text()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            at = text.find(marker)
            if at >= 0:
                return text[max(0, at - 200):at + 3000]
        return None

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None


class Mosquitto(Broker):
    name = "mosquitto"

    def command(self):
        conf = os.path.join(self.dir, "mosquitto.conf")
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "max_keepalive 65535",
            "set_tcp_nodelay true",  # as ours does on every socket
            # stay root when run as root: dropping privileges would clear PR_SET_PDEATHSIG
            "user root",
            f"max_packet_size {MAX_PACKET_SIZE}",
            "sys_interval 1",
            "log_dest stdout",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
        ]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return [os.environ.get("MOSQUITTO_BIN", "/usr/sbin/mosquitto"), "-c", conf]


class Fabomatic(Broker):
    name = "fabomatic"
    start_timeout = 30.0  # the sanitizer build starts slowly on a busy machine

    def command(self):
        binary = os.environ.get("FABOMATIC_BIN")
        if not binary or not os.access(binary, os.X_OK):
            raise RuntimeError(f"FABOMATIC_BIN={binary!r} is not an executable")
        settings = os.path.join(self.dir, "settings.toml")
        with open(settings, "w") as f:
            f.write("[MQTT]\n"
                    f"port = {self.port}\n"
                    'bind_address = "127.0.0.1"\n'
                    "sys_interval_s = 1\n"
                    f"connect_timeout_s = {INTENDED_DIFFERENCES['connect_timeout_s'][self.name]}\n"
                    f"max_packet_size = {MAX_PACKET_SIZE}\n"
                    # the portal gets a port of its own too: test modules run in parallel
                    "[web]\n"
                    f"port = {free_port()}\n"
                    'bind_address = "127.0.0.1"\n')
        return [os.path.abspath(binary), "--config", settings]


BROKERS = {"mosquitto": Mosquitto, "fabomatic": Fabomatic}


def selected_brokers():
    names = os.environ.get("INTEGRATION_BROKERS")
    if names:
        return [n.strip() for n in names.split(",") if n.strip()]
    return ["mosquitto", "fabomatic"] if os.environ.get("FABOMATIC_BIN") else ["mosquitto"]


class BrokerTestCase(unittest.TestCase):
    """One broker per test class; a fresh one if a test killed it."""

    broker_name = None
    broker = None
    sanitizer_options = ""  # extra ASAN_OPTIONS for this class's broker (sanitizer builds)

    @classmethod
    def setUpClass(cls):
        cls.broker = BROKERS[cls.broker_name](cls.sanitizer_options).start()

    @classmethod
    def tearDownClass(cls):
        broker = cls.broker
        status = broker.stop()
        report = broker.sanitizer_report()
        broker.cleanup()
        if report:
            raise AssertionError(f"{broker.name} sanitizer report:\n{report}")
        if status not in (0, -signal.SIGTERM):
            raise AssertionError(f"{broker.name} exited with status {status} on SIGTERM")

    def setUp(self):
        self._clients = []
        # topics and client ids unique per test, so tests sharing a broker cannot interfere
        self.tag = self.id().rsplit(".", 1)[-1][5:40]
        if not self.broker.alive():
            type(self).broker = BROKERS[self.broker_name](self.sanitizer_options).start()

    def tearDown(self):
        for c in self._clients:
            c.close()
        if not self.broker.alive():
            status = self.broker.proc.returncode
            self.fail(f"{self.broker.name} died during the test (status {status}):\n"
                      f"{self.broker.log_tail()}")

    # ------------------------------------------------------------------ helpers
    @property
    def port(self):
        return self.broker.port

    def expected(self, key):
        return INTENDED_DIFFERENCES[key][self.broker_name]

    def topic(self, suffix=""):
        return f"it/{self.tag}/{suffix}" if suffix else f"it/{self.tag}"

    def cid(self, suffix=""):
        return f"{self.tag[:16]}-{suffix}"

    def raw(self, client_id=None, **connect_kw):
        """A RawClient, connected (CONNACK 0 asserted) when client_id is given."""
        c = RawClient(self.port)
        self._clients.append(c)
        if client_id is not None:
            c.connect(client_id, **connect_kw)
        return c

    def paho(self, client_id, **kw):
        """A connected PahoClient (see paho_client.py), closed in tearDown."""
        from paho_client import PahoClient
        c = PahoClient(self.port, client_id, **kw)
        self._clients.append(c)
        return c

    def assertBrokerServes(self):
        """Another client can still connect and get a PUBLISH round trip."""
        c = self.raw(self.cid("probe"))
        c.subscribe([(self.topic("probe"), 1)], pid=7)
        c.publish(self.topic("probe"), b"ping", qos=1, pid=8)
        pkt = c.expect_publish()
        self.assertEqual(pkt.payload, b"ping")
        c.disconnect()


def per_broker(scenarios):
    """One TestCase class per selected broker for a scenario mixin, named <Mixin>_<broker>."""
    classes = {}
    for name in selected_brokers():
        attrs = {"broker_name": name, "__module__": scenarios.__module__}
        for method, reason in KNOWN_FAILURES.get(name, {}).items():
            fn = getattr(scenarios, method, None)
            if fn is not None:
                # a copy, so that marking it does not mark the other broker's test too
                wrapped = unittest.expectedFailure(functools.wraps(fn)(
                    lambda self, _fn=fn: _fn(self)))
                wrapped.__doc__ = f"KNOWN FAILURE ({name}): {reason}"
                attrs[method] = wrapped
        cls_name = f"{scenarios.__name__}_{name}"
        classes[cls_name] = type(cls_name, (scenarios, BrokerTestCase), attrs)
    return classes


def differences_markdown():
    """The intended differences and Mosquitto's known deviations, as README tables."""
    lines = ["| behaviour | Mosquitto | fabomatic | why |", "|---|---|---|---|"]
    for key, d in INTENDED_DIFFERENCES.items():
        lines.append(f"| `{key}` | {d['mosquitto']} | {d['fabomatic']} | {d['reason']} |")
    for broker, failures in KNOWN_FAILURES.items():
        if failures:
            lines += ["", f"Known deviations of {broker} from MQTT 3.1.1 (its test is an "
                          "expected failure):", "", "| test | what it does |", "|---|---|"]
            lines += [f"| `{test}` | {why} |" for test, why in failures.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(differences_markdown())
