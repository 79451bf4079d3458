"""The MIME push parser (sans-I/O); its twin, the writer, is ``_mime_write``.

Theory of operation. ``feed()`` appends to one ``bytes`` buffer and
runs a small state machine over it; nothing iterates lines in Python. While in
a body, preamble or epilogue the parser looks for ``b"\\n--" + boundary`` of
the innermost open multipart with ``bytes.find``; everything before the last
``len(needle)`` bytes cannot be part of a delimiter and goes straight to the
body's decoder, so memory stays at about one chunk plus one delimiter. For
base64 and quoted-printable bodies the hand-over stops at the last line break
(when one is near), so decoders almost always get whole lines and base64 gets
whole 4-character quanta: one ``binascii.a2b_base64`` call per chunk.

One path, however the bytes arrive: a leaf whose whole body is in the buffer
when its closing delimiter is found is decoded in one call (long encoded
bodies in line-aligned 64 KiB pieces); a header block is read once per
distinct block (``_read_block``). The parser's state comes in named pieces:
the window over the input (``_buf``, ``_pos``, ``_base``), the open
multiparts (``_Level``), the leaf being read (``_Leaf``), a preamble or
epilogue (``_Collector``), a header block read (``_Block``). Decoding a
transfer encoding is the registry's (``_transfer``).

Delimiters (RFC 2046 §5.1.1): ``--boundary`` at the start of a line, then
optional spaces/tabs (transport padding) and a line break, or ``--`` for the
close delimiter. The line break before a delimiter belongs to it. CRLF and
bare LF both end lines (the latter is recorded once as ``"bare-lf"``). Only
the innermost boundary is searched for: a part whose close delimiter is
missing swallows the rest of its parent, as RFC 2046 gives no way to tell.

Decisions, each recorded as a named :class:`Defect` in lenient mode (strict
mode raises :class:`DecodeError` at the first one):

- ``missing-close-delimiter``: EOF inside a body; what arrived is kept.
  EOF inside a part's header block is a truncated message and ``close()``
  raises ``DecodeError`` (status 2004) instead.
- ``junk-after-close-delimiter``: text after ``--boundary--`` on its line
  (kept in the epilogue). A non-empty epilogue itself is legal.
- ``part-transfer-encoding``: a ``Transfer-Encoding`` part header (mm7-spec.md
  §5 item 11); ignored.
- ``base64-invalid-characters`` (ignored, as RFC 2045 §6.8 directs),
  ``base64-padding`` (missing or short padding; the partial quantum is
  decoded), ``base64-invalid-length`` (one stray character; dropped),
  ``base64-data-after-padding`` (ignored, as stdlib ``email`` does).
  All carry status 2004 in strict mode.
- ``unknown-transfer-encoding``: body kept as raw bytes.
- ``multipart-without-boundary``: treated as a leaf, as stdlib does.
- ``malformed-header``, ``missing-header-separator``, ``invalid-content-type``,
  ``preamble-too-long`` / ``epilogue-too-long`` (only the first
  ``max_header_size`` bytes are kept; the rest is dropped).

Quoted-printable is decoded with ``binascii.a2b_qp`` line by line, which is
what stdlib ``email`` does, so malformed escapes pass through unchanged.

Limits (:class:`Limits`) are checked as bytes arrive, so memory never grows
past a limit plus one chunk: ``max_message_size`` (every byte fed, counted by
a :class:`MessageBudget`, the one counter the ``Decoder`` uses too),
``max_parts`` (every part, the root included), ``max_depth`` (nested
multiparts, the root multipart is depth 1) and ``max_header_size`` (one
part's header block).
"""

from __future__ import annotations

from ._errors import DecodeError, DefectRecorder, LimitExceededError
from ._headers import ContentType, normalize_content_id, parse_content_type, parse_header_block
from ._limits import Limits, MessageBudget
from ._part import Part, PartInfo, SinkFactory, _Body, _BytesBody, _DefaultSink, _FileSink, _Sink
from ._transfer import IDENTITY, lookup

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Set, Tuple

    from ._headers import Headers
    from ._transfer import Decoding, Transfer

__all__ = ["MimeParser", "parse", "parse_entity"]

_CONTENT_REFUSED = 2004
_DEFAULT_LIMITS = Limits()
# How far back a body hand-over may stop at a line break to keep lines whole.
_ALIGN = 1024
# Longest piece of an encoded body handed to its decoder at once.
_PIECE = 1 << 16
_DASH = ord("-")
# Below this many bytes the needle search alone is the quicker (see _scan).
_DASH_FIRST = 1 << 13
# How much of a long buffer is searched for a delimiter at a time (see _window).
_WINDOW = 1 << 18
# Longest transport padding waited for after a delimiter before calling it text.
_MAX_PADDING = 1000
# How much of the text after a close delimiter a defect shows.
_JUNK_SHOWN = 40

