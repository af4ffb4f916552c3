"""The backend driven by tools/board-sim ($BOARD_SIM_BIN), the simulated firmware: its `query`
mode (one payload built by the simulator, the reply printed exactly) must get the same replies
the paho tests expect, and a `fleet` of boards with card taps must leave the rows a real lab
would: board rows from alive, uses opened, refreshed and closed with the measured duration, an
unknown card's tap, and an intervention registered before a staff login on a machine with
maintenance due. Remote start/stop is a backend service with no MQTT trigger yet, so the
fleet's remote-request handling is not exercised here."""
import json
import os
import subprocess
import time
import unittest

from fabomatic_testing.board import (ADMIN_CARD, UNKNOWN_MACHINE_REPLY, checkmachine_reply,
                                     checkuser_reply, duration_reply, synccache_reply)
from fabomatic_testing.process import wait_until

from backend_harness import BackendTestCase

HOUR = 3600.0


def board_sim_bin():
    path = os.environ.get("BOARD_SIM_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise unittest.SkipTest("BOARD_SIM_BIN is not set (ctest sets it when board-sim is built)")
    return path


class BoardSimQuery(BackendTestCase):

    def sim_query(self, *args, expect_status=0):
        result = subprocess.run([board_sim_bin(), "query", "--port", str(self.server.mqtt_port),
                                 "--timeout-ms", "3000", *args],
                                capture_output=True, timeout=20, text=True)
        self.assertEqual(result.returncode, expect_status, result.stderr)
        return result.stdout.rstrip("\n")

    def test_board_sim_queries_get_the_protocol_replies(self):
        self.prepare(lambda s: s.machine("MACHINE7", machine_id=7))
        self.start()
        self.assertEqual(self.sim_query("--action", "checkmachine"),
                         checkmachine_reply("MACHINE1", 480, 1, 2))
        self.assertEqual(self.sim_query("--action", "checkuser", "--uid", ADMIN_CARD),
                         checkuser_reply(True, "admin", False, 2))
        self.assertEqual(self.sim_query("--action", "checkuser", "--uid", "deadbeef"),
                         checkuser_reply(False, "Unknown", False, 0))
        self.assertEqual(self.sim_query("--action", "synccache"),
                         synccache_reply([(ADMIN_CARD, 2)]))
        self.assertEqual(self.sim_query("--action", "checkmachine", "--machine-id", "99"),
                         UNKNOWN_MACHINE_REPLY)
        self.assertEqual(self.sim_query("--action", "checkmachine", "--topic", "machine/007"),
                         checkmachine_reply("MACHINE7", 480, 1, 2))
        self.assertEqual(self.sim_query("--action", "alive", "--timeout-ms", "500",
                                        expect_status=1), "NO REPLY")
        self.assertEqual(self.value("SELECT COUNT(*) FROM boards WHERE machine_id = 1"), 1)
        self.assertEqual(self.value("SELECT COUNT(*) FROM unknown_cards"), 1)

    def test_board_sim_replayed_start_and_stop_recorded_with_flag(self):
        self.start()
        self.assertEqual(self.sim_query("--action", "startuse", "--uid", ADMIN_CARD, "--replay"),
                         '{"request_ok":true,"message":""}')
        self.assertEqual(self.sim_query("--action", "inuse", "--uid", ADMIN_CARD,
                                        "--query-duration", "20"),
                         '{"request_ok":true,"message":"inUse"}')
        self.assertEqual(self.sim_query("--action", "stopuse", "--uid", ADMIN_CARD,
                                        "--query-duration", "42", "--replay"),
                         duration_reply(42))
        # the replayed duplicate of that stop
        self.assertEqual(self.sim_query("--action", "stopuse", "--uid", ADMIN_CARD,
                                        "--query-duration", "42", "--replay"),
                         duration_reply(42))
        [use] = self.rows("SELECT end_timestamp - start_timestamp AS seconds, replay FROM uses")
        self.assertAlmostEqual(use["seconds"], 42, places=3)
        self.assertEqual(use["replay"], 1)
        self.assertAlmostEqual(self.value("SELECT machine_hours FROM machines"), 42 / 3600,
                               places=6)


class BoardSimFleet(BackendTestCase):

    def test_board_sim_fleet_taps_leave_the_rows_of_a_real_lab(self):
        def scenario(s):
            admin = s.admin_id()
            s.machine("MACHINE2")
            third = s.machine("MACHINE3")
            s.plan(third, hours_between=1, lcd_message="Clean lens")
            s.use(admin, third, s.now - 4 * HOUR, s.now - 2 * HOUR)
            return admin
        admin = self.prepare(scenario)
        self.start()
        fleet = subprocess.Popen([board_sim_bin(), "fleet", "--port", str(self.server.mqtt_port),
                                  "--machine-ids", "1,2,3", "--time-scale", "30", "--stdin",
                                  "--duration", "40"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        self.addCleanup(self._stop_fleet, fleet)

        def command(line):
            fleet.stdin.write(line + "\n")
            fleet.stdin.flush()

        def take_summary():
            command("summary")
            return json.loads(fleet.stdout.readline())

        def tap(machine, uid, done):
            """Taps until done() holds: like the firmware, a board waiting for a reply (its
            periodic checkmachine) does not read the card, and counts the tap as ignored."""
            ignored = take_summary()["taps_ignored"]
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                command(f"tap {machine} {uid}")
                if wait_until(done, 1.5):
                    return
                now_ignored = take_summary()["taps_ignored"]
                if now_ignored == ignored and wait_until(done, 3):
                    return
                ignored = now_ignored
            self.fail(f"tap {machine} {uid}: no effect; {take_summary()}\n"
                      + self.server.log_tail())

        # every board announced itself
        self.assertTrue(wait_until(lambda: self.value("SELECT COUNT(*) FROM boards") == 3, 10),
                        self.rows("SELECT * FROM boards"))
        # a login on machine 1: checkuser, startuse
        open_use = ("SELECT use_id, start_timestamp AS start, last_seen FROM uses "
                    "WHERE machine_id = 1 AND end_timestamp IS NULL AND user_id = ?")
        tap(1, ADMIN_CARD, lambda: self.rows(open_use, admin))
        [use] = self.rows(open_use, admin)
        # inuse every 30 s / 30 refreshes it
        self.assertTrue(wait_until(lambda: self.rows(open_use, admin)[0]["last_seen"]
                                   > use["start"] + 1.5, 6))
        time.sleep(1.0)
        # the same card again logs out: stopuse with the measured duration
        closed = "SELECT start_timestamp AS start, end_timestamp AS end FROM uses WHERE use_id = ?"
        tap(1, ADMIN_CARD, lambda: self.rows(closed, use["use_id"])[0]["end"])
        [done] = self.rows(closed, use["use_id"])
        seconds = done["end"] - done["start"]
        self.assertAlmostEqual(seconds, round(seconds), places=3)  # whole seconds, as measured
        self.assertGreaterEqual(seconds, 2)
        self.assertAlmostEqual(self.value("SELECT machine_hours FROM machines WHERE "
                                          "machine_id = 1"), seconds / 3600, places=6)
        # an unknown card on machine 2
        tap(2, "0badcafe", lambda: self.rows(
            'SELECT machine_id FROM unknown_cards WHERE "card_UUID" = ?', "0badcafe"))
        # staff on machine 3 with maintenance due: the board registers it, then logs in
        tap(3, ADMIN_CARD, lambda: self.value(
            "SELECT COUNT(*) FROM uses WHERE machine_id = 3 AND end_timestamp IS NULL"))
        self.assertEqual([(r["machine_id"], r["user_id"]) for r in
                          self.rows("SELECT machine_id, user_id FROM interventions")],
                         [(3, admin)])

        def settled(s):  # the buffered kinds of query all answered (replies follow commits)
            return all(s["replies"][a] == s["sent"][a]
                       for a in ("checkuser", "startuse", "stopuse", "maintenance"))
        deadline = time.monotonic() + 3
        report = take_summary()
        while not settled(report) and time.monotonic() < deadline:
            time.sleep(0.1)
            report = take_summary()
        summary = report
        command("quit")
        self.assertEqual(fleet.wait(10), 0, fleet.stderr.read())
        self.assertEqual(summary["boards"], 3)
        self.assertEqual(summary["connected"], 3)
        self.assertEqual(sum(summary["timeouts"].values()), 0, summary)
        self.assertEqual(summary["logins"], 2, summary)
        self.assertEqual(summary["logouts"], 1, summary)
        self.assertEqual(summary["denied"], 1, summary)
        # every query answered, except at most one in flight per board when the summary was
        # taken (the 30 s / 30 checkmachine cycle goes on meanwhile)
        unanswered = sum(count - summary["replies"][action]
                         for action, count in summary["sent"].items() if action != "alive")
        self.assertGreaterEqual(unanswered, 0, summary)
        self.assertLessEqual(unanswered, 3, summary)
        for action in ("checkuser", "startuse", "stopuse", "maintenance"):
            self.assertEqual(summary["replies"][action], summary["sent"][action], summary)

    @staticmethod
    def _stop_fleet(fleet):
        if fleet.poll() is None:
            fleet.kill()
            fleet.wait()
        for stream in (fleet.stdin, fleet.stdout, fleet.stderr):
            stream.close()


if __name__ == "__main__":
    unittest.main()
