"""Content-Transfer-Encodings: one registry entry per name, read by the parser, the writer
and the planner.

Each :class:`Transfer` knows, for its encoding:

- decoding: :meth:`~Transfer.decode_whole` (a body that arrived in one piece,
  decoded in one call when it is clean; ``None`` sends it to the streaming
  decoder, which finds and reports what is wrong) and :meth:`~Transfer.decoder`
  (a streaming decoder in front of a sink);
- writing: :meth:`~Transfer.encode` (the encoded body as chunks, file-backed
  bodies streamed) and :meth:`~Transfer.encoded_size` (the encoded length from the
  decoded size alone, so ``Content-Length`` needs no pass over the content; ``None``
  when only encoding tells, as for quoted-printable);
- ``aligned``: the streaming decoder wants whole lines (the parser hands bodies
  over at line breaks when it can);
- ``delimiter_free``: the encoded form can never hold a MIME delimiter line
  (base64 lines never start with ``-``), so the writer skips searching it.

Nothing outside this module compares transfer-encoding names.
"""

from __future__ import annotations

import binascii

TYPE_CHECKING = False
if TYPE_CHECKING:
    from struct import Struct
    from typing import Callable, Dict, Iterator, Optional, Set, Tuple, Union

    from ._part import _Body, _Bytes, _Sink

    #: ``report(kind, detail)``: record a defect of the body being decoded.
    Report = Callable[[str, str], None]
    Decoding = Union[_Sink, "_Base64Decoder", "_QPDecoder"]
    #: What the writer yields: bytes, or views of a body held in memory.
    Chunk = Union[bytes, memoryview]

__all__ = ["BASE64", "IDENTITY", "MAX_LINE", "Transfer", "choose", "fits_8bit", "lookup"]

_A2B = binascii.a2b_base64
_B2A = binascii.b2a_base64
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Every byte except the base64 alphabet and '=': deleting these leaves the data.
_B64_NOT_DATA = bytes(c for c in range(256) if c not in _B64_ALPHABET + b"=")
# What base64 bodies may hold besides data without a defect.
_B64_SKIPPED = _B64_ALPHABET + b"\r\n \t"
# Alphabet bytes to b"A", everything else to b"!" (finds the first data byte).
_B64_CLASSES = bytes(65 if c in _B64_ALPHABET else 33 for c in range(256))
# Base64 at least this long is first tried with _a2b_regular.
_B64_REGULAR_MIN = 1024
# Writer: 57 input bytes make one 76-character line; chunks of whole lines, about 64 KiB.
_B64_LINE_IN = 57
_B64_LINE_OUT = 76
_B64_CHUNK_IN = _B64_LINE_IN * 1150
# Writer: an in-memory body written as it is goes out in views of this size.
_IDENTITY_CHUNK = 1 << 16
# Single bytes are looked for as ints (``_CR in data``): ``bytes in bytes`` first tries
# its operand as an int, raising and clearing a TypeError each time (0.12 µs).
_CR, _LF, _EQUALS = 13, 10, ord("=")


# -- base64 ------------------------------------------------------------------------------------


def _a2b_regular(data: bytes) -> Optional[bytes]:
    """Decode base64 laid out the usual way, without a pass of our own over it.

    The usual way: lines of one width (a multiple of 4) ending in CRLF (or
    LF), a shorter last line, padding only at the very end. The line breaks
    are checked with two strided slices; ``a2b_base64`` skips anything
    outside the alphabet, so an output of exactly 3 bytes per 4 remaining
    characters proves there was nothing else. ``None`` when laid out any
    other way.
    """
    nl = data.find(b"\n")
    n = len(data)
    if nl < 0:
        breaks = 0
    else:
        step = nl + 1
        crlf = nl > 0 and data[nl - 1] == 13
        width = nl - 1 if crlf else nl
        if not width or width & 3:
            return None
        full = n // step
        stop = full * step
        if data[nl:stop:step] != b"\n" * full:
            return None
        if crlf and data[nl - 1 : stop : step] != b"\r" * full:
            return None
        tail = data[stop:]
        if _LF in tail or _CR in tail:
            return None
        breaks = (2 if crlf else 1) * full
    chars = n - breaks
    pad = 0
    eq = data.find(b"=")
    if eq >= 0:
        pad = n - eq
        if pad > 2 or data[eq:] != b"=" * pad:
            return None
    if chars & 3:
        return None
    try:
        out = _A2B(data)
    except binascii.Error:
        return None
    return out if len(out) == (chars >> 2) * 3 - pad else None


