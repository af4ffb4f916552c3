"""docs/board-protocol.md, topics and replies: the unknown-machine reply, the reply topic of machine/007,
the 280-byte reply cap with texts cut on a UTF-8 boundary, interception that still routes the
board's message to other subscribers, and the stats on stats/<client_id>."""
import json
import re
import time
import unittest

from fabomatic_testing.board import (ADMIN_CARD, UNKNOWN_MACHINE_REPLY, alive, checkmachine,
                                     checkmachine_reply, checkuser, checkuser_reply, inuse,
                                     maintenance, reply_budget, startuse, stopuse, synccache)

from backend_harness import BackendTestCase

HOUR = 3600.0


def longest_prefix(text, fits):
    """The longest prefix of text (whole characters) for which fits(prefix) holds."""
    kept = ""
    for char in text:
        if not fits(kept + char):
            break
        kept += char
    return kept


class UnknownMachine(BackendTestCase):

    def test_unknown_machine_every_query_invalid_machine_id(self):
        self.start()
        board = self.board("99")
        for payload in (checkmachine(), checkuser(ADMIN_CARD), startuse(ADMIN_CARD),
                        inuse(ADMIN_CARD, 10), stopuse(ADMIN_CARD, 10),
                        maintenance(ADMIN_CARD), synccache(),
                        stopuse(ADMIN_CARD, 10, replay=True)):
            with self.subTest(payload=payload):
                self.assertEqual(board.query(payload),
                                 '{"request_ok":false,"message":"Invalid machine ID"}')
        for table in ("uses", "unknown_cards", "interventions", "boards"):
            self.assertEqual(self.value(f"SELECT COUNT(*) FROM {table}"), 0, table)

    def test_unknown_machine_unknown_card_invalid_machine_id_no_tap(self):
        self.start()
        self.assertEqual(self.board("99").query(checkuser("deadbeef")), UNKNOWN_MACHINE_REPLY)
        self.assertEqual(self.value("SELECT COUNT(*) FROM unknown_cards"), 0)

    def test_machine_id_0_is_an_unknown_machine(self):
        self.start()
        self.assertEqual(self.board("0").query(checkmachine()), UNKNOWN_MACHINE_REPLY)


class ReplyTopic(BackendTestCase):

    def test_machine_007_answered_on_machine_007_reply(self):
        self.prepare(lambda s: s.machine("MACHINE7", machine_id=7))
        self.start()
        monitor = self.monitor("machine/#")
        board = self.board("007")
        self.assertEqual(board.query(checkmachine()), checkmachine_reply("MACHINE7", 480, 1, 2))
        seen = [monitor.next(), monitor.next()]
        self.assertEqual(seen, [("machine/007", checkmachine().encode()),
                                ("machine/007/reply",
                                 checkmachine_reply("MACHINE7", 480, 1, 2).encode())])
        # the last_seen update went to machine 7
        self.assertIsNotNone(self.eventually(
            lambda: self.value("SELECT last_seen FROM machines WHERE machine_id = 7")))
        board.send(checkmachine())
        board.next_reply()
        self.assertEqual([monitor.next(), monitor.next()][1][0], "machine/007/reply")
        time.sleep(0.1)  # anything published after the reply would have arrived by now
        self.assertTrue(monitor.messages.empty(), "nothing on machine/7/reply or elsewhere")

    def test_monitor_on_machine_hash_sees_query_and_reply(self):
        self.start()
        monitor = self.monitor("machine/#")
        board = self.board()
        reply = board.query(checkuser(ADMIN_CARD))
        self.assertEqual(reply, checkuser_reply(True, "admin", False, 2))
        self.assertEqual(monitor.next(), ("machine/1", checkuser(ADMIN_CARD).encode()))
        self.assertEqual(monitor.next(), ("machine/1/reply", reply.encode()))
        # an alive reaches the monitor too, and still no reply follows it
        board.send(alive())
        self.assertEqual(monitor.next(), ("machine/1", alive().encode()))
        board.send(checkmachine())
        self.assertEqual(monitor.next()[0], "machine/1")
        self.assertEqual(monitor.next()[0], "machine/1/reply")

    def test_replies_qos_0_not_retained(self):
        self.start()
        monitor = self.monitor("machine/1/reply", client_id="qos1monitor", qos=1)
        board = self.board()
        board.query(checkmachine())
        board.query(checkuser(ADMIN_CARD))
        monitor.next()
        monitor.next()
        # published at QoS 0 (delivered at 0 to a QoS 1 subscription), never retained
        self.assertEqual(monitor.details, [("machine/1/reply", 0, False)] * 2)
        late = self.monitor("machine/#", client_id="late")
        board.send(checkmachine())
        self.assertEqual(late.next()[0], "machine/1", "no retained reply precedes the query")

    def test_other_topics_routed_untouched(self):
        self.start()
        monitor = self.monitor("shellies/#", "machine/1/extra")
        board = self.board()
        board.send("on", topic="shellies/plug1/relay/0/command")
        board.send('{"action":"checkmachine"}', topic="machine/1/extra")
        self.assertEqual(monitor.next(), ("shellies/plug1/relay/0/command", b"on"))
        self.assertEqual(monitor.next(), ("machine/1/extra", b'{"action":"checkmachine"}'))
        self.assertEqual(board.pending_replies(), [])


