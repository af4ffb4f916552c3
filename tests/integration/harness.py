"""Brokers under test and the per-broker test-case machinery.

Every scenario is written once, as a mixin class, and runs against both brokers:
    class RetainedScenarios: ...                      # the assertions
    globals().update(per_broker(RetainedScenarios))   # RetainedScenarios_mosquitto/_fabomatic

Each generated TestCase class starts its own broker on a free loopback port (setUpClass) and
stops it in tearDownClass; every client a test opens is closed in tearDown, every broker is
killed at exit. Which brokers run: $INTEGRATION_BROKERS ("mosquitto,fabomatic"); by default
Mosquitto, plus ours when $FABOMATIC_BIN names the executable.

Intended differences between the brokers live in INTENDED_DIFFERENCES: a test asks
self.expected("key") and asserts the same thing against both brokers with the answer for the
broker it runs against. Known defects of ours are marked in KNOWN_FAILURES: such a test
runs as an expected failure, so the suite reports it without hiding it, and flags it as an
"unexpected success" (a failure of the run) as soon as the broker is fixed.
"""
import functools
import os
import signal
import unittest

from fabomatic_testing.process import (Fabomatic, Process, all_fds_and_die_with_parent, free_port,
                                       free_ports, port_accepts, toml)

from fabomatic_testing.mqtt_raw import DISCONNECT_PKT, RawClient

# --------------------------------------------------------------------------- differences
# key -> {broker name: expected observable behaviour, "reason": why they differ}
INTENDED_DIFFERENCES = {
    "invalid_subscribe_filter": {
        "mosquitto": "closed",
        "fabomatic": "suback_0x80",
        "reason": "an invalid filter (MQTT-4.7.1-1/2) is refused with SUBACK 0x80 so the client "
                  "learns which filter failed and keeps its connection and other filters; "
                  "Mosquitto treats it as a protocol error and closes the connection.",
    },
    "mqtt5_connect": {
        "mosquitto": "accepted",
        "fabomatic": "refused_0x01",
        "reason": "we implement MQTT 3.1.1 and 3.1 only; a protocol level 5 CONNECT is answered "
                  "with CONNACK 0x01 (unacceptable protocol version, MQTT-3.1.2-2) and closed.",
    },
    "connect_timeout_s": {
        "mosquitto": None,
        "fabomatic": 2,
        "reason": "we close a socket that sends no CONNECT within [MQTT] connect_timeout_s "
                  "(default 10 s, 2 s in these tests); Mosquitto has no such setting and closes "
                  "it only after about 90 s (1.5 x its default 60 s keep-alive).",
    },
    "keepalive_lateness_s": {
        "mosquitto": 5.0,
        "fabomatic": 1.0,
        "reason": "how long after 1.5 x keep-alive the connection may still be open: Mosquitto "
                  "checks keep-alives every 5 s, ours times each connection individually.",
    },
    "acl_subscribe_outside_rules": {
        "mosquitto": "granted, filtered per message",
        "fabomatic": "suback_0x80",
        "reason": "a SUBSCRIBE whose filter is not readable as a whole under the ACL (or a board "
                  "account's rules) is refused with SUBACK 0x80, so the client learns it; "
                  "Mosquitto 2.0.11 grants every SUBSCRIBE and drops the messages the ACL does not "
                  "let it read when it delivers them.",
    },
    "unknown_user_when_anonymous_allowed": {
        "mosquitto": "refused_0x05",
        "fabomatic": "anonymous",
        "reason": "with allow_anonymous true, a user name that is no account is let in with the "
                  "anonymous clients' rights: the boards' firmware sends user/password by default; "
                  "Mosquitto refuses a user name missing from its password file.",
    },
    "connect_over_max_connect_size": {
        "mosquitto": "connack_0x00",
        "fabomatic": "closed",
        "reason": "until its CONNECT is accepted a client may send at most [MQTT] max_connect_size "
                  "bytes (8 KiB): a first packet announcing more is refused at its fixed header, "
                  "before it is buffered, so an unknown socket cannot make the broker hold "
                  "max_packet_size (256 KiB) each; a board's CONNECT is under 200 bytes. "
                  "Mosquitto reads a CONNECT up to its packet size limit.",
    },
    "mqtt31_client_id_over_23": {
        "mosquitto": "accepted",
        "fabomatic": "refused_0x02",
        "reason": "MQTT 3.1 (\"MQIsdp\") limits client ids to 23 characters and tells the server to "
                  "answer a longer one with CONNACK 0x02; we keep that rule for 3.1 clients. "
                  "Mosquitto 2.0 accepts them. MQTT 3.1.1 clients may use longer ids with both.",
    },
    "client_id_claimed_from_another_address": {
        "mosquitto": "taken over",
        "fabomatic": "both kept",
        "reason": "a clean-session client claiming the client id of a live client from another "
                  "address (or account) gets a session of its own and both stay connected: boards "
                  "name themselves BOARD<0..999> and two would otherwise take each other over "
                  "without end (MQTT-3.1.4-2's takeover still applies to the same address or "
                  "account: a board coming back).",
    },
    "clean_session_of_another_account": {
        "mosquitto": "discarded",
        "fabomatic": "kept",
        "reason": "a clean-session CONNECT with the client id of another account's stored "
                  "persistent session (that account offline) gets a session of its own and "
                  "leaves the stored one alone: sessions belong to the account that made them, "
                  "so a member's laptop cannot wipe a board's queued messages by naming itself "
                  "like it (MQTT-3.1.2-6 discards a session of the same client, the same "
                  "account). Mosquitto discards it.",
    },
    "slow_qos1_subscriber": {
        "mosquitto": "drops beyond its queue",
        "fabomatic": "publisher slowed, nothing lost",
        "reason": "a QoS 1/2 publisher faster than an online subscriber that keeps acknowledging "
                  "is read no further while that subscriber's queue is over half full (flow "
                  "control), so nothing overflows; Mosquitto acknowledges at full speed and drops "
                  "what exceeds max_queued_messages. A subscriber that acknowledges nothing for 1 s "
                  "holds nobody back on ours either: its queue overflows, the publishers go on.",
    },
    "websocket_only_other_subprotocol": {
        "mosquitto": "refused",
        "fabomatic": "served without a subprotocol",
        "reason": "a client offering only subprotocols other than \"mqtt\" breaks MQTT-6.0.0-3 and "
                  "the standard leaves the server's answer open (RFC 6455 4.2.2 allows answering "
                  "no subprotocol): ours upgrades without a Sec-WebSocket-Protocol header and "
                  "serves MQTT; Mosquitto (libwebsockets) closes the TCP connection without an "
                  "HTTP answer.",
    },
    "websocket_no_subprotocol": {
        "mosquitto": "upgraded, MQTT ignored",
        "fabomatic": "served without a subprotocol",
        "reason": "a client offering no subprotocol at all (MQTT-6.0.0-3 broken, the server's "
                  "answer open): ours upgrades and serves MQTT; Mosquitto upgrades but binds "
                  "the connection to its \"http-only\" libwebsockets protocol, so the CONNECT "
                  "is never answered and the connection stays open.",
    },
}

