"""Encoder output against the official XSDs: every version x every PDU x {minimal, maximal}.

For each case ``encode_envelope`` runs and the bytes are checked three ways:
(a) the whole envelope against ``support/soapEnvelope.xsd``; (b) the PDU (the
Body child, or for an error response sent as a Fault the PDU inside
``detail``) against that version's MM7 schema; (c) the ``TransactionID``
header entry against the MM7 schema where its declaration accepts
``soap:mustUnderstand`` (REL-5-MM7-1-2 on), and as an ``xs:NMTOKEN`` in
REL-5-MM7-1-0/1-1 (mm7-spec.md §4.2: the attribute is technically invalid
there; ignore it). Each schema is built once per session.
"""

from __future__ import annotations

import copy
import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdu_strategies import ALL_CASES, loose_messages, maximal_message, messages, minimal_message

from mm7codec import EncodeError
from mm7codec._errata import ERRATA, errata_for
from mm7codec._message import Message
from mm7codec._pdu import RSErrorRsp, Status, VASPErrorRsp
from mm7codec._record import make
from mm7codec._versions import VERSIONS, SchemaVersion
from mm7codec._xml import encode_envelope

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XS_NS = "http://www.w3.org/2001/XMLSchema"
NMTOKEN_ATTRIBUTE_FREE = ("REL-5-MM7-1-0", "REL-5-MM7-1-1")
KINDS = ("minimal", "maximal")
BUILDERS = {"minimal": minimal_message, "maximal": maximal_message}
CASES = [(version, wire, kind) for version, wire in ALL_CASES for kind in KINDS]
EXPECTED_CASES = 2 * (9 * 14 + 18)

#: Cases validated without errors in this session (the total test reuses them).
_VALIDATED: Set[Tuple[str, str, str]] = set()
#: Erratum name -> "version PDU" whose output it makes invalid against the published XSD.
ERRATA_CASES: Dict[str, Set[str]] = {}


class Validators:
    """The SOAP envelope schema and one MM7 schema per version, built on first use."""

    def __init__(self, xsd_path: Path) -> None:
        self.xsd_path = xsd_path
        self.soap_xsd = xsd_path / "support" / "soapEnvelope.xsd"
        self.envelope = xmlschema.XMLSchema(str(self.soap_xsd))
        self._mm7: Dict[str, xmlschema.XMLSchema] = {}

    def mm7(self, version: SchemaVersion) -> xmlschema.XMLSchema:
        schema = self._mm7.get(version.name)
        if schema is None:
            schema = xmlschema.XMLSchema(
                str(self.xsd_path / f"{version.name}.xsd"),
                locations={SOAP_NS: str(self.soap_xsd)},
            )
            assert schema.target_namespace == version.namespace
            self._mm7[version.name] = schema
        return schema

    def nmtoken(self, text: str) -> bool:
        return bool(self.envelope.maps.types[f"{{{XS_NS}}}NMTOKEN"].is_valid(text))


