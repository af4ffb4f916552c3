"""MQTT 3.1.1 statements a server can be seen to obey that no other test names: the byte order
mark in strings (1.5.3-3), the CONNECT payload's fields and the client id (3.1.3-1, -2, -3,
-5), the close after a refusing CONNACK (3.2.2-5), wildcard support (3.8.3-2), the order of
SUBACK codes (3.9.3-1), the UNSUBACK's packet id (3.10.4-4) and how long a session's state is
kept (4.1.0-1, 4.1.0-2)."""
import struct
import unittest

from harness import LeavesNoState, per_broker
from test_access import AccessFiles
from fabomatic_testing.mqtt_raw import (CONNACK, PUBACK, PUBCOMP, PUBREC, PUBREL, UNSUBACK,
                                        ack_pkt, connect_pkt, packet, publish_pkt, s16,
                                        unsubscribe_pkt)

BOM = "\ufeff"  # encoded EF BB BF


class SpecGapScenarios(LeavesNoState):
    # ------------------------------------------------------------ UTF-8 (1.5.3)
    def test_MQTT_1_5_3_3_bom_in_topic_names_and_filters_neither_stripped_nor_skipped(self):
        """"A UTF-8 encoded sequence 0xEF 0xBB 0xBF is always to be interpreted to mean U+FEFF
        ... and MUST NOT be skipped over or stripped off by a packet receiver." A BOM at the
        start, inside and at the end of a topic makes three topics distinct from the one
        without it: each subscriber gets only the message of its own topic, EF BB BF included;
        a `+` subscriber gets the three under its parent level with their names intact."""
        names = [self.topic("x"), BOM + self.topic("x"), self.topic(BOM + "x"),
                 self.topic("x" + BOM)]
        subs = []
        for i, name in enumerate(names):
            sub = self.raw(self.cid(f"s{i}"))
            self.assertEqual(sub.subscribe([(name, 1)]), [1])
            subs.append(sub)
        plus = self.raw(self.cid("plus"))
        self.assertEqual(plus.subscribe([(self.topic("+"), 1)]), [1])
        pub = self.raw(self.cid("p"))
        for i, name in enumerate(names):
            pub.publish(name, f"m{i}", qos=1, pid=i + 1)

        def received(sub):
            """(topic name field as sent, payload) of each message sub gets."""
            return [(p.body[:2 + struct.unpack_from(">H", p.body)[0]], p.payload)
                    for p in sub.collect_publishes(quiet=0.5)]

        for i, sub in enumerate(subs):
            self.assertEqual(received(sub), [(s16(names[i]), f"m{i}".encode())],
                             f"subscriber of {names[i]!r}")
        self.assertEqual(sorted(received(plus)),
                         sorted((s16(names[i]), f"m{i}".encode()) for i in (0, 2, 3)))

    def test_MQTT_1_5_3_3_bom_in_client_id_not_stripped(self):
        """A client id with a leading BOM is another client id: no takeover of the client
        without it (both connect from the same address)."""
        plain = self.raw(self.cid("b"))
        with_bom = self.raw(BOM + self.cid("b"))
        self.assertTrue(plain.is_open(), "the BOM was stripped: the second client took over")
        self.assertTrue(with_bom.is_open())

    # ------------------------------------------------------- CONNECT payload
    def test_MQTT_3_1_3_2_client_id_identifies_the_session_state(self):
        """"The ClientId MUST be used by Clients and by Servers to identify state that they hold
        relating to this MQTT Session." Ids differing only in case, or one a prefix of the
        other, have sessions of their own: their own session present flag, subscriptions and
        queued messages."""
        ids = ("Ab", "ab", "A")
        for suffix in ids:
            c, ack = self.persistent(suffix)
            self.assertFalse(ack.session_present, f"{self.cid(suffix)!r} got another id's session")
            c.subscribe([(self.topic(suffix), 1)])
            self.leave(c)
        pub = self.raw(self.cid("p"))
        for i, suffix in enumerate(ids):
            pub.publish(self.topic(suffix), f"for {suffix}", qos=1, pid=i + 1)
        for suffix in ids:
            c, ack = self.persistent(suffix)
            self.assertTrue(ack.session_present, self.cid(suffix))
            self.assertEqual([p.payload for p in c.collect_publishes(quiet=0.5)],
                             [f"for {suffix}".encode()], self.cid(suffix))
            self.leave(c)

    def test_MQTT_3_1_3_3_connect_without_client_id_closes_without_connack(self):
        """"The Client Identifier (ClientId) MUST be present and MUST be the first field in the
        CONNECT packet payload." A CONNECT whose payload is missing, or stops inside the client
        id, does not conform: closed without CONNACK (MQTT-3.1.4-1)."""
        header = s16("MQTT") + bytes([4, 0x02]) + struct.pack(">H", 60)
        for name, payload in (("no payload", b""), ("half a length", b"\x00"),
                              ("id shorter than its length", b"\x00\x05ab")):
            with self.subTest(name):
                c = self.raw()
                c.send(packet(0x10, header + payload))
                self.assertEqual(c.expect_closed(), [])
        self.assertBrokerServes()

    def test_MQTT_3_1_3_5_client_ids_of_1_to_23_alphanumerics_allowed(self):
        """"The Server MUST allow ClientIds which are between 1 and 23 UTF-8 encoded bytes in
        length, and that contain only the characters 0-9 a-z A-Z." Every such character, the
        lengths 1 and 23, clean session 1 and 0: accepted, all connected at once, each usable."""
        ids = ["0123456789abcdefghijklm", "nopqrstuvwxyzABCDEFGHIJ", "KLMNOPQRSTUVWXYZ", "7"]
        clients = []
        for client_id in ids:
            for clean in (True, False):
                with self.subTest(client_id=client_id, clean=clean):
                    c = self.raw()
                    if not clean:
                        self._persistent_ids.append(client_id)
                    ack = c.connect(client_id, clean=clean, expect_rc=None)
                    self.assertEqual(ack.return_code, 0)
                    if clean:
                        c.disconnect()
                    else:
                        clients.append(c)
        for i, c in enumerate(clients):  # all four still connected: none took another over
            self.assertEqual(c.subscribe([(self.topic(str(i)), 1)], pid=i + 1), [1])
        pub = self.raw(self.cid("p"))
        for i in range(len(clients)):
            pub.publish(self.topic(str(i)), ids[i], qos=1, pid=i + 1)
        for i, c in enumerate(clients):
            self.assertEqual(c.expect_publish().payload, ids[i].encode())

    # --------------------------------------------------------------- SUBSCRIBE
    def test_MQTT_3_8_3_2_granted_wildcard_filters_match_as_wildcards(self):
        """"If the Server chooses not to support topic filters that contain wildcard characters
        it MUST reject any Subscription request whose filter contains them." So a wildcard
        filter is either refused (0x80) or honoured: a granted one gets exactly what it
        matches."""
        cases = [("s/+", ["s/a", "s/b"], ["s/a/b", "t/a"]),
                 ("m/#", ["m", "m/a", "m/a/b"], ["ma", "n/a"]),
                 ("+/c/+", ["a/c/d", "b/c/e"], ["a/c", "a/d/c", "a/c/d/e"])]
        subs = []
        for i, (topic_filter, _, _) in enumerate(cases):
            sub = self.raw(self.cid(f"s{i}"))
            granted = sub.subscribe([(self.topic(topic_filter), 1)])
            self.assertEqual(len(granted), 1)
            self.assertIn(granted[0], (0, 1, 0x80))
            subs.append((sub, granted[0]))
        pub = self.raw(self.cid("p"))
        pid = 1
        for _, matching, other in cases:
            for t in matching + other:
                pub.publish(self.topic(t), t, qos=1, pid=pid)
                pid += 1
        for (sub, code), (topic_filter, matching, _) in zip(subs, cases):
            got = sorted(p.payload.decode() for p in sub.collect_publishes(quiet=0.5))
            self.assertEqual(got, [] if code == 0x80 else sorted(matching), topic_filter)

    def test_MQTT_3_9_3_1_suback_codes_in_the_order_of_the_filters(self):
        """"The order of return codes in the SUBACK Packet MUST match the order of Topic Filters
        in the SUBSCRIBE Packet." Requested QoS in no sorted order (and, where the broker
        refuses an invalid filter with 0x80 rather than closing, one such filter in the middle):
        each code is the QoS at which its own filter's QoS 2 messages then arrive."""
        requested = [2, 0, 1, 1, 2, 0, 2, 1]
        filters = [(self.topic(f"o{i}"), q) for i, q in enumerate(requested)]
        bad = None
        if self.expected("invalid_subscribe_filter") == "suback_0x80":
            bad = 3
            filters.insert(bad, (self.topic("bad/#/x"), 1))
        sub = self.raw(self.cid("s"))
        granted = sub.subscribe(filters, pid=0x1234)
        self.assertEqual(len(granted), len(filters))
        if bad is not None:
            self.assertEqual(granted[bad], 0x80, granted)
        pub = self.raw(self.cid("p"))
        for i, (topic_filter, _) in enumerate(filters):
            if i != bad:
                pub.publish(topic_filter, topic_filter, qos=2, pid=i + 1)
        got = {p.topic: p.qos for p in sub.collect_publishes(quiet=0.5)}
        self.assertEqual(got, {f: g for (f, _), g in zip(filters, granted) if g != 0x80})
        for (_, q), g in zip(filters, granted):
            self.assertTrue(g == 0x80 or g <= q, granted)

    # ------------------------------------------------------------- UNSUBSCRIBE
    def test_MQTT_3_10_4_4_unsuback_for_each_unsubscribe_with_its_packet_id(self):
        """"The Server MUST respond to an UNSUBSCRIBE request by sending an UNSUBACK packet. The
        UNSUBACK Packet MUST have the same Packet Identifier as the UNSUBSCRIBE Packet."
        Six pipelined UNSUBSCRIBEs (a subscribed filter, one never subscribed, two filters, a
        wildcard, a filter already removed): six UNSUBACKs B0 02 <id>, ids whose two bytes
        differ so that a byte-order slip shows."""
        c = self.raw(self.cid())
        c.subscribe([(self.topic("a"), 1), (self.topic("b"), 0), (self.topic("+"), 2)])
        requests = [(0x0102, [self.topic("a")]), (0xFF00, [self.topic("never")]),
                    (0x00FF, [self.topic("b"), self.topic("c")]), (0xABCD, [self.topic("+")]),
                    (0x8001, [self.topic("a")]), (0xFFFF, [self.topic("#")])]
        c.send(b"".join(unsubscribe_pkt(pid, filters) for pid, filters in requests))
        got = [c.read() for _ in requests]
        self.assertEqual(sorted((p.type, p.flags, p.body) for p in got),
                         sorted((UNSUBACK, 0, struct.pack(">H", pid)) for pid, _ in requests))
        c.expect_nothing(0.3)

    # ----------------------------------------------------------- session (4.1)
    def test_MQTT_4_1_0_1_session_state_kept_over_three_connections(self):
        """"The Client and Server MUST store Session state for the entire duration of the
        Session." A persistent session over three connections: a subscription of the first,
        one of the second, a message queued while away and left unacknowledged by the
        second connection (dropped), one queued during the second absence; the third
        connection gets the unacknowledged one again (same id, DUP), then the other, and both
        subscriptions still deliver."""
        c, ack = self.persistent("c")
        self.assertFalse(ack.session_present)
        c.subscribe([(self.topic("a"), 1)])
        self.leave(c)
        pub = self.raw(self.cid("p"))
        pub.publish(self.topic("a"), b"m1", qos=1, pid=1)
        c, ack = self.persistent("c")
        self.assertTrue(ack.session_present)
        first = c.expect_publish(ack=False)
        self.assertEqual((first.topic, first.payload, first.qos), (self.topic("a"), b"m1", 1))
        self.assertEqual(c.subscribe([(self.topic("b"), 2)], pid=2), [2])
        c.abort()  # m1 not acknowledged
        pub.publish(self.topic("b"), b"m2", qos=2, pid=2)
        c, ack = self.persistent("c")
        self.assertTrue(ack.session_present)
        again = c.expect_publish(ack=False)
        self.assertEqual((again.payload, again.pid, again.dup), (b"m1", first.pid, True))
        c.send(ack_pkt(PUBACK, again.pid))
        second = c.expect_publish()
        self.assertEqual((second.topic, second.payload, second.qos), (self.topic("b"), b"m2", 2))
        pub.publish(self.topic("a"), b"live a", qos=1, pid=3)
        pub.publish(self.topic("b"), b"live b", qos=2, pid=4)
        self.assertEqual(sorted(p.payload for p in c.collect_publishes(quiet=0.5)),
                         [b"live a", b"live b"])

    def test_MQTT_4_1_0_2_session_lasts_while_its_connection_is_active(self):
        """"A Session MUST last at least as long it has an active Network Connection." Refused
        CONNECTs with the live client's id (unsupported level: CONNACK 0x01; reserved flag;
        will QoS 3) leave its session alone: its subscription still delivers and its
        half-done inbound QoS 2 message is still known (a resent PUBLISH is not a second
        message)."""
        watcher = self.raw(self.cid("w"))
        watcher.subscribe([(self.topic("q2"), 2)])
        live = self.raw(self.cid("live"))
        live.subscribe([(self.topic(), 1)])
        live.send(publish_pkt(self.topic("q2"), b"held", qos=2, pid=9))
        live.expect(PUBREC, pid=9)
        refused = [(connect_pkt(self.cid("live"), proto_level=6), [(CONNACK, 1)]),
                   (connect_pkt(self.cid("live"), flags_override=0x03), []),
                   (connect_pkt(self.cid("live"), clean=False,
                                will=(self.topic("w"), b"w", 3, False)), [])]
        for connect, answer in refused:
            c = self.raw()
            c.send(connect)
            self.assertEqual([(p.type, p.return_code) for p in c.expect_closed()], answer)
        self.assertTrue(live.is_open())
        self.raw(self.cid("p")).publish(self.topic(), b"still subscribed", qos=1)
        self.assertEqual(live.expect_publish().payload, b"still subscribed")
        live.send(publish_pkt(self.topic("q2"), b"held", qos=2, pid=9, dup=True))
        live.expect(PUBREC, pid=9)
        live.send(ack_pkt(PUBREL, 9))
        live.expect(PUBCOMP, pid=9)
        self.assertEqual([p.payload for p in watcher.collect_publishes(quiet=0.7)], [b"held"])


