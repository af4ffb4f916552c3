"""Keep-alive (MQTT 3.1.1 section 3.1.2.10): the server closes a connection silent for 1.5 x the
keep-alive, any packet (not only PINGREQ) counts as activity, keep-alive 0 turns it off."""
import time
import unittest

from harness import per_broker


class KeepaliveScenarios:
    def test_MQTT_3_1_2_24_silent_client_closed_after_one_and_a_half_keepalive(self):
        c = self.raw(self.cid(), keepalive=1)
        start = time.monotonic()
        c.expect_closed(1.5 + self.expected("keepalive_lateness_s") + 1)
        self.assertGreaterEqual(time.monotonic() - start, 1.0, "closed before the keep-alive")

    def test_MQTT_3_1_2_23_pingreq_keeps_connection_open(self):
        c = self.raw(self.cid(), keepalive=2)
        end = time.monotonic() + 6
        while time.monotonic() < end:
            self.assertTrue(c.is_open(), "closed although the client pinged every second")
            time.sleep(1.0)

    def test_MQTT_3_1_2_23_any_packet_counts_as_activity(self):
        c = self.raw(self.cid(), keepalive=2)
        end = time.monotonic() + 6
        while time.monotonic() < end:
            c.publish(self.topic(), b"alive", qos=1)
            time.sleep(1.0)
        self.assertTrue(c.is_open())

    def test_keepalive_zero_never_expires(self):
        """§3.1.2.10: a Keep Alive of 0 turns the mechanism off (no numbered statement)."""
        c = self.raw(self.cid(), keepalive=0)
        c.expect_nothing(3.0)
        self.assertTrue(c.is_open())

    def test_keepalive_expiry_leaves_other_clients_alone(self):
        idle = self.raw(self.cid("idle"), keepalive=1)
        busy = self.raw(self.cid("busy"), keepalive=60)
        idle.expect_closed(1.5 + self.expected("keepalive_lateness_s") + 1)
        self.assertTrue(busy.is_open())


globals().update(per_broker(KeepaliveScenarios))

if __name__ == "__main__":
    unittest.main()
