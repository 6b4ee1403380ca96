#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingbot-matrix against a fake homeserver (fakematrix.py) and a real rulingd: the
backlog left alone on the first start, invitations joined once (or declined), direct
chats, group rooms with and without a mention, threads, notices and its own messages
ignored, encrypted rooms told once, 429s waited out under the same transaction id, a
refused token, a kill before and after answering (answered exactly once), and escaping.
Every expected answer comes from rulingd itself."""
import json
import signal
import threading
import time

from daemon import NO_RATE, Daemon, cli_json, main, need_daemon, slow
from fakematrix import BOT, BOT_NAME, FakeMatrix
from harness import BUILD, ROOT, Suite
from matrixbridge import Bridge, expected_content, need_bridge

s = Suite("18-matrix")
need_daemon(s, budget=240)
need_bridge(s)

ALICE, BOB = "@alice:fake.test", "@bob:fake.test"
JUDGE = "Who was the judge?"
CLARIFY = "when"  # close to several facts, likely enough to none: asked back
HOSTILE_KB = f"{ROOT}/{BUILD}/test/hostile.sqlite"


def settle(seconds=1.0):
    """Time for a second, wrong send to show up, if the bridge were to make one."""
    time.sleep(slow(seconds))


def one_send(hs, room, what, timeout=10):
    """The single message sent to room: checks there is exactly one, after a wait."""
    hs.wait_sends(1, slow(timeout), room)
    settle()
    sends = hs.sends_to(room)
    s.check(len(sends) == 1, f"{what}: exactly one reply", sends)
    return sends[0]["content"] if sends else {}


def relation(content):
    return content.get("m.relates_to") or {}


def check_answer(content, question, event_id, what, kb=None):
    """content is rulingd's answer to question, as a rich reply to event_id."""
    body, html = expected_content(cli_json(question, kb=kb) if kb else cli_json(question))
    s.check(content.get("msgtype") == "m.notice", f"{what}: sent as m.notice", content)
    s.check(content.get("body") == body, f"{what}: body is rulingd's answer in plain text",
            (content.get("body"), body))
    s.check(content.get("format") == "org.matrix.custom.html" and
            content.get("formatted_body") == html,
            f"{what}: formatted_body is the answer in HTML", (content.get("formatted_body"), html))
    s.check((relation(content).get("m.in_reply_to") or {}).get("event_id") == event_id,
            f"{what}: a rich reply to the question", content)
    s.check(content.get("m.mentions") == {"user_ids": [ALICE]},
            f"{what}: m.mentions names the asker only", content)


def test_first_start(hs):
    syncs = hs.wait_syncs(2, slow(10))
    s.check(len(syncs) >= 2 and syncs[0]["since"] is None and syncs[0]["timeout"] == 0,
            "the first sync has no since and does not wait", syncs[:1])
    s.check(len(syncs) >= 2 and syncs[1]["since"] and syncs[1]["timeout"] == 30000 and
            syncs[1]["set_presence"] == "offline", "then it long-polls from next_batch, 30 s",
            syncs[1:2])
    s.check(all(x["filter"] == "filter1" for x in syncs), "every sync uses the uploaded filter",
            syncs)
    f = hs.filters[0] if hs.filters else {}
    s.check(f.get("room", {}).get("timeline", {}).get("types") ==
            ["m.room.message", "m.room.encrypted", "m.room.member"],
            "the filter keeps timeline messages, and members joining and leaving", f)
    s.check(all(f.get(k, {}).get("not_types") == ["*"] for k in ("presence", "account_data"))
            and all(f.get("room", {}).get(k, {}).get("not_types") == ["*"]
                    for k in ("state", "ephemeral", "account_data")),
            "the filter drops everything else", f)
    settle()
    s.check(not hs.sends_to("!dm:fake.test"), "the backlog of the first start is not answered",
            hs.sends)


