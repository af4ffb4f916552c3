#!/usr/bin/env python3
"""Asks a running appliance what a board and a browser would: waits until the broker and the
portal answer, then sends one board query over MQTT (CONNECT, SUBSCRIBE machine/<id>/reply,
PUBLISH machine/<id> {"action":"checkmachine"}) and fetches the portal's OpenAPI document over
HTTPS. Standard library only (the MQTT packets are written by hand), so it runs anywhere.

  appliance_probe.py [--host 127.0.0.1] [--mqtt-port 1883] [--portal-port 23336]
                     [--machine 1] [--wait 60] [--username U --password P]
                     [--anonymous-refused-ok]

A new installation refuses boards without an account ([MQTT] allow_anonymous = false): give the
probe a board account (`fabomatic board-account create 1 --json` on the appliance), or with
--anonymous-refused-ok count the broker's CONNACK 0x05 to an anonymous board as its answer.

Prints one line per check ("ok - ..." / "FAIL - ...") with the seconds until each answered
(both are retried until --wait runs out); exits 0 only when every check passed.
"""
import argparse
import json
import socket
import ssl
import struct
import sys
import time
import urllib.request


def remaining_length(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def packet(kind, body):
    return bytes([kind]) + remaining_length(len(body)) + body


def read_packet(sock):
    head = sock.recv(1)
    if not head:
        raise ConnectionError("connection closed by the broker")
    length, shift = 0, 0
    while True:
        byte = sock.recv(1)[0]
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            raise ConnectionError("connection closed mid-packet")
        body += chunk
    return head[0], body


class NotAuthorized(Exception):
    """CONNACK 0x05: the broker answered, and refused the board."""


def board_session(host, port, machine, timeout, client_id, username=None, password=None):
    """A board's connection: CONNECT (clean session), CONNACK accepted, SUBSCRIBE to
    machine/<id>/reply. Returns the socket; NotAuthorized on CONNACK 0x05."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.settimeout(timeout)
        flags = 0x02 | (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
        connect = utf8("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + utf8(client_id)
        if username is not None:
            connect += utf8(username)
        if password is not None:
            connect += utf8(password)
        sock.sendall(packet(0x10, connect))
        kind, body = read_packet(sock)
        if kind == 0x20 and body[1] == 5:
            raise NotAuthorized("CONNACK 0x05 (not authorized)")
        if kind != 0x20 or body[1] != 0:
            raise RuntimeError("CONNACK refused: %r" % body)
        sock.sendall(packet(0x82, struct.pack("!H", 1) + utf8("machine/%s/reply" % machine) + b"\x00"))
        kind, body = read_packet(sock)
        if kind != 0x90:
            raise RuntimeError("no SUBACK")
        return sock
    except BaseException:
        sock.close()
        raise


def board_ask(sock, machine, query):
    """Publishes a query (a dict) on machine/<id> and returns the reply's JSON object."""
    reply_topic = "machine/%s/reply" % machine
    sock.sendall(packet(0x30, utf8("machine/%s" % machine) + json.dumps(query).encode()))
    while True:
        kind, body = read_packet(sock)
        if kind & 0xF0 == 0x30:
            topic_len = struct.unpack("!H", body[:2])[0]
            topic = body[2 : 2 + topic_len].decode()
            payload = body[2 + topic_len + (2 if kind & 0x06 else 0) :]
            if topic == reply_topic:
                return json.loads(payload)


def board_question(host, port, machine, timeout, username=None, password=None):
    """checkmachine as a board asks it; returns the reply's JSON object."""
    with board_session(host, port, machine, timeout, "probe-%d" % time.time_ns(), username,
                       password) as sock:
        reply = board_ask(sock, machine, {"action": "checkmachine"})
        sock.sendall(packet(0xE0, b""))
        return reply


def portal_get(host, port, path, timeout):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the appliance's certificate is self-signed
    with urllib.request.urlopen("https://%s:%d%s" % (host, port, path), timeout=timeout, context=context) as r:
        return r.status, r.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--mqtt-port", type=int, default=1883)
    ap.add_argument("--portal-port", type=int, default=23336)
    ap.add_argument("--machine", default="1")
    ap.add_argument("--wait", type=float, default=60, help="seconds to wait for the ports")
    ap.add_argument("--username", help="the board account's user name (board-<machine id>)")
    ap.add_argument("--password", help="the board account's secret")
    ap.add_argument("--anonymous-refused-ok", action="store_true",
                    help="a CONNACK 0x05 to the anonymous board counts as the broker's answer")
    args = ap.parse_args()

    start = time.monotonic()
    deadline = start + args.wait
    failures = 0

    def check(ok, text):
        nonlocal failures
        print(("ok - " if ok else "FAIL - ") + text, flush=True)
        failures += 0 if ok else 1

    # Retried until the deadline: behind QEMU's port forwarding a TCP connection is accepted
    # before anything listens in the guest, so only an answer counts.
    last_error = None
    reply = None
    refused = False
    while reply is None and not refused:
        try:
            t = time.monotonic()
            reply = board_question(args.host, args.mqtt_port, args.machine, 10, args.username,
                                   args.password)
            took = time.monotonic() - t
        except NotAuthorized as e:  # an answer: no point in asking again
            last_error = e
            refused = True
        except Exception as e:  # noqa: BLE001 - anything short of an answer: try again
            last_error = e
            if time.monotonic() > deadline:
                break
            time.sleep(1)
    if refused and args.anonymous_refused_ok and args.username is None:
        check(True, "broker answered on %s:%d after %.1f s: an anonymous board is refused (0x05: "
              "allow_anonymous = false, boards need an account)"
              % (args.host, args.mqtt_port, time.monotonic() - start))
    elif refused:
        check(False, "board question on %s:%d machine/%s: %s%s"
              % (args.host, args.mqtt_port, args.machine, last_error,
                 "" if args.username else ": give --username/--password of a board account"))
    elif reply is None:
        check(False, "board question on %s:%d machine/%s: %s" % (args.host, args.mqtt_port, args.machine, last_error))
    else:
        check("request_ok" in reply and "is_valid" in reply,
              "board answered on %s:%d after %.1f s: checkmachine on machine/%s -> %s (%.0f ms)"
              % (args.host, args.mqtt_port, time.monotonic() - start, args.machine,
                 json.dumps(reply, separators=(",", ":")), took * 1000))
    doc = None
    while doc is None:
        try:
            status, body = portal_get(args.host, args.portal_port, "/api/v1/openapi.json", 10)
            doc = json.loads(body)
        except Exception as e:  # noqa: BLE001
            last_error = e
            if time.monotonic() > deadline:
                break
            time.sleep(1)
    if doc is None:
        check(False, "portal GET https://%s:%d/api/v1/openapi.json: %s" % (args.host, args.portal_port, last_error))
    else:
        check(status == 200 and "openapi" in doc,
              "portal answered on %s:%d after %.1f s: GET /api/v1/openapi.json %d, OpenAPI %s, %d paths"
              % (args.host, args.portal_port, time.monotonic() - start, status, doc.get("openapi"),
                 len(doc.get("paths", {}))))
    print("probe: %.1f s, %s" % (time.monotonic() - start, "all passed" if not failures else "%d failed" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