def _b64_clean(data: bytes) -> Optional[bytes]:
    """The one "is this base64 clean" test: decoded when clean, else ``None``.

    Clean: only alphabet and line breaks, padding (if any) only at the end and
    completing the last quantum.
    """
    if len(data) >= _B64_REGULAR_MIN:
        decoded = _a2b_regular(data)
        if decoded is not None:
            return decoded
    rest = data.translate(None, _B64_ALPHABET)
    if not rest or not rest.translate(None, b"\r\n"):
        if not (len(data) - len(rest)) & 3:
            return _A2B(data)
    elif not rest.translate(None, b"\r\n="):
        pad = rest.count(b"=")
        if (
            pad <= 2
            and data.rstrip(b"\r\n").endswith(b"=" * pad)
            and not (len(data) - len(rest) + pad) & 3
        ):
            return _A2B(data)
    return None


class _Base64Decoder:
    """Decodes base64 as it streams, carrying the partial 4-character quantum."""

    __slots__ = ("_carry", "_done", "_missing", "_report", "_seen", "_sink")

    def __init__(self, sink: _Sink, report: Report) -> None:
        self._sink = sink
        self._report = report
        self._carry = b""
        self._done = False
        self._missing = 0
        self._seen: Set[str] = set()

    def _defect(self, kind: str, detail: str) -> None:
        if kind not in self._seen:
            self._seen.add(kind)
            self._report(kind, detail)

    def write(self, data: _Bytes) -> None:
        if self._done:
            self._after_padding(bytes(data))
            return
        data = bytes(data)
        if not self._carry:
            out = _b64_clean(data)
            if out is not None:
                if _EQUALS in data:
                    self._done = True
                if out:
                    self._sink.write(out)
                return
        rest = data.translate(None, _B64_ALPHABET)
        if rest and rest.translate(None, b"\r\n"):
            self._slow(data)
            return
        # Only alphabet and line breaks: decode the whole quanta, carry the rest.
        if self._carry:
            data = self._carry + data
            self._carry = b""
        extra = (len(data) - len(rest)) & 3
        if extra:
            i = len(data)
            while extra:
                i -= 1
                if data[i] != 10 and data[i] != 13:
                    extra -= 1
            self._carry = data[i:].translate(None, b"\r\n")
            if i:
                self._sink.write(_A2B(memoryview(data)[:i]))
        elif data:
            self._sink.write(_A2B(data))

    def _slow(self, data: bytes) -> None:
        # Defects in stream order, whatever the chunking: what comes before the
        # padding, then the quantum the padding ends, then what follows it.
        pad = data.find(b"=")
        head = data if pad < 0 else data[:pad]
        if head.translate(None, _B64_SKIPPED):
            self._defect("base64-invalid-characters", "non-base64 characters ignored")
        clean = self._carry + head.translate(None, _B64_NOT_DATA)
        self._carry = b""
        if pad < 0:
            extra = len(clean) & 3
            if extra:
                self._carry = clean[-extra:]
                clean = clean[:-extra]
            if clean:
                self._sink.write(_A2B(clean))
            return
        self._done = True
        self._finish_quantum(clean)
        self._after_padding(data[pad:])

    def _after_padding(self, data: bytes) -> None:
        # Padding may arrive split over chunks, so count it as it comes: '='
        # completes the quantum until anything else (data) follows it.
        data = data.translate(None, b" \t\r\n")
        if not data:
            return
        junk = data.translate(None, _B64_ALPHABET + b"=")
        clean = data.translate(None, _B64_NOT_DATA) if junk else data
        rest = clean.lstrip(b"=")
        self._missing = max(0, self._missing - (len(clean) - len(rest)))
        if rest:
            self._missing = 0
        if junk and rest and data.translate(_B64_CLASSES).find(b"A") < data.find(junk[:1]):
            self._defect("base64-data-after-padding", "data after base64 padding ignored")
        if junk:
            self._defect("base64-invalid-characters", "non-base64 characters ignored")
        if rest:
            self._defect("base64-data-after-padding", "data after base64 padding ignored")

    def _finish_quantum(self, head: bytes) -> None:
        q = len(head) & 3
        if q == 1:
            self._defect("base64-invalid-length", "one stray base64 character dropped")
            head = head[:-1]
            q = 0
        if q:
            self._missing = 4 - q
            head += b"=" * (4 - q)
        if head:
            self._sink.write(_A2B(head))

    def finish(self) -> _Body:
        if self._carry and not self._done:
            carry = self._carry
            self._carry = b""
            self._finish_quantum(carry)
        if self._missing:
            self._defect("base64-padding", "missing or short base64 padding")
        return self._sink.finish()


