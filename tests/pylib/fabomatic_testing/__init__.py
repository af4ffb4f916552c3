"""What the Python test suites share to drive the real binaries.

- process: free ports, waiting, the fabomatic process (settings, log, clean stop, sanitizer
  reports) and the base class other server processes (Mosquitto) build on.
- board: a simulated Fab-O-Matic board and the firmware's exact payloads and the backend's
  exact replies.
- https: the portal over HTTPS, sign-in with session cookie and CSRF token, raw TLS helpers.
- websocket: a minimal RFC 6455 client over TLS.
- testcase: a TestCase with a fresh copy of a seeded database and a fabomatic per test.

The suites find the package through PYTHONPATH=tests/pylib (ctest sets it).
"""
