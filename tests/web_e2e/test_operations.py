"""Running the appliance from the portal (issue 14) over real HTTPS against the real binary:
the system page's figures and board fleet, backup download and restore (a backup, a file that is
not a database, a database of an unknown revision; the boards answered throughout), a member's
data export, the settings editor (a key that applies at once, one that needs a restart, the
file's comments and its backup), the log, a restart from the page, and mail through a local
SMTP sink (Debian's python3-aiosmtpd): the SMTP test, the weekly summary in English and Italian,
a member's reset mail.
"""
import email
import email.policy
import io
import json
import os
import sqlite3
import threading
import time
import unittest
import zipfile

import openpyxl
from aiosmtpd.controller import Controller

from fabomatic_testing.board import Board, alive, checkmachine
from fabomatic_testing.https import HttpsClient, Session, NEW_ADMIN_PASSWORD, setup_code, sign_in_admin
from fabomatic_testing.process import Fabomatic, free_port, wait_until

from api_fixtures import Fixtures, unique, unique_card
from e2e_harness import ADMIN_EMAIL, finish_module

APPLIANCE = None
SINK = None
SMTP_PORT = None
SECRET_KEY = "ops-secret-key-77"


class Sink:
    """aiosmtpd's handler: keeps every message it accepts."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((envelope.rcpt_tos, message))
        return "250 2.0.0 Ok: queued as TEST42"

    def wait_for(self, count, timeout=15):
        return wait_until(lambda: len(self.messages) >= count, timeout)

    def take(self):
        with self.lock:
            taken, self.messages = self.messages, []
        return taken


def setUpModule():
    global APPLIANCE, SINK, SMTP_PORT
    SMTP_PORT = free_port()
    SINK = Sink()
    controller = Controller(SINK, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    SINK.controller = controller
    APPLIANCE = Fabomatic(prefix="web-e2e-ops-", settings={
        "web": {"default_admin_email": ADMIN_EMAIL, "secret_key": SECRET_KEY,
                "base_url": "https://lab.example:23336"},
        "email": {"server": "127.0.0.1", "port": SMTP_PORT, "use_tls": False,
                  "sender": "FabLab <lab@example.org>"},
    })
    # A settings file with comments of its own, which the editor must keep.
    with open(APPLIANCE.settings_path, "a", encoding="utf-8") as f:
        f.write("# kept: a comment of the lab\n[weekly_summary]\nenabled = false  # off for now\n")
    APPLIANCE.start()
    try:
        session, _ = sign_in_admin(APPLIANCE, ADMIN_EMAIL)
        session.close()
    except BaseException:
        APPLIANCE.finish()
        raise


def tearDownModule():
    SINK.controller.stop()
    finish_module(APPLIANCE)


def admin():
    """A fresh session of the admin (restores and restarts end the previous ones)."""
    session = Session(APPLIANCE)
    answer = session.login(ADMIN_EMAIL, NEW_ADMIN_PASSWORD)
    if answer.status != 200:
        raise AssertionError(f"admin cannot sign in: {answer}")
    return session


class OperationsTestCase(unittest.TestCase):
    def setUp(self):
        self.api = admin()
        self.make = Fixtures(APPLIANCE, self.api)

    def tearDown(self):
        self.api.close()

    def assertStatus(self, answer, status):
        self.assertEqual(answer.status, status, answer)


class SystemPageTest(OperationsTestCase):
    def test_figures_and_the_board_fleet(self):
        board = Board(APPLIANCE.mqtt_port, 1)
        try:
            board.send(alive(ip="127.0.0.1"))
            board.query(checkmachine())
            answer = self.api.get("/api/v1/system")
            self.assertStatus(answer, 200)
            system = answer.json()
            self.assertRegex(system["version"], r"^\d+\.\d+\.\d+")
            self.assertGreater(system["uptime_s"], 0)
            self.assertTrue(system["host"]["os"])
            self.assertGreater(system["host"]["disk_free"], 0)
            self.assertEqual(system["database"]["path"], APPLIANCE.db_path)
            self.assertGreater(system["database"]["size"], 0)
            self.assertGreaterEqual(system["broker"]["clients_connected"], 1)
            self.assertGreater(system["broker"]["messages_received"], 0)
            self.assertIsNotNone(system["purge"], "the purge runs at start")
            fleet = {b["machine_id"]: b for b in system["boards"]}
            self.assertTrue(fleet[1]["mqtt_connected"])
            self.assertEqual(fleet[1]["mqtt_account"], "")  # let in as anonymous: no account
            self.assertTrue(fleet[1]["online"])
            self.assertEqual(fleet[1]["ip_address"], "127.0.0.1")
        finally:
            board.close()

        # The broker sees the connection end when it next reads the socket, which may come after
        # this request on the reactor: asked until it has.
        def disconnected():
            answer = self.api.get("/api/v1/system")
            return not {b["machine_id"]: b for b in answer.json()["boards"]}[1]["mqtt_connected"]
        self.assertTrue(wait_until(disconnected, 10, 0.1), "the fleet still shows machine 1 connected")

    def test_log_lines_and_download(self):
        answer = self.api.get("/api/v1/system/log?level=info")
        self.assertStatus(answer, 200)
        messages = [line["message"] for line in answer.json()["items"]]
        self.assertTrue(any("admin portal on https://" in m for m in messages), messages[-5:])
        download = self.api.get("/api/v1/system/log/download")
        self.assertStatus(download, 200)
        self.assertIn("INFO  web: admin portal on https://", download.body.decode())


class BackupRestoreTest(OperationsTestCase):
    def member_names(self):
        items = self.api.get("/api/v1/members?limit=500").json()["items"]
        return {m["name"] for m in items}

    def backup_changed_by(self, name, sql):
        """A backup downloaded now with one SQL statement applied to it: the bytes to upload."""
        path = os.path.join(APPLIANCE.dir, name + ".sqldb")
        with open(path, "wb") as f:
            f.write(self.api.get("/api/v1/system/backup").body)
        db = sqlite3.connect(path)
        db.execute(sql)
        db.commit()
        db.close()
        with open(path, "rb") as f:
            return f.read()

    def test_backup_then_restore_it_while_boards_are_answered(self):
        before = self.make.member(name=unique("before-backup"))["name"]
        answer = self.api.get("/api/v1/system/backup")
        self.assertStatus(answer, 200)
        self.assertRegex(answer.header("Content-Disposition"),
                         r'attachment; filename="fabomatic-backup-\d{4}-\d\d-\d\d-\d{4}\.sqldb"')
        backup = answer.body
        self.assertTrue(backup.startswith(b"SQLite format 3\0"))
        after = self.make.member(name=unique("after-backup"))["name"]
        self.assertIn(after, self.member_names())

        # A board keeps asking while the database is swapped.
        answered, failures, stop = [], [], threading.Event()

        def keep_asking():
            board = Board(APPLIANCE.mqtt_port, 1)
            try:
                while not stop.is_set():
                    try:
                        answered.append(board.query_json(checkmachine())["request_ok"])
                    except Exception as e:  # noqa: BLE001 - counted as a failure
                        failures.append(repr(e))
            finally:
                board.close()

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            time.sleep(0.3)
            answer = self.api.post("/api/v1/system/restore", backup,
                                   headers={"Content-Type": "application/octet-stream"})
            time.sleep(0.3)
        finally:
            stop.set()
            asker.join()
        self.assertStatus(answer, 200)
        kept = answer.json()["kept_as"]
        self.assertTrue(os.path.exists(kept), kept)
        self.assertEqual(failures, [])
        self.assertGreater(len(answered), 5)
        self.assertTrue(all(answered))
        # Every session ended; the restored database has the member made before the backup
        # and not the one made after.
        self.assertEqual(self.api.get("/api/v1/members").status, 401)
        self.api = admin()
        names = self.member_names()
        self.assertIn(before, names)
        self.assertNotIn(after, names)
        entries = self.api.get("/api/v1/audit?action=restore").json()["items"]
        self.assertEqual(entries[0]["after"]["kept_as"], kept)

    def test_a_database_nobody_can_sign_in_to_gets_a_new_setup_code(self):
        # A backup of a lab that never finished its first setup: no account has a password.
        upload = self.backup_changed_by("no-password", "UPDATE users SET password_hash = NULL")
        old_code = setup_code(APPLIANCE)
        answer = self.api.post("/api/v1/system/restore", upload,
                               headers={"Content-Type": "application/octet-stream"})
        self.assertStatus(answer, 200)
        self.assertIn("setup code", answer.json()["message"])
        # Without a new code nobody could sign in until a restart.
        anonymous = HttpsClient(APPLIANCE)
        try:
            state = anonymous.request("GET", "/api/v1/auth/setup")
        finally:
            anonymous.close()
        self.assertStatus(state, 200)
        self.assertEqual(state.json(), {"pending": True, "email": ADMIN_EMAIL})
        self.assertNotEqual(setup_code(APPLIANCE), old_code)
        session, steps = sign_in_admin(APPLIANCE, ADMIN_EMAIL)  # the new code sets the password
        session.close()
        self.assertStatus(steps["setup"], 200)

    def assert_refused_and_nothing_changed(self, upload, code):
        marker = self.make.member(name=unique("still-here"))["name"]
        inode = os.stat(APPLIANCE.db_path).st_ino  # a restore renames another file in place
        answer = self.api.post("/api/v1/system/restore", upload,
                               headers={"Content-Type": "application/octet-stream"})
        self.assertStatus(answer, 400)
        self.assertEqual(answer.error()["code"], code, answer)
        self.assertTrue(answer.error()["fields"]["file"])
        self.assertStatus(self.api.get("/api/v1/members?limit=1"), 200)  # session kept
        self.assertIn(marker, self.member_names())
        self.assertEqual(os.stat(APPLIANCE.db_path).st_ino, inode)
        leftovers = [n for n in os.listdir(os.path.dirname(APPLIANCE.db_path)) if ".restore-" in n]
        self.assertEqual(leftovers, [])

    def test_a_file_that_is_not_a_database_is_refused(self):
        self.assert_refused_and_nothing_changed(b"name,card\nAnn,04a3b2c1\n" * 50,
                                                "not_a_database")

    def test_a_database_of_an_unknown_revision_is_refused(self):
        upload = self.backup_changed_by("unknown-revision",
                                        "UPDATE alembic_version SET version_num = 'ffffffffffff'")
        self.assert_refused_and_nothing_changed(upload, "unknown_revision")


class MemberDataTest(OperationsTestCase):
    def test_everything_about_one_member_as_json_and_xlsx_without_secrets(self):
        card = unique_card()
        member = self.make.member(card=card, email=f"{unique('gdpr')}@example.org",
                                  password="gdpr-pass-12")
        machine = self.make.machine()
        plan = self.make.plan(machine["id"])
        self.make.authorization(member["id"], machine["id"])
        now = time.time()
        for i in range(3):
            self.make.use(member["id"], machine["id"], now - 7200 * (i + 1), now - 7200 * i - 3600)
        self.make.intervention(plan["id"], member["id"])
        answer = self.api.get(f"/api/v1/members/{member['id']}/data")
        self.assertStatus(answer, 200)
        self.assertIn(f"fabomatic-member-{member['id']}-", answer.header("Content-Disposition"))
        data = json.loads(answer.body)
        self.assertEqual(data["member"]["id"], member["id"])
        self.assertEqual(data["member"]["card"], card)
        self.assertEqual(len(data["authorizations"]), 1)
        self.assertEqual(len(data["uses"]), 3)
        self.assertEqual(len(data["interventions"]), 1)
        self.assertEqual(data["uses"][0]["machine_name"], machine["name"])
        self.assertRegex(data["uses"][0]["start"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
        db = sqlite3.connect(f"file:{APPLIANCE.db_path}?mode=ro", uri=True)
        password_hash = db.execute("SELECT password_hash FROM users WHERE user_id = ?",
                                   (member["id"],)).fetchone()[0]
        db.close()
        self.assertTrue(password_hash)
        self.assertNotIn(password_hash.encode(), answer.body)
        self.assertNotIn(b"password_hash", answer.body)

        answer = self.api.get(f"/api/v1/members/{member['id']}/data?format=xlsx&lang=it")
        self.assertStatus(answer, 200)
        book = openpyxl.load_workbook(io.BytesIO(answer.body), read_only=True)
        self.assertEqual(book.sheetnames[0], "Profilo")
        sheets = {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}
        self.assertEqual(len(sheets["Utilizzi"]) - 1, 3)
        self.assertEqual(len(sheets["Autorizzazioni"]) - 1, 1)
        self.assertEqual(len(sheets["Interventi"]) - 1, 1)
        with zipfile.ZipFile(io.BytesIO(answer.body)) as archive:
            text = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        self.assertNotIn(password_hash, text)
        entry = self.api.get("/api/v1/audit?action=export").json()["items"][0]
        self.assertEqual(entry["entity_id"], member["id"])
        self.assertStatus(self.api.get("/api/v1/members/999999/data"), 404)


class SettingsTest(OperationsTestCase):
    def fields(self):
        answer = self.api.get("/api/v1/settings")
        self.assertStatus(answer, 200)
        return answer.json(), {f["name"]: f for f in answer.json()["fields"]}

    def test_a_change_that_applies_at_once_and_one_that_needs_a_restart(self):
        view, fields = self.fields()
        self.assertTrue(view["writable"], view)
        self.assertIsNone(fields["web.secret_key"]["value"])
        self.assertTrue(fields["web.secret_key"]["is_set"])
        self.assertNotIn(SECRET_KEY, self.api.get("/api/v1/settings").body.decode())
        self.assertFalse(fields["backend.purge_retention_days"]["restart"])
        self.assertTrue(fields["web.session_idle_min"]["restart"])

        # Refused by the startup code's checks: nothing written.
        with open(APPLIANCE.settings_path, encoding="utf-8") as f:
            original = f.read()
        answer = self.api.patch("/api/v1/settings", {"web.port": APPLIANCE.mqtt_port})
        self.assertStatus(answer, 400)
        self.assertIn("must differ from [MQTT] port", json.dumps(answer.error()["fields"]))
        answer = self.api.patch("/api/v1/settings", {"weekly_summary.hour": 24})
        self.assertStatus(answer, 400)
        with open(APPLIANCE.settings_path, encoding="utf-8") as f:
            self.assertEqual(f.read(), original)

        answer = self.api.patch("/api/v1/settings", {"backend.audit_retention_days": 90,
                                                     "web.session_idle_min": 45})
        self.assertStatus(answer, 200)
        saved = answer.json()
        self.assertEqual(saved["applied"], ["backend.audit_retention_days"])
        self.assertEqual(saved["after_restart"], ["web.session_idle_min"])
        self.assertTrue(saved["restart_pending"])
        with open(APPLIANCE.settings_path, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("audit_retention_days = 90", text)
        self.assertIn("session_idle_min = 45", text)
        self.assertIn("# kept: a comment of the lab", text)
        self.assertIn("enabled = false  # off for now", text)
        with open(saved["backup"], encoding="utf-8") as f:
            self.assertEqual(f.read(), original)
        _, fields = self.fields()
        self.assertEqual(fields["backend.audit_retention_days"]["value"], 90)

        # The restart from the page: same process, sessions end, the new value in effect.
        pid = APPLIANCE.pid
        answer = self.api.post("/api/v1/system/restart")
        self.assertStatus(answer, 202)
        self.assertTrue(wait_until(lambda: "stopped, restarting" in APPLIANCE.log_text(), 15))
        self.assertTrue(wait_until(APPLIANCE.ready, 30))
        self.assertEqual(APPLIANCE.pid, pid)
        self.assertTrue(APPLIANCE.alive())
        self.api = admin()
        view, _ = self.fields()
        self.assertFalse(view["restart_pending"])


class MailTest(OperationsTestCase):
    def setUp(self):
        super().setUp()
        SINK.take()

    def test_smtp_test_mail_shows_the_servers_answer(self):
        answer = self.api.post("/api/v1/mail/test", {"to": "staff@example.org"})
        self.assertStatus(answer, 200)
        self.assertTrue(answer.json()["ok"], answer)
        self.assertIn("250", answer.json()["server_answer"])
        self.assertIn("TEST42", answer.json()["server_answer"])
        self.assertTrue(SINK.wait_for(1))
        rcpts, message = SINK.take()[0]
        self.assertEqual(rcpts, ["staff@example.org"])
        self.assertEqual(message["Subject"], "fabomatic: test mail")

    def test_weekly_summary_in_english_and_italian(self):
        machine = self.make.machine(name=unique("summary-laser"))
        member = self.make.member(email=f"{unique('weekly')}@example.org",
                                  receive_weekly_summary=True)
        now = time.time()
        self.make.use(member["id"], machine["id"], now - 86400, now - 86400 + 5400)
        preview = self.api.get("/api/v1/mail/weekly-summary?lang=en").json()
        self.assertIn(f"{machine['name']}: 1 use(s), 1.5 h", preview["text"])
        self.assertIn(member["email"], preview["recipients"])
        for lang, words in (("en", ["Weekly summary", "Uses per machine", "1 use(s), 1.5 h"]),
                            ("it", ["Riepilogo settimanale", "Utilizzi per macchina",
                                    "1 utilizzi, 1.5 ore", "Manutenzioni da fare"])):
            with self.subTest(lang=lang):
                answer = self.api.post("/api/v1/mail/weekly-summary", {"lang": lang})
                self.assertStatus(answer, 202)
                sent = answer.json()["mails"]
                self.assertGreaterEqual(sent, 1)
                self.assertTrue(SINK.wait_for(sent))
                mails = {tuple(r)[0]: m for r, m in SINK.take()}
                message = mails[member["email"]]
                body = message.get_content()
                self.assertTrue(message["Subject"].startswith(words[0]), message["Subject"])
                for word in words[1:]:
                    self.assertIn(word, body)
                self.assertIn(machine["name"], body)

    def test_reset_mail_for_a_member(self):
        admins = self.make.role_id("admins")
        member = self.make.member(email=f"{unique('reset')}@example.org", role_id=admins)
        answer = self.api.post(f"/api/v1/members/{member['id']}/password-reset")
        self.assertStatus(answer, 202)
        self.assertTrue(SINK.wait_for(1))
        rcpts, message = SINK.take()[0]
        self.assertEqual(rcpts, [member["email"]])
        self.assertIn("https://lab.example:23336/#/reset?token=", message.get_content())

if __name__ == "__main__":
    unittest.main()
