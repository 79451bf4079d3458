"""Whole-message round trips: ``decode(encode(m).body, encode(m).content_type) == m``.

For every content-carrying PDU (SubmitReq, DeliverReq, ReplaceReq, and
extendedReplaceReq where the version has it) of every schema version, with
content from none to a 100-part multipart/mixed and one ~20 MB file streamed
through a :class:`Decoder` with a file sink. Also the wire shape (mm7-spec.md
§4.3/§4.4): bare ``text/xml`` without content, ``multipart/related`` with
``type``/``start`` and a Content-ID that the href names with content.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import IO, Iterator, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mime_strategies import parts
from pdu_strategies import maximal_message, messages, minimal_message

from mm7codec import (
    LATEST,
    VERSIONS,
    ContentRef,
    DecodeError,
    Decoder,
    DeliverRsp,
    EncodedMessage,
    LimitExceededError,
    Limits,
    Message,
    Part,
    SchemaVersion,
    Status,
    StatusError,
    decode,
    decode_http,
    encode,
    iter_encode,
    presentation,
)
from mm7codec._headers import parse_content_type
from mm7codec._part import PartInfo
from mm7codec._record import replace

CONTENT_PDUS = ("SubmitReq", "DeliverReq", "ReplaceReq", "extendedReplaceReq")
CASES = [(v, w) for v in VERSIONS for w in CONTENT_PDUS if v.has_pdu(w)]
IDS = [f"{v.name}-{w}" for v, w in CASES]


def test_cases_cover_every_version() -> None:
    assert len(VERSIONS) == 10
    assert {v.name for v, _ in CASES} == {v.name for v in VERSIONS}
    assert [v.name for v, w in CASES if w == "extendedReplaceReq"] == ["REL-6-MM7-1-4"]
    assert len(CASES) == 31


# -- content builders ----------------------------------------------------------------------------


def tricky_leaves(count: int, seed: int = 7) -> List[Part]:
    """``count`` small parts of mixed types, each a transfer-encoding hazard."""
    rnd = random.Random(seed)
    out: List[Part] = []
    for i in range(count):
        kind = i % 10
        cid = f"p{i}@mm7.test"
        if kind == 0:
            out.append(Part.text(f"Grüße {i} — ✓ 日本語\r\nline two", content_id=cid))
        elif kind == 1:
            data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300)))
            out.append(Part.bytes(data, "image/jpeg", content_id=cid))
        elif kind == 2:
            out.append(Part.text(f"no line break at all {i}", content_id=cid))
        elif kind == 3:
            text = f"--\r\n--==MM7-{i}\r\n--=_mm7_0\r\n-- \r\n--boundary--\r\n"
            out.append(Part.text(text, content_location=f"dashes{i}.txt"))
        elif kind == 4:
            data = b"\r\n--==MM7-" + os.urandom(4).hex().encode() + b"--\r\n\x00\xff"
            out.append(Part.bytes(data, "application/octet-stream", transfer_encoding="binary"))
        elif kind == 5:
            out.append(Part.text("lone\rCR and bare\nLF ünïcode", "plain", content_id=cid))
        elif kind == 6:
            data = "=?utf-8?q?x?= é =3D\r\n.\r\n".encode() * 3
            out.append(
                Part.bytes(data, "text/plain; charset=utf-8", transfer_encoding="quoted-printable")
            )
        elif kind == 7:
            out.append(Part.bytes(b"", "application/octet-stream", content_id=cid))
        elif kind == 8:
            out.append(Part.text("<smil><body/></smil>", "xml", content_id=cid))
        else:
            out.append(Part.bytes(b"x" * 1500 + b"\r\n" + b"y" * 10, "text/plain", content_id=cid))
    return out


def mixed_100() -> Part:
    return Part.multipart("mixed", tricky_leaves(100))


def with_content(message: Message, content: Part) -> Message:
    """``message`` carrying ``content``, its href replaced by one the content pairs with."""
    pdu = message.pdu
    reference = pdu.content  # type: ignore[attr-defined]
    if reference is not None and content.content_id is not None:
        pdu = replace(pdu, content=None)
    return message.replace(pdu=pdu, content=content)


def assert_round_trip(message: Message) -> EncodedMessage:
    encoded = encode(message)
    decoded = decode(encoded.body, encoded.content_type)
    assert decoded.defects == ()
    assert decoded == message
    assert decoded.pdu == message.pdu
    assert decoded.transaction_id == message.transaction_id
    assert decoded.version is message.version
    assert decoded.mm7_version == message.mm7_version
    if message.content is None:
        assert decoded.content is None
    else:
        assert decoded.content is not None
        ours = list(message.content.walk())
        theirs = list(decoded.content.walk())
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert a.content_type.mime_type == b.content_type.mime_type
            assert a.content_id == b.content_id
            assert a.content_location == b.content_location
            assert a.data == b.data
            assert len(a.parts) == len(b.parts)
    assert decode(encoded.body, encoded.content_type, strict=True) == message
    return encoded


def params(content_type: str) -> dict:
    return dict(parse_content_type(content_type)[0].params)


# -- no content ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "wire"), CASES, ids=IDS)
def test_without_content_is_a_bare_envelope(version: SchemaVersion, wire: str) -> None:
    message = minimal_message(version, wire)
    assert message.content is None
    encoded = assert_round_trip(message)
    assert encoded.content_type == 'text/xml; charset="utf-8"'
    assert encoded.headers == [("Content-Type", 'text/xml; charset="utf-8"'), ("SOAPAction", '""')]
    assert encoded.body.lstrip().startswith(b"<")
    assert encoded.body == encoded.envelope
    assert encoded.content_length == len(encoded.body)
    assert b"".join(encoded.iter_body()) == encoded.body
    assert b"".join(iter_encode(message)) == encoded.body


# -- content -------------------------------------------------------------------------------------


def assert_wire_shape(encoded: EncodedMessage, message: Message) -> None:
    assert message.content is not None
    header = dict(encoded.headers)
    assert header["SOAPAction"] == '""'
    assert header["Content-Type"] == encoded.content_type
    ct = parse_content_type(encoded.content_type)[0]
    assert ct.mime_type == "multipart/related"
    assert ct.params["type"] == "text/xml"
    boundary = ct.params["boundary"]
    start = ct.params["start"]
    assert start.startswith("<") and start.endswith(">")
    body = encoded.body
    assert body.startswith(b"--" + boundary.encode() + b"\r\n")
    assert body.rstrip(b"\r\n").endswith(b"--" + boundary.encode() + b"--")
    first = body.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert f"Content-ID: {start}" in first.splitlines()
    assert "Content-Type: text/xml" in first
    # Raw text, not base64: receivers read the SOAP part as text.
    assert "base64" not in first
    # The content's Content-ID is what the href names.
    href = message.pdu.content.href  # type: ignore[attr-defined]
    assert href == f"cid:{message.content.content_id}"
    assert f'href="{href}"'.encode() in encoded.envelope
    assert f"Content-ID: <{message.content.content_id}>".encode() in body


@pytest.mark.parametrize(("version", "wire"), CASES, ids=IDS)
def test_single_part_content(version: SchemaVersion, wire: str) -> None:
    message = with_content(minimal_message(version, wire), Part.text("Hello ✓"))
    assert message.pdu.content.href == "cid:mms-content"  # type: ignore[attr-defined]
    encoded = assert_round_trip(message)
    assert_wire_shape(encoded, message)


@pytest.mark.parametrize(("version", "wire"), CASES, ids=IDS)
def test_hundred_part_content(version: SchemaVersion, wire: str) -> None:
    # The maximal message has an href (and allowAdaptations): the content takes its cid.
    message = with_content(maximal_message(version, wire), mixed_100())
    assert message.content is not None
    assert message.content.content_id is not None
    assert len(message.content.parts) == 100
    encoded = assert_round_trip(message)
    assert_wire_shape(encoded, message)
    assert encoded.content_length == len(encoded.body)


def test_content_survives_a_boundary_collision(monkeypatch: pytest.MonkeyPatch) -> None:
    # The content holds the very boundary the encoder would pick first: it must pick another.
    fixed = bytes(range(12))
    calls: List[int] = []

    def urandom(n: int) -> bytes:
        calls.append(n)
        return fixed[:n] if len(calls) <= 2 else os.urandom(n)

    trap = b"\r\n--==MM7-" + fixed.hex().encode() + b"\r\n"
    content = Part.bytes(trap, "application/octet-stream", transfer_encoding="binary")
    message = with_content(minimal_message(LATEST, "SubmitReq"), content)
    monkeypatch.setattr(os, "urandom", urandom)
    encoded = encode(message)
    boundary = params(encoded.content_type)["boundary"]
    assert boundary.encode() not in trap
    decoded = decode(encoded.body, encoded.content_type)
    assert decoded == message
    assert decoded.content is not None
    assert decoded.content.data == trap


def test_iter_body_body_and_length_agree() -> None:
    # Nested multiparts without a boundary: every pass must write the same bytes.
    message = with_content(minimal_message(LATEST, "SubmitReq"), mixed_100())
    encoded = encode(message)
    streamed = b"".join(encoded.iter_body())
    assert encoded.content_length == len(streamed)
    assert b"".join(encoded.iter_body()) == streamed
    assert encoded.body == streamed
    assert b"".join(encoded) == streamed
    assert all(isinstance(chunk, bytes) for chunk in encoded.iter_body())
    assert params(encoded.content_type)["boundary"].encode() in streamed[:200]


def test_iter_encode_yields_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    message = with_content(minimal_message(LATEST, "DeliverReq"), mixed_100())
    counter = iter(range(1, 1 << 30))

    def urandom(n: int) -> bytes:
        return next(counter).to_bytes(n, "big")

    monkeypatch.setattr(os, "urandom", urandom)
    body = encode(message).body
    counter = iter(range(1, 1 << 30))
    chunks = list(iter_encode(message))
    assert len(chunks) > 1 or len(body) < 1 << 16
    assert b"".join(chunks) == body


def test_presentation_keeps_smil_and_cid_links() -> None:
    image = Part.bytes(b"\xff\xd8\xff\xe0" + bytes(300) + b"\xff\xd9", "image/jpeg")
    caption = Part.text("Caption ✓")
    audio = Part.bytes(b"#!AMR\n" + bytes(40), "audio/amr", content_location="tune.amr")
    content = presentation([image, caption, audio])
    message = with_content(minimal_message(LATEST, "SubmitReq"), content)
    assert_round_trip(message)
    encoded = encode(message)
    decoded = decode(encoded.body, encoded.content_type)
    root = decoded.content
    assert root is not None
    assert root.content_type.mime_type == "multipart/related"
    assert root.content_type.params["type"] == "application/smil"
    smil = root.parts[0]
    assert root.content_type.params["start"] == f"<{smil.content_id}>"
    assert smil.content_type.mime_type == "application/smil"
    text = smil.data.decode("utf-8")
    media = root.parts[1:]
    assert [p.content_type.mime_type for p in media] == ["image/jpeg", "text/plain", "audio/amr"]
    for part in media:
        assert part.content_id
        assert f'src="cid:{part.content_id}"' in text
    assert media[0].data == image.data
    assert media[1].data == "Caption ✓".encode()
    assert media[2].content_location == "tune.amr"


# -- Hypothesis ----------------------------------------------------------------------------------


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_messages_with_generated_content(data: st.DataObject) -> None:
    version, wire = data.draw(st.sampled_from(CASES), label="case")
    message = data.draw(messages(version, wire), label="message")
    content = data.draw(parts(max_depth=2), label="content")
    pdu = replace(message.pdu, content=None)
    allow = data.draw(st.sampled_from([None, True, False]), label="allow")
    if content.content_id is not None and allow is not None:
        ref = ContentRef(f"cid:{content.content_id}", allow_adaptations=allow)
        if version.type("contentReferenceType").attribute("allowAdaptations") is not None:
            pdu = replace(pdu, content=ref)
    message = message.replace(pdu=pdu, content=content)
    encoded = assert_round_trip(message)
    assert encoded.content_length == len(encoded.body)


# -- 20 MB, streamed -----------------------------------------------------------------------------


def rechunk(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending


def test_twenty_megabytes_streamed_through_a_file_sink(tmp_path: Path) -> None:
    size = 20 * 1024 * 1024 + 10
    source = tmp_path / "video.3gp"
    with open(source, "wb") as handle:
        for _ in range(20):
            handle.write(os.urandom(1 << 20))
        handle.write(b"\r\n--tail--")
    assert source.stat().st_size == size
    content = Part.multipart(
        "mixed",
        [Part.text("a big one ✓", content_id="t"), Part.file(source, "video/3gpp", content_id="v")],
    )
    message = with_content(minimal_message(LATEST, "SubmitReq"), content)
    encoded = encode(message)

    sinks: List[Path] = []

    def sink_factory(info: PartInfo) -> IO[bytes]:
        path = tmp_path / f"sink-{len(sinks)}.bin"
        sinks.append(path)
        return open(path, "w+b")

    decoder = Decoder(encoded.content_type, sink_factory=sink_factory)
    fed = 0
    for chunk in rechunk(encoded.iter_body(), 64 * 1024):
        assert len(chunk) <= 64 * 1024
        decoder.feed(chunk)
        fed += len(chunk)
    decoded = decoder.close()
    assert fed == encoded.content_length
    assert decoded.defects == ()
    assert decoded.pdu == message.pdu
    assert decoded.content is not None
    video = decoded.content.parts[1]
    assert video.content_id == "v"
    assert video.size == size
    # The big body went to a sink file, and it holds exactly the source bytes.
    assert any(p.stat().st_size == size for p in sinks)
    with open(source, "rb") as a, video.open() as b:
        while True:
            x, y = a.read(1 << 20), b.read(1 << 20)
            assert x == y
            if not x:
                break
    assert decoded == message


# -- decode_http ---------------------------------------------------------------------------------


def http_request(encoded: EncodedMessage, *, eol: str = "\r\n", length: object = "auto") -> bytes:
    lines = ["POST /mm7 HTTP/1.1", "Host: mmsc.example.net"]
    lines += [f"{name}: {value}" for name, value in encoded.headers]
    if length == "auto":
        lines.append(f"Content-Length: {encoded.content_length}")
    elif length is not None:
        lines.append(f"Content-Length: {length}")
    return (eol.join(lines) + eol + eol).encode("latin-1") + encoded.body


def http_content_message() -> Message:
    return with_content(maximal_message(LATEST, "SubmitReq"), mixed_100())


def test_decode_http_content_length_framing() -> None:
    message = http_content_message()
    raw = http_request(encode(message))
    decoded = decode_http(raw)
    assert decoded == message
    assert decoded.defects == ()
    assert decode_http(raw, strict=True) == message


def test_decode_http_bare_envelope_request() -> None:
    message = minimal_message(LATEST, "CancelReq")
    decoded = decode_http(http_request(encode(message)))
    assert decoded == message
    assert decoded.defects == ()


def test_decode_http_chunked() -> None:
    message = http_content_message()
    encoded = encode(message)
    head = [f"{k}: {v}" for k, v in encoded.headers]
    raw = "POST /mm7 HTTP/1.1\r\n" + "\r\n".join(head) + "\r\nTransfer-Encoding: chunked\r\n\r\n"
    out = raw.encode()
    body = encoded.body
    rnd = random.Random(5)
    i = 0
    while i < len(body):
        n = rnd.choice((1, 5, 100, 999, 4096))
        piece = body[i : i + n]
        ext = ";name=value" if i == 0 else ""
        out += f"{len(piece):x}{ext}\r\n".encode() + piece + b"\r\n"
        i += n
    out += b"0\r\nX-Trailer: yes\r\n\r\n"
    decoded = decode_http(out)
    assert decoded == message
    assert decoded.defects == ()


def test_decode_http_short_body_is_a_defect_strict_refuses() -> None:
    # A capture shorter than its Content-Length is read as present (issue 13).
    encoded = encode(http_content_message())
    raw = http_request(encoded, length=encoded.content_length + 10)
    message = decode_http(raw)
    assert message.defects[0].kind == "content-length-mismatch"
    assert "10 fewer than Content-Length" in message.defects[0].detail
    with pytest.raises(DecodeError, match="content-length-mismatch"):
        decode_http(raw, strict=True)
    with pytest.raises(DecodeError):
        decode_http(raw[:-1], strict=True)


def test_decode_http_long_body_is_a_defect() -> None:
    message = http_content_message()
    raw = http_request(encode(message)) + b"GET /next HTTP/1.1\r\n\r\n"
    decoded = decode_http(raw)
    assert decoded == message
    assert [d.kind for d in decoded.defects] == ["trailing-data-after-body"]
    with pytest.raises(DecodeError):
        decode_http(raw, strict=True)


def test_decode_http_bare_lf_head() -> None:
    message = http_content_message()
    decoded = decode_http(http_request(encode(message), eol="\n"))
    assert decoded == message
    assert decoded.defects == ()


def test_decode_http_folded_headers() -> None:
    message = http_content_message()
    encoded = encode(message)
    ct = encoded.content_type.replace("; type=", ";\r\n\ttype=", 1)
    assert ct != encoded.content_type
    raw = (
        "POST /mm7 HTTP/1.1\r\nHost: a\r\n"
        f'Content-Type: {ct}\r\nSOAPAction:\r\n ""\r\nContent-Length: {len(encoded.body)}\r\n\r\n'
    ).encode() + encoded.body
    decoded = decode_http(raw)
    assert decoded == message
    assert [d.kind for d in decoded.defects] == ["http-header-folding"] * 2
    with pytest.raises(DecodeError):
        decode_http(raw, strict=True)


def test_decode_http_500_fault_response() -> None:
    request = minimal_message(LATEST, "SubmitReq")
    fault = request.error_response(2007, details="ExpiryDate: bad")
    encoded = encode(fault)
    assert b"Fault" in encoded.body
    raw = (
        b"HTTP/1.1 500 Internal Server Error\r\nServer: test\r\n"
        + f"Content-Type: {encoded.content_type}\r\nContent-Length: {len(encoded.body)}\r\n\r\n".encode()
        + encoded.body
    )
    decoded = decode_http(raw)
    assert decoded.defects == ()
    assert decoded == fault
    assert decoded.is_fault
    assert decoded.transaction_id == request.transaction_id
    assert int(decoded.pdu.status.code) == 2007  # type: ignore[attr-defined]
    # Plain-text details join the StatusText (Details is element-only in the schemas).
    assert decoded.pdu.status.text == "Message format corrupt: ExpiryDate: bad"  # type: ignore[attr-defined]
    assert decoded.pdu.fault_code == "Client"  # type: ignore[attr-defined]
    with pytest.raises(StatusError):
        decoded.raise_for_status()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"POST /mm7 HTTP/1.1\r\nContent-Type: text/xml\r\n",
        b"NOT HTTP\r\n\r\n<x/>",
        b"POST /mm7 HTTP/1.1\r\nbad header line\r\n\r\n<x/>",
        b"POST /mm7 HTTP/1.1\r\nContent-Length: ten\r\n\r\n<x/>",
        b"POST /mm7 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"POST /mm7 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
    ],
    ids=["empty", "no-blank-line", "start-line", "header", "length", "chunk-size", "cut-chunk"],
)
def test_decode_http_malformed(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_http(raw)


def test_bare_envelope_takes_its_charset_from_the_http_content_type() -> None:
    # Chinese MMSCs send GB2312 envelopes; without an XML declaration the
    # HTTP Content-Type's charset is the only hint.
    message = Message(DeliverRsp(status=Status(1000, "成功")), "t1")
    xml = encode(message).body.decode("utf-8").split("?>", 1)[1]
    decoded = decode(xml.encode("gb2312"), 'text/xml; charset="GB2312"')
    assert decoded == message
    assert decoded.defects == ()


@pytest.mark.parametrize("kind", [bytearray, memoryview], ids=["bytearray", "memoryview"])
@pytest.mark.parametrize("with_content", [False, True], ids=["bare", "multipart"])
def test_decode_takes_a_bytes_like_body(kind: type, with_content: bool) -> None:
    # decode() reads a whole bytes body in one step; other buffers go the way of feed().
    message = (
        http_content_message() if with_content else Message(DeliverRsp(status=Status(1000)), "t1")
    )
    encoded = encode(message)
    assert decode(kind(encoded.body), encoded.content_type) == message


@pytest.mark.parametrize("with_content", [False, True], ids=["bare", "multipart"])
def test_decode_refuses_a_body_over_max_message_size_as_feeding_does(with_content: bool) -> None:
    message = (
        http_content_message() if with_content else Message(DeliverRsp(status=Status(1000)), "t1")
    )
    encoded = encode(message)
    limits = Limits(max_message_size=len(encoded.body) - 1)
    with pytest.raises(LimitExceededError) as whole:
        decode(encoded.body, encoded.content_type, limits=limits)
    decoder = Decoder(encoded.content_type, limits=limits)
    with pytest.raises(LimitExceededError) as fed:
        for i in range(0, len(encoded.body), 100):
            decoder.feed(encoded.body[i : i + 100])
    assert whole.value.limit == fed.value.limit == "max_message_size"
    assert whole.value.status_code == fed.value.status_code
    # One byte more and the same body decodes.
    bigger = Limits(max_message_size=len(encoded.body))
    assert decode(encoded.body, encoded.content_type, limits=bigger) == message
