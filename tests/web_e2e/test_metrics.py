"""/metrics over real HTTPS against the real binary (issue #5): the Prometheus text format,
the figures it must carry (broker clients and messages, board replies and their latency
histogram, HTTP responses, live clients), counters that move with the traffic they count, and
the loopback-only default.
"""
import http.client
import re
import socket
import ssl
import unittest

from fabomatic_testing.board import Board, checkmachine, checkuser
from fabomatic_testing.https import HttpsClient
from fabomatic_testing.process import wait_until

from e2e_harness import Appliance, finish_module

APPLIANCE = None

# name{labels} value — the sample line of the text exposition format 0.0.4.
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def setUpModule():
    global APPLIANCE
    APPLIANCE = Appliance(prefix="web-e2e-metrics-").start()


def tearDownModule():
    finish_module(APPLIANCE)


def scrape(client=None):
    """{(name, labels): value} of one GET /metrics, and the answer."""
    own = client is None
    client = client or HttpsClient(APPLIANCE)
    try:
        answer = client.request("GET", "/metrics", headers={"Accept": "text/plain"})
    finally:
        if own:
            client.close()
    samples = {}
    if answer.status == 200:
        for line in answer.body.decode("utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            match = SAMPLE.match(line)
            if not match:
                raise AssertionError(f"not a sample line: {line!r}")
            samples[(match.group(1), match.group(2) or "")] = float(match.group(3))
    return samples, answer


class MetricsTest(unittest.TestCase):
    def test_text_format_and_every_family(self):
        samples, answer = scrape()
        self.assertEqual(answer.status, 200, answer)
        self.assertTrue(answer.header("Content-Type").startswith("text/plain; version=0.0.4"))
        names = {name for name, _ in samples}
        for family in ("fabomatic_mqtt_clients_connected", "fabomatic_mqtt_messages_received_total",
                       "fabomatic_mqtt_messages_sent_total", "fabomatic_board_queries_total",
                       "fabomatic_board_reply_seconds_bucket", "fabomatic_board_reply_seconds_count",
                       "fabomatic_live_clients", "fabomatic_http_responses_total",
                       "fabomatic_http_response_seconds_bucket"):
            self.assertIn(family, names)
        text = answer.body.decode("utf-8")
        self.assertIn("# TYPE fabomatic_board_reply_seconds histogram", text)
        self.assertIn("# TYPE fabomatic_board_sync_seconds histogram", text)
        self.assertIn("# TYPE fabomatic_http_responses_total counter", text)

    def test_counters_move_with_board_queries_and_http_responses(self):
        # Boards of earlier tests are gone (their DISCONNECT is handled asynchronously).
        self.assertTrue(wait_until(
            lambda: scrape()[0][("fabomatic_mqtt_clients_connected", "")] == 0))
        before, _ = scrape()
        board = Board(APPLIANCE.mqtt_port, 1)
        try:
            for _ in range(3):
                self.assertTrue(board.query_json(checkmachine())["request_ok"])
            client = HttpsClient(APPLIANCE)
            try:
                self.assertEqual(client.request("GET", "/no/such/page").status, 404)
            finally:
                client.close()
            after, _ = scrape()
            self.assertEqual(after[("fabomatic_mqtt_clients_connected", "")] -
                             before[("fabomatic_mqtt_clients_connected", "")], 1)
        finally:
            board.close()

        def grew(name, labels=""):
            return after[(name, labels)] - before[(name, labels)]

        self.assertEqual(grew("fabomatic_board_queries_total"), 3)
        self.assertEqual(grew("fabomatic_board_reply_seconds_count"), 3)
        self.assertGreaterEqual(grew("fabomatic_mqtt_messages_received_total"), 3)
        self.assertGreaterEqual(grew("fabomatic_mqtt_messages_sent_total"), 3)
        # The first scrape is answered (2xx) before the second one reads the counters.
        self.assertGreaterEqual(grew("fabomatic_http_responses_total", '{code="2xx"}'), 1)
        self.assertEqual(grew("fabomatic_http_responses_total", '{code="4xx"}'), 1)

    def test_a_reply_to_a_write_counts_one_sync_and_a_read_none(self):
        board = Board(APPLIANCE.mqtt_port, 1)
        try:
            before, _ = scrape()
            board.query_json(checkmachine())  # writes nothing it must sync
            after_read, _ = scrape()
            # An unknown card's tap is recorded before the board is told it is unknown.
            self.assertFalse(board.query_json(checkuser("5ca1ab1e"))["is_valid"])
            after_write, _ = scrape()
        finally:
            board.close()
        count = "fabomatic_board_sync_seconds_count"
        self.assertEqual(after_read[(count, "")], before[(count, "")])
        self.assertEqual(after_write[(count, "")], before[(count, "")] + 1)
        self.assertGreater(after_write[("fabomatic_board_sync_seconds_sum", "")],
                           before[("fabomatic_board_sync_seconds_sum", "")])

    def test_histograms_are_cumulative_and_end_at_their_count(self):
        scrape()  # at least one HTTP response counted
        board = Board(APPLIANCE.mqtt_port, 1)
        try:
            board.query(checkmachine())
        finally:
            board.close()
        samples, _ = scrape()
        for family in ("fabomatic_board_reply_seconds", "fabomatic_board_sync_seconds",
                       "fabomatic_http_response_seconds"):
            buckets = [(labels, value) for (name, labels), value in samples.items()
                       if name == family + "_bucket"]
            self.assertGreater(len(buckets), 2, family)
            values = [value for _, value in buckets]  # in the order written: ascending bounds
            self.assertEqual(values, sorted(values), family)
            self.assertEqual(buckets[-1][0], '{le="+Inf"}', family)
            self.assertEqual(values[-1], samples[(family + "_count", "")], family)
            self.assertGreater(values[-1], 0, family)
            self.assertGreaterEqual(samples[(family + "_sum", "")], 0, family)

    def test_refused_to_a_client_that_is_not_the_appliance_itself(self):
        address = non_loopback_address()
        if address is None:
            self.skipTest("this machine has no non-loopback address to connect from")
        # The portal listens on 127.0.0.1 only: a second appliance on every address is needed.
        remote = Appliance(prefix="web-e2e-metrics-remote-", web={"bind_address": "0.0.0.0"})
        remote.start()
        try:
            context = ssl.create_default_context(cafile=remote.cert_path)
            context.check_hostname = False  # the address may not be in the certificate
            conn = http.client.HTTPSConnection(address, remote.web_port, timeout=10,
                                               context=context)
            conn.request("GET", "/metrics")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            self.assertEqual(response.status, 403, body)
            self.assertNotIn(b"fabomatic_mqtt", body)
        finally:
            problems = remote.finish()
            self.assertEqual(problems, [])


def non_loopback_address():
    """An IPv4 address of this machine other than 127.x, or None."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent, a route is chosen
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


if __name__ == "__main__":
    unittest.main()
