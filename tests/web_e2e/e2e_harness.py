"""The real `fabomatic` binary with its HTTPS portal, driven like a browser and like a board.

One Appliance per test module: its own temp dir, free ports for the broker and the portal, a
database fabomatic creates and seeds at start (so the seeded admin signs in with the seeded
password and must choose a new one), and the self-signed certificate it writes into its data
dir, which the HTTPS clients here trust explicitly (full verification, host 127.0.0.1 is in the
certificate's SAN).

Clients, all Python stdlib except the board (Debian's paho-mqtt, like tests/backend_integration):
- HttpsClient: one keep-alive HTTPS connection (http.client + ssl); answers are Answer objects.
- Session: an HttpsClient with the session cookie and the CSRF token of a sign-in.
- Board: an MQTT client that publishes the firmware's queries and collects replies/requests.

The executable comes from $FABOMATIC_BIN (ctest sets it), so the ASan build runs the same suite;
stop() reports the exit status and sanitizer_report() the first sanitizer finding in the log.
"""
import atexit
import http.client
import json
import mmap
import os
import queue
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import paho.mqtt.client as mqtt

ADMIN_EMAIL = "admin@fabomatic.local"
SEEDED_ADMIN_PASSWORD = "admin"  # db/seed.hpp kDefaultAdminPassword
NEW_ADMIN_PASSWORD = "e2e-Admin-pass-1"
ADMIN_CARD = "12345678"  # db/seed.hpp kDefaultAdminCard
SEEDED_MACHINE_ID = 1
CSRF_HEADER = "X-CSRF-Token"

# A board waits 2 s for a reply; the sanitizer build is slower.
REPLY_TIMEOUT_S = 5.0


