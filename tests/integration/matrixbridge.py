# SPDX-License-Identifier: MIT
"""Runs the built rulingbot-matrix for a test, against a FakeMatrix (fakematrix.py) and a
rulingd, with its access token in a file and its state file in a temporary folder. Also
what the Matrix tests share: the reply the bridge should send for a rulingd answer, in
plain text and HTML, written here independently of the bridge's C code (docs/matrix.md
describes the format)."""
import os

import fakematrix
from bridgeproc import BridgeProcess, date_words, need_bridge as need


def need_bridge(suite):
    """Ends the suite with one failure when build/rulingbot-matrix is missing."""
    need(suite, "rulingbot-matrix")


class Bridge(BridgeProcess):
    """One rulingbot-matrix process. args are added after the homeserver, the token file,
    the state file and --rulingd. The state file outlives restarts of the same Bridge."""

    def __init__(self, suite, hs, rulingd_port, args=(), token=fakematrix.TOKEN):
        super().__init__(suite, "rulingbot-matrix", {"token": token})
        self.state_path = os.path.join(self.tmp, "state", "sync-state.json")
        os.mkdir(os.path.dirname(self.state_path))
        self.cmd += ["-v", "--homeserver", hs.url, "--access-token-file", self.files["token"],
                     "--state", self.state_path, "--rulingd", f"ws://127.0.0.1:{rulingd_port}/"]
        self.cmd += list(args)


# What the bridge should send, from rulingd's JSON reply.

def escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def _source(n, s):
    """One source, as (plain, html)."""
    url, title = s.get("url"), s.get("title") or s.get("url") or "(untitled)"
    link = bool(url) and url.lower().startswith(("http://", "https://"))
    tail = ""
    if s.get("publisher"):
        tail += " — " + s["publisher"]
    if s.get("date"):
        tail += ", " + date_words(s["date"])
    if s.get("pinpoint"):
        tail += ", " + s["pinpoint"]
    if s.get("citation"):
        tail += " — " + s["citation"]
    plain = f"\n{n}. {title}{tail}" + (f"\n   {url}" if link else "")
    head = f'<a href="{escape(url)}">{escape(title)}</a>' if link else escape(title)
    return plain, f"<li>{head}{escape(tail)}</li>"


def _questions(items, heading):
    qs = [i["question"] for i in items or [] if i.get("question")]
    if not qs:
        return "", ""
    plain = f"\n\n{heading}" + "".join(f"\n• {q}" for q in qs)
    html = f"<p><em>{escape(heading)}</em></p><ul>" + "".join(
        f"<li>{escape(q)}</li>" for q in qs) + "</ul>"
    return plain, html


def expected_content(reply):
    """(body, formatted_body) for an English answer, clarify or no_answer from rulingd."""
    plain, html = reply["text"], f"<p>{escape(reply['text'])}</p>"
    if reply["type"] == "clarify":  # numbered, under the text that asks which
        qs = [c["question"] for c in reply.get("choices", [])]
        return plain + "\n" + "".join(f"\n{n}. {q}" for n, q in enumerate(qs, 1)), \
            html + "<ol>" + "".join(f"<li>{escape(q)}</li>" for q in qs) + "</ol>"
    if reply["type"] == "no_answer":
        p, h = _questions(reply.get("suggestions"), "Try asking:")
        return plain + p, html + h
    if reply.get("status") in ("superseded", "partly-superseded"):
        later = (reply.get("superseded_by") or {}).get("question")
        plain += "\n\nThis is no longer current." + (f" See: {later}" if later else "")
        html += "<p><em>This is no longer current.</em>" + (
            escape(f" See: {later}") if later else "") + "</p>"
    sources = [_source(n, s) for n, s in enumerate(reply.get("sources") or [], 1)]
    if sources:
        plain += "\n\nSources:" + "".join(p for p, _ in sources)
        html += "<p><strong>Sources</strong></p><ol>" + "".join(h for _, h in sources) + "</ol>"
    p, h = _questions(reply.get("related"), "Related:")
    return plain + p, html + h
