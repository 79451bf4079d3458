"""Receive MM7 in a Starlette application (FastAPI: examples/fastapi_app.py).

Serve it with::

    cd examples && uvicorn --host 127.0.0.1 --port 8080 starlette_app:app

Traps handled here:

- A ``Route`` for the exact path ``/mm7``, not ``Mount("/mm7", ...)``: a mount
  matches ``/mm7/...`` and answers a POST to ``/mm7`` with a 307 redirect to
  ``/mm7/``, which gateways do not follow.
- ``Route`` treats a plain function as ``endpoint(request) -> response`` and
  only an object as an ASGI application, so the receiver is wrapped in
  :class:`ASGIEndpoint`.
- Nothing reads the body before the receiver (no ``await request.body()``):
  it reads ``receive()`` as a stream, with its limits and its truncation check.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict

from mm7_inbox import GATEWAY_AUTH, handle
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from mm7codec.http import make_asgi_app

Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]


class ASGIEndpoint:
    """An ASGI application as a Starlette/FastAPI route endpoint."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


mm7_endpoint = ASGIEndpoint(make_asgi_app(handle, auth=GATEWAY_AUTH))


async def health(request: Any) -> PlainTextResponse:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/mm7", endpoint=mm7_endpoint, methods=["POST"]),
        Route("/health", endpoint=health),
    ]
)
