"""fabomatic with its portal on free ports, a signed-in admin, and live WebSocket clients.

Builds on tests/backend_integration/backend_harness.py (process control, the seeded template
database, paho boards, the firmware payloads, sanitizer checks after each test) and adds
what the portal needs: a known [web] port, sign-in over HTTPS (the seeded admin must choose a
new password before anything else is allowed), and LiveClient, a WebSocket whose reader
thread timestamps every message on arrival (time.perf_counter, the clock the senders use).
"""
import http.client
import json
import os
import queue
import shutil
import socket
import sqlite3
import ssl
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "backend_integration"))

import backend_harness as bh  # noqa: E402  (after the path entry above)
from ws_client import OP_CLOSE, OP_TEXT, ConnectionClosed, WebSocket  # noqa: E402

LIVE_PATH = "/api/v1/live"
ADMIN_PASSWORD = "admin"  # db/seed.hpp kDefaultAdminPassword
NEW_PASSWORD = "live-test-password-1"


def settings_text(mqtt_port, web_port, db_path):
    """The backend harness's settings with a [web] port the test knows."""
    return (f"[MQTT]\nport = {mqtt_port}\nbind_address = \"127.0.0.1\"\nsys_interval_s = 0\n"
            f"[database]\nurl = \"sqlite:///{db_path}\"\n"
            f"[web]\nport = {web_port}\nbind_address = \"127.0.0.1\"\n"
            f"[backend]\nstats_interval_s = 0\n")


def wait_for_port(port, timeout=10.0):
    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False
    if not bh.wait_until(listening, timeout, 0.02):
        raise RuntimeError(f"nothing listens on the portal port {port}")


class Portal:
    """HTTPS requests to the portal (JSON in and out), keeping the session cookie and token."""

    def __init__(self, port):
        self.port = port
        self.cookie = None  # "fabomatic_session=..."
        self.csrf = None
        self._context = ssl.create_default_context()
        self._context.check_hostname = False
        self._context.verify_mode = ssl.CERT_NONE

    def request(self, method, path, body=None, cookie=True):
        """(status, parsed JSON or None, headers) of one request on a fresh connection."""
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                                 context=self._context)
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if cookie and self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            parsed = json.loads(raw) if raw and "json" in response.getheader("Content-Type", "") \
                else None
            return response.status, parsed, response.headers
        finally:
            connection.close()

    def sign_in(self, email, password):
        status, body, headers = self.request("POST", "/api/v1/auth/login",
                                             {"email": email, "password": password})
        if status != 200:
            raise AssertionError(f"login answered {status}: {body}")
        cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
        if not cookie.startswith("fabomatic_session="):
            raise AssertionError(f"login set no session cookie: {headers.get('Set-Cookie')!r}")
        self.cookie = cookie
        self.csrf = body["csrf_token"]
        return body

    def sign_in_as_seeded_admin(self, email):
        """First sign-in of the seeded admin: the password must be changed first."""
        body = self.sign_in(email, ADMIN_PASSWORD)
        if body.get("password_change_required"):
            status, answer, _ = self.request("POST", "/api/v1/auth/password",
                                             {"current": ADMIN_PASSWORD, "new": NEW_PASSWORD})
            if status != 200:
                raise AssertionError(f"password change answered {status}: {answer}")
        return self.cookie


