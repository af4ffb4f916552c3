"""docs/board-protocol.md, checkmachine: the machine's settings, blocked state and maintenance due, and
the machine's last-seen time. Maintenance due (docs/board-protocol.md "When maintenance is due"): a plan is due
when the closed uses that started after its latest intervention sum to more than
hours_between hours; description = LCD message of the lowest-id due plan."""
import time
import unittest

from fabomatic_testing.board import checkmachine, checkmachine_reply

from backend_harness import BackendTestCase

HOUR = 3600.0


class CheckMachine(BackendTestCase):

    def test_checkmachine_seeded_machine(self):
        self.start()
        reply = self.board().query(checkmachine())
        self.assertEqual(reply, '{"request_ok":true,"is_valid":true,"maintenance":false,'
                                '"allowed":true,"name":"MACHINE1","logoff":480,"type":1,'
                                '"grace":2,"description":""}')

    def test_checkmachine_name_logoff_type_grace_of_the_machine_type(self):
        ids = self.prepare(lambda s: s.machine(
            "LASER 1", type_id=s.machine_type("Laser", timeout_min=1440, grace_min=7)))
        self.start()
        reply = self.board(ids).query(checkmachine())
        self.assertEqual(reply, checkmachine_reply("LASER 1", 1440, 2, 7))
        self.assertEqual(reply, '{"request_ok":true,"is_valid":true,"maintenance":false,'
                                '"allowed":true,"name":"LASER 1","logoff":1440,"type":2,'
                                '"grace":7,"description":""}')

    def test_checkmachine_blocked_machine_not_allowed(self):
        self.prepare(lambda s: s.update("machines", "machine_id", 1, blocked=True))
        self.start()
        self.assertEqual(self.board().query(checkmachine()),
                         checkmachine_reply("MACHINE1", 480, 1, 2, allowed=False))

    def test_checkmachine_updates_machine_last_seen(self):
        self.start()
        self.assertIsNone(self.value("SELECT last_seen FROM machines WHERE machine_id = 1"))
        before = time.time()
        self.board().query(checkmachine())
        after = time.time()
        # written behind, within a second: the reply does not wait for it
        last_seen = self.eventually(
            lambda: self.value("SELECT last_seen FROM machines WHERE machine_id = 1"))
        self.assertTimeBetween(last_seen, before, after)

    def test_checkmachine_maintenance_not_due_below_hours_between(self):
        def scenario(s):
            admin = s.admin_id()
            s.plan(1, hours_between=2, lcd_message="Clean lens")
            # 1.5 h of closed uses: not more than 2 h
            s.use(admin, 1, s.now - 3 * HOUR, s.now - 2 * HOUR)
            s.use(admin, 1, s.now - HOUR, s.now - 0.5 * HOUR)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkmachine()),
                         checkmachine_reply("MACHINE1", 480, 1, 2))

    def test_checkmachine_maintenance_due_with_lcd_message_of_lowest_due_plan(self):
        def scenario(s):
            admin = s.admin_id()
            # plan A (lowest id) is not due: serviced after the uses; B and C are due
            a = s.plan(1, hours_between=1, description="A", lcd_message="Not due")
            s.plan(1, hours_between=1, description="B", lcd_message="Clean lens")
            s.plan(1, hours_between=1, description="C", lcd_message="Oil rails")
            s.use(admin, 1, s.now - 5 * HOUR, s.now - 3 * HOUR)  # 2 h > 1 h
            s.intervention(a, 1, admin, s.now - 2 * HOUR)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkmachine()),
                         checkmachine_reply("MACHINE1", 480, 1, 2, maintenance=True,
                                            description="Clean lens"))

    def test_checkmachine_maintenance_due_counts_only_uses_after_latest_intervention(self):
        def scenario(s):
            admin = s.admin_id()
            plan = s.plan(1, hours_between=1, lcd_message="Check belts")
            s.use(admin, 1, s.now - 10 * HOUR, s.now - 7 * HOUR)     # 3 h, before servicing
            s.intervention(plan, 1, admin, s.now - 6 * HOUR)
            s.use(admin, 1, s.now - 5 * HOUR, s.now - 4.5 * HOUR)   # 0.5 h after
            s.use(admin, 1, s.now - 4 * HOUR, s.now - 3.4 * HOUR)   # 0.6 h after: 1.1 h > 1 h
            s.use(admin, 1, s.now - 60, None, last_seen=s.now - 30)  # open: not counted
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkmachine()),
                         checkmachine_reply("MACHINE1", 480, 1, 2, maintenance=True,
                                            description="Check belts"))

    def test_checkmachine_open_use_does_not_make_maintenance_due(self):
        def scenario(s):
            s.plan(1, hours_between=1, lcd_message="Check belts")
            s.use(s.admin_id(), 1, s.now - 5 * HOUR, None, last_seen=s.now - 10)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkmachine()),
                         checkmachine_reply("MACHINE1", 480, 1, 2))

    def test_checkmachine_maintenance_due_null_lcd_message_gives_empty_description(self):
        def scenario(s):
            s.plan(1, hours_between=0.5, lcd_message=None)
            s.plan(1, hours_between=0.5, lcd_message="Second plan")
            s.use(s.admin_id(), 1, s.now - 2 * HOUR, s.now - HOUR)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkmachine()),
                         checkmachine_reply("MACHINE1", 480, 1, 2, maintenance=True,
                                            description=""))

    def test_checkmachine_maintenance_due_empty_lcd_message_gives_empty_description(self):
        def scenario(s):
            s.plan(1, hours_between=0.5, lcd_message="")
            s.use(s.admin_id(), 1, s.now - 2 * HOUR, s.now - HOUR)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkmachine()),
                         checkmachine_reply("MACHINE1", 480, 1, 2, maintenance=True,
                                            description=""))

    def test_checkmachine_maintenance_of_another_machine_is_not_reported(self):
        def scenario(s):
            other = s.machine("OTHER")
            s.plan(other, hours_between=0.5, lcd_message="Other's plan")
            s.use(s.admin_id(), other, s.now - 2 * HOUR, s.now - HOUR)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(checkmachine()),
                         checkmachine_reply("MACHINE1", 480, 1, 2))


if __name__ == "__main__":
    unittest.main()
