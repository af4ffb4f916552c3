"""MQTT over WebSocket (MQTT 3.1.1 section 6, MQTT-6.0.0-1 to -4) and the RFC 6455 rules it rests
on: the subprotocol the server answers, binary frames only, packets not aligned on frames
(split, coalesced, fragmented messages, control frames in between, every frame length
encoding), masked client frames, the closing handshake. Ours (`websocket_port`) and, differentially,
Debian's Mosquitto (a second listener with `protocol websockets`).

The client is a raw WebSocket client written here over a plain socket (standard library only),
so that every frame is shaped by the test: WsMqttClient is a RawClient whose bytes travel in
binary frames. What the specification leaves open (a client that offers no "mqtt") is recorded
as an intended difference, Mosquitto's deviations as known failures (both in harness.py).
"""
import base64
import os
import socket
import struct
import time
import unittest

from fabomatic_testing.mqtt_raw import (CONNACK, PINGRESP, PUBACK, PUBLISH, SUBACK, Closed,
                                        RawClient, connect_pkt, publish_pkt, subscribe_pkt)
from fabomatic_testing.process import free_port, port_accepts, wait_until
from fabomatic_testing.websocket import (OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING,
                                         OP_PONG, OP_TEXT, accept_key, encode_frame,
                                         parse_frame)
from harness import MAX_PACKET_SIZE, Mosquitto, per_broker

OP_RESERVED_DATA = (0x3, 0x7)  # RFC 6455 5.2: reserved for further non-control frames


# --------------------------------------------------------------------------- raw WebSocket
def frame(opcode, payload=b"", fin=True, masked=True):
    """One client frame shaped as asked (masked=False: a frame RFC 6455 5.1 forbids)."""
    return encode_frame(opcode, payload, fin, masked=masked)