_S_PREAMBLE = 0
_S_HEADERS = 1
_S_BODY = 2
_S_CLOSE_LINE = 3
_S_EPILOGUE = 4
_S_END = 5
_S_ROOT_BODY = 6
_S_DONE = 7

_T_NEED = 0
_T_NO = 1
_T_OPEN = 2
_T_CLOSE = 3

_TEXT_PLAIN = ContentType("text", "plain")
_MESSAGE_RFC822 = ContentType("message", "rfc822")
_new_part = Part._parsed
_CT_NAME_LENGTHS = frozenset(
    map(len, ("content-type", "content-transfer-encoding", "transfer-encoding", "content-id"))
)


class _Level:
    """One open multipart."""

    __slots__ = ("children", "cid", "ct", "delim", "digest", "headers", "needle", "preamble")

    def __init__(self, block: _Block, ct: ContentType) -> None:
        self.headers = block.headers
        self.cid = block.cid
        self.ct = ct
        self.delim = block.delim
        self.needle = block.needle
        self.digest = ct.subtype == "digest"
        self.children: List[Part] = []
        self.preamble: Optional[bytes] = None


def _bare_lf_at(buf: bytes, nxt: int) -> bool:
    """Whether the delimiter line ending before ``nxt`` ends in a bare LF."""
    return buf[nxt - 1] == 10 and buf[nxt - 2] != 13


_NO_LINES: List[str] = []


class _Block:
    """One header block, read: what every part with the same block shares.

    Blocks repeat (a gateway writes the same SOAP and SMIL part headers in
    every message), so parsed blocks are cached by their bytes (see _read_block).
    """

    __slots__ = (
        "bad",
        "bare_lf",
        "boundary",
        "cid",
        "coding",
        "ct",
        "ct_ok",
        "delim",
        "headers",
        "needle",
        "raw_ct",
        "raw_cte",
        "transfer",
    )

    def __init__(self, headers: Headers, bad: List[str] = _NO_LINES, bare_lf: bool = False) -> None:
        self.headers = headers
        self.bad = bad
        self.bare_lf = bare_lf
        self.raw_ct, self.raw_cte, self.transfer, raw_cid = _entity_headers(headers)
        # Normalised once per block: the decoder matches parts by it.
        self.cid = normalize_content_id(raw_cid)
        # Read as a part outside a digest (where the default type differs).
        self.ct, self.ct_ok = parse_content_type(self.raw_ct)
        self.coding = lookup(self.raw_cte)
        boundary = ""
        if self.ct.type == "multipart":
            boundary = (self.ct.params.get("boundary") or "").rstrip()
        self.boundary = boundary
        # A multipart's delimiter and the needle searched for, made once per block.
        self.delim = b"--" + boundary.encode("latin-1", "replace")
        self.needle = b"\n" + self.delim


def _entity_headers(
    headers: Headers,
) -> Tuple[Optional[str], Optional[str], Optional[str], Optional[str]]:
    """The first Content-Type, the first Content-Transfer-Encoding, any Transfer-Encoding
    and the first Content-ID."""
    raw_ct: Optional[str] = None
    raw_cte: Optional[str] = None
    transfer: Optional[str] = None
    raw_cid: Optional[str] = None
    for name, value in headers:
        # Only names of these four lengths can matter (12, 25, 17, 10).
        if len(name) not in _CT_NAME_LENGTHS:
            continue
        lname = name.lower()
        if lname == "content-type":
            if raw_ct is None:
                raw_ct = value
        elif lname == "content-transfer-encoding":
            if raw_cte is None:
                raw_cte = value
        elif lname == "transfer-encoding":
            transfer = value
        elif lname == "content-id" and raw_cid is None:
            raw_cid = value
    return raw_ct, raw_cte, transfer, raw_cid


_BLOCKS: Dict[bytes, _Block] = {}
_BLOCKS_MAX = 256
_BLOCK_CACHED_MAX = 1024


def _read_block(raw: bytes) -> _Block:
    block = _BLOCKS.get(raw)
    if block is None:
        text = raw.decode("latin-1")
        headers, bad = parse_header_block(text)
        block = _Block(tuple(headers), bad, text.count("\n") != text.count("\r\n"))
        if len(raw) <= _BLOCK_CACHED_MAX:
            if len(_BLOCKS) >= _BLOCKS_MAX:
                _BLOCKS.clear()
            _BLOCKS[raw] = block
    return block


