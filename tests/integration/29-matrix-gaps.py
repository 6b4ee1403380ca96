#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rulingbot-matrix where a homeserver tells it less than everything (fakematrix.py
behaves as Synapse's sync handler here): a direct chat that a third person joins (the
member event is the only sign of it, and no new member count comes without it), and
questions behind a gap (after an outage, the first sync of a busy room is limited: the
bridge pages back through /messages, answers what it finds oldest first, stops at
--max-age, and warns when a gap is longer than it reads back)."""
import json
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
GAP_READ_BACK = 1000  # events: what the bridge reads back of one room's gap at most


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


def chatter(hs, room, n, ts=None):
    for i in range(n):
        hs.message(room, BOB, f"chatter {i}", ts=ts)


def outage(hs):
    """What is said while the bridge is down. Returns the questions asked in !busy."""
    q1 = mention(hs, "!busy:fake.test", ALICE, JUDGE)
    chatter(hs, "!busy:fake.test", 10)
    q2 = mention(hs, "!busy:fake.test", BOB, RULED)
    chatter(hs, "!busy:fake.test", 60)  # more than the sync's timeline limit (50)
    two_hours_ago = int(time.time() * 1000) - 2 * 3600 * 1000
    mention(hs, "!old:fake.test", ALICE, JUDGE)
    chatter(hs, "!old:fake.test", GAP_READ_BACK + 100, ts=two_hours_ago)
    chatter(hs, "!old:fake.test", 60)
    mention(hs, "!flood:fake.test", ALICE, JUDGE)
    chatter(hs, "!flood:fake.test", GAP_READ_BACK + 100)
    return q1, q2


def check_gap_reads(hs, since):
    pages = {room: [p for p in hs.pages if p["room_id"] == room]
             for room in ("!busy:fake.test", "!old:fake.test", "!flood:fake.test")}
    busy = pages["!busy:fake.test"]
    s.check(busy and all(p["query"].get("dir") == "b" for p in busy) and
            busy[0]["query"].get("from", "").startswith("t") and
            all(p["query"].get("to") == since for p in busy),
            "paged back from the timeline's prev_batch to the saved sync position", busy)
    s.check(len(pages["!old:fake.test"]) == 1, "a gap is read back no further than --max-age",
            pages["!old:fake.test"])
    s.check(len(pages["!flood:fake.test"]) == GAP_READ_BACK // 100,
            "a longer gap is read back up to a bound", len(pages["!flood:fake.test"]))


def gaps():
    with FakeMatrix() as hs, Daemon(s, NO_RATE) as d:
        for room in ("!busy", "!old", "!flood"):
            hs.add_room(room + ":fake.test", [ALICE, BOB])
        with Bridge(s, hs, d.port) as b:
            hs.wait_syncs(2, slow(10))
            b.stop()
            with open(b.state_path) as f:
                since = json.load(f).get("next_batch")
            q1, q2 = outage(hs)
            b.start()
            sends = sends_after(hs, "!busy:fake.test", 2, "questions behind a gap", timeout=20)
            if len(sends) == 2:
                check_reply(sends[0], JUDGE, q1, "the older question behind the gap, first")
                check_reply(sends[1], RULED, q2, "then the newer one")
            check_gap_reads(hs, since)
            s.check(not hs.sends_to("!old:fake.test"), "a question older than --max-age "
                    "behind a gap is not answered")
            s.check(not hs.sends_to("!flood:fake.test"), "nor one further back than the "
                    "bridge reads")
            log = [line for line in b.stderr().splitlines() if "warning" in line]
            s.check(any("!flood:fake.test" in line and "gap" in line for line in log),
                    "a gap longer than what is read back: a warning names the room", log)
            s.check(not any("!old:fake.test" in line or "!busy:fake.test" in line
                            for line in log),
                    "no warning for gaps read back to --max-age or to the last sync", log)


def body():
    membership()
    gaps()


main(s, body)