def test_invites(hs):
    s.check(hs.wait(lambda: hs.joined("!invited:fake.test"), slow(10)),
            "a pending invitation is joined")
    hs.invite("!carol:fake.test", "@carol:trusted.test")
    hs.invite("!mallory:fake.test", "@mallory:evil.test")
    s.check(hs.wait(lambda: hs.joined("!carol:fake.test"), slow(10)),
            "an invitation from an allowed server is joined")
    s.check(hs.wait(lambda: "!mallory:fake.test" in hs.leaves, slow(10)),
            "an invitation from anyone else is declined")
    settle()
    s.check(hs.joins.count("!invited:fake.test") == 1 and hs.joins.count("!carol:fake.test") == 1,
            "each room is joined exactly once", hs.joins)
    s.check("!mallory:fake.test" not in hs.joins, "the declined room is not joined", hs.joins)


def test_direct_chat(hs):
    ev = hs.message("!dm:fake.test", ALICE, JUDGE)
    content = one_send(hs, "!dm:fake.test", "a question in a direct chat")
    check_answer(content, JUDGE, ev, "a direct chat")
    s.check("rel_type" not in relation(content), "no thread where the question had none", content)
    sent = hs.sends_to("!dm:fake.test")
    s.check(sent and sent[0]["txn_id"] == "rulingbot-" + ev,
            "the transaction id is made from the question's event id", sent)


def test_clarify(hs):
    ev = hs.message("!clarify:fake.test", ALICE, CLARIFY)
    content = one_send(hs, "!clarify:fake.test", "a question asked back")
    check_answer(content, CLARIFY, ev, "a clarification")
    s.check("\n1. " in content.get("body", "") and "<ol><li>" in
            content.get("formatted_body", "") and "Try asking" not in content.get("body", ""),
            "a clarification's choices are a numbered list without a heading", content)


def test_group_room(hs):
    room = "!group:fake.test"
    hs.message(room, ALICE, JUDGE)
    hs.message(room, BOB, f"{BOT_NAME}: {JUDGE}", mentions=[])
    ev = hs.message(room, ALICE, f"{BOT_NAME}: {JUDGE}",
                    formatted_body=f'<a href="https://matrix.to/#/{BOT}">{BOT_NAME}</a>: {JUDGE}',
                    mentions=[BOT])
    content = one_send(hs, room, "a group room: only the message that mentions the bot")
    check_answer(content, JUDGE, ev, "a mention in a group room")
    legacy = hs.message("!group2:fake.test", ALICE, f"{BOT_NAME.lower()}, {JUDGE}")
    content = one_send(hs, "!group2:fake.test", "a mention by name from an older client")
    check_answer(content, JUDGE, legacy, "a mention by name")


def test_thread(hs):
    room = "!group3:fake.test"
    root = hs.message(room, BOB, "a thread about the case")
    ev = hs.message(room, ALICE, JUDGE, mentions=[BOT],
                    relates_to={"rel_type": "m.thread", "event_id": root,
                                "is_falling_back": True, "m.in_reply_to": {"event_id": root}})
    content = one_send(hs, room, "a question in a thread")
    rel = relation(content)
    s.check(rel.get("rel_type") == "m.thread" and rel.get("event_id") == root and
            rel.get("is_falling_back") is True, "the reply stays in the thread", rel)
    s.check((rel.get("m.in_reply_to") or {}).get("event_id") == ev,
            "and replies to the question in it", rel)


def test_ignored(hs):
    room = "!dm2:fake.test"
    hs.message(room, ALICE, JUDGE, msgtype="m.notice")
    hs.message(room, BOT, JUDGE)
    hs.message("!botdm:fake.test", "@otherbot:fake.test", JUDGE)
    hs.message(room, ALICE, "* " + JUDGE, extra={"m.new_content": {"msgtype": "m.text",
                                                                    "body": JUDGE}},
               relates_to={"rel_type": "m.replace", "event_id": "$x"})
    hs.message(room, ALICE, JUDGE, ts=int(time.time() * 1000) - 3600 * 1000)
    ev = hs.message(room, ALICE, "When did the judge rule?")
    content = one_send(hs, room, "a notice, its own message, an edit and an old message "
                       "ignored; the question after them answered")
    check_answer(content, "When did the judge rule?", ev, "the question after ignored ones")
    s.check(not hs.sends_to("!botdm:fake.test"), "a user in --ignore-user is not answered")


