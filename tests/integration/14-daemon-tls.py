#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""--tls-cert and --tls-key: the websocket (wss) and HTTP (https) on the same port with a
throw-away self-signed certificate (made with the openssl command, skipped without it);
one of the two files alone is a configuration error."""
import os
import shutil
import ssl
import subprocess
import tempfile

from daemon import KB, NO_RATE, Daemon, ask_json, main, need_daemon, note, run_program, slow
from harness import Suite

s = Suite("14-daemon-tls")
need_daemon(s)


def body():
    if not shutil.which("openssl"):
        note("openssl not found: TLS not tested")
        return
    tmp = tempfile.mkdtemp(prefix="rulingd-tls-")
    try:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-days", "2", "-keyout", key, "-out", cert],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=60)
        if not s.check(p.returncode == 0, "openssl makes a test certificate", p.stdout):
            return
        ctx = ssl.create_default_context(cafile=cert)
        with Daemon(s, NO_RATE + ["--tls-cert", cert, "--tls-key", key]) as d:
            try:
                with d.ws(tls=ctx, protocol="rulingbot.v1") as ws:
                    s.check(ws.status == 101, "wss: the handshake succeeds over TLS",
                            f"{ws.status} {ws.headers}")
                    j = ask_json(ws, {"type": "ask", "text": "who was the judge"}) or {}
                    s.check(j.get("type") == "answer" and "Leinenweber" in j.get("text", ""),
                            "wss: a question is answered", j)
            except OSError as e:
                s.check(False, "wss: the TLS handshake succeeds", repr(e))
            r = d.http("GET", "/healthz", tls=ctx)
            s.check(r.status == 200 and (r.json() or {}).get("status") == "ok",
                    "https: /healthz", r)
            r = d.http("GET", "/healthz", timeout=slow(2))
            s.check(r.status != 200, "plain HTTP on the TLS port is not served", r)
            try:
                with d.ws(tls=ctx) as ws:
                    s.check(ws.status == 101, "TLS still works after a plain-text attempt",
                            ws.status)
            except OSError as e:
                s.check(False, "TLS still works after a plain-text attempt", repr(e))
        for args, what in ((["--tls-cert", cert], "--tls-cert alone"),
                           (["--tls-key", key], "--tls-key alone")):
            p = run_program(["rulingd", "-n", "--kb", KB, *args], timeout=slow(30))
            s.check(p.returncode not in (0, None) and "tls" in (p.stdout + p.stderr).lower(),
                    f"{what} is a configuration error", p.stdout + p.stderr)
        with Daemon(s, NO_RATE + ["--tls-cert", os.path.join(tmp, "none.pem"), "--tls-key", key],
                    wait=False) as d:
            rc = d.wait_exit(slow(5))
            s.check(rc not in (0, None) and "none.pem" in d.stderr(),
                    "a missing certificate file stops rulingd at startup, naming it",
                    f"exit {rc}: {d.stderr()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main(s, body)
