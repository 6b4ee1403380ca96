# SPDX-License-Identifier: MIT
"""What the chat bridges' test runners share: a bridge process whose secrets are written
to files (mode 0600) in a temporary folder, started under valgrind when VALGRIND=1,
stopped with SIGTERM (its exit status checked), its log shown when a check failed, and
its log searched for the secrets it must never print. Also the dates in words both
bridges write, as rulingd's text mode does."""
import os
import shutil
import signal
import subprocess
import tempfile

from daemon import Program, slow
from harness import ROOT, VALGRIND, VALGRIND_CMD, program

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def date_words(date):
    """"2017-09-15" as "September 15, 2017" (or "September 2017", or "2017")."""
    parts = [int(p) for p in date.split("-")]
    if len(parts) == 3:
        return f"{MONTHS[parts[1] - 1]} {parts[2]}, {parts[0]}"
    if len(parts) == 2:
        return f"{MONTHS[parts[1] - 1]} {parts[0]}"
    return str(parts[0])


def need_bridge(suite, name):
    """Ends the suite with one failure when build/<name> is missing."""
    if not os.path.exists(program(name)):
        suite.check(False, f"build/{name} exists (run make)")
        suite.finish()


class BridgeProcess(Program):
    """One bridge process. Subclasses set self.cmd (without valgrind) after calling
    __init__, using self.files[name] for the secret files."""

    def __init__(self, suite, name, secrets):
        self.suite = suite
        self.name = name
        self.secrets = dict(secrets)
        self.tmp = tempfile.mkdtemp(prefix=f"{name}-it-")
        self.files = {}
        for key, value in self.secrets.items():
            path = os.path.join(self.tmp, key)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, (value + "\n").encode())
            os.close(fd)
            self.files[key] = path
        self.cmd = [program(name)]
        self.log_path = os.path.join(self.tmp, "stderr.log")
        self.log = None
        self.proc = None
        self.returncode = None
        self.failed_before = suite.failed

    def start(self):
        self.failed_before = self.suite.failed
        if self.log is None:
            self.log = open(self.log_path, "ab")
        cmd = VALGRIND_CMD + self.cmd if VALGRIND else self.cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, cwd=ROOT)
        return self

    def stop(self, sig=signal.SIGTERM):
        """Sends sig (then SIGKILL after a while); returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            if self.wait_exit(slow(10)) is None:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        if sig != signal.SIGKILL:
            self.suite.check(self.returncode != 99, f"valgrind is clean for {self.name}",
                             self.stderr())
        return self.returncode

    def check_no_secrets(self):
        """No token or secret in what it logged."""
        log = self.stderr()
        for secret in self.secrets.values():
            self.suite.check(secret not in log, "no token or secret in the log", secret[:5])

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.proc.poll() is None:
                self.suite.check(self.stop() == 0, f"{self.name} stops with status 0 on "
                                 "SIGTERM", self.stderr()[-3000:])
            self.check_no_secrets()
        finally:
            if exc_type is not None or self.suite.failed > self.failed_before:
                lines = self.stderr().splitlines()
                print(f"---- {self.name} ({' '.join(self.cmd)}) stderr, last 60 lines:")
                print("\n".join("    " + x for x in lines[-60:]))
            self.log.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False
