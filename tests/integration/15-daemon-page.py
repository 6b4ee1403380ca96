#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""GET /api/ask?format=html: the answer page for browsers without JavaScript, on the real
knowledge base. The page says what `rulingd --ask` says, escaped; its source links are the
JSON reply's URLs; its question links work when followed; it is Spanish for a Spanish
question; errors are pages with the JSON reply's status (413, 429 with Retry-After); any
other format is a JSON 400; and every page keeps the security headers and holds no script."""
import html.parser
import urllib.parse

from daemon import NO_RATE, Daemon, cli_json, cli_lines, main, need_daemon
from harness import Suite

s = Suite("15-daemon-page")
need_daemon(s)

JUDGE = "who was the judge"
UNKNOWN = "what is the capital of france"
CLARIFY = "when"  # close to several facts, likely enough to none: asked back
SPANISH = "¿Quién fue el juez?"
VOID = {"meta", "link", "input", "br", "hr", "img"}


def q(text):
    return urllib.parse.quote(text, safe="")


def escape(text):
    """Text as page.c escapes it."""
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                 ("'", "&#39;")):
        text = text.replace(a, b)
    return text


class Page(html.parser.HTMLParser):
    """The links of a page, and whether its elements nest and close properly."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.links = []        # (href, rel, link text), hrefs unescaped
        self.problems = []     # tags that were not closed in order
        self.open = []
        self.link = None
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"never closed: {self.open}")

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            a = dict(attrs)
            self.link = [a.get("href"), a.get("rel"), ""]
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag == "a" and self.link:
            self.links.append(tuple(self.link))
            self.link = None
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}> out of place")

    def handle_data(self, data):
        if self.link:
            self.link[2] += data

    def asks(self):
        """The questions the page's /api/ask links ask, in order."""
        out = []
        for href, _, _ in self.links:
            u = urllib.parse.urlsplit(href or "")
            args = urllib.parse.parse_qs(u.query)
            if u.path == "/api/ask" and args.get("format") == ["html"]:
                out.append((href, args.get("q", [""])[0]))
        return out


def is_page(r, status, what):
    """Checks what every HTML reply must be; returns the parsed page."""
    h = r.headers
    s.check(r.status == status and h.get("content-type") == "text/html; charset=utf-8",
            f"{what}: {status} text/html; charset=utf-8", r)
    s.check("content-security-policy" in h and h.get("x-content-type-options") == "nosniff" and
            "x-frame-options" in h and "referrer-policy" in h,
            f"{what}: security headers (CSP) present", h)
    text = r.text
    s.check(text.startswith("<!doctype html>\n<html lang=") and text.endswith("</html>\n"),
            f"{what}: a whole HTML document", text[:300])
    s.check("<script" not in text.lower() and "style=" not in text.lower() and
            "<style" not in text.lower(), f"{what}: no script, no style", text)
    page = Page(text)
    s.check(not page.problems, f"{what}: elements nest and close", page.problems)
    s.check('<form action="/api/ask" method="get">' in text and
            '<input type="hidden" name="format" value="html">' in text,
            f"{what}: the form to ask again", text[-1200:])
    return page


def answer_page(d, want_json, want_lines):
    r = d.http("GET", f"/api/ask?format=html&q={q(JUDGE)}")
    page = is_page(r, 200, "answer page")
    text = r.text
    s.check('<html lang="en">' in text, "answer page: lang en", text[:200])
    s.check(f"<h1>Your question: {escape(JUDGE)}</h1>" in text, "answer page: the question",
            text[:600])
    s.check(want_lines and f"<p>{escape(want_lines[0])}</p>" in text,
            "answer page: the escaped answer text of rulingd --ask", f"{want_lines[:1]}\n{text}")
    urls = [x.get("url") for x in want_json.get("sources", []) if x.get("url")]
    links = {href: rel for href, rel, _ in page.links}
    s.check(urls and all(links.get(u) == "noopener noreferrer" for u in urls),
            "answer page: a link to each source URL of the JSON reply", f"{urls}\n{links}")
    s.check("<h2>Sources</h2>" in text and "September 15, 2017" in text,
            "answer page: sources with the date in words", text)
    related = [x["question"] for x in want_json.get("related", [])]
    s.check(related and [x[1] for x in page.asks()] == related,
            "answer page: related questions as links that ask them", page.asks())
    s.check("not legal advice" in text and '<a href="/">' in text,
            "answer page: the way back and the caveat", text[-400:])


