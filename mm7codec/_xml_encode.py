"""PDU -> SOAP 1.1 envelope bytes, in the schema order of the message's version.

Every structural fact (which elements, in which order, which attributes, which
simple type) is read from the version table; the only hand-written knowledge
is which record field holds which nested element or attribute (``_NESTED``).
``validate=True`` also checks simple values against their XSD types so that
the output is valid against the version's schema.
"""

from __future__ import annotations

from . import _pdu
from ._errors import EncodeError
from ._pdu import (
    Address,
    Recipients,
    RSErrorRsp,
    SentTime,
    Status,
    UserAgent,
    VASPErrorRsp,
    element_elsewhere,
    fields_in_version,
)
from ._wire import ADDRESS_ATTRIBUTES, ADDRESS_ELEMENTS, FIELD_SHAPES, NESTED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Pattern, Set, Tuple, Type

    from ._message import Message
    from ._pdu import PDU
    from ._versions import ComplexType, ElementSpec, SchemaVersion

__all__ = ["SOAP_NS", "check_chars", "encode_envelope", "escape_attr", "escape_text"]

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"

#: Record class -> (element or attribute name -> field name), from ``_wire.NESTED``.
_NESTED: Dict[type, Dict[str, str]] = {getattr(_pdu, name): names for name, names in NESTED.items()}
#: PDU fields that are not schema elements.
_NOT_ELEMENTS = frozenset({"extensions", "fault_code", "fault_string"})

# XML 1.0 (fifth edition) NameStartChar and NameChar without ':', in the Basic
# Multilingual Plane: what XSD's \i and \c mean to the validators the tests use.
# Python's \w is not it (it takes U+00B2 "²", U+00BA "º", U+2460 "①", ...).
# Strict in what we write: supplementary-plane name characters are refused, and
# so is U+1680 OGHAM SPACE MARK, a name character that validators collapse as
# whitespace in these token types.
_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u167f\u1681-\u1fff"
    "\u200c\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_NAME_CHAR = _NAME_START + "\\-.0-9\u00b7\u0300-\u036f\u203f\u2040"

# Compiled on first use: ``re`` must not load with the package.
_PATTERNS: Dict[str, Pattern[str]] = {}
_PATTERN_SOURCES = {
    # Characters XML 1.0 forbids (C0 controls but TAB/LF/CR, surrogates, U+FFFE/F).
    "bad": "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]",
    "xs:NMTOKEN": f"[:{_NAME_CHAR}]+",
    "xs:ID": f"[{_NAME_START}][{_NAME_CHAR}]*",
    # [0-9], not \d: \d takes every Unicode digit ("٢٠٢٦"), XSD only ASCII ones.
    # The groups feed _valid_date_time, which checks the ranges.
    "xs:dateTime": (
        r"-?(?!0[0-9]{4})([0-9]{4,})-([0-9]{2})-([0-9]{2})"
        r"T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-]([0-9]{2}):([0-9]{2}))?"
    ),
    "xs:duration": (
        r"-?P(?=[0-9]|T[0-9])([0-9]+Y)?([0-9]+M)?([0-9]+D)?"
        r"(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?"
    ),
}


def _pattern(name: str) -> Pattern[str]:
    found = _PATTERNS.get(name)
    if found is None:
        import re

        found = _PATTERNS[name] = re.compile(_PATTERN_SOURCES[name])
    return found


def check_chars(text: str, where: str) -> None:
    """Raise :class:`EncodeError` if ``text`` holds a character XML 1.0 cannot carry."""
    if text.isascii() and text.isprintable():
        return  # the common case, without a regex
    bad = _pattern("bad").search(text)
    if bad is not None:
        raise EncodeError(
            f"{where}: character U+{ord(bad.group()):04X} at index {bad.start()} "
            "is not allowed in XML 1.0"
        )


