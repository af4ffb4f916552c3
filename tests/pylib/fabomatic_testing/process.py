"""Server processes under test: free ports, waiting, and the fabomatic binary itself.

Every process runs in its own directory with its output in a log file there, in a session of
its own, and is stopped at exit if a test left it running. A test's verdict includes the
process's end: finish() reports a process that died on its own, an unclean exit on SIGTERM and
any sanitizer report in its log, so the ASan/UBSan build ($FABOMATIC_BIN) fails a test that
caused one even when every assertion passed.
"""
import atexit
import ctypes
import http.client
import json
import mmap
import os
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time


def free_ports(count):
    """`count` different loopback TCP ports nobody listens on: bound to port 0 all at once and
    released. One at a time, the kernel may hand out the same port twice in a row."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def free_port():
    """A loopback TCP port nobody listens on."""
    return free_ports(1)[0]


def wait_until(predicate, timeout=5.0, interval=0.02):
    """Polls predicate until it is truthy or timeout passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def port_accepts(port):
    """True when something accepts TCP connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


# CONNECT (MQTT 3.1.1, clean session, keep-alive 60 s, client id "harness-ready").
MQTT_CONNECT = bytes([0x10, 25, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 60, 0, 13]) + b"harness-ready"


def mqtt_answers_connect(port):
    """True once the broker on `port` answers a CONNECT (accepted, or refused as not authorized
    where anonymous clients are not let in). The kernel accepts TCP connections as
    soon as the port listens, but only the running reactor sends CONNACK, and by then the
    process handles SIGTERM (a SIGTERM before that would kill it uncleanly)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(MQTT_CONNECT)
            connack = b""
            while len(connack) < 4:
                chunk = s.recv(4 - len(connack))
                if not chunk:
                    return False
                connack += chunk
            if connack == bytes([0x20, 2, 0, 5]):
                return True  # not authorized (allow_anonymous = false): the reactor answers
            if connack != bytes([0x20, 2, 0, 0]):
                raise RuntimeError(f"the broker refused the CONNECT: {connack.hex()}")
            s.sendall(bytes([0xE0, 0]))  # DISCONNECT
            return True
    except OSError:
        return False


def raise_fd_limit(wanted):
    """Raises this process's soft RLIMIT_NOFILE to `wanted` (capped by the hard limit); the
    processes started afterwards inherit it. Returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def all_fds_and_die_with_parent():
    """A preexec for the child: as many descriptors as the hard limit allows (floods open
    thousands of connections), and death with the test process even when that one is killed
    (ctest timeout, Ctrl-C). Opt-in: code run between fork and exec is unsafe while other
    threads run, and PR_SET_PDEATHSIG fires when the starting *thread* ends."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def fabomatic_bin():
    path = os.environ.get("FABOMATIC_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("set FABOMATIC_BIN to the fabomatic executable (ctest does)")
    return os.path.abspath(path)


_sanitized = None


def sanitized_build():
    """True when $FABOMATIC_BIN is the ASan/UBSan build: it runs several times slower, so time
    bounds that catch pathological slowness (not ordinary speed) are scaled by slowdown()."""
    global _sanitized
    if _sanitized is None:
        with open(fabomatic_bin(), "rb") as f:
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as image:
                _sanitized = image.find(b"__asan_init") >= 0
    return _sanitized


def slowdown():
    """How many times longer than the release build the tested binary may take."""
    return 20 if sanitized_build() else 1


def toml(sections):
    """TOML text of {section: {key: value}}: strings quoted, numbers and booleans as they are."""
    lines = []
    for section, keys in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


_running = set()


@atexit.register
def _stop_leftovers():
    for process in list(_running):
        process.stop()


class Process:
    """A server process in its own directory (a new temporary one unless given), its output in
    <name>.log there. Subclasses say how to run it (command) and when it serves (ready)."""

    name = "process"
    start_timeout = 30.0  # the sanitizer build starts slowly on a busy machine
    stop_timeout = 15.0   # then SIGKILL
    clean_exit_codes = (0,)  # exit statuses of a clean stop on SIGTERM
    preexec = None        # run in the child before exec, e.g. all_fds_and_die_with_parent

    def __init__(self, directory=None, prefix=None, sanitizer_options=""):
        self.owns_dir = directory is None
        self.dir = directory or tempfile.mkdtemp(prefix=prefix or f"{self.name}-")
        self.log_path = os.path.join(self.dir, f"{self.name}.log")
        # appended to $ASAN_OPTIONS for this process (later options override earlier ones)
        self.sanitizer_options = sanitizer_options
        self.proc = None
        self.returncode = None  # of the last stop()

    def command(self):
        raise NotImplementedError

    def ready(self):
        raise NotImplementedError

    def start(self, timeout=None):
        env = dict(os.environ)
        if self.sanitizer_options:
            env["ASAN_OPTIONS"] = ":".join(
                o for o in (env.get("ASAN_OPTIONS"), self.sanitizer_options) if o)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command(), cwd=self.dir, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True, preexec_fn=self.preexec)
        _running.add(self)
        if not wait_until(self._ready, timeout or self.start_timeout, 0.02):
            tail = self.log_tail()
            self.stop()
            raise RuntimeError(f"{self.name} did not come up:\n{tail}")
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n"
                               f"{self.log_tail()}")
        return self.ready()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        """SIGTERM, SIGKILL after stop_timeout; returns the exit status."""
        _running.discard(self)
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        self.proc = None
        return self.returncode

    def finish(self):
        """Stops the process and returns what went wrong (an empty list when nothing did). A
        directory it made itself is removed when nothing did, else kept for the log."""
        problems = []
        running = self.alive()
        if not running and self.proc is not None:
            problems.append(f"{self.name} died during the test with {self.proc.returncode}:\n"
                            f"{self.log_tail()}")
        code = self.stop()
        report = self.sanitizer_report()
        if report:
            problems.append(f"{self.name} sanitizer report:\n{report}")
        if running and code not in self.clean_exit_codes:
            problems.append(f"{self.name} exited with {code} on SIGTERM:\n{self.log_tail()}")
        if self.owns_dir:
            if problems:
                problems.append(f"(log kept in {self.log_path})")
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
        return problems

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def sanitizer_report(self):
        """The first sanitizer finding in the log, if any."""
        text = self.log_text()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            at = text.find(marker)
            if at >= 0:
                return text[max(0, at - 200):at + 3000]
        return None


