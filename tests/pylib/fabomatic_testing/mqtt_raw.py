"""Byte-level MQTT 3.1.1 for the integration tests: packet encoders, a blocking packet reader
and RawClient, a client over a plain socket that sends exactly the bytes a test asks for.

paho hides the protocol; protocol-level cases (DUP resends, withheld acknowledgements,
malformed packets, wrong flags) need bytes we control. Every wait here is bounded.
"""
import socket
import struct
import time

# Packet types (high nibble of the fixed header).
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14

TYPE_NAMES = {
    1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL",
    7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK",
    12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT",
}


def varint(n):
    """The Remaining Length encoding (MQTT 2.2.3)."""
    out = bytearray()
    while True:
        digit, n = n % 128, n // 128
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def s16(data):
    """A length-prefixed field; str is encoded as UTF-8, bytes are sent as they are."""
    if isinstance(data, str):
        data = data.encode()
    return struct.pack(">H", len(data)) + data


def packet(first_byte, body=b""):
    return bytes([first_byte]) + varint(len(body)) + body


def connect_pkt(client_id="", clean=True, keepalive=60, will=None, username=None,
                password=None, proto_name="MQTT", proto_level=4, flags_override=None):
    """will = (topic, payload, qos, retain). flags_override replaces the computed flags byte."""
    flags = 0x02 if clean else 0
    payload = s16(client_id)
    if will is not None:
        topic, message, qos, retain = will
        flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
        payload += s16(topic) + s16(message)
    if username is not None:
        flags |= 0x80
        payload += s16(username)
    if password is not None:
        flags |= 0x40
        payload += s16(password)
    if flags_override is not None:
        flags = flags_override
    body = s16(proto_name) + bytes([proto_level, flags]) + struct.pack(">H", keepalive) + payload
    return packet(0x10, body)


def publish_pkt(topic, payload=b"", qos=0, retain=False, dup=False, pid=None):
    if isinstance(payload, str):
        payload = payload.encode()
    first = 0x30 | (qos << 1) | (0x01 if retain else 0) | (0x08 if dup else 0)
    body = s16(topic)
    if qos:
        body += struct.pack(">H", pid)
    return packet(first, body + payload)


def subscribe_pkt(pid, filters, first_byte=0x82):
    """filters: list of (filter, requested QoS)."""
    body = struct.pack(">H", pid)
    for topic_filter, qos in filters:
        body += s16(topic_filter) + bytes([qos])
    return packet(first_byte, body)


def unsubscribe_pkt(pid, filters, first_byte=0xA2):
    body = struct.pack(">H", pid)
    for topic_filter in filters:
        body += s16(topic_filter)
    return packet(first_byte, body)


def ack_pkt(ptype, pid):
    """PUBACK, PUBREC, PUBREL (flags 0010 as MQTT-3.6.1-1 requires) or PUBCOMP."""
    flags = 0x02 if ptype == PUBREL else 0
    return packet((ptype << 4) | flags, struct.pack(">H", pid))


PINGREQ_PKT = b"\xc0\x00"
DISCONNECT_PKT = b"\xe0\x00"


class Packet:
    """One received control packet: type, flags of the fixed header, body bytes."""

    def __init__(self, first_byte, body):
        self.type = first_byte >> 4
        self.flags = first_byte & 0x0F
        self.body = body

    @property
    def name(self):
        return TYPE_NAMES.get(self.type, f"type{self.type}")

    # PUBLISH fields
    @property
    def qos(self):
        return (self.flags >> 1) & 0x03

    @property
    def retain(self):
        return bool(self.flags & 0x01)

    @property
    def dup(self):
        return bool(self.flags & 0x08)

    @property
    def topic(self):
        (n,) = struct.unpack_from(">H", self.body, 0)
        return self.body[2:2 + n].decode()

    @property
    def pid(self):
        """Packet identifier of a PUBLISH (QoS > 0), an ack, SUBACK or UNSUBACK."""
        if self.type == PUBLISH:
            (n,) = struct.unpack_from(">H", self.body, 0)
            return struct.unpack_from(">H", self.body, 2 + n)[0] if self.qos else None
        return struct.unpack_from(">H", self.body, 0)[0]

    @property
    def payload(self):
        (n,) = struct.unpack_from(">H", self.body, 0)
        return self.body[2 + n + (2 if self.qos else 0):]

    # CONNACK / SUBACK fields
    @property
    def session_present(self):
        return bool(self.body[0] & 0x01)

    @property
    def return_code(self):
        return self.body[1]

    @property
    def granted(self):
        return list(self.body[2:])

    def __repr__(self):
        if self.type == PUBLISH:
            return (f"PUBLISH(topic={self.topic!r}, qos={self.qos}, retain={self.retain}, "
                    f"dup={self.dup}, pid={self.pid}, payload={self.payload!r})")
        return f"{self.name}(flags={self.flags:#x}, body={self.body.hex()})"


class Closed(Exception):
    """The broker closed the connection."""


