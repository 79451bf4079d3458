"""mm7codec.http and mm7codec.testing end to end, on 127.0.0.1 only.

The sender talks to the GatewaySimulator; the simulator delivers to a
make_wsgi_app receiver served by wsgiref in a thread. Waiting is done with
queues and socket timeouts, never with sleeps; the simulator's retry_delay is
a retry schedule kept tiny here.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import queue
import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List, Optional, Tuple

import pytest

import mm7codec as mm7
from mm7codec._exchange import Deadline
from mm7codec.http import (
    Client,
    HTTPError,
    Outcome,
    ResponseMismatchError,
    TransportError,
    basic_auth_header,
    classify,
    is_retryable,
    make_wsgi_app,
    send,
)
from mm7codec.testing import GatewaySimulator, ServerThread

HOST = "127.0.0.1"
AUTH = ("user", "pass")
RETRY = 0.01  # the simulator's retry schedule, not a wait for the test to pass
# A JPEG-shaped blob: SOI, a JFIF APP0 header, every byte value, EOI.
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(range(256)) * 64
    + b"\xff\xd9"
)


# --- builders --------------------------------------------------------------------------------


def submit_message(transaction_id: str = "tx-submit-1") -> mm7.Message:
    req = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(
            vasp_id="API_KEY", vas_id="12345mms", sender_address=mm7.Address.short_code("12345")
        ),
        recipients=mm7.Recipients(to=[mm7.Address.number("15553199144")]),
        subject="Hello",
        delivery_report=True,
    )
    content = mm7.Part.multipart(
        "mixed",
        [mm7.Part.text("Hello from Python"), mm7.Part.bytes(JPEG, "image/jpeg")],
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4", content=content)


def deliver_message(transaction_id: str = "tx-mo-1") -> mm7.Message:
    req = mm7.DeliverReq(
        mms_relay_server_id="sim-relay",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
        subject="A picture",
    )
    content = mm7.Part.multipart(
        "mixed",
        [mm7.Part.text("look"), mm7.Part.bytes(JPEG, "image/jpeg", content_id="pic")],
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4", content=content)


def report_message(transaction_id: str = "tx-dr-1") -> mm7.Message:
    req = mm7.DeliveryReportReq(
        mms_relay_server_id="sim-relay",
        message_id="sim-00000001",
        recipient=mm7.Address.number("15553199144"),
        sender=mm7.Address.short_code("12345"),
        date="2026-01-02T03:04:05Z",
        mm_status="Retrieved",
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4")


def leaf_data(message: mm7.Message, mime_type: str) -> bytes:
    assert message.content is not None
    for part in message.content.walk():
        if part.content_type.mime_type == mime_type:
            return part.data
    raise AssertionError(f"no {mime_type} part")


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def sim() -> Iterator[GatewaySimulator]:
    with GatewaySimulator(auth=AUTH) as simulator:
        yield simulator


class Receiver:
    """A make_wsgi_app server whose handler answers from a script of results."""

    def __init__(self, results: Optional[List[object]] = None, **options: object) -> None:
        self.results = list(results or [])
        self.calls: queue.Queue[mm7.Message] = queue.Queue()
        self.errors = io.StringIO()
        app = make_wsgi_app(self._handle, **options)

        def logged(environ, start_response):
            environ["wsgi.errors"] = self.errors
            return app(environ, start_response)

        self.server = ServerThread(logged)
        self.url = self.server.url

    def _handle(self, message: mm7.Message) -> object:
        self.calls.put(message)
        result = self.results.pop(0) if self.results else None
        if isinstance(result, BaseException):
            raise result
        return result

    def handled(self) -> List[mm7.Message]:
        out = []
        while not self.calls.empty():
            out.append(self.calls.get_nowait())
        return out


@pytest.fixture
def receiver_factory() -> Iterator[object]:
    started: List[Receiver] = []

    def make(results: Optional[List[object]] = None, **options: object) -> Receiver:
        receiver = Receiver(results, **options)
        receiver.server.start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.server.stop()


def post_raw(
    url: str, body: bytes, headers: List[Tuple[str, str]], method: str = "POST"
) -> Tuple[int, http.client.HTTPResponse, bytes]:
    parts = url.split("/", 3)
    host, port = parts[2].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest(method, "/" + parts[3])
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        if body:
            conn.send(body)
        response = conn.getresponse()
        return response.status, response, response.read()
    finally:
        conn.close()


def post_message(url: str, message: mm7.Message, **extra: str) -> Tuple[int, mm7.Message]:
    encoded = mm7.encode(message)
    headers = [*encoded.headers, ("Content-Length", str(encoded.content_length))]
    headers += list(extra.items())
    status, response, body = post_raw(url, encoded.body, headers)
    return status, mm7.decode(body, response.getheader("Content-Type"))


def fault_of(status: int, response: http.client.HTTPResponse, body: bytes) -> mm7.Message:
    reply = mm7.decode(body, response.getheader("Content-Type"))
    assert reply.is_fault, reply
    return reply


# --- sender -> simulator ---------------------------------------------------------------------


def test_submit_image_gets_submit_rsp_and_simulator_sees_the_bytes(sim: GatewaySimulator) -> None:
    message = submit_message()
    reply = send(sim.url, message, auth=AUTH, timeout=10)
    assert isinstance(reply.pdu, mm7.SubmitRsp)
    assert reply.transaction_id == message.transaction_id
    assert reply.status is not None and reply.status.code == mm7.StatusCode.SUCCESS
    assert reply.pdu.message_id == "sim-00000001"
    assert reply.raise_for_status() is reply
    assert not reply.defects

    [seen] = sim.received
    assert isinstance(seen.pdu, mm7.SubmitReq)
    assert seen.transaction_id == message.transaction_id
    assert seen.pdu.subject == "Hello"
    assert leaf_data(seen, "image/jpeg") == JPEG
    assert leaf_data(seen, "text/plain") == b"Hello from Python"
    assert seen.content == message.content


def test_client_keeps_going_and_generates_transaction_ids(sim: GatewaySimulator) -> None:
    pdu = submit_message().pdu
    with Client(sim.url, auth=AUTH, timeout=10, version="REL-5-MM7-1-2") as client:
        first = client.submit(pdu)
        second = client.submit(pdu, transaction_id="mine")
        exchange = client.exchange(submit_message("tx-x"))
    assert first.transaction_id != second.transaction_id
    assert second.transaction_id == "mine"
    assert first.version.name == "REL-5-MM7-1-2"
    assert isinstance(first.pdu, mm7.SubmitRsp) and isinstance(second.pdu, mm7.SubmitRsp)
    assert first.pdu.message_id != second.pdu.message_id
    assert exchange.http_status == 200 and exchange.elapsed < 10
    assert [m.transaction_id for m in sim.received] == [
        first.transaction_id,
        "mine",
        "tx-x",
    ]


def test_credentials_in_url_are_used(sim: GatewaySimulator) -> None:
    url = sim.url.replace("http://", "http://user:pass@")
    assert send(url, submit_message(), timeout=10).raise_for_status()


@pytest.mark.parametrize("auth", [None, ("user", "wrong"), ("nobody", "pass")])
def test_simulator_refuses_wrong_credentials(
    sim: GatewaySimulator, auth: Optional[Tuple[str, str]]
) -> None:
    with pytest.raises(HTTPError) as info:
        send(sim.url, submit_message(), auth=auth, timeout=10)
    assert info.value.http_status == 401
    assert info.value.retryable is False
    assert info.value.status_code == 4001
    assert not is_retryable(info.value)
    assert sim.received == []


def test_fault_over_http_500_is_returned_not_raised(sim: GatewaySimulator) -> None:
    sim.fail_next(mm7.StatusCode.SERVICE_UNAVAILABLE)
    with Client(sim.url, auth=AUTH, timeout=10) as client:
        exchange = client.exchange(submit_message())
    assert exchange.http_status == 500
    reply = exchange.message
    assert reply.is_fault and isinstance(reply.pdu, mm7.RSErrorRsp)
    assert reply.transaction_id == "tx-submit-1"
    assert reply.status is not None and reply.status.code == 4006
    assert is_retryable(reply)
    with pytest.raises(mm7.StatusError) as info:
        reply.raise_for_status()
    assert info.value.status_code == 4006
    assert is_retryable(info.value)
    # The request was decoded and recorded all the same; the next one succeeds.
    assert len(sim.received) == 1
    assert send(sim.url, submit_message(), auth=AUTH, timeout=10).raise_for_status()


def test_client_error_fault_is_not_retryable(sim: GatewaySimulator) -> None:
    sim.fail_next(2007)
    reply = send(sim.url, submit_message(), auth=AUTH, timeout=10)
    assert reply.status is not None and reply.status.code == 2007
    assert isinstance(reply.pdu, mm7.RSErrorRsp) and reply.pdu.fault_code == "Client"
    assert not is_retryable(reply)


@pytest.mark.parametrize(
    ("http_status", "outcome", "retryable"),
    [(500, Outcome.UNKNOWN, False), (503, Outcome.NOT_DELIVERED, True)],
)
def test_html_error_page_raises_http_error(
    sim: GatewaySimulator, http_status: int, outcome: Outcome, retryable: bool
) -> None:
    # A bare 500 page: the application may have stored the message before it
    # failed, so it is not safe to resend; a 503 says the server did not act.
    page = b"<html><body><h1>Server Error</h1>" + b"x" * 500 + b"</body></html>"
    sim.fail_next(http_status=http_status, body=page)
    with pytest.raises(HTTPError) as info:
        send(sim.url, submit_message(), auth=AUTH, timeout=10)
    error = info.value
    assert error.http_status == http_status
    assert error.retryable is retryable and is_retryable(error) is retryable
    assert error.outcome is outcome and classify(error) is outcome
    assert error.body_start == page[:200]
    assert isinstance(error, mm7.MM7Error)
    assert sim.received == []


@pytest.mark.parametrize("http_status", [502, 504])
def test_proxy_502_504_are_outcome_unknown(http_status: int) -> None:
    # A proxy's own page after it forwarded the whole request: the server behind
    # it may have it.
    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        page = b"<html>Bad Gateway</html>"
        start_response(f"{http_status} Proxy", [("Content-Length", str(len(page)))])
        return [page]

    with ServerThread(app) as server, pytest.raises(HTTPError) as info:
        send(server.url, submit_message(), timeout=10)
    assert info.value.outcome is Outcome.UNKNOWN
    assert not info.value.retryable and not is_retryable(info.value)


def test_empty_503_raises_retryable_http_error(sim: GatewaySimulator) -> None:
    sim.fail_next(http_status=503)
    with pytest.raises(HTTPError) as info:
        send(sim.url, submit_message(), auth=AUTH, timeout=10)
    assert info.value.http_status == 503
    assert info.value.retryable
    assert info.value.status_code == 4006
    assert info.value.body_start == b""


def test_http_400_with_html_is_not_retryable(sim: GatewaySimulator) -> None:
    sim.fail_next(http_status=400, body=b"<html>bad</html>")
    with pytest.raises(HTTPError) as info:
        send(sim.url, submit_message(), auth=AUTH, timeout=10)
    assert not info.value.retryable


def test_closed_port_raises_retryable_transport_error() -> None:
    probe = socket.socket()
    probe.bind((HOST, 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with pytest.raises(TransportError) as info:
        send(f"http://{HOST}:{port}/mm7", submit_message(), timeout=5)
    assert info.value.retryable and is_retryable(info.value)
    assert info.value.request_sent is False


def test_silent_server_times_out_as_retryable_transport_error() -> None:
    # Listens, so the connection is made by the kernel, but never answers.
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with pytest.raises(TransportError) as info:
            send(f"http://{HOST}:{port}/mm7", submit_message(), timeout=0.3)
    # Written whole, no answer: the peer may have it, so not resent blindly.
    assert info.value.outcome is Outcome.UNKNOWN and info.value.request_sent
    assert not info.value.retryable
    assert f"{HOST}:{port}" in str(info.value) and "deadline of 0.3 s" in str(info.value)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Tuple[str, str]:
    """A throw-away self-signed certificate for 127.0.0.1 (needs the openssl CLI)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl command not available to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_https_verifies_certificates_by_default(certificate: Tuple[str, str]) -> None:
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    with GatewaySimulator(auth=AUTH, ssl_context=server_context) as simulator:
        assert simulator.url.startswith("https://127.0.0.1:")
        with pytest.raises(TransportError) as info:
            send(simulator.url, submit_message(), auth=AUTH, timeout=10)
        assert "certificate" in str(info.value)
        assert info.value.retryable is False  # waiting does not fix a certificate
        assert simulator.received == []

        trusting = ssl.create_default_context(cafile=cert)
        reply = send(simulator.url, submit_message(), auth=AUTH, timeout=10, context=trusting)
        assert reply.raise_for_status().transaction_id == "tx-submit-1"
        assert len(simulator.received) == 1


