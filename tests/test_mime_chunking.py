"""Chunking consistency (DESIGN.md §5): whole, one byte at a time and random chunks agree.

Every input gives the same outcome however it is cut into ``feed()`` calls:
the same tree (headers, content types, preambles, epilogues, decoded data),
the same defects in the same order (kind, detail, status), or the same error
(class, status, limit name). The regression tests below pin the cases fuzzing
found; the property at the end looks for more, on generated MIME trees and on
mutated ones.
"""

from __future__ import annotations

import base64
import dataclasses
import random
from typing import Any, List, Optional, Sequence, Tuple
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mime_strategies import parts, raw_entities

from mm7codec import _mime_parse
from mm7codec._errors import DecodeError, DefectRecorder, EncodeError, LimitExceededError
from mm7codec._limits import Limits
from mm7codec._mime import MimeParser, Part, parse_entity, to_bytes

CT = 'multipart/mixed; boundary="b"'
_DEFAULT = Limits()

Outcome = Tuple[Any, ...]


def _tree(part: Part) -> Tuple[Any, ...]:
    return (
        part.headers,
        part.content_type,
        part.preamble,
        part.epilogue,
        None if part.is_multipart else part.data,
        tuple(_tree(p) for p in part.parts),
    )


def outcome(
    chunks: Sequence[bytes], content_type: Optional[str] = None, limits: Limits = _DEFAULT
) -> Outcome:
    """What parsing ``chunks`` gives: the tree and defects, or the error; then strict mode's."""
    return _outcome(chunks, content_type, limits, False) + _outcome(
        chunks, content_type, limits, True
    )


def _outcome(
    chunks: Sequence[bytes], content_type: Optional[str], limits: Limits, strict: bool
) -> Outcome:
    rec = DefectRecorder(strict=strict)
    try:
        parser = MimeParser(content_type, defects=rec, limits=limits)
        for chunk in chunks:
            parser.feed(chunk)
        root = parser.close()
    except LimitExceededError as e:
        return ("limit", e.limit, e.status_code)
    except DecodeError as e:
        return ("error", type(e).__name__, e.status_code, e.message if strict else "")
    return ("ok", _tree(root), [(d.kind, d.detail) for d in rec.defects])


def chunkings(data: bytes, seed: int = 0) -> List[Tuple[str, List[bytes]]]:
    rnd = random.Random(seed)
    cut: List[bytes] = []
    i = 0
    while i < len(data):
        n = rnd.choice((1, 2, 3, 5, 8, 13, 64, 1000))
        cut.append(data[i : i + n])
        i += n
    return [
        ("whole", [data]),
        ("bytewise", [data[i : i + 1] for i in range(len(data))]),
        ("random", cut),
        ("split-1", [data[:1], data[1:]]),
    ]


def assert_chunk_independent(
    data: bytes,
    content_type: Optional[str] = CT,
    limits: Limits = _DEFAULT,
    seed: int = 0,
) -> Outcome:
    """Parse ``data`` every way; all outcomes must be equal. Returns the whole one."""
    results = [(name, outcome(c, content_type, limits)) for name, c in chunkings(data, seed)]
    whole = results[0][1]
    for name, got in results[1:]:
        assert got == whole, f"{name} differs from whole:\n{got}\n!=\n{whole}"
    return whole


def kinds(result: Outcome) -> List[str]:
    assert result[0] == "ok", result
    return [k for k, _ in result[2]]


def b64_part(payload: bytes) -> bytes:
    return b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\n" + payload + b"\r\n--b--\r\n"


# -- regressions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"QQ==!", ["base64-invalid-characters"]),
        (b"QQ==!A", ["base64-invalid-characters", "base64-data-after-padding"]),
        (b"QQ==A!", ["base64-data-after-padding", "base64-invalid-characters"]),
        (b"QQ=!=", ["base64-invalid-characters"]),
        (b"Q=!", ["base64-invalid-length", "base64-invalid-characters"]),
        (b"Q!Q=", ["base64-invalid-characters", "base64-padding"]),
        (b"QUJD\r\nQQ==\r\n*\r\n", ["base64-invalid-characters"]),
    ],
)
def test_base64_junk_after_padding(payload: bytes, expected: List[str]) -> None:
    result = assert_chunk_independent(b64_part(payload))
    assert kinds(result) == expected


