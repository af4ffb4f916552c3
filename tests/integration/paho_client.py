"""A thin synchronous wrapper over Debian's paho-mqtt 1.6: an independent, widely used client
implementation, so the broker is also checked against code we did not write. Every wait is
bounded; received messages queue up for next_message()."""
import queue
import threading

import paho.mqtt.client as mqtt

MQTTv31 = mqtt.MQTTv31
MQTTv311 = mqtt.MQTTv311


class PahoClient:
    def __init__(self, port, client_id, clean=True, protocol=MQTTv311, keepalive=60,
                 will=None, timeout=5.0):
        """will = (topic, payload, qos, retain)."""
        self.timeout = timeout
        self.messages = queue.Queue()
        self._acks = {}
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self.connack = None
        self.client = mqtt.Client(client_id=client_id, clean_session=clean, protocol=protocol)
        if will:
            topic, payload, qos, retain = will
            self.client.will_set(topic, payload, qos, retain)
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda _c, _u, msg: self.messages.put(msg)
        self.client.on_subscribe = lambda _c, _u, mid, granted: self._ack(mid, list(granted))
        self.client.on_unsubscribe = lambda _c, _u, mid: self._ack(mid, True)
        self.client.connect("127.0.0.1", port, keepalive=keepalive)
        self.client.loop_start()
        if not self._connected.wait(timeout):
            self.close()
            raise TimeoutError(f"paho client {client_id!r}: no CONNACK")
        if self.connack["rc"] != 0:
            raise AssertionError(f"paho client {client_id!r}: CONNACK rc {self.connack['rc']}")

    def _on_connect(self, _client, _userdata, flags, rc):
        self.connack = {"rc": rc, "session_present": bool(flags.get("session present"))}
        self._connected.set()

    def _ack(self, mid, value):
        with self._lock:
            event = self._acks.setdefault(mid, [threading.Event(), None])
            event[1] = value
            event[0].set()

    def _wait_ack(self, mid):
        with self._lock:
            event = self._acks.setdefault(mid, [threading.Event(), None])
        if not event[0].wait(self.timeout):
            raise TimeoutError(f"no acknowledgement for message id {mid}")
        return event[1]

    def subscribe(self, topic, qos=0):
        """Returns the granted QoS list of the SUBACK."""
        rc, mid = self.client.subscribe(topic, qos)
        if rc != mqtt.MQTT_ERR_SUCCESS:
            raise AssertionError(f"subscribe failed locally: rc {rc}")
        return self._wait_ack(mid)

    def unsubscribe(self, topic):
        rc, mid = self.client.unsubscribe(topic)
        if rc != mqtt.MQTT_ERR_SUCCESS:
            raise AssertionError(f"unsubscribe failed locally: rc {rc}")
        self._wait_ack(mid)

    def publish(self, topic, payload, qos=0, retain=False):
        """Returns once the QoS flow completed (sent for QoS 0)."""
        info = self.client.publish(topic, payload, qos, retain)
        info.wait_for_publish(self.timeout)
        if not info.is_published():
            raise TimeoutError(f"publish to {topic!r} at QoS {qos} did not complete")

    def next_message(self, timeout=None):
        try:
            return self.messages.get(timeout=self.timeout if timeout is None else timeout)
        except queue.Empty:
            raise TimeoutError("no message") from None

    def close(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()
