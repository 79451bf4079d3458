"""Receive MM7 in Django: a sync view (WSGI) and an async view (ASGI), one settings block.

A one-file project so it runs as it is; in yours, the views and the two URL
patterns are what to copy. Serve it with::

    cd examples && gunicorn -k gthread --threads 8 -b 127.0.0.1:8080 django_app:application
    cd examples && uvicorn --host 127.0.0.1 --port 8080 django_app:asgi_application

Traps handled here:

- ``csrf_exempt``: Django's CSRF middleware answers 403 to any POST without a
  CSRF token, and a gateway has none.
- ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB by default): reading
  ``request.body`` raises ``RequestDataTooBig`` above it and Django answers
  400, so a 7 MB MO is never acknowledged. The views never touch
  ``request.body``: under WSGI the mm7codec app streams the server's own
  ``wsgi.input`` (which also keeps chunked bodies, which Django's request
  stream drops); under ASGI Django has already spooled the body to a
  temporary file and the view reads it from the request as a stream. Limits
  are mm7codec's (``Limits.max_message_size``).
- The exact paths ``mm7`` and ``mm7-async``, no trailing slash: with
  ``APPEND_SLASH`` a pattern ``mm7/`` answers a POST to ``/mm7`` with a
  redirect (or an error page under DEBUG), which gateways do not follow.
- Under ASGI, Django runs every sync view in one shared thread: one slow
  request holds up all the others. The async view runs the receiver in a
  thread of its own instead (``thread_sensitive=False``).
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import django
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from mm7_inbox import GATEWAY_AUTH, handle

from mm7codec.http import make_wsgi_app

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="example-only",
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
    )
    django.setup()

mm7_app = make_wsgi_app(handle, auth=GATEWAY_AUTH)

WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def call_wsgi(app: WSGIApp, request: HttpRequest) -> HttpResponse:
    """Answer ``request`` with a WSGI application, the body read as a stream."""
    environ: Dict[str, Any] = dict(request.META)
    if "wsgi.input" not in environ:
        # ASGI: no server stream; the request itself reads the spooled body.
        environ["wsgi.input"] = request
    environ.setdefault("wsgi.errors", sys.stderr)
    started: List[Tuple[str, List[Tuple[str, str]]]] = []

    def start_response(
        status: str, headers: List[Tuple[str, str]], exc_info: Optional[Any] = None
    ) -> Callable[[bytes], None]:
        started.append((status, headers))
        return lambda data: None

    body = b"".join(app(environ, start_response))
    status, headers = started[-1]
    response = HttpResponse(body, status=int(status.split(" ", 1)[0]))
    for name, value in headers:
        response[name] = value
    return response


@csrf_exempt
def mm7_view(request: HttpRequest) -> HttpResponse:
    return call_wsgi(mm7_app, request)


@csrf_exempt
async def mm7_async_view(request: HttpRequest) -> HttpResponse:
    answer = sync_to_async(call_wsgi, thread_sensitive=False)
    return await answer(mm7_app, request)


urlpatterns = [
    path("mm7", mm7_view),
    path("mm7-async", mm7_async_view),
]

application = get_wsgi_application()
asgi_application = get_asgi_application()
