"""The exchange contract, sans I/O: what a sender and a receiver decide.

A gateway treats HTTP 200 + the matching Rsp with 1000 as "delivered, forget
it" and resends anything else. Everything that decides what an exchange
meant lives here, with no sockets: request headers, reading an HTTP answer,
what a failure at each stage of an exchange tells about the request, the
deadline, and on the receiving side the early checks, the body sink and the
answer. ``mm7codec.http`` (and the asyncio shells built later) only move
bytes and call these functions, so every shell keeps the same promises.
"""

from __future__ import annotations

import contextlib
import enum
import re
import time

from ._decoder import Decoder, decode
from ._encoder import encode, encode_echoing
from ._errors import DecodeError, EncodeError, LimitExceededError, MM7Error, StatusError
from ._headers import header_value
from ._limits import Limits
from ._message import Message, answer_mm7_version
from ._pdu import RESPONSE_FOR, Request, RSErrorRsp, Status, VASPErrorRsp
from ._status import StatusCode
from ._versions import LATEST, get_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl
    from typing import (
        Any,
        Callable,
        Iterable,
        List,
        Mapping,
        NamedTuple,
        Optional,
        Tuple,
        Type,
        Union,
    )

    from ._encoder import EncodedMessage
    from ._part import Part
    from ._pdu import PDU
    from ._throttle import RateLimiter
    from ._versions import SchemaVersion
    from .dedupe import DedupeStore, Ticket
    from .profiles import Profile

    Headers = Tuple[Tuple[str, str], ...]
    Auth = Tuple[str, str]
    AuthCheck = Union[Auth, Callable[[str, str], bool]]
    HandlerResult = Union[None, int, StatusCode, Status, Message]
    Handler = Callable[[Message], HandlerResult]
    Log = Callable[[str], None]
else:
    from typing import NamedTuple

__all__ = [
    "Answer",
    "BodySink",
    "ClientBase",
    "Deadline",
    "Exchange",
    "HTTPError",
    "Outcome",
    "Pending",
    "ReceiverPolicy",
    "ReplyReader",
    "ResponseMismatchError",
    "TransportError",
    "basic_auth_header",
    "classify",
    "interpret_reply",
    "is_async_handler",
    "is_retryable",
    "request_head",
    "request_headers",
    "transport_failure",
]

_BODY_START = 200
# Answers that say the server did not act and a later try may work: 408/425/429
# are about timing by definition, 503 says the service is not taking requests.
_RETRYABLE_HTTP = frozenset({408, 425, 429, 503})
# 5xx answers that say the server did not act on the request at all.
_NOT_ACTED_5XX = frozenset({501, 503, 505})
# SOAP 1.1 §6.2: a Fault goes under HTTP 500.
FAULT_HTTP_STATUS = 500


class Outcome(enum.Enum):
    """What one exchange tells the sender about its request.

    ``ANSWERED``: the peer answered in MM7 (a decoded Message, success or not).
    ``NOT_DELIVERED``: the peer did not take the request (nothing reached it, or
    it said it did not act); resending cannot deliver it twice.
    ``UNKNOWN``: the request may have been taken (the answer was lost, cut,
    late or inconsistent); a blind resend may deliver it twice.
    """

    ANSWERED = "answered"
    NOT_DELIVERED = "not-delivered"
    UNKNOWN = "unknown"


# --- errors ----------------------------------------------------------------------------------


class TransportError(MM7Error):
    """The exchange failed below HTTP: connection, DNS, TLS, reset, deadline, cut answer.

    ``request_sent`` is True once the whole request was written; ``outcome`` is
    ``NOT_DELIVERED`` before that (a receiver keeping the contract never acts
    on a partial body) and ``UNKNOWN`` after. ``retryable`` is True only for
    ``NOT_DELIVERED`` failures that waiting may heal (not a certificate
    failure). ``host`` and ``port`` name the peer (also in the message).
    """

    default_status_code = int(StatusCode.SERVICE_UNAVAILABLE)

    def __init__(
        self,
        message: str,
        *,
        host: str = "",
        port: Optional[int] = None,
        request_sent: bool = False,
        outcome: Optional[Outcome] = None,
        retryable: Optional[bool] = None,
    ) -> None:
        super().__init__(message)
        self.host = host
        self.port = port
        self.request_sent = request_sent
        self.outcome: Outcome = outcome or (
            Outcome.UNKNOWN if request_sent else Outcome.NOT_DELIVERED
        )
        self.retryable: bool = retryable is not False and self.outcome is Outcome.NOT_DELIVERED


