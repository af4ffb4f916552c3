"""The flood/abuse check (flood.py) as a test, against a broker of its own: 5000 abusive
connections per wave for FLOOD_DURATION seconds (default 20) while a well-behaved client's
round trips stay under 1 s, then RSS back within 10 MB of the baseline (ctest label `flood`)."""
import json
import os
import unittest

import flood
from harness import per_broker


class FloodScenarios:
    # Under AddressSanitizer, freed memory waits in a quarantine (256 MB by default) before it
    # can be reused, so RSS would only grow. A small quarantine still catches a use right after
    # free, and lets the RSS check mean the same as in the release build.
    sanitizer_options = ("quarantine_size_mb=4:thread_local_quarantine_size_kb=64:"
                         "allocator_release_to_os_interval_ms=500")

    def test_flood_of_malformed_connections_broker_stays_responsive_and_returns_memory(self):
        result = flood.run(self.port, self.broker.pid,
                           conns=int(os.environ.get("FLOOD_CONNS", "5000")),
                           duration=float(os.environ.get("FLOOD_DURATION", "20")),
                           log=lambda line: print(f"[{self.broker.name}] {line}", flush=True))
        print(f"[{self.broker.name}] RESULT {json.dumps(result)}", flush=True)
        self.assertTrue(result["ok"], "\n".join(result["problems"]))
        self.assertBrokerServes()


globals().update(per_broker(FloodScenarios))

if __name__ == "__main__":
    unittest.main()
