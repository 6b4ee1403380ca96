#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingd without a network: --ask in text and JSON, the stdin prompt, and bad usage."""
import json

from harness import BUILD, SLOW_ARGS, Suite

s = Suite("01-cli-ask")
KB = f"{BUILD}/kb.sqlite"
FIXTURE = f"{BUILD}/test/fixture.sqlite"


def no_empty_strings(value):
    if isinstance(value, str):
        return value != ""
    if isinstance(value, dict):
        return all(no_empty_strings(v) for v in value.values())
    if isinstance(value, list):
        return all(no_empty_strings(v) for v in value)
    return True


# The bundled KB names the judge, with a source.
p = s.run(["rulingd", *SLOW_ARGS, "--kb", KB, "--ask", "who was the judge"])
s.check(p.returncode == 0, "--ask exits 0", p.stderr)
s.check("Harry D. Leinenweber" in p.stdout, "the answer names Harry D. Leinenweber", p.stdout)
s.check("\nSource: " in p.stdout, "the answer has a Source: line", p.stdout)
s.check("\n\n" not in p.stdout.strip(), "no empty line in the answer", p.stdout)

# --explain says on stderr how the question was read and why each candidate was or was not
# taken: what it asks for, the entities it names, and what pulled a candidate down.
p = s.run(["rulingd", *SLOW_ARGS, "--kb", FIXTURE, "--explain", "--ask",
           "when did the seventh circuit rule"])
s.check(p.returncode == 0, "--explain --ask exits 0", p.stderr)
s.check("\nasks for: when\n" in p.stderr, "--explain shows what the question asks for", p.stderr)
s.check("\nnames: seventh-circuit (court)\n" in p.stderr, "--explain shows the entities named",
        p.stderr)
lines = [ln for ln in p.stderr.splitlines() if ln.strip().startswith("ruling-date ")]
s.check(lines and "down: names_miss" in lines[0] and "(answer)" not in lines[0],
        "--explain says the ruling-date fact was held down for not naming the court", p.stderr)
p = s.run(["rulingd", *SLOW_ARGS, "--kb", FIXTURE, "--explain", "--ask", "Who was the judge?"])
lines = [ln for ln in p.stderr.splitlines() if ln.strip().startswith("judge ")]
s.check(lines and "(answer)" in lines[0], "--explain marks the candidate answered", p.stderr)

# --explain says which words were read as other words, and which real words were not:
# "sanctuery" is a typo of "sanctuary", "count" a real word, not "court" mistyped.
p = s.run(["rulingd", *SLOW_ARGS, "--kb", FIXTURE, "--explain", "--ask",
           "did the sanctuery count rule?"])
spelling = [ln for ln in p.stderr.splitlines() if ln.startswith("spelling:")]
s.check(spelling and "sanctuery -> sanctuary (a typo)" in spelling[0],
        "--explain shows a typo corrected", p.stderr)
s.check(spelling and "count kept unknown (a real word: the en dictionary knows it)" in spelling[0],
        "--explain shows a real word kept unknown", p.stderr)

# The same question as the JSON object the daemon sends.
p = s.run(["rulingd", *SLOW_ARGS, "--kb", FIXTURE, "--json", "--ask", "Who was the judge?"])
s.check(p.returncode == 0, "--json --ask exits 0", p.stderr)
try:
    j = json.loads(p.stdout)
except ValueError:
    j = {}
s.check(j.get("type") == "answer" and j.get("fact") == "judge", "JSON answer names the fact", p.stdout)
s.check(0 < j.get("score", 0) <= 1, "score is in (0, 1]", p.stdout)
src = (j.get("sources") or [{}])[0]
s.check(src.get("title") and src.get("publisher") and src.get("date") == "2017-09-15",
        "sources carry title, publisher and date", p.stdout)
s.check(j.get("kb_version") and len(j["kb_version"]) == 16, "kb_version is sent", p.stdout)
s.check(no_empty_strings(j), "no field is an empty string", p.stdout)
s.check(p.stdout.count("\n") == 1, "exactly one line of JSON", p.stdout)

# Out of scope: a no_answer with suggestions, still exit 0.
p = s.run(["rulingd", *SLOW_ARGS, "--kb", FIXTURE, "--json", "--ask", "who won the super bowl"])
j = json.loads(p.stdout or "{}")
s.check(p.returncode == 0 and j.get("type") == "no_answer", "no_answer exits 0", p.stdout)
s.check(len(j.get("suggestions", [])) == 3, "no_answer carries suggestions", p.stdout)

# Spanish, asked for.
p = s.run(["rulingd", *SLOW_ARGS, "--kb", FIXTURE, "--json", "--lang", "es", "--ask", "who was the judge"])
j = json.loads(p.stdout or "{}")
s.check(j.get("fact") == "judge-es" and j.get("lang") == "es", "--lang es answers in Spanish",
        p.stdout)

# The prompt: one answer per non-empty line.
p = s.run(["rulingd", *SLOW_ARGS, "--kb", FIXTURE, "--json", "--prompt"], stdin="who was the judge\n\n  \nruling date\r\n")
lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
s.check(p.returncode == 0 and [x.get("fact") for x in lines] == ["judge", "ruling-date"],
        "the prompt answers each line and skips empty ones", p.stdout)

# Bad usage and a missing KB.
p = s.run(["rulingd", *SLOW_ARGS, "--kb", "/nonexistent/kb.sqlite", "--ask", "judge"])
s.check(p.returncode == 1 and "cannot open the knowledge base" in p.stderr,
        "a missing KB is a clear error", p.stderr)
p = s.run(["rulingd", "--no-such-option"])
s.check(p.returncode == 2 and "usage:" in p.stderr, "an unknown option prints usage", p.stderr)
p = s.run(["rulingd", "--lang", "fr", "--ask", "x"])
s.check(p.returncode == 2 and "--lang must be en or es" in p.stderr,
        "--lang is checked", p.stderr)
p = s.run(["rulingd", "--query-deadline", "-5", "--ask", "x"])
s.check(p.returncode == 2 and "--query-deadline" in p.stderr and "0 to 60000" in p.stderr,
        "--query-deadline is checked", p.stderr)
p = s.run(["rulingd", "--version"])
s.check(p.returncode == 0 and p.stdout.startswith("rulingd "), "--version", p.stdout)
p = s.run(["rulingd", "--help"])
s.check(p.returncode == 0 and "--ask" in p.stdout, "--help", p.stdout)

# A knowledge base may have no synonyms and no misspellings: the engine must not pass a
# null array to bsearch() (UBSan in make asan ends the program when it does).
HOSTILE = f"{BUILD}/test/hostile.sqlite"
for q in ("markup test", "what is the weather"):
    p = s.run(["rulingd", *SLOW_ARGS, "--kb", HOSTILE, "--json", "--ask", q])
    s.check(p.returncode == 0 and p.stdout.startswith("{") and not p.stderr,
            f"a knowledge base without synonyms answers {q!r}", p.stderr + p.stdout)

s.finish()
