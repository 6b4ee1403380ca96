#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Two rulingd instances behind Debian's nginx, configured as docs/deploy.md says (plain HTTP
on loopback here; the doc's TLS server block has the same location): /healthz and /api/ask
come through, /metrics does not; the Origin check still works through the proxy. Eight
websocket clients are spread over both instances; one instance hangs and is killed
mid-run, and its clients reconnect through nginx to the other and ask again what was not
answered; it is started again, and then the other one is stopped with SIGTERM mid-run.
Each time every question gets exactly one answer, the right one, and no reconnection
sees a 502. rulingd's pings keep an idle websocket open past nginx's proxy_read_timeout.
Skipped (exit 0) when nginx is not installed."""
import grp
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import wsclient
from daemon import (HOST, NO_RATE, Daemon, Endpoint, cli_json, free_port, main, metric,
                    need_daemon, slow, wait_for)
from harness import Suite

NGINX = "/usr/sbin/nginx"
if not os.path.exists(NGINX):
    print("skipped: nginx is not installed (scripts/install-deps --test installs it)")
    sys.exit(0)

s = Suite("21-nginx")
need_daemon(s, budget=60)

# Scaled-down versions of the doc's timeouts: rulingd pings an idle websocket after
# IDLE_PING seconds, nginx drops a websocket whose upstream sent nothing for READ_TIMEOUT.
IDLE_PING = 1
READ_TIMEOUT = 2
PUBLIC_HOST = "bot.example.test"
EMBEDDING_SITE = "https://www.example.org"
# Options as docs/deploy.md gives them, rate limits lifted as for the other daemon tests.
RULINGD_ARGS = NO_RATE + ["--max-conns-per-ip", "10000", "--idle-ping", str(IDLE_PING),
                          "--idle-timeout", "2", "--allow-origin", EMBEDDING_SITE]

QUESTIONS = ["who was the judge", "what is a sanctuary city", "what is byrne jag",
             "when did the judge rule", "what were the 3 conditions", "who sued who",
             "case number pls", "¿Quién fue el juez?"]
CLIENTS = 8
PER_CLIENT = 16
PACE = slow(0.2)  # seconds between two questions of a client


def nginx_conf(tmp, port, upstreams):
    """The configuration of docs/deploy.md's upstream and location, on loopback without
    TLS, with every file nginx writes inside tmp."""
    if os.geteuid() == 0:
        # Without a user directive, a root master runs its workers as nobody, who cannot
        # enter tmp; a non-root master must not have one at all.
        user = (f"user {pwd.getpwuid(os.geteuid()).pw_name} "
                f"{grp.getgrgid(os.getegid()).gr_name};")
    else:
        user = ""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in upstreams)
    return f"""{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log notice;
events {{
    worker_connections 256;
}}
http {{
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    log_format upstreams '$remote_addr "$request" $status upstream=$upstream_addr';
    access_log {tmp}/access.log upstreams;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream rulingd {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://rulingd;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout {READ_TIMEOUT}s;
            proxy_next_upstream error timeout http_503;
            proxy_next_upstream_tries 3;
        }}
        location = /metrics {{
            deny all;
        }}
    }}
}}
"""


class Nginx(Endpoint):
    """nginx in the foreground as the current user, everything in a temporary folder."""

    def __init__(self, port, upstreams):
        self.port = port
        self.tmp = tempfile.mkdtemp(prefix="rulingd-nginx-")
        self.conf = os.path.join(self.tmp, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(nginx_conf(self.tmp, port, upstreams))
        self.cmd = [NGINX, "-p", self.tmp + "/", "-e", os.path.join(self.tmp, "error.log"),
                    "-c", self.conf]
        self.proc = None
        self.out = None

    def test_config(self):
        p = subprocess.run(self.cmd + ["-t"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace", timeout=20)
        return p.returncode == 0, p.stdout

    def start(self):
        self.out = open(os.path.join(self.tmp, "nginx.out"), "ab")
        self.proc = subprocess.Popen(self.cmd + ["-g", "daemon off;"], stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.out, start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                return "exited"
            try:
                wsclient.tcp(HOST, self.port, timeout=1).close()
                return "up"
            except OSError:
                return None

        return wait_for(up, slow(10)) == "up"

    def stop(self):
        """Graceful stop (SIGQUIT), then SIGTERM, then SIGKILL for the whole group. Returns
        whether it ended by itself."""
        if self.proc is None or self.proc.poll() is not None:
            return True
        clean = True
        for sig, wait in ((signal.SIGQUIT, slow(5)), (signal.SIGTERM, slow(3))):
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                clean = False
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            clean = False
            self.proc.kill()
            self.proc.wait()
        return clean

    def read(self, name):
        try:
            with open(os.path.join(self.tmp, name), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def cleanup(self, show):
        self.stop()
        if self.out:
            self.out.close()
        if show:
            print("---- nginx error log, last 40 lines:")
            lines = (self.read("error.log") + self.read("nginx.out")).splitlines()
            print("\n".join("    " + x for x in lines[-40:]))
        shutil.rmtree(self.tmp, ignore_errors=True)


class Client(threading.Thread):
    """Asks its questions through nginx in JSON mode, one every PACE seconds, without
    waiting for the answers; when the connection is lost it connects again and sends again
    the questions that were not answered."""

    def __init__(self, k, nginx):
        super().__init__(daemon=True)
        self.nginx = nginx
        self.plan = [(f"c{k}-q{i}", QUESTIONS[(k + i) % len(QUESTIONS)])
                     for i in range(PER_CLIENT)]
        self.replies = {}      # id -> every reply that carried it
        self.strays = []       # replies without a known id
        self.handshakes = []   # status of every handshake (None: no HTTP answer)
        self.drops = 0         # connections lost while asking
        self.resent = 0
        self.error = None

    def connect(self):
        for _ in range(5):
            try:
                ws = self.nginx.ws()
            except OSError as e:
                self.handshakes.append(f"{type(e).__name__}: {e}")
                time.sleep(0.1)
                continue
            self.handshakes.append(ws.status)
            if ws.status == 101:
                return ws
            ws.close()
            time.sleep(0.1)
        return None

    def run(self):
        try:
            self.ask_all()
        except Exception as e:  # noqa: BLE001 -- reported by the checks
            self.error = repr(e)

    def ask_all(self):
        ws = self.connect()
        unanswered = {}
        i = 0
        next_send = time.monotonic()
        give_up = None
        try:
            while ws is not None and (i < len(self.plan) or unanswered):
                now = time.monotonic()
                if i == len(self.plan) and give_up is None:
                    give_up = now + slow(4)
                if give_up is not None and now > give_up:
                    return
                if i < len(self.plan) and now >= next_send:
                    qid, text = self.plan[i]
                    unanswered[qid] = text
                    ws.send_json({"type": "ask", "id": qid, "text": text})
                    i += 1
                    next_send += PACE
                    continue
                wait = min(max(0.0, next_send - now), 0.05) if i < len(self.plan) else 0.1
                m = ws.recv_message(wait)
                if m is None and not ws.eof:
                    continue
                if m is None or m[0] == wsclient.CLOSE:
                    self.drops += 1
                    ws.close()
                    ws = self.connect()
                    if ws is None:
                        return
                    for qid, text in unanswered.items():
                        ws.send_json({"type": "ask", "id": qid, "text": text})
                        self.resent += 1
                    continue
                try:
                    j = json.loads(m[1])
                except ValueError:
                    j = {"_raw": m[1][:200]}
                qid = j.get("id") if isinstance(j, dict) else None
                if qid in dict(self.plan):
                    self.replies.setdefault(qid, []).append(j)
                    unanswered.pop(qid, None)
                else:
                    self.strays.append(j)
        finally:
            if ws is not None:
                ws.close()


def connections(d):
    return metric(d.metrics(), "rulingd_connections")


def answered(d):
    return metric(d.metrics(), "rulingd_questions_total", outcome="answered")


def through_proxy(n, expected):
    """/healthz and /api/ask answered through nginx as rulingd answers them."""
    r = n.http("GET", "/healthz")
    h = r.json() or {}
    s.check(r.status == 200 and h.get("status") == "ok"
            and h.get("kb_version") == expected[QUESTIONS[0]].get("kb_version"),
            "/healthz through nginx: 200, ok, the KB's version", r)
    for q in QUESTIONS[:3]:
        r = n.http("GET", "/api/ask?q=" + q.replace(" ", "+"))
        s.check(r.status == 200 and r.json() == expected[q],
                f"GET /api/ask through nginx answers {q!r} as rulingd --json --ask does", r)
    r = n.http("GET", "/metrics")
    s.check(r.status == 403, "/metrics is not served through nginx", r)
    q = QUESTIONS[-1]
    r = n.http("POST", "/api/ask", body=json.dumps({"text": q, "id": "p1"}),
               headers=[("Content-Type", "application/json")])
    s.check(r.status == 200 and r.json() == dict(expected[q], id="p1"),
            "POST /api/ask through nginx answers as rulingd does", r)


def origins(n):
    """rulingd's Origin check through the proxy: nginx passes the Host the browser used."""
    cases = [(f"http://{PUBLIC_HOST}:{n.port}", 101, "the public host's own origin"),
             (EMBEDDING_SITE, 101, "an --allow-origin site"),
             ("https://elsewhere.example", 403, "any other origin")]
    for origin, want, what in cases:
        with n.ws(origin=origin, host_header=f"{PUBLIC_HOST}:{n.port}") as ws:
            s.check(ws.status == want, f"through nginx, {what} gets {want}",
                    f"{origin}: {ws.status} {ws.body[:200]!r}")


