# SPDX-License-Identifier: MIT
"""Runs the built rulingd for a test: on 127.0.0.1 and a free port, with a temporary --www
folder, under valgrind when VALGRIND=1; waits until it accepts; stops it (SIGTERM, then
SIGKILL) when the test is done and shows its standard error when a check failed.

    with Daemon(s, ["--max-conns-per-ip", "3"]) as d:
        ws = d.ws()
        lines, done = ask_lines(ws, "who was the judge")

Also the helpers the daemon tests share: asking in text and JSON mode, reading /metrics,
and the answers `rulingd --ask` gives, to compare with."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import wsclient
from harness import BUILD, ROOT, SLOW_ARGS, VALGRIND, VALGRIND_CMD, program

HOST = "127.0.0.1"
KB = os.path.join(ROOT, BUILD, "kb.sqlite")
FIXTURE = os.path.join(ROOT, BUILD, "test", "fixture.sqlite")
# Waits are multiplied by this under valgrind, which is tens of times slower.
SLOW = 10 if VALGRIND else 1
# Options that keep the default rate limits out of tests that are about something else.
NO_RATE = ["--rate", "100000", "--burst", "100000"]
INFO = '{"type":"info"}'


def slow(seconds):
    return seconds * SLOW


def wait_for(what, timeout):
    """Calls what() until it returns something true or timeout seconds pass; returns its
    last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = what()
        if v:
            return v
        time.sleep(0.05)
    return what()


def free_port():
    """A TCP port nothing listens on now (on 127.0.0.1)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class TestTimeout(Exception):
    pass


class DaemonFailed(Exception):
    pass


def _alarm(signum, frame):
    raise TestTimeout("the test ran over its time budget")


def need_daemon(suite, budget=120):
    """Ends the suite with one failure when the built rulingd is not yet the daemon (no
    --listen in its --help); otherwise arms a watchdog of budget seconds (times SLOW)."""
    try:
        p = subprocess.run([program("rulingd"), "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace", timeout=30)
        out = p.stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        out = str(e)
    if "--listen" not in out:
        suite.check(False, "build/rulingd --help shows --listen (the daemon is not built yet)",
                    out)
        suite.finish()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(budget * SLOW))


def main(suite, body):
    """Runs body(), counting an exception as a failure, then ends the suite."""
    try:
        body()
    except Exception:  # noqa: BLE001 -- any crash of the test is one failure, shown
        suite.check(False, "the test ran to its end", traceback.format_exc())
    signal.alarm(0)
    suite.finish()


def proc_children(pid):
    """Pids whose parent is pid (read from /proc)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            out.append(int(name))
    return out


def listening_inodes(port, host=HOST):
    """Socket inodes of the TCP sockets listening on host:port (from /proc/net/tcp)."""
    want = "%08X:%04X" % (int.from_bytes(socket.inet_aton(host), "little"), port)
    inodes = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want and cols[3] == "0A":
                inodes.add(cols[9])
    return inodes


def socket_inodes(pid):
    """Inodes of the sockets process pid holds."""
    out = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                out.add(link[8:-1])
    except OSError:
        pass
    return out