class ReplyCap(BackendTestCase):
    """Over-long texts are cut so the whole reply fits the board's buffer: 280 bytes on
    machine/<d>/reply, 279 on machine/<dd>/reply, 278 on machine/007/reply."""

    LONG_NAME = ("Fresatrice CNC \"grande\" – àèìòù – 激光切割机 🚀 " * 12).strip()

    def assertValidCut(self, raw, budget):
        self.assertLessEqual(len(raw), budget, raw)
        text = raw.decode("utf-8")  # raises on a cut inside a character
        return json.loads(text)

    def test_long_user_name_checkuser_cut_to_280_bytes_on_utf8_boundary(self):
        self.prepare(lambda s: s.user(self.LONG_NAME, "aabbccd1", "Fab Staff"))
        self.start()
        board = self.board()
        board.send(checkuser("aabbccd1"))
        raw = board.next_reply_bytes()
        budget = reply_budget(board.reply_topic)
        self.assertEqual(budget, 280)
        self.assertValidCut(raw, budget)
        name = longest_prefix(self.LONG_NAME, lambda prefix: len(
            checkuser_reply(True, prefix, False, 2).encode()) <= budget)
        self.assertEqual(raw.decode(), checkuser_reply(True, name, False, 2))
        self.assertGreater(len(name), 100)

    def test_long_machine_name_two_digit_id_cut_to_279_bytes(self):
        self.prepare(lambda s: s.machine(self.LONG_NAME, machine_id=10))
        self.start()
        board = self.board("10")
        board.send(checkmachine())
        raw = board.next_reply_bytes()
        self.assertEqual(reply_budget(board.reply_topic), 279)
        reply = self.assertValidCut(raw, 279)
        self.assertTrue(self.LONG_NAME.startswith(reply["name"]))
        name = longest_prefix(self.LONG_NAME, lambda prefix: len(
            checkmachine_reply(prefix, 480, 1, 2).encode()) <= 279)
        self.assertEqual(raw.decode(), checkmachine_reply(name, 480, 1, 2))

    def test_long_machine_name_and_description_both_cut_to_fit(self):
        def scenario(s):
            machine = s.machine(self.LONG_NAME, machine_id=5)
            s.plan(machine, hours_between=0.5, lcd_message="Pulire l'ottica – " * 30)
            s.use(s.admin_id(), machine, s.now - 2 * HOUR, s.now - HOUR)
        self.prepare(scenario)
        self.start()
        board = self.board("5")
        board.send(checkmachine())
        raw = board.next_reply_bytes()
        reply = self.assertValidCut(raw, 280)
        self.assertEqual((reply["request_ok"], reply["is_valid"], reply["maintenance"],
                          reply["allowed"], reply["logoff"], reply["type"], reply["grace"]),
                         (True, True, True, True, 480, 1, 2))
        self.assertTrue(self.LONG_NAME.startswith(reply["name"]))
        self.assertTrue(("Pulire l'ottica – " * 30).startswith(reply["description"]))
        self.assertGreater(len(reply["name"]), 20)
        self.assertGreater(len(reply["description"]), 20)
        self.assertGreaterEqual(len(raw), 280 - 8, "texts cut much shorter than needed")

    def test_long_name_on_machine_007_cut_to_278_bytes(self):
        self.prepare(lambda s: s.machine(self.LONG_NAME, machine_id=7))
        self.start()
        board = self.board("007")
        board.send(checkmachine())
        raw = board.next_reply_bytes()
        self.assertEqual(reply_budget(board.reply_topic), 278)
        reply = self.assertValidCut(raw, 278)
        self.assertTrue(self.LONG_NAME.startswith(reply["name"]))
        self.assertGreaterEqual(len(raw), 278 - 4)

    def test_short_texts_not_cut(self):
        name = "Laser – ottica 🚀"
        self.prepare(lambda s: s.machine(name, machine_id=3))
        self.start()
        self.assertEqual(self.board("3").query(checkmachine()), checkmachine_reply(name, 480, 1, 2))


class Stats(BackendTestCase):
    """stats/<client_id> ([MQTT] client_id, "backend" by default) with the old backend's keys,
    written as Python's json.dumps wrote them."""

    def test_stats_published_on_stats_backend_with_old_keys(self):
        self.start()
        monitor = self.monitor("stats/#")
        board = self.board()
        board.query(checkmachine())
        board.query(checkuser(ADMIN_CARD))
        board.send(alive())
        board.send("not json")
        board.query(checkmachine())
        deadline = time.monotonic() + 4
        stats = None
        while time.monotonic() < deadline:
            topic, payload = monitor.next(timeout=max(0.1, deadline - time.monotonic()))
            self.assertEqual(topic, "stats/backend")
            self.assertRegex(payload.decode(), r'^\{"Connected": true, "Backend host": "[^"]*", '
                                               r'"Backend IP": "[^"]*", "Received": \d+, '
                                               r'"Sent": \d+\}$')
            stats = json.loads(payload)
            if stats["Sent"] >= 3:
                break
        self.assertIsNotNone(stats)
        self.assertEqual(list(stats), ["Connected", "Backend host", "Backend IP", "Received",
                                       "Sent"])
        self.assertEqual(stats["Sent"], 3)
        self.assertGreaterEqual(stats["Received"], 4)


if __name__ == "__main__":
    unittest.main()
