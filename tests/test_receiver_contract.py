"""The receiver's side of the exchange contract: never 1000 for what did not arrive whole,
always an answer that encodes for what did.

A gateway forgets a message once it reads HTTP 200 + the matching Rsp with
1000. So every DeliverReq below is cut at (nearly) every offset and handed to
the WSGI app with a matching Content-Length and as a chunked body that ended
early: no cut body before the close delimiter may be acknowledged, or reach the
handler, and every complete one must be.
"""

from __future__ import annotations

import functools
import io
import re
import socket
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pdu_strategies import ALL_CASES, maximal_message, messages, minimal_message

import mm7codec as mm7
from mm7codec._pdu import RESPONSE_FOR
from mm7codec._versions import VERSIONS
from mm7codec.http import make_wsgi_app
from mm7codec.testing import ServerThread

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# A JPEG-shaped blob big enough that most cuts fall inside the picture.
PICTURE = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 1000 + b"\xff\xd9"
# For the big body: every offset this close to a delimiter, and a stride elsewhere.
NEAR = 64
STRIDE = 173
NEEDS_MESSAGE_ID = (mm7.SubmitReq, mm7.ExtendedReplaceReq)


class Body(NamedTuple):
    name: str
    content_type: str
    data: bytes
    # Cuts at or after this offset still hold every part whole (only the
    # epilogue or the last CRLF is missing): those are complete messages.
    complete_at: int


def _outer_boundary(content_type: str) -> bytes:
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    assert found is not None, content_type
    return found.group(1).encode("ascii")


def _body(name: str, content_type: str, data: bytes) -> Body:
    close = b"--" + _outer_boundary(content_type) + b"--"
    return Body(name, content_type, data, data.rindex(close) + len(close))


def _encoded(name: str, content: mm7.Part) -> Body:
    req = mm7.DeliverReq(
        mms_relay_server_id="relay.example.net",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
        subject=name,
    )
    encoded = mm7.encode(mm7.Message(req, f"tx-{name}", "REL-6-MM7-1-4", content=content))
    return _body(name, encoded.content_type, encoded.body)


@functools.cache
def sweep_bodies() -> Tuple[Body, ...]:
    text = _encoded("text", mm7.Part.text("Hello from the handset. " * 160))
    picture = _encoded(
        "picture",
        mm7.Part.multipart(
            "mixed",
            [mm7.Part.text("look"), mm7.Part.bytes(PICTURE, "image/jpeg", content_id="pic")],
        ),
    )
    quoted = _encoded(
        "quoted-boundary",
        mm7.Part.multipart(
            "mixed",
            [mm7.Part.text("one"), mm7.Part.text("two")],
            boundary="a quoted boundary: (with specials)",
        ),
    )
    # A relay's nested multipart/related > multipart/mixed, as written on the wire.
    raw = (EXAMPLES / "deliver-mo-picture.http").read_bytes()
    head, _, data = raw.partition(b"\r\n\r\n")
    content_type = re.search(rb"(?im)^content-type: *(.+?)\r?$", head)
    assert content_type is not None
    nested = _body("nested", content_type.group(1).decode("latin-1"), data)
    # The same message from a relay that writes bare LFs (a quirk, complete: 1000).
    bare = _body("bare-lf", nested.content_type, data.replace(b"\r\n", b"\n"))
    assert b"\r" not in bare.data
    assert b'boundary="a quoted boundary: (with specials)"' in quoted.data
    return (text, picture, quoted, nested, bare)


def cut_offsets(body: Body) -> List[int]:
    """Every offset, or for the big body every one near a delimiter and a stride elsewhere."""
    size = len(body.data)
    if size <= 8192:
        return list(range(size + 1))
    wanted = set(range(0, size + 1, STRIDE))
    wanted.update(range(max(0, size - 2 * NEAR), size + 1))
    for found in re.finditer(re.escape(b"--" + _outer_boundary(body.content_type)), body.data):
        wanted.update(range(max(0, found.start() - NEAR), min(size, found.end() + NEAR) + 1))
    for found in re.finditer(rb"\r?\n--[^\r\n]{1,72}", body.data):  # inner delimiters too
        wanted.update(range(max(0, found.start() - NEAR), min(size, found.end() + NEAR) + 1))
    return sorted(wanted)


