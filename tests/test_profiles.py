"""Gateway profiles: what each writes (version, headers, numbers) and what each peer sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_xsd_matrix import Validators, validation_errors

import mm7codec as mm7
from mm7codec._record import replace as _replace
from mm7codec.profiles import (
    LENIENT_PEER,
    MBUNI,
    NOWSMS,
    PROFILES,
    SINCH,
    STANDARD,
    TELNYX,
    MediaLayout,
    NumberRule,
    Profile,
    get_profile,
)

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def envelope(namespace: str, pdu: str, tx: str = "tx-9") -> bytes:
    return (
        f'<?xml version="1.0"?><soap:Envelope xmlns:soap="{SOAP}"><soap:Header>'
        f'<mm7:TransactionID xmlns:mm7="{namespace}" soap:mustUnderstand="1">{tx}'
        f"</mm7:TransactionID></soap:Header><soap:Body>{pdu}</soap:Body></soap:Envelope>"
    ).encode()


def submit(*numbers: str) -> mm7.Message:
    pdu = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(
            vasp_id="KEY", vas_id="12345mms", sender_address=mm7.Address.short_code("12345")
        ),
        recipients=mm7.Recipients(to=[mm7.Address.number(n) for n in numbers]),
    )
    return mm7.Message(pdu, "tx-1")


@pytest.fixture(scope="module")
def validators(xsd_path: Path) -> Validators:
    return Validators(xsd_path)


# --- what every profile writes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "schema", "mm7_version"),
    [
        (STANDARD, "REL-6-MM7-1-4", "6.8.0"),
        (SINCH, "REL-6-MM7-1-4", "6.8.0"),
        (MBUNI, "REL-5-MM7-1-0", "5.3.0"),
        (NOWSMS, "REL-5-MM7-1-2", "5.3.0"),
        (TELNYX, "REL-6-MM7-1-4", "6.8.0"),
        (LENIENT_PEER, "REL-6-MM7-1-3", "6.6.0"),
    ],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_prepare_writes_the_profile_pairing_and_the_xsd_accepts_it(
    profile: Profile, schema: str, mm7_version: str, validators: Validators
) -> None:
    message = profile.prepare(submit("15553199144").replace(version="REL-5-MM7-1-3"))
    assert (message.version.name, message.mm7_version) == (schema, mm7_version)
    encoded = mm7.encode(message)
    assert f"<MM7Version>{mm7_version}</MM7Version>".encode() in encoded.body
    assert validation_errors(encoded.body, message, validators) == []
    back = mm7.decode(encoded.body, encoded.content_type)
    assert (back.version.name, back.mm7_version, back.defects) == (schema, mm7_version, ())


def test_soap_action_per_profile() -> None:
    headers = mm7.encode(submit("15553199144")).headers
    sinch = dict(SINCH.request_headers(headers))
    assert sinch["SOAPAction"] == f'"{NS}REL-6-MM7-1-4"'
    assert sinch["Content-Type"] == 'text/xml; charset="utf-8"'
    # The namespace follows the schema an account is set up on.
    on_530 = SINCH.replace(version="REL-5-MM7-1-2", mm7_version="5.3.0")
    assert dict(on_530.request_headers(headers))["SOAPAction"] == f'"{NS}REL-5-MM7-1-2"'
    for profile in (STANDARD, MBUNI, NOWSMS, TELNYX, LENIENT_PEER):
        out = profile.request_headers(headers)
        assert [k for k, _ in out].count("SOAPAction") == 1
        assert dict(out)["SOAPAction"] == '""'


def test_response_headers_have_no_soap_action() -> None:
    request = mm7.decode(*_bare(mm7.encode(submit("15553199144"))))
    answer = mm7.encode(request.response(message_id="m-1"))
    for profile in PROFILES.values():
        headers = profile.response_headers(answer.headers)
        assert [k.lower() for k, _ in headers] == ["content-type"]
        assert dict(headers)["Content-Type"] == profile.response_content_type
    # A multipart answer keeps its own Content-Type (boundary, start).
    custom = STANDARD.replace(response_content_type="application/xml")
    multipart = [("Content-Type", "multipart/related; boundary=b"), ("SOAPAction", '""')]
    assert custom.response_headers(multipart) == [multipart[0]]
    assert custom.response_headers(answer.headers) == [("Content-Type", "application/xml")]


def _bare(encoded: mm7.EncodedMessage) -> tuple[bytes, str]:
    return encoded.body, encoded.content_type


# --- the Sinch number rule -------------------------------------------------------------------


def test_sinch_refuses_a_formatted_number_and_says_how_to_fix_it() -> None:
    with pytest.raises(mm7.EncodeError) as caught:
        SINCH.prepare(submit("+1 555 319 9144"))
    error = caught.value
    assert isinstance(error, mm7.InvalidNumberError)
    assert error.status_code == 2002
    assert error.number == "+1 555 319 9144"
    assert "international digits" in error.message
    assert "normalize_number('+1 555 319 9144') gives '15553199144'" in error.message


def test_sinch_accepts_international_digits() -> None:
    message = SINCH.prepare(submit("15553199144", "447946095800"))
    assert [a.value for a in message.pdu.recipients] == ["15553199144", "447946095800"]


@pytest.mark.parametrize(
    "number", ["0015553199144", "5553199144/TYPE=PLMN", "05553199144", "+15553199144"]
)
def test_sinch_refuses_what_is_not_international_digits(number: str) -> None:
    with pytest.raises(mm7.InvalidNumberError, match="international digits"):
        SINCH.prepare(submit(number))


def test_sinch_checks_the_sender_too_and_leaves_short_codes_alone() -> None:
    pdu = mm7.DeliverReq(
        mms_relay_server_id="relay",
        sender=mm7.Address.number("0207 946 0958"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
    )
    with pytest.raises(mm7.InvalidNumberError, match="national number"):
        SINCH.prepare(mm7.Message(pdu, "tx-2"))
    # The other profiles take what Address.number took.
    assert MBUNI.prepare(mm7.Message(pdu, "tx-2")).pdu.sender.value == "0207 946 0958"


# --- per-profile extras ----------------------------------------------------------------------


def test_lenient_peer_always_writes_priority_on_a_deliver_req() -> None:
    pdu = mm7.DeliverReq(mms_relay_server_id="relay", sender=mm7.Address.number("15553199144"))
    prepared = LENIENT_PEER.prepare(mm7.Message(pdu, "tx-3"))
    assert prepared.pdu.priority == "Normal"
    assert b"<Priority>Normal</Priority>" in mm7.encode(prepared).body
    high = mm7.DeliverReq(mms_relay_server_id="relay", priority="High")
    assert LENIENT_PEER.prepare(mm7.Message(high, "tx-4")).pdu.priority == "High"
    assert SINCH.prepare(mm7.Message(pdu, "tx-3")).pdu.priority is None


def test_recorded_wire_facts() -> None:
    assert TELNYX.media_layout is MediaLayout.SIBLINGS
    assert {p.media_layout for p in PROFILES.values() if p is not TELNYX} == {MediaLayout.MULTIPART}
    assert LENIENT_PEER.soap_transfer_encoding == "binary"
    assert SINCH.number_rule is NumberRule.INTERNATIONAL_DIGITS
    assert all(p.soap_prefix == "env" for p in PROFILES.values())


def test_get_profile_and_mistakes_in_a_custom_profile() -> None:
    assert get_profile("SINCH") is SINCH
    assert get_profile("lenient_peer") is LENIENT_PEER
    assert get_profile(NOWSMS) is NOWSMS
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile("kannel")
    with pytest.raises(ValueError, match=r"does not accept MM7Version 6\.8\.0"):
        Profile(name="x", version="REL-5-MM7-1-2", mm7_version="6.8.0")
    with pytest.raises(ValueError, match="prefix"):
        Profile(name="x", version="REL-5-MM7-1-2", mm7_version="5.3.0", soap_prefix="mm7")
    with pytest.raises(ValueError, match="transfer encoding"):
        Profile(
            name="x", version="REL-5-MM7-1-2", mm7_version="5.3.0", soap_transfer_encoding="base64"
        )
    with pytest.raises(mm7.UnsupportedVersionError):
        Profile(name="x", version="REL-7", mm7_version="5.3.0")
    with pytest.raises(TypeError):
        SINCH.prepare(submit("15553199144").pdu)  # type: ignore[arg-type]


# --- what each peer sends, read -------------------------------------------------------------


def _submit_rsp(ns: str, version: str) -> bytes:
    return envelope(
        ns,
        f'<SubmitRsp xmlns="{ns}"><MM7Version>{version}</MM7Version><Status>'
        "<StatusCode>1000</StatusCode><StatusText>Success</StatusText></Status>"
        "<MessageID>sinch-42</MessageID></SubmitRsp>",
    )


def test_sinch_reads_application_xml_answers_and_its_soap_action() -> None:
    body = _submit_rsp(NS + "REL-6-MM7-1-4", "6.8.0")
    answer = mm7.decode(body, SINCH.peer_content_type)
    assert answer.pdu.message_id == "sinch-42"
    assert answer.defects == ()
    answer.raise_for_status()
    # A bare envelope labelled multipart/related: read, the deviation named.
    labelled = mm7.decode(body, "multipart/related; boundary=x")
    assert labelled.pdu.message_id == "sinch-42"
    assert [d.kind for d in labelled.defects] == ["xml-body-labelled-multipart"]
    # An MO as Sinch posts it, SOAPAction "<namespace>" included.
    deliver = envelope(
        NS + "REL-6-MM7-1-4",
        f'<DeliverReq xmlns="{NS}REL-6-MM7-1-4"><MM7Version>6.8.0</MM7Version>'
        "<MMSRelayServerID>sinch</MMSRelayServerID>"
        "<Sender><Number>15553199144</Number></Sender></DeliverReq>",
    )
    request = (
        b"POST /mo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
        b'SOAPAction: "' + (NS + "REL-6-MM7-1-4").encode() + b'"\r\n'
        b"Content-Length: " + str(len(deliver)).encode() + b"\r\n\r\n" + deliver
    )
    message = mm7.decode_http(request)
    assert isinstance(message.pdu, mm7.DeliverReq)
    assert message.defects == ()


def test_mbuni_deliver_and_fault_are_read() -> None:
    ns = NS + "REL-5-MM7-1-0"
    deliver = envelope(
        ns,
        f'<DeliverReq xmlns="{ns}"><MM7Version>5.3.0</MM7Version>'
        "<MMSRelayServerID>mbuni</MMSRelayServerID>"
        "<Sender><Number>+15553199144/TYPE=PLMN</Number></Sender>"
        # Mandatory in this schema alone (an XSD slip; gateways send it empty).
        "<ReplyChargingID/></DeliverReq>",
    )
    message = mm7.decode(deliver, "text/xml")
    assert (message.version, message.mm7_version, message.defects) == (MBUNI.schema, "5.3.0", ())
    assert message.pdu.sender == mm7.Address.number("+15553199144/TYPE=PLMN")
    answer = MBUNI.prepare(message.response())
    assert b"<MM7Version>5.3.0</MM7Version>" in mm7.encode(answer).body
    fault = envelope(
        ns,
        f"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>refused</faultstring>"
        f'<detail><RSErrorRsp xmlns="{ns}"><MM7Version>5.3.0</MM7Version><Status>'
        "<StatusCode>4006</StatusCode><StatusText>busy</StatusText></Status></RSErrorRsp>"
        "</detail></soap:Fault>",
    )
    read = mm7.decode(fault, "text/xml")
    assert isinstance(read.pdu, mm7.RSErrorRsp)
    assert (read.pdu.fault_code, int(read.status.code)) == ("Server", 4006)


def test_nowsms_mo_example_is_read_and_answered_in_its_pairing() -> None:
    message = mm7.decode_http((EXAMPLES / "deliver-mo-picture.http").read_bytes())
    assert (message.version, message.mm7_version) == (NOWSMS.schema, NOWSMS.mm7_version)
    answer = NOWSMS.prepare(message.response())
    encoded = mm7.encode(answer)
    assert f'xmlns="{NS}REL-5-MM7-1-2"'.encode() in encoded.body
    assert "SOAPAction" not in dict(NOWSMS.response_headers(encoded.headers))


def _related(soap: bytes, *parts: bytes, soap_encoding: str = "8bit") -> tuple[bytes, str]:
    chunks = [
        b"--b\r\nContent-Type: text/xml\r\nContent-ID: <soap>\r\n"
        + f"Content-Transfer-Encoding: {soap_encoding}\r\n\r\n".encode()
        + soap
    ]
    chunks += [b"--b\r\n" + part for part in parts]
    body = b"\r\n".join(chunks) + b"\r\n--b--\r\n"
    return body, 'multipart/related; boundary=b; type="text/xml"; start="<soap>"'


def test_telnyx_sibling_media_are_read_as_one_content_tree() -> None:
    ns = NS + "REL-6-MM7-1-4"
    soap = envelope(
        ns,
        f'<DeliverReq xmlns="{ns}"><MM7Version>6.8.0</MM7Version>'
        "<MMSRelayServerID>telnyx</MMSRelayServerID>"
        "<Sender><Number>15553199144</Number></Sender></DeliverReq>",
    )
    body, content_type = _related(
        soap,
        b"Content-Type: text/plain\r\nContent-ID: <t1>\r\n\r\nhello",
        b"Content-Type: image/gif\r\nContent-ID: <i1>\r\n\r\nGIF89a",
    )
    message = mm7.decode(body, content_type)
    assert message.mm7_version == TELNYX.mm7_version
    assert message.content is not None
    assert [p.content_id for p in message.content.parts] == ["t1", "i1"]
    assert [d.kind for d in message.defects] == ["content-as-sibling-parts"]


def test_lenient_peer_namespace_is_read_and_answered_validly(validators: Validators) -> None:
    ns = LENIENT_PEER.peer_namespace
    assert ns is not None
    soap = envelope(
        ns,
        f'<DeliverReq xmlns="{ns}"><MM7Version>{LENIENT_PEER.peer_mm7_version}</MM7Version>'
        "<MMSRelayServerID>java</MMSRelayServerID>"
        '<Sender><Number>15553199144</Number></Sender><Content href="cid:c1"/></DeliverReq>',
    )
    body, content_type = _related(
        soap, b"Content-Type: text/plain\r\nContent-ID: <c1>\r\n\r\nhi", soap_encoding="binary"
    )
    message = mm7.decode(body, content_type)
    assert message.version == LENIENT_PEER.schema
    assert message.content is not None and message.content.data == b"hi"
    assert [d.kind for d in message.defects] == ["unknown-namespace", "mm7-version-not-in-schema"]
    answer = LENIENT_PEER.prepare(message.response())
    encoded = mm7.encode(answer)
    assert validation_errors(encoded.body, answer, validators) == []


def test_sinch_refuses_charged_party() -> None:
    message = submit("15553199144")
    charged = message.replace(pdu=_replace(message.pdu, charged_party="Sender"))
    with pytest.raises(mm7.EncodeError, match=r"sinch refuses SubmitReq\.charged_party"):
        SINCH.prepare(charged)
    assert MBUNI.prepare(charged).pdu.charged_party == "Sender"


def test_sinch_profile_over_loopback_with_the_client() -> None:
    """The pieces by hand (prepare, the SOAPAction as a caller header) through the Client;
    Sinch's application/xml answer read. Client(profile=) does the same by itself."""
    from mm7codec.http import Client
    from mm7codec.testing import ServerThread

    seen: dict[str, object] = {}

    def sinch(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen["soap_action"] = environ.get("HTTP_SOAPACTION")
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        request = mm7.decode(body, environ["CONTENT_TYPE"])
        seen["recipients"] = [a.value for a in request.pdu.recipients]
        answer = mm7.encode(request.response(message_id="sinch-42")).body
        # As Sinch answers: application/xml.
        start_response(
            "200 OK",
            [("Content-Type", SINCH.peer_content_type), ("Content-Length", str(len(answer)))],
        )
        return [answer]

    with ServerThread(sinch) as server:
        header = [("SOAPAction", SINCH.soap_action_value())]
        with Client(server.url, headers=header, timeout=10) as client:
            reply = client.send(SINCH.prepare(submit("15553199144")))
    assert reply.pdu.message_id == "sinch-42"
    assert seen == {"soap_action": f'"{NS}REL-6-MM7-1-4"', "recipients": ["15553199144"]}


@pytest.mark.parametrize("prefix", ["SOAP-ENV", "soapenv", "env"])
def test_soap_prefix_is_written_and_reads_back(prefix: str) -> None:
    # Namespace-aware peers ignore the prefix; some Java stacks read only SOAP-ENV.
    profile = SINCH.replace(soap_prefix=prefix)
    message = submit("15553199144")
    body = mm7.encode(message, profile=profile).body
    assert body.count(f"<{prefix}:Envelope xmlns:{prefix}=".encode()) == 1
    assert f"</{prefix}:Body></{prefix}:Envelope>".encode() in body
    assert mm7.decode(body, "text/xml").pdu == mm7.encode(message, profile=SINCH).message.pdu
    fault = mm7.Message(mm7.RSErrorRsp(status=mm7.Status.error(4006)), "tx-f", SINCH.schema)
    fault_body = mm7.encode(fault, profile=profile).body
    assert f"<{prefix}:Fault><faultcode>{prefix}:Server</faultcode>".encode() in fault_body
    assert mm7.decode(fault_body, "text/xml").pdu.status.code == 4006


def test_soap_prefix_outside_the_known_set_is_refused() -> None:
    from mm7codec._xml import encode_envelope

    with pytest.raises(mm7.EncodeError, match="SOAP prefix"):
        encode_envelope(submit("15553199144"), soap_prefix="x y")
