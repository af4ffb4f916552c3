"""The test's own WebSocket client against the examples of RFC 6455 (no server needed): the
accept key of 1.3, the frames of 5.7, masking, the three length encodings, fragments with a
ping in between (answered by a pong), and a close echoed once."""
import socket
import struct
import unittest

from fabomatic_testing import websocket
from fabomatic_testing.websocket import OP_CLOSE, OP_PONG, OP_TEXT, ProtocolError, WebSocket


def unmask_client_frame(frame):
    """(fin, opcode, payload) of one masked client frame."""
    b0, b1 = frame[0], frame[1]
    assert b1 & 0x80, "client frames are masked"
    length, at = b1 & 0x7F, 2
    if length == 126:
        length, at = struct.unpack_from("!H", frame, 2)[0], 4
    elif length == 127:
        length, at = struct.unpack_from("!Q", frame, 2)[0], 10
    key = frame[at:at + 4]
    return bool(b0 & 0x80), b0 & 0x0F, websocket.mask(frame[at + 4:at + 4 + length], key)


class WsClientTest(unittest.TestCase):
    def setUp(self):
        self.server, client = socket.socketpair()
        self.ws = WebSocket(client)
        self.addCleanup(self.server.close)
        self.addCleanup(self.ws.abort)

    def test_accept_key_of_rfc_6455_section_1_3(self):
        self.assertEqual(websocket.accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
                         "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

    def test_masked_hello_of_section_5_7(self):
        frame = websocket.encode_frame(OP_TEXT, b"Hello", mask_key=bytes.fromhex("37fa213d"))
        self.assertEqual(frame, bytes.fromhex("818537fa213d7f9f4d5158"))

    def test_length_encodings_7_16_and_64_bits(self):
        for size, header in ((125, 2), (126, 4), (65535, 4), (65536, 10)):
            payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
            frame = websocket.encode_frame(websocket.OP_BINARY, payload)
            self.assertEqual(len(frame), header + 4 + size)
            self.assertEqual(unmask_client_frame(frame), (True, websocket.OP_BINARY, payload))

    def test_fragments_reassembled_and_a_ping_between_them_answered(self):
        # 5.7: "Hel" then "lo" as a fragmented text message, with a ping in the middle.
        self.server.sendall(bytes.fromhex("010348656c") + bytes.fromhex("890548656c6c6f")
                            + bytes.fromhex("80026c6f"))
        message = self.ws.recv(timeout=2)
        self.assertEqual((message.opcode, message.data), (OP_TEXT, b"Hello"))
        self.assertEqual(self.ws.pings_answered, 1)
        self.assertEqual(unmask_client_frame(self.server.recv(100)), (True, OP_PONG, b"Hello"))

    def test_unmasked_pong_and_split_reads(self):
        frame = bytes.fromhex("8a0548656c6c6f")
        for byte in frame[:-1]:
            self.server.sendall(bytes([byte]))
            with self.assertRaises(TimeoutError):
                self.ws.recv(timeout=0.05)
        self.server.sendall(frame[-1:])
        message = self.ws.recv(timeout=2)
        self.assertEqual((message.opcode, message.data), (OP_PONG, b"Hello"))

    def test_masked_server_frame_is_a_protocol_error(self):
        self.server.sendall(bytes.fromhex("818537fa213d7f9f4d5158"))
        with self.assertRaises(ProtocolError):
            self.ws.recv(timeout=2)

    def test_server_close_is_echoed_once(self):
        self.server.sendall(bytes.fromhex("880203e8"))
        message = self.ws.recv(timeout=2)
        self.assertEqual((message.opcode, message.data), (OP_CLOSE, b"\x03\xe8"))
        self.assertTrue(self.ws.closed)
        self.assertEqual(unmask_client_frame(self.server.recv(100)), (True, OP_CLOSE, b"\x03\xe8"))
        self.ws.close()  # already closed: sends nothing more
        self.assertEqual(self.server.recv(100), b"")


if __name__ == "__main__":
    unittest.main()
