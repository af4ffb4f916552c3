"""docs/board-protocol.md, startuse / inuse / stopuse: the uses table and the machine's hours.

Machine hours (machines.machine_hours, in hours) always equal the sum of the durations of the
closed uses: each use adds its duration once, when it closes (unlike the Python backend). Replayed stops that
repeat the latest closed use within 10 minutes are duplicates and record nothing (unlike the Python backend).
"""
import time
import unittest

from fabomatic_testing.board import duration_reply, inuse, simple_reply, startuse, stopuse

from backend_harness import BackendTestCase

CARD = "aabbccd1"
OTHER = "aabbccd2"
USES = ("SELECT use_id, user_id, machine_id, start_timestamp AS start, last_seen, "
        "end_timestamp AS end, replay FROM uses ORDER BY use_id")
START_OK = '{"request_ok":true,"message":""}'
INUSE_OK = '{"request_ok":true,"message":"inUse"}'


def users(s):
    """Two users authorized on machine 1; returns their ids."""
    members = s.role("Members")
    mario = s.user("Mario", CARD, members)
    luigi = s.user("Luigi", OTHER, members)
    s.authorize(mario, 1)
    s.authorize(luigi, 1)
    return mario, luigi


class UsesTestCase(BackendTestCase):
    def uses(self):
        return self.rows(USES)

    def hours(self, machine_id=1):
        return self.value("SELECT machine_hours FROM machines WHERE machine_id = ?", machine_id)

    def assertHours(self, seconds, machine_id=1):
        self.assertAlmostEqual(self.hours(machine_id), seconds / 3600.0, places=6)


class StartUse(UsesTestCase):

    def test_startuse_opens_a_use(self):
        mario, _ = self.prepare(users)
        self.start()
        before = time.time()
        self.assertEqual(self.board().query(startuse(CARD)), START_OK)
        after = time.time()
        [use] = self.uses()
        self.assertEqual((use["user_id"], use["machine_id"], use["end"], use["replay"]),
                         (mario, 1, None, 0))
        self.assertTimeBetween(use["start"], before, after)
        self.assertEqual(use["last_seen"], use["start"])
        self.assertHours(0)

    def test_startuse_replay_flag_recorded(self):
        self.prepare(users)
        self.start()
        self.assertEqual(self.board().query(startuse(CARD, replay=True)), START_OK)
        self.assertEqual([u["replay"] for u in self.uses()], [1])

    def test_startuse_closes_open_use_at_its_last_seen(self):
        def scenario(s):
            mario, luigi = users(s)
            s.use(mario, 1, s.now - 1000, None, last_seen=s.now - 400)
            return mario, luigi, s.now
        mario, luigi, now = self.prepare(scenario)
        self.start()
        before = time.time()
        self.assertEqual(self.board().query(startuse(OTHER, replay=True)), START_OK)
        after = time.time()
        old, new = self.uses()
        self.assertEqual(old["user_id"], mario)
        self.assertAlmostEqual(old["end"], now - 400, places=3)
        self.assertAlmostEqual(old["last_seen"], now - 400, places=3)
        self.assertEqual((new["user_id"], new["end"], new["replay"]), (luigi, None, 1))
        self.assertTimeBetween(new["start"], before, after)
        self.assertHours(600)  # the closed use counted once, the new one not yet

    def test_startuse_unknown_card_invalid_card(self):
        self.prepare(users)
        self.start()
        self.assertEqual(self.board().query(startuse("deadbeef")),
                         '{"request_ok":false,"message":"Invalid card"}')
        self.assertEqual(self.uses(), [])

    def test_startuse_deleted_user_invalid_card(self):
        self.prepare(lambda s: s.update("users", "user_id", users(s)[0], deleted=True))
        self.start()
        self.assertEqual(self.board().query(startuse(CARD)), simple_reply(False, "Invalid card"))
        self.assertEqual(self.uses(), [])

    def test_startuse_uppercase_uid_matches(self):
        mario, _ = self.prepare(users)
        self.start()
        self.assertEqual(self.board().query(startuse(CARD.upper())), START_OK)
        self.assertEqual([u["user_id"] for u in self.uses()], [mario])