def test_delimiter_inside_a_header_block_ends_it_every_way() -> None:
    # The delimiter ends the block (RFC 2046: it cannot occur inside a part);
    # the limit is checked against the block up to that end, however it arrives.
    block = b"X-A: " + b"a" * 20 + b"\r\n"
    data = b"--b\r\n" + block + b"--b\r\n" + b"Y: " + b"y" * 10 + b"\r\n\r\nbody\r\n--b--\r\n"
    result = assert_chunk_independent(data, limits=Limits(max_header_size=40))
    assert kinds(result) == ["missing-header-separator"]
    first, second = result[1][5]
    assert second[0] == (("Y", "y" * 10),)
    assert first[0] == (("X-A", "a" * 20),) and first[4] == b""
    assert second[4] == b"body"
    # A block whose end (blank line or delimiter) lies past the limit raises every way.
    assert assert_chunk_independent(data, limits=Limits(max_header_size=20))[:2] == (
        "limit",
        "max_header_size",
    )


@pytest.mark.parametrize("size", range(36, 46))
def test_header_limit_edge_is_chunk_independent(size: int) -> None:
    for tail in (b"\r\n\r\nx\r\n--b--", b"\n\nx\n--b--", b"\r\n--b\r\n\r\n--b--"):
        data = b"--b\r\nX: " + b"v" * 30 + tail
        assert_chunk_independent(data, limits=Limits(max_header_size=size))
        assert_chunk_independent(data[4:], None, limits=Limits(max_header_size=size))


def test_lookalike_delimiter_where_headers_start() -> None:
    # "--bx" is no delimiter of "b": a header line (malformed), not an empty part.
    result = assert_chunk_independent(b"--b\r\n--bx\r\n\r\nbody\r\n--b--")
    assert kinds(result) == ["malformed-header"]
    assert result[1][5][0][4] == b"body"


@pytest.mark.parametrize(
    "data",
    [
        # bare LF after a delimiter, then a base64 body with junk
        b"--b\nContent-Transfer-Encoding: base64\r\n\r\nQQ!=\r\n--b--\r\n",
        b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\nQQ!=\n--b--\r\n",
        b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\nQ\r\n--b\n\r\nx\r\n--b--",
        b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\nQ\r\n--b--\n",
        b"pre" * 30 + b"\n--b\r\n\r\nx\r\n--b--\r\n",
        b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\nQQ\r\n--b\r\nX\nY\r\n\r\n--b--",
    ],
)
def test_bare_lf_is_reported_in_stream_order(data: bytes) -> None:
    result = assert_chunk_independent(data, limits=Limits(max_header_size=64))
    assert "bare-lf" in kinds(result)


@pytest.mark.parametrize("where", ["preamble", "epilogue", "epilogue-nested"])
def test_too_long_preamble_or_epilogue_reported_once(where: str) -> None:
    long = b"z" * 500
    part = b"--b\r\n\r\nx\r\n--b--"
    if where == "preamble":
        data = long + b"\r\n" + part
    elif where == "epilogue":
        data = part + b"\r\n" + long
    else:
        inner = b"Content-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\ny\r\n--c--\r\n" + long
        data = b"--b\r\n" + inner + b"\r\n--b--"
    result = assert_chunk_independent(data, limits=Limits(max_header_size=100))
    assert kinds(result).count(f"{where.split('-')[0]}-too-long") == 1


@pytest.mark.parametrize(
    "junk", [b"x", b"  junk", b"j" * 100 + b"\r\nmore", b"j" * 39, b"j" * 41 + b"\n"]
)
def test_junk_after_close_delimiter_detail_is_chunk_independent(junk: bytes) -> None:
    result = assert_chunk_independent(b"--b\r\n\r\nx\r\n--b--" + junk)
    assert kinds(result) == ["junk-after-close-delimiter"]
    detail = result[2][0][1]
    assert repr(junk.split(b"\r\n")[0].rstrip(b"\n").lstrip()[:40]) in detail