def hang_and_kill(victim):
    """The instance hangs (the questions its clients send go unanswered), then dies."""
    victim.send_signal(signal.SIGSTOP)
    time.sleep(slow(0.6))
    rc = victim.stop(signal.SIGKILL)
    s.check(rc == -signal.SIGKILL, "the hung instance is killed", rc)


def graceful_stop(victim):
    """SIGTERM, as systemctl stop or a restart sends it: rulingd answers what is in flight
    and closes its websockets with 1001."""
    rc = victim.stop()
    s.check(rc == 0 and not victim.killed, "the stopped instance exits 0", rc)


def failover(n, instances, victim, disrupt, what, expected):
    """CLIENTS clients ask through nginx; once all are connected, disrupt(victim) takes one
    instance away; every question must still get exactly one answer, the right one."""
    survivor = [d for d in instances if d is not victim][0]
    clients = [Client(k, n) for k in range(CLIENTS)]
    for c in clients:
        c.start()
    # All clients are connected and asking: each instance holds some of them.
    time.sleep(slow(1.0))
    conns = [connections(d) for d in instances]
    done = [answered(d) for d in instances]
    s.check(all(conns) and sum(conns) == CLIENTS,
            f"{what}: the {CLIENTS} websockets are spread over both instances "
            "(rulingd_connections)", conns)
    s.check(all(done), f"{what}: both instances answered questions before the stop", done)
    survivor_done = answered(survivor)
    disrupt(victim)
    for c in clients:
        c.join(slow(15))
    s.check(not any(c.is_alive() for c in clients), f"{what}: every client finishes in time")
    s.check(not any(c.error for c in clients), f"{what}: no client crashed",
            [c.error for c in clients if c.error])

    dropped = [c for c in clients if c.drops]
    s.check(dropped and len(dropped) < CLIENTS,
            f"{what}: the stopped instance's clients, and only they, lost their connection",
            [c.drops for c in clients])
    redone = [h for c in dropped for h in c.handshakes[1:]]
    s.check(redone and all(h == 101 for h in redone),
            f"{what}: every reconnection through nginx is accepted at once (never a 502)",
            [c.handshakes for c in dropped])

    counts, wrong = {}, []
    for c in clients:
        for qid, text in c.plan:
            got = c.replies.get(qid, [])
            counts[qid] = len(got)
            for j in got:
                if {k: v for k, v in j.items() if k != "id"} != expected[text]:
                    wrong.append((qid, text, j))
    missing = sorted(q for q, k in counts.items() if k == 0)
    twice = sorted(q for q, k in counts.items() if k > 1)
    s.check(not missing and not twice,
            f"{what}: each of the {CLIENTS * PER_CLIENT} questions has exactly one answer",
            f"unanswered: {missing}\nanswered more than once: {twice}")
    s.check(not wrong, f"{what}: every answer is rulingd --json --ask's for its question",
            wrong[:3])
    s.check(not any(c.strays for c in clients), f"{what}: no reply without a question",
            [c.strays[:2] for c in clients if c.strays])
    s.check((answered(survivor) or 0) > survivor_done,
            f"{what}: the surviving instance answered the moved clients",
            (survivor_done, answered(survivor)))
    return sum(c.resent for c in clients)


