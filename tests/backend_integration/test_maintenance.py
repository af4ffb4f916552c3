"""docs/board-protocol.md, maintenance: a staff card registers an intervention for every plan of the
machine that is due, with the replay flag (unlike the Python backend); the reply is request_ok true even when
nothing was due. Wrong user card / Not authorized otherwise."""
import time
import unittest

from fabomatic_testing.board import (ADMIN_CARD, checkmachine, checkmachine_reply, maintenance,
                                     simple_reply)

from backend_harness import BackendTestCase

HOUR = 3600.0
CARD = "aabbccd1"
INTERVENTIONS = ("SELECT maintenance_id, machine_id, user_id, timestamp, replay "
                 "FROM interventions ORDER BY intervention_id")
OK = '{"request_ok":true,"message":""}'


def due_plans(s):
    """Plans on machine 1: two due, one not (serviced after the uses), one on another
    machine, due. Returns (due ids, technician id)."""
    admin = s.admin_id()
    technician = s.user("Tecla", CARD, s.role("Technicians", maintenance=True))
    s.authorize(technician, 1)
    not_due = s.plan(1, hours_between=1, lcd_message="Not due")
    first = s.plan(1, hours_between=1, lcd_message="Clean lens")
    second = s.plan(1, hours_between=2, lcd_message="Oil rails")
    other = s.machine("OTHER")
    s.plan(other, hours_between=1, lcd_message="Other machine")
    s.use(admin, 1, s.now - 6 * HOUR, s.now - 3 * HOUR)  # 3 h
    s.use(admin, other, s.now - 6 * HOUR, s.now - 3 * HOUR)
    s.intervention(not_due, 1, admin, s.now - 2 * HOUR)
    return [first, second], technician


class Maintenance(BackendTestCase):

    def test_maintenance_records_intervention_per_due_plan(self):
        (first, second), technician = self.prepare(due_plans)
        self.start()
        board = self.board()
        self.assertEqual(board.query(checkmachine()),
                         checkmachine_reply("MACHINE1", 480, 1, 2, maintenance=True,
                                            description="Clean lens"))
        before = time.time()
        self.assertEqual(board.query(maintenance(CARD)), OK)
        after = time.time()
        rows = self.rows(INTERVENTIONS)[1:]  # after the prepared one
        self.assertEqual([(r["maintenance_id"], r["machine_id"], r["user_id"], r["replay"])
                          for r in rows],
                         [(first, 1, technician, 0), (second, 1, technician, 0)])
        for row in rows:
            self.assertTimeBetween(row["timestamp"], before, after)
        # serviced: no longer due
        self.assertEqual(board.query(checkmachine()), checkmachine_reply("MACHINE1", 480, 1, 2))

    def test_maintenance_replay_flag_recorded(self):
        (first, second), _ = self.prepare(due_plans)
        self.start()
        self.assertEqual(self.board().query(maintenance(CARD, replay=True)), OK)
        self.assertEqual([(r["maintenance_id"], r["replay"]) for r in self.rows(INTERVENTIONS)[1:]],
                         [(first, 1), (second, 1)])

    def test_maintenance_nothing_due_request_ok_true_records_nothing(self):
        self.prepare(lambda s: s.plan(1, hours_between=10, lcd_message="Later"))
        self.start()
        self.assertEqual(self.board().query(maintenance(ADMIN_CARD)),
                         '{"request_ok":true,"message":""}')
        self.assertEqual(self.rows(INTERVENTIONS), [])

    def test_maintenance_wrong_user_card(self):
        self.prepare(due_plans)
        self.start()
        self.assertEqual(self.board().query(maintenance("deadbeef")),
                         '{"request_ok":false,"message":"Wrong user card"}')
        self.assertEqual(len(self.rows(INTERVENTIONS)), 1)

    def test_maintenance_role_without_maintenance_not_authorized(self):
        def scenario(s):
            due_plans(s)
            s.user("Anna", "aabbccd2", s.role("Super users", authorize_all=True))
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(maintenance("aabbccd2")),
                         '{"request_ok":false,"message":"Not authorized"}')
        self.assertEqual(len(self.rows(INTERVENTIONS)), 1)

    def test_maintenance_disabled_user_not_authorized(self):
        def scenario(s):
            _, technician = due_plans(s)
            s.update("users", "user_id", technician, disabled=True)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(maintenance(CARD)), simple_reply(False, "Not authorized"))
        self.assertEqual(len(self.rows(INTERVENTIONS)), 1)

    def test_maintenance_deleted_user_wrong_user_card(self):
        def scenario(s):
            _, technician = due_plans(s)
            s.update("users", "user_id", technician, deleted=True)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(maintenance(CARD)),
                         simple_reply(False, "Wrong user card"))
        self.assertEqual(len(self.rows(INTERVENTIONS)), 1)

    def test_maintenance_uppercase_uid_matches(self):
        (first, second), technician = self.prepare(due_plans)
        self.start()
        self.assertEqual(self.board().query(maintenance(CARD.upper())), OK)
        self.assertEqual([r["user_id"] for r in self.rows(INTERVENTIONS)[1:]],
                         [technician, technician])


if __name__ == "__main__":
    unittest.main()
