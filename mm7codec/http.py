"""MM7 over HTTP with the standard library: a sender and a WSGI receiver.

Optional and never imported by ``mm7codec`` itself (it pulls in ``socket``);
``import mm7codec.http`` when needed.

Sending (VASP -> relay/server, e.g. a SubmitReq)::

    from mm7codec.http import send
    reply = send(url, message, auth=("user", "password"), timeout=30.0)
    reply.raise_for_status()

:func:`send` answers with the decoded response (a Fault, under any HTTP
status, comes back as an ``RSErrorRsp`` message for ``raise_for_status()``).
Otherwise it raises one of three errors, each with an ``outcome``
(:class:`Outcome`: answered, not delivered, unknown) and ``retryable``:
:class:`HTTPError` (an answer that is not MM7), :class:`TransportError`
(below HTTP: connection, TLS, deadline, a cut answer) and
:class:`ResponseMismatchError` (MM7 that does not answer this request). The
client never resends by itself a request that may have reached the server;
docs/http-usage.md has the table and what a retry loop should do.

Receiving (relay/server -> VASP: DeliverReq, DeliveryReportReq,
ReadReplyReq): :func:`make_wsgi_app` turns ``handler(message)`` into a WSGI
application that answers with the matching ``...Rsp`` or a SOAP Fault, and
never acknowledges a body that did not arrive whole.

The decisions live in ``mm7codec._exchange`` (sans I/O); this module only
moves bytes.
"""

from __future__ import annotations

import select
import socket
import sys
import threading
import time
from typing import (
    TYPE_CHECKING,
    Callable,
    Iterable,
    Optional,
    Tuple,
    Union,
)

from ._errors import DecodeError, LimitExceededError
from ._exchange import (
    Answer,
    ClientBase,
    Deadline,
    Exchange,
    HTTPError,
    Outcome,
    ReceiverPolicy,
    ReplyReader,
    ResponseMismatchError,
    TransportError,
    basic_auth_header,
    classify,
    is_async_handler,
    is_retryable,
)
from ._limits import Limits
from ._message import Message
from ._pdu import PDU, Status
from ._status import StatusCode
from ._versions import SchemaVersion

if TYPE_CHECKING:
    import ssl

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ._aclient import AsyncClient
    from ._asgi import make_asgi_app
    from ._part import Part
    from ._throttle import RateLimiter, RetryPolicy, asend_with_retry, send_with_retry
    from .dedupe import DedupeStore
    from .profiles import Profile

__all__ = [
    "AsyncClient",
    "Client",
    "Exchange",
    "HTTPError",
    "Handler",
    "HandlerResult",
    "Outcome",
    "RateLimiter",
    "ResponseMismatchError",
    "RetryPolicy",
    "TransportError",
    "asend_with_retry",
    "basic_auth_header",
    "classify",
    "is_retryable",
    "make_asgi_app",
    "make_wsgi_app",
    "send",
    "send_with_retry",
]

# Loaded on first use: asyncio costs a WSGI receiver or a sync sender tens of
# milliseconds for nothing, and the throughput helpers are not needed by most.
_LAZY = {
    "AsyncClient": "._aclient",
    "RateLimiter": "._throttle",
    "RetryPolicy": "._throttle",
    "asend_with_retry": "._throttle",
    "send_with_retry": "._throttle",
    "make_asgi_app": "._asgi",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __package__), name)
    globals()[name] = value
    return value


#: What a receiver's handler may return (see :func:`make_wsgi_app`).
HandlerResult = Union[None, int, StatusCode, Status, Message]
Handler = Callable[[Message], HandlerResult]
Auth = Tuple[str, str]
AuthCheck = Union[Auth, Callable[[str, str], bool]]

_CHUNK = 1 << 16


# --- sender ----------------------------------------------------------------------------------