def test_wrong_response_type_is_an_error() -> None:
    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        body = mm7.encode(deliver_message().response()).body
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    with ServerThread(app) as server, pytest.raises(ResponseMismatchError) as info:
        send(server.url, submit_message(), timeout=10)
    assert info.value.outcome is Outcome.UNKNOWN and not info.value.retryable
    assert isinstance(info.value.reply.pdu, mm7.DeliverRsp)


def test_mismatched_transaction_id_is_an_error() -> None:
    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        reply = submit_message("someone-else").response(1000, message_id="m1")
        body = mm7.encode(reply).body
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [body]

    with ServerThread(app) as server, pytest.raises(ResponseMismatchError) as info:
        send(server.url, submit_message(), timeout=10)
    assert info.value.reply.transaction_id == "someone-else"
    assert classify(info.value) is Outcome.UNKNOWN


def test_oversized_response_is_refused() -> None:
    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        body = mm7.encode(submit_message().response(1000, message_id="m1")).body
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    with ServerThread(app) as server, pytest.raises(mm7.LimitExceededError):
        send(server.url, submit_message(), timeout=10, limits=mm7.Limits(max_message_size=100))


def test_extra_headers_replace_defaults() -> None:
    seen: queue.Queue[dict] = queue.Queue()

    def app(environ, start_response):
        seen.put(dict(environ))
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        body = mm7.encode(submit_message().response(1000, message_id="m1")).body
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [body]

    namespace = '"http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"'
    with ServerThread(app) as server:
        send(server.url, submit_message(), auth=AUTH, headers=[("SOAPAction", namespace)])
    environ = seen.get(timeout=5)
    assert environ["HTTP_SOAPACTION"] == namespace
    assert environ["HTTP_AUTHORIZATION"] == basic_auth_header(*AUTH)
    assert int(environ["CONTENT_LENGTH"]) == mm7.encode(submit_message()).content_length


