# SPDX-License-Identifier: MIT
"""Runs the built rulingbot-slack for a test, against a FakeSlack (fakeslack.py) and a
rulingd: writes its token files (mode 0600) into a temporary folder, starts it (under
valgrind when VALGRIND=1), stops it with SIGTERM, and shows its standard error when a
check failed. Also what the Slack tests share: the reply the bridge should post for a
rulingd answer, written here independently of the bridge's C code."""
import fakeslack
from bridgeproc import BridgeProcess, date_words, need_bridge as need

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def need_bridge(suite):
    """Ends the suite with one failure when build/rulingbot-slack is missing."""
    need(suite, "rulingbot-slack")


class Bridge(BridgeProcess):
    """One rulingbot-slack process. args are added after the tokens, the API URL and
    --rulingd."""

    def __init__(self, suite, slack, rulingd_port, args=(), http_port=None):
        super().__init__(suite, "rulingbot-slack",
                         {"bot": fakeslack.BOT_TOKEN, "app": fakeslack.APP_TOKEN,
                          "secret": SIGNING_SECRET})
        self.cmd += ["-v", "--rulingd", f"ws://127.0.0.1:{rulingd_port}/",
                     "--slack-api-url", slack.api_url,
                     "--bot-token-file", self.files["bot"]]
        if http_port:
            self.cmd += ["--mode", "http", "--listen", f"127.0.0.1:{http_port}",
                         "--signing-secret-file", self.files["secret"]]
        else:
            self.cmd += ["--app-token-file", self.files["app"]]
        self.cmd += list(args)


# What the bridge should post, from rulingd's JSON reply (docs/slack.md).

def escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def source_line(s):
    url, title = s.get("url"), s.get("title") or s.get("url") or "(untitled)"
    if url and url.startswith(("http://", "https://")) and not any(c in url for c in "|<> "):
        line = f"<{escape(url)}|{escape(title.replace('|', '/'))}>"
    else:
        line = escape(title)
    if s.get("publisher"):
        line += " — " + escape(s["publisher"])
    if s.get("date"):
        line += ", " + escape(date_words(s["date"]))
    if s.get("pinpoint"):
        line += ", " + escape(s["pinpoint"])
    if s.get("citation"):
        line += " — " + escape(s["citation"])
    return "• " + line


def expected_post(reply):
    """The mrkdwn text for an English answer, clarify or no_answer from rulingd."""
    text = escape(reply["text"])
    if reply["type"] == "clarify":  # numbered, under the text that asks which
        qs = [escape(c["question"]) for c in reply.get("choices", [])]
        return text + "\n" + "".join(f"\n{n}. {q}" for n, q in enumerate(qs, 1))
    if reply["type"] == "no_answer":
        qs = [escape(s["question"]) for s in reply.get("suggestions", [])]
        return text + ("\n\n_Try asking:_\n• " + "\n• ".join(qs) if qs else "")
    if reply.get("sources"):
        text += "\n\n*Sources*\n" + "\n".join(source_line(s) for s in reply["sources"])
    related = [escape(r["question"]) for r in reply.get("related", [])]
    if related:
        text += "\n\n_Related:_ " + " · ".join(related)
    return text
