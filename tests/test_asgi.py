"""make_asgi_app: the same answers and exchange contract as make_wsgi_app, over ASGI 3.

Every real-world-shaped request (tests/vectors, examples/*.http) is answered
200 + 1000 when called directly and under uvicorn on loopback, with the same
answer the WSGI app gives; a body cut short or abandoned by the client is
refused and never reaches the handler; sync and ``async def`` handlers both
work (the sync one off the event loop).
"""

from __future__ import annotations

import asyncio
import http.client
import io
import re
import socket
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import pytest

import mm7codec as mm7
from mm7codec.http import make_asgi_app, make_wsgi_app

TESTS = Path(__file__).resolve().parent
EXAMPLES = TESTS.parent / "examples"


class Request(NamedTuple):
    name: str
    content_type: str
    body: bytes


def _from_http(name: str, raw: bytes) -> Request:
    # The captures' own framing is the subject of other tests: here the body is
    # what a server hands over, with the length it counted.
    sep = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    head, _, body = raw.partition(sep)
    found = re.search(rb"(?im)^content-type:[ \t]*(.+?)\r?$", head)
    assert found is not None, name
    return Request(name, found.group(1).decode("latin-1"), body)


def real_world_requests() -> List[Request]:
    """Every vector and example that decodes to a request PDU."""
    found = []
    sources = [
        *sorted((TESTS / "vectors" / "xml").glob("*.xml")),
        *sorted((TESTS / "vectors" / "http").glob("*.http")),
        *sorted(EXAMPLES.glob("*.http")),
    ]
    for path in sources:
        name = f"{path.parent.name}/{path.name}"
        raw = path.read_bytes()
        request = (
            Request(name, "text/xml; charset=utf-8", raw)
            if path.suffix == ".xml"
            else _from_http(name, raw)
        )
        try:
            message = mm7.decode(request.body, request.content_type)
        except mm7.MM7Error:
            continue  # attacks and not-well-formed vectors
        if isinstance(message.pdu, mm7._pdu.Request):
            found.append(request)
    return found


REQUESTS = real_world_requests()


def test_the_corpus_holds_the_request_shapes() -> None:
    names = {r.name for r in REQUESTS}
    assert "examples/deliver-mo-picture.http" in names
    assert "xml/sinch_submit_no_namespace.xml" in names
    assert len(REQUESTS) >= 10


class Recorder:
    """A handler that counts calls, gives a SubmitReq a MessageID and notes its thread."""

    def __init__(self) -> None:
        self.handled: List[mm7.Message] = []
        self.threads: List[int] = []

    def __call__(self, message: mm7.Message) -> Optional[mm7.Message]:
        self.handled.append(message)
        self.threads.append(threading.get_ident())
        if isinstance(message.pdu, (mm7.SubmitReq, mm7.ExtendedReplaceReq)):
            return message.response(mm7.StatusCode.SUCCESS, message_id=f"mid-{len(self.handled)}")
        return None


class AsyncRecorder(Recorder):
    async def __call__(self, message: mm7.Message) -> Optional[mm7.Message]:  # type: ignore[override]
        await asyncio.sleep(0)
        return super().__call__(message)


class Result(NamedTuple):
    status: int
    headers: Dict[str, str]
    body: bytes
    sent: List[Dict[str, Any]]


def call(
    app: Any,
    body: bytes = b"",
    *,
    content_type: str = "text/xml",
    method: str = "POST",
    headers: Sequence[Tuple[str, str]] = (),
    content_length: Optional[int] = -1,
    pieces: int = 3,
    disconnect: bool = False,
    client: Optional[Tuple[str, int]] = ("127.0.0.1", 40000),
) -> Result:
    """Run one request through ``app``: body in ``pieces`` http.request messages."""
    raw: List[Tuple[bytes, bytes]] = [(b"content-type", content_type.encode())]
    if content_length is not None:
        size = len(body) if content_length == -1 else content_length
        raw.append((b"content-length", str(size).encode()))
    raw += [(n.lower().encode(), v.encode()) for n, v in headers]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": "/mm7",
        "headers": raw,
        "client": client,
    }
    step = max(1, len(body) // pieces + 1)
    events: List[Dict[str, Any]] = [
        {"type": "http.request", "body": body[i : i + step], "more_body": True}
        for i in range(0, len(body), step)
    ]
    if disconnect:
        events.append({"type": "http.disconnect"})
    else:
        events.append({"type": "http.request", "body": b"", "more_body": False})
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        if events:
            return events.pop(0)
        return {"type": "http.disconnect"}

    async def send(event: Dict[str, Any]) -> None:
        sent.append(event)

    asyncio.run(app(scope, receive, send))
    start, end = sent[0], sent[-1]
    assert start["type"] == "http.response.start" and end["more_body"] is False
    head = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
    return Result(start["status"], head, b"".join(e.get("body", b"") for e in sent[1:]), sent)


def call_wsgi(app: Any, body: bytes, content_type: str, **extra: str) -> Tuple[int, bytes]:
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        **extra,
    }
    status: List[str] = []
    chunks = app(environ, lambda s, h: status.append(s))
    return int(status[0].split()[0]), b"".join(chunks)


