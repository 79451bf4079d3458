"""The MIME writer: a ``Part`` tree out as bytes, in chunks, file-backed bodies streamed.

A :class:`MimeWriter` plans once (boundaries, transfer encodings, header blocks,
the encoded length) and every pass over the body uses that plan, so the
Content-Type header, ``content_length`` and the bytes agree. The length comes
from the plan alone: each leaf's encoded size from its decoded size (a file's
from ``stat``) through the transfer-encoding registry, so announcing it reads
and encodes nothing.

Every multipart gets a boundary that cannot occur in what it encloses. A
delimiter is "--boundary" at the start of a line, so base64 output (whose
lines never start with '-') is always safe; raw and quoted-printable bodies,
preambles and epilogues are searched, file-backed ones in chunks. A nested
boundary starting with the outer one is refused too. A boundary the part
already carries is kept when safe; otherwise a random one is drawn.

Transfer encodings when the part does not set one: see ``_transfer.choose``.
Quoted-printable is written only when asked for (and then the body is encoded
in memory, once per plan).
"""

from __future__ import annotations

from ._errors import EncodeError
from ._headers import ContentType, _valid_boundary
from ._part import Part, _check_header
from ._transfer import IDENTITY, Transfer, choose, lookup

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterator, List, Optional, Tuple

    from ._part import _Bytes
    from ._transfer import Chunk

__all__ = ["MimeWriter", "iter_write", "iter_write_body", "to_bytes"]

_COALESCE = 1 << 16
# A piece this large is a chunk of its own (a base64 body's last one is often under 64 KiB).
_LARGE = 1 << 14
_TEXTUAL = frozenset(
    ("application/smil", "application/xml", "application/json", "application/soap+xml")
)
# Random boundaries drawn before giving up (one almost always does).
_DRAWS = 100


def _is_textual(ct: ContentType) -> bool:
    return ct.type == "text" or ct.mime_type in _TEXTUAL or ct.subtype.endswith("+xml")


def _contains(chunks: Iterator[_Bytes], needle: bytes) -> bool:
    """Whether ``needle`` occurs in the stream, across chunk edges too.

    Each chunk is searched where it lies; only the seam (the last
    ``len(needle) - 1`` bytes before it and as many after) is copied.
    """
    keep = len(needle) - 1
    assert keep > 0  # a delimiter: "--" and a boundary
    tail = b""
    for chunk in chunks:
        if needle in chunk or (tail and needle in tail + chunk[:keep]):
            return True
        tail = (tail + chunk[-keep:])[-keep:]
    return False


def _urandom(n: int) -> bytes:
    import os  # here: the package itself does not need os at import

    return os.urandom(n)


class _Leaf:
    """What the plan decided for one leaf."""

    __slots__ = ("encoded", "size", "transfer")

    def __init__(self, transfer: Transfer, encoded: Optional[bytes], size: int) -> None:
        self.transfer = transfer
        # The encoded body when only encoding tells its length (quoted-printable).
        self.encoded = encoded
        self.size = size


