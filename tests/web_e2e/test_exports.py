"""Exports (issue 14, item 5) over real HTTPS against the real binary: every kind (members,
authorizations, usage history all / filtered / per machine, interventions, maintenance plans) in
both formats, read back (csv; openpyxl for xlsx) with their row counts checked against the
lists, local date-times and hours, and no password hash, reset token or MQTT secret anywhere in
any file.
"""
import csv
import datetime
import io
import sqlite3
import time
import unittest
import zipfile

import openpyxl

from fabomatic_testing.https import HttpsClient, sign_in_admin
from fabomatic_testing.process import Fabomatic

from api_fixtures import Fixtures, unique, unique_card
from e2e_harness import ADMIN_EMAIL, finish_module

APPLIANCE = None
ADMIN = None
MQTT_SECRET = "mqtt-secret-Zq81xT"
SECRET_KEY = "web-secret-key-Pp43Lm"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# name of the export -> (its list route, the heading of its first columns in English, Italian)
KINDS = {
    "members": ("/api/v1/members", ["ID", "Name", "Surname", "Role"], ["ID", "Nome", "Cognome"]),
    "authorizations": ("/api/v1/authorizations", ["ID", "Member ID", "Member"],
                       ["ID", "ID socio", "Socio"]),
    "uses": ("/api/v1/uses", ["ID", "Member ID", "Member", "Machine ID", "Machine", "Start"],
             ["ID", "ID socio", "Socio", "ID macchina", "Macchina", "Inizio"]),
    "interventions": ("/api/v1/interventions", ["ID", "Time", "Plan ID"],
                      ["ID", "Data e ora", "ID piano"]),
    "maintenance-plans": ("/api/v1/maintenance-plans", ["ID", "Machine ID", "Machine"],
                          ["ID", "ID macchina", "Macchina"]),
}


def setUpModule():
    global APPLIANCE, ADMIN
    APPLIANCE = Fabomatic(prefix="web-e2e-exports-", settings={
        "web": {"default_admin_email": ADMIN_EMAIL, "secret_key": SECRET_KEY},
        "MQTT": {"allow_anonymous": True},
        "MQTT.users": {"board-account": MQTT_SECRET},
    }).start()
    try:
        ADMIN, _ = sign_in_admin(APPLIANCE, ADMIN_EMAIL)
        make_records()
    except BaseException:
        APPLIANCE.finish()
        raise


def tearDownModule():
    finish_module(APPLIANCE, ADMIN)


MACHINES = []
BOARD_SECRETS = []


def make_records():
    """Members with passwords (hashes in the database) and e-mails, one with a pending reset
    token; machines with plans, interventions, authorizations and uses."""
    make = Fixtures(APPLIANCE, ADMIN)
    members = [make.member(card=unique_card(), email=f"{unique('m')}@example.org",
                           password="member-pass-1", surname="Rossi, \"detto\" =1")
               for _ in range(4)]
    answer = HttpsClient(APPLIANCE).request("POST", "/api/v1/auth/forgot",
                                            {"email": ADMIN_EMAIL})
    assert answer.status in (200, 202, 204), answer
    now = time.time()
    for m in range(2):
        machine = make.machine()
        MACHINES.append(machine["id"])
        # A board account: its secret as issued (shown once) and its stored hash must not leak.
        issued = ADMIN.post("/api/v1/board-accounts", {"machine_id": machine["id"]})
        assert issued.status == 201, issued
        BOARD_SECRETS.append(issued.json()["secret"])
        plan = make.plan(machine["id"], lcd_message="clean me")
        for i, member in enumerate(members):
            make.authorization(member["id"], machine["id"])
            make.intervention(plan["id"], member["id"], timestamp=now - 86400 * (i + 1))
            for k in range(3 + m):
                start = now - 86400 * (10 + i) - 3600 * k
                make.use(member["id"], machine["id"], start, start + 5400)


def secrets():
    """Every secret the appliance holds: password hashes, reset-token hashes and board accounts'
    secret hashes from its database, the boards' secrets as issued, the MQTT account's password
    and the session key from its settings."""
    db = sqlite3.connect(f"file:{APPLIANCE.db_path}?mode=ro", uri=True)
    try:
        found = [row[0] for row in db.execute(
            "SELECT password_hash FROM users WHERE password_hash IS NOT NULL")]
        tokens = [row[0] for row in db.execute("SELECT token_hash FROM password_reset_tokens")]
        boards = [row[0] for row in db.execute("SELECT secret_hash FROM board_accounts")]
    finally:
        db.close()
    assert len(found) >= 5 and tokens and len(boards) >= 2, (found, tokens, boards)
    issued = BOARD_SECRETS + [s.replace("-", "") for s in BOARD_SECRETS]
    return found + tokens + boards + issued + [MQTT_SECRET, SECRET_KEY]


def download(path):
    answer = ADMIN.get(path)
    if answer.status != 200:
        raise AssertionError(f"GET {path} answered {answer}")
    return answer


def read_csv(answer, delimiter=","):
    text = answer.body.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV starts with a byte-order mark"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def read_xlsx(answer):
    book = openpyxl.load_workbook(io.BytesIO(answer.body), read_only=True)
    rows = []
    for sheet in book.worksheets:
        sheet_rows = list(sheet.iter_rows(values_only=True))
        rows += sheet_rows if not rows else sheet_rows[1:]
    return rows


