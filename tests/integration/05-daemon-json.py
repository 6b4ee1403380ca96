#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingd's websocket in JSON mode, as programs use it: the subprotocol, ask with and
without id and lang, the answer, no_answer and info shapes, and every error code a
request can cause (too_long, rate_limited and overloaded are in 07-daemon-limits)."""
import re

import wsclient
from daemon import (INFO, NO_RATE, Daemon, ask_json, cli_json, main, need_daemon,
                    nulls_or_empty_strings, note, read_json, version)
from harness import Suite

s = Suite("05-daemon-json")
need_daemon(s)

JUDGE = "Who was the judge?"
UNKNOWN = "what is the capital of france"
CLARIFY = "when"  # close to several facts, likely enough to none: asked back
SUPERSEDED = "Was the 2017 injunction nationwide or only for Chicago?"
PARTLY = "Did the injunction apply nationwide after the 2020 appeal?"
DATE = re.compile(r"^\d{4}(-\d\d(-\d\d)?)?$")


def clean(j, what):
    bad = nulls_or_empty_strings(j)
    s.check(not bad, f"{what}: no null or empty-string field", f"{bad}\n{j}")


def check_answer(j, what):
    """The shape of an answer reply."""
    s.check(j.get("type") == "answer", f"{what}: type answer", j)
    s.check(isinstance(j.get("text"), str) and j.get("text"), f"{what}: text", j)
    s.check(isinstance(j.get("fact"), str) and j.get("fact"), f"{what}: fact", j)
    score = j.get("score")
    s.check(isinstance(score, (int, float)) and not isinstance(score, bool) and 0 <= score <= 1,
            f"{what}: score in [0, 1]", j)
    s.check(j.get("lang") in ("en", "es"), f"{what}: lang", j)
    s.check(isinstance(j.get("kb_version"), str) and re.match(r"^[0-9a-f]{16}$", j["kb_version"]),
            f"{what}: kb_version", j)
    clean(j, what)
    if j.get("fact", "").startswith("_"):
        s.check(not j.get("sources"), f"{what}: small talk has no sources", j)
        return
    s.check(j.get("status") in ("current", "superseded", "partly-superseded"),
            f"{what}: status", j)
    s.check(isinstance(j.get("as_of"), str) and DATE.match(j["as_of"]), f"{what}: as_of", j)
    srcs = j.get("sources")
    s.check(isinstance(srcs, list) and srcs and all(
        isinstance(x, dict) and x.get("id") and x.get("title") and x.get("publisher") and
        DATE.match(x.get("date", "")) for x in srcs),
        f"{what}: sources with id, title, publisher and date", j)
    rel = j.get("related", [])
    s.check(isinstance(rel, list) and all(x.get("fact") and x.get("question") for x in rel),
            f"{what}: related items have fact and question", j)
    if j.get("status") == "current":
        s.check("superseded_by" not in j, f"{what}: a current fact has no superseded_by", j)
    else:
        sb = j.get("superseded_by") or {}
        s.check(sb.get("fact") and sb.get("question"),
                f"{what}: superseded_by names the later fact and its question", j)


def without_id(j):
    return {k: v for k, v in j.items() if k != "id"}


def check_error(ws, request, code, what, id_=None):
    j = ask_json(ws, request) or {}
    s.check(j.get("type") == "error" and j.get("code") == code, f"{what}: error {code}",
            f"sent {request!r}\ngot {j}")
    s.check(isinstance(j.get("message"), str) and len(j.get("message", "")) > 5,
            f"{what}: the error has a message", j)
    if id_ is not None:
        s.check(j.get("id") == id_, f"{what}: the id is echoed", j)
    clean(j, what)
    return j


def body():
    want = cli_json(JUDGE)
    s.check(want.get("fact") == "judge", "rulingd --json --ask answers (the expected object)",
            want)
    with Daemon(s, NO_RATE) as d:
        # The subprotocol: confirmed when asked, absent when not, refused when only another.
        ws = d.ws(protocol="rulingbot.v1")
        s.check(ws.status == 101 and ws.headers.get("sec-websocket-protocol") == "rulingbot.v1",
                "rulingbot.v1 is confirmed", f"{ws.status} {ws.headers}")
        j = ask_json(ws, {"type": "ask", "text": JUDGE}) or {}
        s.check(j.get("fact") == "judge", "a rulingbot.v1 connection is answered", j)
        ws.close()
        with d.ws(protocol=["chat.v2", "rulingbot.v1"]) as w2:
            s.check(w2.status == 101 and w2.headers.get("sec-websocket-protocol") ==
                    "rulingbot.v1", "rulingbot.v1 is picked from a list", w2.headers)
        with d.ws() as w2:
            s.check(w2.status == 101 and "sec-websocket-protocol" not in w2.headers,
                    "no subprotocol asked: accepted, no header in the reply", w2.headers)
            j = ask_json(w2, {"type": "ask", "text": JUDGE}) or {}
            s.check(j.get("fact") == "judge", "a connection without subprotocol is answered", j)
        with d.ws(protocol="chat.v2") as w2:
            s.check(w2.status != 101, "only another subprotocol: the handshake is refused",
                    f"{w2.status} {w2.headers}")
        with d.ws(protocol="chat.v2, other") as w2:
            s.check(w2.status != 101, "two other subprotocols: refused", w2.status)

        ws = d.ws(protocol="rulingbot.v1")
        # ask with an id: the same object as rulingd --json --ask, plus the id.
        j = ask_json(ws, {"type": "ask", "id": "c1", "text": JUDGE}) or {}
        check_answer(j, "ask with id")
        s.check(j.get("id") == "c1", "the id is echoed", j)
        s.check(without_id(j) == want, "the reply is the object rulingd --json --ask prints",
                f"got  {without_id(j)}\nwant {want}")
        s.check(j.get("lang") == "en" and j.get("status") == "current" and
                j.get("as_of") == "2017-09-15", "the judge answer: en, current, as of 2017-09-15",
                j)
        s.check("Leinenweber" in j.get("text", ""), "the answer names Leinenweber", j)

        j = ask_json(ws, {"type": "ask", "text": JUDGE}) or {}
        s.check("id" not in j, "no id asked: no id in the reply", j)
        check_answer(j, "ask without id")

        j = ask_json(ws, {"type": "ask", "id": "x" * 64, "text": JUDGE}) or {}
        s.check(j.get("type") == "answer" and j.get("id") == "x" * 64,
                "an id of 64 characters is accepted and echoed", j)

        # lang: asked for, and by default the question's own.
        j = ask_json(ws, {"type": "ask", "id": "c2", "text": JUDGE, "lang": "es"}) or {}
        check_answer(j, "ask with lang es")
        want_es = cli_json(JUDGE, lang="es")
        s.check(j.get("lang") == "es" and j.get("fact") == want_es.get("fact") and
                j.get("id") == "c2", "lang es answers in Spanish", j)
        j = ask_json(ws, {"type": "ask", "text": "¿Quién fue el juez?"}) or {}
        s.check(j.get("lang") == "es", "a Spanish question is answered in Spanish by default", j)
        j = ask_json(ws, {"type": "ask", "text": "¿Quién fue el juez?", "lang": "en"}) or {}
        s.check(j.get("lang") == "en" and j.get("fact") == "judge", "lang en wins over the "
                "question's language", j)

        # Superseded and partly superseded facts.
        for q in (SUPERSEDED, PARTLY):
            j = ask_json(ws, {"type": "ask", "id": "s", "text": q}) or {}
            check_answer(j, f"'{q}'")
            w = cli_json(q)
            s.check(j.get("status") == w.get("status") and j.get("status") != "current" and
                    j.get("superseded_by") == w.get("superseded_by"),
                    f"'{q}': status and superseded_by as rulingd --json --ask", j)

        # Small talk.
        for q, fact in (("hello", "_greeting"), ("is this legal advice?", "_legal_advice")):
            j = ask_json(ws, {"type": "ask", "text": q}) or {}
            check_answer(j, f"small talk '{q}'")
            s.check(j.get("fact") == fact, f"'{q}' is the small-talk fact {fact}", j)

        # no_answer.
        j = ask_json(ws, {"type": "ask", "id": "n1", "text": UNKNOWN}) or {}
        s.check(j.get("type") == "no_answer" and j.get("id") == "n1", "no_answer, id echoed", j)
        s.check(j.get("text", "").startswith("I don't know") and j.get("lang") == "en",
                "no_answer has text and lang", j)
        sug = j.get("suggestions")
        s.check(isinstance(sug, list) and sug and all(x.get("fact") and x.get("question")
                                                      for x in sug),
                "no_answer has suggestions with fact and question", j)
        s.check(re.match(r"^[0-9a-f]{16}$", j.get("kb_version", "")), "no_answer: kb_version", j)
        s.check(without_id(j) == cli_json(UNKNOWN), "no_answer: as rulingd --json --ask", j)
        clean(j, "no_answer")

        # A clarification: its own type, the choices (fact and question) likeliest first;
        # asking a choice's question gets its answer, and a bare number is a question.
        j = ask_json(ws, {"type": "ask", "id": "c1", "text": CLARIFY}) or {}
        s.check(j.get("type") == "clarify" and j.get("id") == "c1", "clarify, id echoed", j)
        s.check(j.get("text", "").startswith("I'm not sure") and j.get("lang") == "en",
                "clarify has the _clarify text and lang", j)
        choices = j.get("choices")
        s.check(isinstance(choices, list) and len(choices) >= 2 and
                all(x.get("fact") and x.get("question") for x in choices) and
                "suggestions" not in j, "clarify has choices with fact and question", j)
        s.check(re.match(r"^[0-9a-f]{16}$", j.get("kb_version", "")), "clarify: kb_version", j)
        s.check(without_id(j) == cli_json(CLARIFY), "clarify: as rulingd --json --ask", j)
        clean(j, "clarify")
        for c in (choices or [])[:2]:
            a = ask_json(ws, {"type": "ask", "text": c.get("question")}) or {}
            s.check(a.get("type") == "answer" and a.get("fact") == c.get("fact"),
                    f"asking the choice {c.get('fact')!r} gets its answer", a)
        a = ask_json(ws, {"type": "ask", "text": "1"}) or {}
        s.check(a == cli_json("1"), "in JSON mode '1' after a clarification is a question", a)

        # info.
        ws.send_text(INFO)
        j = read_json(ws) or {}
        s.check(j.get("type") == "info" and j.get("server") == version(),
                "info: server is what rulingd --version prints", j)
        s.check(j.get("kb_version") == want.get("kb_version"), "info: the answers' kb_version", j)
        s.check(isinstance(j.get("facts"), int) and j["facts"] > 100 and
                isinstance(j.get("sources"), int) and j["sources"] > 10,
                "info: facts and sources are counts", j)
        s.check(j.get("languages") == ["en", "es"], "info: languages en and es", j)
        s.check(re.match(r"^\d{4}-\d\d-\d\d$", j.get("reviewed", "")), "info: reviewed date", j)
        clean(j, "info")
        j = ask_json(ws, '  {"type":"info"}') or {}
        s.check(j.get("type") == "info", "leading spaces before { still mean JSON", j)

        # bad_json: begins with { but is not JSON (or not one object).
        for text in ("{", "{not json}", '{"type":"ask","text":"judge",}', ' {"type"',
                     '{"type":"ask","text":"judge"} trailing', "{'type':'info'}",
                     '{"type":"info"}{"type":"info"}'):
            check_error(ws, text, "bad_json", f"bad_json for {text!r}")

        # bad_request, each cause, with the id echoed when it was readable.
        cases = [
            ({"id": "e1", "type": "frobnicate", "text": JUDGE}, "unknown type", "e1"),
            ({"id": "e2", "text": JUDGE}, "missing type", "e2"),
            ({"id": "e3", "type": 7, "text": JUDGE}, "type not a string", "e3"),
            ({"id": "e4", "type": "ask"}, "text missing", "e4"),
            ({"id": "e5", "type": "ask", "text": ""}, "text empty", "e5"),
            ({"id": "e6", "type": "ask", "text": 42}, "text a number", "e6"),
            ({"id": "e7", "type": "ask", "text": None}, "text null", "e7"),
            ({"id": "e8", "type": "ask", "text": ["who", "judge"]}, "text a list", "e8"),
            ({"id": "e9", "type": "ask", "text": JUDGE, "lang": "fr"}, "lang fr", "e9"),
            ({"id": "e10", "type": "ask", "text": JUDGE, "lang": 1}, "lang a number", "e10"),
            ({"id": "e11", "type": "ask", "text": JUDGE, "lang": ""}, "lang empty", "e11"),
            ({"id": 12, "type": "ask", "text": JUDGE}, "id a number", None),
            ({"id": ["x"], "type": "ask", "text": JUDGE}, "id a list", None),
            ({"id": "x" * 65, "type": "ask", "text": JUDGE}, "id of 65 characters", None),
            ({}, "an empty object", None),
        ]
        for req, what, id_ in cases:
            j = check_error(ws, req, "bad_request", f"bad_request: {what}", id_)
            if not isinstance(req.get("id"), str) or len(req.get("id", "")) > 64:
                s.check("id" not in j or isinstance(j.get("id"), str) and len(j["id"]) <= 64,
                        f"bad_request: {what}: no unreadable id echoed", j)
        # A binary frame, in JSON and in text mode alike.
        ws.send_binary(b'{"type":"ask","text":"who was the judge"}')
        j = read_json(ws) or {}
        s.check(j.get("type") == "error" and j.get("code") == "bad_request",
                "a binary frame is a bad_request", j)

        # Errors never close the connection: it still answers, in order.
        ws.send_raw(b"".join(wsclient.frame_bytes(wsclient.TEXT, t) for t in (
            '{"type":"ask","id":"o1","text":"who was the judge"}', "{oops",
            '{"type":"nope","id":"o3"}', '{"type":"ask","id":"o4","text":"' + UNKNOWN + '"}')))
        got = [read_json(ws) or {} for _ in range(4)]
        s.check([(x.get("type"), x.get("id"), x.get("code")) for x in got] ==
                [("answer", "o1", None), ("error", None, "bad_json"),
                 ("error", "o3", "bad_request"), ("no_answer", "o4", None)],
                "after errors, replies still come, in order",
                "\n".join(map(str, got)))
        ws.close()

    # internal: the engine failing (its database time running out). A deadline of 1 ms
    # is only sometimes exceeded; when it is, the error must have its documented shape.
    with Daemon(s, NO_RATE + ["--query-deadline", "1"]) as d, \
            d.ws(protocol="rulingbot.v1") as ws:
        seen = None
        words = ("judge ruling injunction conditions grant sanctuary chicago sessions "
                 "notice access compliance appeal circuit nationwide byrne jag").split()
        for i in range(200):
            text = " ".join(words[(i + k) % len(words)] for k in range(3 + i % 12)) + f" n{i}"
            j = ask_json(ws, {"type": "ask", "id": f"i{i}", "text": text}) or {}
            if j.get("type") == "error":
                seen = j
                break
            if j.get("type") not in ("answer", "clarify", "no_answer"):
                s.check(False, "with a 1 ms deadline, replies are answers or internal", j)
                break
        if seen is None:
            note("internal: not reached (200 questions each took under 1 ms); shape unchecked")
        else:
            s.check(seen.get("code") == "internal" and seen.get("id") == f"i{i}" and
                    seen.get("message"), "internal: code, id and message", seen)
            j = ask_json(ws, {"type": "ask", "text": JUDGE}) or {}
            s.check(j.get("type") in ("answer", "error"), "the connection stays after internal",
                    j)
        # The same over HTTP: 500 with the internal error.
        seen = None
        for i in range(200):
            text = " ".join(words[(i + k) % len(words)] for k in range(3 + i % 12)) + f" h{i}"
            r = d.http("GET", "/api/ask?q=" + text.replace(" ", "+"))
            if r.status not in (200,):
                seen = r
                break
        if seen is None:
            note("internal over HTTP: not reached in 200 questions; 500 unchecked")
        else:
            j = seen.json() or {}
            s.check(seen.status == 500 and j.get("type") == "error" and
                    j.get("code") == "internal", "GET /api/ask: internal is a 500", seen)


main(s, body)
