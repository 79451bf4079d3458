"""Gateway profiles wired into the shells: encode(profile=), Client/send(profile=),
make_wsgi_app(profile=) / ReceiverPolicy(profile=).

What goes on the wire under SINCH (SOAPAction = the namespace, numbers that
are not international digits refused before any byte is sent), MBUNI
(REL-5-MM7-1-0 + 5.3.0), and that STANDARD on a message already in the
latest schema, like no profile at all, changes nothing.
"""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import pytest
from test_xsd_matrix import Validators, validation_errors

import mm7codec as mm7
from mm7codec.http import Client, Outcome, classify, make_wsgi_app, send
from mm7codec.profiles import LENIENT_PEER, MBUNI, SINCH, STANDARD, Profile
from mm7codec.testing import ServerThread

NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def submit(*numbers: str, tx: str = "tx-1", content: Optional[mm7.Part] = None) -> mm7.Message:
    pdu = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(
            vasp_id="KEY", vas_id="12345mms", sender_address=mm7.Address.short_code("12345")
        ),
        recipients=mm7.Recipients(to=[mm7.Address.number(n) for n in numbers]),
        subject="hi",
    )
    return mm7.Message(pdu, tx, content=content)


def deliver(tx: str = "tx-mo", version: str = "REL-6-MM7-1-4") -> mm7.Message:
    pdu = mm7.DeliverReq(
        mms_relay_server_id="relay.example.net",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
        subject="mo",
    )
    return mm7.Message(pdu, tx, version)


def mm7_version(body: bytes) -> str:
    found = re.search(rb"<MM7Version>([^<]+)</MM7Version>", body)
    assert found is not None, body[:300]
    return found.group(1).decode()


@pytest.fixture(scope="module")
def validators(xsd_path: Path) -> Validators:
    return Validators(xsd_path)


# --- encode(profile=) -------------------------------------------------------------------------


def test_encode_under_sinch_sends_the_namespace_as_soap_action() -> None:
    encoded = mm7.encode(submit("15553199144"), profile=SINCH)
    assert dict(encoded.headers)["SOAPAction"] == f'"{NS}REL-6-MM7-1-4"'
    assert [n for n, _ in encoded.headers].count("SOAPAction") == 1
    # By name, as the CLI and a config file give it.
    assert mm7.encode(submit("15553199144"), profile="Sinch").headers == encoded.headers


@pytest.mark.parametrize("number", ["+1 555 319 9144", "+15553199144", "0015553199144"])
def test_encode_under_sinch_refuses_numbers_that_are_not_international_digits(
    number: str,
) -> None:
    message = submit(number)
    with pytest.raises(mm7.InvalidNumberError, match="normalize_number") as caught:
        mm7.encode(message, profile=SINCH)
    assert isinstance(caught.value, mm7.EncodeError)
    assert classify(caught.value) is Outcome.NOT_DELIVERED
    mm7.encode(message)  # the same message without the profile encodes


def test_encode_under_mbuni_writes_rel_5_mm7_1_0_with_5_3_0(validators: Validators) -> None:
    message = submit("15553199144")
    encoded = mm7.encode(message, profile=MBUNI)
    assert encoded.message.version.name == "REL-5-MM7-1-0"
    assert f'xmlns="{NS}REL-5-MM7-1-0"'.encode() in encoded.body
    assert mm7_version(encoded.body) == "5.3.0"
    assert dict(encoded.headers)["SOAPAction"] == '""'
    assert validation_errors(encoded.body, encoded.message, validators) == []


def test_standard_and_no_profile_change_nothing_on_a_latest_message() -> None:
    message = submit("+1 555 319 9144")  # STANDARD has no number rule
    plain = mm7.encode(message)
    for profile in (None, STANDARD, "standard"):
        encoded = mm7.encode(message, profile=profile)
        assert encoded.headers == plain.headers
        assert encoded.body == plain.body
    answer = message.response(message_id="m-1")
    assert mm7.encode(answer, profile=STANDARD).body == mm7.encode(answer).body


def test_explicit_version_wins_over_the_profile_and_its_rules_still_apply() -> None:
    encoded = mm7.encode(submit("15553199144"), profile=SINCH, version="REL-6-MM7-1-3")
    assert encoded.message.version.name == "REL-6-MM7-1-3"
    assert mm7_version(encoded.body) == "6.6.0"
    encoded = mm7.encode(submit("15553199144"), profile=SINCH, mm7_version="5.3.0")
    assert (encoded.message.version.name, mm7_version(encoded.body)) == ("REL-6-MM7-1-4", "5.3.0")
    with pytest.raises(mm7.InvalidNumberError):
        mm7.encode(submit("+15553199144"), profile=SINCH, version="REL-6-MM7-1-3")


