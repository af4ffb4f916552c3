"""Delivery statements of MQTT 3.1.1 not named elsewhere: packet identifiers of the server's
messages and of its acknowledgements (2.3.1-4, 2.3.1-6), the response to each QoS (3.3.4-1),
the DUP flag (3.3.1-1, 4.3.1-1), topic names on delivery (3.3.2-3), the QoS of queued
messages (3.8.4-6), who gets a message (4.5.0-1), ordering (4.6.0-1, -4, -5) and the answer to
an unauthorized PUBLISH (3.3.5-2)."""
import unittest

from harness import LeavesNoState, per_broker
from test_access import AccessFiles
from fabomatic_testing.mqtt_raw import (PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, Closed,
                                        ack_pkt, publish_pkt, s16)


class DeliverySpecScenarios(LeavesNoState):
    def pair(self, sub_qos=2):
        """A subscriber on self.topic() at sub_qos and a publisher, both raw."""
        sub = self.raw(self.cid("s"))
        self.assertEqual(sub.subscribe([(self.topic(), sub_qos)]), [sub_qos])
        return sub, self.raw(self.cid("p"))

    def complete(self, c, pkt):
        """Completes the delivery of a PUBLISH read with ack=False."""
        if pkt.qos == 1:
            c.send(ack_pkt(PUBACK, pkt.pid))
        elif pkt.qos == 2:
            c.send(ack_pkt(PUBREC, pkt.pid))
            c.expect(PUBREL, pid=pkt.pid)
            c.send(ack_pkt(PUBCOMP, pkt.pid))

    # ------------------------------------------------------- packet identifiers
    def test_MQTT_2_3_1_6_acknowledgements_carry_the_publish_packet_id(self):
        """Ids whose two bytes differ, so that a byte-order slip shows: PUBACK and PUBREC of the
        server carry the client's PUBLISH ids, PUBREL the id of the server's own PUBLISH."""
        sub, pub = self.pair(2)
        sent = [(1, 0x0102), (1, 0xFFFF), (2, 0x0201), (2, 0x8000)]
        pub.send(b"".join(publish_pkt(self.topic(), f"m{pid}", qos=qos, pid=pid)
                          for qos, pid in sent))
        acks = [pub.read() for _ in sent]
        self.assertEqual([a.pid for a in acks if a.type == PUBACK], [0x0102, 0xFFFF])
        self.assertEqual([a.pid for a in acks if a.type == PUBREC], [0x0201, 0x8000])
        for pid in (0x8000, 0x0201):
            pub.send(ack_pkt(PUBREL, pid))
            pub.expect(PUBCOMP, pid=pid)
        got = [sub.expect_publish(ack=False) for _ in sent]
        # (the QoS 2 ones may be delivered on PUBREL, in the order released)
        self.assertEqual(sorted(p.payload for p in got),
                         sorted(f"m{pid}".encode() for _, pid in sent))
        for p in got:
            if p.qos == 2:
                sub.send(ack_pkt(PUBREC, p.pid))
                self.assertEqual(sub.expect(PUBREL).pid, p.pid)
                sub.send(ack_pkt(PUBCOMP, p.pid))
            else:
                sub.send(ack_pkt(PUBACK, p.pid))
        sub.expect_nothing(0.3)

    def test_MQTT_2_3_1_4_server_packet_ids_unused_while_unacknowledged(self):
        """Three QoS 2 messages wait for PUBCOMP (their ids still in use), then ten more go out
        unacknowledged: all thirteen ids non-zero and distinct."""
        sub, pub = self.pair(2)
        for i in range(3):
            pub.publish(self.topic(), f"held{i}", qos=2, pid=i + 1)
        held = [sub.expect_publish(ack=False) for _ in range(3)]
        for p in held:
            sub.send(ack_pkt(PUBREC, p.pid))
            sub.expect(PUBREL, pid=p.pid)
        for i in range(10):
            pub.publish(self.topic(), f"m{i}", qos=1 + i % 2, pid=10 + i)
        fresh = [sub.expect_publish(ack=False) for _ in range(10)]
        ids = [p.pid for p in held + fresh]
        self.assertNotIn(0, ids)
        self.assertEqual(len(set(ids)), len(ids), f"packet ids reused while in use: {ids}")
        for p in held:
            sub.send(ack_pkt(PUBCOMP, p.pid))
        for p in fresh:
            self.complete(sub, p)
        sub.expect_nothing(0.3)

    # ------------------------------------------------------ response per QoS
    def test_MQTT_3_3_4_1_response_to_publish_according_to_its_qos(self):
        _, pub = self.pair(2)
        pub.send(publish_pkt(self.topic(), b"q0"))
        pub.expect_nothing(0.3)  # QoS 0: no response
        pub.send(publish_pkt(self.topic(), b"q1", qos=1, pid=11))
        ack = pub.read()
        self.assertEqual((ack.type, ack.pid), (PUBACK, 11))
        pub.expect_nothing(0.3)  # one PUBACK, nothing more
        pub.send(publish_pkt(self.topic(), b"q2", qos=2, pid=12))
        rec = pub.read()
        self.assertEqual((rec.type, rec.pid), (PUBREC, 12))
        pub.expect_nothing(0.3)  # no PUBCOMP before PUBREL
        pub.send(ack_pkt(PUBREL, 12))
        comp = pub.read()
        self.assertEqual((comp.type, comp.pid), (PUBCOMP, 12))
        pub.expect_nothing(0.3)

    # ------------------------------------------------------------ DUP flag
    def test_MQTT_3_3_1_1_dup_set_on_redelivery_only(self):
        """Three messages unacknowledged when the client leaves, two more queued while it is
        away: on resumption the three come again with DUP 1 and their ids, then the two with
        DUP 0."""
        c, _ = self.persistent("c")
        c.subscribe([(self.topic(), 2)])
        pub = self.raw(self.cid("p"))
        for i, qos in enumerate((1, 2, 1)):
            pub.publish(self.topic(), f"m{i}", qos=qos, pid=i + 1)
        first = [c.expect_publish(ack=False) for _ in range(3)]
        self.assertEqual([p.dup for p in first], [False] * 3)
        self.leave(c)
        for i in (3, 4):
            pub.publish(self.topic(), f"m{i}", qos=1, pid=i + 1)
        c, ack = self.persistent("c")
        self.assertTrue(ack.session_present)
        got = [c.expect_publish() for _ in range(5)]
        self.assertEqual([(p.payload, p.dup) for p in got],
                         [(b"m0", True), (b"m1", True), (b"m2", True), (b"m3", False),
                          (b"m4", False)])
        self.assertEqual([p.pid for p in got[:3]], [p.pid for p in first])
        c.expect_nothing(0.3)

    def test_MQTT_4_3_1_1_qos0_delivery_has_dup_0_and_no_packet_id(self):
        """QoS 1 and 2 publications sent with DUP 1, delivered to a QoS 0 subscription: the
        server's PUBLISH is QoS 0 with DUP 0, and its body the topic and payload alone."""
        sub, pub = self.pair(0)
        pub.send(publish_pkt(self.topic(), b"one", qos=1, pid=3, dup=True))
        pub.expect(PUBACK, pid=3)
        pub.send(publish_pkt(self.topic(), b"two", qos=2, pid=4, dup=True))
        pub.expect(PUBREC, pid=4)
        pub.send(ack_pkt(PUBREL, 4))
        pub.expect(PUBCOMP, pid=4)
        got = [sub.expect_publish() for _ in range(2)]
        self.assertEqual([(p.flags, p.body) for p in got],
                         [(0, s16(self.topic()) + b"one"), (0, s16(self.topic()) + b"two")])

    # ---------------------------------------------------------- topic names
    def test_MQTT_3_3_2_3_delivered_topic_name_is_the_published_one(self):
        """Live and from the retained store: each delivery carries the topic name it was
        published to (not the filter), with its own payload."""
        topics = [self.topic(t) for t in ("a/x", "a/x/b/c", "\u00e9/x/\u00fc", "/x/", "a/x/")]
        unmatched = self.topic("a/y")
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic("+/x/#"), 1)])
        pub = self.raw(self.cid("p"))
        for i, t in enumerate(topics + [unmatched]):
            pub.publish(t, t, qos=1, pid=i + 1)
        got = sorted((p.topic, p.payload.decode()) for p in sub.collect_publishes(quiet=0.5))
        self.assertEqual(got, sorted((t, t) for t in topics))

        self._retained_topics += topics + [unmatched]
        for i, t in enumerate(topics + [unmatched]):
            pub.publish(t, t, qos=1, retain=True, pid=i + 1)
        late = self.raw(self.cid("late"))
        late.subscribe([(self.topic("+/x/#"), 1)])
        got = sorted((p.topic, p.payload.decode(), p.retain)
                     for p in late.collect_publishes(quiet=0.5))
        self.assertEqual(got, sorted((t, t, True) for t in topics))

    # ------------------------------------------------------------------- QoS
    def test_MQTT_3_8_4_6_queued_messages_delivered_at_granted_qos(self):
        """QoS 2 and QoS 1 publications queued for an offline QoS 1 subscription come at QoS 1."""
        c, _ = self.persistent("c")
        self.assertEqual(c.subscribe([(self.topic(), 1)]), [1])
        self.leave(c)
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"two", qos=2, pid=1)
        pub.publish(self.topic(), b"one", qos=1, pid=2)
        c, _ = self.persistent("c")
        got = c.collect_publishes(quiet=0.5)
        self.assertEqual([(p.payload, p.qos) for p in got], [(b"two", 1), (b"one", 1)])

    # --------------------------------------------------------- who gets it
    def test_MQTT_4_5_0_1_message_added_to_every_matching_session(self):
        """One QoS 1 PUBLISH: an online subscriber, an offline persistent session and the
        publisher itself (MQTT 3.1.1 has no "no local") each get it once."""
        online = self.raw(self.cid("on"))
        online.subscribe([(self.topic("#"), 1)])
        away, _ = self.persistent("away")
        away.subscribe([(self.topic("+"), 1)])
        self.leave(away)
        pub = self.raw(self.cid("p"))
        pub.subscribe([(self.topic("x"), 1)])
        pub.publish(self.topic("x"), b"for all", qos=1, pid=5)
        self.assertEqual([p.payload for p in online.collect_publishes(quiet=0.5)], [b"for all"])
        self.assertEqual([p.payload for p in pub.collect_publishes(quiet=0.1)], [b"for all"])
        away, ack = self.persistent("away")
        self.assertTrue(ack.session_present)
        self.assertEqual([p.payload for p in away.collect_publishes(quiet=0.5)], [b"for all"])

    # ---------------------------------------------------------------- order
    def test_MQTT_4_6_0_1_resent_in_original_order_after_partial_acknowledgement(self):
        """Five messages out; the second acknowledged, the fourth at PUBREL: on resumption
        the first, third and fifth come again in their original order, and the PUBREL."""
        c, _ = self.persistent("c")
        c.subscribe([(self.topic(), 2)])
        pub = self.raw(self.cid("p"))
        qos = [1, 1, 2, 2, 1]
        for i, q in enumerate(qos):
            pub.publish(self.topic(), f"m{i}", qos=q, pid=i + 1)
        first = [c.expect_publish(ack=False) for _ in qos]
        self.assertEqual([p.payload for p in first], [f"m{i}".encode() for i in range(5)])
        c.send(ack_pkt(PUBACK, first[1].pid))
        c.send(ack_pkt(PUBREC, first[3].pid))
        c.expect(PUBREL, pid=first[3].pid)
        self.leave(c)
        c, _ = self.persistent("c")
        again = [c.read() for _ in range(4)]
        self.assertEqual([(p.payload, p.pid, p.dup) for p in again if p.type == PUBLISH],
                         [(first[i].payload, first[i].pid, True) for i in (0, 2, 4)])
        self.assertEqual([(p.type, p.pid) for p in again if p.type != PUBLISH],
                         [(PUBREL, first[3].pid)])
        for p in again:
            if p.type == PUBREL:
                c.send(ack_pkt(PUBCOMP, p.pid))
            else:
                self.complete(c, p)
        c.expect_nothing(0.3)

    def test_MQTT_4_6_0_4_pubrel_sent_in_order_of_pubrec(self):
        sub, pub = self.pair(2)
        for i in range(4):
            pub.publish(self.topic(), f"m{i}", qos=2, pid=i + 1)
        got = [sub.expect_publish(ack=False) for _ in range(4)]
        order = [got[2].pid, got[0].pid, got[3].pid, got[1].pid]
        sub.send(b"".join(ack_pkt(PUBREC, pid) for pid in order))
        rels = [sub.read() for _ in order]
        self.assertEqual([(p.type, p.pid) for p in rels], [(PUBREL, pid) for pid in order])
        sub.send(b"".join(ack_pkt(PUBCOMP, pid) for pid in order))
        sub.expect_nothing(0.3)

    def test_MQTT_4_6_0_5_each_topic_ordered_with_mixed_qos(self):
        """Forty PUBLISHes pipelined on two topics, QoS 1 on one and QoS 2 on the other: a
        subscriber of both gets each topic's messages in the order they were published."""
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic("#"), 2)])
        pub = self.raw(self.cid("p"))
        sent = [(self.topic("a" if i % 2 else "b"), 1 + i % 2, i) for i in range(40)]
        pub.send(b"".join(publish_pkt(t, str(i), qos=q, pid=i + 1) for t, q, i in sent))
        pubrecs = 0
        for _ in sent:
            ack = pub.read()
            if ack.type == PUBREC:
                pub.send(ack_pkt(PUBREL, ack.pid))
                pubrecs += 1
        for _ in range(pubrecs):
            pub.expect(PUBCOMP)
        got = sub.collect_publishes(quiet=0.5)
        for topic in (self.topic("a"), self.topic("b")):
            self.assertEqual([int(p.payload) for p in got if p.topic == topic],
                             [i for t, _, i in sent if t == topic])


class UnauthorizedPublishScenarios(AccessFiles):
    """MQTT-3.3.5-2 needs a PUBLISH the server does not authorize: test_access's accounts."""

    def test_MQTT_3_3_5_2_unauthorized_publish_positively_acknowledged_or_closed(self):
        watcher = self.raw(self.cid("watch"), username="admin", password="adm")
        watcher.subscribe([("other/#", 2)])
        for qos in (1, 2):
            with self.subTest(qos=qos):
                alice = self.raw(self.cid(f"alice{qos}"), username="alice", password="apw")
                alice.send(publish_pkt(f"other/{self.tag}", b"not allowed", qos=qos, pid=7))
                try:
                    ack = alice.read()
                except Closed:
                    continue  # closing the connection is the other answer allowed
                self.assertEqual((ack.type, ack.pid), ({1: PUBACK, 2: PUBREC}[qos], 7))
                if qos == 2:
                    alice.send(ack_pkt(PUBREL, 7))
                    alice.expect(PUBCOMP, pid=7)
                self.assertTrue(alice.is_open())
        watcher.expect_nothing(0.5)


globals().update(per_broker(DeliverySpecScenarios))
globals().update(per_broker(UnauthorizedPublishScenarios))

if __name__ == "__main__":
    unittest.main()
