"""One decode path, two ways in: by full tag and by local name, with the same result.

A PDU in its version's own namespace finds each child by its full tag in a
plan compiled once per (version, PDU); a PDU in no namespace finds them by
local name. Both reach the same readers, so each case here decodes one
envelope twice: as sent and with the PDU in no namespace, the TransactionID
naming the version (which adds one ``missing-namespace`` defect). Values,
defects and errors must agree. Where the envelope is shallow enough, a third
decode sets ``max_xml_depth`` to the depth of the deepest element.

The last tests pin the version-table facts the compiled plans rely on.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import pytest

import mm7codec as mm7
from mm7codec import DecodeError, Message
from mm7codec._limits import Limits
from mm7codec._pdu import PDU_CLASSES, element_field
from mm7codec._versions import VERSIONS
from mm7codec._wire import ADDRESS_ELEMENTS
from mm7codec._xml import decode_envelope

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
BASE = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/"
V6 = "REL-6-MM7-1-4"
SENDER = "<SenderIdentification><VASPID>v</VASPID><VASID>s</VASID></SenderIdentification>"
TO = "<Recipients><To><Number>15551234567</Number></To></Recipients>"


def envelope(body: str, pdu: str, version: str, pdu_ns: Optional[str]) -> bytes:
    ns = BASE + version
    mm7_version = mm7.get_version(version).default_mm7_version
    xmlns = ns if pdu_ns is None else pdu_ns
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="{SOAP}"><env:Header>'
        f'<mm7:TransactionID xmlns:mm7="{ns}" env:mustUnderstand="1">tx-1</mm7:TransactionID>'
        f'</env:Header><env:Body><{pdu} xmlns="{xmlns}"><MM7Version>{mm7_version}</MM7Version>'
        f"{body}</{pdu}></env:Body></env:Envelope>"
    ).encode()


def defects(message: Message) -> List[Tuple[str, str]]:
    return [(d.kind, d.detail) for d in message.defects]


def agree(
    body: str, expected: List[str], pdu: str = "SubmitReq", version: str = V6, shallow: bool = False
) -> Message:
    """Decode by full tag and by local name; both must give the same PDU and defects."""
    fast = decode_envelope(envelope(body, pdu, version, None))
    assert [kind for kind, _ in defects(fast)] == expected
    slow = decode_envelope(envelope(body, pdu, version, ""))
    assert slow.pdu == fast.pdu and slow.version == fast.version
    assert defects(slow)[0][0] == "missing-namespace"
    # Details name unknown elements by Clark tag, the only place the namespace shows.
    in_ns = [(kind, detail.replace(f"{{{BASE}{version}}}", "")) for kind, detail in defects(fast)]
    assert defects(slow)[1:] == in_ns
    if shallow:  # nothing below level 5: a depth limit of 5 changes nothing
        limited = decode_envelope(
            envelope(body, pdu, version, None), limits=Limits(max_xml_depth=5)
        )
        assert limited.pdu == fast.pdu and defects(limited) == defects(fast)
    if expected:
        with pytest.raises(DecodeError, match=f"strict mode: {expected[0]}"):
            decode_envelope(envelope(body, pdu, version, None), strict=True)
    return fast


def status_body(inner: str) -> str:
    return f"<Status>{inner}</Status>"


# --- simple values and attributes -----------------------------------------------------------


def test_regular_envelope_by_tag_and_by_name_agree() -> None:
    body = SENDER + TO + "<DeliveryReport>true</DeliveryReport><Priority>High</Priority>"
    message = agree(body, [])
    assert message.pdu.priority == "High" and message.pdu.delivery_report is True


def test_simple_element_with_a_child() -> None:
    message = agree(SENDER + TO + "<Priority>High<x/></Priority>", ["unexpected-child"])
    assert message.pdu.priority == "High"


def test_address_attribute_outside_its_enumeration() -> None:
    to = '<Recipients><To><Number addressCoding="plain">1</Number></To></Recipients>'
    message = agree(SENDER + to, ["enum-value"])
    assert message.pdu.recipients.to == (mm7.Address("1", "number", address_coding="plain"),)


def test_positive_integer_attribute_of_zero() -> None:
    message = agree(SENDER + TO + '<ReplyCharging replyChargingSize="0"/>', ["invalid-integer"])
    assert message.pdu.reply_charging == mm7.ReplyCharging(size=None)


def test_unknown_element_among_recipient_addresses() -> None:
    to = "<Recipients><To><Number>1</Number><Foo/></To></Recipients>"
    message = agree(SENDER + to, ["unknown-element"])
    assert message.pdu.recipients.to == (mm7.Address.number("1"),)


def test_recipient_as_bare_text() -> None:
    to = "<Recipients><To>a@example.com</To><Cc><Number>2</Number></Cc></Recipients>"
    message = agree(SENDER + to, ["bare-address"])
    recipients = message.pdu.recipients
    assert recipients.to == (mm7.Address.email("a@example.com"),)
    assert recipients.cc == (mm7.Address.number("2"),)


def test_plain_text_sender_address_of_rel_5_mm7_1_0() -> None:
    sender = (
        "<SenderIdentification><VASPID>v</VASPID><VASID>s</VASID>"
        "<SenderAddress> 15550000000 </SenderAddress></SenderIdentification>"
    )
    message = agree(sender + TO, [], version="REL-5-MM7-1-0")
    assert message.pdu.sender_identification.sender_address == mm7.Address.number("15550000000")
    assert message.version.name == "REL-5-MM7-1-0"


def test_attribute_record_with_a_child() -> None:
    body = SENDER + TO + '<Content href="cid:c1"><x/></Content>'
    message = agree(body, ["unexpected-child"])
    assert message.pdu.content == mm7.ContentRef("cid:c1")


def test_content_without_href() -> None:
    message = agree(SENDER + TO + '<Content allowAdaptations="true"/>', ["missing-attribute"])
    assert message.pdu.content == mm7.ContentRef("", allow_adaptations=True)


def test_out_of_order_elements() -> None:
    message = agree("<Priority>Low</Priority>" + SENDER + TO, ["out-of-order"])
    assert message.pdu.priority == "Low" and message.pdu.sender_identification.vas_id == "s"


# --- Status ---------------------------------------------------------------------------------


def test_status_code_with_a_child() -> None:
    body = status_body("<StatusCode>1000<x/></StatusCode><StatusText>ok</StatusText>")
    message = agree(body, ["unexpected-child"], pdu="DeliveryReportRsp")
    assert message.status == mm7.Status(1000, "ok")


def test_status_text_with_a_child() -> None:
    body = status_body("<StatusCode>1000</StatusCode><StatusText>ok<x/></StatusText>")
    message = agree(body, ["unexpected-child"], pdu="DeliveryReportRsp")
    assert message.status == mm7.Status(1000, "ok")


def test_status_without_status_text() -> None:
    body = status_body("<StatusCode>4004</StatusCode>")
    message = agree(body, ["missing-element"], pdu="DeliveryReportRsp", shallow=True)
    assert message.status is not None
    assert message.status.code == 4004 and message.status.text is None


def test_status_of_extended_cancel_rsp_takes_the_default_text() -> None:
    body = status_body("<StatusCode>1000</StatusCode>")
    message = agree(body, [], pdu="extendedCancelRsp", shallow=True)
    assert message.status == mm7.Status(1000, "Success")


def test_status_code_in_non_ascii_digits_is_refused_by_both_paths() -> None:
    body = status_body(
        "<StatusCode>\u0661\u0660\u0660\u0660</StatusCode><StatusText>t</StatusText>"
    )
    for pdu_ns in (None, ""):
        with pytest.raises(DecodeError, match="is not a status code") as info:
            decode_envelope(envelope(body, "DeliveryReportRsp", V6, pdu_ns))
        assert info.value.status_code == 2007


# --- what the compiled plans take from the version table ----------------------------------


def test_no_element_is_a_positive_integer() -> None:
    # _read_simple has no positiveInteger case (DC is read apart).
    for version in VERSIONS:
        for wire in version.pdus:
            for spec in version.pdu_type(wire).children:
                simple = version.simple(spec.type)
                base = simple.base if simple is not None else spec.type
                assert base != "xs:positiveInteger", (version, wire, spec.name)


def test_the_nested_types_have_the_children_the_decoders_name() -> None:
    for version in VERSIONS:
        for wire in version.pdus:
            cls = PDU_CLASSES[wire]
            for spec in version.pdu_type(wire).children:
                field = element_field(cls, spec.name)
                ct: Any = version.type(spec.type)
                if field == "recipients":
                    assert [c.name for c in ct.children] == ["To", "Cc", "Bcc"]
                    for child in ct.children:
                        assert_address_choice(version, version.types[child.type])
                elif field == "sender_identification":
                    names = [c.name for c in ct.children]
                    assert names == ["VASPID", "VASID", "SenderAddress"]
                    address = version.type(ct.child("SenderAddress").type)
                    if address is not None:
                        assert_address_choice(version, address)
                elif field == "status":
                    assert ct.child("StatusCode").required
                    text = ct.child("StatusText")
                    assert text is None or text.required, (version, wire)
                elif field in ("sender", "recipient") and ct is not None:
                    assert_address_choice(version, ct)
                elif field == "previously_sent_by":
                    assert_address_choice(version, version.types[ct.children[0].type])
                elif field == "content":
                    assert ct.attribute("href").required
                elif field in (
                    "reply_charging",
                    "ua_capabilities",
                    "previously_sent_date_and_time",
                ):
                    assert version.types[ct.children[0].type] if ct.children else ct
                elif field == "delivery_condition" and ct is not None:
                    assert [c.name for c in ct.children] == ["DC"]


def assert_address_choice(version: Any, choice: Any) -> None:
    """Every address kind is in the choice, of a simple-content type in the table."""
    for element in ADDRESS_ELEMENTS.values():
        spec = choice.child(element)
        assert spec is not None, (version, choice.name, element)
        item = version.types[spec.type]
        assert item.kind == "simple"
        assert {a.name for a in item.attributes} <= {"displayOnly", "addressCoding", "id"}


def test_address_needs_no_normalising() -> None:
    """The decoder builds addresses without make(): nothing in __post_init__ to skip."""
    assert getattr(mm7.Address, "__post_init__", None) is None


@pytest.mark.parametrize(
    ("body", "pdu"),
    [
        (SENDER, "SubmitReq"),
        (TO, "SubmitReq"),
        (status_body("<StatusCode>1000</StatusCode><StatusText>ok</StatusText>"), "SubmitRsp"),
    ],
    ids=["SenderIdentification", "Recipients", "Status"],
)
def test_a_record_one_level_too_deep_is_refused(body: str, pdu: str) -> None:
    """The PDU's children are at level 4: with max_xml_depth=4 a record's children are
    one too deep, by tag and by local name alike."""
    for pdu_ns in (None, ""):
        with pytest.raises(mm7.LimitExceededError):
            decode_envelope(envelope(body, pdu, V6, pdu_ns), limits=Limits(max_xml_depth=4))