def test_an_answer_encoded_under_a_profile_has_its_response_headers() -> None:
    answer = submit("15553199144").response(message_id="m-1")
    xml = SINCH.replace(response_content_type="application/xml")
    headers = mm7.encode(answer, profile=xml).headers
    assert headers == [("Content-Type", "application/xml")]


def test_a_profile_asking_for_a_binary_soap_part_gets_one() -> None:
    message = submit("15553199144", content=mm7.Part.text("hello"))
    body = mm7.encode(message, profile=LENIENT_PEER).body
    soap_head = body[: body.index(b"<?xml")]
    assert b"Content-Transfer-Encoding: binary" in soap_head
    chunks = mm7.iter_encode(message, profile=LENIENT_PEER)
    assert len(b"".join(chunks)) == len(body)


def test_an_unknown_profile_name_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown profile 'sinc'"):
        mm7.encode(submit("15553199144"), profile="sinc")


# --- Client / send(profile=) over loopback --------------------------------------------------


class Recorder:
    """A peer that records each request and answers it with a 1000."""

    def __init__(self, content_type: str = 'text/xml; charset="utf-8"') -> None:
        self.requests: List[Tuple[Dict[str, str], bytes, mm7.Message]] = []
        self.content_type = content_type
        self._lock = threading.Lock()

    def __call__(self, environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        request = mm7.decode(body, environ["CONTENT_TYPE"])
        headers = {k: str(v) for k, v in environ.items() if k.startswith(("HTTP_", "CONTENT_"))}
        with self._lock:
            self.requests.append((headers, body, request))
        if isinstance(request.pdu, mm7.SubmitReq):
            reply = request.response(message_id="peer-42")
        else:
            reply = request.response()
        answer = mm7.encode(reply).body
        start_response(
            "200 OK",
            [("Content-Type", self.content_type), ("Content-Length", str(len(answer)))],
        )
        return [answer]


def test_client_under_sinch_sends_its_soap_action_and_reads_its_application_xml_answer() -> None:
    peer = Recorder(content_type=SINCH.peer_content_type)
    with ServerThread(peer) as server, Client(server.url, profile=SINCH, timeout=10) as client:
        reply = client.send(submit("15553199144"))
        assert client.profile is SINCH
    assert reply.pdu.message_id == "peer-42"
    ((headers, _body, request),) = peer.requests
    assert headers["HTTP_SOAPACTION"] == f'"{NS}REL-6-MM7-1-4"'
    assert [a.value for a in request.pdu.recipients.to] == ["15553199144"]


def test_client_under_sinch_refuses_a_formatted_number_before_any_byte_is_sent() -> None:
    peer = Recorder()
    with ServerThread(peer) as server, Client(server.url, profile="sinch", timeout=10) as client:
        with pytest.raises(mm7.EncodeError, match="international digits") as caught:
            client.send(submit("+1 555 319 9144"))
        assert classify(caught.value) is Outcome.NOT_DELIVERED
        with pytest.raises(mm7.InvalidNumberError):
            send(server.url, submit("1 555 319 9144"), profile=SINCH, timeout=10)
        # The same client still sends a good one afterwards.
        client.send(submit("15553199144", tx="tx-2"))
    assert [r[2].transaction_id for r in peer.requests] == ["tx-2"]


def test_send_under_mbuni_writes_rel_5_mm7_1_0_with_5_3_0() -> None:
    peer = Recorder()
    with ServerThread(peer) as server:
        reply = send(server.url, submit("15553199144"), profile=MBUNI, timeout=10)
        with Client(server.url, profile=MBUNI, timeout=10) as client:
            built = client.submit(submit("15553199144").pdu, transaction_id="tx-sub")
    assert reply.version.name == "REL-5-MM7-1-0"
    assert built.version.name == "REL-5-MM7-1-0"
    for headers, body, request in peer.requests:
        assert request.version.name == "REL-5-MM7-1-0"
        assert mm7_version(body) == "5.3.0"
        assert headers["HTTP_SOAPACTION"] == '""'


def test_client_with_standard_or_no_profile_sends_the_same_request() -> None:
    peer = Recorder()
    with ServerThread(peer) as server:
        for profile in (None, STANDARD):
            with Client(server.url, profile=profile, timeout=10) as client:
                client.send(submit("+1 555 319 9144"))
    (first_headers, first_body, _), (second_headers, second_body, _) = peer.requests
    assert first_body == second_body
    assert first_headers == second_headers


def test_caller_headers_still_replace_the_profiles() -> None:
    peer = Recorder()
    with ServerThread(peer) as server:
        send(
            server.url,
            submit("15553199144"),
            profile=SINCH,
            headers=[("SOAPAction", '"urn:custom"')],
            timeout=10,
        )
    assert peer.requests[0][0]["HTTP_SOAPACTION"] == '"urn:custom"'


# --- make_wsgi_app(profile=) / ReceiverPolicy(profile=) ---------------------------------------


def call(
    app: Any, body: bytes, content_type: str = 'text/xml; charset="utf-8"'
) -> Tuple[str, List[Tuple[str, str]], bytes]:
    seen: Dict[str, Any] = {}

    def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, headers

    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    out = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], out