def no_answer_page(d):
    want = cli_json(UNKNOWN)
    r = d.http("GET", f"/api/ask?format=html&q={q(UNKNOWN)}")
    page = is_page(r, 200, "no_answer page")
    text = r.text
    s.check(escape(want.get("text", "-")) in text and "<h2>Try one of these</h2>" in text,
            "no_answer page: the reply and its suggestions", text)
    asks = page.asks()
    s.check([x[1] for x in asks] == [x["question"] for x in want.get("suggestions", [])],
            "no_answer page: each suggestion is a link that asks it", asks)
    for href, question in asks[:2]:
        r = d.http("GET", href)
        followed = is_page(r, 200, f"suggestion link {href}")
        lines = cli_lines(question)
        s.check(lines and f"<p>{escape(lines[0])}</p>" in r.text and
                "<h2>Sources</h2>" in r.text and followed.links,
                f"suggestion link {href}: the answer, with sources", r.text)


def clarify_page(d):
    want = cli_json(CLARIFY)
    r = d.http("GET", f"/api/ask?format=html&q={q(CLARIFY)}")
    page = is_page(r, 200, "clarify page")
    text = r.text
    s.check(want.get("type") == "clarify" and f"<p>{escape(want.get('text', '-'))}</p>" in text
            and "<ol>" in text and "<h2>Try one of these</h2>" not in text,
            "clarify page: its question, then its choices numbered, no heading", text)
    s.check([x[1] for x in page.asks()] == [x["question"] for x in want.get("choices", [])],
            "clarify page: each choice is a link that asks it", page.asks())


def spanish_page(d):
    r = d.http("GET", f"/api/ask?format=html&q={q(SPANISH)}")
    is_page(r, 200, "Spanish page")
    text = r.text
    s.check('<html lang="es">' in text and "<h2>Fuentes</h2>" in text and
            "Haga otra pregunta" in text and "de septiembre de 2017" in text and
            f"<h1>Su pregunta: {escape(SPANISH)}</h1>" in text,
            "Spanish question: lang=\"es\", Spanish words and dates", text)


def other_requests(d, want_json):
    # A question full of markup and URL syntax comes back as text, in the heading and form.
    odd = "judge & jury #1 <script>alert('x')</script> 100%"
    r = d.http("GET", f"/api/ask?q={q(odd)}&format=html")
    is_page(r, 200, "question with markup")
    s.check(f"<h1>Your question: {escape(odd)}</h1>" in r.text and
            f'value="{escape(odd)}"' in r.text, "the question is escaped, in h1 and input",
            r.text)
    r = d.http("GET", f"/api/ask?format=html&q={'judge%20' * 400}")
    is_page(r, 413, "too long question")
    s.check("too long" in r.text, "413 page says the question is too long", r.text)
    r = d.http("GET", "/api/ask?format=html&q=")
    is_page(r, 400, "empty question")
    s.check("Please type a question first." in r.text, "400 page asks for a question", r.text)
    r = d.http("GET", f"/api/ask?format=html&lang=fr&q={q(JUDGE)}")
    is_page(r, 400, "lang=fr")
    # JSON stays as it was: format=json, no format, and POST whatever the URL says.
    for target in (f"/api/ask?format=json&q={q(JUDGE)}", f"/api/ask?q={q(JUDGE)}"):
        r = d.http("GET", target)
        s.check(r.status == 200 and r.headers.get("content-type") == "application/json" and
                r.json() == want_json, f"GET {target}: the JSON reply", r)
    r = d.http("POST", "/api/ask?format=html", headers=[("Content-Type", "application/json")],
               body='{"text":"who was the judge"}')
    s.check(r.status == 200 and r.headers.get("content-type") == "application/json" and
            r.json() == want_json, "POST /api/ask?format=html: still JSON", r)
    for value in ("xml", "", "HTML", "html%20"):
        r = d.http("GET", f"/api/ask?format={value}&q={q(JUDGE)}")
        j = r.json() or {}
        s.check(r.status == 400 and r.headers.get("content-type") == "application/json" and
                j.get("type") == "error" and j.get("code") == "bad_request" and
                "format" in j.get("message", ""), f"format={value}: 400 JSON bad_request", r)
        s.check("content-security-policy" in r.headers, f"format={value}: security headers",
                r.headers)


def rate_limited():
    with Daemon(s, ["--rate", "1", "--burst", "2"]) as d:
        rs = [d.http("GET", f"/api/ask?format=html&q={q(JUDGE)}") for _ in range(4)]
        statuses = [r.status for r in rs]
        s.check(statuses[:2] == [200, 200] and 429 in statuses,
                "format=html past the burst: 429", statuses)
        for r in rs:
            if r.status == 429:
                is_page(r, 429, "rate limited page")
                ra = r.headers.get("retry-after", "")
                s.check(ra.isdigit() and int(ra) >= 1, "429 page has Retry-After in seconds",
                        r.headers)
                s.check("Too many questions at once. Please wait " in r.text,
                        "429 page says how long to wait", r.text)
                break


def body():
    want_json = cli_json(JUDGE)
    want_lines = cli_lines(JUDGE)
    with Daemon(s, NO_RATE) as d:
        answer_page(d, want_json, want_lines)
        no_answer_page(d)
        clarify_page(d)
        spanish_page(d)
        other_requests(d, want_json)
    rate_limited()


main(s, body)