# --- simulator -> receiver -------------------------------------------------------------------


def test_mo_picture_is_answered_within_ten_seconds(sim: GatewaySimulator, receiver_factory) -> None:
    receiver = receiver_factory()
    message = deliver_message()
    result = sim.deliver(receiver.url, message, retry_delay=RETRY)
    assert result.delivered
    [attempt] = result.attempts
    assert attempt.ok and attempt.http_status == 200 and attempt.error is None
    assert attempt.elapsed < 10.0
    assert attempt.response is not None
    assert isinstance(attempt.response.pdu, mm7.DeliverRsp)
    assert attempt.response.transaction_id == message.transaction_id
    assert attempt.response.status is not None and attempt.response.status.code == 1000
    [handled] = receiver.handled()
    assert handled.transaction_id == message.transaction_id
    assert leaf_data(handled, "image/jpeg") == JPEG


def test_delivery_report_is_answered(sim: GatewaySimulator, receiver_factory) -> None:
    receiver = receiver_factory()
    result = sim.deliver(receiver.url, report_message(), retry_delay=RETRY)
    assert result.delivered and len(result.attempts) == 1
    assert result.last.elapsed < 10.0
    reply = result.last.response
    assert reply is not None and isinstance(reply.pdu, mm7.DeliveryReportRsp)
    assert reply.transaction_id == "tx-dr-1"
    [handled] = receiver.handled()
    assert isinstance(handled.pdu, mm7.DeliveryReportReq)
    assert handled.pdu.mm_status == "Retrieved"


