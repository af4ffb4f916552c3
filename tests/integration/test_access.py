"""Accounts and ACL the Mosquitto way (MQTT 3.1.1 section 5.4: authentication and
authorization): the same password file, written by Debian's mosquitto_passwd, and the same ACL
file, given to Mosquitto 2.0.11 and to ours; SIGHUP re-reads both.

Clients: raw sockets (mqtt_raw), paho, and mosquitto_pub / mosquitto_sub.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import BrokerTestCase, per_broker
from fabomatic_testing.mqtt_raw import PINGREQ_PKT, PINGRESP

ACL = """# rules before any user line: anonymous clients
topic read public/#

user alice
topic readwrite alice/#
topic write shared/#
topic deny alice/secret/#

user bob
topic read alice/#
topic read shared/+/status

user admin
topic readwrite #
topic read $SYS/#

pattern readwrite devices/%u/#
pattern read clients/%c/inbox
"""

PASSWORDS = {"alice": ("apw", "sha512-pbkdf2"), "bob": ("bpw", "sha512"),
             "admin": ("adm", "sha512-pbkdf2")}


def mosquitto_passwd(path, user, password=None, algorithm="sha512-pbkdf2", delete=False):
    """Debian's mosquitto_passwd, as a lab would run it."""
    if delete:
        args = ["mosquitto_passwd", "-D", path, user]
    else:
        args = ["mosquitto_passwd", "-H", algorithm, "-b", path, user, password]
        if not os.path.exists(path):
            args.insert(1, "-c")
    subprocess.run(args, check=True, capture_output=True, timeout=10)


class AccessFiles:
    """A password file and an ACL file in a directory of the class's own, and a broker that uses
    them (anonymous clients let in when allow_anonymous is set)."""

    allow_anonymous = False

    @classmethod
    def broker_options(cls):
        if not hasattr(cls, "files_dir") or not os.path.exists(cls.password_file):
            cls.make_files()
        return {"allow_anonymous": cls.allow_anonymous, "password_file": cls.password_file,
                "acl_file": cls.acl_file}

    @classmethod
    def make_files(cls):
        cls.files_dir = tempfile.mkdtemp(prefix="it-access-")
        cls.password_file = os.path.join(cls.files_dir, "passwd")
        cls.acl_file = os.path.join(cls.files_dir, "acl")
        for user, (password, algorithm) in PASSWORDS.items():
            mosquitto_passwd(cls.password_file, user, password, algorithm)
        with open(cls.acl_file, "w") as f:
            f.write(ACL)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.files_dir, ignore_errors=True)