class SpecGapAccessScenarios(AccessFiles):
    """Statements that need accounts (test_access's password and ACL files, no anonymous
    clients): a user name and password that count, and refusals of every kind."""

    def test_MQTT_3_1_3_1_all_payload_fields_read_in_their_order(self):
        """"These fields, if present, MUST appear in the order Client Identifier, Will Topic,
        Will Message, User Name, Password." A CONNECT with all five: alice is let in with her
        rights, her will is published with its topic and message; the same CONNECT with a
        wrong password is refused and its will never published."""
        watcher = self.raw(self.cid("watch"), username="admin", password="adm")
        watcher.subscribe([(f"alice/{self.tag}/#", 1)])
        will = (f"alice/{self.tag}/will", b"last words", 1, False)
        c = self.raw()
        self.assertEqual(c.connect(self.cid("alice"), will=will, username="alice",
                                   password="apw").return_code, 0)
        c.publish(f"alice/{self.tag}/data", b"as alice", qos=1)
        c.abort()
        got = [(p.topic, p.payload, p.qos, p.retain) for p in watcher.collect_publishes(quiet=0.7)]
        self.assertEqual(got, [(f"alice/{self.tag}/data", b"as alice", 1, False),
                               (f"alice/{self.tag}/will", b"last words", 1, False)])
        c = self.raw()
        ack = c.connect(self.cid("alice"), will=will, username="alice", password="apw!",
                        expect_rc=None)
        self.assertIn(ack.return_code, (4, 5))
        c.expect_closed()
        watcher.expect_nothing(0.7)

    def test_MQTT_3_2_2_5_refusing_connack_then_connection_closed(self):
        """"If a server sends a CONNACK packet containing a non-zero return code it MUST then
        close the Network Connection." Each refusal the broker can give here: unacceptable
        protocol level (0x01), identifier rejected (0x02), bad user name or password (0x04 or
        0x05), not authorized (0x05); one CONNACK with session present 0, then the close."""
        cases = [("level 6", connect_pkt(self.cid("r"), proto_level=6, username="alice",
                                         password="apw"), (1,)),
                 ("empty id, clean 0", connect_pkt("", clean=False, username="alice",
                                                   password="apw"), (2,)),
                 ("wrong password", connect_pkt(self.cid("r"), username="alice",
                                                password="wrong"), (4, 5)),
                 ("anonymous", connect_pkt(self.cid("r")), (5,))]
        for name, connect, codes in cases:
            with self.subTest(name):
                c = self.raw()
                c.send(connect)
                got = c.expect_closed()
                self.assertEqual([p.type for p in got], [CONNACK], got)
                self.assertEqual(got[0].flags, 0)
                self.assertFalse(got[0].session_present)
                self.assertIn(got[0].return_code, codes)


globals().update(per_broker(SpecGapScenarios))
globals().update(per_broker(SpecGapAccessScenarios))

if __name__ == "__main__":
    unittest.main()