def test_handler_failing_twice_means_three_attempts(
    sim: GatewaySimulator, receiver_factory
) -> None:
    receiver = receiver_factory([RuntimeError("db down"), RuntimeError("db down"), None])
    result = sim.deliver(receiver.url, deliver_message(), retry_delay=RETRY)
    assert result.delivered
    assert [a.ok for a in result.attempts] == [False, False, True]
    for attempt in result.attempts[:2]:
        assert attempt.http_status == 500
        assert attempt.response is not None and attempt.response.is_fault
        assert isinstance(attempt.response.pdu, mm7.VASPErrorRsp)
        assert attempt.response.status is not None
        assert attempt.response.status.code == 3000
    assert len(receiver.handled()) == 3
    log = receiver.errors.getvalue()
    assert log.count("RuntimeError: db down") == 2


def test_handler_always_failing_means_exactly_five_attempts(
    sim: GatewaySimulator, receiver_factory
) -> None:
    receiver = receiver_factory([mm7.StatusCode.SERVICE_UNAVAILABLE] * 10)
    result = sim.deliver(receiver.url, deliver_message(), retry_delay=RETRY)
    assert not result.delivered
    assert len(result.attempts) == 5
    assert [a.number for a in result.attempts] == [1, 2, 3, 4, 5]
    assert all(a.http_status == 500 and a.reason == "HTTP 500" for a in result.attempts)
    assert len(receiver.handled()) == 5


def test_handler_mm7_error_becomes_fault_with_its_code(receiver_factory) -> None:
    receiver = receiver_factory([mm7.MM7Error("unknown message", status_code=2005)])
    status, reply = post_message(receiver.url, report_message())
    assert status == 500
    assert isinstance(reply.pdu, mm7.VASPErrorRsp) and reply.pdu.fault_code == "Client"
    assert reply.status is not None and reply.status.code == 2005
    assert reply.transaction_id == "tx-dr-1"
    assert receiver.errors.getvalue() == ""


@pytest.mark.parametrize(
    ("result", "http_status", "code"),
    [
        (None, 200, 1000),
        (1100, 200, 1100),
        (mm7.Status(mm7.StatusCode.PARTIAL_SUCCESS, "some"), 200, 1100),
        (mm7.StatusCode.SERVICE_DENIED, 500, 4007),
        (2002, 500, 2002),
    ],
)
def test_handler_status_results(receiver_factory, result, http_status, code) -> None:
    receiver = receiver_factory([result])
    status, reply = post_message(receiver.url, deliver_message())
    assert status == http_status
    assert reply.status is not None and reply.status.code == code
    assert reply.is_fault == (http_status == 500)
    assert reply.transaction_id == "tx-mo-1"


def test_handler_may_return_a_whole_message(receiver_factory) -> None:
    message = deliver_message()
    receiver = receiver_factory([message.response(1000, service_code="gold")])
    status, reply = post_message(receiver.url, message)
    assert status == 200
    assert isinstance(reply.pdu, mm7.DeliverRsp) and reply.pdu.service_code == "gold"


def test_handler_result_that_cannot_be_a_response_is_3000(receiver_factory) -> None:
    # A SubmitRsp needs a MessageID the handler did not give: the receiver's fault.
    receiver = receiver_factory([None], side="relay")
    status, reply = post_message(receiver.url, submit_message())
    assert status == 500
    assert isinstance(reply.pdu, mm7.RSErrorRsp)
    assert reply.status is not None and reply.status.code == 3000
    assert "does not encode" in receiver.errors.getvalue()
    assert reply.status.text is not None and "message_id" in reply.status.text


def test_a_response_posted_as_request_gets_4003(receiver_factory) -> None:
    receiver = receiver_factory()
    status, reply = post_message(receiver.url, deliver_message().response())
    assert status == 500
    assert reply.status is not None and reply.status.code == 4003
    assert receiver.handled() == []


