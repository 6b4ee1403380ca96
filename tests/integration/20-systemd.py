#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingd under systemd, without needing systemd to run: what it tells a fake
$NOTIFY_SOCKET (READY once it accepts, the watchdog's heartbeat, RELOADING and READY around
SIGHUP, STOPPING on SIGTERM; under --workers the parent alone speaks), a port handed over
by socket activation (systemd-socket-activate), and the unit files in systemd/: they pass
`systemd-analyze verify` once installed, and `systemd-analyze security --offline=true`
rates each 2.0 or lower."""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

from daemon import HOST, Daemon, ask_lines, cli_lines, free_port, main, need_daemon, slow
from harness import BUILD, ROOT, Suite

s = Suite("20-systemd")
need_daemon(s, budget=180)
ANALYZE = shutil.which("systemd-analyze")
ACTIVATE = shutil.which("systemd-socket-activate")
UNITS = sorted(f for f in os.listdir(os.path.join(ROOT, "systemd"))
               if f.endswith((".service", ".socket")))


class NotifySocket:
    """A datagram socket standing in for systemd's: records (pid, message) pairs."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rulingd-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(self.path)
        self.messages = []

    def read(self, timeout):
        """Reads what arrives within timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except socket.timeout:
                break
            pid = None
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", cdata[:12])[0]
            self.messages.append((pid, data.decode()))
        return self.messages

    def wait_for(self, word, timeout, times=1):
        """Reads until times messages hold word (a line such as READY=1); returns whether."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(word) >= times:
                return True
            self.read(min(0.2, deadline - time.monotonic()))
        return self.count(word) >= times

    def count(self, word):
        return sum(word in m.split("\n") for _, m in self.messages)

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def accepts(port):
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def notify_single():
    n = NotifySocket()
    env = {"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "400000"}
    try:
        with Daemon(s, env=env, wait=False) as d:
            s.check(n.wait_for("READY=1", slow(15)), "READY=1 is sent", n.messages)
            s.check(accepts(d.port), "READY=1 comes once the port accepts connections")
            before = n.count("WATCHDOG=1")
            n.read(slow(1.5))
            s.check(n.count("WATCHDOG=1") - before >= 5,
                    "the watchdog is pinged at half its interval (0.2 s)", n.messages[-10:])
            d.send_signal(signal.SIGHUP)
            s.check(n.wait_for("RELOADING=1", slow(5)), "SIGHUP: RELOADING=1", n.messages[-5:])
            s.check(n.wait_for("READY=1", slow(5), times=2) and n.count("READY=1") == 2,
                    "then READY=1 again once reloaded", n.messages[-5:])
            d.stop()
            n.read(0.3)
            s.check(n.count("STOPPING=1") == 1, "SIGTERM: STOPPING=1", n.messages[-5:])
            s.check({pid for pid, _ in n.messages} == {d.pid},
                    "every message comes from rulingd's own pid", n.messages[:3])
    finally:
        n.close()


def notify_workers():
    n = NotifySocket()
    env = {"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "400000"}
    try:
        with Daemon(s, ["--workers", "2"], env=env, wait=False) as d:
            s.check(n.wait_for("READY=1", slow(15)), "--workers: READY=1 is sent", n.messages)
            n.read(slow(1))
            s.check(n.count("WATCHDOG=1") >= 2, "--workers: the parent pings the watchdog")
            d.send_signal(signal.SIGHUP)
            s.check(n.wait_for("RELOADING=1", slow(5)), "--workers: SIGHUP: RELOADING=1")
            d.stop()
            n.read(0.3)
            s.check(n.count("STOPPING=1") == 1, "--workers: STOPPING=1", n.messages[-5:])
            s.check({pid for pid, _ in n.messages} == {d.pid},
                    "--workers: only the parent speaks to systemd", n.messages)
    finally:
        n.close()


def socket_activation():
    if not ACTIVATE:
        print("skipped: socket activation (systemd-socket-activate is not installed)")
        return
    port = free_port()
    # systemd-socket-activate listens, and on the first connection starts rulingd with
    # the socket as descriptor 3 ($LISTEN_FDS, $LISTEN_PID), as systemd does.
    with Daemon(s, port=port, listen=False, launcher=[ACTIVATE, "-l", f"{HOST}:{port}"]) as d:
        r = d.http("GET", "/api/ask?q=who+was+the+judge")
        s.check(r.status == 200 and "Leinenweber" in r.text,
                "HTTP on a port passed by socket activation", r.text[:300])
        lines, done = ask_lines(d.ws(), "who was the judge")
        s.check(lines == cli_lines("who was the judge"),
                "a websocket on a port passed by socket activation", lines)
        s.check("passed by systemd" in d.stderr(), "rulingd says where its socket came from",
                d.stderr()[-1000:])
    port = free_port()
    with Daemon(s, ["--workers", "2"], port=port, listen=False,
                launcher=[ACTIVATE, "-l", f"{HOST}:{port}"]) as d:
        answers = [d.http("GET", "/api/ask?q=who+was+the+judge").status for _ in range(10)]
        s.check(answers == [200] * 10, "--workers share a port passed by socket activation",
                answers)


def installed_units(tmp):
    """Installs into tmp (PREFIX and SYSCONFDIR there), so the units name real paths."""
    prefix = os.path.join(tmp, "prefix")
    p = subprocess.run(["make", "-s", "install", f"BUILD={BUILD}", f"PREFIX={prefix}",
                        f"SYSCONFDIR={prefix}/etc"], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    s.check(p.returncode == 0, "make install into a temporary PREFIX", p.stdout[-2000:])
    return os.path.join(prefix, "lib", "systemd", "system")


def units():
    if not ANALYZE:
        print("skipped: systemd unit checks (systemd-analyze is not installed)")
        return
    s.check(set(UNITS) >= {"rulingd.service", "rulingd.socket", "rulingd@.service",
                           "rulingbot-slack.service", "rulingbot-matrix.service"},
            "systemd/ has every unit", UNITS)
    tmp = tempfile.mkdtemp(prefix="rulingbot-units-")
    try:
        unitdir = installed_units(tmp)
        for unit in UNITS:
            p = subprocess.run([ANALYZE, "verify", "--man=no", os.path.join(unitdir, unit)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=60)
            s.check(p.returncode == 0 and p.stdout.strip() == "",
                    f"systemd-analyze verify {unit}: no complaint", p.stdout)
        for unit in UNITS:
            if not unit.endswith(".service"):
                continue
            p = subprocess.run([ANALYZE, "security", "--offline=true",
                                os.path.join(unitdir, unit)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=60)
            m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", p.stdout)
            level = float(m.group(1)) if m else 99
            s.check(level <= 2.0, f"{unit}: exposure {level} is 2.0 or lower", p.stdout[-3000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def body():
    notify_single()
    notify_workers()
    socket_activation()
    units()


main(s, body)