def _b64_lines(chunks: Iterator[Chunk]) -> Iterator[bytes]:
    """Base64 in 76-character CRLF lines, one piece per chunk (no CRLF after the last line).

    Each chunk is encoded by one ``b2a_base64`` call, cut into lines by one
    ``struct`` unpack (in C, no Python-level loop over lines) and joined with
    the CRLFs. A chunk is held until the next one arrives: only then is it
    known not to be the last, and its splitter ends in an empty field so the
    join writes the CRLF that follows its last line.
    """
    held: Optional[bytes] = None
    for chunk in chunks:
        encoded = _B2A(chunk, newline=False)
        if held is not None:
            yield _CRLF.join(_line_splitter(len(held), True).unpack_from(held))
        held = encoded
    if held is not None:
        yield _CRLF.join(_line_splitter(len(held), False).unpack_from(held))


def _line_splitter(size: int, more: bool) -> Struct:
    """A ``struct.Struct`` cutting ``size`` base64 characters into 76-character lines.

    With ``more`` it ends in an empty field (a CRLF after the last line when
    joined). Kept in a small cache: the full chunk's always hits, and a last
    chunk's does when bodies of one size are sent again.
    """
    key = (size, more)
    splitter = _SPLITTERS.get(key)
    if splitter is None:
        from struct import Struct  # here: only the writer needs it

        full, rest = divmod(size, _B64_LINE_OUT)
        fmt = f"{_B64_LINE_OUT}s" * full + (f"{rest}s" if rest else "") + ("0s" if more else "")
        if len(_SPLITTERS) >= _SPLITTERS_MAX:
            _SPLITTERS.clear()
        splitter = _SPLITTERS[key] = Struct(fmt)
    return splitter


_CRLF = b"\r\n"
# Splitters kept (up to about 40 KB each); a miss costs a few microseconds.
_SPLITTERS_MAX = 8
_SPLITTERS: Dict[Tuple[int, bool], Struct] = {}


def _views(data: _Bytes, size: int) -> Iterator[Chunk]:
    """``data`` in pieces of ``size`` bytes (the last may be shorter): views, no copies."""
    if len(data) <= size:
        if data:
            yield data
        return
    view = memoryview(data)
    for i in range(0, len(data), size):
        yield view[i : i + size]


def _whole_lines(body: _Body) -> Iterator[Chunk]:
    """The body in pieces of exactly _B64_CHUNK_IN bytes (the last may be shorter)."""
    data = body.in_memory()
    if data is not None:
        yield from _views(data, _B64_CHUNK_IN)
        return
    pending = b""
    for chunk in body.iter_chunks(_B64_CHUNK_IN):
        if pending:
            chunk = pending + chunk
            pending = b""
        n = len(chunk) - len(chunk) % _B64_CHUNK_IN
        if n == len(chunk):
            if n:
                yield chunk
            continue
        if n:
            yield chunk[:n]
        pending = bytes(chunk[n:])
    if pending:
        yield pending


# -- quoted-printable --------------------------------------------------------------------------


class _QPDecoder:
    """Quoted-printable, decoded one batch of whole lines at a time (as stdlib ``email``)."""

    __slots__ = ("_carry", "_sink")

    def __init__(self, sink: _Sink) -> None:
        self._sink = sink
        self._carry = b""

    def write(self, data: _Bytes) -> None:
        data = self._carry + data if self._carry else bytes(data)
        nl = data.rfind(b"\n")
        if nl < 0:
            if len(data) <= 1 << 16:
                self._carry = data
                return
            # A huge line without breaks: cut where no '=XX' escape is split.
            nl = len(data) - 3
            while data[nl] == 61 or data[nl - 1] == 61:
                nl -= 1
        self._carry = data[nl + 1 :]
        self._sink.write(binascii.a2b_qp(data[: nl + 1]))

    def finish(self) -> _Body:
        if self._carry:
            self._sink.write(binascii.a2b_qp(self._carry))
            self._carry = b""
        return self._sink.finish()


