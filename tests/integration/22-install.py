#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make install into a temporary DESTDIR puts every file where the issue says, and the
installed daemon runs from there with the installed configuration, knowledge base and
widget; make uninstall takes it all away again, keeping a configuration an administrator
changed."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

from daemon import HOST, cli_json, free_port, main, need_daemon, slow
from harness import BUILD, ROOT, SLOW_ARGS, VALGRIND, VALGRIND_CMD, Suite

s = Suite("22-install")
need_daemon(s, budget=240)

EXPECTED = [
    "usr/local/bin/rulingd", "usr/local/bin/rulingkb", "usr/local/bin/rulingbot-slack",
    "usr/local/bin/rulingbot-matrix", "usr/local/share/rulingbot/kb.sqlite",
    "usr/local/share/rulingbot/www/index.html", "usr/local/share/rulingbot/www/widget.js",
    "usr/local/share/rulingbot/www/widget.css", "etc/rulingbot/rulingd.conf",
    "usr/local/lib/systemd/system/rulingd.service", "usr/local/lib/systemd/system/rulingd.socket",
    "usr/local/lib/systemd/system/rulingd@.service",
    "usr/local/lib/systemd/system/rulingbot-slack.service",
    "usr/local/lib/systemd/system/rulingbot-matrix.service",
    "usr/local/share/man/man8/rulingd.8", "usr/local/share/man/man1/rulingkb.1",
    "usr/local/share/man/man8/rulingbot-slack.8", "usr/local/share/man/man8/rulingbot-matrix.8",
]


def make(target, dest):
    p = subprocess.run(["make", "-s", target, f"BUILD={BUILD}", f"DESTDIR={dest}",
                        "PREFIX=/usr/local"], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    s.check(p.returncode == 0, f"make {target} DESTDIR=...", p.stdout[-2000:])
    return p.stdout


def files(dest):
    out = []
    for top, _, names in os.walk(dest):
        out += [os.path.relpath(os.path.join(top, n), dest) for n in names]
    return sorted(out)


def run_installed(dest):
    """The installed rulingd, its paths moved under dest, answers over HTTP."""
    port = free_port()
    root = os.path.join(dest, "usr/local")
    cmd = [os.path.join(root, "bin/rulingd"),
           "-c", os.path.join(dest, "etc/rulingbot/rulingd.conf"),
           "--kb", os.path.join(root, "share/rulingbot/kb.sqlite"),
           "--www", os.path.join(root, "share/rulingbot/www"), "--listen", f"{HOST}:{port}",
           *SLOW_ARGS]
    check = subprocess.run(cmd + ["-n"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=slow(30))
    s.check(check.returncode == 0 and "configuration ok" in check.stdout,
            "the installed rulingd accepts the installed rulingd.conf (-n)", check.stdout)
    log = open(os.path.join(dest, "rulingd.log"), "wb")
    proc = subprocess.Popen((VALGRIND_CMD if VALGRIND else []) + cmd, stdout=log, stderr=log)
    try:
        base = f"http://{HOST}:{port}"
        for _ in range(int(slow(10) / 0.1)):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        body = urllib.request.urlopen(base + "/api/ask?q=who+was+the+judge", timeout=slow(5))
        got = json.loads(body.read())
        s.check(got.get("text") == cli_json("who was the judge").get("text"),
                "the installed daemon answers from the installed knowledge base", got)
        js = urllib.request.urlopen(base + "/widget.js", timeout=slow(5)).read()
        s.check(js == open(os.path.join(ROOT, "adapters/web/widget.js"), "rb").read(),
                "and serves the installed widget")
    finally:
        proc.terminate()
        s.check(proc.wait(slow(15)) == 0, "the installed daemon stops with status 0")
        log.close()


def body():
    dest = tempfile.mkdtemp(prefix="rulingbot-destdir-")
    try:
        make("install", dest)
        got = files(dest)
        missing = [f for f in EXPECTED if f not in got]
        s.check(not missing, "make install puts every file in place", missing)
        s.check(all(os.access(os.path.join(dest, f), os.X_OK) for f in EXPECTED
                    if "/bin/" in f), "the programs are executable")
        conf = open(os.path.join(dest, "etc/rulingbot/rulingd.conf")).read()
        s.check("kb /usr/local/share/rulingbot/kb.sqlite" in conf and "@PREFIX@" not in conf,
                "the configuration names the installed paths", conf[:400])
        unit = open(os.path.join(dest, "usr/local/lib/systemd/system/rulingd.service")).read()
        s.check("ExecStart=/usr/local/bin/rulingd -c /etc/rulingbot/rulingd.conf" in unit,
                "the unit runs the installed daemon with the installed configuration")
        v = subprocess.run([os.path.join(dest, "usr/local/bin/rulingkb"), "--version"],
                           stdout=subprocess.PIPE, text=True, timeout=30)
        s.check(v.returncode == 0 and "rulingkb" in v.stdout, "the installed rulingkb runs")
        run_installed(dest)
        os.unlink(os.path.join(dest, "rulingd.log"))
        with open(os.path.join(dest, "etc/rulingbot/rulingd.conf"), "a") as f:
            f.write("workers 2\n")
        out = make("install", dest)
        s.check("keeping" in out and "workers 2" in open(
            os.path.join(dest, "etc/rulingbot/rulingd.conf")).read(),
            "installing again keeps a changed configuration", out)
        out = make("uninstall", dest)
        s.check(files(dest) == ["etc/rulingbot/rulingd.conf"],
                "make uninstall removes everything but the changed configuration", files(dest))
        s.check("it was changed" in out, "and says why it kept it", out)
        os.unlink(os.path.join(dest, "etc/rulingbot/rulingd.conf"))
        make("install", dest)
        make("uninstall", dest)
        s.check(files(dest) == [], "an unchanged configuration is removed too", files(dest))
    finally:
        shutil.rmtree(dest, ignore_errors=True)


main(s, body)