class App:
    """``make_wsgi_app`` with a counting handler, called in-process."""

    def __init__(self, **options: Any) -> None:
        self.handled: List[mm7.Message] = []
        self.app = make_wsgi_app(self._handle, **options)

    def _handle(self, message: mm7.Message) -> Optional[mm7.Message]:
        self.handled.append(message)
        if isinstance(message.pdu, NEEDS_MESSAGE_ID):
            # Their answers carry the MessageID only the handler can give.
            return message.response(mm7.StatusCode.SUCCESS, message_id="mid-1")
        return None

    def post(
        self, content_type: str, data: bytes, *, chunked: bool = False
    ) -> Tuple[int, bytes, str]:
        environ: Dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": content_type,
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": io.StringIO(),
        }
        if not chunked:
            # The server's view of a body cut short: its length matches the cut.
            environ["CONTENT_LENGTH"] = str(len(data))
        seen: List[Tuple[str, List[Tuple[str, str]]]] = []

        def start_response(status: str, headers: List[Tuple[str, str]], *exc: object) -> None:
            seen.append((status, headers))

        answer = b"".join(self.app(environ, start_response))  # type: ignore[arg-type]
        status, headers = seen[0]
        answer_type = next(v for k, v in headers if k.lower() == "content-type")
        return int(status.split()[0]), answer, answer_type


def acknowledged(http_status: int, answer: bytes, answer_type: str, transaction_id: str) -> bool:
    """Whether a gateway would forget the message: 200 + a non-Fault Rsp 1000 for it."""
    if http_status != 200 or not answer:
        return False
    reply = mm7.decode(answer, answer_type)
    status = reply.status
    return (
        not reply.is_fault
        and reply.transaction_id == transaction_id
        and status is not None
        and status.code == mm7.StatusCode.SUCCESS
    )


def _transaction_id(body: Body) -> str:
    found = re.search(rb"TransactionID[^>]*>([^<]+)<", body.data)
    assert found is not None
    return found.group(1).decode("ascii")


# --- the truncation sweep ---------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("index", range(5), ids=["text", "picture", "quoted", "nested", "bare-lf"])
def test_truncation_sweep(index: int, chunked: bool) -> None:
    body = sweep_bodies()[index]
    tx = _transaction_id(body)
    app = App()
    wrongly_acknowledged: List[int] = []
    wrongly_refused: List[int] = []
    handled_cut: List[int] = []
    offsets = cut_offsets(body)
    for offset in offsets:
        before = len(app.handled)
        http_status, answer, answer_type = app.post(
            body.content_type, body.data[:offset], chunked=chunked
        )
        ok = acknowledged(http_status, answer, answer_type, tx)
        if offset < body.complete_at:
            if ok:
                wrongly_acknowledged.append(offset)
            if len(app.handled) != before:
                handled_cut.append(offset)
            assert http_status != 200 or not ok
        elif not ok:
            wrongly_refused.append(offset)
    assert wrongly_acknowledged == [], f"{body.name}: cut bodies acknowledged with 1000"
    assert handled_cut == [], f"{body.name}: the handler ran for cut bodies"
    assert wrongly_refused == [], f"{body.name}: complete bodies refused"
    assert len(offsets) > 1000
    # Every complete one reached the handler, whole.
    complete = [o for o in offsets if o >= body.complete_at]
    assert len(app.handled) == len(complete)
    for message in app.handled:
        assert message.transaction_id == tx
        assert message.content is not None


