#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Running rulingd: --help and --version, a -c file of 'key value' lines, the command line
winning over it (repeatable keys replaced), -n checking a good and a bad configuration
(file:line in the message), --listen listening only where told (ss -ltn), bad --listen
values, --log-questions and --unanswered."""
import os
import re
import shutil
import tempfile
import time

from daemon import (HOST, KB, NO_RATE, Daemon, ask_json, free_port, main, need_daemon,
                    run_program, slow, ss_listening)
from harness import Suite

s = Suite("13-daemon-config")
need_daemon(s, budget=150)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def check_only(conf):
    p = run_program(["rulingd", "-n", "-c", conf], timeout=slow(30))
    return p.returncode, p.stdout + p.stderr


def status(d, origin=None):
    with d.ws(origin=origin) as ws:
        return ws.status


def listens_only(port, what):
    found = ss_listening(port)
    if found is None:
        s.check(False, "ss (iproute2) runs")
        return
    s.check(found == [f"{HOST}:{port}"], f"{what}: ss -ltn shows {HOST}:{port} and nothing else "
            "on that port (no 0.0.0.0, *, [::])", found)


def body():
    # --help and --version.
    p = run_program(["rulingd", "--help"])
    s.check(p.returncode == 0, "--help exits 0", p.stderr)
    for opt in ("-c", "--listen", "--kb", "--www", "--workers", "--allow-origin", "--tls-cert",
                "--tls-key", "--log-questions", "--unanswered", "-v", "-n", "--ask", "--json",
                "--lang", "--max-question", "--max-message", "--rate", "--burst", "--max-queue",
                "--max-conns", "--max-conns-per-ip", "--handshake-timeout", "--idle-ping",
                "--idle-timeout", "--query-deadline"):
        s.check(re.search(r"(^|[\s\[,])" + re.escape(opt) + r"\b", p.stdout),
                f"--help lists {opt}", p.stdout)
    p = run_program(["rulingd", "--version"])
    s.check(p.returncode == 0 and re.match(r"^rulingd \d+\.\d+\.\d+\n?$", p.stdout),
            "--version prints 'rulingd X.Y.Z'", p.stdout)

    tmp = tempfile.mkdtemp(prefix="rulingd-conf-")
    try:
        www = os.path.join(tmp, "www")
        os.mkdir(www)
        write(os.path.join(www, "index.html"), "<p>conf test\n")
        p1, p2 = free_port(), free_port()
        conf = write(os.path.join(tmp, "rulingd.conf"), f"""# rulingd test configuration

listen {HOST}:{p1}
kb {KB}
www {www}
   # an indented comment
