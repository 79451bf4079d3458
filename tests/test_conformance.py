"""Real-world conformance (issue 13 item 1): what deployed peers send decodes right.

One vector per quirk in ``tests/vectors/`` (written here, shaped after what an
independent Java MM7 library, gateway documentation and captures show; see
peers.md), read leniently with the defect named and refused in strict mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

import mm7codec as mm7
from mm7codec import DecodeError, EncodeError, Message
from mm7codec.__main__ import main
from mm7codec._http1 import parse_http
from mm7codec._xml import decode_envelope, encode_envelope
from mm7codec._xml_decode import ascii_int

VECTORS = Path(__file__).parent / "vectors"


def xml(name: str) -> bytes:
    return (VECTORS / "xml" / name).read_bytes()


def http(name: str) -> bytes:
    return (VECTORS / "http" / name).read_bytes()


def kinds(message: Message) -> List[str]:
    return [d.kind for d in message.defects]


# --- one vector per quirk, strict mode raising for each ------------------------------------------

QUIRKS = [
    ("javalib_rfc822_address.xml", "rfc822-address-element"),
    ("deliver_req_wrapped_vasp_id.xml", "sender-identification-wrapped"),
    ("deliver_req_wrapped_vasp_id_rel5.xml", "sender-identification-wrapped"),
    ("submit_req_rel6_elements_in_rel5.xml", "element-not-in-version"),
    ("blank_lines_before_declaration.xml", "whitespace-before-declaration"),
]


@pytest.mark.parametrize(("name", "kind"), QUIRKS)
def test_quirk_is_read_with_its_defect_and_refused_when_strict(name: str, kind: str) -> None:
    message = mm7.decode(xml(name), "text/xml")
    assert kind in kinds(message)
    with pytest.raises(DecodeError, match=f"strict mode: {kind}"):
        mm7.decode(xml(name), "text/xml", strict=True)


def test_rfc822_address_is_an_email_address() -> None:
    message = mm7.decode(xml("javalib_rfc822_address.xml"), "text/xml")
    recipients = message.pdu.recipients  # type: ignore[attr-defined]
    assert [(a.kind, a.value) for a in recipients.to] == [
        ("number", "15553199144"),
        ("email", "alice@example.com"),
    ]
    assert [(a.kind, a.value, a.display_only) for a in recipients.bcc] == [
        ("email", "bob@example.net", False)
    ]
    assert kinds(message) == ["rfc822-address-element"] * 2
    assert not message.pdu.extensions
    # Written back under the schema's own name.
    assert b"<RFC2822Address>alice@example.com</RFC2822Address>" in mm7.encode(message).body


def test_rfc822_address_in_a_single_address_element() -> None:
    data = xml("submit_req_typical.xml")
    assert b"<Number>" in data
    message = decode_envelope(
        xml("deliver_req_wrapped_vasp_id.xml").replace(
            b"<Sender><Number>8613951900000</Number></Sender>",
            b"<Sender><RFC822Address>mo@example.cn</RFC822Address></Sender>",
        )
    )
    assert message.pdu.sender == mm7.Address.email("mo@example.cn")  # type: ignore[attr-defined]
    assert "rfc822-address-element" in kinds(message)


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("deliver_req_wrapped_vasp_id.xml", []),
        # VASPID/VASID are REL-6-MM7-1-4's: older versions also say so.
        ("deliver_req_wrapped_vasp_id_rel5.xml", ["element-not-in-version"] * 2),
    ],
)
def test_sender_identification_unwrapped_in_deliver_req(name: str, extra: List[str]) -> None:
    message = mm7.decode(xml(name), "text/xml")
    pdu = message.pdu
    assert isinstance(pdu, mm7.DeliverReq)
    assert (pdu.vasp_id, pdu.vas_id) == ("vasp-9", "10658mms")
    assert pdu.extensions == ()
    assert kinds(message) == ["sender-identification-wrapped", *extra]
    # Into REL-6-MM7-1-4 it is written the schema's way; older ones refuse the fields.
    out = encode_envelope(Message(pdu, "t", "REL-6-MM7-1-4"))
    assert b"<VASPID>vasp-9</VASPID><VASID>10658mms</VASID>" in out
    with pytest.raises(EncodeError, match=r"DeliverReq\.vasp_id is set but REL-5-MM7-1-2"):
        encode_envelope(Message(pdu, "t", "REL-5-MM7-1-2"))


def test_sender_identification_wrapper_keeps_what_it_cannot_place() -> None:
    data = xml("deliver_req_wrapped_vasp_id.xml").replace(
        b"<VASID>10658mms</VASID>", b"<VASID>10658mms</VASID><Vendor>x</Vendor>"
    )
    message = decode_envelope(data)
    assert message.pdu.vas_id == "10658mms"  # type: ignore[attr-defined]
    assert [e.name.rpartition("}")[2] for e in message.pdu.extensions] == ["Vendor"]
    assert kinds(message) == ["sender-identification-wrapped", "unknown-element"]


def test_sender_identification_stays_where_the_pdu_has_it() -> None:
    # SubmitReq has a SenderIdentification of its own: nothing to unwrap.
    message = decode_envelope(xml("submit_req_typical.xml"))
    assert "sender-identification-wrapped" not in kinds(message)


def test_elements_of_another_version_go_to_their_fields() -> None:
    message = mm7.decode(xml("submit_req_rel6_elements_in_rel5.xml"), "text/xml")
    pdu = message.pdu
    assert isinstance(pdu, mm7.SubmitReq)
    assert (pdu.content_class, pdu.drm_content) == ("image-basic", True)
    assert pdu.extensions == ()
    assert kinds(message) == ["element-not-in-version"] * 2
    assert "read as in REL-6-MM7-1-4" in str(message.defects[0])
    # Written as the target version's own elements, schema order, target namespace.
    out = encode_envelope(Message(pdu, "t", "REL-6-MM7-1-4"))
    assert b"<ContentClass>image-basic</ContentClass><DRMContent>true</DRMContent>" in out
    # A version without them refuses, naming field and version...
    with pytest.raises(EncodeError, match=r"SubmitReq.content_class .* REL-5-MM7-1-3"):
        encode_envelope(message)
    # ...unless asked to write the message as received.
    again = decode_envelope(encode_envelope(message, validate=False))
    assert again.pdu == pdu and again.defects == message.defects


def test_an_element_of_another_version_read_twice_is_kept_once() -> None:
    data = xml("submit_req_rel6_elements_in_rel5.xml").replace(
        b"<DRMContent>true</DRMContent>",
        b"<DRMContent>true</DRMContent><DRMContent>false</DRMContent>",
    )
    message = decode_envelope(data)
    assert message.pdu.drm_content is True  # type: ignore[attr-defined]
    assert kinds(message)[-1] == "unknown-element"
    assert len(message.pdu.extensions) == 1


def test_rel_5_1_0_submit_rsp_keeps_its_message_id() -> None:
    """The erratum (mm7codec/_errata.py): read without a defect, strict mode too."""
    for strict in (False, True):
        message = mm7.decode(xml("submit_rsp_rel_5_1_0_message_id.xml"), "text/xml", strict=strict)
        assert message.version.name == "REL-5-MM7-1-0"
        assert message.pdu.message_id == "041128173519-1-0"  # type: ignore[attr-defined]
        assert message.defects == () and message.pdu.extensions == ()
    # And an MMSC on mm7codec can answer a REL-5-MM7-1-0 SubmitReq.
    answer = Message(
        mm7.SubmitRsp(status=mm7.Status(1000), message_id="m-1"), "tx", "REL-5-MM7-1-0"
    )
    assert b"<MessageID>m-1</MessageID>" in mm7.encode(answer).body


def test_blank_lines_before_the_declaration() -> None:
    message = mm7.decode(xml("blank_lines_before_declaration.xml"), "text/xml")
    assert message.pdu.message_id == "9f3c0a1e-answer"  # type: ignore[attr-defined]
    assert kinds(message) == ["whitespace-before-declaration"]
    assert message.defects[0].offset == 0
    # Whitespace without a declaration after it is plain XML whitespace: no defect.
    bare = xml("blank_lines_before_declaration.xml").replace(
        b'<?xml version="1.0" encoding="UTF-8"?>', b""
    )
    assert mm7.decode(bare, "text/xml").defects == ()


# --- HTTP captures whose Content-Length disagrees with the body -------------------------------


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("content_length_crlf_became_lf.http", "15 fewer than Content-Length 828"),
        ("content_length_elided_example.http", "48211 fewer than Content-Length 49271"),
        ("content_length_lf_became_crlf.http", "Content-Length 813 cut 15 bytes off the body"),
    ],
)
def test_content_length_mismatch_is_read_and_said(name: str, says: str) -> None:
    message = mm7.decode_http(http(name))
    assert isinstance(message.pdu, mm7.DeliveryReportReq)
    assert message.pdu.message_id == "041128173519-1-0"
    [mismatch] = [d for d in message.defects if d.kind == "content-length-mismatch"]
    assert says in mismatch.detail and "framed by the end of the capture" in mismatch.detail
    assert "trailing-data-after-body" not in kinds(message)
    with pytest.raises(DecodeError) as info:
        mm7.decode_http(http(name), strict=True)
    assert "Content-Length" in str(info.value)


def test_content_length_shorter_than_body_that_decodes_whole_when_cut() -> None:
    """Trailing bytes after a body that is complete at Content-Length: cut, and said."""
    raw = http("content_length_crlf_became_lf.http")
    head, _, body = raw.partition(b"\n\n")
    head = head.replace(b"Content-Length: 828", b"Content-Length: %d" % len(body))
    message = mm7.decode_http(head + b"\n\n" + body + b"\r\n\r\njunk")
    assert kinds(message) == ["trailing-data-after-body"]
    assert "8 bytes after Content-Length" in message.defects[0].detail


def test_content_length_cut_that_nothing_repairs_says_so() -> None:
    raw = http("content_length_lf_became_crlf.http").replace(b"</env:Envelope>", b"</env:Envelope")
    with pytest.raises(DecodeError) as info:
        mm7.decode_http(raw)
    text = str(info.value)
    assert "cut 14 bytes off the body" in text and "whole body does not decode either" in text


def test_parse_http_keeps_the_uncut_body() -> None:
    raw = http("content_length_lf_became_crlf.http")
    message = parse_http(raw)
    assert message.uncut is not None and len(message.uncut) == len(message.body) + 15
    assert parse_http(http("content_length_crlf_became_lf.http")).uncut is None


@pytest.mark.parametrize("name", ["content_length_lf_became_crlf.http"])
def test_cli_reads_the_capture(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(VECTORS / "http" / name)
    assert main(["decode", "--http", path]) == 0
    out = capsys.readouterr().out
    assert "DeliveryReportReq" in out and "content-length-mismatch" in out
    assert main(["decode", "--http", "--strict", path]) != 0


# --- numbers: ASCII digits only -------------------------------------------------------------------


def test_status_line_with_a_superscript_digit_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="malformed HTTP status line"):
        mm7.decode_http(http("status_line_superscript_digit.http"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1000", 1000),
        ("0007", 7),
        ("\u00b2", None),
        ("\u0663", None),
        ("1\uff10", None),
        ("+1", None),
        (" 1", None),
        ("1_0", None),
        ("", None),
        ("9" * 19, None),
    ],
)
def test_ascii_int(text: str, value: object) -> None:
    assert ascii_int(text) == value


@pytest.mark.parametrize("code", ["\u0661\u0660\u0660\u0660", "1_000", "+1000", "1000\u00b2"])
def test_status_code_takes_ascii_digits_only(code: str) -> None:
    data = xml("blank_lines_before_declaration.xml").replace(
        b"<mm7:StatusCode>1000<", f"<mm7:StatusCode>{code}<".encode()
    )
    with pytest.raises(DecodeError, match="is not a status code") as info:
        decode_envelope(data)
    assert info.value.status_code == 2007


def test_positive_integer_attribute_takes_ascii_digits_only() -> None:
    data = xml("submit_req_rel6_elements_in_rel5.xml").replace(
        b'<Content href="cid:c1"',
        b'<ReplyCharging replyChargingSize="1\xc2\xb2"/><Content href="cid:c1"',
    )
    message = decode_envelope(data)
    assert message.pdu.reply_charging.size is None  # type: ignore[attr-defined]
    assert "invalid-integer" in kinds(message)


# --- validate=False writes a decoded message as received ------------------------------------------


def test_missing_mandatory_and_out_of_enumeration_values_go_back_as_received() -> None:
    data = (
        xml("submit_req_rel6_elements_in_rel5.xml")
        .replace(b"<Recipients><To><Number>15551230000</Number></To></Recipients>", b"")
        .replace(b"<Content ", b"<Priority>Urgentissimo</Priority><Content ")
    )
    message = decode_envelope(data)
    assert {"missing-element", "enum-value"} <= set(kinds(message))
    with pytest.raises(EncodeError):
        encode_envelope(message)
    again = decode_envelope(encode_envelope(message, validate=False))
    assert again.pdu == message.pdu
    # In schema order now: the out-of-order defect was the original's own.
    assert sorted(kinds(again)) == sorted(k for k in kinds(message) if k != "out-of-order")


EXAMPLES = Path(__file__).parent.parent / "examples"


def _picture_capture(tail: bytes) -> bytes:
    """The MO picture example cut before its close delimiter, Content-Length counting
    what is left, and ``tail`` after it."""
    head, _, body = (EXAMPLES / "deliver-mo-picture.http").read_bytes().partition(b"\r\n\r\n")
    cut = body[: body.rindex(b"--relay-soap-0042--")]
    head = head.replace(b"Content-Length: 1871", b"Content-Length: %d" % len(cut))
    return head + b"\r\n\r\n" + cut + tail


def test_a_cut_multipart_whose_whole_is_no_better_stays_cut() -> None:
    message = mm7.decode_http(_picture_capture(b"trailing bytes, no delimiter\r\n"))
    assert kinds(message)[:1] == ["trailing-data-after-body"]
    assert "missing-close-delimiter" in kinds(message)


def test_a_cut_multipart_whose_whole_does_not_decode_stays_cut() -> None:
    tail = b"--relay-soap-0042\r\nX-Long: " + b"a" * 2000 + b"\r\n\r\nx\r\n--relay-soap-0042--\r\n"
    message = mm7.decode_http(_picture_capture(tail), limits=mm7.Limits(max_header_size=1024))
    assert kinds(message)[:1] == ["trailing-data-after-body"]
    assert "missing-close-delimiter" in kinds(message)


def test_a_cut_multipart_is_read_whole() -> None:
    whole = mm7.decode_http((EXAMPLES / "deliver-mo-picture.http").read_bytes())
    message = mm7.decode_http(_picture_capture(b"--relay-soap-0042--\r\n"))
    assert kinds(message)[0] == "content-length-mismatch"
    assert "ends before its close delimiter" in message.defects[0].detail
    assert message == whole


# --- the CLI's JSON spec: numbers and shapes ------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"delivery_condition": ["\u00b2"]}, "DeliveryCondition value is a number"),
        ({"delivery_condition": [True]}, "DeliveryCondition value is a number"),
        ({"sender_identification": ["not", "an", "object"]}, "not a list"),
        ({"previously_sent_by": [{"no": "address"}]}, "UserAgent"),
        ({"recipients": 5}, "field 'recipients'"),
    ],
)
def test_json_spec_refuses_bad_values_with_encode_error(fields: dict, error: str) -> None:
    from mm7codec._jsonform import message_from_spec

    with pytest.raises(EncodeError, match=error):
        message_from_spec({"pdu": "DeliverReq", "fields": fields})


def test_json_spec_takes_ascii_digit_strings_and_refuses_a_fields_list() -> None:
    from mm7codec._jsonform import message_from_spec

    message = message_from_spec({"pdu": "SubmitReq", "fields": {"delivery_condition": ["1", 2]}})
    assert message.pdu.delivery_condition == (1, 2)  # type: ignore[attr-defined]
    with pytest.raises(EncodeError, match="'fields' is an object"):
        message_from_spec({"pdu": "SubmitReq", "fields": ["subject"]})


@pytest.mark.parametrize("code", ["0", "123456789012"])
def test_status_code_out_of_range_is_format_corrupt(code: str) -> None:
    data = xml("blank_lines_before_declaration.xml").replace(
        b"<mm7:StatusCode>1000<", f"<mm7:StatusCode>{code}<".encode()
    )
    with pytest.raises(DecodeError, match="is not a status code") as info:
        decode_envelope(data)
    assert info.value.status_code == 2007


def test_sender_identification_where_the_pdu_has_no_vasp_id_is_unknown() -> None:
    data = xml("submit_rsp_rel_5_1_0_message_id.xml").replace(
        b"</mm7:MessageID>",
        b"</mm7:MessageID><mm7:SenderIdentification><mm7:VASPID>v</mm7:VASPID>"
        b"</mm7:SenderIdentification>",
    )
    message = decode_envelope(data)
    assert kinds(message) == ["unknown-element"]
    assert len(message.pdu.extensions) == 1


def test_a_limit_while_reading_a_cut_capture_is_not_retried() -> None:
    with pytest.raises(mm7.LimitExceededError):
        mm7.decode_http(
            http("content_length_lf_became_crlf.http"), limits=mm7.Limits(max_envelope_size=100)
        )


def test_a_record_of_another_version_goes_back_as_received() -> None:
    """UACapabilities (attributes, REL-6-MM7-1-4 only) in a REL-6-MM7-1-3 DeliverReq."""
    data = (
        xml("deliver_req_wrapped_vasp_id.xml")
        .replace(b"REL-6-MM7-1-4", b"REL-6-MM7-1-3")
        .replace(b"<MM7Version>6.8.0</MM7Version>", b"<MM7Version>6.6.0</MM7Version>")
        .replace(
            b"<Priority>Normal</Priority>",
            b'<Priority>Normal</Priority><UACapabilities UAProf="http://ua.example/p.rdf"/>',
        )
    )
    message = decode_envelope(data)
    assert message.pdu.ua_capabilities.ua_prof == "http://ua.example/p.rdf"  # type: ignore[attr-defined]
    assert "element-not-in-version" in kinds(message)
    out = encode_envelope(message, validate=False)
    assert b'<UACapabilities UAProf="http://ua.example/p.rdf"/>' in out
    assert decode_envelope(out).pdu == message.pdu
