"""One fabomatic per test, on a fresh copy of a database it seeded itself.

The first test of a process lets fabomatic create and seed a template, and every test starts
from a copy of it, edited while the binary is stopped if it needs to be. A new database has no
card that opens the machines; the template gives its seeded admin the card ADMIN_CARD
(fabomatic_testing.board), which the board tests tap. The admin has no password: each start
logs a setup code (fabomatic_testing.https.sign_in_admin uses it).
"""
import atexit
import os
import shutil
import sqlite3
import tempfile
import unittest

from fabomatic_testing.board import ADMIN_CARD, Board
from fabomatic_testing.process import Fabomatic

_template = None


def seeded_template():
    """Path of a database that fabomatic created and seeded (made once per test process)."""
    global _template
    if _template is None:
        directory = tempfile.mkdtemp(prefix="seeded-template-")
        atexit.register(shutil.rmtree, directory, True)
        server = Fabomatic(directory)
        server.start()
        code = server.stop()
        if code != 0:
            # every test of the process fails with this; keep the log of the first attempt
            raise RuntimeError(f"seeding run exited with {code}:\n{server.log_tail()}")
        path = os.path.join(directory, "template.sqldb")
        copy_database(server.db_path, path)
        conn = sqlite3.connect(path)
        try:
            with conn:
                changed = conn.execute(
                    "UPDATE users SET \"card_UUID\" = ? WHERE user_id = (SELECT MIN(u.user_id) "
                    "FROM users u JOIN roles r USING (role_id) WHERE r.role_name = 'admins')",
                    (ADMIN_CARD,)).rowcount
        finally:
            conn.close()
        if changed != 1:
            raise RuntimeError("the seeded template has no admin to give the card to")
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


class FabomaticTestCase(unittest.TestCase):
    """setUp gives each test its directory with a copy of the seeded database (db_path) and a
    fabomatic on it, not yet running (server; `settings` as for Fabomatic). Clients made with
    board() or kept in self.clients are closed after the test; then fabomatic must stop
    cleanly, with no sanitizer report in its log."""

    settings = {}

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=f"{type(self).__name__}-")
        self.addCleanup(shutil.rmtree, self.dir, True)  # also when the lines below fail
        self.db_path = os.path.join(self.dir, "db.sqldb")
        shutil.copyfile(seeded_template(), self.db_path)
        self.server = Fabomatic(self.dir, db_path=self.db_path, settings=self.settings)
        self.clients = []
        self.addCleanup(self._finish)

    def _finish(self):
        for client in reversed(self.clients):
            try:
                client.close()
            except Exception:  # a client the test closed, or the server dropped, on purpose
                pass
        problems = self.server.finish()
        if problems:
            self.fail("\n".join(problems))

    def start(self):
        self.server.start()
        return self.server

    def board(self, machine="1", client_id=None, **kw):
        """A Board (kw: username, password, source) closed after the test."""
        client = Board(self.server.mqtt_port, str(machine), client_id, **kw)
        self.clients.append(client)
        return client
