"""Malformed and forbidden input (MQTT 3.1.1 sections 1.5.3, 2.2, 2.3, 3.3.2, 4.8): the
offending connection is closed, a bystander connected before it is untouched and the broker
keeps serving. Packets above the maximum packet size close the connection too."""
import unittest

from harness import MAX_PACKET_SIZE, per_broker
from fabomatic_testing.mqtt_raw import PINGRESP, PUBACK, packet, publish_pkt, s16, varint


class MalformedScenarios:
    def assert_closes(self, data, connect=True):
        bystander = self.raw(self.cid("by"))
        bystander.subscribe([(self.topic("by"), 1)])
        c = self.raw(self.cid("bad")) if connect else self.raw()
        c.send(data)
        got = c.expect_closed(3)
        self.assertFalse([p for p in got if p.type == PINGRESP], got)
        self.assertTrue(bystander.is_open(), "a bystander lost its connection")
        self.raw(self.cid("p")).publish(self.topic("by"), b"unaffected", qos=1)
        self.assertEqual(bystander.expect_publish().payload, b"unaffected")

    # ------------------------------------------------------------ framing
    def test_MQTT_1_5_3_remaining_length_of_five_bytes_closes(self):
        self.assert_closes(b"\x30\xff\xff\xff\xff\x01")

    def test_MQTT_2_2_reserved_packet_type_0_closes(self):
        self.assert_closes(b"\x00\x00")

    def test_MQTT_2_2_reserved_packet_type_15_closes(self):
        self.assert_closes(b"\xf0\x00")

    def test_MQTT_2_2_2_2_pingreq_with_reserved_flags_closes(self):
        self.assert_closes(b"\xc1\x00")

    def test_MQTT_2_2_2_2_pingreq_with_remaining_length_closes(self):
        self.assert_closes(b"\xc0\x01\x00")

    def test_MQTT_2_2_2_2_disconnect_with_reserved_flags_closes(self):
        self.assert_closes(b"\xe1\x00")

    def test_MQTT_4_8_0_1_connack_from_client_closes(self):
        self.assert_closes(b"\x20\x02\x00\x00")

    def test_MQTT_4_8_0_1_suback_from_client_closes(self):
        self.assert_closes(b"\x90\x03\x00\x01\x00")

    def test_MQTT_4_8_0_1_truncated_connect_then_close(self):
        """A CONNECT cut short by the client closing: nothing else is affected."""
        c = self.raw()
        c.send(b"\x10\x10\x00\x04MQ")
        c.close()
        self.assertBrokerServes()

    # ------------------------------------------------------------ PUBLISH
    def test_MQTT_1_5_3_1_topic_invalid_utf8_closes(self):
        self.assert_closes(publish_pkt(b"a/\xff", b"x"))

    def test_MQTT_1_5_3_1_topic_utf16_surrogate_closes(self):
        self.assert_closes(publish_pkt(b"a/\xed\xa0\x80", b"x"))

    def test_MQTT_1_5_3_2_topic_with_u0000_closes(self):
        self.assert_closes(publish_pkt(b"a\x00b", b"x"))

    def test_MQTT_3_3_2_2_wildcard_in_publish_topic_closes(self):
        self.assert_closes(publish_pkt(self.topic("+"), b"x"))
        self.assert_closes(publish_pkt(self.topic("#"), b"x"))

    def test_MQTT_4_7_3_1_empty_publish_topic_closes(self):
        self.assert_closes(publish_pkt("", b"x"))

    def test_MQTT_3_3_1_4_publish_qos_3_closes(self):
        self.assert_closes(bytes([0x36]) + varint(5) + s16("a") + b"\x00\x01")

    def test_MQTT_2_3_1_1_publish_qos1_packet_id_0_closes(self):
        self.assert_closes(publish_pkt(self.topic(), b"x", qos=1, pid=0))

    def test_MQTT_2_3_1_1_publish_qos2_packet_id_0_closes(self):
        self.assert_closes(publish_pkt(self.topic(), b"x", qos=2, pid=0))

    def test_MQTT_3_3_2_1_publish_shorter_than_its_topic_closes(self):
        self.assert_closes(packet(0x30, b"\x00\x09abc"))

    # ------------------------------------------------------ maximum size
    def test_packet_above_maximum_size_closes(self):
        topic = self.topic()
        body_len = MAX_PACKET_SIZE + 1024
        self.assert_closes(publish_pkt(topic, b"x" * body_len, qos=1, pid=1))

    def test_declared_length_above_maximum_closes_before_the_body(self):
        """Only the header arrives: the broker must not wait for (or buffer) 200 MB."""
        self.assert_closes(b"\x30" + varint(200 * 1024 * 1024) + s16("a"))

    def test_packet_below_maximum_size_delivered(self):
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic(), 1)])
        pub = self.raw(self.cid("p"))
        payload = bytes(range(256)) * ((MAX_PACKET_SIZE - 1024) // 256)
        pub.send(publish_pkt(self.topic(), payload, qos=1, pid=3))
        pub.expect(PUBACK, pid=3, timeout=10)
        self.assertEqual(sub.expect_publish(timeout=10).payload, payload)


globals().update(per_broker(MalformedScenarios))

if __name__ == "__main__":
    unittest.main()