class AccessScenarios(AccessFiles):
    def login(self, user, client_id=None, source=None):
        return self.raw(client_id or self.cid(user), source=source, username=user,
                        password=PASSWORDS[user][0])

    def admin_watcher(self, *filters):
        watcher = self.login("admin", self.cid("watch"))
        watcher.subscribe([(f, 0) for f in filters or ["#"]])
        return watcher

    def assertAlive(self, client):
        client.send(PINGREQ_PKT)
        client.expect(PINGRESP)

    def test_MQTT_5_4_1_accounts_of_mosquitto_passwd_connect(self):
        # $7$ (PBKDF2-SHA512, the default) and $6$ (-H sha512) as the file holds them.
        for user in ("alice", "bob"):
            self.login(user).disconnect()

    def test_MQTT_3_2_2_5_wrong_password_unknown_user_and_anonymous_get_0x05_then_closed(self):
        for kw in ({"username": "alice", "password": "wrong"},
                   {"username": "mallory", "password": "x"},
                   {"username": "alice"}, {}):
            c = self.raw()
            c.connect(self.cid("refused"), expect_rc=5, **kw)
            c.expect_closed()

    def test_MQTT_5_4_2_refused_publish_is_dropped_and_the_connection_kept(self):
        watcher = self.admin_watcher(self.topic("#"), "alice/#", "other/#", "shared/#")
        alice = self.login("alice")
        alice.publish("alice/x", b"mine")
        alice.publish("alice/secret/x", b"denied by a deny rule")
        alice.publish("other/x", b"no rule")
        alice.publish("other/y", b"no rule, at least once", qos=1)  # PUBACK all the same
        alice.publish("shared/a/status", b"write only is enough")
        got = [(p.topic, p.payload) for p in watcher.collect_publishes(quiet=0.5)]
        self.assertEqual(got, [("alice/x", b"mine"), ("shared/a/status", b"write only is enough")])
        self.assertAlive(alice)

    def test_MQTT_3_1_2_6_a_clean_session_of_another_account_leaves_a_stored_session(self):
        cid = self.cid("persist")

        def alice_persistent():
            client = self.raw()
            ack = client.connect(cid, clean=False, username="alice", password=PASSWORDS["alice"][0])
            return client, ack.session_present

        alice, _ = alice_persistent()
        alice.subscribe([("alice/inbox", 1)])
        alice.disconnect()
        self.login("bob", cid).disconnect()  # a clean session, the same client id, bob's account
        self.login("admin", self.cid("pub")).publish("alice/inbox", b"queued", qos=1)
        back, present = alice_persistent()
        if self.expected("clean_session_of_another_account") == "kept":
            self.assertTrue(present)
            self.assertEqual(back.expect_publish().payload, b"queued")
        else:
            self.assertFalse(present)
            self.assertEqual(back.collect_publishes(quiet=0.5), [])

    def test_MQTT_3_9_3_filter_outside_the_acl(self):
        bob = self.login("bob")
        granted = bob.subscribe([("alice/#", 0), ("#", 0), ("shared/+/status", 0),
                                 ("shared/#", 0)], pid=3)
        if self.expected("acl_subscribe_outside_rules") == "suback_0x80":
            self.assertEqual(granted, [0, 0x80, 0, 0x80])
        else:
            self.assertEqual(granted, [0, 0, 0, 0])
        # Either way bob reads nothing the ACL does not let him read.
        admin = self.login("admin")
        admin.publish("alice/a", b"1")
        admin.publish("other/b", b"2")
        admin.publish("shared/c/status", b"3")
        admin.publish("shared/c/other", b"4")
        got = sorted(p.topic for p in bob.collect_publishes(quiet=0.5))
        self.assertEqual(got, ["alice/a", "shared/c/status"])

    def test_MQTT_4_7_2_sys_is_read_only(self):
        watcher = self.admin_watcher("$SYS/broker/forged")
        admin = self.login("admin")  # readwrite # (which does not reach $SYS) and read $SYS/#
        admin.publish("$SYS/broker/forged", b"x", retain=True)
        admin.publish("$SYS/broker/forged", b"x", qos=1)
        watcher.expect_nothing(1.0)
        late = self.login("admin", self.cid("late"))
        late.subscribe([("$SYS/broker/forged", 0)])
        late.expect_nothing(0.5)

    def test_MQTT_5_4_2_patterns_for_user_and_client_id(self):
        watcher = self.admin_watcher("devices/#", "clients/#")
        alice = self.login("alice", "alice-phone")
        alice.publish("devices/alice/temp", b"21")
        alice.publish("devices/bob/temp", b"forged")
        got = [p.topic for p in watcher.collect_publishes(quiet=0.5)]
        self.assertEqual(got, ["devices/alice/temp"])
        granted = alice.subscribe([("clients/alice-phone/inbox", 0)], pid=2)
        self.assertEqual(granted, [0])
        self.login("admin").publish("clients/alice-phone/inbox", b"hello")
        self.assertEqual(alice.expect_publish().payload, b"hello")

    def test_mosquitto_clients_with_the_same_files(self):
        # mosquitto_sub as alice, mosquitto_pub as admin and as bob (who may not write).
        port = str(self.port)
        sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-u", "alice",
                                "-P", "apw", "-t", "alice/inbox", "-C", "1", "-W", "10"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.5)
        pub = ["mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-t", "alice/inbox"]
        subprocess.run(pub + ["-u", "bob", "-P", "bpw", "-m", "from bob"], check=True, timeout=10)
        subprocess.run(pub + ["-u", "admin", "-P", "adm", "-m", "from admin"], check=True,
                       timeout=10)
        out, err = sub.communicate(timeout=15)
        self.assertEqual(out.decode().strip(), "from admin", err.decode())
        refused = subprocess.run(pub + ["-m", "x"], capture_output=True, timeout=10)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn(b"not authorised", refused.stderr.lower().replace(b"authorized",
                                                                       b"authorised"))

    def test_sighup_rereads_the_password_and_acl_files(self):
        bob = self.login("bob")
        alice = self.login("alice")
        admin = self.login("admin")
        watcher = self.admin_watcher("news/#")
        alice.publish("news/today", b"not yet")
        watcher.expect_nothing(0.5)
        try:
            # bob removed, admin's password changed, alice may now write news/#.
            mosquitto_passwd(self.password_file, "bob", delete=True)
            mosquitto_passwd(self.password_file, "admin", "new-admin-password")
            with open(self.acl_file, "w") as f:
                f.write(ACL.replace("user bob", "topic write news/#\n\nuser bob"))
            self.hangup()
            bob.expect_closed(5)
            admin.expect_closed(5)
            self.assertAlive(alice)
            alice.publish("news/today", b"now")
            c = self.raw()
            c.connect(self.cid("bob-again"), expect_rc=5, username="bob", password="bpw")
            c = self.raw()
            c.connect(self.cid("adm"), username="admin", password="new-admin-password")
            c.subscribe([("news/#", 0)])
            alice.publish("news/later", b"seen")
            self.assertEqual(c.expect_publish().payload, b"seen")
        finally:
            # later tests of the class use the original files
            os.remove(self.password_file)
            self.make_files_again()

    @classmethod
    def make_files_again(cls):
        for user, (password, algorithm) in PASSWORDS.items():
            mosquitto_passwd(cls.password_file, user, password, algorithm)
        with open(cls.acl_file, "w") as f:
            f.write(ACL)
        os.kill(cls.broker.pid, signal.SIGHUP)
        time.sleep(0.5)


class AnonymousAllowedScenarios(AccessFiles):
    """allow_anonymous true with a password file and the same ACL."""

    allow_anonymous = True

    def test_MQTT_5_4_2_anonymous_clients_get_the_general_rules(self):
        c = self.raw(self.cid("anon"))
        self.assertEqual(c.subscribe([("public/#", 0)]), [0])
        admin = self.raw(self.cid("adm"), username="admin", password="adm")
        admin.publish("public/x", b"for everyone")
        self.assertEqual(c.expect_publish().payload, b"for everyone")
        c.publish("public/x", b"read only")
        c.expect_nothing(0.5)

    def test_unknown_user_when_anonymous_allowed(self):
        # The boards' firmware default user/password: no account.
        c = self.raw()
        ack = c.connect(self.cid("board"), expect_rc=None, username="user", password="password")
        if self.expected("unknown_user_when_anonymous_allowed") == "anonymous":
            self.assertEqual(ack.return_code, 0)
            self.assertEqual(c.subscribe([("public/#", 0), ("alice/#", 0)]), [0, 0x80])
        else:
            self.assertEqual(ack.return_code, 5)


globals().update(per_broker(AccessScenarios))
globals().update(per_broker(AnonymousAllowedScenarios))

if __name__ == "__main__":
    unittest.main()
