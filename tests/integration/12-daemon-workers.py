#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""--workers 2: two worker processes (children of rulingd) serve the port, each with a
socket of its own, and connections are spread over them; a second rulingd cannot join the
port; /metrics carries a worker label; when a worker is killed the parent starts another and the service
keeps answering; SIGTERM stops them all."""
import contextlib
import os
import signal
import subprocess
import time

from daemon import (KB, NO_RATE, Daemon, ask_json, listening_inodes, main, need_daemon, note,
                    proc_children, slow, socket_inodes, wait_for)
from harness import Suite, program

s = Suite("12-daemon-workers")
need_daemon(s)


def serving(d, n, what):
    """Asks on n new connections; all must be answered."""
    bad = []
    for i in range(n):
        try:
            with d.ws() as ws:
                j = ask_json(ws, {"type": "ask", "id": str(i), "text": "who was the judge"}) \
                    if ws.status == 101 else {"status": ws.status}
        except OSError as e:
            j = {"error": str(e)}
        if (j or {}).get("type") != "answer":
            bad.append(j)
    s.check(not bad, f"{what}: {n} new connections all answered", bad[:3])


def spread(d):
    """Each worker has its own socket on the port, so the kernel spreads connections:
    with 40 held open, /metrics of each worker counts a fair share of them."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(d.ws()) for _ in range(40)]
        s.check(all(w.status == 101 for w in socks), "40 websockets open on two workers")
        counts = {}
        for _ in range(40):
            for n, lab, v in d.metrics():
                if n == "rulingd_connections" and "worker" in lab:
                    counts[lab["worker"]] = v
            if len(counts) == 2:
                break
        s.check(len(counts) == 2 and min(counts.values()) >= 5,
                "connections are spread over both workers", counts)


def holds_listener(pid, port):
    return bool(socket_inodes(pid) & listening_inodes(port))


def body():
    with Daemon(s, NO_RATE + ["--workers", "2"]) as d:
        def two():
            kids = sorted(proc_children(d.pid))
            return kids if len(kids) == 2 else None

        workers = wait_for(two, slow(5))
        s.check(workers and len(workers) == 2, "--workers 2: rulingd has two worker processes",
                proc_children(d.pid))
        workers = workers or proc_children(d.pid)
        # A worker's socket is bound at start but listens only once that worker's
        # knowledge base has passed its self-test (slow under valgrind); the workers also
        # inherit each other's sockets, so count the port's listening sockets instead.
        listening = wait_for(lambda: len(listening_inodes(d.port)) == 2, slow(10))
        s.check(listening, "once both workers are ready, the port has two listening sockets",
                sorted(listening_inodes(d.port)))
        s.check(workers and all(holds_listener(w, d.port) for w in workers),
                "each worker holds a socket listening on the port",
                {w: sorted(socket_inodes(w)) for w in workers})
        m = d.metrics()
        labels = {lab.get("worker") for n, lab, v in m if n == "rulingd_connections"}
        s.check(labels and None not in labels, "/metrics has a worker label", m[:5])
        seen = set()
        for _ in range(30):
            for n, lab, v in d.metrics():
                if n == "rulingd_connections" and "worker" in lab:
                    seen.add(lab["worker"])
        if len(seen) < 2:
            note(f"30 /metrics requests were all served by worker(s) {sorted(seen)}")
        serving(d, 20, "two workers")
        spread(d)

        # A second rulingd --workers on the same port must not quietly share it.
        other = subprocess.run([program("rulingd"), "--listen", f"127.0.0.1:{d.port}", "--kb", KB,
                                "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=slow(20))
        s.check(other.returncode != 0 and "cannot listen" in other.stderr,
                "a second rulingd --workers 2 on the same port fails to start",
                f"exit {other.returncode}: {other.stderr[-300:]}")

        # Kill one worker: the parent starts another.
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        def replaced():
            kids = sorted(proc_children(d.pid))
            return kids if len(kids) == 2 and victim not in kids else None

        new = wait_for(replaced, slow(5))
        s.check(new and victim not in new, "after SIGKILL of a worker, the parent starts another",
                f"before {workers}, after {proc_children(d.pid)}")
        s.check(d.alive(), "the parent survives a worker's death")
        if new:
            fresh = [w for w in new if w not in workers]
            s.check(fresh and wait_for(lambda: holds_listener(fresh[0], d.port), slow(5)),
                    "the new worker listens on the port too",
                    f"before {workers}, after {new}, now {proc_children(d.pid)}, listening "
                    f"{listening_inodes(d.port)}, "
                    f"{ {w: sorted(socket_inodes(w)) for w in proc_children(d.pid)} }")
        time.sleep(slow(0.2))
        serving(d, 20, "after a worker was killed")
        r = d.http("GET", "/healthz")
        s.check(r.status == 200, "/healthz is ok after a worker was killed", r)

        all_pids = [d.pid] + proc_children(d.pid)
        start = time.monotonic()
        rc = d.stop()
        s.check(rc == 0 and not d.killed and time.monotonic() - start < slow(5),
                "SIGTERM stops the parent: exit 0 within 5 s", rc)
        s.check(not d.leftover and not any(os.path.exists(f"/proc/{p}") for p in all_pids),
                "no worker is left", all_pids)


main(s, body)