def escape_text(text: str) -> str:
    # '>' is escaped too so that ']]>' never appears; CR as a reference because
    # a parser turns a literal CR (or CRLF) into LF.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def escape_attr(text: str) -> str:
    # Attribute-value normalisation turns TAB/LF/CR into spaces: keep them as references.
    text = escape_text(text).replace('"', "&quot;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#9;")
    return text


# --- simple values ---------------------------------------------------------------------------


def _base_and_enum(version: SchemaVersion, type_name: str) -> Tuple[str, Tuple[str, ...]]:
    if type_name.startswith(("xs:", "union:")):
        return type_name, ()
    simple = version.simple(type_name)
    if simple is not None:
        base, enum = _base_and_enum(version, simple.base)
        return base, simple.enumeration or enum
    complex_type = version.type(type_name)
    if complex_type is not None and complex_type.kind == "simple":
        return _base_and_enum(version, complex_type.text_type or "xs:string")
    return "xs:string", ()


def _valid_lexical(base: str, text: str) -> bool:
    if base.startswith("union:"):
        return any(_valid_lexical(member, text) for member in base[6:].split())
    if base in _PATTERN_SOURCES:
        match = _pattern(base).fullmatch(text)
        if match is None:
            return False
        return base != "xs:dateTime" or _valid_date_time(match.groups())
    return True


