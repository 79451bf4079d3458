"""The XML layer's rarer paths: one hand-written envelope per leniency case or error.

Each decode case asserts the decoded value and the exact defect kinds; each
encode case asserts the EncodeError's message. ``strict=True`` must raise for
every case that records a defect.
"""

from __future__ import annotations

from typing import Any, List, Optional

import pytest

import mm7codec as mm7
from mm7codec import DecodeError, EncodeError, Message
from mm7codec._xml import canonical_fragment, decode_envelope, encode_envelope

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
BASE = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/"
V6 = "REL-6-MM7-1-4"
SENDER = "<SenderIdentification><VASPID>v</VASPID><VASID>s</VASID></SenderIdentification>"
TO = "<Recipients><To><Number>15551234567</Number></To></Recipients>"


def envelope(
    body: str,
    *,
    version: str = V6,
    pdu: str = "SubmitReq",
    mm7_version: Optional[str] = None,
    decl: str = '<?xml version="1.0" encoding="UTF-8"?>',
) -> str:
    ns = BASE + version
    if mm7_version is None:
        mm7_version = mm7.get_version(version).default_mm7_version
    return (
        f'{decl}<env:Envelope xmlns:env="{SOAP}"><env:Header>'
        f'<mm7:TransactionID xmlns:mm7="{ns}" env:mustUnderstand="1">tx-1</mm7:TransactionID>'
        f'</env:Header><env:Body><{pdu} xmlns="{ns}"><MM7Version>{mm7_version}</MM7Version>'
        f"{body}</{pdu}></env:Body></env:Envelope>"
    )


def submit(inner: str = "", sender: str = SENDER, to: str = TO, **kw: Any) -> str:
    return envelope(sender + to + inner, **kw)


def status_rsp(status: str, pdu: str = "DeliveryReportRsp", **kw: Any) -> str:
    return envelope(f"<Status>{status}</Status>", pdu=pdu, **kw)


def kinds(message: Message) -> List[str]:
    return [d.kind for d in message.defects]


def decoded(xml: str, expected: List[str], **kw: Any) -> Message:
    """Decode leniently (defect kinds exactly ``expected``); strict must refuse if any."""
    message = decode_envelope(xml.encode("utf-8"), **kw)
    assert kinds(message) == expected, message.defects
    if expected:
        with pytest.raises(DecodeError, match=f"strict mode: {expected[0]}"):
            decode_envelope(xml.encode("utf-8"), strict=True, **kw)
    return message


# --- addresses -------------------------------------------------------------------------------


def sender_address(inner: str) -> str:
    return (
        f"<SenderIdentification><VASPID>v</VASPID><VASID>s</VASID>"
        f"<SenderAddress>{inner}</SenderAddress></SenderIdentification>"
    )


def test_unknown_and_namespaced_address_attributes() -> None:
    xml = submit(sender=sender_address('<Number foo="1" xmlns:v="urn:v" v:bar="2">123</Number>'))
    message = decoded(xml, ["unknown-attribute"])
    address = message.pdu.sender_identification.sender_address
    assert address == mm7.Address.number("123")


def test_address_attribute_values_out_of_their_type() -> None:
    xml = submit(sender=sender_address('<Number displayOnly="yes" addressCoding="odd">1</Number>'))
    message = decoded(xml, ["invalid-boolean", "enum-value"])
    address = message.pdu.sender_identification.sender_address
    assert address.display_only == "yes"  # kept as written
    assert address.address_coding == "odd"


def test_address_attribute_not_in_the_version() -> None:
    # REL-5-MM7-1-2 addresses have no displayOnly/addressCoding/id yet.
    xml = submit(
        sender=sender_address('<Number addressCoding="obfuscated">1</Number>'),
        version="REL-5-MM7-1-2",
    )
    message = decoded(xml, ["attribute-not-in-version"])
    assert message.pdu.sender_identification.sender_address == mm7.Address.number("1")


def test_address_with_an_unknown_child_and_a_second_address() -> None:
    xml = submit(sender=sender_address("<Foo/><Number>1</Number><ShortCode>2</ShortCode>"))
    message = decoded(xml, ["unknown-element", "extra-address"])
    assert message.pdu.sender_identification.sender_address == mm7.Address.number("1")


