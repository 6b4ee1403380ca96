#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The documentation generated from the knowledge base is up to date, and the README's
first two commands are the ones CI runs."""
import os
import subprocess
import sys

from harness import ROOT, Suite

s = Suite("03-docs")
fresh = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/sources-doc")],
                       stdout=subprocess.PIPE, text=True, cwd=ROOT)
committed = open(os.path.join(ROOT, "docs/sources.md"), encoding="utf-8").read()
s.check(fresh.returncode == 0 and fresh.stdout == committed,
        "docs/sources.md is up to date (run scripts/sources-doc > docs/sources.md)")

readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
fence = readme.split("```")
first_block = fence[1] if len(fence) > 2 else ""
commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
s.check(commands[:2] == ["make run", "make test"],
        "the README opens with make run and make test", commands)
ci = open(os.path.join(ROOT, ".ci/run"), encoding="utf-8").read()
s.check("\nmake test\n" in ci, ".ci/run runs the README's test command")
s.finish()