_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_date_time(groups: Tuple[Optional[str], ...]) -> bool:
    """The ranges of an xs:dateTime whose shape matched (XSD 1.0, as validators read it).

    No year 0000; February 29 only in leap years (the Gregorian rule on the
    year's digits, BCE years included); 24:00:00 only with a zero fraction; no
    leap second; a time zone within ±14:00.
    """
    year, month, day, hour, minute, second, fraction, zone, zone_hours, zone_minutes = groups
    y, mo, d = int(year or 0), int(month or 0), int(day or 0)
    h, mi, sec = int(hour or 0), int(minute or 0), int(second or 0)
    if y == 0 or not 1 <= mo <= 12 or not 1 <= d <= _DAYS_IN_MONTH[mo - 1]:
        return False
    if mo == 2 and d == 29 and not (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
        return False
    if h == 24:
        if mi or sec or (fraction and fraction.strip(".0")):
            return False
    elif h > 23 or mi > 59 or sec > 59:
        return False
    if zone and zone != "Z":
        zh, zm = int(zone_hours or 0), int(zone_minutes or 0)
        if zm > 59 or zh > 14 or (zh == 14 and zm):
            return False
    return True


if TYPE_CHECKING:
    #: XSD base, enumeration, the enumeration as a set, whether a lexical check applies.
    _TypeInfo = Tuple[str, Tuple[str, ...], frozenset[str], bool]
#: (version name, type name) -> what _simple_text checks, decided once.
_TYPE_INFO: Dict[Tuple[str, str], _TypeInfo] = {}


def _type_info(version: SchemaVersion, type_name: str) -> _TypeInfo:
    key = (version.name, type_name)
    info = _TYPE_INFO.get(key)
    if info is None:
        base, enum = _base_and_enum(version, type_name)
        lexical = base.startswith("union:") or base in _PATTERN_SOURCES
        info = _TYPE_INFO[key] = (base, enum, frozenset(enum), lexical)
    return info


def _simple_text(
    value: object, type_name: str, version: SchemaVersion, validate: bool, where: str
) -> str:
    """The XML text of a simple value (escaped), checked against its type if asked."""
    if isinstance(value, str):  # the common case first (a str subclass is text too)
        if validate:
            base, enum, enum_set, lexical = _type_info(version, type_name)
            if base in ("xs:boolean", "xs:positiveInteger"):
                raise EncodeError(f"{where}: {value!r} is text; {type_name} needs a {base}")
            if enum_set and value not in enum_set:
                raise EncodeError(
                    f"{where}: {value!r} is not one of {type_name} in {version.name}: "
                    + ", ".join(enum)
                )
            if lexical and not _valid_lexical(base, value):
                raise EncodeError(f"{where}: {value!r} is not a valid {type_name} ({base})")
        check_chars(value, where)
        return escape_text(value)
    base = _type_info(version, type_name)[0]
    if isinstance(value, bool):
        text = "true" if value else "false"
        if validate and base != "xs:boolean":
            raise EncodeError(f"{where}: a boolean where {type_name} ({base}) is expected")
    elif isinstance(value, int):
        text = str(value)
        if validate and (base != "xs:positiveInteger" or value < 1):
            raise EncodeError(f"{where}: {value} is not a valid {type_name} ({base})")
    else:
        raise EncodeError(f"{where}: cannot write a {type(value).__name__} as {type_name}")
    check_chars(text, where)
    return escape_text(text)


def _attr_text(
    value: object, type_name: str, version: SchemaVersion, validate: bool, where: str
) -> str:
    text = _simple_text(value, type_name, version, validate, where)
    return text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


# --- raw XML (extensions, Details) ------------------------------------------------------------


def _check_fragment(xml: str, where: str, single: bool) -> None:
    """Refuse raw XML that would make the envelope not well-formed."""
    check_chars(xml, where)
    if "<!" in xml and ("<!DOCTYPE" in xml or "<!ENTITY" in xml):
        raise EncodeError(f"{where}: a DOCTYPE or ENTITY declaration is not allowed")
    from ._xml_decode import fragment_tree

    root, why = fragment_tree(xml)
    if root is None:
        raise EncodeError(f"{where}: not well-formed XML ({why})")
    if single and (len(root) != 1 or (root.text or "").strip() or (root[0].tail or "").strip()):
        raise EncodeError(f"{where}: must be exactly one element")
    if not single and any(
        (text or "").strip() for text in (root.text, *(child.tail for child in root))
    ):
        # anyDataType is element-only: text belongs in StatusText (or use validate=False).
        raise EncodeError(f"{where}: character data outside elements is not schema-valid")


# --- complex values --------------------------------------------------------------------------


#: (version name, type name) -> the complex type to write, None for a simple value.
_COMPLEX: Dict[Tuple[str, str], Optional[ComplexType]] = {}


def _complex_type(version: SchemaVersion, type_name: str) -> Optional[ComplexType]:
    key = (version.name, type_name)
    try:
        return _COMPLEX[key]
    except KeyError:
        pass
    found = version.type(type_name)
    if found is not None and found.kind == "simple" and not found.attributes:
        found = None  # text only: written as a simple value
    _COMPLEX[key] = found
    return found


#: (version name, choice type name, element) -> (item type, text type) of an address.
_ADDRESS_ITEMS: Dict[Tuple[str, str, str], Tuple[ComplexType, str]] = {}


class _Writer:
    __slots__ = ("ids", "out", "validate", "version")

    def __init__(self, version: SchemaVersion, validate: bool) -> None:
        self.version = version
        self.validate = validate
        self.out: List[str] = []
        # xs:ID values written so far: one document may use each only once.
        self.ids: Set[str] = set()

    def element(self, name: str, type_name: str, value: Any, where: str) -> None:
        version = self.version
        complex_type = _complex_type(version, type_name)
        if complex_type is None:
            if isinstance(value, Address):
                # A plain-text address (SenderAddress in REL-5-MM7-1-0/1-1).
                self._plain_address(name, value, where)
                return
            text = _simple_text(value, type_name, version, self.validate, where)
            self.out.append(f"<{name}>{text}</{name}>")
            return
        if (
            value == ()
            and complex_type.kind == "sequence"
            and not any(c.required for c in complex_type.children)
        ):
            # An empty list (<Previouslysentby/>, <DeliveryCondition/>) is valid as sent.
            self.out.append(f"<{name}/>")
            return
        handler = _HANDLERS.get(type(value))
        if handler is None and isinstance(value, tuple):
            handler = _tuple_handler(value)
        if handler is None:
            raise EncodeError(
                f"{where}: a {type(value).__name__} cannot be written as {type_name} "
                f"in {version.name}"
            )
        handler(self, name, complex_type, value, where)

    def _plain_address(self, name: str, address: Address, where: str) -> None:
        if address.display_only is not None or address.address_coding or address.id:
            raise EncodeError(
                f"{where} is plain text in {self.version.name}: the address cannot carry "
                "displayOnly, addressCoding or id"
            )
        text = address.value
        check_chars(text, where)
        self.out.append(f"<{name}>{escape_text(text)}</{name}>")

    def attributes(self, ct: ComplexType, record: Any, names: Dict[str, str], where: str) -> str:
        """Attributes of ``record`` as XML text; every set field must exist in ``ct``."""
        values = record.__dict__
        for name in names.values():
            if values.get(name) is not None:
                break
        else:
            for spec in ct.attributes:
                if spec.required and spec.name in names:
                    break
            else:
                return ""  # nothing to write and nothing missing
        parts = []
        used = set()
        for spec in ct.attributes:
            # Every attribute of the types written here has a field in ``names``.
            field = names[spec.name]
            used.add(field)
            value = values[field]
            if value is None:
                if spec.required and self.validate:
                    raise EncodeError(f"{where}: attribute {spec.name} is mandatory")
                continue
            text = _attr_text(
                value, spec.type, self.version, self.validate, f"{where}/@{spec.name}"
            )
            if self.validate and _type_info(self.version, spec.type)[0] == "xs:ID":
                if value in self.ids:
                    raise EncodeError(
                        f"{where}/@{spec.name}: the ID {value!r} is already used in this envelope"
                    )
                self.ids.add(value)
            parts.append(f' {spec.name}="{text}"')
        for attribute, field in names.items():
            if field not in used and values.get(field) is not None:
                raise EncodeError(
                    f"{where}: {type(record).__name__}.{field} ({attribute}) does not exist "
                    f"in {self.version.name}"
                )
        return "".join(parts)

    def address_item(
        self, choice: ComplexType, address: Address, where: str, extra: str = ""
    ) -> str:
        """``<Number ...>value</Number>`` for one address of a choice type."""
        element = ADDRESS_ELEMENTS[address.kind]
        key = (self.version.name, choice.name, element)
        try:
            item_type, text_type = _ADDRESS_ITEMS[key]
        except KeyError:
            # Every address choice of every version has all three kinds, each a
            # simple-content type with attributes (tests/test_xml_fastpath.py).
            spec = next(spec for spec in choice.children if spec.name == element)
            item_type = self.version.types[spec.type]
            text_type = item_type.text_type or "xs:string"
            _ADDRESS_ITEMS[key] = item_type, text_type
        attrs = self.attributes(item_type, address, ADDRESS_ATTRIBUTES, f"{where}/{element}")
        text = _simple_text(
            address.value, text_type, self.version, self.validate, f"{where}/{element}"
        )
        return f"<{element}{attrs}{extra}>{text}</{element}>"


def _write_address(w: _Writer, name: str, ct: ComplexType, value: Address, where: str) -> None:
    w.out.append(f"<{name}>{w.address_item(ct, value, where)}</{name}>")


def _write_recipients(
    w: _Writer, name: str, ct: ComplexType, value: Recipients, where: str
) -> None:
    if not value and w.validate:
        raise EncodeError(f"{where}: Recipients needs at least one address")
    out = [f"<{name}>"]
    names = _NESTED[Recipients]
    for spec in ct.children:  # To, Cc, Bcc in every version
        addresses = getattr(value, names[spec.name])
        if not addresses:
            continue
        item_type = w.version.types[spec.type]
        items = "".join(w.address_item(item_type, a, f"{where}/{spec.name}") for a in addresses)
        out.append(f"<{spec.name}>{items}</{spec.name}>")
    out.append(f"</{name}>")
    w.out.append("".join(out))


def _write_record(w: _Writer, name: str, ct: ComplexType, value: Any, where: str) -> None:
    """A record whose fields are the children and/or attributes of ``ct`` (``_NESTED``)."""
    names = _NESTED[type(value)]
    values = value.__dict__
    attrs = w.attributes(ct, value, names, where) if ct.attributes else ""
    if ct.kind == "empty":
        w.out.append(f"<{name}{attrs}/>")
        # Fields that would be children cannot exist in an attributes-only type.
        return
    w.out.append(f"<{name}{attrs}>")
    used = set()
    for spec in ct.children:
        field = names[spec.name]  # every child of these types has a field
        used.add(field)
        item = values[field]
        child_where = f"{where}/{spec.name}"
        if item is None:
            if spec.required and w.validate:
                raise EncodeError(f"{child_where} is mandatory in {w.version.name}")
            continue
        if spec.type == "anyDataType":
            if not isinstance(item, str):
                raise EncodeError(f"{child_where}: raw XML text expected")
            if w.validate and item:
                _check_fragment(item, child_where, single=False)
            w.out.append(f"<{spec.name}>{item}</{spec.name}>" if item else f"<{spec.name}/>")
        elif isinstance(value, Status) and field == "code":
            w.element(spec.name, spec.type, int(item), child_where)
        else:
            w.element(spec.name, spec.type, item, child_where)
    for element, field in names.items():
        if field in used or values.get(field) is None:
            continue
        if (
            isinstance(value, Status)
            and field == "text"
            and values[field] == value.code.default_text
        ):
            # extendedCancelRsp's status has no StatusText; Message.response()
            # fills in the code's default text, which is simply not written.
            continue
        raise EncodeError(
            f"{where}: {type(value).__name__}.{field} ({element}) does not exist in {w.version.name}"
        )
    w.out.append(f"</{name}>")


def _write_sequenced(
    w: _Writer, name: str, ct: ComplexType, value: Tuple[Any, ...], where: str
) -> None:
    """Previouslysentby / Previouslysentdateandtime: entries with a ``sequence`` attribute."""
    spec = ct.children[0]
    item_type = w.version.types[spec.type]
    child = f"{where}/{spec.name}"
    kind = UserAgent if isinstance(value[0], UserAgent) else SentTime
    parts = [f"<{name}>"]
    for entry in value:
        if not isinstance(entry, kind):
            raise EncodeError(f"{where}: {kind.__name__} entries expected")
        attrs = w.attributes(item_type, entry, _NESTED[kind], child)
        if isinstance(entry, UserAgent):
            inner = w.address_item(item_type, entry.address, child)
        else:
            text_type = item_type.text_type or "xs:string"
            inner = _simple_text(entry.value, text_type, w.version, w.validate, child)
        parts.append(f"<{spec.name}{attrs}>{inner}</{spec.name}>")
    parts.append(f"</{name}>")
    w.out.append("".join(parts))


def _write_int_list(
    w: _Writer, name: str, ct: ComplexType, value: Tuple[Any, ...], where: str
) -> None:
    # DeliveryCondition in REL-6-MM7-1-4: a sequence of DC positive integers.
    if len(ct.children) != 1:
        raise EncodeError(f"{where}: a list of values cannot be written as {ct.name}")
    spec = ct.children[0]
    parts = [f"<{name}>"]
    for item in value:
        text = _simple_text(item, spec.type, w.version, w.validate, f"{where}/{spec.name}")
        parts.append(f"<{spec.name}>{text}</{spec.name}>")
    parts.append(f"</{name}>")
    w.out.append("".join(parts))


def _tuple_handler(value: Tuple[Any, ...]) -> Optional[Callable[..., None]]:
    if not value:
        return None
    first = value[0]
    if isinstance(first, (UserAgent, SentTime)):
        return _write_sequenced
    if isinstance(first, int) and not isinstance(first, bool):
        return _write_int_list
    return None


_HANDLERS: Dict[type, Callable[..., None]] = {
    Address: _write_address,
    Recipients: _write_recipients,
    **{
        getattr(_pdu, shape[7:]): _write_record
        for shape in FIELD_SHAPES.values()
        if shape.startswith("record:")
    },
}


# --- the PDU and the envelope ------------------------------------------------------------------

if TYPE_CHECKING:
    #: ((ElementSpec, field, where, simple type?), ...) without MM7Version, and the fields.
    _Plan = Tuple[Tuple[Tuple[ElementSpec, str, str, bool], ...], frozenset[str]]
#: (class, version name) -> plan
_PLANS: Dict[Tuple[Type[PDU], str], _Plan] = {}


def _plan(cls: Type[PDU], version: SchemaVersion) -> _Plan:
    key = (cls, version.name)
    plan = _PLANS.get(key)
    if plan is None:
        items = []
        specs = [s for s in version.pdu_type(cls.WIRE_NAME).children if s.name != "MM7Version"]
        # Every element but MM7Version has a field (test_every_element_has_a_field).
        for spec, field in zip(specs, fields_in_version(cls, version)):
            simple = _complex_type(version, spec.type) is None
            items.append((spec, field, f"{cls.WIRE_NAME}/{spec.name}", simple))
        plan = _PLANS[key] = (tuple(items), frozenset(item[1] for item in items))
    return plan


def _write_pdu(w: _Writer, pdu: PDU, mm7_version: Optional[str]) -> None:
    version = w.version
    cls = type(pdu)
    wire = cls.WIRE_NAME
    if not version.has_pdu(wire):
        raise EncodeError(f"{wire} does not exist in {version.name}")
    plan, allowed = _plan(cls, version)
    values = pdu.__dict__
    foreign = []
    for field, value in values.items():
        if value is not None and field not in allowed and field not in _NOT_ELEMENTS:
            # A decoded message may hold an element of another version (read
            # with an element-not-in-version defect): without validation it
            # goes back as received, after the version's own elements.
            found = None if w.validate else element_elsewhere(cls, version, field=field)
            if found is None:
                raise EncodeError(
                    f"{cls.__name__}.{field} is set but {version.name} has no such element "
                    f"in {wire}"
                )
            foreign.append((found, value))
    mm7 = _simple_text(mm7_version, "versionType", version, w.validate, f"{wire}/MM7Version")
    w.out.append(f'<{wire} xmlns="{version.namespace}"><MM7Version>{mm7}</MM7Version>')
    out = w.out
    validate = w.validate
    for spec, field, where, simple in plan:
        value = values[field]
        if value is None:
            if spec.min_occurs and validate:
                raise EncodeError(
                    f"{wire}/{spec.name} ({cls.__name__}.{field}) is mandatory in {version.name}"
                )
            continue
        if simple and not isinstance(value, Address):
            # What element() does for a simple type, without the lookups.
            text = _simple_text(value, spec.type, version, validate, where)
            out.append(f"<{spec.name}>{text}</{spec.name}>")
        else:
            w.element(spec.name, spec.type, value, where)
    for (other, spec, _field), value in foreign:
        w.version = other  # its types, for an element only it has
        try:
            w.element(spec.name, spec.type, value, f"{wire}/{spec.name}")
        finally:
            w.version = version
    for extension in pdu.extensions:
        if w.validate:
            # Not in the schema, so never in validated output (issue 13 item 3).
            raise EncodeError(
                f"{wire}: extension {extension.name} is not in the {version.name} schema; "
                "extensions are written only with validate=False"
            )
        _check_fragment(extension.xml, f"{wire} extension {extension.name}", single=True)
        w.out.append(extension.xml)
    w.out.append(f"</{wire}>")


_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<{p}:Envelope xmlns:{p}="{soap}"><{p}:Header>'
    '<mm7:TransactionID xmlns:mm7="{ns}" {p}:mustUnderstand="1">{tx}</mm7:TransactionID>'
    "</{p}:Header><{p}:Body>"
)
#: Envelope prefixes peers are known to insist on (Java/Resin stacks: SOAP-ENV).
SOAP_PREFIXES = frozenset({"env", "soap", "soapenv", "SOAP-ENV", "S"})