class Program:
    """A started program (self.proc) whose standard error goes to self.log_path."""

    def wait_exit(self, timeout):
        """The exit status, or None when it still runs after timeout seconds."""
        try:
            self.returncode = self.proc.wait(timeout)
            return self.returncode
        except subprocess.TimeoutExpired:
            return None

    def stderr(self, since=0):
        """What it wrote so far (from byte offset since)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


class Endpoint:
    """Something listening on HOST:self.port (rulingd, or a proxy in front of it)."""

    def ws(self, **kw):
        kw.setdefault("timeout", slow(5))
        return wsclient.connect(HOST, self.port, **kw)

    def http(self, method="GET", target="/", **kw):
        kw.setdefault("timeout", slow(5))
        return wsclient.http(HOST, self.port, method, target, **kw)


class Daemon(Program, Endpoint):
    """One rulingd process. args are added after --listen, --kb and --www; kb=None or
    www=None leave that option out (www defaults to a temporary folder with an
    index.html); listen=False leaves --listen out (a -c file gives it). env adds variables
    to its environment; launcher is a command to start it with (systemd-socket-activate)."""

    def __init__(self, suite, args=(), kb=KB, www="", port=None, listen=True, wait=True,
                 env=None, launcher=()):
        self.suite = suite
        self.env = dict(os.environ, **env) if env else None
        self.launcher = list(launcher)
        self.args = list(args)
        self.kb = kb
        self.port = port or free_port()
        self.listen = listen
        self.wait = wait
        self.tmp = tempfile.mkdtemp(prefix="rulingd-it-")
        if www == "":
            www = os.path.join(self.tmp, "www")
            os.mkdir(www)
            with open(os.path.join(www, "index.html"), "w") as f:
                f.write("<!doctype html><title>rulingbot</title><p>rulingbot test page\n")
        self.www = www
        self.proc = None
        self.returncode = None
        self.killed = False
        self.leftover = False
        self.log_path = os.path.join(self.tmp, "stderr.log")
        self.failed_before = suite.failed

    def command(self):
        cmd = [program("rulingd"), *SLOW_ARGS]
        if self.listen:
            cmd += ["--listen", f"{HOST}:{self.port}"]
        if self.kb is not None:
            cmd += ["--kb", self.kb]
        if self.www is not None:
            cmd += ["--www", self.www]
        cmd += self.args
        return self.launcher + (VALGRIND_CMD + cmd if VALGRIND else cmd)

    def start(self):
        """Starts rulingd and, unless wait=False, waits until it accepts. Returns whether
        it does (a check is recorded when it does not)."""
        self.failed_before = self.suite.failed
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, cwd=ROOT, start_new_session=True,
                                     env=self.env)
        if not self.wait:
            return True
        return self.suite.check(self.wait_ready(), "rulingd starts and accepts connections",
                                " ".join(self.command()) + "\n" + self.stderr())

    def wait_ready(self, timeout=None, port=None):
        """Waits until a TCP connection to the port succeeds. False when rulingd exited
        or the time ran out."""
        deadline = time.monotonic() + (timeout or slow(10))
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection((HOST, port or self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)


    def _group_alive(self):
        try:
            os.killpg(self.proc.pid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Sends sig, waits up to timeout (5 s, times SLOW), then SIGKILL. Returns the exit
        status (negative: killed by that signal). Processes left in rulingd's process group
        (workers) are killed too, and noted in self.leftover."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            if self.wait_exit(timeout or slow(5)) is None:
                self.killed = True
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.returncode = self.proc.returncode
        deadline = time.monotonic() + 2
        while self._group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._group_alive():
            self.leftover = True
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if VALGRIND:
            self.suite.check(self.returncode != 99, "valgrind is clean for rulingd",
                             self.stderr())
        return self.returncode

    def stderr_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def metrics(self):
        """The samples of GET /metrics (see parse_metrics); [] when it failed."""
        r = self.http("GET", "/metrics")
        return parse_metrics(r.text) if r.status == 200 else []

    def __enter__(self):
        if not self.start():
            self.__exit__(None, None, None)
            raise DaemonFailed("rulingd did not start: " + " ".join(self.command()))
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.stop()
        finally:
            if exc_type is not None or self.suite.failed > self.failed_before:
                lines = self.stderr().splitlines()
                print(f"---- rulingd ({' '.join(self.command())}) stderr, last 60 lines:")
                print("\n".join("    " + x for x in lines[-60:]))
            try:
                self.log.close()
            except AttributeError:
                pass
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False


# Asking.

def ask_lines(ws, text, timeout=None):
    """Sends text (a question or command) then {"type":"info"}, and returns (lines, done):
    the text frames that came before the info reply, in order, and whether the info reply
    came at all. A frame that is not text is listed as '<opcode N>'."""
    timeout = timeout or slow(5)
    if isinstance(text, bytes):
        ws.send_text(text)
    else:
        ws.send_text(text.encode("utf-8"))
    ws.send_text(INFO)
    return collect_until_info(ws, timeout)


def collect_until_info(ws, timeout=None):
    deadline = time.monotonic() + (timeout or slow(5))
    lines = []
    while True:
        m = ws.recv_message(max(0.0, deadline - time.monotonic()))
        if m is None or m[0] == wsclient.CLOSE:
            return lines, False
        op, payload = m
        if op != wsclient.TEXT:
            lines.append(f"<opcode {op}>")
            continue
        line = payload.decode("utf-8", "replace")
        if line.startswith("{"):
            try:
                if json.loads(line).get("type") == "info":
                    return lines, True
            except (ValueError, AttributeError):
                pass
        lines.append(line)


def ask_json(ws, request, timeout=None):
    """Sends request (a dict, or a str sent as it is) and returns the reply parsed (a dict),
    or None when none came; a reply that is not JSON comes back as {"_raw": text}."""
    if isinstance(request, (dict, list)):
        ws.send_json(request)
    elif isinstance(request, bytes):
        ws.send_text(request)
    else:
        ws.send_text(request.encode("utf-8"))
    return read_json(ws, timeout)


def read_json(ws, timeout=None):
    m = ws.recv_message(timeout or slow(5))
    if m is None or m[0] == wsclient.CLOSE:
        return None
    if m[0] != wsclient.TEXT:
        return {"_raw": f"<opcode {m[0]}>"}
    try:
        j = json.loads(m[1])
        return j if isinstance(j, dict) else {"_raw": m[1].decode("utf-8", "replace")}
    except ValueError:
        return {"_raw": m[1].decode("utf-8", "replace")}


def nulls_or_empty_strings(value, path="$"):
    """Paths of the fields that are null or an empty string."""
    if value is None or value == "":
        return [path]
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += nulls_or_empty_strings(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += nulls_or_empty_strings(v, f"{path}[{i}]")
    return out


def run_program(args, stdin="", timeout=60):
    cmd = [program(args[0]), *args[1:]]
    return subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, errors="replace", timeout=timeout, cwd=ROOT)


def cli_lines(question, lang=None, kb=KB):
    """The lines `rulingd --ask` prints for question: what text mode must send."""
    args = ["rulingd", "--query-deadline", "0", "--kb", kb, "--ask", question]
    if lang:
        args += ["--lang", lang]
    return run_program(args).stdout.splitlines()


def cli_json(question, lang=None, kb=KB):
    """The JSON object `rulingd --json --ask` prints for question."""
    args = ["rulingd", "--query-deadline", "0", "--kb", kb, "--json", "--ask", question]
    if lang:
        args += ["--lang", lang]
    try:
        return json.loads(run_program(args).stdout)
    except ValueError:
        return {}


def version():
    """What `rulingd --version` prints (e.g. 'rulingd 0.1.0')."""
    return run_program(["rulingd", "--version"]).stdout.strip()


# Metrics.

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text as a list of (name, {label: value}, float); comments dropped."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            out.append(("<bad line>", {"line": line}, float("nan")))
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            value = float("nan")
        out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), value))
    return out


def metric(samples, name, **labels):
    """The value of the first sample called name whose labels include labels; None."""
    for n, lab, v in samples:
        if n == name and all(lab.get(k) == str(val) for k, val in labels.items()):
            return v
    return None


def ss_listening(port):
    """The local addresses `ss -ltn` shows listening on port (e.g. ['127.0.0.1:8080'])."""
    try:
        out = subprocess.run(["ss", "-Hltn"], stdout=subprocess.PIPE, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = []
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 4 and cols[3].rsplit(":", 1)[-1] == str(port):
            found.append(cols[3])
    return found


def note(text):
    """A line in the output that is not a check (a skipped case and why)."""
    print(f"NOTE {text}")
    sys.stdout.flush()
