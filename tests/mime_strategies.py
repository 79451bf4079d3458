"""Hypothesis strategies for MIME trees, and the chunking helpers every parser test uses.

Two kinds of trees:

- ``raw_entities()``: MIME bytes rendered here, independently of the writer,
  with random nesting, parameters (quoted, RFC 2231), transfer encodings,
  CRLF or LF line endings and binary bodies. Each draws as ``RawEntity``.
- ``parts()``: :class:`Part` trees built with the public constructors, for
  writer round trips.

``feed_variants(data)`` yields the input whole, one byte at a time and in
seeded random chunks; ``parse_variants`` runs the parser over all three and
checks they agree (tree and defects).
"""

from __future__ import annotations

import base64
import binascii
import random
import re
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

from hypothesis import strategies as st

from mm7codec._errors import Defect, DefectRecorder
from mm7codec._mime import MimeParser, Part

# -- chunking --------------------------------------------------------------


def feed_variants(data: bytes, seed: int = 1234) -> Iterator[Tuple[str, List[bytes]]]:
    """(name, chunks): whole, one byte at a time, seeded random sizes."""
    yield "whole", [data]
    yield "bytewise", [data[i : i + 1] for i in range(len(data))]
    rnd = random.Random(seed ^ len(data))
    chunks: List[bytes] = []
    i = 0
    while i < len(data):
        n = rnd.choice((1, 2, 3, 7, 16, 61, 100, 512, 4096))
        chunks.append(data[i : i + n])
        i += n
    yield "random", chunks


def run_parser(
    chunks: Sequence[bytes], content_type: Optional[str] = None, **kwargs: object
) -> Tuple[Part, List[Defect]]:
    rec = DefectRecorder()
    parser = MimeParser(content_type, defects=rec, **kwargs)  # type: ignore[arg-type]
    for chunk in chunks:
        parser.feed(chunk)
    return parser.close(), list(rec.defects)


def parse_variants(
    data: bytes, content_type: Optional[str] = None, **kwargs: object
) -> Tuple[Part, List[Defect]]:
    """Parse ``data`` fed every way; all must agree. Returns the whole-buffer result."""
    results = [
        (name, run_parser(chunks, content_type, **kwargs)) for name, chunks in feed_variants(data)
    ]
    first_name, (first, first_defects) = results[0]
    for name, (part, defects) in results[1:]:
        assert part == first, f"{name} differs from {first_name}"
        assert [p.preamble for p in part.walk()] == [p.preamble for p in first.walk()], name
        assert [p.epilogue for p in part.walk()] == [p.epilogue for p in first.walk()], name
        assert [d.kind for d in defects] == [d.kind for d in first_defects], name
    return first, first_defects


def raises_all_ways(
    data: bytes, exc: type, content_type: Optional[str] = None, **kwargs: object
) -> List[BaseException]:
    """Every feeding of ``data`` raises ``exc``; returns the exceptions."""
    caught: List[BaseException] = []
    for name, chunks in feed_variants(data):
        try:
            run_parser(chunks, content_type, **kwargs)
        except exc as e:
            caught.append(e)
        else:
            raise AssertionError(f"{name}: {exc.__name__} not raised")
    return caught


# -- raw entities ------------------------------------------------------------

