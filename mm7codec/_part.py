"""The MIME content model: :class:`Part`, its body storage and the body sinks.

A part is a header list plus either a decoded body (a leaf) or child parts (a
multipart). Bodies live in memory, in a file the caller named
(:meth:`Part.file`, streamed by the writer and never loaded), or in a
temporary file the parser spooled a large part into. Equality looks only at
what a reader of the message sees: headers (without Content-Transfer-Encoding,
which is transport detail, and without the multipart boundary, which the
writer may choose afresh), the content type, the decoded bytes and the
children. So ``parse(write(p)) == p`` holds wherever the bytes are stored.

Parts are immutable once built and deliberately unhashable: a body may be a
file, and hashing would have to read it.
"""

from __future__ import annotations

import io

from ._errors import DecodeError, EncodeError
from ._headers import (
    ContentType,
    _valid_boundary,
    decode_text,
    decode_words,
    header_value,
    normalize_content_id,
    parse_content_type,
    parse_parameters,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from typing import (
        IO,
        Any,
        BinaryIO,
        Callable,
        Dict,
        Iterable,
        Iterator,
        List,
        Mapping,
        NamedTuple,
        Optional,
        Sequence,
        Tuple,
        Union,
    )

    from ._headers import Headers

__all__ = ["Part", "PartInfo", "SinkFactory"]

_Bytes = bytes
_CHUNK = 1 << 16
_REPR_MAX = 40
# A Part attribute not read yet (False: never a value, and it survives pickling).
_UNREAD = False


class _Body:
    """Where a leaf's decoded bytes live."""

    __slots__ = ()

    @property
    def size(self) -> int:
        raise NotImplementedError

    def read(self) -> _Bytes:
        raise NotImplementedError

    def iter_chunks(self, size: int = _CHUNK) -> Iterator[_Bytes]:
        raise NotImplementedError

    def open(self) -> BinaryIO:
        raise NotImplementedError

    def in_memory(self) -> Optional[_Bytes]:
        return None


class _BytesBody(_Body):
    __slots__ = ("_data",)

    def __init__(self, data: _Bytes) -> None:
        self._data = data

    @property
    def size(self) -> int:
        return len(self._data)

    def read(self) -> _Bytes:
        return self._data

    def iter_chunks(self, size: int = _CHUNK) -> Iterator[_Bytes]:
        if len(self._data) <= size:
            if self._data:
                yield self._data
            return
        view = memoryview(self._data)
        for i in range(0, len(self._data), size):
            yield view[i : i + size].tobytes()

    def open(self) -> BinaryIO:
        return io.BytesIO(self._data)

    def in_memory(self) -> Optional[_Bytes]:
        return self._data


class _PathBody(_Body):
    """A file the caller named; read only when the bytes are needed.

    The file may be gone or unreadable by then (deleted before sending): that
    is an :class:`EncodeError` naming it, like any other bad input to encode.
    """

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def _unreadable(self, exc: OSError) -> EncodeError:
        return EncodeError(f"file {self.path!r} cannot be read: {exc.strerror or exc}")

    @property
    def size(self) -> int:
        import os

        try:
            return os.stat(self.path).st_size
        except OSError as exc:
            raise self._unreadable(exc) from exc

    def read(self) -> _Bytes:
        with self.open() as f:
            try:
                return f.read()
            except OSError as exc:
                raise self._unreadable(exc) from exc

    def iter_chunks(self, size: int = _CHUNK) -> Iterator[_Bytes]:
        with self.open() as f:
            while True:
                try:
                    chunk = f.read(size)
                except OSError as exc:
                    raise self._unreadable(exc) from exc
                if not chunk:
                    return
                yield chunk

    def open(self) -> BinaryIO:
        try:
            return open(self.path, "rb")
        except OSError as exc:
            raise self._unreadable(exc) from exc


class _SharedFileReader(io.RawIOBase):
    """Reads a shared file object from its own offset, so readers don't interfere."""

    def __init__(self, fileobj: IO[bytes], size: int) -> None:
        super().__init__()
        self._f = fileobj
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        self._f.seek(self._pos)
        data = self._f.read(want)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


class _FileObjBody(_Body):
    """A file object the parser wrote (a spooled temp file or a caller's sink)."""

    __slots__ = ("_f", "_size")

    def __init__(self, fileobj: IO[bytes], size: int) -> None:
        self._f = fileobj
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    def read(self) -> _Bytes:
        self._f.seek(0)
        return self._f.read(self._size)

    def iter_chunks(self, size: int = _CHUNK) -> Iterator[_Bytes]:
        pos = 0
        while pos < self._size:
            self._f.seek(pos)
            chunk = self._f.read(min(size, self._size - pos))
            if not chunk:
                return
            pos += len(chunk)
            yield chunk

    def open(self) -> BinaryIO:
        return io.BufferedReader(_SharedFileReader(self._f, self._size))


# ---------------------------------------------------------------------------
# Sinks: where the parser writes a leaf's decoded bytes.


if TYPE_CHECKING:

    class PartInfo(NamedTuple):
        """What a sink factory learns about the part it will receive."""

        headers: Headers
        content_type: ContentType

    #: ``sink_factory(info)`` returns a binary file object opened for writing and
    #: reading (``open(path, "w+b")``, ``tempfile.TemporaryFile()``, ``BytesIO``);
    #: the parser writes the decoded body to it and the part reads it back.
    SinkFactory = Callable[[PartInfo], IO[bytes]]

else:

    class PartInfo(tuple):
        """What a sink factory learns about the part it will receive.

        A (headers, content_type) pair with named fields, like the
        ``typing.NamedTuple`` that type checkers see (``typing`` itself is too
        slow to import at run time).
        """

        __slots__ = ()
        _fields = ("headers", "content_type")

        def __new__(cls, headers, content_type):
            return tuple.__new__(cls, (headers, content_type))

        headers = property(lambda self: self[0], doc="The part's headers.")
        content_type = property(lambda self: self[1], doc="The part's parsed Content-Type.")

        def __repr__(self):
            return f"PartInfo(headers={self[0]!r}, content_type={self[1]!r})"

    SinkFactory = object  # the precise alias exists for type checkers only


class _Sink:
    __slots__ = ()

    def write(self, data: _Bytes) -> None:
        raise NotImplementedError

    def finish(self) -> _Body:
        raise NotImplementedError


class _DefaultSink(_Sink):
    """Chunks in memory, moved to a temporary file once over the threshold."""

    __slots__ = ("_chunks", "_file", "_size", "_threshold")

    def __init__(self, threshold: int) -> None:
        self._chunks: List[_Bytes] = []
        self._size = 0
        self._threshold = threshold
        self._file: Optional[IO[bytes]] = None

    def write(self, data: _Bytes) -> None:
        self._size += len(data)
        if self._file is not None:
            self._file.write(data)
            return
        self._chunks.append(data)
        if self._size > self._threshold:
            # Imported here so that importing the package stays fast.
            import tempfile

            f = tempfile.TemporaryFile()  # noqa: SIM115 - kept open as the part's body
            for chunk in self._chunks:
                f.write(chunk)
            self._chunks = []
            self._file = f

    def finish(self) -> _Body:
        if self._file is not None:
            self._file.flush()
            return _FileObjBody(self._file, self._size)
        chunks = self._chunks
        if len(chunks) == 1:
            return _BytesBody(chunks[0])
        return _BytesBody(b"".join(chunks))


class _FileSink(_Sink):
    __slots__ = ("_f", "_size")

    def __init__(self, fileobj: IO[bytes]) -> None:
        self._f = fileobj
        self._size = 0

    def write(self, data: _Bytes) -> None:
        self._size += len(data)
        self._f.write(data)

    def finish(self) -> _Body:
        self._f.flush()
        return _FileObjBody(self._f, self._size)


# ---------------------------------------------------------------------------


# Names every part carries, known to be valid: the check below skips them.
_COMMON_NAMES = frozenset(
    ("Content-Type", "Content-ID", "Content-Transfer-Encoding", "Content-Location")
)


def _check_header(name: str, value: str) -> None:
    """Refuse a header that would break the block it is written into (injection)."""
    if (
        name not in _COMMON_NAMES
        and not (
            name and name.isprintable() and name.isascii() and ":" not in name and " " not in name
        )
        and (not name or not name.isascii() or any(c in ": \t\r\n" or ord(c) < 33 for c in name))
    ):
        raise EncodeError(f"invalid header name {name!r}")
    if not value.isascii() or "\r" in value or "\n" in value:
        raise EncodeError(f"header {name}: value must be ASCII without CR/LF, got {value!r}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_MAX else text[: _REPR_MAX - 3] + "..."


class Part:
    """One MIME entity: headers plus a decoded body, or child parts.

    Attributes (read-only):

    - ``headers``: every header as (name, value) pairs in order, names in their
      original case, folded values unfolded.
    - ``content_type``: the parsed :class:`ContentType` (text/plain when absent).
    - ``content_id``: the Content-ID without angle brackets, or ``None``; the
      header as received is in ``headers`` / :meth:`header`.
    - ``parts``: the children of a multipart (an empty tuple for a leaf).
    - ``preamble`` / ``epilogue``: bytes around a multipart's parts, or ``None``.

    Build parts with :meth:`text`, :meth:`bytes`, :meth:`file` and
    :meth:`multipart`; the parser builds them for decoded messages.
    """

    __slots__ = (
        "_body",
        "_cid",
        "_ct",
        "_fixed_boundary",
        "_headers",
        "_parts",
        "epilogue",
        "preamble",
    )

    __hash__ = None  # type: ignore[assignment]

    _headers: Headers
    _ct: ContentType
    _body: Optional[_Body]
    _parts: Tuple[Part, ...]
    # True when the caller chose the boundary (Part.multipart(boundary=...)):
    # the writer uses it or refuses, never replaces it.
    _fixed_boundary: bool
    # The normalised Content-ID, read once (_UNREAD until then): the decoder asks
    # for it several times per part, the parser knows it from the header block.
    _cid: Union[str, bool, None]
    preamble: Optional[_Bytes]
    epilogue: Optional[_Bytes]

    def __init__(
        self,
        headers: Iterable[Tuple[str, str]],
        *,
        body: Optional[_Body] = None,
        parts: Sequence[Part] = (),
        content_type: Optional[ContentType] = None,
        preamble: Optional[_Bytes] = None,
        epilogue: Optional[_Bytes] = None,
    ) -> None:
        hdrs = tuple(headers)
        if content_type is None:
            raw = header_value(hdrs, "content-type")
            content_type = parse_content_type(raw)[0]
        object.__setattr__(self, "_headers", hdrs)
        object.__setattr__(self, "_ct", content_type)
        object.__setattr__(self, "_body", body)
        object.__setattr__(self, "_parts", tuple(parts))
        object.__setattr__(self, "preamble", preamble)
        object.__setattr__(self, "epilogue", epilogue)
        object.__setattr__(self, "_fixed_boundary", False)
        object.__setattr__(self, "_cid", _UNREAD)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Part is immutable")

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        # Pickled by value (a decoded message may go through a job queue): the default
        # slot restore would go through __setattr__. A named file stays a name; a body
        # in a file object (spooled by the parser) cannot be pickled and travels as bytes.
        body: Optional[_Body] = self._body
        if body is not None and not isinstance(body, _PathBody):
            body = _BytesBody(bytes(body.read()))
        preamble = None if self.preamble is None else bytes(self.preamble)
        epilogue = None if self.epilogue is None else bytes(self.epilogue)
        fields = (self._headers, self._ct, body, self._parts, preamble, epilogue)
        return (_unpickle_part, (*fields, self._fixed_boundary))

    # Immutable, so a copy is the part itself (as for a tuple): copying through
    # __reduce__ would read a spooled body into memory, 50 MB for a 50 MB part.
    def __copy__(self) -> Part:
        return self

    def __deepcopy__(self, memo: Dict[int, Any]) -> Part:
        return self

    @classmethod
    def _parsed(
        cls,
        headers: Headers,
        content_type: ContentType,
        body: Optional[_Body],
        parts: Tuple[Part, ...] = (),
        preamble: Optional[_Bytes] = None,
        epilogue: Optional[_Bytes] = None,
        cid: Union[str, bool, None] = _UNREAD,
    ) -> Part:
        """The parser's constructor: everything already in shape, nothing checked.

        ``cid`` is the normalised Content-ID of ``headers`` (``_UNREAD``: not read yet).
        """
        # Filled in as a _PartShell (plain attribute stores, no Part.__setattr__ to
        # get around), then made a Part: its slots are Part's, so the layout is the
        # same. One slot setter call each cost 2.5 times as much (7 per part).
        self = _PartShell()
        self._headers = headers
        self._ct = content_type
        self._body = body
        self._parts = parts
        self.preamble = preamble
        self.epilogue = epilogue
        self._fixed_boundary = False
        self._cid = cid
        self.__class__ = cls  # type: ignore[assignment]
        return self  # type: ignore[return-value]

    # -- constructors ------------------------------------------------------

    @classmethod
    def text(
        cls,
        text: str,
        subtype: str = "plain",
        charset: str = "utf-8",
        *,
        content_id: Optional[str] = None,
        content_location: Optional[str] = None,
        transfer_encoding: Optional[str] = None,
        headers: Iterable[Tuple[str, str]] = (),
    ) -> Part:
        """A text part; ``text`` is encoded with ``charset``.

        Raises:
            EncodeError: the text cannot be encoded in ``charset``, or a header is invalid.
        """
        try:
            data = text.encode(charset)
        except (UnicodeEncodeError, LookupError) as exc:
            raise EncodeError(f"cannot encode text as {charset}: {exc}") from None
        ct = ContentType("text", subtype, [("charset", charset)])
        return cls._leaf(
            _BytesBody(data), ct, content_id, content_location, transfer_encoding, headers
        )

    @classmethod
    def file(
        cls,
        path: Union[str, os.PathLike[str]],
        content_type: Union[str, ContentType, None] = None,
        *,
        content_id: Optional[str] = None,
        content_location: Optional[str] = None,
        transfer_encoding: Optional[str] = None,
        headers: Iterable[Tuple[str, str]] = (),
        filename: Union[str, bool] = True,
    ) -> Part:
        """A part whose body is the file at ``path``, streamed by the writer, never loaded.

        ``content_type`` defaults to a guess from the file name
        (``mimetypes``), else application/octet-stream. The receiver gets a
        name for it (its ``Part.filename``): with ``filename=True`` (the
        default) the file's base name, with a string that name instead, with
        ``False`` none. The name goes where MMS readers look: Content-Type's
        ``name`` parameter (RFC 2231 when not ASCII) and Content-Location
        (percent-encoded), unless ``content_location`` or a ``name`` parameter
        is given.

        Raises:
            EncodeError: the file does not exist, or a header is invalid; a
                file gone or unreadable when the body is written raises it then.
        """
        import os  # here: the package itself does not need os at import

        p = os.fspath(path)
        if not os.path.isfile(p):
            raise EncodeError(f"no such file: {p!r}")
        if content_type is None:
            import mimetypes  # here: it pulls in urllib, too slow for package import

            content_type = mimetypes.guess_type(p)[0] or "application/octet-stream"
        ct = _as_ct(content_type)
        name = os.path.basename(p) if filename is True else filename or None
        if name is not None:
            if not isinstance(name, str):
                raise TypeError(f"filename must be a str or a bool, not {type(name).__name__}")
            if "name" not in ct.params:
                ct = ContentType(ct.type, ct.subtype, [*ct.params.items(), ("name", name)])
            if content_location is None:
                from urllib.parse import quote  # loaded by mimetypes anyway

                content_location = quote(name, safe="!$&'()*+,;=:@-._~")
        return cls._leaf(
            _PathBody(p),
            ct,
            content_id,
            content_location,
            transfer_encoding,
            headers,
        )

    @classmethod
    def multipart(
        cls,
        subtype: str,
        parts: Iterable[Part],
        *,
        boundary: Optional[str] = None,
        params: Optional[Mapping[str, str]] = None,
        content_id: Optional[str] = None,
        content_location: Optional[str] = None,
        headers: Iterable[Tuple[str, str]] = (),
        preamble: Optional[_Bytes] = None,
        epilogue: Optional[_Bytes] = None,
    ) -> Part:
        """A multipart of ``subtype`` ("mixed" or "multipart/mixed").

        Without ``boundary`` the writer draws a random one that does not occur
        in the content. An explicit ``boundary`` is the caller's choice and is
        written as given or not at all: it must be 1 to 70 characters of the
        RFC 2046 ``bchars`` set, not ending in a space (else ``EncodeError``
        here), and when its delimiter occurs in the content as written (a raw
        or quoted-printable body, a preamble or epilogue, a nested boundary
        starting with it) the writer raises ``EncodeError`` rather than pick
        another.

        Raises:
            EncodeError: ``subtype`` names another top-level type, ``boundary``
                is invalid, or a header is invalid.
        """
        if "/" in subtype:
            top, _, subtype = subtype.partition("/")
            if top.strip().lower() != "multipart":
                raise EncodeError(f"not a multipart type: {top}/{subtype}")
        items: List[Tuple[str, str]] = []
        if boundary is not None:
            if not isinstance(boundary, str) or not _valid_boundary(boundary):
                raise EncodeError(
                    f"invalid boundary {boundary!r}: 1 to 70 characters from RFC 2046's"
                    " bchars, not ending in a space"
                )
            items.append(("boundary", boundary))
        for name, value in (params or {}).items():
            items.append((name, value))
        ct = ContentType("multipart", subtype.strip(), items)
        hdrs = _build_headers(ct, content_id, content_location, None, headers)
        children = tuple(parts)
        for child in children:
            if not isinstance(child, Part):
                raise EncodeError(f"multipart children must be Part, got {type(child).__name__}")
        part = cls(hdrs, parts=children, content_type=ct, preamble=preamble, epilogue=epilogue)
        if boundary is not None:
            object.__setattr__(part, "_fixed_boundary", True)
        return part

    @classmethod
    def bytes(
        cls,
        data: _Bytes,
        content_type: Union[str, ContentType],
        *,
        content_id: Optional[str] = None,
        content_location: Optional[str] = None,
        transfer_encoding: Optional[str] = None,
        headers: Iterable[Tuple[str, str]] = (),
    ) -> Part:
        """A part holding ``data`` in memory.

        Raises:
            EncodeError: ``data`` is not bytes, the content type is invalid, or a header is.
        """
        if not isinstance(data, (_Bytes, bytearray, memoryview)):
            raise EncodeError(f"data must be bytes, got {type(data).__name__}")
        return cls._leaf(
            _BytesBody(_Bytes(data)),
            _as_ct(content_type),
            content_id,
            content_location,
            transfer_encoding,
            headers,
        )

    @classmethod
    def _leaf(
        cls,
        body: _Body,
        ct: ContentType,
        content_id: Optional[str],
        content_location: Optional[str],
        transfer_encoding: Optional[str],
        headers: Iterable[Tuple[str, str]],
    ) -> Part:
        if ct.is_multipart:
            raise EncodeError("use Part.multipart() for multipart content types")
        hdrs = _build_headers(ct, content_id, content_location, transfer_encoding, headers)
        return cls(hdrs, body=body, content_type=ct)

    # -- accessors ---------------------------------------------------------

    @property
    def headers(self) -> Headers:
        return self._headers

    @property
    def content_type(self) -> ContentType:
        return self._ct

    @property
    def parts(self) -> Tuple[Part, ...]:
        return self._parts

    @property
    def is_multipart(self) -> bool:
        return self._body is None

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first header called ``name`` (any case), or ``default``."""
        found = header_value(self._headers, name)
        return default if found is None else found

    @property
    def content_id(self) -> Optional[str]:
        """Content-ID without ``<>`` (see :func:`normalize_content_id`), or ``None``."""
        cid = self._cid
        if cid is _UNREAD:
            cid = normalize_content_id(header_value(self._headers, "content-id"))
            object.__setattr__(self, "_cid", cid)
        return cid  # type: ignore[return-value]

    @property
    def content_location(self) -> Optional[str]:
        return header_value(self._headers, "content-location")

    @property
    def transfer_encoding(self) -> Optional[str]:
        """The Content-Transfer-Encoding header, lowercased, or ``None``."""
        value = header_value(self._headers, "content-transfer-encoding")
        return None if value is None else value.strip().lower()

    @property
    def filename(self) -> Optional[str]:
        """A name for the content, or ``None``: Content-Disposition's ``filename``,
        else Content-Type's ``name``, else Content-Location (where MMS puts it).

        RFC 2231 and RFC 2047 encodings are undone (handsets send both). The
        name is the sender's: clean it before using it as a path.
        """
        disposition = header_value(self._headers, "content-disposition")
        name = parse_parameters(disposition)[1].get("filename") if disposition else None
        if not name:
            name = self._ct.params.get("name") or self.content_location
        name = decode_words(name.strip()) if name else None
        return name or None

    def as_text(self, errors: str = "replace") -> str:
        """The body as text, decoded with the Content-Type charset (UTF-8 when none).

        ``errors`` is the codec's error handler; the default replaces what does
        not decode and reads an unknown charset as UTF-8. Labels that handsets
        use for a superset (``gb2312`` for GBK text) are read as the superset.
        A multipart's text is ``""``.

        Raises:
            DecodeError: with ``errors="strict"``, an unknown charset or bytes
                that are not valid in it.
        """
        try:
            return decode_text(self.data, self._ct.params.get("charset"), errors)
        except ValueError as exc:
            raise DecodeError(f"{self._ct.mime_type} part: {exc}") from None

    @property
    def data(self) -> _Bytes:
        """The decoded body (loaded into memory for file-backed parts; ``b""`` for multiparts)."""
        body: Optional[_Body] = self._body
        return b"" if body is None else body.read()

    @property
    def size(self) -> int:
        """Decoded body size in bytes (the sum over leaves for a multipart)."""
        body: Optional[_Body] = self._body
        if body is None:
            return sum(p.size for p in self._parts)
        return body.size

    def open(self) -> BinaryIO:
        """A binary file object over the decoded body; streams file-backed bodies."""
        body: Optional[_Body] = self._body
        if body is None:
            return io.BytesIO(b"")
        return body.open()

    def iter_data(self, size: int = _CHUNK) -> Iterator[_Bytes]:
        """The decoded body in chunks of at most ``size`` bytes."""
        body: Optional[_Body] = self._body
        if body is not None:
            yield from body.iter_chunks(size)

    def with_content_id(self, content_id: str) -> Part:
        """A copy of this part whose Content-ID is ``<content_id>`` (any other one dropped).

        Body, children, boundary choice, preamble and epilogue are shared, not copied.

        Raises:
            EncodeError: the Content-ID holds CR/LF or non-ASCII characters.
        """
        value = f"<{content_id.strip().strip('<>')}>"
        _check_header("Content-ID", value)
        headers = [(n, v) for n, v in self._headers if n.lower() != "content-id"]
        headers.append(("Content-ID", value))
        copy = Part(
            headers,
            body=self._body,
            parts=self._parts,
            content_type=self._ct,
            preamble=self.preamble,
            epilogue=self.epilogue,
        )
        object.__setattr__(copy, "_fixed_boundary", self._fixed_boundary)
        return copy

    def walk(self) -> Iterator[Part]:
        """This part and every descendant, depth first, self first."""
        yield self
        for child in self._parts:
            yield from child.walk()

    # -- comparison --------------------------------------------------------

    def _key(self) -> Tuple[Any, ...]:
        ct: ContentType = self._ct
        if ct.is_multipart:
            ct = ct.replace(boundary=None)
        others = tuple(
            (n.lower(), v)
            for n, v in self._headers
            if n.lower() not in ("content-type", "content-transfer-encoding")
        )
        return (ct, others, self._body is None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Part):
            return NotImplemented
        if self is other:
            return True
        if self._key() != other._key():
            return False
        if self._body is None or other._body is None:
            return self._parts == other._parts
        return _same_bytes(self._body, other._body)

    def __repr__(self) -> str:
        ct = self._ct.mime_type
        if self._body is None:
            return f"<Part {ct} parts={len(self._parts)}>"
        cid = self.content_id
        body: _Body = self._body
        mem = body.in_memory()
        shown = _short(mem) if mem is not None else f"<{body.size} bytes in a file>"
        extra = f" cid={cid!r}" if cid else ""
        return f"<Part {ct}{extra} data={shown}>"


def _unpickle_part(
    headers: Headers,
    content_type: ContentType,
    body: Optional[_Body],
    parts: Tuple[Part, ...],
    preamble: Optional[_Bytes],
    epilogue: Optional[_Bytes],
    fixed_boundary: bool,
) -> Part:
    part = Part._parsed(headers, content_type, body, parts, preamble, epilogue)
    object.__setattr__(part, "_fixed_boundary", fixed_boundary)
    return part


class _PartShell:
    """A Part's slots without its immutability: what Part._parsed fills in."""

    __slots__ = Part.__slots__

    _headers: Headers
    _ct: ContentType
    _body: Optional[_Body]
    _parts: Tuple[Part, ...]
    preamble: Optional[_Bytes]
    epilogue: Optional[_Bytes]
    _fixed_boundary: bool
    _cid: Union[str, bool, None]


def _same_bytes(a: _Body, b: _Body) -> bool:
    if a.size != b.size:
        return False
    ma, mb = a.in_memory(), b.in_memory()
    if ma is not None and mb is not None:
        return ma == mb
    ia, ib = a.iter_chunks(), b.iter_chunks()
    # Compare as two byte streams whose chunk edges need not line up.
    bufa = bufb = b""
    while True:
        if not bufa:
            bufa = next(ia, b"")
        if not bufb:
            bufb = next(ib, b"")
        if not bufa or not bufb:
            return not bufa and not bufb
        n = min(len(bufa), len(bufb))
        if bufa[:n] != bufb[:n]:
            return False
        bufa, bufb = bufa[n:], bufb[n:]


def _as_ct(value: Union[str, ContentType]) -> ContentType:
    if isinstance(value, ContentType):
        return value
    ct, ok = parse_content_type(value)
    if not ok:
        raise EncodeError(f"invalid content type {value!r}")
    return ct


def _build_headers(
    ct: ContentType,
    content_id: Optional[str],
    content_location: Optional[str],
    transfer_encoding: Optional[str],
    extra: Iterable[Tuple[str, str]],
) -> List[Tuple[str, str]]:
    hdrs: List[Tuple[str, str]] = [("Content-Type", str(ct))]
    if content_id is not None:
        # Checked as given: normalising first would quietly strip a CR/LF at either end.
        _check_header("Content-ID", content_id)
        cid = normalize_content_id(content_id) or ""
        hdrs.append(("Content-ID", f"<{cid}>"))
    if content_location is not None:
        hdrs.append(("Content-Location", content_location))
    if transfer_encoding is not None:
        _check_header("Content-Transfer-Encoding", transfer_encoding)
        hdrs.append(("Content-Transfer-Encoding", transfer_encoding.strip().lower()))
    reserved = {"content-type", "content-id", "content-location", "content-transfer-encoding"}
    for name, value in extra:
        if name.lower() in reserved:
            raise EncodeError(f"set {name} through its keyword argument")
        hdrs.append((name, value))
    for name, value in hdrs:
        _check_header(name, value)
    return hdrs
