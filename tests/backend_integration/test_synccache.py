"""docs/board-protocol.md, synccache: the cards authorized on the machine (same rule as checkuser;
enabled, not deleted, with a card) with their level, in user-id order, as many as fit in the
board's 280-byte reply (unlike the Python backend)."""
import unittest

from fabomatic_testing.board import (ADMIN_CARD, UNKNOWN_MACHINE_REPLY, reply_budget, synccache,
                                     synccache_reply)

from backend_harness import BackendTestCase


def population(s):
    """Users of every kind around machine 1; returns the expected cards in id order."""
    members = s.role("Members")
    technicians = s.role("Technicians", maintenance=True)
    mario = s.user("Mario", "aabbccd1", members)
    s.authorize(mario, 1)
    s.user("Luigi", "aabbccd2", members)  # no authorization
    disabled = s.user("Dino", "aabbccd3", members, disabled=True)
    s.authorize(disabled, 1)
    deleted = s.user("Delia", "aabbccd4", members, deleted=True)
    s.authorize(deleted, 1)
    cardless = s.user("Carla", None, members)
    s.authorize(cardless, 1)
    tecla = s.user("Tecla", "aabbccd5", technicians)
    s.authorize(tecla, 1)
    s.user("Anna", "aabbccd6", s.role("Super users", authorize_all=True))  # no authorization needed
    upper = s.user("Ugo", "AABBCCD7", members)  # stored upper case by another tool
    s.authorize(upper, 1)
    other = s.machine("OTHER")
    elsewhere = s.user("Elsa", "aabbccd8", members)
    s.authorize(elsewhere, other)
    return [(ADMIN_CARD, 2), ("aabbccd1", 1), ("aabbccd5", 2), ("aabbccd6", 2),
            ("aabbccd7", 1)]


def greedy_cap(cards, budget):
    """The longest prefix of `cards` whose reply fits the budget."""
    kept = []
    for card in cards:
        if len(synccache_reply(kept + [card]).encode()) > budget:
            break
        kept.append(card)
    return kept


class SyncCache(BackendTestCase):

    def test_synccache_authorized_users_in_id_order_with_level(self):
        expected = self.prepare(population)
        self.start()
        reply = self.board().query(synccache())
        self.assertEqual(reply, synccache_reply(expected))
        self.assertEqual(reply, '{"request_ok":true,"cards":[{"uid":"12345678","level":2},'
                                '{"uid":"aabbccd1","level":1},{"uid":"aabbccd5","level":2},'
                                '{"uid":"aabbccd6","level":2},{"uid":"aabbccd7","level":1}]}')

    def test_synccache_blocked_machine_only_authorize_all(self):
        def scenario(s):
            population(s)
            s.update("machines", "machine_id", 1, blocked=True)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(synccache()),
                         synccache_reply([(ADMIN_CARD, 2), ("aabbccd6", 2)]))

    def test_synccache_access_management_1_every_enabled_card(self):
        def scenario(s):
            population(s)
            s.update("machine_types", "type_id", 1, access_management=1)
        self.prepare(scenario)
        self.start()
        self.assertEqual(self.board().query(synccache()),
                         synccache_reply([(ADMIN_CARD, 2), ("aabbccd1", 1), ("aabbccd2", 1),
                                          ("aabbccd5", 2), ("aabbccd6", 2), ("aabbccd7", 1),
                                          ("aabbccd8", 1)]))

    def test_synccache_capped_to_280_bytes_with_many_users(self):
        def scenario(s):
            members = s.role("Members")
            cards = [(ADMIN_CARD, 2)]
            for n in range(200):
                card = "c0%06x" % n
                s.authorize(s.user(f"User{n}", card, members), 1)
                cards.append((card, 1))
            return cards
        everyone = self.prepare(scenario)
        self.start()
        board = self.board()
        board.send(synccache())
        raw = board.next_reply_bytes()
        budget = reply_budget(board.reply_topic)
        self.assertEqual(budget, 280)
        self.assertLessEqual(len(raw), budget)
        expected = greedy_cap(everyone, budget)
        self.assertEqual(len(expected), 8)  # 28 + 29 + 7 x 30 + 2 = 269 bytes; a 9th is 299
        self.assertEqual(raw.decode(), synccache_reply(expected))
        self.assertTrue(board.connected())

    def test_synccache_capped_to_279_bytes_for_a_two_digit_machine(self):
        def scenario(s):
            members = s.role("Members")
            machine = s.machine("MACHINE12", machine_id=12)
            cards = [(ADMIN_CARD, 2)]
            for n in range(20):
                card = "%08x" % (0xd0000000 + n)
                s.authorize(s.user(f"User{n}", card, members), machine)
                cards.append((card, 1))
            return cards
        everyone = self.prepare(scenario)
        self.start()
        board = self.board("12")
        board.send(synccache())
        raw = board.next_reply_bytes()
        self.assertLessEqual(len(raw), 279)
        self.assertEqual(raw.decode(), synccache_reply(greedy_cap(everyone, 279)))

    def test_synccache_unknown_machine(self):
        self.start()
        self.assertEqual(self.board("77").query(synccache()), UNKNOWN_MACHINE_REPLY)


if __name__ == "__main__":
    unittest.main()
