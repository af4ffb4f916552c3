"""The admin portal's REST API over real HTTPS against the real binary (issue #5).

One fabomatic for the whole module (setUpModule): the seeded admin signs in, changes the
password as the flow requires, and every test works through that session on records it creates
itself (unique names), so the tests do not depend on their order.
"""
import json
import time
import unittest

from fabomatic_testing.board import ADMIN_CARD, Board, alive
from fabomatic_testing.https import (HttpsClient, Session, read_response, sign_in_admin,
                                     signed_in, status_of, tls_socket)
from fabomatic_testing.process import wait_until

from api_fixtures import Fixtures, concrete, unique, unique_card, unique_machine_id
from e2e_harness import ADMIN_EMAIL, Appliance, finish_module

APPLIANCE = None
ADMIN = None  # the Session every test uses
FIRST_SIGN_IN = None  # the answers of the first sign-in, step by step
OPENAPI = None

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def setUpModule():
    global APPLIANCE, ADMIN, FIRST_SIGN_IN, OPENAPI
    APPLIANCE = Appliance(prefix="web-e2e-api-").start()
    try:
        ADMIN, FIRST_SIGN_IN = sign_in_admin(APPLIANCE, ADMIN_EMAIL)
        # A new database's admin has no card; the remote start tests need one (as a lab does).
        answer = ADMIN.patch(f"/api/v1/members/{admin_id()}", {"card": ADMIN_CARD})
        if answer.status != 200:
            raise AssertionError(f"the admin got no card: {answer}")
        client = HttpsClient(APPLIANCE)
        OPENAPI = client.request("GET", "/api/v1/openapi.json").json()
        client.close()
    except BaseException:
        APPLIANCE.finish()
        raise


def tearDownModule():
    finish_module(APPLIANCE, ADMIN)


def admin_id():
    return FIRST_SIGN_IN["login"].json()["user"]["id"]


