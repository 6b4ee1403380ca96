# SPDX-License-Identifier: MIT
"""A fake Slack on 127.0.0.1 for the bridge's tests: the Web API methods the bridge calls
(auth.test, apps.connections.open, chat.postMessage) and the Socket Mode websocket, with
the message shapes of Slack's own SDK test fixtures (hello, events_api envelopes,
disconnect). It records every call, post, ack and link, and can be told to refuse a
token, to answer 429, to send disconnect, to close a link itself (as Slack ends a link it
asked to go), to have an envelope in flight when the bridge closes a link, to deliver
again the envelopes left unacknowledged (as Slack does), or to go silent.

    with FakeSlack() as slack:
        ...start rulingbot-slack with --slack-api-url slack.api_url...
        link = slack.wait_link()
        slack.send_event(mention("who was the judge?"))
        posts = slack.wait_posts(1)
"""
import base64
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Fake tokens with the real prefixes (the bridge checks them), put together at run time so
# that no token-shaped string stands in the source for secret scanners to flag.
BOT_TOKEN = "-".join(["xoxb", "fake", "bot", "token"])
APP_TOKEN = "-".join(["xapp", "fake", "app", "token"])
BOT_USER = "UBOT"
BOT_ID = "BBOT"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_ts = itertools.count(100)


def next_ts():
    """A message timestamp as Slack writes them ("1610241741.000200"), never repeated."""
    return "1610241741.%06d" % next(_ts)


def mention(text, channel="C111", user="U222", ts=None, **extra):
    """An app_mention event, as in the SDK fixture: the text starts with the mention."""
    ev = {"type": "app_mention", "text": f"<@{BOT_USER}> {text}", "user": user,
          "ts": ts or next_ts(), "team": "T111", "channel": channel}
    ev["event_ts"] = ev["ts"]
    ev.update(extra)
    return ev


def direct(text, channel="D111", user="U222", ts=None, **extra):
    """A message event in a direct message (channel_type im)."""
    ev = {"client_msg_id": "f0582a78-72db-4feb-b2f3-1e47d66365c8", "type": "message",
          "text": text, "user": user, "ts": ts or next_ts(), "team": "T111",
          "channel": channel, "channel_type": "im"}
    ev["event_ts"] = ev["ts"]
    ev.update(extra)
    return ev


def file_share(text, channel="D111", user="U222", ts=None, **extra):
    """A message with a file attached, in a direct message: subtype file_share, with files,
    upload and display_as_bot, in the shape of a recorded payload (the slack-web package's
    golden test message_file_share.json; @slack/types' FileShareMessageEvent)."""
    ts = ts or next_ts()
    ev = {"type": "message", "text": text,
          "files": [{"id": "F04EEHX1EES", "created": 1670631527, "timestamp": 1670631527,
                     "name": "ruling.txt", "title": "ruling.txt", "mimetype": "text/plain",
                     "filetype": "text", "pretty_type": "Plain Text", "user": user,
                     "editable": True, "size": 12, "mode": "snippet", "is_external": False,
                     "external_type": "", "is_public": False, "public_url_shared": False,
                     "display_as_bot": False, "username": "",
                     "url_private": "https://files.slack.com/files-pri/T111-F04EEHX1EES/"
                                    "ruling.txt"}],
          "upload": True, "user": user, "display_as_bot": False, "ts": ts,
          "client_msg_id": "a5a11822-d14e-4621-992b-32d561648aa0", "channel": channel,
          "subtype": "file_share", "event_ts": ts, "channel_type": "im"}
    ev.update(extra)
    return ev


