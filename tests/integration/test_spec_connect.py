"""CONNECT, CONNACK and DISCONNECT statements of MQTT 3.1.1 not named elsewhere: validation of
the CONNECT packet (3.1.4-1), refusals (3.1.3-9, 3.1.4-5), the CONNACK of an accepted
connection (3.1.4-4), clean-session processing on takeover (3.1.4-3), wills that must not be
published (3.1.2-12, 3.14.4-3) and retained messages outliving sessions (3.1.2-7)."""
import struct
import unittest

from harness import LeavesNoState, per_broker
from fabomatic_testing.mqtt_raw import (CONNACK, DISCONNECT_PKT, PUBACK, connect_pkt, packet,
                                        publish_pkt, s16, subscribe_pkt)


class ConnectSpecScenarios(LeavesNoState):
    def watcher(self, topic_filter):
        w = self.raw(self.cid("watch"))
        w.subscribe([(topic_filter, 2)])
        return w

    def connect_body(self, flags, payload):
        """The variable header and payload of a 3.1.1 CONNECT, keep-alive 60."""
        return s16("MQTT") + bytes([4, flags]) + struct.pack(">H", 60) + payload

    # --------------------------------------------------------- CONNACK 0x00
    def test_MQTT_3_1_4_4_accepted_connect_acknowledged_with_connack_0(self):
        """CONNACK of an accepted CONNECT: flags 0000, remaining length 2, session present 0 for
        a new session, return code 0 (clean session 1, then a new persistent session)."""
        for clean in (True, False):
            with self.subTest(clean=clean):
                if not clean:
                    self._persistent_ids.append(self.cid(str(clean)))
                c = self.raw()
                c.send(connect_pkt(self.cid(str(clean)), clean=clean))
                ack = c.expect(CONNACK)
                self.assertEqual((ack.flags, ack.body), (0, b"\x00\x00"))
                self.assertTrue(c.is_open())
                c.disconnect()

    # -------------------------------------------------- validation (3.1.4-1)
    def test_MQTT_3_1_4_1_connect_with_bytes_after_its_payload_closes_without_connack(self):
        c = self.raw()
        c.send(packet(0x10, self.connect_body(0x02, s16(self.cid())) + b"\x00\x03xyz"))
        self.assertEqual(c.expect_closed(), [])
        self.assertBrokerServes()

    def test_MQTT_3_1_4_1_connect_will_flag_without_will_fields_closes_without_connack(self):
        c = self.raw()
        c.send(packet(0x10, self.connect_body(0x02 | 0x04, s16(self.cid()))))
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_3_1_4_1_connect_user_name_flag_without_user_name_closes_without_connack(self):
        c = self.raw()
        c.send(packet(0x10, self.connect_body(0x02 | 0x80, s16(self.cid()))))
        self.assertEqual(c.expect_closed(), [])

    # ------------------------------------------------------------- refusals
    def test_MQTT_3_1_3_9_rejected_client_id_connack_0x02_then_close(self):
        """MQTT 3.1 ("MQIsdp", level 3) has no server-assigned client ids: an empty one is
        rejected with CONNACK 0x02 (session present 0), then the connection is closed."""
        c = self.raw()
        c.send(connect_pkt("", proto_name="MQIsdp", proto_level=3))
        got = c.expect_closed()
        self.assertEqual([(p.type, p.body) for p in got], [(CONNACK, b"\x00\x02")])
        self.assertBrokerServes()

    def refused_then_more(self, refused_connect, code):
        """A refused CONNECT followed, in the same write, by a retained PUBLISH and a SUBSCRIBE:
        nothing after the CONNECT may be processed."""
        w = self.watcher(self.topic())
        self._retained_topics.append(self.topic())
        c = self.raw()
        c.send(refused_connect + publish_pkt(self.topic(), b"after refusal", qos=1, retain=True,
                                             pid=1) + subscribe_pkt(2, [(self.topic(), 0)]))
        got = c.expect_closed()
        self.assertEqual([(p.type, p.return_code) for p in got], [(CONNACK, code)],
                         "no PUBACK or SUBACK after a refused CONNECT")
        w.expect_nothing(0.5)
        late = self.raw(self.cid("late"))
        late.subscribe([(self.topic(), 1)])
        late.expect_nothing(0.5)

    def test_MQTT_3_1_4_5_nothing_processed_after_connect_refused_0x02(self):
        self.refused_then_more(connect_pkt("", clean=False), 2)

    def test_MQTT_3_1_4_5_nothing_processed_after_connect_refused_0x01(self):
        self.refused_then_more(connect_pkt(self.cid(), proto_level=6), 1)

    # --------------------------------------------------- clean session (3.1.4-3)
    def test_MQTT_3_1_4_3_clean_session_takeover_discards_live_persistent_session(self):
        """A clean-session CONNECT with the client id of a live persistent session: the old
        connection is closed and its session (subscription, unacknowledged message) is gone."""
        old, _ = self.persistent("c")
        old.subscribe([(self.topic(), 1)])
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"unacknowledged", qos=1)
        old.expect_publish(ack=False)
        new = self.raw()
        ack = new.connect(self.cid("c"), clean=True)
        old.expect_closed()
        self.assertFalse(ack.session_present)
        new.expect_nothing(0.5)  # no redelivery of the old session's message
        pub.publish(self.topic(), b"to nobody", qos=1, pid=2)
        new.expect_nothing(0.5)  # and no subscription
        self.leave(new)
        _, ack = self.persistent("c")
        self.assertFalse(ack.session_present, "MQTT-3.1.2-6: the clean session was not kept")

    # --------------------------------------------------------- no will
    def test_MQTT_3_1_2_12_no_will_from_connection_without_will_flag(self):
        """A persistent session whose first connection had a will (discarded by DISCONNECT):
        the next connection, without the will flag, ends by a reset and publishes nothing."""
        w = self.watcher(self.topic("will"))
        first, _ = self.persistent("c", will=(self.topic("will"), b"first", 1, False))
        self.leave(first)
        second, ack = self.persistent("c")
        self.assertTrue(ack.session_present)
        second.abort()
        w.expect_nothing(1.0)

    def test_MQTT_3_1_2_12_takeover_by_connection_without_will_publishes_old_will_only(self):
        w = self.watcher(self.topic("will"))
        old = self.raw(self.cid("same"), will=(self.topic("will"), b"old", 1, False))
        new = self.raw(self.cid("same"))
        old.expect_closed()
        self.assertEqual(w.expect_publish().payload, b"old")
        new.abort()
        w.expect_nothing(1.0)

    def test_MQTT_3_14_4_3_disconnect_after_pipelined_publish_discards_will(self):
        """PUBLISH and DISCONNECT in one write: the message is delivered, the will is not."""
        w = self.watcher(self.topic("#"))
        c = self.raw(self.cid("c"), will=(self.topic("will"), b"will", 1, False))
        c.send(publish_pkt(self.topic("data"), b"data", qos=1, pid=1) + DISCONNECT_PKT)
        got = c.expect_closed()
        self.assertEqual([p.type for p in got], [PUBACK])
        self.assertEqual([(p.topic, p.payload) for p in w.collect_publishes(quiet=1.0)],
                         [(self.topic("data"), b"data")])

    # ------------------------------------------------- retained (3.1.2-7)
    def test_MQTT_3_1_2_7_retained_messages_outlive_the_session_that_published_them(self):
        self._retained_topics += [self.topic("clean"), self.topic("persistent")]
        c = self.raw(self.cid("clean"))
        c.publish(self.topic("clean"), b"from a clean session", qos=1, retain=True)
        self.leave(c)  # its session ends
        p, _ = self.persistent("p")
        p.publish(self.topic("persistent"), b"from a persistent session", qos=1, retain=True)
        self.leave(p)
        ender = self.raw()
        self.assertFalse(ender.connect(self.cid("p"), clean=True).session_present)
        self.leave(ender)  # the persistent session is discarded, then the clean one ends
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic("#"), 1)])
        got = sorted((m.topic, m.payload, m.retain) for m in sub.collect_publishes(quiet=0.5))
        self.assertEqual(got, [(self.topic("clean"), b"from a clean session", True),
                               (self.topic("persistent"), b"from a persistent session", True)])


    # ------------------------------------------------- intended differences
    def test_connect_over_max_connect_size(self):
        """A well-formed CONNECT of about 9 KB (its will message): ours refuses it at its
        header, before reading it (max_connect_size 8 KiB); Mosquitto accepts it."""
        c = self.raw()
        c.send(connect_pkt(self.cid(), will=(self.topic("will"), b"w" * 9000, 0, False)))
        if self.expected("connect_over_max_connect_size") == "closed":
            self.assertEqual(c.expect_closed(), [])
            self.assertBrokerServes()
        else:
            self.assertEqual(c.expect(CONNACK).return_code, 0)
            c.disconnect()

    def test_mqtt31_client_id_over_23_characters(self):
        c = self.raw()
        c.send(connect_pkt("x" * 24, proto_name="MQIsdp", proto_level=3))
        if self.expected("mqtt31_client_id_over_23") == "refused_0x02":
            got = c.expect_closed()
            self.assertEqual([(p.type, p.body) for p in got], [(CONNACK, b"\x00\x02")])
        else:
            self.assertEqual(c.expect(CONNACK).return_code, 0)
            c.disconnect()
        long_311 = self.raw()  # MQTT 3.1.1 has no such limit on either broker
        self.assertEqual(long_311.connect("y" * 64).return_code, 0)
        long_311.disconnect()

globals().update(per_broker(ConnectSpecScenarios))

if __name__ == "__main__":
    unittest.main()
