"""The real `fabomatic` binary on a prepared database, driven over MQTT like a board.

Each test gets its own process, directory and copy of the seeded database
(fabomatic_testing.testcase). A test edits its copy with sqlite3 before the start
(scenario.py), starts the binary, talks to it with Board clients (fabomatic_testing.board: the
firmware's exact payloads) and reads the database rows after.

Silence is tested without sleeping: the broker handles one connection's messages in order
and the backend answers each one before the next, so when a board sends a message that must
not be answered followed by a valid query, the first reply it sees must be the valid query's.
"""
import sqlite3
import time

from fabomatic_testing.board import Monitor, synccache
from fabomatic_testing.testcase import FabomaticTestCase
from scenario import Scenario


class BackendTestCase(FabomaticTestCase):
    """prepare(...) edits the stopped database, start() starts fabomatic, board()/monitor()
    connect clients, rows()/value() read the database (also while running: WAL lets readers
    in)."""

    settings = {"backend": {"stats_interval_s": 1}}  # test_topics reads stats/backend

    # -- database
    def connect_db(self):
        conn = sqlite3.connect(self.db_path, timeout=5)
        conn.row_factory = sqlite3.Row
        return conn

    def prepare(self, edit):
        """Runs edit(Scenario) on the stopped database in one transaction; returns its result."""
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
    def restart(self):
        self.assertEqual(self.server.stop(), 0, self.server.log_tail())
        self.server.start()

    def monitor(self, *filters, client_id="monitor", qos=0):
        client = Monitor(self.server.mqtt_port, filters, client_id, qos)
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