class HTTPError(MM7Error):
    """The peer answered over HTTP with something that is not MM7.

    ``http_status``, ``body_start`` (the first bytes, for logs) and ``headers``
    describe the answer. ``outcome`` and ``retryable`` follow the status (see
    :func:`http_outcome`): 503, 408, 425, 429 are ``NOT_DELIVERED`` and
    retryable; 501, 505 and other 3xx/4xx ``NOT_DELIVERED`` and not retryable
    (401/403: "authentication refused, check auth="); 2xx answers that are not
    MM7 and every other 5xx (a crashed application may have stored the
    message first; a proxy's 502/504/524 came after forwarding it) are
    ``UNKNOWN``. The MM7
    ``status_code`` is a best guess (4001 for 401, 4007 for 403, 4006 for
    503/429, else 3000) so a relay can pass the error on.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int,
        body_start: bytes = b"",
        headers: Headers = (),
        outcome: Optional[Outcome] = None,
        retryable: Optional[bool] = None,
    ) -> None:
        super().__init__(message, status_code=_status_for_http(http_status))
        self.http_status = http_status
        self.body_start = body_start
        self.headers = headers
        default_outcome, default_retryable = http_outcome(http_status)
        self.outcome: Outcome = default_outcome if outcome is None else outcome
        self.retryable: bool = (
            default_retryable if retryable is None else retryable
        ) and self.outcome is Outcome.NOT_DELIVERED


class ResponseMismatchError(MM7Error):
    """An MM7 answer that is not an answer to this request.

    Another TransactionID, a PDU that does not answer the request's type, or a
    success Rsp under a non-2xx HTTP status. The request may have been taken:
    ``outcome`` is ``UNKNOWN``, ``retryable`` False. ``reply`` is the decoded
    answer, ``http_status`` its HTTP status.
    """

    outcome = Outcome.UNKNOWN
    retryable = False

    def __init__(self, message: str, *, reply: Message, http_status: int) -> None:
        super().__init__(message)
        self.reply = reply
        self.http_status = http_status


def http_outcome(http_status: int) -> Tuple[Outcome, bool]:
    """The outcome and retryability of an HTTP answer that is not MM7."""
    # Any other 5xx may come after the request was taken (a crashed application
    # that stored it first, a proxy's 502/504/524 once it forwarded it), and a 2xx
    # that is not MM7 says nothing about it: not known, so never resent blindly.
    if http_status < 300 or (http_status >= 500 and http_status not in _NOT_ACTED_5XX):
        return Outcome.UNKNOWN, False
    return Outcome.NOT_DELIVERED, http_status in _RETRYABLE_HTTP


def _status_for_http(http_status: int) -> int:
    if http_status == 401:
        return int(StatusCode.IMPROPER_IDENTIFICATION)
    if http_status == 403:
        return int(StatusCode.SERVICE_DENIED)
    if http_status in (429, 503):
        return int(StatusCode.SERVICE_UNAVAILABLE)
    return int(StatusCode.SERVER_ERROR)


def status_code(value: int) -> StatusCode:
    """``value`` as a StatusCode; codes this library does not know read as 3000."""
    try:
        return StatusCode(value)
    except ValueError:
        return StatusCode.SERVER_ERROR


def classify(outcome: Union[Message, BaseException]) -> Outcome:
    """What a ``send()`` result or exception says about the request.

    A Message (success, error Rsp or Fault) and a :class:`StatusError` from its
    ``raise_for_status()`` are ``ANSWERED``. The exchange errors carry their
    ``outcome``. An :class:`EncodeError` is ``NOT_DELIVERED`` (nothing was
    sent). Anything else, including a :class:`LimitExceededError` for an
    oversized answer, is ``UNKNOWN``: the request may have been taken.
    """
    if isinstance(outcome, (Message, StatusError)):
        return Outcome.ANSWERED
    if isinstance(outcome, (TransportError, HTTPError, ResponseMismatchError)):
        return outcome.outcome
    if isinstance(outcome, EncodeError):
        return Outcome.NOT_DELIVERED
    return Outcome.UNKNOWN


def is_retryable(outcome: Union[Message, BaseException]) -> bool:
    """Whether sending the same request again later may succeed, and is safe.

    For an answer (a Message, or the :class:`StatusError` its
    ``raise_for_status()`` raised): True when its status says the peer did not
    act but may later (3000-class such as 3000/3005, and 4006 throttling; see
    ``StatusCode.retryable``); the request was answered, not delivered. For the
    exchange errors: their ``retryable`` (only ``NOT_DELIVERED`` cases where
    waiting may help). False for success, client errors, ``UNKNOWN`` outcomes
    and any other exception.
    """
    if isinstance(outcome, Message):
        status = outcome.status
        return status is not None and status.code.retryable
    if isinstance(outcome, (HTTPError, TransportError, ResponseMismatchError)):
        return outcome.retryable
    if isinstance(outcome, StatusError):
        return status_code(outcome.status_code).retryable
    return False


# --- sender ----------------------------------------------------------------------------------


class Deadline:
    """One deadline for a whole exchange: connect, send, wait and read together."""

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self._clock = clock
        self._end = clock() + timeout

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self._end - self._clock())

    @property
    def expired(self) -> bool:
        return self._clock() >= self._end


def basic_auth_header(user: str, password: str) -> str:
    """The ``Authorization`` value for HTTP Basic (RFC 7617, UTF-8)."""
    if ":" in user:
        raise ValueError("a Basic-auth user name cannot contain ':'")
    import base64  # here and below: a receiver without auth never needs it

    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def request_headers(
    encoded: EncodedMessage,
    *,
    host: str,
    authorization: Optional[str] = None,
    extra: Iterable[Tuple[str, str]] = (),
    length: Optional[int] = None,
) -> List[Tuple[str, str]]:
    """The header fields of the POST carrying ``encoded``.

    Caller headers (``extra``) replace ours by name (a peer may want SOAPAction
    set to its namespace); Host and Content-Length are always ours, the length
    from the encoder's plan unless ``length`` is given (the simulator's cut body).
    """
    own = {"content-length", "host"}
    extra = [(n, v) for n, v in extra if n.lower() not in own]
    names = {n.lower() for n, _ in extra}
    merged = [("Host", host)]
    merged.extend((n, v) for n, v in encoded.headers if n.lower() not in names | own)
    if authorization is not None and "authorization" not in names:
        merged.append(("Authorization", authorization))
    merged.extend(extra)
    merged.append(("Content-Length", str(encoded.content_length if length is None else length)))
    return merged


def request_head(target: str, headers: Iterable[Tuple[str, str]]) -> bytes:
    """The request line and header block of the POST (latin-1, CRLF).

    Raises:
        EncodeError: a header holds a line break or a character latin-1 lacks.
    """
    lines = [f"POST {target} HTTP/1.1"]
    for name, value in headers:
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise EncodeError(f"header {name!r} holds a line break")
        lines.append(f"{name}: {value}")
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    except UnicodeEncodeError as exc:
        raise EncodeError(f"request head is not latin-1: {exc}") from None


def _peer(host: str, port: Optional[int]) -> str:
    return f"{host}:{port}" if port is not None else host


def transport_failure(
    stage: str,
    error: BaseException,
    *,
    host: str,
    port: Optional[int],
    timeout: Optional[float] = None,
) -> TransportError:
    """The :class:`TransportError` for a failure at ``stage`` of an exchange.

    ``stage`` is "connect" (no byte written), "send" (the request was not
    written whole), "wait" (written whole, no answer byte yet) or "read" (the
    answer started and was cut). Before the request is whole the outcome is
    ``NOT_DELIVERED``; after, ``UNKNOWN``. A TLS certificate failure is never
    retryable. ``timeout`` is the exchange's deadline, for the message.
    """
    import ssl  # only here: a sender needs it anyway, the receiver never

    if stage not in ("connect", "send", "wait", "read"):
        raise ValueError(f"unknown stage {stage!r}")
    sent = stage in ("wait", "read")
    peer = _peer(host, port)
    if isinstance(error, (TimeoutError, _socket_timeout())):
        what = f"deadline of {timeout} s passed" if timeout is not None else "timed out"
    else:
        what = f"{type(error).__name__}: {error}"
    doing = {
        "connect": "connecting to",
        "send": "sending the request to",
        "wait": "waiting for the answer from",
        "read": "reading the answer from",
    }[stage]
    retryable: Optional[bool] = None
    if isinstance(error, ssl.SSLCertVerificationError):
        retryable = False
        what = f"TLS certificate rejected: {error}"
    return TransportError(
        f"{what} while {doing} {peer}",
        host=host,
        port=port,
        request_sent=sent,
        retryable=retryable,
    )


def _socket_timeout() -> type:
    import socket

    return socket.timeout


class ReplyReader:
    """An HTTP/1.x response, fed as it arrives; says when it is whole.

    Framing by Content-Length, chunked transfer coding, or the end of the
    connection. ``complete`` is False for an answer cut anywhere (inside the
    head, the body or a chunk), so the shell can tell "answered" from "cut".

    Raises (from ``feed``/``eof``): LimitExceededError past ``limits``,
    DecodeError for a malformed head or chunk framing.
    """

    def __init__(self, limits: Optional[Limits] = None) -> None:
        self.limits = limits or Limits()
        self.status = 0
        self.headers: Headers = ()
        self.complete = False
        self.started = False
        self.keep_alive = False
        self._buf = bytearray()
        self._head_done = False
        self._length: Optional[int] = None
        self._chunked = False
        self._chunk_left = -1  # -1: at a chunk size line
        self._body = bytearray()

    @property
    def body(self) -> bytes:
        return bytes(self._body)

    def feed(self, data: bytes) -> None:
        if not data or self.complete:
            return
        self.started = True
        self._buf += data
        if not self._head_done:
            self._parse_head()
            if not self._head_done:
                return
        self._parse_body()

    def eof(self) -> None:
        """The peer closed: a body framed by the connection's end is whole now."""
        if self._head_done and self._length is None and not self._chunked:
            self._body += self._buf
            self._buf.clear()
            self.complete = True
        self.keep_alive = False

    def _parse_head(self) -> None:
        end = self._buf.find(b"\r\n\r\n")
        limit = self.limits.max_header_size
        if end < 0:
            if len(self._buf) > limit:
                raise LimitExceededError(
                    "answer header block exceeds max_header_size",
                    limit="max_header_size",
                    value=limit,
                )
            return
        head = bytes(self._buf[:end]).decode("latin-1")
        del self._buf[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        code = parts[1] if len(parts) > 1 else ""
        # ASCII only: str.isdigit() takes '²', which int() refuses.
        if not (parts[0].startswith("HTTP/1.") and code.isascii() and code.isdigit()):
            raise DecodeError(f"malformed HTTP status line {lines[0][:60]!r}")
        status = int(parts[1])
        if 100 <= status < 200:
            # An interim answer (100 Continue): the real one follows.
            self._parse_head()
            return
        headers = []
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise DecodeError(f"malformed HTTP header line {line[:60]!r}")
            headers.append((name.strip(), value.strip()))
        self.status = status
        self.headers = tuple(headers)
        self._head_done = True
        connection = (header_value(self.headers, "Connection") or "").lower()
        self.keep_alive = parts[0] == "HTTP/1.1" and "close" not in connection
        transfer = (header_value(self.headers, "Transfer-Encoding") or "").lower()
        length = header_value(self.headers, "Content-Length")
        if "chunked" in transfer:
            self._chunked = True
        elif length is not None:
            text = length.strip()
            if not (text.isdigit() and text.isascii()) or len(text) > 18:
                raise DecodeError(f"answer Content-Length {length[:40]!r} is not a number")
            self._length = int(text)
            self._check_size(self._length)
        else:
            self.keep_alive = False  # framed by the connection's end
        if status in (204, 304):
            self._length = 0

    def _check_size(self, size: int) -> None:
        limit = self.limits.max_message_size
        if size > limit:
            raise LimitExceededError(
                f"answer body of {size} bytes exceeds max_message_size",
                limit="max_message_size",
                value=limit,
            )

    def _parse_body(self) -> None:
        if self._chunked:
            self._parse_chunks()
        elif self._length is not None:
            take = self._length - len(self._body)
            self._body += self._buf[:take]
            del self._buf[:take]
            self.complete = len(self._body) == self._length
        else:
            self._check_size(len(self._body) + len(self._buf))
        if self.complete and self._buf:
            self.keep_alive = False  # bytes past the answer: do not reuse

    def _parse_chunks(self) -> None:
        while True:
            if self._chunk_left == -1:
                end = self._buf.find(b"\r\n")
                if end < 0:
                    return
                size_text = bytes(self._buf[:end]).split(b";", 1)[0].strip()
                if (
                    not size_text
                    or size_text.strip(b"0123456789abcdefABCDEF")
                    or len(size_text) > 15
                ):
                    raise DecodeError(f"bad chunk size {size_text[:20]!r} in the answer")
                del self._buf[: end + 2]
                self._chunk_left = int(size_text, 16)
                if self._chunk_left == 0:
                    self._chunk_left = -2
                self._check_size(len(self._body) + max(self._chunk_left, 0))
            if self._chunk_left == -2:
                # Trailer fields, then the blank line.
                while True:
                    end = self._buf.find(b"\r\n")
                    if end < 0:
                        return
                    line = bytes(self._buf[:end])
                    del self._buf[: end + 2]
                    if not line:
                        self.complete = True
                        return
            take = min(self._chunk_left, len(self._buf))
            self._body += self._buf[:take]
            del self._buf[:take]
            self._chunk_left -= take
            if self._chunk_left:
                return
            if len(self._buf) < 2:
                return  # the chunk's CRLF is still to come
            if self._buf[:2] != b"\r\n":
                raise DecodeError("answer chunk not followed by CRLF")
            del self._buf[:2]
            self._chunk_left = -1


def interpret_reply(
    http_status: int,
    headers: Headers,
    body: bytes,
    request: Message,
    *,
    limits: Optional[Limits] = None,
    request_complete: bool = True,
) -> Message:
    """The decoded answer to ``request``, or the error that says what happened.

    A Fault (RSErrorRsp/VASPErrorRsp) under any HTTP status, and a response of
    the matching type with the request's TransactionID under 2xx, is returned.
    ``request_complete`` False means the answer came before the body was all
    written (an early refusal): the server cannot have acted on it.

    Raises:
        HTTPError: the answer is not MM7 (empty, HTML, undecodable).
        ResponseMismatchError: MM7, but another TransactionID, a PDU that does
            not answer the request, or a success Rsp under a non-2xx status.
    """
    early = None if request_complete else Outcome.NOT_DELIVERED
    start = body[:_BODY_START]
    auth = " (authentication refused, check auth=)" if http_status in (401, 403) else ""
    if not body.strip():
        raise HTTPError(
            f"HTTP {http_status} with an empty body{auth}",
            http_status=http_status,
            headers=headers,
            outcome=early,
        )
    try:
        reply = decode(body, header_value(headers, "Content-Type"), limits=limits)
    except MM7Error as exc:
        raise HTTPError(
            f"HTTP {http_status} answer is not MM7{auth} ({exc})",
            http_status=http_status,
            body_start=start,
            headers=headers,
            outcome=early,
        ) from exc
    if reply.is_fault:
        # A refusal of a body the peer could not read carries no TransactionID of
        # ours ("unknown", empty); one that names another request answers that one.
        if reply.transaction_id not in (request.transaction_id, "unknown", ""):
            raise ResponseMismatchError(
                f"Fault carries TransactionID {reply.transaction_id!r}, "
                f"the request {request.transaction_id!r}",
                reply=reply,
                http_status=http_status,
            )
        return reply
    if not isinstance(reply.pdu, RESPONSE_FOR.get(type(request.pdu), ())):
        raise ResponseMismatchError(
            f"{request.pdu.WIRE_NAME} answered by {reply.pdu.WIRE_NAME}",
            reply=reply,
            http_status=http_status,
        )
    if reply.transaction_id != request.transaction_id:
        raise ResponseMismatchError(
            f"answer carries TransactionID {reply.transaction_id!r}, "
            f"the request {request.transaction_id!r}",
            reply=reply,
            http_status=http_status,
        )
    status = reply.status
    if not 200 <= http_status < 300 and status is not None and status.code.is_success:
        raise ResponseMismatchError(
            f"{reply.pdu.WIRE_NAME} {int(status.code)} under HTTP {http_status}",
            reply=reply,
            http_status=http_status,
        )
    return reply


def is_async_handler(handler: object) -> bool:
    """Whether calling ``handler`` gives a coroutine (an ``async def`` or an async ``__call__``)."""
    import inspect  # here, once per app: it is a large import

    if inspect.iscoroutinefunction(handler):
        return True
    call = getattr(handler, "__call__", None)  # noqa: B004 - an async __call__ is the question
    return call is not None and inspect.iscoroutinefunction(call)


class Exchange(NamedTuple):
    """One request/response round trip as ``Client.exchange`` saw it."""

    http_status: int
    headers: Tuple[Tuple[str, str], ...]
    message: Message
    elapsed: float


class ClientBase:
    """What the sync and the asyncio client share, sans I/O: the peer, the
    credentials, and how a message becomes a request head and body.

    Raises:
        ValueError: ``url`` is not an absolute http:// or https:// URL, or
            ``profile`` names no known profile.
    """

    def __init__(
        self,
        url: str,
        *,
        auth: Optional[Auth] = None,
        timeout: float = 30.0,
        version: Union[str, SchemaVersion, None] = None,
        context: Optional[ssl.SSLContext] = None,
        headers: Optional[Iterable[Tuple[str, str]]] = None,
        limits: Optional[Limits] = None,
        profile: Union[Profile, str, None] = None,
        rate_limit: Union[float, RateLimiter, None] = None,
        validate: bool = True,
    ) -> None:
        import urllib.parse  # here: a receiver never parses a URL

        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an absolute http(s) URL: {url!r}")
        self.url = url
        self._https = scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        default_port = parts.port is None or parts.port == (443 if self._https else 80)
        name = f"[{self._host}]" if ":" in self._host else self._host
        self._host_header = name if default_port else f"{name}:{self._port}"
        self._target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        if auth is None and parts.username is not None:
            auth = (
                urllib.parse.unquote(parts.username),
                urllib.parse.unquote(parts.password or ""),
            )
        self._authorization = None if auth is None else basic_auth_header(*auth)
        self.timeout = timeout
        self.validate = validate
        self.version = None if version is None else get_version(version)
        self.profile: Optional[Profile] = None
        if profile is not None:
            from .profiles import get_profile

            self.profile = get_profile(profile)
        self._context = context
        self._extra_headers = list(headers or ())
        self.limits = limits or Limits()
        self.rate_limit: Optional[RateLimiter] = None
        if rate_limit is not None:
            from ._throttle import as_limiter

            self.rate_limit = as_limiter(rate_limit)
        self._open()

    def _open(self) -> None:
        """Set up the shell's connection state (no connection is made yet)."""

    def _new_message(
        self, pdu: PDU, content: Optional[Part], transaction_id: Optional[str]
    ) -> Message:
        """A request PDU wrapped for :meth:`submit` (a fresh TransactionID unless given)."""
        import uuid  # here: it loads platform, and only submit() needs it

        tx = transaction_id if transaction_id is not None else uuid.uuid4().hex
        version = self.version
        if version is None:
            version = LATEST if self.profile is None else self.profile.schema
        return Message(pdu, tx, version, content=content)

    def _request(self, message: Message) -> Tuple[bytes, EncodedMessage]:
        """The request head and the encoded message whose body follows it.

        Raises:
            EncodeError: the message does not encode (nothing is sent).
        """
        encoded = encode(
            message, version=self.version, profile=self.profile, validate=self.validate
        )
        return self._head(encoded), encoded

    def _head(self, encoded: EncodedMessage, length: Optional[int] = None) -> bytes:
        """The request line and headers for ``encoded`` (``length``: see request_headers)."""
        headers = request_headers(
            encoded,
            host=self._host_header,
            authorization=self._authorization,
            extra=self._extra_headers,
            length=length,
        )
        return request_head(self._target, headers)

    def _exchanged(
        self, message: Message, reader: ReplyReader, complete: bool, elapsed: float
    ) -> Exchange:
        """The round trip's result: the answer read, interpreted for ``message``."""
        reply = interpret_reply(
            reader.status,
            reader.headers,
            reader.body,
            message,
            limits=self.limits,
            request_complete=complete,
        )
        return Exchange(reader.status, reader.headers, reply, elapsed)

    def _transport_failure(self, stage: str, error: BaseException) -> TransportError:
        return transport_failure(
            stage, error, host=self._host, port=self._port, timeout=self.timeout
        )


# --- receiver --------------------------------------------------------------------------------

# Enough of the envelope to find its namespace and TransactionID when the
# whole thing cannot be decoded, so a Fault can still be correlated.
_SNIFF_SIZE = 8192
_VERSION_RE = re.compile(rb"REL-\d+-MM7-\d+-\d+")
_TRANSACTION_RE = re.compile(rb"<(?:[\w.-]+:)?TransactionID\b[^>]*>\s*([^<\s]{1,200})\s*<")
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    405: "Method Not Allowed",
    413: "Content Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# Defects that mean the body did not arrive whole: acknowledging it would lose
# the rest for good.
TRUNCATION_DEFECTS = frozenset({"missing-close-delimiter"})


class Answer(NamedTuple):
    """An HTTP answer ready for the wire: status line, header fields, body."""

    http_status: int
    headers: List[Tuple[str, str]]
    body: bytes

    @property
    def status_line(self) -> str:
        """``"200 OK"``, as WSGI's ``start_response`` wants it."""
        return f"{self.http_status} {_REASONS.get(self.http_status, '')}".rstrip()


def plain_answer(http_status: int, text: str, extra: Iterable[Tuple[str, str]] = ()) -> Answer:
    """A short text/plain answer (for requests that are not MM7 at all)."""
    body = (text + "\n").encode("ascii")
    headers = [
        ("Content-Type", "text/plain; charset=us-ascii"),
        ("Content-Length", str(len(body))),
        *extra,
    ]
    return Answer(http_status, headers, body)


def _safe_text(text: str) -> str:
    # StatusText from an error message: printable ASCII only, bounded, so the
    # Fault that reports a failure can itself always be encoded.
    cleaned = "".join(c if " " <= c <= "~" else "?" for c in text)
    return cleaned[:400]


def encode_answer(reply: Message, http_status: int, profile: Optional[Profile] = None) -> Answer:
    """Encode an answer (validated) for the wire, SOAPAction dropped, Content-Length added.

    With ``profile``, its response headers (its Content-Type on a bare envelope).

    Raises:
        EncodeError: the answer does not encode.
    """
    # REL-5-MM7-1-0/1-1 type TransactionID xs:NMTOKEN, which the lenient decoder
    # does not enforce; the answer must still echo it, the correlator, or the
    # peer resends forever: written as it came, everything else validated.
    encoded = encode_echoing(reply)
    body = encoded.body
    if profile is None:
        headers = [(n, v) for n, v in encoded.headers if n.lower() != "soapaction"]
    else:
        headers = profile.response_headers(encoded.headers)
    headers.append(("Content-Length", str(len(body))))
    return Answer(http_status, headers, body)


def _fault_answer(
    reply: Message,
    error_cls: _ErrorClass,
    log: Optional[Log],
    http_status: int = FAULT_HTTP_STATUS,
    profile: Optional[Profile] = None,
) -> Answer:
    try:
        return encode_answer(reply, http_status, profile)
    except MM7Error as exc:
        if log is not None:
            log(f"fault {reply.pdu.WIRE_NAME} does not encode: {exc}")
    code = status_code(reply.status.code if reply.status is not None else 3000)
    for transaction_id, text in (
        (reply.transaction_id, code.default_text),
        ("unknown", code.default_text),
    ):
        fallback = Message(
            error_cls(status=Status(code, text)), transaction_id, reply.version or LATEST
        )
        try:
            return encode_answer(fallback, http_status, profile)
        except MM7Error:
            continue
    raise AssertionError("a plain Fault always encodes")  # pragma: no cover


if TYPE_CHECKING:
    _ErrorClass = Union[Type[RSErrorRsp], Type[VASPErrorRsp]]


def _auth_check(auth: Optional[AuthCheck]) -> Optional[Callable[[str, str], bool]]:
    if auth is None or callable(auth):
        return auth
    import hmac  # here: loading OpenSSL's hashes costs milliseconds at import

    user, password = auth
    want_user, want_password = user.encode(), password.encode()

    def check(got_user: str, got_password: str) -> bool:
        # Both compared, always, in constant time: no hint which one was wrong.
        ok_user = hmac.compare_digest(got_user.encode(), want_user)
        ok_password = hmac.compare_digest(got_password.encode(), want_password)
        return ok_user and ok_password

    return check


class ReceiverPolicy:
    """What a receiver answers, step by step, with no I/O.

    A shell (WSGI, ASGI) calls, per request: :meth:`start` (source and head
    checks; an :class:`Answer` ends the request there, else a
    :class:`BodySink`), the sink's ``feed``/``finish``, then, with a sync
    handler, :meth:`handle`. An async shell calls :meth:`prepare` on the
    decoded message (an Answer, or a :class:`Pending` whose success answer is
    already encoded), awaits the handler itself and gives the result to
    ``Pending.result`` or the exception to ``Pending.failed`` (or, when the
    handler is interrupted by something else, a cancellation, calls
    ``Pending.abandon``). :meth:`answer_whole` does all of it for a request
    already in hand.

    ``profile`` (a :class:`mm7codec.profiles.Profile` or its name): answers
    carry its response headers (its Content-Type on a bare envelope, no
    SOAPAction); a Fault to a request whose version cannot be read is written
    in its schema, and an answer whose request carried an MM7Version its
    schema does not list gets the profile's MM7Version when the schemas agree.

    ``dedupe`` (a :class:`mm7codec.dedupe.DedupeStore`, or True for a fresh
    ``MemoryDedupe()`` of this policy's own): a resent delivery that was
    handled and acknowledged is answered 1000 again without the handler, and
    one still in a handler elsewhere gets a Fault 4006 under HTTP 503, per the
    sequence in ``mm7codec.dedupe``. Requests whose 1000 answer carries a
    value only the handler gives (a SubmitReq's MessageID) are not
    deduplicated: the handler sees every copy.
    """

    def __init__(
        self,
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
    ) -> None:
        if side not in ("vasp", "relay"):
            raise ValueError('side must be "vasp" or "relay"')
        self.allow: Optional[List[_Network]] = None if allow is None else _networks(allow)
        self.trusted_proxies: List[_Network] = _networks(trusted_proxies or ())
        self.limits = limits or Limits()
        self.strict = strict
        self.side = side
        self.realm = realm
        self.error_cls: _ErrorClass = VASPErrorRsp if side == "vasp" else RSErrorRsp
        self._check = _auth_check(auth)
        self.profile: Optional[Profile] = None
        if profile is not None:
            from .profiles import get_profile  # here: a receiver without one never loads it

            self.profile = get_profile(profile)
        self.dedupe: Optional[DedupeStore] = None
        if isinstance(dedupe, bool):
            if dedupe:
                from .dedupe import MemoryDedupe  # here: it loads hashlib and uuid

                self.dedupe = MemoryDedupe()
        elif dedupe is not None:
            self.dedupe = dedupe

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> ReceiverPolicy:
        """The policy a receiver factory's own keyword arguments (its ``locals()``) ask for.

        ``make_wsgi_app`` and ``make_asgi_app`` repeat this constructor's keywords
        in their signatures, so ``help()`` and type checkers show them; the values
        are handed on here by name, so a new option needs no plumbing in each
        (tests/test_answer_paths.py checks that the signatures agree).
        """
        code = cls.__init__.__code__
        names = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
        return cls(**{name: arguments[name] for name in names})

    def check_source(self, peer: Optional[str], forwarded_for: Optional[str]) -> Optional[Answer]:
        """403 for a source outside ``allow`` (None: allowed, or no allow-list).

        The source is ``peer`` (the connection's address) unless ``peer`` is a
        trusted proxy: then ``X-Forwarded-For`` is read from the right, and the
        first hop that is not a trusted proxy is the source (a client can
        write anything to the left of it). An address that does not parse is
        refused.
        """
        if self.allow is None:
            return None
        source = self.source(peer, forwarded_for)
        if source is None or not any(source in net for net in self.allow):
            return plain_answer(403, "source address not allowed")
        return None

    def source(self, peer: Optional[str], forwarded_for: Optional[str]) -> Optional[_Address]:
        """The request's source address as :meth:`check_source` sees it (None: unknown)."""
        address = _address(peer)
        if address is None or not self._trusted(address):
            return address
        for hop in reversed((forwarded_for or "").split(",")):
            if not hop.strip():
                continue
            address = _address(hop)
            if address is None or not self._trusted(address):
                return address
        return address  # every hop a trusted proxy: the leftmost one sent it

    def _trusted(self, address: _Address) -> bool:
        return any(address in net for net in self.trusted_proxies)

    def check_head(
        self, method: str, authorization: Optional[str], content_length: Optional[str]
    ) -> Optional[Answer]:
        """405 for a method other than POST, 401 for failed Basic auth, 400 for a
        malformed Content-Length, 413 + 4004 Fault for one over the limit; None
        when the body should be read."""
        if method.upper() != "POST":
            return plain_answer(405, "POST only", [("Allow", "POST")])
        if self._check is not None and not self._authorized(authorization or ""):
            return plain_answer(
                401,
                "authentication required",
                [("WWW-Authenticate", f'Basic realm="{self.realm}"')],
            )
        text = (content_length or "").strip()
        if text:
            if not (text.isdigit() and text.isascii()) or len(text) > 18:
                return self.refusal(400, DecodeError(f"bad Content-Length {text[:20]!r}"), b"")
            limit = self.limits.max_message_size
            if int(text) > limit:
                error = LimitExceededError(
                    f"Content-Length {int(text)} exceeds max_message_size {limit}",
                    limit="max_message_size",
                    value=limit,
                )
                return self.refusal(413, error, b"")
        return None

    def _authorized(self, value: str) -> bool:
        assert self._check is not None
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            import base64

            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
            return False
        user, colon, password = decoded.partition(":")
        return bool(colon) and bool(self._check(user, password))

    def body_sink(self, content_type: Optional[str], content_length: Optional[str]) -> BodySink:
        """A sink for the body (after :meth:`check_head` passed)."""
        text = (content_length or "").strip()
        return BodySink(self, content_type or None, int(text) if text else None)

    def start(
        self,
        method: str,
        *,
        content_type: Optional[str],
        content_length: Optional[str],
        authorization: Optional[str] = None,
        peer: Optional[str] = None,
        forwarded_for: Optional[str] = None,
    ) -> Union[Answer, BodySink]:
        """A request's head: the Answer that ends it there (:meth:`check_source`,
        :meth:`check_head`), else the :class:`BodySink` its body goes to."""
        refused = self.check_source(peer, forwarded_for)
        if refused is not None:
            return refused
        early = self.check_head(method, authorization, content_length)
        if early is not None:
            return early
        return self.body_sink(content_type, content_length)

    def handle(
        self, received: Union[Message, Answer], handler: Handler, log: Optional[Log] = None
    ) -> Answer:
        """The answer to what :meth:`BodySink.finish` gave, ``handler`` run on its way.

        :meth:`prepare`, then the handler (a plain, sync one), then its result
        or its exception (:meth:`Pending.result`, :meth:`Pending.failed`); an
        interruption that is no Exception (SystemExit from a worker timeout)
        releases the claim, so a resend runs the handler again, and propagates.
        """
        if isinstance(received, Answer):
            return received
        pending = self.prepare(received, log)
        if isinstance(pending, Answer):
            return pending
        try:
            result = handler(received)
        except Exception as exc:
            return pending.failed(exc, log)
        except BaseException:
            pending.abandon()
            raise
        return pending.result(result, log)

    def answer_whole(
        self,
        method: str,
        headers: Iterable[Tuple[str, str]],
        body: bytes,
        handler: Handler,
        log: Optional[Log] = None,
    ) -> Answer:
        """The answer to a request whose whole body is in hand (a capture, a file):
        what a shell streaming the same bytes answers.

        ``headers`` are the request's fields (any case); without a
        Content-Length the body's own length stands for it (a chunked capture
        already joined), one longer than ``body`` makes it a body not received
        whole.
        """
        fields = list(headers)
        length = header_value(fields, "Content-Length")
        sink = self.start(
            method,
            content_type=header_value(fields, "Content-Type"),
            content_length=str(len(body)) if length is None else length,
            authorization=header_value(fields, "Authorization"),
        )
        if isinstance(sink, Answer):
            return sink
        wanted = sink.wanted
        chunk = body if wanted is None else body[:wanted]  # a shell reads no further
        return self.handle(sink.feed(chunk) or sink.finish(), handler, log)

    def refusal(self, http_status: int, error: MM7Error, head: bytes) -> Answer:
        """A Fault for a request that was not decoded, correlated as well as ``head`` allows."""
        version = LATEST if self.profile is None else self.profile.schema
        found = _VERSION_RE.search(head)
        if found is not None:
            with contextlib.suppress(MM7Error):
                version = get_version(found.group().decode("ascii"))
        tx = _TRANSACTION_RE.search(head)
        transaction_id = tx.group(1).decode("latin-1") if tx is not None else "unknown"
        code = status_code(error.status_code)
        pdu = self.error_cls(status=Status.error(code, _safe_text(error.message)))
        reply = Message(
            pdu, transaction_id, version, answer_mm7_version(version, None, self.profile)
        )
        return _fault_answer(reply, self.error_cls, None, http_status, self.profile)

    def _answer_basis(self, message: Message) -> Message:
        """The request answers are built from: ``message``, or, when its MM7Version is
        one its schema does not list (a Java library's 6.7.0) and the profile speaks
        that schema, ``message`` carrying the profile's MM7Version."""
        wanted = answer_mm7_version(message.version, message.mm7_version, self.profile)
        if wanted is None or wanted == message.mm7_version:
            return message  # listed, or left to Message.response's own fallback
        return message.replace(mm7_version=wanted)

    def prepare(self, message: Message, log: Optional[Log] = None) -> Union[Answer, Pending]:
        """Before the handler: an Answer when it must not run, else a :class:`Pending`.

        The success answer is built and encoded here, so a handler never runs
        for a request whose acknowledgement could not be sent (3000 Fault then).
        """
        profile = self.profile
        if not isinstance(message.pdu, Request):
            code = StatusCode.UNSUPPORTED_OPERATION
            text = f"{message.pdu.WIRE_NAME} is not a request"
            pdu = self.error_cls(status=Status.error(code, text))
            reply = Message(pdu, message.transaction_id, message.version)
            return _fault_answer(reply, self.error_cls, log, profile=profile)
        basis = self._answer_basis(message)
        success: Optional[Answer] = None
        try:
            try:
                success = encode_answer(basis.response(StatusCode.SUCCESS), 200, profile)
            except MM7Error:
                # SubmitRsp, extendedReplaceRsp: a MessageID only the handler can
                # give. A stand-in proves the rest of the answer encodes.
                stand_in = basis.response(StatusCode.SUCCESS, message_id="pending")
                encode_answer(stand_in, 200, profile)
        except MM7Error as exc:
            if log is not None:
                log(f"no answer to {message.pdu.WIRE_NAME} encodes: {exc}")
            reply = basis.error_response(
                StatusCode.SERVER_ERROR,
                _safe_text(f"the answer to this request cannot be encoded: {exc.message}"),
            )
            return _fault_answer(reply, self.error_cls, log, profile=profile)
        ticket: Optional[Ticket] = None
        if self.dedupe is not None and success is not None:
            # Claimed only now: the body arrived whole and its 1000 encodes.
            from . import dedupe

            try:
                ticket = dedupe.begin(self.dedupe, message)
            except Exception as exc:
                # The store is down: run nothing, answer "later"; a resend may find it back.
                if log is not None:
                    log(f"duplicate check failed for {message.transaction_id!r}: {exc!r}")
                reply = basis.error_response(
                    StatusCode.SERVER_ERROR, "duplicate check failed, resend later"
                )
                return _fault_answer(reply, self.error_cls, log, profile=profile)
            if ticket.state is dedupe.Claim.DONE:
                if log is not None:
                    log(
                        f"{message.pdu.WIRE_NAME} {message.transaction_id!r} handled before:"
                        " answered 1000 again, handler not called"
                    )
                return success
            if ticket.state is dedupe.Claim.BUSY:
                # Never 1000 here: the first copy may still fail.
                reply = basis.error_response(
                    dedupe.BUSY_STATUS, "this delivery is being handled, resend later"
                )
                return _fault_answer(reply, self.error_cls, log, dedupe.BUSY_HTTP_STATUS, profile)
        return Pending(self, message, success, ticket, basis)


def _networks(texts: Iterable[str]) -> List[_Network]:
    import ipaddress  # here: only a receiver with an allow-list needs it

    if isinstance(texts, str):
        raise TypeError("allow and trusted_proxies take a list of networks, not one string")
    # strict: "203.0.113.7/8" is a typo that would open a /8, so it is refused.
    return [ipaddress.ip_network(text.strip(), strict=True) for text in texts]


def _address(text: Optional[str]) -> Optional[_Address]:
    """An address from a peer or X-Forwarded-For hop (port and brackets dropped)."""
    import ipaddress

    value = (text or "").strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]  # IPv4 with a port
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's view of an IPv4 peer
    return address


