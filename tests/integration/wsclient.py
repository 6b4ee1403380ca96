# SPDX-License-Identifier: MIT
"""A small raw websocket and HTTP client for the integration tests, standard library only.

It speaks the bytes itself, so a test can send what a well-behaved library never would:
any opcode, FIN and RSV bits, unmasked frames, a header claiming a length the payload
does not have, a request target with '..', '%2e' or a NUL in it.

    ws = connect("127.0.0.1", port, protocol="rulingbot.v1")
    ws.status, ws.headers             # the handshake's HTTP status and headers (lower-case names)
    ws.send_text("who was the judge\\n")
    ws.recv_frame(timeout=5)          # (opcode, payload bytes), or None on timeout or EOF
    ws.wait_closed(timeout=5)         # the close code, 0 for EOF without a close frame, None

    r = http("127.0.0.1", port, "GET", b"/%2e%2e/secret")
    r.status, r.headers, r.body
"""
import base64
import hashlib
import json
import os
import select
import socket
import ssl
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def mask_bytes(key, data):
    """XORs data with the 4-byte key, as RFC 6455 section 5.3 says."""
    n = len(data)
    if n == 0:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def frame_bytes(opcode, payload=b"", fin=True, rsv=0, mask=True, mask_key=None, length=None):
    """The bytes of one frame. rsv is the 3 RSV bits (0..7); length, when given, is the
    length the header claims whatever the payload really is."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)])
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if mask:
        key = mask_key if mask_key is not None else os.urandom(4)
        return head + key + mask_bytes(key, payload)
    return head + payload


def close_payload(code=1000, reason=b""):
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    return struct.pack("!H", code) + reason


def _readable(sock, timeout):
    """True when sock has bytes to read (TLS may hold decrypted bytes select cannot see)."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    # poll, not select: a test holding a thousand sockets has descriptors past 1024.
    p = select.poll()
    p.register(sock, select.POLLIN)
    return bool(p.poll(max(0.0, timeout) * 1000))


def _read_head(sock, deadline, buf=b""):
    """Reads until the end of an HTTP header block. Returns (head, rest), head None when the
    peer closed or the time ran out first."""
    while b"\r\n\r\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or not _readable(sock, left):
            return None, buf
        try:
            chunk = sock.recv(65536)
        except OSError:
            return None, buf
        if not chunk:
            return None, buf
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head, rest