def xlsx_text(answer):
    """The decompressed text of every part of the workbook."""
    with zipfile.ZipFile(io.BytesIO(answer.body)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace")
                       for name in archive.namelist())


class ExportTest(unittest.TestCase):
    def total(self, list_path, query=""):
        sep = "&" if query else ""
        return ADMIN.get(f"{list_path}?limit=1{sep}{query}").json()["total"]

    def check_no_secret(self, raw_text, what):
        for secret in secrets():
            self.assertNotIn(secret, raw_text, f"a secret appears in {what}")
        self.assertNotIn("$argon2", raw_text, what)

    def test_every_kind_in_both_formats_reads_back_complete_and_without_secrets(self):
        for kind, (list_path, headings, _) in KINDS.items():
            expected = self.total(list_path)
            self.assertGreater(expected, 0, kind)
            with self.subTest(kind=kind, format="csv"):
                answer = download(f"/api/v1/{kind}/export?format=csv")
                self.assertTrue(answer.header("Content-Type").startswith("text/csv"))
                self.assertEqual(answer.header("Transfer-Encoding"), "chunked")
                disposition = answer.header("Content-Disposition")
                self.assertRegex(disposition,
                                 rf'^attachment; filename="fabomatic-{kind}-\d{{4}}-\d\d-\d\d\.csv"$')
                rows = read_csv(answer)
                self.assertEqual(rows[0][:len(headings)], headings)
                self.assertEqual(len(rows) - 1, expected)
                self.check_no_secret(answer.body.decode("utf-8"), f"{kind}.csv")
            with self.subTest(kind=kind, format="xlsx"):
                answer = download(f"/api/v1/{kind}/export?format=xlsx")
                self.assertEqual(answer.header("Content-Type"), XLSX)
                rows = read_xlsx(answer)
                self.assertEqual(list(rows[0][:len(headings)]), headings)
                self.assertEqual(len(rows) - 1, expected)
                self.check_no_secret(xlsx_text(answer), f"{kind}.xlsx")

    def test_italian_headings(self):
        for kind, (_, _, italian) in KINDS.items():
            with self.subTest(kind=kind):
                # As a spreadsheet set to Italian reads it: ';' between cells.
                rows = read_csv(download(f"/api/v1/{kind}/export?lang=it"), delimiter=";")
                self.assertEqual(rows[0][:len(italian)], italian)
                rows = read_xlsx(download(f"/api/v1/{kind}/export?lang=it&format=xlsx"))
                self.assertEqual(list(rows[0][:len(italian)]), italian)

    def test_uses_filtered_as_on_the_page_and_per_machine(self):
        machine = MACHINES[1]
        since = time.time() - 86400 * 11.5
        for query in (f"machine_id={machine}", f"from={since}",
                      f"machine_id={machine}&from={since}", "open=true"):
            with self.subTest(query=query):
                expected = self.total("/api/v1/uses", query)
                rows = read_csv(download(f"/api/v1/uses/export?{query}"))
                self.assertEqual(len(rows) - 1, expected)
                rows = read_xlsx(download(f"/api/v1/uses/export?format=xlsx&{query}"))
                self.assertEqual(len(rows) - 1, expected)
                if "machine_id" in query:
                    self.assertTrue(all(row[3] == machine for row in rows[1:]))
        answer = download(f"/api/v1/uses/export?machine_id={machine}")
        self.assertIn(f"fabomatic-uses-machine-{machine}-", answer.header("Content-Disposition"))

    def test_times_are_local_date_times_and_durations_hours(self):
        uses = ADMIN.get(f"/api/v1/uses?limit=1&machine_id={MACHINES[0]}").json()["items"]
        use = uses[0]
        local_start = datetime.datetime.fromtimestamp(int(use["start"]))
        rows = read_csv(download(f"/api/v1/uses/export?machine_id={MACHINES[0]}"))
        first = rows[1]
        self.assertEqual(int(first[0]), use["id"])
        self.assertEqual(first[5], local_start.strftime("%Y-%m-%d %H:%M:%S"))
        self.assertEqual(first[7], "1.50")  # 5400 s
        rows = read_xlsx(download(f"/api/v1/uses/export?format=xlsx&machine_id={MACHINES[0]}"))
        self.assertEqual(rows[1][5], local_start)
        self.assertAlmostEqual(rows[1][7], 1.5)
        self.assertIsInstance(rows[1][5], datetime.datetime)

    def test_csv_cells_that_look_like_formulas_are_defused(self):
        rows = read_csv(download("/api/v1/members/export?q=Rossi"))
        self.assertGreaterEqual(len(rows), 5)
        self.assertEqual(rows[1][2], "Rossi, \"detto\" =1")  # quoted, read back as written

    def test_bad_parameters_are_400_naming_the_field(self):
        for path, field in (("/api/v1/uses/export?format=pdf", "format"),
                            ("/api/v1/members/export?lang=fr", "lang"),
                            ("/api/v1/uses/export?machine_id=abc", "machine_id"),
                            ("/api/v1/interventions/export?from=yesterday", "from")):
            with self.subTest(path=path):
                answer = ADMIN.get(path)
                self.assertEqual(answer.status, 400, answer)
                self.assertIn(field, answer.error()["fields"])

    def test_exports_need_a_session(self):
        answer = HttpsClient(APPLIANCE).request("GET", "/api/v1/uses/export")
        self.assertEqual(answer.status, 401)


if __name__ == "__main__":
    unittest.main()
