"""CONNECT and CONNACK (MQTT 3.1.1 section 3.1, 3.2), PINGREQ, DISCONNECT, takeover."""
import struct
import time
import unittest

from harness import per_broker
from fabomatic_testing.mqtt_raw import (CONNACK, PINGRESP, RawClient, connect_pkt, packet, publish_pkt, s16,
                      subscribe_pkt)


class ConnectScenarios:
    # ------------------------------------------------------------ first packet
    def test_MQTT_3_1_0_1_first_packet_not_connect_closes(self):
        c = self.raw()
        c.send(publish_pkt(self.topic(), b"x"))
        self.assertEqual(c.expect_closed(), [], "no CONNACK for a session that never started")
        self.assertBrokerServes()

    def test_MQTT_3_1_0_1_subscribe_before_connect_closes(self):
        c = self.raw()
        c.send(subscribe_pkt(1, [("#", 0)]))
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_3_1_0_2_second_connect_closes(self):
        c = self.raw(self.cid("a"))
        c.send(connect_pkt(self.cid("a")))
        self.assertEqual(c.expect_closed(), [])
        self.assertBrokerServes()

    def test_connect_timeout_closes_socket_that_never_sends_connect(self):
        timeout = self.expected("connect_timeout_s")
        if timeout is None:
            self.skipTest("intended difference connect_timeout_s: no short CONNECT timeout")
        c = self.raw()
        start = time.monotonic()
        self.assertEqual(c.expect_closed(timeout + 3), [])
        self.assertGreaterEqual(time.monotonic() - start, timeout - 0.5)

    # ------------------------------------------------------- protocol name/level
    def test_MQTT_3_1_2_1_wrong_protocol_name_closes(self):
        c = self.raw()
        c.send(connect_pkt(self.cid(), proto_name="MQTX"))
        got = c.expect_closed()
        self.assertFalse([p for p in got if p.type == CONNACK and p.return_code == 0], got)

    def test_MQTT_3_1_2_2_unsupported_protocol_level_connack_0x01(self):
        c = self.raw()
        c.send(connect_pkt(self.cid(), proto_level=6))
        got = c.expect_closed()
        self.assertEqual([(p.type, p.return_code) for p in got], [(CONNACK, 1)])

    def test_MQTT_3_1_2_2_protocol_level_5(self):
        """A well-formed MQTT 5 CONNECT (empty property list)."""
        c = self.raw()
        body = s16("MQTT") + bytes([5, 0x02]) + struct.pack(">H", 60) + b"\x00" + s16(self.cid())
        c.send(packet(0x10, body))
        if self.expected("mqtt5_connect") == "accepted":
            ack = c.expect(CONNACK)
            self.assertEqual(ack.return_code, 0)
        else:
            got = c.expect_closed()
            self.assertEqual([(p.type, p.return_code) for p in got], [(CONNACK, 1)])

    def test_MQTT_3_1_2_2_mqisdp_level_3_client_accepted(self):
        """MQTT 3.1 clients ("MQIsdp", level 3) are accepted as Mosquitto accepts them."""
        sub = self.raw()
        ack = sub.connect(self.cid("s"), proto_name="MQIsdp", proto_level=3)
        self.assertEqual(ack.return_code, 0)
        sub.subscribe([(self.topic(), 1)])
        pub = self.raw()
        pub.connect(self.cid("p"), proto_name="MQIsdp", proto_level=3)
        pub.publish(self.topic(), b"hello 3.1", qos=1)
        self.assertEqual(sub.expect_publish().payload, b"hello 3.1")

    def test_mqtt31_paho_client_round_trip(self):
        from paho_client import MQTTv31
        c = self.paho(self.cid("31"), protocol=MQTTv31)
        self.assertEqual(c.subscribe(self.topic(), 2), [2])
        c.publish(self.topic(), b"via paho 3.1", qos=2)
        msg = c.next_message()
        self.assertEqual((msg.payload, msg.qos), (b"via paho 3.1", 2))

    # ------------------------------------------------------------- flag rules
    def test_MQTT_3_1_2_3_connect_reserved_flag_closes(self):
        c = self.raw()
        c.send(connect_pkt(self.cid(), flags_override=0x03))
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_3_1_2_13_will_qos_without_will_flag_closes(self):
        c = self.raw()
        c.send(connect_pkt(self.cid(), flags_override=0x02 | 0x08))
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_3_1_2_14_will_qos_3_closes(self):
        c = self.raw()
        c.send(connect_pkt(self.cid(), will=(self.topic(), b"w", 3, False)))
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_3_1_2_15_will_retain_without_will_flag_closes(self):
        c = self.raw()
        c.send(connect_pkt(self.cid(), flags_override=0x02 | 0x20))
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_3_1_2_22_password_without_user_name_closes(self):
        c = self.raw()
        c.send(connect_pkt(self.cid(), password="secret"))
        got = c.expect_closed()
        self.assertFalse([p for p in got if p.type == CONNACK and p.return_code == 0], got)

    def test_MQTT_3_1_3_4_client_id_invalid_utf8_closes(self):
        c = self.raw()
        c.send(connect_pkt(b"\xc3\x28"))
        got = c.expect_closed()
        self.assertFalse([p for p in got if p.type == CONNACK and p.return_code == 0], got)

    def test_MQTT_4_7_1_1_will_topic_with_wildcard_closes(self):
        """A will topic is a topic name: no wildcards in it (MQTT-4.7.1-1, MQTT-3.3.2-2)."""
        c = self.raw()
        c.send(connect_pkt(self.cid(), will=(self.topic("#"), b"w", 0, False)))
        got = c.expect_closed()
        self.assertFalse([p for p in got if p.type == CONNACK and p.return_code == 0], got)

    def test_user_name_and_password_accepted_when_anonymous_allowed(self):
        c = self.raw()
        ack = c.connect(self.cid(), username="board", password="secret")
        self.assertEqual(ack.return_code, 0)
        self.assertTrue(c.is_open())

    # -------------------------------------------------------------- client id
    def test_MQTT_3_1_3_6_zero_length_client_id_with_clean_session_gets_assigned_id(self):
        a = self.raw()
        self.assertEqual(a.connect("", clean=True).return_code, 0)
        b = self.raw()
        self.assertEqual(b.connect("", clean=True).return_code, 0)
        # two such clients are distinct sessions: neither takes the other over
        a.subscribe([(self.topic(), 1)])
        b.publish(self.topic(), b"anonymous", qos=1)
        self.assertEqual(a.expect_publish().payload, b"anonymous")
        self.assertTrue(b.is_open())

    def test_MQTT_3_1_3_8_zero_length_client_id_without_clean_session_connack_0x02(self):
        c = self.raw()
        c.send(connect_pkt("", clean=False))
        got = c.expect_closed()
        self.assertEqual([(p.type, p.return_code) for p in got], [(CONNACK, 2)])

    def test_MQTT_3_2_2_4_refused_connack_has_session_present_0(self):
        c = self.raw()
        c.send(connect_pkt("", clean=False))
        got = c.expect_closed()
        self.assertEqual(len(got), 1)
        self.assertFalse(got[0].session_present)

    # --------------------------------------------------------------- takeover
    def test_MQTT_3_1_4_2_takeover_closes_existing_connection(self):
        old = self.raw(self.cid("same"))
        new = self.raw(self.cid("same"))
        old.expect_closed()
        self.assertTrue(new.is_open())
        new.subscribe([(self.topic(), 0)])
        new.publish(self.topic(), b"still here")
        self.assertEqual(new.expect_publish().payload, b"still here")

    def test_MQTT_3_1_2_8_takeover_publishes_will_of_old_connection(self):
        watcher = self.raw(self.cid("w"))
        watcher.subscribe([(self.topic("will"), 1)])
        old = self.raw(self.cid("same"), will=(self.topic("will"), b"old gone", 1, False))
        self.raw(self.cid("same"))
        old.expect_closed()
        self.assertEqual(watcher.expect_publish().payload, b"old gone")

    # -------------------------------------------------------- ping/disconnect
    def test_MQTT_3_12_4_1_pingreq_answered_with_pingresp(self):
        c = self.raw(self.cid())
        for _ in range(3):
            c.send(b"\xc0\x00")
            self.assertEqual(c.read().type, PINGRESP)

    def test_MQTT_3_14_4_1_disconnect_closes_connection(self):
        c = self.raw(self.cid())
        c.send(b"\xe0\x00")
        self.assertEqual(c.expect_closed(), [])

    def test_MQTT_3_2_0_1_connack_is_first_packet_from_server(self):
        """Even with a retained message waiting, CONNACK comes first (then SUBACK, PUBLISH)."""
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic(), b"r", qos=1, retain=True)
        c = RawClient(self.port)
        self._clients.append(c)
        c.send(connect_pkt(self.cid("c")) + subscribe_pkt(1, [(self.topic(), 0)]))
        self.assertEqual(c.read().type, CONNACK)
        pub.publish(self.topic(), b"", qos=1, retain=True)


globals().update(per_broker(ConnectScenarios))

if __name__ == "__main__":
    unittest.main()
