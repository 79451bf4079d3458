"""MM7 over HTTP with the standard library: a sender and a WSGI receiver.

Optional and never imported by ``mm7codec`` itself (it pulls in
``http.client``, ``ssl`` and ``socket``); ``import mm7codec.http`` when needed.

Sending (VASP -> relay/server, e.g. a SubmitReq)::

    from mm7codec.http import send
    reply = send(url, message, auth=("user", "password"), timeout=30.0)
    reply.raise_for_status()

:func:`send` answers with the decoded response whatever the HTTP status, as
long as the body is MM7 (a Fault comes back as an ``RSErrorRsp`` message, for
``raise_for_status()``); an HTTP answer that is not MM7 raises
:class:`HTTPError`, a network failure :class:`TransportError`. Both carry
``retryable``; :func:`is_retryable` answers the same for any outcome.

Receiving (relay/server -> VASP: DeliverReq, DeliveryReportReq,
ReadReplyReq): :func:`make_wsgi_app` turns ``handler(message)`` into a WSGI
application that answers with the matching ``...Rsp`` or a SOAP Fault.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import http.client
import re
import socket
import ssl
import threading
import time
import traceback
import urllib.parse
import uuid
from typing import (
    TYPE_CHECKING,
    Callable,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Tuple,
    Type,
    Union,
)

from ._decoder import Decoder, decode
from ._encoder import encode
from ._errors import DecodeError, Defect, EncodeError, LimitExceededError, MM7Error
from ._limits import Limits
from ._message import Message
from ._pdu import PDU, RESPONSE_FOR, Request, RSErrorRsp, Status, VASPErrorRsp
from ._status import StatusCode
from ._versions import LATEST, SchemaVersion, get_version

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ._part import Part

__all__ = [
    "Client",
    "Exchange",
    "HTTPError",
    "Handler",
    "HandlerResult",
    "TransportError",
    "basic_auth_header",
    "is_retryable",
    "make_wsgi_app",
    "send",
]

#: What a receiver's handler may return (see :func:`make_wsgi_app`).
HandlerResult = Union[None, int, StatusCode, Status, Message]
Handler = Callable[[Message], HandlerResult]
Auth = Tuple[str, str]
_ErrorClass = Union[Type[RSErrorRsp], Type[VASPErrorRsp]]
AuthCheck = Union[Auth, Callable[[str, str], bool]]

_CHUNK = 1 << 16
_BODY_START = 200
# Statuses after which the same request may work later: 408/429 are about
# timing by definition, 5xx is the server's trouble of the moment.
_RETRYABLE_HTTP = frozenset({408, 425, 429})
# A Fault's HTTP status is 500 under SOAP 1.1 §6.2; 413 is kept for the
# one refusal that happens before any byte is read.
_FAULT_HTTP_STATUS = 500


# --- errors ----------------------------------------------------------------------------------


class HTTPError(MM7Error):
    """The peer answered over HTTP with something that is not MM7.

    An HTML 502 page, an empty 503, a 401: ``http_status`` is the HTTP status,
    ``body_start`` the first bytes of the body (for logs), ``headers`` the
    response headers. ``retryable`` is True for 5xx, 408 and 429. The MM7
    ``status_code`` is a best guess (4001 for 401, 4007 for 403, 4006 for
    503/429, else 3000) so a relay can pass the error on.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int,
        body_start: bytes = b"",
        headers: Tuple[Tuple[str, str], ...] = (),
        retryable: Optional[bool] = None,
    ) -> None:
        super().__init__(message, status_code=_status_for_http(http_status))
        self.http_status = http_status
        self.body_start = body_start
        self.headers = headers
        self.retryable: bool = (
            (http_status >= 500 or http_status in _RETRYABLE_HTTP)
            if retryable is None
            else retryable
        )