_ROOT_BLOCKS: Dict[Tuple[str, Optional[str]], _Block] = {}


def _root_block(content_type: str, transfer_encoding: Optional[str]) -> _Block:
    """The block of an entity whose headers came from elsewhere (HTTP), cached as _read_block."""
    key = (content_type, transfer_encoding)
    block = _ROOT_BLOCKS.get(key)
    if block is None:
        headers: List[Tuple[str, str]] = [("Content-Type", content_type)]
        if transfer_encoding:
            headers.append(("Content-Transfer-Encoding", transfer_encoding))
        block = _Block(tuple(headers))
        if len(content_type) <= _BLOCK_CACHED_MAX:
            if len(_ROOT_BLOCKS) >= _BLOCKS_MAX:
                _ROOT_BLOCKS.clear()
            _ROOT_BLOCKS[key] = block
    return block


class _Collector:
    """A preamble or epilogue: kept up to ``max_header_size`` bytes, the rest dropped."""

    __slots__ = ("chunks", "cut", "seen", "size")

    def __init__(self) -> None:
        self.chunks: List[bytes] = []
        self.size = 0
        self.cut = False
        # Whether the line that starts an epilogue ended (an empty one is then b"").
        self.seen = False

    def write(self, data: bytes, cap: int) -> bool:
        """Keep ``data``; ``True`` the first time something had to be dropped."""
        first_cut = False
        if self.size + len(data) > cap:
            first_cut = not self.cut
            self.cut = True
            data = data[: cap - self.size]
        if data:
            self.chunks.append(data)
            self.size += len(data)
        return first_cut

    def take(self) -> bytes:
        if not self.chunks:
            self.cut = False
            return b""
        data = b"".join(self.chunks)
        self.chunks = []
        self.size = 0
        self.cut = False
        return data


class _Leaf:
    """The leaf whose body is being read: its headers, transfer encoding and decoder."""

    __slots__ = ("cid", "coding", "ct", "headers", "out")

    def __init__(self, block: _Block, ct: ContentType, coding: Transfer) -> None:
        self.headers = block.headers
        self.cid = block.cid
        self.ct = ct
        self.coding = coding
        # The sink behind its decoder, made when the first bytes arrive: a body
        # that arrives whole is decoded in one go instead (MimeParser._whole_body).
        self.out: Optional[Decoding] = None


_NO_LEAF = _Leaf(_Block(()), _TEXT_PLAIN, IDENTITY)