def answer_of(headers: Iterable[Tuple[str, str]], body: bytes) -> mm7.Message:
    return mm7.decode(body, dict(headers)["Content-Type"])


def test_receiver_answers_with_the_profiles_response_content_type() -> None:
    xml = SINCH.replace(response_content_type="application/xml")
    app = make_wsgi_app(lambda m: None, profile=xml)
    status, headers, body = call(app, mm7.encode(deliver()).body)
    assert status == "200 OK"
    assert dict(headers)["Content-Type"] == "application/xml"
    assert "SOAPAction" not in dict(headers)
    assert int(dict(headers)["Content-Length"]) == len(body)
    assert answer_of(headers, body).status.code == mm7.StatusCode.SUCCESS

    def failing(message: mm7.Message) -> None:
        raise RuntimeError("queue down")

    status, headers, body = call(make_wsgi_app(failing, profile=xml), mm7.encode(deliver()).body)
    assert status.startswith("500")
    assert dict(headers)["Content-Type"] == "application/xml"
    assert answer_of(headers, body).status.code == mm7.StatusCode.SERVER_ERROR


def test_receiver_with_standard_or_sinch_or_no_profile_answers_the_same_bytes() -> None:
    request = mm7.encode(deliver()).body
    plain = call(make_wsgi_app(lambda m: None), request)
    assert call(make_wsgi_app(lambda m: None, profile=STANDARD), request) == plain
    # SINCH answers the plain text/xml envelope (its own answers to us are application/xml).
    assert call(make_wsgi_app(lambda m: None, profile="sinch"), request) == plain


def test_a_fault_to_an_unreadable_request_is_written_in_the_profiles_schema() -> None:
    garbage = b"<not-soap/>"
    status, headers, body = call(make_wsgi_app(lambda m: None, profile=MBUNI), garbage)
    assert status.startswith("500")
    fault = answer_of(headers, body)
    assert fault.version.name == "REL-5-MM7-1-0"
    assert f"{NS}REL-5-MM7-1-0".encode() in body
    # Without a profile: the latest schema.
    status, headers, body = call(make_wsgi_app(lambda m: None), garbage)
    assert answer_of(headers, body).version.name == mm7.LATEST.name


def test_an_answer_to_an_unlisted_mm7_version_takes_the_profiles_pairing() -> None:
    # A Java library writes REL-6-MM7-6-7 with 6.7.0: read as REL-6-MM7-1-3, whose
    # list lacks 6.7.0, so the answer needs a pairing: the profile's when it has one.
    java_ns = LENIENT_PEER.peer_namespace
    assert java_ns is not None
    request = (
        f'<?xml version="1.0"?><soap:Envelope xmlns:soap="{SOAP}"><soap:Header>'
        f'<mm7:TransactionID xmlns:mm7="{java_ns}" soap:mustUnderstand="1">tx-j'
        f'</mm7:TransactionID></soap:Header><soap:Body><DeliverReq xmlns="{java_ns}">'
        "<MM7Version>6.7.0</MM7Version><MMSRelayServerID>r</MMSRelayServerID>"
        "<Sender><Number>15553199144</Number></Sender></DeliverReq></soap:Body>"
        "</soap:Envelope>"
    ).encode()
    custom: Profile = LENIENT_PEER.replace(mm7_version="6.5.0")
    seen: List[mm7.Message] = []
    status, headers, body = call(make_wsgi_app(seen.append, profile=custom), request)
    assert status == "200 OK"
    assert mm7_version(body) == "6.5.0"
    assert seen[0].mm7_version == "6.7.0"  # the handler sees the request as it came
    # Without a profile the schema's own; with one whose schema differs, the same.
    assert mm7_version(call(make_wsgi_app(lambda m: None), request)[2]) == "6.6.0"
    assert mm7_version(call(make_wsgi_app(lambda m: None, profile=SINCH), request)[2]) == "6.6.0"

    def refuse(message: mm7.Message) -> mm7.StatusCode:
        return mm7.StatusCode.SERVICE_DENIED

    status, headers, body = call(make_wsgi_app(refuse, profile=custom), request)
    assert status.startswith("500")
    assert answer_of(headers, body).status.code == mm7.StatusCode.SERVICE_DENIED


def test_a_listed_mm7_version_is_echoed_whatever_the_profile() -> None:
    request = mm7.encode(deliver(version="REL-6-MM7-1-4"), mm7_version="5.3.0").body
    status, _, body = call(make_wsgi_app(lambda m: None, profile=SINCH), request)
    assert (status, mm7_version(body)) == ("200 OK", "5.3.0")
