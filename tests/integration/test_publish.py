"""PUBLISH at QoS 0/1/2 in both directions, the acknowledgement flows byte by byte (MQTT 3.3-3.7,
4.3), exactly-once for inbound QoS 2, QoS downgrade and overlapping subscriptions (3.3.5),
message order (4.6), and round trips through paho and mosquitto_pub/mosquitto_sub."""
import os
import select
import subprocess
import threading
import time
import unittest

from harness import per_broker
from fabomatic_testing.mqtt_raw import (PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, ack_pkt, publish_pkt)


class PublishScenarios:
    def pair(self, sub_qos):
        """A subscriber on self.topic() at sub_qos and a publisher, both raw."""
        sub = self.raw(self.cid("s"))
        self.assertEqual(sub.subscribe([(self.topic(), sub_qos)]), [sub_qos])
        return sub, self.raw(self.cid("p"))

    # ------------------------------------------------------------------ QoS 0
    def test_MQTT_4_3_1_qos0_delivered_at_most_once(self):
        sub, pub = self.pair(0)
        pub.publish(self.topic(), b"q0")
        got = sub.expect_publish()
        self.assertEqual((got.topic, got.payload, got.qos, got.dup), (self.topic(), b"q0", 0, False))
        sub.expect_nothing(0.3)

    # ------------------------------------------------------------------ QoS 1
    def test_MQTT_4_3_2_2_qos1_puback_carries_packet_id(self):
        _, pub = self.pair(1)
        pub.send(publish_pkt(self.topic(), b"x", qos=1, pid=0x1234))
        self.assertEqual(pub.expect(PUBACK).pid, 0x1234)

    def test_MQTT_4_3_2_1_qos1_outbound_has_packet_id_and_waits_for_puback(self):
        sub, pub = self.pair(1)
        pub.publish(self.topic(), b"q1", qos=1, pid=5)
        got = sub.expect_publish(ack=False)
        self.assertEqual((got.qos, got.payload, got.dup), (1, b"q1", False))
        self.assertNotEqual(got.pid, 0, "MQTT-2.3.1-1: QoS > 0 needs a non-zero packet id")
        sub.send(ack_pkt(PUBACK, got.pid))
        self.assertTrue(sub.is_open())

    def test_MQTT_4_6_0_2_fast_qos1_publisher_slow_subscriber_order_and_loss(self):
        """3000 QoS 1 messages pipelined 200 at a time to a subscriber that acknowledges every
        message but reads slowly: what arrives is in order (MQTT-4.6.0-2) and, on ours, nothing
        is lost (flow control holds the publisher; see slow_qos1_subscriber)."""
        sub, pub = self.pair(1)
        total, window = 3000, 200
        failure = []

        def publish_all():
            try:
                acked = 0
                for first in range(0, total, window):
                    batch = [publish_pkt(self.topic(), str(i).encode(), qos=1, pid=i + 1)
                             for i in range(first, min(first + window, total))]
                    pub.send(b"".join(batch))
                    for _ in batch:
                        pub.expect(PUBACK, timeout=30)
                        acked += 1
            except Exception as e:  # reported by the main thread
                failure.append(repr(e))

        publisher = threading.Thread(target=publish_all)
        publisher.start()
        got = []
        try:
            while True:
                got.append(int(sub.expect_publish(timeout=2).payload))
                if len(got) % 20 == 0:
                    time.sleep(0.002)  # a slow reader: about 10 k messages/s at best
        except TimeoutError:
            pass
        publisher.join(60)
        self.assertEqual(failure, [])
        self.assertEqual(got, sorted(got), "MQTT-4.6.0-2: per-topic order")
        if self.expected("slow_qos1_subscriber") == "publisher slowed, nothing lost":
            self.assertEqual(len(got), total, f"lost {total - len(got)} messages")

    def test_MQTT_4_5_0_1_qos1_burst_in_one_write_reaches_an_acknowledging_subscriber(self):
        """3000 QoS 1 PUBLISHes in a single write (one socket read holds thousands, three times
        the subscriber's queue) to a subscriber that acknowledges each at once: every message the
        publisher got a PUBACK for arrives (MQTT-4.5.0-1), in order (MQTT-4.6.0-2)."""
        sub, pub = self.pair(1)
        total = 3000
        pub.send(b"".join(publish_pkt(self.topic(), str(i).encode(), qos=1, pid=i + 1)
                          for i in range(total)))
        acked, failure = [], []

        def collect_pubacks():
            try:
                for _ in range(total):
                    acked.append(pub.expect(PUBACK, timeout=30).pid)
            except Exception as e:  # reported by the main thread
                failure.append(repr(e))

        collector = threading.Thread(target=collect_pubacks)
        collector.start()
        got = []
        try:
            while len(got) < total:
                got.append(int(sub.expect_publish(timeout=3).payload))  # acknowledged at once
        except TimeoutError:
            pass
        collector.join(60)
        self.assertEqual(failure, [])
        self.assertEqual(len(acked), total)
        self.assertEqual(got, sorted(got), "MQTT-4.6.0-2: per-topic order")
        # Mosquitto keeps up with the burst on a quiet machine and drops beyond its queue on a
        # loaded one: only the broker that promises flow control is held to it.
        if self.expected("slow_qos1_subscriber") == "publisher slowed, nothing lost":
            self.assertEqual(got, list(range(total)),
                             f"{total - len(got)} acknowledged messages lost")

    # ------------------------------------------------------------------ QoS 2
    def test_MQTT_4_3_3_2_qos2_inbound_pubrec_pubrel_pubcomp(self):
        sub, pub = self.pair(2)
        pub.send(publish_pkt(self.topic(), b"q2", qos=2, pid=77))
        self.assertEqual(pub.expect(PUBREC).pid, 77)
        pub.send(ack_pkt(PUBREL, 77))
        self.assertEqual(pub.expect(PUBCOMP).pid, 77)
        self.assertEqual(sub.expect_publish().payload, b"q2")

    def test_MQTT_4_3_3_2_qos2_inbound_exactly_once_when_publish_resent_with_dup(self):
        sub, pub = self.pair(2)
        pub.send(publish_pkt(self.topic(), b"once", qos=2, pid=9))
        pub.expect(PUBREC, pid=9)
        # the client did not see PUBREC in time and resends (a reconnecting client does so too)
        pub.send(publish_pkt(self.topic(), b"once", qos=2, pid=9, dup=True))
        pub.expect(PUBREC, pid=9)
        pub.send(ack_pkt(PUBREL, 9))
        pub.expect(PUBCOMP, pid=9)
        got = sub.collect_publishes(quiet=0.7)
        self.assertEqual([p.payload for p in got], [b"once"])

    def test_MQTT_4_3_3_2_qos2_pubrel_resent_gets_pubcomp_again(self):
        sub, pub = self.pair(2)
        pub.publish(self.topic(), b"x", qos=2, pid=11)
        pub.send(ack_pkt(PUBREL, 11))
        pub.expect(PUBCOMP, pid=11)
        self.assertEqual([p.payload for p in sub.collect_publishes(quiet=0.5)], [b"x"])

    def test_MQTT_4_3_3_2_qos2_packet_id_reused_after_pubcomp_is_new_message(self):
        sub, pub = self.pair(2)
        pub.publish(self.topic(), b"first", qos=2, pid=3)
        pub.publish(self.topic(), b"second", qos=2, pid=3)
        got = sub.collect_publishes(quiet=0.5)
        self.assertEqual([p.payload for p in got], [b"first", b"second"])

    def test_MQTT_4_3_3_1_qos2_outbound_pubrec_pubrel_pubcomp(self):
        sub, pub = self.pair(2)
        pub.publish(self.topic(), b"out", qos=2, pid=1)
        got = sub.expect_publish(ack=False)
        self.assertEqual((got.qos, got.payload), (2, b"out"))
        self.assertNotEqual(got.pid, 0)
        sub.send(ack_pkt(PUBREC, got.pid))
        rel = sub.expect(PUBREL, pid=got.pid)
        self.assertEqual(rel.flags, 0x2, "MQTT-3.6.1-1: PUBREL flags are 0010")
        sub.send(ack_pkt(PUBCOMP, got.pid))
        sub.expect_nothing(0.3)

    def test_MQTT_3_6_1_1_pubrel_with_wrong_flags_closes(self):
        _, pub = self.pair(2)
        pub.send(publish_pkt(self.topic(), b"x", qos=2, pid=4))
        pub.expect(PUBREC, pid=4)
        pub.send(b"\x60\x02\x00\x04")  # PUBREL with flags 0000
        pub.expect_closed()

    # ------------------------------------------------------- flags on delivery
    def test_MQTT_3_3_1_3_dup_flag_not_propagated(self):
        sub, pub = self.pair(1)
        pub.send(publish_pkt(self.topic(), b"d", qos=1, pid=2, dup=True))
        pub.expect(PUBACK, pid=2)
        got = sub.expect_publish()
        self.assertFalse(got.dup)

    # ------------------------------------------------------------- downgrade
    def test_MQTT_3_3_5_1_delivered_at_minimum_of_publish_and_granted_qos(self):
        for sub_qos in (0, 1, 2):
            for pub_qos in (0, 1, 2):
                with self.subTest(sub_qos=sub_qos, pub_qos=pub_qos):
                    sub = self.raw(self.cid(f"s{sub_qos}{pub_qos}"))
                    topic = self.topic(f"{sub_qos}{pub_qos}")
                    sub.subscribe([(topic, sub_qos)])
                    pub = self.raw(self.cid(f"p{sub_qos}{pub_qos}"))
                    pub.publish(topic, b"m", qos=pub_qos, pid=1)
                    self.assertEqual(sub.expect_publish().qos, min(sub_qos, pub_qos))
                    sub.disconnect()
                    pub.disconnect()

    def test_MQTT_3_3_5_1_overlapping_subscriptions_one_copy_at_highest_qos(self):
        sub = self.raw(self.cid("s"))
        self.assertEqual(sub.subscribe([(self.topic("+"), 0), (self.topic("#"), 2)]), [0, 2])
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic("x"), b"overlap", qos=2)
        got = sub.collect_publishes(quiet=0.7)
        self.assertGreaterEqual(len(got), 1)
        self.assertEqual(len(got), 1, f"one copy expected, got {got}")
        self.assertEqual(got[0].qos, 2)

    # ----------------------------------------------------------------- order
    def publish_pipelined(self, pub, qos, payloads, first_pid=1):
        """Sends every PUBLISH before reading any acknowledgement, then completes the flows."""
        pids = [first_pid + i for i in range(len(payloads))]
        pub.send(b"".join(publish_pkt(self.topic(), p, qos=qos, pid=pid)
                          for p, pid in zip(payloads, pids)))
        if qos == 1:
            for pid in pids:
                pub.expect(PUBACK, pid=pid)
        elif qos == 2:
            for pid in pids:
                pub.expect(PUBREC, pid=pid)
                pub.send(ack_pkt(PUBREL, pid))
            for pid in pids:
                pub.expect(PUBCOMP, pid=pid)

    def ordered_flow(self, qos, count=200, window=200):
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic(), 2)])
        pub = self.raw(self.cid("p"))
        for start in range(0, count, window):
            batch = [str(i).encode() for i in range(start, min(count, start + window))]
            self.publish_pipelined(pub, qos, batch, first_pid=start + 1)
        got = [int(sub.expect_publish().payload) for _ in range(count)]
        self.assertEqual(got, list(range(count)))

    def test_MQTT_4_6_0_6_order_preserved_qos0(self):
        self.ordered_flow(0)

    def test_MQTT_4_6_0_2_order_preserved_qos1(self):
        self.ordered_flow(1)

    def test_MQTT_4_6_0_3_order_preserved_qos2(self):
        self.ordered_flow(2, window=10)

    def test_MQTT_4_3_3_2_qos2_pipelined_beyond_inflight_window_not_lost(self):
        """50 QoS 2 PUBLISHes before any PUBREL: each got a PUBREC, so each must arrive."""
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic(), 2)])
        pub = self.raw(self.cid("p"))
        self.publish_pipelined(pub, 2, [str(i).encode() for i in range(50)])
        got = [int(p.payload) for p in sub.collect_publishes(quiet=1.0)]
        self.assertEqual(got, list(range(50)))

    def test_MQTT_4_6_0_order_preserved_through_inflight_window_without_acks(self):
        """The subscriber acknowledges nothing until every message is out: the broker's
        in-flight limit must queue the rest in order, then release them as acks come in."""
        sub = self.raw(self.cid("s"))
        sub.subscribe([(self.topic(), 1)])
        pub = self.raw(self.cid("p"))
        count = 60
        pub.send(b"".join(publish_pkt(self.topic(), str(i).encode(), qos=1, pid=i + 1)
                          for i in range(count)))
        for i in range(count):
            pub.expect(PUBACK, pid=i + 1)
        got, pending = [], []
        while len(got) < count:
            try:
                pkt = sub.expect_publish(timeout=1.0, ack=False)
                got.append(int(pkt.payload))
                pending.append(pkt.pid)
            except TimeoutError:
                self.assertTrue(pending, f"stalled after {len(got)} messages")
                for pid in pending:  # acknowledge the window, the next one must follow
                    sub.send(ack_pkt(PUBACK, pid))
                pending = []
        for pid in pending:
            sub.send(ack_pkt(PUBACK, pid))
        self.assertEqual(got, list(range(count)))

    # ----------------------------------------------------- independent clients
    def test_paho_round_trip_qos_0_1_2(self):
        sub = self.paho(self.cid("s"))
        pub = self.paho(self.cid("p"))
        for qos in (0, 1, 2):
            with self.subTest(qos=qos):
                topic = self.topic(f"paho{qos}")
                self.assertEqual(sub.subscribe(topic, qos), [qos])
                pub.publish(topic, f"paho {qos}".encode(), qos=qos)
                msg = sub.next_message()
                self.assertEqual((msg.topic, msg.payload, msg.qos), (topic, f"paho {qos}".encode(), qos))

    def test_mosquitto_pub_to_mosquitto_sub(self):
        for qos in (0, 1, 2):
            with self.subTest(qos=qos):
                topic = self.topic(f"cli{qos}")
                sub = subprocess.Popen(
                    ["stdbuf", "-oL", "mosquitto_sub", "-d", "-h", "127.0.0.1", "-p", str(self.port), "-t", topic,
                     "-q", str(qos), "-C", "1", "-W", "10", "-v", "-i", self.cid(f"cs{qos}")],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                try:
                    lines = LineReader(sub.stdout)
                    self.assertTrue(lines.until(lambda l: "SUBACK" in l), lines.seen)
                    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.port),
                                    "-t", topic, "-q", str(qos), "-m", "from cli",
                                    "-i", self.cid(f"cp{qos}")], check=True, timeout=10)
                    self.assertTrue(lines.until(lambda l: l == f"{topic} from cli"), lines.seen)
                finally:
                    sub.kill()
                    sub.wait()
                    sub.stdout.close()


class LineReader:
    """Lines of a child's pipe, read with a deadline."""

    def __init__(self, pipe):
        self.pipe, self.buf, self.seen = pipe, b"", []

    def until(self, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                self.seen.append(line.decode(errors="replace"))
                if predicate(self.seen[-1]):
                    return True
            ready, _, _ = select.select([self.pipe], [], [], max(0, deadline - time.monotonic()))
            if ready:
                data = os.read(self.pipe.fileno(), 4096)
                if not data:
                    return False
                self.buf += data
        return False


globals().update(per_broker(PublishScenarios))

if __name__ == "__main__":
    unittest.main()
