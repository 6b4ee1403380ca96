# SPDX-License-Identifier: MIT
"""Shared by the integration tests: runs the built programs (under valgrind when
VALGRIND=1), records checks, and ends with 'N passed, N failed' like every suite."""
import os
import subprocess
import sys

BUILD = os.environ.get("BUILD", "build")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VALGRIND = os.environ.get("VALGRIND") == "1"
VALGRIND_CMD = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect",
                "--show-leak-kinds=definite,indirect"]


# Arguments that let rulingd's searches run under valgrind, which is tens of times slower.
SLOW_ARGS = ["--query-deadline", "0"] if VALGRIND else []


def program(name):
    """Path of a built program."""
    return os.path.join(ROOT, BUILD, name)


class Suite:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {self.name}: {what}")
            if detail:
                print("    " + str(detail).replace("\n", "\n    ")[:3000])
        return cond

    def run(self, args, stdin="", timeout=120, env=None):
        """Runs a built program (args[0] is its name in BUILD); returns the process."""
        cmd = [program(args[0])] + list(args[1:])
        if VALGRIND:
            cmd = VALGRIND_CMD + cmd
        proc = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, errors="replace",
                              timeout=timeout, cwd=ROOT, env=env)
        if VALGRIND:
            self.check(proc.returncode != 99, f"valgrind is clean for {args}", proc.stderr)
        return proc

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)
