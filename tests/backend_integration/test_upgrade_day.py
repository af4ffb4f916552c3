"""Upgrade day from the Python FabOMatic: the old settings file started where its relative
database path misses the old database, and the start while Mosquitto (or the old portal) still
holds a port. Both stop the start with a message that says what to do, before the database is
touched: no new empty database answering every card "unknown", no upgraded file beside a
failed start.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from fabomatic_testing.process import fabomatic_bin, free_ports

FIXTURES = os.environ.get("LEGACY_DB_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "legacy-db")

# As the old tool's settings.toml has it: no allow_anonymous, a relative database url.
OLD_SETTINGS = """[database]
url = "sqlite:///database.sqldb"
name = "fabomatic"

[MQTT]
broker = "localhost"
port = {mqtt}
client_id = "backend"
topic = "machine"
reply_subtopic = "reply"
stats_topic = "stats"

[web]
secret_key = "old-secret"
default_admin_email = "admin@fablab.org"
port = {web}
"""


class UpgradeDay(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fabomatic-upgrade-day-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.old = os.path.join(self.dir, "old")
        self.run_dir = os.path.join(self.dir, "run")
        os.makedirs(self.old)
        os.makedirs(self.run_dir)
        self.mqtt, self.web = free_ports(2)
        self.settings = os.path.join(self.old, "settings.toml")
        with open(self.settings, "w") as f:
            f.write(OLD_SETTINGS.format(mqtt=self.mqtt, web=self.web))

    def start(self):
        return subprocess.run([fabomatic_bin(), "--config", self.settings], cwd=self.run_dir,
                              capture_output=True, text=True, timeout=30)

    def test_the_old_settings_where_their_database_is_not_stop_the_start(self):
        result = self.start()
        self.assertNotEqual(result.returncode, 0)
        output = result.stdout + result.stderr
        self.assertIn("is the old FabOMatic's, but its database "
                      + os.path.join(self.run_dir, "database.sqldb") + " does not exist", output)
        self.assertEqual(os.listdir(self.run_dir), [], "a new database was made")

    def test_a_port_still_held_stops_the_start_before_the_database_is_upgraded(self):
        database = os.path.join(self.run_dir, "database.sqldb")
        shutil.copyfile(os.path.join(FIXTURES, "database-0.4.0.db"), database)
        with open(database, "rb") as f:
            before = f.read()
        mosquitto = socket.socket()
        self.addCleanup(mosquitto.close)
        mosquitto.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        mosquitto.bind(("0.0.0.0", self.mqtt))
        mosquitto.listen()
        result = self.start()
        self.assertNotEqual(result.returncode, 0)
        output = result.stdout + result.stderr
        self.assertIn(f"cannot listen on 0.0.0.0:{self.mqtt} ([MQTT] port)", output)
        self.assertIn("is Mosquitto still running?", output)
        with open(database, "rb") as f:
            self.assertEqual(f.read(), before, "the database was changed")
        self.assertEqual(os.listdir(self.run_dir), ["database.sqldb"], "a backup copy was made")


if __name__ == "__main__":
    unittest.main()
