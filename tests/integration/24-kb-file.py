#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The knowledge-base file under a running rulingd: the engine reads it whole at start and
closes it, so rulingd keeps answering right (over the websocket and /api/ask, every
question searched: --cache 0) after the file is overwritten in place by `cp` of another
KB, truncated to zero, truncated to half, filled with garbage, or deleted. SIGHUP with the
file broken or missing is a failed reload (metric and log) and the same kb_version keeps
serving with /healthz 200; SIGHUP with a good, different KB serves the new one. A KB that
loads but cannot answer its self-test question (tests/fixtures/selftest-kb), or none at
all, keeps the port from accepting connections at start (the log names the question) until
SIGHUP loads a good one, and is refused on reload. `rulingd -n`
runs the self-test too."""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import urllib.parse

from daemon import (INFO, KB, NO_RATE, Daemon, ask_json, ask_lines, main, metric, need_daemon,
                    read_json, run_program, slow, wait_for)
from harness import ROOT, Suite, program

s = Suite("24-kb-file")
need_daemon(s, budget=240)

JUDGE = "who was the judge"
JUEZ = "¿Quién fue el juez?"
SELFTEST_QUESTION = "What is it about?"  # the self-test fixture's first starter question
# Every question is searched by the engine, none answered from the cache, so an answer
# shows the engine still has the whole KB in memory.
ARGS = NO_RATE + ["--cache", "0"]


def info(d):
    with d.ws() as ws:
        ws.send_text(INFO)
        return read_json(ws) or {}


def healthz(d):
    r = d.http("GET", "/healthz")
    return r.status, r.json() or {}


def reloads(d, result):
    return metric(d.metrics(), "rulingd_reloads_total", result=result)


def api_ask(d, question):
    r = d.http("GET", "/api/ask?q=" + urllib.parse.quote(question))
    return r.status, r.json() or {}


def build_kb(src, out):
    p = subprocess.run([program("rulingkb"), "build", os.path.join(ROOT, src), "-o", out],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace", timeout=slow(60))
    s.check(p.returncode == 0 and os.path.isfile(out), f"rulingkb builds {src}", p.stdout)
    return out


def cli_answer(question, kb):
    """The JSON `rulingd --ask` prints: what the daemon must answer from that KB."""
    p = run_program(["rulingd", "--query-deadline", "0", "--kb", kb, "--json", "--ask",
                     question], timeout=slow(60))
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {}


# Ways to damage the file in place (its inode kept), as a careless deploy or a full disk
# would; and to restore it in place.

def put(src, dst):
    """Writes src's bytes over dst, in place when dst exists (open with O_TRUNC)."""
    with open(src, "rb") as f:
        data = f.read()
    with open(dst, "wb") as f:
        f.write(data)


