"""``decode_envelope(encode_envelope(m)) == m`` for every version and PDU.

Also: decoding what the encoder wrote records no defect (lenient and strict
agree), and encoding the decoded message again gives the same bytes.
"""

from __future__ import annotations

from typing import List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdu_strategies import ALL_CASES, maximal_message, messages, minimal_message

from mm7codec import EncodeError, MM7Error
from mm7codec._message import Message
from mm7codec._pdu import (
    Address,
    DeliverReq,
    Extension,
    Recipients,
    RSErrorRsp,
    SenderIdentification,
    Status,
    SubmitReq,
    SubmitRsp,
    UACapabilities,
)
from mm7codec._versions import VERSIONS, SchemaVersion
from mm7codec._xml import decode_envelope, encode_envelope


def assert_round_trip(message: Message) -> None:
    data = encode_envelope(message)
    decoded = decode_envelope(data)
    assert decoded.defects == (), decoded.defects
    assert decoded == message
    assert decoded.pdu == message.pdu
    assert decoded.version is message.version
    assert decoded.mm7_version == message.mm7_version
    assert decoded.transaction_id == message.transaction_id
    assert encode_envelope(decoded) == data
    # Strict decoding accepts the encoder's output too, with the same result.
    assert decode_envelope(data, strict=True) == message


@pytest.mark.parametrize(
    ("version", "wire", "kind"),
    [(v, w, k) for v, w in ALL_CASES for k in ("minimal", "maximal")],
    ids=[f"{v.name}-{w}-{k}" for v, w in ALL_CASES for k in ("minimal", "maximal")],
)
def test_round_trip_minimal_and_maximal(version: SchemaVersion, wire: str, kind: str) -> None:
    build = minimal_message if kind == "minimal" else maximal_message
    assert_round_trip(build(version, wire))


@pytest.mark.parametrize("version", VERSIONS, ids=[v.name for v in VERSIONS])
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip_generated(version: SchemaVersion, data: st.DataObject) -> None:
    assert_round_trip(data.draw(messages(version), label="message"))


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(message=messages())
def test_round_trip_any_version(message: Message) -> None:
    assert_round_trip(message)


# --- targeted cases (each isolates one encoding concern) ------------------------------------------

TRICKY_TEXT: List[str] = [
    "line\r\nbreak",
    "lone\rcarriage",
    "  padded  ",
    "\ttab\t",
    "\n",
    "]]>",
    "<![CDATA[x]]>",
    "&amp; &lt; literal entities",
    "quote \" apostrophe '",
    "😀 astral",
    "",
]


def _submit(version: str, **fields: object) -> Message:
    pdu = SubmitReq(
        sender_identification=SenderIdentification(vasp_id="vasp"),
        recipients=Recipients(to=[Address.number("15553199144")]),
        **fields,  # type: ignore[arg-type]
    )
    return Message(pdu, "tx1", version)


@pytest.mark.parametrize("text", TRICKY_TEXT, ids=repr)
def test_string_element_text_survives(text: str) -> None:
    assert_round_trip(_submit("REL-6-MM7-1-4", subject=text))


@pytest.mark.parametrize("text", [t for t in TRICKY_TEXT if t], ids=repr)
def test_string_attribute_text_survives(text: str) -> None:
    pdu = DeliverReq(sender=Address.number("1"), ua_capabilities=UACapabilities(ua_prof=text))
    assert_round_trip(Message(pdu, "tx1", "REL-6-MM7-1-4"))


@pytest.mark.parametrize("text", [t for t in TRICKY_TEXT if t], ids=repr)
def test_address_value_survives(text: str) -> None:
    assert_round_trip(
        Message(DeliverReq(sender=Address.email(text)), "tx1", "REL-6-MM7-1-4"),
    )


@pytest.mark.parametrize("version", ["REL-5-MM7-1-0", "REL-5-MM7-1-1"])
@pytest.mark.parametrize("sender", [Address.number("15553199144"), Address.email("a@example.com")])
def test_plain_sender_address_kind_inferred(version: str, sender: Address) -> None:
    message = _submit(version).replace(
        pdu=SubmitReq(
            sender_identification=SenderIdentification(sender_address=sender),
            recipients=Recipients(to=["1"]),
        )
    )
    assert b"<SenderAddress>" + sender.value.encode() + b"</SenderAddress>" in encode_envelope(
        message
    )
    assert_round_trip(message)