# broker name -> {test method name: what the broker does wrong}. Mosquitto's entries are its
# deviations from the standard, where ours follows it (listed in the README with the others).
KNOWN_FAILURES = {
    "mosquitto": {
        "test_MQTT_3_3_5_1_overlapping_subscriptions_one_copy_at_highest_qos":
            "Mosquitto 2.0.11 delivers one copy at the QoS of the first filter of its tree walk "
            "(exact and '+' levels before '#'), not at the highest granted QoS.",
        "test_MQTT_3_3_1_6_every_matching_retained_message_reaches_a_qos1_wildcard":
            "Mosquitto 2.0.11 sends a new QoS 1 subscription only as many retained messages as "
            "its in-flight window and queue hold (20 + 1000) and drops the rest.",
        "test_MQTT_4_3_3_2_qos2_pipelined_beyond_inflight_window_not_lost":
            "Mosquitto 2.0.11 answers PUBREC to every pipelined QoS 2 PUBLISH but delivers only "
            "the first 20 (its max_inflight_messages) when they arrive before any PUBREL.",
        "test_MQTT_2_2_2_2_pingreq_with_reserved_flags_closes":
            "Mosquitto does not check the reserved flags of PINGREQ and answers it.",
        "test_MQTT_2_2_2_2_pingreq_with_remaining_length_closes":
            "Mosquitto ignores a non-zero remaining length on PINGREQ and answers it.",
        "test_MQTT_4_8_0_1_suback_from_client_closes":
            "Mosquitto ignores a SUBACK sent by a client instead of closing the connection.",
        "test_MQTT_6_0_0_1_text_frame_after_connect_closes":
            "Mosquitto hands the payload of a text frame to its MQTT parser like a binary one.",
        "test_MQTT_6_0_0_1_connect_in_text_frame_closes":
            "Mosquitto answers a CONNECT sent in a text frame with CONNACK.",
        "test_MQTT_6_0_0_4_mqtt_returned_when_mqttv31_is_offered_first":
            "Mosquitto (libwebsockets) selects the first offered subprotocol it knows: "
            "\"mqttv3.1\" for an offer of \"mqttv3.1, mqtt\".",
        "test_RFC6455_5_1_unmasked_client_frame_closes":
            "Mosquitto (libwebsockets) processes an unmasked client frame (a PINGREQ is answered).",
    },
    "fabomatic": {},
}


