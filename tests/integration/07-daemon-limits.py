#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingd's limits, each at its edge: question size (too_long at 2049 bytes, not 2048),
the hard cap (close 1009 without reading the rest), invalid UTF-8 (close 1007, also split
across fragments), binary frames, broken websocket framing, the per-connection rate
(rate_limited with its wait) and queue (overloaded), HTTP's rate limit (429), connections
in total and per address (closed as soon as accepted, before any answer), the handshake
timeout and the idle ping."""
import json
import re
import threading
import time
import urllib.parse

import wsclient
from daemon import (INFO, NO_RATE, Daemon, ask_json, ask_lines, collect_until_info, main,
                    need_daemon, note, read_json, slow)
from harness import VALGRIND, Suite

s = Suite("07-daemon-limits")
need_daemon(s, budget=240)

T = wsclient.TEXT


def text_of(n, unit="judge "):
    """A question of exactly n bytes, not ending in white space."""
    body = (unit * (n // len(unit.encode()) + 2)).encode()[:n - 1]
    return body + b"x"


def json_of(n, id_="t"):
    """A JSON ask of exactly n bytes."""
    head = json.dumps({"type": "ask", "id": id_, "text": ""})[:-2]
    text = text_of(n - len(head) - 2).decode()
    out = (head + text + '"}').encode()
    assert len(out) == n
    return out


def is_error(j, code):
    return isinstance(j, dict) and j.get("type") == "error" and j.get("code") == code


def still_serves(ws, what):
    ws.send_text(INFO)
    j = read_json(ws) or {}
    s.check(j.get("type") == "info", f"{what}: the connection stays and answers", j)


def question_size():
    with Daemon(s, NO_RATE) as d, d.ws() as ws:
        # Text mode.
        lines, done = ask_lines(ws, text_of(2048))
        s.check(done and lines and not lines[0].startswith("Error:"),
                "text mode: a question of 2048 bytes is answered", lines[:2])
        lines, done = ask_lines(ws, text_of(2049))
        s.check(done and len(lines) == 1 and lines[0].startswith("Error: too_long") and
                "2048" in lines[0], "text mode: 2049 bytes is one 'Error: too_long' line "
                "naming the limit", lines)
        lines, done = ask_lines(ws, ("é" * 1024).encode())
        s.check(done and lines and not lines[0].startswith("Error:"),
                "text mode: 1024 two-byte characters (2048 bytes) are answered", lines[:2])
        lines, done = ask_lines(ws, ("é" * 1024 + "x").encode())
        s.check(lines[:1] and lines[0].startswith("Error: too_long"),
                "text mode: the limit counts bytes, not characters", lines)
        # JSON mode.
        j = ask_json(ws, json_of(2048, "j1")) or {}
        s.check(j.get("type") in ("answer", "clarify", "no_answer") and j.get("id") == "j1",
                "JSON: a message of 2048 bytes is answered", j)
        j = ask_json(ws, json_of(2049, "j2")) or {}
        s.check(is_error(j, "too_long") and j.get("message"), "JSON: 2049 bytes is too_long", j)
        still_serves(ws, "after too_long")
        # Fragments count together.
        m = json_of(2048, "f1")
        ws.send_frame(T, m[:1000], fin=False)
        ws.send_frame(wsclient.CONT, m[1000:])
        j = read_json(ws) or {}
        s.check(j.get("type") in ("answer", "clarify", "no_answer") and j.get("id") == "f1",
                "two fragments of 2048 bytes in all are answered", j)
        m = json_of(2049, "f2")
        ws.send_frame(T, m[:1025], fin=False)
        ws.send_frame(wsclient.CONT, m[1025:])
        j = read_json(ws) or {}
        s.check(is_error(j, "too_long"), "two fragments of 2049 bytes in all are too_long", j)
        m = text_of(2100)
        for i in range(0, len(m), 300):
            ws.send_frame(wsclient.CONT if i else T, m[i:i + 300], fin=i + 300 >= len(m))
        ws.send_text(INFO)
        lines, done = collect_until_info(ws)
        s.check(done and len(lines) == 1 and lines[0].startswith("Error: too_long"),
                "seven fragments of 2100 bytes in all are one too_long", lines)
        # Up to the hard cap, still an error and not a close.
        j = ask_json(ws, json_of(65536, "big")) or {}
        s.check(is_error(j, "too_long"), "a message of 65536 bytes is too_long, not a close", j)
        still_serves(ws, "after 65536 bytes")

    with Daemon(s, NO_RATE + ["--max-question", "100"]) as d, d.ws() as ws:
        lines, done = ask_lines(ws, text_of(100))
        s.check(done and lines and not lines[0].startswith("Error:"),
                "--max-question 100: 100 bytes are answered", lines[:2])
        j = ask_json(ws, json_of(101)) or {}
        s.check(is_error(j, "too_long"), "--max-question 100: 101 bytes are too_long", j)
        lines, done = ask_lines(ws, text_of(101))
        numbers = re.findall(r"\d+", lines[0]) if lines else []
        s.check(len(lines) == 1 and lines[0].startswith("Error: too_long") and
                numbers in ([], ["100"]), "--max-question 100: the text-mode error names no "
                "other limit than 100", lines)


def hard_cap():
    with Daemon(s, NO_RATE) as d:
        cases = [
            ("a header claiming 2^40 bytes", [wsclient.frame_bytes(T, b"who was the judge",
                                                                   length=1 << 40)]),
            ("a header claiming 65537 bytes", [wsclient.frame_bytes(T, b"x" * 100,
                                                                    length=65537)]),
            ("a continuation going over", [wsclient.frame_bytes(T, b"a" * 40000, fin=False),
                                           wsclient.frame_bytes(wsclient.CONT, b"b" * 26000,
                                                                fin=False),
                                           wsclient.frame_bytes(wsclient.CONT, b"c" * 100)]),
            ("70 fragments of 1000 bytes", [wsclient.frame_bytes(wsclient.CONT if i else T,
                                                                 b"d" * 1000, fin=i == 69)
                                            for i in range(70)]),
        ]
        for what, frames in cases:
            with d.ws() as ws:
                start = time.monotonic()
                ws.send_raw(b"".join(frames))
                code = ws.wait_closed(slow(3), reply=True)
                took = time.monotonic() - start
                s.check(code == 1009, f"{what}: close 1009", f"code {code}, {took:.1f} s")
                # After a frame header announcing too much, the client's close reply cannot
                # be told from that frame's payload: rulingd may wait for it a while.
                s.check(ws.wait_eof(slow(7)), f"{what}: the TCP connection ends")
        with d.ws() as ws:
            lines, done = ask_lines(ws, "who was the judge")
            s.check(done and lines, "rulingd serves new connections after 1009 closes", lines)

    with Daemon(s, NO_RATE + ["--max-question", "500", "--max-message", "1000"]) as d:
        with d.ws() as ws:
            j = ask_json(ws, json_of(1000)) or {}
            s.check(is_error(j, "too_long"), "--max-message 1000: 1000 bytes are too_long "
                    "(over --max-question 500), not a close", j)
            ws.send_text(b"y" * 1001)
            s.check(ws.wait_closed(slow(3)) == 1009, "--max-message 1000: 1001 bytes close 1009")


def invalid_utf8():
    with Daemon(s, NO_RATE) as d:
        bad = [
            ("a 0xff byte", [(T, b"who was \xff the judge", True)]),
            ("an overlong '/'", [(T, b"who \xc0\xaf judge", True)]),
            ("a UTF-16 surrogate", [(T, b"judge \xed\xa0\x80", True)]),
            ("a code point over U+10FFFF", [(T, b"judge \xf4\x90\x80\x80", True)]),
            ("a lone continuation byte", [(T, b"judge \x80", True)]),
            ("a character cut at the end", [(T, b"who was the judge \xc3", True)]),
            ("invalid JSON text", [(T, b'{"type":"ask","text":"\xfe"}', True)]),
            ("a bad sequence across fragments", [(T, b"who \xe2\x82", False),
                                                 (wsclient.CONT, b"(judge", True)]),
            ("a bad byte in the second fragment", [(T, b"who was ", False),
                                                   (wsclient.CONT, b"the \xff judge", True)]),
            ("a character cut at the last fragment", [(T, b"who was ", False),
                                                      (wsclient.CONT, b"the judge \xe2\x82",
                                                       True)]),
            ("an overlong sequence across fragments", [(T, b"who \xe0", False),
                                                       (wsclient.CONT, b"\x80\xaf judge",
                                                        True)]),
            ("a surrogate across fragments", [(T, b"judge \xed", False),
                                              (wsclient.CONT, b"\xa0\x80", True)]),
            ("a character cut before an empty last fragment",
             [(T, b"who was the judge \xe2\x82", False), (wsclient.CONT, b"", True)]),
            ("a bad byte in a frame longer than a question",
             [(T, b"judge " * 400 + b"\xff", True)]),
            ("a character cut at the end of a frame longer than a question",
             [(T, b"judge " * 400 + b"\xe2\x82", True)]),
        ]
        for what, frames in bad:
            with d.ws() as ws:
                for op, payload, fin in frames:
                    ws.send_frame(op, payload, fin=fin)
                code = ws.wait_closed(slow(3))
                s.check(code == 1007, f"invalid UTF-8, {what}: close 1007", code)
        # A character split between fragments is fine.
        with d.ws() as ws:
            want = ask_lines(ws, "¿quién fue el juez?")[0]
        with d.ws() as ws:
            q = "¿quién fue el juez?".encode()
            cut = q.index(b"\xc3") + 1  # inside the é of quién
            ws.send_frame(T, q[:1], fin=False)  # inside the ¿
            ws.send_frame(wsclient.CONT, q[1:cut], fin=False)
            ws.send_frame(wsclient.CONT, q[cut:])
            ws.send_text(INFO)
            lines, done = collect_until_info(ws)
            s.check(done and lines == want and want,
                    "characters split across fragments are joined, and answered", lines)
        with d.ws() as ws:
            q = "¿quién fue el juez?".encode()
            ws.send_frame(T, q[:1], fin=False)  # inside the ¿
            ws.send_frame(wsclient.PING, b"p")
            ws.send_frame(wsclient.CONT, q[1:])
            ws.send_text(INFO)
            lines, done = collect_until_info(ws)
            lines = [line for line in lines if line != f"<opcode {wsclient.PONG}>"]
            s.check(done and lines == want and want,
                    "a character split around a ping is joined, and answered", lines)
        with d.ws() as ws:
            lines, done = ask_lines(ws, "who was the judge")
            s.check(done and lines, "rulingd serves new connections after 1007 closes", lines)


def binary_and_framing():
    with Daemon(s, NO_RATE) as d:
        with d.ws() as ws:
            ws.send_binary(b"who was the judge\n")
            m = ws.recv_message(slow(5))
            text = m[1].decode("utf-8", "replace") if m and m[0] == T else repr(m)
            try:
                j = json.loads(text)
            except ValueError:
                j = {}
            s.check(is_error(j, "bad_request") or text.startswith("Error: bad_request"),
                    "a binary frame (text mode) is a bad_request error", text)
            still_serves(ws, "after a binary frame")
            ws.send_frame(wsclient.BINARY, b"\x00\x01", fin=False)
            ws.send_frame(wsclient.CONT, b"\x02")
            j = read_json(ws) or {}
            s.check(is_error(j, "bad_request"), "a fragmented binary message is one bad_request",
                    j)
            still_serves(ws, "after a fragmented binary message")

        # Broken framing breaks the protocol: the connection is failed (RFC 6455 7.1.7).
        # libwebsockets 4.1 does not look at the mask bit of client frames, and the daemon
        # never sees it: an unmasked frame is read like a masked one (docs/protocol.md).
        # It must not do harm: the connection answers or closes, and the daemon lives.
        with d.ws() as ws:
            ws.send_raw(wsclient.frame_bytes(T, b"who was the judge", mask=False))
            m = ws.recv_message(slow(3))
            s.check(m is not None or ws.wait_closed(slow(1)) is not None,
                    "an unmasked client frame is answered or closed, not left hanging", m)
        broken = [
            ("RSV1 set without an extension", wsclient.frame_bytes(T, b"judge", rsv=4)),
            ("RSV3 set", wsclient.frame_bytes(T, b"judge", rsv=1)),
            ("opcode 3 (reserved)", wsclient.frame_bytes(3, b"judge")),
            ("opcode 0xB (reserved control)", wsclient.frame_bytes(0xB, b"")),
            ("a fragmented ping", wsclient.frame_bytes(wsclient.PING, b"p", fin=False)),
            ("a ping of 126 bytes", wsclient.frame_bytes(wsclient.PING, b"p" * 126)),
            ("a continuation with nothing to continue",
             wsclient.frame_bytes(wsclient.CONT, b"judge")),
            ("a new message inside a fragmented one",
             wsclient.frame_bytes(T, b"who", fin=False) + wsclient.frame_bytes(T, b"judge")),
        ]
        for what, data in broken:
            with d.ws() as ws:
                ws.send_raw(data)
                code = ws.wait_closed(slow(3))
                s.check(code is not None and code != 1000,
                        f"{what}: the connection is closed as a protocol error",
                        f"close code {code}")
                if code not in (None, 0):
                    s.check(code == 1002, f"{what}: close code 1002", code)
        with d.ws() as ws:
            lines, done = ask_lines(ws, "who was the judge")
            s.check(done and lines, "rulingd still serves after broken frames", lines)


def read_replies(ws, n, timeout):
    """n JSON replies (fewer when the time runs out)."""
    out, deadline = [], time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        j = read_json(ws, max(0.1, deadline - time.monotonic()))
        if j is None:
            break
        out.append(j)
    return out


def rate_limits():
    # The defaults: 5 per second, bursts of 20.
    with Daemon(s, []) as d:
        ws, other = d.ws(), d.ws()
        ws.send_raw(b"".join(wsclient.frame_bytes(T, json.dumps(
            {"type": "ask", "id": f"r{i}", "text": "who was the judge"})) for i in range(30)))
        got = read_replies(ws, 30, slow(10))
        s.check([j.get("id") for j in got] == [f"r{i}" for i in range(30)],
                "30 questions at once: 30 replies, in order", [j.get("id") for j in got])
        answered = [j for j in got if j.get("type") == "answer"]
        limited = [j for j in got if is_error(j, "rate_limited")]
        s.check(all(j.get("type") == "answer" for j in got[:20]),
                "the first 20 (the burst) are answered", [j.get("type") for j in got])
        s.check(len(answered) + len(limited) == len(got), "the others are rate_limited",
                [j.get("code") for j in got])
        s.check(limited and (VALGRIND or len(answered) <= 22),
                "about 20 are answered at once, no more (5 per second, burst 20)",
                f"{len(answered)} answered, {len(limited)} limited")
        for j in limited[:1] + limited[-1:]:
            ms = j.get("retry_after_ms")
            s.check(isinstance(ms, int) and 0 < ms <= 1000, "rate_limited carries retry_after_ms",
                    j)
            s.check(str(ms) in j.get("message", ""), "the message says the milliseconds", j)
        j = ask_json(other, {"type": "ask", "text": "who was the judge"}) or {}
        s.check(j.get("type") == "answer", "another connection is not limited", j)
        if limited:
            time.sleep(limited[-1].get("retry_after_ms", 200) / 1000 + 0.05)
            j = ask_json(ws, {"type": "ask", "text": "who was the judge"}) or {}
            s.check(j.get("type") == "answer", "after waiting retry_after_ms, a question is "
                    "answered again", j)
        # Text mode says it in a line.
        with d.ws() as tws:
            tws.send_raw(b"".join(wsclient.frame_bytes(T, "who was the judge\n")
                                  for _ in range(24)))
            lines = []
            while True:
                m = tws.recv_message(slow(1.5))
                if m is None:
                    break
                lines.append(m[1].decode("utf-8", "replace"))
            err = [x for x in lines if x.startswith("Error: rate_limited")]
            s.check(err, "text mode: 'Error: rate_limited: ...' lines", lines[-5:])
            s.check(err and re.search(r"\d+", err[0]), "text mode: the line says how many "
                    "milliseconds to wait", err[:1])
        ws.close()
        other.close()

    # A small bucket, set by option.
    with Daemon(s, ["--rate", "1", "--burst", "2"]) as d, d.ws() as ws:
        ws.send_raw(b"".join(wsclient.frame_bytes(T, json.dumps(
            {"type": "ask", "id": f"b{i}", "text": "who was the judge"})) for i in range(3)))
        got = read_replies(ws, 3, slow(5))
        s.check([j.get("type") for j in got] == ["answer", "answer", "error"] and
                is_error(got[2], "rate_limited") and got[2].get("id") == "b2",
                "--rate 1 --burst 2: the third question at once is rate_limited", got)
        if len(got) == 3:
            ms = got[2].get("retry_after_ms")
            s.check(isinstance(ms, int) and 0 < ms <= 1000, "retry_after_ms within 1 s", ms)
        # HTTP questions are limited per address with the same bucket sizes.
        q = urllib.parse.quote("who was the judge")
        rs = [d.http("GET", f"/api/ask?q={q}") for _ in range(4)]
        statuses = [r.status for r in rs]
        s.check(statuses[:2] == [200, 200] and 429 in statuses,
                "/api/ask: past the burst, 429", statuses)
        for r in rs:
            if r.status == 429:
                j = r.json() or {}
                ra = r.headers.get("retry-after", "")
                s.check(ra.isdigit() and int(ra) >= 1, "429 has Retry-After in seconds",
                        r.headers)
                s.check(is_error(j, "rate_limited") and isinstance(j.get("retry_after_ms"), int)
                        and j["retry_after_ms"] > 0, "429 carries the rate_limited error", j)
                break


def overloaded():
    """A client that sends many questions and does not read: its queue fills."""
    n = 1000
    with Daemon(s, NO_RATE + ["--max-queue", "2"]) as d:
        ws = d.ws(rcvbuf=4096)
        data = b"".join(wsclient.frame_bytes(T, json.dumps(
            {"type": "ask", "id": f"o{i}", "text": "who was the judge"})) for i in range(n))
        sender = threading.Thread(target=ws.send_raw, args=(data,), daemon=True)
        sender.start()
        time.sleep(slow(1.5))
        got = read_replies(ws, n, slow(30))
        sender.join(slow(15))
        ids = [j.get("id") for j in got]
        s.check(ids == [f"o{i}" for i in range(len(ids))] and len(ids) == n,
                f"{n} questions: {n} replies in order", f"{len(ids)} replies")
        types = {}
        for j in got:
            k = j.get("type") if j.get("type") != "error" else j.get("code")
            types[k] = types.get(k, 0) + 1
        s.check(set(types) <= {"answer", "overloaded"}, "replies are answers or overloaded",
                types)
        if not types.get("overloaded"):
            # rulingd may stop reading the connection as soon as its queue is full, so that
            # no question ever arrives to be refused: overloaded is then unreachable.
            note(f"overloaded: not triggered by a client that did not read ({types}); "
                 "rulingd paused reading instead")
        ov = [j for j in got if is_error(j, "overloaded")][:1]
        if ov:
            s.check(ov[0].get("message"), "overloaded has a message", ov[0])
        j = ask_json(ws, {"type": "ask", "text": "who was the judge"}) or {}
        s.check(j.get("type") == "answer", "once drained, the connection answers again", j)
        ws.close()


def connection_limits():
    with Daemon(s, NO_RATE + ["--max-conns-per-ip", "3"]) as d:
        time.sleep(0.3)  # the readiness probe's connection is gone
        held = [d.ws() for _ in range(3)]
        s.check([w.status for w in held] == [101] * 3, "3 connections from one address",
                [w.status for w in held])
        w4 = d.ws()
        s.check(w4.status is None, "--max-conns-per-ip 3: the 4th connection is closed "
                "without an answer", w4.status)
        w4.close()
        held.pop().close()
        ok = False
        for _ in range(int(slow(20))):
            w = d.ws()
            ok = w.status == 101
            w.close()
            if ok:
                break
            time.sleep(0.1)
        s.check(ok, "after one closes, a new connection is accepted")
        for w in held:
            w.close()
    with Daemon(s, NO_RATE + ["--max-conns", "2"]) as d:
        time.sleep(0.3)
        held = [d.ws() for _ in range(2)]
        w3 = d.ws()
        s.check([w.status for w in held] == [101, 101] and w3.status is None,
                "--max-conns 2: the 3rd connection is closed without an answer",
                [w.status for w in held + [w3]])
        for w in held + [w3]:
            w.close()


def timeouts():
    with Daemon(s, NO_RATE + ["--handshake-timeout", "1"]) as d:
        idle = wsclient.tcp("127.0.0.1", d.port)
        half = wsclient.tcp("127.0.0.1", d.port)
        half.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
        done = d.ws()
        start = time.monotonic()
        for sock, what in ((idle, "a connection that sends nothing"),
                           (half, "a handshake left half-sent")):
            w = wsclient.WebSocket(sock, None, "", {}, [], b"", b"")
            closed = w.wait_eof(slow(4))
            took = time.monotonic() - start
            s.check(closed, f"--handshake-timeout 1: {what} is closed", f"{took:.1f} s")
            sock.close()
        s.check(time.monotonic() - start >= 0.5, "not before the timeout",
                f"{time.monotonic() - start:.1f} s")
        time.sleep(max(0.0, 2.5 - (time.monotonic() - start)))
        done.send_ping(b"still")
        f = done.recv_frame(slow(3))
        s.check(f == (wsclient.PONG, b"still"),
                "a connection whose handshake finished is not closed by it", f)
        done.close()
    with Daemon(s, NO_RATE) as d:
        idle = wsclient.tcp("127.0.0.1", d.port)
        w = wsclient.WebSocket(idle, None, "", {}, [], b"", b"")
        s.check(not w.wait_eof(2), "with the default (5 s), a silent connection stays 2 s")
        idle.close()

    with Daemon(s, NO_RATE + ["--idle-ping", "1", "--idle-timeout", "1"]) as d:
        mute, polite = d.ws(), d.ws()
        pings = []

        def answer_pings(seconds):
            """The polite client: answers every ping at once, for a while."""
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                f = polite.recv_frame(max(0.0, deadline - time.monotonic()))
                if f is None:
                    if polite.eof:
                        return
                    continue
                if f[0] == wsclient.PING:
                    pings.append(time.monotonic())
                    polite.send_pong(f[1])

        helper = threading.Thread(target=answer_pings, args=(4.5,))
        helper.start()
        f = mute.recv_frame(slow(4))
        s.check(f is not None and f[0] == wsclient.PING, "--idle-ping 1: an idle client is pinged",
                f)
        code = mute.wait_closed(slow(4))
        s.check(code is not None, "a client that never pongs is closed", code)
        helper.join(slow(10))
        s.check(not polite.eof and polite.close_code is None and len(pings) >= 2,
                "a client that pongs stays (pinged again and again)",
                f"{len(pings)} pings, eof {polite.eof}, close {polite.close_code}")
        j = ask_json(polite, {"type": "ask", "text": "who was the judge"}) or {}
        s.check(j.get("type") == "answer", "and is answered", j)
        mute.close()
        polite.close()


def body():
    question_size()
    hard_cap()
    invalid_utf8()
    binary_and_framing()
    rate_limits()
    overloaded()
    connection_limits()
    timeouts()
    if VALGRIND:
        note("under valgrind the rate-limit counts are checked loosely")


main(s, body)
