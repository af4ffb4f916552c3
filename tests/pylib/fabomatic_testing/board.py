"""A simulated Fab-O-Matic board: what the firmware sends, byte for byte, and what the backend
must answer, byte for byte (docs/board-protocol.md).

Board and Monitor are Debian's paho-mqtt, a client we did not write; every wait is bounded.
"""
import json
import queue
import threading

import paho.mqtt.client as mqtt

# How long a board waits for a reply. The firmware waits 2 s; the sanitizer build, and any
# build while the portal is being abused, are slower.
REPLY_TIMEOUT_S = 5.0

# What db/seed.cpp creates in a new database.
SEEDED_MACHINE_ID = 1
SEEDED_TYPE_ID = 1
ADMIN_CARD = "12345678"  # the seeded admin's card in the tests' template (testcase.py)


def _connect(client, port, keepalive, subscriptions, what, source=None):
    """Connects `client` (from the local address `source`, when given) and subscribes, each
    step awaited (or TimeoutError)."""
    connected = threading.Event()
    subscribed = threading.Event()
    client.on_connect = lambda _c, _u, _f, rc: connected.set() if rc == 0 else None
    client.on_subscribe = lambda *_: subscribed.set()
    client.connect("127.0.0.1", port, keepalive=keepalive, bind_address=source or "")
    client.loop_start()
    try:
        if not connected.wait(REPLY_TIMEOUT_S):
            raise TimeoutError(f"{what}: no CONNACK")
        client.subscribe(subscriptions)
        if not subscribed.wait(REPLY_TIMEOUT_S):
            raise TimeoutError(f"{what}: no SUBACK")
    except BaseException:
        client.disconnect()
        client.loop_stop()
        raise


