"""The XML layer: envelope encode/decode, leniency (mm7-spec.md §5), faults, hostile input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, List

import pytest

from mm7codec._errors import (
    DecodeError,
    DefectRecorder,
    EncodeError,
    LimitExceededError,
    StatusError,
    UnsupportedOperationError,
)
from mm7codec._limits import Limits
from mm7codec._message import Message
from mm7codec._pdu import (
    RESPONSE_FOR,
    Address,
    CancelReq,
    DeliverReq,
    DeliveryReportReq,
    Extension,
    Recipients,
    RSErrorRsp,
    SenderIdentification,
    Status,
    SubmitReq,
    SubmitRsp,
    VASPErrorRsp,
)
from mm7codec._record import make
from mm7codec._status import StatusCode
from mm7codec._versions import LATEST, VERSIONS, get_version
from mm7codec._xml import DEFECT_KINDS, canonical_fragment, decode_envelope, encode_envelope

sys.path.insert(0, str(Path(__file__).parent))
from pdu_strategies import ALL_CASES, maximal_message, minimal_message

VECTORS = Path(__file__).parent / "vectors" / "xml"
NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/"


def vector(name: str) -> bytes:
    return (VECTORS / name).read_bytes()


def kinds(message: Message) -> List[str]:
    return [d.kind for d in message.defects]


def envelope(body: str, version: str = "REL-6-MM7-1-4", header: str = "") -> bytes:
    head = header or (
        f'<mm7:TransactionID xmlns:mm7="{NS}{version}" env:mustUnderstand="1">t1</mm7:TransactionID>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<env:Header>{head}</env:Header><env:Body>{body}</env:Body></env:Envelope>"
    ).encode()


def submit() -> Message:
    req = SubmitReq(
        sender_identification=SenderIdentification(vasp_id="key", vas_id="12345mms"),
        recipients=Recipients(to=[Address.number("15553199144")]),
        subject="Hi",
    )
    return Message(req, "tx-1")


# --- encode ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "wire"), ALL_CASES, ids=lambda x: str(x))
def test_round_trip_minimal_and_maximal(version: Any, wire: str) -> None:
    for make_message in (minimal_message, maximal_message):
        message = make_message(version, wire)
        decoded = decode_envelope(encode_envelope(message))
        assert decoded == message
        assert decoded.defects == ()


def test_envelope_shape() -> None:
    out = encode_envelope(submit()).decode()
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env=')
    assert (
        f'<mm7:TransactionID xmlns:mm7="{NS}REL-6-MM7-1-4" env:mustUnderstand="1">tx-1'
        "</mm7:TransactionID></env:Header><env:Body>"
        f'<SubmitReq xmlns="{NS}REL-6-MM7-1-4"><MM7Version>6.8.0</MM7Version>'
        "<SenderIdentification><VASPID>key</VASPID><VASID>12345mms</VASID></SenderIdentification>"
        "<Recipients><To><Number>15553199144</Number></To></Recipients><Subject>Hi</Subject>"
    ) in out


def test_schema_order_and_lower_case_booleans() -> None:
    message = submit().replace(
        pdu=SubmitReq(
            sender_identification=SenderIdentification(vasp_id="k"),
            recipients=Recipients(to=["1"]),
            delivery_report=True,
            priority="High",
            linked_id="L1",
        )
    )
    out = encode_envelope(message).decode()
    assert out.index("<LinkedID>") < out.index("<DeliveryReport>true<") < out.index("<Priority>")


def test_escaping_cr_and_cdata_end() -> None:
    text = 'a\r\nb ]]> & <x> "q"'
    message = submit().replace(pdu=make(SubmitReq, {**submit().pdu.__dict__, "subject": text}))
    out = encode_envelope(message)
    assert b"]]>" not in out and b"&#13;" in out
    assert decode_envelope(out).pdu.subject == text


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\ud800", "\ufffe", "\uffff"])
def test_invalid_xml_characters_are_refused(bad: str) -> None:
    message = submit().replace(pdu=make(SubmitReq, {**submit().pdu.__dict__, "subject": "x" + bad}))
    with pytest.raises(EncodeError, match="not allowed in XML"):
        encode_envelope(message)


def test_field_not_in_version() -> None:
    message = submit().replace(
        pdu=make(SubmitReq, {**submit().pdu.__dict__, "drm_content": True}),
        version="REL-5-MM7-1-0",
    )
    with pytest.raises(EncodeError, match=r"drm_content.*REL-5-MM7-1-0"):
        encode_envelope(message)


def test_missing_mandatory_element() -> None:
    message = submit().replace(pdu=SubmitReq(recipients=Recipients(to=["1"])))
    with pytest.raises(EncodeError, match=r"SenderIdentification.*mandatory"):
        encode_envelope(message)


@pytest.mark.parametrize(
    ("field", "value", "version"),
    [
        ("priority", "Urgent", "REL-6-MM7-1-4"),
        ("message_class", "personal", "REL-6-MM7-1-4"),
        ("charged_party", "ThirdParty", "REL-6-MM7-1-1"),
        ("content_class", "huge", "REL-6-MM7-1-4"),
        ("linked_id", "has space", "REL-5-MM7-1-0"),
        ("time_stamp", "yesterday", "REL-6-MM7-1-4"),
        ("expiry_date", "90 days", "REL-6-MM7-1-4"),
        ("delivery_report", "yes", "REL-6-MM7-1-4"),
        ("delivery_condition", "x", "REL-6-MM7-1-4"),
        ("delivery_condition", (1, 2), "REL-6-MM7-1-3"),
        ("delivery_condition", (0,), "REL-6-MM7-1-4"),
    ],
)
def test_invalid_simple_values(field: str, value: Any, version: str) -> None:
    pdu = make(SubmitReq, {**submit().pdu.__dict__, field: value})
    with pytest.raises(EncodeError):
        encode_envelope(Message(pdu, "t", version))


def test_validate_false_passes_values_through() -> None:
    pdu = make(SubmitReq, {**submit().pdu.__dict__, "priority": "Urgent"})
    out = encode_envelope(Message(pdu, "t"), validate=False)
    assert b"<Priority>Urgent</Priority>" in out


def test_addresses_by_version() -> None:
    sender = SenderIdentification(vasp_id="k", sender_address=Address.email("a@b.c"))
    pdu = SubmitReq(sender_identification=sender, recipients=Recipients(to=["1"]))
    assert b"<SenderAddress>a@b.c</SenderAddress>" in encode_envelope(
        Message(pdu, "t", "REL-5-MM7-1-0")
    )
    assert b"<SenderAddress><RFC2822Address>a@b.c</RFC2822Address>" in encode_envelope(
        Message(pdu, "t", "REL-5-MM7-1-2")
    )
    coded = Recipients(to=[Address.number("1", address_coding="encrypted")])
    with pytest.raises(EncodeError, match="address_coding"):
        encode_envelope(
            Message(SubmitReq(sender_identification=sender, recipients=coded), "t", "REL-5-MM7-1-4")
        )
    assert b'addressCoding="encrypted"' in encode_envelope(
        Message(SubmitReq(sender_identification=sender, recipients=coded), "t", "REL-6-MM7-1-0")
    )


def test_delivery_condition_forms() -> None:
    base = submit().pdu.__dict__
    r13 = encode_envelope(
        Message(make(SubmitReq, {**base, "delivery_condition": "c1"}), "t", "REL-6-MM7-1-3")
    )
    assert b"<DeliveryCondition>c1</DeliveryCondition>" in r13
    r14 = encode_envelope(Message(make(SubmitReq, {**base, "delivery_condition": (1, 7)}), "t"))
    assert b"<DeliveryCondition><DC>1</DC><DC>7</DC></DeliveryCondition>" in r14


def test_fault_encoding() -> None:
    message = submit().error_response(StatusCode.ADDRESS_ERROR)
    out = encode_envelope(message).decode()
    assert (
        "<env:Fault><faultcode>env:Client</faultcode><faultstring>Client error</faultstring><detail>"
        in out
    )
    assert f'<RSErrorRsp xmlns="{NS}REL-6-MM7-1-4">' in out
    decoded = decode_envelope(out.encode())
    assert decoded == message and decoded.pdu.fault_code == "Client"
    server = encode_envelope(submit().error_response(4006)).decode()
    assert "<faultcode>env:Server</faultcode>" in server
    plain = make(RSErrorRsp, {"status": Status(2000, "Client error")})
    out = encode_envelope(Message(plain, "t")).decode()
    assert "Fault" not in out and "<env:Body><RSErrorRsp" in out
    assert decode_envelope(out.encode()).pdu.fault_code is None


def test_extensions_written_back_last() -> None:
    ext = Extension("{urn:v}X", '<X xmlns="urn:v">1</X>')
    pdu = make(SubmitReq, {**submit().pdu.__dict__, "extensions": (ext,)})
    # Not in any schema: validated output never carries it.
    with pytest.raises(EncodeError, match="extensions are written only with validate=False"):
        encode_envelope(Message(pdu, "t"))
    out = encode_envelope(Message(pdu, "t"), validate=False)
    assert out.index(b'<X xmlns="urn:v">1</X></SubmitReq>') > 0
    bad = make(SubmitReq, {**submit().pdu.__dict__, "extensions": (Extension("X", "<X>"),)})
    with pytest.raises(EncodeError, match="not well-formed"):
        encode_envelope(Message(bad, "t"), validate=False)


# --- leniency (mm7-spec.md §5), one vector per item ------------------------------------------

LENIENT = [
    # (vector, expected defect kinds (subset), strict raises)
    ("instantcom_6_7.xml", {"unknown-namespace", "mm7-version-not-in-schema"}, True),  # 1, 2
    ("sinch_submit_no_namespace.xml", {"missing-namespace"}, True),  # 2
    ("fault_qualified.xml", {"qualified-fault-element"}, True),  # 3
    ("fault_unqualified.xml", set(), False),  # 3
    ("nokia_deliver_req_plmn.xml", {"boolean-case"}, True),  # 3 (soap prefix), 6
    ("spec_padded_transaction_id.xml", {"transaction-id-whitespace"}, True),  # 4
    ("chinamobile_deliver_req_bare.xml", {"bare-address", "out-of-order"}, True),  # 5, 6
    (
        "sinch_delivery_report_unordered.xml",
        {"out-of-order", "date-timestamp-swap", "enum-value"},
        True,
    ),  # 5, 8
    ("spec_booleans_true.xml", {"boolean-case"}, True),  # 7
    ("vendor_elements.xml", {"element-not-in-version", "unknown-element"}, True),  # 12
    ("submit_req_typical.xml", set(), False),
]


@pytest.mark.parametrize(("name", "expected", "strict_raises"), LENIENT)
def test_lenient_vectors(name: str, expected: set, strict_raises: bool) -> None:
    message = decode_envelope(vector(name))
    assert expected <= set(kinds(message))
    assert set(kinds(message)) <= set(DEFECT_KINDS)
    if not expected:
        assert message.defects == ()
    if strict_raises:
        with pytest.raises(DecodeError, match="strict mode"):
            decode_envelope(vector(name), strict=True)
    else:
        assert decode_envelope(vector(name), strict=True) == message
    # Re-encoding a decoded message keeps everything (extensions included).
    again = decode_envelope(encode_envelope(message, validate=False))
    assert again == message


def test_item1_2_unknown_namespace_and_version() -> None:
    message = decode_envelope(vector("instantcom_6_7.xml"))
    assert message.mm7_version == "6.7.0"
    assert message.version.name == "REL-6-MM7-1-3"  # closest schema for 6.7.0
    assert isinstance(message.pdu, SubmitRsp) and message.pdu.message_id == "ic-msg-1"


def test_item2_no_namespace_uses_transaction_id_namespace() -> None:
    message = decode_envelope(vector("sinch_submit_no_namespace.xml"))
    assert message.version.name == "REL-5-MM7-1-3"
    assert message.pdu.subject == "no namespace"


def test_item3_envelope_declares_default_mm7_namespace() -> None:
    data = (
        f'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns="{NS}REL-6-MM7-1-4">'
        "<S:Header><TransactionID>x</TransactionID></S:Header><S:Body><DeliveryReportRsp>"
        "<MM7Version>6.8.0</MM7Version><Status><StatusText>ok</StatusText><StatusCode>1000</StatusCode>"
        "</Status></DeliveryReportRsp></S:Body></S:Envelope>"
    ).encode()
    message = decode_envelope(data, strict=True)
    assert message.transaction_id == "x" and message.pdu.status.code == 1000


def test_item6_addresses() -> None:
    nokia = decode_envelope(vector("nokia_deliver_req_plmn.xml")).pdu
    assert nokia.sender == Address.number("+3859100010010/TYPE=PLMN", display_only=True)
    assert nokia.recipients.to == (Address.short_code("12345"),)
    china = decode_envelope(vector("chinamobile_deliver_req_bare.xml"))
    assert china.pdu.sender == Address.number("13951900000")
    assert china.pdu.mms_relay_server_id == "920001"
    email = envelope(
        f'<DeliverReq xmlns="{NS}REL-6-MM7-1-4"><MM7Version>6.8.0</MM7Version>'
        "<Sender> a@b.c </Sender></DeliverReq>"
    )
    assert decode_envelope(email).pdu.sender == Address.email("a@b.c")


def test_item8_date_and_timestamp_both_accepted() -> None:
    for version, element in (("REL-5-MM7-1-4", "Date"), ("REL-6-MM7-1-4", "TimeStamp")):
        body = (
            f'<DeliveryReportReq xmlns="{NS}{version}"><MM7Version>5.8.0</MM7Version>'
            "<MessageID>m</MessageID><Recipient><Number>1</Number></Recipient>"
            "<Sender><Number>2</Number></Sender>"
            f"<{element}>2020-01-01T00:00:00Z</{element}><MMStatus>Retrieved</MMStatus>"
            "</DeliveryReportReq>"
        )
        message = decode_envelope(envelope(body, version))
        assert message.pdu.date == "2020-01-01T00:00:00Z"
        assert "date-timestamp-swap" in kinds(message)
    dr = decode_envelope(vector("sinch_delivery_report_unordered.xml")).pdu
    assert isinstance(dr, DeliveryReportReq) and dr.mm_status == "Unrecognized"


def test_item12_extensions_kept_verbatim() -> None:
    message = decode_envelope(vector("vendor_elements.xml"))
    names = [e.name for e in message.pdu.extensions]
    # ApplicID is REL-6's (issue 13): read into its field, the vendor element kept.
    assert message.pdu.applic_id == "com.example.app"
    assert names == ["{http://www.openwave.com/mms/mm7_extensions/1-0}MMSStatusErrorCode"]
    assert message.pdu.extensions[0].xml == (
        '<MMSStatusErrorCode xmlns="http://www.openwave.com/mms/mm7_extensions/1-0" '
        'xmlns:p0="http://www.openwave.com/mms/mm7_extensions/1-0" p0:kind="final">4&amp;2'
        "</MMSStatusErrorCode>"
    )
    # decode(encode(decode(x))) == decode(x), and the text is a fixed point.
    again = decode_envelope(encode_envelope(message, validate=False))
    assert again.pdu == message.pdu


@pytest.mark.parametrize(
    "name", ["not_well_formed_unbound_prefix.xml", "not_well_formed_double_colon.xml"]
)
def test_item13_not_well_formed(name: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_envelope(vector(name))
    assert info.value.status_code == 4004 and info.value.offset is not None
    assert "line 3" in str(info.value)


def test_missing_mandatory_and_transaction_id() -> None:
    body = f'<CancelReq xmlns="{NS}REL-6-MM7-1-4"><MM7Version>6.8.0</MM7Version></CancelReq>'
    data = envelope(body, header="<Other/>")
    message = decode_envelope(data)
    assert message.transaction_id == ""
    assert {"missing-transaction-id", "missing-element"} <= set(kinds(message))
    assert isinstance(message.pdu, CancelReq) and message.pdu.message_id is None
    with pytest.raises(DecodeError):
        decode_envelope(data, strict=True)


def test_recorder_is_shared() -> None:
    recorder = DefectRecorder()
    recorder.record("bare-lf")
    message = decode_envelope(vector("spec_booleans_true.xml"), defects=recorder)
    assert kinds(message)[0] == "bare-lf" and len(recorder.defects) == 4


def test_bad_status_code_is_format_corrupt() -> None:
    body = (
        f'<SubmitRsp xmlns="{NS}REL-6-MM7-1-4"><MM7Version>6.8.0</MM7Version>'
        "<Status><StatusCode>OK</StatusCode><StatusText>x</StatusText></Status></SubmitRsp>"
    )
    with pytest.raises(DecodeError) as info:
        decode_envelope(envelope(body))
    assert info.value.status_code == 2007


def test_unknown_body_element() -> None:
    with pytest.raises(UnsupportedOperationError) as info:
        decode_envelope(envelope(f'<QueryStatusReq xmlns="{NS}REL-6-MM7-1-4"/>'))
    assert info.value.status_code == 4003


def test_details_kept_as_raw_xml() -> None:
    message = decode_envelope(vector("fault_unqualified.xml"))
    assert message.pdu.status.details == "<Reason>only 6.8.0</Reason>"
    assert canonical_fragment('<v:a xmlns:v="urn:x" v:k="1">t</v:a>') == (
        '<a xmlns="urn:x" xmlns:p0="urn:x" p0:k="1">t</a>'
    )


# --- faults ----------------------------------------------------------------------------------


def test_faults() -> None:
    client = decode_envelope(vector("fault_unqualified.xml"))
    assert isinstance(client.pdu, RSErrorRsp)
    assert (client.pdu.fault_code, client.pdu.fault_string) == ("Client", "Client error")
    assert client.pdu.status.code == 4002 and client.transaction_id == "tx-f1"
    server = decode_envelope(vector("fault_qualified.xml"))
    assert isinstance(server.pdu, VASPErrorRsp) and server.pdu.fault_code == "Server"
    assert server.version.name == "REL-5-MM7-1-0"
    bare = decode_envelope(vector("fault_without_pdu.xml"))
    assert isinstance(bare.pdu, RSErrorRsp) and bare.pdu.status.code == 2000
    assert bare.pdu.status.text == "Bad credentials"
    assert bare.pdu.status.details == '<code xmlns="">401</code>'
    with pytest.raises(StatusError) as info:
        bare.raise_for_status()
    assert info.value.status_code == 2000


# --- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_doctype_refused(name: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_envelope(vector(name))
    assert info.value.status_code == 4004 and "DOCTYPE" in str(info.value)


def test_doctype_in_utf16_refused() -> None:
    data = (
        vector("billion_laughs.xml").decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    )
    with pytest.raises(DecodeError, match="DOCTYPE"):
        decode_envelope(data)


def test_utf16_envelope_decodes() -> None:
    text = vector("submit_req_typical.xml").decode().replace("UTF-8", "UTF-16")
    assert decode_envelope(text.encode("utf-16")) == decode_envelope(
        vector("submit_req_typical.xml")
    )


def test_deep_nesting() -> None:
    deep = "<a>" * 10_000 + "</a>" * 10_000
    body = f'<SubmitRsp xmlns="{NS}REL-6-MM7-1-4"><MM7Version>6.8.0</MM7Version>{deep}</SubmitRsp>'
    with pytest.raises(LimitExceededError) as info:
        decode_envelope(envelope(body))
    assert info.value.limit == "max_xml_depth"
    with pytest.raises(LimitExceededError):
        decode_envelope(vector("submit_req_typical.xml"), limits=Limits(max_xml_depth=5))


def test_oversize() -> None:
    data = vector("submit_req_typical.xml")
    with pytest.raises(LimitExceededError) as info:
        decode_envelope(data, limits=Limits(max_envelope_size=len(data) - 1))
    assert info.value.limit == "max_envelope_size"


def test_nul_and_unknown_encoding() -> None:
    data = vector("submit_req_typical.xml")
    with pytest.raises(DecodeError, match="NUL"):
        decode_envelope(data.replace(b"News", b"Ne\x00s"))
    with pytest.raises(DecodeError, match="unknown character encoding"):
        decode_envelope(data.replace(b"UTF-8", b"X-BOGUS-9"))


@pytest.mark.parametrize("encoding", ["GB2312", "GBK", "GB18030", "Big5", "Shift_JIS"])
def test_cjk_envelopes_transcoded(encoding: str) -> None:
    text = vector("chinamobile_deliver_req_bare.xml").decode()
    subject = {"Big5": "中文主題", "Shift_JIS": "日本語"}.get(encoding, "中文主题")
    text = text.replace("UTF-8", encoding).replace("hello", subject)
    message = decode_envelope(text.encode(encoding))
    assert message.pdu.subject == subject
    # The MIME charset is used when the declaration names none.
    undeclared = text.replace(f' encoding="{encoding}"', "").encode(encoding)
    assert decode_envelope(undeclared, charset=encoding.lower()).pdu.subject == subject


def test_dates_and_durations_round_trip_as_text() -> None:
    message = decode_envelope(vector("submit_req_typical.xml"))
    assert message.pdu.expiry_date == "P90D"
    assert message.pdu.time_stamp == "2002-01-02T09:30:47-05:00"
    out = encode_envelope(message)
    assert b"<ExpiryDate>P90D</ExpiryDate>" in out and b"09:30:47-05:00</TimeStamp>" in out


# --- Message.response / raise_for_status ------------------------------------------------------


@pytest.mark.parametrize(
    "cls", sorted(RESPONSE_FOR, key=lambda c: c.WIRE_NAME), ids=lambda c: c.WIRE_NAME
)
def test_response_for_every_request(cls: Any) -> None:
    version = LATEST if cls.WIRE_NAME.startswith("extended") else get_version("REL-6-MM7-1-4")
    request = minimal_message(version, cls.WIRE_NAME)
    extra = (
        {"message_id": "m1"}
        if RESPONSE_FOR[cls].__name__ in ("SubmitRsp", "ExtendedReplaceRsp")
        else {}
    )
    reply = request.response(StatusCode.SUCCESS, **extra)
    assert isinstance(reply.pdu, RESPONSE_FOR[cls])
    assert reply.transaction_id == request.transaction_id and reply.version == request.version
    decoded = decode_envelope(encode_envelope(reply))
    assert decoded.pdu.status.code == 1000
    assert decoded.raise_for_status() is decoded


def test_raise_for_status() -> None:
    with pytest.raises(StatusError):
        submit().raise_for_status()  # a request has no status
    failed = submit().response(StatusCode.ADDRESS_ERROR, message_id="m")
    with pytest.raises(StatusError) as info:
        decode_envelope(encode_envelope(failed)).raise_for_status()
    assert info.value.status_code == 2002
    with pytest.raises(EncodeError, match="message_id"):
        submit().response()


def test_versions_cover_all_pdus() -> None:
    # Every PDU of every version has a DeliverReq-style decode plan (smoke).
    for version in VERSIONS:
        for wire in version.pdus:
            decode_envelope(encode_envelope(minimal_message(version, wire)), strict=True)
    assert DeliverReq.WIRE_NAME == "DeliverReq"