class Client(ClientBase):
    """Sends MM7 requests to one URL over one kept-alive HTTP(S) connection.

    ``auth`` is ``(user, password)`` for Basic auth (credentials in the URL's
    userinfo are used when it is None). ``timeout`` is the deadline of each
    whole exchange (connect, send, wait and read together). ``context`` is
    the ``ssl.SSLContext`` for https; the default one verifies certificates
    and host names. ``version``, when given, is passed to ``encode`` for every
    message (so it wins over ``Message.version``) and is the version
    :meth:`submit` builds. ``limits`` bound the answer read and decode.
    ``profile`` (a :class:`mm7codec.profiles.Profile` or its name) encodes
    every message for that gateway: ``encode(message, profile=...)``, so its
    schema and MM7Version (``version`` still wins), number rule and SOAPAction
    apply, and a number it refuses is an ``EncodeError`` before any byte is
    sent. Caller ``headers`` still replace the profile's by name.
    ``rate_limit`` (messages per second, or a :class:`RateLimiter` shared by
    every client of one account) spaces the requests of all threads using
    this client; the wait for a slot is not part of ``timeout``.
    :func:`send_with_retry` resends what is safe to resend.
    ``validate=False`` is ``encode(message, validate=False)`` for every message:
    a decoded message is forwarded as it was received, unknown elements
    (``pdu.extensions``) and values outside the schema's types included, where
    the default refuses it with an ``EncodeError`` before any byte is sent.

    Thread-safe: requests on one client are sent one at a time.

    Raises:
        ValueError: ``url`` is not an absolute http:// or https:// URL, or
            ``profile`` names no known profile.
    """

    def _open(self) -> None:
        self._sock: Optional[_Socket] = None
        self._lock = threading.Lock()

    # -- public --------------------------------------------------------------------------------

    def send(self, message: Message) -> Message:
        """Send ``message``; the decoded answer (a Fault as RSErrorRsp/VASPErrorRsp).

        Raises:
            HTTPError: the answer is not MM7 (see ``outcome``, ``retryable``).
            TransportError: connection, TLS, deadline, or a cut answer.
            ResponseMismatchError: MM7 that does not answer this request.
            EncodeError: ``message`` cannot be encoded (nothing was sent).
            LimitExceededError: the answer exceeds ``limits`` (outcome unknown).
        """
        return self.exchange(message).message

    def submit(
        self,
        pdu: PDU,
        content: Optional[Part] = None,
        transaction_id: Optional[str] = None,
    ) -> Message:
        """Wrap a request PDU in a Message (a fresh TransactionID unless given) and send it."""
        return self.send(self._new_message(pdu, content, transaction_id))

    def exchange(self, message: Message) -> Exchange:
        """Like :meth:`send`, with the HTTP status, headers and elapsed time kept."""
        head, encoded = self._request(message)
        return self._exchange(message, head, encoded.iter_body())

    def _exchange(self, message: Message, head: bytes, body: Iterable[bytes]) -> Exchange:
        """The exchange of a request already written as ``head`` and ``body``
        (``mm7codec.testing`` shapes the body to inject its faults)."""
        if self.rate_limit is not None:
            self.rate_limit.acquire()  # outside the lock: other threads keep sending
        with self._lock:
            started = time.monotonic()
            deadline = Deadline(self.timeout)
            reader, complete = self._round_trip(head, body, deadline)
            elapsed = time.monotonic() - started
        return self._exchanged(message, reader, complete, elapsed)

    def close(self) -> None:
        """Close the kept-alive connection; the next request opens a new one."""
        with self._lock:
            self._drop()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- socket I/O only: every decision is in _exchange ---------------------------------------

    def _failure(self, stage: str, error: BaseException) -> TransportError:
        self._drop()
        return self._transport_failure(stage, error)

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def _connection(self, deadline: Deadline) -> _Socket:
        sock: Optional[_Socket] = self._sock
        if sock is not None:
            # A kept-alive connection with something to read while idle was
            # closed (or spoken on) by the server: drop it before writing a
            # byte, the one case where trying again on a new one is safe.
            if _poll(sock) is None:
                return sock
            self._drop()
        try:
            sock = _connect(self._host, self._port, deadline)
            if self._https:
                import ssl

                context = self._context or ssl.create_default_context()
                try:
                    sock.settimeout(_timeout(deadline))  # the handshake within the deadline too
                    sock = _TLSSocket.open(sock, context, self._host)
                except BaseException:
                    sock.close()
                    raise
        except OSError as exc:
            raise self._failure("connect", exc) from exc
        self._sock = sock
        return sock

    def _round_trip(
        self, head: bytes, body: Iterable[bytes], deadline: Deadline
    ) -> Tuple[ReplyReader, bool]:
        """Write the request, read the answer: the reader, and whether the body went whole."""
        sock = self._connection(deadline)
        complete = False
        early: Optional[bytes] = None
        send_error: Optional[BaseException] = None
        try:
            sock.settimeout(_timeout(deadline))
            sock.sendall(head)
            for chunk in body:
                early = _poll(sock)
                if early is not None:
                    break  # an early answer (413, 401, a Fault) or a hang-up: read it
                sock.settimeout(_timeout(deadline))
                sock.sendall(chunk)
            else:
                complete = True
        except OSError as exc:
            # A broken pipe or reset may follow an early answer: read what came.
            send_error = exc
        except BaseException:
            # The body failed to produce its bytes (a file changed after encode):
            # half a request is on this connection, so it cannot carry another.
            self._drop()
            raise
        reader = ReplyReader(self.limits)
        try:
            if early is not None:
                reader.feed(early)
                if not early:
                    reader.eof()
            while not reader.complete and early != b"":
                sock.settimeout(_timeout(deadline))
                data = sock.recv(_CHUNK)
                if not data:
                    reader.eof()
                    break
                reader.feed(data)
        except OSError as exc:
            if not reader.started:
                stage = "wait" if complete else "send"
                raise self._failure(stage, send_error or exc) from exc
            raise self._failure("read", exc) from exc
        except LimitExceededError:
            self._drop()
            raise
        except DecodeError as exc:
            # Not HTTP at all: like a cut answer, what the server did is not known.
            raise self._failure("read" if complete else "send", exc) from exc
        except BaseException:
            self._drop()
            raise
        if not reader.complete:
            if not reader.started:
                stage = "wait" if complete else "send"
                error = send_error or ConnectionError("connection closed without an answer")
                raise self._failure(stage, error)
            raise self._failure("read", ConnectionError("answer cut short"))
        if not (complete and reader.keep_alive):
            self._drop()
        return reader, complete