class MimeWriter:
    """A part tree planned for writing.

    ``include_headers=False`` writes the root's body only (its headers travel
    elsewhere, as MM7's top level does in HTTP headers: see ``content_type``);
    ``raw_root`` writes a non-multipart root as its bytes (HTTP is 8-bit clean
    and there is no header to carry a transfer encoding).

    Raises:
        EncodeError: an invalid header, a boundary given that occurs in the
            content, or no boundary found.
    """

    __slots__ = ("_boundary", "_content_types", "_fixed", "_headers", "_heads", "_leaves", "root")

    def __init__(self, root: Part, *, include_headers: bool = True, raw_root: bool = False) -> None:
        if not isinstance(root, Part):
            raise EncodeError(f"expected a Part, got {type(root).__name__}")
        self.root = root
        self._headers = include_headers
        self._boundary: Dict[int, bytes] = {}
        # A multipart's Content-Type with the boundary chosen for it.
        self._content_types: Dict[int, ContentType] = {}
        self._leaves: Dict[int, _Leaf] = {}
        # Each part's header block, built (and validated) once per plan.
        self._heads: Dict[int, bytes] = {}
        # The delimiters callers chose: no other boundary may start with one.
        self._fixed = tuple(
            b"--" + p.content_type.params["boundary"].encode("ascii")
            for p in root.walk()
            if p._fixed_boundary
        )
        if raw_root and not root.is_multipart:
            self._leaves[id(root)] = self._leaf(root, IDENTITY)
        self._visit(root)
        self._head(root)  # validates the headers before any output

    # -- public ------------------------------------------------------------

    @property
    def content_type(self) -> str:
        """The root's Content-Type header value (with the boundary chosen for it)."""
        return str(self._final_ct(self.root))

    @property
    def content_length(self) -> int:
        """The length of what :meth:`iter_chunks` yields, from the plan (nothing is read)."""
        size = self._length(self.root, self._headers)
        if self.root.is_multipart and not self.root.epilogue:
            size += 2
        return size

    def iter_chunks(self) -> Iterator[bytes]:
        """The bytes in chunks of about 64 KiB (file-backed bodies streamed)."""
        return _coalesce(self._top())

    def to_bytes(self) -> bytes:
        """The whole output as one ``bytes``."""
        # The pieces joined once: coalescing them first would copy twice.
        return b"".join(self._top())

    # -- planning ------------------------------------------------------------

    def _leaf(self, part: Part, transfer: Optional[Transfer]) -> _Leaf:
        body = part._body
        assert body is not None  # a leaf is a part with a body
        if transfer is None:
            transfer = choose(body.in_memory(), _is_textual(part.content_type))
        encoded_size = transfer.encoded_size(body.size)
        if encoded_size is not None:
            return _Leaf(transfer, None, encoded_size)
        encoded = b"".join(transfer.encode(body))
        return _Leaf(transfer, encoded, len(encoded))

    def _visit(self, part: Part) -> None:
        if id(part) in self._boundary or id(part) in self._leaves:
            return
        if not part.is_multipart:
            declared = part.transfer_encoding
            # Unknown encodings are passed through: the data is taken as encoded.
            transfer = (lookup(declared) or Transfer(declared)) if declared else None
            self._leaves[id(part)] = self._leaf(part, transfer)
            return
        for child in part.parts:
            self._visit(child)
        boundary = self._boundary[id(part)] = self._choose_boundary(part)
        self._content_types[id(part)] = part.content_type.replace(boundary=boundary.decode("ascii"))

    def _safe(self, part: Part, delim: bytes) -> bool:
        for piece in (part.preamble, part.epilogue):
            if piece and delim in piece:
                return False
        for child in part.parts:
            if child.is_multipart:
                if (b"--" + self._boundary[id(child)]).startswith(delim):
                    return False
                if not self._safe(child, delim):
                    return False
                continue
            leaf = self._leaves[id(child)]
            if leaf.transfer.delimiter_free:
                continue
            if leaf.encoded is not None:
                if delim in leaf.encoded:
                    return False
                continue
            body = child._body
            data = body.in_memory() if body is not None else b""
            if data is not None:
                if delim in data:
                    return False
            elif _contains(child.iter_data(), delim):
                return False
        return True

    def _free(self, b: bytes) -> bool:
        """No delimiter a caller chose is a prefix of ``--b`` (so ``b`` can nest in it)."""
        return not (b"--" + b).startswith(self._fixed)

    def _choose_boundary(self, part: Part) -> bytes:
        existing = part.content_type.params.get("boundary")
        if part._fixed_boundary:
            assert existing is not None
            b = existing.encode("ascii")
            if not self._safe(part, b"--" + b):
                raise EncodeError(
                    f"boundary {existing!r} occurs in the content of its multipart;"
                    " choose another or let the writer pick one"
                )
            return b
        if existing and _valid_boundary(existing):
            b = existing.encode("ascii")
            if self._free(b) and self._safe(part, b"--" + b):
                return b
        # A boundary a caller chose may be a prefix of every "=_mm7_" one.
        lead = b"=_mm7_" if self._free(b"=_mm7_") else b""
        for _ in range(_DRAWS):
            b = lead + _urandom(12).hex().encode("ascii")
            if self._free(b) and self._safe(part, b"--" + b):
                return b
        raise EncodeError(
            f"no boundary found in {_DRAWS} draws that neither occurs in the content"
            " nor starts with a boundary given"
        )

    def _final_ct(self, part: Part) -> ContentType:
        return self._content_types.get(id(part)) or part.content_type

    def _head(self, part: Part) -> bytes:
        head = self._heads.get(id(part))
        if head is None:
            head = self._heads[id(part)] = self._build_head(part)
        return head

    def _build_head(self, part: Part) -> bytes:
        lines: List[str] = []
        ct_value = str(self._final_ct(part))
        cte = None if part.is_multipart else self._leaves[id(part)].transfer.name
        have_ct = have_cte = False
        for name, value in part.headers:
            lname = name.lower()
            if lname == "content-type":
                if have_ct:
                    continue
                value = ct_value
                have_ct = True
            elif lname == "content-transfer-encoding":
                if have_cte or cte is None:
                    continue
                value = cte
                have_cte = True
            _check_header(name, value)
            lines.append(f"{name}: {value}")
        if not have_ct:
            lines.insert(0, f"Content-Type: {ct_value}")
        if cte is not None and not have_cte:
            lines.append(f"Content-Transfer-Encoding: {cte}")
        _check_header("Content-Type", ct_value)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")

    def _length(self, part: Part, headers: bool) -> int:
        size = len(self._head(part)) if headers else 0
        if not part.is_multipart:
            return size + self._leaves[id(part)].size
        b = len(self._boundary[id(part)])
        if part.preamble:
            size += len(part.preamble) + 2
        for i, child in enumerate(part.parts):
            size += (2 if i == 0 else 4) + b + 2 + self._length(child, True)
        size += (4 if part.parts else 2) + b + 2
        if part.epilogue:
            size += 2 + len(part.epilogue)
        return size

    # -- writing -------------------------------------------------------------

    def _body(self, part: Part) -> Iterator[Chunk]:
        leaf = self._leaves[id(part)]
        if leaf.encoded is not None:
            yield leaf.encoded
            return
        body = part._body
        assert body is not None  # a leaf is a part with a body
        written = 0
        for chunk in leaf.transfer.encode(body):
            written += len(chunk)
            yield chunk
        if written != leaf.size:
            # The announced length is already out: never send a body that disagrees with it.
            raise EncodeError(
                f"part {part.content_type.mime_type} changed while being written"
                f" ({written} encoded bytes, {leaf.size} planned)"
            )

    def _entity(self, part: Part, headers: bool) -> Iterator[Chunk]:
        if headers:
            yield self._head(part)
        if not part.is_multipart:
            yield from self._body(part)
            return
        b = self._boundary[id(part)]
        if part.preamble:
            yield part.preamble + b"\r\n"
        for i, child in enumerate(part.parts):
            yield (b"--" if i == 0 else b"\r\n--") + b + b"\r\n"
            yield from self._entity(child, True)
        yield (b"\r\n--" if part.parts else b"--") + b + b"--"
        if part.epilogue:
            yield b"\r\n" + part.epilogue

    def _top(self) -> Iterator[Chunk]:
        yield from self._entity(self.root, self._headers)
        if self.root.is_multipart and not self.root.epilogue:
            yield b"\r\n"


