"""Retained messages (MQTT 3.1.1 section 3.3.1.3): stored, replaced, delivered on subscribe
with the RETAIN flag, not flagged on live delivery, cleared by an empty payload."""
import subprocess
import unittest

from harness import per_broker
from fabomatic_testing.mqtt_raw import PUBACK, publish_pkt


class RetainedScenarios:
    def tearDown(self):
        # leave no retained message behind for other tests sharing the broker
        try:
            c = self.raw(self.cid("clean"))
            c.publish(self.topic(), b"", qos=1, retain=True, pid=99)
            c.publish(self.topic("x"), b"", qos=1, retain=True, pid=98)
        except Exception:  # the test's own failure is the one to report
            pass
        super().tearDown()

    def fresh_subscriber(self, suffix, topic_filter=None, qos=1):
        sub = self.raw(self.cid(suffix))
        sub.subscribe([(topic_filter or self.topic(), qos)])
        return sub

    def test_MQTT_3_3_1_5_retained_stored_and_sent_to_new_subscriber(self):
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"kept", qos=1, retain=True)
        got = self.fresh_subscriber("s").expect_publish()
        self.assertEqual((got.topic, got.payload), (self.topic(), b"kept"))

    def test_MQTT_3_3_1_8_retain_flag_set_when_sent_from_store(self):
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"kept", qos=1, retain=True)
        self.assertTrue(self.fresh_subscriber("s").expect_publish().retain)

    def test_MQTT_3_3_1_9_retain_flag_cleared_on_live_delivery(self):
        sub = self.fresh_subscriber("s")
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"live", qos=1, retain=True)
        got = sub.expect_publish()
        self.assertEqual(got.payload, b"live")
        self.assertFalse(got.retain)

    def test_MQTT_3_3_1_5_retained_replaced_by_newer(self):
        pub = self.raw(self.cid("p"))
        for payload in (b"one", b"two", b"three"):
            pub.publish(self.topic(), payload, qos=1, retain=True)
        got = self.fresh_subscriber("s").collect_publishes(quiet=0.5)
        self.assertEqual([p.payload for p in got], [b"three"])

    def test_MQTT_3_3_1_7_retained_qos0_stored(self):
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"q0", qos=0, retain=True)
        pub.publish(self.topic("x"), b"sync", qos=1)  # QoS 0 has no ack: wait for a later one
        got = self.fresh_subscriber("s").expect_publish()
        self.assertEqual((got.payload, got.qos, got.retain), (b"q0", 0, True))

    def test_MQTT_3_3_1_10_empty_retained_delivered_live_and_clears(self):
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"old", qos=1, retain=True)
        live = self.fresh_subscriber("live")
        self.assertEqual(live.expect_publish().payload, b"old")
        pub.publish(self.topic(), b"", qos=1, retain=True)
        got = live.expect_publish()
        self.assertEqual(got.payload, b"", "MQTT-3.3.1-10: processed as normal")
        self.fresh_subscriber("late").expect_nothing(0.5)  # MQTT-3.3.1-11: nothing stored

    def test_MQTT_3_3_1_12_non_retained_publish_keeps_retained(self):
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"kept", qos=1, retain=True)
        pub.publish(self.topic(), b"passing", qos=1, retain=False)
        got = self.fresh_subscriber("s").collect_publishes(quiet=0.5)
        self.assertEqual([p.payload for p in got], [b"kept"])

    def test_MQTT_3_3_1_8_retained_delivered_on_wildcard_subscribe_at_min_qos(self):
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic("x"), b"q2", qos=2, retain=True)
        got = self.fresh_subscriber("s", self.topic("#"), qos=1).expect_publish()
        self.assertEqual((got.topic, got.payload, got.qos, got.retain),
                         (self.topic("x"), b"q2", 1, True))

    def test_MQTT_3_8_4_3_resubscribe_resends_retained(self):
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"again", qos=1, retain=True)
        sub = self.fresh_subscriber("s")
        self.assertEqual(sub.expect_publish().payload, b"again")
        sub.subscribe([(self.topic(), 1)], pid=2)
        got = sub.expect_publish()
        self.assertEqual((got.payload, got.retain), (b"again", True))

    def test_MQTT_3_3_1_6_every_matching_retained_message_reaches_a_qos1_wildcard(self):
        """1500 retained topics, more than a session's queue (1000) and in-flight window hold:
        a new QoS 1 subscription to their wildcard gets the last message of every one."""
        pub = self.raw(self.cid("p"))
        count = 1500
        pub.send(b"".join(publish_pkt(self.topic(f"many/{i}"), b"v", qos=1, retain=True,
                                      pid=i + 1) for i in range(count)))
        for i in range(count):  # each stored at QoS 1 once acknowledged
            pub.expect(PUBACK, pid=i + 1)
        try:
            sub = self.fresh_subscriber("s", self.topic("many/+"), qos=1)
            got = set()
            while len(got) < count:
                got.add(sub.expect_publish(timeout=3).topic)
            self.assertEqual(len(got), count)
        finally:
            pub.send(b"".join(publish_pkt(self.topic(f"many/{i}"), b"", qos=0, retain=True)
                              for i in range(count)))
            pub.publish(self.topic("many/done"), b"", qos=1, pid=1)  # the clearing is through

    def test_mosquitto_sub_retained_only(self):
        """mosquitto_sub --retained-only -C 1 prints the retained message and stops."""
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"for the cli", qos=1, retain=True)
        out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.port),
                              "-t", self.topic(), "--retained-only", "-C", "1", "-W", "5"],
                             capture_output=True, timeout=10)
        self.assertEqual(out.stdout.decode().strip(), "for the cli", out.stderr)


globals().update(per_broker(RetainedScenarios))

if __name__ == "__main__":
    unittest.main()