def upgrade(port, protocols=("mqtt",), timeout=5.0):
    """The opening handshake (RFC 6455 4.1) on a new connection, offering each entry of
    `protocols` on a Sec-WebSocket-Protocol line of its own (no line when empty). Returns
    (socket, HTTP status or None when the server closed without an answer, {header name in
    lower case: [values]}, the bytes read past the answer)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /mqtt HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    lines += [f"Sec-WebSocket-Protocol: {p}" for p in protocols]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    deadline = time.monotonic() + timeout
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(4096)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            if data:
                raise AssertionError(f"connection closed inside the HTTP answer: {data!r}")
            return sock, None, {}, b""
        data += chunk
    head, leftover = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    status = int(status_line.split(" ")[1])
    if status == 101 and headers.get("sec-websocket-accept") != [accept_key(key)]:
        raise AssertionError(f"wrong Sec-WebSocket-Accept: {headers}")
    return sock, status, headers, leftover


class WsMqttClient(RawClient):
    """A RawClient over a WebSocket: send() puts its bytes in one masked binary frame,
    send_frames() sends frames shaped by the test, and the reader takes MQTT bytes out of the
    server's binary frames whatever their boundaries (MQTT-6.0.0-2). A ping is answered with a
    pong, a pong is kept in `pongs`; a close frame (its code in `close_code`) is echoed and the
    end of the TCP connection awaited. A text frame from the server fails the test
    (MQTT-6.0.0-1), so does a masked one (RFC 6455 5.1)."""

    def __init__(self, port, protocols=("mqtt",), timeout=5.0):
        self.sock, self.status, self.headers, leftover = upgrade(port, protocols, timeout)
        self.buf = bytearray()  # MQTT bytes, as RawClient parses them
        self.stashed = []
        self.closed = False
        self.frames = bytearray(leftover)  # WebSocket bytes not parsed yet
        self.message_opcode = None  # of the server's fragmented message being received
        self.data_opcodes = set()
        self.pongs = []
        self.close_code = None

    @property
    def protocol(self):
        """The Sec-WebSocket-Protocol the server answered (None without one)."""
        values = self.headers.get("sec-websocket-protocol")
        return ", ".join(values) if values else None

    # ----------------------------------------------------------------- sending
    def send(self, data):
        self.send_frames(frame(OP_BINARY, data))

    def send_frames(self, *frames):
        self.sock.sendall(b"".join(frames))

    # --------------------------------------------------------------- receiving
    def _recv(self, deadline):
        self.frames += self._receive(deadline)

    def _next_frame(self):
        """(fin, opcode, payload) of the next complete frame in self.frames, or None."""
        parsed = parse_frame(self.frames)
        if parsed is None:
            return None
        fin, opcode, payload, size = parsed
        del self.frames[:size]
        return fin, opcode, payload

    def _fill(self, deadline):
        """Reads frames until MQTT bytes arrive (RawClient's reader calls it)."""
        while True:
            parsed = self._next_frame()
            if parsed is None:
                self._recv(deadline)
                continue
            fin, opcode, payload = parsed
            if opcode == OP_PING:
                self.send_frames(frame(OP_PONG, payload))
                continue
            if opcode == OP_PONG:
                self.pongs.append(payload)
                continue
            if opcode == OP_CLOSE:
                self.close_code = struct.unpack("!H", payload[:2])[0] if payload else None
                try:
                    self.send_frames(frame(OP_CLOSE, payload[:2]))
                except OSError:
                    pass
                while True:  # the server closes the TCP connection next (RFC 6455 7.1.1)
                    self.frames.clear()
                    self._recv(deadline)
            if opcode in (OP_TEXT, OP_BINARY):
                self.data_opcodes.add(opcode)
                message = opcode
            elif opcode == OP_CONTINUATION and self.message_opcode is not None:
                message = self.message_opcode
            else:
                raise AssertionError(f"the server sent a frame with opcode {opcode:#x}")
            if message != OP_BINARY:
                raise AssertionError(f"the server sent MQTT bytes in a text frame: {payload!r}")
            self.message_opcode = None if fin else message
            if payload:
                self.buf += payload
                return


# --------------------------------------------------------------------------- brokers
class MosquittoWithWebSocket(Mosquitto):
    """The harness's Mosquitto plus a WebSocket listener on options["websocket_port"]."""

    def __init__(self, sanitizer_options="", options=None):
        super().__init__(sanitizer_options, options)
        self.websocket_port = self.options["websocket_port"]

    def command(self):
        command = super().command()
        with open(command[-1], "a") as conf:
            conf.write(f"listener {self.websocket_port} 127.0.0.1\nprotocol websockets\n")
        return command


class WebSocketScenarios:
    @classmethod
    def broker_options(cls):
        cls.ws_port = free_port()
        return {"websocket_port": cls.ws_port, "mqtt": {"websocket_port": cls.ws_port}}

    @classmethod
    def new_broker(cls):
        if cls.broker_name == "mosquitto":
            return MosquittoWithWebSocket(cls.sanitizer_options, cls.broker_options()).start()
        return super().new_broker()

    def setUp(self):
        super().setUp()
        # The harness waits for the plain port only; the WebSocket listener opens beside it.
        self.assertTrue(wait_until(lambda: port_accepts(self.ws_port), 10, 0.05),
                        "the WebSocket listener does not accept connections")

    def ws(self, client_id=None, protocols=("mqtt",), **connect_kw):
        """A WsMqttClient upgraded with `protocols` offered, connected (CONNACK 0 asserted)
        when client_id is given; closed in tearDown."""
        c = WsMqttClient(self.ws_port, protocols)
        self._clients.append(c)
        self.assertEqual(c.status, 101, f"upgrade refused: {c.headers}")
        if client_id is not None:
            c.connect(client_id, **connect_kw)
        return c

    def subscribed(self, suffix="", qos=1):
        """A client connected over WebSocket and subscribed to self.topic(suffix)."""
        c = self.ws(self.cid(f"s{suffix}"))
        self.assertEqual(c.subscribe([(self.topic(suffix), qos)], pid=1), [qos])
        return c

    def outcome(self, protocols):
        """What a client offering `protocols` gets: "refused" (no 101), "served as <protocol>",
        "served without a subprotocol", "upgraded, MQTT ignored" or "upgraded, then closed"."""
        c = WsMqttClient(self.ws_port, protocols)
        self._clients.append(c)
        if c.status != 101:
            return "refused"
        c.send(connect_pkt(self.cid("o")))
        try:
            pkt = c.read(2.0)
        except TimeoutError:
            return "upgraded, MQTT ignored"
        except Closed:
            return "upgraded, then closed"
        self.assertEqual((pkt.type, pkt.return_code), (CONNACK, 0), pkt)
        return f"served as {c.protocol}" if c.protocol else "served without a subprotocol"

    def assert_closed_unanswered(self, c, timeout=3.0):
        """The broker closes `c` without delivering or answering anything more."""
        got = c.expect_closed(timeout)
        self.assertEqual([p for p in got if p.type in (PUBLISH, PINGRESP, CONNACK)], [], got)
        self.assertBrokerServes()

    # ------------------------------------------------------------ MQTT-6.0.0-1: binary frames
    def test_MQTT_6_0_0_1_server_sends_binary_frames(self):
        c = self.subscribed()
        c.publish(self.topic(), b"binary", qos=1, pid=2)
        self.assertEqual(c.expect_publish().payload, b"binary")
        self.assertTrue(c.is_open())
        self.assertEqual(c.data_opcodes, {OP_BINARY})

    def test_MQTT_6_0_0_1_text_frame_after_connect_closes(self):
        c = self.subscribed()
        # A QoS 0 PUBLISH to its own subscription, all ASCII: valid UTF-8, so a text frame
        # check that only validates UTF-8 lets it through.
        c.send_frames(frame(OP_TEXT, publish_pkt(self.topic(), b"in a text frame")))
        self.assert_closed_unanswered(c)

    def test_MQTT_6_0_0_1_connect_in_text_frame_closes(self):
        c = self.ws()
        c.send_frames(frame(OP_TEXT, connect_pkt(self.cid("t"))))
        self.assert_closed_unanswered(c)

    def test_MQTT_6_0_0_1_reserved_data_opcode_closes(self):
        for opcode in OP_RESERVED_DATA:
            with self.subTest(opcode=opcode):
                c = self.ws(self.cid(f"r{opcode}"))
                c.send_frames(frame(opcode, b"\xc0\x00"))  # a PINGREQ
                self.assert_closed_unanswered(c)

    # ------------------------------------------------------------ MQTT-6.0.0-2: not aligned
    def test_MQTT_6_0_0_2_connect_split_across_three_frames(self):
        c = self.ws()
        pkt = connect_pkt(self.cid("3"))
        c.send_frames(frame(OP_BINARY, pkt[:1]), frame(OP_BINARY, pkt[1:9]),
                      frame(OP_BINARY, pkt[9:]))
        self.assertEqual(c.expect(CONNACK).return_code, 0)
        self.assertTrue(c.is_open())

    def test_MQTT_6_0_0_2_connect_and_subscribe_in_one_frame(self):
        c = self.ws()
        c.send(connect_pkt(self.cid("cs")) + subscribe_pkt(9, [(self.topic(), 1)]))
        self.assertEqual(c.expect(CONNACK).return_code, 0)
        self.assertEqual(c.expect(SUBACK, pid=9).granted, [1])
        c.publish(self.topic(), b"after both", qos=1, pid=3)
        self.assertEqual(c.expect_publish().payload, b"after both")

    def test_MQTT_6_0_0_2_publish_split_byte_by_byte(self):
        c = self.subscribed()
        pkt = publish_pkt(self.topic(), b"one byte per frame", qos=1, pid=5)
        for i in range(len(pkt)):  # a write each: the broker reads them one by one
            c.send_frames(frame(OP_BINARY, pkt[i:i + 1]))
        c.expect(PUBACK, pid=5)
        self.assertEqual(c.expect_publish().payload, b"one byte per frame")

    def test_MQTT_6_0_0_2_frames_straddling_packet_boundaries(self):
        c = self.subscribed()
        data = (publish_pkt(self.topic(), b"first", qos=1, pid=6)
                + publish_pkt(self.topic(), b"second", qos=1, pid=7) + b"\xc0\x00")
        c.send_frames(*(frame(OP_BINARY, data[i:i + 7]) for i in range(0, len(data), 7)))
        c.expect(PUBACK, pid=6)
        c.expect(PUBACK, pid=7)
        c.expect(PINGRESP)  # the deliveries that came meanwhile are set aside
        self.assertEqual([p.payload for p in c.collect_publishes(quiet=0.3)],
                         [b"first", b"second"])

    def test_MQTT_6_0_0_2_empty_binary_frames_between_packets(self):
        c = self.ws()
        c.send_frames(frame(OP_BINARY), frame(OP_BINARY, connect_pkt(self.cid("e"))),
                      frame(OP_BINARY), frame(OP_BINARY, b"\xc0\x00"), frame(OP_BINARY))
        self.assertEqual(c.expect(CONNACK).return_code, 0)
        c.expect(PINGRESP)

    def test_MQTT_6_0_0_2_fragmented_message_carrying_one_packet(self):
        """FIN=0 binary frame, continuations, a ping between them (RFC 6455 5.4 allows control
        frames inside a fragmented message), the last continuation with FIN=1."""
        c = self.subscribed()
        pkt = publish_pkt(self.topic(), b"in three fragments", qos=1, pid=8)
        c.send_frames(frame(OP_BINARY, pkt[:3], fin=False),
                      frame(OP_CONTINUATION, pkt[3:12], fin=False),
                      frame(OP_PING, b"inside"),
                      frame(OP_CONTINUATION, pkt[12:], fin=True))
        c.expect(PUBACK, pid=8)
        self.assertEqual(c.expect_publish().payload, b"in three fragments")
        self.assertEqual(c.pongs, [b"inside"])

    def test_MQTT_6_0_0_2_fragmented_message_carrying_several_packets(self):
        c = self.ws()
        data = connect_pkt(self.cid("f")) + subscribe_pkt(4, [(self.topic(), 0)])
        c.send_frames(frame(OP_BINARY, data[:20], fin=False),
                      frame(OP_CONTINUATION, data[20:], fin=False),
                      frame(OP_CONTINUATION, b"\xc0\x00", fin=True))
        self.assertEqual(c.expect(CONNACK).return_code, 0)
        self.assertEqual(c.expect(SUBACK, pid=4).granted, [0])
        c.expect(PINGRESP)

    def test_MQTT_6_0_0_2_ping_and_pong_between_frames_of_a_packet(self):
        """A ping is answered with a pong carrying its payload (RFC 6455 5.5.2), an unsolicited
        pong is ignored (5.5.3); neither disturbs the packet around them."""
        c = self.ws(self.cid("p"))
        pkt = subscribe_pkt(3, [(self.topic(), 1)])
        c.send_frames(frame(OP_BINARY, pkt[:4]), frame(OP_PING, b"between"),
                      frame(OP_PONG, b"unsolicited"), frame(OP_BINARY, pkt[4:]))
        self.assertEqual(c.expect(SUBACK, pid=3).granted, [1])
        self.assertEqual(c.pongs, [b"between"])
        self.assertTrue(c.is_open())

    def test_MQTT_6_0_0_2_large_publish_in_frames_of_every_length_encoding(self):
        """A 70 000-byte PUBLISH in frames with a 7-bit, a 16-bit and a 64-bit length; the
        broker's own delivery of it back comes in frames of its choosing."""
        c = self.subscribed()
        payload = bytes(range(256)) * 273 + b"end"
        pkt = publish_pkt(self.topic(), payload, qos=1, pid=9)
        c.send_frames(frame(OP_BINARY, pkt[:100]), frame(OP_BINARY, pkt[100:1100]),
                      frame(OP_BINARY, pkt[1100:]))
        self.assertGreater(len(pkt) - 1100, 0xFFFF)
        c.expect(PUBACK, pid=9)
        self.assertEqual(c.expect_publish().payload, payload)

    def test_MQTT_6_0_0_2_one_frame_may_carry_more_than_max_packet_size_of_packets(self):
        """Five PUBLISH packets of 60 000 bytes, each well under the maximum packet size, in
        one frame longer than it: the limit is on packets, not on frames or messages."""
        c = self.ws(self.cid("m"))
        data = b"".join(publish_pkt(self.topic(), bytes([65 + i]) * 60000, qos=1, pid=i + 1)
                        for i in range(5))
        self.assertGreater(len(data), MAX_PACKET_SIZE + 16)
        c.send(data)
        acked = []
        try:
            for pid in range(1, 6):
                acked.append(c.expect(PUBACK, pid=pid, timeout=10).pid)
        except Closed:
            self.fail(f"closed after PUBACKs {acked}, WebSocket close code {c.close_code}")
        self.assertTrue(c.is_open())

    # ------------------------------------------------------ MQTT-6.0.0-3/4: the subprotocol
    def test_MQTT_6_0_0_4_server_returns_mqtt(self):
        for offer in ("mqtt", "foo, mqtt", "mqtt,foo", "mqtt, mqttv3.1"):
            with self.subTest(offer=offer):
                self.assertEqual(self.outcome([offer]), "served as mqtt")

    def test_MQTT_6_0_0_4_server_returns_mqtt_offered_on_a_second_header_line(self):
        """RFC 6455 11.3.4: the header may appear several times, as one list."""
        self.assertEqual(self.outcome(["foo", "mqtt"]), "served as mqtt")

    def test_MQTT_6_0_0_4_mqtt_returned_when_mqttv31_is_offered_first(self):
        self.assertEqual(self.outcome(["mqttv3.1, mqtt"]), "served as mqtt")

    def test_MQTT_6_0_0_3_client_offering_only_another_subprotocol(self):
        self.assertEqual(self.outcome(["foo"]), self.expected("websocket_only_other_subprotocol"))

    def test_MQTT_6_0_0_3_client_offering_no_subprotocol(self):
        self.assertEqual(self.outcome([]), self.expected("websocket_no_subprotocol"))

    def test_RFC6455_4_2_2_answered_subprotocol_is_one_the_client_offered(self):
        """The server selects one of the client's values or none (RFC 6455 4.2.2); a client
        MUST fail the connection on any other (4.1), browsers do."""
        for offer in ("mqttv3.1", "xmqtt", "mqttv5"):
            with self.subTest(offer=offer):
                c = WsMqttClient(self.ws_port, [offer])
                self._clients.append(c)
                if c.status == 101:
                    self.assertIn(c.protocol, (None, offer))

    # ------------------------------------------------------------------ RFC 6455 framing
    def test_RFC6455_5_1_unmasked_client_frame_closes(self):
        """RFC 6455 5.1: "The server MUST close the connection upon receiving a frame that is
        not masked"; a PINGREQ in an unmasked frame is not answered."""
        c = self.ws(self.cid("u"))
        c.send_frames(frame(OP_BINARY, b"\xc0\x00", masked=False))  # a PINGREQ
        self.assert_closed_unanswered(c)

    def test_RFC6455_5_5_1_close_frame_answered_and_connection_closed(self):
        c = self.ws(self.cid("c"))
        c.send_frames(frame(OP_CLOSE, struct.pack("!H", 1000)))
        self.assertEqual(c.expect_closed(3), [])
        self.assertEqual(c.close_code, 1000)


globals().update(per_broker(WebSocketScenarios))

if __name__ == "__main__":
    unittest.main()
