#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""--unanswered never tears a line and never hides a failure. rulingd -n refuses a path
that cannot be opened for appending, and so does the start, before listening, with the
reason. On a small tmpfs filled up (mounted by the test: root only, skipped otherwise)
every line in the file is whole, the failure is logged once with its reason, and once
space returns a line says how many questions were dropped, and no line is glued onto a
cut one. A rename and SIGHUP (log rotation) send new lines to the new file, in every
worker."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from daemon import (KB, NO_RATE, Daemon, ask_json, main, need_daemon, note, run_program,
                    slow, wait_for)
from harness import Suite

s = Suite("27-unanswered")
need_daemon(s, budget=150)

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\t(.*)$")
PAGE = 4096


def unknown(i):
    """A question the bot cannot answer, numbered; about 70 bytes, so that its lines do
    not fit a page exactly and one of them meets the end of the disk."""
    return f"zebra quantum pancake question number {i:04d} of the unanswered file test"


def ask_unknown(d, numbers):
    """Asks the questions numbered so on one websocket, each after the last reply."""
    with d.ws() as ws:
        for i in numbers:
            r = ask_json(ws, {"type": "ask", "id": str(i), "text": unknown(i)}) or {}
            if r.get("type") != "no_answer":
                s.check(False, "the unknown questions get no_answer", r)
                return


def questions_in(path):
    """(numbers of the questions on whole lines, lines that are not whole ones)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return [], []
    good, bad = [], []
    lines = data.split(b"\n")
    if lines[-1] != b"":
        bad.append(lines[-1])  # the file ends in the middle of a line
    for raw in lines[:-1]:
        m = LINE.match(raw.decode("utf-8", "replace"))
        q = m and re.fullmatch(unknown(0).replace("0000", r"(\d{4})"), m.group(1))
        if q:
            good.append(int(q.group(1)))
        else:
            bad.append(raw)
    return good, bad


def refused_paths(tmp):
    missing = os.path.join(tmp, "no-such-folder", "unanswered.txt")
    for path, reason in ((missing, "No such file or directory"),
                         (tmp, "Is a directory")):
        p = run_program(["rulingd", "-n", "--kb", KB, "--unanswered", path], timeout=slow(30))
        out = p.stdout + p.stderr
        s.check(p.returncode == 1 and path in out and reason in out and
                "configuration ok" not in out,
                f"-n refuses --unanswered {os.path.basename(path)}: {reason}",
                f"exit {p.returncode}: {out}")
    p = run_program(["rulingd", "-n", "--kb", KB, "--unanswered",
                     os.path.join(tmp, "fine.txt")], timeout=slow(30))
    s.check(p.returncode == 0 and "configuration ok" in p.stdout,
            "-n accepts a path that can be appended to", p.stdout + p.stderr)
    with Daemon(s, ["--unanswered", missing], wait=False) as d:
        rc = d.wait_exit(slow(10))
        err = d.stderr()
        s.check(rc == 1 and "No such file or directory" in err and missing in err and
                "listening on" not in err,
                "start: an --unanswered path that cannot be opened stops rulingd before "
                "it listens, with the reason", f"exit {rc}: {err}")


def fill(path):
    """Writes path until the disk is full; returns its size."""
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * PAGE)
        except OSError:
            pass
    return os.path.getsize(path)


def full_disk(tmp):
    mnt = os.path.join(tmp, "mnt")
    os.mkdir(mnt)
    if os.geteuid() != 0:
        note("not root: the full-disk case is skipped (it mounts a tmpfs)")
        return
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        note(f"cannot mount a tmpfs, the full-disk case is skipped: {p.stdout.strip()}")
        return
    try:
        full_disk_on(mnt)
    finally:
        subprocess.run(["umount", mnt])


def full_disk_on(mnt):
    un = os.path.join(mnt, "unanswered.txt")
    filler = os.path.join(mnt, "filler")
    with Daemon(s, NO_RATE + ["--unanswered", un]) as d:
        # The disk full but for one page: some lines fit, one meets the end.
        size = fill(filler)
        os.truncate(filler, size - size % PAGE - PAGE)
        ask_unknown(d, range(0, 120))
        written, torn = questions_in(un)
        s.check(0 < len(written) < 120, "some lines fit on the disk, not all",
                len(written))
        s.check(not torn, "a full disk leaves no cut line in the file", torn)
        s.check(written == list(range(len(written))),
                "the lines that fit are whole and in order", written)
        warned = d.stderr().count("No space left on device")
        s.check(warned == 1 and f"cannot append to {un}" in d.stderr(),
                "the failure is logged once, with its reason", d.stderr()[-2000:])

        # Space again: the next lines are whole, on lines of their own.
        os.unlink(filler)
        ask_unknown(d, range(120, 130))
        dropped = 120 - len(written)
        back = wait_for(lambda: re.search(r"appending to \S+ again: (\d+) unanswered",
                                          d.stderr()), slow(3))
        s.check(back and int(back.group(1)) == dropped,
                "when it can write again, one line says how many were dropped",
                f"{dropped} dropped; log: {d.stderr()[-2000:]}")
        after, torn = questions_in(un)
        s.check(not torn and after == written + list(range(120, 130)),
                "after space returns no line is torn or glued", (torn, after))
        s.check(d.stderr().count("No space left on device") == 2,
                "no other line about it (the warning, then the recovery)",
                d.stderr()[-2000:])


def rotation(tmp):
    un = os.path.join(tmp, "rotated.txt")
    with Daemon(s, NO_RATE + ["--unanswered", un, "--workers", "2"]) as d:
        for i in range(4):  # connections spread over both workers
            ask_unknown(d, [i])
        wait_for(lambda: len(questions_in(un)[0]) == 4, slow(3))
        os.rename(un, un + ".1")
        d.send_signal(signal.SIGHUP)
        s.check(wait_for(lambda: d.stderr().count("opened again") == 2, slow(10)),
                "SIGHUP: every worker opens the file again", d.stderr()[-2000:])
        for i in range(4, 12):
            ask_unknown(d, [i])
        wait_for(lambda: len(questions_in(un)[0]) == 8, slow(3))
        s.check(sorted(questions_in(un + ".1")[0]) == [0, 1, 2, 3],
                "before the rotation, lines went to the file now renamed",
                questions_in(un + ".1"))
        s.check(sorted(questions_in(un)[0]) == list(range(4, 12)),
                "after the rename and SIGHUP, new lines go to the new file",
                questions_in(un))


def body():
    tmp = tempfile.mkdtemp(prefix="rulingd-unanswered-")
    try:
        refused_paths(tmp)
        full_disk(tmp)
        rotation(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main(s, body)