@pytest.fixture(scope="session")
def validators(xsd_path: Path) -> Validators:
    return Validators(xsd_path)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def validation_errors(
    data: bytes, message: Message, validators: Validators, *, schema_only: bool = False
) -> List[str]:
    """Every problem with ``data`` as the encoding of ``message``; empty when valid.

    ``schema_only`` skips the checks that the values written are the message's.
    """
    version = message.version
    ns = version.namespace
    problems: List[str] = []
    # (a) the whole envelope against the SOAP 1.1 envelope schema (from the bytes,
    # so that QName prefixes such as faultcode's stay resolvable).
    resource = xmlschema.XMLResource(io.BytesIO(data))
    problems += [
        f"envelope: {e.reason} at {e.path}" for e in validators.envelope.iter_errors(resource)
    ]
    root = ET.fromstring(data)
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        return [*problems, f"root is {root.tag}"]
    schema = validators.mm7(version)

    # (c) the TransactionID header entry.
    header = root.find(f"{{{SOAP_NS}}}Header")
    entries = [] if header is None else list(header)
    ids = [e for e in entries if e.tag == f"{{{ns}}}TransactionID"]
    if len(ids) != 1 or len(entries) != 1:
        problems.append(f"header entries: {[e.tag for e in entries]}")
    else:
        tid = ids[0]
        if not schema_only and (tid.text or "") != message.transaction_id:
            problems.append(f"TransactionID {tid.text!r} != {message.transaction_id!r}")
        if tid.get(f"{{{SOAP_NS}}}mustUnderstand") != "1":
            problems.append(
                f"TransactionID mustUnderstand={tid.get(f'{{{SOAP_NS}}}mustUnderstand')!r}"
            )
        if version.name in NMTOKEN_ATTRIBUTE_FREE:
            if not validators.nmtoken(tid.text or ""):
                problems.append(f"TransactionID {tid.text!r} is no NMTOKEN")
        else:
            problems += [f"TransactionID: {e.reason}" for e in schema.iter_errors(tid)]

    # (b) the PDU, in the Body or inside a Fault's detail.
    body = root.find(f"{{{SOAP_NS}}}Body")
    children = [] if body is None else list(body)
    if len(children) != 1:
        return [*problems, f"Body children: {[c.tag for c in children]}"]
    pdu_element: Optional[ET.Element] = children[0]
    assert pdu_element is not None
    is_error = isinstance(message.pdu, (RSErrorRsp, VASPErrorRsp))
    as_fault = is_error and message.pdu.fault_code is not None  # type: ignore[union-attr]
    if pdu_element.tag == f"{{{SOAP_NS}}}Fault":
        if not as_fault:
            problems.append("a Fault for a PDU that is not an error response written as one")
        fault = {_local(c.tag): c for c in pdu_element}
        code = fault.get("faultcode")
        if (
            code is None
            or _local((code.text or "").strip().rsplit(":", 1)[-1]) != message.pdu.fault_code
        ):  # type: ignore[union-attr]
            problems.append(f"faultcode {None if code is None else code.text!r}")
        string = fault.get("faultstring")
        if string is None or string.text != message.pdu.fault_string:  # type: ignore[union-attr]
            problems.append(f"faultstring {None if string is None else string.text!r}")
        detail = fault.get("detail")
        inside = [] if detail is None else list(detail)
        if len(inside) != 1:
            return [*problems, f"Fault detail children: {[c.tag for c in inside]}"]
        pdu_element = inside[0]
    elif as_fault:
        problems.append("an error response with fault_code was not written as a Fault")
    if pdu_element.tag != f"{{{ns}}}{message.pdu.WIRE_NAME}":
        problems.append(f"PDU element {pdu_element.tag}")
    problems += _strip_errata(pdu_element, version, message.pdu.WIRE_NAME, schema)
    problems += [f"PDU: {e.reason} at {e.path}" for e in schema.iter_errors(pdu_element)]
    # Details is anyDataType, a restriction of anyType without mixed="true": element-only
    # content in XSD 1.0 (xmlschema does not flag character data there; Xerces does).
    for details in pdu_element.iter(f"{{{ns}}}Details"):
        texts = [details.text] + [child.tail for child in details]
        if any(text and text.strip() for text in texts):
            problems.append(f"character data in element-only Details: {texts!r}")
    first = pdu_element[0] if len(pdu_element) else None
    if first is None or first.tag != f"{{{ns}}}MM7Version":
        problems.append("no MM7Version first")
    elif not schema_only and first.text != message.mm7_version:
        problems.append(
            f"MM7Version {None if first is None else first.text!r} != {message.mm7_version!r}"
        )
    return problems


def _strip_errata(
    pdu_element: ET.Element, version: SchemaVersion, wire: str, schema: xmlschema.XMLSchema
) -> List[str]:
    """Remove what an erratum (mm7codec/_errata.py) adds, so the rest is checked against
    the published XSD; note the case in ``ERRATA_CASES``. The output as written must be
    one the XSD refuses, or the erratum is stale (a problem)."""
    added = [e for e in errata_for(version.name) if version.pdus.get(wire) == e.type]
    tags = {f"{{{version.namespace}}}{e.element}": e for e in added}
    found = [child for child in pdu_element if child.tag in tags]
    if not found:
        return []
    if not list(schema.iter_errors(copy.deepcopy(pdu_element))):
        return [f"erratum {tags[found[0].tag].name}: the published XSD accepts it (stale)"]
    for child in found:
        ERRATA_CASES.setdefault(tags[child.tag].name, set()).add(f"{version.name} {wire}")
        pdu_element.remove(child)
    return []


def _check(version: SchemaVersion, wire: str, kind: str, validators: Validators) -> List[str]:
    message = BUILDERS[kind](version, wire)
    data = encode_envelope(message)
    assert isinstance(data, bytes)
    problems = validation_errors(data, message, validators)
    if not problems:
        _VALIDATED.add((version.name, wire, kind))
    return problems


@pytest.mark.parametrize(
    ("version", "wire", "kind"),
    CASES,
    ids=[f"{v.name}-{w}-{k}" for v, w, k in CASES],
)
def test_xsd_valid(version: SchemaVersion, wire: str, kind: str, validators: Validators) -> None:
    problems = _check(version, wire, kind, validators)
    assert not problems, "\n".join(problems)


