"""docs/board-protocol.md, checkuser: the authorization decision, step by step, and the level.

  1. unknown card (also: a deleted user's card) -> tap recorded in unknown_cards, "Unknown"
  2. user disabled -> not authorized
  3. role authorize all -> authorized, even on a blocked machine
  4. machine blocked -> not authorized
  5. machine type access management 1 -> authorized
  6. authorized iff an authorization (user, machine) exists
Level 2 when the role has authorize all or maintenance (unlike the Python backend), else 1.
"""
import time
import unittest

from fabomatic_testing.board import ADMIN_CARD, NOT_AUTHORIZED, checkuser, checkuser_reply

from backend_harness import BackendTestCase

CARD = "aabbccd1"


class CheckUser(BackendTestCase):

    def member(self, s, card=CARD, authorized=True, machine_id=1, **user):
        """A user of a role with neither authorize all nor maintenance."""
        uid = s.user("Mario", card, s.role("Members"), **user)
        if authorized:
            s.authorize(uid, machine_id)
        return uid

    def test_checkuser_unknown_card_replies_unknown_and_records_the_tap(self):
        self.start()
        before = time.time()
        reply = self.board().query(checkuser("deadbeef"))
        after = time.time()
        self.assertEqual(reply, '{"request_ok":true,"is_valid":false,"name":"Unknown",'
                                '"missing_auth":false,"level":0}')
        taps = self.rows('SELECT "card_UUID" AS card, machine_id, timestamp FROM unknown_cards')
        self.assertEqual(len(taps), 1, taps)
        self.assertEqual(taps[0]["card"], "deadbeef")
        self.assertEqual(taps[0]["machine_id"], 1)
        self.assertTimeBetween(taps[0]["timestamp"], before, after)

    def test_checkuser_unknown_card_recorded_once_per_window(self):
        # [backend] unknown_card_window_s (300 s): a card tapped again and again on one machine
        # is one row; each tap is answered all the same.
        self.start()
        board = self.board()
        for _ in range(3):
            self.assertIn('"name":"Unknown"', board.query(checkuser("deadbeef")))
        self.assertEqual(self.value("SELECT COUNT(*) FROM unknown_cards"), 1)

    def test_checkuser_disabled_user_not_authorized(self):
        self.prepare(lambda s: self.member(s, disabled=True))
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)),
                         '{"request_ok":true,"is_valid":false,"name":"User not authorized",'
                         '"missing_auth":true,"level":0}')
        self.assertEqual(self.value("SELECT COUNT(*) FROM unknown_cards"), 0)

    def test_checkuser_disabled_user_with_authorize_all_not_authorized(self):
        self.prepare(lambda s: s.user("Boss", CARD, "admins", disabled=True))
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)), checkuser_reply(False, *NOT_AUTHORIZED))

    def test_checkuser_deleted_user_is_an_unknown_card(self):
        self.prepare(lambda s: self.member(s, deleted=True))
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)),
                         checkuser_reply(False, "Unknown", False, 0))
        self.assertEqual(self.rows('SELECT "card_UUID" AS card, machine_id FROM unknown_cards'),
                         [{"card": CARD, "machine_id": 1}])

    def test_checkuser_authorize_all_on_blocked_machine_authorized_level_2(self):
        self.prepare(lambda s: s.update("machines", "machine_id", 1, blocked=True))
        self.start()
        self.assertEqual(self.board().query(checkuser(ADMIN_CARD)),
                         '{"request_ok":true,"is_valid":true,"name":"admin",'
                         '"missing_auth":false,"level":2}')

    def test_checkuser_authorize_all_without_authorization_authorized(self):
        # authorize all without maintenance: level 2 through authorize all
        self.prepare(lambda s: s.user("Anna", CARD, s.role("Super users", authorize_all=True)))
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)),
                         checkuser_reply(True, "Anna", False, 2))

    def test_checkuser_seeded_fab_users_need_an_authorization(self):
        # the seed's member role is not a super user (the Python tool's seed was)
        self.prepare(lambda s: s.user("Anna", CARD, "Fab Users"))
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)), checkuser_reply(False, *NOT_AUTHORIZED))

    def test_checkuser_blocked_machine_not_authorized_despite_authorization(self):
        def scenario(s):
            self.member(s)
            s.update("machines", "machine_id", 1, blocked=True)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)), checkuser_reply(False, *NOT_AUTHORIZED))

    def test_checkuser_blocked_machine_with_access_management_1_not_authorized(self):
        def scenario(s):
            self.member(s, authorized=False)
            s.update("machine_types", "type_id", 1, access_management=1)
            s.update("machines", "machine_id", 1, blocked=True)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)), checkuser_reply(False, *NOT_AUTHORIZED))

    def test_checkuser_access_management_1_authorized_without_authorization(self):
        def scenario(s):
            self.member(s, authorized=False)
            s.update("machine_types", "type_id", 1, access_management=1)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)),
                         checkuser_reply(True, "Mario", False, 1))

    def test_checkuser_access_management_0_or_null_needs_an_authorization(self):
        def scenario(s):
            self.member(s, authorized=False)
            s.update("machine_types", "type_id", 1, access_management=None)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)), checkuser_reply(False, *NOT_AUTHORIZED))

    def test_checkuser_authorization_present_authorized_level_1(self):
        self.prepare(lambda s: self.member(s))
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)),
                         '{"request_ok":true,"is_valid":true,"name":"Mario",'
                         '"missing_auth":false,"level":1}')

    def test_checkuser_authorization_absent_not_authorized(self):
        self.prepare(lambda s: self.member(s, authorized=False))
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)),
                         '{"request_ok":true,"is_valid":false,"name":"User not authorized",'
                         '"missing_auth":true,"level":0}')

    def test_checkuser_authorization_for_another_machine_not_authorized(self):
        def scenario(s):
            self.member(s, machine_id=s.machine("OTHER"))
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)), checkuser_reply(False, *NOT_AUTHORIZED))

    def test_checkuser_maintenance_only_role_level_2(self):
        def scenario(s):
            uid = s.user("Tecla", CARD, s.role("Technicians", maintenance=True))
            s.authorize(uid, 1)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)),
                         checkuser_reply(True, "Tecla", False, 2))

    def test_checkuser_maintenance_only_role_still_needs_an_authorization(self):
        self.prepare(lambda s: s.user("Tecla", CARD, s.role("Technicians", maintenance=True)))
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)), checkuser_reply(False, *NOT_AUTHORIZED))

    def test_checkuser_uppercase_uid_in_query_matches_lowercase_card(self):
        self.prepare(lambda s: self.member(s))
        self.start()
        self.assertEqual(self.board().query(checkuser("AABBCCD1")),
                         checkuser_reply(True, "Mario", False, 1))
        self.assertEqual(self.value("SELECT COUNT(*) FROM unknown_cards"), 0)

    def test_checkuser_uppercase_card_stored_by_another_tool_matches(self):
        self.prepare(lambda s: self.member(s, card="AABBCCD1"))
        self.start()
        self.assertEqual(self.board().query(checkuser(CARD)),
                         checkuser_reply(True, "Mario", False, 1))

    def test_checkuser_unknown_uppercase_card_recorded_lowercase(self):
        self.start()
        self.assertEqual(self.board().query(checkuser("DEADBEEF")),
                         checkuser_reply(False, "Unknown", False, 0))
        self.assertEqual(self.value('SELECT "card_UUID" FROM unknown_cards'), "deadbeef")

    def test_checkuser_first_name_is_the_reply_name(self):
        self.prepare(lambda s: self.member(s))
        self.start()
        reply = self.board().query(checkuser(CARD))
        self.assertIn('"name":"Mario"', reply)
        self.assertNotIn("Tester", reply)


class CheckUserWithoutWindow(BackendTestCase):
    settings = {"backend": {"stats_interval_s": 0, "unknown_card_window_s": 0}}

    def test_checkuser_unknown_card_every_tap_recorded(self):
        self.start()
        board = self.board()
        for _ in range(3):
            board.query(checkuser("deadbeef"))
        self.assertEqual(self.value("SELECT COUNT(*) FROM unknown_cards"), 3)


if __name__ == "__main__":
    unittest.main()