def answer_of(result: Result) -> mm7.Message:
    return mm7.decode(result.body, result.headers.get("content-type"))


# --- every real-world request, directly ---------------------------------------------------------


@pytest.mark.parametrize("request_", REQUESTS, ids=[r.name for r in REQUESTS])
def test_real_world_request_answered_1000_like_wsgi(request_: Request) -> None:
    handler = Recorder()
    result = call(make_asgi_app(handler), request_.body, content_type=request_.content_type)
    assert result.status == 200, result.body[:300]
    reply = answer_of(result)
    assert reply.status is not None and reply.status.code == mm7.StatusCode.SUCCESS
    assert reply.transaction_id == handler.handled[0].transaction_id
    assert len(handler.handled) == 1
    wsgi_status, wsgi_body = call_wsgi(
        make_wsgi_app(Recorder()), request_.body, request_.content_type
    )
    assert (wsgi_status, wsgi_body) == (result.status, result.body)


def test_async_and_sync_handlers_both_work_sync_off_the_loop() -> None:
    body = next(r for r in REQUESTS if r.name == "examples/deliver-mo-picture.http")
    sync, asyn = Recorder(), AsyncRecorder()
    loop_threads: List[int] = []

    def app_with_loop_thread(handler: Any) -> Any:
        inner = make_asgi_app(handler)

        async def app(scope: Any, receive: Any, send: Any) -> None:
            loop_threads.append(threading.get_ident())
            await inner(scope, receive, send)

        return app

    for handler in (sync, asyn):
        result = call(app_with_loop_thread(handler), body.body, content_type=body.content_type)
        assert result.status == 200
        assert answer_of(result).status.code == mm7.StatusCode.SUCCESS  # type: ignore[union-attr]
        assert len(handler.handled) == 1
        assert handler.handled[0].content is not None
    assert sync.threads[0] != loop_threads[0]  # to_thread: the loop stays free
    assert asyn.threads[0] == loop_threads[1]  # awaited on the loop


def test_async_handler_statuses_and_errors() -> None:
    body = next(r for r in REQUESTS if r.name == "examples/deliver-mo-picture.http")

    async def refuses(message: mm7.Message) -> mm7.StatusCode:
        return mm7.StatusCode.SERVICE_DENIED

    async def raises(message: mm7.Message) -> None:
        raise RuntimeError("database down")

    async def raises_mm7(message: mm7.Message) -> None:
        raise mm7.MM7Error("no such recipient", status_code=4007)

    cases = [(refuses, 500, 4007), (raises, 500, 3000), (raises_mm7, 500, 4007)]
    for handler, http_status, code in cases:
        result = call(make_asgi_app(handler), body.body, content_type=body.content_type)
        assert result.status == http_status
        reply = answer_of(result)
        assert reply.is_fault and int(reply.status.code) == code  # type: ignore[union-attr]
        assert reply.transaction_id == "relay-7781-0042"


# --- cut bodies ---------------------------------------------------------------------------------


def _picture_body() -> Request:
    return next(r for r in REQUESTS if r.name == "examples/deliver-mo-picture.http")


@pytest.mark.parametrize("cut", [1, 100, 700, 1200, -40, -5])
def test_a_cut_body_is_refused_like_wsgi(cut: int) -> None:
    request = _picture_body()
    data = request.body[:cut]
    handler = Recorder()
    result = call(make_asgi_app(handler), data, content_type=request.content_type)
    assert result.status == 500
    assert answer_of(result).is_fault  # 3000 "resend", or 4004 for a SOAP part cut short
    assert handler.handled == []
    assert call_wsgi(make_wsgi_app(Recorder()), data, request.content_type) == (
        result.status,
        result.body,
    )


def test_a_body_shorter_than_its_content_length_is_refused() -> None:
    request = _picture_body()
    handler = Recorder()
    result = call(
        make_asgi_app(handler),
        request.body[:-10],
        content_type=request.content_type,
        content_length=len(request.body),
    )
    assert result.status == 500
    assert b"not received whole" in result.body
    assert handler.handled == []


