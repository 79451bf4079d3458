"""The ASGI shell of the receiver: moves bytes between an ASGI server and ``ReceiverPolicy``.

Every decision (what to refuse, when a body is whole, what to answer) is made
in ``mm7codec._exchange``, as for the WSGI app; this module only awaits
``receive``/``send`` and runs the handler (a sync one in a thread, so it
cannot block the event loop). Imported lazily by ``mm7codec.http``: asyncio is
expensive to import and a WSGI receiver never needs it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    MutableMapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ._exchange import Answer, ReceiverPolicy, is_async_handler
from ._limits import Limits
from ._message import Message
from ._pdu import Status
from ._status import StatusCode

if TYPE_CHECKING:
    from .dedupe import DedupeStore
    from .profiles import Profile

__all__ = ["ASGIApp", "AsyncHandler", "make_asgi_app"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_Result = Union[None, int, StatusCode, Status, Message]
#: A receiver's handler for :func:`make_asgi_app`: plain or ``async def``.
AsyncHandler = Union[Callable[[Message], _Result], Callable[[Message], Awaitable[_Result]]]

_logger = logging.getLogger(__name__.rpartition(".")[0] + ".http")  # the http module's


def make_asgi_app(
    handler: AsyncHandler,
    *,
    limits: Optional[Limits] = None,
    auth: Optional[Union[Tuple[str, str], Callable[[str, str], bool]]] = None,
    strict: bool = False,
    side: str = "vasp",
    realm: str = "MM7",
    profile: Union[Profile, str, None] = None,
    dedupe: Union[DedupeStore, bool, None] = None,
    allow: Optional[Iterable[str]] = None,
    trusted_proxies: Optional[Iterable[str]] = None,
) -> ASGIApp:
    """An ASGI 3 application that decodes MM7 requests and answers for ``handler``.

    The same arguments, answers and exchange contract as
    :func:`mm7codec.http.make_wsgi_app` (see there for what ``handler`` may
    return): the body is streamed from ``http.request`` messages into the push
    decoder under ``limits``; a body that ends short of its Content-Length,
    without its close delimiter, or with an ``http.disconnect`` before the
    last ``more_body`` is refused with a 3000 Fault (HTTP 500), never 1000,
    and the handler does not run; the success answer is built and encoded
    before the handler runs.

    ``handler`` may be an ``async def`` function (awaited on the loop) or a
    plain one (run with ``asyncio.to_thread``, so a slow handler does not
    stall other requests). Handlers should still hand the message off and
    return quickly: gateways resend what is not answered within ~10 s.

    ``profile`` and ``dedupe`` as for ``make_wsgi_app``; the dedupe store's
    calls (synchronous, maybe over the network) run in a thread. A handler
    cancelled (the server shutting down) releases its claim.
    ``allow`` and ``trusted_proxies`` restrict the source addresses (see
    ``make_wsgi_app``); the peer is ``scope["client"]``.

    The ``lifespan`` scope is acknowledged (startup and shutdown complete);
    a ``websocket`` scope is closed, which servers turn into HTTP 403.

    Raises:
        ValueError: ``side`` is not "vasp" or "relay", or ``allow`` or
            ``trusted_proxies`` holds something that is not a network.
    """
    policy = ReceiverPolicy.from_arguments(locals())
    awaited = is_async_handler(handler)

    async def run(message: Message) -> _Result:
        if awaited:
            return await handler(message)  # type: ignore[no-any-return,misc]
        return await asyncio.to_thread(handler, message)  # type: ignore[arg-type]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            await _lifespan(receive, send)
            return
        if kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if kind != "http":
            raise ValueError(f"unsupported ASGI scope type {kind!r}")
        answer = await _answer(scope, receive, run, policy, release_on_cancel=awaited)
        await send(
            {
                "type": "http.response.start",
                "status": answer.http_status,
                "headers": [
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in answer.headers
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})

    return app


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        event = await receive()
        kind = event.get("type")
        if kind == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif kind == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _headers(scope: Scope) -> Dict[str, str]:
    """The first value of each request header field, by lower-case name (X-Forwarded-For: all)."""
    found: Dict[str, str] = {}
    raw: Sequence[Tuple[bytes, bytes]] = scope.get("headers") or ()
    for name, value in raw:
        key = bytes(name).decode("latin-1").lower()
        if key not in found:
            found[key] = bytes(value).decode("latin-1")
        elif key == "x-forwarded-for":
            # Each proxy may add its own field: together they are one list.
            found[key] += "," + bytes(value).decode("latin-1")
    return found


def _peer(scope: Scope) -> Optional[str]:
    client = scope.get("client")
    if client:
        return str(client[0])
    return None


def _log(text: str) -> None:
    _logger.error(text, exc_info=sys.exc_info()[0] is not None)


async def _answer(
    scope: Scope,
    receive: Receive,
    run: Callable[[Message], Awaitable[_Result]],
    policy: ReceiverPolicy,
    *,
    release_on_cancel: bool,
) -> Answer:
    headers = _headers(scope)
    sink = policy.start(
        str(scope.get("method", "GET")),
        content_type=headers.get("content-type"),
        content_length=headers.get("content-length"),
        authorization=headers.get("authorization"),
        peer=_peer(scope),
        forwarded_for=headers.get("x-forwarded-for"),
    )
    if isinstance(sink, Answer):
        return sink
    while True:
        event = await receive()
        if event.get("type") != "http.request":
            # http.disconnect (or anything else) before the last body message:
            # the body did not arrive whole, whatever it decodes to.
            return sink.abort("the client went away before the body ended")
        chunk = bytes(event.get("body") or b"")
        wanted = sink.wanted
        if wanted is not None:
            chunk = chunk[: max(wanted, 0)]  # a server never sends past Content-Length
        refused = sink.feed(chunk)
        if refused is not None:
            return refused
        if not event.get("more_body", False):
            break
    decoded = sink.finish()
    if isinstance(decoded, Answer):
        return decoded
    if policy.dedupe is None:
        pending = policy.prepare(decoded, _log)
    else:
        pending = await asyncio.to_thread(policy.prepare, decoded, _log)
    if isinstance(pending, Answer):
        return pending
    try:
        result = await run(decoded)
    except Exception as exc:
        if policy.dedupe is None:
            return pending.failed(exc, _log)
        return await asyncio.to_thread(pending.failed, exc, _log)
    except BaseException:
        if release_on_cancel:
            # An async handler stopped at the cancel: a resend must run it again.
            # A sync one goes on in its thread and may still store the message, so
            # its claim is left to the lease (resends meanwhile are told "busy").
            if policy.dedupe is None:
                pending.abandon()
            else:
                await asyncio.shield(asyncio.to_thread(pending.abandon))
        raise
    if policy.dedupe is None:
        return pending.result(result, _log)
    return await asyncio.to_thread(pending.result, result, _log)
