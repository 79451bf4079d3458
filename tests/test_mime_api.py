"""The MIME layer's public API at its edges: Part, ContentType, the parser's and writer's corners."""

from __future__ import annotations

import binascii
import io
import pathlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mime_strategies import parse_variants

from mm7codec._errors import DecodeError, EncodeError
from mm7codec._headers import ContentType, parse_content_type, parse_header_block
from mm7codec._limits import Limits
from mm7codec._mime import MimeParser, Part, iter_write, parse, parse_entity, to_bytes

# -- Part ------------------------------------------------------------------------


def test_part_constructors_refuse_bad_input() -> None:
    with pytest.raises(EncodeError, match="cannot encode"):
        Part.text("é", charset="ascii")
    with pytest.raises(EncodeError, match="cannot encode"):
        Part.text("x", charset="no-such-charset")
    with pytest.raises(EncodeError, match="not a multipart"):
        Part.multipart("text/plain", [])
    with pytest.raises(EncodeError, match="must be Part"):
        Part.multipart("mixed", [b"x"])  # type: ignore[list-item]
    with pytest.raises(EncodeError, match="must be bytes"):
        Part.bytes("x", "text/plain")  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match=r"Part\.multipart"):
        Part.bytes(b"x", "multipart/mixed")
    with pytest.raises(EncodeError, match="expected a Part"):
        to_bytes(b"x")  # type: ignore[arg-type]
    part = Part.bytes(b"x", ContentType("image", "png"))
    assert part.content_type == ContentType("image", "png")
    with pytest.raises(AttributeError, match="immutable"):
        part.preamble = b"x"  # type: ignore[misc]


def test_multipart_accessors() -> None:
    part = Part.multipart("multipart/mixed", [Part.bytes(b"ab", "a/b"), Part.text("cde")])
    assert part.size == 5
    assert part.open().read() == b""
    assert list(part.iter_data()) == []
    assert part.data == b""
    assert repr(part) == "<Part multipart/mixed parts=2>"


def test_equality() -> None:
    a = Part.bytes(b"x" * 100, "a/b", content_id="c")
    assert a == a
    assert a != "x"
    assert a != Part.bytes(b"x" * 100, "a/c", content_id="c")
    assert a != Part.bytes(b"x" * 99, "a/b", content_id="c")
    assert a != Part.bytes(b"x" * 99 + b"y", "a/b", content_id="c")
    assert "cid='c'" in repr(a) and "..." in repr(a)


