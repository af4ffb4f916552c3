"""An SMTP sink for the browser tests: Debian's python3-aiosmtpd on 127.0.0.1, started by the
test that needs it (helpers/smtp.ts, startAiosmtpd). Each message is stored once per recipient
as <dir>/NNNN.eml, the first line "X-To: <recipient>" followed by the message as received — the
same files as the suite's own Node catcher, so waitForMail reads both. Prints "PORT <n>" once it
listens; stops when its standard input closes (the test ends it, or the test process died).
"""
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.count += 1
                name = os.path.join(self.folder, f"{self.count:04d}.eml")
                # Written aside and renamed: the reader never sees half a mail.
                with open(name + ".part", "wb") as f:
                    f.write(b"X-To: " + rcpt.encode("utf-8") + b"\r\n" + content)
                os.rename(name + ".part", name)
        return "250 2.0.0 Ok: stored by aiosmtpd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    port = free_port()
    controller = Controller(Store(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"PORT {port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
