"""SUBSCRIBE and UNSUBSCRIBE statements of MQTT 3.1.1 not named elsewhere: packet identifiers of
SUBACK and UNSUBACK (2.3.1-7, 3.8.4-2), several filters in one SUBSCRIBE (3.8.4-4, -5), and
what an UNSUBSCRIBE stops (3.10.4-2) and does not stop (3.10.4-3)."""
import unittest

from harness import LeavesNoState, per_broker
from fabomatic_testing.mqtt_raw import (PUBACK, PUBCOMP, PUBREC, PUBREL, SUBACK,
                                        UNSUBACK, ack_pkt, subscribe_pkt, unsubscribe_pkt)


class SubscribeSpecScenarios(LeavesNoState):
    # ------------------------------------------------------- packet identifiers
    def test_MQTT_2_3_1_7_suback_and_unsuback_carry_the_request_packet_id(self):
        c = self.raw(self.cid())
        a, b, d = self.topic("a"), self.topic("b"), self.topic("d")
        c.send(subscribe_pkt(0x0102, [(a, 1)]) + unsubscribe_pkt(0x0201, [a]) +
               subscribe_pkt(0xFFFF, [(b, 0), (d, 2)]) + unsubscribe_pkt(0x8001, [b, d]))
        got = [c.read() for _ in range(4)]
        self.assertEqual([(p.type, p.pid) for p in got],
                         [(SUBACK, 0x0102), (UNSUBACK, 0x0201), (SUBACK, 0xFFFF),
                          (UNSUBACK, 0x8001)])
        self.assertEqual((got[0].granted, got[2].granted), ([1], [0, 2]))

    def test_MQTT_3_8_4_2_suback_packet_id_of_each_pipelined_subscribe(self):
        pids = [1, 0x0100, 0x00FF, 0xFF00, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF, 0x1234, 0x4321]
        c = self.raw(self.cid())
        c.send(b"".join(subscribe_pkt(pid, [(self.topic(str(i)), i % 3)])
                        for i, pid in enumerate(pids)))
        got = [c.expect(SUBACK) for _ in pids]
        self.assertEqual([(p.pid, p.granted) for p in got],
                         [(pid, [i % 3]) for i, pid in enumerate(pids)])

    # ------------------------------------------------ several filters at once
    def test_MQTT_3_8_4_4_same_filter_twice_in_one_subscribe_later_one_replaces(self):
        """As two SUBSCRIBEs in a row: the second request for a filter replaces the first,
        whether it asks for a higher or a lower QoS; one copy is delivered."""
        for first, second in ((0, 2), (2, 0)):
            with self.subTest(first=first, second=second):
                topic = self.topic(f"{first}{second}")
                sub = self.raw(self.cid(f"s{first}{second}"))
                self.assertEqual(sub.subscribe([(topic, first), (topic, second)]), [first, second])
                pub = self.raw(self.cid(f"p{first}{second}"))
                pub.publish(topic, b"m", qos=2)
                got = sub.collect_publishes(quiet=0.5)
                self.assertEqual([(p.payload, p.qos) for p in got], [(b"m", second)])
                sub.disconnect()
                pub.disconnect()

    def test_MQTT_3_8_4_5_return_code_per_filter_is_the_granted_qos(self):
        """Six filters in one SUBSCRIBE: six codes, in order, none above the QoS asked for,
        and each the QoS at which that filter's QoS 2 publications are then delivered."""
        requested = [0, 1, 2, 2, 1, 0]
        topics = [self.topic(f"f{i}") for i in range(len(requested))]
        sub = self.raw(self.cid("s"))
        granted = sub.subscribe(list(zip(topics, requested)), pid=3)
        self.assertEqual(len(granted), len(requested))
        for g, r in zip(granted, requested):
            self.assertTrue(g == 0x80 or g <= r, f"granted {granted} for requested {requested}")
        pub = self.raw(self.cid("p"))
        for i, t in enumerate(topics):
            pub.publish(t, t, qos=2, pid=i + 1)
        got = {p.topic: p.qos for p in sub.collect_publishes(quiet=0.5)}
        self.assertEqual(got, {t: g for t, g in zip(topics, granted) if g != 0x80})

    # ------------------------------------------------------------ UNSUBSCRIBE
    def test_MQTT_3_10_4_2_nothing_queued_for_an_unsubscribed_filter(self):
        """A persistent session drops one of two filters, then leaves: of the messages
        published meanwhile it gets only those of the filter it kept."""
        c, _ = self.persistent("c")
        c.subscribe([(self.topic("#"), 1), (self.topic("kept"), 1)])
        c.send(unsubscribe_pkt(4, [self.topic("#")]))
        c.expect(UNSUBACK, pid=4)
        self.leave(c)
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic("dropped"), b"dropped", qos=1, pid=1)
        pub.publish(self.topic("kept"), b"kept", qos=1, pid=2)
        c, ack = self.persistent("c")
        self.assertTrue(ack.session_present)
        self.assertEqual([p.payload for p in c.collect_publishes(quiet=0.5)], [b"kept"])

    def test_MQTT_3_10_4_3_qos2_delivery_in_flight_completed_after_unsubscribe(self):
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic(), 2)])
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"in flight", qos=2)
        got = sub.expect_publish(ack=False)
        sub.send(unsubscribe_pkt(5, [self.topic()]))
        sub.expect(UNSUBACK, pid=5)
        sub.send(ack_pkt(PUBREC, got.pid))
        self.assertEqual(sub.expect(PUBREL).pid, got.pid)
        sub.send(ack_pkt(PUBCOMP, got.pid))
        pub.publish(self.topic(), b"after", qos=2, pid=2)
        sub.expect_nothing(0.5)

    def test_MQTT_3_10_4_3_unacknowledged_qos1_resent_after_unsubscribe(self):
        """The unsubscribed filter's unacknowledged message is still owed: it comes again, with
        DUP, when the persistent session resumes."""
        c, _ = self.persistent("c")
        c.subscribe([(self.topic(), 1)])
        self.raw(self.cid("p")).publish(self.topic(), b"owed", qos=1)
        first = c.expect_publish(ack=False)
        c.send(unsubscribe_pkt(6, [self.topic()]))
        c.expect(UNSUBACK, pid=6)
        self.leave(c)
        c, _ = self.persistent("c")
        again = c.expect_publish(ack=False)
        self.assertEqual((again.payload, again.pid, again.dup), (b"owed", first.pid, True))
        c.send(ack_pkt(PUBACK, again.pid))
        c.expect_nothing(0.5)


globals().update(per_broker(SubscribeSpecScenarios))

if __name__ == "__main__":
    unittest.main()
