#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Connections that never finish their handshake, for the reliability issue: 1,000 TCP
connections from 127.0.0.1 that send nothing and 500 that send a websocket upgrade one
byte a second must not lock anyone else out. While they are open, /healthz from 127.0.0.2
and a question from 127.0.0.3 are answered within a second, and a new connection from
127.0.0.1 gets an answer or a refusal within a second, never a hang. With the default
limits the connections beyond --max-conns-per-ip are refused as soon as accepted; with
the limit raised over them (as behind a proxy) every one is accepted and the header
buffers still suffice. Either way each is closed by --handshake-timeout, the counts of
/metrics go back to where they were, and 127.0.0.1 is served again.

Also: the port accepts connections only once the knowledge base has answered its
self-test question (a missing KB or one that fails it: refused until SIGHUP loads one
that passes)."""
import os
import resource
import selectors
import shutil
import signal
import socket
import tempfile
import threading
import time

import wsclient
from daemon import (HOST, KB, Daemon, ask_lines, main, metric, need_daemon, note,
                    parse_metrics, slow, wait_for)
from harness import Suite

s = Suite("26-handshake")
need_daemon(s, budget=240)

SILENT, SLOW = 1000, 500
JUDGE = "who was the judge"
UPGRADE = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")
HANDSHAKE_TIMEOUT = 5  # rulingd's default


def raise_fd_limit(want):
    """Raises this process's soft limit on descriptors to want; False when it cannot."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return True
    if hard != resource.RLIM_INFINITY and hard < want:
        return False
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ValueError, OSError):
        return False
    return True


class Crowd:
    """SILENT connections that send nothing and SLOW that send UPGRADE one byte a second,
    interleaved (two silent, one slow), all from 127.0.0.1. One thread feeds the slow
    ones; closes are watched with epoll (select() stops at descriptor 1024)."""

    def __init__(self, port):
        self.port = port
        self.socks = []       # every socket, in the order opened
        self.slow = {}        # fd -> bytes of UPGRADE sent, for the slow ones
        self.closed = {}      # fd -> when the server closed it (EOF or reset)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.feeder = threading.Thread(target=self._feed, daemon=True)

    def open(self):
        for i in range(SILENT + SLOW):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(slow(5))
            sock.connect((HOST, self.port))
            sock.setblocking(False)
            self.socks.append(sock)
            if i % 3 == 2 and len(self.slow) < SLOW:
                self.slow[sock.fileno()] = 0
        self.opened_at = time.monotonic()
        self.feeder.start()

    def _feed(self):
        """One byte of the upgrade a second to each slow socket still open: it never ends
        within the handshake timeout."""
        by_fd = {x.fileno(): x for x in self.socks}
        while not self.stop.wait(1.0):
            for fd, sent in list(self.slow.items()):
                with self.lock:
                    if fd in self.closed:
                        continue
                try:
                    by_fd[fd].send(UPGRADE[sent:sent + 1])
                    self.slow[fd] = sent + 1
                except OSError:
                    pass  # closed: the watcher sees it

    def watch(self, seconds):
        """Notes the sockets the server closes within seconds; returns how many are open."""
        sel = selectors.DefaultSelector()
        for sock in self.socks:
            if sock.fileno() not in self.closed:
                sel.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + seconds
        try:
            while len(sel.get_map()) and time.monotonic() < deadline:
                for key, _ in sel.select(min(0.1, max(0.0, deadline - time.monotonic()))):
                    try:
                        gone = key.fileobj.recv(4096) == b""
                    except BlockingIOError:
                        continue
                    except OSError:
                        gone = True
                    if gone:
                        with self.lock:
                            self.closed[key.fileobj.fileno()] = time.monotonic()
                        sel.unregister(key.fileobj)
            return len(sel.get_map())
        finally:
            sel.close()

    def close(self):
        self.stop.set()
        if self.feeder.is_alive():
            self.feeder.join()
        for sock in self.socks:
            sock.close()


def healthz(d, source):
    """GET /healthz from source: (status, seconds taken)."""
    t = time.monotonic()
    r = wsclient.http(HOST, d.port, "GET", "/healthz", timeout=slow(1) + 1, source=source)
    return r.status, time.monotonic() - t


def metrics(d):
    """The samples of /metrics, asked from 127.0.0.2 (the crowd's address may be full)."""
    r = wsclient.http(HOST, d.port, "GET", "/metrics", timeout=slow(2), source="127.0.0.2")
    return parse_metrics(r.text) if r.status == 200 else []


def ask(d, source):
    """A websocket from source asks JUDGE: (what happened, seconds taken). What happened is
    'answered', 'refused' (closed, or an HTTP error, without hanging) or 'hung'."""
    t = time.monotonic()
    try:
        ws = wsclient.connect(HOST, d.port, timeout=slow(1) + 1, source=source)
    except OSError:
        return "refused", time.monotonic() - t
    with ws:
        if ws.status != 101:
            took = time.monotonic() - t
            return ("refused" if ws.eof or ws.status else "hung"), took
        lines, done = ask_lines(ws, JUDGE, timeout=slow(1) + 1)
    took = time.monotonic() - t
    return ("answered" if done and lines else "hung"), took


def others_served(d, what, from_crowd):
    """/healthz from .2 and a question from .3 within a second; a new connection from .1
    (the crowd's address) gets from_crowd ('answered' or 'refused') within a second."""
    status, took = healthz(d, "127.0.0.2")
    s.check(status == 200 and took <= slow(1), f"{what}: /healthz from 127.0.0.2 is 200 "
            "within a second", f"{status} after {took:.2f} s")
    got, took = ask(d, "127.0.0.3")
    s.check(got == "answered" and took <= slow(1), f"{what}: a question from 127.0.0.3 is "
            "answered within a second", f"{got} after {took:.2f} s")
    got, took = ask(d, "127.0.0.1")
    s.check(got == from_crowd and took <= slow(1), f"{what}: a new connection from 127.0.0.1 "
            f"is {from_crowd} within a second, no hang", f"{got} after {took:.2f} s")


def crowd_ends(d, crowd, what, base_sockets):
    """Every crowd connection is closed by the handshake timeout; the count goes back."""
    left = crowd.watch(HANDSHAKE_TIMEOUT + slow(4))
    s.check(left == 0, f"{what}: every connection is closed within the handshake timeout "
            f"({HANDSHAKE_TIMEOUT} s, and some margin)", f"{left} still open")
    slow_closed = [crowd.closed[fd] - crowd.opened_at for fd in crowd.slow
                   if fd in crowd.closed]
    s.check(len(slow_closed) == SLOW, f"{what}: the slow senders too, however often a byte "
            "comes", f"{len(slow_closed)} of {SLOW}")
    n = wait_for(lambda: metric(metrics(d), "rulingd_sockets") == base_sockets, slow(5))
    s.check(n, f"{what}: then rulingd_sockets is back to {base_sockets} (the /metrics "
            "request itself)", metric(metrics(d), "rulingd_sockets"))
    got, took = ask(d, "127.0.0.1")
    s.check(got == "answered", f"{what}: then 127.0.0.1 is served again",
            f"{got} after {took:.2f} s")


def default_limits():
    """--max-conns-per-ip 100: 1,400 of the crowd are refused at once."""
    with Daemon(s) as d:
        time.sleep(0.3)  # the readiness probe's connection is gone
        crowd = Crowd(d.port)
        try:
            crowd.open()
            time.sleep(0.5)
            others_served(d, "1,500 unfinished handshakes from 127.0.0.1", "refused")
            m = metrics(d)
            refused = metric(m, "rulingd_refused_total", limit="max_conns_per_ip") or 0
            socks = metric(m, "rulingd_sockets")
            s.check(refused >= SILENT + SLOW - 100,
                    "the connections beyond --max-conns-per-ip (100) are refused when "
                    "accepted: rulingd_refused_total{limit=\"max_conns_per_ip\"}",
                    f"{refused} refused")
            s.check(socks is not None and 100 <= socks <= 101, "rulingd_sockets counts the 100 "
                    "accepted from 127.0.0.1 and the /metrics request", socks)
            crowd_ends(d, crowd, "default limits", 1)
            said = [ln for ln in d.stderr().splitlines() if "connections refused" in ln]
            s.check(1 <= len(said) <= 4 and "--max-conns-per-ip reached (127.0.0.1)" in said[0],
                    "the refusals are logged once with the limit and the address, then "
                    "summed up, not a line each", said[:5])
        finally:
            crowd.close()


def raised_limit():
    """--max-conns-per-ip 2000 (a proxy's address): all 1,500 are accepted, held in their
    handshake, and still nobody else waits for a header buffer."""
    with Daemon(s, ["--max-conns-per-ip", "2000"]) as d:
        time.sleep(0.3)
        crowd = Crowd(d.port)
        try:
            crowd.open()
            ok = wait_for(lambda: (metric(metrics(d), "rulingd_sockets") or 0) >= 1500,
                          slow(3))
            s.check(ok, "--max-conns-per-ip 2000: all 1,500 are accepted (rulingd_sockets)",
                    metric(metrics(d), "rulingd_sockets"))
            others_served(d, "1,500 unfinished handshakes accepted from 127.0.0.1",
                          "answered")
            crowd_ends(d, crowd, "--max-conns-per-ip 2000", 1)
        finally:
            crowd.close()


def refuses_until(d, what):
    """The port refuses connections (nothing listens) while rulingd runs."""
    time.sleep(slow(1))
    s.check(d.alive(), f"{what}: rulingd keeps running", d.stderr()[-2000:])
    try:
        with socket.create_connection((HOST, d.port), timeout=slow(1)):
            refused = False
    except OSError:
        refused = True
    s.check(refused, f"{what}: the port refuses connections")
    s.check("not accepting connections until" in d.stderr(), f"{what}: the log says why",
            d.stderr()[-2000:])


def ready_only():
    """Accepts only once the knowledge base answers its self-test question."""
    tmp = tempfile.mkdtemp(prefix="rulingd-ready-")
    try:
        kb = os.path.join(tmp, "kb.sqlite")
        with Daemon(s, kb=kb, wait=False) as d:
            refuses_until(d, "started without a KB file")
            shutil.copyfile(KB, kb)
            d.send_signal(signal.SIGHUP)
            s.check(d.wait_ready(slow(10)), "once the file is there, SIGHUP loads it and the "
                    "port accepts", d.stderr()[-2000:])
            got, _ = ask(d, "127.0.0.1")
            s.check(got == "answered", "and answers", got)
        with open(kb, "wb") as f:
            f.write(b"not a knowledge base\n" * 100)
        with Daemon(s, kb=kb, wait=False) as d:
            refuses_until(d, "started on a file that is no knowledge base")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def body():
    if not raise_fd_limit(SILENT + SLOW + 200):
        note(f"skipped: the crowd needs {SILENT + SLOW + 200} descriptors and the hard "
             f"limit is {resource.getrlimit(resource.RLIMIT_NOFILE)[1]}")
    else:
        default_limits()
        raised_limit()
    ready_only()


main(s, body)