class TransportError(MM7Error):
    """The exchange failed below HTTP: refused connection, DNS, TLS, timeout, reset.

    ``retryable`` is True except for certificate failures, which do not heal by
    waiting. ``request_sent`` says whether the whole request had been written
    when the failure happened: if so the peer may have acted on it, and a
    resend may deliver the message twice.
    """

    default_status_code = int(StatusCode.SERVICE_UNAVAILABLE)

    def __init__(self, message: str, *, retryable: bool = True, request_sent: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.request_sent = request_sent
        # Set by the client for a kept-alive connection found dead before any
        # answer: the one failure it resends on its own.
        self._stale = False


def _status_for_http(http_status: int) -> int:
    if http_status == 401:
        return int(StatusCode.IMPROPER_IDENTIFICATION)
    if http_status == 403:
        return int(StatusCode.SERVICE_DENIED)
    if http_status in (429, 503):
        return int(StatusCode.SERVICE_UNAVAILABLE)
    return int(StatusCode.SERVER_ERROR)


def is_retryable(outcome: Union[Message, BaseException]) -> bool:
    """Whether sending the same request again later may succeed.

    True for :class:`TransportError` and :class:`HTTPError` marked retryable,
    and for a response whose status says so (3000, 4006, see
    ``StatusCode.retryable``). False for success, for client errors and for any
    other exception.
    """
    if isinstance(outcome, Message):
        status = outcome.status
        return status is not None and _retryable_code(status.code)
    if isinstance(outcome, (HTTPError, TransportError)):
        return outcome.retryable
    if isinstance(outcome, MM7Error) and not isinstance(outcome, (DecodeError, EncodeError)):
        # StatusError from raise_for_status() carries the peer's code.
        return _retryable_code(_status_code(outcome.status_code))
    return False


def _retryable_code(code: StatusCode) -> bool:
    # 4006 "service unavailable" is the gateways' throttling answer.
    return code.retryable or code == StatusCode.SERVICE_UNAVAILABLE


# --- sender ----------------------------------------------------------------------------------


def basic_auth_header(user: str, password: str) -> str:
    """The ``Authorization`` value for HTTP Basic (RFC 7617, UTF-8)."""
    if ":" in user:
        raise ValueError("a Basic-auth user name cannot contain ':'")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class Exchange(NamedTuple):
    """One request/response round trip as :meth:`Client.exchange` saw it."""

    http_status: int
    headers: Tuple[Tuple[str, str], ...]
    message: Message
    elapsed: float


class Client:
    """Sends MM7 requests to one URL over one kept-alive HTTP(S) connection.

    ``auth`` is ``(user, password)`` for Basic auth (credentials in the URL's
    userinfo are used when it is None). ``context`` is the ``ssl.SSLContext``
    for https; the default one verifies certificates and host names.
    ``version``, when given, is passed to ``encode`` for every message (so it
    wins over ``Message.version``) and is the version :meth:`submit` builds.
    ``limits`` bound the response read and decode. Thread-safe: requests on
    one client are sent one at a time.
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
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url
        self._https = scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        if auth is None and parts.username is not None:
            auth = (
                urllib.parse.unquote(parts.username),
                urllib.parse.unquote(parts.password or ""),
            )
        self._authorization = None if auth is None else basic_auth_header(*auth)
        self.timeout = timeout
        self.version = None if version is None else get_version(version)
        self._context = context
        self._extra_headers = list(headers or ())
        self.limits = limits or Limits()
        self._conn: Optional[http.client.HTTPConnection] = None
        self._lock = threading.Lock()

    # -- public --------------------------------------------------------------------------------

    def send(self, message: Message) -> Message:
        """Send ``message``; the decoded answer (a Fault as RSErrorRsp/VASPErrorRsp).

        Raises:
            HTTPError: the answer is not MM7 (its status, start and retryability).
            TransportError: connection, TLS or timeout failure.
            DecodeError: the answer is MM7 but not a response to this request.
            EncodeError: ``message`` cannot be encoded.
        """
        return self.exchange(message).message

    def submit(
        self,
        pdu: PDU,
        content: Optional[Part] = None,
        transaction_id: Optional[str] = None,
    ) -> Message:
        """Wrap a request PDU in a Message (a fresh TransactionID unless given) and send it."""
        tx = transaction_id if transaction_id is not None else uuid.uuid4().hex
        version = self.version if self.version is not None else LATEST
        return self.send(Message(pdu, tx, version, content=content))

    def exchange(self, message: Message) -> Exchange:
        """Like :meth:`send`, with the HTTP status, headers and elapsed time kept."""
        encoded = encode(message, version=self.version)
        headers = self._headers(encoded.headers)
        length = encoded.content_length
        with self._lock:
            started = time.monotonic()
            status, reply_headers, body = self._round_trip(encoded.iter_body, headers, length)
            elapsed = time.monotonic() - started
        reply = _decode_reply(status, reply_headers, body, message, self.limits)
        return Exchange(status, reply_headers, reply, elapsed)

    def close(self) -> None:
        """Close the kept-alive connection; the next request opens a new one."""
        with self._lock:
            self._drop()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------------

    def _headers(self, encoded: Iterable[Tuple[str, str]]) -> List[Tuple[str, str]]:
        # Caller headers replace ours by name (a peer may want SOAPAction set to
        # its namespace); Content-Length always comes from the encoder.
        extra = [(n, v) for n, v in self._extra_headers if n.lower() != "content-length"]
        names = {n.lower() for n, _ in extra}
        merged = [(n, v) for n, v in encoded if n.lower() not in names]
        if self._authorization is not None and "authorization" not in names:
            merged.append(("Authorization", self._authorization))
        merged.extend(extra)
        return merged

    def _connect(self) -> http.client.HTTPConnection:
        if self._https:
            context = self._context or ssl.create_default_context()
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.timeout, context=context
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _round_trip(
        self,
        body: Callable[[], Iterator[bytes]],
        headers: List[Tuple[str, str]],
        length: int,
    ) -> Tuple[int, Tuple[Tuple[str, str], ...], bytes]:
        reused = self._conn is not None
        try:
            return self._attempt(body, headers, length)
        except TransportError as exc:
            # A kept-alive connection the server closed while idle fails at once
            # with nothing delivered: that, and only that, is worth one resend.
            if not (reused and exc._stale):
                raise
        return self._attempt(body, headers, length)

    def _attempt(
        self,
        body: Callable[[], Iterator[bytes]],
        headers: List[Tuple[str, str]],
        length: int,
    ) -> Tuple[int, Tuple[Tuple[str, str], ...], bytes]:
        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        sent = False
        got_nothing = True
        try:
            conn.putrequest("POST", self._target, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            conn.putheader("Content-Length", str(length))
            conn.endheaders()
            # Streamed chunk by chunk: a file-backed attachment is never loaded whole.
            for chunk in body():
                conn.send(chunk)
            sent = True
            response = conn.getresponse()
            got_nothing = False
            status = response.status
            reply_headers = tuple(response.getheaders())
            data = self._read(response)
            if response.will_close:
                self._drop()
            return status, reply_headers, data
        except ssl.SSLCertVerificationError as exc:
            self._drop()
            raise TransportError(f"TLS certificate rejected: {exc}", retryable=False) from exc
        except socket.timeout as exc:
            self._drop()
            raise TransportError(f"no answer within {self.timeout} s", request_sent=sent) from exc
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            error = TransportError(f"{type(exc).__name__}: {exc}", request_sent=sent)
            error._stale = got_nothing and isinstance(
                exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
            )
            raise error from exc
        except LimitExceededError:
            self._drop()
            raise

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        limit = self.limits.max_message_size
        declared = response.getheader("Content-Length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise LimitExceededError(
                f"response Content-Length {declared.strip()} exceeds max_message_size",
                limit="max_message_size",
                value=limit,
            )
        pieces: List[bytes] = []
        size = 0
        while True:
            piece = response.read(min(_CHUNK, limit + 1 - size))
            if not piece:
                return b"".join(pieces)
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                raise LimitExceededError(
                    "response body exceeds max_message_size",
                    limit="max_message_size",
                    value=limit,
                )


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
) -> Message:
    """POST one MM7 request to ``url`` and return the decoded answer.

    HTTP 200 gives the response Message; a SOAP Fault, under any HTTP status,
    gives its RSErrorRsp/VASPErrorRsp Message (call ``raise_for_status()``).
    The body is streamed from ``EncodedMessage.iter_body()`` with its
    Content-Length, so large file-backed attachments are never held in memory.

    Raises:
        HTTPError: the answer is not MM7 (HTML error page, empty 503, 401, ...).
        TransportError: connection refused, DNS, TLS or timeout (retryable).
    """
    with Client(
        url,
        auth=auth,
        timeout=timeout,
        version=version,
        context=context,
        headers=headers,
        limits=limits,
    ) as client:
        return client.send(message)


def _header(headers: Iterable[Tuple[str, str]], name: str) -> Optional[str]:
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def _decode_reply(
    status: int,
    headers: Tuple[Tuple[str, str], ...],
    body: bytes,
    request: Message,
    limits: Limits,
) -> Message:
    content_type = _header(headers, "Content-Type")
    start = body[:_BODY_START]
    if not body.strip():
        raise HTTPError(f"HTTP {status} with an empty body", http_status=status, headers=headers)
    try:
        reply = decode(body, content_type, limits=limits)
    except MM7Error as exc:
        raise HTTPError(
            f"HTTP {status} answer is not MM7 ({exc})",
            http_status=status,
            body_start=start,
            headers=headers,
        ) from exc
    if reply.is_fault:
        return reply
    if not isinstance(reply.pdu, RESPONSE_FOR.get(type(request.pdu), ())):
        raise DecodeError(
            f"{request.pdu.WIRE_NAME} answered by {reply.pdu.WIRE_NAME}",
            status_code=StatusCode.UNSUPPORTED_OPERATION,
        )
    if status != 200:
        # An MM7 response under an HTTP error: keep it, say so.
        reply = _with_defect(reply, "http-status-not-ok", f"HTTP {status}")
    if reply.transaction_id != request.transaction_id:
        reply = _with_defect(
            reply,
            "transaction-id-mismatch",
            f"sent {request.transaction_id!r}, got {reply.transaction_id!r}",
        )
    return reply


def _with_defect(message: Message, kind: str, detail: str) -> Message:
    return message.replace(defects=(*message.defects, Defect(kind, detail)))


# --- receiver --------------------------------------------------------------------------------

# Enough of the envelope to find its namespace and TransactionID when the
# whole thing cannot be decoded, so a Fault can still be correlated.
_SNIFF_SIZE = 8192
_VERSION_RE = re.compile(rb"REL-\d+-MM7-\d+-\d+")
_TRANSACTION_RE = re.compile(rb"<(?:[\w.-]+:)?TransactionID\b[^>]*>\s*([^<\s]{1,200})\s*<")


class _Refusal(Exception):
    """An answer decided before the handler: HTTP status and MM7 status."""

    def __init__(self, http_status: int, error: MM7Error) -> None:
        super().__init__(str(error))
        self.http_status = http_status
        self.error = error


def make_wsgi_app(
    handler: Handler,
    *,
    limits: Optional[Limits] = None,
    auth: Optional[AuthCheck] = None,
    strict: bool = False,
    side: str = "vasp",
    realm: str = "MM7",
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

    A handler raising :class:`mm7codec.MM7Error` gets a Fault with the error's
    status code; any other exception a Fault 3000, its traceback written to
    ``wsgi.errors``. Bodies that do not decode get a Fault with the decoder's
    code (4004, 2007, ...), HTTP 500; a Content-Length over
    ``limits.max_message_size`` is refused unread with HTTP 413 and a 4004
    Fault. A response PDU arriving as a request gets 4003.

    ``auth`` is ``(user, password)`` or ``check(user, password) -> bool`` for
    HTTP Basic; failures get 401 without calling the handler. ``side`` says
    which side this server is, for Faults to undecodable requests: "vasp"
    (answering the relay's DeliverReq/DeliveryReportReq/ReadReplyReq, so
    VASPErrorRsp) or "relay" (RSErrorRsp). Decoded requests get the error PDU
    their direction calls for.

    Gateways resend what is not answered with 200 and 1000 within 10 seconds
    (Sinch: up to five times), so the handler should be quick and idempotent.
    """
    if side not in ("vasp", "relay"):
        raise ValueError('side must be "vasp" or "relay"')
    limits = limits or Limits()
    error_cls: _ErrorClass = VASPErrorRsp if side == "vasp" else RSErrorRsp
    check = _auth_check(auth)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        if method != "POST":
            return _plain(
                start_response, "405 Method Not Allowed", "POST only", [("Allow", "POST")]
            )
        if check is not None and not _authorized(environ, check):
            return _plain(
                start_response,
                "401 Unauthorized",
                "authentication required",
                [("WWW-Authenticate", f'Basic realm="{realm}"')],
            )
        head = bytearray()
        try:
            message = _read_request(environ, limits, strict, head)
        except _Refusal as refusal:
            fault = _fault_for(bytes(head), refusal.error, error_cls)
            return _respond(start_response, refusal.http_status, fault, environ, error_cls)
        reply = _answer(message, handler, environ, error_cls)
        http_status = _FAULT_HTTP_STATUS if reply.is_fault else 200
        return _respond(start_response, http_status, reply, environ, error_cls)

    return app


def _auth_check(auth: Optional[AuthCheck]) -> Optional[Callable[[str, str], bool]]:
    if auth is None or callable(auth):
        return auth
    user, password = auth
    want_user, want_password = user.encode(), password.encode()

    def check(got_user: str, got_password: str) -> bool:
        # Both compared, always, in constant time: no hint which one was wrong.
        ok_user = hmac.compare_digest(got_user.encode(), want_user)
        ok_password = hmac.compare_digest(got_password.encode(), want_password)
        return ok_user and ok_password

    return check


def _authorized(environ: WSGIEnvironment, check: Callable[[str, str], bool]) -> bool:
    value = str(environ.get("HTTP_AUTHORIZATION", ""))
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, colon, password = decoded.partition(":")
    return bool(colon) and bool(check(user, password))


def _read_request(
    environ: WSGIEnvironment, limits: Limits, strict: bool, head: bytearray
) -> Message:
    """Stream ``wsgi.input`` into a Decoder; the first bytes are kept in ``head``."""
    limit = limits.max_message_size
    length_text = str(environ.get("CONTENT_LENGTH") or "").strip()
    length: Optional[int] = None
    if length_text:
        if not length_text.isdigit():
            raise _Refusal(400, DecodeError(f"bad Content-Length {length_text[:20]!r}"))
        length = int(length_text)
        if length > limit:
            raise _Refusal(
                413,
                LimitExceededError(
                    f"Content-Length {length} exceeds max_message_size {limit}",
                    limit="max_message_size",
                    value=limit,
                ),
            )
    content_type = environ.get("CONTENT_TYPE") or None
    stream = environ["wsgi.input"]
    try:
        decoder = Decoder(content_type, strict=strict, limits=limits)
        received = 0
        while length is None or received < length:
            want = _CHUNK if length is None else min(_CHUNK, length - received)
            chunk = stream.read(want)
            if not chunk:
                break
            received += len(chunk)
            if length is None and received > limit:
                # No Content-Length: read to EOF, but never past the limit.
                raise LimitExceededError(
                    f"body exceeds max_message_size {limit}",
                    limit="max_message_size",
                    value=limit,
                )
            if len(head) < _SNIFF_SIZE:
                head += chunk[: _SNIFF_SIZE - len(head)]
            decoder.feed(chunk)
        if length is not None and received < length:
            raise DecodeError(f"body ended after {received} of {length} bytes")
        return decoder.close()
    except LimitExceededError as exc:
        status = 413 if exc.limit == "max_message_size" else _FAULT_HTTP_STATUS
        raise _Refusal(status, exc) from exc
    except MM7Error as exc:
        raise _Refusal(_FAULT_HTTP_STATUS, exc) from exc


def _fault_for(head: bytes, error: MM7Error, error_cls: _ErrorClass) -> Message:
    """A Fault for a request that could not be decoded, correlated as well as the head allows."""
    version = LATEST
    found = _VERSION_RE.search(head)
    if found is not None:
        with contextlib.suppress(MM7Error):
            version = get_version(found.group().decode("ascii"))
    tx = _TRANSACTION_RE.search(head)
    transaction_id = tx.group(1).decode("latin-1") if tx is not None else "unknown"
    code = _status_code(error.status_code)
    pdu = error_cls(status=Status.error(code, error.message[:500]))
    return Message(pdu, transaction_id, version)


def _status_code(value: int) -> StatusCode:
    try:
        return StatusCode(value)
    except ValueError:
        return StatusCode.SERVER_ERROR


def _answer(
    message: Message, handler: Handler, environ: WSGIEnvironment, error_cls: _ErrorClass
) -> Message:
    if not isinstance(message.pdu, Request):
        code = StatusCode.UNSUPPORTED_OPERATION
        pdu = error_cls(status=Status.error(code, f"{message.pdu.WIRE_NAME} is not a request"))
        return Message(pdu, message.transaction_id, message.version, message.mm7_version)
    try:
        result = handler(message)
    except MM7Error as exc:
        return message.error_response(_status_code(exc.status_code), None, exc.message[:500])
    except Exception:
        _log(environ, f"handler failed on {message.pdu.WIRE_NAME} {message.transaction_id!r}")
        return message.error_response(StatusCode.SERVER_ERROR)
    try:
        if result is None:
            return message.response(StatusCode.SUCCESS)
        if isinstance(result, Message):
            return result
        status = result if isinstance(result, Status) else Status(StatusCode(result))
        if status.text is None:
            # StatusText is mandatory on the wire; the spec's wording fills in.
            status = Status(status.code, status.code.default_text, status.details)
        if status.code.is_success:
            return message.response(status)
        return message.error_response(status.code, status.text, status.details)
    except Exception:
        # Our side's failure, not the sender's (e.g. a SubmitRsp needs a
        # message_id the handler did not give): 3000, never 2007.
        _log(environ, f"handler result {result!r} makes no response")
        return message.error_response(StatusCode.SERVER_ERROR)


def _log(environ: WSGIEnvironment, text: str) -> None:
    """Write ``text`` and the exception being handled to ``wsgi.errors``."""
    errors = environ.get("wsgi.errors")
    if errors is not None:
        try:
            errors.write(f"{__name__}: {text}\n{traceback.format_exc()}")
            errors.flush()
        except Exception:
            pass  # a broken error stream must not take the answer down


_REASONS = {200: "OK", 400: "Bad Request", 413: "Content Too Large", 500: "Internal Server Error"}


def _respond(
    start_response: StartResponse,
    http_status: int,
    reply: Message,
    environ: WSGIEnvironment,
    error_cls: _ErrorClass,
) -> List[bytes]:
    try:
        encoded = encode(reply)
        body = encoded.body
        headers = [(n, v) for n, v in encoded.headers if n.lower() != "soapaction"]
    except MM7Error:
        # The handler's own Message would not encode; answer 3000 instead.
        _log(environ, f"reply {reply.pdu.WIRE_NAME} does not encode")
        code = StatusCode.SERVER_ERROR
        status = Status(code, code.default_text)
        fallback = Message(error_cls(status=status), reply.transaction_id, reply.version)
        http_status = _FAULT_HTTP_STATUS
        encoded = encode(fallback)
        body = encoded.body
        headers = [(n, v) for n, v in encoded.headers if n.lower() != "soapaction"]
    headers.append(("Content-Length", str(len(body))))
    reason = _REASONS.get(http_status, "")
    start_response(f"{http_status} {reason}".rstrip(), headers)
    return [body]


def _plain(
    start_response: StartResponse, status: str, text: str, extra: List[Tuple[str, str]]
) -> List[bytes]:
    body = (text + "\n").encode("ascii")
    headers = [
        ("Content-Type", "text/plain; charset=us-ascii"),
        ("Content-Length", str(len(body))),
        *extra,
    ]
    start_response(status, headers)
    return [body]
