#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SIGTERM while 50 clients keep sending questions: every reply rulingd sent is read by its
client, and every connection gets close 1001 before it ends. Half the clients read as
fast as they can; the other half have a small receive buffer and start reading only after
the signal, so that replies still wait in rulingd's socket when it closes. Closing a
socket that holds unread questions makes the kernel send a reset, which throws those
replies and the close away: rulingd must instead read and drop what the client still
sends until it closes (lingering close). Each client sends a question every 5 ms until it
reads the close, then answers the close as a client library does."""
import json
import threading
import time

import wsclient
from daemon import NO_RATE, Daemon, main, need_daemon, note, slow
from harness import Suite

s = Suite("28-drain")
need_daemon(s)

CLIENTS = 50
JUDGE = "who was the judge"
# Not slow(): the stop's own deadline (4 s for the queues, then the close) does not grow
# under valgrind either.
LATE_READ = 0.3


class Client:
    """One websocket that keeps asking; a thread sends, another reads."""

    def __init__(self, d, late):
        self.late = late
        self.ws = d.ws(protocol="rulingbot.v1", rcvbuf=8192 if late else None)
        self.sent = 0
        self.ids = []               # ids of the replies read, in order
        self.close = None           # code of the close frame read
        self.send_failed = None     # the error of a send that failed before the close came
        self.end = None             # how the connection ended after the close
        self.got_close = threading.Event()
        self.go_read = threading.Event()
        if not late:
            self.go_read.set()
        self.threads = [threading.Thread(target=self.send_loop, daemon=True),
                        threading.Thread(target=self.read_loop, daemon=True)]
        for t in self.threads:
            t.start()

    def send_loop(self):
        while not self.got_close.is_set():
            frame = wsclient.frame_bytes(wsclient.TEXT, json.dumps(
                {"type": "ask", "id": str(self.sent), "text": JUDGE}))
            try:
                self.ws.sock.sendall(frame)
            except OSError as e:
                if not self.got_close.is_set():
                    self.send_failed = repr(e)
                return
            self.sent += 1
            time.sleep(0.005)

    def read_loop(self):
        self.go_read.wait()
        while True:
            m = self.ws.recv_message(slow(20))
            if m is None:
                return  # EOF, a reset or silence before the close: self.close stays None
            op, payload = m
            if op == wsclient.CLOSE:
                self.close = self.ws.close_code
                self.got_close.set()
                break
            try:
                self.ids.append(json.loads(payload).get("id"))
            except ValueError:
                self.ids.append(None)
        # Answer the close and wait for the end, as a websocket library does.
        self.ws.send_close(1001)
        try:
            self.ws.sock.settimeout(slow(10))
            while self.ws.sock.recv(65536):
                pass
            self.end = "eof"
        except OSError as e:
            self.end = repr(e)
        self.ws.close()

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self.got_close.set()  # a sender still going stops
        self.ws.close()


def in_order(ids):
    """True when the replies are those of questions 0, 1, 2, ... in order, none missing."""
    return ids == [str(i) for i in range(len(ids))]


def body():
    with Daemon(s, NO_RATE + ["--max-queue", "8"]) as d:
        clients = [Client(d, late=i % 2 == 1) for i in range(CLIENTS)]
        time.sleep(slow(0.5))
        asked = sum(c.sent for c in clients)
        s.check(asked > CLIENTS, "the clients are asking", asked)
        start = time.monotonic()
        d.send_signal(15)
        time.sleep(LATE_READ)
        for c in clients:
            c.go_read.set()
        rc = d.wait_exit(slow(10))
        took = time.monotonic() - start
        for c in clients:
            c.join(slow(10))

        for late, kind in ((False, "fast readers"), (True, "late readers")):
            group = [c for c in clients if c.late == late]
            no_close = [(c.sent, len(c.ids), c.close, c.send_failed) for c in group
                        if c.close != 1001]
            s.check(not no_close, f"{kind}: every connection reads close 1001 after its "
                    "replies (sent, replies read, close, send error)", no_close)
            failed = [c.send_failed for c in group if c.send_failed]
            s.check(not failed, f"{kind}: no send fails with a reset before the close is "
                    "read", failed)
            gaps = [c.ids[:5] + ["..."] + c.ids[-5:] for c in group if not in_order(c.ids)]
            s.check(not gaps, f"{kind}: replies come in order, none missing", gaps)
            s.check(all(c.ids for c in group), f"{kind}: each was answered before the stop",
                    [len(c.ids) for c in group])
            ends = [c.end for c in group if c.end != "eof"]
            s.check(not ends, f"{kind}: after the close handshake the connection ends "
                    "without a reset", ends)
        unanswered = sum(c.sent - len(c.ids) for c in clients)
        note(f"{asked} questions asked before the signal, {sum(c.sent for c in clients)} in "
             f"all, {unanswered} left unanswered by the stop; exit after {took:.2f} s")
        s.check(rc == 0 and took < slow(5), "rulingd exits 0 within 5 s",
                f"exit {rc} after {took:.1f} s")


main(s, body)
