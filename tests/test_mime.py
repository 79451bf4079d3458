"""Targeted MIME parser tests: leniency, limits, truncation, base64 defects, sinks."""

from __future__ import annotations

import io

import pytest
from mime_strategies import feed_variants, parse_variants, raises_all_ways, run_parser

from mm7codec._errors import DecodeError, LimitExceededError
from mm7codec._limits import Limits
from mm7codec._mime import Part, parse_entity, to_bytes

CT = 'multipart/related; boundary="b b"'


def body(*parts: bytes, close: bool = True) -> bytes:
    out = b"".join(b"--b b\r\n" + p + b"\r\n" for p in parts)
    return out + (b"--b b--\r\n" if close else b"")


def kinds(defects: list) -> list:  # type: ignore[type-arg]
    return [d.kind for d in defects]


def test_lf_only_padding_and_junk() -> None:
    data = b"\n--b b \t\nContent-Type: text/plain\n\nhi\n--b b--  junk\nepi"
    root, defects = parse_variants(data, CT)
    assert root.parts[0].data == b"hi"
    assert "bare-lf" in kinds(defects) and "junk-after-close-delimiter" in kinds(defects)


def test_missing_close_delimiter_keeps_data() -> None:
    root, defects = parse_variants(
        body(b"Content-Type: text/plain\r\n\r\nabc", close=False)[:-2], CT
    )
    assert root.parts[0].data == b"abc"
    assert kinds(defects) == ["missing-close-delimiter"]


def test_truncated_in_headers_raises() -> None:
    errors = raises_all_ways(b"--b b\r\nContent-Type: text/pl", DecodeError, CT)
    assert all(e.status_code == 2004 for e in errors)  # type: ignore[attr-defined]


def test_base64_missing_padding_and_junk() -> None:
    part = b"Content-Transfer-Encoding: base64\r\n\r\naGVs*bG8g\r\nd29ybGQ"
    root, defects = parse_variants(body(part), CT)
    assert root.parts[0].data == b"hello world"
    assert kinds(defects) == ["base64-invalid-characters", "base64-padding"]


def test_transfer_encoding_header_ignored() -> None:
    root, defects = parse_variants(body(b"Transfer-Encoding: chunked\r\n\r\nx"), CT)
    assert root.parts[0].data == b"x" and kinds(defects) == ["part-transfer-encoding"]


@pytest.mark.parametrize(
    ("limits", "data", "name"),
    [
        (Limits(max_message_size=10), body(b"\r\nabcdefgh"), "max_message_size"),
        (Limits(max_parts=2), body(b"\r\na", b"\r\nb"), "max_parts"),
        (Limits(max_header_size=50), b"--b b\r\nX: " + b"y" * 200, "max_header_size"),
        (
            Limits(max_depth=1),
            body(b"Content-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\nx\r\n--c--"),
            "max_depth",
        ),
    ],
)
def test_limits(limits: Limits, data: bytes, name: str) -> None:
    for e in raises_all_ways(data, LimitExceededError, CT, limits=limits):
        assert e.limit == name  # type: ignore[attr-defined]


def test_spool_and_caller_sink() -> None:
    data = body(b"\r\n" + b"z" * 5000)
    root, _ = run_parser([data], CT, limits=Limits(spool_threshold=1000))
    assert root.parts[0].data == b"z" * 5000 and "file" in repr(root.parts[0])
    assert root.parts[0].open().read() == b"z" * 5000
    sinks = []

    def factory(info: object) -> io.BytesIO:
        sinks.append(io.BytesIO())
        return sinks[-1]

    for _name, chunks in feed_variants(data):
        root2, _ = run_parser(chunks, CT, sink_factory=factory)
        assert root2 == root
    assert sinks[0].getvalue() == b"z" * 5000


def test_header_injection_refused() -> None:
    from mm7codec._errors import EncodeError

    with pytest.raises(EncodeError):
        Part.bytes(b"x", "text/plain", content_location="a\r\nX-Evil: 1")
    with pytest.raises(EncodeError):
        to_bytes(Part.bytes(b"x", "text/plain", headers=[("X-A", "é")]))


