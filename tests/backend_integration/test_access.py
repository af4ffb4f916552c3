"""Who may speak for a machine (issue 16): board accounts made with `fabomatic board-account`,
what a board account may do, the legacy mode an old settings file gets, SIGHUP after a rotation
made on the command line, two boards sharing a client id, and the bounds on what boards make
the backend write (unknown cards, discovered boards).

Clients: paho (Board, Monitor) and Debian's mosquitto_pub / mosquitto_sub.
"""
import json
import os
import signal
import subprocess
import threading
import time
import unittest

import paho.mqtt.client as mqtt

from backend_harness import BackendTestCase
from fabomatic_testing.board import ADMIN_CARD, alive, checkmachine, checkuser, checkuser_reply
from fabomatic_testing.process import fabomatic_bin


def mosquitto_passwd(path, user, password):
    args = ["mosquitto_passwd", "-b", path, user, password]
    if not os.path.exists(path):
        args.insert(1, "-c")
    subprocess.run(args, check=True, capture_output=True, timeout=10)


def subscribe_codes(port, filters, username=None, password=None, client_id="probe"):
    """The SUBACK return codes paho gets for `filters` (a refused filter is 128)."""
    client = mqtt.Client(client_id=client_id, clean_session=True, protocol=mqtt.MQTTv311)
    if username is not None:
        client.username_pw_set(username, password)
    connected, subscribed, codes = threading.Event(), threading.Event(), []
    client.on_connect = lambda *_: connected.set()
    client.on_subscribe = lambda _c, _u, _m, granted: (codes.extend(granted), subscribed.set())
    client.connect("127.0.0.1", port, 10)
    client.loop_start()
    try:
        assert connected.wait(5), "no CONNACK"
        client.subscribe([(f, 0) for f in filters])
        assert subscribed.wait(5), "no SUBACK"
        return list(codes)
    finally:
        client.disconnect()
        client.loop_stop()


