#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingd against hostile clients, for the hardening issue: malformed upgrade requests
(wrong or missing Sec-WebSocket-Version / -Key, 100 KB of headers, a handshake one byte
at a time), control frames between fragments and bad control frames inside fragmented
messages, 64-bit frame lengths of 2^63 and 2^64-1, close frames with codes that are not
allowed, a ping flood, hundreds of idle connections and of silent TCP connections,
hostile JSON (100,000-deep nesting, 60 KB of \\u0000, NUL bytes, duplicate keys, 1e999),
FTS5 and SQL syntax as questions, and a client that never reads its replies. After every
case a fresh connection asks "who was the judge" and must get exactly the lines of
`rulingd --ask`; rulingd's resident memory (VmRSS) is followed through it all and printed
(not under valgrind, where it means nothing).

Not repeated here, also covered by 07/08/09: question size limits and too_long, the hard
message cap (1009), invalid UTF-8 (1007, also across fragments), binary frames, unmasked
frames, RSV bits, reserved opcodes, a lone fragmented ping / 126-byte ping / stray first
continuation, rate limits, overloaded, connection limits per address and in total, the
handshake timeout and the idle ping (07-daemon-limits); Origin rules (08-daemon-origin);
path traversal in static files (09-daemon-static)."""
import json
import select
import struct
import threading
import time
import urllib.parse

import wsclient
from daemon import (HOST, INFO, NO_RATE, Daemon, ask_json, ask_lines, cli_json, cli_lines,
                    collect_until_info, main, metric, need_daemon, note, read_json, slow,
                    wait_for)
from harness import VALGRIND, Suite

s = Suite("23-hostile")
need_daemon(s, budget=180)

T, CONT, PING, PONG, CLOSE = (wsclient.TEXT, wsclient.CONT, wsclient.PING, wsclient.PONG,
                              wsclient.CLOSE)
JUDGE = "who was the judge"
WANT = []          # the lines `rulingd --ask "who was the judge"` prints, set in body()
MIB = 1024         # VmRSS is in KiB
RSS = {}           # figures for the report: name -> KiB


# Helpers.

def rss_kib(d):
    """rulingd's VmRSS in KiB, None under valgrind (or when it cannot be read)."""
    if VALGRIND:
        return None
    try:
        with open(f"/proc/{d.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def alive(d, after):
    """A fresh connection asks the judge question in text mode and gets exactly the CLI's
    lines: the daemon lives and answers right."""
    s.check(d.alive(), f"after {after}: rulingd is still running", d.stderr()[-2000:])
    if not d.alive():
        return
    with d.ws() as ws:
        lines, done = ask_lines(ws, JUDGE)
    s.check(done and lines == WANT, f"after {after}: a new connection asks {JUDGE!r} and "
            "gets exactly rulingd --ask's lines", lines)


def warm_up(d):
    """Asks questions whose typos make the engine load what it loads on first use (the
    spelling dictionaries, tens of MiB under ASan), so that memory measured after it
    counts only what the hostile cases cost."""
    with d.ws() as ws:
        for question in ("who was the jduge", "quien fue el juezz"):
            lines, done = ask_lines(ws, question)
            s.check(done and lines, f"warm-up: {question!r} is answered", lines)


def still_serves(ws, what):
    ws.send_text(INFO)
    j = read_json(ws) or {}
    s.check(j.get("type") == "info", f"{what}: the same connection still answers", j)


def fact_of(question):
    return cli_json(question).get("fact")


def closed(ws, timeout=None):
    """Waits for the server to end the connection (answering its close frame). The close
    code, 0 for an end without a close frame, None when still open."""
    return ws.wait_closed(timeout or slow(3), reply=True)


def handshake(d, lines, delay=0.0, timeout=None):
    """Sends a hand-made upgrade request (a list of header lines, without the blank line),
    byte by byte delay seconds apart when delay is given. Returns a wsclient.WebSocket
    (status None when the server ended the connection without an HTTP answer)."""
    timeout = timeout or slow(5)
    sock = wsclient.tcp(HOST, d.port)
    data = b"\r\n".join(lines) + b"\r\n\r\n"
    key = b""
    for line in lines:
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    try:
        if delay:
            for i in range(len(data)):
                sock.sendall(data[i:i + 1])
                time.sleep(delay)
        else:
            sock.sendall(data)
    except OSError:
        pass  # the server may refuse before reading everything
    head, rest = wsclient._read_head(sock, time.monotonic() + timeout)
    if head is None:
        ws = wsclient.WebSocket(sock, None, "", {}, [], rest, key)
        ws.eof = True
        return ws
    status, reason, headers, pairs = wsclient._parse_head(head)
    return wsclient.WebSocket(sock, status, reason, headers, pairs, rest, key)


def upgrade_lines(d, version=b"13", key=True):
    lines = [b"GET / HTTP/1.1", f"Host: {HOST}:{d.port}".encode(), b"Upgrade: websocket",
             b"Connection: Upgrade"]
    if key:
        lines.append(b"Sec-WebSocket-Key: " + (key if isinstance(key, bytes)
                                               else b"dGhlIHNhbXBsZSBub25jZQ=="))
    if version is not None:
        lines.append(b"Sec-WebSocket-Version: " + version)
    return lines


def refused_and_closed(ws, what):
    """A refused handshake: no 101, a 4xx/5xx or no answer at all, then the end of the
    connection."""
    s.check(ws.status != 101, f"{what}: not switched to a websocket (no 101)",
            f"status {ws.status} {ws.headers}")
    s.check(ws.status is None or 400 <= ws.status < 600, f"{what}: an HTTP error or nothing",
            ws.status)
    s.check(ws.eof or ws.wait_eof(slow(3)), f"{what}: the connection is closed")


def tcp_row(local_port, remote_port):
    """(state, tx_queue, rx_queue) of the 127.0.0.1 TCP socket local_port -> remote_port,
    from /proc/net/tcp; None when there is none."""
    want_l = "0100007F:%04X" % local_port
    want_r = "0100007F:%04X" % remote_port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want_l and cols[2] == want_r:
                tx, rx = cols[4].split(":")
                return cols[3], int(tx, 16), int(rx, 16)
    return None


def connections(d):
    return metric(d.metrics(), "rulingd_connections")


# 1. Malformed upgrade requests.

def malformed_upgrades(d):
    # RFC 6455 4.2.2: a server that does not speak the version asked for answers 426 with
    # Sec-WebSocket-Version. libwebsockets 4.1 accepts any version (0, 12, 99, "abc", none)
    # and speaks 13; that is an RFC deviation but harmless: the client gets version 13.
    for version, what in ((b"12", "Sec-WebSocket-Version: 12"),
                          (b"abc", "Sec-WebSocket-Version: abc"),
                          (None, "no Sec-WebSocket-Version")):
        ws = handshake(d, upgrade_lines(d, version))
        if ws.status == 101:
            note(f"{what}: rulingd accepts it with 101 (RFC 6455 4.2.2 wants 426 and "
                 "Sec-WebSocket-Version: 13); it then speaks version 13")
            s.check(ws.accept_ok, f"{what}: accepted with a right Sec-WebSocket-Accept",
                    ws.headers)
            lines, done = ask_lines(ws, JUDGE)
            s.check(done and lines == WANT, f"{what}: accepted, it is then served correctly",
                    lines)
        else:
            refused_and_closed(ws, what)
            if ws.status == 426:
                s.check("13" in ws.headers.get("sec-websocket-version", ""),
                        f"{what}: 426 names version 13", ws.headers)
        ws.close()
        alive(d, what)

    ws = handshake(d, upgrade_lines(d, key=False))
    refused_and_closed(ws, "an upgrade without Sec-WebSocket-Key")
    ws.close()
    alive(d, "an upgrade without Sec-WebSocket-Key")
    ws = handshake(d, upgrade_lines(d, key=b"A" * 300))
    refused_and_closed(ws, "a Sec-WebSocket-Key of 300 bytes")
    ws.close()
    alive(d, "a Sec-WebSocket-Key of 300 bytes")

    before = rss_kib(d)
    big = [
        ("100 KB of header lines (1000 lines of 100 bytes)",
         [b"X-Junk-%04d: %s" % (i, b"a" * 86) for i in range(1000)]),
        ("one header line of 100 KB", [b"X-Big: " + b"b" * 100000]),
        ("20000 tiny header lines", [b"a: b"] * 20000),
    ]
    for what, extra in big:
        start = time.monotonic()
        ws = handshake(d, upgrade_lines(d) + extra)
        refused_and_closed(ws, what)
        s.check(time.monotonic() - start < slow(3), f"{what}: refused promptly",
                f"{time.monotonic() - start:.1f} s")
        ws.close()
        alive(d, what)
    after = rss_kib(d)
    if before is not None and after is not None:
        s.check(after - before < 4 * MIB, "huge headers do not grow rulingd's memory (< 4 MiB)",
                f"{mib(before)} -> {mib(after)}")

    # One byte every millisecond: slow, but well within --handshake-timeout 2.
    start = time.monotonic()
    ws = handshake(d, upgrade_lines(d), delay=0.001)
    took = time.monotonic() - start
    s.check(ws.status == 101 and ws.accept_ok, "a handshake sent one byte at a time (1 ms "
            "apart) is accepted", f"status {ws.status}, {took:.2f} s, {ws.headers}")
    if ws.status == 101:
        frame = wsclient.frame_bytes(T, JUDGE)
        for i in range(len(frame)):
            ws.send_raw(frame[i:i + 1])
            time.sleep(0.001)
        ws.send_text(INFO)
        lines, done = collect_until_info(ws)
        s.check(done and lines == WANT, "then a question sent one byte at a time is answered "
                "exactly", lines)
    ws.close()
    alive(d, "a handshake one byte at a time")


# 2. Control frames between fragments, and bad ones.

def fragments_and_control_frames(d):
    with d.ws() as ws:
        ws.send_frame(T, b"who was", fin=False)
        ws.send_ping(b"between")
        ws.send_frame(CONT, b" the judge")
        ws.send_text(INFO)
        f = ws.recv_frame(slow(5))
        s.check(f == (PONG, b"between"), "a ping between two fragments: its pong comes first "
                "(before the reply to the unfinished message)", f)
        lines, done = collect_until_info(ws)
        s.check(done and lines == WANT, "then the whole question 'who was' + ' the judge' is "
                "answered exactly", lines)

    with d.ws() as ws:
        ws.send_frame(T, b"who", fin=False)
        ws.send_ping(b"p1")
        ws.send_frame(CONT, b" was", fin=False)
        ws.send_pong(b"unasked")
        ws.send_frame(CONT, b"", fin=False)
        ws.send_ping(b"p2")
        ws.send_frame(CONT, b" the judge")
        ws.send_text(INFO)
        pongs, lines, done = [], [], False
        deadline = time.monotonic() + slow(5)
        while time.monotonic() < deadline:
            f = ws.recv_frame(max(0.0, deadline - time.monotonic()))
            if f is None or f[0] == CLOSE:
                break
            if f[0] == PONG:
                pongs.append(f[1])
                continue
            text = f[1].decode("utf-8", "replace")
            if text.startswith('{"type":"info"'):
                done = True
                break
            lines.append(text)
        # RFC 6455 5.5.3 allows one pong for the most recent of several pings; lws 4.1
        # answers the first and drops a ping that comes while that pong is pending.
        s.check(pongs in ([b"p1", b"p2"], [b"p1"], [b"p2"]),
                "two pings, an unasked pong and an empty fragment among four fragments: "
                "pongs for the pings, in order", pongs)
        if pongs == [b"p1"]:
            note("two pings close together: only the first got a pong (lws drops a ping "
                 "while a pong is pending; RFC 6455 5.5.3 would keep the most recent)")
        s.check(done and lines == WANT, "and the question they carry is answered exactly",
                lines)
    alive(d, "control frames between fragments")

    bad = [
        ("a fragmented (fin=0) ping inside a fragmented text message",
         wsclient.frame_bytes(T, b"who was", fin=False) +
         wsclient.frame_bytes(PING, b"p", fin=False) +
         wsclient.frame_bytes(CONT, b" the judge"), (1002,)),
        ("a continuation after a finished message",
         wsclient.frame_bytes(T, b"/help") + wsclient.frame_bytes(CONT, b"judge"), (1002,)),
        ("a continuation after a finished fragmented message",
         wsclient.frame_bytes(T, b"who was", fin=False) +
         wsclient.frame_bytes(CONT, b" the judge") + wsclient.frame_bytes(CONT, b"again"),
         (1002,)),
        # lws drops these at once, without a close frame (RFC 6455 7.1.7 says SHOULD send
        # one; docs/protocol.md says 1002): 0 or 1002 is accepted, and noted.
        ("a ping with 126 bytes (16-bit length form)",
         wsclient.frame_bytes(PING, b"p" * 126), (0, 1002)),
        ("a pong with 300 bytes", wsclient.frame_bytes(PONG, b"q" * 300), (0, 1002)),
        ("a close frame with 126 bytes",
         wsclient.frame_bytes(CLOSE, wsclient.close_payload(1000, b"r" * 124)), (0, 1002)),
        ("a ping of 10 bytes in the 16-bit length form (not minimal)",
         b"\x89\xfe\x00\x0a" + b"\x00" * 4 + b"p" * 10, (0, 1002)),
        ("a ping of 126 bytes between two fragments",
         wsclient.frame_bytes(T, b"who was", fin=False) +
         wsclient.frame_bytes(PING, b"p" * 126) + wsclient.frame_bytes(CONT, b" the judge"),
         (0, 1002)),
    ]
    for what, data, codes in bad:
        with d.ws() as ws:
            start = time.monotonic()
            ws.send_raw(data)
            code = closed(ws)
            s.check(code in codes, f"{what}: closed as a protocol error "
                    f"({' or '.join(map(str, codes))})", f"close code {code}")
            s.check(ws.wait_eof(slow(3)), f"{what}: the TCP connection ends")
            if code == 0:
                note(f"{what}: rulingd ends the TCP connection without a close frame "
                     "(docs/protocol.md says close 1002)")
            s.check(time.monotonic() - start < slow(3), f"{what}: promptly")
        alive(d, what)

    with d.ws() as ws:
        ws.send_ping(b"x" * 125)
        f = ws.recv_frame(slow(3))
        s.check(f == (PONG, b"x" * 125), "a ping of 125 bytes (the most allowed) is ponged "
                "with its payload", f)


# 3. Frame lengths of 2^63 and 2^64 - 1.

def huge_lengths(d):
    before = rss_kib(d)
    key = b"\x11\x22\x33\x44"
    cases = [
        ("a text frame claiming 2^63 bytes", (1 << 63), b"\x81"),
        ("a text frame claiming 2^64-1 bytes", (1 << 64) - 1, b"\x81"),
        ("a binary frame claiming 2^63 bytes", (1 << 63), b"\x82"),
        ("a continuation claiming 2^64-1 bytes after a first fragment", (1 << 64) - 1, b"\x80"),
        ("a text frame claiming 2^63-1 bytes", (1 << 63) - 1, b"\x81"),
    ]
    for what, n, b0 in cases:
        with d.ws() as ws:
            data = b0 + b"\xff" + struct.pack("!Q", n) + key + \
                wsclient.mask_bytes(key, b"who was the judge" * 4)
            if b0 == b"\x80":
                data = wsclient.frame_bytes(T, b"who was", fin=False) + data
            start = time.monotonic()
            ws.send_raw(data)
            code = closed(ws, slow(3))
            took = time.monotonic() - start
            s.check(code in (0, 1002, 1009), f"{what}: closed (1009, 1002, or dropped)",
                    f"close code {code}")
            s.check(took < slow(2), f"{what}: promptly", f"{took:.2f} s")
            s.check(ws.wait_eof(slow(7)), f"{what}: the TCP connection ends")
            note(f"{what}: close code {code} (0: no close frame) after {took:.3f} s")
        alive(d, what)
    after = rss_kib(d)
    if before is not None and after is not None:
        s.check(after - before < 2 * MIB, "frames claiming 2^63 bytes do not grow rulingd's "
                "memory (< 2 MiB)", f"{mib(before)} -> {mib(after)}")


# 4. Close frames.

def close_codes(d):
    # RFC 6455 7.4: 0-999 are not used, 1004/1005/1006/1015 must not be sent, nor the
    # unassigned 1016-2999.
    for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 2999):
        with d.ws() as ws:
            ws.send_close(code)
            got = ws.wait_closed(slow(3))
            s.check(got == 1002, f"a close frame with code {code}: answered with close 1002",
                    got)
            s.check(ws.wait_eof(slow(3)), f"close {code}: the TCP connection ends")
    for code in (1000, 1001, 3000, 4000, 4999):
        with d.ws() as ws:
            ws.send_close(code, b"bye")
            got = ws.wait_closed(slow(3))
            s.check(got == code, f"a close frame with code {code}: echoed", got)
            s.check(ws.wait_eof(slow(3)), f"close {code}: the TCP connection ends")
    # Codes of 5000 and more are outside every range RFC 6455 7.4.2 defines; lws 4.1 echoes
    # them. Harmless either way: the connection ends.
    for code in (5000, 65535):
        with d.ws() as ws:
            ws.send_close(code)
            got = ws.wait_closed(slow(3))
            s.check(got in (1002, code), f"a close frame with code {code}: closed (1002, or "
                    "echoed)", got)
            s.check(ws.wait_eof(slow(3)), f"close {code}: the TCP connection ends")
            if got == code:
                note(f"close code {code}: rulingd echoes it (1002 expected by the issue)")
    with d.ws() as ws:
        ws.send_frame(CLOSE, b"\x03")
        f = None
        deadline = time.monotonic() + slow(3)
        while time.monotonic() < deadline:
            f = ws.recv_frame(max(0.0, deadline - time.monotonic()))
            if f is None or f[0] == CLOSE:
                break
        s.check(f is not None and f[0] == CLOSE, "a close frame with a 1-byte payload: "
                "answered with a close frame", f)
        s.check(ws.wait_eof(slow(3)), "close with 1 byte: the TCP connection ends")
        if f is not None and f[0] == CLOSE and f[1] != b"\x03\xea":
            note(f"a close frame with a 1-byte payload: rulingd answers with close payload "
                 f"{f[1]!r}, not 1002 (b'\\x03\\xea'); a 1-byte close body is itself invalid")
    with d.ws() as ws:
        ws.send_frame(CLOSE, b"")
        got = ws.wait_closed(slow(3))
        s.check(got == 1005, "an empty close frame: answered with an empty close", got)
    with d.ws() as ws:
        ws.send_close(1000, b"\xff\xfe bad reason")
        got = ws.wait_closed(slow(3))
        s.check(got in (1000, 1007, 1002), "a close reason that is not UTF-8: closed", got)
        s.check(ws.wait_eof(slow(3)), "bad close reason: the TCP connection ends")
        if got == 1000:
            note("a close reason that is not UTF-8 is echoed with 1000 (RFC 6455 8.1 would "
                 "fail the connection, 1007)")
    with d.ws() as ws:
        # A question then a close: the close wins or the answer comes first, never a hang.
        ws.send_raw(wsclient.frame_bytes(T, JUDGE) +
                    wsclient.frame_bytes(CLOSE, wsclient.close_payload(1000)))
        got = ws.wait_closed(slow(5))
        s.check(got == 1000, "a question followed at once by a close: closed with 1000", got)
    alive(d, "close frames")


