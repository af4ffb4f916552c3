"""Portal accounts (issue 16, item 6), with the real binary over real HTTPS:

- a first start creates no known password: the log (component "console", which the SD-card
  image shows on its console) has a one-time setup code, and whoever holds it chooses the
  administrator's password; no card opens the machines;
- `fabomatic admin` lists the accounts that may sign in, sets a password, grants the portal;
- a database of the Python FabOMatic 0.4.0: whoever its portal let in (a role with *authorize
  all*) still signs in, and the log lists them;
- the database, its backups and the board-account key are created 0600.
"""
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import unittest

from e2e_harness import ADMIN_EMAIL, Appliance
from fabomatic_testing.board import SEEDED_MACHINE_ID, Board, checkuser
from fabomatic_testing.https import HttpsClient, Session, setup_code
from fabomatic_testing.process import fabomatic_bin

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "legacy-db")
CHOSEN = "chosen-first-pass"


class FirstStart(unittest.TestCase):
    def setUp(self):
        self.appliance = Appliance(prefix="web-e2e-first-")
        self.addCleanup(self.finish)

    def finish(self):
        problems = self.appliance.finish()
        if problems:
            self.fail("\n".join(problems))

    def admin(self, *args, password=None):
        """`fabomatic --config <its settings> admin ...` in its directory."""
        return subprocess.run([fabomatic_bin(), "--config", self.appliance.settings_path, "admin",
                               *args], cwd=self.appliance.dir, capture_output=True, timeout=60,
                              input=None if password is None else (password + "\n").encode())

    def test_a_new_installation_is_set_up_with_the_code_from_the_log(self):
        self.appliance.start()
        log = self.appliance.log_text()
        self.assertRegex(log, r"WARN +console: .*setup code [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
        self.assertIn(ADMIN_EMAIL, log)
        code = setup_code(self.appliance)
        client = HttpsClient(self.appliance)
        state = client.request("GET", "/api/v1/auth/setup").json()
        self.assertEqual(state, {"pending": True, "email": ADMIN_EMAIL})
        # No known password: the old seeded one is refused like any other.
        self.assertEqual(Session(self.appliance).login(ADMIN_EMAIL, "admin").status, 401)
        wrong = client.request("POST", "/api/v1/auth/setup", {"code": "AAAA-BBBB-CCCC",
                                                             "password": CHOSEN})
        self.assertEqual(wrong.status, 400, wrong)
        done = client.request("POST", "/api/v1/auth/setup", {"code": code, "password": CHOSEN})
        self.assertEqual(done.status, 200, done)
        self.assertEqual(done.json()["user"]["email"], ADMIN_EMAIL)
        self.assertIn("fabomatic_session=", done.header("Set-Cookie"))
        self.assertEqual(client.request("POST", "/api/v1/auth/setup",
                                        {"code": code, "password": "again-a-pass"}).status, 409)
        session = Session(self.appliance)
        self.assertEqual(session.login(ADMIN_EMAIL, CHOSEN).status, 200)
        self.assertEqual(session.get("/api/v1/members").status, 200)
        client.close()
        session.close()

    def test_no_card_opens_the_machines(self):
        self.appliance.start()
        board = Board(self.appliance.mqtt_port, SEEDED_MACHINE_ID)
        try:
            reply = board.query_json(checkuser("12345678"))
        finally:
            board.close()
        self.assertFalse(reply["is_valid"], reply)
        self.assertEqual(reply["name"], "Unknown")

    def test_fabomatic_admin_lists_sets_a_password_and_grants_the_portal(self):
        # Before the first start: the command creates the database like a start would.
        listed = self.admin("list", "--json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        accounts = json.loads(listed.stdout)
        self.assertEqual([(a["email"], a["portal"], a["has_password"]) for a in accounts],
                         [(ADMIN_EMAIL, "role", False)])
        done = self.admin("set-password", ADMIN_EMAIL, password=CHOSEN)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.admin("set-password", ADMIN_EMAIL, password="short").returncode, 1)
        self.assertEqual(self.admin("set-password", "nobody@x.org", password=CHOSEN).returncode, 1)
        # A member of a role without the portal, given the portal on its own.
        conn = sqlite3.connect(self.appliance.db_path)
        with conn:
            conn.execute("INSERT INTO users (name, surname, role_id, disabled, deleted, email, "
                         "receive_weekly_summary) SELECT 'Lucia', 'Staff', role_id, 0, 0, "
                         "'lucia@fablab.org', 0 FROM roles WHERE role_name = 'Fab Staff'")
        conn.close()
        self.assertEqual(self.admin("set-password", "lucia@fablab.org",
                                    password="lucia-pass-1").returncode, 0)
        granted = self.admin("grant", "lucia@fablab.org", "--json")
        self.assertEqual(granted.returncode, 0, granted.stderr)
        self.assertTrue(json.loads(granted.stdout)["granted"])
        self.appliance.start()
        # Set before the start: nothing to set up, no code in the log.
        self.assertNotIn("setup code", self.appliance.log_text())
        for email, password in ((ADMIN_EMAIL, CHOSEN), ("lucia@fablab.org", "lucia-pass-1")):
            session = Session(self.appliance)
            self.assertEqual(session.login(email, password).status, 200, email)
            session.close()
        # While it runs: a new password ends the sessions of the account.
        session = Session(self.appliance)
        self.assertEqual(session.login("lucia@fablab.org", "lucia-pass-1").status, 200)
        self.assertEqual(session.get("/api/v1/members").status, 200)
        self.assertEqual(self.admin("set-password", "lucia@fablab.org",
                                    password="lucia-pass-2").returncode, 0)
        self.assertEqual(session.get("/api/v1/members").status, 401)
        session.close()
        audit = sqlite3.connect(self.appliance.db_path)
        actions = [r[0] for r in audit.execute(
            "SELECT action FROM audit_log WHERE remote_address = 'command line' ORDER BY audit_id")]
        audit.close()
        self.assertEqual(actions, ["password_set", "password_set", "portal_grant", "password_set"])

    def test_files_are_created_for_the_service_only(self):
        self.appliance.start()
        for name in ("db.sqldb", "board-accounts.key", "key.pem"):
            path = os.path.join(self.appliance.dir, name)
            if not os.path.exists(path):
                continue
            mode = stat.S_IMODE(os.stat(path).st_mode)
            self.assertEqual(mode & 0o077, 0, f"{name} is {oct(mode)}")
        mode = stat.S_IMODE(os.stat(self.appliance.db_path).st_mode)
        self.assertEqual(mode, 0o600)


class LegacyUpgrade(unittest.TestCase):
    """The Python FabOMatic 0.4.0's database: role "admin" has authorize all and not backend
    admin; Mario Rossi (marco.rossi@fablab.org, password1) is in it, Andrea Bianchi
    (password2) in "fab users"."""

    def test_whoever_could_sign_in_before_still_can_and_the_log_says_who(self):
        appliance = Appliance(prefix="web-e2e-legacy-")
        self.addCleanup(lambda: self.assertEqual(appliance.finish(), []))
        shutil.copyfile(os.path.join(FIXTURES, "database-0.4.0.db"), appliance.db_path)
        os.chmod(appliance.db_path, 0o644)  # as the old tool left it
        appliance.start()
        log = appliance.log_text()
        self.assertRegex(log, r"the old portal let in roles with authorize all.*"
                              r"marco\.rossi@fablab\.org")
        self.assertRegex(log, r"may sign in to the portal: marco\.rossi@fablab\.org")
        self.assertNotIn("setup code", log)
        self.assertEqual(stat.S_IMODE(os.stat(appliance.db_path).st_mode), 0o600,
                         "the upgraded database is made private")
        backups = [n for n in os.listdir(appliance.dir) if ".bak-" in n]
        self.assertEqual(len(backups), 1, backups)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(appliance.dir, backups[0])).st_mode),
                         0o600)
        mario = Session(appliance)
        self.assertEqual(mario.login("marco.rossi@fablab.org", "password1").status, 200)
        self.assertEqual(mario.get("/api/v1/members").status, 200)
        mario.close()
        andrea = Session(appliance)
        self.assertEqual(andrea.login("andrea.bianchi@fablab.org", "password2").status, 403)
        andrea.close()


if __name__ == "__main__":
    unittest.main()
