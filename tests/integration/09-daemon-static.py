#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Static files from --www: index.html for /, a file, a file in a folder, 404 for a
missing one, and path traversal in every spelling (.., %2e%2e, %2E%2E%2F, ..%2f, //,
backslashes, NUL, double encoding, overlong UTF-8) never reaching a secret file kept next
to the folder, nor /etc/passwd."""
import os
import shutil
import tempfile

from daemon import NO_RATE, Daemon, main, need_daemon
from harness import Suite

s = Suite("09-daemon-static")
need_daemon(s)

SECRET = "SECRET-" + os.urandom(8).hex()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def body():
    base = tempfile.mkdtemp(prefix="rulingd-www-")
    try:
        www = os.path.join(base, "www")
        index = "<!doctype html><title>rulingbot</title><p>index page\n"
        script = "console.log('widget');\n"
        page = "<!doctype html><p>a page in a folder\n"
        write(os.path.join(www, "index.html"), index)
        write(os.path.join(www, "widget.js"), script)
        write(os.path.join(www, "docs", "page.html"), page)
        write(os.path.join(www, "docs", "index.html"), page)
        write(os.path.join(base, "secret.txt"), SECRET + "\n")
        write(os.path.join(base, "www-private", "key.txt"), SECRET + "\n")  # a sibling folder
        write(os.path.join(base, "etc", "passwd"), SECRET + "\n")
        with Daemon(s, NO_RATE, www=www) as d:
            r = d.http("GET", "/")
            s.check(r.status == 200 and r.text == index, "/ serves index.html", r)
            s.check(r.headers.get("content-type", "").startswith("text/html"),
                    "index.html is text/html", r.headers)
            r = d.http("GET", "/index.html")
            s.check(r.status == 200 and r.text == index, "/index.html", r)
            r = d.http("GET", "/widget.js")
            s.check(r.status == 200 and r.text == script and
                    "javascript" in r.headers.get("content-type", ""),
                    "/widget.js, as JavaScript", r)
            r = d.http("GET", "/docs/page.html")
            s.check(r.status == 200 and r.text == page, "a file in a folder", r)
            r = d.http("GET", "/widget.js?v=3")
            s.check(r.status == 200 and r.text == script, "a query string is ignored", r)
            for target in ("/missing.html", "/docs/missing.html", "/secret.txt",
                           "/www/index.html"):
                r = d.http("GET", target)
                s.check(r.status == 404, f"{target}: 404", r)

            traversal = [
                "/../secret.txt", "/../../secret.txt", "/docs/../../secret.txt",
                "/docs/../../../../../../../../etc/passwd", "/../etc/passwd",
                "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/%2e%2e%2fsecret.txt",
                "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt", "/..%2Fsecret.txt",
                "/.%2e/secret.txt", "/%2e./secret.txt", "/docs/%2e%2e/%2e%2e/secret.txt",
                "/docs%2f..%2f..%2fsecret.txt", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                "//etc/passwd", "///etc/passwd", "//../secret.txt", "/%2fetc%2fpasswd",
                "/%2F..%2Fsecret.txt", "/..\\secret.txt", "/..%5csecret.txt",
                "/..%5Csecret.txt", "/%5c..%5csecret.txt", "/docs\\..\\..\\secret.txt",
                "/%252e%252e/secret.txt", "/%252e%252e%252fsecret.txt",
                "/%c0%ae%c0%ae/secret.txt", "/%c0%ae%c0%ae%c0%afsecret.txt",
                "/..%c0%afsecret.txt", "/%e0%80%ae%e0%80%ae/secret.txt",
                "/./../secret.txt", "/docs/./../.././secret.txt", "/..;/secret.txt",
                "/.../secret.txt", "/..../secret.txt", "/../www-private/key.txt",
                "/..%2fwww-private%2fkey.txt", "/%2e%2e/www-private/key.txt",
                "/../www/../secret.txt", "/index.html/../../secret.txt",
                "/..%00/secret.txt", "/%00../secret.txt", "/../secret.txt%00.html",
                "/index.html%00/../../secret.txt", "/etc/passwd",
                "../secret.txt", "secret.txt", "%2e%2e/secret.txt",
                f"http://127.0.0.1:{d.port}/../secret.txt", "http://localhost/%2e%2e/secret.txt",
            ]
            raw = [b"/..\x00/secret.txt", b"/index.html\x00/../../secret.txt",
                   b"/\x00/../secret.txt", b"/..\t/secret.txt"]
            leaks = []
            for target in traversal + raw:
                r = d.http("GET", target)
                if SECRET in r.text or "root:x:0:0" in r.text or "root:" in r.text[:200]:
                    leaks.append((target, r.status, r.text[:200]))
                if r.status == 200 and r.text not in (index, page, script):
                    leaks.append((target, r.status, "served something else: " + r.text[:200]))
            s.check(not leaks, f"{len(traversal + raw)} traversal paths: nothing outside --www",
                    "\n".join(map(repr, leaks)))
            # The same with HEAD and over a websocket handshake path.
            r = d.http("HEAD", "/%2e%2e/secret.txt")
            s.check(r.status != 200, "HEAD /%2e%2e/secret.txt is not served", r)
            with d.ws(path="/../secret.txt") as ws:
                s.check(SECRET not in ws.body.decode("latin-1"),
                        "a websocket handshake at /../secret.txt leaks nothing", ws.body[:200])
            r = d.http("GET", "/")
            s.check(r.status == 200 and r.text == index, "rulingd still serves / after all that",
                    r)
    finally:
        shutil.rmtree(base, ignore_errors=True)


main(s, body)
