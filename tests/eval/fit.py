#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fits the engine's answer model: a logistic regression over each candidate fact's
features, trained pointwise (is this candidate the right fact for this question?).

    build/rulingeval --kb build/kb.sqlite --features /tmp/features.tsv tests/eval/questions.tsv
    tests/eval/fit.py /tmp/features.tsv

It prints the cross-validated top-1 accuracy of the ranking (by question, five folds), then
the weights fitted on all the questions: as rulingeval --set arguments to try, and as the
initializer of `tune` in daemon/match.c. Standard library only; deterministic.
"""
import math
import random
import sys


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            rows.append((int(parts[0]), int(parts[1]), [float(x) for x in parts[2:]]))
    return header[2:], rows


def fit(rows, nfeat, l2=0.01, epochs=1500, rate=1.0):
    """Batch gradient descent on the log loss with an L2 penalty (not on the bias)."""
    w = [0.0] * nfeat
    b = 0.0
    n = len(rows)
    pos = sum(1 for _, y, _ in rows if y)
    # Balance the classes: one right fact per question against many wrong ones.
    wpos = (n - pos) / max(pos, 1)
    for _ in range(epochs):
        gw = [0.0] * nfeat
        gb = 0.0
        total = 0.0
        for _, y, x in rows:
            z = b + sum(wi * xi for wi, xi in zip(w, x))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            c = wpos if y else 1.0
            d = c * (p - y)
            total += c
            gb += d
            for i in range(nfeat):
                gw[i] += d * x[i]
        b -= rate * gb / total
        for i in range(nfeat):
            w[i] -= rate * (gw[i] / total + l2 * w[i])
    return w, b


def score(w, b, x):
    z = b + sum(wi * xi for wi, xi in zip(w, x))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def top1(rows, w, b):
    """Share of the questions with a right fact among the candidates whose best-scored
    candidate is that fact."""
    by_q = {}
    for q, y, x in rows:
        by_q.setdefault(q, []).append((score(w, b, x), y))
    answerable = [c for c in by_q.values() if any(y for _, y in c)]
    right = sum(1 for c in answerable if max(c)[1] == 1)
    return right, len(answerable)


def main():
    names, rows = load(sys.argv[1])
    nfeat = len(names)
    questions = sorted({q for q, _, _ in rows})
    random.Random(7).shuffle(questions)
    folds = [set(questions[i::5]) for i in range(5)]
    right = total = 0
    for fold in folds:
        train = [r for r in rows if r[0] not in fold]
        test = [r for r in rows if r[0] in fold]
        w, b = fit(train, nfeat)
        r, t = top1(test, w, b)
        right += r
        total += t
    print(f"cross-validated ranking top-1: {right}/{total} = {100.0 * right / total:.1f}%")
    w, b = fit(rows, nfeat)
    r, t = top1(rows, w, b)
    print(f"fitted on all: {r}/{t} = {100.0 * r / t:.1f}%")
    print("--set bias=%.3f " % b + " ".join(f"--set w_{n}={v:.3f}" for n, v in zip(names, w)))
    print("\t.bias = %.3f," % b)
    print("\t.weight = {" + ", ".join(f"{v:.3f}" for v in w) + "},")


if __name__ == "__main__":
    main()
