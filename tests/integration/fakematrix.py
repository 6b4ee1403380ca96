# SPDX-License-Identifier: MIT
"""A fake Matrix homeserver on 127.0.0.1 for rulingbot-matrix's tests: the Client-Server
API v3 calls the bot makes (whoami, displayname, filter, a long-polling /sync, join,
leave, joined_members, messages, send), with the JSON shapes of the spec. It records every
request, sync, join and send, and can be told to refuse the token, to answer 429 with
either or both hints, to be slow to sync, or to hold a send while the test kills the bot.

    with FakeMatrix() as hs:
        ...start rulingbot-matrix --homeserver hs.url, TOKEN in --access-token-file...
        hs.invite("!dm:fake.test", "@alice:fake.test")
        hs.wait(lambda: hs.joined("!dm:fake.test"), 10)
        hs.message("!dm:fake.test", "@alice:fake.test", "who was the judge?")
        sends = hs.wait_sends(1, room="!dm:fake.test")

Syncs see one global, ordered list of queued items (timeline events and invites); the
sync token "s<N>" is the number of items queued so far, so a restarted bot that stored
its token resumes exactly where it stopped. Pagination tokens ("t<N>", prev_batch and
/messages' end) are positions in the same list, and /messages accepts either kind.

As Synapse's sync handler does, the sync applies the filter the bot uploaded: timeline
types and limit (a room with more new events than the limit gets the last ones, with
"limited": true and a prev_batch before them), state types (the member events in such a
gap), and the room summary only with lazy-loaded members and only when Synapse computes
one: on an initial sync, for a room just joined, for a member event in the filtered
timeline, or for a limited timeline with a member event in its state. So a member change
that the filter hides brings no new member count.
"""
import base64
import itertools
import json
import random
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOT = "@rulingbot:fake.test"
BOT_NAME = "RulingBot"
# A fake access token in the real "syt_" shape, put together at run time so that no
# token-shaped string stands in the source for secret scanners to flag.
TOKEN = "_".join(["syt", "cnVsaW5nYm90", "fakeaccesstoken", "0"])
PREFIX = "/_matrix/client/v3"
# The content of an m.room.encrypted event (chat-apis.md 5.7), which the bot cannot read.
MEGOLM = {"algorithm": "m.megolm.v1.aes-sha2", "device_id": "RJYKSTBOIE",
          "ciphertext": "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg...",
          "sender_key": "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
          "session_id": "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ"}
MAX_WAIT = 60  # seconds: no wait in here (long-poll, held send) lasts longer
DEFAULT_TIMELINE_LIMIT = 10  # Synapse's, for a filter that sets none
_ids = itertools.count(1)


def new_event_id():
    """A room-version-3 style event id: "$" and 43 characters of standard base64. Every
    one holds a "+" and a "/", so a bot that forgets to percent-encode ids in a path (or
    decodes the path before splitting it) fails at once. The counter keeps them unique."""
    raw = random.getrandbits(192).to_bytes(24, "big") + next(_ids).to_bytes(8, "big")
    s = base64.b64encode(raw).decode().rstrip("=")
    return "$" + s[:10] + "+/" + s[12:]


def timeline_event(room_id, kind, content, sender, ts=None, **more):
    """A timeline event as a server stores it (room_id included; /sync drops it)."""
    return dict({"type": kind, "content": content, "sender": sender, "room_id": room_id,
                 "origin_server_ts": ts or int(time.time() * 1000),
                 "unsigned": {"age": 100}}, **more)


def member_event(room_id, user, membership):
    """user's own m.room.member event (a join, or a leave)."""
    return timeline_event(room_id, "m.room.member", {"membership": membership}, user,
                          state_key=user)


def without_room(ev):
    """ev as /sync sends it: without its room_id."""
    return {k: v for k, v in ev.items() if k != "room_id"}


def type_matches(pattern, kind):
    """Synapse's filter match: a trailing "*" matches any rest, else equality."""
    return kind.startswith(pattern[:-1]) if pattern.endswith("*") else kind == pattern


def type_allowed(flt, kind):
    """Whether an EventFilter's types and not_types (which wins) let kind through."""
    if any(type_matches(p, kind) for p in flt.get("not_types") or []):
        return False
    return "types" not in flt or any(type_matches(p, kind) for p in flt["types"])


def error(status, errcode, text):
    """A Matrix error reply: (status, {"errcode", "error"}, headers)."""
    return status, {"errcode": errcode, "error": text}, []