class InUse(UsesTestCase):

    def test_inuse_refreshes_last_seen_of_open_use(self):
        def scenario(s):
            mario, _ = users(s)
            s.use(mario, 1, s.now - 100, None, last_seen=s.now - 30)
            return s.now
        now = self.prepare(scenario)
        self.start()
        before = time.time()
        self.assertEqual(self.board().query(inuse(CARD, 100)), INUSE_OK)
        after = time.time()
        # the refresh is written behind, within a second
        [use] = self.eventually(self.uses, until=lambda u: u[0]["last_seen"] >= before - 0.05)
        self.assertAlmostEqual(use["start"], now - 100, places=3)
        self.assertIsNone(use["end"])
        self.assertTimeBetween(use["last_seen"], before, after)
        self.assertHours(0)

    def test_inuse_missed_start_creates_use_started_duration_ago(self):
        mario, _ = self.prepare(users)
        self.start()
        before = time.time()
        self.assertEqual(self.board().query(inuse(CARD, 300)), INUSE_OK)
        after = time.time()
        [use] = self.uses()
        self.assertEqual((use["user_id"], use["machine_id"], use["end"]), (mario, 1, None))
        self.assertTimeBetween(use["start"], before - 300, after - 300)
        self.assertTimeBetween(use["last_seen"], before, after)
        self.assertHours(0)
        # the next inuse refreshes that use instead of creating another
        self.assertEqual(self.board().query(inuse(CARD, 330)), INUSE_OK)
        self.assertEqual(len(self.uses()), 1)

    def test_inuse_duration_out_of_range_request_ok_false(self):
        def scenario(s):
            mario, _ = users(s)
            s.use(mario, 1, s.now - 100, None, last_seen=s.now - 30)
        self.prepare(scenario)
        self.start()
        before = self.uses()
        board = self.board()
        for duration in ("-1", "86401", "1e12"):
            with self.subTest(duration=duration):
                self.assertEqual(board.query(inuse(CARD, duration)),
                                 '{"request_ok":false,"message":"inUse"}')
        self.assertEqual(self.uses(), before)

    def test_inuse_duration_out_of_range_missed_start_creates_nothing(self):
        self.prepare(users)
        self.start()
        self.assertEqual(self.board().query(inuse(CARD, 90000)), simple_reply(False, "inUse"))
        self.assertEqual(self.uses(), [])

    def test_inuse_duration_bounds_accepted(self):
        self.prepare(users)
        self.start()
        self.assertEqual(self.board().query(inuse(CARD, 86400)), INUSE_OK)
        self.assertEqual(self.board("1", "BOARD999").query(inuse(CARD, 0)), INUSE_OK)
        self.assertEqual(len(self.uses()), 1)

    def test_inuse_unknown_card_invalid_card(self):
        self.prepare(users)
        self.start()
        self.assertEqual(self.board().query(inuse("deadbeef", 10)),
                         '{"request_ok":false,"message":"Invalid card"}')
        self.assertEqual(self.uses(), [])


