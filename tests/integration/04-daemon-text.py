#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingd's websocket in text mode, as websocat and people use it: one text frame per
display line, exactly the lines of `rulingd --ask`, the typed commands, empty questions
ignored, several questions answered in order, fragments, ping and close."""
import json
import os
import re

import wsclient
from daemon import (INFO, NO_RATE, Daemon, ask_lines, cli_lines, collect_until_info, main,
                    need_daemon, read_json, slow, version)
from harness import ROOT, Suite

s = Suite("04-daemon-text")
need_daemon(s)

JUDGE = "who was the judge"
UNKNOWN = "what is the capital of france"
SPANISH = "¿quién fue el juez?"
SUPERSEDED = "Was the 2017 injunction nationwide or only for Chicago?"
HELLO = "hello"
CLARIFY = "when"  # close to several facts, likely enough to none: asked back


def show(got, want=None):
    text = "got:\n  " + "\n  ".join(repr(x) for x in got)
    if want is not None:
        text += "\nwant:\n  " + "\n  ".join(repr(x) for x in want)
    return text


def well_formed(lines):
    """Every frame a non-empty display line: no empty frame, no newline inside one."""
    return bool(lines) and all(x and "\n" not in x and not x.startswith("<opcode") for x in lines)


def ask_in_a_row(ws, texts):
    """Sends each text, then {"type":"info"}: (lines before the info reply, whether it came)."""
    for text in texts:
        ws.send_text(text.encode("utf-8"))
    ws.send_text(INFO)
    return collect_until_info(ws, slow(5))


def body():
    want_judge = cli_lines(JUDGE)
    want_unknown = cli_lines(UNKNOWN)
    want_es = cli_lines(SPANISH)
    s.check(want_judge and "Leinenweber" in want_judge[0], "rulingd --ask names the judge "
            "(the expected lines come from it)", want_judge)

    with Daemon(s, NO_RATE) as d:
        ws = d.ws()
        s.check(ws.status == 101, "a plain handshake (no Origin, no subprotocol) is accepted",
                f"{ws.status} {ws.headers}")
        s.check(ws.accept_ok, "Sec-WebSocket-Accept is right", ws.headers)
        s.check("sec-websocket-protocol" not in ws.headers,
                "no Sec-WebSocket-Protocol in the reply when none was asked", ws.headers)

        # The question as websocat sends it, and with other endings.
        for how, text in [("\\n", JUDGE + "\n"), ("\\r\\n", JUDGE + "\r\n"), ("nothing", JUDGE),
                          ("spaces, tabs, \\r\\n", "  " + JUDGE + " \t  \r\n")]:
            lines, done = ask_lines(ws, text)
            s.check(done, f"the reply to a question ending in {how} comes", show(lines))
            s.check(well_formed(lines), f"one non-empty text frame per line (ending {how})",
                    show(lines))
            s.check(lines == want_judge,
                    f"the reply (ending {how}) is exactly the lines of rulingd --ask",
                    show(lines, want_judge))
        lines, _ = ask_lines(ws, JUDGE + "\n")
        s.check(lines and "Harry D. Leinenweber" in lines[0], "the answer names Leinenweber",
                show(lines))
        s.check(any(x.startswith("Source: ") and " — " in x for x in lines),
                "the answer has a 'Source: Title — Publisher, date ...' line", show(lines))
        s.check(lines and lines[-1].startswith("Related: "), "the last line is Related:",
                show(lines))
        s.check(not any(x.startswith("Try: ") for x in lines), "an answer has no Try: line",
                show(lines))

        # "I don't know", with suggestions.
        lines, done = ask_lines(ws, UNKNOWN + "\n")
        s.check(done and well_formed(lines) and lines == want_unknown,
                "no answer: exactly the lines of rulingd --ask", show(lines, want_unknown))
        s.check(lines and lines[0].startswith("I don't know"), "no answer says it does not know",
                show(lines))
        tries = [x for x in lines if x.startswith("Try: ")]
        s.check(tries and lines[-len(tries):] == tries and len(tries[0]) > 5,
                "no answer ends with one 'Try: <question>' line per suggestion", show(lines))
        s.check(not any(x.startswith(("Related:", "Source:")) for x in lines),
                "no answer has no Related: or Source: line", show(lines))

        # "Did you mean": the reply, then one numbered line per choice; a number alone picks
        # one, once, and anything else sent in between forgets the choices. (ask_lines()
        # sends an info request after its text, which would be in between: not used here.)
        want_clarify = cli_lines(CLARIFY)
        picks = [re.sub(r"^\d+\. ", "", x) for x in want_clarify[1:]]
        s.check(want_clarify[0].startswith("I'm not sure") and len(picks) >= 3 and
                want_clarify[1:] == [f"{i}. {q}" for i, q in enumerate(picks, 1)],
                "rulingd --ask: a clarification is the reply, then '1. <question>' lines",
                show(want_clarify))
        lines, done = ask_in_a_row(ws, [CLARIFY + "\n", "2\n"])
        want = want_clarify + cli_lines(picks[1] if len(picks) > 1 else "?")
        s.check(done and well_formed(lines) and lines == want,
                "'2' after a clarification gets the answer to its second choice",
                show(lines, want))
        for between in ([], ["2"], [JUDGE], ["/help"], ["/nope"], [""],
                        ['{"type":"ask","text":"who was the judge"}']):
            then = "1" if between else "9"
            lines, done = ask_in_a_row(ws, [CLARIFY] + between + [then])
            s.check(done and lines[-len(cli_lines(then)):] == cli_lines(then),
                    f"'{then}' after {between}: an ordinary question" if between
                    else "'9' with three choices: an ordinary question",
                    show(lines, cli_lines(then)))

        # Spanish, superseded and small talk: the same lines as the command line.
        lines, done = ask_lines(ws, SPANISH + "\n")
        s.check(done and lines == want_es, "a Spanish question: the lines of rulingd --ask",
                show(lines, want_es))
        s.check(any(x.startswith("Fuente: ") for x in lines) and
                not any(x.startswith("Source: ") for x in lines),
                "a Spanish answer has Fuente: lines", show(lines))
        for q in (SUPERSEDED, HELLO, "is this legal advice?"):
            want = cli_lines(q)
            lines, done = ask_lines(ws, q + "\n")
            s.check(done and well_formed(lines) and lines == want,
                    f"'{q}': the lines of rulingd --ask", show(lines, want))

        # Commands.
        ws.send_text(INFO)
        info = read_json(ws) or {}
        s.check(info.get("type") == "info", "info answers (to compare /about with)", info)
        lines, done = ask_lines(ws, "/help\n")
        s.check(done and well_formed(lines), "/help answers with non-empty lines", show(lines))
        joined = "\n".join(lines)
        s.check("/about" in joined and "/sources" in joined, "/help names the commands",
                show(lines))
        lines2, _ = ask_lines(ws, "/help\r\n")
        s.check(lines2 == lines, "/help with \\r\\n is the same command", show(lines2, lines))

        lines, done = ask_lines(ws, "/about\n")
        s.check(done and well_formed(lines), "/about answers with non-empty lines", show(lines))
        s.check(version() in lines, f"/about has the line '{version()}'", show(lines))
        kbl = [re.match(r"^Knowledge base: ([0-9a-f]{16}), (\d+) facts \((\d+) in English, "
                        r"(\d+) in Spanish\), (\d+) sources, last reviewed (\d{4}-\d\d-\d\d)$", x)
               for x in lines]
        kbl = [m for m in kbl if m]
        s.check(len(kbl) == 1, "/about has the 'Knowledge base: ...' line", show(lines))
        if kbl:
            m = kbl[0]
            s.check(int(m.group(3)) + int(m.group(4)) == int(m.group(2)),
                    "/about: English + Spanish facts = facts", m.group(0))
            s.check(m.group(1) == info.get("kb_version") and int(m.group(2)) == info.get("facts")
                    and int(m.group(5)) == info.get("sources") and
                    m.group(6) == info.get("reviewed"),
                    "/about agrees with the info reply", f"{m.group(0)}\n{info}")
        s.check(any("legal advice" in x.lower() for x in lines),
                "/about says it is not legal advice", show(lines))

        lines, done = ask_lines(ws, "/sources\n")
        s.check(done and well_formed(lines), "/sources answers with non-empty lines",
                show(lines[:5]))
        s.check(len(lines) == info.get("sources"), "/sources: one line per source",
                f"{len(lines)} lines, info says {info.get('sources')}")
        # Each source of the KB's files, as 'Title — Publisher, date — URL or citation'.
        with open(os.path.join(ROOT, "kb", "sources.json"), encoding="utf-8") as f:
            sources = json.load(f)
        missing = []
        for src in sources:
            head = f"{src['title']} — {src['publisher']}"
            # "n.d." (no date) leaves the date out.
            line = [x for x in lines if x == head or x.startswith((head + ", ", head + " — "))]
            ref = src.get("url") or src.get("citation")
            if len(line) != 1 or (ref and not line[0].endswith(" — " + ref)) or \
                    (not ref and line[0].count(" — ") != 1):
                missing.append((src["id"], line))
        s.check(not missing, "/sources: 'Title — Publisher, date — URL or citation' for each "
                "source of kb/sources.json", "\n".join(map(repr, missing[:5])))

        for cmd in ("/foo", "/frobnicate"):
            lines, done = ask_lines(ws, cmd + "\n")
            s.check(lines == [f"Unknown command {cmd}. Try /help."],
                    f"{cmd} gets 'Unknown command {cmd}. Try /help.'", show(lines))

        # Empty questions are ignored: no reply at all.
        for text in ("", "\n", "\r\n", "   ", " \t \r\n"):
            lines, done = ask_lines(ws, text)
            s.check(done and lines == [], f"the empty question {text!r} gets no reply",
                    show(lines))
        ws.send_text("\n")
        s.check(ws.quiet(slow(0.5)), "nothing comes after an empty question", ws.buf[:200])

        # Several questions sent at once (one TCP write): replies in their order.
        batch = [JUDGE + "\n", "/foo\n", UNKNOWN + "\r\n", "\n", SPANISH + "\n", "/bar"]
        ws.send_raw(b"".join(wsclient.frame_bytes(wsclient.TEXT, q) for q in batch + [INFO]))
        lines, done = collect_until_info(ws, slow(10))
        want = (want_judge + ["Unknown command /foo. Try /help."] + want_unknown + want_es +
                ["Unknown command /bar. Try /help."])
        s.check(done and lines == want, "several questions at once: replies in order",
                show(lines, want))

        # A question in two fragments, with a ping between them.
        ws.send_frame(wsclient.TEXT, "who was ", fin=False)
        ws.send_ping(b"between")
        ws.send_frame(wsclient.CONT, "the judge\n", fin=True)
        f = ws.recv_frame(slow(5))
        s.check(f == (wsclient.PONG, b"between"), "a ping between fragments gets its pong", f)
        ws.send_text(INFO)
        lines, done = collect_until_info(ws)
        s.check(done and lines == want_judge, "a question in two fragments is one question",
                show(lines, want_judge))

        # Ping, then a clean close.
        ws.send_ping(b"ping-1")
        f = ws.recv_frame(slow(5))
        s.check(f == (wsclient.PONG, b"ping-1"), "a ping gets a pong with its payload", f)
        s.check(ws.masked_frames == 0, "the server never masks its frames")
        ws.send_close(1000)
        code = ws.wait_closed(slow(5))
        s.check(code == 1000, "a client close 1000 is answered with close 1000", code)
        s.check(ws.wait_eof(slow(5)), "then the server ends the TCP connection")
        ws.close()

        # A second client is served the same way after the first left.
        with d.ws() as ws2:
            lines, done = ask_lines(ws2, JUDGE + "\n")
            s.check(done and lines == want_judge, "a new connection is answered", show(lines))


main(s, body)