def _connect(host: str, port: int, deadline: Deadline) -> socket.socket:
    """A TCP connection, each address tried within what is left of the deadline.

    (``socket.create_connection`` gives every address the whole timeout. The
    name lookup itself cannot be bounded with the standard library.)
    """
    error: Optional[OSError] = None
    for family, kind, proto, _name, address in socket.getaddrinfo(
        host, port, 0, socket.SOCK_STREAM
    ):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(_timeout(deadline))
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
            if isinstance(exc, socket.timeout):
                break  # the deadline is spent: no time for another address
    raise error if error is not None else OSError(f"no address for {host}")


def _timeout(deadline: Deadline) -> float:
    remaining = deadline.remaining()
    if remaining <= 0:
        raise socket.timeout("deadline passed")
    return remaining


class _TLSSocket:
    """A TCP socket carrying TLS from a :class:`TLSChannel`, with the calls the client
    makes on a socket. Its write failing leaves the answer readable (see ``_tls``)."""

    __slots__ = ("_channel", "_sock")

    def __init__(self, sock: socket.socket, channel: TLSChannel) -> None:
        self._sock = sock
        self._channel = channel

    @classmethod
    def open(cls, sock: socket.socket, context: ssl.SSLContext, host: str) -> _TLSSocket:
        """The handshake, within the socket's timeout."""
        from ._tls import TLSChannel

        channel = TLSChannel(context, host)
        while not channel.handshake():
            sock.sendall(channel.outgoing())
            channel.received(sock.recv(_CHUNK))
        sock.sendall(channel.outgoing())
        return cls(sock, channel)

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(self._channel.wrap(data))

    def recv(self, size: int) -> bytes:
        """Application data (up to 64 KiB); ``b""`` at the end. On a non-blocking socket,
        ``BlockingIOError`` while only records without data (session tickets) came."""
        channel = self._channel
        while True:
            data = channel.read()
            if data is not None:
                return data
            channel.received(self._sock.recv(size))

    def pending(self) -> bool:
        return self._channel.buffered()

    def settimeout(self, value: Optional[float]) -> None:
        self._sock.settimeout(value)

    def setblocking(self, flag: bool) -> None:
        self._sock.setblocking(flag)

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        self._sock.close()


