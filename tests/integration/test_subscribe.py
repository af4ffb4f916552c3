"""SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (MQTT 3.1.1 sections 3.8-3.11) and topic matching
(4.7): wildcards, the `$` rule, refused filters."""
import unittest

from harness import per_broker
from fabomatic_testing.mqtt_raw import SUBACK, UNSUBACK, subscribe_pkt, unsubscribe_pkt


class SubscribeScenarios:
    def delivered(self, filters, topics):
        """Which of `topics` a client subscribed to `filters` receives."""
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic(f), 0) if f else (self.topic(), 0) for f in filters])
        pub = self.raw(self.cid("p"))
        for t in topics:
            pub.publish(self.topic(t) if t else self.topic(), t.encode())
        got = [p.payload.decode() for p in sub.collect_publishes(quiet=0.4)]
        sub.disconnect()
        pub.disconnect()
        return got

    # ---------------------------------------------------------------- SUBACK
    def test_MQTT_3_8_4_1_suback_same_packet_id_and_one_code_per_filter(self):
        c = self.raw(self.cid())
        c.send(subscribe_pkt(0x4242, [(self.topic("a"), 0), (self.topic("b"), 1),
                                      (self.topic("c"), 2)]))
        ack = c.expect(SUBACK)
        self.assertEqual(ack.pid, 0x4242)
        self.assertEqual(ack.granted, [0, 1, 2], "MQTT-3.9.3-1: codes in filter order")

    def test_MQTT_3_8_4_3_resubscribe_replaces_subscription(self):
        sub = self.raw(self.cid("s"))
        self.assertEqual(sub.subscribe([(self.topic(), 0)]), [0])
        self.assertEqual(sub.subscribe([(self.topic(), 2)], pid=2), [2])
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"m", qos=2)
        got = sub.collect_publishes(quiet=0.5)
        self.assertEqual([(p.payload, p.qos) for p in got], [(b"m", 2)])

    def test_MQTT_3_8_3_4_subscribe_qos_3_closes(self):
        c = self.raw(self.cid())
        c.send(subscribe_pkt(1, [(self.topic(), 3)]))
        self.assertEqual(c.expect_closed(), [])
        self.assertBrokerServes()

    def test_MQTT_3_8_1_1_subscribe_reserved_flags_closes(self):
        c = self.raw(self.cid())
        c.send(subscribe_pkt(1, [(self.topic(), 0)], first_byte=0x80))
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_3_8_3_3_subscribe_without_filters_closes(self):
        c = self.raw(self.cid())
        c.send(b"\x82\x02\x00\x01")
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_2_3_1_1_subscribe_packet_id_0_closes(self):
        c = self.raw(self.cid())
        c.send(subscribe_pkt(0, [(self.topic(), 0)]))
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_4_7_3_1_empty_filter_refused(self):
        c = self.raw(self.cid())
        c.send(subscribe_pkt(1, [("", 0)]))
        self.assert_filter_refused(c)

    def test_MQTT_4_7_1_2_multi_level_wildcard_not_last_refused(self):
        c = self.raw(self.cid())
        c.send(subscribe_pkt(1, [(self.topic("#/x"), 0)]))
        self.assert_filter_refused(c)

    def test_MQTT_4_7_1_3_single_level_wildcard_not_whole_level_refused(self):
        c = self.raw(self.cid())
        c.send(subscribe_pkt(1, [(self.topic("a+"), 0)]))
        self.assert_filter_refused(c)

    def assert_filter_refused(self, c):
        if self.expected("invalid_subscribe_filter") == "closed":
            self.assertEqual(c.expect_closed(), [])
        else:
            ack = c.expect(SUBACK)
            self.assertEqual(ack.granted, [0x80])
            self.assertTrue(c.is_open())

    # --------------------------------------------------------------- matching
    def test_MQTT_4_7_1_2_multi_level_wildcard_matches_parent_and_children(self):
        got = self.delivered(["a/#"], ["a", "a/b", "a/b/c", "ab", "b/a"])
        self.assertEqual(sorted(got), ["a", "a/b", "a/b/c"])

    def test_MQTT_4_7_1_3_single_level_wildcard_matches_one_level(self):
        got = self.delivered(["a/+/c"], ["a/b/c", "a//c", "a/b/d", "a/b/c/d", "a/c"])
        self.assertEqual(sorted(got), ["a//c", "a/b/c"])

    def test_MQTT_4_7_1_3_single_level_wildcard_matches_empty_last_level(self):
        got = self.delivered(["a/+"], ["a/", "a/b", "a"])
        self.assertEqual(sorted(got), ["a/", "a/b"])

    def test_MQTT_4_7_3_4_topics_are_case_sensitive(self):
        got = self.delivered(["Room"], ["Room", "room", "ROOM"])
        self.assertEqual(got, ["Room"])

    def test_MQTT_4_7_2_1_wildcard_does_not_match_dollar_topics(self):
        """A `#` or `+/...` subscriber gets nothing of $SYS; a `$SYS/#` subscriber does."""
        hash_sub = self.raw(self.cid("h"))
        hash_sub.subscribe([("#", 0), ("+/broker/#", 0)])
        sys_sub = self.raw(self.cid("s"))
        sys_sub.subscribe([("$SYS/#", 0)])
        # $SYS is published every second by both brokers in these tests
        first = sys_sub.expect_publish(timeout=4)
        self.assertTrue(first.topic.startswith("$SYS/"), first)
        sys_sub.collect_publishes(quiet=1.5, limit=3)
        got = [p.topic for p in hash_sub.collect_publishes(quiet=0.1, limit=0.5)]
        self.assertFalse([t for t in got if t.startswith("$")], got)

    # ------------------------------------------------------------ UNSUBSCRIBE
    def test_MQTT_3_10_4_1_unsubscribe_stops_delivery(self):
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic(), 1)])
        sub.send(unsubscribe_pkt(9, [self.topic()]))
        self.assertEqual(sub.expect(UNSUBACK).pid, 9, "MQTT-3.10.4-4/MQTT-3.11.2-1")
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"after", qos=1)
        sub.expect_nothing(0.5)

    def test_MQTT_3_10_4_1_unsubscribe_compares_filters_character_by_character(self):
        """Unsubscribing a/+ removes that filter only, not an overlapping a/#."""
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic("+"), 0), (self.topic("#"), 0)])
        sub.send(unsubscribe_pkt(2, [self.topic("+")]))
        sub.expect(UNSUBACK, pid=2)
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic("x"), b"still")
        self.assertEqual([p.payload for p in sub.collect_publishes(quiet=0.5)], [b"still"])

    def test_MQTT_3_10_4_5_unsuback_even_without_matching_subscription(self):
        c = self.raw(self.cid())
        c.send(unsubscribe_pkt(5, [self.topic("never")]))
        self.assertEqual(c.expect(UNSUBACK).pid, 5)

    def test_MQTT_3_10_4_6_unsubscribe_several_filters_one_unsuback(self):
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic("a"), 0), (self.topic("b"), 0), (self.topic("c"), 0)])
        sub.send(unsubscribe_pkt(6, [self.topic("a"), self.topic("b")]))
        self.assertEqual(sub.expect(UNSUBACK).pid, 6)
        pub = self.raw(self.cid("p"))
        for t in "abc":
            pub.publish(self.topic(t), t.encode())
        self.assertEqual([p.payload for p in sub.collect_publishes(quiet=0.5)], [b"c"])
        sub.expect_nothing(0.2)

    def test_MQTT_3_10_1_1_unsubscribe_reserved_flags_closes(self):
        c = self.raw(self.cid())
        c.send(unsubscribe_pkt(1, [self.topic()], first_byte=0xA0))
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_3_10_3_2_unsubscribe_without_filters_closes(self):
        c = self.raw(self.cid())
        c.send(b"\xa2\x02\x00\x01")
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_4_8_0_1_unsubscribe_of_an_invalid_filter_closes(self):
        """UNSUBACK cannot refuse one filter, so a malformed one (MQTT-4.7.1-2) is a protocol
        violation: the connection closes, without an UNSUBACK. (Whether the packet's valid
        filters were removed first is the broker's choice: ours removes none, see
        tests/broker.)"""
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic("kept"), 0)])
        sub.send(unsubscribe_pkt(3, [self.topic("kept"), self.topic("#/x")]))
        self.assertEqual(sub.expect_closed(), [])

    def test_paho_subscribe_unsubscribe(self):
        c = self.paho(self.cid())
        self.assertEqual(c.subscribe(self.topic("+"), 1), [1])
        c.publish(self.topic("x"), b"1", qos=1)
        self.assertEqual(c.next_message().payload, b"1")
        c.unsubscribe(self.topic("+"))
        c.publish(self.topic("x"), b"2", qos=1)
        with self.assertRaises(TimeoutError):
            c.next_message(timeout=0.5)


globals().update(per_broker(SubscribeScenarios))

if __name__ == "__main__":
    unittest.main()
