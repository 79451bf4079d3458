"""Schema-valid MM7 messages for tests, built from the version table.

Nothing here lists what a version has: every element, attribute and
enumeration comes from ``SchemaVersion.pdu_type`` / ``.type`` / ``.simple``
(generated from the official XSDs). What is written by hand is only which
record holds which complex type (``_COMPLEX``) and how a value of an XSD
built-in type looks.

Three ways to fill a PDU, sharing one walk over the table:

* :func:`minimal_message`: mandatory elements only, plain values;
* :func:`maximal_message`: every element the version allows, every optional
  attribute and child of nested types, repeated where the type repeats, with
  text that exercises XML escaping;
* :func:`messages`: a Hypothesis strategy over all versions and PDUs.

Values are valid for the version's schema: enumerations from
``version.simple(...).enumeration``; ``xs:NMTOKEN`` where the type says so
(REL-5-MM7-1-0/1-1 IDs and address values); ``xs:ID`` values unique in the
message; no XML-invalid characters. In REL-5-MM7-1-0/1-1 ``SenderAddress`` is
a plain ``xs:string`` the decoder reads back by its form ('@' -> e-mail, else a
number), so only those two kinds, without attributes, are generated there.
``Message.content`` stays ``None``: these are envelope-level messages.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, ClassVar, Dict, List, Optional, Sequence, Tuple, TypeVar

from hypothesis import strategies as st

from mm7codec._message import Message
from mm7codec._pdu import (
    PDU_CLASSES,
    Address,
    ContentRef,
    ReplyCharging,
    RSErrorRsp,
    SenderIdentification,
    SentTime,
    Status,
    UACapabilities,
    UserAgent,
    VASPErrorRsp,
    element_field,
)
from mm7codec._pdu import Recipients as RecipientsRecord
from mm7codec._record import make
from mm7codec._status import StatusCode
from mm7codec._versions import VERSIONS, ComplexType, SchemaVersion, get_version

T = TypeVar("T")

__all__ = [
    "ALL_CASES",
    "date_times",
    "durations",
    "loose_messages",
    "maximal_message",
    "messages",
    "minimal_message",
    "nmtokens",
    "pdu_cases",
    "xml_text",
]

#: Address element name in the schema -> ``Address.kind``.
ADDRESS_KINDS: Dict[str, str] = {
    "Number": "number",
    "RFC2822Address": "email",
    "ShortCode": "short_code",
}
#: Address attribute -> ``Address`` field.
ADDRESS_ATTRIBUTES: Dict[str, str] = {
    "displayOnly": "display_only",
    "addressCoding": "address_coding",
    "id": "id",
}


def pdu_cases() -> List[Tuple[SchemaVersion, str]]:
    """Every (version, wire name) the schemas define, oldest version first."""
    return [(version, wire) for version in VERSIONS for wire in version.pdus]


ALL_CASES = pdu_cases()

# --- value sources ------------------------------------------------------------------------------
#
# A source answers the questions the walk asks ("include this optional
# element?", "how many?", "a dateTime please"). The fixed sources make the
# minimal and maximal messages; the Hypothesis source draws.

_XML_SPECIALS = "<&>\"']"


class _Source:
    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def unique_id(self, prefix: str) -> str:
        # xs:ID must be unique in the document: a counter suffix after '_'
        # (prefixes hold no '_'), so two ids never collide.
        return f"{prefix}_{next(self._ids)}"

    # overridden below
    def flag(self) -> bool:
        raise NotImplementedError

    def repeat(self, low: int, high: Optional[int]) -> int:
        raise NotImplementedError

    def choice(self, options: Sequence[T]) -> T:
        raise NotImplementedError

    def subset(self, options: Sequence[T]) -> List[T]:
        """A non-empty subset of ``options``, in their order."""
        raise NotImplementedError

    def enum(self, options: Sequence[str]) -> str:
        """A value of an enumerated simple type."""
        return self.choice(options)

    def value(self, kind: str) -> Any:
        """A value of an XSD built-in (``xs:string``, ``xs:NMTOKEN``, ...) or a role."""
        raise NotImplementedError


class _Fixed(_Source):
    """Deterministic values: ``maximal`` includes everything, else only the mandatory."""

    MAX_SAMPLES: ClassVar[Dict[str, Sequence[Any]]] = {
        "xs:string": (
            "Hello <world> & \"friends\" 'x' ]]> done",
            "Ünïcödé ✓ 中文 😀 text",
            "tabs\tand\nnew lines",
            "plain",
        ),
        "xs:NMTOKEN": ("msg-0001.a:b_c", "Ж42", "vas.id-7"),
        "xs:boolean": (True, False),
        "xs:positiveInteger": (1, 42, 4_294_967_296),
        "xs:dateTime": (
            "2002-12-12T10:12:10-05:00",
            "2024-02-29T23:59:59.123456Z",
            "1999-01-01T00:00:00",
            "2030-06-15T12:30:00.5+14:00",
        ),
        "xs:duration": ("P90D", "PT1H30M", "P1Y2M3DT4H5M6S", "PT0.5S"),
        "xs:anyURI": ("cid:part-1@example.com", "cid:saturn.gif"),
        "xs:ID": ("addr",),
        "number": ("+15553199144", "15553199144/TYPE=PLMN"),
        "number_token": ("15553199144", "4670123456"),
        "email": ("Jane Doe <jane.doe@example.com>", "bob+tag@example.org"),
        "email_token": ("jane@example.com",),
        "short_code": ("12345", "54321"),
        "details": ('<v:Reason xmlns:v="urn:example:vendor">quota &amp; limits</v:Reason>',),
        "status_code": (1000, 2007, 2569, 4002),
        "transaction_id": ("tx-max.0001",),
    }
    MIN_SAMPLES: ClassVar[Dict[str, Any]] = {
        "xs:string": "x",
        "xs:NMTOKEN": "id1",
        "xs:boolean": False,
        "xs:positiveInteger": 1,
        "xs:dateTime": "2002-12-12T10:12:10Z",
        "xs:duration": "P90D",
        "xs:anyURI": "cid:c1",
        "xs:ID": "addr",
        "number": "15553199144",
        "number_token": "15553199144",
        "email": "a@example.com",
        "email_token": "a@example.com",
        "short_code": "12345",
        "details": "<Reason>none</Reason>",
        "status_code": 1000,
        "transaction_id": "tx1",
    }

    def __init__(self, maximal: bool) -> None:
        super().__init__()
        self.maximal = maximal
        self._turns: Dict[Any, int] = {}

    def _turn(self, key: Any, size: int) -> int:
        index = self._turns.get(key, 0)
        self._turns[key] = index + 1
        return index % size

    def flag(self) -> bool:
        return self.maximal

    def repeat(self, low: int, high: Optional[int]) -> int:
        if not self.maximal:
            return max(low, 1)
        return 3 if high is None else max(low, min(high, 3))

    def choice(self, options: Sequence[T]) -> T:
        if not self.maximal:
            return options[0]
        # Cycle, so that the maximal message shows every option somewhere.
        return options[self._turn(tuple(options), len(options))]

    def subset(self, options: Sequence[T]) -> List[T]:
        return list(options) if self.maximal else [options[0]]

    def value(self, kind: str) -> Any:
        if kind == "xs:ID":
            return self.unique_id("addr")
        if not self.maximal:
            return self.MIN_SAMPLES[kind]
        samples = self.MAX_SAMPLES[kind]
        return samples[self._turn(kind, len(samples))]


# Text with every XML-special character and ']]>', no XML-invalid characters
# (surrogates, C0/C1 controls other than TAB/LF/CR, U+FFFE/U+FFFF).
_CHARACTERS = st.characters(
    exclude_categories=("Cs", "Cc"),
    include_characters="\t\n\r" + _XML_SPECIALS,
    exclude_characters="\ufffe\uffff",
)
_PLAIN_TEXT = st.text(_CHARACTERS, max_size=24)
xml_text = st.one_of(
    _PLAIN_TEXT,
    st.builds(lambda a, b: a + "]]>" + b, _PLAIN_TEXT, _PLAIN_TEXT),
    st.sampled_from(["<&>\"'", "]]>", "a & b < c > d", "&amp;", "<![CDATA[x]]>", "&#13;"]),
)

_NMTOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:éЖ中"
nmtokens = st.text(_NMTOKEN_ALPHABET, min_size=1, max_size=16)
_NCNAME_PREFIX = st.from_regex(r"[A-Za-zé][A-Za-z0-9.é-]{0,6}", fullmatch=True)


@st.composite
def date_times(draw: Any) -> str:
    """``xs:dateTime`` text: with or without fractional seconds and a UTC offset."""
    year, month, day = (
        draw(st.integers(1970, 2099)),
        draw(st.integers(1, 12)),
        draw(st.integers(1, 28)),
    )
    hour, minute, second = (
        draw(st.integers(0, 23)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)),
    )
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if draw(st.booleans()):
        text += "." + draw(st.from_regex(r"[0-9]{1,6}", fullmatch=True))
    zone = draw(st.sampled_from(["", "Z", "offset"]))
    if zone == "offset":
        hours = draw(st.integers(0, 14))
        minutes = 0 if hours == 14 else draw(st.sampled_from([0, 30, 45]))
        zone = f"{draw(st.sampled_from('+-'))}{hours:02d}:{minutes:02d}"
    return text + zone


@st.composite
def durations(draw: Any) -> str:
    """``xs:duration`` text such as ``P90D``, ``PT1H30M``, ``P1Y2M3DT4H5M6S``."""
    small = st.integers(0, 400)
    date_part = "".join(f"{draw(small)}{unit}" for unit in "YMD" if draw(st.booleans()))
    time_units = [unit for unit in "HMS" if draw(st.booleans())]
    time_part = ""
    for unit in time_units:
        if unit == "S" and draw(st.booleans()):
            time_part += f"{draw(small)}.{draw(st.integers(0, 999))}S"
        else:
            time_part += f"{draw(small)}{unit}"
    if not date_part and not time_part:
        date_part = f"{draw(small)}D"
    sign = draw(st.sampled_from(["", "", "-"]))
    return f"{sign}P{date_part}" + (f"T{time_part}" if time_part else "")


_DOMAIN = st.from_regex(r"[a-z0-9-]{1,10}\.[a-z]{2,4}", fullmatch=True)
_LOCAL = st.from_regex(r"[A-Za-z0-9._+-]{1,12}", fullmatch=True)
_EMAIL_TOKEN = st.builds(lambda a, b: f"{a}@{b}", _LOCAL, _DOMAIN)

_KNOWN_CODES = [int(code) for code in StatusCode]

_BUILTINS: Dict[str, Any] = {
    "xs:string": xml_text,
    "xs:NMTOKEN": nmtokens,
    "xs:boolean": st.booleans(),
    "xs:positiveInteger": st.integers(1, 10**15),
    "xs:dateTime": date_times(),
    "xs:duration": durations(),
    "xs:anyURI": st.builds(
        lambda token: f"cid:{token}", st.from_regex(r"[A-Za-z0-9._@$-]{1,20}", fullmatch=True)
    ),
    # Numbers: digits with an optional '+' and the '/TYPE=PLMN' suffix seen in the wild.
    "number": st.builds(
        lambda plus, digits, suffix: plus + digits + suffix,
        st.sampled_from(["", "+"]),
        st.from_regex(r"[0-9]{3,15}", fullmatch=True),
        st.sampled_from(["", "/TYPE=PLMN"]),
    ),
    "number_token": st.from_regex(r"[0-9]{3,15}", fullmatch=True),
    "email": st.one_of(_EMAIL_TOKEN, st.builds(lambda t, e: f"{t} <{e}>", xml_text, _EMAIL_TOKEN)),
    "email_token": _EMAIL_TOKEN,
    "short_code": st.from_regex(r"[0-9]{3,8}", fullmatch=True),
    "details": st.one_of(
        st.builds(
            lambda text: (
                '<v:Reason xmlns:v="urn:example:vendor">'
                + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                + "</v:Reason>"
            ),
            st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
        ),
        st.just('<v:Code xmlns:v="urn:example:vendor" v:kind="x">7</v:Code>'),
    ),
    "status_code": st.one_of(st.sampled_from(_KNOWN_CODES), st.integers(1, 99_999)),
    # An NMTOKEN: valid in every version (REL-5-MM7-1-0/1-1 type it so) and
    # free of the surrounding whitespace the decoder strips.
    "transaction_id": nmtokens,
    # xs:string TransactionIDs: any text, but without the padding decoders strip.
    "transaction_text": st.one_of(nmtokens, xml_text.map(lambda text: text.strip(" \t\r\n"))),
}


class _Drawn(_Source):
    def __init__(self, draw: Any) -> None:
        super().__init__()
        self.draw = draw

    def flag(self) -> bool:
        return bool(self.draw(st.booleans()))

    def repeat(self, low: int, high: Optional[int]) -> int:
        return int(self.draw(st.integers(max(low, 1), 4 if high is None else high)))

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(list(options)))  # type: ignore[no-any-return]

    def subset(self, options: Sequence[T]) -> List[T]:
        chosen = [option for option in options if self.draw(st.booleans())]
        return chosen or [self.choice(options)]

    def value(self, kind: str) -> Any:
        if kind == "xs:ID":
            return self.unique_id(self.draw(_NCNAME_PREFIX))
        return self.draw(_BUILTINS[kind])


# Anything a caller could pass, XML-invalid characters included.
_ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_LOOSE: Dict[str, Any] = {
    "xs:boolean": st.booleans(),
    "xs:positiveInteger": st.integers(-3, 10**15),
    "status_code": _BUILTINS["status_code"],
}


_KEPT = frozenset({"xs:ID", "transaction_id", "transaction_text", "details"})


def _two_digits(high: int) -> Any:
    return st.integers(0, high).map(lambda n: f"{n:02d}")


# Values shaped like their type but just outside it: where a validating encoder's
# checks and the schema's are likeliest to part (out-of-range dates, characters that
# Python's \w or \d takes and XSD does not).
_ODD_NAME_CHARS = "az09.-_:\u00b2\u00b9\u00ba\u00bd\u2460\u1680\u0483\u0661\u00b7\u0300\u203f"
_NEAR_MISSES: Dict[str, Any] = {
    "xs:dateTime": st.builds(
        "{}{}-{}-{}T{}:{}:{}{}{}".format,
        st.sampled_from(["", "-"]),
        st.sampled_from(
            ["0000", "1900", "2000", "2024", "2026", "02026", "\u0662\u0660\u0662\u0666"]
        ),
        _two_digits(13),
        _two_digits(32),
        _two_digits(25),
        _two_digits(60),
        _two_digits(60),
        st.sampled_from(["", ".0", ".5"]),
        st.sampled_from(["", "Z", "+14:00", "+14:30", "-15:00", "+05:60"]),
    ),
    "xs:duration": st.sampled_from(["P", "PT", "P1.5D", "P\u0663D", "PT1\uff15S", "-P1D", "P1DT"]),
    "xs:NMTOKEN": st.text(_ODD_NAME_CHARS, min_size=1, max_size=6),
    "number_token": st.text(_ODD_NAME_CHARS, min_size=1, max_size=6),
    "email_token": st.text(_ODD_NAME_CHARS, min_size=1, max_size=6),
}


class _Loose(_Drawn):
    """Like ``_Drawn``, but a simple value is sometimes arbitrary (maybe schema-invalid)."""

    def value(self, kind: str) -> Any:
        if kind in _LOOSE:
            return self.draw(_LOOSE[kind])
        if kind in _NEAR_MISSES and self.draw(st.integers(0, 3)) == 0:
            return self.draw(_NEAR_MISSES[kind])
        # Not loosened: xs:ID (uniqueness is the walk's job), the TransactionID
        # and Details (their refusal has targeted tests of its own).
        if kind not in _KEPT and self.draw(st.integers(0, 4)) == 0:
            return self.draw(_ANY_TEXT)
        return super().value(kind)

    def enum(self, options: Sequence[str]) -> str:
        if self.draw(st.integers(0, 4)) == 0:
            return str(self.draw(_ANY_TEXT))
        return super().enum(options)


# --- the walk over the table ----------------------------------------------------------------------


def _simple(src: _Source, version: SchemaVersion, type_name: str) -> Any:
    """A value of a simple type: built-in, enumerated, restricted or a union."""
    if type_name.startswith("xs:"):
        if type_name not in _BUILTINS and type_name != "xs:ID":
            raise AssertionError(f"{version}: no values for built-in {type_name}")
        return src.value(type_name)
    simple = version.simple(type_name)
    if simple is None:
        raise AssertionError(f"{version}: unknown simple type {type_name}")
    if simple.enumeration:
        return src.enum(simple.enumeration)
    if simple.base.startswith("union:"):
        return _simple(src, version, src.choice(simple.base[len("union:") :].split()))
    return _simple(src, version, simple.base)


def _complex(version: SchemaVersion, type_name: str) -> ComplexType:
    found = version.type(type_name)
    if found is None:
        raise AssertionError(f"{version}: unknown complex type {type_name}")
    return found


def _address(src: _Source, version: SchemaVersion, choice: ComplexType) -> Address:
    """One address of a choice type (addressType, a multiAddressType item, userAgentInfoType)."""
    spec = src.choice(choice.children)
    kind = ADDRESS_KINDS[spec.name]
    element = _complex(version, spec.type)
    text_type = element.text_type or "xs:string"
    if kind == "email":
        value = src.value("email")
    elif text_type == "xs:NMTOKEN":
        value = src.value("number_token" if kind == "number" else "short_code")
    else:
        value = src.value(kind)
    attributes: Dict[str, Any] = {}
    for attribute in element.attributes:
        field = ADDRESS_ATTRIBUTES.get(attribute.name)
        if field is None:
            raise AssertionError(f"{version}: unknown address attribute {attribute.name}")
        if attribute.required or src.flag():
            attributes[field] = _simple(src, version, attribute.type)
    return Address(value, kind, **attributes)


def _plain_address(src: _Source) -> Address:
    """SenderAddress as plain ``xs:string`` (REL-5-MM7-1-0/1-1): kind read from the form."""
    if src.choice((False, True)):
        return Address.email(src.value("email_token"))
    # The constructor, not Address.number: loose tokens are no phone numbers on purpose.
    return Address(src.value("number_token"), "number")


def _sender_identification(src: _Source, version: SchemaVersion, ct: ComplexType) -> Any:
    fields = {"VASPID": "vasp_id", "VASID": "vas_id", "SenderAddress": "sender_address"}
    values: Dict[str, Any] = {}
    for spec in ct.children:
        if not (spec.required or src.flag()):
            continue
        if spec.name == "SenderAddress":
            if spec.type == "xs:string":
                values["sender_address"] = _plain_address(src)
            else:
                values["sender_address"] = _address(src, version, _complex(version, spec.type))
        else:
            values[fields[spec.name]] = _simple(src, version, spec.type)
    return SenderIdentification(**values)


def _recipients(src: _Source, version: SchemaVersion, ct: ComplexType) -> Any:
    lists: Dict[str, Tuple[Address, ...]] = {}
    for spec in src.subset(ct.children):
        item_type = _complex(version, spec.type)
        count = src.repeat(1, item_type.max_repeat)
        lists[spec.name.lower()] = tuple(_address(src, version, item_type) for _ in range(count))
    return RecipientsRecord(**lists)


def _status(src: _Source, version: SchemaVersion, ct: ComplexType) -> Any:
    values: Dict[str, Any] = {"code": src.value("status_code")}
    for spec in ct.children:
        if spec.name == "StatusCode":
            continue
        if not (spec.required or src.flag()):
            continue
        if spec.name == "StatusText":
            values["text"] = _simple(src, version, spec.type)
        elif spec.name == "Details":
            values["details"] = src.value("details")
        else:
            raise AssertionError(f"{version}: unknown Status child {spec.name}")
    return Status(**values)


def _attributes(
    src: _Source, version: SchemaVersion, ct: ComplexType, names: Dict[str, str]
) -> Dict[str, Any]:
    values: Dict[str, Any] = {}
    for attribute in ct.attributes:
        if attribute.name not in names:
            raise AssertionError(f"{version}: unknown attribute {ct.name}/@{attribute.name}")
        if attribute.required or src.flag():
            values[names[attribute.name]] = _simple(src, version, attribute.type)
    return values


def _reply_charging(src: _Source, version: SchemaVersion, ct: ComplexType) -> Any:
    names = {"replyChargingSize": "size", "replyDeadline": "deadline"}
    return ReplyCharging(**_attributes(src, version, ct, names))


def _content(src: _Source, version: SchemaVersion, ct: ComplexType) -> Any:
    names = {"href": "href", "allowAdaptations": "allow_adaptations"}
    return ContentRef(**_attributes(src, version, ct, names))


def _capabilities(src: _Source, version: SchemaVersion, ct: ComplexType) -> Any:
    names = {"UAProf": "ua_prof", "TimeStamp": "time_stamp"}
    return UACapabilities(**_attributes(src, version, ct, names))


def _only_child(version: SchemaVersion, ct: ComplexType) -> Any:
    if len(ct.children) != 1:
        raise AssertionError(f"{version}: {ct.name} expected one repeating child")
    return ct.children[0]


def _previously_sent_by(src: _Source, version: SchemaVersion, ct: ComplexType) -> Any:
    spec = _only_child(version, ct)
    agent = _complex(version, spec.type)
    entries = []
    for _ in range(src.repeat(spec.min_occurs, spec.max_occurs)):
        address = _address(src, version, agent)
        extra = _attributes(src, version, agent, {"sequence": "sequence"})
        entries.append(UserAgent(address, **extra))
    return tuple(entries)


def _previously_sent_date_and_time(src: _Source, version: SchemaVersion, ct: ComplexType) -> Any:
    spec = _only_child(version, ct)
    item = _complex(version, spec.type)
    entries = []
    for _ in range(src.repeat(spec.min_occurs, spec.max_occurs)):
        value = _simple(src, version, item.text_type or "xs:string")
        extra = _attributes(src, version, item, {"sequence": "sequence"})
        entries.append(SentTime(value, **extra))
    return tuple(entries)


def _delivery_condition(src: _Source, version: SchemaVersion, ct: ComplexType) -> Any:
    spec = _only_child(version, ct)
    count = src.repeat(spec.min_occurs, spec.max_occurs)
    return tuple(_simple(src, version, spec.type) for _ in range(count))


#: Complex type name -> builder of the record that holds it.
_COMPLEX: Dict[str, Callable[[_Source, SchemaVersion, ComplexType], Any]] = {
    "senderIDType": _sender_identification,
    "recipientsType": _recipients,
    "addressType": _address,
    "responseStatusType": _status,
    "extendedcancelresponseStatusType": _status,
    "submitReqType.ReplyCharging": _reply_charging,
    "contentReferenceType": _content,
    "capabilitiesType": _capabilities,
    "previouslySentByType": _previously_sent_by,
    "previouslySentByDateTime": _previously_sent_date_and_time,
    "deliveryConditionType": _delivery_condition,
}


def _value(src: _Source, version: SchemaVersion, type_name: str) -> Any:
    ct = version.type(type_name)
    if ct is None:
        return _simple(src, version, type_name)
    builder = _COMPLEX.get(type_name)
    if builder is None and ct.kind == "simple" and not ct.attributes:
        # Text-only content (serviceCodeType): just its text type.
        return _simple(src, version, ct.text_type or "xs:string")
    if builder is None:
        raise AssertionError(f"{version}: no builder for complex type {type_name}")
    return builder(src, version, ct)


_ERROR_CLASSES = (RSErrorRsp, VASPErrorRsp)


def _pdu(src: _Source, version: SchemaVersion, wire_name: str, *, plain_error: bool = False) -> Any:
    cls = PDU_CLASSES[wire_name]
    values: Dict[str, Any] = {}
    for spec in version.pdu_type(wire_name).children:
        if spec.name == "MM7Version":
            continue
        if spec.max_occurs != 1:
            raise AssertionError(f"{version}: {wire_name}/{spec.name} repeats")
        field = element_field(cls, spec.name)
        if field is None:
            raise AssertionError(f"{version}: {cls.__name__} has no field for {spec.name}")
        if spec.required or src.flag():
            values[field] = _value(src, version, spec.type)
    if plain_error and cls in _ERROR_CLASSES:
        # As the decoder builds it for an error response sent as a plain Body
        # (no Fault): fault_code stays None.
        return make(cls, values)
    return cls(**values)


def _message(src: _Source, version: SchemaVersion, wire_name: str, **kwargs: Any) -> Message:
    pdu = _pdu(src, version, wire_name, **kwargs)
    if isinstance(src, _Fixed):
        transaction_id = src.value("transaction_id")
        mm7_version = None
    else:
        # The TransactionID's type is in the table too (xs:NMTOKEN in
        # REL-5-MM7-1-0/1-1); an NMTOKEN fits every version.
        kind = (
            "transaction_id" if version.transaction_id_type == "xs:NMTOKEN" else "transaction_text"
        )
        transaction_id = src.value(kind)
        mm7_version = src.enum(version.enumeration("versionType"))
    return Message(pdu, transaction_id, version, mm7_version)


def minimal_message(version: SchemaVersion | str, wire_name: str) -> Message:
    """A message of ``wire_name`` in ``version`` with only the mandatory elements."""
    return _message(_Fixed(maximal=False), get_version(version), wire_name)


def maximal_message(version: SchemaVersion | str, wire_name: str) -> Message:
    """A message with every element, attribute and repetition ``version`` allows."""
    return _message(_Fixed(maximal=True), get_version(version), wire_name)


@st.composite
def _messages(
    draw: Any, version: Optional[SchemaVersion], wire_name: Optional[str], loose: bool = False
) -> Message:
    if version is None:
        if wire_name is None:
            version = draw(st.sampled_from(VERSIONS))
        else:
            version = draw(st.sampled_from([v for v in VERSIONS if v.has_pdu(wire_name)]))
    assert version is not None
    if wire_name is None:
        wire_name = draw(st.sampled_from(list(version.pdus)))
    src = _Loose(draw) if loose else _Drawn(draw)
    plain_error = draw(st.integers(0, 3)) == 0
    return _message(src, version, wire_name, plain_error=plain_error)


def messages(
    version: SchemaVersion | str | None = None, wire_name: Optional[str] = None
) -> st.SearchStrategy[Message]:
    """Arbitrary schema-valid messages (of one version and/or PDU when given)."""
    resolved = None if version is None else get_version(version)
    if resolved is not None and wire_name is not None and not resolved.has_pdu(wire_name):
        raise ValueError(f"{resolved} has no {wire_name}")
    return _messages(resolved, wire_name)


def loose_messages(version: SchemaVersion | str | None = None) -> st.SearchStrategy[Message]:
    """Messages shaped like :func:`messages` whose simple values may break the schema.

    For the encoder's contract: with ``validate=True`` it either raises
    ``EncodeError`` or writes schema-valid XML.
    """
    return _messages(None if version is None else get_version(version), None, True)