if TYPE_CHECKING:
    from ._tls import TLSChannel

    _Socket = Union[socket.socket, _TLSSocket]


def _poll(sock: _Socket) -> Optional[bytes]:
    """What the peer sent so far, without waiting: None for nothing, b"" for a hang-up.

    Read rather than only selected: on TLS a readable socket may hold only
    protocol records (TLS 1.3 session tickets), which are no answer.
    """
    pending = getattr(sock, "pending", None)
    if not (pending is not None and pending()):
        try:
            ready, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return b""  # a closed or broken socket: gone
        if not ready:
            return None
    sock.setblocking(False)
    try:
        return sock.recv(_CHUNK)
    except BlockingIOError:
        return None  # nothing, or on TLS only records without data
    except OSError:
        return b""  # reset: gone


def send(
    url: str,
    message: Message,
    *,
    auth: Optional[Auth] = None,
    timeout: float = 30.0,
    version: Union[str, SchemaVersion, None] = None,
    context: Optional[ssl.SSLContext] = None,
    headers: Optional[Iterable[Tuple[str, str]]] = None,
    limits: Optional[Limits] = None,
    profile: Union[Profile, str, None] = None,
) -> Message:
    """POST one MM7 request to ``url`` and return the decoded answer.

    HTTP 200 gives the response Message; a SOAP Fault, under any HTTP status,
    gives its RSErrorRsp/VASPErrorRsp Message (call ``raise_for_status()``).
    The body is streamed from ``EncodedMessage.iter_body()`` with its
    Content-Length, so large file-backed attachments are never held in memory.
    ``timeout`` is the deadline of the whole exchange.

    Raises:
        HTTPError, TransportError, ResponseMismatchError: see :class:`Client`
            and the outcome table in docs/http-usage.md.
        ValueError: ``url`` is not an absolute http(s) URL.
    """
    with Client(
        url,
        auth=auth,
        timeout=timeout,
        version=version,
        context=context,
        headers=headers,
        limits=limits,
        profile=profile,
    ) as client:
        return client.send(message)


# --- receiver --------------------------------------------------------------------------------


