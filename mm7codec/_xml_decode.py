"""SOAP envelope bytes -> Message: lenient, by local name, every deviation named.

The bytes are checked (size, DOCTYPE, NUL, charset) and parsed once by the C
ElementTree parser; then one walk over the tree builds the PDU record. What
each element is comes from the version table of the detected schema; the
decoder never tests versions itself. Deviations are recorded as defects
(``DEFECT_KINDS``); ``strict=True`` raises :class:`DecodeError` instead.

One decode path: per (version, PDU) a plan compiled once from the version
table and ``_wire`` gives each child element its reader and the reader's
precompiled argument (a simple type's kind, an address choice's tags, a
record's attribute table...). A PDU in its version's namespace finds its
children by full tag, anything else by local name; both reach the same
readers, which take the regular case quickly and name every deviation.
"""

from __future__ import annotations

from . import _pdu
from ._defects import DEFECTS
from ._errors import DecodeError, DefectRecorder, LimitExceededError, UnsupportedOperationError
from ._limits import Limits
from ._message import Message
from ._pdu import (
    PDU_CLASSES,
    Address,
    ContentRef,
    Extension,
    Recipients,
    RSErrorRsp,
    SentTime,
    Status,
    UserAgent,
    element_elsewhere,
    element_field,
)
from ._record import make
from ._status import StatusCode
from ._versions import LATEST, NAMESPACE_PREFIX, VERSIONS, resolve
from ._wire import ADDRESS_ATTRIBUTES as _ADDRESS_ATTRIBUTES
from ._wire import ADDRESS_KINDS as _ADDRESS_KINDS
from ._wire import ADDRESS_SPELLINGS as _ADDRESS_SPELLINGS
from ._wire import ALIASES as _ALIASES
from ._wire import FIELD_SHAPES, NESTED
from ._xml_encode import SOAP_NS, escape_attr, escape_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Tuple, Type
    from xml.etree.ElementTree import Element

    from ._pdu import PDU
    from ._versions import ComplexType, ElementSpec, SchemaVersion

__all__ = ["DEFECT_KINDS", "canonical_fragment", "decode_envelope", "read_envelope"]

#: Every defect kind this module records, with what it means (from the catalogue).
DEFECT_KINDS: Dict[str, str] = {k: text for k, (layer, text) in DEFECTS.items() if layer == "xml"}

_WS = " \t\r\n"
_NATIVE_ENCODINGS = frozenset({"utf-8", "us-ascii"})
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
_FAULT_STATUS = {"Client": 2000, "Server": 3000}
_DEFAULT_LIMITS = Limits()
_SPLIT_CACHE: Dict[str, Tuple[str, str]] = {}


def _split(tag: str) -> Tuple[str, str]:
    """``{ns}local`` -> (ns, local); memoised, since envelopes repeat a few dozen tags."""
    found = _SPLIT_CACHE.get(tag)
    if found is not None:
        return found
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        found = (ns, local)
    else:
        found = ("", tag)
    if len(_SPLIT_CACHE) < 4096:  # bounded: tags come from the peer
        _SPLIT_CACHE[tag] = found
    return found


def _text(elem: Element) -> str:
    text = elem.text
    return text.strip(_WS) if text else ""


# --- canonical serialisation of unknown XML ----------------------------------------------------

_XML_NS = "http://www.w3.org/XML/1998/namespace"


def _serialize(root: Element, depth: int, limit: int) -> str:
    """One element as self-contained XML: the canonical form of extensions and Details.

    Every element whose namespace differs from its parent's declares it as
    the default namespace (the root always does, ``xmlns=""`` included), and
    namespaced attributes get ``p0``, ``p1``... prefixes declared on their
    element. Decoding this text again gives the same text, which makes
    ``decode(encode(decode(x))) == decode(x)`` hold. Iterative: depth is
    bounded by ``limit``, not by Python's stack.
    """
    out: List[str] = []
    stack: List[Any] = [(root, None, depth, False)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        elem, parent_ns, level, with_tail = item
        if level > limit:
            raise LimitExceededError(
                f"XML nesting deeper than {limit}", limit="max_xml_depth", value=limit
            )
        ns, local = _split(elem.tag)
        head = [local]
        if ns != parent_ns:
            head.append(f' xmlns="{escape_attr(ns)}"')
        prefixes = 0
        for name, value in elem.attrib.items():
            ans, alocal = _split(name)
            if ans == _XML_NS:
                head.append(f' xml:{alocal}="{escape_attr(value)}"')
            elif ans:
                head.append(
                    f' xmlns:p{prefixes}="{escape_attr(ans)}" p{prefixes}:{alocal}="{escape_attr(value)}"'
                )
                prefixes += 1
            else:
                head.append(f' {alocal}="{escape_attr(value)}"')
        tail = escape_text(elem.tail) if with_tail and elem.tail else ""
        if not elem.text and not len(elem):
            out.append(f"<{''.join(head)}/>{tail}")
            continue
        out.append(f"<{''.join(head)}>")
        if elem.text:
            out.append(escape_text(elem.text))
        stack.append(f"</{local}>{tail}")
        for child in reversed(elem):
            stack.append((child, ns, level + 1, True))
    return "".join(out)


def _inner(elem: Element, depth: int, limit: int) -> str:
    """The content of ``elem`` (text and children) in canonical form."""
    parts = [escape_text(elem.text)] if elem.text else []
    for child in elem:
        parts.append(_serialize(child, depth + 1, limit))
        if child.tail:
            parts.append(escape_text(child.tail))
    return "".join(parts)


def fragment_tree(xml: str) -> Tuple[Optional[Element], str]:
    """Raw XML content (``Status.details``) parsed under a stand-in root, or ``None`` and
    why it is not well-formed. The decoder's reading and the encoder's check share it."""
    from xml.etree.ElementTree import ParseError, XMLParser

    parser = XMLParser()
    try:
        parser.feed("<r>" + xml + "</r>")
        return parser.close(), ""
    except ParseError as exc:
        return None, str(exc)


def canonical_fragment(xml: str) -> str:
    """Canonical form of raw XML content (``Status.details``), as the decoder returns it.

    For tests and callers comparing details they wrote with details decoded.
    """
    root, why = fragment_tree(xml)
    if root is None:
        raise DecodeError(f"not well-formed XML: {why}")
    return _inner(root, 0, 1 << 30)


def _check_depth(elem: Element, depth: int, limit: int) -> None:
    stack = [(elem, depth)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            raise LimitExceededError(
                f"XML nesting deeper than {limit}", limit="max_xml_depth", value=limit
            )
        if len(node):
            stack.extend((child, level + 1) for child in node)


# --- bytes -> tree -----------------------------------------------------------------------------


def _declared_encoding(data: bytes) -> Tuple[Optional[str], int]:
    """The encoding named in the XML declaration and the declaration's end (0 if none)."""
    if not data.startswith(b"<?xml"):
        return None, 0
    end = data.find(b"?>", 0, 512)
    if end < 0:
        return None, 0
    decl = data[:end]
    at = decl.find(b"encoding")
    if at < 0:
        return None, end + 2
    rest = decl[at + 8 :].lstrip(b" \t\r\n")
    if rest[:1] != b"=":
        return None, end + 2
    rest = rest[1:].lstrip(b" \t\r\n")
    quote = rest[:1]
    if quote not in (b'"', b"'"):
        return None, end + 2
    close = rest.find(quote, 1)
    if close < 0:
        return None, end + 2
    return rest[1:close].decode("ascii", "replace"), end + 2


def _codec_name(name: str) -> Optional[str]:
    import codecs

    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return None


def _transcode(data: bytes, encoding: str) -> bytes:
    """Decode with a Python codec and re-encode as UTF-8 (see _utf8_document)."""
    if _codec_name(encoding) is None:
        raise DecodeError(f"unknown character encoding {encoding!r}")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"envelope is not valid {encoding}: {exc.reason}", offset=exc.start
        ) from None
    except (UnicodeError, LookupError, ValueError):
        # UnicodeError without a position: idna, punycode, "undefined"...
        raise DecodeError(f"cannot decode the envelope as {encoding!r}") from None
    return _utf8_document(text)


#: Declarations that settle the common case at once (UTF-8, nothing to check or rewrite).
_UTF8_DECLARATIONS = (
    b'<?xml version="1.0" encoding="UTF-8"?>',
    b'<?xml version="1.0" encoding="utf-8"?>',
    b"<?xml version='1.0' encoding='UTF-8'?>",
    b"<?xml version='1.0' encoding='utf-8'?>",
)


def _prepare(data: bytes, charset: Optional[str], rec: _Recorder) -> bytes:
    """UTF-8 (or ASCII-compatible native) bytes that are safe to give to expat."""
    head = data[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:2] in (b"<\x00", b"\x00<"):
        # UTF-16: transcode so the DOCTYPE scan below sees ASCII-compatible bytes.
        codec = (
            "utf-16"
            if head[:2] in (b"\xff\xfe", b"\xfe\xff")
            else ("utf-16-le" if head[:1] == b"<" else "utf-16-be")
        )
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"envelope is not valid UTF-16: {exc.reason}", offset=exc.start
            ) from None
        return _utf8_document(text)
    body = data[3:] if head[:3] == b"\xef\xbb\xbf" else data
    if body[:1] in (b" ", b"\t", b"\r", b"\n"):
        stripped = body.lstrip(b" \t\r\n")
        if stripped.startswith(b"<?xml"):
            # A gateway's documented answer has blank lines there; expat refuses
            # a declaration that is not first, and the MessageID would be lost.
            skipped = len(body) - len(stripped)
            rec.defect(
                "whitespace-before-declaration",
                f"{skipped} bytes before <?xml (removed)",
                offset=len(data) - len(body),
            )
            body = stripped
    declared, _ = _declared_encoding(body)
    hint = charset.strip(_WS + "\"'").lower() if charset else None
    if declared is not None:
        name = declared.lower()
        if (
            hint
            and hint != name
            and not (hint in _UTF8_NAMES and name in _UTF8_NAMES)
            and _codec_name(hint) != _codec_name(name)
        ):
            rec.defect("charset-mismatch", f"Content-Type says {charset}, XML says {declared}")
        if name not in _NATIVE_ENCODINGS:
            body = _transcode(body, declared)
    elif hint and hint not in _UTF8_NAMES and hint not in _NATIVE_ENCODINGS:
        if _codec_name(hint) is None:
            rec.defect("charset-mismatch", f"unknown charset {charset!r} ignored")
        else:
            body = _transcode(body, hint)
    return body