def garbage(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.write(random.Random(24).randbytes(size))


def half(path):
    os.truncate(path, os.path.getsize(path) // 2)


def zero(path):
    os.truncate(path, 0)


def holds_open(pid, path):
    """Whether process pid has path open."""
    real = os.path.realpath(path)
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in (real, real + " (deleted)"):
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def answers_right(d, ws, want, what):
    """Checks that the held websocket, a new one in text mode, and /api/ask all get the
    answer the KB `want` describes (the JSON of `rulingd --ask` for JUDGE, and for JUEZ)."""
    en, es = want
    j = ask_json(ws, {"type": "ask", "text": JUDGE}) or {}
    k = ask_json(ws, {"type": "ask", "text": JUEZ}) or {}
    s.check(j.get("type") == "answer" and j.get("fact") == en.get("fact") and
            j.get("text") == en.get("text") and j.get("kb_version") == en.get("kb_version") and
            k.get("fact") == es.get("fact") and k.get("text") == es.get("text"),
            f"{what}: the websocket gets the right answers, in English and Spanish",
            (j, k))
    with d.ws() as fresh:
        lines, done = ask_lines(fresh, JUDGE)
    s.check(done and lines[:1] == [en.get("text")],
            f"{what}: a new websocket in text mode gets the right answer", lines)
    status, a = api_ask(d, JUDGE)
    s.check(status == 200 and a.get("fact") == en.get("fact") and
            a.get("text") == en.get("text") and a.get("kb_version") == en.get("kb_version"),
            f"{what}: /api/ask gets the right answer", (status, a))


def damage_while_serving(d, kb, other, want):
    """The file overwritten, emptied, cut, garbled and deleted under a running rulingd:
    every answer still comes, right, from what was read at start."""
    ws = d.ws()
    try:
        answers_right(d, ws, want, "at start")
        s.check(not holds_open(d.pid, kb), "rulingd does not keep the KB file open")
        ino = os.stat(kb).st_ino
        for what, damage in (
                ("overwritten in place by cp of another KB",
                 lambda p: subprocess.run(["cp", other, p], check=True)),
                ("truncated to zero", zero),
                ("truncated to half", half),
                ("filled with garbage", garbage)):
            put(KB, kb)
            damage(kb)
            s.check(os.stat(kb).st_ino == ino, f"{what}: the file was changed in place")
            answers_right(d, ws, want, f"KB file {what}")
        os.unlink(kb)
        answers_right(d, ws, want, "KB file deleted")
        s.check(d.alive(), "rulingd still runs after the file was damaged five ways")
    finally:
        ws.close()


def hup(d, result):
    """Sends SIGHUP and waits until the reload counter for result goes up. Returns whether
    it did."""
    before = reloads(d, result) or 0
    d.send_signal(signal.SIGHUP)
    return wait_for(lambda: (reloads(d, result) or 0) == before + 1, slow(10))


def reload_broken(d, kb, version):
    """SIGHUP with the file broken or missing: refused, the old KB keeps serving."""
    for what, damage in (
            ("a text file copied over it", lambda p: shutil.copyfile(
                os.path.join(ROOT, "tests", "fixtures", "kb", "sources.json"), p)),
            ("truncated to zero", zero),
            ("truncated to half", half),
            ("filled with garbage", garbage),
            ("missing", os.unlink)):
        put(KB, kb)
        damage(kb)
        off = d.stderr_size()
        s.check(hup(d, "failed"), f"reload with the file {what}: "
                "rulingd_reloads_total{result=\"failed\"} +1",
                (reloads(d, "ok"), reloads(d, "failed")))
        log = d.stderr(off)
        s.check("cannot open the knowledge base" in log and
                f"reload failed; still serving {version}" in log,
                f"reload with the file {what}: the reason is logged", log)
        s.check(info(d).get("kb_version") == version,
                f"reload with the file {what}: the same kb_version serves", info(d))
        status, h = healthz(d)
        s.check(status == 200 and h.get("status") == "ok" and h.get("kb_version") == version,
                f"reload with the file {what}: /healthz stays 200 ok", (status, h))


def reload_cases(d, kb, fixture, selftest, v_main, v_fixture, want_fixture):
    reload_broken(d, kb, v_main)

    # A good, different KB is taken.
    put(fixture, kb)
    s.check(hup(d, "ok"), "reload of the fixture KB: rulingd_reloads_total{result=\"ok\"} +1")
    s.check(info(d).get("kb_version") == v_fixture and info(d).get("facts") == 13,
            "reload of the fixture KB: its version and 13 facts serve", info(d))
    ws = d.ws()
    try:
        answers_right(d, ws, want_fixture, "after the reload of the fixture KB")
        status, h = healthz(d)
        s.check(status == 200 and h.get("kb_version") == v_fixture,
                "after the reload of the fixture KB: /healthz 200 with its version", h)

        # A KB that cannot answer its self-test question is refused.
        put(selftest, kb)
        off = d.stderr_size()
        s.check(hup(d, "failed"), "reload of a KB failing its self-test: "
                "rulingd_reloads_total{result=\"failed\"} +1")
        log = d.stderr(off)
        s.check("self-test" in log and SELFTEST_QUESTION in log and
                f"still serving {v_fixture}" in log,
                "reload of a KB failing its self-test: the question and the refusal logged", log)
        status, h = healthz(d)
        s.check(status == 200 and h.get("status") == "ok" and h.get("kb_version") == v_fixture,
                "reload of a KB failing its self-test: the old KB serves, /healthz 200", h)
        answers_right(d, ws, want_fixture, "after the refused reload of a KB failing its "
                      "self-test")
    finally:
        ws.close()


def refuses(d, what):
    """rulingd runs but its port refuses connections: it is not ready to serve."""
    try:
        with socket.create_connection(("127.0.0.1", d.port), timeout=slow(1)):
            refused = False
    except OSError:
        refused = True
    s.check(d.alive() and refused, f"{what}: rulingd runs, its port refuses connections",
            d.stderr()[-2000:])


def ready_after_hup(d, what):
    """SIGHUP loads a good KB: the port then accepts, /healthz 200 ok without a reason."""
    d.send_signal(signal.SIGHUP)
    s.check(d.wait_ready(slow(10)), f"{what}: on SIGHUP the good KB loads and the port "
            "accepts", d.stderr()[-2000:])
    status, h = healthz(d)
    s.check(status == 200 and h.get("status") == "ok" and "reason" not in h,
            f"{what}: then /healthz 200 ok, no reason", (status, h))
    s.check(reloads(d, "ok") == 1, f"{what}: rulingd_reloads_total{{result=\"ok\"}} 1")
    return h.get("kb_version")


def start_cannot_answer(tmp, selftest, good):
    """Started on a KB that cannot answer its self-test question: it does not accept
    connections, and says why, naming the question; a good KB on reload makes it serve;
    the bad one again is refused on reload."""
    kb = os.path.join(tmp, "selftest-copy.sqlite")
    put(selftest, kb)
    with Daemon(s, ARGS, kb=kb, wait=False) as d:
        s.check(wait_for(lambda: "not accepting connections" in d.stderr(), slow(10)),
                "started on a KB failing its self-test: the log says it does not accept "
                "connections", d.stderr())
        log = d.stderr()
        s.check("self-test" in log and SELFTEST_QUESTION in log,
                "the log names the self-test question", log)
        refuses(d, "started on a KB failing its self-test")
        put(good, kb)
        version = ready_after_hup(d, "started on a KB failing its self-test")
        put(selftest, kb)
        s.check(hup(d, "failed"), "and the KB failing its self-test is refused on reload")
        status, h = healthz(d)
        s.check(status == 200 and h.get("kb_version") == version,
                "the good KB keeps serving, /healthz 200", (status, h))


def start_without_kb(tmp, good):
    """No file at start: the port refuses connections; once the file is there, SIGHUP
    loads it and rulingd serves."""
    kb = os.path.join(tmp, "later.sqlite")
    with Daemon(s, ARGS, kb=kb, wait=False) as d:
        s.check(wait_for(lambda: "not accepting connections" in d.stderr(), slow(10)),
                "started without a KB file: the log says it does not accept connections",
                d.stderr())
        refuses(d, "started without a KB file")
        put(good, kb)
        ready_after_hup(d, "started without a KB file")
        status, j = api_ask(d, JUDGE)
        s.check(status == 200 and j.get("type") == "answer", "then a question is answered",
                (status, j))


def check_only(tmp, selftest, good):
    """rulingd -n opens the KB and asks it its self-test question."""
    def run(kb):
        p = run_program(["rulingd", "-n", "--kb", kb], timeout=slow(60))
        return p.returncode, p.stdout + p.stderr

    rc, out = run(good)
    s.check(rc == 0 and "self-test passed" in out and "configuration ok" in out,
            "rulingd -n on a good KB: exit 0, self-test passed", f"exit {rc}: {out}")
    rc, out = run(selftest)
    s.check(rc == 1 and "self-test" in out and SELFTEST_QUESTION in out and
            "configuration ok" not in out,
            "rulingd -n on a KB failing its self-test: exit 1, naming the question",
            f"exit {rc}: {out}")
    broken = os.path.join(tmp, "broken.sqlite")
    put(good, broken)
    half(broken)
    rc, out = run(broken)
    s.check(rc == 1 and "cannot open the knowledge base" in out,
            "rulingd -n on a truncated KB: exit 1", f"exit {rc}: {out}")


def body():
    tmp = tempfile.mkdtemp(prefix="rulingd-kbfile-")
    try:
        fixture = build_kb("tests/fixtures/kb", os.path.join(tmp, "fixture.sqlite"))
        selftest = build_kb("tests/fixtures/selftest-kb", os.path.join(tmp, "selftest.sqlite"))
        want_main = (cli_answer(JUDGE, KB), cli_answer(JUEZ, KB))
        want_fixture = (cli_answer(JUDGE, fixture), cli_answer(JUEZ, fixture))
        v_main = want_main[0].get("kb_version")
        v_fixture = want_fixture[0].get("kb_version")
        s.check(v_main and v_fixture and v_main != v_fixture and
                want_main[0].get("text") != want_fixture[0].get("text"),
                "the bundled and the fixture KB differ in version and answer",
                (want_main, want_fixture))

        kb = os.path.join(tmp, "kb.sqlite")
        put(KB, kb)
        with Daemon(s, ARGS, kb=kb) as d:
            damage_while_serving(d, kb, fixture, want_main)
            reload_cases(d, kb, fixture, selftest, v_main, v_fixture, want_fixture)
        start_cannot_answer(tmp, selftest, fixture)
        start_without_kb(tmp, fixture)
        check_only(tmp, selftest, KB)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main(s, body)
