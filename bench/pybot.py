#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pybot.py -- the bot a user would otherwise write, as the benchmark's point of comparison.

Python asyncio with Debian's python3-websockets (10.4 in Debian 12) and the standard
library's sqlite3 on the same built knowledge base as rulingd: each JSON ask becomes one
bm25-ranked FTS5 query with the question's words quoted and OR-ed, the best fact's answer
and sources are read, and one JSON frame goes back in the shape of docs/protocol.md.

It is written the straightforward way a competent Python developer would write it: no
thread pool (the interpreter runs one query at a time whatever the pool), statements
cached by sqlite3 itself, no answer cache, no tricks. It is not rulingd's engine, only the
same database and the same protocol, so its answers are worse; the benchmark compares
what each costs.

Run it with Debian's interpreter (/usr/bin/python3), which is where python3-websockets is:

    /usr/bin/python3 bench/pybot.py --port 8765 --kb build/kb.sqlite
"""
import argparse
import asyncio
import json
import re
import signal
import sqlite3

import websockets

SEARCH = ("SELECT rowid, rank FROM fact_index WHERE fact_index MATCH ? "
          "ORDER BY rank LIMIT 1")
FACT = "SELECT id, lang, answer, as_of, status FROM facts WHERE num = ?"
SOURCES = ("SELECT s.id, s.title, s.publisher, s.date, s.url, s.citation, fs.pinpoint, "
           "fs.quote FROM fact_sources fs JOIN sources s ON s.id = fs.source "
           "WHERE fs.fact = ? ORDER BY fs.ord")
RELATED = ("SELECT r.related, f.question FROM fact_related r JOIN facts f ON f.id = r.related "
           "WHERE r.fact = ? ORDER BY r.ord LIMIT 3")
STARTERS = ("SELECT f.id, f.question FROM starters s JOIN facts f ON f.id = s.fact "
            "WHERE s.lang = 'en' ORDER BY s.ord LIMIT 3")
SOURCE_FIELDS = ("id", "title", "publisher", "date", "url", "citation", "pinpoint", "quote")
WORD = re.compile(r"\w+")
NO_ANSWER = ("I don't know the answer to that. I know about City of Chicago v. Sessions "
             "and sanctuary-city policies. Here are questions I can answer.")


class Bot:
    """Answers questions from the knowledge base at path."""

    def __init__(self, path):
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        row = self.db.execute("SELECT value FROM meta WHERE key = 'kb_version'").fetchone()
        self.kb_version = row[0] if row else None

    def search(self, text):
        """Returns (fact number, bm25 rank) of the best fact, or None."""
        words = WORD.findall(text.lower())
        if not words:
            return None
        query = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        return self.db.execute(SEARCH, (query,)).fetchone()

    def answer(self, text, req_id):
        """Returns the reply to a question, as a dict."""
        hit = self.search(text)
        if hit is None:
            return self.no_answer(req_id)
        num, rank = hit
        fact_id, lang, answer, as_of, status = self.db.execute(FACT, (num,)).fetchone()
        sources = [{k: v for k, v in zip(SOURCE_FIELDS, row) if v}
                   for row in self.db.execute(SOURCES, (num,))]
        related = [{"fact": r, "question": q} for r, q in self.db.execute(RELATED, (num,))]
        reply = {"type": "answer", "id": req_id, "text": answer, "fact": fact_id,
                 "score": round(-rank / (1 - rank), 2), "lang": lang, "status": status,
                 "as_of": as_of, "kb_version": self.kb_version, "sources": sources,
                 "related": related}
        return {k: v for k, v in reply.items() if v not in (None, "", [])}

    def no_answer(self, req_id):
        suggestions = [{"fact": f, "question": q} for f, q in self.db.execute(STARTERS)]
        reply = {"type": "no_answer", "id": req_id, "text": NO_ANSWER, "lang": "en",
                 "suggestions": suggestions, "kb_version": self.kb_version}
        return {k: v for k, v in reply.items() if v not in (None, "", [])}

    def reply(self, message):
        """Returns the JSON text answering one websocket message."""
        try:
            req = json.loads(message)
        except ValueError:
            return json.dumps({"type": "error", "code": "bad_json",
                               "message": "the message is not valid JSON"})
        req_id = req.get("id") if isinstance(req, dict) else None
        if (not isinstance(req, dict) or req.get("type") != "ask"
                or not isinstance(req.get("text"), str) or not req["text"].strip()):
            error = {"type": "error", "id": req_id, "code": "bad_request",
                     "message": "expected {\"type\":\"ask\",\"text\":...}"}
            return json.dumps({k: v for k, v in error.items() if v is not None})
        return json.dumps(self.answer(req["text"], req_id), ensure_ascii=False)


async def serve(bot, port):
    async def handler(ws):
        try:
            async for message in ws:
                await ws.send(bot.reply(message))
        except websockets.ConnectionClosed:
            pass  # the client went away; nothing to answer

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(handler, "127.0.0.1", port, max_size=65536):
        await stop


def main():
    ap = argparse.ArgumentParser(description="A plain Python websocket bot over the KB.")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--kb", default="build/kb.sqlite")
    args = ap.parse_args()
    asyncio.run(serve(Bot(args.kb), args.port))


if __name__ == "__main__":
    main()