def test_member_lookup(hs):
    """Without room summaries, the bridge asks the homeserver who is in the room."""
    hs.summaries = False
    hs.add_room("!dm3:fake.test", [ALICE])
    hs.add_room("!group5:fake.test", [ALICE, BOB])
    hs.message("!group5:fake.test", ALICE, JUDGE)
    ev = hs.message("!dm3:fake.test", ALICE, JUDGE)
    content = one_send(hs, "!dm3:fake.test", "a direct chat without a room summary")
    check_answer(content, JUDGE, ev, "a direct chat counted by joined_members")
    asked = [r["path"] for r in hs.requests if r["path"].endswith("/joined_members") and
             ("dm3" in r["path"] or "group5" in r["path"])]
    s.check(len(asked) == 2 and len(set(asked)) == 2, "the members were asked for, once per "
            "room", asked)
    s.check(not hs.sends_to("!group5:fake.test"),
            "a group room counted by joined_members: no answer without a mention")
    hs.summaries = True


def test_help(hs):
    ev = hs.message("!group4:fake.test", ALICE, BOT_NAME, mentions=[BOT])
    content = one_send(hs, "!group4:fake.test", "a bare mention")
    s.check(content.get("body", "").startswith("Ask me about City of Chicago v. Sessions"),
            "a bare mention gets the help text", content)
    s.check((relation(content).get("m.in_reply_to") or {}).get("event_id") == ev,
            "the help text replies to the mention", content)


def test_encrypted(hs):
    room = "!secret:fake.test"
    hs.encrypted(room, ALICE)
    hs.encrypted(room, BOB)
    hs.message(room, ALICE, JUDGE, mentions=[BOT])
    content = one_send(hs, room, "an encrypted room")
    s.check(content.get("msgtype") == "m.notice" and "formatted_body" not in content and
            "encrypted" in content.get("body", "") and
            "https://example.org/ask" in content.get("body", ""),
            "one plain notice: it cannot read encryption, and where to ask", content)
    hs.encrypted(room, ALICE)
    settle()
    s.check(len(hs.sends_to(room)) == 1, "then silence in that room", hs.sends_to(room))
    hs.invite("!secret2:fake.test", ALICE, members=[ALICE, BOB], encrypted=True)
    notice = one_send(hs, "!secret2:fake.test", "joining an encrypted room")
    s.check("encrypted" in notice.get("body", ""), "an encrypted room is told on joining",
            notice)


def test_rate_limit(hs):
    for hints, wait, what in (((1, 3000), 1.0, "Retry-After (preferred to retry_after_ms)"),
                              ((None, 1500), 1.5, "retry_after_ms alone")):
        room = "!limited%d:fake.test" % int(wait * 10)
        hs.add_room(room, [ALICE])
        hs.limit = [1, hints[0], hints[1]]
        hs.message(room, ALICE, JUDGE)
        one_send(hs, room, f"429 with {what}", timeout=15)
        tries = hs.attempts_to(room)
        s.check(len(tries) == 2 and tries[0]["status"] == 429 and
                tries[0]["txn_id"] == tries[1]["txn_id"],
                f"429 with {what}: sent again with the same transaction id", tries)
        gap = tries[1]["at"] - tries[0]["at"] if len(tries) == 2 else 0
        s.check(gap >= wait * 0.95, f"429 with {what}: waited {wait} s first", gap)


def test_saved_position(hs, b):
    settle()
    with open(b.state_path) as f:
        state = json.load(f)
    s.check(state.get("user_id") == BOT and state.get("next_batch", "").startswith("s"),
            "the state file holds the user and next_batch", state)
    s.check("!secret:fake.test" in state.get("warned_rooms", []),
            "the state file remembers the rooms told about encryption", state)


def basics():
    with FakeMatrix() as hs, Daemon(s, NO_RATE) as d:
        for room in ("!dm", "!dm2", "!clarify", "!group2"):
            hs.add_room(room + ":fake.test", [ALICE])
        for room in ("!group", "!group3", "!group4", "!secret"):
            hs.add_room(room + ":fake.test", [ALICE, BOB])
        hs.add_room("!botdm:fake.test", ["@otherbot:fake.test"])
        hs.message("!dm:fake.test", ALICE, "An old question: " + JUDGE)
        hs.invite("!invited:fake.test", ALICE)
        args = ["--allow-inviter", ALICE, "--allow-inviter", "trusted.test",
                "--ignore-user", "@otherbot:fake.test", "--web-url", "https://example.org/ask"]
        with Bridge(s, hs, d.port, args) as b:
            test_first_start(hs)
            test_invites(hs)
            test_direct_chat(hs)
            test_clarify(hs)
            test_group_room(hs)
            test_thread(hs)
            test_ignored(hs)
            test_member_lookup(hs)
            test_help(hs)
            test_encrypted(hs)
            test_rate_limit(hs)
            test_saved_position(hs, b)