def make_wsgi_app(
    handler: Handler,
    *,
    limits: Optional[Limits] = None,
    auth: Optional[AuthCheck] = None,
    strict: bool = False,
    side: str = "vasp",
    realm: str = "MM7",
    profile: Union[Profile, str, None] = None,
    dedupe: Union[DedupeStore, bool, None] = None,
    allow: Optional[Iterable[str]] = None,
    trusted_proxies: Optional[Iterable[str]] = None,
) -> WSGIApplication:
    """A WSGI application that decodes MM7 requests and answers for ``handler``.

    ``handler(message)`` gets each decoded request and returns:

    - ``None``: success, the matching ``...Rsp`` with 1000;
    - a status (``StatusCode``, ``int`` or ``Status``): a 1xxx status gives the
      matching ``...Rsp`` with it (HTTP 200); any other gives a SOAP Fault
      (HTTP 500) with VASPErrorRsp/RSErrorRsp. The spec also allows a normal
      ``...Rsp`` carrying the error, but a Fault is what Mbuni, Sinch and most
      peers send and expect; return a full Message to do otherwise;
    - a ``Message``: sent as it is (HTTP 500 if it is an error response).

    The success answer is built and encoded before the handler runs: a request
    whose answer cannot be encoded gets a 3000 Fault and the handler is not
    called. A body that did not arrive whole (shorter than its
    Content-Length, a multipart without its close delimiter, a body ending
    inside a part) gets a 3000 Fault under HTTP 500 so the gateway resends it,
    never 1000. A handler raising :class:`mm7codec.MM7Error` gets a Fault with
    the error's status code; any other exception a Fault 3000, its traceback
    written to ``wsgi.errors``; a handler answer that does not encode a 3000
    Fault saying so. Bodies that do not decode get a Fault with the decoder's
    code (4004, 2007, ...), HTTP 500; a Content-Length over
    ``limits.max_message_size`` is refused unread with HTTP 413 and a 4004
    Fault. A response PDU arriving as a request gets 4003.

    ``auth`` is ``(user, password)`` or ``check(user, password) -> bool`` for
    HTTP Basic; failures get 401 without calling the handler. ``side`` says
    which side this server is, for Faults to undecodable requests: "vasp"
    (answering the relay's DeliverReq/DeliveryReportReq/ReadReplyReq, so
    VASPErrorRsp) or "relay" (RSErrorRsp).

    ``profile`` (a :class:`mm7codec.profiles.Profile` or its name): answers
    carry its response headers (Content-Type) and, where the request's own
    version says nothing, its schema and MM7Version (see
    :class:`mm7codec._exchange.ReceiverPolicy`).

    ``dedupe`` (a :class:`mm7codec.dedupe.DedupeStore`; True for a new
    in-memory ``MemoryDedupe()`` owned by this app): a delivery handled and
    acknowledged before is answered 1000 again without calling the handler;
    a copy that arrives while the first is still in the handler gets a Fault
    4006 under HTTP 503 (the gateway resends later); a handler that fails or
    refuses releases the claim, so the next resend runs it again. Requests
    whose answer needs the handler's value (a SubmitReq's MessageID) are not
    deduplicated.

    ``allow`` (networks such as ``["203.0.113.0/24"]``, the addresses a
    gateway publishes for its postbacks): a request from elsewhere gets 403
    and the handler does not run. The source is ``REMOTE_ADDR``, or, when
    that is one of ``trusted_proxies``, the rightmost ``X-Forwarded-For`` hop
    that is not a trusted proxy (see ``ReceiverPolicy.check_source``).

    Gateways resend what is not answered with 200 and 1000 within 10 seconds
    (Sinch: up to five times), so the handler should be quick and idempotent.

    Raises:
        TypeError: ``handler`` is an ``async def`` function (or its
            ``__call__`` is): WSGI cannot await it.
        ValueError: ``side`` is not "vasp" or "relay", ``profile`` names
            no known profile, or ``allow``/``trusted_proxies`` holds
            something that is not a network.
    """
    if is_async_handler(handler):
        raise TypeError(
            "make_wsgi_app needs a plain (sync) handler; this one is async def, "
            "which WSGI cannot await"
        )
    policy = ReceiverPolicy.from_arguments(locals())

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def log(text: str) -> None:
            _log(environ, text)

        answer = _answer(environ, handler, policy, log)
        start_response(answer.status_line, answer.headers)
        return [answer.body]

    return app


def _answer(
    environ: WSGIEnvironment,
    handler: Handler,
    policy: ReceiverPolicy,
    log: Callable[[str], None],
) -> Answer:
    sink = policy.start(
        str(environ.get("REQUEST_METHOD", "GET")),
        content_type=environ.get("CONTENT_TYPE"),
        content_length=environ.get("CONTENT_LENGTH"),
        authorization=environ.get("HTTP_AUTHORIZATION"),
        peer=environ.get("REMOTE_ADDR"),
        forwarded_for=environ.get("HTTP_X_FORWARDED_FOR"),
    )
    if isinstance(sink, Answer):
        return sink
    stream = environ["wsgi.input"]
    while True:
        wanted = sink.wanted
        if wanted is not None and wanted <= 0:
            break
        try:
            chunk = stream.read(_CHUNK if wanted is None else min(_CHUNK, wanted))
        except Exception as exc:
            # The connection died mid-body (servers raise their own errors for it:
            # waitress ClientDisconnected, gunicorn's chunk parse errors): not whole,
            # whatever the bytes so far would decode to (as an ASGI disconnect).
            return sink.abort(f"reading the body failed: {type(exc).__name__}")
        if not chunk:
            break
        refused = sink.feed(chunk)
        if refused is not None:
            return refused
    return policy.handle(sink.finish(), handler, log)


def _log(environ: WSGIEnvironment, text: str) -> None:
    """Write ``text`` and the exception being handled to ``wsgi.errors``."""
    errors = environ.get("wsgi.errors")
    if errors is not None:
        try:
            import traceback

            trace = traceback.format_exc() if sys.exc_info()[0] is not None else ""
            errors.write(f"{__name__}: {text}\n{trace}")
            errors.flush()
        except Exception:
            pass  # a broken error stream must not take the answer down
