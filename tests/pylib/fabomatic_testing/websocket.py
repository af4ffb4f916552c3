"""A minimal RFC 6455 WebSocket client over TLS, standard library only.

Enough to talk to the portal's live endpoint the way a browser does: the opening handshake
(with any extra headers, e.g. the session cookie; the Sec-WebSocket-Accept value is checked),
masked client frames (RFC 6455 5.3: every client frame is masked), text and binary messages
(fragmented ones reassembled), ping answered by pong at once, and the closing handshake.

A refused upgrade raises HandshakeRefused with the HTTP status, headers and body, so a test
can assert "401". Not thread-safe: use one WebSocket from one thread (OpenSSL objects must not
be read and written from two threads at once).
"""
import base64
import hashlib
import os
import socket
import ssl
import struct
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 1.3

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

CLOSE_NORMAL = 1000


class HandshakeRefused(Exception):
    """The server answered the upgrade request with something other than 101."""

    def __init__(self, status, headers, body):
        super().__init__(f"upgrade refused with HTTP {status}: {body[:200]!r}")
        self.status = status
        self.headers = headers
        self.body = body


class ProtocolError(Exception):
    """The server broke RFC 6455 (a masked frame, a bad accept key, ...)."""


class ConnectionClosed(Exception):
    """The TCP/TLS connection ended (or the server closed the WebSocket)."""

    def __init__(self, message, code=None, reason=""):
        super().__init__(message)
        self.code = code
        self.reason = reason


def accept_key(key):
    """The Sec-WebSocket-Accept value the server must answer for `key` (RFC 6455 4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def mask(payload, key):
    """XORs payload with the repeated 4-byte key (RFC 6455 5.3), fast for large payloads."""
    if not payload:
        return b""
    n = len(payload)
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def encode_frame(opcode, payload, fin=True, mask_key=None, masked=True):
    """One client frame: FIN + opcode, MASK bit set, 7/16/64-bit length, key, masked payload.
    masked=False leaves out the key and sends the payload as is: a frame RFC 6455 5.1 forbids a
    client to send, for tests of a server's answer to it."""
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        head += bytes([bit | n])
    elif n < 1 << 16:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    mask_key = mask_key if mask_key is not None else os.urandom(4)
    return head + mask_key + mask(payload, mask_key)


def parse_frame(buf):
    """(fin, opcode, payload, its length in buf) of the server frame at the start of `buf`, or
    None while it is incomplete. ProtocolError for what a server must not send (RFC 6455 5.1,
    5.2): a masked frame, reserved bits without an extension."""
    if len(buf) < 2:
        return None
    b0, b1 = buf[0], buf[1]
    if b0 & 0x70:
        raise ProtocolError("reserved bits set without a negotiated extension")
    if b1 & 0x80:
        raise ProtocolError("the server masked a frame (RFC 6455 5.1 forbids it)")
    length, header = b1 & 0x7F, 2
    if length == 126:
        if len(buf) < 4:
            return None
        length, header = struct.unpack_from("!H", buf, 2)[0], 4
    elif length == 127:
        if len(buf) < 10:
            return None
        length, header = struct.unpack_from("!Q", buf, 2)[0], 10
    if len(buf) < header + length:
        return None
    return bool(b0 & 0x80), b0 & 0x0F, bytes(buf[header:header + length]), header + length


class Message:
    """A received message: opcode (OP_TEXT, OP_BINARY, OP_PONG, OP_CLOSE) and payload bytes."""

    __slots__ = ("opcode", "data")

    def __init__(self, opcode, data):
        self.opcode = opcode
        self.data = data

    @property
    def text(self):
        return self.data.decode("utf-8")


