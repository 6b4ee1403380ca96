#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""HTTP on rulingd's port: /healthz, /metrics (and its counters moving), /api/ask by GET
and POST with their statuses, CORS with the preflight, and the security headers on every
response. The rate limit of /api/ask is in 07-daemon-limits."""
import json
import math
import os
import re
import urllib.parse

from daemon import (NO_RATE, Daemon, ask_json, cli_json, main, metric,
                    need_daemon, nulls_or_empty_strings, slow)
from harness import Suite

s = Suite("06-daemon-http")
need_daemon(s)

JUDGE = "who was the judge"
UNKNOWN = "what is the capital of france"
CLARIFY = "when"  # close to several facts, likely enough to none: asked back
ALLOWED = "http://localhost:3000"
EVIL = "https://evil.example"


def security_headers(r, what):
    h = r.headers
    s.check(h.get("x-content-type-options", "").lower() == "nosniff" and
            "x-frame-options" in h and "content-security-policy" in h and
            "referrer-policy" in h, f"{what}: security headers present",
            f"{r.status} {h}")


def q(text):
    return urllib.parse.quote(text, safe="")


def body():
    want = cli_json(JUDGE)
    with Daemon(s, NO_RATE) as d:
        responses = []

        # /healthz
        r = d.http("GET", "/healthz")
        responses.append(("/healthz", r))
        j = r.json() or {}
        s.check(r.status == 200 and j.get("status") == "ok", "/healthz: 200 status ok", r)
        s.check("json" in r.headers.get("content-type", ""), "/healthz is JSON", r.headers)
        s.check(j.get("kb_version") == want.get("kb_version") and isinstance(j.get("facts"), int)
                and j["facts"] > 100, "/healthz has kb_version and facts", j)

        # /metrics: every series listed, then counters moving after questions.
        r = d.http("GET", "/metrics")
        responses.append(("/metrics", r))
        s.check(r.status == 200 and r.headers.get("content-type", "").startswith("text/plain"),
                "/metrics: 200 text/plain", r)
        text = r.text
        for typ in ("rulingd_connections gauge", "rulingd_questions_total counter",
                    "rulingd_errors_total counter", "rulingd_answer_seconds histogram",
                    "rulingd_kb_facts gauge", "rulingd_kb_load_seconds gauge",
                    "rulingd_reloads_total counter"):
            s.check(f"# TYPE {typ}\n" in text, f"/metrics: # TYPE {typ}", text[:3000])
        m0 = d.metrics()
        bad = [x for x in m0 if x[0] == "<bad line>"]
        s.check(m0 and not bad, "/metrics parses as Prometheus text", bad[:5])
        for outcome in ("answered", "no_answer", "clarify", "error"):
            s.check(metric(m0, "rulingd_questions_total", outcome=outcome) is not None,
                    f"/metrics: rulingd_questions_total{{outcome=\"{outcome}\"}}", text[:3000])
        for result in ("ok", "failed"):
            s.check(metric(m0, "rulingd_reloads_total", result=result) is not None,
                    f"/metrics: rulingd_reloads_total{{result=\"{result}\"}}", text[:3000])
        s.check(metric(m0, "rulingd_kb_facts") == j.get("facts"),
                "/metrics: rulingd_kb_facts is the KB's fact count", text[:3000])
        s.check((metric(m0, "rulingd_kb_load_seconds") or -1) >= 0,
                "/metrics: rulingd_kb_load_seconds", text[:3000])
        s.check(metric(m0, "rulingd_answer_seconds_bucket", le="+Inf") is not None and
                metric(m0, "rulingd_answer_seconds_sum") is not None and
                metric(m0, "rulingd_answer_seconds_count") is not None,
                "/metrics: the answer_seconds histogram", text[:3000])

        ws1, ws2 = d.ws(), d.ws()
        m1 = d.metrics()
        for text_ in (JUDGE, "when did the judge rule"):
            ask_json(ws1, {"type": "ask", "text": text_})
        ask_json(ws2, {"type": "ask", "text": UNKNOWN})
        ask_json(ws2, {"type": "ask", "text": CLARIFY})
        ask_json(ws2, "{bad json")
        m2 = d.metrics()

        def delta(name, **labels):
            a, b = metric(m1, name, **labels), metric(m2, name, **labels)
            return None if a is None or b is None else b - a

        s.check(delta("rulingd_questions_total", outcome="answered") == 2,
                "answered counter +2 after two answers", delta("rulingd_questions_total",
                                                                outcome="answered"))
        s.check(delta("rulingd_questions_total", outcome="no_answer") == 1,
                "no_answer counter +1", delta("rulingd_questions_total", outcome="no_answer"))
        s.check(delta("rulingd_questions_total", outcome="clarify") == 1,
                "clarify counter +1 (and not no_answer)",
                delta("rulingd_questions_total", outcome="clarify"))
        s.check(delta("rulingd_questions_total", outcome="error") == 1, "error counter +1",
                delta("rulingd_questions_total", outcome="error"))
        e1 = metric(m1, "rulingd_errors_total", code="bad_json") or 0
        s.check(metric(m2, "rulingd_errors_total", code="bad_json") == e1 + 1,
                "rulingd_errors_total{code=\"bad_json\"} +1",
                [x for x in m2 if x[0] == "rulingd_errors_total"])
        s.check(delta("rulingd_answer_seconds_count") == 4,
                "answer_seconds_count +4 (answers, no_answers and clarifications)",
                delta("rulingd_answer_seconds_count"))
        s.check((delta("rulingd_answer_seconds_sum") or -1) >= 0, "answer_seconds_sum grows")
        buckets = [(float(lab["le"]), v) for n, lab, v in m2
                   if n == "rulingd_answer_seconds_bucket"]
        s.check(buckets and buckets == sorted(buckets) and
                all(buckets[i][1] <= buckets[i + 1][1] for i in range(len(buckets) - 1)) and
                math.isinf(buckets[-1][0]) and
                buckets[-1][1] == metric(m2, "rulingd_answer_seconds_count"),
                "histogram buckets grow with le, +Inf = count", buckets)
        open_conns = metric(m2, "rulingd_connections")
        ws1.close()
        ws2.close()
        m3 = None
        for _ in range(int(slow(20))):
            m3 = d.metrics()
            if open_conns is not None and metric(m3, "rulingd_connections") == open_conns - 2:
                break
            ws1.quiet(0.1)
        s.check(open_conns is not None and open_conns >= 2 and
                metric(m3, "rulingd_connections") == open_conns - 2,
                "rulingd_connections counts the two websockets, then drops by 2",
                f"{open_conns} -> {metric(m3, 'rulingd_connections')}")

        # GET /api/ask
        r = d.http("GET", f"/api/ask?q={q(JUDGE)}")
        responses.append(("GET /api/ask", r))
        j = r.json() or {}
        s.check(r.status == 200 and "json" in r.headers.get("content-type", ""),
                "GET /api/ask: 200 JSON", r)
        s.check(j == want, "GET /api/ask: the object rulingd --json --ask prints",
                f"got  {j}\nwant {want}")
        r = d.http("GET", f"/api/ask?q={q(JUDGE)}&lang=es&id=g1")
        j = r.json() or {}
        s.check(r.status == 200 and j.get("lang") == "es" and j.get("id") == "g1" and
                j.get("type") == "answer", "GET /api/ask with lang=es and id", r)
        r = d.http("GET", "/api/ask?q=who+was+the+judge")
        s.check(r.status == 200 and (r.json() or {}).get("fact") == "judge",
                "GET /api/ask: + is a space", r)
        r = d.http("GET", f"/api/ask?q={q('¿Quién fue el juez?')}")
        j = r.json() or {}
        s.check(r.status == 200 and j.get("lang") == "es", "GET /api/ask: UTF-8 percent-encoded",
                r)
        r = d.http("GET", f"/api/ask?q={q(UNKNOWN)}")
        j = r.json() or {}
        s.check(r.status == 200 and j.get("type") == "no_answer" and j.get("suggestions"),
                "GET /api/ask: no_answer is 200", r)
        s.check(not nulls_or_empty_strings(j), "GET /api/ask: no null or empty field", j)
        for target, what in (("/api/ask", "no q"), ("/api/ask?q=", "empty q"),
                             (f"/api/ask?q={q(JUDGE)}&lang=fr", "lang=fr"),
                             (f"/api/ask?q={q(JUDGE)}&id={'x' * 65}", "id too long")):
            r = d.http("GET", target)
            responses.append((f"GET {target}", r))
            j = r.json() or {}
            s.check(r.status == 400 and j.get("type") == "error" and
                    j.get("code") == "bad_request" and j.get("message"),
                    f"GET /api/ask, {what}: 400 bad_request", r)
        r = d.http("GET", f"/api/ask?q={'judge%20' * 400}")
        responses.append(("GET /api/ask too long", r))
        j = r.json() or {}
        s.check(r.status == 413 and j.get("code") == "too_long", "GET /api/ask: 413 too_long", r)

        # POST /api/ask
        hdr = [("Content-Type", "application/json")]
        r = d.http("POST", "/api/ask", headers=hdr,
                   body=json.dumps({"type": "ask", "text": JUDGE, "id": "p1"}))
        responses.append(("POST /api/ask", r))
        j = r.json() or {}
        s.check(r.status == 200 and j.get("id") == "p1" and
                {k: v for k, v in j.items() if k != "id"} == want,
                "POST /api/ask: 200, the ask object with its id", r)
        r = d.http("POST", "/api/ask", headers=hdr,
                   body=json.dumps({"text": JUDGE, "lang": "es"}))
        j = r.json() or {}
        s.check(r.status == 200 and j.get("lang") == "es" and "id" not in j,
                "POST /api/ask: type is optional; lang es", r)
        r = d.http("POST", "/api/ask", headers=hdr, body=json.dumps({"text": UNKNOWN}))
        s.check(r.status == 200 and (r.json() or {}).get("type") == "no_answer",
                "POST /api/ask: no_answer is 200", r)
        for body_, code, status, what in (
                ('{"text":', "bad_json", 400, "broken JSON"),
                ('{"id":"p2"}', "bad_request", 400, "no text"),
                ('{"text":"judge","lang":"de"}', "bad_request", 400, "lang de"),
                ('{"text":42}', "bad_request", 400, "text a number"),
                (json.dumps({"text": "judge " * 400}), "too_long", 413, "question too long")):
            r = d.http("POST", "/api/ask", headers=hdr, body=body_)
            responses.append((f"POST {what}", r))
            j = r.json() or {}
            s.check(r.status == status and j.get("type") == "error" and j.get("code") == code,
                    f"POST /api/ask, {what}: {status} {code}", r)
        r = d.http("POST", "/api/ask", headers=hdr, body='{"id":"p3","text":""}')
        s.check(r.status == 400 and (r.json() or {}).get("id") == "p3",
                "POST /api/ask: the id is echoed in an error", r)
        big = json.dumps({"text": "judge " * 12000})
        r = d.http("POST", "/api/ask", headers=hdr, body=big)
        responses.append(("POST over the hard cap", r))
        s.check(r.status == 413, "POST /api/ask: a body over 65536 bytes gets 413",
                f"{len(big)} bytes: {r}")

        # CORS: the allowed origin echoed, another not; the preflight.
        r = d.http("GET", f"/api/ask?q={q(JUDGE)}", headers=[("Origin", ALLOWED)])
        responses.append(("GET /api/ask with Origin", r))
        s.check(r.headers.get("access-control-allow-origin") == ALLOWED,
                "an allowed Origin is echoed in Access-Control-Allow-Origin", r.headers)
        s.check("origin" in [x.strip().lower() for x in r.headers.get("vary", "").split(",")],
                "Vary: Origin", r.headers)
        r = d.http("POST", "/api/ask", headers=hdr + [("Origin", f"http://127.0.0.1:{d.port}")],
                   body=json.dumps({"text": JUDGE}))
        s.check(r.status == 200 and r.headers.get("access-control-allow-origin") ==
                f"http://127.0.0.1:{d.port}", "POST: the server's own origin is echoed",
                r.headers)
        r = d.http("GET", f"/api/ask?q={q(JUDGE)}", headers=[("Origin", EVIL)])
        responses.append(("GET /api/ask with an evil Origin", r))
        s.check(r.headers.get("access-control-allow-origin") in (None,) and
                "*" not in r.headers.get("access-control-allow-origin", ""),
                "another Origin gets no Access-Control-Allow-Origin", r.headers)
        r = d.http("OPTIONS", "/api/ask", headers=[
            ("Origin", ALLOWED), ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type")])
        responses.append(("OPTIONS /api/ask", r))
        s.check(r.status == 204, "OPTIONS /api/ask: 204", r)
        s.check(r.headers.get("access-control-allow-origin") == ALLOWED,
                "preflight: the origin is allowed", r.headers)
        s.check("POST" in r.headers.get("access-control-allow-methods", "").upper(),
                "preflight: POST is an allowed method", r.headers)
        s.check("content-type" in r.headers.get("access-control-allow-headers", "").lower(),
                "preflight: Content-Type is an allowed header", r.headers)
        r = d.http("OPTIONS", "/api/ask", headers=[
            ("Origin", EVIL), ("Access-Control-Request-Method", "POST")])
        responses.append(("OPTIONS from an evil Origin", r))
        s.check("access-control-allow-origin" not in r.headers,
                "preflight from another origin: not allowed", r)

        # Static files and a 404 also carry the security headers.
        responses.append(("GET /", d.http("GET", "/")))
        responses.append(("GET /index.html", d.http("GET", "/index.html")))
        responses.append(("404", d.http("GET", "/no-such-file.html")))
        s.check(responses[-3][1].status == 200 and responses[-1][1].status == 404,
                "/ is 200 and a missing file 404", responses[-3:])
        for what, r in responses:
            security_headers(r, what)

    # No knowledge base: rulingd does not accept connections (26-handshake, 24-kb-file).
    with Daemon(s, NO_RATE, kb=os.path.join("/nonexistent", "kb.sqlite"), wait=False) as d:
        s.check(not d.wait_ready(timeout=slow(2)) and d.alive() and
                re.search(r"(?i)knowledge base", d.stderr()),
                "without a KB, rulingd runs but does not accept connections, and says why",
                d.stderr())


main(s, body)
