"""MQTT over TLS, over WebSocket and over WebSocket + TLS (issue 16, item 4): ours only (the
Mosquitto of these tests has no certificate). The same accounts and ACL on every listener:
a password file written by mosquitto_passwd, anonymous clients refused. TLS with the
certificate fabomatic made for its portal (self-signed, 127.0.0.1 in its names).

Clients: paho over TLS and WebSocket, mosquitto_pub/mosquitto_sub over TLS.
"""
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import paho.mqtt.client as mqtt

from fabomatic_testing.process import free_ports, port_accepts, wait_until
from harness import BrokerTestCase, per_broker

ACL = "user alice\ntopic readwrite alice/#\n"


class ListenerScenarios:
    @classmethod
    def broker_options(cls):
        if not hasattr(cls, "files_dir"):
            cls.files_dir = tempfile.mkdtemp(prefix="it-listeners-")
            cls.password_file = os.path.join(cls.files_dir, "passwd")
            cls.acl_file = os.path.join(cls.files_dir, "acl")
            subprocess.run(["mosquitto_passwd", "-c", "-b", cls.password_file, "alice", "apw"],
                           check=True, capture_output=True)
            with open(cls.acl_file, "w") as f:
                f.write(ACL)
            cls.tls_port, cls.ws_port, cls.wss_port = free_ports(3)
        return {"allow_anonymous": False, "password_file": cls.password_file,
                "acl_file": cls.acl_file,
                "mqtt": {"tls_port": cls.tls_port, "websocket_port": cls.ws_port,
                         "websocket_tls_port": cls.wss_port}}

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(getattr(cls, "files_dir", ""), ignore_errors=True)

    def setUp(self):
        super().setUp()
        if self.broker_name != "fabomatic":
            self.skipTest("TLS and WebSocket listeners: ours only")
        # The harness waits for the plain port only; the others open right after it.
        ports = (self.tls_port, self.ws_port, self.wss_port)
        self.assertTrue(wait_until(lambda: all(port_accepts(p) for p in ports), 10, 0.05),
                        "the TLS and WebSocket listeners do not accept connections")

    def paho_client(self, port, transport="tcp", tls=False, user="alice", password="apw"):
        """A paho client connected (or refused): returns (client, CONNACK code, messages)."""
        client = mqtt.Client(client_id=self.cid(f"{transport}{int(tls)}"), transport=transport,
                             protocol=mqtt.MQTTv311)
        if user:
            client.username_pw_set(user, password)
        if tls:
            client.tls_set(ca_certs=self.broker.cert_path, cert_reqs=ssl.CERT_REQUIRED)
        codes, messages, subscribed = [], [], threading.Event()
        connected = threading.Event()
        client.on_connect = lambda _c, _u, _f, rc: (codes.append(rc), connected.set())
        client.on_message = lambda _c, _u, m: messages.append((m.topic, m.payload))
        client.on_subscribe = lambda _c, _u, _m, granted: (codes.append(list(granted)),
                                                           subscribed.set())
        client.connect("127.0.0.1", port, 30)
        client.loop_start()
        self.addCleanup(lambda: (client.disconnect(), client.loop_stop()))
        self.assertTrue(connected.wait(10), "no CONNACK")
        client.subscribed = subscribed
        return client, codes[0], messages, codes

    def round_trip(self, port, transport, tls):
        client, code, messages, codes = self.paho_client(port, transport, tls)
        self.assertEqual(code, 0)
        client.subscribe([(f"alice/{transport}", 1), ("#", 0)])
        self.assertTrue(client.subscribed.wait(5))
        self.assertEqual(codes[1], [1, 0x80], "the ACL applies on this listener too")
        client.publish(f"alice/{transport}", b"hello", qos=1)
        deadline = time.monotonic() + 5
        while not messages and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(messages, [(f"alice/{transport}", b"hello")])
        # Anonymous clients are refused here as on 1883.
        _, refused, _, _ = self.paho_client(port, transport, tls, user=None)
        self.assertEqual(refused, 5)

    def test_mqtt_over_tls(self):
        self.round_trip(self.tls_port, "tcp", True)

    def test_mqtt_over_websocket(self):
        self.round_trip(self.ws_port, "websockets", False)

    def test_mqtt_over_websocket_and_tls(self):
        self.round_trip(self.wss_port, "websockets", True)

    def test_one_client_across_listeners(self):
        # A message from the TLS listener reaches a WebSocket subscriber and a plain one.
        ws, code, ws_messages, _ = self.paho_client(self.ws_port, "websockets")
        ws.subscribe("alice/shared", 0)
        self.assertTrue(ws.subscribed.wait(5))
        plain = self.raw(self.cid("plain"), username="alice", password="apw")
        plain.subscribe([("alice/shared", 0)])
        tls, _, _, _ = self.paho_client(self.tls_port, "tcp", True)
        tls.publish("alice/shared", b"across", qos=1).wait_for_publish(5)
        self.assertEqual(plain.expect_publish().payload, b"across")
        deadline = time.monotonic() + 5
        while not ws_messages and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(ws_messages, [("alice/shared", b"across")])

    def test_mosquitto_clients_over_tls(self):
        common = ["-h", "127.0.0.1", "-p", str(self.tls_port), "--cafile", self.broker.cert_path,
                  "-u", "alice", "-P", "apw"]
        sub = subprocess.Popen(["mosquitto_sub", *common, "-t", "alice/tls", "-C", "1", "-W",
                                "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.7)
        subprocess.run(["mosquitto_pub", *common, "-t", "alice/tls", "-m", "over tls"],
                       check=True, timeout=10)
        out, err = sub.communicate(timeout=15)
        self.assertEqual(out.decode().strip(), "over tls", err.decode())

    def test_a_tls_handshake_that_never_comes_is_closed_by_the_connect_timeout(self):
        import socket
        s = socket.create_connection(("127.0.0.1", self.tls_port), timeout=10)
        started = time.monotonic()
        self.assertEqual(s.recv(1), b"")  # closed without a byte from us
        self.assertLess(time.monotonic() - started,
                        self.expected("connect_timeout_s") + 1.5)
        s.close()


globals().update(per_broker(ListenerScenarios))

if __name__ == "__main__":
    unittest.main()