def test_empty_address_is_dropped() -> None:
    message = decoded(submit(sender=sender_address("")), ["empty-element"])
    assert message.pdu.sender_identification.sender_address is None


def test_address_value_with_child_elements() -> None:
    xml = submit(sender=sender_address("<Number>1<b/></Number>"))
    message = decoded(xml, ["unexpected-child"])
    assert message.pdu.sender_identification.sender_address.value == "1"


@pytest.mark.parametrize(
    ("inner", "expected", "value"),
    [
        ("<Number>123</Number>", ["typed-address"], mm7.Address.number("123")),
        ("", ["empty-element"], None),
        ("a@example.com", [], mm7.Address("a@example.com", "email")),
        ("123", [], mm7.Address.number("123")),
    ],
)
def test_plain_text_sender_address_of_rel_5_mm7_1_0(inner: str, expected, value) -> None:
    xml = submit(sender=sender_address(inner), version="REL-5-MM7-1-0")
    message = decoded(xml, expected)
    assert message.pdu.sender_identification.sender_address == value


def test_recipients_with_unknown_elements_at_each_level() -> None:
    to = "<Recipients><Foo/><To><Bar/><Number>1</Number></To></Recipients>"
    message = decoded(submit(to=to), ["unknown-element", "unknown-element"])
    assert message.pdu.recipients.to == (mm7.Address.number("1"),)


def test_sender_identification_with_an_unknown_element() -> None:
    sender = "<SenderIdentification><VASPID>v</VASPID><Foo/><VASID>s</VASID></SenderIdentification>"
    message = decoded(submit(sender=sender), ["unknown-element"])
    assert message.pdu.sender_identification.vas_id == "s"


# --- simple values ---------------------------------------------------------------------------


def test_invalid_boolean_element_keeps_the_text() -> None:
    message = decoded(submit("<DeliveryReport>maybe</DeliveryReport>"), ["invalid-boolean"])
    assert message.pdu.delivery_report == "maybe"


def test_invalid_positive_integer_attribute_is_dropped() -> None:
    xml = submit('<ReplyCharging replyChargingSize="-3" replyDeadline="P1D"/>')
    message = decoded(xml, ["invalid-integer"])
    assert message.pdu.reply_charging == mm7.ReplyCharging(size=None, deadline="P1D")


def test_delivery_condition_with_a_bad_dc() -> None:
    xml = submit("<DeliveryCondition><DC>0</DC><DC>2</DC></DeliveryCondition>")
    message = decoded(xml, ["invalid-integer"])
    assert message.pdu.delivery_condition == (2,)


def test_enum_value_outside_the_enumeration() -> None:
    message = decoded(submit("<Priority>Urgent</Priority>"), ["enum-value"])
    assert message.pdu.priority == "Urgent"


# --- Status ----------------------------------------------------------------------------------


def test_status_with_an_unknown_child() -> None:
    xml = status_rsp("<StatusCode>1000</StatusCode><Foo/><StatusText>ok</StatusText>")
    message = decoded(xml, ["unknown-element"])
    assert message.status == mm7.Status(1000, "ok")


def test_status_without_status_code() -> None:
    message = decoded(status_rsp("<StatusText>ok</StatusText>"), ["missing-element"])
    assert message.pdu.status is None


def test_details_keep_the_source_text_when_it_stands_alone() -> None:
    details = '<a xml:lang="en" xmlns="urn:x">x<b/>tail</a>after'
    xml = status_rsp(
        f"<StatusCode>2000</StatusCode><StatusText>t</StatusText><Details>{details}</Details>"
    )
    message = decoded(xml, [])
    assert message.status.details == details
    assert canonical_fragment(details) == '<a xmlns="urn:x" xml:lang="en">x<b/>tail</a>after'


def test_details_using_an_outer_prefix_are_canonicalised() -> None:
    # The source text alone would not parse (v: is declared on the Status), so
    # the canonical form, with the namespace declared where it is used, is kept.
    xml = status_rsp(
        '<StatusCode>2000</StatusCode><StatusText>t</StatusText><Details xmlns:v="urn:v">'
        "<v:a>1</v:a>tail</Details>"
    ).replace("<Status>", '<Status xmlns:v="urn:v">')
    message = decoded(xml, [])
    assert message.status.details == '<a xmlns="urn:v">1</a>tail'