@pytest.mark.parametrize("content_length", [None, -1])
def test_a_disconnect_before_the_end_is_never_1000(content_length: Optional[int]) -> None:
    """Even a body that would decode whole: the client said it was not done."""
    request = next(r for r in REQUESTS if r.name == "xml/sinch_delivery_report_unordered.xml")
    handler = Recorder()
    result = call(
        make_asgi_app(handler),
        request.body,
        content_type=request.content_type,
        content_length=content_length,
        disconnect=True,
    )
    assert result.status == 500
    assert b"went away" in result.body
    assert handler.handled == []


def test_bytes_past_the_content_length_are_not_read() -> None:
    request = _picture_body()
    handler = Recorder()
    result = call(
        make_asgi_app(handler),
        request.body + b"garbage past the end",
        content_type=request.content_type,
        content_length=len(request.body),
    )
    assert result.status == 200
    assert len(handler.handled) == 1


def test_chunked_body_without_length_is_read_to_the_end() -> None:
    request = _picture_body()
    handler = Recorder()
    result = call(
        make_asgi_app(handler),
        request.body,
        content_type=request.content_type,
        content_length=None,
        pieces=50,
    )
    assert result.status == 200
    assert len(handler.handled) == 1


def test_limits_refuse_like_wsgi() -> None:
    request = _picture_body()
    limits = mm7.Limits(max_message_size=500)
    result = call(
        make_asgi_app(Recorder(), limits=limits), request.body, content_type=request.content_type
    )
    assert result.status == 413
    # Without a Content-Length the decoder's own limit stops the stream.
    streamed = call(
        make_asgi_app(Recorder(), limits=limits),
        request.body,
        content_type=request.content_type,
        content_length=None,
    )
    assert streamed.status == 413
    assert answer_of(streamed).status.code == mm7.StatusCode.VALIDATION_ERROR  # type: ignore[union-attr]


# --- the rest of the WSGI app's behaviour -------------------------------------------------------


def test_non_post_auth_and_bad_length_like_wsgi() -> None:
    request = _picture_body()
    app = make_asgi_app(Recorder(), auth=("vasp", "secret"))
    got = call(app, b"", method="GET")
    assert got.status == 405 and got.headers["allow"] == "POST"
    refused = call(app, request.body, content_type=request.content_type)
    assert refused.status == 401 and "basic" in refused.headers["www-authenticate"].lower()
    import base64

    token = base64.b64encode(b"vasp:secret").decode()
    ok = call(
        app,
        request.body,
        content_type=request.content_type,
        headers=[("Authorization", f"Basic {token}")],
    )
    assert ok.status == 200
    bad = call(app, b"x", headers=[("Authorization", f"Basic {token}")], content_length=None)
    assert bad.status == 500  # not MM7: a Fault, as WSGI
    app2 = make_asgi_app(Recorder())
    scope_bad_length = call(app2, b"x", headers=[("content-length", "12x")], content_length=None)
    assert scope_bad_length.status == 400


def test_lifespan_is_acknowledged() -> None:
    app: Any = make_asgi_app(Recorder())
    events = [
        {"type": "lifespan.startup"},
        {"type": "lifespan.other"},
        {"type": "lifespan.shutdown"},
    ]
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return events.pop(0)

    async def send(event: Dict[str, Any]) -> None:
        sent.append(event)

    asyncio.run(app({"type": "lifespan"}, receive, send))
    assert [e["type"] for e in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def test_websocket_is_closed_and_unknown_scopes_raise() -> None:
    app: Any = make_asgi_app(Recorder())
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(event: Dict[str, Any]) -> None:
        sent.append(event)

    asyncio.run(app({"type": "websocket"}, receive, send))
    assert sent[0]["type"] == "websocket.close"
    with pytest.raises(ValueError, match="scope type"):
        asyncio.run(app({"type": "telepathy"}, receive, send))


def test_dedupe_answers_a_resend_without_the_handler_and_a_cancel_releases() -> None:
    request = next(r for r in REQUESTS if r.name == "examples/deliver-mo-picture.http")
    handler = AsyncRecorder()
    app = make_asgi_app(handler, dedupe=True)
    first = call(app, request.body, content_type=request.content_type)
    again = call(app, request.body, content_type=request.content_type)
    assert first.status == again.status == 200 and first.body == again.body
    assert len(handler.handled) == 1

    calls: List[str] = []

    async def slow_then_fine(message: mm7.Message) -> None:
        calls.append(message.transaction_id)
        if len(calls) == 1:
            await asyncio.sleep(3600)  # cancelled below, never waited out

    app2 = make_asgi_app(slow_then_fine, dedupe=True)

    async def cancel_first() -> None:
        task = asyncio.ensure_future(
            _acall(app2, request.body, request.content_type)  # the handler hangs
        )
        while not calls:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_first())
    second = call(app2, request.body, content_type=request.content_type)
    assert second.status == 200 and len(calls) == 2  # the claim was released


