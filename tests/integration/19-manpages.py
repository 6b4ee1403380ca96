#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The man pages in docs/man/ are in step with the programs they describe: every option
of each built program's --help is in the page's OPTIONS section, and every option that
section names is still in --help (so a removed option cannot linger in the page); each
page renders without a groff warning; .TH names the right program and section; SEE ALSO
names the other pages; and every docs file a page names exists."""
import os
import re
import shutil
import subprocess

from harness import ROOT, Suite

MANDIR = os.path.join(ROOT, "docs", "man")

# program, manual section
PAGES = [
    ("rulingd", "8"),
    ("rulingkb", "1"),
    ("rulingbot-slack", "8"),
    ("rulingbot-matrix", "8"),
]

# Options in --help text: "--name" and "-x" standing alone (not "xoxb-..." or
# "encrypted-room").
HELP_LONG = re.compile(r"(?<![\w-])--([A-Za-z][A-Za-z0-9-]*)")
HELP_SHORT = re.compile(r"(?<![\w-])-([A-Za-z])(?![\w-])")

# Options in roff source: "\-\-name" (or "--name"), and "\-x" (or "-x") that is neither
# the tail of "\-\-..." nor the middle of a word such as "rulingbot\-slack".
ROFF_LONG = re.compile(r"(?:\\-\\-|(?<![\w\\-])--)((?:[A-Za-z0-9]|\\-|-(?=[A-Za-z0-9]))+)")
ROFF_SHORT = re.compile(r"(?<!\\-)(?<![\w\\-])(?:\\-|-)([A-Za-z])(?![A-Za-z0-9])")


def roff_longs(text):
    return {m.group(1).replace("\\-", "-") for m in ROFF_LONG.finditer(text)}


def roff_shorts(text):
    # A preceding font escape (\fB) ends in a letter: look behind it, not at it.
    text = re.sub(r"\\f[BIRP]", " ", text)
    return set(ROFF_SHORT.findall(text))


def section(source, name):
    """The text of the .SH section called name, without its heading; '' when absent."""
    m = re.search(r"^\.SH\s+\"?" + re.escape(name) + r"\"?\s*$(.*?)(?=^\.SH\s|\Z)", source,
                  re.M | re.S)
    return m.group(1) if m else ""


def page_path(name, sec):
    return os.path.join(MANDIR, f"{name}.{sec}")


s = Suite("19-manpages")
groff = shutil.which("groff")
if groff is None:
    print("skipped: groff not installed (the man pages' rendering is not checked)")

for name, sec in PAGES:
    path = page_path(name, sec)
    if not s.check(os.path.isfile(path), f"{name}: its man page exists", path):
        continue
    with open(path, encoding="utf-8") as f:
        source = f.read()
    options = section(source, "OPTIONS")

    # 1. Every option of --help is in the page's OPTIONS section.
    proc = s.run([name, "--help"], timeout=30)
    help_text = proc.stdout
    longs = set(HELP_LONG.findall(help_text))
    shorts = set(HELP_SHORT.findall(help_text))
    s.check(proc.returncode == 0 and "--help" in help_text and longs,
            f"{name} --help prints its options and exits 0",
            f"exit {proc.returncode}\n{proc.stderr}")
    page_longs, page_shorts = roff_longs(options), roff_shorts(options)
    missing = sorted("--" + o for o in longs - page_longs) + \
        sorted("-" + o for o in shorts - page_shorts)
    s.check(options and not missing,
            f"{name}.{sec}: OPTIONS documents every option of --help",
            "missing: " + (", ".join(missing) if options else "the OPTIONS section"))

    # 2. Every option named in OPTIONS still exists.
    stale = sorted("--" + o for o in page_longs - longs) + \
        sorted("-" + o for o in page_shorts - shorts)
    s.check(not stale, f"{name}.{sec}: OPTIONS names only options --help has",
            "not in --help: " + ", ".join(stale))

    # 3. The page renders without warnings.
    if groff is not None:
        r = subprocess.run([groff, "-man", "-ww", "-z", "-t", path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, errors="replace")
        s.check(r.returncode == 0 and r.stderr == "",
                f"{name}.{sec}: groff -man -ww renders it without a warning",
                f"exit {r.returncode}\n{r.stderr}")

    # 4. .TH names the program and its section.
    th = re.search(r"^\.TH\s+(\S+)\s+(\S+)", source, re.M)
    th_name = th.group(1).replace("\\-", "-").strip('"') if th else ""
    s.check(th is not None and th_name.lower() == name and th.group(2) == sec,
            f"{name}.{sec}: .TH names {name} in section {sec}",
            th.group(0) if th else "no .TH line")

    # SEE ALSO names every other page, and every docs file the page names exists.
    see_also = section(source, "SEE ALSO").replace("\\-", "-").replace("\\%", "")
    absent = [f"{o}({osec})" for o, osec in PAGES if o != name and
              not re.search(re.escape(o) + r"(?:\\f[BIRP])?\s*\(" + osec + r"\)", see_also)]
    s.check(not absent, f"{name}.{sec}: SEE ALSO names the other pages",
            "missing: " + ", ".join(absent))
    plain = re.sub(r"\\f[BIRP]", " ", source.replace("\\-", "-").replace("\\%", ""))
    named = set(re.findall(r"(?<![\w/.-])((?:docs|kb)/[\w./-]*?\.md|README\.md)\b", plain))
    gone = sorted(p for p in named if not os.path.isfile(os.path.join(ROOT, p)))
    s.check(named and not gone, f"{name}.{sec}: every file of the source tree it names exists",
            "no such file: " + ", ".join(gone))

s.finish()
