#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Which browsers may open rulingd's websocket: no Origin (programs) is accepted; by default
the server's own host (as the client named it in Host) and localhost / 127.0.0.1 on any
port; any other origin gets HTTP 403; --allow-origin (repeatable) names others."""
from daemon import NO_RATE, Daemon, ask_json, main, need_daemon
from harness import Suite

s = Suite("08-daemon-origin")
need_daemon(s)


def handshake(d, origin, host_header=None):
    with d.ws(origin=origin, host_header=host_header) as ws:
        if ws.status == 101:
            j = ask_json(ws, {"type": "ask", "text": "who was the judge"}) or {}
            s.check(j.get("type") == "answer", f"Origin {origin!r}: accepted and answered", j)
        return ws.status


def accepted(d, origin, what, host_header=None):
    st = handshake(d, origin, host_header)
    s.check(st == 101, f"{what}: accepted (Origin {origin!r}, Host {host_header!r})", st)


def refused(d, origin, what, host_header=None):
    st = handshake(d, origin, host_header)
    s.check(st == 403, f"{what}: refused with 403 (Origin {origin!r}, Host {host_header!r})",
            st)


def body():
    with Daemon(s, NO_RATE) as d:
        p = d.port
        accepted(d, None, "no Origin")
        accepted(d, f"http://127.0.0.1:{p}", "the server's own host and port")
        accepted(d, "http://chat.example.org", "the host named in Host",
                 host_header="chat.example.org")
        accepted(d, "https://chat.example.org", "the host named in Host, https",
                 host_header="chat.example.org")
        accepted(d, f"http://chat.example.org:{p}", "the host and port named in Host",
                 host_header=f"chat.example.org:{p}")
        for origin in ("http://localhost:3000", "https://localhost:8443", "http://localhost",
                       "https://localhost", "http://127.0.0.1:5500", "https://127.0.0.1",
                       "http://127.0.0.1"):
            accepted(d, origin, "localhost or 127.0.0.1 on any port")

        for origin, what in (("https://evil.example", "another site"),
                             ("http://localhost.evil.example", "localhost as a prefix"),
                             ("http://127.0.0.1.evil.example", "127.0.0.1 as a prefix"),
                             ("http://evil-localhost:3000", "localhost as a suffix"),
                             ("http://localhost@evil.example", "localhost as user info"),
                             ("null", "the null origin"),
                             ("file://", "a file origin"),
                             ("http://127.0.0.2:3000", "another loopback address"),
                             ("ftp://localhost", "localhost on another scheme")):
            refused(d, origin, what)
        refused(d, "http://chat.example.org.evil.example", "Host's name as a prefix",
                host_header="chat.example.org")
        refused(d, "http://evil.example", "an origin other than Host's",
                host_header="chat.example.org")
        refused(d, "http://chat.example.org", "Host's name when Host names another",
                host_header="other.example.org")

        with d.ws(origin="https://evil.example") as ws:
            s.check(ws.status == 403, "a refused handshake is an HTTP 403", ws.status)
            ws.send_text(b"who was the judge")
            s.check(ws.recv_frame(1) is None, "and no websocket frame comes after it", ws.buf)

    with Daemon(s, NO_RATE + ["--allow-origin", "https://widget.example.com",
                              "--allow-origin", "https://news.example.net:8443"]) as d:
        accepted(d, "https://widget.example.com", "--allow-origin adds an origin")
        accepted(d, "https://news.example.net:8443", "--allow-origin is repeatable")
        accepted(d, None, "no Origin, with --allow-origin")
        refused(d, "https://evil.example", "another origin, with --allow-origin")
        refused(d, "http://widget.example.com", "the allowed host on another scheme")
        refused(d, "https://widget.example.com.evil.example", "the allowed origin as a prefix")
        refused(d, "https://news.example.net", "the allowed host without its port")


main(s, body)
