"""The real `fabomatic` binary on a prepared database, driven over MQTT like a board.

Each test gets its own process, temp dir and database: a copy of a seeded template made once
per test process (creating a database hashes the admin password, which takes a second;
opening an existing one takes milliseconds). A test edits its copy with sqlite3 before the
start (scenario.py), starts the binary, talks to it with Board clients (Debian's paho-mqtt,
QoS 0, client id BOARD<n>, the exact firmware payloads) and reads the database rows after.

Silence is tested without sleeping: the broker handles one connection's messages in order
and the backend answers each one before the next, so when a board sends a message that must
not be answered followed by a valid query, the first reply it sees must be the valid query's.

The executable comes from $FABOMATIC_BIN, so the sanitizer build runs the same suite; its log
is checked for sanitizer findings and its exit status for a clean stop after every test.
"""
import atexit
import json
import os
import queue
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

import paho.mqtt.client as mqtt

# How long a board waits for a reply (the firmware waits 2 s; the sanitizer build is slower).
REPLY_TIMEOUT_S = 3.0

SEEDED_MACHINE_ID = 1
SEEDED_MACHINE_NAME = "MACHINE1"
SEEDED_TYPE_ID = 1
ADMIN_CARD = "12345678"


def fabomatic_bin():
    path = os.environ.get("FABOMATIC_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("set FABOMATIC_BIN to the fabomatic executable (ctest does)")
    return path


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


def test_settings(port, db_path, extra=""):
    """The settings of the brief: our broker on loopback, an absolute database URL, stats
    every second. `extra` is appended (more sections or keys)."""
    return (f"[MQTT]\nport = {port}\nbind_address = \"127.0.0.1\"\nsys_interval_s = 0\n"
            f"[database]\nurl = \"sqlite:///{db_path}\"\n"
            f"[web]\nport = {free_port()}\nbind_address = \"127.0.0.1\"\n"
            f"[backend]\nstats_interval_s = 1\n{extra}")


_running = set()


@atexit.register
def _kill_leftovers():
    for process in list(_running):
        process.stop()


class Fabomatic:
    """One fabomatic process with its own working directory, settings and log."""

    def __init__(self, directory, settings_text=None, db_path=None, port=None, extra=""):
        self.dir = directory
        self.port = port or free_port()
        self.db_path = db_path or os.path.join(directory, "db.sqldb")
        self.settings_path = os.path.join(directory, "settings.toml")
        self.log_path = os.path.join(directory, "fabomatic.log")
        with open(self.settings_path, "w", encoding="utf-8") as f:
            f.write(settings_text if settings_text is not None
                    else test_settings(self.port, self.db_path, extra))
        self.proc = None
        self.returncodes = []

    def start(self, timeout=20.0):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([fabomatic_bin(), "--config", self.settings_path],
                                         cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        _running.add(self)
        if not wait_until(self._answers_connect, timeout, 0.02):
            tail = self.log_tail()
            self.stop()
            raise RuntimeError(f"fabomatic did not answer on port {self.port}:\n{tail}")
        return self

    # CONNECT (MQTT 3.1.1, clean session, keep-alive 60 s, client id "harness-ready").
    _CONNECT = bytes([0x10, 25, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 60, 0, 13]) + b"harness-ready"

    def _answers_connect(self):
        """Ready once the broker answers a CONNECT: the kernel accepts TCP connections as soon
        as the port listens, but only the running reactor sends CONNACK, and by then the
        process has its SIGTERM handler (a SIGTERM before that would kill it uncleanly)."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"fabomatic exited with {self.proc.returncode}:\n{self.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(self._CONNECT)
                connack = b""
                while len(connack) < 4:
                    chunk = s.recv(4 - len(connack))
                    if not chunk:
                        return False
                    connack += chunk
                if connack != bytes([0x20, 2, 0, 0]):
                    raise RuntimeError(f"fabomatic refused the CONNECT: {connack.hex()}")
                s.sendall(bytes([0xE0, 0]))  # DISCONNECT
                return True
        except OSError:
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM (a clean stop), SIGKILL after 10 s; returns the exit status."""
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
        code = self.proc.returncode
        self.returncodes.append(code)
        self.proc = None
        return code

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


_template = None


def seeded_template():
    """Path of a database that fabomatic created and seeded (made once per test process)."""
    global _template
    if _template is None:
        directory = tempfile.mkdtemp(prefix="bi-template-")
        atexit.register(shutil.rmtree, directory, True)
        server = Fabomatic(directory)
        server.start()
        code = server.stop()
        if code != 0:
            # every test of the process fails with this; keep the log of the first attempt
            raise RuntimeError(f"seeding run exited with {code}:\n{server.log_tail()}")
        path = os.path.join(directory, "template.sqldb")
        copy_database(server.db_path, path)
        _template = path
    return _template


def copy_database(source, destination):
    """A consistent copy through SQLite's backup API (includes anything still in the WAL)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


class Board:
    """A board as the firmware connects: client id BOARD<n>, clean session, subscribed at
    QoS 0 to <topic>/reply and <topic>/request. Received messages queue up per topic."""

    _next_number = [0]
    _lock = threading.Lock()

    def __init__(self, port, machine="1", client_id=None):
        with Board._lock:
            Board._next_number[0] += 1
            number = Board._next_number[0]
        self.topic = f"machine/{machine}"
        self.reply_topic = self.topic + "/reply"
        self.request_topic = self.topic + "/request"
        self.replies = queue.Queue()
        self.requests = queue.Queue()
        self.others = queue.Queue()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(client_id=client_id or f"BOARD{number % 1000}",
                                  clean_session=True, protocol=mqtt.MQTTv311)
        self.client.username_pw_set("user", "password")
        self.client.on_connect = lambda _c, _u, _f, rc: self._connected.set() if rc == 0 else None
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port, keepalive=10)
        self.client.loop_start()
        if not self._connected.wait(REPLY_TIMEOUT_S):
            self.close()
            raise TimeoutError("board: no CONNACK")
        self.client.subscribe([(self.reply_topic, 0), (self.request_topic, 0)])
        if not self._subscribed.wait(REPLY_TIMEOUT_S):
            self.close()
            raise TimeoutError("board: no SUBACK")

    def _on_message(self, _client, _userdata, msg):
        if msg.topic == self.reply_topic:
            self.replies.put(msg.payload)
        elif msg.topic == self.request_topic:
            self.requests.put(msg.payload)
        else:
            self.others.put((msg.topic, msg.payload))

    def send(self, payload, topic=None):
        """Publishes a query (str or bytes) at QoS 0 without waiting for a reply."""
        info = self.client.publish(topic or self.topic, payload, qos=0, retain=False)
        info.wait_for_publish(REPLY_TIMEOUT_S)
        if not info.is_published():
            raise TimeoutError("board: publish did not leave")

    def next_reply_bytes(self, timeout=REPLY_TIMEOUT_S):
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no reply on {self.reply_topic} within {timeout} s") from None

    def next_reply(self, timeout=REPLY_TIMEOUT_S):
        return self.next_reply_bytes(timeout).decode("utf-8")

    def query(self, payload):
        """Sends a query and returns the reply payload as text (asserting one came)."""
        self.send(payload)
        return self.next_reply()

    def pending_replies(self):
        items = []
        while True:
            try:
                items.append(self.replies.get_nowait())
            except queue.Empty:
                return items

    def connected(self):
        return self.client.is_connected()

    def close(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


class Monitor:
    """Any other MQTT client, subscribed to some filters; collects (topic, payload)."""

    def __init__(self, port, filters, client_id="monitor", qos=0):
        self.messages = queue.Queue()
        self.details = []  # (topic, qos, retain) of every message, in arrival order
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(client_id=client_id, clean_session=True,
                                  protocol=mqtt.MQTTv311)
        self.client.on_connect = lambda *_: self._connected.set()
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        if not self._connected.wait(REPLY_TIMEOUT_S):
            raise TimeoutError("monitor: no CONNACK")
        self.client.subscribe([(f, qos) for f in filters])
        if not self._subscribed.wait(REPLY_TIMEOUT_S):
            raise TimeoutError("monitor: no SUBACK")

    def _on_message(self, _client, _userdata, msg):
        self.details.append((msg.topic, msg.qos, bool(msg.retain)))
        self.messages.put((msg.topic, msg.payload))

    def next(self, timeout=REPLY_TIMEOUT_S):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"monitor: nothing within {timeout} s") from None

    def close(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


# ------------------------------------------------------------------------------ payloads
# Byte for byte what the firmware publishes (PROTOCOL.md): note the space after the comma
# that follows "action", and none before "duration".
def checkmachine():
    return '{"action":"checkmachine"}'


def checkuser(uid):
    return '{"action":"checkuser","uid":"%s"}' % uid


def _replayed(payload, replay):
    return payload[:-1] + ', "replay":true}' if replay else payload


def startuse(uid, replay=False):
    return _replayed('{"action":"startuse", "uid":"%s"}' % uid, replay)


def inuse(uid, duration):
    return '{"action":"inuse", "uid":"%s","duration":%s}' % (uid, duration)


def stopuse(uid, duration, replay=False):
    return _replayed('{"action":"stopuse", "uid":"%s","duration":%s}' % (uid, duration), replay)


def maintenance(uid, replay=False):
    return _replayed('{"action":"maintenance", "uid":"%s"}' % uid, replay)


def alive(version="hardware-rev0-it_IT,0.7.3-12-gabcdef", ip="192.168.1.5",
          serial="a1b2c3d4e5f6", heap='"183456"'):
    """heap is spliced in raw: '"183456"' (a string, current firmware) or '1234' (older)."""
    parts = ['"action":"alive"', f'"version":"{version}"', f'"ip":"{ip}"']
    if serial is not None:
        parts.append(f'"serial":"{serial}"')
    if heap is not None:
        parts.append(f'"heap":{heap}')
    return "{" + ",".join(parts) + "}"


def synccache():
    return '{"action":"synccache"}'


# ------------------------------------------------------------------------------ replies
def j(value):
    """A JSON string literal as the backend writes it (compact, UTF-8 kept)."""
    return json.dumps(value, ensure_ascii=False)


def checkuser_reply(is_valid, name, missing_auth, level, request_ok=True):
    return ('{"request_ok":%s,"is_valid":%s,"name":%s,"missing_auth":%s,"level":%d}'
            % (_b(request_ok), _b(is_valid), j(name), _b(missing_auth), level))


def checkmachine_reply(name, logoff, type_id, grace, maintenance=False, allowed=True,
                       description=""):
    return ('{"request_ok":true,"is_valid":true,"maintenance":%s,"allowed":%s,"name":%s,'
            '"logoff":%d,"type":%d,"grace":%d,"description":%s}'
            % (_b(maintenance), _b(allowed), j(name), logoff, type_id, grace, j(description)))


def simple_reply(request_ok, message):
    return '{"request_ok":%s,"message":%s}' % (_b(request_ok), j(message))


def duration_reply(seconds):
    return simple_reply(True, f"Duration {seconds} seconds")


def synccache_reply(cards):
    """cards: [(uid, level), ...] exactly as expected."""
    items = ",".join('{"uid":%s,"level":%d}' % (j(uid), level) for uid, level in cards)
    return '{"request_ok":true,"cards":[%s]}' % items


UNKNOWN_MACHINE_REPLY = '{"request_ok":false,"message":"Invalid machine ID"}'
NOT_AUTHORIZED = ("User not authorized", True, 0)


def _b(value):
    return "true" if value else "false"


def reply_budget(reply_topic):
    """Largest payload the board's 300-byte MQTT buffer accepts on this topic (PROTOCOL.md:
    280 bytes on machine/<one digit>/reply, one less per extra character of the topic)."""
    return 300 - 5 - len(reply_topic.encode())


# ------------------------------------------------------------------------------ test case
class BackendTestCase(unittest.TestCase):
    """setUp gives each test a fresh copy of the seeded database, not yet running.
    prepare(...) edits it, start() starts fabomatic, board()/monitor() connect clients,
    rows()/value() read the database (also while running: WAL lets readers in)."""

    extra_settings = ""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bi-")
        self.addCleanup(shutil.rmtree, self.dir, True)  # also when the lines below fail
        self.db_path = os.path.join(self.dir, "db.sqldb")
        shutil.copyfile(seeded_template(), self.db_path)
        self.server = Fabomatic(self.dir, db_path=self.db_path, extra=self.extra_settings)
        self.clients = []
        self.addCleanup(self._finish)

    def _finish(self):
        for client in self.clients:
            try:
                client.close()
            except Exception:  # a client the test closed on purpose
                pass
        running = self.server.alive()
        self.server.stop()
        report = self.server.sanitizer_report()
        codes = self.server.returncodes
        tail = self.server.log_tail()
        shutil.rmtree(self.dir, ignore_errors=True)
        if report:
            self.fail(f"sanitizer report:\n{report}")
        if running and codes and codes[-1] != 0:
            self.fail(f"fabomatic exited with {codes[-1]} on SIGTERM:\n{tail}")

    # -- database
    def connect_db(self):
        conn = sqlite3.connect(self.db_path, timeout=5)
        conn.row_factory = sqlite3.Row
        return conn

    def prepare(self, edit):
        """Runs edit(Scenario) on the stopped database in one transaction; returns its result."""
        from scenario import Scenario
        self.assertFalse(self.server.alive(), "prepare() edits the database while stopped")
        conn = self.connect_db()
        try:
            with conn:
                result = edit(Scenario(conn))
        finally:
            conn.close()
        return result

    def rows(self, sql, *args):
        conn = self.connect_db()
        try:
            return [dict(r) for r in conn.execute(sql, args).fetchall()]
        finally:
            conn.close()

    def value(self, sql, *args):
        conn = self.connect_db()
        try:
            row = conn.execute(sql, args).fetchone()
            return None if row is None else row[0]
        finally:
            conn.close()

    def eventually(self, read, until=lambda v: v is not None, timeout=3.0):
        """read() polled until until(value): last-seen times are written behind, within a
        second (backend/heartbeats.hpp). Returns the last value read."""
        deadline = time.monotonic() + timeout
        value = read()
        while not until(value) and time.monotonic() < deadline:
            time.sleep(0.05)
            value = read()
        return value

    # -- process and clients
    def start(self):
        self.server.start()
        return self.server

    def restart(self):
        self.assertEqual(self.server.stop(), 0, self.server.log_tail())
        self.server.start()

    def board(self, machine="1", client_id=None):
        client = Board(self.server.port, str(machine), client_id)
        self.clients.append(client)
        return client

    def monitor(self, *filters, client_id="monitor", qos=0):
        client = Monitor(self.server.port, filters, client_id, qos)
        self.clients.append(client)
        return client

    # -- assertions
    def assertTimeBetween(self, value, before, after, slack=0.05):
        """A timestamp the backend took between two clock readings of the test."""
        self.assertIsNotNone(value)
        self.assertGreaterEqual(value, before - slack)
        self.assertLessEqual(value, after + slack)

    def assertNoReplyThenAnswered(self, board, payload, topic=None):
        """`payload` gets no reply, and the board's next valid query is still answered: the
        first reply that arrives must be the synccache's (replies keep query order, and no
        malformed case is a synccache)."""
        board.send(payload, topic)
        board.send(synccache())
        reply = board.next_reply()
        self.assertTrue(reply.startswith('{"request_ok":true,"cards":['),
                        f"after {payload[:80]!r}: the first reply was {reply!r}")
        self.assertEqual(board.pending_replies(), [])
        self.assertTrue(self.server.alive(), self.server.log_tail())