# The same limit for both brokers (ours defaults to it), so the oversize tests agree.
MAX_PACKET_SIZE = 256 * 1024


class BrokerProcess:
    """What both brokers do alike here: ready once the port accepts TCP (a CONNECT of ours
    would count in the $SYS statistics the tests read), death by SIGTERM before the signal
    handler is in place counts as clean, and all descriptors for the flood."""

    clean_exit_codes = (0, -signal.SIGTERM)
    preexec = staticmethod(all_fds_and_die_with_parent)

    def ready(self):
        return port_accepts(self.mqtt_port)


class Mosquitto(BrokerProcess, Process):
    name = "mosquitto"
    start_timeout = 10.0

    def __init__(self, sanitizer_options="", options=None):
        super().__init__(prefix="it-mosquitto-", sanitizer_options=sanitizer_options)
        self.mqtt_port = free_port()
        self.options = options or {}

    def command(self):
        conf = os.path.join(self.dir, "mosquitto.conf")
        options = self.options
        lines = [
            f"listener {self.mqtt_port} 127.0.0.1",
            f"allow_anonymous {'true' if options.get('allow_anonymous', True) else 'false'}",
            "persistence false",
            "max_keepalive 65535",
            "set_tcp_nodelay true",  # as ours does on every socket
            # stay root when run as root: dropping privileges would clear PR_SET_PDEATHSIG
            "user root",
            f"max_packet_size {MAX_PACKET_SIZE}",
            "sys_interval 1",
            "log_dest stdout",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
        ]
        for key in ("password_file", "acl_file"):
            if options.get(key):
                lines.append(f"{key} {options[key]}")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return [os.environ.get("MOSQUITTO_BIN", "/usr/sbin/mosquitto"), "-c", conf]


class FabomaticBroker(BrokerProcess, Fabomatic):
    """Ours, with the settings file these tests always had: $SYS every second, the short
    CONNECT timeout of INTENDED_DIFFERENCES, Mosquitto's packet limit, anonymous clients
    allowed as in the Mosquitto configuration, the backend's defaults otherwise (database and
    stats included). `options` as for Mosquitto (allow_anonymous, password_file, acl_file),
    and "mqtt": more [MQTT] keys of ours."""

    def __init__(self, sanitizer_options="", options=None):
        options = options or {}
        mqtt_port, web_port = free_ports(2)
        mqtt = {"port": mqtt_port, "bind_address": "127.0.0.1", "sys_interval_s": 1,
                "connect_timeout_s": INTENDED_DIFFERENCES["connect_timeout_s"]["fabomatic"],
                "max_packet_size": MAX_PACKET_SIZE,
                "allow_anonymous": options.get("allow_anonymous", True)}
        for key in ("password_file", "acl_file"):
            if options.get(key):
                mqtt[key] = options[key]
        mqtt.update(options.get("mqtt", {}))
        settings = toml({
            "MQTT": mqtt,
            # the portal gets a port of its own too: test modules run in parallel
            "web": {"port": web_port, "bind_address": "127.0.0.1"},
        })
        super().__init__(prefix="it-fabomatic-", settings_text=settings, mqtt_port=mqtt_port,
                         web_port=web_port, sanitizer_options=sanitizer_options)


BROKERS = {"mosquitto": Mosquitto, "fabomatic": FabomaticBroker}


def selected_brokers():
    names = os.environ.get("INTEGRATION_BROKERS")
    if names:
        return [n.strip() for n in names.split(",") if n.strip()]
    return ["mosquitto", "fabomatic"] if os.environ.get("FABOMATIC_BIN") else ["mosquitto"]


