#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz_kbfile (tests/fuzz/corpus/fuzz_kbfile/): small
knowledge-base files built by rulingkb, and damaged copies of them, each named for what
is wrong with it. Run it again when the KB schema changes:

    make BUILD=build/kbfile build/kbfile/rulingkb
    python3 tests/fuzz/kbfile-seeds.py build/kbfile/rulingkb

The KB is three facts of the fixture KB (tests/fixtures/kb), so the seeds stay small; the
files are rewritten with 512-byte pages (VACUUM), which brings each to about 20 KB
without changing what they hold. They are named .kb, not .sqlite: the repository keeps
no built .sqlite file, but these are inputs, not outputs. Inputs of crashes the fuzzer found are not written here:
they are added to the corpus by hand and stay."""
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "kb")
SELFTEST = os.path.join(ROOT, "tests", "fixtures", "selftest-kb")
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus", "fuzz_kbfile")
KEEP = {"judge", "four-hundred", "judge-es"}  # facts of the fixture the seeds hold


def small_source(tmp):
    """A copy of the fixture KB with three facts: one with a pinpoint and related facts,
    one with a quote, one in Spanish that translates the first."""
    src = os.path.join(tmp, "src")
    shutil.copytree(FIXTURE, src)
    facts = []
    for name in sorted(os.listdir(os.path.join(src, "facts"))):
        path = os.path.join(src, "facts", name)
        with open(path, encoding="utf-8") as f:
            facts += json.load(f)
        os.unlink(path)
    facts = [f for f in facts if f["id"] in KEEP]
    for f in facts:
        f["related"] = [r for r in f.get("related", []) if r in KEEP and r != f["id"]]
        if f["id"] == "judge":
            f["related"] = ["four-hundred"]
        f.pop("superseded_by", None)
    with open(os.path.join(src, "facts", "small.json"), "w", encoding="utf-8") as f:
        json.dump(facts, f, ensure_ascii=False, indent=1)
    with open(os.path.join(src, "starters.json"), "w") as f:
        json.dump({"en": ["judge", "four-hundred"], "es": ["judge-es"]}, f)
    return src


def build(rulingkb, src, out):
    subprocess.run([rulingkb, "build", src, "-o", out], check=True, stdout=subprocess.DEVNULL)
    con = sqlite3.connect(out)
    con.execute("PRAGMA page_size=512")
    con.execute("VACUUM")
    con.close()
    os.chmod(out, 0o644)  # rulingkb's file is its owner's alone; a seed is not secret


def edit(base, out, *sql, schema=()):
    """A copy of base changed by sql; schema statements run first on sqlite_schema itself,
    to drop the constraints that would stop the change (NOT NULL, UNIQUE)."""
    shutil.copyfile(base, out)
    if schema:
        con = sqlite3.connect(out)
        con.execute("PRAGMA writable_schema=ON")
        for stmt in schema:
            con.execute(stmt)
        con.commit()
        con.close()
    con = sqlite3.connect(out)
    for stmt in sql:
        con.execute(stmt)
    con.commit()
    con.execute("VACUUM")
    con.close()


def no_constraint(table, column_sql, loose_sql):
    return (f"UPDATE sqlite_schema SET sql = replace(sql, '{column_sql}', '{loose_sql}')"
            f" WHERE name = '{table}'")


def write_bytes(out, data):
    with open(out, "wb") as f:
        f.write(data)


def damaged_pages(data, page=512):
    """data with every fourth page after the first overwritten by pseudo-random bytes
    (the same every run)."""
    rnd = random.Random(20261124)
    b = bytearray(data)
    for start in range(page, len(b), 4 * page):
        b[start:start + page] = bytes(rnd.randrange(256) for _ in range(min(page, len(b) - start)))
    return bytes(b)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: kbfile-seeds.py BUILD/rulingkb")
    rulingkb = sys.argv[1]
    os.makedirs(CORPUS, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="kbfile-seeds-")
    try:
        base = os.path.join(CORPUS, "valid-3-facts.kb")
        build(rulingkb, small_source(tmp), base)
        build(rulingkb, SELFTEST, os.path.join(CORPUS, "valid-fails-self-test.kb"))
        data = open(base, "rb").read()

        def seed(name, *sql, schema=()):
            edit(base, os.path.join(CORPUS, name + ".kb"), *sql, schema=schema)

        seed("schema-version-4", "UPDATE meta SET value = '4' WHERE key = 'schema'")
        seed("schema-key-missing", "DELETE FROM meta WHERE key = 'schema'")
        seed("meta-more-facts-than-rows", "UPDATE meta SET value = '9' WHERE key = 'facts'")
        seed("table-missing-fact-sizes", "DROP TABLE fact_sizes")
        seed("table-missing-starters", "DROP TABLE starters")
        seed("fact-sizes-disagree-with-index", "UPDATE fact_sizes SET size = size + 7")
        seed("fact-sizes-row-missing", "DELETE FROM fact_sizes WHERE num = 1 AND col = 0")
        seed("question-sizes-row-out-of-range", "UPDATE question_sizes SET row = 99999"
             " WHERE row = (SELECT max(row) FROM question_sizes)")
        seed("fact-cites-missing-source", "UPDATE fact_sources SET source = 'nowhere'"
             " WHERE fact = 1")
        seed("related-names-missing-fact", "UPDATE fact_related SET related = 'nowhere'")
        seed("starter-names-missing-fact", "UPDATE starters SET fact = 'nowhere'"
             " WHERE lang = 'en' AND ord = 0")
        seed("fact-num-out-of-range", "UPDATE facts SET num = 99 WHERE num = 3")
        seed("facts-languages-interleaved", "UPDATE facts SET lang = 'es' WHERE num = 1")
        # Text that reads as a number would be stored as one (the column's affinity).
        seed("number-stored-as-text", "UPDATE fact_sizes SET size = '3 terms' WHERE num = 1")
        seed("null-answer", "UPDATE facts SET answer = NULL WHERE num = 1",
             schema=[no_constraint("facts", "answer TEXT NOT NULL", "answer TEXT")])
        seed("null-source-title", "UPDATE sources SET title = NULL",
             schema=[no_constraint("sources", "title TEXT NOT NULL", "title TEXT")])
        seed("null-reply-text", "UPDATE replies SET text = NULL WHERE id = '_decline'",
             schema=[no_constraint("replies", "text TEXT NOT NULL", "text TEXT")])
        seed("replies-missing", "DELETE FROM replies")
        seed("null-related", "UPDATE fact_related SET related = NULL",
             schema=[no_constraint("fact_related", "related TEXT NOT NULL", "related TEXT")])
        seed("null-fact-id", "UPDATE facts SET id = NULL WHERE num = 2",
             schema=[no_constraint("facts", "id TEXT NOT NULL UNIQUE", "id TEXT UNIQUE")])
        seed("table-missing-entities", "DROP TABLE entities")
        seed("entity-form-spaced", "UPDATE entities SET form = ' ' || form || '  x'"
             " WHERE form = (SELECT min(form) FROM entities)")
        seed("entity-form-too-many-words",
             "INSERT INTO entities VALUES('a b c d e f g', 'chicago', 'city')")
        seed("entity-of-two-kinds", "INSERT INTO entities VALUES('zz', 'chicago', 'judge')")
        seed("entities-too-many",
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
             " INSERT INTO entities SELECT 'place' || i, 'place-' || i, 'city' FROM n")
        seed("null-entity-kind", "UPDATE entities SET kind = NULL",
             schema=[no_constraint("entities", "kind TEXT NOT NULL", "kind TEXT")])
        seed("fts5-index-blocks-garbled",
             "UPDATE fact_index_data SET block = zeroblob(length(block)) WHERE id NOT IN (1, 10)")
        write_bytes(os.path.join(CORPUS, "truncated-half.kb"), data[:len(data) // 2])
        write_bytes(os.path.join(CORPUS, "truncated-first-page.kb"), data[:512])
        write_bytes(os.path.join(CORPUS, "garbage-pages.kb"), damaged_pages(data))
        write_bytes(os.path.join(CORPUS, "empty-file.kb"), b"")
        write_bytes(os.path.join(CORPUS, "not-a-database.kb"),
                    b"this is not a database\n" * 20)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