def test_receiver_refuses_wrong_credentials(sim: GatewaySimulator, receiver_factory) -> None:
    receiver = receiver_factory(auth=("gw", "secret"))
    result = sim.deliver(
        receiver.url, deliver_message(), auth=("gw", "wrong"), max_attempts=2, retry_delay=RETRY
    )
    assert not result.delivered and len(result.attempts) == 2
    assert all(a.http_status == 401 for a in result.attempts)
    assert isinstance(result.last.error, HTTPError)
    assert receiver.handled() == []

    encoded = mm7.encode(deliver_message())
    status, response, _ = post_raw(receiver.url, encoded.body, encoded.headers)
    assert status == 401
    assert response.getheader("WWW-Authenticate") == 'Basic realm="MM7"'
    status, _, _ = post_raw(
        receiver.url, encoded.body, [*encoded.headers, ("Authorization", "Basic !!!")]
    )
    assert status == 401

    ok = sim.deliver(receiver.url, deliver_message(), auth=("gw", "secret"), retry_delay=RETRY)
    assert ok.delivered


def test_receiver_auth_callable(sim: GatewaySimulator, receiver_factory) -> None:
    receiver = receiver_factory(auth=lambda user, password: (user, password) == ("a", "b"))
    assert sim.deliver(receiver.url, report_message(), auth=("a", "b")).delivered
    assert not sim.deliver(
        receiver.url, report_message(), auth=("a", "c"), max_attempts=1
    ).delivered


@pytest.mark.parametrize("method", ["GET", "PUT", "HEAD"])
def test_other_methods_get_405(receiver_factory, method: str) -> None:
    receiver = receiver_factory()
    status, response, _ = post_raw(receiver.url, b"", [], method=method)
    assert status == 405
    assert response.getheader("Allow") == "POST"
    assert receiver.handled() == []


def test_simulator_get_is_405(sim: GatewaySimulator) -> None:
    status, response, _ = post_raw(
        sim.url, b"", [("Authorization", basic_auth_header(*AUTH))], "GET"
    )
    assert status == 405 and response.getheader("Allow") == "POST"


# --- bad input: a Fault with the right code, and the server keeps serving -------------------


def assert_still_serving(sim: GatewaySimulator, receiver: Receiver) -> None:
    result = sim.deliver(receiver.url, deliver_message("tx-after"), retry_delay=RETRY)
    assert result.delivered and len(result.attempts) == 1
    assert [m.transaction_id for m in receiver.handled()] == ["tx-after"]


def test_garbage_gets_4004_fault(sim: GatewaySimulator, receiver_factory) -> None:
    receiver = receiver_factory()
    body = b"\x00\x01this is not MM7 at all\xff"
    status, response, raw = post_raw(
        receiver.url, body, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))]
    )
    assert status == 500
    fault = fault_of(status, response, raw)
    assert isinstance(fault.pdu, mm7.VASPErrorRsp)
    assert fault.status is not None and fault.status.code == 4004
    assert (
        fault.status.text and "neither" in fault.status.text
    )  # the decoder's message, for the logs
    assert receiver.handled() == []
    assert_still_serving(sim, receiver)


def test_truncated_envelope_gets_the_decoders_code(sim: GatewaySimulator, receiver_factory) -> None:
    receiver = receiver_factory()
    encoded = mm7.encode(deliver_message("tx-cut"))
    body = encoded.body[:400]
    with pytest.raises(mm7.DecodeError) as expected:
        mm7.decode(body, encoded.content_type)
    headers = [("Content-Type", encoded.content_type), ("Content-Length", str(len(body)))]
    status, response, raw = post_raw(receiver.url, body, headers)
    assert status == 500
    fault = fault_of(status, response, raw)
    assert fault.status is not None
    assert fault.status.code == expected.value.status_code
    assert fault.version.name == "REL-6-MM7-1-4"
    assert receiver.handled() == []
    assert_still_serving(sim, receiver)


def test_body_shorter_than_content_length_is_refused(
    sim: GatewaySimulator, receiver_factory
) -> None:
    receiver = receiver_factory()
    encoded = mm7.encode(report_message("tx-short"))  # a bare envelope, readable as it comes
    body = encoded.body
    host, port = receiver.url.split("/")[2].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        head = (
            f"POST /mm7 HTTP/1.1\r\nHost: {host}\r\nContent-Type: {encoded.content_type}\r\n"
            f"Content-Length: {len(body) + 100}\r\n\r\n"
        )
        conn.sendall(head.encode("latin-1") + body)
        conn.shutdown(socket.SHUT_WR)  # the sender gives up 100 bytes early
        raw = b""
        while True:
            data = conn.recv(65536)
            if not data:
                break
            raw += data
    fault = mm7.decode_http(raw)
    assert raw.startswith(b"HTTP/1.0 500")
    # 3000: the bytes were lost on the way, the same message resent whole is taken.
    assert fault.status is not None and fault.status.code == 3000
    assert fault.transaction_id == "tx-short"  # correlated from the envelope's start
    assert receiver.handled() == []
    assert_still_serving(sim, receiver)