def test_matrix_total(validators: Validators, record_property: object) -> None:
    """All 288 cases (ten versions, each PDU, minimal and maximal) validate."""
    assert len(CASES) == 2 * sum(len(v.pdus) for v in VERSIONS) == EXPECTED_CASES == 288
    failed = []
    for version, wire, kind in CASES:
        if (version.name, wire, kind) in _VALIDATED:
            continue
        try:
            problems = _check(version, wire, kind, validators)
        except Exception as exc:  # reported below with the case
            problems = [f"{type(exc).__name__}: {exc}"]
        if problems:
            failed.append(f"{version.name} {wire} {kind}: {problems[0]}")
    validated = len(_VALIDATED & {(v.name, w, k) for v, w, k in CASES})
    print(f"\nXSD matrix: {validated} of {len(CASES)} (version, PDU, instance) cases validated")
    for name, where in sorted(ERRATA_CASES.items()):
        print(f"  deliberately invalid by erratum {name}: {', '.join(sorted(where))}")
    assert set(ERRATA_CASES) == {e.name for e in ERRATA}, "an erratum no case exercises"
    record_property("xsd_cases_validated", validated)  # type: ignore[operator]
    assert not failed, f"{len(failed)} invalid:\n" + "\n".join(failed)
    assert validated == EXPECTED_CASES


@pytest.mark.parametrize("version", VERSIONS, ids=[v.name for v in VERSIONS])
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_messages_are_xsd_valid(
    version: SchemaVersion, validators: Validators, data: st.DataObject
) -> None:
    """Hypothesis: arbitrary valid messages of each version validate (25 per version)."""
    message = data.draw(messages(version), label="message")
    encoded = encode_envelope(message)
    problems = validation_errors(encoded, message, validators)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("version", VERSIONS, ids=[v.name for v in VERSIONS])
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_validating_encoder_never_writes_invalid_xml(
    version: SchemaVersion, validators: Validators, data: st.DataObject
) -> None:
    """``validate=True``: values that break the schema raise EncodeError, never reach the wire."""
    message = data.draw(loose_messages(version), label="message")
    try:
        encoded = encode_envelope(message)
    except EncodeError:
        return
    problems = validation_errors(encoded, message, validators, schema_only=True)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "name", ["REL-5-MM7-1-0", "REL-5-MM7-1-1", "REL-5-MM7-1-2", "REL-6-MM7-1-4"]
)
@pytest.mark.parametrize("transaction_id", ["a b", "", "tx<1>&2"], ids=["space", "empty", "markup"])
def test_transaction_id_refused_or_valid(
    name: str, transaction_id: str, validators: Validators
) -> None:
    """TransactionID is xs:NMTOKEN in REL-5-MM7-1-0/1-1: other text must not reach the wire."""
    message = minimal_message(name, "DeliverRsp").replace(transaction_id=transaction_id)
    try:
        encoded = encode_envelope(message)
    except EncodeError:
        assert name in NMTOKEN_ATTRIBUTE_FREE, "a valid xs:string TransactionID was refused"
        return
    problems = validation_errors(encoded, message, validators)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("details", ["plain text", "<a>x</a> tail", '<v:E xmlns:v="urn:v">x</v:E>'])
def test_details_refused_or_element_only(details: str, validators: Validators) -> None:
    """Details (anyDataType, not mixed) holds elements only: text must not reach the wire."""
    message = Message(RSErrorRsp(status=Status(2007, "Corrupt", details)), "tx1", "REL-6-MM7-1-4")
    try:
        encoded = encode_envelope(message)
    except EncodeError:
        assert "<" not in details.strip()[:1] or "tail" in details, "element-only Details refused"
        return
    problems = validation_errors(encoded, message, validators)
    assert not problems, "\n".join(problems)


# Characters where Python's \w and XSD's \c part ways, the ogham space mark that
# validators collapse as whitespace, and plain name characters.
_TOKEN_PROBES = "\u00b2\u00b3\u00b5\u00ba\u00bc\u2460\u1680\u0483\u02c2\u00b7a\u0416\u4e2d-.:_9"