if TYPE_CHECKING:
    import ipaddress

    _Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
    _Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


class Pending:
    """A decoded request whose handler is about to run; maps its result to the answer.

    With a dedupe store, the request's claim ends with the answer: confirmed
    when it is the 1000 success Rsp and encodes, released otherwise.
    """

    def __init__(
        self,
        policy: ReceiverPolicy,
        message: Message,
        success: Optional[Answer],
        ticket: Optional[Ticket] = None,
        basis: Optional[Message] = None,
    ) -> None:
        self.policy = policy
        self.message = message
        self._success = success
        self._ticket = ticket
        # What answers are built from (the profile's MM7Version pairing, see ReceiverPolicy).
        self._basis = message if basis is None else basis

    def result(self, result: HandlerResult, log: Optional[Log] = None) -> Answer:
        """The answer for what the handler returned (see ``make_wsgi_app``)."""
        answer, acknowledged = self._result(result, log)
        self._end(acknowledged, log)
        return answer

    def abandon(self) -> None:
        """The handler never finished (cancelled, interrupted): release the claim."""
        self._end(False, None)

    def _end(self, acknowledged: bool, log: Optional[Log]) -> None:
        ticket, self._ticket = self._ticket, None
        if ticket is None:
            return
        try:
            if acknowledged:
                ticket.confirm()
            else:
                ticket.release()
        except Exception as exc:
            # The answer stands: a store that did not record it makes a resend run
            # the handler again (confirm), or waits out the lease (release).
            if log is not None:
                what = "confirm" if acknowledged else "release"
                log(f"dedupe {what} failed for {self.message.transaction_id!r}: {exc!r}")

    def _result(self, result: HandlerResult, log: Optional[Log]) -> Tuple[Answer, bool]:
        message = self._basis
        profile = self.policy.profile
        if result is None and self._success is not None:
            return self._success, True
        what = "handler result"
        try:
            if result is None:
                reply = message.response(StatusCode.SUCCESS)
            elif isinstance(result, Message):
                what = f"handler's {result.pdu.WIRE_NAME}"
                reply = result
            else:
                if isinstance(result, Status):
                    status = result
                elif isinstance(result, (int, StatusCode)) and not isinstance(result, bool):
                    status = Status(StatusCode(result))
                else:
                    raise TypeError(f"{type(result).__name__} is not a handler result")
                if status.text is None:
                    # StatusText is mandatory on the wire; the spec's wording fills in.
                    status = Status(status.code, status.code.default_text, status.details)
                if status.code.is_success:
                    reply = message.response(status)
                else:
                    reply = message.error_response(status.code, status.text, status.details)
            http_status = FAULT_HTTP_STATUS if reply.is_fault else 200
            answer = encode_answer(reply, http_status, profile)
        except Exception as exc:
            # Our side's failure, not the sender's: 3000, never 2007, saying what failed.
            detail = f"{what} {result!r}" if not isinstance(result, Message) else what
            if log is not None:
                log(f"{detail} does not encode, answered 3000 to {message.transaction_id!r}: {exc}")
            text = _safe_text(f"{detail} does not encode: {exc}")
            fault = _fault_answer(
                message.error_response(StatusCode.SERVER_ERROR, text),
                self.policy.error_cls,
                log,
                profile=profile,
            )
            return fault, False
        sent = reply.status
        acknowledged = (
            http_status == 200
            and sent is not None
            and sent.code == StatusCode.SUCCESS
            and isinstance(reply.pdu, RESPONSE_FOR.get(type(self.message.pdu), ()))
        )
        return answer, acknowledged

    def failed(self, error: BaseException, log: Optional[Log] = None) -> Answer:
        """The answer for a handler that raised ``error`` (a claim is released)."""
        self._end(False, log)
        message = self._basis
        if isinstance(error, MM7Error):
            reply = message.error_response(
                status_code(error.status_code), _safe_text(error.message)
            )
        else:
            if log is not None:
                log(f"handler failed on {message.pdu.WIRE_NAME} {message.transaction_id!r}")
            reply = message.error_response(StatusCode.SERVER_ERROR)
        return _fault_answer(reply, self.policy.error_cls, log, profile=self.policy.profile)