def _parse_head(head):
    """(status, reason, headers dict with lower-case names, list of (name, value))."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        status = None
    reason = parts[2] if len(parts) > 2 else ""
    headers, pairs = {}, []
    for line in lines[1:]:
        if ":" not in line:
            continue
        name, value = line.split(":", 1)
        name, value = name.strip().lower(), value.strip()
        pairs.append((name, value))
        headers[name] = headers[name] + ", " + value if name in headers else value
    return status, reason, headers, pairs


class WebSocket:
    """One client connection, after its handshake (which may have been refused)."""

    def __init__(self, sock, status, reason, headers, pairs, rest, key):
        self.sock = sock
        self.status = status          # HTTP status of the handshake, None if none came
        self.reason = reason
        self.headers = headers        # lower-case name -> value (repeats joined with ", ")
        self.header_list = pairs
        self.buf = rest               # bytes read past the handshake
        self.body = b""               # the body of a refused handshake
        self.eof = False              # the server closed the TCP connection
        self.close_code = None        # code of the server's close frame (1005: none given)
        self.close_reason = b""
        self.masked_frames = 0        # frames from the server that were masked (an error)
        self.last_fin = True
        self.last_rsv = 0
        want = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        self.accept_ok = headers.get("sec-websocket-accept") == want

    # Sending.
    def send_raw(self, data):
        """Sends bytes as they are. Returns False when the connection is gone."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def send_frame(self, opcode, payload=b"", fin=True, rsv=0, mask=True, mask_key=None,
                   length=None):
        return self.send_raw(frame_bytes(opcode, payload, fin, rsv, mask, mask_key, length))

    def send_text(self, text, **kw):
        return self.send_frame(TEXT, text, **kw)

    def send_binary(self, data, **kw):
        return self.send_frame(BINARY, data, **kw)

    def send_json(self, obj):
        return self.send_text(json.dumps(obj, ensure_ascii=False))

    def send_ping(self, payload=b""):
        return self.send_frame(PING, payload)

    def send_pong(self, payload=b""):
        return self.send_frame(PONG, payload)

    def send_close(self, code=1000, reason=b""):
        return self.send_frame(CLOSE, close_payload(code, reason))

    # Receiving.
    def _fill(self, n, deadline):
        """Reads until the buffer holds n bytes. Returns False on timeout or EOF."""
        while len(self.buf) < n:
            if self.eof:
                return False
            left = deadline - time.monotonic()
            if left <= 0 or not _readable(self.sock, left):
                return False
            try:
                chunk = self.sock.recv(max(65536, n - len(self.buf)))
            except OSError:
                chunk = b""
            if not chunk:
                self.eof = True
                return False
            self.buf += chunk
        return True

    def recv_frame(self, timeout=5.0):
        """The next frame as (opcode, payload), or None on timeout or EOF (self.eof says
        which). A close frame sets close_code and close_reason."""
        deadline = time.monotonic() + timeout
        if not self._fill(2, deadline):
            return None
        b0, b1 = self.buf[0], self.buf[1]
        n, pos = b1 & 0x7F, 2
        if n == 126:
            if not self._fill(4, deadline):
                return None
            n, pos = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            if not self._fill(10, deadline):
                return None
            n, pos = struct.unpack("!Q", self.buf[2:10])[0], 10
        key = None
        if b1 & 0x80:
            if not self._fill(pos + 4, deadline):
                return None
            key, pos = self.buf[pos:pos + 4], pos + 4
        if not self._fill(pos + n, deadline):
            return None
        payload = self.buf[pos:pos + n]
        self.buf = self.buf[pos + n:]
        if key is not None:
            self.masked_frames += 1
            payload = mask_bytes(key, payload)
        opcode = b0 & 0x0F
        self.last_fin = bool(b0 & 0x80)
        self.last_rsv = (b0 >> 4) & 7
        if opcode == CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            self.close_reason = payload[2:]
        return opcode, payload

    def recv_message(self, timeout=5.0, auto_pong=True):
        """The next whole message as (opcode, payload), continuation frames joined; pings
        are answered (when auto_pong) and skipped, pongs skipped. A close frame is returned
        as (CLOSE, payload). None on timeout or EOF."""
        deadline = time.monotonic() + timeout
        parts, first = [], None
        while True:
            f = self.recv_frame(max(0.0, deadline - time.monotonic()))
            if f is None:
                return None
            op, payload = f
            if op == PING:
                if auto_pong:
                    self.send_pong(payload)
                continue
            if op == PONG:
                continue
            if op == CLOSE:
                return f
            if first is None:
                first = op
            parts.append(payload)
            if self.last_fin:
                return first, b"".join(parts)

    def recv_text(self, timeout=5.0):
        """The next text message as a str (None on timeout, EOF, close or a non-text one)."""
        m = self.recv_message(timeout)
        if m is None or m[0] != TEXT:
            return None
        return m[1].decode("utf-8", "replace")

    def wait_closed(self, timeout=5.0, reply=False):
        """Reads (and drops) frames until the server closes. Returns the close frame's code,
        0 when the TCP connection ended without a close frame, None when still open after
        timeout. With reply, answers the close frame with one."""
        deadline = time.monotonic() + timeout
        while True:
            f = self.recv_frame(max(0.0, deadline - time.monotonic()))
            if f is None:
                if self.eof:
                    return self.close_code if self.close_code is not None else 0
                return None
            if f[0] == CLOSE:
                if reply:
                    self.send_close(self.close_code if self.close_code not in (None, 1005)
                                    else 1000)
                return self.close_code

    def wait_eof(self, timeout=5.0):
        """True once the server has closed the TCP connection (frames read are dropped)."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.recv_frame(left)
        return True

    def quiet(self, seconds):
        """True when nothing at all arrives for the given time (the connection stays)."""
        return self.recv_frame(seconds) is None and not self.eof

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tcp(host, port, timeout=5.0, rcvbuf=None, tls=None, source=None):
    """A connected TCP socket (rcvbuf: its receive buffer size, set before connecting).
    tls: an ssl.SSLContext to speak TLS with, or True for one that trusts any certificate.
    source: the local address to connect from (127.0.0.2, ...), or None."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    if source:
        s.bind((source, 0))
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((host, port))
    # Reads go through select(); the timeout bounds a send to a server that stopped reading.
    s.settimeout(10.0)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls:
        if tls is True:
            tls = ssl.create_default_context()
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
        s.settimeout(timeout)
        s = tls.wrap_socket(s, server_hostname=host)
        s.settimeout(10.0)
    return s