def test_the_sweep_covers_every_part_boundary_of_the_big_body() -> None:
    picture = sweep_bodies()[1]
    offsets = set(cut_offsets(picture))
    delimiter = b"--" + _outer_boundary(picture.content_type)
    starts = [m.start() for m in re.finditer(re.escape(delimiter), picture.data)]
    assert len(starts) >= 3
    for start in starts:
        end = min(len(picture.data), start + len(delimiter) + NEAR)
        assert set(range(max(0, start - NEAR), end + 1)) <= offsets
    assert len(picture.data) > 300_000 and len(offsets) < len(picture.data) // 4


def test_refusal_is_a_fault_asking_for_a_resend() -> None:
    body = sweep_bodies()[0]
    http_status, answer, answer_type = App().post(
        body.content_type, body.data[: len(body.data) // 2]
    )
    reply = mm7.decode(answer, answer_type)
    assert http_status == 500 and reply.is_fault
    assert reply.transaction_id == "tx-text"  # correlated from the head that came
    assert reply.status is not None and reply.status.code == mm7.StatusCode.SERVER_ERROR
    assert "not received whole" in (reply.status.text or "")


class _DyingInput(io.BytesIO):
    """``wsgi.input`` of a connection that dies once its bytes are read (a server's error)."""

    def read(self, size: Optional[int] = -1) -> bytes:
        data = super().read(size)
        if not data:
            raise ConnectionResetError("peer went away")
        return data


def test_a_body_read_error_is_never_acknowledged_even_after_whole_bytes() -> None:
    # The bytes so far decode, but the server says the connection died: the shell
    # cannot know the body ended there, so it is refused like an ASGI disconnect.
    body = sweep_bodies()[0]
    app = App()
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": body.content_type,
        "wsgi.input": _DyingInput(body.data),
        "wsgi.errors": io.StringIO(),
    }
    seen: List[str] = []
    answer = b"".join(app.app(environ, lambda status, headers, *exc: seen.append(status)))  # type: ignore[arg-type,func-returns-value]
    assert seen[0].startswith("500") and app.handled == []
    assert b"not received whole" in answer


# --- every request that decodes gets an answer that encodes -----------------------------------

REQUEST_NAMES = sorted(cls.WIRE_NAME for cls in RESPONSE_FOR)
_MM7_VERSION = re.compile(rb"(<(?:[\w.-]+:)?MM7Version>)[^<]*(</)")
_TRANSACTION_ID = re.compile(rb"(<(?:[\w.-]+:)?TransactionID\b[^>]*>)[^<]*(</)")


@st.composite
def request_bodies(draw: Any) -> Tuple[bytes, str]:
    version = draw(st.sampled_from(VERSIONS))
    name = draw(st.sampled_from([n for n in REQUEST_NAMES if version.has_pdu(n)]))
    encoded = mm7.encode(draw(messages(version, name)))
    body = encoded.body
    # Peers write MM7Versions outside their schema's enumeration.
    written = draw(st.sampled_from([None, "6.7.0", "5.2.0", "5.3.0", "6.8.0"]))
    if written is not None:
        body = _MM7_VERSION.sub(rb"\g<1>" + written.encode() + rb"\g<2>", body, count=1)
    # And TransactionIDs the lenient decoder takes though a schema may not.
    tx = draw(
        st.sampled_from([None, "relay 7781/0042", "a:b", "caf\u00e9-\u20ac", "t&amp;1", "x" * 200])
    )
    if tx is not None:
        body = _TRANSACTION_ID.sub(rb"\g<1>" + tx.encode() + rb"\g<2>", body, count=1)
    return body, encoded.content_type


