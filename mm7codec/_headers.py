"""MIME header helpers: header blocks, Content-Type and its parameters, Content-ID.

Facts this module relies on:

- Header bytes are decoded as Latin-1, so every byte maps to one character and
  decoding can never fail; RFC 2047 encoded words are left as they are (MM7
  part headers are ASCII in every sample we know).
- Folding (RFC 5322 §2.2.3) is legal: unfolding removes the line break and
  keeps the whitespace that follows it.
- Parameter names are case-insensitive (RFC 2045 §5.1); Nokia and Huawei send
  ``Type=`` and ``Start=`` (mm7-spec.md §4.3). Values may be tokens or quoted
  strings with backslash escapes; RFC 2231 adds ``name*=charset'lang'%XX`` and
  continuations ``name*0=``, ``name*1*=``.
- Boundaries are right-stripped, as RFC 2046 forbids a trailing space and
  stdlib ``email`` does the same.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple
else:
    # The module behind collections.abc, already loaded by collections (and
    # so by enum): importing collections.abc itself would add a module.
    from _collections_abc import Mapping

__all__ = [
    "ContentType",
    "Headers",
    "format_param",
    "header_value",
    "normalize_content_id",
    "parse_cid_href",
    "parse_content_type",
    "parse_header_block",
]

if TYPE_CHECKING:
    #: Headers as kept on a part: (name, value) pairs, original case, in order.
    Headers = Tuple[Tuple[str, str], ...]
else:
    Headers = tuple  # the precise alias exists for type checkers only (typing is slow to import)

# RFC 2045 tspecials plus space and controls: a value holding any needs quotes.
_TSPECIALS = frozenset('()<>@,;:\\"/[]?= \t')


def parse_header_block(block: str) -> Tuple[List[Tuple[str, str]], List[str]]:
    """Split an unfolded header block into (name, value) pairs.

    ``block`` holds the header lines with their line breaks (CRLF or LF) and
    without the blank line that ends the block. Returns the headers and the
    lines that were not headers (no colon), which the caller reports.
    """
    if "\n " not in block and "\n\t" not in block and block[:1] not in _FOLD_START:
        # No folding (the usual case): one partition per line; anything odd
        # goes to the general loop below.
        headers = []
        for line in block.split("\n"):
            name, sep, value = line.partition(":")
            name = name.strip()
            if not sep or not name:
                if line:
                    break
                continue
            headers.append((name, value.strip()))
        else:
            return headers, []
    headers = []
    bad: List[str] = []
    for line in block.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        if line[0] in " \t":
            if headers:
                name, value = headers[-1]
                # RFC 5322 unfolding: drop the line break, keep the whitespace.
                headers[-1] = (name, (value + line).strip() if value else line.strip())
            else:
                bad.append(line)
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not name:
            bad.append(line)
            continue
        headers.append((name, value.strip()))
    return headers, bad


_FOLD_START = ("", " ", "\t")


def _split_params(text: str) -> List[str]:
    """Split on ';' outside quoted strings."""
    pieces: List[str] = []
    start = 0
    quoted = False
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == ";":
            pieces.append(text[start:i])
            start = i + 1
        i += 1
    pieces.append(text[start:])
    return pieces


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        inner = value[1:-1]
        if "\\" not in inner:
            return inner
        out: List[str] = []
        i = 0
        while i < len(inner):
            c = inner[i]
            if c == "\\" and i + 1 < len(inner):
                i += 1
                c = inner[i]
            out.append(c)
            i += 1
        return "".join(out)
    if value.startswith('"'):
        # Unterminated quote: keep what follows it rather than fail.
        return value[1:]
    return value


_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _percent_decode(value: str) -> bytes:
    raw = value.encode("latin-1", "replace")
    if b"%" not in raw:
        return raw
    out = bytearray()
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == 0x25 and i + 2 < n:
            pair = raw[i + 1 : i + 3]
            # Two hex digits only: int() would also take "+f", " f" or "1_f".
            if not pair.strip(_HEX_DIGITS):
                out.append(int(pair, 16))
                i += 3
                continue
        out.append(c)
        i += 1
    return bytes(out)


def _parse_params(pieces: Sequence[str]) -> Tuple[Tuple[str, str], ...]:
    simple: List[Tuple[str, str]] = []
    # RFC 2231 segments keyed by lowercase base name: [(index, extended, value)].
    segments: Dict[str, List[Tuple[int, bool, str]]] = {}
    names: Dict[str, str] = {}
    order: List[str] = []
    for piece in pieces:
        name, _sep, value = piece.partition("=")
        name = name.strip()
        if not name:
            continue
        value = value.strip()
        if "*" not in name:
            simple.append((name, _unquote(value)))
            order.append(name.lower())
            continue
        base, _, rest = name.partition("*")
        extended = rest.endswith("*") or rest == ""
        index_text = rest.rstrip("*")
        # ASCII only: str.isdigit() takes '²', which int() refuses.
        if index_text and not (index_text.isascii() and index_text.isdigit()):
            simple.append((name, _unquote(value)))
            order.append(name.lower())
            continue
        key = base.lower()
        if key not in segments:
            segments[key] = []
            names[key] = base
            order.append(key)
        segments[key].append((int(index_text) if index_text else 0, extended, _unquote(value)))
    if not segments:
        return tuple(simple)
    merged: Dict[str, Tuple[str, str]] = {}
    for key, segs in segments.items():
        segs.sort(key=lambda s: s[0])
        charset = ""
        parts: List[bytes] = []
        for i, (_index, extended, value) in enumerate(segs):
            if extended:
                if i == 0 and value.count("'") >= 2:
                    charset, _lang, value = value.split("'", 2)
                parts.append(_percent_decode(value))
            else:
                parts.append(value.encode("latin-1", "replace"))
        # No charset named: RFC 2231 text is then US-ASCII.
        merged[key] = (names[key], decode_text(b"".join(parts), charset or "us-ascii"))
    result: List[Tuple[str, str]] = []
    simple_map = {n.lower(): (n, v) for n, v in simple}
    seen = set()
    for key in order:
        if key in seen:
            continue
        seen.add(key)
        if key in merged:
            result.append(merged[key])
        elif key in simple_map:
            result.append(simple_map[key])
    return tuple(result)


# Labels whose text is, in practice, the superset's: handsets label GBK text
# "gb2312", and GB18030 decodes both the same where they are valid.
_CHARSET_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}


def decode_text(data: bytes, charset: Optional[str], errors: str = "replace") -> str:
    """``data`` in the MIME charset ``charset`` as text (UTF-8 when none is named).

    With ``errors="strict"`` an unknown charset, or bytes the charset cannot
    decode, raise ``ValueError``. Otherwise an unknown or unusable charset is
    read as UTF-8, and bad bytes are handled as ``errors`` says.
    """
    name = (charset or "").strip().strip("\"'").lower() or "utf-8"
    name = _CHARSET_SUPERSETS.get(name, name)
    try:
        return data.decode(name, errors)
    except UnicodeDecodeError as exc:
        if errors == "strict":
            raise ValueError(
                f"text is not valid {name}: {exc.reason} at byte {exc.start}"
            ) from None
    except (LookupError, UnicodeError, ValueError):
        # Unknown, not a text encoding ("base64"), a codec that fails whatever
        # ``errors`` says ("idna", "undefined"), or a NUL in the name.
        if errors == "strict":
            raise ValueError(f"unknown or unusable charset {charset!r}") from None
    return data.decode("utf-8", errors)


def decode_words(value: str) -> str:
    """``value`` with its RFC 2047 encoded words (``=?utf-8?B?...?=``) decoded.

    Handsets put them in file names, quoted parameters included. A word that
    does not decode (unknown charset, bad base64) is kept as it is; the
    whitespace between two adjacent encoded words is dropped (RFC 2047 §6.2).
    """
    if "=?" not in value:
        return value
    import re  # here: the package does not load re (re caches the compiled pattern)

    pieces: List[str] = []
    last = 0
    after_word = False
    for match in re.finditer(_ENCODED_WORD, value):
        decoded = _decode_word(match.group(1), match.group(2), match.group(3))
        if decoded is None:
            continue  # kept as text: it stays in the next piece between words
        between = value[last : match.start()]
        if not (after_word and not between.strip()):
            pieces.append(between)
        pieces.append(decoded)
        last = match.end()
        after_word = True
    pieces.append(value[last:])
    return "".join(pieces)


def _decode_word(charset: str, encoding: str, text: str) -> Optional[str]:
    import binascii

    charset = charset.partition("*")[0]  # RFC 2231 §5: charset*language
    try:
        if encoding in "bB":
            raw = binascii.a2b_base64(text + "=" * (-len(text) % 4))
        else:
            raw = binascii.a2b_qp(text.replace("_", " ").encode("ascii"), header=True)
        return decode_text(raw, charset, "strict")
    except (ValueError, binascii.Error):
        return None


# An RFC 2047 encoded word: charset, encoding, text.
_ENCODED_WORD = r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?="


def parse_parameters(value: str) -> Tuple[str, Mapping[str, str]]:
    """A ``token; name=value ...`` header (Content-Disposition) as (token, parameters).

    The token is lowercased; parameters get the Content-Type treatment
    (quoting, RFC 2231) and are looked up without regard to case.
    """
    pieces = _split_params(value)
    return pieces[0].strip().lower(), _Params(_parse_params(pieces[1:]))


_NO_PARAMS: Dict[str, str] = {}


class _Params(Mapping[str, str]):
    """Read-only parameters with case-insensitive names; iterates original names."""

    __slots__ = ("_items", "_lower")

    def __init__(self, items: Tuple[Tuple[str, str], ...]) -> None:
        self._items = items
        self._lower = {n.lower(): v for n, v in reversed(items)} if items else _NO_PARAMS

    def __getitem__(self, name: str) -> str:
        return self._lower[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lower

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:  # type: ignore[override]
        return self._lower.get(name.lower(), default)

    def __iter__(self) -> Iterator[str]:
        return (n for n, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"{{{', '.join(f'{n!r}: {v!r}' for n, v in self._items)}}}"


class ContentType:
    """A parsed Content-Type: ``type``, ``subtype`` (both lowercase) and ``params``.

    ``params`` is a read-only mapping whose lookups ignore case; ``str()``
    renders the header value again (quoting and RFC 2231 as needed). Two
    content types are equal when type, subtype and parameters (names compared
    without case, order ignored) are equal.
    """

    __slots__ = ("_items", "_text", "params", "subtype", "type")

    type: str
    subtype: str
    _items: Tuple[Tuple[str, str], ...]
    _text: str
    params: Mapping[str, str]

    def __init__(self, type: str, subtype: str, params: Sequence[Tuple[str, str]] = ()) -> None:
        items = tuple((str(n), str(v)) for n, v in params)
        _set_type(self, type.lower())
        _set_subtype(self, subtype.lower())
        _set_items(self, items)
        _set_params(self, _Params(items))

    @classmethod
    def _make(cls, type: str, subtype: str, items: Tuple[Tuple[str, str], ...] = ()) -> ContentType:
        """Build from parts already in shape (lowercase names, a tuple of str pairs)."""
        self = _new(cls)
        _set_type(self, type)
        _set_subtype(self, subtype)
        _set_items(self, items)
        _set_params(self, _Params(items))
        return self

    def __setattr__(self, name: str, value: object) -> None:
        # Immutable, so parsed instances can be shared (see _CT_CACHE).
        raise AttributeError("ContentType is immutable")

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        # Pickled by value: the default slot-by-slot restore would go through __setattr__.
        return (ContentType._make, (self.type, self.subtype, self._items))

    @property
    def mime_type(self) -> str:
        """``"type/subtype"``, lowercase."""
        return f"{self.type}/{self.subtype}"

    @property
    def items(self) -> Tuple[Tuple[str, str], ...]:
        """The parameters as (name, value) pairs in their original order and case."""
        return self._items

    @property
    def is_multipart(self) -> bool:
        return self.type == "multipart"

    def replace(self, **params: Optional[str]) -> ContentType:
        """A copy with parameters set (or removed when given ``None``)."""
        lowered = {k.lower(): (k, v) for k, v in params.items()}
        items: List[Tuple[str, str]] = []
        for name, value in self._items:
            key = name.lower()
            if key in lowered:
                new = lowered.pop(key)[1]
                if new is not None:
                    items.append((name, str(new)))
            else:
                items.append((name, value))
        for name, new_value in lowered.values():
            if new_value is not None:
                items.append((str(name), str(new_value)))
        return ContentType._make(self.type, self.subtype, tuple(items))

    def _key(self) -> Tuple[str, str, frozenset[Tuple[str, str]]]:
        return (self.type, self.subtype, frozenset((n.lower(), v) for n, v in self._items))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ContentType):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        try:
            return self._text
        except AttributeError:
            pass  # first use: immutable, so rendered once
        if not self._items:
            text = self.mime_type
        else:
            text = "; ".join([self.mime_type] + [format_param(n, v) for n, v in self._items])
        _set_text(self, text)
        return text

    def __repr__(self) -> str:
        return f"ContentType({str(self)!r})"


_new = object.__new__
# The slots' own setters, which bypass ContentType.__setattr__.
_set_type = ContentType.__dict__["type"].__set__
_set_subtype = ContentType.__dict__["subtype"].__set__
_set_items = ContentType.__dict__["_items"].__set__
_set_params = ContentType.__dict__["params"].__set__
_set_text = ContentType.__dict__["_text"].__set__


def format_param(name: str, value: str) -> str:
    """Render one ``name=value`` parameter, quoted or RFC 2231-encoded as needed."""
    if not value.isascii():
        raw = value.encode("utf-8")
        encoded = "".join(
            chr(b) if (chr(b).isalnum() and b < 128) or b in b"-._~" else f"%{b:02X}" for b in raw
        )
        return f"{name}*=utf-8''{encoded}"
    # value is ASCII here, so isprintable() is false exactly for controls and DEL.
    if not value or not value.isprintable() or not _TSPECIALS.isdisjoint(value):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{name}="{escaped}"'
    return f"{name}={value}"


_TEXT_PLAIN = ContentType("text", "plain")


def parse_content_type(
    value: Optional[str], default: ContentType = _TEXT_PLAIN
) -> Tuple[ContentType, bool]:
    """Parse a Content-Type value; returns (content type, ok).

    ``ok`` is false when the value had no ``type/subtype``; ``default`` is used
    then (RFC 2045 §5.2 says to treat it as text/plain).
    """
    if value is None:
        return default, True
    ct = _CT_CACHE.get(value)
    if ct is not None:
        return ct, True
    if '"' not in value:
        pieces = value.split(";")
    elif "\\" not in value and value.count('"') % 2 == 0:
        # Quotes pair up (no escapes): a plain split is right unless a quoted
        # string holds a ';'.
        pieces = value.split(";")
        if len(pieces) > 1 and ";" in '"'.join(value.split('"')[1::2]):
            pieces = _split_params(value)
    else:
        pieces = _split_params(value)
    type_, slash, subtype = pieces[0].partition("/")
    type_ = type_.strip()
    subtype = subtype.strip()
    if len(pieces) == 1:
        params: Tuple[Tuple[str, str], ...] = ()
    elif "*" in value:
        params = _parse_params(pieces[1:])
    else:
        # The common shape: simple name=value pairs, no RFC 2231.
        plist = []
        for piece in pieces[1:]:
            name, _sep, pvalue = piece.partition("=")
            name = name.strip()
            if name:
                pvalue = pvalue.strip()
                plist.append((name, _unquote(pvalue) if pvalue[:1] == '"' else pvalue))
        params = tuple(plist)
    if not slash or not type_ or not subtype or " " in type_ or " " in subtype:
        return ContentType._make(default.type, default.subtype, params), False
    ct = ContentType._make(type_.lower(), subtype.lower(), params)
    if len(value) <= _CT_CACHE_VALUE_MAX:
        if len(_CT_CACHE) >= _CT_CACHE_SIZE:
            _CT_CACHE.clear()
        _CT_CACHE[value] = ct
    return ct, True


# Parsed Content-Type values, shared: the same few values (image/jpeg,
# text/plain; charset=utf-8, ...) recur in every message. ContentType is
# immutable, so sharing is safe; bounded by entry count and value length.
_CT_CACHE: Dict[str, ContentType] = {}
_CT_CACHE_SIZE = 256
_CT_CACHE_VALUE_MAX = 200


_BCHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ")


def _valid_boundary(value: str) -> bool:
    """A boundary RFC 2046 §5.1.1 allows: 1-70 ``bchars``, the last not a space."""
    return 0 < len(value) <= 70 and not value.endswith(" ") and _BCHARS.issuperset(value)


def header_value(headers: Iterable[Tuple[str, str]], name: str) -> Optional[str]:
    """The value of the first header field called ``name`` (any case), or ``None``."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def parse_cid_href(href: str) -> Tuple[str, str]:
    """The Content-ID an href names, and the defect kind if it was written loosely."""
    text = href.strip()
    how = ""
    if text != href:
        how = "href-whitespace"
    if text[:4].lower() == "cid:":
        rest = text[4:]
        if rest != rest.strip():
            how = "href-cid-space"
        text = rest.strip()
    else:
        how = "href-missing-cid-prefix"
    if "%" in text:
        # RFC 2392: a cid URL is the Content-ID with URL escapes.
        from urllib.parse import unquote

        text = unquote(text)
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
        how = how or "href-with-brackets"
    return text, how


def normalize_content_id(value: Optional[str]) -> Optional[str]:
    """Content-ID without angle brackets and surrounding whitespace (``None`` stays ``None``).

    Senders write ``<x>``, ``x`` or ``< x >`` (mm7-spec.md §5 item 9); a ``cid:``
    URL (RFC 2392) carries the same text without the brackets.
    """
    if value is None:
        return None
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    return value
