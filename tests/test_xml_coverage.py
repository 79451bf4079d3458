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
    again = decode_envelope(encode_envelope(message, validate=False))
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


# --- version resolution, namespaces, envelope structure ---------------------------------------


def test_element_in_another_mm7_namespace() -> None:
    other = BASE + "REL-6-MM7-1-3"
    xml = submit(f'<Priority xmlns="{other}">High</Priority>')
    message = decoded(xml, ["namespace-mismatch"])
    assert message.pdu.priority == "High" and message.version.name == V6


def test_pdu_not_in_its_version_is_decoded_with_the_latest() -> None:
    xml = envelope(SENDER + "<CancelID>c1</CancelID>", pdu="extendedCancelReq")
    xml = xml.replace(BASE + V6, BASE + "REL-5-MM7-1-0").replace(">6.8.0<", ">5.3.0<")
    message = decoded(xml, ["pdu-not-in-version"])
    assert message.version == mm7.LATEST and message.mm7_version == "5.3.0"
    assert message.pdu == mm7.ExtendedCancelReq(
        sender_identification=mm7.SenderIdentification("v", "s"), cancel_id="c1"
    )


def test_missing_mm7_version() -> None:
    xml = submit().replace("<MM7Version>6.8.0</MM7Version>", "")
    message = decoded(xml, ["missing-element"])
    assert message.mm7_version == "6.8.0" and message.pdu.recipients.to[0].value == "15551234567"


def test_mm7_version_after_other_elements_is_found() -> None:
    xml = submit().replace("<MM7Version>6.8.0</MM7Version>", "")
    xml = xml.replace("</Recipients>", "</Recipients><MM7Version>6.6.0</MM7Version>")
    message = decoded(xml, [])
    assert message.mm7_version == "6.6.0" and message.version.name == V6


def test_absurd_mm7_version_in_no_namespace_resolves_to_the_latest() -> None:
    absurd = "1" * 5000 + ".0"
    xml = submit(mm7_version=absurd).replace(f'xmlns="{BASE}{V6}"', "")
    xml = xml.replace(f'xmlns:mm7="{BASE}{V6}"', 'xmlns:mm7="urn:x"')
    message = decoded(xml, ["missing-namespace", "mm7-version-not-in-schema"])
    assert message.version == mm7.LATEST and message.mm7_version == absurd


def test_envelope_in_another_namespace() -> None:
    xml = submit().replace(f'xmlns:env="{SOAP}"', 'xmlns:env="urn:not-soap"')
    message = decoded(xml, ["soap-namespace"])
    assert message.pdu.sender_identification.vasp_id == "v"


def test_envelope_without_a_body() -> None:
    xml = submit()
    xml = xml[: xml.index("<env:Body>")] + "</env:Envelope>"
    with pytest.raises(DecodeError, match="SOAP envelope has no Body"):
        decode_envelope(xml.encode())


def test_second_element_in_the_body() -> None:
    xml = submit().replace("</env:Body>", '<Other xmlns="urn:v"><x/></Other></env:Body>')
    message = decoded(xml, ["extra-body-element"])
    assert isinstance(message.pdu, mm7.SubmitReq)


def test_many_distinct_tags_outgrow_the_name_cache() -> None:
    inner = "".join(f"<x{i}/>" for i in range(4200))
    message = decode_envelope(submit(f'<Vendor xmlns="urn:v">{inner}</Vendor>').encode())
    [extension] = message.pdu.extensions
    assert extension.xml == f'<Vendor xmlns="urn:v">{inner}</Vendor>'
    assert kinds(message) == ["unknown-element"]


# --- SOAP Fault ------------------------------------------------------------------------------


def fault(inner: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="{SOAP}"><env:Header>'
        f'<mm7:TransactionID xmlns:mm7="{BASE}{V6}">tx-1</mm7:TransactionID></env:Header>'
        f"<env:Body><env:Fault>{inner}</env:Fault></env:Body></env:Envelope>"
    )


def test_fault_with_actor_and_unknown_child_and_no_detail() -> None:
    xml = fault(
        "<faultcode>env:Client</faultcode><faultstring>bad</faultstring>"
        "<faultactor>urn:relay</faultactor><Vendor><deep/></Vendor>"
    )
    message = decoded(xml, ["fault-without-pdu"])
    assert message.pdu == mm7.RSErrorRsp(
        status=mm7.Status(2000, "bad"), fault_code="Client", fault_string="bad"
    )
    assert message.pdu.status.details is None