@given(request_bodies())
def test_every_decodable_request_gets_an_encodable_answer_and_1000(
    case: Tuple[bytes, str],
) -> None:
    body, content_type = case
    request = mm7.decode(body, content_type)
    fields = {"message_id": "mid-1"} if isinstance(request.pdu, NEEDS_MESSAGE_ID) else {}
    response = request.response(mm7.StatusCode.SUCCESS, **fields)
    try:
        assert mm7.encode(response).body
    except mm7.EncodeError as exc:
        # Documented in Message.response: a REL-5-MM7-1-0/1-1 TransactionID the
        # lenient decoder took but xs:NMTOKEN refuses is echoed unvalidated.
        assert str(exc).startswith("TransactionID:"), exc
        assert mm7.encode(response, validate=False).body
    app = App()
    http_status, answer, answer_type = app.post(content_type, body)
    assert http_status == 200, answer[:600]
    assert acknowledged(http_status, answer, answer_type, request.transaction_id)
    reply = mm7.decode(answer, answer_type)
    assert isinstance(reply.pdu, RESPONSE_FOR[type(request.pdu)])
    assert len(app.handled) == 1


REQUEST_CASES = [(v, name) for v, name in ALL_CASES if name in REQUEST_NAMES]


@pytest.mark.parametrize("written", [None, "6.7.0", "5.2.0"])
@pytest.mark.parametrize(
    ("version", "name"), REQUEST_CASES, ids=[f"{v.name}-{n}" for v, n in REQUEST_CASES]
)
def test_every_request_type_of_every_version_is_answered_1000(
    version: Any, name: str, written: Optional[str]
) -> None:
    # The property above, made certain for each request type at both extremes.
    for build in (minimal_message, maximal_message):
        encoded = mm7.encode(build(version, name))
        body = encoded.body
        if written is not None:
            body = _MM7_VERSION.sub(rb"\g<1>" + written.encode() + rb"\g<2>", body, count=1)
        request = mm7.decode(body, encoded.content_type)
        app = App()
        http_status, answer, answer_type = app.post(encoded.content_type, body)
        assert acknowledged(http_status, answer, answer_type, request.transaction_id), (
            build.__name__,
            http_status,
            answer[:800],
        )
        assert len(app.handled) == 1


@pytest.mark.parametrize("written", ["6.7.0", "5.2.0"])
def test_out_of_enumeration_versions_are_answered_1000(written: str) -> None:
    body = sweep_bodies()[0]
    data = _MM7_VERSION.sub(rb"\g<1>" + written.encode() + rb"\g<2>", body.data, count=1)
    assert written.encode() in data
    app = App()
    http_status, answer, answer_type = app.post(body.content_type, data)
    assert app.handled[0].mm7_version == written
    assert acknowledged(http_status, answer, answer_type, "tx-text")


# --- over a real socket -----------------------------------------------------------------------


def _post_raw(url: str, body: Body, sent: int) -> Tuple[int, bytes, str]:
    """POST ``body`` with its full Content-Length, write ``sent`` bytes of it, shut down writing."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    head = (
        f"POST /mm7 HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {body.content_type}\r\n"
        f"Content-Length: {len(body.data)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + body.data[:sent])
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        for _ in range(10_000):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    top, _, payload = answer.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    answer_type = next(
        line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("content-type:")
    )
    return int(lines[0].split()[1]), payload, answer_type


@pytest.fixture
def served() -> Iterator[Tuple[App, str]]:
    app = App()
    with ServerThread(app.app) as server:
        yield app, server.url


def test_real_server_acknowledges_whole_bodies_and_refuses_cut_ones(
    served: Tuple[App, str],
) -> None:
    app, url = served
    bodies = sweep_bodies()
    for body in bodies:
        tx = _transaction_id(body)
        assert acknowledged(*_post_raw(url, body, len(body.data)), tx), body.name
        for sent in (
            0,
            body.data.index(b"\n\n" if b"\r" not in body.data else b"\r\n\r\n"),
            len(body.data) // 2,
            body.complete_at - 1,
        ):
            http_status, answer, answer_type = _post_raw(url, body, sent)
            assert http_status == 500, (body.name, sent)
            assert not acknowledged(http_status, answer, answer_type, tx)
    assert len(app.handled) == len(bodies)  # only the whole ones reached the handler