def connect(host, port, path="/", origin=None, protocol=None, headers=None, timeout=5.0,
            host_header=None, rcvbuf=None, tls=None, source=None):
    """Opens a websocket. protocol is a string or a list (sent as one header); headers a
    list of (name, value) added as they are. Returns a WebSocket whatever the answer: check
    .status (101 when accepted, None when the server closed without an HTTP answer)."""
    sock = tcp(host, port, timeout, rcvbuf, tls, source)
    key = base64.b64encode(os.urandom(16))
    if isinstance(path, str):
        path = path.encode("utf-8")
    lines = [b"GET " + path + b" HTTP/1.1",
             b"Host: " + (host_header if host_header is not None else f"{host}:{port}").encode(),
             b"Upgrade: websocket", b"Connection: Upgrade",
             b"Sec-WebSocket-Key: " + key, b"Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(b"Origin: " + origin.encode())
    if protocol is not None:
        if not isinstance(protocol, str):
            protocol = ", ".join(protocol)
        lines.append(b"Sec-WebSocket-Protocol: " + protocol.encode())
    for name, value in headers or []:
        lines.append(f"{name}: {value}".encode())
    try:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
    except OSError:
        pass
    head, rest = _read_head(sock, time.monotonic() + timeout)
    if head is None:
        ws = WebSocket(sock, None, "", {}, [], rest, key)
        ws.eof = True
        return ws
    status, reason, hdrs, pairs = _parse_head(head)
    ws = WebSocket(sock, status, reason, hdrs, pairs, rest, key)
    if status != 101:
        ws.body = _read_body(sock, hdrs, rest, time.monotonic() + 1.0, "GET", status)
        ws.buf = b""
    return ws


def _read_body(sock, headers, buf, deadline, method, status=200):
    """The body after a header block: by Content-Length, chunked, or up to EOF."""
    if method == "HEAD" or status in (101, 204, 304):
        return b""

    def more():
        left = deadline - time.monotonic()
        if left <= 0 or not _readable(sock, left):
            return b""
        try:
            return sock.recv(65536)
        except OSError:
            return b""

    if "content-length" in headers:
        try:
            n = int(headers["content-length"].split(",")[0])
        except ValueError:
            n = 0
        while len(buf) < n:
            chunk = more()
            if not chunk:
                break
            buf += chunk
        return buf[:n]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        out = b""
        while True:
            while b"\r\n" not in buf:
                chunk = more()
                if not chunk:
                    return out
                buf += chunk
            line, buf = buf.split(b"\r\n", 1)
            try:
                n = int(line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                return out
            if n == 0:
                return out
            while len(buf) < n + 2:
                chunk = more()
                if not chunk:
                    return out + buf[:n]
                buf += chunk
            out, buf = out + buf[:n], buf[n + 2:]
    while True:
        chunk = more()
        if not chunk:
            return buf
        buf += chunk


class Response:
    def __init__(self, status, reason, headers, pairs, body):
        self.status = status      # None when the server answered nothing
        self.reason = reason
        self.headers = headers    # lower-case name -> value
        self.header_list = pairs
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return f"HTTP {self.status} {self.headers} {self.body[:300]!r}"


def http(host, port, method="GET", target=b"/", headers=None, body=b"", timeout=5.0,
         host_header=None, version=b"HTTP/1.1", tls=None, source=None):
    """One HTTP request on its own connection (Connection: close). target is sent byte
    for byte as given (str is UTF-8 encoded, nothing is escaped or normalised). headers is
    a list of (name, value). Returns a Response (status None when no answer came)."""
    if isinstance(target, str):
        target = target.encode("utf-8")
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(method, str):
        method = method.encode()
    lines = [method + b" " + target + b" " + version,
             b"Host: " + (host_header if host_header is not None else f"{host}:{port}").encode(),
             b"Connection: close"]
    names = [n.lower() for n, _ in headers or []]
    if body or method in (b"POST", b"PUT"):
        if "content-length" not in names:
            lines.append(b"Content-Length: " + str(len(body)).encode())
    for name, value in headers or []:
        lines.append(name.encode() + b": " + (value.encode() if isinstance(value, str) else value))
    try:
        sock = tcp(host, port, timeout, tls=tls, source=source)
    except OSError:
        return Response(None, "", {}, [], b"")
    try:
        try:
            sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        except OSError:
            pass  # the server may answer (413) before reading everything
        deadline = time.monotonic() + timeout
        head, rest = _read_head(sock, deadline)
        if head is None:
            return Response(None, "", {}, [], rest)
        status, reason, hdrs, pairs = _parse_head(head)
        return Response(status, reason, hdrs, pairs,
                        _read_body(sock, hdrs, rest, deadline, method.decode(), status))
    finally:
        sock.close()