def test_fault_with_a_detail_but_no_pdu() -> None:
    xml = fault("<faultcode>env:Server.Busy</faultcode><detail><why>load</why></detail>")
    message = decoded(xml, ["fault-without-pdu"])
    status = message.status
    assert status is not None and status.code == 3000 and status.text is None
    assert status.details == '<why xmlns="">load</why>' and message.pdu.fault_code == "Server.Busy"


# --- DeliveryCondition, Previouslysentby, Previouslysentdateandtime, Status -----------------------


def test_delivery_condition_children_where_the_schema_has_text() -> None:
    xml = submit("<DeliveryCondition><DC>3</DC></DeliveryCondition>", version="REL-6-MM7-1-3")
    message = decoded(xml, ["delivery-condition-form"])
    assert message.pdu.delivery_condition == (3,)


def test_delivery_condition_text_where_the_schema_has_children() -> None:
    message = decoded(
        submit("<DeliveryCondition>3</DeliveryCondition>"), ["delivery-condition-form"]
    )
    assert message.pdu.delivery_condition == "3"


DELIVER_SENDER = "<Sender><Number>15550000000</Number></Sender>"


def test_previously_sent_by_with_an_unknown_child_and_an_empty_agent() -> None:
    xml = envelope(
        DELIVER_SENDER + '<Previouslysentby><Foo/><UserAgent sequence="1"/>'
        '<UserAgent sequence="2"><Number>1</Number></UserAgent></Previouslysentby>',
        pdu="DeliverReq",
    )
    message = decoded(xml, ["unknown-element", "empty-element"])
    agent = mm7.UserAgent(mm7.Address.number("1"), sequence=2)
    assert message.pdu.previously_sent_by == (agent,)


def test_previously_sent_date_and_time_with_an_unknown_child() -> None:
    xml = envelope(
        DELIVER_SENDER + "<Previouslysentdateandtime><Foo/>"
        '<DateTime sequence="1">2024-01-02T03:04:05Z</DateTime></Previouslysentdateandtime>',
        pdu="DeliverReq",
    )
    message = decoded(xml, ["unknown-element"])
    assert message.pdu.previously_sent_date_and_time == (
        mm7.SentTime("2024-01-02T03:04:05Z", sequence=1),
    )


def test_status_text_in_extended_cancel_rsp() -> None:
    xml = status_rsp(
        "<StatusCode>1000</StatusCode><StatusText>fine</StatusText>", pdu="extendedCancelRsp"
    )
    message = decoded(xml, ["element-not-in-version"])
    # The sender's words are kept, not replaced by the code's default wording.
    assert message.status == mm7.Status(1000, "fine")
    # Written back for this type it is refused, as any element from another version.
    with pytest.raises(mm7.EncodeError, match="StatusText"):
        mm7.encode(message)
    without = status_rsp("<StatusCode>1000</StatusCode>", pdu="extendedCancelRsp")
    assert decoded(without, []).status == mm7.Status(1000, "Success")


def test_details_are_canonical_when_another_details_element_exists() -> None:
    xml = status_rsp(
        "<StatusCode>2000</StatusCode><StatusText>t</StatusText>"
        '<Details><a xmlns="urn:a">1</a></Details>'
    ).replace("</DeliveryReportRsp>", '<Details xmlns="urn:v"/></DeliveryReportRsp>')
    message = decoded(xml, ["unknown-element"])
    assert message.status.details == '<a xmlns="urn:a">1</a>'


# --- encodings without a complete declaration --------------------------------------------------


def test_utf32_with_a_bom_given_by_the_charset() -> None:
    xml = submit("<Subject>\u00e9</Subject>", decl="")
    data = b"\x00\x00\xfe\xff" + xml.encode("utf-32-be")
    message = decode_envelope(data, charset="utf-32-be")
    assert message.pdu.subject == "\u00e9" and kinds(message) == []


@pytest.mark.parametrize("codec", ["latin-1", "utf-16-le"])
def test_unterminated_declaration_is_not_well_formed(codec: str) -> None:
    data = submit(decl='<?xml version="1.0"').encode(codec)
    with pytest.raises(DecodeError, match="not well-formed"):
        decode_envelope(data, charset=codec)


# --- encoder refusals ------------------------------------------------------------------------