class RawClient:
    """A blocking MQTT client over a socket that sends only what it is told to send."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0, source=None):
        """source: the local address to connect from (127.0.0.2 is another loopback host)."""
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.stashed = []  # PUBLISHes that arrived while expect() waited for an acknowledgement
        self.closed = False

    # ----------------------------------------------------------------- sending
    def send(self, data):
        self.sock.sendall(data)

    def connect(self, client_id, clean=True, keepalive=60, expect_rc=0, **kw):
        """Sends CONNECT and returns the CONNACK; asserts its return code unless expect_rc is None."""
        self.send(connect_pkt(client_id, clean, keepalive, **kw))
        ack = self.expect(CONNACK)
        if expect_rc is not None and ack.return_code != expect_rc:
            raise AssertionError(f"CONNACK return code {ack.return_code}, wanted {expect_rc}")
        return ack

    def subscribe(self, filters, pid=1):
        """filters: list of (filter, qos) or one filter string (QoS 0). Returns granted codes."""
        if isinstance(filters, str):
            filters = [(filters, 0)]
        self.send(subscribe_pkt(pid, filters))
        ack = self.expect(SUBACK)
        if ack.pid != pid:
            raise AssertionError(f"SUBACK for packet id {ack.pid}, wanted {pid}")
        return ack.granted

    def publish(self, topic, payload=b"", qos=0, retain=False, pid=None, complete=True):
        """Publishes; with complete=True waits for PUBACK, or runs PUBREC/PUBREL/PUBCOMP."""
        if qos and pid is None:
            pid = 1
        self.send(publish_pkt(topic, payload, qos, retain, pid=pid))
        if complete and qos == 1:
            self.expect(PUBACK, pid=pid)
        elif complete and qos == 2:
            self.expect(PUBREC, pid=pid)
            self.send(ack_pkt(PUBREL, pid))
            self.expect(PUBCOMP, pid=pid)

    def disconnect(self):
        try:
            self.send(DISCONNECT_PKT)
        except OSError:
            pass
        self.close()

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Closes with a TCP reset, as a crashed client would."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    # --------------------------------------------------------------- receiving
    def _fill(self, deadline):
        self.buf += self._receive(deadline)

    def _receive(self, deadline):
        """The next bytes from the socket before `deadline`; Closed at its end."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from broker in time")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no data from broker in time") from None
        except ConnectionResetError:
            data = b""
        if not data:
            raise Closed()
        return data

    def _split(self):
        """One complete packet from the buffer, or None."""
        if len(self.buf) < 2:
            return None
        length, mult, i = 0, 1, 1
        while True:
            if i >= len(self.buf):
                return None
            byte = self.buf[i]
            length += (byte & 0x7F) * mult
            mult *= 128
            i += 1
            if not byte & 0x80:
                break
        if len(self.buf) < i + length:
            return None
        pkt = Packet(self.buf[0], bytes(self.buf[i:i + length]))
        del self.buf[:i + length]
        return pkt

    def read(self, timeout=5.0):
        """The next packet; raises TimeoutError or Closed."""
        if self.stashed:
            return self.stashed.pop(0)
        return self._read_fresh(time.monotonic() + timeout)

    def expect(self, ptype, timeout=5.0, pid=None):
        """The next packet, asserting its type (and packet id when given). While waiting for
        another type, PUBLISH packets are set aside for later reads: a broker may deliver a
        message before it acknowledges the client's own packet."""
        deadline = time.monotonic() + timeout
        pkt = self.read(timeout) if ptype == PUBLISH else self._read_fresh(deadline)
        while ptype != PUBLISH and pkt.type == PUBLISH:
            self.stashed.append(pkt)
            pkt = self._read_fresh(deadline)
        if pkt.type != ptype:
            raise AssertionError(f"got {pkt!r}, wanted {TYPE_NAMES[ptype]}")
        if pid is not None and pkt.pid != pid:
            raise AssertionError(f"got {pkt!r}, wanted packet id {pid}")
        return pkt

    def _read_fresh(self, deadline):
        """The next packet from the socket, ignoring set-aside ones."""
        while True:
            pkt = self._split()
            if pkt is not None:
                return pkt
            self._fill(deadline)

    def expect_publish(self, timeout=5.0, ack=True):
        """The next PUBLISH; with ack=True completes QoS 1 (PUBACK) and QoS 2 (PUBREC, PUBREL
        from the broker, PUBCOMP)."""
        pkt = self.expect(PUBLISH, timeout)
        if ack and pkt.qos == 1:
            self.send(ack_pkt(PUBACK, pkt.pid))
        elif ack and pkt.qos == 2:
            self.send(ack_pkt(PUBREC, pkt.pid))
            self.expect(PUBREL, timeout, pid=pkt.pid)
            self.send(ack_pkt(PUBCOMP, pkt.pid))
        return pkt

    def collect_publishes(self, quiet=0.5, limit=10.0, ack=True):
        """Every PUBLISH until none arrives for `quiet` seconds (at most `limit` seconds)."""
        got = []
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                got.append(self.expect_publish(min(quiet, max(0.01, deadline - time.monotonic())),
                                               ack=ack))
            except TimeoutError:
                break
        return got

    def expect_nothing(self, timeout=0.5):
        """Asserts that no packet arrives within timeout (the connection may stay open)."""
        try:
            pkt = self.read(timeout)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected {pkt!r}")

    def expect_closed(self, timeout=5.0):
        """Asserts that the broker closes the connection within timeout; packets before the
        close are returned (a CONNACK with a refusal code, for instance)."""
        got, self.stashed = self.stashed, []
        deadline = time.monotonic() + timeout
        while True:
            try:
                pkt = self._split()
                if pkt is not None:
                    got.append(pkt)
                    continue
                self._fill(deadline)
            except Closed:
                self.close()
                return got
            except TimeoutError:
                raise AssertionError(
                    f"connection still open after {timeout} s (received {got!r})") from None

    def is_open(self, timeout=2.0):
        """PINGREQ round trip: True if the broker answers with PINGRESP."""
        try:
            self.send(PINGREQ_PKT)
            while True:
                if self.read(timeout).type == PINGRESP:
                    return True
        except (OSError, Closed, TimeoutError):
            return False