@pytest.mark.parametrize(
    "char", list(_TOKEN_PROBES), ids=[f"U+{ord(c):04X}" for c in _TOKEN_PROBES]
)
def test_token_characters_refused_or_valid(char: str, validators: Validators) -> None:
    """A Number (xs:NMTOKEN in REL-5-MM7-1-0) the encoder writes validates; others raise.

    Hypothesis found ``Number("²")`` on the wire: the encoder took Python's ``\\w``
    for XSD's ``\\c``.
    """
    from mm7codec import Address, DeliveryReportReq

    pdu = DeliveryReportReq(
        message_id="m1",
        recipient=Address.number("15551234567"),
        # Built without Address.number's phone-number check: the encoder's is under test.
        sender=make(Address, {"value": "1555" + char, "kind": "number"}),
        date="2026-11-25T10:00:00Z",
        mm_status="Retrieved",
    )
    message = Message(pdu, "tx1", "REL-5-MM7-1-0")
    try:
        encoded = encode_envelope(message)
    except EncodeError:
        refused = True
    else:
        refused = False
        problems = validation_errors(encoded, message, validators)
        assert not problems, "\n".join(problems)
    # Every character of the probe that the validator takes is written, not refused.
    assert refused == (char in "\u00b2\u00b3\u00b5\u00ba\u00bc\u2460\u1680")


def test_token_patterns_match_the_validators_name_classes() -> None:
    """Over the whole BMP, the encoder's xs:NMTOKEN / xs:ID checks are XSD's \\c+ and
    [\\i-[:]][\\c-[:]]* as the validator translates them (bar U+1680, refused on purpose)."""
    import re

    from elementpath.regex import translate_pattern  # xmlschema's own regex layer

    from mm7codec._xml_encode import _pattern

    pairs = (
        (_pattern("xs:NMTOKEN"), re.compile(translate_pattern(r"\c+")), ""),
        (_pattern("xs:ID"), re.compile(translate_pattern(r"[\i-[:]][\c-[:]]*")), ""),
        (_pattern("xs:ID"), re.compile(translate_pattern(r"[\i-[:]][\c-[:]]*")), "a"),
    )
    for ours, theirs, prefix in pairs:
        differ = [
            cp
            for cp in range(0x10000)
            if not 0xD800 <= cp <= 0xDFFF
            and (ours.fullmatch(prefix + chr(cp)) is None)
            != (theirs.fullmatch(prefix + chr(cp)) is None)
        ]
        assert differ == [0x1680], [hex(cp) for cp in differ[:10]]


@pytest.fixture(scope="module")
def xsd_builtin() -> Any:
    """An XSD built-in type by local name, as the validator (xmlschema) checks it."""
    meta = xmlschema.XMLSchema.meta_schema
    meta.build()
    return lambda name: meta.maps.types["{http://www.w3.org/2001/XMLSchema}" + name]


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


_DATE_TIMES = st.builds(
    lambda sign, year, month, day, hour, minute, second, fraction, zone: (
        f"{sign}{year}-{month}-{day}T{hour}:{minute}:{second}{fraction}{zone}"
    ),
    st.sampled_from(["", "", "-"]),
    st.one_of(
        st.integers(0, 9999).map(lambda n: f"{n:04d}"),
        st.sampled_from(["1900", "2000", "2024", "2026", "0004", "10000", "02026", "12024"]),
    ),
    _two(0, 13),
    st.one_of(_two(0, 32), st.sampled_from(["28", "29", "30", "31"])),
    st.one_of(_two(0, 25), st.just("24")),
    st.one_of(_two(0, 60), st.just("00")),
    st.one_of(_two(0, 60), st.just("00")),
    st.sampled_from(["", ".0", ".000", ".5", ".123456"]),
    st.one_of(
        st.sampled_from(["", "Z", "+14:00", "-14:00", "+14:01", "+13:59", "+00:60"]),
        st.builds(lambda s, h, m: f"{s}{h}:{m}", st.sampled_from("+-"), _two(0, 15), _two(0, 60)),
    ),
)


@given(value=_DATE_TIMES)
@settings(max_examples=300)
def test_date_time_check_is_the_validators(value: str, xsd_builtin: Any) -> None:
    """xs:dateTime (TimeStamp, EarliestDeliveryTime, ...): the encoder refuses exactly
    what the validator refuses (month 13, Feb 29 of 1900, 24:00:01, +14:01, year 0000...).
    """
    from mm7codec._xml_encode import _valid_lexical

    assert _valid_lexical("xs:dateTime", value) == xsd_builtin("dateTime").is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-25T10:00:00Z",
        "2024-02-29T00:00:00",
        "2000-02-29T00:00:00",
        "1900-02-29T00:00:00",  # 1900 is no leap year
        "-0004-02-29T00:00:00",
        "2026-13-01T00:00:00Z",
        "2026-04-31T00:00:00",
        "2026-01-01T24:00:00",
        "2026-01-01T24:00:00.000",
        "2026-01-01T24:00:00.5",
        "2026-01-01T24:00:01",
        "2026-01-01T25:00:00",
        "2026-01-01T23:60:00",
        "2026-01-01T23:59:60Z",  # no leap second
        "0000-01-01T00:00:00",
        "02026-01-01T00:00:00",
        "12026-01-01T00:00:00",
        "2026-01-01T00:00:00+14:00",
        "2026-01-01T00:00:00-14:01",
        "2026-01-01T00:00:00+15:00",
        "2026-01-01T00:00:00+05:60",
    ],
)
def test_date_time_edges(value: str, xsd_builtin: Any) -> None:
    from mm7codec._xml_encode import _valid_lexical

    assert _valid_lexical("xs:dateTime", value) == xsd_builtin("dateTime").is_valid(value)