_TOKEN = st.builds(
    lambda a, b: a + b,
    st.sampled_from("abcxyz"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", max_size=7),
)


@dataclass
class RawEntity:
    """Rendered bytes of one entity (headers + body) and what they mean."""

    data: bytes
    eol: bytes


_NAME = st.builds(
    lambda a, b: a + b,
    st.sampled_from("abcxyz"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=7),
)


def _param_strategy() -> st.SearchStrategy[Tuple[str, bytes]]:
    """(canonical name, rendered parameter) pairs."""
    plain = st.tuples(_NAME, _TOKEN).map(lambda t: (t[0], f"{t[0]}={t[1]}".encode()))
    quoted = st.tuples(_NAME, st.text(alphabet="abc xyz;,=()@:/?[]", min_size=0, max_size=10)).map(
        lambda t: (t[0], f'{t[0]}="{t[1]}"'.encode())
    )
    capital = st.tuples(_NAME, _TOKEN).map(lambda t: (t[0], f"{t[0].upper()}={t[1]}".encode()))
    rfc2231 = st.tuples(_NAME, st.text(alphabet="aé ü;x", min_size=1, max_size=6), _TOKEN).map(
        lambda t: (
            t[0],
            f"{t[0]}*0*=utf-8''{_pct(t[1])}; {t[0]}*1={t[2]}".encode(),
        )
    )
    return st.one_of(plain, quoted, capital, rfc2231)


def _pct(text: str) -> str:
    return "".join(
        chr(b) if chr(b).isalnum() and b < 128 else f"%{b:02X}" for b in text.encode("utf-8")
    )


def _params(draw: Callable[..., object], prefix: str) -> bytes:
    items = draw(st.lists(_param_strategy(), max_size=3, unique_by=lambda p: p[0]))
    out = b""
    for name, rendered in items:  # type: ignore[attr-defined]
        if name in ("boundary", "charset"):
            continue
        out += b"; " + rendered
    return out


_LEAF_TYPES = [
    "text/plain",
    "text/xml",
    "application/smil",
    "image/jpeg",
    "application/octet-stream",
]


def _body_bytes(draw: Callable[..., object], cte: str, eol: bytes) -> bytes:
    if cte == "7bit":
        lines = draw(st.lists(st.text(alphabet="abc XYZ-=.\t", max_size=30), max_size=4))
        return eol.join(line.encode() for line in lines)  # type: ignore[attr-defined]
    if cte == "8bit":
        lines = draw(st.lists(st.binary(max_size=30), max_size=4))
        return eol.join(bytes(b for b in line if b not in (10, 13)) for line in lines)  # type: ignore[attr-defined]
    return draw(st.binary(max_size=200))  # type: ignore[return-value]


def _encode(data: bytes, cte: str, eol: bytes) -> bytes:
    if cte == "base64":
        text = base64.encodebytes(data).rstrip(b"\n")
        return text.replace(b"\n", eol)
    if cte == "quoted-printable":
        enc = binascii.b2a_qp(data, istext=False)
        return enc.replace(b"=\n", b"=" + eol) if eol != b"\n" else enc
    return data


@st.composite
def raw_entities(
    draw: Callable[..., object], max_depth: int = 3, eol: Optional[bytes] = None
) -> RawEntity:
    """A MIME entity as bytes, rendered by hand."""
    if eol is None:
        eol = draw(st.sampled_from([b"\r\n", b"\n"]))  # type: ignore[assignment]
    assert eol is not None
    return RawEntity(_entity(draw, max_depth, eol), eol)


def _boundary(draw: Callable[..., object]) -> str:
    core = draw(st.text(alphabet="abcdefXYZ0123456789'()+_,./:=? ", min_size=1, max_size=12))
    prefix = draw(st.sampled_from(["", "--", "=_", "Next Part "]))
    # The random tail keeps boundaries distinct from each other and from content.
    tail = f"{draw(st.integers(0, 2**32 - 1)):08x}"
    return f"{prefix}{core}{tail}".strip() or "b"


def _entity(draw: Callable[..., object], depth: int, eol: bytes) -> bytes:
    multipart = depth > 0 and draw(st.booleans())
    headers: List[bytes] = []
    if multipart:
        boundary = _boundary(draw)
        sub = draw(st.sampled_from(["mixed", "related", "alternative"]))
        ctline = f'Content-Type: multipart/{sub}; boundary="{boundary}"'.encode() + _params(
            draw, ""
        )
        if draw(st.booleans()):
            ctline = ctline.replace(b"; ", b";" + eol + b"\t", 1)  # folded
        headers.append(ctline)
        if draw(st.booleans()):
            headers.append(b"Content-ID: <" + draw(_TOKEN).encode() + b"@x>")  # type: ignore[attr-defined]
        n = draw(st.integers(1, 3))
        children = [_entity(draw, depth - 1, eol) for _ in range(n)]  # type: ignore[arg-type]
        delim = b"--" + boundary.encode()
        body = b""
        if draw(st.booleans()):
            body += b"This is a preamble." + eol
        pad = draw(st.sampled_from([b"", b"  ", b"\t"]))
        for i, child in enumerate(children):
            body += (b"" if i == 0 else eol) + delim + pad + eol + child
        body += eol + delim + b"--"
        if draw(st.booleans()):
            body += eol + b"epilogue text" + eol
        for child in children:
            if delim in child:
                from hypothesis import assume

                assume(False)
    else:
        ctype = draw(st.sampled_from(_LEAF_TYPES))
        cte = draw(st.sampled_from(["base64", "quoted-printable", "7bit", "8bit", "binary", None]))
        raw = _body_bytes(draw, cte or "7bit", eol)  # type: ignore[arg-type]
        ctline = f"Content-Type: {ctype}".encode()
        if ctype.startswith("text/"):
            ctline += b"; charset=utf-8"
        ctline += _params(draw, "")
        headers.append(ctline)
        if cte:
            headers.append(f"Content-Transfer-Encoding: {cte}".encode())
        if draw(st.booleans()):
            headers.append(b"Content-ID: <" + draw(_TOKEN).encode() + b">")  # type: ignore[attr-defined]
        if draw(st.booleans()):
            headers.append(b"X-Extra: value with  spaces")
        body = _encode(raw, cte or "7bit", eol)
    return eol.join(headers) + eol + eol + body


# -- Part trees ----------------------------------------------------------------


@st.composite
def parts(draw: Callable[..., object], max_depth: int = 2) -> Part:
    """A Part tree built with the public constructors."""
    if max_depth > 0 and draw(st.booleans()):
        children = draw(st.lists(parts(max_depth=max_depth - 1), min_size=1, max_size=3))
        sub = draw(st.sampled_from(["mixed", "related", "multipart/alternative"]))
        params = {}
        if draw(st.booleans()):
            params["type"] = "application/smil"
        return Part.multipart(
            sub,  # type: ignore[arg-type]
            children,  # type: ignore[arg-type]
            params=params,
            content_id=draw(st.one_of(st.none(), _TOKEN)),  # type: ignore[arg-type]
            preamble=draw(st.sampled_from([None, b"preamble"])),  # type: ignore[arg-type]
        )
    kind = draw(st.sampled_from(["text", "bytes", "binary", "qp"]))
    cid = draw(st.one_of(st.none(), _TOKEN))
    if kind == "text":
        text = draw(st.text(max_size=60))
        sub = draw(st.sampled_from(["plain", "xml"]))
        return Part.text(text, sub, content_id=cid)  # type: ignore[arg-type]
    data = draw(st.binary(max_size=300))
    ctype = draw(
        st.sampled_from(["image/jpeg", "application/octet-stream", 'image/gif; name="a b.gif"'])
    )
    cte = {"bytes": None, "binary": "binary", "qp": "quoted-printable"}[kind]  # type: ignore[index]
    return Part.bytes(data, ctype, content_id=cid, transfer_encoding=cte)  # type: ignore[arg-type]


def unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value).strip()