# 5. A ping flood.

def ping_flood(d):
    n = 2000
    flooder = d.ws()
    other = d.ws()
    payloads = [b"flood %05d " % i + b"." * 113 for i in range(n)]   # 125 bytes each
    result = {}

    def flood():
        for p in payloads:
            if not flooder.send_ping(p):
                result["stopped"] = payloads.index(p)
                break
        result["took"] = time.monotonic() - start

    start = time.monotonic()
    sender = threading.Thread(target=flood, daemon=True)
    sender.start()
    worst, asked, good = 0.0, 0, 0
    while sender.is_alive() or asked < 3:
        t = time.monotonic()
        lines, done = ask_lines(other, JUDGE, timeout=slow(2))
        worst = max(worst, time.monotonic() - t)
        asked += 1
        good += done and lines == WANT
        if asked >= 200:
            break
    sender.join(slow(30))
    s.check(good == asked, "during a flood of 2000 pings, another connection gets exact "
            "answers", f"{good} of {asked}")
    s.check(worst < slow(2), "each within 2 s", f"worst {worst:.3f} s")
    note(f"ping flood: {n} pings of 125 bytes sent in {result.get('took', -1):.3f} s; "
         f"another client asked {asked} times meanwhile, slowest answer {worst * 1000:.1f} ms")
    pongs = []
    while True:
        f = flooder.recv_frame(slow(1))
        if f is None or f[0] == CLOSE:
            break
        if f[0] == PONG:
            pongs.append(f[1])
    if flooder.eof or flooder.close_code is not None:
        note(f"ping flood: the flooder was closed (code {flooder.close_code}) after "
             f"{len(pongs)} pongs")
        s.check(flooder.close_code in (None, 1000, 1002, 1008, 1011),
                "the flooder is closed cleanly", flooder.close_code)
    else:
        index = {p: i for i, p in enumerate(payloads)}
        order = [index.get(p, -1) for p in pongs]
        s.check(pongs and -1 not in order and order == sorted(set(order)),
                "the flooder gets pongs, each carrying one of its pings' payloads, in order",
                order[:20])
        # RFC 6455 5.5.3 lets a busy endpoint pong only the most recent ping; lws 4.1
        # instead drops every ping that arrives while a pong is pending, so the last ping
        # may get no pong at all. Noted, not failed: it harms nobody but a client that
        # waits for the pong of its latest ping.
        note(f"ping flood: {len(pongs)} pongs for {n} pings; the last pong answers ping "
             f"#{order[-1] if order else None} of 0..{n - 1}"
             + ("" if order and order[-1] == n - 1 else
                " (the most recent ping got no pong: lws drops pings while a pong is pending)"))
        flooder.send_ping(b"after the flood")
        f = flooder.recv_frame(slow(3))
        s.check(f == (PONG, b"after the flood"), "after the flood, a ping is ponged again", f)
        lines, done = ask_lines(flooder, JUDGE)
        s.check(done and lines == WANT, "the flooder's own connection then answers exactly",
                lines)
    flooder.close()
    other.close()
    alive(d, "a ping flood")