allow-origin https://conf.example
max-conns-per-ip 2
rate 100000
burst 100000
""")

        # -n: a good file, and bad ones with file:line.
        rc, out = check_only(conf)
        s.check(rc == 0, "-n -c on a good file exits 0", out)
        bad = write(os.path.join(tmp, "bad-key.conf"),
                    f"kb {KB}\n# comment\nno-such-option 3\n")
        rc, out = check_only(bad)
        s.check(rc not in (0, None) and f"{bad}:3" in out,
                "-n: an unknown key fails with file:3", f"exit {rc}: {out}")
        bad = write(os.path.join(tmp, "bad-value.conf"), f"kb {KB}\nworkers many\n")
        rc, out = check_only(bad)
        s.check(rc not in (0, None) and f"{bad}:2" in out,
                "-n: a bad number fails with file:2", f"exit {rc}: {out}")
        bad = write(os.path.join(tmp, "bad-range.conf"), f"kb {KB}\n\nmax-conns -5\n")
        rc, out = check_only(bad)
        s.check(rc not in (0, None) and f"{bad}:3" in out,
                "-n: a number out of range fails with file:3", f"exit {rc}: {out}")
        bad = write(os.path.join(tmp, "bad-listen.conf"), f"kb {KB}\nlisten 127.0.0.1\n")
        rc, out = check_only(bad)
        s.check(rc not in (0, None) and f"{bad}:2" in out,
                "-n: listen without a port fails with file:2", f"exit {rc}: {out}")
        bad = write(os.path.join(tmp, "no-value.conf"), f"kb {KB}\nwww\n")
        rc, out = check_only(bad)
        s.check(rc not in (0, None) and f"{bad}:2" in out,
                "-n: a key without its value fails with file:2", f"exit {rc}: {out}")
        bad = write(os.path.join(tmp, "no-kb.conf"), f"kb {tmp}/missing.sqlite\n")
        rc, out = check_only(bad)
        s.check(rc not in (0, None) and "missing.sqlite" in out,
                "-n: a KB that does not open fails, naming it", f"exit {rc}: {out}")
        garbage = write(os.path.join(tmp, "garbage.sqlite"), "not a database\n" * 100)
        bad = write(os.path.join(tmp, "garbage-kb.conf"), f"kb {garbage}\n")
        rc, out = check_only(bad)
        s.check(rc not in (0, None), "-n: a KB that is not a database fails", f"exit {rc}: {out}")
        rc, out = check_only(os.path.join(tmp, "nowhere.conf"))
        s.check(rc not in (0, None) and "nowhere.conf" in out, "-n: a missing -c file fails",
                f"exit {rc}: {out}")
        s.check(not ss_listening(p1), "-n never listened")

        # The file alone.
        with Daemon(s, ["-c", conf], kb=None, www=None, listen=False, port=p1) as d:
            time.sleep(0.3)
            held = [d.ws(), d.ws()]
            s.check([w.status for w in held] == [101, 101], "-c: listens where the file says",
                    [w.status for w in held])
            s.check(status(d) is None, "-c: max-conns-per-ip 2 from the file (the 3rd is "
                    "closed at once)")
            for w in held:
                w.close()
            listens_only(p1, "listen from the file")
            time.sleep(0.3)
            s.check(status(d, "https://conf.example") == 101, "-c: allow-origin from the file")
            r = d.http("GET", "/")
            s.check(r.status == 200 and r.text == "<p>conf test\n", "-c: www from the file", r)

        # The command line wins; repeatable keys given there replace the file's.
        with Daemon(s, ["-c", conf, "--allow-origin", "https://cli.example",
                        "--max-conns-per-ip", "4"], kb=None, www=None, port=p2) as d:
            listens_only(p2, "--listen on the command line")
            s.check(not ss_listening(p1), "the file's listen is replaced by --listen",
                    ss_listening(p1))
            s.check(status(d, "https://cli.example") == 101, "--allow-origin from the command "
                    "line is accepted")
            s.check(status(d, "https://conf.example") == 403, "the file's allow-origin is "
                    "replaced by the command line's")
            time.sleep(0.3)
            held = [d.ws() for _ in range(3)]
            s.check([w.status for w in held] == [101] * 3,
                    "--max-conns-per-ip 4 on the command line wins over the file's 2",
                    [w.status for w in held])
            for w in held:
                w.close()

        # Two --listen: both, and only those.
        p3, p4 = free_port(), free_port()
        with Daemon(s, NO_RATE + ["--listen", f"{HOST}:{p4}"], port=p3) as d:
            s.check(d.wait_ready(port=p4), "a second --listen also accepts")
            listens_only(p3, "two --listen, the first")
            listens_only(p4, "two --listen, the second")

        # Bad --listen values are startup errors.
        for value in ("127.0.0.1", "127.0.0.1:70000", "127.0.0.1:-1", "[::1", ""):
            p = run_program(["rulingd", "--listen", value, "--kb", KB, "-n"], timeout=slow(30))
            s.check(p.returncode not in (0, None) and "listen" in (p.stdout + p.stderr),
                    f"--listen {value!r} is refused with a message", p.stdout + p.stderr)

        # Questions are logged only with --log-questions.
        canary = "zebra canary " + os.urandom(4).hex()
        for flag, logged in (([], False), (["--log-questions"], True)):
            with Daemon(s, NO_RATE + flag) as d, d.ws() as ws:
                ask_json(ws, {"type": "ask", "text": canary})
                ask_json(ws, {"type": "info"})
                time.sleep(0.2)
                s.check((canary in d.stderr()) == logged,
                        f"questions {'are' if logged else 'are not'} logged "
                        f"{'with' if logged else 'without'} --log-questions", d.stderr()[-2000:])

        # --unanswered appends what the bot could not answer: time and text.
        un = os.path.join(tmp, "unanswered.txt")
        write(un, "2024-01-01T00:00:00Z earlier line\n")
        unknown = "what is the capital of xanadu " + os.urandom(3).hex()
        with Daemon(s, NO_RATE + ["--unanswered", un]) as d, d.ws() as ws:
            ask_json(ws, {"type": "ask", "text": "who was the judge"})
            ask_json(ws, {"type": "ask", "text": unknown})
            deadline = time.monotonic() + slow(3)
            while unknown not in open(un).read() and time.monotonic() < deadline:
                time.sleep(0.05)
        lines = open(un).read().splitlines()
        s.check(lines[:1] == ["2024-01-01T00:00:00Z earlier line"],
                "--unanswered appends (the earlier line stays)", lines)
        mine = [x for x in lines if unknown in x]
        s.check(len(mine) == 1 and re.search(r"\d{4}-\d\d-\d\d.\d\d:\d\d|\b1\d{9}\b", mine[0]),
                "--unanswered: the question with its time", lines)
        s.check(mine and "127.0.0.1" not in mine[0] and "judge" not in open(un).read(),
                "--unanswered: only time and text, and only unanswered questions", lines)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main(s, body)