class StopUse(UsesTestCase):

    def test_stopuse_closes_open_use_at_start_plus_duration(self):
        def scenario(s):
            mario, _ = users(s)
            s.use(mario, 1, s.now - 1000, None, last_seen=s.now - 20)
            return s.now
        now = self.prepare(scenario)
        self.start()
        before = time.time()
        self.assertEqual(self.board().query(stopuse(CARD, 123)),
                         '{"request_ok":true,"message":"Duration 123 seconds"}')
        after = time.time()
        [use] = self.uses()
        self.assertAlmostEqual(use["end"], now - 1000 + 123, places=3)
        self.assertTimeBetween(use["last_seen"], before, after)
        self.assertHours(123)

    def test_stopuse_hours_added_once_over_a_whole_session(self):
        mario, _ = self.prepare(users)
        self.start()
        board = self.board()
        self.assertEqual(board.query(startuse(CARD)), START_OK)
        self.assertEqual(board.query(inuse(CARD, 30)), INUSE_OK)
        self.assertEqual(board.query(stopuse(CARD, 45)), duration_reply(45))
        [use] = self.uses()
        self.assertAlmostEqual(use["end"] - use["start"], 45, places=3)
        self.assertHours(45)
        # a later session adds its own duration only
        self.assertEqual(board.query(startuse(CARD)), START_OK)
        self.assertEqual(board.query(stopuse(CARD, 15)), duration_reply(15))
        self.assertHours(60)
        self.assertEqual(len(self.uses()), 2)

    def test_stopuse_closes_further_open_uses_at_their_last_seen(self):
        def scenario(s):
            mario, luigi = users(s)
            s.use(luigi, 1, s.now - 5000, None, last_seen=s.now - 4000)
            s.use(mario, 1, s.now - 1000, None, last_seen=s.now - 20)
            return s.now
        now = self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(stopuse(CARD, 900)), duration_reply(900))
        older, latest = self.uses()
        self.assertAlmostEqual(latest["end"], now - 1000 + 900, places=3)
        self.assertAlmostEqual(older["end"], now - 4000, places=3)
        self.assertHours(900 + 1000)

    def test_stopuse_missed_start_records_closed_use_hours_once(self):
        mario, _ = self.prepare(users)
        self.start()
        before = time.time()
        self.assertEqual(self.board().query(stopuse(CARD, 300, replay=True)),
                         duration_reply(300))
        after = time.time()
        [use] = self.uses()
        self.assertEqual((use["user_id"], use["machine_id"], use["replay"]), (mario, 1, 1))
        self.assertTimeBetween(use["end"], before, after)
        self.assertAlmostEqual(use["end"] - use["start"], 300, places=3)
        self.assertHours(300)

    def test_stopuse_duplicate_replayed_stop_records_nothing(self):
        self.prepare(users)
        self.start()
        board = self.board()
        self.assertEqual(board.query(startuse(CARD)), START_OK)
        self.assertEqual(board.query(stopuse(CARD, 77)), duration_reply(77))
        after_first = self.uses()
        # the board missed the reply and replays the stop, twice
        self.assertEqual(board.query(stopuse(CARD, 77, replay=True)), duration_reply(77))
        self.assertEqual(board.query(stopuse(CARD, 77, replay=True)), duration_reply(77))
        self.assertEqual(self.uses(), after_first)
        self.assertHours(77)

    def test_stopuse_duplicate_of_a_long_use_closed_just_now_records_nothing(self):
        # the use started 1000 s ago and ran 123 s: its end is 877 s old, but it was closed
        # (the stop received) just now, so a replay of that stop is a duplicate
        def scenario(s):
            mario, _ = users(s)
            s.use(mario, 1, s.now - 1000, None, last_seen=s.now - 20)
        self.prepare(scenario)
        self.start()
        board = self.board()
        self.assertEqual(board.query(stopuse(CARD, 123)), duration_reply(123))
        after_first = self.uses()
        self.assertEqual(board.query(stopuse(CARD, 123, replay=True)), duration_reply(123))
        self.assertEqual(self.uses(), after_first)
        self.assertHours(123)

    def test_stopuse_duplicate_of_missed_start_stop_records_nothing(self):
        self.prepare(users)
        self.start()
        board = self.board()
        self.assertEqual(board.query(stopuse(CARD, 500, replay=True)), duration_reply(500))
        self.assertEqual(board.query(stopuse(CARD, 500, replay=True)), duration_reply(500))
        self.assertEqual(len(self.uses()), 1)
        self.assertHours(500)

    def test_stopuse_duplicate_of_missed_start_stop_after_a_shorter_use_records_nothing(self):
        # the lost start's use is recorded as starting 600 s ago, before the 5 s use that ended
        # just before it: it is still the machine's latest closed use, so its replays are
        # duplicates
        self.prepare(users)
        self.start()
        board = self.board()
        self.assertEqual(board.query(startuse(OTHER)), START_OK)
        self.assertEqual(board.query(stopuse(OTHER, 5)), duration_reply(5))
        self.assertEqual(board.query(stopuse(CARD, 600)), duration_reply(600))
        after_first = self.uses()
        self.assertEqual(board.query(stopuse(CARD, 600, replay=True)), duration_reply(600))
        self.assertEqual(board.query(stopuse(CARD, 600, replay=True)), duration_reply(600))
        self.assertEqual(self.uses(), after_first)
        self.assertHours(605)

    def test_stopuse_same_duration_after_10_minutes_is_a_new_use(self):
        def scenario(s):
            mario, _ = users(s)
            s.use(mario, 1, s.now - 1000, s.now - 900, last_seen=s.now - 900)  # 100 s, 15 min ago
            s.update("machines", "machine_id", 1, machine_hours=100 / 3600)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(stopuse(CARD, 100, replay=True)), duration_reply(100))
        self.assertEqual(len(self.uses()), 2)
        self.assertHours(200)

    def test_stopuse_different_user_or_duration_is_not_a_duplicate(self):
        def scenario(s):
            mario, _ = users(s)
            s.use(mario, 1, s.now - 200, s.now - 100, last_seen=s.now - 100)  # 100 s
            s.update("machines", "machine_id", 1, machine_hours=100 / 3600)
        self.prepare(scenario)
        self.start()
        board = self.board()
        self.assertEqual(board.query(stopuse(OTHER, 100, replay=True)), duration_reply(100))
        self.assertEqual(board.query(stopuse(CARD, 101, replay=True)), duration_reply(101))
        self.assertEqual(len(self.uses()), 3)
        self.assertHours(301)

    def test_stopuse_duration_0_without_open_use_records_nothing(self):
        self.prepare(users)
        self.start()
        self.assertEqual(self.board().query(stopuse(CARD, 0)),
                         '{"request_ok":true,"message":"Duration 0 seconds"}')
        self.assertEqual(self.uses(), [])
        self.assertHours(0)

    def test_stopuse_duration_out_of_range_treated_as_1(self):
        def scenario(s):
            mario, _ = users(s)
            s.use(mario, 1, s.now - 1000, None, last_seen=s.now - 20)
            return s.now
        now = self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(stopuse(CARD, 86401)),
                         '{"request_ok":true,"message":"Duration 1 seconds"}')
        [use] = self.uses()
        self.assertAlmostEqual(use["end"], now - 1000 + 1, places=3)
        self.assertHours(1)

    def test_stopuse_negative_duration_missed_start_treated_as_1(self):
        self.prepare(users)
        self.start()
        self.assertEqual(self.board().query(stopuse(CARD, -5)), duration_reply(1))
        [use] = self.uses()
        self.assertAlmostEqual(use["end"] - use["start"], 1, places=3)
        self.assertHours(1)

    def test_stopuse_unknown_card_invalid_card(self):
        def scenario(s):
            mario, _ = users(s)
            s.use(mario, 1, s.now - 1000, None, last_seen=s.now - 20)
        self.prepare(scenario)
        self.start()
        before = self.uses()
        self.assertEqual(self.board().query(stopuse("deadbeef", 10)),
                         '{"request_ok":false,"message":"Invalid card"}')
        self.assertEqual(self.uses(), before)
        self.assertHours(0)


if __name__ == "__main__":
    unittest.main()
