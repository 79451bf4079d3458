"""The transfer-encoding registry and the corners of the parser and writer that use it."""

from __future__ import annotations

import base64
import binascii
import pathlib

import pytest
from mime_strategies import run_parser

from mm7codec import EncodeError
from mm7codec._mime import MimeWriter, Part, parse, parse_entity, to_bytes
from mm7codec._mime_parse import _BLOCK_CACHED_MAX, _BLOCKS, _ROOT_BLOCKS
from mm7codec._part import _BytesBody, _DefaultSink
from mm7codec._transfer import BASE64, _a2b_regular, _QPDecoder, lookup

CT = 'multipart/mixed; boundary="b"'


def _b64_body(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


@pytest.mark.parametrize(
    "text",
    [
        b"QUJD\r\nREVG\r\nR0g=",  # CRLF lines, padding at the end
        b"QUJDREVG\nR0hJ\n",  # LF lines
        b"QUJD\nQUJD\r\nQUI=",  # mixed line ends
        b"QUJ\nQUJD",  # a width that is not a multiple of 4
        b"QUJD\r\nQUJD\nQUI=",  # CR missing on one line
        b"QUJD\nQU\nI=",  # a short line before the last
        b"QUJD\nQ=JD\n",  # padding in the middle
        b"QUJDQ",  # a stray character
        b"QUJD!!!!",  # characters a2b_base64 skips: the length proves them
        b"QUJD====",  # too much padding
        b"=QUJ",  # padding first
        b"QUJD\r\nQUJDQ\n",  # LF where CRLF was, same line length
    ],
)
def test_regular_layout_check_agrees_with_binascii(text: bytes) -> None:
    decoded = _a2b_regular(text * 300)
    if decoded is not None:
        assert decoded == binascii.a2b_base64(text * 300)


def test_regular_layout_refuses_what_binascii_refuses() -> None:
    # Strict layout, but a2b_base64 raises (a lone data character after padding-free quanta).
    assert _a2b_regular(b"QUJD" * 300 + b"Q===") is None
    assert _a2b_regular(b"QUJD" * 300 + b"QU!!") is None  # what a2b_base64 sees: 2 characters


def test_file_backed_base64_is_cut_into_whole_lines(tmp_path: pathlib.Path) -> None:
    from mm7codec._part import _PathBody

    data = bytes(range(256)) * 600  # 153 600 bytes: two chunks and a tail
    path = tmp_path / "a.bin"
    path.write_bytes(data)

    class Odd(_PathBody):
        """Reads in chunks that never line up with the encoder's."""

        __slots__ = ()

        def iter_chunks(self, size: int = 1 << 16):  # type: ignore[no-untyped-def]
            with open(self.path, "rb") as f:
                while True:
                    chunk = f.read(size - 5)
                    if not chunk:
                        return
                    yield chunk

    out = b"".join(BASE64.encode(Odd(str(path))))
    assert out == _b64_body(data).rstrip(b"\r\n")
    assert len(out) == BASE64.encoded_size(len(data))


def test_quoted_printable_cut_in_a_huge_line_keeps_escapes_whole() -> None:
    sink = _DefaultSink(1 << 30)
    decoder = _QPDecoder(sink)
    line = b"a" * ((1 << 16) - 2) + b"=3D" + b"b" * 10
    decoder.write(line[: (1 << 16) + 1])
    decoder.write(line[(1 << 16) + 1 :])
    assert decoder.finish().read() == binascii.a2b_qp(line)


def test_long_header_blocks_and_labels_are_not_cached() -> None:
    name = "x" * (_BLOCK_CACHED_MAX + 10)
    body = f"--b\r\nContent-Type: text/plain; name={name}\r\n\r\nhi\r\n--b--\r\n".encode()
    _BLOCKS.clear()
    root = parse(body, CT)
    assert root.parts[0].content_type.params["name"] == name
    assert not _BLOCKS
    label = f'multipart/mixed; boundary="b"; x="{name}"'
    _ROOT_BLOCKS.clear()
    assert parse(b"--b\r\n\r\nhi\r\n--b--\r\n", label).parts[0].data == b"hi"
    assert not _ROOT_BLOCKS


def test_transport_padding_at_eof_and_near_misses_in_a_header_block() -> None:
    # Transport padding up to EOF after an open delimiter: the part starts and is empty.
    root, defects = run_parser([b"--b\r\nContent-Type: a/b\r\n\r\nx\r\n--b  "], CT)
    assert root.parts[0].data == b"x"
    assert "missing-close-delimiter" in [d.kind for d in defects]
    # A line that starts like the delimiter inside a header block is not one.
    body = b"--b\r\nContent-Type: a/b\r\nX: 1\r\n--bx: 2\r\n\r\nbody\r\n--b--\r\n"
    root, _ = run_parser([body], CT)
    assert root.parts[0].data == b"body"


def test_writer_boundary_checks_over_file_and_nested_parts(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "raw.txt"
    path.write_bytes(b"line\r\n--fixed\r\nmore")
    raw_file = Part.file(path, "application/octet-stream", transfer_encoding="binary")
    with pytest.raises(EncodeError, match="occurs in the content"):
        to_bytes(Part.multipart("mixed", [raw_file], boundary="fixed"))
    # Without a fixed boundary one is drawn that the file does not hold.
    root = Part.multipart("mixed", [raw_file])
    assert parse_entity(to_bytes(root)).parts[0].data == path.read_bytes()
    # A nested boundary that starts with the outer one is refused for the outer.
    inner = Part.multipart("related", [Part.text("x")], boundary="outer-inner")
    with pytest.raises(EncodeError, match="occurs in the content"):
        to_bytes(Part.multipart("mixed", [inner], boundary="outer"))


def test_writer_empty_leaf_and_coalescing_small_pieces() -> None:
    empty = Part.bytes(b"", "application/octet-stream")
    many = [Part.bytes(bytes([i]) * 3000, "image/gif") for i in range(40)]
    root = Part.multipart("mixed", [empty, *many])
    writer = MimeWriter(root)
    chunks = list(writer.iter_chunks())
    assert b"".join(chunks) == writer.to_bytes()
    assert len(b"".join(chunks)) == writer.content_length
    assert len(chunks) > 1
    parsed = parse_entity(writer.to_bytes())
    assert parsed.parts[0].data == b""
    assert [p.data for p in parsed.parts[1:]] == [p.data for p in many]


def test_registry_decoders_for_identity_and_quoted_printable() -> None:
    identity = lookup("7bit")
    assert identity is not None and identity.decode_whole(b"abc") == b"abc"
    sink = _DefaultSink(1 << 20)
    assert identity.decoder(sink, lambda kind, detail: None) is sink
    assert list(identity.encode(_BytesBody(b"abc"))) == [b"abc"]
    qp = lookup("Quoted-Printable")
    assert qp is not None
    assert b"".join(qp.encode(_BytesBody(b"a=b\r\n"))) == b"a=3Db\r\n"