class AccessTestCase(BackendTestCase):
    def cli(self, *args):
        """`fabomatic --config <ours> board-account ... --json`, parsed; run in the service's
        working directory, as relative paths of the settings (data_dir) are read from there."""
        result = subprocess.run(
            [fabomatic_bin(), "--config", self.server.settings_path, "board-account", *args,
             "--json"], capture_output=True, timeout=30, cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        return json.loads(result.stdout)

    def mosquitto(self, tool, *args):
        return subprocess.run([tool, "-h", "127.0.0.1", "-p", str(self.server.mqtt_port), *args],
                              capture_output=True, timeout=15)


class BoardAccounts(AccessTestCase):
    """allow_anonymous = false; a password file with an admin (no ACL file: every right)."""

    @property
    def settings(self):
        return {"MQTT": {"allow_anonymous": False,
                         "password_file": os.path.join(self.dir, "passwd")},
                "backend": {"stats_interval_s": 0}}

    def setUp(self):
        super().setUp()
        mosquitto_passwd(os.path.join(self.dir, "passwd"), "admin", "admin-pw")

    def admin_monitor(self, *filters):
        return self.monitor(*filters, client_id="admin-monitor", username="admin",
                            password="admin-pw")

    def monitor(self, *filters, client_id="monitor", qos=0, username=None, password=None):
        from fabomatic_testing.board import Monitor
        client = Monitor(self.server.mqtt_port, filters, client_id, qos, username, password)
        self.clients.append(client)
        return client

    def test_a_board_account_from_the_command_line_answers_its_board(self):
        account = self.cli("create", "1")
        self.assertEqual(account["username"], "board-1")
        self.assertRegex(account["secret"], r"^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$")
        self.assertEqual([a["username"] for a in self.cli("list")], ["board-1"])
        self.start()
        board = self.board("1", username="board-1", password=account["secret"])
        self.assertIn('"request_ok":true', board.query(checkmachine()))
        # Typed by a person: lower case, without the dashes.
        typed = account["secret"].replace("-", "").lower()
        again = self.board("1", username="board-1", password=typed)
        self.assertIn('"request_ok":true', again.query(checkmachine()))

    def test_a_board_account_speaks_for_its_own_machine_only(self):
        self.prepare(lambda s: s.machine("SECOND", machine_id=2))
        secret = self.cli("create", "1")["secret"]
        self.start()
        watcher = self.admin_monitor("#")
        board = self.board("1", username="board-1", password=secret)
        board.send(checkmachine(), "machine/2")                     # another machine
        board.send('{"request_type":"start","uid":"%s"}' % ADMIN_CARD, "machine/1/request")
        board.send('{"request_ok":true}', "machine/1/reply")        # a forged reply
        board.client.publish("machine/1", checkmachine(), retain=True).wait_for_publish(5)
        board.send(checkmachine())                                   # its own: answered
        seen = []
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            try:
                seen.append(watcher.next(0.2)[0])
            except AssertionError:
                pass
        self.assertEqual(sorted(set(seen)), ["machine/1", "machine/1/reply"], seen)
        self.assertEqual(seen.count("machine/1"), 1, "the retained one was refused")
        self.assertEqual(subscribe_codes(self.server.mqtt_port,
                                         ["#", "machine/+/reply", "machine/2/reply",
                                          "machine/1/reply", "machine/1/request"],
                                         "board-1", secret, "BOARD900"),
                         [128, 128, 128, 0, 0])
        # Debian's clients: the account cannot collect anything with '#'...
        sub = self.mosquitto("mosquitto_sub", "-u", "board-1", "-P", secret, "-t", "#",
                             "-C", "1", "-W", "3")
        self.assertIn(b"denied", sub.stdout + sub.stderr)
        # ...and nobody without an account connects.
        pub = self.mosquitto("mosquitto_pub", "-r", "-t", "machine/1/request", "-m",
                             '{"request_type":"start","uid":"%s"}' % ADMIN_CARD)
        self.assertNotEqual(pub.returncode, 0)
        self.assertIn(b"not authori", pub.stderr)
        late = self.admin_monitor("machine/#")
        with self.assertRaises(AssertionError):
            late.next(0.5)  # nothing retained
        # One reply: to its own query; the refused retained one was not answered.
        self.assertEqual(len(board.pending_replies()), 1)

    def test_a_rotation_on_the_command_line_takes_effect_at_sighup(self):
        secret = self.cli("create", "1")["secret"]
        self.start()
        board = self.board("1", username="board-1", password=secret)
        board.client.reconnect_delay_set(30, 30)  # no quick reconnection blurring the test
        rotated = self.cli("rotate", "1")["secret"]
        self.assertNotEqual(rotated, secret)
        self.assertIn('"request_ok":true', board.query(checkmachine()))  # still connected
        os.kill(self.server.pid, signal.SIGHUP)
        self.assertTrue(self.eventually(lambda: board.disconnects, bool, 5), "not disconnected")
        fresh = self.board("1", username="board-1", password=rotated)
        self.assertIn('"request_ok":true', fresh.query(checkmachine()))
        self.cli("revoke", "1")
        self.assertEqual(self.cli("list"), [])


class LegacyMode(AccessTestCase):
    """A settings file of the old tool: no allow_anonymous key."""

    settings = {"MQTT": {"allow_anonymous": None}, "backend": {"stats_interval_s": 0}}

    def test_boards_keep_working_but_only_for_machines_that_exist(self):
        self.start()
        board = self.board("1")  # the firmware's user/password, no account
        self.assertEqual(board.query(checkuser(ADMIN_CARD)),
                         checkuser_reply(True, "admin", False, 2))
        # A laptop on the network: no '#', no other machine's requests, nothing retained.
        sub = self.mosquitto("mosquitto_sub", "-t", "#", "-C", "1", "-W", "3")
        self.assertIn(b"denied", sub.stdout + sub.stderr)
        self.assertEqual(subscribe_codes(self.server.mqtt_port,
                                         ["machine/+/reply", "machine/1/reply", "machine/#"]),
                         [128, 0, 128])
        self.mosquitto("mosquitto_pub", "-r", "-t", "machine/1/request",
                       "-m", '{"request_type":"start","uid":"%s"}' % ADMIN_CARD)
        with self.assertRaises(AssertionError):
            board.next_request(1.0)
        board.send(alive(), "machine/999")  # no such machine: not even recorded
        board.send(checkmachine())
        self.assertIn('"request_ok":true', board.next_reply())
        self.assertEqual(self.rows("SELECT * FROM discovered_boards"), [])
        self.assertIn("allow_anonymous", self.server.log_text())


    def test_a_board_logged_in_with_its_account_takes_its_machine_out_of_reach(self):
        self.prepare(lambda s: s.machine("TWO", machine_id=2))
        account = self.cli("create", "1")
        self.start()
        # Created but not typed into the board yet: the machine still answers anonymously.
        old = self.board("1", client_id="BOARD-OLD")
        self.assertIn('"request_ok":true', old.query(checkmachine()))
        sniffer = self.board("1", client_id="laptop", source="127.0.0.2")
        two = self.board("2", client_id="BOARD-TWO")
        board = self.board("1", client_id="BOARD-NEW", username="board-1",
                           password=account["secret"])
        self.assertIn('"request_ok":true', board.query(checkmachine()))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not (old.disconnects and sniffer.disconnects):
            time.sleep(0.05)
        self.assertTrue(old.disconnects and sniffer.disconnects, "anonymous clients of machine 1 kept")
        self.assertEqual(two.disconnects, [])
        self.assertEqual(subscribe_codes(self.server.mqtt_port,
                                         ["machine/1/reply", "machine/1/request", "machine/2/reply"],
                                         client_id="laptop-2"),
                         [128, 128, 0])
        self.assertIn('"request_ok":true', two.query(checkmachine()))
        self.assertIn("closed to anonymous clients", self.server.log_text())


class SharedClientId(AccessTestCase):
    settings = {"backend": {"stats_interval_s": 0}}

    def test_two_boards_with_one_client_id_from_two_addresses_are_both_answered(self):
        self.prepare(lambda s: s.machine("SEVEN", machine_id=7))
        self.start()
        three = self.board("1", client_id="BOARD417", source="127.0.0.1")
        seven = self.board("7", client_id="BOARD417", source="127.0.0.2")
        answered = {"1": 0, "7": 0}
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            for machine, board in (("1", three), ("7", seven)):
                self.assertIn('"request_ok":true', board.query(checkmachine()))
                answered[machine] += 1
        self.assertEqual(three.disconnects + seven.disconnects, [], "a takeover")
        self.assertTrue(three.connected() and seven.connected())
        self.assertGreater(min(answered.values()), 20, answered)
        self.assertIn("client id BOARD417 is used by", self.server.log_text())


class BoardWrites(AccessTestCase):
    settings = {"backend": {"stats_interval_s": 0, "unknown_card_window_s": 300,
                            "max_unknown_cards": 5, "max_discovered_boards": 3}}

    def test_unknown_cards_once_per_window_and_capped(self):
        self.start()
        board = self.board("1")
        for _ in range(20):
            self.assertIn('"is_valid":false', board.query(checkuser("deadbeef")))
        self.assertEqual(self.value("SELECT COUNT(*) FROM unknown_cards"), 1)
        for n in range(20):
            board.query(checkuser("%08x" % (0xa0000000 + n)))
        self.assertEqual(self.value("SELECT COUNT(*) FROM unknown_cards"), 5)
        newest = self.value("SELECT card_UUID FROM unknown_cards ORDER BY id DESC LIMIT 1")
        self.assertEqual(newest, "%08x" % (0xa0000000 + 19))

    def test_discovered_boards_capped(self):
        self.start()
        board = self.board("1")
        for machine in range(100, 110):
            board.send(alive(ip=f"10.0.0.{machine - 90}"), f"machine/{machine}")
        board.query(checkmachine())  # in order: the alives were handled before
        ids = [r["machine_id"] for r in self.rows(
            "SELECT machine_id FROM discovered_boards ORDER BY machine_id")]
        self.assertEqual(ids, [107, 108, 109])


if __name__ == "__main__":
    unittest.main()