# -- Part.multipart(boundary=...) ------------------------------------------------


@pytest.mark.parametrize("boundary", ["", "é", "a b ", "x" * 71, "a\r\nb", "a;b", 'a"b', 5])
def test_invalid_explicit_boundary_is_refused(boundary: Any) -> None:
    with pytest.raises(EncodeError):
        Part.multipart("mixed", [Part.text("x")], boundary=boundary)


@pytest.mark.parametrize("boundary", ["b", "x" * 70, "a b", "'()+_,-./:=?"])
def test_valid_explicit_boundary_is_kept(boundary: str) -> None:
    part = Part.multipart("mixed", [Part.text("x")], boundary=boundary)
    data = to_bytes(part)
    assert parse_entity(data).content_type.params["boundary"] == boundary
    assert parse_entity(data) == part


def test_explicit_boundary_found_in_the_content_is_an_error() -> None:
    trap = Part.bytes(b"a\r\n--B\r\nb", "text/plain", transfer_encoding="8bit")
    part = Part.multipart("mixed", [trap], boundary="B")
    with pytest.raises(EncodeError, match="boundary"):
        to_bytes(part)
    # Nested: an inner explicit boundary that starts with the outer delimiter.
    inner = Part.multipart("mixed", [Part.text("x")], boundary="Bx")
    with pytest.raises(EncodeError, match="boundary"):
        to_bytes(Part.multipart("mixed", [inner], boundary="B"))
    with pytest.raises(EncodeError, match="boundary"):
        to_bytes(Part.multipart("mixed", [Part.text("x")], boundary="B", preamble=b"--B"))
    # Without an explicit boundary the writer draws a safe one.
    free = Part.multipart("mixed", [trap])
    assert parse_entity(to_bytes(free)) == free


def test_random_boundary_avoids_an_explicit_outer_one() -> None:
    inner = Part.multipart("mixed", [Part.text("x")])
    outer = Part.multipart("mixed", [inner], boundary="=_mm7_")
    assert parse_entity(to_bytes(outer)) == outer


def test_no_random_boundary_left_is_an_error() -> None:
    # Sixteen nested one-hex-digit boundaries (and "=") block every random draw.
    part = Part.multipart("mixed", [Part.text("x")])
    for b in "=0123456789abcdef":
        part = Part.multipart("mixed", [part], boundary=b)
    with pytest.raises(EncodeError, match="no boundary found"):
        to_bytes(part)


def test_parsed_boundary_in_content_is_replaced_not_refused() -> None:
    # A decoded message's boundary is no caller's choice: re-encoding keeps it
    # when safe and draws a new one when not (here: QP re-encoding is unsafe).
    data = (
        b"Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nx=0D=0A--q\r\n--q--\r\n"
    )
    parsed = parse_entity(data)
    again = parse_entity(to_bytes(parsed))
    assert again == parsed and again.content_type.params["boundary"] != "q"


# -- the property ----------------------------------------------------------------


_GARBAGE = [b"!", b"=", b"==", b"=ZZ", b"=\r\n", b"A", b"*\r\n", b"\x00", b"=4", b"\xff"]


@st.composite
def mutated(draw: Any) -> bytes:
    """MIME bytes, generated or written by the writer, then damaged."""
    if draw(st.booleans()):
        data = draw(raw_entities()).data
    else:
        data = to_bytes(draw(parts()))
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "cut", "insert", "pad", "garbage", "delete", "dup"]))
        if op == "flip":
            j = min(i, len(data) - 1)
            data = data[:j] + bytes([data[j] ^ draw(st.integers(1, 255))]) + data[j + 1 :]
        elif op == "cut":
            data = data[:i]
        elif op == "insert":
            data = data[:i] + draw(st.sampled_from([b"\r", b"\n", b"\r\n", b"\n\n"])) + data[i:]
        elif op == "pad":
            # spaces (or junk) after a boundary line
            k = data.find(b"\r\n", data.find(b"--", i) + 2)
            if k < 0:
                k = len(data)
            data = data[:k] + draw(st.sampled_from([b" ", b" \t ", b"x", b"--", b"-"])) + data[k:]
        elif op == "garbage":
            data = data[:i] + draw(st.sampled_from(_GARBAGE)) + data[i:]
        elif op == "delete":
            data = data[:i] + data[i + draw(st.integers(1, 8)) :]
        else:
            data = data[:i] + data[i : i + draw(st.integers(1, 40))] + data[i:]
    return data


