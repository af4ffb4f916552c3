"""docs/board-protocol.md, housekeeping: an open use not refreshed (no inuse) for an hour is closed at its
last-seen time by a check the backend runs by itself (every 60 s), adding its duration to the
machine's hours once. Uses refreshed within the hour stay open.

The check period is fixed at 60 s in the backend, so this module waits up to 65 s; settings
may name a shorter period ([backend] stale_check_interval_s, proposed: an unknown key is only
a warning today) and then it finishes as soon as the check has run.
"""
import time
import unittest

from fabomatic_testing.board import checkmachine, inuse
from fabomatic_testing.process import wait_until

from backend_harness import BackendTestCase

HOUR = 3600.0
USES = ("SELECT use_id, user_id, machine_id, start_timestamp AS start, last_seen, "
        "end_timestamp AS end FROM uses ORDER BY use_id")


class Orphans(BackendTestCase):
    settings = {"backend": {"stats_interval_s": 1, "stale_check_interval_s": 2}}

    def test_orphan_use_closed_at_last_seen_by_periodic_check(self):
        def scenario(s):
            admin = s.admin_id()
            other = s.machine("OTHER")
            third = s.machine("THIRD")
            members = s.role("Members")
            mario = s.user("Mario", "aabbccd1", members)
            s.authorize(mario, third)
            orphan = s.use(admin, 1, s.now - 3 * HOUR, None, last_seen=s.now - 2 * HOUR)
            fresh = s.use(admin, other, s.now - 3 * HOUR, None, last_seen=s.now - 50 * 60)
            refreshed = s.use(mario, third, s.now - 3 * HOUR, None, last_seen=s.now - 2 * HOUR)
            return s.now, orphan, fresh, refreshed, other, third
        now, orphan, fresh, refreshed, other, third = self.prepare(scenario)
        self.start()
        started = time.monotonic()
        # a board still using THIRD refreshes its use before the check runs
        board = self.board(third)
        self.assertEqual(board.query(inuse("aabbccd1", 3 * 3600)),
                         '{"request_ok":true,"message":"inUse"}')

        def closed():
            return self.value("SELECT end_timestamp FROM uses WHERE use_id = ?", orphan)
        end = wait_until(closed, timeout=65, interval=0.25)
        waited = time.monotonic() - started
        self.assertIsNotNone(end, "the orphan use was not closed within 65 s:\n"
                             + self.server.log_tail())
        by_id = {u["use_id"]: u for u in self.rows(USES)}
        self.assertAlmostEqual(by_id[orphan]["end"], now - 2 * HOUR, places=3)
        self.assertAlmostEqual(by_id[orphan]["last_seen"], now - 2 * HOUR, places=3)
        self.assertIsNone(by_id[fresh]["end"], "a use seen 50 min ago stays open")
        self.assertIsNone(by_id[refreshed]["end"], "a use refreshed by inuse stays open")
        hours = {r["machine_id"]: r["machine_hours"] for r in
                 self.rows("SELECT machine_id, machine_hours FROM machines")}
        self.assertAlmostEqual(hours[1], 1.0, places=6)  # 3 h ago to 2 h ago
        self.assertEqual((hours[other], hours[third]), (0.0, 0.0))
        # the machine is free for the next user and the board is still served
        self.assertTrue(self.board().query(checkmachine()).startswith('{"request_ok":true'))
        print(f"\norphan closed after {waited:.1f} s", flush=True)


if __name__ == "__main__":
    unittest.main()
