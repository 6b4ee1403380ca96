#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingkb as an editor meets it: check and build, problems with file:line, a stable
version, and a failed build that leaves the old database alone."""
import os
import re
import shutil
import sqlite3
import tempfile

from harness import BUILD, ROOT, Suite

s = Suite("02-kb-compiler")
tmp = tempfile.mkdtemp(prefix="rulingkb-it-")
try:
    kb = os.path.join(tmp, "kb")
    shutil.copytree(os.path.join(ROOT, "tests/fixtures/kb"), kb)
    out = os.path.join(tmp, "kb.sqlite")

    p = s.run(["rulingkb", "check", kb])
    s.check(p.returncode == 0 and "13 facts (10 en, 3 es), 4 sources" in p.stdout,
            "check passes on the fixture", p.stdout + p.stderr)

    p1 = s.run(["rulingkb", "build", kb, "-o", out])
    p2 = s.run(["rulingkb", "build", kb, "-o", out])
    v1 = re.search(r"version ([0-9a-f]{16})", p1.stdout)
    v2 = re.search(r"version ([0-9a-f]{16})", p2.stdout)
    s.check(p1.returncode == 0 and os.path.exists(out), "build writes the database", p1.stdout)
    s.check(v1 and v2 and v1.group(1) == v2.group(1), "the same input gives the same version",
            p1.stdout + p2.stdout)
    before = open(out, "rb").read()

    # The daemon searches one language as a rowid range, and reads a question's fact from
    # its rowid: facts are numbered a language at a time, questions num * 256 + i.
    db = sqlite3.connect(out)
    langs = [row[0] for row in db.execute("SELECT lang FROM facts ORDER BY num")]
    s.check(langs == sorted(langs, key=["en", "es"].index) and "es" in langs,
            "facts are numbered a language at a time", " ".join(langs))
    owners = {row[0] for row in db.execute("SELECT rowid / 256 FROM question_index")}
    nums = {row[0] for row in db.execute("SELECT num FROM facts")}
    s.check(owners and owners <= nums, "question rows name their fact by rowid", str(owners))
    db.close()

    # More questions than a fact's rowid block holds is refused, not silently mixed up.
    big = os.path.join(tmp, "big")
    shutil.copytree(kb, big)
    path = os.path.join(big, "facts", "case.json")
    text = open(path, encoding="utf-8").read()
    many = ", ".join(f'"Question number {i} about the ruling?"' for i in range(257))
    text, n = re.subn(r'"questions": \[', '"questions": [' + many + ", ", text, count=1)
    open(path, "w", encoding="utf-8").write(text)
    p = s.run(["rulingkb", "check", big])
    s.check(n == 1 and p.returncode == 1 and "more than 256 entries" in p.stdout,
            "a fact with over 256 questions is an error", p.stdout)

    # Break one fact: its only source is unknown and its date is impossible.
    path = os.path.join(kb, "facts", "case.json")
    text = open(path, encoding="utf-8").read()
    text = text.replace('"sources": ["opinion"],\n    "as_of": "2017-09-15",\n    "status": "current",\n    "related": ["judge"],',
                        '"sources": ["missing"],\n    "as_of": "2017-02-30",\n    "status": "current",\n    "related": ["judge"],', 1)
    open(path, "w", encoding="utf-8").write(text)
    p = s.run(["rulingkb", "build", kb, "-o", out])
    s.check(p.returncode == 1, "build fails on a broken KB", p.stdout)
    s.check(re.search(r"facts/case\.json:\d+: fact 'ruling-date': unknown source 'missing'", p.stdout),
            "the unknown source is reported with file and line", p.stdout)
    s.check(re.search(r"facts/case\.json:\d+: fact 'ruling-date': as_of \"2017-02-30\" is not a date",
                      p.stdout), "the bad date is reported with file and line", p.stdout)
    s.check("nothing was built" in p.stdout, "says nothing was built", p.stdout)
    s.check(open(out, "rb").read() == before, "the previous database is untouched")
    s.check(not [f for f in os.listdir(tmp) if ".tmp-" in f], "no temporary file is left")

    # Quotes are checked against stored texts when the folder is given.
    p = s.run(["rulingkb", "check", os.path.join(ROOT, "tests/fixtures/kb"),
               "--texts", os.path.join(ROOT, "tests/fixtures/texts")])
    s.check(p.returncode == 0 and "not checked" not in p.stdout,
            "the fixture's quote is found in its text", p.stdout)

    p = s.run(["rulingkb", "frobnicate", kb])
    s.check(p.returncode == 2 and "usage:" in p.stderr, "an unknown command prints usage", p.stderr)
    p = s.run(["rulingkb", "build", kb])
    s.check(p.returncode == 2 and "-o FILE" in p.stderr, "build needs -o", p.stderr)
    p = s.run(["rulingkb", "check", os.path.join(tmp, "nowhere")])
    s.check(p.returncode == 1 and "sources.json" in p.stdout, "a missing folder is an error",
            p.stdout)
finally:
    shutil.rmtree(tmp)
s.finish()
