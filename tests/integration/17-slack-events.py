#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingbot-slack in HTTP Events mode: Slack's url_verification, a signed event answered
through chat.postMessage, requests with a bad signature, a stale timestamp or no
signature refused with 401 and never answered, a retried event answered once, a question
sent with a file (subtype file_share) answered, and the endpoint's other paths and methods. Signatures are computed here with Python's hmac, apart
from the bridge's OpenSSL code."""
import hashlib
import hmac
import json
import time

import wsclient
from daemon import NO_RATE, Daemon, cli_json, free_port, main, need_daemon, slow, wait_for
from fakeslack import FakeSlack, callback, file_share, mention
from harness import Suite
from slackbridge import SIGNING_SECRET, Bridge, expected_post, need_bridge

s = Suite("17-slack-events")
need_daemon(s, budget=120)
need_bridge(s)

JUDGE = "Who was the judge?"


def sign(body, timestamp, secret=SIGNING_SECRET):
    mac = hmac.new(secret.encode(), b"v0:%d:" % timestamp + body, hashlib.sha256)
    return "v0=" + mac.hexdigest()


def post_event(port, payload, timestamp=None, signature=None, extra=(), raw=None):
    """POSTs payload (or raw bytes) to /slack/events, signed unless told otherwise."""
    body = raw if raw is not None else json.dumps(payload).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = [("Content-Type", "application/json")]
    if signature is not False:
        headers += [("X-Slack-Request-Timestamp", str(timestamp)),
                    ("X-Slack-Signature", signature or sign(body, timestamp))]
    headers += list(extra)
    return wsclient.http("127.0.0.1", port, "POST", b"/slack/events", headers=headers,
                         body=body, timeout=slow(5))


def check_refused(slack, port, what, **kw):
    ev = mention(JUDGE, channel=f"C-{what.replace(' ', '-')}")
    r = post_event(port, callback(ev, f"Ev-{what}"), **kw)
    s.check(r.status == 401, f"{what}: refused with 401", r)
    return ev["channel"]


def body():
    port = free_port()
    with FakeSlack() as slack, Daemon(s, NO_RATE) as d, \
            Bridge(s, slack, d.port, ["--post-interval", "100"], http_port=port):
        s.check(wait_for(lambda: slack.calls_of("auth.test"), slow(10)), "auth.test is called")
        ready = wait_for(lambda: _accepts(port), slow(10))
        s.check(ready, "the events endpoint listens")

        # url_verification, with the shape of Slack's documentation.
        challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
        r = post_event(port, {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge,
                              "type": "url_verification"})
        s.check(r.status == 200 and r.body == challenge.encode(),
                "url_verification is answered with the challenge", r)

        # A signed event: 200 at once, then the answer in its thread.
        ev = mention(JUDGE, channel="C-http")
        r = post_event(port, callback(ev, "Ev-http-1"))
        s.check(r.status == 200, "a signed event gets 200", r)
        posts = slack.wait_posts(1, slow(10), "C-http")
        s.check(len(posts) == 1 and posts[0].get("thread_ts") == ev["ts"] and
                posts[0].get("text") == expected_post(cli_json(JUDGE)),
                "the event is answered in its thread", posts)

        # Slack's retry of the same event (X-Slack-Retry-Num): answered once.
        r = post_event(port, callback(ev, "Ev-http-1"),
                       extra=[("X-Slack-Retry-Num", "1"), ("X-Slack-Retry-Reason",
                                                          "http_timeout")])
        s.check(r.status == 200, "the retry gets 200", r)

        # A direct message sent with a file: its text is answered, in the conversation.
        r = post_event(port, callback(file_share(JUDGE, channel="D-http-file"), "Ev-http-f"))
        s.check(r.status == 200, "a file_share event gets 200", r)
        posts = slack.wait_posts(1, slow(10), "D-http-file")
        s.check(len(posts) == 1 and "thread_ts" not in posts[0] and
                posts[0].get("text") == expected_post(cli_json(JUDGE)),
                "a message with a file is answered as its text", posts)

        # Refused: a wrong signature, a wrong secret, a stale or future timestamp, none.
        now = int(time.time())
        refused = [
            check_refused(slack, port, "bad signature", signature="v0=" + "0" * 64),
            check_refused(slack, port, "wrong secret",
                          signature=sign(json.dumps({}).encode(), now, "another")),
            check_refused(slack, port, "stale timestamp", timestamp=now - 301),
            check_refused(slack, port, "future timestamp", timestamp=now + 301),
            check_refused(slack, port, "no signature", signature=False),
        ]
        # A body changed after signing.
        body_bytes = json.dumps(callback(mention(JUDGE, channel="C-changed"), "Ev-x")).encode()
        r = post_event(port, None, raw=body_bytes.replace(b"judge", b"Judge"),
                       signature=sign(body_bytes, now), timestamp=now)
        s.check(r.status == 401, "a body changed after signing is refused", r)
        refused.append("C-changed")

        # Signed, but not JSON; another path; another method.
        r = post_event(port, None, raw=b"{not json")
        s.check(r.status == 400, "a signed body that is not JSON gets 400", r)
        r = wsclient.http("127.0.0.1", port, "POST", b"/other", body=b"{}", timeout=slow(5))
        s.check(r.status == 404, "another path gets 404", r)
        r = wsclient.http("127.0.0.1", port, "GET", b"/slack/events", timeout=slow(5))
        s.check(r.status == 405, "GET gets 405", r)

        r = wsclient.http("127.0.0.1", port, "POST", b"/slack/events",
                          headers=[("Content-Length", str(2 << 20))], body=b"{}",
                          timeout=slow(5))
        s.check(r.status == 413, "a body over 1 MiB is refused with 413", r)

        time.sleep(slow(1.5))
        s.check(len(slack.wait_posts(1, 0, "C-http")) == 1, "the retried event is answered once",
                slack.posts)
        s.check(not any(p.get("channel") in refused for p in slack.posts),
                "no refused request is answered", slack.posts)


def _accepts(port):
    try:
        wsclient.tcp("127.0.0.1", port, timeout=1).close()
        return True
    except OSError:
        return False


main(s, body)