class LiveClient:
    """A WebSocket on /api/v1/live whose reader thread puts (arrival perf_counter, message)
    on a queue; text messages are parsed JSON. Only the reader thread touches the socket
    while it runs (pongs included); close() stops it first."""

    def __init__(self, port, cookie, rcvbuf=None, read=True):
        headers = {"Cookie": cookie} if cookie else {}
        self.observer = None  # called by the reader thread with each parsed message
        self.ws = WebSocket.connect("127.0.0.1", port, LIVE_PATH, headers, rcvbuf=rcvbuf)
        self.messages = queue.Queue()
        self.ended = threading.Event()  # the server closed or dropped the connection
        self._stop = threading.Event()
        self._thread = None
        if read:
            self._thread = threading.Thread(target=self._read, daemon=True)
            self._thread.start()

    def _read(self):
        while not self._stop.is_set():
            try:
                message = self.ws.recv(timeout=0.2)
            except TimeoutError:
                continue
            except (ConnectionClosed, OSError):
                self.ended.set()
                return
            now = time.perf_counter()
            if message.opcode == OP_TEXT:
                parsed = json.loads(message.data)
                if self.observer:
                    self.observer(parsed)
                self.messages.put((now, parsed))
            elif message.opcode == OP_CLOSE:
                self.ended.set()
                return

    def next(self, timeout=bh.REPLY_TIMEOUT_S, heartbeats=False):
        """(arrival time, message) of the next message; heartbeats are skipped unless asked."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                at, message = self.messages.get(timeout=max(0.0, remaining))
            except queue.Empty:
                state = "the server closed it" if self.ended.is_set() else "still open"
                raise AssertionError(f"no live message within {timeout} s ({state})") from None
            if heartbeats or message.get("type") != "heartbeat":
                return at, message

    def pending(self):
        """Messages already received and not taken (heartbeats skipped)."""
        items = []
        while True:
            try:
                at, message = self.messages.get_nowait()
            except queue.Empty:
                return items
            if message.get("type") != "heartbeat":
                items.append((at, message))

    def close(self):
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        self.ws.close()


class LiveTestCase(unittest.TestCase):
    """setUp: a fresh copy of the seeded database; `machines` machines named LIVE <n> (the
    seeded MACHINE1 is renamed) and `members` users with cards aabbcc01.. in the seeded
    'Fab Users' role (authorize all). start() runs fabomatic, signs the admin in and keeps
    the cookie in self.cookie. After each test fabomatic must stop cleanly, without a
    sanitizer report."""

    machines = 5
    members = 3

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wl-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.db_path = os.path.join(self.dir, "db.sqldb")
        shutil.copyfile(bh.seeded_template(), self.db_path)
        self.member_ids = self._seed()
        self.web_port = bh.free_port()
        mqtt_port = bh.free_port()
        self.server = bh.Fabomatic(self.dir, settings_text=settings_text(
            mqtt_port, self.web_port, self.db_path), db_path=self.db_path, port=mqtt_port)
        self.clients = []
        self.addCleanup(self._finish)

    def _seed(self):
        conn = sqlite3.connect(self.db_path)
        try:
            with conn:
                type_id = conn.execute("SELECT min(type_id) FROM machine_types").fetchone()[0]
                conn.execute("UPDATE machines SET machine_name = 'LIVE 1' WHERE machine_id = 1")
                conn.executemany(
                    "INSERT INTO machines (machine_id, machine_name, machine_type_id,"
                    " machine_hours, blocked, last_seen) VALUES (?, ?, ?, 0, 0, NULL)",
                    [(i, f"LIVE {i}", type_id) for i in range(2, self.machines + 1)])
                role = conn.execute(
                    "SELECT role_id FROM roles WHERE role_name = 'Fab Users'").fetchone()[0]
                ids = {}
                for n in range(1, self.members + 1):
                    card = self.card(n)
                    conn.execute(
                        "INSERT INTO users (name, surname, role_id, \"card_UUID\", disabled,"
                        " deleted, receive_weekly_summary) VALUES (?, ?, ?, ?, 0, 0, 0)",
                        (f"Member{n}", f"Surname{n}", role, card))
                    ids[card] = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
                self.admin_email = conn.execute(
                    "SELECT email FROM users WHERE name = 'admin' ORDER BY user_id").fetchone()[0]
            return ids
        finally:
            conn.close()

    @staticmethod
    def card(n):
        return f"aabbcc{n:02d}"

    def _finish(self):
        for client in reversed(self.clients):
            try:
                client.close()
            except Exception:  # a client the test closed or the server dropped
                pass
        running = self.server.alive()
        self.server.stop()
        report = self.server.sanitizer_report()
        codes = self.server.returncodes
        tail = self.server.log_tail()
        if report:
            self.fail(f"sanitizer report:\n{report}")
        if running and codes and codes[-1] != 0:
            self.fail(f"fabomatic exited with {codes[-1]} on SIGTERM:\n{tail}")

    def start(self, sign_in=True):
        self.server.start()
        wait_for_port(self.web_port)
        self.portal = Portal(self.web_port)
        self.cookie = self.portal.sign_in_as_seeded_admin(self.admin_email) if sign_in else None

    def live(self, cookie=None, **options):
        client = LiveClient(self.web_port, cookie or self.cookie, **options)
        self.clients.append(client)
        return client

    def board(self, machine):
        client = bh.Board(self.server.port, str(machine))
        self.clients.append(client)
        # paho leaves Nagle on: a query sent while the previous one is still unacknowledged
        # (an alive gets no reply to carry the ACK) would wait for the server's delayed ACK,
        # and the test would measure that instead of fabomatic.
        client.client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client
