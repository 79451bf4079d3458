"""The framework recipes in examples/: in process with each framework, then under a real server.

Each app gets a DeliverReq with a picture (200 + DeliverRsp 1000, same
TransactionID, the message handed to the inbox) and a body cut inside the
picture with a Content-Length that matches the cut (refused, never 1000), and
each is served once by a real server (gunicorn, waitress, uvicorn) started
here on 127.0.0.1 and stopped after. The traps each recipe avoids are shown
failing the naive way.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import queue
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

import mm7codec as mm7
from mm7codec.testing import Fault, GatewaySimulator

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
AUTH = ("gateway", "secret")
AUTH_HEADER = "Basic " + base64.b64encode(b"gateway:secret").decode()


def _load(name: str) -> ModuleType:
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    """benchmarks/soak.py: its Server starts the real servers here too."""
    if str(REPO / "benchmarks") not in sys.path:
        sys.path.insert(0, str(REPO / "benchmarks"))
    return importlib.import_module("soak")


@pytest.fixture
def inbox() -> Iterator[queue.Queue[mm7.Message]]:
    box: queue.Queue[mm7.Message] = _load("mm7_inbox").inbox
    while not box.empty():
        box.get_nowait()
    yield box


def mo_picture(transaction_id: str, size: int = 300_000) -> mm7.Message:
    req = mm7.DeliverReq(
        mms_relay_server_id="relay",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
        subject="A picture",
    )
    picture = random.Random(transaction_id).randbytes(size)
    content = mm7.Part.multipart(
        "multipart/mixed",
        [
            mm7.Part.text("look"),
            mm7.Part.bytes(picture, "image/jpeg", content_location="cat.jpg"),
        ],
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4", content=content)


def report(transaction_id: str) -> mm7.Message:
    req = mm7.DeliveryReportReq(
        mms_relay_server_id="relay",
        message_id="msg-1",
        recipient=mm7.Address.number("15553199144"),
        sender=mm7.Address.short_code("12345"),
        date="2026-12-04T10:00:00Z",
        mm_status="Retrieved",
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4")


def wire(message: mm7.Message) -> Tuple[bytes, Dict[str, str]]:
    encoded = mm7.encode(message)
    headers = {name: value for name, value in encoded.headers}
    headers["Authorization"] = AUTH_HEADER
    return encoded.body, headers


def cut_inside_picture(body: bytes) -> bytes:
    # Half-way through the base64 of the picture: a body that did not arrive whole.
    return body[: len(body) // 2]


def assert_acknowledged(status: int, body: bytes, content_type: str, request: mm7.Message) -> None:
    assert status == 200, body[-300:]
    reply = mm7.decode(body, content_type)
    expected = mm7.DeliverRsp if isinstance(request.pdu, mm7.DeliverReq) else mm7.DeliveryReportRsp
    assert type(reply.pdu) is expected
    assert reply.transaction_id == request.transaction_id
    assert reply.status is not None and reply.status.code == mm7.StatusCode.SUCCESS


def assert_refused(status: Optional[int], body: bytes, content_type: Optional[str]) -> None:
    """A Fault under a non-200 status, never 1000: the gateway resends."""
    assert status is not None and status != 200, body[-300:]
    reply = mm7.decode(body, content_type)
    assert reply.is_fault and reply.status is not None
    assert reply.status.code != mm7.StatusCode.SUCCESS


def assert_handed_off(box: queue.Queue[mm7.Message], request: mm7.Message) -> None:
    got = box.get_nowait()
    assert got.transaction_id == request.transaction_id
    assert got.content == request.content


# --- a real server ----------------------------------------------------------------------------


def serve_and_check(soak: ModuleType, kind: str, target: str, path: str = "/mm7") -> None:
    """Serve ``target`` with ``kind`` on loopback, and deliver to it as a gateway does:
    whole (acknowledged at once), then cut inside the picture (refused, then
    acknowledged when resent whole)."""
    with soak.Server(kind, target, EXAMPLES, workers=1, threads=4) as server:
        url = server.url + path
        with GatewaySimulator(auth=None) as sim:
            # The first request also waits out the server's start (connections queue).
            warm = sim.deliver(url, report("tx-warm"), auth=AUTH, max_attempts=1, timeout=60)
            assert warm.delivered, warm.last.reason

            result = sim.deliver(url, mo_picture(f"tx-{kind}"), auth=AUTH, max_attempts=1)
            assert result.delivered, result.last.reason

            message = mo_picture(f"tx-{kind}-cut")
            cut = Fault.cut(len(mm7.encode(message).body) // 2)
            result = sim.deliver(url, message, auth=AUTH, fault=cut, retry_delay=0)
        first, second = result.attempts
        assert not first.ok and first.http_status not in (None, 200), first.reason
        assert first.response is not None and first.response.is_fault
        assert second.ok, second.reason
    assert server.process.returncode is not None


# --- Flask -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flask_app() -> Any:
    pytest.importorskip("flask")
    return _load("flask_app").app


def test_flask_acknowledges_an_mo_and_a_report(
    flask_app: Any, inbox: queue.Queue[mm7.Message]
) -> None:
    client = flask_app.test_client()
    for message in (mo_picture("tx-flask"), report("tx-flask-dr")):
        body, headers = wire(message)
        response = client.post("/mm7", data=body, headers=headers)
        assert_acknowledged(response.status_code, response.data, response.content_type, message)
        assert_handed_off(inbox, message)


def test_flask_refuses_a_truncated_body(flask_app: Any, inbox: queue.Queue[mm7.Message]) -> None:
    body, headers = wire(mo_picture("tx-flask-cut"))
    response = flask_app.test_client().post("/mm7", data=cut_inside_picture(body), headers=headers)
    assert_refused(response.status_code, response.data, response.content_type)
    assert inbox.empty()


def test_flask_trap_a_trailing_slash_rule_redirects_the_gateway() -> None:
    flask = pytest.importorskip("flask")
    naive = flask.Flask("naive")
    naive.add_url_rule("/mm7/", "mm7", lambda: "", methods=["POST"])
    response = naive.test_client().post("/mm7", data=b"x")
    assert response.status_code == 308  # gateways do not follow it: the recipe routes "/mm7"


def test_flask_under_gunicorn_gthread(flask_app: Any, soak: ModuleType) -> None:
    serve_and_check(soak, "gunicorn-gthread", "flask_app:app")


# --- Django ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def django_app() -> ModuleType:
    pytest.importorskip("django")
    return _load("django_app")


def test_django_sync_view_takes_a_7_mb_mo_with_csrf_enforced(
    django_app: ModuleType, inbox: queue.Queue[mm7.Message]
) -> None:
    from django.conf import settings
    from django.test import Client

    message = mo_picture("tx-django-7mb", size=7 << 20)
    body, headers = wire(message)
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/mm7",
        data=body,
        content_type=headers["Content-Type"],
        HTTP_AUTHORIZATION=AUTH_HEADER,
    )
    assert_acknowledged(response.status_code, response.content, response["Content-Type"], message)
    assert_handed_off(inbox, message)


def test_django_trap_request_body_refuses_a_7_mb_mo(django_app: ModuleType) -> None:
    from django.core.exceptions import RequestDataTooBig
    from django.test import RequestFactory

    body, headers = wire(mo_picture("tx-naive", size=7 << 20))
    request = RequestFactory().post("/mm7", data=body, content_type=headers["Content-Type"])
    with pytest.raises(RequestDataTooBig):
        request.body  # noqa: B018 - what a naive view reads; Django answers 400


def test_django_trap_csrf_refuses_a_plain_view(django_app: ModuleType) -> None:
    from django.http import HttpRequest, HttpResponse
    from django.middleware.csrf import CsrfViewMiddleware
    from django.test import RequestFactory

    def naive(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    request = RequestFactory().post("/mm7", data=b"x", content_type="text/xml")
    request._dont_enforce_csrf_checks = False
    middleware = CsrfViewMiddleware(naive)
    response = middleware.process_view(request, naive, (), {})
    assert response is not None and response.status_code == 403
    assert middleware.process_view(request, django_app.mm7_view, (), {}) is None


def test_django_refuses_a_truncated_body(
    django_app: ModuleType, inbox: queue.Queue[mm7.Message]
) -> None:
    from django.test import Client

    body, headers = wire(mo_picture("tx-django-cut"))
    for path in ("/mm7", "/mm7-async"):
        response = Client().post(
            path,
            data=cut_inside_picture(body),
            content_type=headers["Content-Type"],
            HTTP_AUTHORIZATION=AUTH_HEADER,
        )
        assert_refused(response.status_code, response.content, response["Content-Type"])
    assert inbox.empty()


def test_django_async_view_in_process_asgi(
    django_app: ModuleType, inbox: queue.Queue[mm7.Message]
) -> None:
    import asyncio

    from django.test import AsyncClient

    message = mo_picture("tx-django-async")
    body, headers = wire(message)

    async def post(data: bytes) -> Any:
        client = AsyncClient(enforce_csrf_checks=True)
        return await client.post(
            "/mm7-async",
            data=data,
            content_type=headers["Content-Type"],
            headers={"Authorization": AUTH_HEADER},
        )

    response = asyncio.run(post(body))
    assert_acknowledged(response.status_code, response.content, response["Content-Type"], message)
    assert_handed_off(inbox, message)
    response = asyncio.run(post(cut_inside_picture(body)))
    assert_refused(response.status_code, response.content, response["Content-Type"])


def test_django_sync_view_under_waitress(django_app: ModuleType, soak: ModuleType) -> None:
    serve_and_check(soak, "waitress", "django_app:application")


def test_django_async_view_under_uvicorn(django_app: ModuleType, soak: ModuleType) -> None:
    serve_and_check(soak, "uvicorn", "django_app:asgi_application", path="/mm7-async")


def test_django_takes_a_chunked_body_under_gunicorn(
    django_app: ModuleType, soak: ModuleType
) -> None:
    # Django's own request stream trusts only Content-Length and would read nothing here;
    # the view hands the server's wsgi.input to the receiver instead.
    import http.client

    message = mo_picture("tx-django-chunked")
    body, headers = wire(message)
    with soak.Server("gunicorn-gthread", "django_app:application", EXAMPLES, workers=1) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            pieces = iter([body[:1000], body[1000:]])
            connection.request("POST", "/mm7", body=pieces, headers=headers, encode_chunked=True)
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
    assert_acknowledged(response.status, answer, response.getheader("Content-Type") or "", message)


# --- Starlette and FastAPI (make_asgi_app) -----------------------------------------------------


def _test_client_transport() -> None:
    # Starlette's TestClient runs on httpx2 (newer Starlette) or httpx (older).
    for name in ("httpx2", "httpx"):
        if importlib.util.find_spec(name) is not None:
            return
    pytest.skip("Starlette's TestClient needs httpx2 or httpx (dev extras)")


@pytest.fixture(scope="module")
def starlette_app() -> Any:
    pytest.importorskip("starlette")
    _test_client_transport()
    return _load("starlette_app").app


@pytest.fixture(scope="module")
def fastapi_app() -> Any:
    pytest.importorskip("fastapi")
    _test_client_transport()
    return _load("fastapi_app").app


@pytest.mark.parametrize("framework", ["starlette", "fastapi"])
def test_asgi_apps_acknowledge_and_refuse_truncation(
    framework: str, request: pytest.FixtureRequest, inbox: queue.Queue[mm7.Message]
) -> None:
    from starlette.testclient import TestClient

    app = request.getfixturevalue(f"{framework}_app")
    with TestClient(app) as client:
        for message in (mo_picture(f"tx-{framework}"), report(f"tx-{framework}-dr")):
            body, headers = wire(message)
            response = client.post("/mm7", content=body, headers=headers)
            assert_acknowledged(
                response.status_code, response.content, response.headers["content-type"], message
            )
            assert_handed_off(inbox, message)
        body, headers = wire(mo_picture(f"tx-{framework}-cut"))
        response = client.post("/mm7", content=cut_inside_picture(body), headers=headers)
        assert_refused(response.status_code, response.content, response.headers["content-type"])
        assert inbox.empty()


def test_starlette_trap_a_mount_redirects_the_gateway(starlette_app: Any) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.testclient import TestClient

    endpoint = _load("starlette_app").mm7_endpoint
    naive = Starlette(routes=[Mount("/mm7", app=endpoint)])
    body, headers = wire(report("tx-mount"))
    with TestClient(naive) as client:
        response = client.post("/mm7", content=body, headers=headers, follow_redirects=False)
    assert response.status_code == 307  # gateways do not follow it: the recipe routes "/mm7"


def test_fastapi_under_uvicorn(fastapi_app: Any, soak: ModuleType) -> None:
    serve_and_check(soak, "uvicorn", "fastapi_app:app")


def test_starlette_under_uvicorn(starlette_app: Any, soak: ModuleType) -> None:
    serve_and_check(soak, "uvicorn", "starlette_app:app")
