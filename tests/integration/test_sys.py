"""$SYS/broker/... statistics, published periodically as Mosquitto does (sys_interval 1 s in
these tests): version, uptime, clients connected, messages and bytes in and out."""
import time
import unittest

from harness import per_broker

TOPICS = [
    "$SYS/broker/version",
    "$SYS/broker/uptime",
    "$SYS/broker/clients/connected",
    "$SYS/broker/messages/received",
    "$SYS/broker/messages/sent",
    "$SYS/broker/bytes/received",
    "$SYS/broker/bytes/sent",
]


class SysScenarios:
    def collect(self, topic_filter, seconds, live_only=False):
        """topic -> payloads received within `seconds`; live_only skips retained copies."""
        c = self.raw(self.cid("sys"))
        c.subscribe([(topic_filter, 0)])
        seen = {}
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                p = c.expect_publish(timeout=max(0.05, end - time.monotonic()))
            except TimeoutError:
                break
            if not (live_only and p.retain):
                seen.setdefault(p.topic, []).append(p.payload.decode())
        c.disconnect()
        return seen

    def test_sys_broker_statistics_published(self):
        seen = self.collect("$SYS/broker/#", 2.5)
        missing = [t for t in TOPICS if t not in seen]
        self.assertFalse(missing, f"not published: {missing}; got {sorted(seen)}")
        self.assertTrue(seen["$SYS/broker/version"][-1], "empty version")
        for t in TOPICS[2:]:
            self.assertRegex(seen[t][-1], r"^\d+$", t)

    def test_sys_clients_connected_counts_clients(self):
        before = int(self.collect("$SYS/broker/clients/connected", 2.5)
                     ["$SYS/broker/clients/connected"][-1])
        extra = [self.raw(self.cid(f"x{i}")) for i in range(3)]
        value = int(self.collect("$SYS/broker/clients/connected", 2.5)
                    ["$SYS/broker/clients/connected"][-1])
        self.assertEqual(value, before + 3)
        for c in extra:
            c.disconnect()

    def test_sys_published_periodically(self):
        # configured every second; Mosquitto's loop makes that every two seconds
        seen = self.collect("$SYS/broker/uptime", 5, live_only=True)
        self.assertGreaterEqual(len(seen.get("$SYS/broker/uptime", [])), 2,
                                "uptime should be republished every 1-2 s")

    def test_sys_retained_for_late_subscribers(self):
        """Mosquitto retains $SYS values so a subscriber gets them at once; so must we."""
        c = self.raw(self.cid("late"))
        c.subscribe([("$SYS/broker/version", 0)])
        got = c.expect_publish(timeout=0.5)
        self.assertTrue(got.retain)


globals().update(per_broker(SysScenarios))

if __name__ == "__main__":
    unittest.main()