def idle(n):
    """An idle websocket through nginx outlives proxy_read_timeout: rulingd's pings (answered
    by the client) are traffic nginx sees."""
    with n.ws() as ws:
        s.check(ws.status == 101, "a websocket through nginx opens", ws.status)
        m = ws.recv_message(READ_TIMEOUT + slow(1.5))  # answers rulingd's pings
        s.check(m is None and not ws.eof,
                f"an idle websocket stays open past proxy_read_timeout ({READ_TIMEOUT} s)",
                f"received {m!r}, eof={ws.eof}, close code {ws.close_code}")
        ws.send_json({"type": "ask", "id": "idle", "text": QUESTIONS[0]})
        j = None
        m = ws.recv_message(slow(5))
        if m is not None and m[0] == wsclient.TEXT:
            j = json.loads(m[1])
        s.check(j is not None and j.get("id") == "idle" and j.get("type") == "answer",
                "and it still answers afterwards", j)


def access_log(n, a, b):
    """nginx's own record: websockets went to both instances, and a reconnection that nginx
    first tried on the dead instance went on to the other (proxy_next_upstream)."""
    lines = [x for x in n.read("access.log").splitlines() if '"GET / HTTP/1.1" 101' in x]
    to = {p: [x for x in lines if x.rsplit(" ", 1)[-1].startswith(f"upstream=127.0.0.1:{p}")]
          for p in (a.port, b.port)}
    s.check(to[a.port] and to[b.port], "nginx's access log has websockets on both instances",
            "\n".join(lines[:20]))
    passed_on = [x for x in lines
                 if x.endswith(f"upstream=127.0.0.1:{a.port}, 127.0.0.1:{b.port}")]
    s.check(passed_on, "a reconnection tried first on the dead instance was passed to the "
            "live one", "\n".join(lines[-20:]))