class Board:
    """A board as the firmware connects: client id BOARD<n>, clean session, subscribed at QoS 0
    to machine/<id>/reply and machine/<id>/request. Replies and requests queue up apart."""

    _next_number = [0]
    _lock = threading.Lock()

    def __init__(self, port, machine=SEEDED_MACHINE_ID, client_id=None, username="user",
                 password="password", source=None):
        """username/password: the firmware's default unless a board account is given; source:
        the local address to connect from (127.0.0.2 and up are other loopback hosts)."""
        with Board._lock:
            Board._next_number[0] += 1
            number = Board._next_number[0]
        self.topic = f"machine/{machine}"
        self.reply_topic = self.topic + "/reply"
        self.request_topic = self.topic + "/request"
        self.replies = queue.Queue()
        self.requests = queue.Queue()
        self.client = mqtt.Client(client_id=client_id or f"BOARD{number % 1000}",
                                  clean_session=True, protocol=mqtt.MQTTv311)
        self.client.username_pw_set(username, password)
        self.client.on_message = self._on_message
        self.disconnects = []  # return codes of connections lost (a takeover, say)
        self.client.on_disconnect = lambda _c, _u, rc: self.disconnects.append(rc)
        _connect(self.client, port, 10, [(self.reply_topic, 0), (self.request_topic, 0)],
                 "board", source)

    def _on_message(self, _client, _userdata, msg):
        (self.replies if msg.topic == self.reply_topic else self.requests).put(msg.payload)

    def send(self, payload, topic=None):
        """Publishes a query (str or bytes) at QoS 0 without waiting for a reply."""
        info = self.client.publish(topic or self.topic, payload, qos=0, retain=False)
        info.wait_for_publish(REPLY_TIMEOUT_S)
        if not info.is_published():
            raise TimeoutError("board: publish did not leave")

    def next_reply_bytes(self, timeout=REPLY_TIMEOUT_S):
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no reply on {self.reply_topic} within {timeout} s") from None

    def next_reply(self, timeout=REPLY_TIMEOUT_S):
        return self.next_reply_bytes(timeout).decode("utf-8")

    def query(self, payload):
        """Sends a query and returns the reply payload as text (asserting one came)."""
        self.send(payload)
        return self.next_reply()

    def query_json(self, payload):
        """Sends a query and returns the reply parsed."""
        return json.loads(self.query(payload))

    def next_request(self, timeout=REPLY_TIMEOUT_S):
        """The next message on the request topic (remote start/stop) as text."""
        try:
            return self.requests.get(timeout=timeout).decode("utf-8", errors="replace")
        except queue.Empty:
            raise AssertionError(f"no request on {self.request_topic} within {timeout} s") \
                from None

    def pending_replies(self):
        items = []
        while True:
            try:
                items.append(self.replies.get_nowait())
            except queue.Empty:
                return items

    def connected(self):
        return self.client.is_connected()

    def close(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


class Monitor:
    """Any other MQTT client, subscribed to some filters; collects (topic, payload)."""

    def __init__(self, port, filters, client_id="monitor", qos=0, username=None, password=None):
        self.messages = queue.Queue()
        self.details = []  # (topic, qos, retain) of every message, in arrival order
        self.client = mqtt.Client(client_id=client_id, clean_session=True,
                                  protocol=mqtt.MQTTv311)
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.on_message = self._on_message
        _connect(self.client, port, 30, [(f, qos) for f in filters], "monitor")

    def _on_message(self, _client, _userdata, msg):
        self.details.append((msg.topic, msg.qos, bool(msg.retain)))
        self.messages.put((msg.topic, msg.payload))

    def next(self, timeout=REPLY_TIMEOUT_S):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"monitor: nothing within {timeout} s") from None

    def close(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


# ------------------------------------------------------------------------------ payloads
# Byte for byte what the firmware publishes (docs/board-protocol.md): note the space after the comma
# that follows "action", and none before "duration".
def checkmachine():
    return '{"action":"checkmachine"}'


def checkuser(uid):
    return '{"action":"checkuser","uid":"%s"}' % uid


def _replayed(payload, replay):
    return payload[:-1] + ', "replay":true}' if replay else payload


def startuse(uid, replay=False):
    return _replayed('{"action":"startuse", "uid":"%s"}' % uid, replay)


def inuse(uid, duration):
    return '{"action":"inuse", "uid":"%s","duration":%s}' % (uid, duration)


def stopuse(uid, duration, replay=False):
    return _replayed('{"action":"stopuse", "uid":"%s","duration":%s}' % (uid, duration), replay)


def maintenance(uid, replay=False):
    return _replayed('{"action":"maintenance", "uid":"%s"}' % uid, replay)


def alive(version="hardware-rev0-it_IT,0.7.3-12-gabcdef", ip="192.168.1.5",
          serial="a1b2c3d4e5f6", heap='"183456"'):
    """heap is spliced in raw: '"183456"' (a string, current firmware) or '1234' (older)."""
    parts = ['"action":"alive"', f'"version":"{version}"', f'"ip":"{ip}"']
    if serial is not None:
        parts.append(f'"serial":"{serial}"')
    if heap is not None:
        parts.append(f'"heap":{heap}')
    return "{" + ",".join(parts) + "}"


def synccache():
    return '{"action":"synccache"}'


# ------------------------------------------------------------------------------ replies
def j(value):
    """A JSON string literal as the backend writes it (compact, UTF-8 kept)."""
    return json.dumps(value, ensure_ascii=False)


def _b(value):
    return "true" if value else "false"


def checkuser_reply(is_valid, name, missing_auth, level, request_ok=True):
    return ('{"request_ok":%s,"is_valid":%s,"name":%s,"missing_auth":%s,"level":%d}'
            % (_b(request_ok), _b(is_valid), j(name), _b(missing_auth), level))


def checkmachine_reply(name, logoff, type_id, grace, maintenance=False, allowed=True,
                       description=""):
    return ('{"request_ok":true,"is_valid":true,"maintenance":%s,"allowed":%s,"name":%s,'
            '"logoff":%d,"type":%d,"grace":%d,"description":%s}'
            % (_b(maintenance), _b(allowed), j(name), logoff, type_id, grace, j(description)))


def simple_reply(request_ok, message):
    return '{"request_ok":%s,"message":%s}' % (_b(request_ok), j(message))


def duration_reply(seconds):
    return simple_reply(True, f"Duration {seconds} seconds")


def synccache_reply(cards):
    """cards: [(uid, level), ...] exactly as expected."""
    items = ",".join('{"uid":%s,"level":%d}' % (j(uid), level) for uid, level in cards)
    return '{"request_ok":true,"cards":[%s]}' % items


UNKNOWN_MACHINE_REPLY = '{"request_ok":false,"message":"Invalid machine ID"}'
NOT_AUTHORIZED = ("User not authorized", True, 0)


def reply_budget(reply_topic):
    """Largest payload the board's 300-byte MQTT buffer accepts on this topic (docs/board-protocol.md:
    280 bytes on machine/<one digit>/reply, one less per extra character of the topic)."""
    return 300 - 5 - len(reply_topic.encode())
