"""fabomatic with its portal, a signed-in admin, and live WebSocket clients.

Builds on fabomatic_testing (the process on a copy of the seeded database, boards, sign-in
over HTTPS, the WebSocket client) and adds LiveClient, a WebSocket on /api/v1/live whose reader
thread timestamps every message on arrival (time.perf_counter, the clock the senders use).
"""
import json
import queue
import socket
import sqlite3
import threading
import time

from fabomatic_testing.board import REPLY_TIMEOUT_S
from fabomatic_testing.https import Session, sign_in_admin
from fabomatic_testing.testcase import FabomaticTestCase
from fabomatic_testing.websocket import OP_CLOSE, OP_TEXT, ConnectionClosed, WebSocket

LIVE_PATH = "/api/v1/live"


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

    def next(self, timeout=REPLY_TIMEOUT_S, heartbeats=False):
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


class LiveTestCase(FabomaticTestCase):
    """setUp: `machines` machines named LIVE <n> (the seeded MACHINE1 is renamed) and `members`
    users with cards aabbcc01.. in a role 'Live members' with authorize all in the test's
    copy of the seeded database. start() runs fabomatic and signs the admin in (self.portal,
    its cookie in self.cookie)."""

    machines = 5
    members = 3

    def setUp(self):
        super().setUp()
        self.member_ids = self._seed()

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
                    "INSERT INTO roles (role_name, authorize_all, reserved, maintenance,"
                    " backend_admin) VALUES ('Live members', 1, 0, 0, 0)").lastrowid
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

    def start(self, sign_in=True):
        self.server.start()
        if sign_in:
            self.portal, _ = sign_in_admin(self.server, self.admin_email)
        else:
            self.portal = Session(self.server)
        self.clients.append(self.portal)
        self.cookie = self.portal.cookie

    def live(self, cookie=None, **options):
        client = LiveClient(self.server.web_port, cookie or self.cookie, **options)
        self.clients.append(client)
        return client

    def board(self, machine):
        client = super().board(machine)
        # paho leaves Nagle on: a query sent while the previous one is still unacknowledged
        # (an alive gets no reply to carry the ACK) would wait for the server's delayed ACK,
        # and the test would measure that instead of fabomatic.
        client.client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client