class BrokerTestCase(unittest.TestCase):
    """One broker per test class; a fresh one if a test killed it."""

    broker_name = None
    broker = None
    sanitizer_options = ""  # extra ASAN_OPTIONS for this class's broker (sanitizer builds)

    @classmethod
    def broker_options(cls):
        """The configuration both brokers of this class get (see Mosquitto, FabomaticBroker)."""
        return {}

    @classmethod
    def new_broker(cls):
        return BROKERS[cls.broker_name](cls.sanitizer_options, cls.broker_options()).start()

    @classmethod
    def setUpClass(cls):
        cls.broker = cls.new_broker()

    @classmethod
    def tearDownClass(cls):
        problems = cls.broker.finish()
        if problems:
            raise AssertionError("\n".join(problems))

    def setUp(self):
        self._clients = []
        # topics and client ids unique per test, so tests sharing a broker cannot interfere
        self.tag = self.id().rsplit(".", 1)[-1][5:40]
        if not self.broker.alive():
            type(self).broker = self.new_broker()

    def tearDown(self):
        for c in self._clients:
            c.close()
        if not self.broker.alive():
            status = self.broker.proc.returncode
            self.fail(f"{self.broker.name} died during the test (status {status}):\n"
                      f"{self.broker.log_tail()}")

    # ------------------------------------------------------------------ helpers
    @property
    def port(self):
        return self.broker.mqtt_port

    def expected(self, key):
        return INTENDED_DIFFERENCES[key][self.broker_name]

    def topic(self, suffix=""):
        return f"it/{self.tag}/{suffix}" if suffix else f"it/{self.tag}"

    def cid(self, suffix=""):
        return f"{self.tag[:16]}-{suffix}"

    def hangup(self):
        """SIGHUP: both brokers re-read their password and ACL files."""
        os.kill(self.broker.pid, signal.SIGHUP)

    def raw(self, client_id=None, source=None, **connect_kw):
        """A RawClient (from `source`, a local address), connected (CONNACK 0 asserted) when
        client_id is given."""
        c = RawClient(self.port, source=source)
        self._clients.append(c)
        if client_id is not None:
            c.connect(client_id, **connect_kw)
        return c

    def paho(self, client_id, **kw):
        """A connected PahoClient (see paho_client.py), closed in tearDown."""
        from paho_client import PahoClient
        c = PahoClient(self.port, client_id, **kw)
        self._clients.append(c)
        return c

    def assertBrokerServes(self):
        """Another client can still connect and get a PUBLISH round trip."""
        c = self.raw(self.cid("probe"))
        c.subscribe([(self.topic("probe"), 1)], pid=7)
        c.publish(self.topic("probe"), b"ping", qos=1, pid=8)
        pkt = c.expect_publish()
        self.assertEqual(pkt.payload, b"ping")
        c.disconnect()


class LeavesNoState:
    """Scenario mixin for tests that leave persistent sessions and retained messages behind:
    persistent() opens a clean-session-0 client whose session tearDown ends, retained topics
    listed in self._retained_topics are cleared, and leave() takes a client offline."""

    def setUp(self):
        super().setUp()
        self._persistent_ids = []
        self._retained_topics = []

    def tearDown(self):
        try:
            for client_id in self._persistent_ids:
                c = self.raw()
                c.connect(client_id, clean=True)
                c.disconnect()
            if self._retained_topics:
                c = self.raw(self.cid("cleanup"))
                for i, topic in enumerate(self._retained_topics):
                    c.publish(topic, b"", qos=1, retain=True, pid=i + 1)
        except Exception:  # the test's own failure is the one to report
            pass
        super().tearDown()

    def persistent(self, suffix, **kw):
        """A client with clean session 0, and its CONNACK."""
        self._persistent_ids.append(self.cid(suffix))
        c = self.raw()
        return c, c.connect(self.cid(suffix), clean=False, **kw)

    def leave(self, c):
        """DISCONNECT, then wait until the broker has closed: the session is offline from here."""
        c.send(DISCONNECT_PKT)
        c.expect_closed()


def per_broker(scenarios):
    """One TestCase class per selected broker for a scenario mixin, named <Mixin>_<broker>."""
    classes = {}
    for name in selected_brokers():
        attrs = {"broker_name": name, "__module__": scenarios.__module__}
        for method, reason in KNOWN_FAILURES.get(name, {}).items():
            fn = getattr(scenarios, method, None)
            if fn is not None:
                # a copy, so that marking it does not mark the other broker's test too
                wrapped = unittest.expectedFailure(functools.wraps(fn)(
                    lambda self, _fn=fn: _fn(self)))
                wrapped.__doc__ = f"KNOWN FAILURE ({name}): {reason}"
                attrs[method] = wrapped
        cls_name = f"{scenarios.__name__}_{name}"
        classes[cls_name] = type(cls_name, (scenarios, BrokerTestCase), attrs)
    return classes


def differences_markdown():
    """The intended differences and Mosquitto's known deviations, as README tables."""
    lines = ["| behaviour | Mosquitto | fabomatic | why |", "|---|---|---|---|"]
    for key, d in INTENDED_DIFFERENCES.items():
        lines.append(f"| `{key}` | {d['mosquitto']} | {d['fabomatic']} | {d['reason']} |")
    for broker, failures in KNOWN_FAILURES.items():
        if failures:
            lines += ["", f"Known deviations of {broker} from MQTT 3.1.1 (its test is an "
                          "expected failure):", "", "| test | what it does |", "|---|---|"]
            lines += [f"| `{test}` | {why} |" for test, why in failures.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(differences_markdown())