def test_missing_content_length_reads_to_eof(receiver_factory) -> None:
    receiver = receiver_factory()
    encoded = mm7.encode(report_message("tx-eof"))
    host, port = receiver.url.split("/")[2].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        head = f"POST /mm7 HTTP/1.0\r\nContent-Type: {encoded.content_type}\r\n\r\n"
        conn.sendall(head.encode("latin-1") + encoded.body)
        conn.shutdown(socket.SHUT_WR)
        raw = b""
        while True:
            data = conn.recv(65536)
            if not data:
                break
            raw += data
    reply = mm7.decode_http(raw)
    assert raw.startswith(b"HTTP/1.0 200")
    assert isinstance(reply.pdu, mm7.DeliveryReportRsp) and reply.transaction_id == "tx-eof"


def test_oversized_content_length_is_refused_unread(
    sim: GatewaySimulator, receiver_factory
) -> None:
    receiver = receiver_factory(limits=mm7.Limits(max_message_size=4096))
    encoded = mm7.encode(deliver_message())
    assert encoded.content_length > 4096
    # Headers only: the receiver must answer without waiting for the body.
    headers = [("Content-Type", encoded.content_type), ("Content-Length", str(10**9))]
    status, response, raw = post_raw(receiver.url, b"", headers)
    assert status == 413
    fault = fault_of(status, response, raw)
    assert isinstance(fault.pdu, mm7.VASPErrorRsp)
    assert fault.status is not None and fault.status.code == 4004
    assert receiver.handled() == []
    result = sim.deliver(receiver.url, report_message(), retry_delay=RETRY)
    assert result.delivered


def test_bad_content_length_is_refused(receiver_factory) -> None:
    receiver = receiver_factory()
    host, port = receiver.url.split("/")[2].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"POST /mm7 HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: -5\r\n\r\n")
        raw = b""
        while True:
            data = conn.recv(65536)
            if not data:
                break
            raw += data
    assert raw.startswith(b"HTTP/1.0 400")
    assert mm7.decode_http(raw).status.code == 4004


def test_relay_side_receiver_answers_with_rs_error(receiver_factory) -> None:
    receiver = receiver_factory(side="relay")
    body = b"<not-soap/>"
    status, response, raw = post_raw(
        receiver.url, body, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))]
    )
    assert isinstance(fault_of(status, response, raw).pdu, mm7.RSErrorRsp)


def test_make_wsgi_app_rejects_unknown_side() -> None:
    with pytest.raises(ValueError):
        make_wsgi_app(lambda m: None, side="both")


# --- small pieces ----------------------------------------------------------------------------


def test_basic_auth_header() -> None:
    assert basic_auth_header("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    with pytest.raises(ValueError):
        basic_auth_header("a:b", "c")


def test_is_retryable_table() -> None:
    assert is_retryable(TransportError("reset"))
    assert not is_retryable(TransportError("bad cert", retryable=False))
    assert is_retryable(HTTPError("x", http_status=429))
    assert not is_retryable(HTTPError("x", http_status=500))
    assert is_retryable(HTTPError("x", http_status=503))
    assert not is_retryable(HTTPError("x", http_status=401))
    assert not is_retryable(HTTPError("x", http_status=404))
    assert is_retryable(mm7.StatusError("busy", status_code=4006))
    assert not is_retryable(mm7.StatusError("denied", status_code=4007))
    assert not is_retryable(mm7.DecodeError("bad"))
    assert not is_retryable(ValueError("x"))
    assert not is_retryable(deliver_message().response())


def test_client_rejects_non_http_urls() -> None:
    with pytest.raises(ValueError):
        Client("ftp://127.0.0.1/mm7")


def test_simulator_threads_are_safe(sim: GatewaySimulator) -> None:
    errors: queue.Queue[BaseException] = queue.Queue()

    def worker(n: int) -> None:
        try:
            send(sim.url, submit_message(f"tx-{n}"), auth=AUTH, timeout=10).raise_for_status()
        except BaseException as exc:  # reported to the main thread
            errors.put(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors.empty()
    assert sorted(m.transaction_id for m in sim.received) == sorted(f"tx-{n}" for n in range(8))
    assert sim.next_received(timeout=1).transaction_id.startswith("tx-")


# --- kept-alive connections ------------------------------------------------------------------


class KeepAliveServer:
    """HTTP/1.1 server that answers each connection's first request, then hangs up.

    Without a ``Connection: close`` the client believes the connection is still
    open, as it does when a gateway drops idle connections. ``answer=False``
    hangs up without answering at all.
    """

    def __init__(
        self, answer: bool = True, close: bool = True, tls: Optional[ssl.SSLContext] = None
    ) -> None:
        self.answer = answer
        self.close = close
        self.requests: queue.Queue[bytes] = queue.Queue()
        self.closed: queue.Queue[int] = queue.Queue()
        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                outer.connections += 1

            def finish(self) -> None:
                super().finish()
                self.connection.close()
                outer.closed.put(outer.connections)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.put(body)
                self.close_connection = outer.close
                if not outer.answer:
                    return
                request = mm7.decode(body, self.headers["Content-Type"])
                reply = mm7.encode(request.response(1000, message_id="k1")).body
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "http" if tls is None else "https"
        self.url = f"{scheme}://{HOST}:{self.server.server_address[1]}/mm7"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,))

    def __enter__(self) -> KeepAliveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


