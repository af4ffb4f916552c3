"""Will messages (MQTT 3.1.1 section 3.1.2.5-3.1.2.7): published when the connection ends
without DISCONNECT (socket closed, reset, protocol error, keep-alive expiry), not after
DISCONNECT; will QoS and retain honoured."""
import time
import unittest

from harness import per_broker


class WillScenarios:
    def watcher(self, qos=2):
        w = self.raw(self.cid("watch"))
        w.subscribe([(self.topic("will"), qos)])
        return w

    def client_with_will(self, qos=1, retain=False, keepalive=60, payload=b"gone"):
        return self.raw(self.cid("c"), keepalive=keepalive,
                        will=(self.topic("will"), payload, qos, retain))

    def test_MQTT_3_1_2_8_will_published_on_close_without_disconnect(self):
        w = self.watcher()
        self.client_with_will().close()
        got = w.expect_publish()
        self.assertEqual((got.topic, got.payload), (self.topic("will"), b"gone"))

    def test_MQTT_3_1_2_8_will_published_on_connection_reset(self):
        w = self.watcher()
        self.client_with_will().abort()
        self.assertEqual(w.expect_publish().payload, b"gone")

    def test_MQTT_3_1_2_8_will_published_on_protocol_error(self):
        w = self.watcher()
        c = self.client_with_will()
        c.send(b"\x00\x00")  # reserved packet type 0
        c.expect_closed()
        self.assertEqual(w.expect_publish().payload, b"gone")

    def test_MQTT_3_1_2_8_will_published_on_keepalive_expiry(self):
        w = self.watcher()
        c = self.client_with_will(keepalive=1)
        start = time.monotonic()
        got = w.expect_publish(timeout=1.5 + self.expected("keepalive_lateness_s") + 1)
        self.assertEqual(got.payload, b"gone")
        self.assertGreaterEqual(time.monotonic() - start, 1.0)
        c.expect_closed(2)

    def test_MQTT_3_1_2_10_no_will_after_disconnect(self):
        w = self.watcher()
        self.client_with_will().disconnect()
        w.expect_nothing(1.0)

    def test_MQTT_3_1_2_10_no_will_after_disconnect_then_reset(self):
        """DISCONNECT discards the will even if the socket then ends with a reset."""
        w = self.watcher()
        c = self.client_with_will()
        c.send(b"\xe0\x00")
        c.abort()
        w.expect_nothing(1.0)

    def test_MQTT_3_1_2_16_will_qos_honoured(self):
        w = self.watcher(qos=2)
        self.client_with_will(qos=2).close()
        self.assertEqual(w.expect_publish().qos, 2)

    def test_MQTT_3_1_2_17_will_retain_publishes_retained(self):
        self.client_with_will(retain=True, payload=b"retained will").close()
        w = self.watcher()  # subscribes after the will: gets it from the retained store
        got = w.expect_publish(timeout=3)
        self.assertEqual((got.payload, got.retain), (b"retained will", True))
        self.raw(self.cid("clean")).publish(self.topic("will"), b"", qos=1, retain=True)

    def test_MQTT_3_1_2_16_will_without_retain_not_retained(self):
        first = self.watcher()
        self.client_with_will(retain=False).close()
        first.expect_publish()
        late = self.raw(self.cid("late"))
        late.subscribe([(self.topic("will"), 1)])
        late.expect_nothing(0.5)

    def test_paho_will(self):
        w = self.watcher()
        from paho_client import PahoClient
        c = PahoClient(self.port, self.cid("paho"), will=(self.topic("will"), b"paho gone", 1, False))
        c.client.socket().close()  # vanish without DISCONNECT
        c.client.loop_stop()
        self.assertEqual(w.expect_publish().payload, b"paho gone")


globals().update(per_broker(WillScenarios))

if __name__ == "__main__":
    unittest.main()