def callback(event, event_id):
    """The Events API payload around event (what HTTP mode receives as its body)."""
    kind = event.get("type", "message")
    return {"token": "verification-token", "team_id": "T111", "api_app_id": "A111",
            "event": event, "type": "event_callback", "event_id": event_id,
            "event_time": 1610241741,
            "authorizations": [{"enterprise_id": None, "team_id": "T111", "user_id": "U333",
                                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": f"1-{kind}-T111-{event.get('channel', 'C111')}"}


class Link:
    """One Socket Mode websocket from the bridge."""

    def __init__(self, slack, number, sock):
        self.slack = slack
        self.number = number
        self.sock = sock
        self.lock = threading.Lock()
        self.silent = False
        self.closed = False
        self.closed_by_bridge = False  # the bridge sent the first close frame
        self.closed_by_slack = False   # Slack did (close_by_slack)
        self.pings = 0
        self.in_flight = []            # envelopes on their way (send_in_flight)

    def send(self, obj):
        data = json.dumps(obj).encode()
        n = len(data)
        head = bytes([0x81])
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack(">H", n)
        else:
            head += bytes([127]) + struct.pack(">Q", n)
        self._send_raw(head + data)

    def _send_raw(self, data):
        with self.lock:
            try:
                self.sock.sendall(data)
            except OSError:
                self.closed = True

    def _read_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return out

    def _frame(self):
        h = self._read_exact(2)
        opcode, n = h[0] & 0x0F, h[1] & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read_exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read_exact(8))[0]
        key = self._read_exact(4) if h[1] & 0x80 else b"\0\0\0\0"
        data = bytes(b ^ key[i % 4] for i, b in enumerate(self._read_exact(n)))
        return opcode, data

    def serve(self):
        """Reads the bridge's frames until the link ends: acks, pings, close."""
        try:
            while True:
                opcode, data = self._frame()
                if opcode == 9:
                    self.pings += 1
                    if not self.silent:
                        self._send_raw(bytes([0x8A, len(data)]) + data)
                elif opcode == 8:
                    if self.closed_by_slack:
                        break  # the bridge's answer to Slack's close
                    self.closed_by_bridge = True
                    # Sent before Slack read the bridge's close: they reach the bridge
                    # after its close frame went out, and before Slack's answer.
                    self._flush_in_flight()
                    if not self.silent:
                        self._send_raw(bytes([0x88, 2]) + data[:2])
                    break
                elif opcode == 1:
                    self.slack._record_ack(self, json.loads(data))
        except (EOFError, OSError, ValueError):
            pass
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def send_in_flight(self, obj, delay):
        """Sends obj as a frame already on its way: it reaches the bridge in delay seconds,
        or at once when the bridge closes the link before that (crossing its close)."""
        with self.lock:
            self.in_flight.append(obj)
        timer = threading.Timer(delay, self._flush_in_flight)
        timer.daemon = True
        timer.start()

    def _flush_in_flight(self):
        with self.lock:
            frames, self.in_flight = self.in_flight, []
        for obj in frames:
            self.send(obj)

    def close_by_slack(self):
        """Slack ending the link: a close frame (1000); the bridge answers with its own."""
        with self.lock:
            if self.closed or self.closed_by_bridge or self.closed_by_slack:
                return
            self.closed_by_slack = True
        self._send_raw(bytes([0x88, 2]) + struct.pack(">H", 1000))

    def close(self):
        """Slack going away without a word."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FakeSlack:
    def __init__(self, user_id=BOT_USER, bot_id=BOT_ID):
        self.user_id = user_id
        self.bot_id = bot_id
        self.cond = threading.Condition()
        self.calls = []       # (method, token, status, body, monotonic time)
        self.posts = []       # chat.postMessage bodies that succeeded, with "_at" added
        self.acks = []        # (link number, envelope_id)
        self.links = []
        self.refuse = {}      # method -> Slack error code, for every call
        self.limits = {}      # method -> [count, retry_after]: answer 429 count times
        # Envelopes not acknowledged yet: envelope_id -> [event, event_id, retry_attempt,
        # time sent]. With redeliver_after (seconds) set, Slack sends each again once it
        # is that old, with retry_attempt + 1 and retry_reason "timeout", on the newest
        # open link, as Slack redelivers unacknowledged envelopes.
        self.unacked = {}
        self.redeliver_after = None
        self.redelivered = []  # (old envelope_id, new envelope_id)
        self._stopping = threading.Event()
        self._envelopes = itertools.count(1)
        self._events = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                fake._api(self)

            def do_GET(self):
                fake._upgrade(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.api_url = f"http://127.0.0.1:{self.port}/api/"

    # Running.

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self._redeliver, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._stopping.set()
        self.server.shutdown()
        for link in self.links:
            link.close()
        self.server.server_close()
        return False

    # The Web API.

    def _reply(self, h, status, obj, headers=()):
        body = json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _api(self, h):
        n = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(n)
        method = h.path.rsplit("/", 1)[-1]
        auth = h.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        status, obj, headers = self._answer(method, token, body)
        with self.cond:
            self.calls.append((method, token, status, body, time.monotonic()))
            if method == "chat.postMessage" and status == 200 and obj.get("ok"):
                self.posts.append(dict(body, _at=time.monotonic()))
            self.cond.notify_all()
        self._reply(h, status, obj, headers)

    def _answer(self, method, token, body):
        want = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        with self.cond:
            limit = self.limits.get(method)
            if limit and limit[0] > 0:
                limit[0] -= 1
                return 429, {"ok": False, "error": "ratelimited"}, [("Retry-After",
                                                                     str(limit[1]))]
            refused = self.refuse.get(method)
        if token is None:
            return 200, {"ok": False, "error": "not_authed"}, []
        if refused or token != want:
            return 200, {"ok": False, "error": refused or "invalid_auth"}, []
        if method == "auth.test":
            return 200, {"ok": True, "url": "https://xyz.slack.com/", "team": "Testing Workspace",
                         "user": "bot-user", "team_id": "T111", "user_id": self.user_id,
                         "bot_id": self.bot_id, "enterprise_id": "E111",
                         "is_enterprise_install": False}, []
        if method == "apps.connections.open":
            return 200, {"ok": True,
                         "url": f"ws://127.0.0.1:{self.port}/link/?ticket=t{len(self.calls)}"}, []
        if method == "chat.postMessage":
            if not body.get("channel") or not body.get("text"):
                return 200, {"ok": False, "error": "no_text"}, []
            ts = next_ts()
            return 200, {"ok": True, "channel": body["channel"], "ts": ts,
                         "message": {"type": "message", "text": body["text"], "user": self.user_id,
                                     "bot_id": self.bot_id, "ts": ts}}, []
        return 200, {"ok": False, "error": "unknown_method"}, []

    # Socket Mode.

    def _upgrade(self, h):
        key = h.headers.get("Sec-WebSocket-Key")
        if not h.path.startswith("/link/") or not key:
            self._reply(h, 404, {"ok": False, "error": "not_found"})
            return
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        h.wfile.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept)
                      .encode())
        h.wfile.flush()
        with self.cond:
            link = Link(self, len(self.links) + 1, h.connection)
            self.links.append(link)
        link.send({"type": "hello", "num_connections": len(self.open_links()),
                   "debug_info": {"host": "applink-111-xxx", "build_number": 10,
                                  "approximate_connection_time": 18060},
                   "connection_info": {"app_id": "A111"}})
        with self.cond:
            self.cond.notify_all()
        link.serve()
        h.close_connection = True
        with self.cond:
            self.cond.notify_all()

    def _record_ack(self, link, msg):
        with self.cond:
            self.acks.append((link.number, msg.get("envelope_id")))
            self.unacked.pop(msg.get("envelope_id"), None)
            self.cond.notify_all()

    def _redeliver(self):
        """Delivers again, once, what stayed unacknowledged redeliver_after seconds."""
        while not self._stopping.wait(0.1):
            if self.redeliver_after is None:
                continue
            now = time.monotonic()
            with self.cond:
                links = [link for link in self.links if not link.closed]
                due = [(e, v) for e, v in self.unacked.items()
                       if now - v[3] >= self.redeliver_after and v[2] == 0]
                if not links:
                    continue  # kept until a link is open again
                for e, _ in due:
                    del self.unacked[e]
            for old, (event, event_id, attempt, _) in due:
                new, _ = self.send_event(event, link=links[-1], event_id=event_id,
                                         retry_attempt=attempt + 1)
                with self.cond:
                    self.redelivered.append((old, new))
                    self.cond.notify_all()

    def open_links(self):
        return [link for link in self.links if not link.closed]

    def send_event(self, event, link=None, event_id=None, envelope_id=None, retry_attempt=0,
                   in_flight=None):
        """Sends event in an events_api envelope on link (the newest open one by default);
        with in_flight (seconds), as an envelope already on its way (Link.send_in_flight).
        Returns (envelope_id, event_id)."""
        link = link or self.wait_link()
        event_id = event_id or "Ev%04d" % next(self._events)
        envelope_id = envelope_id or "ac2cfd40-6f8c-4d5e-a1ad-%012d" % next(self._envelopes)
        envelope = {"envelope_id": envelope_id, "payload": callback(event, event_id),
                    "type": "events_api", "accepts_response_payload": False,
                    "retry_attempt": retry_attempt,
                    "retry_reason": "timeout" if retry_attempt else ""}
        with self.cond:
            self.unacked[envelope_id] = [event, event_id, retry_attempt, time.monotonic()]
        if in_flight is None:
            link.send(envelope)
        else:
            link.send_in_flight(envelope, in_flight)
        return envelope_id, event_id

    def disconnect(self, link, reason, close_after=None):
        """Sends Slack's disconnect message, in the fixture's shape for reason; with
        close_after (seconds), Slack then ends the link itself that much later."""
        msg = {"type": "disconnect", "reason": reason,
               "debug_info": {"host": "applink-d85c5c684-dnqj9"}}
        if reason == "too_many_websockets":
            msg.update(num_connections=2, debug_info={"host": "applink-111-xxx"},
                       connection_info={"app_id": "A111"})
        link.send(msg)
        if close_after is not None:
            timer = threading.Timer(close_after, link.close_by_slack)
            timer.daemon = True
            timer.start()

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

    def wait_link(self, count=1, timeout=10):
        """The newest open link once at least count links were made; raises if none."""
        ok = self.wait(lambda: len(self.links) >= count and self.open_links(), timeout)
        if not ok:
            raise AssertionError(f"the bridge did not open Socket Mode link {count}")
        return self.open_links()[-1]

    def wait_posts(self, n, timeout=10, channel=None):
        """The posts (to channel, if given) once there are n of them, or those there are."""
        def mine():
            return [p for p in self.posts if channel is None or p.get("channel") == channel]
        self.wait(lambda: len(mine()) >= n, timeout)
        with self.cond:
            return mine()

    def acked(self, envelope_id):
        with self.cond:
            return [n for n, e in self.acks if e == envelope_id]

    def calls_of(self, method):
        with self.cond:
            return [c for c in self.calls if c[0] == method]
