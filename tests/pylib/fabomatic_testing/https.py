"""The admin portal over real HTTPS, standard library only (http.client, ssl, raw sockets).

Every client trusts exactly the certificate the fabomatic under test wrote into its data dir,
with full verification (127.0.0.1 is in its SAN): a certificate problem fails the test.

- HttpsClient: one keep-alive HTTPS connection; answers are Answer objects.
- Session: an HttpsClient with the session cookie and the CSRF token of a sign-in.
- setup_code / sign_in_admin: the first start's setup code from the log, which sets the seeded
  admin's password; then a sign-in with it.
- tls_socket and the read_* helpers: raw requests http.client will not send.
"""
import http.client
import json
import re
import socket
import ssl

NEW_ADMIN_PASSWORD = "e2e-Admin-pass-1"
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "fabomatic_session"


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
    """One keep-alive HTTPS connection to the portal of `fabomatic` (a process.Fabomatic),
    reopened when the server closed it."""

    def __init__(self, fabomatic, timeout=10.0):
        self.fabomatic = fabomatic
        self.timeout = timeout
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection("127.0.0.1", self.fabomatic.web_port,
                                                    timeout=self.timeout,
                                                    context=self.fabomatic.tls_context())
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

    def __init__(self, fabomatic):
        self.client = HttpsClient(fabomatic)
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
            if not self.cookie.startswith(SESSION_COOKIE + "="):
                raise AssertionError(f"sign-in set no session cookie: {set_cookie!r}")
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


def setup_code(fabomatic):
    """The one-time setup code a first start logs (web/auth/setup.hpp), the latest one."""
    codes = re.findall(r"setup code ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", fabomatic.log_text())
    if not codes:
        raise AssertionError(f"no setup code in the log:\n{fabomatic.log_tail()}")
    return codes[-1]


def sign_in_admin(fabomatic, email):
    """The first start of a new installation: the setup code from the log sets the seeded
    admin's password (NEW_ADMIN_PASSWORD; `email`: [web] default_admin_email when the database
    was made), then the admin signs in with it. Returns (session, {step: Answer}) for the
    checks: "setup" (POST /api/v1/auth/setup), "login", "session"."""
    steps = {}
    client = HttpsClient(fabomatic)
    try:
        steps["setup"] = client.request("POST", "/api/v1/auth/setup",
                                        {"code": setup_code(fabomatic),
                                         "password": NEW_ADMIN_PASSWORD})
    finally:
        client.close()
    if steps["setup"].status != 200:
        raise AssertionError(f"the setup code did not set the password: {steps['setup']}")
    session = Session(fabomatic)
    steps["login"] = session.login(email, NEW_ADMIN_PASSWORD)
    if steps["login"].status != 200:
        raise AssertionError(f"the admin cannot sign in: {steps['login']}")
    steps["session"] = session.get("/api/v1/auth/session")
    return session, steps


def signed_in(fabomatic, email):
    """A new session of the admin once its password was set (sign_in_admin ran)."""
    session = Session(fabomatic)
    answer = session.login(email, NEW_ADMIN_PASSWORD)
    if answer.status != 200:
        raise AssertionError(f"admin cannot sign in with the new password: {answer}")
    return session


def tls_socket(fabomatic, timeout=10.0, source=None):
    """A raw TLS socket to the portal (handshake done), for requests http.client will not send.
    `source`: the local address to connect from (any of 127.0.0.0/8 on Linux)."""
    raw = socket.create_connection(("127.0.0.1", fabomatic.web_port), timeout=timeout,
                                   source_address=(source, 0) if source else None)
    try:
        return fabomatic.tls_context().wrap_socket(raw, server_hostname="127.0.0.1")
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