def refused_token():
    with FakeMatrix() as hs:
        hs.refuse_token = True
        b = Bridge(s, hs, 9).start()
        code = b.wait_exit(slow(15))
        if code is None:
            b.stop()
        s.check(code == 3, "401 M_UNKNOWN_TOKEN at start: exit status 3", b.stderr())
        s.check("M_UNKNOWN_TOKEN" in b.stderr(), "401 at start: says why", b.stderr())
        s.check(not hs.syncs and len([r for r in hs.requests if "whoami" in r["path"]]) == 1,
                "401 at start: no retry, no sync", hs.requests)
        b.check_no_secrets()
        b.log.close()


def restarts():
    """Killed while rulingd is away (asked, not answered), and killed after sending but
    before saving its position: each question is answered exactly once after a restart."""
    with FakeMatrix() as hs, Daemon(s, NO_RATE) as d:
        hs.add_room("!dm:fake.test", [ALICE])
        hs.add_room("!dm2:fake.test", [ALICE])
        with Bridge(s, hs, d.port, ["--answer-timeout", "600"]) as b:
            hs.wait_syncs(2, slow(10))
            d.stop()
            ev = hs.message("!dm:fake.test", ALICE, JUDGE)
            s.check(hs.wait(lambda: any(x["served"] for x in hs.syncs), slow(10)),
                    "the question reached the bridge", hs.syncs)
            n = len(hs.syncs)
            settle(1.5)
            s.check(len(hs.syncs) == n, "while rulingd is away the batch is not finished",
                    hs.syncs[-2:])
            b.stop(signal.SIGKILL)
            d.start()
            b.start()
            content = one_send(hs, "!dm:fake.test", "killed before answering, restarted",
                               timeout=15)
            check_answer(content, JUDGE, ev, "the answer after a restart")
            hs.hold_sends = threading.Event()
            ev = hs.message("!dm2:fake.test", ALICE, JUDGE)
            s.check(hs.wait_sends(1, slow(10), "!dm2:fake.test"), "the reply was sent")
            b.stop(signal.SIGKILL)
            hs.hold_sends.set()
            hs.hold_sends = None
            b.start()
            s.check(hs.wait(lambda: len(hs.attempts_to("!dm2:fake.test")) >= 2, slow(15)),
                    "killed after sending: the reply is sent again after the restart")
            settle()
            tries = hs.attempts_to("!dm2:fake.test")
            s.check(len(hs.sends_to("!dm2:fake.test")) == 1 and
                    len({t["txn_id"] for t in tries}) == 1,
                    "under the same transaction id, so there is one message", tries)


def escaping():
    """Markup in the question goes to rulingd as it is; in the answer it is escaped."""
    question = "Show me the markup answer & <b>"
    with FakeMatrix() as hs, \
            Daemon(s, NO_RATE + ["--log-questions"], kb=HOSTILE_KB) as d:
        hs.add_room("!dm:fake.test", [ALICE])
        with Bridge(s, hs, d.port):
            hs.wait_syncs(2, slow(10))
            ev = hs.message("!dm:fake.test", ALICE, question,
                            formatted_body="Show me the markup answer &amp; &lt;b&gt;")
            content = one_send(hs, "!dm:fake.test", "a question with markup")
            s.check(question in d.stderr(), "rulingd is asked the text as it was typed",
                    d.stderr()[-2000:])
            check_answer(content, question, ev, "an answer full of markup", kb=HOSTILE_KB)
            html = content.get("formatted_body", "")
            s.check("&lt;script&gt;" in html and "<script" not in html and "<img" not in html
                    and "<u>" not in html, "no markup from the answer reaches the HTML", html)


def body():
    basics()
    refused_token()
    restarts()
    escaping()


main(s, body)
