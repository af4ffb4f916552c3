"""docs/board-protocol.md, alive: upsert the machine's board row (heap string -> integer, a non-numeric
heap counts as 0) and the machine's last seen; never a reply. An alive from an unknown machine
id gets no reply either (unlike the Python backend) and is remembered in discovered_boards."""
import time
import unittest

from fabomatic_testing.board import UNKNOWN_MACHINE_REPLY, alive, checkmachine

from backend_harness import BackendTestCase

BOARDS = ("SELECT machine_id, ip_address, fw_version, serial, heap, last_seen FROM boards "
          "ORDER BY board_id")
DISCOVERED = ("SELECT machine_id, ip, version, serial, heap, first_seen, last_seen "
              "FROM discovered_boards ORDER BY machine_id")
VERSION = "hardware-rev0-it_IT,0.7.3-12-gabcdef"


class Alive(BackendTestCase):

    def test_alive_upserts_board_row_heap_string_to_integer_no_reply(self):
        self.start()
        board = self.board()
        before = time.time()
        self.assertNoReplyThenAnswered(board, alive())
        after = time.time()
        [row] = self.rows(BOARDS)
        self.assertEqual({k: row[k] for k in ("machine_id", "ip_address", "fw_version", "serial",
                                              "heap")},
                         {"machine_id": 1, "ip_address": "192.168.1.5", "fw_version": VERSION,
                          "serial": "a1b2c3d4e5f6", "heap": 183456})
        self.assertEqual(type(row["heap"]), int)
        self.assertTimeBetween(row["last_seen"], before, after)
        self.assertTimeBetween(self.value("SELECT last_seen FROM machines WHERE machine_id = 1"),
                               before, after)

    def test_alive_second_message_updates_the_same_row(self):
        self.start()
        board = self.board()
        self.assertNoReplyThenAnswered(board, alive())
        first_seen = self.rows(BOARDS)[0]["last_seen"]
        time.sleep(0.02)
        self.assertNoReplyThenAnswered(board, alive(version="hardware-rev0-it_IT,0.7.4",
                                                    ip="10.0.0.9", heap='"99000"'))
        [row] = self.rows(BOARDS)
        self.assertEqual((row["ip_address"], row["fw_version"], row["heap"]),
                         ("10.0.0.9", "hardware-rev0-it_IT,0.7.4", 99000))
        self.assertGreater(row["last_seen"], first_seen)

    def test_alive_non_numeric_heap_counts_as_0(self):
        self.start()
        self.assertNoReplyThenAnswered(self.board(), alive(heap='"lots"'))
        self.assertEqual([r["heap"] for r in self.rows(BOARDS)], [0])

    def test_alive_numeric_heap_of_older_firmware(self):
        self.start()
        self.assertNoReplyThenAnswered(self.board(), alive(heap="123456"))
        self.assertEqual([r["heap"] for r in self.rows(BOARDS)], [123456])

    def test_alive_without_serial_and_heap_of_older_firmware(self):
        self.start()
        self.assertNoReplyThenAnswered(self.board(), alive(serial=None, heap=None))
        [row] = self.rows(BOARDS)
        self.assertEqual((row["ip_address"], row["fw_version"]), ("192.168.1.5", VERSION))
        self.assertIn(row["serial"], (None, ""))
        self.assertIn(row["heap"], (None, 0))

    def test_alive_never_answered_even_repeated(self):
        self.start()
        board = self.board()
        for _ in range(5):
            board.send(alive())
        self.assertNoReplyThenAnswered(board, alive())
        self.assertEqual(len(self.rows(BOARDS)), 1)

    def test_alive_unknown_machine_no_reply_and_discovered_board_row(self):
        self.start()
        board = self.board("42")
        before = time.time()
        board.send(alive(ip="192.168.1.77", serial="feedface0001", heap='"150000"'))
        # the unknown machine's next query is answered, with the unknown-machine reply, and
        # it is the first reply the board gets
        self.assertEqual(board.query(checkmachine()), UNKNOWN_MACHINE_REPLY)
        after = time.time()
        self.assertEqual(board.pending_replies(), [])
        [row] = self.rows(DISCOVERED)
        self.assertEqual({k: row[k] for k in ("machine_id", "ip", "version", "serial", "heap")},
                         {"machine_id": 42, "ip": "192.168.1.77", "version": VERSION,
                          "serial": "feedface0001", "heap": 150000})
        self.assertTimeBetween(row["first_seen"], before, after)
        self.assertTimeBetween(row["last_seen"], before, after)
        self.assertEqual(self.rows(BOARDS), [])
        self.assertEqual(self.value("SELECT COUNT(*) FROM machines WHERE machine_id = 42"), 0)

    def test_alive_with_an_id_no_machine_could_have_is_not_discovered(self):
        # beyond 2^31 - 1 the portal could not create the machine (nor show the id exactly)
        self.start()
        board = self.board("2147483648")
        board.send(alive(ip="192.168.1.78"))
        self.assertEqual(board.query(checkmachine()), UNKNOWN_MACHINE_REPLY)
        self.assertEqual(self.rows(DISCOVERED), [])
        other = self.board("42")
        other.send(alive())
        self.assertEqual(other.query(checkmachine()), UNKNOWN_MACHINE_REPLY)
        self.assertEqual([row["machine_id"] for row in self.rows(DISCOVERED)], [42])

    def test_alive_unknown_machine_remembered_once_last_seen_updated(self):
        self.start()
        board = self.board("42")
        board.send(alive(ip="192.168.1.77"))
        self.assertEqual(board.query(checkmachine()), UNKNOWN_MACHINE_REPLY)
        first = self.rows(DISCOVERED)[0]
        time.sleep(0.02)
        board.send(alive(ip="192.168.1.78"))
        self.assertEqual(board.query(checkmachine()), UNKNOWN_MACHINE_REPLY)
        [row] = self.rows(DISCOVERED)
        self.assertEqual(row["ip"], "192.168.1.78")
        self.assertEqual(row["first_seen"], first["first_seen"])
        self.assertGreater(row["last_seen"], first["last_seen"])


if __name__ == "__main__":
    unittest.main()