def without_keys(value, keys):
    """`value` (parsed JSON) without these keys in any object, however deep."""
    if isinstance(value, dict):
        return {k: without_keys(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without_keys(v, keys) for v in value]
    return value


def operations():
    """Every (METHOD, pattern) of the OpenAPI document that needs a session and answers JSON:
    not the public ones (sign-in, the document, /metrics, the app's files), not the WebSocket."""
    ops = []
    for path, methods in OPENAPI["paths"].items():
        for method, op in methods.items():
            if op.get("security") != [] and "101" not in op["responses"]:
                ops.append((method.upper(), path))
    return ops


def answers_json(method, pattern):
    """Whether the operation's success answer is JSON (downloads answer files)."""
    op = OPENAPI["paths"][pattern][method.lower()]
    return all(kind == "application/json" for status, response in op["responses"].items()
               if status.startswith("2") for kind in response.get("content", {}))


class ApiTestCase(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        self.api = ADMIN
        self.make = Fixtures(APPLIANCE, ADMIN)

    def assertStatus(self, answer, status, what=""):
        self.assertEqual(answer.status, status, f"{what} answered {answer}")

    def assertJsonError(self, answer, status, code=None):
        self.assertStatus(answer, status)
        self.assertTrue((answer.header("Content-Type") or "").startswith("application/json"),
                        answer.headers)
        error = answer.error()
        self.assertEqual(error.get("status", status), status, answer)
        if code is not None:
            self.assertEqual(error["code"], code, answer)
        self.assertTrue(error["message"], answer)
        return error

    def assertFieldCodes(self, error):
        """Each field's message has a code next to it, one of those the document lists."""
        codes = OPENAPI["components"]["schemas"]["FieldCode"]["properties"]["code"]["enum"]
        self.assertEqual(sorted(error.get("field_codes", {})), sorted(error.get("fields", {})))
        for name, code in error.get("field_codes", {}).items():
            self.assertIn(code["code"], codes, (name, error))

    def assertFieldErrors(self, answer, *fields):
        """400 "invalid" with a message and a code for exactly these fields."""
        error = self.assertJsonError(answer, 400, "invalid")
        self.assertEqual(sorted(error.get("fields", {})), sorted(fields), answer)
        for name in fields:
            self.assertTrue(error["fields"][name], answer)
        self.assertFieldCodes(error)
        return error["fields"]

    def assertNotFound(self, answer):
        self.assertJsonError(answer, 404, "not_found")

    def assertConflict(self, answer, field):
        error = self.assertJsonError(answer, 409, "conflict")
        self.assertIn(field, error.get("fields", {}), answer)
        self.assertFieldCodes(error)

    def ok(self, answer, status=200):
        self.assertStatus(answer, status)
        return answer.json() if answer.body else None

    def page(self, path):
        return self.ok(self.api.get(path))

    def ids(self, path):
        return [item["id"] for item in self.page(path)["items"]]

    def audit(self, query):
        return self.page("/api/v1/audit?" + query)

    def assertPaging(self, path, expected_ids, key="id"):
        """`path` (with its filter and sort, no paging) lists exactly `expected_ids` in this
        order; pages of 2 cut it in the same order, with the right total."""
        sep = "&" if "?" in path else "?"
        whole = self.page(f"{path}{sep}limit=500")
        self.assertEqual([item[key] for item in whole["items"]], expected_ids, path)
        self.assertEqual(whole["total"], len(expected_ids))
        first = self.page(f"{path}{sep}limit=2&offset=0")
        rest = self.page(f"{path}{sep}limit=2&offset=2")
        self.assertEqual((first["limit"], first["offset"], rest["offset"]), (2, 0, 2))
        self.assertEqual(first["total"], len(expected_ids))
        self.assertEqual([item[key] for item in first["items"] + rest["items"]],
                         expected_ids[:4])


class SignInTest(ApiTestCase):
    def test_first_start_sets_the_password_with_the_setup_code_then_signs_in(self):
        setup = FIRST_SIGN_IN["setup"]
        self.assertEqual(setup.json()["user"]["email"], ADMIN_EMAIL)
        self.assertFalse(setup.json()["password_change_required"])
        self.assertEqual(setup.header("Cache-Control"), "no-store")
        login = FIRST_SIGN_IN["login"]
        self.assertFalse(login.json()["password_change_required"])
        self.assertEqual(login.json()["user"]["email"], ADMIN_EMAIL)
        cookie = login.header("Set-Cookie")
        for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
            self.assertIn(attribute, cookie)
        self.assertEqual(login.header("Cache-Control"), "no-store")
        session = FIRST_SIGN_IN["session"].json()
        self.assertFalse(session["password_change_required"])
        self.assertEqual(session["csrf_token"], ADMIN.csrf)
        # Set up: the code is spent and nothing is pending any more.
        anonymous = HttpsClient(APPLIANCE)
        self.assertEqual(anonymous.request("GET", "/api/v1/auth/setup").json(),
                         {"pending": False, "email": None})
        anonymous.close()

    def test_the_old_seeded_password_does_not_work_and_failure_is_audited(self):
        before = self.audit("action=login_failed")["total"]
        stranger = Session(APPLIANCE)
        self.assertJsonError(stranger.login(ADMIN_EMAIL, "admin"), 401, "invalid_credentials")
        after = self.audit("action=login_failed&limit=1")
        self.assertEqual(after["total"], before + 1)
        self.assertEqual(after["items"][0]["user_email"], ADMIN_EMAIL)
        self.assertEqual(after["items"][0]["address"], "127.0.0.1")
        stranger.close()

    def test_logout_ends_the_session(self):
        session = signed_in(APPLIANCE, ADMIN_EMAIL)
        self.assertStatus(session.get("/api/v1/members"), 200)
        self.assertStatus(session.post("/api/v1/auth/logout"), 204)
        self.assertJsonError(session.get("/api/v1/members"), 401, "unauthenticated")
        session.close()


class ProtectionTest(ApiTestCase):
    def test_openapi_document_is_public_and_lists_every_entity(self):
        anonymous = HttpsClient(APPLIANCE)
        answer = anonymous.request("GET", "/api/v1/openapi.json")
        anonymous.close()
        self.assertStatus(answer, 200)
        paths = answer.json()["paths"]
        for path in ("/api/v1/members", "/api/v1/unknown-cards", "/api/v1/roles",
                     "/api/v1/machine-types", "/api/v1/machines", "/api/v1/boards",
                     "/api/v1/discovered-boards", "/api/v1/authorizations",
                     "/api/v1/authorizations/bulk", "/api/v1/maintenance-plans",
                     "/api/v1/interventions", "/api/v1/uses", "/api/v1/live/status",
                     "/api/v1/machines/{id}/cascade", "/api/v1/machines/{id}/start"):
            self.assertIn(path, paths)

    def test_the_session_route_tells_a_stranger_only_that_it_is_signed_out(self):
        anonymous = HttpsClient(APPLIANCE)
        for headers in ({}, {"Cookie": "fabomatic_session=forged-session-id"}):
            with self.subTest(headers=headers):
                answer = anonymous.request("GET", "/api/v1/auth/session", None, headers)
                self.assertEqual(self.ok(answer), {"signed_in": False})
                self.assertEqual(answer.header("Cache-Control"), "no-store")
        anonymous.close()
        mine = self.ok(self.api.get("/api/v1/auth/session"))
        self.assertTrue(mine["signed_in"])
        self.assertEqual(mine["user"]["id"], admin_id())

    def test_every_operation_needs_a_session(self):
        anonymous = HttpsClient(APPLIANCE)
        ops = operations()
        self.assertGreater(len(ops), 40)
        for method, pattern in ops:
            path = pattern.replace("{id}", "1")
            body = {} if method in STATE_CHANGING else None
            for headers in ({}, {"Cookie": "fabomatic_session=forged-session-id"}):
                with self.subTest(method=method, path=path, headers=headers):
                    answer = anonymous.request(method, path, body, headers)
                    self.assertJsonError(answer, 401, "unauthenticated")
        anonymous.close()

    def snapshot(self, ids):
        """Everything the API can show: every GET route (collections in full), the live
        status without its clock, and the audit log's size. Without what only time changes:
        a board goes offline 90 s after its last message."""
        view = {}
        for method, pattern in operations():
            if method != "GET" or not answers_json(method, pattern):
                continue
            if pattern.startswith("/api/v1/system"):
                continue  # the host's figures and the log move by themselves
            path = concrete(pattern, ids)
            takes = {p["name"] for p in OPENAPI["paths"][pattern]["get"].get("parameters", [])
                     if p.get("in") == "query"}
            if "limit" in takes:  # collections in full (a parameter a route does not take: 400)
                path += "?limit=500"
            answer = self.api.get(path)
            self.assertStatus(answer, 200, f"GET {path}")
            view[path] = without_keys(answer.json(), {"time", "online", "state"})
        view["audit"] = self.audit("limit=1")["total"]
        return view

    def test_state_changes_need_the_csrf_token_and_change_nothing(self):
        ids = self.make.world()
        before = self.snapshot(ids)
        changing = [(m, p) for m, p in operations() if m in STATE_CHANGING]
        self.assertGreater(len(changing), 20)
        for method, pattern in changing:
            path = concrete(pattern, ids)
            # A body that many of these routes would accept: without the check it would change
            # something that the snapshot shows.
            body = {"name": unique("csrf-probe")}
            with self.subTest(method=method, path=path):
                self.assertJsonError(self.api.request(method, path, body, csrf=False), 403,
                                     "csrf")
                wrong = {"X-CSRF-Token": "A" * 43}
                self.assertJsonError(
                    self.api.request(method, path, body, csrf=False, headers=wrong), 403, "csrf")
        self.assertEqual(self.snapshot(ids), before)


class HttpBehaviourTest(ApiTestCase):
    def test_answers_carry_the_security_headers(self):
        answer = self.api.get("/api/v1/members?limit=1")
        self.assertEqual(answer.header("Strict-Transport-Security"), "max-age=31536000")
        self.assertEqual(answer.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(answer.header("X-Frame-Options"), "DENY")
        self.assertIn("default-src 'self'", answer.header("Content-Security-Policy"))

    def test_head_answers_the_get_headers_without_a_body(self):
        get = self.api.get("/api/v1/roles")
        head = self.api.request("HEAD", "/api/v1/roles")
        self.assertStatus(head, 200)
        self.assertEqual(head.body, b"")
        self.assertEqual(int(head.header("Content-Length")), len(get.body))

    def test_unsupported_method_is_405_with_allow(self):
        answer = self.api.request("PUT", "/api/v1/members/1", {})
        self.assertJsonError(answer, 405, "method_not_allowed")
        self.assertEqual(answer.header("Allow"), "GET, HEAD, PATCH, DELETE")
        self.assertJsonError(self.api.get("/api/v1/no-such-thing"), 404, "not_found")

    def test_a_query_parameter_the_route_does_not_take_is_refused_and_changes_nothing(self):
        # Ignored, '?dry_run=1' would write what the client meant only to try.
        name = unique("dry run")
        answer = self.api.post("/api/v1/roles?dry_run=1", {"name": name})
        self.assertEqual(self.assertFieldErrors(answer, "dry_run"), {"dry_run": "unknown field"})
        roles = self.page("/api/v1/roles?limit=500")["items"]
        self.assertNotIn(name, [r["name"] for r in roles])
        self.assertFieldErrors(self.api.get("/api/v1/members?limmit=5"), "limmit")
        # One the route takes, given twice: which one counts would be a guess.
        self.assertFieldErrors(self.api.get("/api/v1/members?limit=5&limit=500"), "limit")
        self.assertEqual(len(self.page("/api/v1/members?limit=1")["items"]), 1)
        # Not before the session check: a stranger learns nothing of the parameters.
        stranger = Session(APPLIANCE)
        self.assertJsonError(stranger.get("/api/v1/members?bogus=1"), 401)
        stranger.close()

    def test_expect_100_continue_is_honoured(self):
        body = json.dumps({"name": unique("continued")}).encode()
        with tls_socket(APPLIANCE) as sock:
            sock.sendall(b"POST /api/v1/roles HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Expect: 100-continue\r\nContent-Type: application/json\r\n"
                         b"Cookie: %s\r\nX-CSRF-Token: %s\r\nContent-Length: %d\r\n\r\n"
                         % (ADMIN.cookie.encode(), ADMIN.csrf.encode(), len(body)))
            self.assertEqual(read_response(sock), b"HTTP/1.1 100 Continue\r\n\r\n")
            sock.sendall(body)
            self.assertEqual(status_of(read_response(sock)), 201)


class MembersTest(ApiTestCase):
    def test_create_get_update_delete(self):
        users = self.make.role_id("Fab Users")
        created = self.ok(self.api.post("/api/v1/members", {
            "name": "Ada", "surname": unique("Lovelace"), "role_id": users, "card": "ABCDEF0A",
            "email": f"{unique('ada')}@example.org"}), 201)
        self.assertEqual(created["card"], "abcdef0a")  # stored and answered lowercase
        self.assertEqual(created["role_name"], "Fab Users")
        self.assertFalse(created["has_password"])
        path = f"/api/v1/members/{created['id']}"
        self.assertEqual(self.page(path), created)

        changed = self.ok(self.api.patch(path, {"surname": "Byron", "disabled": True}))
        self.assertEqual((changed["surname"], changed["disabled"]), ("Byron", True))
        self.assertEqual((changed["name"], changed["card"], changed["email"]),
                         (created["name"], created["card"], created["email"]))

        removed = self.ok(self.api.delete(path))
        self.assertTrue(removed["deleted"])
        self.assertIsNone(removed["card"])  # soft delete frees the card
        self.assertNotIn(created["id"], self.ids("/api/v1/members?limit=500"))
        self.assertIn(created["id"], self.ids("/api/v1/members?limit=500&include_deleted=true"))
        self.make.member(card="abcdef0a")  # the card is free again

    def test_list_filters_sorts_and_pages(self):
        prefix = unique("zz-page")
        staff = self.make.role_id("Fab Staff")
        made = [self.make.member(name=f"{prefix}-{n}", role_id=staff, disabled=(n == 2))
                for n in (1, 3, 2, 4, 5)]
        by_name_desc = [m["id"] for m in sorted(made, key=lambda m: m["name"], reverse=True)]
        self.assertPaging(f"/api/v1/members?q={prefix}&sort=name&order=desc", by_name_desc)
        self.assertEqual(self.ids(f"/api/v1/members?q={prefix}&disabled=true"), [made[2]["id"]])
        self.assertEqual(len(self.ids(f"/api/v1/members?q={prefix}&role_id={staff}")), 5)
        self.assertFieldErrors(self.api.get("/api/v1/members?limit=0&sort=shoe&order=up"),
                               "limit", "sort", "order")

    def test_a_password_with_a_control_character_is_refused_on_every_route(self):
        # A NUL or a line break makes a password no sign-in form can type: the change of one's
        # own password refuses it as the members' routes do.
        email = f"{unique('ctl')}@example.org"
        self.make.member(role_id=self.make.role_id("admins"), email=email,
                         password="initial-pass-1", password_change_required=False)
        member_session = Session(APPLIANCE)
        self.assertStatus(member_session.login(email, "initial-pass-1"), 200)
        for bad in ("prefix-pw\u0000tail-xyz", "line\nbreak-pass", "ctl\u007f-password",
                    "\u202edrowssap-lla"):
            answer = member_session.post("/api/v1/auth/password",
                                         {"current": "initial-pass-1", "new": bad})
            self.assertFieldErrors(answer, "new")
        member_session.close()
        again = Session(APPLIANCE)
        self.assertStatus(again.login(email, "initial-pass-1"), 200)  # unchanged
        again.close()

    def test_a_password_set_by_an_admin_is_the_one_that_signs_in(self):
        # The hash is made on the password worker, then stored by the handler on the reactor.
        email = f"{unique('keeper')}@example.org"
        member = self.make.member(role_id=self.make.role_id("admins"), email=email,
                                  password="given by admin", password_change_required=False)
        self.assertTrue(member["has_password"])
        first = Session(APPLIANCE)
        self.assertStatus(first.login(email, "given by admin"), 200)
        first.close()
        self.ok(self.api.patch(f"/api/v1/members/{member['id']}", {"password": "changed by admin"}))
        second = Session(APPLIANCE)
        self.assertJsonError(second.login(email, "given by admin"), 401, "invalid_credentials")
        self.assertStatus(second.login(email, "changed by admin"), 200)
        second.close()

    def test_wrong_fields_are_named(self):
        answer = self.api.post("/api/v1/members", {
            "name": "  ", "role_id": "two", "card": "xyz", "email": "no-at-sign",
            "password": "short", "colour": "blue"})
        fields = self.assertFieldErrors(answer, "name", "role_id", "card", "email", "password",
                                        "colour")
        self.assertEqual(fields["colour"], "unknown field")
        self.assertFieldErrors(self.api.post("/api/v1/members", {}), "name", "role_id")
        member = self.make.member()
        self.assertFieldErrors(self.api.patch(f"/api/v1/members/{member['id']}",
                                              {"role_id": 999999}), "role_id")

    def test_missing_ids_are_404(self):
        for path in ("/api/v1/members/999999", "/api/v1/members/abc", "/api/v1/members/-1"):
            self.assertNotFound(self.api.get(path))
        self.assertNotFound(self.api.patch("/api/v1/members/999999", {"name": "x"}))
        self.assertNotFound(self.api.delete("/api/v1/members/999999"))

    def test_duplicate_card_and_email_are_409(self):
        card = unique_card()
        email = f"{unique('dup')}@example.org"
        self.make.member(card=card, email=email)
        self.assertConflict(self.api.post("/api/v1/members", {
            "name": "Twin", "role_id": self.make.role_id("Fab Users"), "card": card.upper()}),
            "card")
        self.assertConflict(self.api.post("/api/v1/members", {
            "name": "Twin", "role_id": self.make.role_id("Fab Users"), "email": email}), "email")
        other = self.make.member()
        self.assertConflict(self.api.patch(f"/api/v1/members/{other['id']}", {"card": card}),
                            "card")

    def test_admin_cannot_delete_or_disable_themselves(self):
        me = f"/api/v1/members/{admin_id()}"
        self.assertJsonError(self.api.delete(me), 409, "conflict")
        self.assertJsonError(self.api.patch(me, {"disabled": True}), 409, "conflict")
        self.assertFalse(self.page(me)["disabled"])


class UnknownCardsTest(ApiTestCase):
    def test_taps_listed_filtered_paged_deleted_and_converted(self):
        machine, second, third = (self.make.machine() for _ in range(3))
        card, other = unique_card(), unique_card()
        # A card is recorded once per machine within unknown_card_window_s: three taps of one
        # card are three machines' (a fourth on the first machine is not a new row).
        self.make.unknown_taps(machine["id"], card, count=2)  # the second tap is the same row
        self.make.unknown_taps(second["id"], card)
        taps = self.make.unknown_taps(third["id"], card)
        self.assertEqual(len(taps), 3)
        self.make.unknown_taps(machine["id"], other)
        machine_ids = {machine["id"], second["id"], third["id"]}
        self.assertTrue(all(t["card"] == card and t["machine_id"] in machine_ids for t in taps))
        newest_first = [t["id"] for t in taps]
        self.assertEqual(newest_first, sorted(newest_first, reverse=True))
        self.assertPaging(f"/api/v1/unknown-cards?card={card}", newest_first)
        self.assertEqual(self.page(f"/api/v1/unknown-cards?machine_id={machine['id']}")["total"],
                         2)

        self.assertStatus(self.api.delete(f"/api/v1/unknown-cards/{taps[0]['id']}"), 204)
        self.assertNotFound(self.api.delete(f"/api/v1/unknown-cards/{taps[0]['id']}"))
        self.assertEqual(self.page(f"/api/v1/unknown-cards?card={card}")["total"], 2)

        convert = f"/api/v1/unknown-cards/{taps[1]['id']}/convert"
        self.assertFieldErrors(self.api.post(convert, {"name": "New", "card": "00000000"}),
                               "role_id", "card")
        result = self.ok(self.api.post(convert, {
            "name": unique("converted"), "role_id": self.make.role_id("Fab Users")}), 201)
        self.assertEqual(result["member"]["card"], card)
        self.assertEqual(result["removed_taps"], 2)
        self.assertEqual(self.page(f"/api/v1/unknown-cards?card={card}")["total"], 0)
        self.assertEqual(self.page(f"/api/v1/unknown-cards?card={other}")["total"], 1)
        self.assertNotFound(self.api.post(convert, {"name": "x", "role_id": 1}))


class RolesTest(ApiTestCase):
    def test_create_get_list_update_delete(self):
        created = self.make.role(maintenance=True)
        self.assertEqual((created["maintenance"], created["authorize_all"],
                          created["member_count"]), (True, False, 0))
        path = f"/api/v1/roles/{created['id']}"
        self.assertEqual(self.page(path), created)
        changed = self.ok(self.api.patch(path, {"authorize_all": True}))
        self.assertEqual((changed["maintenance"], changed["authorize_all"]), (True, True))
        self.assertStatus(self.api.delete(path), 204)
        self.assertNotFound(self.api.get(path))
        self.assertNotFound(self.api.patch(path, {"name": "x"}))
        self.assertNotFound(self.api.delete(path))

    def test_list_sorts_and_pages(self):
        everything = self.page("/api/v1/roles?limit=500&sort=name&order=desc")["items"]
        names = [r["name"].lower() for r in everything]
        self.assertEqual(names, sorted(names, reverse=True))
        self.assertPaging("/api/v1/roles?sort=name&order=desc", [r["id"] for r in everything])

    def test_wrong_fields_duplicates_reserved_and_in_use(self):
        self.assertFieldErrors(self.api.post("/api/v1/roles", {"name": 5, "backend_admin": "yes"}),
                               "name", "backend_admin")
        role = self.make.role()
        self.assertConflict(self.api.post("/api/v1/roles", {"name": role["name"]}), "name")
        other = self.make.role()
        self.assertConflict(self.api.patch(f"/api/v1/roles/{other['id']}",
                                           {"name": role["name"]}), "name")
        reserved = [r for r in self.page("/api/v1/roles?limit=500")["items"] if r["reserved"]]
        self.assertTrue(reserved)
        self.assertConflict(self.api.patch(f"/api/v1/roles/{reserved[0]['id']}",
                                           {"name": "renamed"}), "reserved")
        self.make.member(role_id=role["id"])
        self.assertConflict(self.api.delete(f"/api/v1/roles/{role['id']}"), "references")
        self.assertEqual(self.page(f"/api/v1/roles/{role['id']}")["member_count"], 1)


class MachineTypesTest(ApiTestCase):
    def test_create_get_list_update_delete(self):
        created = self.make.machine_type(access_management=1)
        path = f"/api/v1/machine-types/{created['id']}"
        self.assertEqual(self.page(path), created)
        changed = self.ok(self.api.patch(path, {"timeout_min": 120}))
        self.assertEqual((changed["timeout_min"], changed["grace_period_min"]), (120, 5))
        everything = self.page("/api/v1/machine-types?limit=500&sort=name&order=asc")["items"]
        self.assertPaging("/api/v1/machine-types?sort=name&order=asc",
                          [t["id"] for t in everything])
        self.assertStatus(self.api.delete(path), 204)
        self.assertNotFound(self.api.get(path))
        self.assertNotFound(self.api.delete(path))

    def test_wrong_fields_duplicates_and_in_use(self):
        self.assertFieldErrors(self.api.post("/api/v1/machine-types", {
            "name": unique("type"), "timeout_min": 70000, "grace_period_min": -1,
            "access_management": 2}), "timeout_min", "grace_period_min", "access_management")
        kind = self.make.machine_type()
        self.assertConflict(self.api.post("/api/v1/machine-types", {"name": kind["name"]}),
                            "name")
        self.make.machine(type_id=kind["id"])
        self.assertConflict(self.api.delete(f"/api/v1/machine-types/{kind['id']}"), "references")
        self.assertEqual(self.page(f"/api/v1/machine-types/{kind['id']}")["machine_count"], 1)


class MachinesTest(ApiTestCase):
    def test_create_get_list_update(self):
        kind = self.make.machine_type()
        prefix = unique("zz-lathe")
        made = [self.make.machine(name=f"{prefix}-{n}", type_id=kind["id"], hours=float(h))
                for n, h in ((1, 30), (2, 10), (3, 50))]
        self.assertEqual(made[0]["type_name"], kind["name"])
        path = f"/api/v1/machines/{made[0]['id']}"
        self.assertEqual(self.page(path), made[0])
        by_hours_desc = [made[2]["id"], made[0]["id"], made[1]["id"]]
        self.assertPaging(f"/api/v1/machines?q={prefix}&sort=hours&order=desc", by_hours_desc)
        self.assertEqual(self.ids(f"/api/v1/machines?type_id={kind['id']}&sort=name"),
                         [m["id"] for m in made])
        changed = self.ok(self.api.patch(path, {"blocked": True}))
        self.assertTrue(changed["blocked"])
        self.assertEqual(changed["hours"], 30.0)
        self.assertEqual(self.ids(f"/api/v1/machines?q={prefix}&blocked=true"), [made[0]["id"]])

    def test_wrong_fields_missing_ids_and_duplicates(self):
        self.assertFieldErrors(self.api.post("/api/v1/machines", {
            "name": unique("m"), "type_id": 999999, "hours": -1, "blocked": "no"}),
            "type_id", "hours", "blocked")
        machine = self.make.machine()
        self.assertConflict(self.api.post("/api/v1/machines", {"name": machine["name"]}), "name")
        self.assertConflict(self.api.post("/api/v1/machines",
                                          {"name": unique("m"), "id": machine["id"]}), "id")
        for method in ("GET", "PATCH", "DELETE"):
            self.assertNotFound(self.api.request(method, "/api/v1/machines/999999",
                                                 {} if method == "PATCH" else None))
        self.assertNotFound(self.api.get("/api/v1/machines/999999/cascade"))

    def test_cascade_counts_before_delete_match_what_delete_removes(self):
        machine = self.make.machine()
        members = [self.make.member() for _ in range(2)]
        for member in members:
            self.make.authorization(member["id"], machine["id"])
        now = time.time()
        uses = [self.make.use(members[0]["id"], machine["id"], now - 3600 * k, now - 3600 * k + 60)
                for k in (3, 2, 1)]
        plan = self.make.plan(machine["id"])
        self.make.intervention(plan["id"], members[1]["id"])
        self.make.unknown_taps(machine["id"], unique_card())
        board = self.make.board(machine["id"])
        path = f"/api/v1/machines/{machine['id']}"
        cascade = self.page(path + "/cascade")
        self.assertEqual(cascade, {"boards": 1, "plans": 1, "interventions": 1,
                                   "authorizations": 2, "uses": 3, "unknown_cards": 1,
                                   "total": 9})
        removed = self.ok(self.api.delete(path))["removed"]
        self.assertEqual(removed, cascade)
        self.assertNotFound(self.api.get(path))
        self.assertNotFound(self.api.get(f"/api/v1/uses/{uses[0]['id']}"))
        self.assertNotFound(self.api.get(f"/api/v1/boards/{board['id']}"))
        self.assertEqual(self.page(f"/api/v1/authorizations?machine_id={machine['id']}")["total"],
                         0)
        entry = self.audit(f"entity=machine&entity_id={machine['id']}&action=delete")["items"][0]
        self.assertEqual(entry["before"]["removed"], cascade)  # the audit keeps the counts
        self.assertIsNone(entry["after"])


class BoardsTest(ApiTestCase):
    def test_board_record_listed_with_online_state_and_forgotten(self):
        machines = [self.make.machine() for _ in range(3)]
        boards = [self.make.board(m["id"], ip=f"10.0.0.{n}") for n, m in enumerate(machines, 1)]
        first = boards[0]
        self.assertEqual((first["machine_id"], first["machine_name"], first["ip_address"],
                          first["online"]), (machines[0]["id"], machines[0]["name"], "10.0.0.1",
                                             True))
        self.assertEqual(first["fw_version"], "hardware-rev0-it_IT,0.7.3-12-gabcdef")
        path = f"/api/v1/boards/{first['id']}"
        self.assertEqual(self.page(path), first)
        everything = self.ids("/api/v1/boards?limit=500&sort=id&order=desc")
        self.assertEqual(everything, sorted(everything, reverse=True))
        self.assertPaging("/api/v1/boards?sort=id&order=desc", everything)
        self.assertStatus(self.api.delete(path), 204)
        self.assertNotFound(self.api.get(path))
        self.assertNotFound(self.api.delete(path))
        self.assertEqual(self.page(f"/api/v1/boards?machine_id={machines[0]['id']}")["total"], 0)

    def discovered(self):
        return [b["machine_id"]
                for b in self.page("/api/v1/discovered-boards?limit=500")["items"]]

    def test_discovered_board_becomes_a_machine_or_is_dismissed(self):
        wanted, unwanted = unique_machine_id(), unique_machine_id()
        found = self.make.board(wanted, ip="10.1.1.1")
        self.assertEqual((found["machine_id"], found["ip_address"]), (wanted, "10.1.1.1"))
        self.make.board(unwanted)
        listed = self.discovered()
        self.assertIn(wanted, listed)
        self.assertIn(unwanted, listed)

        machine = self.ok(self.api.post(f"/api/v1/discovered-boards/{wanted}/machine",
                                        {"name": unique("found")}), 201)
        self.assertEqual(machine["id"], wanted)
        board = self.page(f"/api/v1/boards?machine_id={wanted}")["items"][0]
        self.assertEqual(board["ip_address"], "10.1.1.1")
        self.assertNotFound(self.api.post(f"/api/v1/discovered-boards/{wanted}/machine",
                                          {"name": unique("again")}))

        self.assertStatus(self.api.delete(f"/api/v1/discovered-boards/{unwanted}"), 204)
        self.assertNotFound(self.api.delete(f"/api/v1/discovered-boards/{unwanted}"))
        listed = self.discovered()
        self.assertNotIn(wanted, listed)
        self.assertNotIn(unwanted, listed)


class AuthorizationsTest(ApiTestCase):
    def test_create_get_list_update_delete(self):
        machine, elsewhere = self.make.machine(), self.make.machine()
        members = [self.make.member(name=unique(f"auth-{n}")) for n in range(3)]
        created = self.make.authorization(members[0]["id"], machine["id"])
        self.assertEqual((created["member_name"].split()[0], created["machine_name"]),
                         (members[0]["name"], machine["name"]))
        path = f"/api/v1/authorizations/{created['id']}"
        self.assertEqual(self.page(path), created)
        self.assertConflict(self.api.post("/api/v1/authorizations", {
            "member_id": members[0]["id"], "machine_id": machine["id"]}), "member_id")

        bulk = self.ok(self.api.post("/api/v1/authorizations/bulk", {
            "machine_id": machine["id"],
            "member_ids": [m["id"] for m in members] + [members[1]["id"]]}))
        self.assertEqual((bulk["added"], bulk["skipped"]), (2, 1))
        self.assertEqual(sorted(bulk["added_member_ids"]), sorted(m["id"] for m in members[1:]))
        self.assertEqual(bulk["skipped_member_ids"], [members[0]["id"]])

        by_member_desc = self.page(
            f"/api/v1/authorizations?machine_id={machine['id']}&sort=member&order=desc&limit=500")
        self.assertEqual([a["member_id"] for a in by_member_desc["items"]],
                         sorted((m["id"] for m in members), reverse=True))
        self.assertPaging(f"/api/v1/authorizations?machine_id={machine['id']}&sort=member"
                          f"&order=desc", [a["id"] for a in by_member_desc["items"]])
        self.assertEqual(self.page(f"/api/v1/authorizations?member_id={members[2]['id']}")
                         ["total"], 1)

        moved = self.ok(self.api.patch(path, {"machine_id": elsewhere["id"]}))
        self.assertEqual(moved["machine_id"], elsewhere["id"])
        self.assertStatus(self.api.delete(path), 204)
        self.assertNotFound(self.api.get(path))
        self.assertNotFound(self.api.patch(path, {"machine_id": machine["id"]}))
        self.assertNotFound(self.api.delete(path))

    def test_wrong_fields_and_bulk_refused_whole(self):
        machine = self.make.machine()
        member = self.make.member()
        self.assertFieldErrors(self.api.post("/api/v1/authorizations", {
            "member_id": 999999, "machine_id": "one", "note": 1}),
            "member_id", "machine_id", "note")
        answer = self.api.post("/api/v1/authorizations/bulk", {
            "machine_id": machine["id"], "member_ids": [member["id"], 999998, 999999]})
        fields = self.assertFieldErrors(answer, "member_ids")
        self.assertIn("999998, 999999", fields["member_ids"])
        self.assertFieldErrors(self.api.post("/api/v1/authorizations/bulk", {
            "machine_id": machine["id"], "member_ids": [1, 0, -3]}), "member_ids")
        self.assertEqual(self.page(f"/api/v1/authorizations?machine_id={machine['id']}")
                         ["total"], 0)


class MaintenanceTest(ApiTestCase):
    def test_plans_create_get_list_update_cascade_delete(self):
        machine = self.make.machine()
        plans = [self.make.plan(machine["id"], description=f"{d} {unique('p')}", hours_between=h,
                                lcd_message="Clean lens")
                 for d, h in (("b-oil", 20), ("a-belt", 5), ("c-dust", 50))]
        self.assertEqual(plans[0]["lcd_message"], "Clean lens")
        path = f"/api/v1/maintenance-plans/{plans[0]['id']}"
        self.assertEqual(self.page(path), plans[0])
        self.assertPaging(f"/api/v1/maintenance-plans?machine_id={machine['id']}"
                          f"&sort=description", [plans[1]["id"], plans[0]["id"], plans[2]["id"]])
        self.assertEqual(self.ids(f"/api/v1/maintenance-plans?machine_id={machine['id']}"
                                  f"&sort=hours_between&order=desc"),
                         [plans[2]["id"], plans[0]["id"], plans[1]["id"]])
        changed = self.ok(self.api.patch(path, {"hours_between": 0.5,
                                                "instructions_url": "https://example.org/oil"}))
        self.assertEqual((changed["hours_between"], changed["instructions_url"],
                          changed["lcd_message"]), (0.5, "https://example.org/oil", "Clean lens"))

        member = self.make.member()
        self.make.intervention(plans[0]["id"], member["id"])
        self.make.intervention(plans[0]["id"], member["id"])
        self.assertEqual(self.page(path + "/cascade"), {"interventions": 2, "total": 2})
        self.assertEqual(self.ok(self.api.delete(path))["removed"],
                         {"interventions": 2, "total": 2})
        self.assertNotFound(self.api.get(path))
        self.assertNotFound(self.api.get(path + "/cascade"))
        self.assertNotFound(self.api.patch(path, {"hours_between": 1}))
        self.assertNotFound(self.api.delete(path))
        self.assertEqual(self.page(f"/api/v1/interventions?plan_id={plans[0]['id']}")["total"], 0)

    def test_plan_wrong_fields(self):
        machine = self.make.machine()
        self.assertFieldErrors(self.api.post("/api/v1/maintenance-plans", {
            "machine_id": machine["id"], "description": "x", "hours_between": -2,
            "lcd_message": "seventeen chars!!", "instructions_url": "javascript:alert(1)"}),
            "hours_between", "lcd_message", "instructions_url")
        self.assertFieldErrors(self.api.post("/api/v1/maintenance-plans", {}),
                               "machine_id", "description", "hours_between")

    def test_interventions_create_get_list_update_delete(self):
        machine = self.make.machine()
        plan, other_plan = self.make.plan(machine["id"]), self.make.plan(machine["id"])
        member = self.make.member()
        made = [self.make.intervention(plan["id"], member["id"], timestamp=1_700_000_000 + k)
                for k in (10, 30, 20)]
        self.assertEqual((made[0]["machine_id"], made[0]["plan_description"]),
                         (machine["id"], plan["description"]))
        path = f"/api/v1/interventions/{made[0]['id']}"
        self.assertEqual(self.page(path), made[0])
        newest_first = [made[1]["id"], made[2]["id"], made[0]["id"]]
        self.assertPaging(f"/api/v1/interventions?plan_id={plan['id']}", newest_first)
        self.assertEqual(self.ids(f"/api/v1/interventions?machine_id={machine['id']}"
                                  f"&from=1700000015&before=1700000025"), [made[2]["id"]])
        moved = self.ok(self.api.patch(path, {"plan_id": other_plan["id"], "timestamp": 1.5e9}))
        self.assertEqual((moved["plan_id"], moved["timestamp"]), (other_plan["id"], 1.5e9))
        self.assertFieldErrors(self.api.patch(path, {"member_id": 999999, "timestamp": -1}),
                               "member_id", "timestamp")
        self.assertStatus(self.api.delete(path), 204)
        self.assertNotFound(self.api.get(path))
        self.assertNotFound(self.api.delete(path))


class UsesTest(ApiTestCase):
    def test_create_get_list_update_delete(self):
        machine = self.make.machine(hours=1.0)
        member = self.make.member()
        base = 1_600_000_000
        made = [self.make.use(member["id"], machine["id"], base + k * 3600, base + k * 3600 + 1800)
                for k in (0, 2, 1)]
        self.assertEqual((made[0]["duration_s"], made[0]["open"]), (1800, False))
        path = f"/api/v1/uses/{made[0]['id']}"
        self.assertEqual(self.page(path), made[0])
        self.assertEqual(self.page(f"/api/v1/machines/{machine['id']}")["hours"], 2.5)
        self.assertPaging(f"/api/v1/uses?machine_id={machine['id']}&sort=start&order=asc",
                          [made[0]["id"], made[2]["id"], made[1]["id"]])
        self.assertEqual(self.ids(f"/api/v1/uses?member_id={member['id']}&from={base + 3000}"
                                  f"&before={base + 4000}"), [made[2]["id"]])

        changed = self.ok(self.api.patch(path + "?adjust_hours=true", {"end": base + 3600}))
        self.assertEqual(changed["duration_s"], 3600)
        self.assertEqual(self.page(f"/api/v1/machines/{machine['id']}")["hours"], 3.0)
        self.assertStatus(self.api.delete(path + "?adjust_hours=true"), 204)
        self.assertEqual(self.page(f"/api/v1/machines/{machine['id']}")["hours"], 2.0)
        self.assertNotFound(self.api.get(path))
        self.assertNotFound(self.api.patch(path, {"end": base}))
        self.assertNotFound(self.api.delete(path))

    def test_open_uses_wrong_fields_and_conflicts(self):
        machine = self.make.machine()
        member = self.make.member()
        opened = self.make.use(member["id"], machine["id"], time.time() - 60, None)
        self.assertTrue(opened["open"])
        self.assertEqual(self.ids(f"/api/v1/uses?machine_id={machine['id']}&open=true"),
                         [opened["id"]])
        self.assertConflict(self.api.post("/api/v1/uses", {
            "member_id": member["id"], "machine_id": machine["id"], "start": time.time()}), "end")
        self.assertFieldErrors(self.api.post("/api/v1/uses", {
            "member_id": member["id"], "machine_id": machine["id"], "start": 2000, "end": 1000}),
            "end")
        self.assertFieldErrors(self.api.post("/api/v1/uses", {
            "member_id": 0, "machine_id": 999999, "start": "yesterday"}),
            "member_id", "machine_id", "start")
        self.assertFieldErrors(self.api.get("/api/v1/uses?from=soon&open=maybe"), "from", "open")


class AuditTest(ApiTestCase):
    def test_changes_are_listed_with_who_what_before_and_after(self):
        role = self.make.role()
        path = f"/api/v1/roles/{role['id']}"
        renamed = unique("renamed")
        self.ok(self.api.patch(path, {"name": renamed}))
        self.assertStatus(self.api.delete(path), 204)
        entries = self.audit(f"entity=role&entity_id={role['id']}")
        self.assertEqual(entries["total"], 3)
        by_action = {e["action"]: e for e in entries["items"]}
        self.assertEqual(sorted(by_action), ["create", "delete", "update"])
        for entry in entries["items"]:
            self.assertEqual((entry["user_id"], entry["user_email"], entry["address"],
                              entry["entity"], entry["entity_id"]),
                             (admin_id(), ADMIN_EMAIL, "127.0.0.1", "role", role["id"]))
            self.assertLess(abs(entry["time"] - time.time()), 120)
        self.assertIsNone(by_action["create"]["before"])
        self.assertEqual(by_action["create"]["after"], role)
        self.assertEqual(by_action["update"]["before"]["name"], role["name"])
        self.assertEqual(by_action["update"]["after"]["name"], renamed)
        self.assertEqual(by_action["delete"]["before"]["name"], renamed)
        self.assertIsNone(by_action["delete"]["after"])
        one = self.audit(f"entity=role&entity_id={role['id']}&limit=1&offset=1")
        self.assertEqual((one["total"], len(one["items"])), (3, 1))
        self.assertFieldErrors(self.api.get("/api/v1/audit?limit=0&user_id=me"),
                               "limit", "user_id")

    def test_member_changes_and_sign_in_are_audited(self):
        member = self.make.member()
        self.ok(self.api.patch(f"/api/v1/members/{member['id']}", {"surname": "Audited"}))
        update = self.audit(f"entity=user&entity_id={member['id']}&action=update")["items"][0]
        self.assertEqual(update["before"]["surname"], "")
        self.assertEqual(update["after"]["surname"], "Audited")
        self.assertNotIn("password_hash", json.dumps(update))
        logins = self.audit(f"action=login&user_id={admin_id()}")
        self.assertGreaterEqual(logins["total"], 1)
        # The first start set the admin's password with the setup code.
        setup = self.audit("action=setup")
        self.assertEqual(setup["total"], 1)
        self.assertEqual(setup["items"][0]["entity_id"], admin_id())


class MalformedJsonTest(ApiTestCase):
    BODIES = [b"", b"{", b"}", b"[1,2]", b'"text"', b"null", b"42", b'{"name":}',
              b"{'name': 'single quotes'}", b'{"name":"x",}', b"\xff\xfe{}", b'{"a":1e99999}',
              b"[" * 10000, b'{"name":"\\ud800"}', b"{}garbage"]

    def test_every_route_with_a_body_answers_400_never_500(self):
        ids = self.make.world()
        # The routes that take JSON (a restore takes the file itself).
        targets = [(m, concrete(p, ids)) for m, p in operations()
                   if "application/json" in OPENAPI["paths"][p][m.lower()]
                   .get("requestBody", {}).get("content", {})]
        self.assertGreater(len(targets), 15)
        for method, path in targets:
            for body in self.BODIES:
                with self.subTest(method=method, path=path, body=body[:20]):
                    self.assertJsonError(self.api.request(method, path, body), 400,
                                         "malformed_json")

    def test_sign_in_routes_answer_400(self):
        anonymous = HttpsClient(APPLIANCE)
        for path in ("/api/v1/auth/login", "/api/v1/auth/forgot", "/api/v1/auth/reset"):
            for body in self.BODIES:
                with self.subTest(path=path, body=body[:20]):
                    self.assertJsonError(anonymous.request("POST", path, body), 400)
        for body in self.BODIES:
            with self.subTest(path="/api/v1/auth/password", body=body[:20]):
                self.assertJsonError(self.api.post("/api/v1/auth/password", body), 400)
        anonymous.close()


class LiveTest(ApiTestCase):
    def test_snapshot_lists_every_machine_with_its_state(self):
        offline = self.make.machine()
        blocked = self.make.machine(blocked=True)
        snapshot = self.page("/api/v1/live/status")
        self.assertLess(abs(snapshot["time"] - time.time()), 60)
        states = {m["machine_id"]: m for m in snapshot["machines"]}
        machine_ids = {m["id"] for m in self.page("/api/v1/machines?limit=500")["items"]}
        self.assertEqual(set(states), machine_ids)
        self.assertEqual((states[offline["id"]]["state"], states[offline["id"]]["online"]),
                         ("offline", False))
        self.assertEqual(states[blocked["id"]]["state"], "blocked")
        self.assertEqual(states[offline["id"]]["name"], offline["name"])

    def test_remote_start_and_stop_are_refused_for_an_offline_machine(self):
        machine = self.make.machine()
        for verb in ("start", "stop"):
            answer = self.api.post(f"/api/v1/machines/{machine['id']}/{verb}")
            error = self.assertJsonError(answer, 409, "refused")
            self.assertIn("offline", error["message"])
            self.assertEqual(error["reason"], "offline")
            self.assertNotFound(self.api.post(f"/api/v1/machines/999999/{verb}"))
        self.assertEqual(self.audit(f"entity=machine&entity_id={machine['id']}&action=start")
                         ["total"], 0)

    def test_remote_start_reaches_an_online_board_once(self):
        machine = self.make.machine()
        board = Board(APPLIANCE.mqtt_port, machine["id"])
        try:
            board.send(alive())
            board.query('{"action":"checkmachine"}')
            online = wait_until(lambda: [m for m in self.page("/api/v1/live/status")["machines"]
                                         if m["machine_id"] == machine["id"] and m["online"]])
            self.assertTrue(online, "the machine did not come online after its board's alive")
            self.assertEqual(online[0]["state"], "free")
            accepted = self.ok(self.api.post(f"/api/v1/machines/{machine['id']}/start"), 202)
            self.assertEqual(accepted, {"machine_id": machine["id"], "request": "start",
                                        "status": "sent"})
            self.assertIn(ADMIN_CARD, board.next_request())
            again = self.api.post(f"/api/v1/machines/{machine['id']}/start")
            refused = self.assertJsonError(again, 409, "refused")
            self.assertIn("pending", refused["message"])
            self.assertEqual(refused["reason"], "pending")
            entry = self.audit(f"entity=machine&entity_id={machine['id']}&action=start")
            self.assertEqual(entry["total"], 1)
        finally:
            board.close()


if __name__ == "__main__":
    unittest.main()