class MimeParser:
    """Push parser for the body of one MIME entity.

    ``content_type`` is the entity's Content-Type (in MM7 an HTTP header);
    pass ``None`` when the data starts with the entity's own header block.
    Feed bytes in any chunking with :meth:`feed`, then call :meth:`close` for
    the root :class:`Part`. A non-multipart content type gives a leaf root.

    ``sink_factory(info)`` may return a binary file object (opened ``"w+b"``)
    to receive each leaf's decoded body; by default bodies collect in memory
    and move to a temporary file above ``limits.spool_threshold`` bytes.

    Raises (from ``feed`` and ``close``):
        LimitExceededError: a limit in ``limits`` was exceeded.
        DecodeError: the message is truncated inside a header block, or (in
            strict mode) any defect was found.
    """

    # One of these per message: no instance dict to build.
    __slots__ = (
        "_align",
        "_base",
        "_budget",
        "_buf",
        "_closing",
        "_collect",
        "_hscan",
        "_leaf",
        "_limits",
        "_line_start",
        "_max_header",
        "_max_parts",
        "_nparts",
        "_once",
        "_pos",
        "_root",
        "_sink_factory",
        "_spool",
        "_stack",
        "_state",
        "defects",
    )

    def __init__(
        self,
        content_type: Optional[str] = None,
        *,
        transfer_encoding: Optional[str] = None,
        limits: Limits = _DEFAULT_LIMITS,
        defects: Optional[DefectRecorder] = None,
        sink_factory: Optional[SinkFactory] = None,
    ) -> None:
        self._limits = limits
        self._budget = MessageBudget(limits.max_message_size)
        # Read once: Limits attributes are slower to read than our own.
        self._max_parts = limits.max_parts
        self._max_header = limits.max_header_size
        self._spool = limits.spool_threshold
        self.defects = defects if defects is not None else DefectRecorder()
        self._sink_factory = sink_factory
        # The window: unparsed bytes from _pos on; _base is the offset of _buf[0].
        self._buf = b""
        self._pos = 0
        self._base = 0
        self._stack: List[_Level] = []
        self._line_start = True
        self._hscan = 0
        self._nparts = 0
        self._once: Set[str] = set()
        self._root: Optional[Part] = None
        self._align = False
        self._leaf = _NO_LEAF
        self._collect = _Collector()
        self._closing: Optional[_Level] = None
        self._state = _S_HEADERS
        if content_type is not None:
            self._start_entity(_root_block(content_type, transfer_encoding))

    # -- public ------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Parse the next chunk of the body (any size, including empty)."""
        if self._state == _S_DONE:
            raise DecodeError("feed() after close()", status_code=_CONTENT_REFUSED)
        if not isinstance(data, bytes):
            data = bytes(data)
        n = len(data)
        if not n:
            return
        keep = self._budget.take(n)
        if keep == n:
            self._feed(data)
            return
        if keep:
            self._feed(data[:keep])
        if self._align:
            # Hand the body over up to the last byte that cannot start a
            # delimiter, not just to a line break: what the decoder has
            # seen (and found) then does not depend on the chunking.
            self._align = False
            self._run(False)
        raise self._budget.error()

    def _feed(self, data: bytes) -> None:
        n = len(data)
        if self._state == _S_ROOT_BODY:
            self._base += n
            out = self._leaf.out
            assert out is not None
            out.write(data)
            return
        pos = self._pos
        if pos >= len(self._buf):
            self._base += len(self._buf)
            self._buf = data
            self._hscan = 0
        else:
            self._base += pos
            self._buf = self._buf[pos:] + data
            self._hscan = max(0, self._hscan - pos)
        self._pos = 0
        self._run(False)

    def close(self) -> Part:
        """End of input: finish every open part and return the root.

        Raises:
            DecodeError: EOF inside a part's header block (a truncated message).
        """
        if self._state == _S_DONE:
            assert self._root is not None
            return self._root
        self._run(True)
        self._finish_eof()
        self._state = _S_DONE
        self._buf = b""
        assert self._root is not None
        return self._root

    # -- helpers -----------------------------------------------------------

    def _defect(self, kind: str, detail: str = "", *, status_code: Optional[int] = None) -> None:
        self.defects.record(kind, detail, status_code=status_code, offset=self._base + self._pos)

    def _defect_once(self, kind: str, detail: str = "") -> None:
        if kind not in self._once:
            self._once.add(kind)
            self._defect(kind, detail)

    def _limit(self, name: str, value: int, what: str) -> LimitExceededError:
        return LimitExceededError(what, limit=name, value=value, offset=self._base + self._pos)

    def _start_entity(self, block: _Block) -> None:
        """Set up for the body of an entity whose header block was just read."""
        self._nparts += 1
        if self._nparts > self._max_parts:
            raise self._limit(
                "max_parts", self._limits.max_parts, f"more than {self._limits.max_parts} parts"
            )
        stack = self._stack
        if block.transfer is not None:
            self._defect("part-transfer-encoding", f"Transfer-Encoding: {block.transfer} ignored")
        if stack and stack[-1].digest:
            ct, ok = parse_content_type(block.raw_ct, _MESSAGE_RFC822)
            boundary = "" if ct is _MESSAGE_RFC822 else block.boundary
        else:
            ct, ok, boundary = block.ct, block.ct_ok, block.boundary
        if not ok:
            self._defect("invalid-content-type", repr(block.raw_ct))
        self._line_start = True
        if boundary:
            if len(stack) >= self._limits.max_depth:
                raise self._limit(
                    "max_depth",
                    self._limits.max_depth,
                    f"multiparts nested deeper than {self._limits.max_depth}",
                )
            stack.append(_Level(block, ct))
            self._state = _S_PREAMBLE
            self._collect.take()
            return
        if ct.type == "multipart":
            self._defect("multipart-without-boundary", ct.mime_type)
        coding = block.coding
        if coding is None:
            assert block.raw_cte is not None
            cte = block.raw_cte.strip().lower()
            self._defect("unknown-transfer-encoding", f"{cte!r} kept as raw bytes")
            coding = IDENTITY
        self._align = coding.aligned
        self._leaf = _Leaf(block, ct, coding)
        if stack and self._sink_factory is None:
            self._state = _S_BODY
            return
        out = self._open_out()
        self._state = _S_BODY if stack else _S_ROOT_BODY
        if self._state == _S_ROOT_BODY and self._pos < len(self._buf):
            out.write(self._buf[self._pos :])
            self._base += len(self._buf)
            self._buf = b""
            self._pos = 0

    def _open_out(self) -> Decoding:
        """The current leaf's sink, behind its transfer decoder."""
        leaf = self._leaf
        if self._sink_factory is not None:
            sink: _Sink = _FileSink(self._sink_factory(PartInfo(leaf.headers, leaf.ct)))
        else:
            sink = _DefaultSink(self._spool)
        out = leaf.out = leaf.coding.decoder(sink, self._content_defect)
        return out

    def _content_defect(self, kind: str, detail: str) -> None:
        self._defect(kind, detail, status_code=_CONTENT_REFUSED)

    def _whole_body(self, buf: bytes, start: int, end: int) -> _Body:
        """The body ``buf[start:end]`` of a leaf that arrived in one piece (no sink made yet)."""
        if end - start <= self._spool:
            decoded = self._leaf.coding.decode_whole(buf[start:end])
            if decoded is not None:
                return _BytesBody(decoded)
        out = self._open_out()
        self._leaf.out = None
        self._write(out, buf, start, end)
        return out.finish()

    def _write(self, out: Decoding, buf: bytes, start: int, end: int) -> None:
        """Hand ``buf[start:end]`` to the leaf's decoder.

        A long encoded body goes in pieces of about 64 KiB cut after a line
        break: a message fed whole then decodes from cache as one fed in
        chunks does (one 50 MB call ran slower per byte than 64 KiB feeds).
        """
        if end - start > _PIECE and self._leaf.coding.aligned:
            while end - start > _PIECE:
                cut = buf.rfind(b"\n", start + _PIECE - _ALIGN, start + _PIECE)
                cut = start + _PIECE if cut < 0 else cut + 1
                out.write(buf[start:cut])
                start = cut
        if end > start:
            out.write(buf[start:end])

    def _finish_leaf(self) -> Part:
        leaf = self._leaf
        out = leaf.out
        if out is None:
            return _new_part(leaf.headers, leaf.ct, self._whole_body(b"", 0, 0), cid=leaf.cid)
        leaf.out = None
        return _new_part(leaf.headers, leaf.ct, out.finish(), cid=leaf.cid)

    def _add(self, part: Part) -> None:
        if self._stack:
            self._stack[-1].children.append(part)
        else:
            self._root = part

    def _collect_write(self, data: bytes) -> None:
        cap = self._max_header
        if self._collect.write(data, cap):
            # Once per preamble or epilogue, however many chunks it comes in.
            kind = "preamble-too-long" if self._state == _S_PREAMBLE else "epilogue-too-long"
            self._defect(kind, f"only the first {cap} bytes kept")

    # -- the state machine -------------------------------------------------

    def _run(self, final: bool) -> None:
        while True:
            st = self._state
            if st in (_S_BODY, _S_PREAMBLE, _S_EPILOGUE):
                if not self._scan(final):
                    return
            elif st == _S_HEADERS:
                if not self._headers(final):
                    return
            elif st == _S_CLOSE_LINE:
                if not self._close_line(final):
                    return
            elif st == _S_END:
                if self._pos < len(self._buf):
                    self._collect_write(self._buf[self._pos :])
                    self._pos = len(self._buf)
                return
            else:
                return

    def _emit(self, start: int, end: int) -> None:
        if end <= start:
            return
        if self._state == _S_BODY:
            out = self._leaf.out
            if out is None:
                out = self._open_out()
            self._write(out, self._buf, start, end)
        else:
            self._collect_write(self._buf[start:end])

    def _terminator(self, k: int, final: bool) -> Tuple[int, int]:
        """Classify what follows ``--boundary`` at ``k``: (kind, next position)."""
        buf = self._buf
        n = len(buf)
        if k >= n:
            return (_T_OPEN, n) if final else (_T_NEED, 0)
        c = buf[k]
        if c == 45:
            if k + 1 >= n:
                return (_T_NO, 0) if final else (_T_NEED, 0)
            return (_T_CLOSE, k + 2) if buf[k + 1] == 45 else (_T_NO, 0)
        i = k
        while c == 32 or c == 9:
            i += 1
            if i >= n:
                if final:
                    return (_T_OPEN, n)
                return (_T_NO, 0) if i - k > _MAX_PADDING else (_T_NEED, 0)
            c = buf[i]
        if c == 10:
            return (_T_OPEN, i + 1)
        if c == 13:
            if i + 1 >= n:
                return (_T_OPEN, n) if final else (_T_NEED, 0)
            if buf[i + 1] == 10:
                return (_T_OPEN, i + 2)
        return (_T_NO, 0)

    def _scan(self, final: bool) -> bool:
        """Look for the innermost delimiter; hand the bytes before it on."""
        lvl = self._stack[-1]
        buf = self._buf
        pos = self._pos
        n = len(buf)
        if self._line_start:
            delim = lvl.delim
            if n - pos < len(delim) and not final and delim.startswith(buf[pos:]):
                return False
            if buf.startswith(delim, pos):
                kind, nxt = self._terminator(pos + len(delim), final)
                if kind == _T_NEED:
                    return False
                if kind != _T_NO:
                    self._line_start = False
                    self._delimiter(kind, nxt, True, _bare_lf_at(buf, nxt))
                    return True
            self._line_start = False
        needle = lvl.needle
        stop = n
        if n - pos > self._spool + _WINDOW + len(needle):
            stop = min(n, pos + self._window(len(needle)))
        # No delimiter starts before the first "-" less one (its LF). memchr finds that "-"
        # at memory speed; the needle search crawled (50 MB of base64, which has no "-"
        # at all: 36 ms searched whole, 11 ms in 64 KiB feeds).
        if stop - pos < _DASH_FIRST:
            j = buf.find(needle, pos, stop)
        else:
            dash = buf.find(_DASH, pos, stop)
            j = -1 if dash < 0 else buf.find(needle, dash - 1 if dash > pos else pos, stop)
        limit = stop - len(needle)
        while j >= 0:
            k = j + len(needle)
            two = buf[k : k + 2]
            # The usual delimiter lines are decided here; neither ends in a bare LF.
            if two == b"\r\n":
                kind, nxt, lf_after = _T_OPEN, k + 2, False
            elif two == b"--":
                kind, nxt, lf_after = _T_CLOSE, k + 2, False
            else:
                kind, nxt = self._terminator(k, final)
                lf_after = kind == _T_OPEN and _bare_lf_at(buf, nxt)
            if kind == _T_NEED:
                limit = j - 1  # keep the CR that may belong to the delimiter
                stop = n  # the line runs to the end of what has arrived: wait for more
                break
            if kind == _T_NO:
                j = buf.find(needle, j + 1, stop)
                continue
            end = j
            # A bare LF before or after the delimiter is recorded once what
            # precedes it (and its defects) is done: the defect order must not
            # depend on where chunks end.
            if j > pos and buf[j - 1] == 13:
                end = j - 1
                lf = lf_after
            else:
                lf = True
            if self._state == _S_BODY:
                leaf = self._leaf
                out = leaf.out
                if out is None:
                    # The whole body is here: decode it in one go.
                    whole = self._whole_body(buf, pos, end)
                    lvl.children.append(_new_part(leaf.headers, leaf.ct, whole, cid=leaf.cid))
                    self._past_delimiter(kind, nxt, lvl, lf)
                    return True
                self._write(out, buf, pos, end)
            elif end > pos:
                self._collect_write(buf[pos:end])
            self._delimiter(kind, nxt, False, lf)
            return True
        if final and stop == n:
            self._emit(pos, n)
            self._pos = n
            return False
        # Nothing from `limit` on can be handed over yet: a delimiter (and the
        # CR before it) may start there.
        end = limit
        if end > pos:
            if self._align and self._state == _S_BODY:
                nl = buf.rfind(b"\n", max(pos, end - _ALIGN), end)
                if nl >= 0:
                    end = nl + 1
            self._emit(pos, end)
            self._pos = end
        return stop < n

    def _window(self, needle: int) -> int:
        """How far a long buffer is searched before what was searched is handed on.

        A stretch searched to its end (50 MB fed whole) was then read again for
        decoding, from memory rather than cache: whole ran 6-13 % slower than
        64 KiB feeds. A leaf's first window is the spool threshold, so a body that
        fits in memory still arrives whole; every window leaves room to hand over.
        """
        first = self._state == _S_BODY and self._leaf.out is None
        span = max(_WINDOW, self._spool) if first else _WINDOW
        return max(span, 4 * needle)

    def _delimiter(self, kind: int, nxt: int, at_start: bool, lf: bool) -> None:
        st = self._state
        lvl = self._stack[-1]
        if st == _S_PREAMBLE:
            data = self._collect.take()
            lvl.preamble = None if at_start and not data else data
        elif st == _S_BODY:
            lvl.children.append(self._finish_leaf())
        else:
            lvl.children.append(self._finish_closed(self._collect.take()))
        self._past_delimiter(kind, nxt, lvl, lf)

    def _past_delimiter(self, kind: int, nxt: int, lvl: _Level, lf: bool) -> None:
        """After a delimiter line: the next part's headers, or the close line."""
        self._pos = nxt
        if kind == _T_OPEN:
            self._state = _S_HEADERS
            self._hscan = nxt
        else:
            self._stack.pop()
            self._closing = lvl
            self._state = _S_CLOSE_LINE
        if lf:
            self._defect_once("bare-lf", "LF without CR ends a line")

    def _finish_closed(self, epilogue: Optional[bytes]) -> Part:
        lvl = self._closing
        assert lvl is not None
        self._closing = None
        if not self._collect.seen and not epilogue:
            epilogue = None
        self._collect.seen = False
        return _new_part(
            lvl.headers, lvl.ct, None, tuple(lvl.children), lvl.preamble, epilogue, lvl.cid
        )

    def _close_line(self, final: bool) -> bool:
        buf = self._buf
        pos = self._pos
        n = len(buf)
        i = pos
        while i < n and (buf[i] == 32 or buf[i] == 9):
            i += 1
        eol = False
        if i >= n:
            if not final and i - pos <= _MAX_PADDING:
                return False
            nxt = n
        elif buf[i] == 10:
            nxt = i + 1
            eol = True
            self._defect_once("bare-lf", "LF without CR ends a line")
        elif buf[i] == 13 and i + 1 >= n and not final:
            return False
        elif buf[i] == 13 and i + 1 < n and buf[i + 1] == 10:
            nxt = i + 2
            eol = True
        else:
            # Shown up to _JUNK_SHOWN bytes or the line end, waited for, so that
            # the detail does not depend on where the chunk ends.
            stop = buf.find(b"\n", i, i + _JUNK_SHOWN)
            if stop < 0:
                if n - i < _JUNK_SHOWN and not final:
                    return False
                stop = i + _JUNK_SHOWN
            self._defect("junk-after-close-delimiter", repr(buf[i:stop].rstrip(b"\r")))
            nxt = pos
            eol = True
        self._pos = nxt
        self._collect.take()
        self._collect.seen = eol
        self._line_start = eol and nxt != pos
        self._state = _S_EPILOGUE if self._stack else _S_END
        return True

    def _headers(self, final: bool) -> bool:
        """Read one header block; it ends at a blank line or at a delimiter line.

        A delimiter cannot occur inside a part (RFC 2046 §5.1.1), so a
        delimiter line ends the block too (an empty body follows;
        ``missing-header-separator``), as in stdlib ``email``. The block's
        length up to whichever end comes first is what ``max_header_size``
        limits; while the end has not arrived, the limit is raised only once
        no end can come soon enough, so the answer never depends on chunking.
        """
        buf = self._buf
        pos = self._pos
        n = len(buf)
        lvl = self._stack[-1] if self._stack else None
        if n - pos < 2 and (n - pos == 0 or (buf[pos] == 13 and not final)):
            return False
        c = buf[pos]
        separator = ""
        if c == 13 and buf[pos + 1 : pos + 2] == b"\n":
            block_end, body = pos, pos + 2
        elif c == 10:
            block_end, body = pos, pos + 1
            self._defect_once("bare-lf", "LF without CR ends a line")
        else:
            s = self._hscan
            if s < pos:
                s = pos
            # Bounded by the header limit: a blank line further on makes the block too
            # long anyway, and an unbounded search is quadratic in a bare-LF body.
            e = buf.find(b"\n\r\n", s, pos + self._max_header + 3)
            e2 = buf.find(b"\n\n", s, n if e < 0 else e + 2)
            if e2 >= 0 and (e < 0 or e2 < e):
                block_end, body = e2 + 1, e2 + 2
            elif e >= 0:
                block_end, body = e + 1, e + 3
            else:
                block_end = body = -1
            if lvl is not None:
                end = n if block_end < 0 else block_end
                # The usual block holds no delimiter: two searches decide it here.
                needle = lvl.needle
                t = s - len(needle)
                if buf.startswith(lvl.delim, pos) or (
                    buf.find(needle, t if t > pos else pos, end) >= 0
                ):
                    d = self._header_delim(lvl, pos, end, final)
                else:
                    d = -1
                if d == -2:
                    return False  # a delimiter whose line has not ended yet
                if d >= 0:
                    separator = "delimiter inside a header block" if d > pos else "no headers"
                    block_end = body = d
            if block_end < 0:
                # The earliest end still possible: a blank line starting in
                # the last byte, or a delimiter in the last len(needle) - 1.
                soonest = n - 1 if lvl is None else n + 2 - len(lvl.needle)
                if (soonest if not final else n) - pos > self._max_header:
                    raise self._header_limit()
                if final and lvl is None:
                    # An entity that is all headers: no body.
                    block_end = body = n
                else:
                    self._hscan = max(pos, n - 2)
                    return False
        if block_end - pos > self._max_header:
            raise self._header_limit()
        if separator:
            # After the limit check: chunked, the limit is found before the delimiter.
            self._defect("missing-header-separator", separator)
        block = _read_block(buf[pos:block_end])
        if block.bare_lf:
            self._defect_once("bare-lf", "LF without CR ends a line")
        if block.bad:
            for line in block.bad:
                self._defect("malformed-header", repr(line[:60]))
        self._pos = body
        self._start_entity(block)
        return True

    def _header_limit(self) -> LimitExceededError:
        size = self._max_header
        return self._limit("max_header_size", size, f"part header block longer than {size} bytes")

    def _header_delim(self, lvl: _Level, pos: int, end: int, final: bool) -> int:
        """Where a delimiter line ends the header block at ``pos``, before ``end``.

        Returns the delimiter's start (the body, empty, starts there), ``-1``
        for none, ``-2`` when a delimiter's line has not ended yet. Resumes
        where the last search stopped (``_hscan``), so a block arriving in
        small chunks is not rescanned.
        """
        buf = self._buf
        delim = lvl.delim
        if buf.startswith(delim, pos):
            kind, _ = self._terminator(pos + len(delim), final)
            if kind == _T_NEED:
                return -2
            if kind != _T_NO:
                return pos
        needle = lvl.needle
        j = buf.find(needle, max(pos, self._hscan - len(needle)), end)
        while j >= 0:
            kind, _ = self._terminator(j + len(needle), final)
            if kind == _T_NEED:
                return -2
            if kind != _T_NO:
                return j + 1
            j = buf.find(needle, j + 1, end)
        return -1

    def _finish_eof(self) -> None:
        st = self._state
        if st == _S_ROOT_BODY:
            self._root = self._finish_leaf()
            return
        if st == _S_HEADERS:
            if self._stack and self._buf[self._pos :].strip():
                raise DecodeError(
                    "message truncated inside a part's header block",
                    status_code=_CONTENT_REFUSED,
                    offset=self._base + len(self._buf),
                )
            if not self._stack and self._root is None:
                raise DecodeError("empty entity", status_code=_CONTENT_REFUSED, offset=0)
        if self._stack:
            self._defect("missing-close-delimiter", "EOF before the close delimiter")
            if st == _S_BODY:
                self._stack[-1].children.append(self._finish_leaf())
            elif st == _S_EPILOGUE:
                self._stack[-1].children.append(self._finish_closed(self._collect.take()))
            elif st == _S_PREAMBLE:
                data = self._collect.take()
                self._stack[-1].preamble = data or None
            while self._stack:
                lvl = self._stack.pop()
                part = Part(
                    lvl.headers, parts=lvl.children, content_type=lvl.ct, preamble=lvl.preamble
                )
                self._add(part)
            return
        # The root's close delimiter was read: a final run leaves _S_END only.
        self._root = self._finish_closed(self._collect.take())


def parse(
    body: bytes,
    content_type: str,
    *,
    transfer_encoding: Optional[str] = None,
    limits: Limits = _DEFAULT_LIMITS,
    defects: Optional[DefectRecorder] = None,
    sink_factory: Optional[SinkFactory] = None,
) -> Part:
    """Parse a whole body whose Content-Type is known (feed it all, then close).

    Raises:
        LimitExceededError, DecodeError: as :class:`MimeParser`.
    """
    parser = MimeParser(
        content_type,
        transfer_encoding=transfer_encoding,
        limits=limits,
        defects=defects,
        sink_factory=sink_factory,
    )
    parser.feed(body)
    return parser.close()


def parse_entity(
    data: bytes,
    *,
    limits: Limits = _DEFAULT_LIMITS,
    defects: Optional[DefectRecorder] = None,
    sink_factory: Optional[SinkFactory] = None,
) -> Part:
    """Parse a whole entity that starts with its own header block.

    Raises:
        LimitExceededError, DecodeError: as :class:`MimeParser`.
    """
    parser = MimeParser(None, limits=limits, defects=defects, sink_factory=sink_factory)
    parser.feed(data)
    return parser.close()