def test_file_backed_bodies(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "blob.bin"
    data = bytes(range(256)) * 600  # more than one 64 KiB chunk
    path.write_bytes(data)
    # filename=False: no name parameter, so it equals the in-memory part below.
    part = Part.file(path, "application/octet-stream", filename=False)
    assert part.size == len(data) and part.data == data
    with part.open() as f:
        assert f.read() == data
    assert part == Part.bytes(data, "application/octet-stream")
    assert part != Part.bytes(data[:-1] + b"\0", "application/octet-stream")
    with pytest.raises(EncodeError, match="no such file"):
        Part.file(tmp_path / "missing")
    # Written in whole 57-byte base64 lines although the file's chunks are not.
    assert parse_entity(to_bytes(part)) == part
    # Spooled by the parser: compared chunk-wise against a file whose chunks differ.
    spooled = parse_entity(to_bytes(part), limits=Limits(spool_threshold=1000))
    assert spooled == part
    reader = spooled.open()
    assert reader.seekable()
    reader.seek(10)
    assert reader.read(3) == data[10:13]
    assert reader.seek(-2, io.SEEK_END) == len(data) - 2
    assert reader.read() == data[-2:]
    assert reader.read() == b""
    assert spooled.open().seek(1, io.SEEK_CUR) == 1


# -- headers -----------------------------------------------------------------------


def test_header_block_oddities() -> None:
    headers, bad = parse_header_block(
        " folded first\r\nA: 1\r\nno colon\r\n: empty\r\nB:\r\n x\r\n"
    )
    assert headers == [("A", "1"), ("B", "x")]
    assert bad == [" folded first", "no colon", ": empty"]


def test_content_type_parameters() -> None:
    ct, ok = parse_content_type('a/b; ; x="*"; x*1=2; y*z=3; x*0*=%zz%41')
    assert ok
    assert ct.params["x"] == "%zzA2" and ct.params["y*z"] == "3"
    assert parse_content_type("a/b; c*=*")[0].params["c"] == "*"
    assert parse_content_type("a/*; q=1")[0].params["q"] == "1"  # '*' but no RFC 2231
    repeated = parse_content_type("a/b; p*=1; p=2; p=3")[0]
    assert list(repeated.params) == ["p"] and repeated.params["p"] == "1"
    assert len(ct.params) == 2 and "'y*z': '3'" in repr(ct.params)
    assert ct.items == ct._items
    assert (ct == "a/b") is False
    assert hash(ct) == hash(parse_content_type(str(ct))[0])


# -- parser corners ------------------------------------------------------------------


def test_parser_feed_after_close_and_buffers() -> None:
    parser = MimeParser("text/plain")
    parser.feed(bytearray(b"ab"))  # type: ignore[arg-type]
    parser.feed(memoryview(b"c"))  # type: ignore[arg-type]
    root = parser.close()
    assert root.data == b"abc" and parser.close() is root
    with pytest.raises(DecodeError, match="after close"):
        parser.feed(b"x")


def test_digest_children_default_to_message_rfc822() -> None:
    data = b"--b\r\n\r\nSubject: x\r\n\r\nhi\r\n--b--\r\n"
    root, _ = parse_variants(data, 'multipart/digest; boundary="b"')
    assert root.parts[0].content_type.mime_type == "message/rfc822"


def test_first_content_type_header_wins() -> None:
    data = (
        b"--b\r\nContent-Type: text/html\r\nContent-Type: image/png\r\n"
        b"Content-Transfer-Encoding: base64\r\nContent-Transfer-Encoding: 7bit\r\n\r\nQUJD\r\n--b--"
    )
    root, _ = parse_variants(data, 'multipart/mixed; boundary="b"')
    assert root.parts[0].content_type.mime_type == "text/html"
    assert root.parts[0].data == b"ABC"


def test_quoted_printable_line_without_breaks() -> None:
    raw = (b"abc=3D" * 20000)[:-1]  # over 64 KiB on one line, ending in a split escape
    root = parse(raw, "text/plain", transfer_encoding="quoted-printable")
    assert root.data == binascii.a2b_qp(raw) == b"abc=" * 19999 + b"abc=3"


# -- writer corners ------------------------------------------------------------------


def test_writer_shared_child_duplicate_headers_preamble_epilogue() -> None:
    leaf = Part(
        [("Content-Type", "text/plain"), ("Content-Type", "text/html")]
        + [("Content-Transfer-Encoding", "8bit")] * 2,
        body=Part.bytes(b"x", "a/b")._body,
    )
    part = Part.multipart("mixed", [leaf, leaf], preamble=b"pre", epilogue=b"epi")
    data = to_bytes(part)
    assert data.count(b"Content-Type: text/plain") == 2 and b"text/html" not in data
    assert data.count(b"Content-Transfer-Encoding") == 2
    again = parse_entity(data)
    assert again.preamble == b"pre" and again.epilogue == b"epi"
    with pytest.raises(EncodeError, match="header name"):
        to_bytes(Part.bytes(b"x", "a/b", headers=[("Bad Name", "v")]))


def test_writer_coalesces_large_pieces() -> None:
    big = Part.bytes(b"y" * 200_000, "a/b", transfer_encoding="binary")
    part = Part.multipart("mixed", [Part.text("a"), big, Part.text("b")])
    chunks = list(iter_write(part))
    assert len(chunks) >= 2
    assert parse_entity(b"".join(chunks)) == part


def test_nested_multipart_boundary_must_not_start_with_outer() -> None:
    inner = Part.multipart("mixed", [Part.text("x")])
    outer = Part.multipart("mixed", [Part.multipart("mixed", [inner])], boundary="q")
    data = to_bytes(outer)
    assert parse_entity(data) == outer


# -- text and file names of received parts -----------------------------------------


def _received(head: str, body: bytes) -> Part:
    """A leaf as the parser builds it from a header block and a raw body."""
    return parse_entity(head.encode("latin-1") + b"\r\n\r\n" + body)


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/plain; charset=utf-8", "café".encode(), "café"),
        ("text/plain", "naïve".encode(), "naïve"),  # no charset: UTF-8
        ('text/plain; charset="ISO-8859-1"', b"caf\xe9", "café"),
        # Labelled gb2312, written as GBK (U+9555 is in GBK only): read as the superset.
        ("text/plain; charset=gb2312", "你好镕".encode("gbk"), "你好镕"),
        ("text/plain; charset=no-such-charset", b"plain", "plain"),  # unknown: UTF-8
        ("text/plain; charset=base64", b"aGk=", "aGk="),  # not a text codec
        ("text/plain; charset=idna", b"a" * 80, "a" * 80),  # fails whatever errors= says
        ("text/plain; charset=utf-8", b"bad \xff byte", "bad \ufffd byte"),
    ],
)
def test_as_text_decodes_with_the_charset(content_type: str, body: bytes, text: str) -> None:
    part = _received(f"Content-Type: {content_type}", body)
    assert part.as_text() == text