_LIMITS = [
    Limits(),
    Limits(max_header_size=48),
    Limits(max_header_size=120, max_parts=4),
    Limits(max_depth=1, max_message_size=300),
]


@given(mutated(), st.sampled_from(_LIMITS), st.booleans(), st.integers(0, 2**16))
def test_any_input_gives_one_outcome_however_it_is_fed(
    data: bytes, limits: Limits, body_only: bool, seed: int
) -> None:
    if body_only:
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            head, sep, body = data.partition(b"\n\n")
        ctype = CT
        for line in head.replace(b"\r\n", b"\n").split(b"\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-type":
                ctype = value.strip().decode("latin-1")
                break
        assert_chunk_independent(body, ctype, limits, seed)
        # Trailing junk after a close delimiter lands in the epilogue the same way.
        assert_chunk_independent(body + b"\r\ntrailing junk\r\n", ctype, limits, seed)
    else:
        assert_chunk_independent(data, None, limits, seed)


# -- long buffers searched a window at a time ------------------------------------
#
# A buffer longer than the spool threshold and a window is searched for its next
# delimiter a window at a time (MimeParser._window); the outcome must not show it.


@given(mutated(), st.sampled_from(_LIMITS), st.integers(0, 2**16), st.sampled_from([0, 16, 40]))
def test_windowed_search_gives_the_outcome_of_every_chunking(
    data: bytes, limits: Limits, seed: int, spool: int
) -> None:
    # Windows of a few bytes (at least four needles long) over the generated messages:
    # delimiters, lookalikes, padding and junk fall on every window edge.
    # The "-" first search is taken at any length here (normally above 8 KiB only).
    small = dataclasses.replace(limits, spool_threshold=spool)
    with (
        mock.patch.object(_mime_parse, "_WINDOW", 8),
        mock.patch.object(_mime_parse, "_DASH_FIRST", 0),
    ):
        assert_chunk_independent(data, None, small, seed)


def _long_base64_message(junk_at: Optional[int]) -> Tuple[bytes, bytes]:
    """(a message, its image): 2 MB of base64, then 420 KB of text full of "-"."""
    image = random.Random(11).randbytes(1_500_000)
    payload = bytearray(base64.encodebytes(image).replace(b"\n", b"\r\n"))
    if junk_at is not None:
        payload[junk_at:junk_at] = b"-"
    text = b"a-b--c " * 60_000 + b"\r\n--bX not a delimiter\r\n" + b"x-" * 1000
    data = (
        b"--b\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + bytes(payload)
        + b"\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        + text
        + b"\r\n--b--\r\n"
    )
    return data, image


@pytest.mark.parametrize("junk_at", [None, 300_000, (1 << 20) + (1 << 18) - 3])
def test_long_bodies_fed_whole_and_in_feeds_agree(junk_at: Optional[int]) -> None:
    # The base64 body is over the spool threshold (it goes to a temporary file); a "-"
    # in it, where given, is junk a few bytes before a window's edge or well inside.
    data, image = _long_base64_message(junk_at)
    results = []
    for size in (len(data), 1 << 16, 4093):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        results.append(outcome(chunks, CT))
    assert results[0] == results[1] == results[2]
    assert results[0][0] == "ok"
    got_image, got_text = results[0][1][5]
    assert got_image[4] == image
    assert got_text[4].endswith(b"x-" * 1000) and b"\r\n--bX not a delimiter\r\n" in got_text[4]
    kinds = [k for k, _ in results[0][2]]
    assert kinds == ([] if junk_at is None else ["base64-invalid-characters"])
