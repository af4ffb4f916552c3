"""docs/board-protocol.md, internal error: a database failure gives request_ok:false in the reply of that
query's type, and the process keeps serving. The failure is made real by renaming a table
under the running backend from another connection, then renaming it back."""
import json
import sqlite3
import unittest

from fabomatic_testing.board import ADMIN_CARD, checkmachine, checkuser, checkuser_reply, startuse

from backend_harness import BackendTestCase


class InternalError(BackendTestCase):

    def rename(self, old, new):
        conn = sqlite3.connect(self.db_path, timeout=5)
        try:
            conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
            conn.commit()
        finally:
            conn.close()

    def test_database_failure_startuse_request_ok_false_and_serving_goes_on(self):
        self.start()
        board = self.board()
        self.rename("uses", "uses_hidden")
        reply = json.loads(board.query(startuse(ADMIN_CARD)))
        self.assertEqual(list(reply), ["request_ok", "message"])
        self.assertIs(reply["request_ok"], False)
        # other queries are answered meanwhile, and the process is alive
        self.assertTrue(board.query(checkmachine()).startswith('{"request_ok":true'))
        self.rename("uses_hidden", "uses")
        self.assertEqual(board.query(startuse(ADMIN_CARD)), '{"request_ok":true,"message":""}')
        self.assertEqual(self.value("SELECT COUNT(*) FROM uses"), 1)

    def test_database_failure_checkuser_request_ok_false_in_checkuser_shape(self):
        self.start()
        board = self.board()
        self.rename("unknown_cards", "unknown_cards_hidden")
        reply = json.loads(board.query(checkuser("deadbeef")))
        self.assertEqual(list(reply), ["request_ok", "is_valid", "name", "missing_auth", "level"])
        self.assertIs(reply["request_ok"], False)
        self.assertIs(reply["is_valid"], False)
        self.assertEqual(reply["level"], 0)
        self.rename("unknown_cards_hidden", "unknown_cards")
        self.assertEqual(board.query(checkuser(ADMIN_CARD)),
                         checkuser_reply(True, "admin", False, 2))
        self.assertEqual(board.query(checkuser("deadbeef")),
                         checkuser_reply(False, "Unknown", False, 0))
        self.assertEqual(self.value("SELECT COUNT(*) FROM unknown_cards"), 1)


if __name__ == "__main__":
    unittest.main()
