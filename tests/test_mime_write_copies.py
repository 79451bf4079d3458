"""The writer's copy-free paths: base64 lines, in-memory views, coalescing, delimiter search.

Each path must write exactly what the plain way writes (RFC 2045 lines, the
same bytes, the planned length) while copying less.
"""

from __future__ import annotations

import base64
import pathlib
from typing import Iterator, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mm7codec._mime import MimeWriter, Part, parse_entity, to_bytes
from mm7codec._mime_write import _COALESCE, _LARGE, _coalesce, _contains
from mm7codec._part import _PathBody
from mm7codec._transfer import (
    _B64_CHUNK_IN,
    _IDENTITY_CHUNK,
    _SPLITTERS,
    _SPLITTERS_MAX,
    BASE64,
    IDENTITY,
    _b64_lines,
    lookup,
)


def _rfc2045(data: bytes) -> bytes:
    """76-character lines, CRLF between them, none after the last (as the writer ends a body)."""
    return base64.encodebytes(data).replace(b"\n", b"\r\n")[:-2]


def _data(size: int) -> bytes:
    return (bytes(range(251)) * (size // 251 + 1))[:size]


class _Chunked(_PathBody):
    """A file read in pieces of a fixed odd size, with empty reads between them."""

    __slots__ = ("piece",)

    def __init__(self, path: str, piece: int) -> None:
        super().__init__(path)
        self.piece = piece

    def iter_chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        with open(self.path, "rb") as f:
            while True:
                chunk = f.read(self.piece)
                if not chunk:
                    return
                yield chunk
                yield b""


@pytest.mark.parametrize(
    "size",
    [1, 2, 3, 57, 76, 114, _B64_CHUNK_IN - 1, _B64_CHUNK_IN, _B64_CHUNK_IN + 57, 3 * _B64_CHUNK_IN],
)
def test_base64_lines_are_rfc2045_at_every_chunk_edge(size: int) -> None:
    data = _data(size)
    out = b"".join(BASE64.encode(Part.bytes(data, "a/b")._body))  # type: ignore[arg-type]
    assert out == _rfc2045(data)
    assert len(out) == BASE64.encoded_size(size)


def test_base64_splitter_cache_stays_bounded() -> None:
    for size in range(1, 4 * _SPLITTERS_MAX):
        data = _data(size * 7)
        assert b"".join(_b64_lines(iter([data]))) == _rfc2045(data)
        assert len(_SPLITTERS) <= _SPLITTERS_MAX


@given(
    size=st.integers(min_value=0, max_value=3 * _B64_CHUNK_IN),
    piece=st.integers(min_value=1, max_value=2 * _B64_CHUNK_IN),
)
def test_file_backed_base64_whatever_the_reads(
    tmp_path_factory: pytest.TempPathFactory, size: int, piece: int
) -> None:
    path = tmp_path_factory.mktemp("b64") / "body"
    data = _data(size)
    path.write_bytes(data)
    out = b"".join(BASE64.encode(_Chunked(str(path), piece)))
    # Empty reads add nothing (no stray CRLF), odd reads are regrouped into whole lines.
    assert out == _rfc2045(data)
    assert len(out) == BASE64.encoded_size(size)


def test_in_memory_identity_body_is_written_as_views_of_it() -> None:
    data = _data(3 * _IDENTITY_CHUNK + 5)
    pieces = list(IDENTITY.encode(Part.bytes(data, "a/b")._body))  # type: ignore[arg-type]
    assert [len(p) for p in pieces] == [_IDENTITY_CHUNK] * 3 + [5]
    assert all(isinstance(p, memoryview) and p.obj is data for p in pieces)
    small = b"tiny"
    assert list(IDENTITY.encode(Part.bytes(small, "a/b")._body)) == [small]  # type: ignore[arg-type]
    assert list(IDENTITY.encode(Part.bytes(b"", "a/b")._body)) == []  # type: ignore[arg-type]


def test_large_pieces_go_out_as_they_are() -> None:
    big = _data(_LARGE + 1)
    view = memoryview(_data(_COALESCE))
    pieces: List[object] = list(_coalesce(iter([b"head", b"ers", big, b"x", view, b"tail"])))
    assert pieces[0] == b"headers"
    assert pieces[1] is big  # not copied to glue the header block to it
    assert pieces[2] == b"x"
    assert type(pieces[3]) is bytes and pieces[3] == view
    assert pieces[4] == b"tail"


def test_small_pieces_are_gathered_into_chunks() -> None:
    piece = b"s" * (_LARGE - 1)
    chunks = list(_coalesce(iter([piece] * 10)))
    assert b"".join(chunks) == piece * 10
    assert all(len(c) >= _COALESCE for c in chunks[:-1])
    assert len(chunks) < 10


def test_written_chunks_are_bytes_and_agree_with_the_plan(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(_data(200_001))
    root = Part.multipart(
        "mixed",
        [
            Part.text("hello"),
            Part.bytes(_data(300_000), "image/jpeg"),
            Part.bytes(_data(150_000), "a/b", transfer_encoding="binary"),
            Part.file(str(path), "application/octet-stream", transfer_encoding="binary"),
            Part.file(str(path), "image/png"),
        ],
    )
    writer = MimeWriter(root)
    chunks = list(writer.iter_chunks())
    assert all(type(c) is bytes for c in chunks)
    whole = writer.to_bytes()
    assert b"".join(chunks) == whole
    assert len(whole) == writer.content_length
    assert parse_entity(whole) == root


@given(
    data=st.binary(max_size=64),
    cuts=st.lists(st.integers(min_value=0, max_value=64), max_size=8),
    needle=st.sampled_from([b"--b", b"--bb", b"--b--b", b"--boundary"]),
)
def test_delimiter_search_across_chunk_edges(data: bytes, cuts: List[int], needle: bytes) -> None:
    edges = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in zip(edges, edges[1:])]
    assert _contains(iter(chunks), needle) == (needle in data)


def test_delimiter_split_over_many_small_chunks_is_found() -> None:
    needle = b"--boundary"
    data = b"x" * 10 + needle + b"y"
    assert _contains(iter([data[i : i + 1] for i in range(len(data))]), needle)
    assert not _contains(iter([b"--bound", b"ar", b"x"]), needle)


def test_raw_file_holding_a_boundary_gets_another(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "raw.txt"
    # The caller's boundary straddles the 64 KiB read edge of the file.
    path.write_bytes(b"a" * ((1 << 16) - 3) + b"\r\n--keep\r\n" + b"z" * 10)
    part = Part.file(str(path), "application/octet-stream", transfer_encoding="binary")
    root = Part.multipart("mixed", [part], params={"boundary": "keep"})
    data = to_bytes(root)
    assert b"boundary=keep" not in data.split(b"\r\n\r\n", 1)[0]
    assert parse_entity(data).parts[0].data == path.read_bytes()
    assert lookup("binary") is IDENTITY
