"""An MM7 gateway simulator for integration tests, standard library only.

:class:`GatewaySimulator` behaves like a relay/server such as Sinch's MM7 API,
on 127.0.0.1 by default:

- it accepts ``SubmitReq`` (and Cancel/Replace) over HTTP with Basic auth,
  answers ``SubmitRsp`` with a fresh MessageID, and records every decoded
  request in :attr:`GatewaySimulator.received`;
- :meth:`GatewaySimulator.fail_next` makes the next answers fail, with an MM7
  status (a Fault) or a raw HTTP error page;
- :meth:`GatewaySimulator.deliver` POSTs a ``DeliverReq`` /
  ``DeliveryReportReq`` to your receiver and retries, as a gateway does, until
  it gets HTTP 200 with the matching ``...Rsp``, the same TransactionID and
  status 1000 within 10 seconds, at most ``max_attempts`` times; with
  ``fault=`` (:class:`Fault`) it cuts the body, drops the connection mid-body,
  trickles the body or delivers the same TransactionID twice, the faults a
  receiver must survive without losing or acknowledging a partial message.

Example::

    with GatewaySimulator() as sim:
        reply = send(sim.url, message, auth=sim.auth)
        assert sim.received[0].transaction_id == message.transaction_id

:class:`ServerThread` serves any WSGI application (your ``make_wsgi_app``
receiver, say) in a background thread for the same kind of test.
"""

from __future__ import annotations

import collections
import itertools
import queue
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
from typing import (
    TYPE_CHECKING,
    Any,
    Deque,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Tuple,
    TypeVar,
    Union,
)
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ._errors import MM7Error
from ._limits import Limits
from ._message import Message
from ._pdu import RESPONSE_FOR, DeliverReq, DeliveryReportReq, ReadReplyReq, SubmitReq
from ._status import StatusCode
from ._versions import LATEST, SchemaVersion, get_version
from .http import Auth, Client, Exchange, HandlerResult, ResponseMismatchError, make_wsgi_app

if TYPE_CHECKING:
    from types import TracebackType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["Attempt", "DeliveryResult", "Fault", "GatewaySimulator", "ServerThread"]

#: What a gateway allows a receiver to answer in (Sinch: 10 seconds).
ANSWER_DEADLINE = 10.0
#: Sinch retries five minutes later; tests pass a small ``retry_delay``.
DEFAULT_RETRY_DELAY = 300.0


def _drain(environ: WSGIEnvironment) -> None:
    length = str(environ.get("CONTENT_LENGTH") or "").strip()
    remaining = int(length) if length.isascii() and length.isdigit() else 0
    stream = environ["wsgi.input"]
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 16))
        if not chunk:
            return
        remaining -= len(chunk)


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up or rejects our certificate is part of the
        # tests; anything else is a bug worth its traceback.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        # Test output stays clean; the simulator keeps its own records.
        pass


_S = TypeVar("_S", bound="_Service")


class _Service:
    """Something with ``start()`` / ``stop()``, usable as ``with thing: ...``."""

    def start(self: _S) -> _S:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[type],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()