class BodySink:
    """Feeds a request body to the push :class:`Decoder` and knows whether it came whole.

    ``feed`` returns an :class:`Answer` when reading must stop (over the limit,
    undecodable); ``finish`` is called at the end of input (EOF, or the
    declared length read) and gives the Message, or the Answer refusing a body
    that did not arrive whole: shorter than its Content-Length, a multipart
    without its close delimiter, or ending inside a part (HTTP 500 + 3000).
    """

    def __init__(
        self, policy: ReceiverPolicy, content_type: Optional[str], length: Optional[int]
    ) -> None:
        self.policy = policy
        self.length = length
        self.received = 0
        self.head = bytearray()
        self.done: Optional[Answer] = None
        self._decoder = Decoder(content_type, strict=policy.strict, limits=policy.limits)

    @property
    def wanted(self) -> Optional[int]:
        """Bytes still to read (None: read to EOF)."""
        return None if self.length is None else self.length - self.received

    def feed(self, chunk: bytes) -> Optional[Answer]:
        if self.done is not None or not chunk:
            return self.done
        self.received += len(chunk)
        if len(self.head) < _SNIFF_SIZE:
            self.head += chunk[: _SNIFF_SIZE - len(self.head)]
        try:
            self._decoder.feed(chunk)
        except MM7Error as exc:
            self.done = self._refuse(exc)
        return self.done

    def finish(self) -> Union[Message, Answer]:
        if self.done is not None:
            return self.done
        if self.length is not None and self.received < self.length:
            return self._truncated(f"body ended after {self.received} of {self.length} bytes")
        try:
            message = self._decoder.close()
        except DecodeError as exc:
            if exc.offset is not None and exc.offset >= self.received:
                # Found at the very end of input: the body stopped short.
                return self._truncated(f"body ended early: {exc.message}")
            return self._refuse(exc)
        except MM7Error as exc:
            return self._refuse(exc)
        for defect in message.defects:
            if defect.kind in TRUNCATION_DEFECTS:
                return self._truncated(f"body ended early ({defect.kind})")
        return message

    def abort(self, text: str) -> Answer:
        """The refusal for a body the shell knows was cut (the client went away mid-body)."""
        return self.done or self._truncated(text)

    def _truncated(self, text: str) -> Answer:
        # 3000 under 500: the sender's bytes were lost on the way, a resend of
        # the same message will be taken; gateways resend what is not 1000,
        # and those that look at the class read 3xxx as "try again".
        error = MM7Error(f"message not received whole, resend it: {text}")
        return self.policy.refusal(FAULT_HTTP_STATUS, error, bytes(self.head))

    def _refuse(self, error: MM7Error) -> Answer:
        status = FAULT_HTTP_STATUS
        if isinstance(error, LimitExceededError) and error.limit == "max_message_size":
            status = 413
        return self.policy.refusal(status, error, bytes(self.head))
