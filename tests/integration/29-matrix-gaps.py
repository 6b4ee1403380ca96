#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingbot-matrix where a homeserver tells it less than everything (fakematrix.py
behaves as Synapse's sync handler here): a direct chat that a third person joins (the
member event is the only sign of it, and no new member count comes without it)."""
import time

from daemon import NO_RATE, Daemon, cli_json, main, need_daemon, slow
from fakematrix import BOT, BOT_NAME, FakeMatrix
from harness import Suite
from matrixbridge import Bridge, expected_content, need_bridge

s = Suite("29-matrix-gaps")
need_daemon(s, budget=180)
need_bridge(s)

ALICE, BOB, CAROL = "@alice:fake.test", "@bob:fake.test", "@carol:fake.test"
JUDGE = "Who was the judge?"
RULED = "When did the judge rule?"


def settle(seconds=1.0):
    """Time for a wrong send to show up, if the bridge were to make one."""
    time.sleep(slow(seconds))


def replied_to(send):
    return ((send["content"].get("m.relates_to") or {}).get("m.in_reply_to") or {}).get(
        "event_id")


def check_reply(send, question, event_id, what):
    """send is rulingd's answer to question, as a reply to event_id."""
    body, _ = expected_content(cli_json(question))
    s.check(send["content"].get("body") == body and replied_to(send) == event_id,
            f"{what}: rulingd's answer, as a reply to the question", send["content"])


def sends_after(hs, room, n, what, timeout=10):
    """The sends to room once there are n (checks there are exactly n, after a wait)."""
    hs.wait_sends(n, slow(timeout), room)
    settle()
    sends = hs.sends_to(room)
    s.check(len(sends) == n, f"{what}: {n} replies in all", [replied_to(x) for x in sends])
    return sends


def mention(hs, room, sender, question):
    return hs.message(room, sender, f"{BOT_NAME}: {question}", mentions=[BOT])


def direct_chat_becomes_group(hs):
    room = "!dm:fake.test"
    ev = hs.message(room, ALICE, JUDGE)
    check_reply(sends_after(hs, room, 1, "a direct chat")[0], JUDGE, ev, "a direct chat")
    hs.member(room, CAROL, "join")
    hs.message(room, CAROL, JUDGE)
    hs.message(room, ALICE, RULED)
    sends_after(hs, room, 1, "a third person joined the direct chat: no answer without "
                "a mention, at once")
    ev = mention(hs, room, CAROL, JUDGE)
    check_reply(sends_after(hs, room, 2, "a mention in the room now a group")[-1], JUDGE, ev,
                "a mention in the room now a group")
    hs.member(room, CAROL, "leave")
    ev = hs.message(room, ALICE, RULED)
    check_reply(sends_after(hs, room, 3, "back to two members")[-1], RULED, ev,
                "a direct chat again once the third person left")


def join_without_summary(hs):
    """A homeserver that sends no member counts at all: the member event alone makes the
    bridge count the members again."""
    room = "!dm2:fake.test"
    hs.summaries = False
    hs.message(room, ALICE, JUDGE)
    sends_after(hs, room, 1, "a direct chat (no summaries)")
    asked = len([r for r in hs.requests if r["path"].endswith("/joined_members")])
    hs.member(room, CAROL, "join")
    hs.message(room, CAROL, JUDGE)
    sends_after(hs, room, 1, "a third person joined (no summaries): no answer")
    s.check(len([r for r in hs.requests if r["path"].endswith("/joined_members")]) > asked,
            "the members were counted again after the join")
    hs.summaries = True


def membership():
    with FakeMatrix() as hs, Daemon(s, NO_RATE) as d:
        hs.add_room("!dm:fake.test", [ALICE])
        hs.add_room("!dm2:fake.test", [ALICE])
        with Bridge(s, hs, d.port):
            hs.wait_syncs(2, slow(10))
            direct_chat_becomes_group(hs)
            join_without_summary(hs)


def body():
    membership()


main(s, body)
