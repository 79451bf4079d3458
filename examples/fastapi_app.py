"""Receive MM7 in a FastAPI application.

Serve it with::

    cd examples && uvicorn --host 127.0.0.1 --port 8080 fastapi_app:app

The receiver is an ASGI application, given a route of its own (see
examples/starlette_app.py for why a ``Route`` on the exact path and not
``app.mount("/mm7", ...)``, which answers a POST to ``/mm7`` with a 307 that
gateways do not follow). Do not declare the body as a FastAPI parameter or
``await request.body()`` for it: the receiver reads it as a stream.
"""

from __future__ import annotations

from fastapi import FastAPI
from mm7_inbox import GATEWAY_AUTH, handle
from starlette.routing import Route
from starlette_app import ASGIEndpoint

from mm7codec.http import make_asgi_app

app = FastAPI()
app.router.routes.append(
    Route("/mm7", endpoint=ASGIEndpoint(make_asgi_app(handle, auth=GATEWAY_AUTH)), methods=["POST"])
)


@app.get("/health")
def health() -> str:
    return "ok"
