"""docs/board-protocol.md, malformed input: logged, no reply, and never disturbs anything else (fix: the
old backend crashed its MQTT loop on a missing key or invalid UTF-8 and then answered no board
at all). Each case is followed by a valid query that must be the first one answered, and the
database must be unchanged."""
import time
import unittest

from fabomatic_testing.board import ADMIN_CARD, Board, checkmachine, checkuser, checkuser_reply

from backend_harness import BackendTestCase

TABLES = ("uses", "unknown_cards", "interventions", "boards", "discovered_boards")

CASES = {
    "invalid_json": b'{"action":"checkmachine"',
    "invalid_json_trailing_garbage": b'{"action":"checkmachine"} x',
    "not_an_object_array": b'["checkmachine"]',
    "not_an_object_string": b'"checkmachine"',
    "not_an_object_number": b"42",
    "json_null": b"null",
    "no_action": b'{"uid":"12345678"}',
    "action_not_a_string": b'{"action":1}',
    "unknown_action": b'{"action":"selfdestruct"}',
    "action_wrong_case": b'{"action":"CheckMachine"}',
    "checkuser_without_uid": b'{"action":"checkuser"}',
    "uid_a_number": b'{"action":"checkuser","uid":12345678}',
    "uid_null": b'{"action":"checkuser","uid":null}',
    "uid_empty": b'{"action":"checkuser","uid":""}',
    "uid_control_character": b'{"action":"checkuser","uid":"1234\\n5678"}',
    "uid_too_long": b'{"action":"checkuser","uid":"' + b"a" * 1000 + b'"}',
    "startuse_uid_an_array": b'{"action":"startuse", "uid":["12345678"]}',
    "inuse_without_duration": b'{"action":"inuse", "uid":"12345678"}',
    "inuse_duration_a_string": b'{"action":"inuse", "uid":"12345678","duration":"10"}',
    "stopuse_duration_a_string": b'{"action":"stopuse", "uid":"12345678","duration":"123"}',
    "stopuse_duration_null": b'{"action":"stopuse", "uid":"12345678","duration":null}',
    "stopuse_replay_a_string": b'{"action":"stopuse", "uid":"12345678","duration":5, '
                               b'"replay":"yes"}',
    "maintenance_without_uid": b'{"action":"maintenance"}',
    "alive_without_ip": b'{"action":"alive","version":"0.7.3"}',
    "invalid_utf8": b'{"action":"checkuser","uid":"\xff\xfe\xfd"}',
    "invalid_utf8_outside_strings": b'{"action":"checkmachine"}\xc3',
    "overlong_utf8": b'{"action":"checkuser","uid":"\xc0\xaf"}',
    "nul_byte": b'{"action":"checkmachine"}\x00{}',
    "empty_payload": b"",
    "whitespace_only": b"   ",
    "payload_100_kb": b'{"action":"checkuser","uid":"12345678","pad":"' + b"x" * 100_000 + b'"}',
    "deeply_nested_without_action": b'{"x":' + b"[" * 2000 + b"]" * 2000 + b"}",
    "huge_number": b'{"action":"inuse", "uid":"12345678","duration":1e999}',
}


class Malformed(BackendTestCase):

    def counts(self):
        return {t: self.value(f"SELECT COUNT(*) FROM {t}") for t in TABLES}

    def check_case(self, payload):
        board = self.board()
        before = self.counts()
        self.assertNoReplyThenAnswered(board, payload)
        self.assertEqual(self.counts(), before)

    def test_malformed_input_no_reply_next_query_answered(self):
        self.start()
        for name, payload in CASES.items():
            with self.subTest(name):
                self.check_case(payload)
        # after all of that, another board and the same boards are served normally
        self.assertEqual(self.board().query(checkuser(ADMIN_CARD)),
                         checkuser_reply(True, "admin", False, 2))
        self.assertIn("ignored message", self.server.log_text())

    def test_malformed_burst_then_valid_queries_answered(self):
        self.start()
        board = self.board()
        for payload in CASES.values():
            board.send(payload)
        self.assertNoReplyThenAnswered(board, b"")
        self.assertTrue(board.connected())

    def test_unknown_extra_keys_ignored(self):
        self.start()
        board = self.board()
        self.assertEqual(board.query('{"action":"checkuser","uid":"12345678","extra":[1,{}],'
                                     '"replay":false}'),
                         checkuser_reply(True, "admin", False, 2))

    def drain_until(self, monitor, topic):
        """Monitor messages up to and including the first on `topic`."""
        seen = []
        while True:
            message = monitor.next()
            seen.append(message)
            if message[0] == topic:
                return seen

    def test_non_numeric_machine_id_no_reply(self):
        self.start()
        monitor = self.monitor("machine/#")
        board = self.board()
        for segment in ("abc", "1a", "-1", "1.0", " 1", "0x1", "99999999999999999999999"):
            with self.subTest(segment=segment):
                stray = Board(self.server.mqtt_port, segment)
                self.clients.append(stray)
                stray.send(checkmachine())
                # the monitor sees it routed (the backend has handled it by then) ...
                self.assertEqual(self.drain_until(monitor, stray.topic),
                                 [(stray.topic, checkmachine().encode())])
                # ... then a valid query and its reply, and no reply to the stray board
                board.send(checkmachine())
                seen = self.drain_until(monitor, board.reply_topic)
                self.assertEqual([topic for topic, _ in seen], [board.topic, board.reply_topic])
                self.assertEqual(stray.pending_replies(), [])
        self.assertTrue(self.server.alive())

    def test_deeper_topics_are_not_queries(self):
        self.start()
        monitor = self.monitor("machine/#", "machines/#")
        sender = self.board("1000")  # publishes on other topics; hears none of them
        topics = ["machine/1/x", "machine/1/reply/x", "machine", "machines/1", "machine/1/reply",
                  "machine/1/request"]
        for topic in topics:
            sender.send(checkmachine(), topic=topic)
        sender.send(checkmachine(), topic="machine/1")
        seen = [monitor.next() for _ in range(len(topics) + 2)]
        # exactly the routed copies, then the one query and its reply
        self.assertEqual([topic for topic, _ in seen], topics + ["machine/1", "machine/1/reply"])
        self.assertTrue(seen[-1][1].startswith(b'{"request_ok":true,"is_valid":true'))
        self.assertEqual(sender.pending_replies(), [])
        time.sleep(0.1)  # a reply to any of the others would have followed by now
        self.assertTrue(monitor.messages.empty(), list(monitor.messages.queue))


if __name__ == "__main__":
    unittest.main()