def _coalesce(pieces: Iterator[Chunk]) -> Iterator[bytes]:
    """Small pieces gathered into chunks of about 64 KiB; large ones go out as they are
    (gluing a header block to one would copy the whole piece again)."""
    small: List[Chunk] = []
    size = 0
    for piece in pieces:
        if len(piece) >= _LARGE:
            if small:
                yield b"".join(small)
                small = []
                size = 0
            yield bytes(piece)
            continue
        small.append(piece)
        size += len(piece)
        if size >= _COALESCE:
            yield b"".join(small)
            small = []
            size = 0
    if small:
        yield b"".join(small)


def iter_write(part: Part, *, include_headers: bool = True) -> Iterator[bytes]:
    """Yield ``part`` as MIME bytes in chunks (about 64 KiB each, file bodies streamed).

    With ``include_headers=False`` only the body is written (its Content-Type
    is then needed elsewhere: use :func:`iter_write_body`).

    Raises:
        EncodeError: a header name or value is invalid (CR/LF, non-ASCII).
    """
    return MimeWriter(part, include_headers=include_headers).iter_chunks()


def iter_write_body(part: Part) -> Tuple[str, Iterator[bytes]]:
    """The Content-Type header value (with the chosen boundary) and the body's chunks.

    For MM7's top level, where the entity's headers travel as HTTP headers; a
    non-multipart root is written as its raw bytes.

    Raises:
        EncodeError: a header name or value is invalid (CR/LF, non-ASCII).
    """
    writer = MimeWriter(part, include_headers=False, raw_root=True)
    return writer.content_type, writer.iter_chunks()


def to_bytes(part: Part, *, include_headers: bool = True) -> bytes:
    """The whole of :func:`iter_write` joined into one ``bytes``."""
    return MimeWriter(part, include_headers=include_headers).to_bytes()