@pytest.mark.parametrize("fault", [True, False], ids=["fault", "plain-body"])
def test_error_response_as_fault_and_as_body(fault: bool) -> None:
    status = Status(2007, "Message format corrupt", '<x:E xmlns:x="urn:x">bad</x:E>')
    if fault:
        pdu = RSErrorRsp(status=status)
        assert pdu.fault_code == "Client"
    else:
        from mm7codec._record import make

        pdu = make(RSErrorRsp, {"status": status})
        assert pdu.fault_code is None
    message = Message(pdu, "tx-err", "REL-6-MM7-1-0")
    data = encode_envelope(message)
    assert (b"Fault>" in data) == fault
    assert_round_trip(message)


def test_every_mm7_version_of_the_enumeration() -> None:
    for version in VERSIONS:
        for mm7_version in version.mm7_versions:
            pdu = SubmitRsp(status=Status(1000, "Success"), message_id="m1")
            if not version.pdu_type("SubmitRsp").child("MessageID"):
                pdu = SubmitRsp(status=Status(1000, "Success"))
            assert_round_trip(Message(pdu, "tx", version, mm7_version))


# --- what encodes must round-trip ------------------------------------------------------------------


def _encodes_then_round_trips(message: Message) -> None:
    """Either the (strict) encoder refuses the message, or decoding gives it back."""
    try:
        data = encode_envelope(message)
    except EncodeError:
        return
    decoded = decode_envelope(data)
    assert (decoded.transaction_id, decoded.mm7_version) == (
        message.transaction_id,
        message.mm7_version,
    )
    assert decoded == message


@pytest.mark.parametrize(
    ("transaction_id", "mm7_version"),
    [(" lead", None), ("trail\n", None), ("tx", ""), ("tx", " 6.8.0")],
    ids=["tid-leading-space", "tid-trailing-newline", "empty-mm7-version", "padded-mm7-version"],
)
def test_envelope_values_encode_only_if_they_round_trip(
    transaction_id: str, mm7_version: str
) -> None:
    pdu = SubmitRsp(status=Status(1000, "Success"), message_id="m1")
    _encodes_then_round_trips(Message(pdu, transaction_id, "REL-6-MM7-1-4", mm7_version))


@pytest.mark.parametrize(
    "extensions",
    [
        (Extension("{urn:x}Foo", '<Foo xmlns="urn:x">bar &amp; <b>baz</b></Foo>'),),
        (
            Extension("{urn:x}Foo", '<Foo xmlns="urn:x"/>'),
            Extension("{urn:y}Bar", '<Bar xmlns="urn:y" a="1 &lt; 2">t</Bar>'),
        ),
    ],
    ids=["one", "two"],
)
def test_extensions_written_back(extensions: tuple) -> None:
    message = _submit("REL-6-MM7-1-2", subject="s", extensions=extensions)
    data = encode_envelope(message, validate=False)
    decoded = decode_envelope(data)
    assert decoded == message
    assert [d.kind for d in decoded.defects] == ["unknown-element"] * len(extensions)
    assert encode_envelope(decoded, validate=False) == data


@pytest.mark.parametrize("mm7_version", ["6.7.0", "6.².0", "5.3.0¹", "9" * 5000])
def test_decode_odd_mm7_version_with_unknown_namespace(mm7_version: str) -> None:
    """Only MM7Error may escape decode; an odd MM7Version from the wire is no exception."""
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Header>'
        '<TransactionID xmlns="urn:bogus">t</TransactionID></env:Header><env:Body>'
        f'<SubmitRsp xmlns="urn:bogus"><MM7Version>{mm7_version}</MM7Version>'
        "<Status><StatusCode>1000</StatusCode><StatusText>ok</StatusText></Status>"
        "<MessageID>m</MessageID></SubmitRsp></env:Body></env:Envelope>"
    ).encode()
    try:
        decoded = decode_envelope(data)
    except MM7Error:
        return
    assert isinstance(decoded.pdu, SubmitRsp)
    assert decoded.mm7_version == mm7_version
    assert "unknown-namespace" in [d.kind for d in decoded.defects]