def encode_envelope(
    message: Message,
    *,
    validate: bool = True,
    soap_prefix: str = "env",
    echo_transaction_id: bool = False,
) -> bytes:
    """The SOAP envelope for ``message`` as UTF-8 bytes.

    ``soap_prefix`` names the SOAP namespace's prefix (one of
    :data:`SOAP_PREFIXES`): namespace-aware peers do not care, but some Java
    stacks only read ``SOAP-ENV``.

    Elements come in the schema order of ``message.version``. ``validate=True``
    makes a field the version lacks, a missing mandatory element or attribute,
    an extension, or a simple value that does not match its XSD type an
    :class:`EncodeError`. ``validate=False`` writes values as given (for passing
    decoded non-standard values through): a missing mandatory element is left
    out, an element of another version (read with an element-not-in-version
    defect) goes after the version's own, extensions are written; a field no
    version of the PDU has is still an :class:`EncodeError`. An RSErrorRsp / VASPErrorRsp with a
    ``fault_code`` becomes a SOAP Fault with the PDU in ``detail``.

    ``echo_transaction_id`` writes the TransactionID as it is (escaped; only
    characters XML cannot carry are refused), not checked against its schema
    type: an answer echoes the peer's correlator even where REL-5-MM7-1-0/1-1
    (xs:NMTOKEN) would refuse it, everything else still as ``validate`` says.
    """
    if soap_prefix not in SOAP_PREFIXES:
        raise EncodeError(f"SOAP prefix {soap_prefix!r} is not one of {sorted(SOAP_PREFIXES)}")
    version = message.version
    w = _Writer(version, validate)
    transaction_id = message.transaction_id
    if not isinstance(transaction_id, str):
        raise EncodeError("TransactionID must be text")
    check_chars(transaction_id, "TransactionID")
    check_tx = validate and not echo_transaction_id
    if check_tx and transaction_id != transaction_id.strip(" \t\r\n"):
        # The decoder strips it (spec examples pad it), so it could not round-trip.
        raise EncodeError(f"TransactionID {transaction_id!r} has surrounding whitespace")
    tx_text = _simple_text(
        transaction_id, version.transaction_id_type, version, check_tx, "TransactionID"
    )
    out = w.out
    out.append(_HEAD.format(p=soap_prefix, soap=SOAP_NS, ns=version.namespace, tx=tx_text))
    pdu = message.pdu
    mm7_version = message.mm7_version  # never None: Message fills in the default
    fault_code = (
        getattr(pdu, "fault_code", None) if isinstance(pdu, (RSErrorRsp, VASPErrorRsp)) else None
    )
    if fault_code is not None:
        if validate and _pattern("xs:ID").fullmatch(fault_code) is None:
            raise EncodeError(f"faultcode {fault_code!r} is not a valid local name")
        check_chars(fault_code, "faultcode")
        fault_string = getattr(pdu, "fault_string", None) or ""
        check_chars(fault_string, "faultstring")
        out.append(
            f"<{soap_prefix}:Fault><faultcode>{soap_prefix}:{escape_text(fault_code)}</faultcode>"
            f"<faultstring>{escape_text(fault_string)}</faultstring><detail>"
        )
        _write_pdu(w, pdu, mm7_version)
        out.append(f"</detail></{soap_prefix}:Fault>")
    else:
        _write_pdu(w, pdu, mm7_version)
    out.append(f"</{soap_prefix}:Body></{soap_prefix}:Envelope>")
    return "".join(out).encode("utf-8")