class FakeMatrix:
    # (method, path segments after PREFIX with None for a parameter, handler name)
    ROUTES = [
        ("GET", ("account", "whoami"), "_whoami"),
        ("GET", ("profile", None, "displayname"), "_displayname"),
        ("POST", ("user", None, "filter"), "_filter"),
        ("GET", ("sync",), "_sync"),
        ("POST", ("join", None), "_join"),
        ("POST", ("rooms", None, "join"), "_join"),
        ("POST", ("rooms", None, "leave"), "_leave"),
        ("GET", ("rooms", None, "joined_members"), "_joined_members"),
        ("GET", ("rooms", None, "messages"), "_messages"),
        ("PUT", ("rooms", None, "send", None, None), "_send"),
    ]

    def __init__(self, user_id=BOT, token=TOKEN, displayname=BOT_NAME):
        self.user_id = user_id
        self.token = token
        self.displayname = displayname
        self.cond = threading.Condition()
        self.requests = []       # dict(method, path, query, body, status, at)
        self.syncs = []          # dict(since, timeout, filter, set_presence, at, served)
        self.filters = []        # parsed filter bodies
        self.joins = []          # room ids, one per successful join call
        self.leaves = []         # room ids, one per leave call
        self.send_attempts = []  # dict(room_id, event_type, txn_id, content, status, at)
        self.sends = []          # dict(room_id, event_type, txn_id, content, event_id, at)
        # Knobs, read under the lock on every request.
        self.refuse_token = False
        self.limit = None        # [count, retry_after_s, retry_after_ms]: 429 count sends
        self.sync_delay = 0      # seconds to sleep before answering each sync
        self.hold_sends = None   # a threading.Event: new sends wait for it before replying
        self.summaries = True    # False: syncs never carry a room summary (member counts)
        self.pages = []          # dict(room_id, query, served): each /messages call
        self._items = []         # ("event" | "invite", room_id, event or invite_state)
        self._rooms = {}         # room_id -> dict(members=[others], joined, invited)
        self._txns = {}          # (room_id, txn_id) -> event_id
        self._closing = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self)

            do_POST = do_PUT = do_DELETE = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    # Running.

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        with self.cond:
            self._closing = True  # long-polls and held sends answer now
            self.cond.notify_all()
        self.server.shutdown()
        self.server.server_close()
        return False

    # HTTP.

    def _handle(self, h):
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        path, _, query = h.path.partition("?")
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        body, bad_json = None, False
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body, bad_json = raw.decode("utf-8", "replace"), True
        rec = dict(method=h.command, path=h.path, query=q, body=body, status=None,
                   at=time.monotonic())
        with self.cond:
            self.requests.append(rec)
            self.cond.notify_all()
        try:
            status, obj, headers = self._answer(h, path, q, body, bad_json)
        except Exception as e:  # a bug in here should show up as a 500, not a hang
            status, obj, headers = error(500, "M_UNKNOWN", repr(e))
        with self.cond:
            rec["status"] = status
            self.cond.notify_all()
        data = json.dumps(obj).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except OSError:  # the bot was killed while we held its request
            h.close_connection = True

    def _answer(self, h, path, q, body, bad_json):
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return error(401, "M_MISSING_TOKEN", "Missing access token")
        with self.cond:
            refused = self.refuse_token
        if refused or auth[len("Bearer "):] != self.token:
            return error(401, "M_UNKNOWN_TOKEN", "Unrecognised access token.")
        if not path.startswith(PREFIX + "/"):
            return error(404, "M_UNRECOGNIZED", "Unrecognized request")
        # Split the raw path first, then decode each segment: ids may hold "%2F".
        seg = [urllib.parse.unquote(s) for s in path[len(PREFIX) + 1:].split("/")]
        if h.command in ("POST", "PUT"):
            body = {} if body is None else body
            if bad_json or not isinstance(body, dict):
                return error(400, "M_NOT_JSON", "Content not JSON.")
        for method, shape, name in self.ROUTES:
            if method == h.command and len(shape) == len(seg) and all(
                    s is None or s == x for s, x in zip(shape, seg)):
                args = [x for s, x in zip(shape, seg) if s is None]
                return getattr(self, name)(*args, body=body, query=q)
        return error(404, "M_UNRECOGNIZED", "Unrecognized request")

    # Endpoints: each returns (status, object, headers).

    def _whoami(self, body, query):
        return 200, {"user_id": self.user_id, "device_id": "FAKEDEVICE"}, []

    def _displayname(self, user_id, body, query):
        if user_id == self.user_id:
            return 200, {"displayname": self.displayname}, []
        return 200, {"displayname": user_id[1:].split(":")[0]}, []

    def _filter(self, user_id, body, query):
        if user_id != self.user_id:
            return error(403, "M_FORBIDDEN", "Cannot create filters for other users")
        with self.cond:
            self.filters.append(body)
            self.cond.notify_all()
            return 200, {"filter_id": "filter%d" % len(self.filters)}, []

    def _sync(self, body, query):
        since = query.get("since")
        if since is not None and not re.fullmatch(r"s[0-9]+", since):
            return error(400, "M_INVALID_PARAM", "Invalid since token")
        try:
            timeout = max(0, int(query.get("timeout") or 0))
        except ValueError:
            return error(400, "M_INVALID_PARAM", "timeout must be an integer")
        start = int(since[1:]) if since else 0
        rec = dict(since=since, timeout=timeout, filter=query.get("filter"),
                   set_presence=query.get("set_presence"), at=time.monotonic(), served=None)
        with self.cond:
            self.syncs.append(rec)
            self.cond.notify_all()
            delay = self.sync_delay
        if delay:
            time.sleep(delay)
        deadline = time.monotonic() + min(timeout / 1000, MAX_WAIT)
        with self.cond:
            while True:
                out = self._window(start, since is not None,
                                   self._filter_of(query.get("filter")))
                left = deadline - time.monotonic()
                if out["rooms"]["join"] or out["rooms"]["invite"] or left <= 0 \
                        or self._closing:
                    rec["served"] = sum(len(r["timeline"]["events"])
                                        for r in out["rooms"]["join"].values())
                    self.cond.notify_all()
                    return 200, out, []
                self.cond.wait(left)

    def _window(self, start, incremental, flt):
        """The sync response for the items from index start on (under the lock), with the
        filter flt. Timeline events show only in rooms the bot is in now; an invite only
        while still pending. Events lose their room_id, as in a real /sync
        (ClientEventWithoutRoomID)."""
        timelines, invites = {}, {}
        for i, (kind, room_id, data) in enumerate(self._items[start:], start):
            room = self._rooms.get(room_id)
            if kind == "event" and room and room["joined"]:
                timelines.setdefault(room_id, []).append((i, data))
            elif kind == "invite" and room and room["invited"] and not room["joined"]:
                invites[room_id] = {"invite_state": {"events": list(data)}}
        join = {}
        for room_id, room in self._rooms.items():
            if room["joined"]:
                update = self._room_update(room_id, room, start, incremental, flt,
                                           timelines.get(room_id, []))
                if update is not None:
                    join[room_id] = update
        return {"next_batch": f"s{len(self._items)}",
                "rooms": {"join": join, "invite": invites, "leave": {}},
                "presence": {"events": []}, "account_data": {"events": []}}

    def _room_update(self, room_id, room, start, incremental, flt, items):
        """One joined room of a sync (under the lock): items are its (index, event) since
        start. None when a room has nothing the filter lets through."""
        room_filter = flt.get("room") or {}
        tl_filter, st_filter = room_filter.get("timeline") or {}, room_filter.get("state") or {}
        kept = [(i, ev) for i, ev in items if type_allowed(tl_filter, ev["type"])]
        limit = tl_filter.get("limit", DEFAULT_TIMELINE_LIMIT)
        limited = len(kept) > limit
        kept = kept[-limit:] if limit > 0 else []
        first = kept[0][0] if kept else len(self._items)
        state = [without_room(ev) for i, ev in items
                 if limited and i < first and ev["type"] == "m.room.member"
                 and type_allowed(st_filter, ev["type"])]
        newly_joined = room.get("joined_at", -1) >= start
        if incremental and not kept and not state and not newly_joined:
            return None
        members_seen = any(ev["type"] == "m.room.member" for _, ev in kept) or state
        summary = {}
        if self.summaries and st_filter.get("lazy_load_members") and (
                not incremental or newly_joined or members_seen):
            summary = {"m.joined_member_count": len(self._members(room_id)),
                       "m.invited_member_count": 0}
        return {"timeline": {"events": [without_room(ev) for _, ev in kept],
                             "limited": limited, "prev_batch": f"t{first}"},
                "summary": summary, "state": {"events": state}, "ephemeral": {"events": []},
                "account_data": {"events": []}}

    def _filter_of(self, filter_id):
        """The uploaded filter named filter_id (under the lock), or {} (no filter)."""
        m = re.fullmatch(r"filter([0-9]+)", filter_id or "")
        n = int(m.group(1)) if m else 0
        return self.filters[n - 1] if 0 < n <= len(self.filters) else {}

    def _join(self, room_id, body, query):
        with self.cond:
            room = self._rooms.get(room_id)
            if not room or not (room["invited"] or room["joined"]):
                return error(403, "M_FORBIDDEN", "You are not invited to this room.")
            room.update(joined=True, invited=False, joined_at=len(self._items))
            self._items.append(("event", room_id, member_event(room_id, self.user_id, "join")))
            self.joins.append(room_id)
            self.cond.notify_all()
        return 200, {"room_id": room_id}, []

    def _leave(self, room_id, body, query):
        with self.cond:
            room = self._rooms.get(room_id)
            if room:
                room.update(joined=False, invited=False)
            self.leaves.append(room_id)
            self.cond.notify_all()
        return 200, {}, []

    def _joined_members(self, room_id, body, query):
        with self.cond:
            room = self._rooms.get(room_id)
            if not room or not room["joined"]:
                return error(403, "M_FORBIDDEN", "You aren't a member of the room.")
            return 200, {"joined": {uid: {"display_name": None, "avatar_url": None}
                                    for uid in self._members(room_id)}}, []

    def _messages(self, room_id, body, query):
        """GET /rooms/{roomId}/messages as Synapse answers it: the room's events from the
        position "from" towards "to" (dir b: newest first), matching the filter, at most
        limit of them; "end" is the position after the last one, and is left out when
        there was none (nothing further, or "to" reached)."""
        direction = query.get("dir")
        if direction not in ("b", "f"):
            return error(400, "M_INVALID_PARAM", "Unknown dir")
        tokens = [query.get(k) for k in ("from", "to")]
        if any(x is not None and not re.fullmatch(r"[st][0-9]+", x) for x in tokens):
            return error(400, "M_INVALID_PARAM", "Invalid token")
        try:
            limit = int(query.get("limit") or 10)
            flt = json.loads(query.get("filter") or "{}")
        except ValueError:
            return error(400, "M_INVALID_PARAM", "Bad limit or filter")
        with self.cond:
            room = self._rooms.get(room_id)
            if not room or not room["joined"]:
                return error(403, "M_FORBIDDEN", "You aren't a member of the room.")
            n = len(self._items)
            pos = [None if x is None else min(int(x[1:]), n) for x in tokens]
            if direction == "b":
                frm = n if pos[0] is None else pos[0]
                order = range(frm - 1, (pos[1] or 0) - 1, -1)
            else:
                frm = 0 if pos[0] is None else pos[0]
                order = range(frm, n if pos[1] is None else pos[1])
            found = []
            for i in order:
                kind, rid, ev = self._items[i]
                if len(found) < limit and kind == "event" and rid == room_id \
                        and type_allowed(flt, ev["type"]):
                    found.append((i, ev))
            self.pages.append(dict(room_id=room_id, query=query, served=len(found)))
            self.cond.notify_all()
            reply = {"chunk": [dict(ev) for _, ev in found], "start": query.get("from") or f"t{frm}"}
            if found:
                last = found[-1][0]
                reply["end"] = f"t{last if direction == 'b' else last + 1}"
            return 200, reply, []

    def _send(self, room_id, event_type, txn_id, body, query):
        """Order: 429 knob, membership, idempotent repeat, new event (then the hold)."""
        attempt = dict(room_id=room_id, event_type=event_type, txn_id=txn_id, content=body,
                       status=None, at=time.monotonic())
        with self.cond:
            self.send_attempts.append(attempt)
            self.cond.notify_all()
            answer = self._send_locked(attempt)
            attempt["status"] = answer[0]
            hold = self.hold_sends if answer[0] == 200 and answer[3] else None
        if hold is not None:
            deadline = time.monotonic() + MAX_WAIT
            while not hold.wait(0.1) and not self._closing and time.monotonic() < deadline:
                pass
        return answer[:3]

    def _send_locked(self, a):
        """(status, object, headers, is_new_event) for send attempt a, under the lock."""
        limit = self.limit
        if limit and limit[0] > 0:
            limit[0] -= 1
            obj = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests"}
            if limit[2] is not None:
                obj["retry_after_ms"] = limit[2]
            return 429, obj, [] if limit[1] is None else [("Retry-After", str(limit[1]))], False
        room = self._rooms.get(a["room_id"])
        if not room or not room["joined"]:
            return error(403, "M_FORBIDDEN", "You are not in this room.") + (False,)
        key = (a["room_id"], a["txn_id"])
        if key in self._txns:
            return 200, {"event_id": self._txns[key]}, [], False
        event_id = self._txns[key] = new_event_id()
        self.sends.append(dict(room_id=a["room_id"], event_type=a["event_type"],
                               txn_id=a["txn_id"], content=a["content"], event_id=event_id,
                               at=time.monotonic()))
        # The bot sees its own message in its next sync, as on a real server.
        unsigned = {"age": 100, "transaction_id": a["txn_id"]}
        self.raw_event(a["room_id"], timeline_event(a["room_id"], a["event_type"], a["content"],
                                                    self.user_id, event_id=event_id,
                                                    unsigned=unsigned))
        return 200, {"event_id": event_id}, [], True

    # Rooms and events (under the lock).

    def _members(self, room_id):
        room = self._rooms[room_id]
        return ([self.user_id] if room["joined"] else []) + room["members"]

    def _queue(self, kind, room_id, data):
        with self.cond:
            self._items.append((kind, room_id, data))
            self.cond.notify_all()

    # The test's side.

    def add_room(self, room_id, members):
        """A room the bot is already in, with the other members given."""
        with self.cond:
            self._rooms[room_id] = dict(members=list(members), joined=True, invited=False)
            self.cond.notify_all()
        return room_id

    def invite(self, room_id, inviter, members=None, encrypted=False, name="Test room"):
        """Queues an invite of the bot to room_id from inviter, with the stripped state a
        real server sends (name, the bot's invite, and m.room.encryption if encrypted)."""
        state = [{"type": "m.room.name", "state_key": "", "sender": inviter,
                  "content": {"name": name}},
                 {"type": "m.room.member", "state_key": self.user_id, "sender": inviter,
                  "content": {"membership": "invite"}}]
        if encrypted:
            state.append({"type": "m.room.encryption", "state_key": "", "sender": inviter,
                          "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
        with self.cond:
            room = self._rooms.setdefault(room_id, dict(members=[], joined=False))
            room.update(members=list(members or [inviter]), invited=True)
            self._queue("invite", room_id, state)
        return room_id

    def message(self, room_id, sender, body, formatted_body=None, msgtype="m.text",
                mentions=None, relates_to=None, ts=None, extra=None):
        """Queues an m.room.message from sender; returns its event id."""
        content = {"msgtype": msgtype, "body": body}
        if formatted_body is not None:
            content.update(format="org.matrix.custom.html", formatted_body=formatted_body)
        if mentions is not None:
            content["m.mentions"] = {"user_ids": list(mentions)}
        if relates_to is not None:
            content["m.relates_to"] = relates_to
        content.update(extra or {})
        ev = timeline_event(room_id, "m.room.message", content, sender, ts)
        return self.raw_event(room_id, ev)

    def member(self, room_id, user, membership):
        """Queues user's m.room.member event (join or leave) in room_id and changes the
        room's members to match; returns its event id."""
        with self.cond:
            members = self._rooms[room_id]["members"]
            if membership == "join" and user not in members:
                members.append(user)
            elif membership != "join" and user in members:
                members.remove(user)
            return self.raw_event(room_id, member_event(room_id, user, membership))

    def encrypted(self, room_id, sender):
        """Queues an m.room.encrypted (Megolm) event the bot cannot read; returns its id."""
        ev = timeline_event(room_id, "m.room.encrypted", dict(MEGOLM), sender)
        return self.raw_event(room_id, ev)

    def raw_event(self, room_id, event):
        """Queues event (a dict, as given, with an event_id added if it has none) in
        room_id's timeline; returns its event id."""
        event = dict(event)
        event.setdefault("event_id", new_event_id())
        self._queue("event", room_id, event)
        return event["event_id"]

    def joined(self, room_id):
        with self.cond:
            room = self._rooms.get(room_id)
            return bool(room and room["joined"])

    def sends_to(self, room):
        with self.cond:
            return [s for s in self.sends if s["room_id"] == room]

    def attempts_to(self, room):
        with self.cond:
            return [a for a in self.send_attempts if a["room_id"] == room]

    # Waiting (every wait is bounded).

    def wait(self, what, timeout):
        """Waits until what() is true (called under the lock); returns its last value."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                v = what()
                left = deadline - time.monotonic()
                if v or left <= 0:
                    return v
                self.cond.wait(min(left, 0.1))

    def wait_sends(self, n, timeout=10, room=None):
        """The sends (to room, if given) once there are n of them, or those there are.
        Repeats of a txnId are not sends, so each is a distinct event."""
        def mine():
            return [s for s in self.sends if room is None or s["room_id"] == room]
        self.wait(lambda: len(mine()) >= n, timeout)
        with self.cond:
            return mine()

    def wait_syncs(self, n, timeout=10):
        """The sync records once there are n of them (a long-poll counts on arrival)."""
        self.wait(lambda: len(self.syncs) >= n, timeout)
        with self.cond:
            return list(self.syncs)