@pytest.mark.parametrize(
    ("content_type", "body", "match"),
    [
        ("text/plain; charset=utf-8", b"\xff", "not valid utf-8"),
        ("text/plain; charset=no-such-charset", b"x", "unknown or unusable charset"),
        ("text/plain; charset=idna", b"\xff" * 80, "not valid idna"),
    ],
)
def test_as_text_strict_raises_decode_error(content_type: str, body: bytes, match: str) -> None:
    part = _received(f"Content-Type: {content_type}", body)
    with pytest.raises(DecodeError, match=match) as caught:
        part.as_text(errors="strict")
    assert caught.value.status_code == 4004


def test_as_text_of_built_parts_and_multiparts() -> None:
    assert Part.text("Grüße", charset="iso-8859-1").as_text() == "Grüße"
    assert Part.multipart("mixed", [Part.text("x")]).as_text() == ""


@pytest.mark.parametrize(
    ("headers", "name"),
    [
        ("Content-Type: image/jpeg", None),
        ("Content-Type: image/jpeg\r\nContent-Location: cat.jpg", "cat.jpg"),
        ('Content-Type: image/jpeg; Name="dog.jpg"\r\nContent-Location: cat.jpg', "dog.jpg"),
        (
            'Content-Type: image/jpeg; name="dog.jpg"\r\n'
            'Content-Disposition: attachment; filename="bird.jpg"\r\nContent-Location: cat.jpg',
            "bird.jpg",
        ),
        # RFC 2231 in Content-Disposition, RFC 2047 in a quoted name and a location.
        (
            "Content-Type: image/jpeg\r\nContent-Disposition: inline; filename*=UTF-8''%E5%9B%BE.jpg",
            "图.jpg",
        ),
        ('Content-Type: image/jpeg; name="=?UTF-8?B?5Zu+54mHLmpwZw==?="', "图片.jpg"),
        (
            "Content-Type: image/jpeg\r\nContent-Location: =?utf-8?Q?r=C3=A9sum=C3=A9?=.jpg",
            "résumé.jpg",
        ),
        # Adjacent words join without the space between them; text around them stays.
        ('Content-Type: image/jpeg; name="=?utf-8?q?a_b?= =?utf-8?q?c?= d"', "a bc d"),
        # A word that does not decode is kept as sent.
        ('Content-Type: image/jpeg; name="=?no-such?B?eA==?= x"', "=?no-such?B?eA==?= x"),
        ("Content-Type: image/jpeg\r\nContent-Disposition: attachment", None),
        ('Content-Type: image/jpeg; name="  "', None),
    ],
)
def test_filename(headers: str, name: object) -> None:
    assert _received(headers, b"x").filename == name


_NAMES = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters='"\\'),
    min_size=1,
    max_size=20,
).filter(lambda name: name.strip() == name and "=?" not in name)


@given(name=_NAMES, how=st.sampled_from(["rfc2231", "rfc2047-b", "rfc2047-q", "plain"]))
def test_filename_round_trips_through_each_encoding(name: str, how: str) -> None:
    """Whatever encoding a sender picks for a non-ASCII file name, ``filename`` gives it back."""
    import urllib.parse

    raw = name.encode("utf-8")
    if how == "rfc2231":
        header = f"Content-Disposition: attachment; filename*=UTF-8''{urllib.parse.quote(raw)}"
    elif how == "rfc2047-b":
        header = f'Content-Disposition: attachment; filename="=?UTF-8?B?{binascii.b2a_base64(raw, newline=False).decode()}?="'
    elif how == "rfc2047-q":
        q = "".join(chr(b) if chr(b).isalnum() and b < 128 else f"={b:02X}" for b in raw)
        header = f'Content-Type: image/jpeg; name="=?utf-8?q?{q}?="'
    else:
        if not name.isascii() or not name.isprintable():
            return  # a plain quoted value is ASCII
        header = f'Content-Type: image/jpeg; name="{name}"'
    assert _received(header, b"x").filename == name


@pytest.mark.parametrize(
    ("escaped", "expected"),
    [
        ("a%41b", "aAb"),  # an escape anywhere, including the very end: "%41"
        ("%e2%82%ac.jpg", "€.jpg"),
        ("%+f.jpg", "%+f.jpg"),  # int() reads "+f" as 15: only two hex digits are an escape
        ("% f.jpg", "% f.jpg"),
        ("%1_f.jpg", "%1_f.jpg"),
        ("%4", "%4"),
    ],
)
def test_rfc2231_percent_escapes_are_two_hex_digits(escaped: str, expected: str) -> None:
    ct, _defects = parse_content_type(f"image/jpeg; name*=utf-8''{escaped}")
    assert ct.params["name"] == expected