def deliver_message(**fields: Any) -> Message:
    pdu = mm7.DeliverReq(sender=mm7.Address.number("15550000000"), **fields)
    return Message(pdu, "tx-1", V6)


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (
            deliver_message(previously_sent_by=(mm7.UserAgent(mm7.Address.number("1")), "x")),
            "Previouslysentby: UserAgent entries expected",
        ),
        (
            deliver_message(
                previously_sent_date_and_time=(mm7.SentTime("2024-01-01T00:00:00Z"), 5)
            ),
            "Previouslysentdateandtime: SentTime entries expected",
        ),
        (deliver_message(previously_sent_by=(1,)), "1 is not a valid userAgentInfoType"),
        (deliver_message(previously_sent_by=("a",)), "a tuple cannot be written as"),
        (
            submit_message(sender_identification=(1, 2)),
            "a list of values cannot be written as senderIDType",
        ),
        (submit_message(content=mm7.ContentRef(None)), "attribute href is mandatory"),  # type: ignore[arg-type]
        (
            Message(mm7.DeliveryReportRsp(status=mm7.Status(1000, details=5)), "tx", V6),  # type: ignore[arg-type]
            "Status/Details: raw XML text expected",
        ),
        (
            Message(
                mm7.DeliveryReportRsp(status=mm7.Status(2000, details="<!DOCTYPE a><a/>")), "tx", V6
            ),
            "DOCTYPE or ENTITY declaration is not allowed",
        ),
        (
            Message(mm7.ExtendedCancelRsp(status=mm7.Status(1000, details="<a/>")), "tx", V6),
            r"Status.details \(Details\) does not exist in REL-6-MM7-1-4",
        ),
        (
            submit_message(extensions=(mm7.Extension("x", "<a/>"),)),
            "extension x is not in the REL-6-MM7-1-4 schema",
        ),
        (
            Message(mm7.ExtendedCancelReq(cancel_id="c"), "tx", "REL-5-MM7-1-0"),
            "extendedCancelReq does not exist in REL-5-MM7-1-0",
        ),
        (
            Message(mm7.RSErrorRsp(status=mm7.Status(3000), fault_code="1bad"), "tx", V6),
            "faultcode '1bad' is not a valid local name",
        ),
    ],
)
def test_encode_refuses_with_2007(message: Message, error: str) -> None:
    with pytest.raises(EncodeError, match=error) as info:
        encode_envelope(message)
    assert info.value.status_code == 2007


def test_decoded_status_without_text_cannot_be_encoded() -> None:
    message = decode_envelope(status_rsp("<StatusCode>4004</StatusCode>").encode())
    assert message.status is not None and message.status.text is None
    with pytest.raises(EncodeError, match="Status/StatusText is mandatory in REL-6-MM7-1-4"):
        encode_envelope(message)
    # Without validation it goes back as received (issue 13 item 3).
    again = decode_envelope(encode_envelope(message, validate=False))
    assert again.pdu == message.pdu and again.defects == message.defects


def test_an_extension_is_one_element_even_unvalidated() -> None:
    message = submit_message(extensions=(mm7.Extension("x", "<a/><b/>"),))
    with pytest.raises(EncodeError, match="extension x: must be exactly one element"):
        encode_envelope(message, validate=False)


def test_str_subclass_values_are_written_without_validation() -> None:
    message = submit_message(priority=Text("Urgent"), earliest_delivery_time=Text("soon"))
    data = encode_envelope(message, validate=False)
    assert b"<Priority>Urgent</Priority>" in data
    assert b"<EarliestDeliveryTime>soon</EarliestDeliveryTime>" in data
    with pytest.raises(EncodeError, match="'soon' is not a valid"):
        encode_envelope(submit_message(earliest_delivery_time=Text("soon")))


@pytest.mark.parametrize("element", ["Previouslysentby", "Previouslysentdateandtime"])
def test_empty_list_elements_round_trip(element: str) -> None:
    # Decoded as () with no defect, so they must encode back as an empty element.
    message = Message(
        mm7.DeliverReq(sender=mm7.Address.number("15553199144"), **{_FIELDS[element]: ()}),
        "tx-empty",
        "REL-6-MM7-1-4",
    )
    encoded = encode_envelope(message)
    assert f"<{element}/>".encode() in encoded
    decoded = decode_envelope(encoded)
    assert decoded == message and decoded.defects == ()
    assert encode_envelope(decoded) == encoded


def test_empty_delivery_condition_round_trips() -> None:
    message = Message(
        mm7.SubmitReq(
            sender_identification=mm7.SenderIdentification(vasp_id="k"),
            recipients=mm7.Recipients(to=[mm7.Address.number("15553199144")]),
            delivery_condition=(),
        ),
        "tx-dc",
        "REL-6-MM7-1-4",
    )
    encoded = encode_envelope(message)
    assert b"<DeliveryCondition/>" in encoded
    assert decode_envelope(encoded) == message


_FIELDS = {
    "Previouslysentby": "previously_sent_by",
    "Previouslysentdateandtime": "previously_sent_date_and_time",
}
