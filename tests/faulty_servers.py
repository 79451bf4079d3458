"""Small misbehaving HTTP servers on 127.0.0.1 for the sender's contract tests.

A :class:`RawServer` accepts connections one after the other in a background
thread and runs a *script* on each: plain ``socket`` code that reads requests
with :func:`read_request` and answers (or cuts, stalls, trickles) as the
scenario wants. The server counts what it saw, so a test can assert that a
request reached it exactly once. Every loop is bounded (connection count,
socket timeouts, a stop event) and ``stop()`` joins the thread.
"""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Callable, List, NamedTuple, Optional, Tuple

import mm7codec as mm7

HOST = "127.0.0.1"
# Server-side bound on every blocking call: a test never waits on a stuck peer.
IO_TIMEOUT = 5.0
_MAX_HEAD = 64 * 1024


class Request(NamedTuple):
    """One request as the server read it; ``body`` is whole unless ``complete`` is False."""

    head: bytes
    headers: Tuple[Tuple[str, str], ...]
    body: bytes
    complete: bool

    def header(self, name: str) -> Optional[str]:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


Script = Callable[[socket.socket, "RawServer"], None]


class RawServer:
    """Runs ``script(conn, server)`` for each accepted connection, one at a time.

    ``heads`` counts request heads read (the request reached the server),
    ``requests`` keeps every request read whole, ``connections`` counts
    accepted connections. With ``ssl_context`` the connection is wrapped
    first (a failed handshake counts the connection, no request).
    """

    def __init__(
        self,
        script: Script,
        *,
        max_connections: int = 4,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        self.script = script
        self.max_connections = max_connections
        self.ssl_context = ssl_context
        self.heads = 0
        self.requests: List[Request] = []
        self.connections = 0
        self.errors: List[BaseException] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        scheme = "https" if ssl_context is not None else "http"
        self.url = f"{scheme}://{HOST}:{self.port}/mm7"
        self._thread = threading.Thread(target=self._serve, name=f"raw-server {self.port}")

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=IO_TIMEOUT * 2)
        self._listener.close()
        assert not self._thread.is_alive(), "server thread did not stop"

    def saw(self, transaction_id: str) -> int:
        """How many whole requests carried ``transaction_id``."""
        needle = f">{transaction_id}<".encode()
        with self._lock:
            return sum(needle in r.body for r in self.requests)

    def read_request(self, conn: socket.socket) -> Optional[Request]:
        """Read one request (head, then its Content-Length body); None on a clean EOF."""
        request = read_request(conn)
        if request is not None:
            with self._lock:
                self.heads += 1
                if request.complete:
                    self.requests.append(request)
        return request

    def read_head(self, conn: socket.socket) -> Optional[Request]:
        """Read only the head of a request (the body stays unread), counted as seen."""
        head = _read_head(conn)
        if head is None:
            return None
        with self._lock:
            self.heads += 1
        return _parse(head[0], head[1], complete=False)

    def _serve(self) -> None:
        while not self.stopping.is_set() and self.connections < self.max_connections:
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            self.connections += 1
            try:
                conn.settimeout(IO_TIMEOUT)
                if self.ssl_context is not None:
                    conn = self.ssl_context.wrap_socket(conn, server_side=True)
                self.script(conn, self)
            except (OSError, ssl.SSLError) as exc:
                self.errors.append(exc)  # the client hanging up is part of most scenarios
            finally:
                conn.close()


def _read_head(conn: socket.socket) -> Optional[Tuple[bytes, bytes]]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        if len(buf) > _MAX_HEAD:
            raise ValueError("request head too long")
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head, rest


def _parse(head: bytes, body: bytes, *, complete: bool) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return Request(head, tuple(headers), body, complete)


def read_request(conn: socket.socket) -> Optional[Request]:
    """One request read from ``conn`` by its Content-Length; None on EOF before a head."""
    got = _read_head(conn)
    if got is None:
        return None
    head, body = got
    request = _parse(head, b"", complete=False)
    length = int(request.header("Content-Length") or "0")
    while len(body) < length:
        data = conn.recv(min(1 << 20, length - len(body)))
        if not data:
            return request._replace(body=body)
        body += data
    return request._replace(body=body, complete=True)


def response_bytes(
    status: int,
    body: bytes = b"",
    *,
    reason: str = "Whatever",
    content_type: str = "text/xml; charset=utf-8",
    extra: Tuple[Tuple[str, str], ...] = (),
    length: Optional[int] = None,
) -> bytes:
    """An HTTP/1.1 answer; ``length`` overrides the Content-Length (a lie, for cuts)."""
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}"]
    lines.append(f"Content-Length: {len(body) if length is None else length}")
    lines.extend(f"{name}: {value}" for name, value in extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def mm7_answer(
    request: Request,
    *,
    status: int = 1000,
    transaction_id: Optional[str] = None,
    http_status: int = 200,
) -> bytes:
    """The whole HTTP answer to an MM7 request: its Rsp (1000 by default)."""
    message = mm7.decode(request.body, request.header("Content-Type"))
    reply = message.response(status, message_id="raw-1")
    if transaction_id is not None:
        reply = mm7.Message(reply.pdu, transaction_id, reply.version)
    encoded = mm7.encode(reply)
    return response_bytes(http_status, encoded.body, content_type=encoded.content_type)


def fault_answer(http_status: int, code: int, text: str, transaction_id: str = "unknown") -> bytes:
    """An HTTP answer carrying an RSErrorRsp SOAP Fault."""
    pdu = mm7.RSErrorRsp(status=mm7.Status.error(mm7.StatusCode(code), text))
    encoded = mm7.encode(mm7.Message(pdu, transaction_id, "REL-6-MM7-1-4"))
    return response_bytes(http_status, encoded.body, content_type=encoded.content_type)


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port