def _utf8_document(text: str) -> bytes:
    """A decoded document as UTF-8 bytes that say so: the byte order mark dropped and
    the declaration's encoding (if it names one) rewritten; without one, XML reads
    UTF-8 anyway."""
    if text[:1] == "\ufeff":
        text = text[1:]
    if text.startswith("<?xml"):
        end = text.find("?>")
        if end > 0:
            import re

            decl = re.sub(
                r"""encoding\s*=\s*(["'])[^"']*\1""", 'encoding="UTF-8"', text[:end], count=1
            )
            text = decl + text[end:]
    # surrogatepass: some codecs (raw_unicode_escape...) hand back lone surrogates; they
    # pass as bytes that expat then refuses (a DecodeError, never a UnicodeEncodeError).
    return text.encode("utf-8", "surrogatepass")


_ENVELOPE = "{" + SOAP_NS + "}Envelope"
_HEADER = "{" + SOAP_NS + "}Header"
_BODY = "{" + SOAP_NS + "}Body"
_XMLParser: Any = None
_ParseError: Any = None


_BANG = ord("!")


def _parse(data: bytes) -> Element:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DecodeError("NUL byte in the XML envelope", offset=nul)
    # "!" first: one memchr, where looking for "<!" in XML (a "<" every few bytes) took
    # 0.6 µs for 1 KB, a twentieth of the parse. Looked for as an int: ``bytes in bytes``
    # first tries its operand as an int, raising and clearing a TypeError (0.12 µs).
    if _BANG in data and b"<!" in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        # Rejected before expat sees it: no entity is ever declared or expanded.
        at = data.find(b"<!DOCTYPE")
        raise DecodeError(
            "DOCTYPE / entity declarations are not allowed in an MM7 envelope",
            offset=at if at >= 0 else data.find(b"<!ENTITY"),
        )
    global _XMLParser, _ParseError
    if _XMLParser is None:
        # Imported on first use (import mm7codec stays light), then kept: an import
        # statement here cost 1.4 µs per envelope, a tenth of a bare SubmitRsp's walk.
        from xml.etree.ElementTree import ParseError, XMLParser

        _XMLParser, _ParseError = XMLParser, ParseError
    parser = _XMLParser()
    try:
        parser.feed(data)
        return parser.close()  # type: ignore[no-any-return]
    except _ParseError as exc:
        line, column = exc.position
        start = 0
        for _ in range(line - 1):
            start = data.find(b"\n", start) + 1
        raise DecodeError(f"XML not well-formed: {exc}", offset=start + column) from None
    except (LookupError, UnicodeError, ValueError) as exc:
        # expat asks Python for an encoding named in a declaration that _prepare did
        # not read (one longer than 512 bytes): an unknown name raises LookupError.
        raise DecodeError(f"XML declaration names an unusable encoding: {exc}") from None


# --- the walk ----------------------------------------------------------------------------------