class WebSocket:
    def __init__(self, sock, leftover=b""):
        self.sock = sock
        self._buf = bytearray(leftover)
        self._fragments = None  # (opcode, [payloads]) while a fragmented message arrives
        self.closed = False
        self._close_sent = False
        self.pings_answered = 0

    # ----------------------------------------------------------------------- handshake
    @classmethod
    def connect(cls, host, port, path, headers=None, timeout=5.0, rcvbuf=None):
        """Opens TLS (certificate not verified: the portal's is self-signed), sends the upgrade
        request and checks the 101 answer. `rcvbuf` sets SO_RCVBUF before connecting (a small
        window makes a client that does not read back up quickly)."""
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        raw.settimeout(timeout)
        try:
            raw.connect((host, port))
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(raw, server_hostname=host)
        except BaseException:
            raw.close()
            raise
        try:
            key = base64.b64encode(os.urandom(16)).decode()
            lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
                     "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                     "Sec-WebSocket-Version: 13"]
            for name, value in (headers or {}).items():
                lines.append(f"{name}: {value}")
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            status, response_headers, leftover = cls._read_response_head(sock, timeout)
            if status != 101:
                body = cls._read_body(sock, response_headers, leftover, timeout)
                raise HandshakeRefused(status, response_headers, body)
            if response_headers.get("upgrade", "").lower() != "websocket":
                raise ProtocolError(f"101 without Upgrade: websocket: {response_headers}")
            if response_headers.get("sec-websocket-accept") != accept_key(key):
                raise ProtocolError("wrong Sec-WebSocket-Accept")
            return cls(sock, leftover)
        except BaseException:
            sock.close()
            raise

    @staticmethod
    def _read_response_head(sock, timeout):
        deadline = time.monotonic() + timeout
        data = b""
        while b"\r\n\r\n" not in data:
            if time.monotonic() > deadline or len(data) > 64 * 1024:
                raise ProtocolError("no complete HTTP answer to the upgrade request")
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionClosed(f"connection closed during the handshake: {data!r}")
            data += chunk
        head, leftover = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise ProtocolError(f"not an HTTP status line: {lines[0]!r}")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(parts[1]), headers, leftover

    @staticmethod
    def _read_body(sock, headers, leftover, timeout):
        length = int(headers.get("content-length", "0") or 0)
        deadline = time.monotonic() + timeout
        body = leftover
        while len(body) < length and time.monotonic() < deadline:
            chunk = sock.recv(length - len(body))
            if not chunk:
                break
            body += chunk
        return body[:length]

    # ----------------------------------------------------------------------- sending
    def _send_frame(self, opcode, payload, fin=True):
        if self.closed:
            raise ConnectionClosed("send on a closed WebSocket")
        self.sock.sendall(encode_frame(opcode, payload, fin))

    def send_text(self, text):
        self._send_frame(OP_TEXT, text.encode("utf-8"))

    def send_binary(self, data):
        self._send_frame(OP_BINARY, data)

    def ping(self, data=b""):
        self._send_frame(OP_PING, data)

    def send_close(self, code=CLOSE_NORMAL, reason=""):
        """Starts the closing handshake; the server's close frame comes back through recv()."""
        self._send_close(struct.pack("!H", code) + reason.encode("utf-8"))

    def _send_close(self, payload):
        self._close_sent = True
        self._send_frame(OP_CLOSE, payload)

    # ----------------------------------------------------------------------- receiving
    def _fill(self, n, deadline):
        """Reads until the buffer holds n bytes; TimeoutError at the deadline (nothing lost:
        the bytes stay buffered for the next call)."""
        while len(self._buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no WebSocket frame in time")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(max(65536, n - len(self._buf)))
            except (socket.timeout, ssl.SSLWantReadError):
                raise TimeoutError("no WebSocket frame in time") from None
            except (ConnectionError, ssl.SSLError) as e:
                self.closed = True
                raise ConnectionClosed(f"connection lost: {e}") from None
            if not chunk:
                self.closed = True
                raise ConnectionClosed("connection closed by the server")
            self._buf += chunk

    def _next_frame(self, deadline):
        """(fin, opcode, payload) of the next frame; consumes it only once complete."""
        while (parsed := parse_frame(self._buf)) is None:
            self._fill(len(self._buf) + 1, deadline)
        fin, opcode, payload, size = parsed
        del self._buf[:size]
        return fin, opcode, payload

    def recv(self, timeout=5.0):
        """The next message (text, binary, pong or close). Pings are answered and not returned;
        fragments are reassembled. A close frame is answered, marks the socket closed and is
        returned as a Message with OP_CLOSE."""
        deadline = time.monotonic() + timeout
        while True:
            fin, opcode, payload = self._next_frame(deadline)
            if opcode == OP_PING:
                if len(payload) > 125:
                    raise ProtocolError("control frame longer than 125 bytes")
                self._send_frame(OP_PONG, payload)
                self.pings_answered += 1
                continue
            if opcode == OP_PONG:
                return Message(OP_PONG, payload)
            if opcode == OP_CLOSE:
                if not self._close_sent:  # echo the code (RFC 6455 5.5.1)
                    try:
                        self._send_close(payload[:2])
                    except (OSError, ConnectionClosed):
                        pass
                self.closed = True
                return Message(OP_CLOSE, payload)
            if opcode in (OP_TEXT, OP_BINARY):
                if self._fragments is not None:
                    raise ProtocolError("new message inside a fragmented one")
                if fin:
                    return Message(opcode, payload)
                self._fragments = (opcode, [payload])
                continue
            if opcode == OP_CONTINUATION:
                if self._fragments is None:
                    raise ProtocolError("continuation frame without a message")
                self._fragments[1].append(payload)
                if fin:
                    first, parts = self._fragments
                    self._fragments = None
                    return Message(first, b"".join(parts))
                continue
            raise ProtocolError(f"unknown opcode {opcode:#x}")

    # ----------------------------------------------------------------------- closing
    def close(self, code=CLOSE_NORMAL, reason="", timeout=2.0):
        """Closing handshake: our close frame, then messages are read (and dropped) until the
        server's close frame or the timeout; the socket is closed in any case."""
        try:
            if not self.closed:
                self.send_close(code, reason)
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    if self.recv(deadline - time.monotonic()).opcode == OP_CLOSE:
                        break
        except (OSError, TimeoutError, ConnectionClosed, ProtocolError):
            pass
        finally:
            self.closed = True
            self.abort()

    def abort(self):
        """Drops the connection without a closing handshake."""
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass
