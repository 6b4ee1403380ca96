#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SIGTERM and SIGINT stop rulingd cleanly: every open websocket gets close 1001, a
question sent just before is still answered, new connections are no longer accepted, and
the process exits 0 within 5 seconds, even with clients that never answer the close."""
import signal
import socket
import time

import wsclient
from daemon import (HOST, NO_RATE, Daemon, ask_json, ask_lines, main, need_daemon, read_json,
                    slow)
from harness import Suite

s = Suite("11-daemon-shutdown")
need_daemon(s)

JUDGE = "who was the judge"


def stop_with(sig, name):
    with Daemon(s, NO_RATE) as d:
        text = d.ws()
        jsn = d.ws(protocol="rulingbot.v1")
        mute = d.ws()  # never answers the close
        lines, done = ask_lines(text, JUDGE)
        s.check(done and lines, f"{name}: the text client is served first")
        j = ask_json(jsn, {"type": "ask", "text": JUDGE}) or {}
        s.check(j.get("type") == "answer", f"{name}: the JSON client is served first", j)
        half = wsclient.tcp(HOST, d.port)  # a connection still in its handshake

        # A question sent just before the signal is still answered.
        jsn.send_json({"type": "ask", "id": "last", "text": JUDGE})
        time.sleep(slow(0.05))
        start = time.monotonic()
        d.send_signal(sig)

        j = read_json(jsn, slow(5)) or {}
        s.check(j.get("id") == "last" and j.get("type") == "answer",
                f"{name}: the question in flight is answered", j)
        codes = {}
        for what, ws in (("json", jsn), ("text", text)):
            codes[what] = ws.wait_closed(slow(5), reply=True)
        codes["mute"] = mute.wait_closed(slow(5), reply=False)
        s.check(all(c == 1001 for c in codes.values()),
                f"{name}: every websocket gets close 1001", codes)

        # No new connection is accepted once it is stopping.
        try:
            late = d.ws(timeout=1)
            accepted = late.status == 101
            late.close()
        except OSError:
            accepted = False
        s.check(not accepted, f"{name}: no new websocket is accepted while stopping")

        rc = d.wait_exit(slow(5) - (time.monotonic() - start) + 0.5)
        took = time.monotonic() - start
        s.check(rc == 0, f"{name}: rulingd exits 0 within 5 s",
                f"exit {rc} after {took:.1f} s")
        for ws in (text, jsn, mute):
            s.check(ws.wait_eof(slow(2)), f"{name}: the TCP connection is closed")
            ws.close()
        half.settimeout(slow(2))
        try:
            data = half.recv(100)
        except (socket.timeout, OSError):
            data = b"?"
        s.check(data == b"", f"{name}: a connection in its handshake is closed too", data)
        half.close()
        try:
            socket.create_connection((HOST, d.port), timeout=1).close()
            listening = True
        except OSError:
            listening = False
        s.check(not listening, f"{name}: nothing listens on the port afterwards")
        d.stop()
        s.check(not d.leftover, f"{name}: no rulingd process is left")


def body():
    stop_with(signal.SIGTERM, "SIGTERM")
    stop_with(signal.SIGINT, "SIGINT")
    # Stopping with no client at all is quick.
    with Daemon(s, NO_RATE) as d:
        time.sleep(slow(0.5))
        start = time.monotonic()
        rc = d.stop()
        s.check(rc == 0 and time.monotonic() - start < slow(5) and not d.killed,
                "SIGTERM with no client: exit 0 within 5 s", rc)
    # A SIGTERM that comes as soon as the port accepts (a supervisor stopping a service
    # it just started) is a SIGTERM like any other.
    codes = []
    for _ in range(10):
        with Daemon(s, NO_RATE, wait=False) as d:
            deadline = time.monotonic() + slow(10)
            while time.monotonic() < deadline and d.alive():
                try:
                    socket.create_connection((HOST, d.port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.0005)
            codes.append(d.stop())
    s.check(codes == [0] * 10, "SIGTERM as soon as the port accepts: exit 0 (10 tries)",
            codes)


main(s, body)
