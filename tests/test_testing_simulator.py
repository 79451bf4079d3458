"""mm7codec.testing: the simulator's lifecycle and the gateway's verdict on each answer.

127.0.0.1 only; waiting is done with queues and events, never with sleeps.
"""

from __future__ import annotations

import io
import queue
import socket
import sys
import threading
import types
from typing import Callable, Iterable, Iterator, List

import pytest

import mm7codec as mm7
from mm7codec import testing
from mm7codec.http import TransportError, make_wsgi_app, send
from mm7codec.testing import GatewaySimulator, ServerThread

AUTH = ("user", "pass")
RETRY = 0.01  # the simulator's retry schedule, kept tiny


def deliver_message(transaction_id: str = "tx-mo-1") -> mm7.Message:
    req = mm7.DeliverReq(
        mms_relay_server_id="sim-relay",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
        subject="A picture",
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4", content=mm7.Part.text("look"))


def cancel_message(transaction_id: str = "tx-cancel-1") -> mm7.Message:
    req = mm7.CancelReq(
        sender_identification=mm7.SenderIdentification(vasp_id="API_KEY", vas_id="12345mms"),
        message_id="sim-00000001",
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4")


@pytest.fixture
def sim() -> Iterator[GatewaySimulator]:
    with GatewaySimulator(auth=AUTH) as simulator:
        yield simulator


Script = Callable[[mm7.Message], mm7.Message]


def scripted_receiver(script: List[Script]) -> ServerThread:
    """A raw WSGI receiver that always answers HTTP 200 with ``script[n](request)``."""

    def app(environ, start_response) -> Iterable[bytes]:  # type: ignore[no-untyped-def]
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        request = mm7.decode(body, environ["CONTENT_TYPE"])
        encoded = mm7.encode(script.pop(0)(request))
        start_response("200 OK", [*encoded.headers, ("Content-Length", str(len(encoded.body)))])
        return [encoded.body]

    return ServerThread(app)


# --- lifecycle -------------------------------------------------------------------------------


def test_start_twice_keeps_one_server_and_stop_is_idempotent() -> None:
    simulator = GatewaySimulator(auth=AUTH)
    assert simulator.start() is simulator
    assert simulator.start() is simulator  # already running: no second thread
    try:
        reply = send(simulator.url, cancel_message(), auth=AUTH, timeout=10)
        assert reply.raise_for_status().transaction_id == "tx-cancel-1"
    finally:
        simulator.stop()
    simulator.stop()  # a second stop only closes the (closed) socket again


def test_server_thread_stopped_without_being_started_releases_its_port() -> None:
    server = ServerThread(make_wsgi_app(lambda message: None))
    server.stop()
    with pytest.raises(TransportError, match="ConnectionRefusedError") as info:
        send(server.url, cancel_message(), timeout=10)
    assert info.value.retryable and not info.value.request_sent


def test_server_errors_other_than_transport_ones_keep_their_traceback() -> None:
    server = ServerThread(make_wsgi_app(lambda message: None))
    stderr = io.StringIO()
    try:
        original, sys.stderr = sys.stderr, stderr
        try:
            try:
                raise ConnectionResetError("peer hung up")
            except OSError:
                server._server.handle_error(None, ("127.0.0.1", 1))
            assert stderr.getvalue() == ""  # a hang-up is part of the tests
            try:
                raise ValueError("a bug in the server")
            except ValueError:
                server._server.handle_error(None, ("127.0.0.1", 1))
        finally:
            sys.stderr = original
    finally:
        server.stop()
    assert "ValueError: a bug in the server" in stderr.getvalue()


# --- sender -> simulator ---------------------------------------------------------------------


def test_cancel_is_recorded_and_answered_with_a_default_cancel_rsp(sim: GatewaySimulator) -> None:
    reply = send(sim.url, cancel_message(), auth=AUTH, timeout=10)
    assert isinstance(reply.pdu, mm7.CancelRsp)
    assert reply.status is not None and reply.status.code == mm7.StatusCode.SUCCESS
    assert reply.transaction_id == "tx-cancel-1"
    [received] = sim.received
    assert isinstance(received.pdu, mm7.CancelReq)
    assert received.pdu.message_id == "sim-00000001"
    assert sim.next_received(timeout=5) == received


def test_fail_next_without_status_passes_the_request_through(sim: GatewaySimulator) -> None:
    sim.fail_next(None)
    reply = send(sim.url, cancel_message(), auth=AUTH, timeout=10)
    assert reply.status is not None and reply.status.code == 1000
    assert len(sim.received) == 1


# --- simulator -> receiver: the gateway's verdict --------------------------------------------


def test_fault_under_http_200_is_not_accepted(sim: GatewaySimulator) -> None:
    script: List[Script] = [
        lambda request: request.error_response(mm7.StatusCode.SERVICE_UNAVAILABLE),
        lambda request: request.response(),
    ]
    with scripted_receiver(script) as receiver:
        result = sim.deliver(receiver.url, deliver_message(), retry_delay=RETRY)
    assert [a.ok for a in result.attempts] == [False, True]
    first = result.attempts[0]
    assert first.http_status == 200 and first.error is None
    assert first.reason == "answered by VASPErrorRsp, not DeliverRsp"
    assert first.response is not None and first.response.is_fault
    assert result.delivered and result.last.reason == ""


def test_other_transaction_id_is_not_accepted(sim: GatewaySimulator) -> None:
    script: List[Script] = [lambda request: request.response().replace(transaction_id="tx-other")]
    with scripted_receiver(script) as receiver:
        result = sim.deliver(receiver.url, deliver_message(), max_attempts=1)
    [attempt] = result.attempts
    assert not result.delivered and not attempt.ok
    assert attempt.reason == "TransactionID 'tx-other' does not match"
    assert attempt.response is not None
    assert attempt.response.transaction_id == "tx-other"


def test_non_success_status_under_http_200_is_not_accepted(sim: GatewaySimulator) -> None:
    answers = [mm7.StatusCode.PARTIAL_SUCCESS, None]

    def handler(message: mm7.Message) -> object:
        return answers.pop(0)

    with ServerThread(make_wsgi_app(handler)) as receiver:
        result = sim.deliver(receiver.url, deliver_message(), retry_delay=RETRY)
    first, second = result.attempts
    assert first.http_status == 200 and not first.ok
    assert first.reason == "status 1100"
    assert second.ok and result.delivered


def test_answer_after_the_deadline_by_the_clock_is_not_accepted(
    sim: GatewaySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The socket timeout bounds each read, not the whole answer; the gateway
    # also checks the total. A fake clock in mm7codec.testing makes the first
    # attempt take 11 s without waiting for them.
    ticks = iter([0.0, 11.0, 100.0, 100.5])
    monkeypatch.setattr(testing, "time", types.SimpleNamespace(monotonic=lambda: next(ticks)))
    with ServerThread(make_wsgi_app(lambda message: None)) as receiver:
        result = sim.deliver(receiver.url, deliver_message(), retry_delay=RETRY, timeout=10.0)
    first, second = result.attempts
    assert first.http_status == 200 and first.response is not None
    assert first.elapsed == 11.0 and not first.ok
    assert first.reason == "answered after 11.0 s"
    assert second.ok and second.elapsed == 0.5


def test_stop_cuts_the_retry_wait_short(sim: GatewaySimulator) -> None:
    calls: queue.Queue[str] = queue.Queue()

    def handler(message: mm7.Message) -> object:
        calls.put(message.transaction_id)
        return mm7.StatusCode.SERVICE_UNAVAILABLE

    def stopper() -> None:
        calls.get(timeout=10)  # the first attempt has reached the receiver
        sim.stop()

    thread = threading.Thread(target=stopper)
    with ServerThread(make_wsgi_app(handler)) as receiver:
        thread.start()
        # A gateway's retry schedule: without stop() this would wait 4 x 60 s.
        result = sim.deliver(receiver.url, deliver_message(), retry_delay=60.0)
        thread.join(timeout=10)
    assert not thread.is_alive()
    [attempt] = result.attempts
    assert not result.delivered and attempt.reason == "HTTP 500"
    assert calls.empty()  # no second attempt was made


# --- fault injection (relay -> VASP) ----------------------------------------------------------


class CountingReceiver:
    """``make_wsgi_app`` serving on loopback, recording every message its handler got."""

    def __init__(self) -> None:
        self.handled: List[mm7.Message] = []
        self.server = ServerThread(make_wsgi_app(self.handled.append))

    def __enter__(self) -> CountingReceiver:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def long_message(transaction_id: str) -> mm7.Message:
    message = deliver_message(transaction_id)
    return message.replace(content=mm7.Part.text("a long MO text " * 200))


@pytest.mark.parametrize("where", [0.1, 0.5, 0.99])
def test_cut_body_is_refused_then_the_resend_is_taken_once(
    sim: GatewaySimulator, where: float
) -> None:
    message = long_message("tx-cut")
    offset = int(len(mm7.encode(message).body) * where)
    with CountingReceiver() as receiver:
        result = sim.deliver(
            receiver.server.url, message, fault=testing.Fault.cut(offset), retry_delay=RETRY
        )
    first, second = result.attempts
    assert not first.ok and first.http_status == 500 and first.reason == "HTTP 500"
    assert first.response is not None and first.response.is_fault
    assert second.ok and result.delivered
    assert [m.transaction_id for m in receiver.handled] == ["tx-cut"]  # never the cut one


def test_connection_dropped_mid_body_is_not_taken(sim: GatewaySimulator) -> None:
    message = long_message("tx-drop")
    offset = len(mm7.encode(message).body) // 2
    with CountingReceiver() as receiver:
        result = sim.deliver(
            receiver.server.url, message, fault=testing.Fault.drop(offset), retry_delay=RETRY
        )
    first, second = result.attempts
    assert not first.ok and first.response is None and first.http_status is None
    assert isinstance(first.error, TransportError)
    assert not first.error.request_sent
    assert f"after {offset} of" in first.reason
    assert second.ok and result.delivered
    assert [m.transaction_id for m in receiver.handled] == ["tx-drop"]


def test_duplicate_delivery_is_answered_1000_each_time(sim: GatewaySimulator) -> None:
    with CountingReceiver() as receiver:
        result = sim.deliver(
            receiver.server.url, deliver_message("tx-dup"), fault=testing.Fault.duplicate(3)
        )
    assert [a.number for a in result.attempts] == [1, 2, 3]
    assert all(a.ok for a in result.attempts) and result.delivered
    assert [m.transaction_id for m in receiver.handled] == ["tx-dup"] * 3


def test_duplicate_is_not_sent_when_the_delivery_failed(sim: GatewaySimulator) -> None:
    with ServerThread(make_wsgi_app(lambda m: mm7.StatusCode.SERVER_ERROR)) as receiver:
        result = sim.deliver(
            receiver.url, deliver_message(), fault=testing.Fault.duplicate(), max_attempts=1
        )
    assert len(result.attempts) == 1 and not result.delivered


def test_slow_sender_is_taken_whole(sim: GatewaySimulator) -> None:
    message = long_message("tx-slow")
    with CountingReceiver() as receiver:
        result = sim.deliver(
            receiver.server.url,
            message,
            fault=testing.Fault.slow(chunk=512, interval=0.01),
            max_attempts=1,
        )
    [attempt] = result.attempts
    assert attempt.ok, attempt.reason
    [got] = receiver.handled
    assert got.content is not None and got.content.data == b"a long MO text " * 200


def test_slow_sender_past_its_own_deadline_gives_up(sim: GatewaySimulator) -> None:
    with CountingReceiver() as receiver:
        result = sim.deliver(
            receiver.server.url,
            long_message("tx-late"),
            fault=testing.Fault.slow(chunk=16, interval=0.05),
            max_attempts=1,
            timeout=0.3,
        )
    [attempt] = result.attempts
    assert not attempt.ok and isinstance(attempt.error, TransportError)
    assert "deadline" in attempt.reason
    assert receiver.handled == []


def test_stop_cuts_a_slow_sender_short(sim: GatewaySimulator) -> None:
    calls: queue.Queue[str] = queue.Queue()

    def app(environ, start_response) -> Iterable[bytes]:  # type: ignore[no-untyped-def]
        calls.put("reading")  # the request head arrived: the body is trickling now
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("500 Error", [("Content-Length", "0")])
        return [b""]

    def stopper() -> None:
        calls.get(timeout=10)
        sim.stop()

    thread = threading.Thread(target=stopper)
    with ServerThread(app) as receiver:
        thread.start()
        result = sim.deliver(
            receiver.url,
            long_message("tx-stop"),
            fault=testing.Fault.slow(chunk=1, interval=60.0),
            timeout=600,
        )
        thread.join(timeout=10)
    [attempt] = result.attempts
    assert not attempt.ok and "stopped" in attempt.reason


def test_an_answer_to_a_shaped_attempt_is_judged_like_any(sim: GatewaySimulator) -> None:
    script: List[Script] = [lambda request: request.response().replace(transaction_id="tx-other")]
    with scripted_receiver(script) as receiver:
        result = sim.deliver(
            receiver.url, deliver_message(), fault=testing.Fault.slow(4096, 0), max_attempts=1
        )
    [attempt] = result.attempts
    assert attempt.reason == "TransactionID 'tx-other' does not match"


def test_a_non_mm7_answer_to_a_shaped_attempt_is_its_error(sim: GatewaySimulator) -> None:
    def app(environ, start_response) -> Iterable[bytes]:  # type: ignore[no-untyped-def]
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("502 Bad Gateway", [("Content-Length", "4")])
        return [b"oops"]

    with ServerThread(app) as receiver:
        result = sim.deliver(
            receiver.url, deliver_message(), fault=testing.Fault.slow(4096, 0), max_attempts=1
        )
    [attempt] = result.attempts
    assert attempt.http_status == 502 and attempt.error is not None and not attempt.ok


def test_a_cut_answer_to_a_shaped_attempt_is_a_transport_error(sim: GatewaySimulator) -> None:
    def app(environ, start_response) -> Iterable[bytes]:  # type: ignore[no-untyped-def]
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [("Content-Length", "400")])
        return [b"<short"]

    with ServerThread(app) as receiver:
        result = sim.deliver(
            receiver.url, deliver_message(), fault=testing.Fault.slow(4096, 0), max_attempts=1
        )
    [attempt] = result.attempts
    assert isinstance(attempt.error, TransportError) and "cut short" in attempt.reason


@pytest.mark.parametrize(
    "make",
    [
        lambda: testing.Fault.cut(-1),
        lambda: testing.Fault.drop(True),
        lambda: testing.Fault.duplicate(1),
        lambda: testing.Fault.slow(0),
        lambda: testing.Fault.slow(8, -1.0),
    ],
)
def test_fault_arguments_are_checked(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        make()


def test_faults_that_do_not_fit_are_refused(sim: GatewaySimulator) -> None:
    message = deliver_message()
    size = len(mm7.encode(message).body)
    with pytest.raises(ValueError, match="does not cut"):
        sim.deliver("http://127.0.0.1:9/mm7", message, fault=testing.Fault.cut(size))
    with pytest.raises(ValueError, match="http:// only"):
        sim.deliver("https://127.0.0.1:9/mm7", message, fault=testing.Fault.drop(1))


def test_shaped_attempt_to_nothing_listening_is_not_delivered(sim: GatewaySimulator) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = sim.deliver(
        f"http://127.0.0.1:{port}/mm7",
        deliver_message(),
        fault=testing.Fault.cut(10),
        max_attempts=1,
    )
    [attempt] = result.attempts
    assert isinstance(attempt.error, TransportError) and not attempt.error.request_sent


# --- the simulator's own receiving side -------------------------------------------------------


def test_rel5_mm7_1_0_submit_is_answered_with_a_message_id(sim: GatewaySimulator) -> None:
    # Its SubmitRsp needs MessageID, which that XSD lacks: legal through the erratum.
    req = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(vasp_id="API_KEY", vas_id="12345mms"),
        recipients=mm7.Recipients(to=[mm7.Address.number("15553199144")]),
    )
    message = mm7.Message(req, "tx-rel5", "REL-5-MM7-1-0", content=mm7.Part.text("hi"))
    reply = send(sim.url, message, auth=AUTH, timeout=10).raise_for_status()
    assert isinstance(reply.pdu, mm7.SubmitRsp) and reply.version.name == "REL-5-MM7-1-0"
    assert reply.pdu.message_id == "sim-00000001"
    assert sim.received[0].transaction_id == "tx-rel5"


def test_a_shaped_attempt_not_answered_by_the_deadline_fails(sim: GatewaySimulator) -> None:
    release = threading.Event()

    def app(environ, start_response) -> Iterable[bytes]:  # type: ignore[no-untyped-def]
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        release.wait(10)  # a stuck receiver, released when the test is done
        start_response("500 Error", [("Content-Length", "0")])
        return [b""]

    with ServerThread(app) as receiver:
        result = sim.deliver(
            receiver.url,
            deliver_message(),
            fault=testing.Fault.slow(4096, 0),
            max_attempts=1,
            timeout=0.3,
        )
        release.set()
    [attempt] = result.attempts
    assert isinstance(attempt.error, TransportError) and "deadline" in attempt.reason
    assert attempt.error.request_sent


def test_a_shaped_attempt_is_the_clients_request_but_for_its_fault(
    sim: GatewaySimulator,
) -> None:
    # The shaped attempt goes through the Client's own round trip: the same head
    # as the whole resend (Host, auth, type, SOAPAction), only the cut's length differs.
    heads: List[dict] = []  # type: ignore[type-arg]
    inner = make_wsgi_app(lambda m: None, auth=AUTH)

    def app(environ, start_response) -> Iterable[bytes]:  # type: ignore[no-untyped-def]
        heads.append({k: v for k, v in environ.items() if k.startswith(("HTTP_", "CONTENT_"))})
        return inner(environ, start_response)

    message = long_message("tx-head")
    offset = len(mm7.encode(message).body) // 3
    with ServerThread(app) as receiver:
        url = receiver.url.replace("127.0.0.1", "user:pass@127.0.0.1")  # userinfo: not the Host
        result = sim.deliver(url, message, fault=testing.Fault.cut(offset), retry_delay=RETRY)
    assert [a.http_status for a in result.attempts] == [500, 200] and result.delivered
    cut, whole = heads
    assert cut["CONTENT_LENGTH"] == str(offset)
    assert whole["CONTENT_LENGTH"] == str(len(mm7.encode(message).body))
    for head in (cut, whole):
        del head["CONTENT_LENGTH"]
        head["CONTENT_TYPE"] = head["CONTENT_TYPE"].split("; boundary=")[0]  # drawn anew
    assert cut == whole
    assert cut["HTTP_HOST"] == receiver.url.split("/")[2]
