"""Sessions (MQTT 3.1.1 sections 3.1.2.4, 3.2.2.2, 4.4): clean session 0 keeps subscriptions and
queues QoS 1/2 messages while the client is away, session-present flag, redelivery with DUP
of unacknowledged messages and PUBREL on reconnect, clean session 1 discards everything."""
import unittest

from harness import per_broker
from fabomatic_testing.mqtt_raw import PUBCOMP, PUBLISH, PUBREC, PUBREL, ack_pkt, publish_pkt


class SessionScenarios:
    def _persistent(self, suffix, clean=False, **kw):
        c = self.raw()
        ack = c.connect(self.cid(suffix), clean=clean, **kw)
        return c, ack

    def tearDown(self):
        # end the persistent session so that nothing queues for it after the test
        try:
            c = self.raw()
            c.connect(self.cid("c"), clean=True)
            c.disconnect()
        except Exception:
            pass
        super().tearDown()

    # --------------------------------------------------------- session present
    def test_MQTT_3_2_2_1_clean_session_connack_session_present_0(self):
        _, ack = self._persistent("c", clean=True)
        self.assertFalse(ack.session_present)

    def test_MQTT_3_2_2_3_new_persistent_session_present_0_then_2_resumed_present_1(self):
        c, ack = self._persistent("c")
        self.assertFalse(ack.session_present, "MQTT-3.2.2-3: no session stored yet")
        c.disconnect()
        _, ack = self._persistent("c")
        self.assertTrue(ack.session_present, "MQTT-3.2.2-2: the stored session is resumed")

    def test_MQTT_3_1_2_6_clean_session_discards_previous_session(self):
        c, _ = self._persistent("c")
        c.subscribe([(self.topic(), 1)])
        c.disconnect()
        c, ack = self._persistent("c", clean=True)
        self.assertFalse(ack.session_present)
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"to nobody", qos=1)
        c.expect_nothing(0.5)  # the subscription went with the old session
        c.disconnect()
        _, ack = self._persistent("c")
        self.assertFalse(ack.session_present, "MQTT-3.1.2-6: a clean session is not kept")

    # ------------------------------------------------ state kept while away
    def test_MQTT_3_1_2_4_subscriptions_kept_across_reconnect(self):
        c, _ = self._persistent("c")
        c.subscribe([(self.topic(), 1)])
        c.disconnect()
        c, _ = self._persistent("c")
        self.raw(self.cid("p")).publish(self.topic(), b"still subscribed", qos=1)
        self.assertEqual(c.expect_publish().payload, b"still subscribed")

    def test_MQTT_3_1_2_5_qos1_and_qos2_queued_while_away_delivered_in_order(self):
        c, _ = self._persistent("c")
        c.subscribe([(self.topic(), 2)])
        c.disconnect()
        pub = self.raw(self.cid("p"))
        for i in range(10):
            pub.publish(self.topic(), f"m{i}".encode(), qos=1 + i % 2, pid=i + 1)
        c, ack = self._persistent("c")
        self.assertTrue(ack.session_present)
        got = c.collect_publishes(quiet=0.7)
        self.assertEqual([(p.payload, p.qos) for p in got],
                         [(f"m{i}".encode(), 1 + i % 2) for i in range(10)])

    def test_MQTT_3_1_2_5_messages_queued_after_abnormal_disconnect(self):
        c, _ = self._persistent("c")
        c.subscribe([(self.topic(), 1)])
        c.abort()
        pub = self.raw(self.cid("p"))
        # if the broker sends this before it sees the reset, it is unacknowledged and comes
        # back on reconnect (MQTT-4.4.0-1); either way it must arrive
        pub.publish(self.topic(), b"while away", qos=1)
        c, ack = self._persistent("c")
        self.assertTrue(ack.session_present)
        self.assertEqual([p.payload for p in c.collect_publishes(quiet=0.5)], [b"while away"])

    # ------------------------------------------------------------ redelivery
    def test_MQTT_4_4_0_1_unacknowledged_qos1_redelivered_with_dup(self):
        c, _ = self._persistent("c")
        c.subscribe([(self.topic(), 1)])
        self.raw(self.cid("p")).publish(self.topic(), b"ack me", qos=1)
        first = c.expect_publish(ack=False)
        self.assertFalse(first.dup)
        c.close()  # without PUBACK
        c, ack = self._persistent("c")
        self.assertTrue(ack.session_present)
        again = c.expect_publish(ack=False)
        self.assertEqual((again.payload, again.pid, again.dup, again.qos),
                         (b"ack me", first.pid, True, 1))
        c.send(ack_pkt(4, again.pid))
        c.expect_nothing(0.5)

    def test_MQTT_4_4_0_1_unacknowledged_qos2_publish_redelivered_with_dup(self):
        c, _ = self._persistent("c")
        c.subscribe([(self.topic(), 2)])
        self.raw(self.cid("p")).publish(self.topic(), b"q2", qos=2)
        first = c.expect_publish(ack=False)
        c.close()  # without PUBREC
        c, _ = self._persistent("c")
        again = c.expect(PUBLISH)
        self.assertEqual((again.payload, again.pid, again.dup, again.qos), (b"q2", first.pid, True, 2))
        c.send(ack_pkt(PUBREC, again.pid))
        c.expect(PUBREL, pid=again.pid)
        c.send(ack_pkt(PUBCOMP, again.pid))
        c.expect_nothing(0.5)

    def test_MQTT_4_4_0_1_pubrel_resent_on_reconnect(self):
        c, _ = self._persistent("c")
        c.subscribe([(self.topic(), 2)])
        self.raw(self.cid("p")).publish(self.topic(), b"q2", qos=2)
        first = c.expect_publish(ack=False)
        c.send(ack_pkt(PUBREC, first.pid))
        c.expect(PUBREL, pid=first.pid)
        c.close()  # without PUBCOMP
        c, _ = self._persistent("c")
        rel = c.read()
        self.assertEqual((rel.type, rel.pid, rel.flags), (PUBREL, first.pid, 0x2),
                         "the broker resends PUBREL, not the PUBLISH")
        c.send(ack_pkt(PUBCOMP, first.pid))
        c.expect_nothing(0.5)

    def test_MQTT_4_3_3_2_inbound_qos2_exactly_once_across_reconnect(self):
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic(), 2)])
        c, _ = self._persistent("c")
        c.send(publish_pkt(self.topic(), b"once", qos=2, pid=21))
        c.expect(PUBREC, pid=21)
        c.close()  # the client did not get to send PUBREL
        c, ack = self._persistent("c")
        self.assertTrue(ack.session_present)
        c.send(publish_pkt(self.topic(), b"once", qos=2, pid=21, dup=True))
        c.expect(PUBREC, pid=21)
        c.send(ack_pkt(PUBREL, 21))
        c.expect(PUBCOMP, pid=21)
        self.assertEqual([p.payload for p in sub.collect_publishes(quiet=0.7)], [b"once"])

    def test_MQTT_3_1_4_2_takeover_resumes_persistent_session(self):
        old, _ = self._persistent("c")
        old.subscribe([(self.topic(), 1)])
        new, ack = self._persistent("c")
        old.expect_closed()
        self.assertTrue(ack.session_present, "the session of the taken-over connection goes on")
        self.raw(self.cid("p")).publish(self.topic(), b"to the new one", qos=1)
        self.assertEqual(new.expect_publish().payload, b"to the new one")

    def test_paho_persistent_session(self):
        c = self.paho(self.cid("c"), clean=False)
        c.subscribe(self.topic(), 1)
        c.close()
        self.raw(self.cid("p")).publish(self.topic(), b"queued for paho", qos=1)
        c = self.paho(self.cid("c"), clean=False)
        self.assertTrue(c.connack["session_present"])
        self.assertEqual(c.next_message().payload, b"queued for paho")


globals().update(per_broker(SessionScenarios))

if __name__ == "__main__":
    unittest.main()