# 6. Hundreds of idle connections.

def idle_crowd(d):
    n_ws = 100 if VALGRIND else 300
    n_raw = 30 if VALGRIND else 100
    time.sleep(0.3)
    before = rss_kib(d)
    held = []
    try:
        for _ in range(n_ws):
            held.append(d.ws())
        statuses = [w.status for w in held]
        s.check(statuses == [101] * n_ws, f"{n_ws} idle websockets from one address are "
                "accepted (--max-conns-per-ip 1000)",
                {st: statuses.count(st) for st in set(statuses)})
        time.sleep(0.3)
        with_ws = rss_kib(d)
        first_raw = time.monotonic()
        raw = [wsclient.tcp(HOST, d.port) for _ in range(n_raw)]
        last_raw = time.monotonic()
        time.sleep(0.3)
        peak = rss_kib(d)
        if before is not None and with_ws is not None:
            per = (with_ws - before) * 1024 / n_ws
            RSS["per_ws_bytes"] = per
            RSS["idle_peak"] = peak
            note(f"idle connections: RSS {mib(before)} before, {mib(with_ws)} with {n_ws} idle "
                 f"websockets ({per / 1024:.1f} KiB each), {mib(peak)} with {n_raw} silent TCP "
                 "connections too")
            s.check(per < 64 * 1024, "an idle websocket costs rulingd under 64 KiB",
                    f"{per:.0f} bytes")
        # Meanwhile a normal client is answered.
        t = time.monotonic()
        with d.ws() as ws:
            lines, done = ask_lines(ws, JUDGE, timeout=slow(2))
        s.check(done and lines == WANT, f"with {n_ws} idle websockets and {n_raw} silent TCP "
                "connections, a normal client is answered exactly",
                f"{time.monotonic() - t:.2f} s {lines[:1]}")
        # The silent TCP connections end by --handshake-timeout 2.
        ends = {}
        socks = {r.fileno(): r for r in raw}
        deadline = last_raw + slow(4) + 1
        while len(ends) < n_raw and time.monotonic() < deadline:
            ready, _, _ = select.select([r for fd, r in socks.items() if fd not in ends], [],
                                        [], 0.1)
            for r in ready:
                try:
                    gone = r.recv(4096) == b""
                except OSError:
                    gone = True
                if gone:
                    ends[r.fileno()] = time.monotonic()
        s.check(len(ends) == n_raw, f"all {n_raw} silent TCP connections are closed by the "
                "handshake timeout", f"{len(ends)} closed")
        if ends:
            earliest = min(ends.values()) - first_raw
            latest = max(ends.values()) - last_raw
            s.check(earliest >= 1.5, "not before about 2 s (--handshake-timeout 2)",
                    f"first closed after {earliest:.2f} s")
            s.check(latest <= slow(4), "all within 4 s", f"last closed {latest:.2f} s after "
                    "the last was opened")
            note(f"silent TCP connections closed {earliest:.2f} s .. "
                 f"{max(ends.values()) - first_raw:.2f} s after the first was opened")
        for r in raw:
            r.close()
        # The idle websockets are not touched by the handshake timeout.
        still = sum(1 for w in held if w.quiet(0) and not w.eof)
        s.check(still == n_ws, "the idle websockets stay open", f"{still} of {n_ws}")
        n = wait_for(lambda: connections(d) == n_ws and n_ws, slow(3))
        s.check(n, f"/metrics counts {n_ws} websocket connections", connections(d))
        for w in (held[0], held[n_ws // 2], held[-1]):
            lines, done = ask_lines(w, JUDGE)
            s.check(done and lines == WANT, "an idle websocket then asks and is answered "
                    "exactly", lines[:1])
    finally:
        for w in held:
            w.close()
    s.check(wait_for(lambda: connections(d) == 0 or None, slow(5)) is not None,
            "once they are closed, /metrics counts 0 connections", connections(d))
    after = rss_kib(d)
    if after is not None:
        RSS["after_idle"] = after
        note(f"idle connections: RSS {mib(after)} after all were closed")
    alive(d, "hundreds of idle connections")


# 7. Hostile JSON.

def is_error(j, *codes):
    return isinstance(j, dict) and j.get("type") == "error" and j.get("code") in codes


def hostile_json(d):
    judge = fact_of(JUDGE)
    # Default limits: whatever the parser would do, the size limits come first.
    with d.ws() as ws:
        ws.send_text(b"[" * 100000)
        code = closed(ws)
        s.check(code == 1009, "100,000 '[' (100 KB, over the 64 KiB hard cap): close 1009",
                code)
    with d.ws() as ws:
        deep = b'{"type":"ask","id":"n1","text":' + b"[" * 30000 + b"]" * 30000 + b"}"
        j = ask_json(ws, deep) or {}
        s.check(is_error(j, "too_long"), "an ask whose text is 30,000-deep nested (60 KB): "
                "too_long", j)
        still_serves(ws, "after 60 KB of nesting")
        j = ask_json(ws, b'{"type":"ask","id":"e1","text":"' + b"\\u0000" * 10000 + b'"}') or {}
        s.check(is_error(j, "too_long"), "a 60 KB string of \\u0000 escapes: too_long", j)
        still_serves(ws, "after 60 KB of escapes")
        # Within the question limit, the parser does see it.
        j = ask_json(ws, b'{"type":"ask","id":"n2","text":' + b"[" * 900 + b"]" * 900 + b"}")
        s.check(is_error(j, "bad_request", "bad_json") and (j or {}).get("id") in ("n2", None),
                "an ask whose text is 900-deep nested arrays: bad_request", j)
        j = ask_json(ws, b'{"a":' * 300 + b"1" + b"}" * 300) or {}
        s.check(is_error(j, "bad_request"), "300-deep nested objects (no type): bad_request",
                j)
        still_serves(ws, "after deep nesting")

        # NUL bytes. Text mode: the question is read whole, the NUL like a space.
        lines, done = ask_lines(ws, b"who was\x00 the judge")
        s.check(done and (lines == WANT or (len(lines) == 1 and lines[0].startswith("Error: "))),
                "text mode: a raw NUL inside the question: the judge's answer or an error "
                "line", lines[:2])
        lines, done = ask_lines(ws, b"\x00who was the judge")
        s.check(done and (lines == WANT or (len(lines) == 1 and lines[0].startswith("Error: "))),
                "text mode: a raw NUL before the question: the judge's answer or an error "
                "line", lines[:2])
        # JSON mode. A raw NUL in a JSON string is not JSON (RFC 8259 section 7: control
        # characters must be escaped); an escaped \u0000 is JSON. Either way the question
        # must not be cut at the NUL and the rest silently dropped: answering "who was"
        # (Eddie Byrne) to "who was<NUL> the judge" is a confident wrong answer.
        for what, raw in (("a raw NUL", b'{"type":"ask","id":"z1","text":"who was\x00 the judge"}'),
                          ("an escaped \\u0000",
                           b'{"type":"ask","id":"z2","text":"who was\\u0000 the judge"}')):
            j = ask_json(ws, raw) or {}
            s.check(is_error(j, "bad_json", "bad_request") or
                    (j.get("type") == "answer" and j.get("fact") == judge),
                    f"JSON: {what} inside the question: an error, or the judge's answer, "
                    "never an answer to the text cut at the NUL",
                    f"type {j.get('type')}, fact {j.get('fact')!r} (judge is {judge!r}; "
                    f"'who was' alone gives {fact_of('who was')!r}); reply {str(j)[:300]}")
        j = ask_json(ws, b'{"type":"ask","id":"z3","text":"who was the judge\\u0000"}') or {}
        s.check(is_error(j, "bad_json", "bad_request") or
                (j.get("type") == "answer" and j.get("fact") == judge),
                "JSON: a \\u0000 at the end: the judge's answer or an error", j)
        j = ask_json(ws, b'{"type":"ask","id":"z4","text":"\\u0000who was the judge"}') or {}
        s.check(is_error(j, "bad_json", "bad_request") or
                (j.get("type") == "answer" and j.get("fact") == judge),
                "JSON: a \\u0000 at the start: the judge's answer or an error", j)
        j = ask_json(ws, b'{"type":"ask","id":"z5","text":"who was\x01 the\x1f judge"}') or {}
        s.check(is_error(j, "bad_json") or (j.get("type") == "answer" and j.get("fact") == judge),
                "JSON: raw control characters: bad_json or the judge's answer", j)
        if j.get("type") == "answer":
            note("JSON: raw control characters (0x01, 0x1f) in a string are accepted (cJSON "
                 "is lenient; RFC 8259 says they must be escaped)")
        still_serves(ws, "after NUL bytes")

        # Duplicate keys: either value may win, or the request is refused.
        hello = fact_of("hello")
        j = ask_json(ws, b'{"type":"ask","id":"d1","text":"hello","text":"who was the judge"}')
        j = j or {}
        s.check(j.get("id") == "d1" and (j.get("fact") in (hello, judge) or
                                         is_error(j, "bad_json", "bad_request")),
                "duplicate \"text\": answered for one of the two, or refused", j)
        if j.get("fact") in (hello, judge):
            note(f"duplicate keys: the {'first' if j.get('fact') == hello else 'last'} "
                 "\"text\" wins")
        j = ask_json(ws, b'{"type":"info","type":"ask","id":"d2","text":"who was the judge"}')
        j = j or {}
        s.check(j.get("type") in ("info", "answer") or is_error(j, "bad_json", "bad_request"),
                "duplicate \"type\": one of them, or refused", j)
        j = ask_json(ws, b'{"type":"ask","id":"d3","id":"d4","text":"who was the judge"}') or {}
        s.check(j.get("id") in ("d3", "d4") and j.get("fact") == judge,
                "duplicate \"id\": answered, with one of the ids", j)

        # Numbers out of range.
        j = ask_json(ws, b'{"type":"ask","id":"x1","text":"who was the judge","n":1e999}') or {}
        s.check((j.get("type") == "answer" and j.get("fact") == judge) or
                is_error(j, "bad_json", "bad_request"),
                "an unknown field of 1e999: ignored (answered) or refused", j)
        j = ask_json(ws, b'{"type":"ask","id":1e999,"text":"who was the judge"}') or {}
        s.check(is_error(j, "bad_request") and "id" not in j, "\"id\":1e999: bad_request "
                "without an id", j)
        j = ask_json(ws, b'{"type":"ask","id":"x2","text":"who","lang":-1e999}') or {}
        s.check(is_error(j, "bad_request") and j.get("id") == "x2", "\"lang\":-1e999: "
                "bad_request with the id", j)
        j = ask_json(ws, b'{"type":"ask","id":"x3","text":1e999}') or {}
        s.check(is_error(j, "bad_request") and j.get("id") == "x3", "\"text\":1e999: "
                "bad_request", j)
        j = ask_json(ws, b'{"type":"ask","id":"x4","text":"judge","n":' + b"9" * 1500 +
                     b'.' + b"9" * 300 + b'e-99999}') or {}
        s.check(j.get("type") in ("answer", "clarify", "no_answer") or is_error(j, "bad_json"),
                "a number of 1800 digits: answered or bad_json", j)
        j = ask_json(ws, b'{"type":"ask","id":"x5","text":"\\ud800 judge"}') or {}
        s.check(is_error(j, "bad_json", "bad_request") or j.get("type") in ("answer", "clarify", "no_answer"),
                "a lone surrogate escape: an error or a reply", j)
        still_serves(ws, "after hostile numbers")
    # The same NUL over HTTP: POST /api/ask reads the same JSON.
    for what, raw in (("a raw NUL", b'{"id":"h1","text":"who was\x00 the judge"}'),
                      ("an escaped \\u0000", b'{"id":"h2","text":"who was\\u0000 the judge"}')):
        r = d.http("POST", "/api/ask", body=raw, headers=[("Content-Type", "application/json")])
        j = r.json() or {}
        s.check((r.status == 400 and is_error(j, "bad_json", "bad_request")) or
                (r.status == 200 and j.get("fact") == judge),
                f"POST /api/ask: {what} inside the question: 400, or the judge's answer, "
                "never an answer to the text cut at the NUL",
                f"{r.status} fact {j.get('fact')!r}: {r.body[:200]!r}")
    r = d.http("GET", "/api/ask?q=who%20was%00%20the%20judge")
    s.check(r.status is None or r.status == 400 or
            (r.status == 200 and (r.json() or {}).get("fact") == judge),
            "GET /api/ask?q=who%20was%00%20the%20judge: refused, or the judge's answer", r)
    if r.status is None:
        note("GET /api/ask with %00 in the query: the connection is closed without an HTTP "
             "answer (libwebsockets refuses %00 in the URI)")
    alive(d, "hostile JSON")


def hostile_json_big():
    """The same with limits raised so that the JSON parser itself sees 100,000 levels and
    60 KB of escapes."""
    judge = fact_of(JUDGE)
    with Daemon(s, NO_RATE + ["--max-question", "1048576", "--max-message", "1048576"]) as d:
        with d.ws() as ws:
            j = ask_json(ws, b'{"a":' * 100000 + b"1" + b"}" * 100000, slow(10)) or {}
            s.check(is_error(j, "bad_json"), "raised limits: 100,000-deep nested objects: "
                    "bad_json (the parser's nesting limit)", str(j)[:300])
            still_serves(ws, "after 100,000-deep objects")
            deep = b'{"type":"ask","id":"n3","text":' + b"[" * 100000 + b"]" * 100000 + b"}"
            j = ask_json(ws, deep, slow(10)) or {}
            s.check(is_error(j, "bad_json", "bad_request"), "raised limits: {\"type\":\"ask\","
                    "\"text\":[[[... 100,000 deep]]]}: an error", str(j)[:300])
            still_serves(ws, "after 100,000-deep text")
            # Begins with '[', not '{': a text-mode question, answered in lines.
            ws.send_text(b"[" * 100000)
            ws.send_text(INFO)
            lines, done = collect_until_info(ws, slow(10))
            s.check(done and lines and not lines[0].startswith("{"),
                    "raised limits: 100,000 '[' is a text-mode question, answered in lines",
                    lines[:2])
            j = ask_json(ws, b'{"type":"ask","id":"e2","text":"' + b"\\u0000" * 10000 + b'"}',
                         slow(10)) or {}
            s.check(is_error(j, "bad_request", "bad_json"), "raised limits: a 60 KB string of "
                    "only \\u0000: an error (no question in it)", j)
            j = ask_json(ws, b'{"type":"ask","id":"e3","text":"who was the judge ' +
                         b"\\u0000" * 10000 + b'"}', slow(10)) or {}
            s.check(is_error(j, "bad_request", "bad_json", "too_long") or
                    (j.get("type") == "answer" and j.get("fact") == judge),
                    "raised limits: the judge question then 60 KB of \\u0000: answered or an "
                    "error", str(j)[:300])
            j = ask_json(ws, b'{"type":"ask","id":"e4","text":"' + b"\\\\" * 30000 + b'"}',
                         slow(10)) or {}
            s.check(j.get("type") in ("answer", "clarify", "no_answer") or is_error(j, "bad_request"),
                    "raised limits: 60 KB of escaped backslashes: a reply", str(j)[:300])
            j = ask_json(ws, b'{"type":"ask","id":"x6","text":"judge","n":' + b"9" * 100000 +
                         b"}", slow(10)) or {}
            s.check(j.get("type") in ("answer", "clarify", "no_answer") or is_error(j, "bad_json"),
                    "raised limits: a number of 100,000 digits: a reply", str(j)[:300])
            still_serves(ws, "after raised-limit hostile JSON")
        alive(d, "hostile JSON with raised limits")


# 8. FTS5 and SQL syntax as questions.

FTS = ['"judge" NEAR(a b)', "judge OR *", "text:judge", "^judge",
       "'; DROP TABLE facts; --", 'judge" OR 1=1 --', ")))((", "NEAR(", '"', "*", "judge*",
       "NOT judge", "judge AND", "{judge} : *", "facts MATCH 'judge'", "\\", "judge NEAR/2 who",
       "-judge", "+", "rowid=1", "judge' UNION SELECT * FROM sqlite_master --",
       "x\"; ATTACH DATABASE '/tmp/x' AS x; --", "%", "_", "judge%' --"]


def fts_questions(d):
    with d.ws() as ws:
        ws.send_text(INFO)
        facts_before = (read_json(ws) or {}).get("facts")
        for i, q in enumerate(FTS):
            j = ask_json(ws, {"type": "ask", "id": f"f{i}", "text": q}) or {}
            want = cli_json(q)
            s.check(j.get("type") in ("answer", "clarify", "no_answer") and j.get("id") == f"f{i}",
                    f"FTS/SQL-looking question {q!r}: answer or no_answer, never an error", j)
            s.check((j.get("type"), j.get("fact")) == (want.get("type"), want.get("fact")),
                    f"{q!r}: the same reply as rulingd --ask", f"daemon {j.get('type')} "
                    f"{j.get('fact')}, CLI {want.get('type')} {want.get('fact')}")
        for q in ("'; DROP TABLE facts; --", ")))((", "NEAR("):
            lines, done = ask_lines(ws, q)
            s.check(done and lines and not lines[0].startswith("Error:"),
                    f"text mode {q!r}: an answer or suggestions, not an error", lines[:2])
            r = d.http("GET", "/api/ask?q=" + urllib.parse.quote(q))
            s.check(r.status == 200 and (r.json() or {}).get("type") in ("answer", "clarify", "no_answer"),
                    f"/api/ask {q!r}: 200 with an answer or no_answer", r)
        ws.send_text(INFO)
        facts_after = (read_json(ws) or {}).get("facts")
        s.check(facts_before and facts_after == facts_before,
                "the knowledge base still has all its facts", f"{facts_before} -> {facts_after}")
    samples = d.metrics()
    s.check(not metric(samples, "rulingd_errors_total", code="internal"),
            "no internal error was counted", metric(samples, "rulingd_errors_total",
                                                    code="internal"))
    alive(d, "FTS5 and SQL syntax as questions")


# 9. A client that does not read its replies.

def non_reader():
    """docs/protocol.md: a connection leaving --max-queue (64) replies unread is no longer
    read from; what it sent waits in the kernel. It cannot answer the idle ping either, so
    the idle ping closes it: --idle-ping 2 --idle-timeout 2 here (60 and 30 s by default,
    when such a client is held, at a few KiB, for about 90 s)."""
    n = 5000
    with Daemon(s, NO_RATE + ["--idle-ping", "2", "--idle-timeout", "2"]) as d:
        alive(d, "start (non-reading client)")
        time.sleep(0.3)
        before = rss_kib(d)
        ws = d.ws(rcvbuf=4096)
        port = ws.sock.getsockname()[1]
        data = b"".join(wsclient.frame_bytes(T, json.dumps(
            {"type": "ask", "id": f"o{i}", "text": JUDGE})) for i in range(n))
        sent = {}

        def send():
            ws.sock.settimeout(slow(40))
            try:
                ws.sock.sendall(data)
                sent["all"] = True
            except OSError as e:
                sent["error"] = repr(e)
            sent["at"] = time.monotonic()

        start = time.monotonic()
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        peak, max_rx, served, dropped_at = before, 0, None, None
        while time.monotonic() - start < slow(30):
            time.sleep(0.2)
            r = rss_kib(d)
            if r is not None:
                peak = max(peak, r)
            row = tcp_row(d.port, port)
            if row and row[0] == "01":
                max_rx = max(max_rx, row[2])
            if served is None and time.monotonic() - start > 1:
                with d.ws() as other:
                    lines, done = ask_lines(other, JUDGE, timeout=slow(2))
                served = done and lines == WANT
            if time.monotonic() - start > 1 and connections(d) == 0:
                dropped_at = time.monotonic() - start
                break
        s.check(max_rx > 0, "the non-reading client's questions wait unread in rulingd's "
                "socket (it stopped reading)", f"largest receive queue {max_rx} bytes")
        s.check(served, "meanwhile another client is answered exactly")
        s.check(dropped_at is not None, "the non-reading client is dropped (by the idle "
                "ping it cannot answer) within 30 s", f"connections {connections(d)}")
        sender.join(slow(45))
        # What did it get? Replies in order, answers (or overloaded), then the end.
        got, types = [], {}
        while True:
            m = ws.recv_message(slow(2))
            if m is None or m[0] != T:
                break
            try:
                j = json.loads(m[1])
            except ValueError:
                j = {"_raw": m[1][:100]}
            got.append(j.get("id"))
            k = j.get("code") or j.get("type")
            types[k] = types.get(k, 0) + 1
        s.check(got == [f"o{i}" for i in range(len(got))], "the replies it could have read "
                "are in order", got[:5])
        s.check(set(types) <= {"answer", "overloaded"}, "they are answers (or overloaded)",
                types)
        s.check(len(got) < n, "it did not get every reply (it was cut off)", len(got))
        s.check(ws.eof, "its connection is ended")
        ws.close()
        time.sleep(0.3)
        after = rss_kib(d)
        overloaded = metric(d.metrics(), "rulingd_errors_total", code="overloaded")
        note(f"non-reading client: {n} questions ({len(data)} bytes), sender "
             f"{'finished' if sent.get('all') else sent.get('error', 'blocked')}, rulingd's "
             f"receive queue up to {max_rx} bytes, dropped after "
             f"{dropped_at if dropped_at is None else round(dropped_at, 1)} s, {len(got)} "
             f"replies readable {types}, overloaded errors counted: {overloaded}")
        if before is not None and after is not None:
            RSS["nonreader_before"], RSS["nonreader_peak"] = before, peak
            RSS["nonreader_after"] = after
            note(f"non-reading client: RSS {mib(before)} before, peak {mib(peak)} "
                 f"(+{(peak - before)} KiB), {mib(after)} after it was dropped")
            s.check(peak - before < 20 * MIB, "the non-reading client grows rulingd by less "
                    "than 20 MiB", f"{before} -> peak {peak} KiB")
            s.check(after - before < 20 * MIB, "and after it is dropped, RSS is within 20 MiB "
                    "of before", f"{before} -> {after} KiB")
        alive(d, "a client that does not read")


def body():
    WANT.extend(cli_lines(JUDGE))
    s.check(len(WANT) >= 2 and "Leinenweber" in WANT[0], "rulingd --ask answers the judge "
            "question (the reference)", WANT)
    start = time.monotonic()
    with Daemon(s, NO_RATE + ["--max-conns-per-ip", "1000", "--handshake-timeout", "2"]) as d:
        alive(d, "start")
        warm_up(d)
        time.sleep(0.3)
        RSS["start"] = rss_kib(d)
        malformed_upgrades(d)
        fragments_and_control_frames(d)
        huge_lengths(d)
        close_codes(d)
        ping_flood(d)
        idle_crowd(d)
        hostile_json(d)
        fts_questions(d)
        time.sleep(0.3)
        RSS["end"] = rss_kib(d)
        if RSS["start"] is not None and RSS["end"] is not None:
            peak = RSS.get("idle_peak")
            note(f"memory of the main rulingd: start {mib(RSS['start'])}, peak (case 6, all "
                 f"idle connections open) {mib(peak)}, end {mib(RSS['end'])} "
                 f"(+{RSS['end'] - RSS['start']} KiB)")
            s.check(RSS["end"] - RSS["start"] < 30 * MIB, "after every case, rulingd's RSS "
                    "grew by less than 30 MiB", f"{RSS['start']} -> {RSS['end']} KiB")
        else:
            note("memory checks skipped (valgrind)")
    hostile_json_big()
    non_reader()
    if "per_ws_bytes" in RSS:
        note(f"for the memory budget: {RSS['per_ws_bytes'] / 1024:.1f} KiB of rulingd RSS per "
             "idle websocket; a non-reading client before it is dropped: "
             f"+{RSS.get('nonreader_peak', 0) - RSS.get('nonreader_before', 0)} KiB")
    note(f"ran in {time.monotonic() - start:.1f} s")


main(s, body)
