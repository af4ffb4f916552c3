"""issue 4, "Done when" 2: the binary runs unchanged on a copy of the legacy fixture
database-0.1.8.db (112 users, 21 989 uses, 11 machines, alembic 123b2cca325f) with a
settings.toml in the reference format of the old tool (relative sqlite:/// URL): it upgrades
the file in place after a backup, answers the boards for the machines and users of that file,
and loses no row.

Expected answers are computed here from the original file, independently of the backend:
maintenance due by its definition in docs/board-protocol.md, authorization by the rules of checkuser.
"""
import glob
import os
import shutil
import sqlite3
import tempfile
import time
import unittest

from fabomatic_testing.board import (NOT_AUTHORIZED, Board, checkmachine, checkmachine_reply,
                                     checkuser, checkuser_reply, duration_reply, startuse,
                                     stopuse, synccache, synccache_reply)
from fabomatic_testing.process import Fabomatic, free_ports

FIXTURE_NAME = "database-0.1.8.db"
LEGACY_REVISION = "123b2cca325f"
HEAD_REVISION = "f1a2b3c4d5e6"


def fixture_path():
    directory = os.environ.get("LEGACY_DB_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "legacy-db")
    return os.path.join(directory, FIXTURE_NAME)


def reference_settings(mqtt_port, web_port):
    """The old tool's settings.toml, every section as it wrote them. Only the ports differ:
    the MQTT port, and our additive [web] port (the portal's default 23336 would collide
    between test runs in parallel, e.g. the release and the sanitizer flavours)."""
    return f"""[database]
url = "sqlite:///database.sqldb"
name = "fablab"

[MQTT]
broker = "localhost"
port = {mqtt_port}
client_id = "backend"
topic = "machine"
reply_subtopic = "reply"
request_subtopic = "request"
stats_topic = "stats"

[web]
secret_key = "some_secret"
default_admin_email = "admin@fablab.org"
port = {web_port}

[email]
server = "smtp.google.com"
port = 587
use_tls = true
username = ""
password = ""
"""


def legacy_fabomatic(directory, db):
    mqtt_port, web_port = free_ports(2)
    return Fabomatic(directory, settings_text=reference_settings(mqtt_port, web_port),
                     db_path=db, mqtt_port=mqtt_port, web_port=web_port)


def query_all(path, sql, *args):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def expected_due(path, machine_id):
    """(due, lowest due plan id) by the definition: per plan, the closed uses of the machine
    that started after the plan's latest intervention sum to more than hours_between."""
    due = []
    for plan_id, hours_between in query_all(
            path, "SELECT maintenance_id, hours_between FROM maintenances WHERE machine_id = ? "
                  "ORDER BY maintenance_id", machine_id):
        since = query_all(path, "SELECT COALESCE(MAX(timestamp), 0) FROM interventions "
                                "WHERE maintenance_id = ?", plan_id)[0][0]
        used = query_all(path, "SELECT COALESCE(SUM(end_timestamp - start_timestamp), 0) "
                               "FROM uses WHERE machine_id = ? AND start_timestamp > ? "
                               "AND end_timestamp IS NOT NULL", machine_id, since)[0][0]
        if used > hours_between * 3600:
            due.append(plan_id)
    return due


USER_COLUMNS = ('user_id, name, surname, role_id, "card_UUID", disabled, deleted, email, '
                'password_hash')


class LegacyDatabase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        source = fixture_path()
        if not os.path.exists(source):
            raise RuntimeError(f"legacy fixture not found: {source} (set LEGACY_DB_DIR)")
        cls.dir = tempfile.mkdtemp(prefix="bi-legacy-")
        cls.original = os.path.join(cls.dir, "original.db")
        shutil.copyfile(source, cls.original)
        cls.db = os.path.join(cls.dir, "database.sqldb")
        shutil.copyfile(source, cls.db)
        cls.server = legacy_fabomatic(cls.dir, cls.db)
        started = time.monotonic()
        cls.server.start(timeout=90)
        cls.start_seconds = time.monotonic() - started
        cls.boards = []

    @classmethod
    def tearDownClass(cls):
        for board in cls.boards:
            board.close()
        problems = cls.server.finish()
        shutil.rmtree(cls.dir, ignore_errors=True)
        if problems:
            raise AssertionError("\n".join(problems))

    def board(self, machine):
        board = Board(self.server.mqtt_port, str(machine))
        self.boards.append(board)
        return board

    def test_legacy_started_within_bounds_and_warned_of_nothing_fatal(self):
        self.assertTrue(self.server.alive())
        self.assertLess(self.start_seconds, 60, "upgrade + start of 22 k uses took too long")
        self.assertNotIn("ERROR", self.server.log_text())

    def test_legacy_upgraded_in_place_after_a_backup(self):
        backups = glob.glob(self.db + f".bak-{LEGACY_REVISION}-*")
        self.assertEqual(len(backups), 1, os.listdir(self.dir))
        self.assertFalse([p for p in os.listdir(self.dir) if p.endswith(".partial")])
        # the backup is the file as it was
        self.assertEqual(query_all(backups[0], "SELECT version_num FROM alembic_version"),
                         [(LEGACY_REVISION,)])
        for table in ("uses", "users", "machines", "interventions", "maintenances"):
            self.assertEqual(query_all(backups[0], f"SELECT COUNT(*) FROM {table}"),
                             query_all(self.original, f"SELECT COUNT(*) FROM {table}"), table)
        self.assertEqual(query_all(self.db, "SELECT version_num FROM alembic_version"),
                         [(HEAD_REVISION,)])

    def test_legacy_row_counts_unchanged(self):
        for table, expected in (("uses", 21989), ("machines", 11), ("maintenances", 11),
                                ("interventions", 4391), ("machine_types", 3)):
            self.assertEqual(query_all(self.db, f"SELECT COUNT(*) FROM {table}"),
                             [(expected,)], table)
            self.assertEqual(query_all(self.original, f"SELECT COUNT(*) FROM {table}"),
                             [(expected,)], table)
        # users: every legacy user as it was, plus the Anonymous stand-in for purged history
        # (the legacy README: "the backend creates them on first start")
        before = query_all(self.original, f"SELECT {USER_COLUMNS} FROM users ORDER BY user_id")
        after = query_all(self.db, f"SELECT {USER_COLUMNS} FROM users ORDER BY user_id")
        self.assertEqual(len(before), 112)
        self.assertEqual(after[:112], before)
        self.assertEqual([(r[1], r[5]) for r in after[112:]], [("Anonymous", 1)])
        # machines keep id, name, type and blocked state
        columns = "machine_id, machine_name, machine_type_id, blocked"
        self.assertEqual(query_all(self.db, f"SELECT {columns} FROM machines ORDER BY 1"),
                         query_all(self.original, f"SELECT {columns} FROM machines ORDER BY 1"))
        # uses and interventions keep their member, machine and times: all of them are older
        # than 365 days, but the automatic purge waits two weeks after an upgrade from the old
        # tool (it would anonymise them at the first start), and says so
        columns = "use_id, user_id, machine_id, start_timestamp, end_timestamp"
        self.assertEqual(query_all(self.db, f"SELECT {columns} FROM uses ORDER BY 1"),
                         query_all(self.original, f"SELECT {columns} FROM uses ORDER BY 1"))
        columns = "intervention_id, user_id, timestamp"
        self.assertEqual(query_all(self.db, f"SELECT {columns} FROM interventions ORDER BY 1"),
                         query_all(self.original, f"SELECT {columns} FROM interventions ORDER BY 1"))
        self.assertIn("the automatic purge waits until", self.server.log_text())

    def test_legacy_checkmachine_answers_every_machine(self):
        machines = query_all(self.original,
                             "SELECT m.machine_id, m.machine_name, t.type_id, t.type_timeout_min, "
                             "t.grace_period_min, m.blocked FROM machines m JOIN machine_types t "
                             "ON t.type_id = m.machine_type_id ORDER BY m.machine_id")
        self.assertEqual(len(machines), 11)
        for machine_id, name, type_id, timeout, grace, blocked in machines:
            with self.subTest(machine=machine_id):
                # every plan of the fixture was serviced after the last use: none is due
                due = expected_due(self.original, machine_id)
                self.assertEqual(self.board(machine_id).query(checkmachine()),
                                 checkmachine_reply(name, timeout, type_id, grace,
                                                    maintenance=bool(due), allowed=not blocked,
                                                    description=""))

    def test_legacy_checkuser_admin_role_user_authorized(self):
        # user 1 Mario, card "1234" (legacy cards need not be 8 hex digits), role admin
        self.assertEqual(self.board(1).query(checkuser("1234")),
                         checkuser_reply(True, "Mario", False, 2))

    def test_legacy_checkuser_role_without_authorize_all_needs_authorization(self):
        # user 2 Andrea, card 5678, role "fab users"; the fixture has no authorizations
        self.assertEqual(query_all(self.db, "SELECT COUNT(*) FROM authorizations"), [(0,)])
        self.assertEqual(self.board(2).query(checkuser("5678")),
                         checkuser_reply(False, *NOT_AUTHORIZED))

    def test_legacy_checkuser_disabled_user(self):
        # user 4, card 22222222, disabled
        self.assertEqual(self.board(3).query(checkuser("22222222")),
                         checkuser_reply(False, *NOT_AUTHORIZED))

    def test_legacy_checkuser_unknown_card_recorded(self):
        before = query_all(self.db, "SELECT COUNT(*) FROM unknown_cards")[0][0]
        self.assertEqual(self.board(4).query(checkuser("0badcafe")),
                         checkuser_reply(False, "Unknown", False, 0))
        self.assertEqual(query_all(self.db, "SELECT COUNT(*) FROM unknown_cards")[0][0],
                         before + 1)

    def test_legacy_synccache_lists_the_authorize_all_users(self):
        self.assertEqual(self.board(5).query(synccache()), synccache_reply([("1234", 2)]))

    def test_legacy_use_recorded_on_top_of_history(self):
        board = self.board(11)
        hours = query_all(self.db, "SELECT machine_hours FROM machines WHERE machine_id = 11")[0][0]
        self.assertEqual(board.query(startuse("1234")), '{"request_ok":true,"message":""}')
        self.assertEqual(board.query(stopuse("1234", 90)), duration_reply(90))
        [(user_id, start, end)] = query_all(
            self.db, "SELECT user_id, start_timestamp, end_timestamp FROM uses WHERE use_id > ?",
            21989)
        self.assertEqual(user_id, 1)
        self.assertAlmostEqual(end - start, 90, places=3)
        self.assertAlmostEqual(
            query_all(self.db, "SELECT machine_hours FROM machines WHERE machine_id = 11")[0][0],
            hours + 90 / 3600, places=6)


class LegacyRestart(unittest.TestCase):
    """A second start opens the upgraded file as current: no second backup, same answers."""

    def test_legacy_second_start_no_new_backup(self):
        directory = tempfile.mkdtemp(prefix="bi-legacy2-")
        self.addCleanup(shutil.rmtree, directory, True)
        db = os.path.join(directory, "database.sqldb")
        shutil.copyfile(fixture_path(), db)
        server = legacy_fabomatic(directory, db)
        for run in range(2):
            server.start(timeout=90)
            board = Board(server.mqtt_port, "1")
            try:
                self.assertEqual(board.query(checkmachine()),
                                 checkmachine_reply("LASER 1", 1440, 1, 2), f"run {run}")
            finally:
                board.close()
            self.assertEqual(server.stop(), 0, server.log_tail())
            self.assertIsNone(server.sanitizer_report(), server.sanitizer_report())
        self.assertEqual(len(glob.glob(db + ".bak-*")), 1, os.listdir(directory))
        self.assertEqual(query_all(db, "SELECT COUNT(*) FROM uses"), [(21989,)])
        self.assertEqual(query_all(db, "SELECT COUNT(*) FROM users"), [(113,)])


if __name__ == "__main__":
    unittest.main()