def test_client_reconnects_when_a_kept_alive_connection_was_closed_while_idle() -> None:
    with KeepAliveServer() as server, Client(server.url, timeout=10) as client:
        first = client.send(submit_message("tx-1"))
        server.closed.get(timeout=10)  # the server hung up while the client was idle
        # Found closed before a byte is written, so a new connection is safe.
        second = client.send(submit_message("tx-2"))
    assert first.raise_for_status().transaction_id == "tx-1"
    assert second.raise_for_status().transaction_id == "tx-2"
    assert server.connections == 2
    assert server.requests.qsize() == 2  # nothing was delivered twice


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_kept_alive_connection_is_reused(tls: bool, certificate: Tuple[str, str]) -> None:
    # Over TLS 1.3 the server's session tickets make the idle socket readable:
    # they are no answer and no hang-up, so the connection is kept.
    server_context = client_context = None
    if tls:
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(*certificate)
        client_context = ssl.create_default_context(cafile=certificate[0])
    with KeepAliveServer(close=False, tls=server_context) as server:
        with Client(server.url, timeout=10, context=client_context) as client:
            replies = [client.send(submit_message(f"tx-{n}")) for n in range(3)]
        assert [r.raise_for_status().transaction_id for r in replies] == ["tx-0", "tx-1", "tx-2"]
        assert server.connections == 1 and server.requests.qsize() == 3


def test_fresh_connection_hung_up_is_not_resent() -> None:
    with KeepAliveServer(answer=False) as server:
        with pytest.raises(TransportError) as info:
            send(server.url, submit_message(), timeout=10)
        assert info.value.request_sent  # the peer may have acted on it
        assert info.value.outcome is Outcome.UNKNOWN and not info.value.retryable
        assert server.requests.qsize() == 1


# --- the gateway's deadline and more simulator behaviour -------------------------------------


def test_answer_after_the_deadline_is_retried(sim: GatewaySimulator) -> None:
    release = threading.Event()
    calls: queue.Queue[str] = queue.Queue()

    def handler(message: mm7.Message) -> None:
        calls.put(message.transaction_id)
        if calls.qsize() == 1:
            release.wait(timeout=10)  # the first answer comes too late

    with ServerThread(make_wsgi_app(handler)) as server:
        try:
            result = sim.deliver(server.url, report_message(), timeout=0.5, retry_delay=RETRY)
        finally:
            release.set()
    assert [a.ok for a in result.attempts] == [False, True]
    late = result.attempts[0]
    assert isinstance(late.error, TransportError) and late.http_status is None
    assert result.last.elapsed < 0.5


def test_simulator_fails_several_and_refuses_relay_requests(sim: GatewaySimulator) -> None:
    sim.fail_next(4006, count=2)
    codes = []
    for _ in range(3):
        reply = send(sim.url, submit_message(), auth=AUTH, timeout=10)
        assert reply.status is not None
        codes.append(int(reply.status.code))
    assert codes == [4006, 4006, 1000]
    reply = send(sim.url, deliver_message(), auth=AUTH, timeout=10)
    assert reply.status is not None and reply.status.code == 4003
    assert len(sim.received) == 4


def test_deliver_refuses_a_response_message(sim: GatewaySimulator) -> None:
    with pytest.raises(ValueError):
        sim.deliver(sim.url, deliver_message().response())


def test_reply_that_does_not_encode_becomes_3000(receiver_factory) -> None:
    message = report_message()
    receiver = receiver_factory([message.response(1000, "bad \x00 text")])
    status, reply = post_message(receiver.url, message)
    assert status == 500
    assert isinstance(reply.pdu, mm7.VASPErrorRsp)
    assert reply.status is not None and reply.status.code == 3000
    assert reply.transaction_id == "tx-dr-1"
    assert "does not encode" in receiver.errors.getvalue()


# --- misbehaving servers: what the sender reports --------------------------------------------


class RawServer:
    """One-connection TCP server running ``behaviour(conn, head)`` after the request head.

    ``heads`` counts the request heads it saw, so a test can tell that a request
    was sent exactly once.
    """

    def __init__(self, behaviour) -> None:  # type: ignore[no-untyped-def]
        self.behaviour = behaviour
        self.heads: List[bytes] = []
        self.listener = socket.create_server((HOST, 0))
        self.url = f"http://{HOST}:{self.listener.getsockname()[1]}/mm7"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # The client may go away at any point: what it reports is the test's subject.
        with contextlib.suppress(OSError):
            self._serve_one()

    def _serve_one(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                piece = conn.recv(65536)
                if not piece:
                    return
                data += piece
            head, _, rest = data.partition(b"\r\n\r\n")
            self.heads.append(head)
            self.behaviour(conn, head, rest)

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self.thread.join(timeout=10)


def read_body(conn: socket.socket, head: bytes, rest: bytes) -> bytes:
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(rest) < length:
        rest += conn.recv(65536)
    return rest


def http_answer(status: str, message: mm7.Message) -> bytes:
    encoded = mm7.encode(message)
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {encoded.content_type}\r\n"
        f"Content-Length: {encoded.content_length}\r\n\r\n"
    ).encode() + encoded.body