def fabomatic_bin():
    path = os.environ.get("FABOMATIC_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("set FABOMATIC_BIN to the fabomatic executable (ctest does)")
    return path


_sanitized = None


def sanitized_build():
    """True when $FABOMATIC_BIN is the ASan/UBSan build: it runs several times slower, so time
    bounds that catch pathological slowness (not ordinary speed) are scaled by SLOWDOWN."""
    global _sanitized
    if _sanitized is None:
        with open(fabomatic_bin(), "rb") as f:
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as image:
                _sanitized = image.find(b"__asan_init") >= 0
    return _sanitized


def slowdown():
    """How many times longer than the release build the tested binary may take."""
    return 20 if sanitized_build() else 1


def free_port():
    """A loopback TCP port nobody listens on (bound to port 0 and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=5.0, interval=0.02):
    """Polls predicate until it is truthy or timeout passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def raise_fd_limit(wanted):
    """Raises this process's soft RLIMIT_NOFILE to `wanted` (capped by the hard limit); the
    fabomatic started afterwards inherits it. Returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


_running = set()


@atexit.register
def _stop_leftovers():
    for appliance in list(_running):
        appliance.stop()


class Appliance:
    """One fabomatic process: broker on `mqtt_port`, portal on `web_port`, own dir and log."""

    def __init__(self, prefix="web-e2e-", extra_settings=""):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.mqtt_port = free_port()
        self.web_port = free_port()
        self.db_path = os.path.join(self.dir, "db.sqldb")
        self.log_path = os.path.join(self.dir, "fabomatic.log")
        self.settings_path = os.path.join(self.dir, "settings.toml")
        self.cert_path = os.path.join(self.dir, "cert.pem")  # certs: kSelfSignedCertificateName
        with open(self.settings_path, "w", encoding="utf-8") as f:
            f.write(f"[MQTT]\nport = {self.mqtt_port}\nbind_address = \"127.0.0.1\"\n"
                    f"sys_interval_s = 0\n"
                    f"[database]\nurl = \"sqlite:///{self.db_path}\"\n"
                    f"[web]\nport = {self.web_port}\nbind_address = \"127.0.0.1\"\n"
                    f"default_admin_email = \"{ADMIN_EMAIL}\"\n"
                    f"secret_key = \"web-e2e-secret\"\n"
                    f"[backend]\nstats_interval_s = 0\n{extra_settings}")
        self.proc = None
        self.returncode = None
        self._tls = None

    def start(self, timeout=30.0):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([fabomatic_bin(), "--config", self.settings_path],
                                         cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        _running.add(self)
        if not wait_until(self._ready, timeout, 0.05):
            tail = self.log_tail()
            self.stop()
            raise RuntimeError(f"fabomatic did not come up:\n{tail}")
        return self

    def _ready(self):
        """Ready once the broker answers CONNECT (the reactor runs, SIGTERM is handled) and the
        portal answers the public OpenAPI document over HTTPS."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"fabomatic exited with {self.proc.returncode}:\n{self.log_tail()}")
        if not os.path.exists(self.cert_path) or not mqtt_answers_connect(self.mqtt_port):
            return False
        try:
            client = HttpsClient(self)
            try:
                return client.request("GET", "/api/v1/openapi.json").status == 200
            finally:
                client.close()
        except (OSError, ssl.SSLError, http.client.HTTPException):
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM (a clean stop), SIGKILL after 15 s; returns the exit status."""
        _running.discard(self)
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        self.proc = None
        return self.returncode

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def sanitizer_report(self):
        text = self.log_text()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            at = text.find(marker)
            if at >= 0:
                return text[max(0, at - 200):at + 3000]
        return None

    def tls_context(self):
        """Trusts exactly the appliance's self-signed certificate, with host name checking.
        Made once (loading the certificate for each of a thousand connections costs seconds)."""
        if self._tls is None:
            self._tls = ssl.create_default_context(cafile=self.cert_path)
            self._tls.check_hostname = True
        return self._tls

    def finish(self):
        """Stops the process and returns a list of problems (empty when it ended cleanly)."""
        problems = []
        was_running = self.alive()
        if not was_running and self.proc is not None:
            problems.append(f"fabomatic died during the tests with {self.proc.returncode}")
        code = self.stop()
        report = self.sanitizer_report()
        if report:
            problems.append("sanitizer report:\n" + report)
        if was_running and code != 0:
            problems.append(f"fabomatic exited with {code} on SIGTERM:\n{self.log_tail()}")
        if not problems:
            self.cleanup()
        else:
            problems.append(f"(log kept in {self.log_path})")
        return problems


# ------------------------------------------------------------------------------ MQTT
# CONNECT (MQTT 3.1.1, clean session, keep-alive 60 s, client id "e2e-ready").
_CONNECT = bytes([0x10, 21, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 60, 0, 9]) + b"e2e-ready"


def mqtt_answers_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(_CONNECT)
            connack = b""
            while len(connack) < 4:
                chunk = s.recv(4 - len(connack))
                if not chunk:
                    return False
                connack += chunk
            s.sendall(bytes([0xE0, 0]))  # DISCONNECT
            return connack == bytes([0x20, 2, 0, 0])
    except OSError:
        return False


class Board:
    """A board as the firmware connects (clean session, QoS 0, subscribed to <topic>/reply and
    <topic>/request). Replies and requests queue up separately."""

    _numbers = iter(range(1, 1_000_000))
    _lock = threading.Lock()

    def __init__(self, port, machine):
        with Board._lock:
            number = next(Board._numbers)
        self.topic = f"machine/{machine}"
        self.replies = queue.Queue()
        self.requests = queue.Queue()
        connected = threading.Event()
        subscribed = threading.Event()
        self.client = mqtt.Client(client_id=f"E2E{os.getpid() % 10000}-{number}",
                                  clean_session=True, protocol=mqtt.MQTTv311)
        self.client.on_connect = lambda _c, _u, _f, rc: connected.set() if rc == 0 else None
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        if not connected.wait(REPLY_TIMEOUT_S):
            self.close()
            raise AssertionError("board: no CONNACK")
        self.client.subscribe([(self.topic + "/reply", 0), (self.topic + "/request", 0)])
        if not subscribed.wait(REPLY_TIMEOUT_S):
            self.close()
            raise AssertionError("board: no SUBACK")

    def _on_message(self, _client, _userdata, msg):
        target = self.replies if msg.topic.endswith("/reply") else self.requests
        target.put(msg.payload.decode("utf-8", errors="replace"))

    def query(self, payload):
        """Publishes a query and returns the reply as parsed JSON."""
        self.client.publish(self.topic, payload, qos=0).wait_for_publish(REPLY_TIMEOUT_S)
        try:
            return json.loads(self.replies.get(timeout=REPLY_TIMEOUT_S))
        except queue.Empty:
            raise AssertionError(f"no reply on {self.topic}/reply to {payload}") from None

    def next_request(self, timeout=REPLY_TIMEOUT_S):
        try:
            return self.requests.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no request on {self.topic}/request") from None

    def close(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


def checkmachine():
    return '{"action":"checkmachine"}'


def checkuser(uid):
    return '{"action":"checkuser","uid":"%s"}' % uid


def alive(ip="192.168.1.77", version="hardware-rev0-it_IT,0.7.3-12-gabcdef", serial="e2e0serial"):
    return ('{"action":"alive","version":"%s","ip":"%s","serial":"%s","heap":"183456"}'
            % (version, ip, serial))


def board_answers(appliance, machine=SEEDED_MACHINE_ID):
    """A board's checkmachine on `machine` gets its reply (the broker and backend work)."""
    board = Board(appliance.mqtt_port, machine)
    try:
        return board.query(checkmachine())
    finally:
        board.close()


# ------------------------------------------------------------------------------ HTTPS
class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def error(self):
        """The {"error":{...}} object of an error answer."""
        return self.json()["error"]

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class HttpsClient:
    """One keep-alive HTTPS connection to the portal, reopened when the server closed it."""

    def __init__(self, appliance, timeout=10.0):
        self.appliance = appliance
        self.timeout = timeout
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection("127.0.0.1", self.appliance.web_port,
                                                    timeout=self.timeout,
                                                    context=self.appliance.tls_context())
        return self.conn

    def request(self, method, path, body=None, headers=None):
        """Sends one request; `body` is bytes, str, or anything else (sent as JSON)."""
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        all_headers = {"Accept": "application/json"}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server ended a keep-alive connection between requests: once more, fresh.
                self.close()
                if attempt == 2:
                    raise
                continue
            answer = Answer(response.status, response.getheaders(), data)
            if response.will_close:
                self.close()
            return answer

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Session:
    """A signed-in portal client: sends the session cookie, and the CSRF token unless told not
    to. Bodies are JSON-encoded unless given as bytes/str."""

    def __init__(self, appliance):
        self.client = HttpsClient(appliance)
        self.cookie = None
        self.csrf = None
        self.login_answer = None

    def login(self, email, password):
        answer = self.client.request("POST", "/api/v1/auth/login",
                                     {"email": email, "password": password})
        self.login_answer = answer
        if answer.status == 200:
            set_cookie = answer.header("Set-Cookie") or ""
            self.cookie = set_cookie.split(";", 1)[0]
            self.csrf = answer.json()["csrf_token"]
        return answer

    def request(self, method, path, body=None, csrf=True, cookie=True, headers=None):
        all_headers = dict(headers or {})
        if cookie and self.cookie:
            all_headers["Cookie"] = self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
            all_headers[CSRF_HEADER] = self.csrf
        return self.client.request(method, path, body, all_headers)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def close(self):
        self.client.close()


def sign_in_admin(appliance):
    """The first sign-in of the seeded admin: log in with the seeded password, choose a new one
    (required before anything else), and return (session, {step: Answer}) for the checks."""
    session = Session(appliance)
    steps = {"login": session.login(ADMIN_EMAIL, SEEDED_ADMIN_PASSWORD)}
    if steps["login"].status != 200:
        raise AssertionError(f"seeded admin cannot sign in: {steps['login']}")
    steps["blocked"] = session.get("/api/v1/members")
    steps["change"] = session.post("/api/v1/auth/password",
                                   {"current": SEEDED_ADMIN_PASSWORD, "new": NEW_ADMIN_PASSWORD})
    if steps["change"].status != 200:
        raise AssertionError(f"password change refused: {steps['change']}")
    steps["session"] = session.get("/api/v1/auth/session")
    return session, steps


def signed_in(appliance):
    """A new session of the admin once the password was changed (sign_in_admin ran)."""
    session = Session(appliance)
    answer = session.login(ADMIN_EMAIL, NEW_ADMIN_PASSWORD)
    if answer.status != 200:
        raise AssertionError(f"admin cannot sign in with the new password: {answer}")
    return session


def tls_socket(appliance, timeout=10.0):
    """A raw TLS socket to the portal (handshake done), for requests http.client will not send."""
    raw = socket.create_connection(("127.0.0.1", appliance.web_port), timeout=timeout)
    try:
        return appliance.tls_context().wrap_socket(raw, server_hostname="127.0.0.1")
    except BaseException:
        raw.close()
        raise


def read_until_closed(sock, limit=1 << 20):
    """Everything the server sends until it closes (or `limit` bytes, or the socket timeout)."""
    data = b""
    try:
        while len(data) < limit:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ssl.SSLError, OSError):
        pass
    return data


def read_response(sock, limit=1 << 24):
    """One HTTP/1.1 answer with a Content-Length body (what the portal sends), without waiting
    for the server to close: after an error it keeps the connection a while to drain what the
    client still sends. Returns what arrived before EOF when the answer is cut short."""
    data = b""
    try:
        while len(data) < limit:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                length = 0
                for line in data[:end].split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if len(data) >= end + 4 + length:
                    return data[:end + 4 + length]
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ssl.SSLError, OSError):
        pass
    return data


def status_of(raw_response):
    """The status code of a raw HTTP/1.1 answer, None when there is none."""
    if not raw_response.startswith(b"HTTP/1.1 "):
        return None
    return int(raw_response[9:12])