class ServerThread(_Service):
    """Serve a WSGI application from a background thread (``wsgiref``, threaded).

    Binds 127.0.0.1 and a free port by default; :attr:`url` is its address.
    With ``ssl_context`` (a server-side context with its certificate loaded)
    it serves HTTPS.
    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        app: WSGIApplication,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/mm7",
        *,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        self._server = make_server(
            host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        scheme = "http"
        if ssl_context is not None:
            # The handshake happens on the first read, in the request's own
            # thread, so a stalled client cannot block the accept loop.
            self._server.socket = ssl_context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
            scheme = "https"
        self._thread: Optional[threading.Thread] = None
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f"{scheme}://{bound_host!s}:{bound_port}{path}"

    def start(self) -> ServerThread:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"mm7-server {self.url}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()


class Attempt(NamedTuple):
    """One try of :meth:`GatewaySimulator.deliver`.

    ``http_status`` and ``response`` are None when no answer came; ``error``
    is what went wrong (transport failure, non-MM7 answer), else None. ``ok``
    is the gateway's verdict: HTTP 200, the matching ``...Rsp``, the same
    TransactionID, status 1000, within the deadline.
    """

    number: int
    http_status: Optional[int]
    response: Optional[Message]
    error: Optional[BaseException]
    elapsed: float
    ok: bool
    reason: str


class DeliveryResult(NamedTuple):
    """The attempt log of one delivery; ``delivered`` if the last attempt was ok."""

    attempts: Tuple[Attempt, ...]

    @property
    def delivered(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok

    @property
    def last(self) -> Attempt:
        return self.attempts[-1]


class Fault(NamedTuple):
    """A fault :meth:`GatewaySimulator.deliver` injects, to test a receiver against.

    Build one with a constructor below. A receiver keeping the contract
    answers a ``cut`` or ``drop`` with anything but 1000 and never hands it to
    its handler (the gateway resends the whole message next), takes a
    ``slow`` body like any other, and answers each ``duplicate`` with 1000
    (acting once is its dedupe's job).
    """

    kind: str
    offset: int = 0
    chunk: int = 0
    interval: float = 0.0
    copies: int = 0

    @classmethod
    def cut(cls, offset: int) -> Fault:
        """The body ends after ``offset`` bytes, under a Content-Length that says so.

        What a receiver sees when a proxy forwards a body its client stopped
        sending, or a chunked body that was terminated early.
        """
        return cls("cut", offset=_at_least(0, offset, "offset"))

    @classmethod
    def drop(cls, offset: int) -> Fault:
        """The connection closes after ``offset`` body bytes of the declared length."""
        return cls("drop", offset=_at_least(0, offset, "offset"))

    @classmethod
    def duplicate(cls, copies: int = 2) -> Fault:
        """The accepted message is delivered ``copies`` times in all, same TransactionID."""
        return cls("duplicate", copies=_at_least(2, copies, "copies"))

    @classmethod
    def slow(cls, chunk: int = 64, interval: float = 0.05) -> Fault:
        """The body trickles: ``chunk`` bytes, then ``interval`` seconds, and so on.

        The attempt's ``timeout`` still bounds the whole exchange.
        """
        if not interval >= 0:
            raise ValueError(f"interval must be >= 0, not {interval!r}")
        return cls("slow", chunk=_at_least(1, chunk, "chunk"), interval=interval)


def _at_least(low: int, value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, not {value!r}")
    return value


class _Failure(NamedTuple):
    status: Optional[int]
    http_status: Optional[int]
    body: bytes
    content_type: str


class GatewaySimulator(_Service):
    """A relay/server to test a VASP application against (see the module docs).

    ``auth`` is the ``(user, password)`` senders must use (None: no auth).
    ``version`` is the schema version of the simulator (kept for callers
    building messages; answers always use the request's version).
    ``ssl_context`` makes it serve HTTPS (see :class:`ServerThread`).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        auth: Optional[Auth] = ("user", "pass"),
        version: Union[str, SchemaVersion] = LATEST,
        limits: Optional[Limits] = None,
        path: str = "/mm7",
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        self.auth = auth
        self.version = get_version(version)
        self._lock = threading.Lock()
        self._received: List[Message] = []
        self._queue: queue.Queue[Message] = queue.Queue()
        self._failures: Deque[_Failure] = collections.deque()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        mm7_app = make_wsgi_app(self._handle, limits=limits, auth=auth, side="relay")
        self._mm7_app = mm7_app
        self._server = ServerThread(self._app, host, port, path, ssl_context=ssl_context)
        self.url = self._server.url

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> GatewaySimulator:
        self._stopping.clear()
        self._server.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.stop()

    # -- what was received ---------------------------------------------------------------------

    @property
    def received(self) -> List[Message]:
        """Every request decoded so far, oldest first (a copy)."""
        with self._lock:
            return list(self._received)

    def next_received(self, timeout: float = 5.0) -> Message:
        """The next received request, waiting up to ``timeout`` seconds.

        Raises:
            queue.Empty: nothing arrived in time.
        """
        return self._queue.get(timeout=timeout)

    # -- failure injection ---------------------------------------------------------------------

    def fail_next(
        self,
        status: Optional[int] = StatusCode.SERVICE_UNAVAILABLE,
        *,
        count: int = 1,
        http_status: Optional[int] = None,
        body: bytes = b"",
        content_type: str = "text/html",
    ) -> None:
        """Make the next ``count`` requests fail.

        With ``http_status`` the answer is that raw HTTP status with ``body``
        (an HTML 502 page, an empty 503) and the request is not decoded.
        Otherwise the request is decoded and recorded, and answered with a
        SOAP Fault carrying ``status`` (4006 service unavailable by default).
        """
        failure = _Failure(None if status is None else int(status), http_status, body, content_type)
        with self._lock:
            self._failures.extend([failure] * count)

    # -- serving -------------------------------------------------------------------------------

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if str(environ.get("REQUEST_METHOD", "")).upper() == "POST":
            with self._lock:
                raw = bool(self._failures) and self._failures[0].http_status is not None
                failure = self._failures.popleft() if raw else None
            if failure is not None and failure.http_status is not None:
                # The request is read whole first, as a server that failed after
                # taking it would: the client sees an answer to a complete request.
                _drain(environ)
                headers = [
                    ("Content-Type", failure.content_type),
                    ("Content-Length", str(len(failure.body))),
                ]
                start_response(f"{failure.http_status} Simulated failure", headers)
                return [failure.body]
        return self._mm7_app(environ, start_response)

    def _handle(self, message: Message) -> HandlerResult:
        with self._lock:
            self._received.append(message)
        self._queue.put(message)
        with self._lock:
            # Raw HTTP failures are _app's; only an MM7 one is taken here.
            mm7_failure = bool(self._failures) and self._failures[0].http_status is None
            failure = self._failures.popleft() if mm7_failure else None
        if failure is not None and failure.status is not None:
            return failure.status
        pdu = message.pdu
        if isinstance(pdu, (DeliverReq, DeliveryReportReq, ReadReplyReq)):
            # Those travel from the relay to the VASP, never to the relay.
            return StatusCode.UNSUPPORTED_OPERATION
        if isinstance(pdu, SubmitReq):
            return message.response(StatusCode.SUCCESS, message_id=self._message_id())
        return None

    def _message_id(self) -> str:
        return f"sim-{next(self._ids):08d}"

    # -- relay -> VASP ---------------------------------------------------------------------------

    def deliver(
        self,
        receiver_url: str,
        message: Message,
        *,
        auth: Optional[Auth] = None,
        max_attempts: int = 5,
        retry_delay: float = DEFAULT_RETRY_DELAY,
        timeout: float = ANSWER_DEADLINE,
        fault: Optional[Fault] = None,
    ) -> DeliveryResult:
        """POST ``message`` to ``receiver_url`` until it is accepted, as a gateway does.

        Accepted means HTTP 200 with the matching ``...Rsp``, the same
        TransactionID and status 1000, within ``timeout`` seconds. Otherwise
        the simulator waits ``retry_delay`` seconds (a retry schedule; a
        gateway waits minutes) and tries again, ``max_attempts`` times in all.
        :meth:`stop` cuts the waiting short.

        ``fault`` (a :class:`Fault`) misbehaves on purpose: ``cut``, ``drop``
        and ``slow`` shape the first attempt (over http:// only), and the
        resends that follow are whole, as a gateway's are; ``duplicate``
        delivers the accepted message again. Every try is in the result.

        Raises:
            ValueError: ``message`` is not a request, or ``fault`` does not
                fit it (a cut at or past the body's end, an https URL).
        """
        expected = RESPONSE_FOR.get(type(message.pdu))
        if expected is None:
            raise ValueError(f"{message.pdu.WIRE_NAME} is not a request")
        shaped = fault if fault is not None and fault.kind != "duplicate" else None
        if shaped is not None and urllib.parse.urlsplit(receiver_url).scheme != "http":
            raise ValueError(f"faults are injected over http:// only, not {receiver_url!r}")
        attempts: List[Attempt] = []
        with Client(receiver_url, auth=auth, timeout=timeout) as client:
            for number in range(1, max_attempts + 1):
                if number > 1 and self._stopping.wait(retry_delay):
                    break
                first = shaped if number == 1 else None
                attempt = self._attempt(client, number, message, expected, timeout, first)
                attempts.append(attempt)
                if attempt.ok:
                    break
            if fault is not None and fault.kind == "duplicate" and attempts[-1].ok:
                for _ in range(fault.copies - 1):
                    number = len(attempts) + 1
                    attempts.append(self._attempt(client, number, message, expected, timeout))
        return DeliveryResult(tuple(attempts))

    def _attempt(
        self,
        client: Client,
        number: int,
        message: Message,
        expected: type,
        timeout: float,
        fault: Optional[Fault] = None,
    ) -> Attempt:
        """One try through ``client``'s own round trip; with ``fault``, its body shaped."""
        started = time.monotonic()
        try:
            if fault is None:
                exchange = client.exchange(message)
            else:
                head, body = self._shaped_request(client, message, fault)
                exchange = client._exchange(message, head, body)
        except ResponseMismatchError as exc:
            # MM7 that does not answer this request: judged below like any answer.
            exchange = Exchange(exc.http_status, (), exc.reply, time.monotonic() - started)
        except _Hangup as exc:
            # The client dropped the connection when the body stopped: nothing went whole.
            error = client._transport_failure("send", ConnectionAbortedError(str(exc)))
            elapsed = time.monotonic() - started
            return Attempt(number, None, None, error, elapsed, False, str(error))
        except MM7Error as exc:
            elapsed = time.monotonic() - started
            status = getattr(exc, "http_status", None)
            return Attempt(number, status, None, exc, elapsed, False, str(exc))
        elapsed = time.monotonic() - started
        return self._judge(
            number, exchange.http_status, exchange.message, message, expected, elapsed, timeout
        )

    def _shaped_request(
        self, client: Client, message: Message, fault: Fault
    ) -> Tuple[bytes, Iterable[bytes]]:
        """The request head and body ``fault`` makes of ``message``.

        Raises:
            ValueError: a cut or drop at or past the body's end.
        """
        head, encoded = client._request(message)
        body = encoded.body
        if fault.kind in ("cut", "drop") and fault.offset >= len(body):
            raise ValueError(f"{fault} does not cut a {len(body)}-byte body")
        if fault.kind == "cut":
            # What a proxy forwards when its client stopped short: a matching length.
            return client._head(encoded, length=fault.offset), [body[: fault.offset]]
        if fault.kind == "drop":
            return head, _dropped(body, fault.offset)
        return head, _trickled(body, fault.chunk, fault.interval, self._stopping)

    @staticmethod
    def _judge(
        number: int,
        http_status: int,
        reply: Message,
        message: Message,
        expected: type,
        elapsed: float,
        timeout: float,
    ) -> Attempt:
        """The gateway's verdict on one answer."""
        code = reply.status.code if reply.status is not None else None
        if http_status != 200:
            reason = f"HTTP {http_status}"
        elif not isinstance(reply.pdu, expected):
            reason = f"answered by {reply.pdu.WIRE_NAME}, not {expected.__name__}"
        elif reply.transaction_id != message.transaction_id:
            reason = f"TransactionID {reply.transaction_id!r} does not match"
        elif code != StatusCode.SUCCESS:
            reason = f"status {code}"
        elif elapsed > timeout:
            reason = f"answered after {elapsed:.1f} s"
        else:
            reason = ""
        return Attempt(number, http_status, reply, None, elapsed, not reason, reason)


class _Hangup(Exception):
    """A shaped body stops here: the client drops the connection (not an OSError,
    which the round trip would take for the peer's doing and wait for an answer)."""


def _dropped(body: bytes, offset: int) -> Iterator[bytes]:
    yield body[:offset]
    raise _Hangup(f"dropped by the simulator after {offset} of {len(body)} bytes")


def _trickled(
    body: bytes, chunk: int, interval: float, stopping: threading.Event
) -> Iterator[bytes]:
    # The client checks its deadline before each chunk it writes, so the attempt
    # fails at the first chunk due after the deadline (a wait is not cut short).
    for start in range(0, len(body), chunk):
        if start and stopping.wait(interval):
            raise _Hangup("the simulator was stopped")
        yield body[start : start + chunk]