def body():
    expected = {q: cli_json(q) for q in QUESTIONS}
    s.check(all(expected[q].get("type") in ("answer", "clarify", "no_answer") for q in QUESTIONS),
            "rulingd --json --ask answers every question of the test", expected)
    ports = {free_port()}
    while len(ports) < 3:
        ports.add(free_port())
    pa, pb, pn = sorted(ports)
    with Daemon(s, RULINGD_ARGS, port=pa) as a, Daemon(s, RULINGD_ARGS, port=pb) as b:
        n = Nginx(pn, [a.port, b.port])
        failed_before = s.failed
        try:
            ok, out = n.test_config()
            s.check(ok, "nginx -t accepts the configuration", out)
            if not s.check(n.start(), "nginx starts and accepts connections"):
                return
            through_proxy(n, expected)
            origins(n)
            resent = failover(n, [a, b], a, hang_and_kill, "hang and kill", expected)
            s.check(resent > 0, "hang and kill: the questions the hung instance left "
                    "unanswered were asked again", resent)
            # The killed instance comes back.
            a.start()
            idle(n)
            failover(n, [a, b], b, graceful_stop, "SIGTERM", expected)
            s.check(n.stop(), "nginx stops by itself on SIGQUIT")
            access_log(n, a, b)
        finally:
            n.cleanup(s.failed > failed_before)


main(s, body)