def test_canonical_fragment_refuses_broken_xml() -> None:
    with pytest.raises(DecodeError, match="not well-formed XML"):
        canonical_fragment("<a>")


# --- declarations and encodings --------------------------------------------------------------


@pytest.mark.parametrize(
    "decl",
    [
        '<?xml version="1.0" encoding?>',
        '<?xml version="1.0" encoding=UTF-8?>',
        '<?xml version="1.0" encoding="UTF-8?>',
    ],
)
def test_unreadable_encoding_declarations_fall_back_to_utf8(decl: str) -> None:
    # expat judges the declaration; the decoder only must not misread it.
    data = submit(decl=decl).encode()
    with pytest.raises(DecodeError):
        decode_envelope(data)


def test_charset_without_declaration_is_transcoded() -> None:
    xml = submit("<Subject>caf\u00e9 \u20ac</Subject>", decl="")
    message = decode_envelope(xml.encode("cp1252"), charset="windows-1252")
    assert message.pdu.subject == "caf\u00e9 \u20ac" and kinds(message) == []


def test_declared_encoding_with_a_bom_inside() -> None:
    xml = submit("<Subject>\u00e9</Subject>", decl="<?xml version='1.0' encoding='utf-16'?>")
    data = b"\xff\xfe" + ("\ufeff" + xml).encode("utf-16-le")
    message = decode_envelope(data)
    assert message.pdu.subject == "\u00e9" and kinds(message) == []


def test_extension_attributes_keep_newlines_and_tabs_as_references() -> None:
    xml = submit('<Vendor xmlns="urn:v" a="x&#10;y&#9;z&quot;"/>')
    message = decode_envelope(xml.encode())
    [extension] = message.pdu.extensions
    assert extension.xml == '<Vendor xmlns="urn:v" a="x&#10;y&#9;z&quot;"/>'
    again = decode_envelope(encode_envelope(message))
    assert again.pdu.extensions == message.pdu.extensions


# --- encoding --------------------------------------------------------------------------------


def submit_message(version: str = V6, **fields: Any) -> Message:
    values: dict = {
        "sender_identification": mm7.SenderIdentification(vasp_id="v", vas_id="s"),
        "recipients": mm7.Recipients(to=[mm7.Address.number("15551234567")]),
    }
    values.update(fields)
    return Message(mm7.SubmitReq(**values), "tx-1", version)


class Text(str):
    """A str subclass: not the ``str`` fast path of the encoder."""


@pytest.mark.parametrize(
    ("fields", "version", "error"),
    [
        ({"subject": True}, V6, "SubmitReq/Subject: a boolean where"),
        ({"priority": Text("Urgent")}, V6, "'Urgent' is not one of"),
        ({"delivery_report": Text("true")}, V6, "is text; .* needs a xs:boolean"),
        ({"recipients": mm7.Recipients()}, V6, "Recipients needs at least one address"),
        (
            {
                "sender_identification": mm7.SenderIdentification(
                    sender_address=mm7.Address("1", "number", display_only=True)
                )
            },
            "REL-5-MM7-1-0",
            "is plain text in REL-5-MM7-1-0",
        ),
    ],
)
def test_encode_refuses(fields: dict, version: str, error: str) -> None:
    with pytest.raises(EncodeError, match=error):
        encode_envelope(submit_message(version, **fields))


def test_str_subclass_values_are_written_like_str() -> None:
    message = submit_message(priority=Text("High"), subject=Text("a<b"))
    data = encode_envelope(message)
    assert b"<Priority>High</Priority>" in data and b"<Subject>a&lt;b</Subject>" in data
    assert decode_envelope(data).pdu.priority == "High"


def test_transaction_id_must_be_text() -> None:
    message = Message(mm7.CancelReq(message_id="m1"), 5, V6)  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match="TransactionID must be text") as info:
        encode_envelope(message)
    assert info.value.status_code == 2007