class Fabomatic(Process):
    """`fabomatic --config settings.toml` in its directory, which is also its data dir (the
    self-signed certificate is written there). The settings put the broker on `mqtt_port`,
    the portal on `web_port` (free loopback ports unless given: suites run in parallel)
    and the database at `db_path`; `settings` ({section: {key: value}}) adds or overrides keys
    (a value None leaves the key out),
    `settings_text` replaces the whole file (then name the ports it uses)."""

    name = "fabomatic"

    def __init__(self, directory=None, *, prefix="fabomatic-", settings=None, settings_text=None,
                 db_path=None, mqtt_port=None, web_port=None, sanitizer_options=""):
        super().__init__(directory, prefix, sanitizer_options)
        spare = free_ports(2)
        self.mqtt_port = mqtt_port or spare[0]
        self.web_port = web_port or spare[1]
        self.db_path = db_path or os.path.join(self.dir, "db.sqldb")
        self.settings_path = os.path.join(self.dir, "settings.toml")
        self.cert_path = os.path.join(self.dir, "cert.pem")  # certs: kSelfSignedCertificateName
        # Ports of our own choosing may be taken between choosing and listening (a parallel
        # suite's connection got one as its local port): start() then tries others.
        self._ports_chosen = settings_text is None and not mqtt_port and not web_port
        self._settings = settings
        self._write_settings(settings_text)
        self._tls = None

    def _write_settings(self, settings_text=None):
        if settings_text is None:
            sections = {
                # Anonymous clients with every right, as before accounts (the tests' boards
                # and monitors); suites about access control set their own.
                "MQTT": {"port": self.mqtt_port, "bind_address": "127.0.0.1",
                         "sys_interval_s": 0, "allow_anonymous": True},
                "database": {"url": f"sqlite:///{self.db_path}"},
                "web": {"port": self.web_port, "bind_address": "127.0.0.1"},
                "backend": {"stats_interval_s": 0},
            }
            for section, keys in (self._settings or {}).items():
                sections.setdefault(section, {}).update(keys)
            for keys in sections.values():  # None: the key is left out of the file
                for key in [k for k, v in keys.items() if v is None]:
                    del keys[key]
            settings_text = toml(sections)
        with open(self.settings_path, "w", encoding="utf-8") as f:
            f.write(settings_text)

    def start(self, timeout=None):
        for attempt in range(3):
            try:
                return super().start(timeout)
            except RuntimeError:
                taken = "Address already in use" in self.log_tail()
                if not (self._ports_chosen and taken) or attempt == 2:
                    raise
            self.mqtt_port, self.web_port = free_ports(2)
            self._write_settings()
        return self

    def command(self):
        return [fabomatic_bin(), "--config", self.settings_path]

    def ready(self):
        """The broker answers a CONNECT and the portal the public OpenAPI document."""
        return mqtt_answers_connect(self.mqtt_port) and self._portal_answers()

    def _portal_answers(self):
        if not os.path.exists(self.cert_path):
            return False
        try:
            conn = http.client.HTTPSConnection("127.0.0.1", self.web_port, timeout=10,
                                               context=self.tls_context())
            try:
                conn.request("GET", "/api/v1/openapi.json")
                return conn.getresponse().status == 200
            finally:
                conn.close()
        except (OSError, ssl.SSLError, http.client.HTTPException):
            return False

    def tls_context(self):
        """Trusts exactly this fabomatic's self-signed certificate, with host name checking
        (127.0.0.1 is in its SAN). Made once: loading the certificate for each of a thousand
        connections costs seconds."""
        if self._tls is None:
            context = ssl.create_default_context(cafile=self.cert_path)
            context.check_hostname = True
            self._tls = context
        return self._tls