class _Recorder:
    """One envelope's reading state, and the context every reader gets (``ctx``):
    defects, the depth limit and ``version``, the schema the PDU is read against
    (set by ``_decode_pdu``; swapped while an element of another version is read)."""

    __slots__ = ("limit", "recorder", "root", "source", "version")

    def __init__(self, recorder: DefectRecorder, strict: bool, limit: int) -> None:
        # Strict here and lenient outside: a strict recorder of its own, which raises at
        # the first defect, so nothing is ever recorded in it.
        self.recorder = recorder if recorder.strict or not strict else DefectRecorder(True)
        self.limit = limit
        self.source = b""
        self.root: Optional[Element] = None
        self.version = LATEST

    def defect(
        self,
        kind: str,
        detail: str = "",
        status_code: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> None:
        self.recorder.record(kind, detail, status_code=status_code, offset=offset)

    def depth(self, level: int) -> None:
        if level > self.limit:
            raise LimitExceededError(
                f"XML nesting deeper than {self.limit}", limit="max_xml_depth", value=self.limit
            )

    def leaf(self, elem: Element, level: int, where: str) -> None:
        """``elem`` should hold a value only: note and bound any children."""
        if level > self.limit:
            self.depth(level)
        if len(elem):
            _check_depth(elem, level, self.limit)
            self.defect("unexpected-child", f"{where} has child elements")


def _boolean(ctx: _Recorder, text: str, where: str) -> Any:
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    lowered = text.lower()
    if lowered in ("true", "false"):
        ctx.defect("boolean-case", f"{where}={text!r}")
        return lowered == "true"
    ctx.defect("invalid-boolean", f"{where}={text!r}")
    return text


def ascii_int(text: str) -> Optional[int]:
    """``text`` as a number if it is 1 to 18 ASCII digits, else ``None``.

    ``str.isdigit`` takes '²' and '٣', which ``int`` refuses, and ``int``
    takes '+1', ' 1' and '1_0', which no schema integer is.
    """
    if 0 < len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None


def _positive(ctx: _Recorder, text: str, where: str) -> Optional[int]:
    value = ascii_int(text)
    if value is not None and value > 0:
        return value
    ctx.defect("invalid-integer", f"{where}={text!r}")
    return None


# What a simple type's text becomes, decided once per (version, type): see _simple_kind.
_BOOL, _POS, _ENUM, _PRESERVE, _STRIP = range(5)
if TYPE_CHECKING:
    _Kind = Tuple[int, Optional[frozenset[str]]]
    #: attribute -> (field, kind, enumeration); attributes the type lacks; required ones.
    _AttrTable = Tuple[
        Dict[str, Tuple[str, int, Optional[frozenset[str]]]],
        frozenset[str],
        Tuple[Tuple[str, Optional[str]], ...],
    ]
    #: tag -> (kind, schema name, item type, has required attributes)
    _Items = Dict[str, Tuple[str, str, _AttrTable]]
    #: (name, field, spec, how its text reads if it is simple)
    _ChildEntry = Tuple[str, str, ElementSpec, _Kind]
#: Keys are (version name, type name, ...) from the table: bounded.
_KINDS: Dict[Tuple[str, str], _Kind] = {}
_ATTR_TABLES: Dict[Tuple[str, str, int], _AttrTable] = {}
_ITEMS: Dict[Tuple[str, str], _Items] = {}
#: Address fields in declaration order with their defaults (what make() starts from).
_ADDRESS_DEFAULTS = dict(make(Address, {}).__dict__)
_new = object.__new__


def _simple_kind(version: SchemaVersion, type_name: str) -> _Kind:
    """How the text of a ``type_name`` element is read in ``version``."""
    key = (version.name, type_name)
    found = _KINDS.get(key)
    if found is None:
        base = type_name
        enum: Tuple[str, ...] = ()
        simple = version.simple(type_name) if not type_name.startswith("xs:") else None
        if simple is not None:
            base, enum = simple.base, simple.enumeration
        # No PDU element has a positiveInteger type (DC is read by _dc_list): the
        # table test test_no_element_is_a_positive_integer keeps that true.
        if base == "xs:boolean":
            found = (_BOOL, None)
        elif enum:
            found = (_ENUM, frozenset(enum))
        elif base in ("xs:string", "statusTextType") or (
            simple is None and version.type(type_name) is not None
        ):
            found = (_PRESERVE, None)  # xs:string keeps its whitespace (whiteSpace=preserve)
        else:
            found = (_STRIP, None)
        _KINDS[key] = found
    return found


def _read_simple(ctx: _Recorder, elem: Element, kind: _Kind, level: int, where: str) -> Any:
    """The value of a simple-typed element whose kind :func:`_simple_kind` gave.

    Every caller has checked ``level`` against ``max_xml_depth`` (the PDU's
    children once for all, a record's children as it reads them).
    """
    if len(elem):
        ctx.leaf(elem, level, where)
    how, enum = kind
    raw = elem.text
    if how == _PRESERVE:
        return raw or ""
    text = raw.strip(_WS) if raw else ""
    if how == _STRIP:
        return text
    if how == _ENUM:
        if text not in enum:  # type: ignore[operator]
            ctx.defect("enum-value", f"{where}={text!r}")
        return text
    return _boolean(ctx, text, where)


def _simple_value(ctx: _Recorder, elem: Element, type_name: str, level: int, where: str) -> Any:
    """The value of a simple-typed element, by its XSD type in the detected version."""
    return _read_simple(ctx, elem, _simple_kind(ctx.version, type_name), level, where)


def _attr_table(version: SchemaVersion, ct: ComplexType, names: Dict[str, str]) -> _AttrTable:
    """How each attribute of ``ct`` named in ``names`` (a ``_wire`` table) is read."""
    key = (version.name, ct.name, id(names))  # ``names`` live as long as the module
    table = _ATTR_TABLES.get(key)
    if table is None:
        known: Dict[str, Tuple[str, int, Optional[frozenset[str]]]] = {}
        for name, field in names.items():
            spec = ct.attribute(name)
            if spec is None:
                continue
            if spec.type == "xs:string":
                known[name] = (field, _PRESERVE, None)  # whiteSpace=preserve
            elif spec.type == "xs:boolean":
                known[name] = (field, _BOOL, None)
            elif spec.type == "xs:positiveInteger":
                known[name] = (field, _POS, None)
            else:
                enum = version.enumeration(spec.type)
                known[name] = (field, _ENUM, frozenset(enum)) if enum else (field, _STRIP, None)
        absent = frozenset(name for name in names if name not in known)
        required = tuple((s.name, names.get(s.name)) for s in ct.attributes if s.required)
        table = _ATTR_TABLES[key] = (known, absent, required)
    return table


def _attributes(
    ctx: _Recorder, elem: Element, ct: ComplexType, names: Dict[str, str], where: str
) -> Dict[str, Any]:
    return _read_attributes(ctx, elem, _attr_table(ctx.version, ct, names), where)


def _read_attributes(
    ctx: _Recorder, elem: Element, table: _AttrTable, where: str, local: str = ""
) -> Dict[str, Any]:
    """The attributes of ``elem`` as :func:`_attr_table` says, deviations named
    under ``where/local`` (built only for a deviation)."""
    values: Dict[str, Any] = {}
    attrib = elem.attrib
    known, absent, required = table
    if not attrib and not required:
        return values
    for name, raw in attrib.items():
        entry = known.get(name)
        if entry is None:
            if name in absent:
                at = _path(where, local)
                ctx.defect("attribute-not-in-version", f"{at}/@{name} in {ctx.version.name}")
            elif name[:1] != "{":  # namespaced attributes (xmlns-like vendor bits) are ignored
                ctx.defect("unknown-attribute", f"{_path(where, local)}/@{name}")
            continue
        field, how, enum = entry
        if how == _PRESERVE:
            values[field] = raw
            continue
        text = raw.strip(_WS)
        if how == _STRIP:
            values[field] = text
        elif how == _ENUM:
            if text not in enum:  # type: ignore[operator]
                ctx.defect("enum-value", f"{_path(where, local)}/@{name}={text!r}")
            values[field] = text
        elif how == _BOOL:
            if text == "true" or text == "1":
                values[field] = True
            elif text == "false" or text == "0":
                values[field] = False
            else:  # what _boolean makes of the rest, with the deviation named
                values[field] = _boolean(ctx, text, f"{_path(where, local)}/@{name}")
        else:
            number = ascii_int(text)
            if number is None or number <= 0:
                number = _positive(ctx, text, f"{_path(where, local)}/@{name}")
            if number is not None:
                values[field] = number
    for name, needed in required:
        if needed not in values:
            ctx.defect("missing-attribute", f"{_path(where, local)}/@{name}")
    return values


def _path(where: str, local: str) -> str:
    return f"{where}/{local}" if local else where


def _item_type(version: SchemaVersion, choice: ComplexType, local: str) -> ComplexType:
    """The type of ``local`` (Number, RFC2822Address...) in an address choice.

    Every choice of every version has all three address kinds, each of a
    type in the table (test_every_address_choice_has_every_kind).
    """
    return version.types[next(s.type for s in choice.children if s.name == local)]


def _address_items(version: SchemaVersion, choice: ComplexType) -> _Items:
    """The address elements of ``choice`` by tag (in the version's namespace, or none)."""
    key = (version.name, choice.name)
    items = _ITEMS.get(key)
    if items is None:
        ns = "{" + version.namespace + "}"
        items = {}
        for local, kind in _ADDRESS_KINDS.items():
            table = _attr_table(version, _item_type(version, choice, local), _ADDRESS_ATTRIBUTES)
            items[ns + local] = items[local] = (kind, local, table)
        _ITEMS[key] = items
    return items


def _address_entry(
    ctx: _Recorder, item: Element, items: _Items, where: str
) -> Optional[Tuple[str, str, _AttrTable]]:
    """What address element ``item`` is (``None``: not an address; other spellings named)."""
    entry = items.get(item.tag)
    if entry is not None:
        return entry
    local = _split(item.tag)[1]  # an address in any namespace is one
    if local not in _ADDRESS_KINDS:
        spelled = _ADDRESS_SPELLINGS.get(local)
        if spelled is None:
            return None
        ctx.defect("rfc822-address-element", f"{where}/{local} read as {spelled}")
        local = spelled
    return items[local]


def _read_address(
    ctx: _Recorder,
    item: Element,
    entry: Tuple[str, str, _AttrTable],
    level: int,
    where: str,
    attr_local: Optional[str],
) -> Address:
    """One address element; attribute deviations are named under ``where/attr_local``
    (the To/Cc/Bcc list), else under the element's own name."""
    kind, local, table = entry
    if len(item) or level > ctx.limit:
        ctx.leaf(item, level, where)
    # make(Address, ...) without the call, the commonest record: Address has no
    # __post_init__ to run (test_address_needs_no_normalising pins it).
    address: Any = _new(Address)
    state = address.__dict__
    state.update(_ADDRESS_DEFAULTS)
    if item.attrib or table[2]:
        state.update(_read_attributes(ctx, item, table, where, attr_local or local))
    state["value"] = item.text or ""
    state["kind"] = kind
    return address  # type: ignore[no-any-return]


def _address_in(
    ctx: _Recorder, elem: Element, items: _Items, level: int, where: str
) -> Optional[Address]:
    """The address inside ``elem`` (a choice of Number/RFC2822Address/ShortCode)."""
    found: Optional[Address] = None
    for child in elem:
        entry = _address_entry(ctx, child, items, where)
        if entry is None:
            _check_depth(child, level + 1, ctx.limit)
            ctx.defect("unknown-element", f"{where}/{child.tag} (dropped)")
            continue
        if found is not None:
            ctx.defect("extra-address", f"{where} holds more than one address")
            continue
        found = _read_address(ctx, child, entry, level + 1, where, None)
    if found is None:
        text = elem.text.strip(_WS) if elem.text else ""
        if not text:
            ctx.defect("empty-element", f"{where} has no address")
            return None
        ctx.defect("bare-address", f"{where}={text!r}")
        return make(Address, {"value": text, "kind": "email" if "@" in text else "number"})
    return found


def _compile_address(version: SchemaVersion, type_name: str) -> Optional[_Items]:
    ct = version.type(type_name)
    return None if ct is None else _address_items(version, ct)


def _read_address_field(
    ctx: _Recorder, elem: Element, items: Optional[_Items], level: int, where: str
) -> Any:
    """Sender, Recipient, SenderAddress: one address (``items`` from _compile_address)."""
    if items is None:
        # Plain text in this version (SenderAddress in REL-5-MM7-1-0/1-1).
        if len(elem):
            ctx.defect("typed-address", f"{where} in {ctx.version.name}")
            typed = _address_items(ctx.version, ctx.version.types["addressType"])
            return _address_in(ctx, elem, typed, level, where)
        text = _text(elem)
        if not text:
            ctx.defect("empty-element", where)
            return None
        return make(Address, {"value": text, "kind": "email" if "@" in text else "number"})
    if len(elem) == 1:
        entry = items.get(elem[0].tag)
        if entry is not None:  # what _address_in does with one known child
            return _read_address(ctx, elem[0], entry, level + 1, where, None)
    return _address_in(ctx, elem, items, level, where)


def _child_table(
    version: SchemaVersion, ct: ComplexType, names: Dict[str, str]
) -> Dict[str, _ChildEntry]:
    """The children of ``ct`` named in ``names`` (a ``_wire`` table) by tag: in the
    version's namespace and unqualified; (name, field, spec, simple kind). Built
    once per reader (``_reader`` caches)."""
    ns = "{" + version.namespace + "}"
    table: Dict[str, _ChildEntry] = {}
    for spec in ct.children:
        field = names.get(spec.name)
        if field is not None:
            entry = (spec.name, field, spec, _simple_kind(version, spec.type))
            table[ns + spec.name] = table[spec.name] = entry
    return table


def _child_entry(table: Dict[str, _ChildEntry], child: Element) -> Optional[_ChildEntry]:
    """``child``'s entry; a child in another namespace is known by its local name."""
    tag = child.tag
    entry = table.get(tag)
    if entry is None and tag[:1] == "{":
        entry = table.get(_split(tag)[1])
    return entry


if TYPE_CHECKING:
    #: tag -> (element, field, its addresses)
    _ListTable = Dict[str, Tuple[str, str, _Items]]


def _compile_recipients(version: SchemaVersion, type_name: str) -> _ListTable:
    ns = "{" + version.namespace + "}"
    names = NESTED["Recipients"]
    table: _ListTable = {}
    for spec in version.types[type_name].children:
        field = names.get(spec.name)
        if field is not None:
            entry = (spec.name, field, _address_items(version, version.types[spec.type]))
            table[ns + spec.name] = table[spec.name] = entry
    return table


def _read_recipients(
    ctx: _Recorder, elem: Element, table: _ListTable, level: int, where: str
) -> Any:
    lists: Dict[str, List[Address]] = {}
    limit = ctx.limit
    for child in elem:
        tag = child.tag
        entry = table.get(tag)
        if entry is None and tag[:1] == "{":
            entry = table.get(_split(tag)[1])  # To/Cc/Bcc in any namespace
        if entry is None:
            _check_depth(child, level + 1, limit)
            ctx.defect("unknown-element", f"{where}/{_split(tag)[1]} (dropped)")
            continue
        local, field, items = entry
        if level + 1 > limit:
            ctx.depth(level + 1)
        target = lists.get(field)
        if target is None:
            target = lists[field] = []
        if not len(child):
            address = _address_in(ctx, child, items, level + 1, f"{where}/{local}")
            if address is not None:
                target.append(address)
            continue
        for item in child:
            found = items.get(item.tag)
            if found is None:
                found = _address_entry(ctx, item, items, f"{where}/{local}")
                if found is None:
                    _check_depth(item, level + 2, limit)
                    ctx.defect("unknown-element", f"{where}/{local}/{item.tag} (dropped)")
                    continue
            target.append(_read_address(ctx, item, found, level + 2, where, local))
    # Recipients() makes tuples of the lists; a list not sent stays ().
    return make(Recipients, lists)


if TYPE_CHECKING:
    #: tag -> (element, field, reader, its argument)
    _FieldTable = Dict[str, Tuple[str, str, Callable[..., Any], Any]]


def _compile_fields(version: SchemaVersion, type_name: str, names: Dict[str, str]) -> _FieldTable:
    ns = "{" + version.namespace + "}"
    table: _FieldTable = {}
    for spec in version.types[type_name].children:
        field = names.get(spec.name)
        if field is not None:
            entry = (spec.name, field, *_reader(version, field, spec.type))
            table[ns + spec.name] = table[spec.name] = entry
    return table


def _read_fields(
    ctx: _Recorder, elem: Element, arg: Tuple[type, _FieldTable], level: int, where: str
) -> Any:
    """A record whose children are its fields (SenderIdentification)."""
    cls, table = arg
    values: Dict[str, Any] = {}
    limit = ctx.limit
    for child in elem:
        tag = child.tag
        entry = table.get(tag)
        if entry is None and tag[:1] == "{":
            entry = table.get(_split(tag)[1])  # in any namespace
        if entry is None:
            _check_depth(child, level + 1, limit)
            ctx.defect("unknown-element", f"{where}/{_split(tag)[1]} (dropped)")
            continue
        local, field, read, read_arg = entry
        if level + 1 > limit:
            ctx.depth(level + 1)
        values[field] = read(ctx, child, read_arg, level + 1, f"{where}/{local}")
    return make(cls, values)


_STATUS_NAMES = NESTED["Status"]
#: The listed codes by number and by their plain text: a dict lookup where
#: ``StatusCode(n)`` costs a microsecond.
_CODES: Dict[Any, StatusCode] = {int(code): code for code in StatusCode}
_CODES.update({str(int(code)): code for code in StatusCode})


def _compile_status(version: SchemaVersion, type_name: str) -> Tuple[Dict[str, _ChildEntry], bool]:
    ct = version.types[type_name]
    return _child_table(version, ct, _STATUS_NAMES), ct.child("StatusText") is not None


def _read_status(
    ctx: _Recorder, elem: Element, arg: Tuple[Dict[str, _ChildEntry], bool], level: int, where: str
) -> Any:
    table, has_text = arg
    values: Dict[str, Any] = {}
    for child in elem:
        entry = table.get(child.tag) or _child_entry(table, child)
        if entry is None:
            local = _split(child.tag)[1]
            _check_depth(child, level + 1, ctx.limit)
            if local == "StatusText" and "text" not in values:
                # A Status type without StatusText (extendedCancelRsp) that has one:
                # the sender's words are kept (encoding them for this type is refused,
                # as for any element from another version).
                ctx.defect("element-not-in-version", f"{where}/StatusText (read)")
                if len(child):
                    ctx.leaf(child, level + 1, f"{where}/StatusText")
                values["text"] = child.text or ""
                continue
            ctx.defect("unknown-element", f"{where}/{local} (dropped)")
            continue
        local, _field, _spec, text_kind = entry
        if level + 1 > ctx.limit:
            ctx.depth(level + 1)
        if local == "StatusCode":
            if len(child):
                ctx.leaf(child, level + 1, f"{where}/StatusCode")
            raw = child.text
            code = _CODES.get(raw)
            if code is not None:
                values["code"] = code
                continue
            text = raw.strip(_WS) if raw else ""
            number = ascii_int(text)
            code = _CODES.get(number)
            if code is None and number is not None:
                try:  # StatusCode() makes a pseudo-member of an unlisted code
                    code = StatusCode(number)
                except ValueError:  # a number no status code has
                    code = None
            if code is None:
                raise DecodeError(
                    f"{where}/StatusCode {text!r} is not a status code", status_code=2007
                )
            values["code"] = code
        elif local == "StatusText":
            if text_kind[0] == _PRESERVE and not len(child):
                values["text"] = child.text or ""  # what _read_simple gives, without a path
            else:
                text_where = f"{where}/StatusText"
                values["text"] = _read_simple(ctx, child, text_kind, level + 1, text_where)
        else:
            values["details"] = _details(ctx, child, level + 1)
    if "code" not in values:
        ctx.defect("missing-element", f"{where}/StatusCode")
        return None
    if "text" not in values:
        if not has_text:
            # The type has no StatusText (extendedCancelRsp): the text is the
            # code's spec wording, as a Status built by hand gets it.
            values["text"] = values["code"].default_text
        else:  # StatusText is mandatory wherever it exists
            ctx.defect("missing-element", f"{where}/StatusText")
    return make(Status, values)


def _details(rec: _Recorder, elem: Element, level: int) -> str:
    """Details content: the source text itself when it stands alone, else canonical.

    Details is ``anyType``; keeping the sender's text (prefixes and all) lets
    it round-trip unchanged. The source text is used only when exactly one
    Details element exists (so it is found unambiguously) and it parses on its
    own, i.e. declares every prefix it uses.
    """
    canonical = _inner(elem, level, rec.limit).strip(_WS)
    if not len(elem) or rec.root is None:
        return canonical
    count = 0
    for node in rec.root.iter():
        tag = node.tag
        if tag == "Details" or tag.endswith("}Details"):
            count += 1
    import re

    source = rec.source.decode("utf-8", "replace")
    starts = list(re.finditer(r"<((?:[^\s<>/:]+:)?Details)(?=[\s/>])[^>]*>", source))
    if count != 1 or len(starts) != 1 or starts[0].group().endswith("/>"):
        return canonical
    start = starts[0]
    # The one start tag found is this element's (a look-alike in a comment or
    # CDATA would make two), so its end tag follows it.
    close = source.rfind(f"</{start.group(1)}")
    raw = source[start.end() : close].strip(_WS)
    try:
        canonical_fragment(raw)
    except DecodeError:
        return canonical
    return raw


def _read_attribute_record(
    ctx: _Recorder, elem: Element, arg: Tuple[type, _AttrTable], level: int, where: str
) -> Any:
    """ReplyCharging, Content, UACapabilities: records made of attributes only."""
    cls, table = arg
    if len(elem) or level > ctx.limit:
        ctx.leaf(elem, level, where)
    values = _read_attributes(ctx, elem, table, where)
    if cls is ContentRef and "href" not in values:
        values["href"] = ""
    return make(cls, values)


def _sequenced_entries(
    ctx: _Recorder,
    elem: Element,
    type_name: str,
    level: int,
    where: str,
    entry: Callable[[Element, ComplexType, Dict[str, Any], str], Any],
    leaf: bool,
    names: Dict[str, str],
) -> Tuple[Any, ...]:
    """Previouslysentby / Previouslysentdateandtime: repeated children with ``sequence``."""
    spec = ctx.version.types[type_name].children[0]
    item_type = ctx.version.types[spec.type]
    entries = []
    for child in elem:
        local = _split(child.tag)[1]
        if local != spec.name:
            _check_depth(child, level + 1, ctx.limit)
            ctx.defect("unknown-element", f"{where}/{local} (dropped)")
            continue
        child_where = f"{where}/{local}"
        if leaf:
            ctx.leaf(child, level + 1, child_where)
        else:
            ctx.depth(level + 1)
        extra = _attributes(ctx, child, item_type, names, child_where)
        value = entry(child, item_type, extra, child_where)
        if value is not None:
            entries.append(value)
    return tuple(entries)


def _dec_previously_sent_by(
    ctx: _Recorder, elem: Element, type_name: str, level: int, where: str
) -> Any:
    def user_agent(
        child: Element, item_type: ComplexType, extra: Dict[str, Any], child_where: str
    ) -> Any:
        items = _address_items(ctx.version, item_type)
        address = _address_in(ctx, child, items, level + 1, child_where)
        return None if address is None else make(UserAgent, {"address": address, **extra})

    return _sequenced_entries(
        ctx, elem, type_name, level, where, user_agent, False, NESTED["UserAgent"]
    )


def _dec_sent_times(ctx: _Recorder, elem: Element, type_name: str, level: int, where: str) -> Any:
    def sent_time(
        child: Element, item_type: ComplexType, extra: Dict[str, Any], child_where: str
    ) -> Any:
        return make(SentTime, {"value": _text(child), **extra})

    return _sequenced_entries(
        ctx, elem, type_name, level, where, sent_time, True, NESTED["SentTime"]
    )


def _dec_delivery_condition(
    ctx: _Recorder, elem: Element, type_name: str, level: int, where: str
) -> Any:
    ct = ctx.version.type(type_name)
    if ct is None:
        if len(elem):
            ctx.defect("delivery-condition-form", f"{where}: DC children in {ctx.version.name}")
            return _dc_list(ctx, elem, level, where)
        return _simple_value(ctx, elem, type_name, level, where)
    if not len(elem) and _text(elem):
        ctx.defect("delivery-condition-form", f"{where}: text in {ctx.version.name}")
        return _text(elem)
    return _dc_list(ctx, elem, level, where)


def _dc_list(ctx: _Recorder, elem: Element, level: int, where: str) -> Tuple[int, ...]:
    values = []
    for child in elem:
        ctx.leaf(child, level + 1, where)
        number = _positive(ctx, _text(child), f"{where}/DC")
        if number is not None:
            values.append(number)
    return tuple(values)


#: Readers taking the version's type name as their argument.
_BY_TYPE_NAME: Dict[str, Callable[..., Any]] = {
    "sequence:UserAgent": _dec_previously_sent_by,
    "sequence:SentTime": _dec_sent_times,
    "dc-list": _dec_delivery_condition,
}
_READERS: Dict[Tuple[str, str, str], Tuple[Callable[..., Any], Any]] = {}


def _reader(version: SchemaVersion, field: str, type_name: str) -> Tuple[Callable[..., Any], Any]:
    """How a field's element is read in ``version``: a reader and its precompiled argument.

    Every reader is called ``read(ctx, elem, arg, level, where)``; the shape
    comes from ``_wire.FIELD_SHAPES`` (none: a simple value).
    """
    key = (version.name, field, type_name)  # all from the table: bounded
    found = _READERS.get(key)
    if found is None:
        shape = FIELD_SHAPES.get(field, "")
        if not shape:
            found = (_read_simple, _simple_kind(version, type_name))
        elif shape == "address":
            found = (_read_address_field, _compile_address(version, type_name))
        elif shape == "recipients":
            found = (_read_recipients, _compile_recipients(version, type_name))
        elif shape == "record:Status":
            found = (_read_status, _compile_status(version, type_name))
        elif shape in _BY_TYPE_NAME:
            found = (_BY_TYPE_NAME[shape], type_name)
        else:
            name = shape.partition(":")[2]
            cls = getattr(_pdu, name)
            if shape == "record:SenderIdentification":
                found = (_read_fields, (cls, _compile_fields(version, type_name, NESTED[name])))
            else:  # a record:... of attributes only
                table = _attr_table(version, version.types[type_name], NESTED[name])
                found = (_read_attribute_record, (cls, table))
        _READERS[key] = found
    return found


# (version name, wire name) -> local name -> (index, ElementSpec, field, reader, argument)
if TYPE_CHECKING:
    #: element -> (index, spec, field, reader, its argument)
    _Plan = Dict[str, Tuple[int, ElementSpec, str, Callable[..., Any], Any]]
_PLANS: Dict[Tuple[str, str], _Plan] = {}


def _plan(version: SchemaVersion, cls: Type[PDU]) -> _Plan:
    key = (version.name, cls.WIRE_NAME)
    plan = _PLANS.get(key)
    if plan is None:
        plan = {}
        for index, spec in enumerate(version.pdu_type(cls.WIRE_NAME).children):
            field = element_field(cls, spec.name)
            if field is not None:
                plan[spec.name] = (index, spec, field, *_reader(version, field, spec.type))
        _PLANS[key] = plan
    return plan


if TYPE_CHECKING:
    #: tag -> (local, index, field, reader, its argument, where)
    _TagPlan = Dict[str, Tuple[str, int, str, Callable[..., Any], Any, str]]
_TAG_PLANS: Dict[Tuple[str, str], _TagPlan] = {}


def _tag_plan(version: SchemaVersion, cls: Type[PDU]) -> _TagPlan:
    """:func:`_plan` by full tag in the version's own namespace, everything decided once."""
    key = (version.name, cls.WIRE_NAME)
    plan = _TAG_PLANS.get(key)
    if plan is None:
        ns = "{" + version.namespace + "}"
        plan = {}
        # MM7Version (no field: the decoder reads it first) is known by tag too.
        where = f"{cls.WIRE_NAME}/MM7Version"
        plan[ns + "MM7Version"] = ("MM7Version", 0, "", None, None, where)  # type: ignore[assignment]
        for local, (index, _spec, field, read, arg) in _plan(version, cls).items():
            plan[ns + local] = (local, index, field, read, arg, f"{cls.WIRE_NAME}/{local}")
        _TAG_PLANS[key] = plan
    return plan


_REQUIRED: Dict[Tuple[str, str], Tuple[str, ...]] = {}


def _required(version: SchemaVersion, cls: Type[PDU]) -> Tuple[str, ...]:
    """The mandatory elements of the PDU's plan, in schema order."""
    key = (version.name, cls.WIRE_NAME)
    found = _REQUIRED.get(key)
    if found is None:
        plan = _plan(version, cls)
        found = _REQUIRED[key] = tuple(
            local for local, (_, spec, *_rest) in plan.items() if spec.min_occurs
        )
    return found


if TYPE_CHECKING:
    #: (version, spec, field, reader, its argument)
    _Foreign = Optional[Tuple[SchemaVersion, ElementSpec, str, Callable[..., Any], Any]]
#: (version name, PDU wire name, element) -> where another version defines it.
_FOREIGN: Dict[Tuple[str, str, str], _Foreign] = {}


def _foreign(version: SchemaVersion, cls: Type[PDU], local: str) -> _Foreign:
    """The closest other version whose ``cls`` has element ``local``, its spec and field."""
    if element_field(cls, local) is None:
        return None  # not cached: ``local`` comes from the peer
    key = (version.name, cls.WIRE_NAME, local)
    if key not in _FOREIGN:
        found = element_elsewhere(cls, version, element=local)
        _FOREIGN[key] = (
            None if found is None else (*found, *_reader(found[0], found[2], found[1].type))
        )
    return _FOREIGN[key]


def _read_foreign(
    rec: _Recorder,
    elem: Element,
    level: int,
    version: SchemaVersion,
    cls: Type[PDU],
    local: str,
    values: Dict[str, Any],
) -> bool:
    """Read an element that another version of the PDU has into its field.

    Decoded by that version's types; ``False`` when no version has it or its
    field is already set (the caller keeps it as an extension).
    """
    foreign = _foreign(version, cls, local)
    if foreign is None or foreign[2] in values:
        return False
    other, _spec, field, read, arg = foreign
    where = f"{cls.WIRE_NAME}/{local}"
    rec.defect("element-not-in-version", f"{where} in {version.name} (read as in {other.name})")
    rec.depth(level)
    rec.version = other  # read as in the version that has it, then back to the PDU's
    try:
        values[field] = read(rec, elem, arg, level, where)
    finally:
        rec.version = version
    return True


def _unwrap_sender_identification(
    rec: _Recorder,
    elem: Element,
    level: int,
    version: SchemaVersion,
    cls: Type[PDU],
    values: Dict[str, Any],
    extensions: List[Extension],
) -> bool:
    """VASPID/VASID wrapped in SenderIdentification where the PDU has them bare (DeliverReq).

    Seen from two independent implementations. Each child goes to the PDU's
    own field; a child that is neither stays an extension, so nothing is lost.
    """
    if (
        element_field(cls, "SenderIdentification") is not None
        or element_field(cls, "VASPID") is None
    ):
        return False
    rec.depth(level)
    wire = cls.WIRE_NAME
    rec.defect("sender-identification-wrapped", f"{wire}/SenderIdentification unwrapped")
    if len(elem):
        rec.depth(level + 1)
    plan = _plan(version, cls)
    for child in elem:
        ns, local = _split(child.tag)
        where = f"{wire}/SenderIdentification/{local}"
        entry = plan.get(local) if local in ("VASPID", "VASID") else None
        if entry is not None and entry[2] not in values:
            _index, _spec, field, read, arg = entry
            values[field] = read(rec, child, arg, level + 1, where)  # rec.version is version
        elif local not in ("VASPID", "VASID") or not _read_foreign(
            rec, child, level + 1, version, cls, local, values
        ):
            rec.defect("unknown-element", where)
            name = f"{{{ns}}}{local}" if ns else local
            extensions.append(Extension(name, _serialize(child, level + 1, rec.limit)))
    return True


def _is_mm7_namespace(ns: str, pdu_ns: str) -> bool:
    return ns == pdu_ns or not ns or ns.startswith(NAMESPACE_PREFIX)


if TYPE_CHECKING:
    #: (class, wire name, namespace, version, defects to record, plan, plan by tag,
    #: aliases, mandatory elements)
    _Setup = Tuple[
        Type[PDU],
        str,
        str,
        SchemaVersion,
        Tuple[Tuple[str, str], ...],
        _Plan,
        _TagPlan,
        Optional[Dict[str, Tuple[str, str]]],
        Tuple[str, ...],
    ]
#: (PDU tag, the TransactionID's namespace if the PDU has none, MM7Version) -> what the
#: PDU's decode starts from. The MM7Version comes from the peer: bounded.
_SETUPS: Dict[Tuple[str, str, Optional[str]], _Setup] = {}


def _setup(tag: str, tx_ns: str, mm7_version: Optional[str]) -> _Setup:
    """Which version a PDU follows, the defects that choice names, and its plans."""
    pdu_ns, wire = _split(tag)
    cls = PDU_CLASSES[wire]
    found: List[Tuple[str, str]] = []
    # resolve() never raises: an absurd MM7Version (thousands of digits) is no version.
    version, certain = resolve(pdu_ns or tx_ns, mm7_version)
    if not pdu_ns:
        found.append(("missing-namespace", f"{wire} has no namespace"))
    elif not certain:
        found.append(("unknown-namespace", f"{wire} in {pdu_ns!r}; decoded as {version.name}"))
    if not version.has_pdu(wire):
        found.append(("pdu-not-in-version", f"{wire} does not exist in {version.name}"))
        version = next(v for v in reversed(VERSIONS) if v.has_pdu(wire))
    if mm7_version is not None and mm7_version not in version.mm7_versions:
        found.append(("mm7-version-not-in-schema", f"{mm7_version} with {version.name}"))
    # By full tag when the PDU is in its version's namespace: one dict lookup per child.
    # Another namespace goes the long way (defects say why).
    tag_plan: _TagPlan = {}
    if pdu_ns == version.namespace:
        tag_plan = _tag_plan(version, cls)
    setup = (
        cls,
        wire,
        pdu_ns,
        version,
        tuple(found),
        _plan(version, cls),
        tag_plan,
        _ALIASES.get(wire),
        _required(version, cls),
    )
    if len(_SETUPS) < 256 and len(tag) + len(mm7_version or "") < 512:
        _SETUPS[(tag, tx_ns, mm7_version)] = setup
    return setup


def _decode_pdu(
    rec: _Recorder,
    elem: Element,
    level: int,
    tx_ns: str,
    fault: Optional[Tuple[str, Optional[str]]],
) -> Tuple[PDU, SchemaVersion, Optional[str]]:
    tag = elem.tag
    mm7_version: Optional[str] = None
    for child in elem:
        if _split(child.tag)[1] == "MM7Version":
            text = child.text
            mm7_version = text.strip(_WS) if text else ""
            break
    ns_hint = "" if tag[:1] == "{" else tx_ns  # only a PDU without a namespace uses it
    setup = _SETUPS.get((tag, ns_hint, mm7_version))
    if setup is None:
        setup = _setup(tag, ns_hint, mm7_version)
    cls, wire, pdu_ns, version, found_defects, plan, tag_plan, aliases, required = setup
    for kind, detail in found_defects:
        rec.defect(kind, detail)
    rec.version = version
    values: Dict[str, Any] = {}
    seen = set()
    extensions: List[Extension] = []
    last = -1
    disordered = False
    child_level = level + 1
    tagged = tag_plan.get
    if child_level > rec.limit and len(elem):
        rec.depth(child_level)
    for child in elem:
        found = tagged(child.tag)
        if found is not None and found[0] not in seen:
            local, index, field, read, arg, where = found
            seen.add(local)
            if read is None:  # MM7Version, read above
                if len(child):
                    rec.leaf(child, child_level, where)
                last = 0
                continue
            if index < last:
                if not disordered:  # one defect per PDU says enough
                    rec.defect("out-of-order", where)
                    disordered = True
            else:
                last = index
            values[field] = read(rec, child, arg, child_level, where)
            continue
        ns, local = _split(child.tag)
        if local == "MM7Version" and "MM7Version" not in seen:
            seen.add(local)
            rec.leaf(child, child_level, f"{wire}/MM7Version")
            last = 0
            continue
        entry = plan.get(local) if ns == pdu_ns else None
        if entry is None and ns != pdu_ns and _is_mm7_namespace(ns, pdu_ns):
            entry = plan.get(local)
            if entry is not None:
                rec.defect("namespace-mismatch", f"{wire}/{local} in {ns!r}")
        if (
            entry is None
            and aliases is not None
            and local in aliases
            and _is_mm7_namespace(ns, pdu_ns)
        ):
            # Every version has one of the two names, and not ``local``.
            target, kind = aliases[local]
            entry = plan[target]
            rec.defect(kind, f"{wire}/{local} where {version.name} has {target}")
            local = target
        if entry is None and _is_mm7_namespace(ns, pdu_ns):
            if local == "SenderIdentification" and _unwrap_sender_identification(
                rec, child, child_level, version, cls, values, extensions
            ):
                continue
            if _read_foreign(rec, child, child_level, version, cls, local, values):
                seen.add(local)
                continue
        if entry is None or local in seen:
            if entry is not None:
                rec.defect("duplicate-element", f"{wire}/{local}")
            else:
                rec.defect("unknown-element", f"{wire}/{child.tag}")
            name = f"{{{ns}}}{local}" if ns else local
            extensions.append(Extension(name, _serialize(child, child_level, rec.limit)))
            continue
        seen.add(local)
        index, _spec, field, read, arg = entry
        if index < last:
            if not disordered:  # one defect per PDU says enough
                rec.defect("out-of-order", f"{wire}/{local}")
                disordered = True
        else:
            last = index
        rec.depth(child_level)
        values[field] = read(rec, child, arg, child_level, f"{wire}/{local}")
    if "MM7Version" not in seen:
        rec.defect("missing-element", f"{wire}/MM7Version")
    for local in required:
        # An element present but empty was already reported by its decoder.
        if local not in seen:
            rec.defect("missing-element", f"{wire}/{local}")
    if extensions:
        values["extensions"] = tuple(extensions)
    if fault is not None:
        values["fault_code"], values["fault_string"] = fault
    return make(cls, values), version, mm7_version


def _decode_fault(
    rec: _Recorder, fault: Element, level: int, tx_ns: str
) -> Tuple[PDU, SchemaVersion, Optional[str]]:
    code: Optional[str] = None
    string: Optional[str] = None
    detail: Optional[Element] = None
    for child in fault:
        ns, local = _split(child.tag)
        name = local.lower()
        if name not in ("faultcode", "faultstring", "detail", "faultactor"):
            _check_depth(child, level + 1, rec.limit)
            continue
        if ns:
            rec.defect("qualified-fault-element", f"{{{ns}}}{local}")
        if name == "faultcode":
            rec.leaf(child, level + 1, "faultcode")
            code = _text(child).rpartition(":")[2] or None
        elif name == "faultstring":
            rec.leaf(child, level + 1, "faultstring")
            string = _text(child) or None
        elif name == "detail":
            rec.depth(level + 1)
            detail = child
    if detail is not None:
        for item in detail:
            if _split(item.tag)[1] in ("RSErrorRsp", "VASPErrorRsp"):
                return _decode_pdu(rec, item, level + 2, tx_ns, (code or "Server", string))
    rec.defect("fault-without-pdu", f"faultcode {code!r}")
    status_code = StatusCode(_FAULT_STATUS.get((code or "").partition(".")[0], 4000))
    details = None
    if detail is not None:
        details = _inner(detail, level + 1, rec.limit).strip(_WS) or None
    status = make(Status, {"code": status_code, "text": string, "details": details})
    pdu = make(
        RSErrorRsp, {"status": status, "fault_code": code or "Server", "fault_string": string}
    )
    return pdu, LATEST, None


def decode_envelope(
    data: bytes,
    *,
    strict: bool = False,
    limits: Optional[Limits] = None,
    defects: Optional[DefectRecorder] = None,
    charset: Optional[str] = None,
) -> Message:
    """Decode a SOAP 1.1 MM7 envelope into a :class:`Message` (``content=None``).

    ``charset`` is the MIME part's charset, used when the XML declaration names
    none. Deviations are appended to ``defects`` (a new recorder when not
    given) and returned in ``Message.defects``; with ``strict=True`` the first
    one raises :class:`DecodeError`.

    Raises:
        LimitExceededError: the envelope is over ``max_envelope_size`` or nests
            deeper than ``max_xml_depth``.
        UnsupportedOperationError: the Body holds no MM7 PDU (4003).
        DecodeError: not well-formed XML, a DOCTYPE, NUL bytes, an unknown
            encoding, a missing Envelope/Body, a bad StatusCode (2007), or any
            defect in strict mode.
    """
    recorder = defects if defects is not None else DefectRecorder(strict)
    pdu, transaction_id, version, mm7_version = read_envelope(
        data, strict=strict, limits=limits, defects=recorder, charset=charset
    )
    # What Message() would do with these (already normalised) values, without its checks.
    return make(
        Message,
        {
            "pdu": pdu,
            "transaction_id": transaction_id,
            "version": version,
            "mm7_version": mm7_version,
            "content": None,
            "defects": tuple(recorder.defects),
        },
    )


def read_envelope(
    data: bytes,
    *,
    strict: bool,
    limits: Optional[Limits],
    defects: DefectRecorder,
    charset: Optional[str],
) -> Tuple[PDU, str, SchemaVersion, str]:
    """:func:`decode_envelope` without the Message: (PDU, TransactionID, version,
    MM7Version), for the decoder, which builds the one Message with the content."""
    recorder = defects
    limits = limits or _DEFAULT_LIMITS
    if len(data) > limits.max_envelope_size:
        raise LimitExceededError(
            f"SOAP envelope of {len(data)} bytes is over the limit of {limits.max_envelope_size}",
            limit="max_envelope_size",
            value=limits.max_envelope_size,
        )
    rec = _Recorder(recorder, strict, limits.max_xml_depth)
    source = data if type(data) is bytes else bytes(data)
    # The common declarations settle it at once; _prepare's general path concludes the
    # same for them, at a cost.
    if not source.startswith(_UTF8_DECLARATIONS) or charset not in (None, "utf-8", "UTF-8"):
        source = _prepare(source, charset, rec)
    root = _parse(source)
    rec.source, rec.root = source, root
    # The SOAP 1.1 tags are compared whole first; any other spelling goes by local name.
    if root.tag != _ENVELOPE:
        envelope_ns, local = _split(root.tag)
        if local != "Envelope":
            raise DecodeError(f"not a SOAP envelope: the root element is {root.tag!r}")
        rec.defect("soap-namespace", f"Envelope in {envelope_ns!r}")
    header = body = None
    for child in root:
        tag = child.tag
        name = "Header" if tag == _HEADER else "Body" if tag == _BODY else _split(tag)[1]
        if name == "Header" and header is None:
            header = child
        elif name == "Body" and body is None:
            body = child
        else:
            _check_depth(child, 2, rec.limit)
    if rec.limit < 2:
        rec.depth(2)
    transaction_id: Optional[str] = None
    tx_ns = ""
    if header is not None:
        for child in header:
            ns, name = _split(child.tag)
            if name == "TransactionID" and transaction_id is None:
                if len(child) or rec.limit < 3:
                    rec.leaf(child, 3, "TransactionID")
                raw = child.text or ""
                transaction_id = raw.strip(_WS)
                if transaction_id != raw:
                    rec.defect("transaction-id-whitespace", repr(raw))
                tx_ns = ns  # the TransactionID's own, not that of a header after it
            else:
                _check_depth(child, 3, rec.limit)
    if transaction_id is None:
        rec.defect("missing-transaction-id")
        transaction_id = ""
    if body is None:
        raise DecodeError("SOAP envelope has no Body")
    count = len(body)
    if not count:
        raise DecodeError("SOAP Body is empty")
    if count > 1:
        for extra in body[1:]:
            _check_depth(extra, 3, rec.limit)
            rec.defect("extra-body-element", extra.tag)
    first = body[0]
    if rec.limit < 3:
        rec.depth(3)
    name = _split(first.tag)[1]
    if not tx_ns.startswith(NAMESPACE_PREFIX):
        tx_ns = ""
    if name == "Fault":
        pdu, version, mm7_version = _decode_fault(rec, first, 3, tx_ns)
    elif name in PDU_CLASSES:
        pdu, version, mm7_version = _decode_pdu(rec, first, 3, tx_ns, None)
    else:
        raise UnsupportedOperationError(f"{first.tag!r} is not an MM7 PDU")
    return (
        pdu,
        transaction_id,
        version,
        version.default_mm7_version if mm7_version is None else mm7_version,
    )