def big_submit(size: int = 4 << 20) -> mm7.Message:
    message = submit_message("tx-big")
    content = mm7.Part.bytes(bytes(range(256)) * (size // 256), "video/3gpp")
    return message.replace(content=content)


def test_early_413_fault_while_still_sending_is_returned() -> None:
    def refuse(conn: socket.socket, head: bytes, rest: bytes) -> None:
        fault = submit_message("tx-big").error_response(4004, "Content-Length over the limit")
        conn.sendall(http_answer("413 Content Too Large", fault))
        # and hang up without reading the body, as gunicorn does

    with RawServer(refuse) as server:
        reply = send(server.url, big_submit(), timeout=30)
    assert reply.is_fault and reply.status is not None and reply.status.code == 4004
    assert classify(reply) is Outcome.ANSWERED and not is_retryable(reply)
    assert len(server.heads) == 1


def test_hang_up_mid_body_is_not_delivered() -> None:
    hang_up = RawServer(lambda conn, head, rest: None)
    with hang_up as server, pytest.raises(TransportError) as info:
        send(server.url, big_submit(), timeout=30)
    error = info.value
    assert error.outcome is Outcome.NOT_DELIVERED and not error.request_sent
    assert error.retryable and server.url.split("/")[2] in str(error)
    assert len(server.heads) == 1


@pytest.mark.parametrize("keep", [30, 120, -10], ids=["mid-status", "mid-headers", "mid-body"])
def test_answer_cut_short_is_outcome_unknown(keep: int) -> None:
    def cut(conn: socket.socket, head: bytes, rest: bytes) -> None:
        read_body(conn, head, rest)
        answer = http_answer("200 OK", submit_message().response(1000, message_id="m1"))
        conn.sendall(answer[:keep])

    with RawServer(cut) as server, pytest.raises(TransportError) as info:
        send(server.url, submit_message(), timeout=30)
    error = info.value
    assert error.outcome is Outcome.UNKNOWN and error.request_sent and not error.retryable
    assert len(server.heads) == 1


def test_answer_that_is_not_http_is_outcome_unknown() -> None:
    def garbage(conn: socket.socket, head: bytes, rest: bytes) -> None:
        read_body(conn, head, rest)
        conn.sendall(b"220 mail.example ESMTP ready\r\n\r\n")

    with RawServer(garbage) as server, pytest.raises(TransportError) as info:
        send(server.url, submit_message(), timeout=30)
    assert info.value.outcome is Outcome.UNKNOWN and "malformed HTTP status line" in str(info.value)
    assert len(server.heads) == 1


def test_body_that_fails_mid_send_closes_the_connection() -> None:
    def stop_reading(conn: socket.socket, head: bytes, rest: bytes) -> None:
        conn.recv(65536)

    def body() -> Iterator[bytes]:
        yield b"--half a body"
        raise mm7.EncodeError("the file changed after encode")

    with RawServer(stop_reading) as server, Client(server.url, timeout=10) as client:
        with pytest.raises(mm7.EncodeError) as info:
            client._round_trip(b"POST / HTTP/1.1\r\n\r\n", body(), Deadline(10))
        assert client._sock is None  # never reused for the next request
    assert classify(info.value) is Outcome.NOT_DELIVERED


def test_trickled_answer_past_the_deadline_is_outcome_unknown() -> None:
    gone = threading.Event()

    def trickle(conn: socket.socket, head: bytes, rest: bytes) -> None:
        read_body(conn, head, rest)
        answer = http_answer("200 OK", submit_message().response(1000, message_id="m1"))
        for i in range(len(answer)):  # a byte every 20 ms: each read succeeds, the whole cannot
            conn.sendall(answer[i : i + 1])
            if gone.wait(0.02):
                return

    with RawServer(trickle) as server:
        with pytest.raises(TransportError) as info:
            send(server.url, submit_message(), timeout=0.5)
        gone.set()
    assert info.value.outcome is Outcome.UNKNOWN and info.value.request_sent
    assert "deadline of 0.5 s" in str(info.value)
    assert len(server.heads) == 1


def test_success_under_http_500_is_a_mismatch() -> None:
    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        body = mm7.encode(submit_message().response(1000, message_id="m1")).body
        start_response(
            "500 Oops", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))]
        )
        return [body]

    with ServerThread(app) as server, pytest.raises(ResponseMismatchError) as info:
        send(server.url, submit_message(), timeout=10)
    assert info.value.http_status == 500 and info.value.outcome is Outcome.UNKNOWN
    assert info.value.reply.status is not None and info.value.reply.status.code == 1000


def test_tls_handshake_that_never_ends_is_not_delivered_within_the_deadline() -> None:
    # A listener that completes TCP (the kernel's backlog) but never speaks TLS.
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(TransportError) as info:
            send(f"https://127.0.0.1:{port}/mm7", submit_message(), timeout=1.0)
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    error = info.value
    assert error.outcome is Outcome.NOT_DELIVERED and not error.request_sent
    assert error.port == port
    assert elapsed < 3.0  # a hang guard: the handshake is inside the one deadline
