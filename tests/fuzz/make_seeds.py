#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/ (run from the
repository's root; the files are checked in, this is how they were made)."""
import os
import struct

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    directory = os.path.join(BASE, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def varint(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def s16(x):
    x = x.encode() if isinstance(x, str) else x
    return struct.pack(">H", len(x)) + x


def pkt(first, body=b""):
    return bytes([first]) + varint(len(body)) + body


def connect(cid, clean=True, user=None, pw=None, will=None, name="MQTT", level=4, ka=60):
    flags = 0x02 if clean else 0
    payload = s16(cid)
    if will:
        topic, message, qos, retain = will
        flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
        payload += s16(topic) + s16(message)
    if user is not None:
        flags |= 0x80
        payload += s16(user)
    if pw is not None:
        flags |= 0x40
        payload += s16(pw)
    return pkt(0x10, s16(name) + bytes([level, flags]) + struct.pack(">H", ka) + payload)


def publish(topic, payload=b"", qos=0, retain=False, pid=1, dup=False):
    payload = payload.encode() if isinstance(payload, str) else payload
    body = s16(topic) + (struct.pack(">H", pid) if qos else b"") + payload
    return pkt(0x30 | (qos << 1) | (1 if retain else 0) | (8 if dup else 0), body)


def subscribe(pid, filters):
    return pkt(0x82, struct.pack(">H", pid) + b"".join(s16(f) + bytes([q]) for f, q in filters))


def unsubscribe(pid, filters):
    return pkt(0xA2, struct.pack(">H", pid) + b"".join(s16(f) for f in filters))


def ack(kind, pid):
    return pkt((kind << 4) | (2 if kind == 6 else 0), struct.pack(">H", pid))


PING, DISCONNECT = b"\xc0\x00", b"\xe0\x00"

# fuzz_codec: one packet of each kind, a stream, and filter\0topic pairs.
codec = [connect("BOARD417"), connect("c", False, "alice", "pw", ("will/t", "bye", 1, True)),
         connect("x", name="MQIsdp", level=3), publish("machine/1", '{"action":"checkmachine"}'),
         publish("a/b", "x", 1, pid=7), publish("a/b", "y", 2, True, pid=9, dup=True),
         subscribe(1, [("machine/1/reply", 0), ("#", 1), ("a/+/c", 2)]),
         unsubscribe(2, ["#", "a/b"]), ack(4, 5), ack(5, 6), ack(6, 7), ack(7, 8),
         pkt(0x20, b"\x00\x00"), pkt(0x90, b"\x00\x01\x00\x80"), pkt(0xB0, b"\x00\x03"), PING,
         b"\xd0\x00", DISCONNECT, b"machine/+/reply\x00machine/7/reply",
         b"#\x00$SYS/broker/uptime"]
for i, data in enumerate(codec):
    write("fuzz_codec", f"seed{i:02d}", data)
write("fuzz_codec", "stream", b"".join(codec[:8]))


# fuzz_broker: a flags byte, then operations (see fuzz_broker.cpp): data from a client (op 5,
# length, bytes), time moving on (op 0, amount), a dropped socket (op 1).
def data(client, payload):
    out = b""
    for i in range(0, len(payload), 255):
        chunk = payload[i:i + 255]
        out += bytes([(5 << 2) | client, len(chunk)]) + chunk
    return out


def tick(n):
    return bytes([0, n])


def drop(client):
    return bytes([(1 << 2) | client, 0])


sessions = [
    data(0, connect("BOARD1", user="alice", pw="a") + subscribe(1, [("#", 0), ("machine/1/reply", 0)])
         + publish("machine/1", '{"action":"alive"}')),
    data(0, connect("BOARD417")) + data(1, connect("BOARD417")) + data(2, connect("BOARD417"))
    + tick(20),
    data(0, connect("p", False, "bob", "b") + subscribe(1, [("x/#", 1), ("a/in", 1), ("u/bob/#", 1)]))
    + drop(0)
    + data(1, connect("q", user="alice", pw="a") + publish("x/1", "m", 1, pid=3)
           + publish("r/1", "keep", 0, True))
    + data(2, connect("p", False, "bob", "b")),
    data(0, connect("c1") + publish("$SYS/x", "y") + publish("machine/1/request", "start")
         + subscribe(3, [("forbidden/#", 0), ("public/#", 0)]) + PING + DISCONNECT),
    data(0, connect("c1", user="alice", pw="wrong")) + data(1, b"\x10\xff\xff\x03") + tick(200)
    + tick(200),
    data(0, connect("s", False, "alice", "a") + subscribe(1, [("q/#", 2)])) + drop(0)
    + data(1, connect("pub", user="alice", pw="a")
           + b"".join(publish("q/%d" % i, "z" * 100, 2, pid=i + 1) for i in range(12)))
    + data(2, connect("s", False, "alice", "a") + ack(5, 1) + ack(7, 1)),
]
for i, ops in enumerate(sessions):
    write("fuzz_broker", f"seed{i:02d}", b"\x00" + ops)

# fuzz_board_json: the firmware's payloads (PROTOCOL.md), a topic line, and broken ones.
board = ['{"action":"checkmachine"}', '{"action":"checkuser","uid":"aabbccd1"}',
         '{"action":"startuse", "uid":"aabbccd1"}',
         '{"action":"inuse", "uid":"aabbccd1","duration":123}',
         '{"action":"stopuse", "uid":"aabbccd1","duration":123, "replay":true}',
         '{"action":"maintenance", "uid":"aabbccd1"}',
         '{"action":"alive","version":"hardware-rev0-it_IT,0.7.3-12-gabcdef","ip":"192.168.1.5",'
         '"serial":"a1b2c3d4e5f6","heap":"183456"}',
         '{"action":"synccache"}', 'machine/007\n{"action":"checkuser","uid":"AABBCCDD"}',
         "machine/x\n{}", '{"action":"checkuser","uid":5}', "[1,2,3]",
         '{"action":"inuse","uid":"a","duration":1e309}']
for i, payload in enumerate(board):
    write("fuzz_board_json", f"seed{i:02d}", payload)

# fuzz_http_request: what browsers and scripts send the portal, and some mischief.
http = ["GET /api/v1/machines?limit=10&offset=0&sort=name HTTP/1.1\r\nHost: fab\r\n"
        "Cookie: fabomatic_session=abc\r\n\r\n",
        "POST /api/v1/machines/7/start HTTP/1.1\r\nHost: fab\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nX-CSRF-Token: t\r\n\r\n{}",
        "DELETE /api/v1/board-accounts/3 HTTP/1.1\r\nHost: fab\r\n\r\n",
        "GET /assets/app.3f2a.js HTTP/1.1\r\nHost: fab\r\nAccept-Encoding: gzip\r\n\r\n",
        "GET /%2e%2e/etc/passwd?x=%zz HTTP/1.1\r\nHost: fab\r\n\r\n",
        "POST /api/v1/members HTTP/1.1\r\nHost: fab\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n",
        "GET /api/v1/live HTTP/1.1\r\nHost: fab\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"]
for i, request in enumerate(http):
    write("fuzz_http_request", f"seed{i:02d}", request)

# fuzz_json_body: REST bodies.
bodies = ['{"name":"LASER 1","machine_id":3,"blocked":false,"hours":12.5,"card":"AABBCCDD"}',
          '{"machines":[1,2,3],"from":1700000000,"until":null}',
          '{"name":"","surname":null,"count":-1}', '{"a":{"b":{"c":[[[[1]]]]}}}', "[]",
          '{"name":"\\u00e9\\ud83d\\ude00","limit":"10"}', '{"card":"","hours_between":1e400}']
for i, body in enumerate(bodies):
    write("fuzz_json_body", f"seed{i:02d}", body)

# fuzz_settings: the default file and variants.
with open(os.path.join(os.path.dirname(BASE), "..", "..", "tools", "settings.example.toml"),
          "rb") as f:
    write("fuzz_settings", "example", f.read())
settings = ['[MQTT]\nport = 1883\nallow_anonymous = false\npassword_file = "passwd"\n'
            'acl_file = "acl"\ntls_port = 8883\n[MQTT.users]\nshelly = "s"\n',
            '[database]\nurl = "sqlite:////var/lib/fab.db"\n[web]\nport = 1883\n',
            '[backend]\nlog_level = "debug"\nmax_unknown_cards = 5\n[weekly_summary]\n'
            'language = "it"\n',
            '[MQTT]\ntopic = "mach#ine"\nreply_subtopic = "/reply"\n[mqtt]\nx=1\n']
for i, text in enumerate(settings):
    write("fuzz_settings", f"seed{i:02d}", text)

# fuzz_acl: "<file>\0<user>\0<client id>\0<topic or filter>".
acl = ("# general\ntopic read public/#\n\nuser alice\ntopic readwrite alice/#\n"
       "topic deny alice/secret/#\ntopic write shared/#\nuser bob\ntopic sensors/#\n"
       "pattern readwrite devices/%u/#\npattern read clients/%c/inbox\n").encode()
write("fuzz_acl", "acl1", acl + b"\x00alice\x00c1\x00alice/x")
write("fuzz_acl", "acl2", acl + b"\x00\x00c3\x00public/#")
write("fuzz_acl", "acl3", acl + b"\x00carol\x00dev\x00devices/carol/+")
write("fuzz_acl", "passwd",
      b"alice:$7$101$dRWOnaKsIwftIsvs$8JQltpSXx74n2IfFIt4YObTKTaB0kpGeY+yj/YZ/FNtKHBdJP6cpWIerhRp"
      b"X08k15cbBCcxAvPb5uAJAh5CZSg==\nbob:$6$pYKMP7b7IR45nIZc$cnrsa7r96oIHvzpoW993KMVqfOpvsx1nF"
      b"XzPr8AbZrIf9b7KUA6oSr7gmJ+QoJPUokSSSwkhAP0K5DsJPGLFJw==\n\x00bob\x00c\x00x")
write("fuzz_acl", "bad", b"user\ntopic writ a\ntopic read a/#/b\n\x00u\x00c\x00a/b")