def _crlf_only(data: _Bytes) -> bool:
    crlf = data.count(b"\r\n")
    return data.count(b"\r") == crlf and data.count(b"\n") == crlf


# -- the registry ------------------------------------------------------------------------------


class Transfer:
    """One Content-Transfer-Encoding (see the module docstring)."""

    __slots__ = ("aligned", "delimiter_free", "name")

    def __init__(self, name: str, *, aligned: bool = False, delimiter_free: bool = False) -> None:
        self.name = name
        self.aligned = aligned
        self.delimiter_free = delimiter_free

    def decode_whole(self, data: bytes) -> Optional[bytes]:
        """The decoded body in one call, or ``None``: use :meth:`decoder`."""
        return data

    def decoder(self, sink: _Sink, report: Report) -> Decoding:
        """A streaming decoder writing into ``sink``, reporting defects to ``report``."""
        return sink

    def encode(self, body: _Body) -> Iterator[Chunk]:
        """The encoded body in chunks (file-backed bodies are read once, streamed)."""
        data = body.in_memory()
        if data is None:
            return body.iter_chunks()
        # Views, not copies: a whole-body join copies each byte once.
        return _views(data, _IDENTITY_CHUNK)

    def encoded_size(self, size: int) -> Optional[int]:
        """Encoded length of a body of ``size`` bytes; ``None`` when only encoding tells."""
        return size

    def __repr__(self) -> str:
        return f"<Transfer {self.name}>"


class _Base64(Transfer):
    __slots__ = ()

    def decode_whole(self, data: bytes) -> Optional[bytes]:
        return _b64_clean(data)

    def decoder(self, sink: _Sink, report: Report) -> Decoding:
        return _Base64Decoder(sink, report)

    def encode(self, body: _Body) -> Iterator[Chunk]:
        return _b64_lines(_whole_lines(body))

    def encoded_size(self, size: int) -> Optional[int]:
        chars = (size + 2) // 3 * 4
        lines = -(-chars // _B64_LINE_OUT)
        return chars + 2 * (lines - 1) if lines else 0


class _QuotedPrintable(Transfer):
    __slots__ = ()

    def decode_whole(self, data: bytes) -> Optional[bytes]:
        return None

    def decoder(self, sink: _Sink, report: Report) -> Decoding:
        return _QPDecoder(sink)

    def encode(self, body: _Body) -> Iterator[Chunk]:
        data = body.read()
        yield binascii.b2a_qp(data, istext=_crlf_only(data))

    def encoded_size(self, size: int) -> Optional[int]:
        return None


#: 7bit, 8bit and binary: the body is written and read as it is.
IDENTITY = Transfer("binary")
_REGISTRY: Dict[str, Transfer] = {
    "": IDENTITY,
    "7bit": Transfer("7bit"),
    "8bit": Transfer("8bit"),
    "binary": IDENTITY,
    "base64": _Base64("base64", aligned=True, delimiter_free=True),
    "quoted-printable": _QuotedPrintable("quoted-printable", aligned=True),
}
BASE64 = _REGISTRY["base64"]


def lookup(name: Optional[str]) -> Optional[Transfer]:
    """The entry for a Content-Transfer-Encoding value (any case, spaces around);
    ``None`` for an unknown one. No header at all is the identity."""
    if not name:
        return IDENTITY
    return _REGISTRY.get(name.strip().lower())


#: RFC 5322 line limit for 7bit/8bit bodies.
MAX_LINE = 998


def fits_8bit(data: _Bytes) -> bool:
    """Whether ``data`` may go 7bit/8bit: lines all end in CRLF, none longer than
    :data:`MAX_LINE`, no NUL."""
    return (
        0 not in data  # NUL, looked for as an int
        and _crlf_only(data)
        and (len(data) <= MAX_LINE or max(map(len, data.split(b"\r\n"))) <= MAX_LINE)
    )


def choose(in_memory: Optional[_Bytes], textual: bool) -> Transfer:
    """The encoding the writer picks when a part declares none.

    Text in memory that :func:`fits_8bit` goes 7bit (ASCII) or 8bit; everything
    else goes base64.
    """
    if in_memory is not None and textual and fits_8bit(in_memory):
        return _REGISTRY["7bit" if in_memory.isascii() else "8bit"]
    return BASE64