def test_file_part_round_trip(tmp_path: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "cat.jpg"
    path.write_bytes(bytes(range(256)) * 1000)
    part = Part.multipart("mixed", [Part.file(path), Part.text("hello")])
    assert part.parts[0].content_type.mime_type == "image/jpeg"
    assert parse_entity(to_bytes(part)) == part


# -- fast paths (decode in one go, regular base64, struct-cut base64 lines) ---------------


def _b64_layout(raw: bytes, width: int, eol: bytes, trailer: bytes) -> bytes:
    import base64

    flat = base64.b64encode(raw)
    return eol.join(flat[i : i + width] for i in range(0, len(flat), width)) + trailer


@pytest.mark.parametrize("size", [0, 1, 2, 3, 700, 768, 769, 3000])
@pytest.mark.parametrize("width", [76, 64, 4, 75, 2000])
@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_base64_layouts_decode_alike_every_way(size: int, width: int, eol: bytes) -> None:
    # Regular layouts take the one-call path, irregular ones (odd widths) the
    # general decoder: the data and the defects must not depend on which.
    raw = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    enc = _b64_layout(raw, width, eol, eol if size % 2 else b"")
    data = body(b"Content-Transfer-Encoding: base64\r\n\r\n" + enc)
    root, defects = parse_variants(data, CT)
    assert root.parts[0].data == raw
    assert [k for k in kinds(defects) if k != "bare-lf"] == []


@pytest.mark.parametrize(
    ("junk", "kind"),
    [
        (b"!", "base64-invalid-characters"),
        (b"A", "agree"),  # a shifted quantum: whatever the general decoder makes of it
        (b"=", "base64-data-after-padding"),
        (b" ", None),
        (b"\r\n", None),
    ],
)
@pytest.mark.parametrize("where", [0, 77, 1500, -3])
def test_base64_defects_found_behind_the_fast_path(junk: bytes, kind: object, where: int) -> None:
    raw = bytes(range(256)) * 8 + b"xy"
    enc = bytearray(_b64_layout(raw, 76, b"\r\n", b""))
    enc[where:where] = junk
    data = body(b"Content-Transfer-Encoding: base64\r\n\r\n" + bytes(enc))
    root, defects = parse_variants(data, CT)
    # parse_variants checked that whole-buffer (one-call path) and 1-byte feeds
    # (general decoder) agree on data and defects.
    if kind == "agree":
        return
    if kind is not None:
        assert kind in kinds(defects)
    else:
        assert root.parts[0].data == raw
        assert kinds(defects) == []


@pytest.mark.parametrize(
    "size", [0, 1, 56, 57, 58, 57 * 1150 - 1, 57 * 1150, 57 * 1150 + 1, 57 * 2300 + 5]
)
def test_base64_writer_lines(size: int) -> None:
    import base64

    from mm7codec._transfer import _B64_CHUNK_IN, _b64_lines

    raw = (bytes(range(256)) * (size // 256 + 1))[:size]
    chunks = [raw[i : i + _B64_CHUNK_IN] for i in range(0, len(raw), _B64_CHUNK_IN)]
    expected = base64.encodebytes(raw).replace(b"\n", b"\r\n")[:-2]
    assert b"".join(_b64_lines(iter(chunks))) == expected
    part = Part.bytes(raw, "image/jpeg")
    assert parse_entity(to_bytes(part)) == part


def test_content_type_is_immutable_and_shared_safely() -> None:
    from mm7codec._headers import ContentType, parse_content_type

    a, ok = parse_content_type('text/plain; charset="utf-8"; format=flowed')
    b, _ = parse_content_type('text/plain; charset="utf-8"; format=flowed')
    assert ok and a == b == ContentType(
        "text", "plain", [("charset", "utf-8"), ("format", "flowed")]
    )
    with pytest.raises(AttributeError):
        a.type = "image"  # type: ignore[misc]
    assert parse_content_type('multipart/mixed; boundary="a;b"; x=1')[0].params["boundary"] == "a;b"
    assert parse_content_type('a/b; t="q\\"x"')[0].params["t"] == 'q"x'
    assert parse_content_type("a/b; n*=utf-8''%C3%A9")[0].params["n"] == "\u00e9"


def test_part_info_fields() -> None:
    from mm7codec._headers import ContentType
    from mm7codec._part import PartInfo

    ct = ContentType("image", "png")
    info = PartInfo((("Content-Type", "image/png"),), ct)
    headers, content_type = info
    assert info.headers == headers == (("Content-Type", "image/png"),)
    assert info.content_type is content_type is ct
    assert "PartInfo(" in repr(info)


def _tree(part: Part) -> tuple:  # type: ignore[type-arg]
    return (
        part.headers,
        part.content_type,
        part.preamble,
        part.epilogue,
        part.data,
        tuple(_tree(p) for p in part.parts),
    )


_NESTED = (
    b'Content-Type: multipart/mixed; boundary="in"\r\n\r\n'
    b"--in\r\nContent-Type: text/plain\r\n\r\nx\r\n--in\r\n\r\n\r\n--in--\r\ninner epilogue"
)


@pytest.mark.parametrize(
    ("data", "fast"),
    [
        (body(b"Content-Type: text/plain\r\n\r\nhi"), True),
        (
            b"pre\r\n"
            + body(b"\r\nraw", b"Content-Transfer-Encoding: base64\r\n\r\nQUJD")
            + b"epi",
            True,
        ),
        (b"\r\n" + body(_NESTED, b"Content-Type: a/b\r\n\r\n"), True),
        (body(b"Content-Transfer-Encoding: base64\r\n\r\nQUI="), True),
        (body(b"Content-Type: text/plain\r\n\r\nhi")[:-2], True),  # no CRLF after the close
        (body(b"Content-Transfer-Encoding: base64\r\n\r\nQU!I"), False),  # a defect
        (body(b"Content-Type: text/plain\n\nhi"), False),  # bare LF
        (body(b"X: a\r\n folded\r\n\r\nhi"), True),  # folding is legal
        (body(b"Content-Transfer-Encoding: quoted-printable\r\n\r\na=3Db"), False),
        (b"--b b  \r\n\r\nhi\r\n--b b--\r\n", False),  # transport padding
    ],
)
def test_whole_and_split_feeding_agree(data: bytes, fast: bool) -> None:
    # One decode path: a message fed whole and the same bytes in two chunks go
    # through the same state machine (``fast`` marked the old splitter's cases).
    from mm7codec._errors import DefectRecorder
    from mm7codec._mime import MimeParser

    whole_defects, stream_defects = DefectRecorder(), DefectRecorder()
    whole = MimeParser(CT, defects=whole_defects)
    whole.feed(data)
    stream = MimeParser(CT, defects=stream_defects)
    stream.feed(data[:1])  # a second chunk: the state machine
    stream.feed(data[1:])
    assert _tree(whole.close()) == _tree(stream.close())
    assert [(d.kind, d.detail) for d in whole_defects.defects] == [
        (d.kind, d.detail) for d in stream_defects.defects
    ]


def test_a_defect_near_the_end_decodes_a_big_part_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import binascii

    import mm7codec._transfer

    picture = bytes(range(256)) * 800  # 200 KB
    encoded = binascii.b2a_base64(picture).replace(b"\n", b"\r\n")
    data = body(
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded.rstrip(),
        b"Content-Type: text/plain\n\nlate bare LF",  # the defect, after the picture
    )
    decoded = []
    real = mm7codec._transfer._A2B

    def a2b(chunk: bytes) -> bytes:
        out = real(chunk)
        decoded.append(len(out))
        return out

    monkeypatch.setattr(mm7codec._transfer, "_A2B", a2b)
    root, defects = run_parser([data], CT)
    assert root.parts[0].data == picture
    assert sum(decoded) == len(picture)
    assert "bare-lf" in kinds(defects)
