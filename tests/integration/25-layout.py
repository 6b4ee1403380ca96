#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The engine's room: everything outside daemon/engine/ reaches the engine only through
its one public header, engine.h (the engine's own tests may look inside, as they must),
and the engine reaches neither the server nor the bridges."""
import glob
import os
import re

from harness import ROOT, Suite

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

s = Suite("25-layout")


def headers(folder):
    return {os.path.basename(p) for p in glob.glob(os.path.join(ROOT, folder, "*.h"))}


def sources(*patterns):
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True)):
            with open(path, encoding="utf-8") as f:
                yield os.path.relpath(path, ROOT), INCLUDE.findall(f.read())


engine_inside = headers("daemon/engine") - {"engine.h"}
s.check(len(engine_inside) >= 5, "the engine has headers of its own to keep inside",
        sorted(engine_inside))
outside = ["daemon/server/*.[ch]", "kb/compiler/*.[ch]", "adapters/**/*.[ch]", "bench/*.c",
           "tests/eval/*.c"]
reaching_in = [(path, sorted(set(found) & engine_inside)) for path, found in sources(*outside)
               if set(found) & engine_inside]
s.check(not reaching_in, "nothing outside the engine includes its inner headers", reaching_in)

server = headers("daemon/server") | headers("adapters/common") | headers("adapters/slack") | \
    headers("adapters/matrix")
reaching_out = [(path, sorted(set(found) & server))
                for path, found in sources("daemon/engine/*.[ch]") if set(found) & server]
s.check(not reaching_out, "the engine includes nothing of the server or the bridges",
        reaching_out)
s.finish()
