#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingbot-slack in Socket Mode, against a fake Slack (fakeslack.py) and a real rulingd:
mentions and direct messages answered in their thread with sources, the help text, retries
and double deliveries answered once, questions sent with a file answered, bots, edits and
joins ignored, every disconnect reason, envelopes reaching a link as it is replaced, a
silent link, 429s and pacing, rulingd restarts and timeouts, refused tokens, and escaping.
Every expected answer comes from rulingd itself."""
import time

from daemon import KB, NO_RATE, Daemon, cli_json, free_port, main, need_daemon, slow
from fakeslack import BOT_USER, FakeSlack, direct, file_share, mention, next_ts
from harness import BUILD, ROOT, Suite
from slackbridge import Bridge, escape, expected_post, need_bridge

s = Suite("16-slack-socket")
need_daemon(s, budget=240)
need_bridge(s)

JUDGE = "Who was the judge?"
CLARIFY = "when"  # close to several facts, likely enough to none: asked back
HOSTILE_KB = f"{ROOT}/{BUILD}/test/hostile.sqlite"


def settle(seconds=1.0):
    """Time for a second, wrong post to show up, if the bridge were to make one."""
    time.sleep(slow(seconds))


def one_post(slack, channel, what, timeout=10):
    """The single post to channel: checks there is exactly one, after a settling wait."""
    posts = slack.wait_posts(1, slow(timeout), channel)
    settle()
    posts = slack.wait_posts(1, 0, channel)
    s.check(len(posts) == 1, f"{what}: exactly one post", posts)
    return posts[0] if posts else {}


def test_mention(slack):
    ev = mention(JUDGE, channel="C-mention")
    env, _ = slack.send_event(ev)
    post = one_post(slack, "C-mention", "a mention")
    s.check(slack.acked(env), "the envelope is acknowledged", slack.acks)
    s.check(post.get("thread_ts") == ev["ts"], "the answer goes in the question's thread", post)
    s.check(post.get("text") == expected_post(cli_json(JUDGE)),
            "the answer is rulingd's, with its sources as links", post.get("text"))
    s.check("<https://" in post.get("text", "") and "*Sources*" in post.get("text", ""),
            "the sources are Slack links", post.get("text"))
    s.check(post.get("unfurl_links") is False and post.get("unfurl_media") is False,
            "link unfurling is off", post)


def test_direct_message(slack):
    question = "When did the judge rule?"
    slack.send_event(direct(question, channel="D-dm"))
    post = one_post(slack, "D-dm", "a direct message")
    s.check("thread_ts" not in post, "a direct message is answered in the conversation", post)
    s.check(post.get("text") == expected_post(cli_json(question)), "the DM's answer is "
            "rulingd's", post.get("text"))
    # In a thread of the DM, the answer stays in the thread.
    ev = direct("Who was the judge?", channel="D-dm2", thread_ts="1610241741.000001")
    slack.send_event(ev)
    post = one_post(slack, "D-dm2", "a question in a DM thread")
    s.check(post.get("thread_ts") == "1610241741.000001", "a DM thread is answered in it", post)


def test_clarify(slack):
    slack.send_event(direct(CLARIFY, channel="D-clarify"))
    post = one_post(slack, "D-clarify", "a question asked back")
    s.check(post.get("text") == expected_post(cli_json(CLARIFY)),
            "a clarification: rulingd's text, then its choices numbered", post.get("text"))
    s.check("\n1. " in post.get("text", "") and "Try asking" not in post.get("text", ""),
            "the choices are a numbered list without a heading", post.get("text"))


def test_bare_mention(slack):
    ev = mention("", channel="C-bare")
    ev["text"] = f"<@{BOT_USER}>"
    slack.send_event(ev)
    post = one_post(slack, "C-bare", "a bare mention")
    s.check(post.get("text", "").startswith("Ask me about *City of Chicago v. Sessions*"),
            "a bare mention gets the help text", post)
    s.check(post.get("thread_ts") == ev["ts"], "the help text goes in the thread", post)


def test_retried_event(slack):
    ev = mention(JUDGE, channel="C-retry")
    env1, event_id = slack.send_event(ev)
    env2, _ = slack.send_event(ev, event_id=event_id, retry_attempt=1)
    one_post(slack, "C-retry", "an event and its retry")
    s.check(slack.acked(env1) and slack.acked(env2), "both deliveries are acknowledged",
            slack.acks)


def test_double_delivery(slack):
    ts = next_ts()
    # The same message as app_mention and as message.im, with different event ids.
    slack.send_event(mention(JUDGE, channel="D-double", ts=ts, channel_type="im"))
    slack.send_event(direct(f"<@{BOT_USER}> {JUDGE}", channel="D-double", ts=ts))
    # And copies with new event ids and no retry header (as Slack has sent).
    slack.send_event(mention(JUDGE, channel="D-double", ts=ts, channel_type="im"))
    one_post(slack, "D-double", "app_mention + message for one question")


def test_file_share(slack):
    """A question sent with a file (subtype file_share) is answered as its text."""
    question = "When did the judge rule?"
    slack.send_event(file_share(question, channel="D-file"))
    post = one_post(slack, "D-file", "a direct message with a file")
    s.check("thread_ts" not in post, "it is answered in the conversation", post)
    s.check(post.get("text") == expected_post(cli_json(question)),
            "the answer is rulingd's to the message's text", post.get("text"))
    # In a thread of the direct message, the answer stays in the thread.
    slack.send_event(file_share(JUDGE, channel="D-file2", thread_ts="1610241741.000001"))
    post = one_post(slack, "D-file2", "a file in a DM thread")
    s.check(post.get("thread_ts") == "1610241741.000001", "a file in a thread is answered "
            "in it", post)
    # A mention with a file, as recorded (files, upload, no subtype): answered too.
    ev = mention(JUDGE, channel="C-file", files=[{"id": "F111", "name": "ruling.txt"}],
                 upload=False, display_as_bot=False)
    slack.send_event(ev)
    post = one_post(slack, "C-file", "a mention with a file")
    s.check(post.get("thread_ts") == ev["ts"], "the mention with a file is answered in its "
            "thread", post)
    # A file with no words: the help text, as for any empty message.
    slack.send_event(file_share("", channel="D-file3"))
    post = one_post(slack, "D-file3", "a file alone")
    s.check(post.get("text", "").startswith("Ask me about *City of Chicago v. Sessions*"),
            "a file alone gets the help text", post)
    # A file from another bot, or the bot's own, is still not a question.
    slack.send_event(file_share(JUDGE, channel="D-file4", bot_id="B999"))
    slack.send_event(file_share(JUDGE, channel="D-file4", user=BOT_USER))
    settle()
    s.check(not slack.wait_posts(1, 0, "D-file4"), "files from bots are ignored", slack.posts)


def test_ignored(slack):
    channel = "D-ignored"
    ignored = [
        direct("my own words", channel=channel, user=BOT_USER),
        direct("a bot", channel=channel, subtype="bot_message", bot_id="B999"),
        direct("a bot as a user", channel=channel, bot_id="B999"),
        direct("x", channel=channel, subtype="message_changed",
               message={"user": "U222", "text": "Who was the judge?"}),
        direct("", channel=channel, subtype="message_deleted", hidden=True),
        direct("joined", channel=channel, subtype="channel_join"),
        direct("waves", channel=channel, subtype="me_message"),
        direct(JUDGE, channel=channel, subtype="thread_broadcast", thread_ts=next_ts()),
        direct("hidden", channel=channel, hidden=True),
        mention("own mention", channel=channel, user=BOT_USER),
        {"type": "message", "text": f"<@{BOT_USER}> {JUDGE}", "user": "U222", "ts": next_ts(),
         "channel": "C-plain", "channel_type": "channel"},
    ]
    envs = [slack.send_event(ev)[0] for ev in ignored]
    settle()
    s.check(not slack.wait_posts(1, 0, channel) and not slack.wait_posts(1, 0, "C-plain"),
            "own, bots', edited, deleted, join, hidden and plain channel messages are ignored",
            slack.posts)
    s.check(all(slack.acked(e) for e in envs), "ignored envelopes are still acknowledged")
    slack.send_event(direct(JUDGE, channel=channel))
    one_post(slack, channel, "the question after the ignored events")


def test_too_long(slack):
    """rulingd refuses an oversized question without reading its id: still answered."""
    slack.send_event(direct("who was the judge " * 200, channel="D-long"))
    post = one_post(slack, "D-long", "a question over rulingd's limit")
    s.check(post.get("text", "").startswith("That question is too long for me."),
            "an oversized question is told so, at once", post)


def test_escaping(slack, hostile_port):
    """Slack's escapes undone on the way in; the answer's markup escaped on the way out."""
    with Daemon(s, NO_RATE + ["--log-questions"], kb=HOSTILE_KB, port=hostile_port) as d, \
            Bridge(s, slack, d.port, FAST):
        link = slack.wait_link(len(slack.links) + 1, slow(10))
        slack.send_event(mention("Show me the markup answer &amp; &lt;b&gt;", channel="C-esc"),
                         link=link)
        post = one_post(slack, "C-esc", "a question with escapes")
        text = post.get("text", "")
        s.check("Show me the markup answer & <b>" in d.stderr(),
                "rulingd is asked the unescaped text", d.stderr()[-2000:])
        reply = cli_json("Show me the markup answer & <b>", kb=HOSTILE_KB)
        s.check("<script>" in reply.get("text", ""), "the fixture's answer has markup", reply)
        s.check(text.startswith(escape(reply.get("text", "-"))), "the answer is escaped", text)
        s.check("&lt;script&gt;" in text and "&amp;" in text and "<script" not in text and
                "<img" not in text, "no raw markup reaches Slack", text)


# Posts not paced a second apart, so that a second, wrong post shows up in settle().
FAST = ["--post-interval", "100"]


def basics():
    with FakeSlack() as slack, Daemon(s, NO_RATE) as d, Bridge(s, slack, d.port, FAST):
        slack.wait_link(1, slow(10))
        test_mention(slack)
        test_direct_message(slack)
        test_clarify(slack)
        test_bare_mention(slack)
        test_retried_event(slack)
        test_double_delivery(slack)
        test_file_share(slack)
        test_ignored(slack)
        test_too_long(slack)
    with FakeSlack() as slack:
        test_escaping(slack, free_port())


def disconnects():
    """Each reason: a new link is opened, and nothing asked around it is lost. After
    warning or refresh_requested Slack ends the old link itself, a second later here."""
    with FakeSlack() as slack, Daemon(s, NO_RATE) as d, Bridge(s, slack, d.port, FAST):
        for n, reason in enumerate(("refresh_requested", "warning", "too_many_websockets")):
            old = slack.wait_link(n + 1, slow(10))
            channel = f"C-{reason}"
            slack.send_event(mention(JUDGE, channel=channel), link=old)
            refresh = reason != "too_many_websockets"
            slack.disconnect(old, reason, close_after=slow(1) if refresh else None)
            new = slack.wait_link(n + 2, slow(15))
            s.check(new is not old, f"{reason}: a new link is opened", slack.links)
            s.check(len(slack.calls_of("apps.connections.open")) == n + 2,
                    f"{reason}: with a fresh apps.connections.open")
            s.check(slack.wait(lambda: old.closed, slow(5)), f"{reason}: the old link is closed")
            if refresh:
                s.check(old.closed_by_slack and not old.closed_by_bridge,
                        f"{reason}: the old link is read until Slack closes it", vars(old))
            slack.send_event(mention("When did the judge rule?", channel=channel), link=new)
            posts = slack.wait_posts(2, slow(10), channel)
            settle()
            posts = slack.wait_posts(2, 0, channel)
            s.check(len(posts) == 2, f"{reason}: the questions before and after are answered, "
                    "once each", posts)


def link_replacement():
    """An envelope reaching the old link as it is replaced (Slack sent it before the
    bridge's close could reach Slack): read, acknowledged on that link, answered at once
    and once; its redelivery is not answered again."""
    with FakeSlack() as slack, Daemon(s, NO_RATE) as d, \
            Bridge(s, slack, d.port, FAST + ["--watchdog", str(slow(6))]):
        old = slack.wait_link(1, slow(10))
        slack.disconnect(old, "refresh_requested")
        slack.wait_link(2, slow(15))
        ev = mention(JUDGE, channel="C-in-flight")
        env, event_id = slack.send_event(ev, link=old, in_flight=0.5)
        s.check(slack.wait(lambda: slack.acked(env), slow(3)),
                "an envelope reaching the old link after the new hello is acknowledged",
                slack.acks)
        s.check(slack.acked(env) == [old.number], "on the old link", slack.acks)
        post = one_post(slack, "C-in-flight", "a question on the link being replaced")
        s.check(post.get("thread_ts") == ev["ts"], "it is answered in its thread", post)
        s.check(not old.closed_by_bridge, "the bridge did not close the old link while Slack "
                "still used it", vars(old))
        # Slack ends the old link; had the ack been lost, Slack would deliver it again.
        old.close_by_slack()
        s.check(slack.wait(lambda: old.closed, slow(5)), "Slack's close of the old link "
                "completes")
        slack.send_event(ev, event_id=event_id, retry_attempt=1)
        settle()
        s.check(len(slack.wait_posts(1, 0, "C-in-flight")) == 1, "a redelivery is not "
                "answered again", slack.posts)


def link_replacement_timeout():
    """Slack does not end the old link: the bridge closes it after --watchdog seconds. An
    envelope crossing that close is not read; Slack delivers it again on the new link, and
    it is answered once."""
    with FakeSlack() as slack, Daemon(s, NO_RATE) as d, \
            Bridge(s, slack, d.port, FAST + ["--watchdog", str(slow(2))]):
        slack.redeliver_after = slow(1)
        old = slack.wait_link(1, slow(10))
        slack.disconnect(old, "warning")
        new = slack.wait_link(2, slow(15))
        env, _ = slack.send_event(mention(JUDGE, channel="C-crossing"), link=old,
                                  in_flight=slow(60))
        s.check(slack.wait(lambda: old.closed, slow(6)), "the bridge closes the old link "
                "Slack left open", vars(old))
        s.check(old.closed_by_bridge and not new.closed, "the bridge closed it; the new one "
                "stays", vars(old))
        one_post(slack, "C-crossing", "an envelope crossing the bridge's close")
        s.check(any(e == env for e, _ in slack.redelivered), "it was answered from Slack's "
                "redelivery", slack.redelivered)


def silent_link():
    with FakeSlack() as slack, Daemon(s, NO_RATE) as d, \
            Bridge(s, slack, d.port, FAST + ["--watchdog", str(slow(2))]):
        first = slack.wait_link(1, slow(10))
        first.silent = True
        second = slack.wait_link(2, slow(15))
        s.check(second is not first, "a silent link is replaced by the watchdog", slack.links)
        s.check(first.pings > 0, "the bridge pinged the silent link", first.pings)
        slack.send_event(mention(JUDGE, channel="C-silent"), link=second)
        one_post(slack, "C-silent", "a question on the new link")


def rate_limits():
    with FakeSlack() as slack, Daemon(s, NO_RATE) as d, Bridge(s, slack, d.port):
        slack.wait_link(1, slow(10))
        slack.limits["chat.postMessage"] = [1, 2]
        slack.send_event(mention(JUDGE, channel="C-429"))
        post = one_post(slack, "C-429", "a post after a 429", timeout=15)
        calls = slack.calls_of("chat.postMessage")
        s.check([c[2] for c in calls] == [429, 200], "one 429, then the same post once",
                [c[2] for c in calls])
        if len(calls) == 2:
            s.check(calls[1][4] - calls[0][4] >= 1.9, "it waited Retry-After (2 s)",
                    calls[1][4] - calls[0][4])
            s.check(calls[0][3] == calls[1][3], "the same post is sent again", calls)
        s.check(post.get("text", "").startswith(escape(cli_json(JUDGE).get("text", "-"))),
                "the held answer is the right one", post)
        # Pacing: three answers for one channel come at least a second apart.
        for q in (JUDGE, "When did the judge rule?", "Who sued?"):
            slack.send_event(mention(q, channel="C-pace"))
        posts = slack.wait_posts(3, slow(15), "C-pace")
        gaps = [b["_at"] - a["_at"] for a, b in zip(posts, posts[1:])]
        s.check(len(posts) == 3 and all(g >= 0.9 for g in gaps),
                "posts to one channel are about a second apart", gaps)


def rulingd_restart():
    """Asked while rulingd is down: answered once when it is back."""
    with FakeSlack() as slack, Daemon(s, NO_RATE) as d, Bridge(s, slack, d.port, FAST) as b:
        slack.wait_link(1, slow(10))
        d.stop()
        slack.send_event(mention(JUDGE, channel="C-restart"))
        time.sleep(slow(1.5))
        s.check(not slack.wait_posts(1, 0, "C-restart"), "nothing is posted while rulingd is "
                "down", slack.posts)
        d.start()
        post = one_post(slack, "C-restart", "a question asked while rulingd was down",
                        timeout=40)
        s.check(post.get("text") == expected_post(cli_json(JUDGE)), "it gets the real answer",
                post)
        s.check("connected to rulingd" in b.stderr(), "the bridge reconnected to rulingd")


def rulingd_timeout():
    """rulingd down past --answer-timeout: one apology, nothing more."""
    with FakeSlack() as slack, Daemon(s, NO_RATE) as d, \
            Bridge(s, slack, d.port, FAST + ["--answer-timeout", str(slow(3))]):
        slack.wait_link(1, slow(10))
        d.stop()
        slack.send_event(mention(JUDGE, channel="C-timeout"))
        post = one_post(slack, "C-timeout", "a question rulingd never answers", timeout=15)
        s.check(post.get("text", "").startswith("Sorry, I could not get an answer"),
                "the reply is an apology", post)
        d.start()
        settle(2)
        s.check(len(slack.wait_posts(1, 0, "C-timeout")) == 1, "no late answer after the "
                "apology", slack.posts)


def refused_tokens():
    for method in ("auth.test", "apps.connections.open"):
        with FakeSlack() as slack:
            slack.refuse[method] = "invalid_auth"
            b = Bridge(s, slack, free_port()).start()
            code = b.wait_exit(slow(15))
            if code is None:
                b.stop()
            s.check(code == 3, f"invalid_auth at {method}: exit status 3", b.stderr())
            s.check("invalid_auth" in b.stderr(), f"invalid_auth at {method}: said why",
                    b.stderr())
            b.check_no_secrets()
            b.log.close()


def body():
    basics()
    disconnects()
    link_replacement()
    link_replacement_timeout()
    silent_link()
    rate_limits()
    rulingd_restart()
    rulingd_timeout()
    refused_tokens()


main(s, body)
