#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""synthkb.py -- writes a synthetic knowledge base of N facts, for timing the engine on
knowledge bases larger than the real one.

    bench/synthkb.py --facts 10000 --out build/bench/kb-10000
    build/rulingkb build build/bench/kb-10000 -o build/bench/kb-10000.sqlite

The real facts (kb/facts/*.json) are the templates: fact i is a copy of real fact
i mod R with about half of its words of four letters or more replaced by words drawn from
the real knowledge base's own vocabulary of that language, in proportion to how often
the real texts use them. So the synthetic facts have the real ones' lengths, their mix of
English and Spanish, their links, and word frequencies like theirs, while each says
something different: what a larger knowledge base on the same subject would look like to
the engine. Sources, synonyms and replies are the real ones; so are the starters, after a
probe fact in each language (PROBES), made of words no other fact uses: rulingd serves a
knowledge base only once it has answered its first starter's question with that fact (its
self-test), and among thousands of rewritten copies of one fact no question is sure to find
its own. The output depends only on N and --seed, so a size always gives the same
knowledge base.
"""
import argparse
import itertools
import json
import os
import random
import re
import shutil
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORD = re.compile(r"[^\W\d_]{4,}")
FACTS_PER_FILE = 1000
ANSWER_MAX = 480
REPLACE = 0.5
# The self-test's facts, one a language; besides the N facts.
PROBES = [
    {"id": "synthetic-probe", "lang": "en",
     "questions": ["What is the zygomorphic quokka probe?", "zygomorphic quokka probe"],
     "answer": "The zygomorphic quokka probe is the synthetic knowledge base's self-test fact."},
    {"id": "synthetic-probe-es", "lang": "es", "translation_of": "synthetic-probe",
     "questions": ["¿Qué es la sonda del quokka cigomorfo?", "sonda quokka cigomorfo"],
     "answer": "La sonda del quokka cigomorfo es el dato de autoprueba de la base sintética."},
]


def load_facts(kb_dir):
    """Returns the real facts, in file order."""
    facts = []
    folder = os.path.join(kb_dir, "facts")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                facts.extend(json.load(f))
    return facts


class Vocabulary:
    """The words of one language's facts, drawn in proportion to their use."""

    def __init__(self, facts):
        counts = {}
        for fact in facts:
            texts = fact["questions"] + [fact["answer"]] + fact.get("keywords", [])
            for text in texts:
                for w in WORD.findall(text.lower()):
                    counts[w] = counts.get(w, 0) + 1
        self.words = sorted(counts)
        self.cum = list(itertools.accumulate(counts[w] for w in self.words))

    def draw(self, rng, n):
        return rng.choices(self.words, cum_weights=self.cum, k=n)


def mutate(text, vocab, rng):
    """Returns text with about REPLACE of its long words swapped for vocabulary words."""
    spots = [m for m in WORD.finditer(text) if rng.random() < REPLACE]
    if not spots:
        return text
    out, last = [], 0
    for m, new in zip(spots, vocab.draw(rng, len(spots))):
        out.append(text[last:m.start()])
        out.append(new.capitalize() if m.group()[0].isupper() else new)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def fold(question):
    """What makes two questions the same question, as the compiler sees it: case,
    accents and the dots of abbreviations do not count."""
    s = unicodedata.normalize("NFKD", question.lower()).replace(".", "")
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", s))


def shorten(answer):
    """Cuts an answer to the compiler's limit at a word boundary."""
    if len(answer) <= ANSWER_MAX:
        return answer
    return answer[:ANSWER_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:") + "."


class Generator:
    """Turns real facts into n synthetic ones."""

    def __init__(self, real, n, seed, related=True):
        self.real = real
        self.related = related
        self.n = n
        self.rng = random.Random(seed)
        self.index = {f["id"]: i for i, f in enumerate(real)}
        self.vocab = {lang: Vocabulary([f for f in real if f["lang"] == lang])
                      for lang in ("en", "es")}
        self.seen = {"en": set(), "es": set()}

    def synth_id(self, i, real_id):
        """The id of the copy of real fact real_id in the same round as fact i, or None
        when that copy is beyond n."""
        j = i - i % len(self.real) + self.index[real_id]
        return f"s{j}-{real_id}" if j < self.n else None

    def questions(self, fact, vocab):
        out = []
        for q in fact["questions"]:
            for _ in range(8):
                new = mutate(q, vocab, self.rng)
                key = fold(new)
                if key and key not in self.seen[fact["lang"]]:
                    self.seen[fact["lang"]].add(key)
                    out.append(new)
                    break
                q = q + " " + vocab.draw(self.rng, 1)[0]
        return out

    def fact(self, i):
        """Returns synthetic fact i."""
        t = self.real[i % len(self.real)]
        vocab = self.vocab[t["lang"]]
        f = {"id": self.synth_id(i, t["id"]), "lang": t["lang"]}
        f["questions"] = self.questions(t, vocab)
        while len(f["questions"]) < 2:
            f["questions"] += self.questions({"lang": t["lang"], "questions":
                                              [" ".join(vocab.draw(self.rng, 4))]}, vocab)
        f["answer"] = shorten(mutate(t["answer"], vocab, self.rng))
        if t.get("keywords"):
            f["keywords"] = [mutate(k, vocab, self.rng) for k in t["keywords"]]
        for key in ("sources", "as_of", "status", "reviewed"):
            f[key] = t[key]
        related = [self.synth_id(i, r) for r in t.get("related", []) if self.related]
        if any(related):
            f["related"] = [r for r in related if r]
        # A rewritten copy is no translation of another rewritten copy: their dates and
        # numbers no longer agree, which rulingkb check holds a translation to.
        if t.get("superseded_by") and self.synth_id(i, t["superseded_by"]):
            f["superseded_by"] = self.synth_id(i, t["superseded_by"])
        if f["status"] != "current" and "superseded_by" not in f:
            f["status"] = "current"
        return f


def write_kb(real_dir, out, n, seed, related):
    real = load_facts(real_dir)
    gen = Generator(real, n, seed, related)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "facts"))
    # Everything but the facts and the starters is the real knowledge base's, whatever
    # files it has (sources, synonyms, the fixed replies).
    for name in sorted(os.listdir(real_dir)):
        if name.endswith(".json") and name != "starters.json":
            shutil.copy(os.path.join(real_dir, name), os.path.join(out, name))
    with open(os.path.join(real_dir, "starters.json"), encoding="utf-8") as f:
        starters = json.load(f)
    starters = {p["lang"]: [p["id"]] + [gen.synth_id(0, s) for s in starters[p["lang"]]]
                for p in PROBES}
    with open(os.path.join(out, "starters.json"), "w", encoding="utf-8") as f:
        json.dump(starters, f, ensure_ascii=False, indent=1)
    template = real[0]
    for start in range(0, n, FACTS_PER_FILE):
        facts = [gen.fact(i) for i in range(start, min(n, start + FACTS_PER_FILE))]
        if start == 0:
            facts += [dict(p, **{k: template[k] for k in ("sources", "as_of",
                                                          "reviewed")}, status="current")
                      for p in PROBES]
        path = os.path.join(out, "facts", f"synth-{start // FACTS_PER_FILE:04d}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(facts, f, ensure_ascii=False, indent=1)


def main():
    ap = argparse.ArgumentParser(description="Write a synthetic knowledge base folder.")
    ap.add_argument("--facts", type=int, required=True, help="number of facts")
    ap.add_argument("--out", required=True, help="folder to write (replaced)")
    ap.add_argument("--kb", default=os.path.join(ROOT, "kb"), help="the real KB folder")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-related", dest="related", action="store_false",
                    help="leave out related links (a knowledge base without a link graph)")
    args = ap.parse_args()
    real = len(load_facts(args.kb))
    if args.facts < real:
        sys.exit(f"synthkb: --facts must be at least {real}, the real KB's size")
    write_kb(args.kb, args.out, args.facts, args.seed, args.related)


if __name__ == "__main__":
    main()