def test_a_cancel_leaves_a_sync_handlers_claim_to_its_lease() -> None:
    # A sync handler goes on in its thread after the cancel and may still store the
    # message: a resend meanwhile is told "busy" (4006), never run a second time.
    import threading

    request = next(r for r in REQUESTS if r.name == "examples/deliver-mo-picture.http")
    started, release = threading.Event(), threading.Event()
    runs: List[str] = []

    def slow(message: mm7.Message) -> None:
        runs.append(message.transaction_id)
        started.set()
        release.wait(1)  # asyncio.run waits for this thread on its way out

    app = make_asgi_app(slow, dedupe=True)

    async def cancel_first() -> None:
        task = asyncio.ensure_future(_acall(app, request.body, request.content_type))
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(cancel_first())
        resend = call(app, request.body, content_type=request.content_type)
        assert resend.status == 503 and runs == [runs[0]]
    finally:
        release.set()


def test_dedupe_failures_release_the_claim() -> None:
    request = _picture_body()
    runs: List[int] = []

    def flaky(message: mm7.Message) -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("first run fails")

    app = make_asgi_app(flaky, dedupe=True)
    assert call(app, request.body, content_type=request.content_type).status == 500
    assert call(app, request.body, content_type=request.content_type).status == 200
    assert call(app, request.body, content_type=request.content_type).status == 200
    assert len(runs) == 2


async def _acall(app: Any, body: bytes, content_type: str) -> None:
    scope = {
        "type": "http",
        "method": "POST",
        "headers": [(b"content-type", content_type.encode())],
        "client": None,
    }
    events = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Dict[str, Any]:
        return events.pop(0) if events else {"type": "http.disconnect"}

    async def send(event: Dict[str, Any]) -> None:
        pass

    await app(scope, receive, send)


# --- under uvicorn on loopback ------------------------------------------------------------------


class Uvicorn:
    """uvicorn serving ``app`` on 127.0.0.1 and a free port, from a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> Uvicorn:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            self.thread.join(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def served() -> Iterator[Tuple[Uvicorn, Recorder]]:
    pytest.importorskip("uvicorn")
    handler = Recorder()
    with Uvicorn(make_asgi_app(handler)) as server:
        yield server, handler


def test_every_real_world_request_under_uvicorn(served: Tuple[Uvicorn, Recorder]) -> None:
    server, handler = served
    before = len(handler.handled)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for request in REQUESTS:
            connection.request(
                "POST", "/mm7", body=request.body, headers={"Content-Type": request.content_type}
            )
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, (request.name, body[:300])
            reply = mm7.decode(body, response.getheader("Content-Type"))
            assert reply.status is not None and reply.status.code == mm7.StatusCode.SUCCESS
    finally:
        connection.close()
    assert len(handler.handled) - before == len(REQUESTS)


def test_a_client_gone_mid_body_under_uvicorn_never_reaches_the_handler(
    served: Tuple[Uvicorn, Recorder],
) -> None:
    server, handler = served
    request = _picture_body()
    before = len(handler.handled)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        head = (
            f"POST /mm7 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {request.content_type}\r\n"
            f"Content-Length: {len(request.body)}\r\n\r\n"
        ).encode("latin-1")
        sock.sendall(head + request.body[: len(request.body) // 2])
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    assert b" 200 " not in answer.split(b"\r\n", 1)[0]
    # The same connection state checked over a fresh request: the server is fine.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request(
        "POST", "/mm7", body=request.body, headers={"Content-Type": request.content_type}
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200
    # Only the whole one ran the handler.
    assert [m.transaction_id for m in handler.handled[before:]] == ["relay-7781-0042"]


def test_chunked_cut_under_uvicorn_is_refused(served: Tuple[Uvicorn, Recorder]) -> None:
    server, handler = served
    request = _picture_body()
    before = len(handler.handled)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        half = request.body[: len(request.body) // 2]
        head = (
            f"POST /mm7 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {request.content_type}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode("latin-1")
        # A chunked body that "ends" properly but half-way: the decoder sees no close delimiter.
        sock.sendall(head + b"%x\r\n" % len(half) + half + b"\r\n0\r\n\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 500")
    assert len(handler.handled) == before
