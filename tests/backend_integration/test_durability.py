"""Power cuts lose nothing a board was told: a reply to a write (startuse, stopuse, maintenance)
leaves only after the transaction that recorded it is synced to the disk, and one sync serves
every write answered in the same turn of the reactor. Queries that write nothing cost no sync.

Observed from outside with strace on the running binary: the fdatasync of the database's log
and the socket write of each reply, in the order the reactor thread made them."""
import os
import re
import shutil
import signal
import unittest

from fabomatic_testing.board import checkmachine, startuse, stopuse
from fabomatic_testing.process import Fabomatic
from backend_harness import BackendTestCase

STRACE = shutil.which("strace")


class TracedFabomatic(Fabomatic):
    """fabomatic under `strace -f`: the syscalls that sync files and write sockets, with their
    thread, to a file read after the test."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trace_path = os.path.join(self.dir, "strace.txt")

    def command(self):
        return [STRACE, "-f", "-qq", "-y", "-s", "300", "-o", self.trace_path,
                "-e", "trace=fdatasync,fsync,sendmsg,sendto,writev,write"] + super().command()

    def stop(self):
        # strace detaches and leaves on SIGTERM: the whole group (fabomatic too) gets it.
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        return super().stop()

    @property
    def traced_pid(self):
        """fabomatic's pid (its main thread is the reactor): the child strace started."""
        return self._pid

    def _children(self):
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            return f.read().split()

    def start(self, timeout=None):
        super().start(timeout)
        self._pid = int(self._children()[0])
        return self

    def events(self):
        """('sync' | 'reply', detail) in trace order, for the reactor thread (fabomatic's main
        thread: the board answers, and their syncs, happen there)."""
        with open(self.trace_path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            m = re.match(r"(\d+)\s+(\w+)\((.*)", line)
            if not m:
                continue
            tid, call, rest = int(m.group(1)), m.group(2), m.group(3)
            if tid != self.traced_pid:
                continue
            if call in ("fdatasync", "fsync"):
                out.append(("sync", rest))
            elif "request_ok" in rest:
                out.append(("reply", rest))
        return out


@unittest.skipIf(STRACE is None, "strace is not installed (tools/install-deps.sh --test)")
class DurabilityTest(BackendTestCase):
    def setUp(self):
        super().setUp()
        # The same directory, database and settings, under strace.
        self.server = TracedFabomatic(self.dir, db_path=self.db_path, settings=self.settings)

    def test_a_write_is_answered_after_its_sync_and_a_read_costs_none(self):
        self.start()
        board = self.board()
        self.assertIn('"request_ok":true', board.query(checkmachine()))
        self.assertEqual(board.query(startuse("12345678")), '{"request_ok":true,"message":""}')
        self.assertIn('"request_ok":true', board.query(checkmachine()))
        self.server.stop()
        events = self.server.events()
        kinds = [kind for kind, _ in events]
        # (Before the first reply: the start's own syncs.) startuse: its log synced, then its
        # reply; the checkmachine after it: a reply with no sync before it.
        replies = [i for i, kind in enumerate(kinds) if kind == "reply"]
        self.assertEqual(len(replies), 3, events)
        between = events[replies[0] + 1:replies[1]]
        self.assertIn(("sync", "-wal"), [(k, "-wal" if "-wal>" in d else "") for k, d in between],
                      f"the startuse reply left before its log was synced: {events}")
        self.assertNotIn("sync", kinds[replies[1] + 1:replies[2]], events)

    def test_a_burst_of_writes_shares_its_syncs(self):
        machines = self.prepare(lambda s: [s.machine(f"M{n}") for n in range(20)])
        self.start()
        boards = [self.board(machine=m) for m in machines]
        # Every board starts, then stops, a use at once: 40 acknowledged writes.
        for b in boards:
            b.send(startuse("12345678"))
        answers = [b.next_reply() for b in boards]
        for b in boards:
            b.send(stopuse("12345678", 5))
        answers += [b.next_reply() for b in boards]
        self.assertEqual(answers.count('{"request_ok":true,"message":""}'), 20, answers)
        self.server.stop()
        events = self.server.events()
        replied = [i for i, (kind, _) in enumerate(events) if kind == "reply"]
        replies = len(replied)
        self.assertEqual(replies, 40, events)
        # The writes' syncs: the first write's, before the first reply, and those between the
        # first reply and the last (the start's and the shutdown's own syncs are not the
        # writes'). At most one per write, fewer when boards' writes meet in one reactor turn
        # (how many do depends on how the 20 messages happen to arrive).
        syncs = 1 + sum(1 for kind, _ in events[replied[0] + 1:replied[-1]] if kind == "sync")
        self.assertIn("sync", [kind for kind, _ in events[:replied[0]]], events)
        self.assertLessEqual(syncs, replies)
        # Printed for the record: how many writes each sync served in this run.
        print(f"\n  40 acknowledged writes from 20 boards: {syncs} sync(s) on the reactor, "
              f"{replies / syncs:.1f} write(s) per sync")


if __name__ == "__main__":
    unittest.main()