@pytest.mark.parametrize(
    ("base", "value"),
    [
        ("xs:dateTime", "\u0662\u0660\u0662\u0666-01-01T00:00:00Z"),  # Arabic-Indic digits
        ("xs:dateTime", "2026-01-01T00:00:00\u0665"),
        ("xs:duration", "P\u0663D"),
        ("xs:duration", "PT1\uff15S"),  # a fullwidth digit
    ],
)
def test_temporal_values_take_ascii_digits_only(base: str, value: str, xsd_builtin: Any) -> None:
    from mm7codec._xml_encode import _valid_lexical

    assert not xsd_builtin(base[3:]).is_valid(value)
    assert not _valid_lexical(base, value)


def test_an_id_is_written_once_per_envelope(validators: Validators) -> None:
    """Address ``id`` is xs:ID: two addresses with one id make the envelope invalid,
    so the validating encoder refuses them; ``validate=False`` writes what it is given."""
    from mm7codec import Address, Recipients, SenderIdentification, SubmitReq

    def message(second_id: str) -> Message:
        pdu = SubmitReq(
            sender_identification=SenderIdentification(vasp_id="K", vas_id="V"),
            recipients=Recipients(
                to=[Address.number("15551230001", id="a1")],
                cc=[Address.number("15551230002", id=second_id)],
            ),
        )
        return Message(pdu, "tx1", "REL-6-MM7-1-4")

    with pytest.raises(EncodeError, match="'a1' is already used"):
        encode_envelope(message("a1"))
    assert validation_errors(
        encode_envelope(message("a1"), validate=False), message("a1"), validators
    )
    assert not validation_errors(encode_envelope(message("a2")), message("a2"), validators)


# --- real-world-shaped messages, decoded, then re-encoded into every version ------------------

_TESTS = Path(__file__).parent


def _real_world() -> List[Tuple[str, Message]]:
    """Every decodable vector (tests/vectors) and example (examples/*.http), decoded."""
    from mm7codec import MM7Error, decode, decode_http

    found = []
    sources = [
        *sorted((_TESTS / "vectors" / "xml").glob("*.xml")),
        *sorted((_TESTS / "vectors" / "http").glob("*.http")),
        *sorted((_TESTS.parent / "examples").glob("*.http")),
    ]
    for path in sources:
        data = path.read_bytes()
        try:
            message = decode(data, "text/xml") if path.suffix == ".xml" else decode_http(data)
        except MM7Error:
            continue  # the attack and not-well-formed vectors
        found.append((f"{path.parent.name}/{path.name}", message))
    return found


def test_real_world_messages_reencode_valid_or_refused(validators: Validators) -> None:
    """Issue 13 item 3: a decoded message re-encoded with validate=True into any version
    is valid against that version's XSD (errata aside) or encode raises EncodeError."""
    messages = _real_world()
    assert len(messages) >= 20
    validated, refused, invalid = 0, 0, []
    for name, message in messages:
        for version in VERSIONS:
            if not version.has_pdu(message.pdu.WIRE_NAME):
                continue
            # The envelope only (content is the MIME layer's): make() skips Message's checks.
            target = make(
                Message,
                {
                    **message.__dict__,
                    "version": version,
                    "mm7_version": version.default_mm7_version,
                },
            )
            try:
                data = encode_envelope(target)
            except EncodeError:
                refused += 1
                continue
            problems = validation_errors(data, target, validators)
            if problems:
                invalid.append(f"{name} as {version.name}: {problems[0]}")
            else:
                validated += 1
    print(
        f"\nreal-world re-encode: {len(messages)} messages, {validated} (message, version) "
        f"cases validated, {refused} refused by EncodeError, {len(invalid)} schema-invalid"
    )
    for erratum, where in sorted(ERRATA_CASES.items()):
        print(f"  deliberately invalid by erratum {erratum}: {', '.join(sorted(where))}")
    assert invalid == []
    assert validated > 100
