"""make_wsgi_app(dedupe=) / ReceiverPolicy(dedupe=): the sequence of mm7codec.dedupe.

Claim after the whole body decoded and its 1000 encoded; DONE answers that
1000 again without the handler; BUSY answers a 4006 Fault under 503; the
claim is confirmed only when the answer is the 1000 success Rsp and encodes,
released otherwise (the handler raised, refused, or was interrupted).
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import mm7codec as mm7
from mm7codec.dedupe import BUSY_HTTP_STATUS, BUSY_STATUS, Claim, MemoryDedupe
from mm7codec.http import Client, classify, is_retryable, make_wsgi_app
from mm7codec.testing import Fault, GatewaySimulator, ServerThread

ROOT = Path(__file__).resolve().parent.parent
WAIT = 10.0  # generous bound on waits for another thread; never reached when all is well


def deliver(tx: str = "tx-mo-1") -> mm7.Message:
    pdu = mm7.DeliverReq(
        mms_relay_server_id="relay.example.net",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
        subject="mo",
    )
    return mm7.Message(pdu, tx)


def report(tx: str, status: str = "Retrieved") -> mm7.Message:
    pdu = mm7.DeliveryReportReq(
        mms_relay_server_id="relay.example.net",
        message_id="msg-1",
        recipient=mm7.Address.number("15553199144"),
        sender=mm7.Address.short_code("12345"),
        date="2026-12-04T10:00:00Z",
        mm_status=status,
    )
    return mm7.Message(pdu, tx)


class Handler:
    """Counts calls; each call takes the next outcome (None, a status, or an exception)."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.calls: List[mm7.Message] = []
        self._lock = threading.Lock()

    def __call__(self, message: mm7.Message) -> Any:
        with self._lock:
            self.calls.append(message)
            outcome = self.outcomes.pop(0) if self.outcomes else None
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def call(app: Any, message: mm7.Message) -> Tuple[int, mm7.Message, str]:
    """POST ``message`` to the WSGI ``app``: HTTP status, decoded answer, wsgi.errors text."""
    encoded = mm7.encode(message)
    seen: Dict[str, Any] = {}

    def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, headers

    errors = io.StringIO()
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": encoded.content_type,
        "CONTENT_LENGTH": str(encoded.content_length),
        "wsgi.input": io.BytesIO(encoded.body),
        "wsgi.errors": errors,
    }
    body = b"".join(app(environ, start_response))
    answer = mm7.decode(body, dict(seen["headers"])["Content-Type"])
    return int(seen["status"].split()[0]), answer, errors.getvalue()


def code(answer: mm7.Message) -> int:
    assert answer.status is not None
    return int(answer.status.code)


# --- through the gateway simulator -------------------------------------------------------------


def test_a_duplicate_transaction_id_runs_the_handler_once_and_both_get_1000() -> None:
    handler = Handler()
    app = make_wsgi_app(handler, dedupe=True)
    with ServerThread(app) as server, GatewaySimulator(auth=None) as sim:
        result = sim.deliver(server.url, deliver(), fault=Fault.duplicate(copies=3))
    assert [a.ok for a in result.attempts] == [True, True, True]
    assert all(a.http_status == 200 and code(a.response) == 1000 for a in result.attempts)
    assert len(handler.calls) == 1


def test_without_dedupe_every_copy_reaches_the_handler() -> None:
    handler = Handler()
    with ServerThread(make_wsgi_app(handler)) as server, GatewaySimulator(auth=None) as sim:
        result = sim.deliver(server.url, deliver(), fault=Fault.duplicate())
    assert result.delivered
    assert len(handler.calls) == 2


def test_a_failing_handler_then_the_gateways_resend_runs_the_handler_again() -> None:
    handler = Handler(RuntimeError("queue down"))
    app = make_wsgi_app(handler, dedupe=MemoryDedupe())
    with ServerThread(app) as server, GatewaySimulator(auth=None) as sim:
        result = sim.deliver(server.url, deliver(), retry_delay=0.0)
        again = sim.deliver(server.url, deliver(), retry_delay=0.0)
    assert [a.ok for a in result.attempts] == [False, True]
    assert code(result.attempts[0].response) == 3000
    assert len(handler.calls) == 2  # failed once, ran again on the resend
    assert again.delivered and len(again.attempts) == 1
    assert len(handler.calls) == 2  # the third copy: handled before, answered 1000


# --- direct WSGI calls ---------------------------------------------------------------------------


def test_every_answer_but_the_1000_releases_the_claim() -> None:
    outcomes: List[object] = [
        mm7.MM7Error("nope", status_code=4006),  # raised MM7Error
        mm7.StatusCode.SERVICE_DENIED,  # a refusal
        mm7.Status(mm7.StatusCode.PARTIAL_SUCCESS),  # a success, but not the 1000
        object(),  # not a handler result: 3000, does not encode
        mm7.Message(mm7.VASPErrorRsp(status=mm7.Status.error(3000, "x")), "tx-mo-1"),
    ]
    handler = Handler(*outcomes)
    store = MemoryDedupe()
    app = make_wsgi_app(handler, dedupe=store)
    statuses = [code(call(app, deliver())[1]) for _ in outcomes]
    assert statuses == [4006, 4007, 1100, 3000, 3000]
    assert len(handler.calls) == len(outcomes)
    assert len(store) == 0
    status, answer, _ = call(app, deliver())
    assert (status, code(answer)) == (200, 1000)
    assert len(handler.calls) == len(outcomes) + 1
    assert len(store) == 1
    assert code(call(app, deliver())[1]) == 1000
    assert len(handler.calls) == len(outcomes) + 1


def test_a_handler_returning_its_own_1000_message_is_confirmed() -> None:
    message = deliver()
    handler = Handler(message.response(mm7.Status(mm7.StatusCode.SUCCESS, "Thanks")))
    app = make_wsgi_app(handler, dedupe=True)
    first = call(app, message)[1]
    second = call(app, message)[1]
    assert first.status is not None and first.status.text == "Thanks"
    assert code(second) == 1000  # the receiver's own 1000 is what a duplicate gets
    assert len(handler.calls) == 1


def test_a_copy_in_flight_gets_the_busy_fault_not_1000() -> None:
    entered, leave = threading.Event(), threading.Event()
    calls: List[str] = []

    def slow(message: mm7.Message) -> None:
        calls.append(message.transaction_id)
        entered.set()
        assert leave.wait(WAIT)

    app = make_wsgi_app(slow, dedupe=True)
    first: List[Tuple[int, mm7.Message, str]] = []
    worker = threading.Thread(target=lambda: first.append(call(app, deliver())))
    worker.start()
    try:
        assert entered.wait(WAIT)
        status, answer, _ = call(app, deliver())
    finally:
        leave.set()
        worker.join(WAIT)
    assert status == BUSY_HTTP_STATUS == 503
    assert answer.is_fault and code(answer) == int(BUSY_STATUS) == 4006
    assert answer.transaction_id == "tx-mo-1"
    assert is_retryable(answer)  # a gateway, or our Client, resends it later
    assert [first[0][0], code(first[0][1])] == [200, 1000]
    assert calls == ["tx-mo-1"]
    assert code(call(app, deliver())[1]) == 1000
    assert calls == ["tx-mo-1"]


def test_the_busy_answer_over_http_reads_as_a_retryable_4006_fault() -> None:
    entered, leave = threading.Event(), threading.Event()

    def slow(message: mm7.Message) -> None:
        entered.set()
        assert leave.wait(WAIT)

    def first_copy(url: str) -> None:
        with Client(url, timeout=WAIT) as client:
            client.send(deliver())

    with ServerThread(make_wsgi_app(slow, dedupe=True, side="relay")) as server:
        worker = threading.Thread(target=first_copy, args=(server.url,))
        worker.start()
        try:
            assert entered.wait(WAIT)
            with Client(server.url, timeout=WAIT) as client:
                exchange = client.exchange(deliver())
        finally:
            leave.set()
            worker.join(WAIT)
    assert exchange.http_status == 503
    assert exchange.message.is_fault and code(exchange.message) == 4006
    assert classify(exchange.message).value == "answered"
    assert is_retryable(exchange.message)


def test_reports_are_keyed_by_message_id_recipient_and_status() -> None:
    handler = Handler()
    app = make_wsgi_app(handler, dedupe=True)
    # A gateway numbering each attempt afresh: same report, two TransactionIDs.
    assert code(call(app, report("tx-a"))[1]) == 1000
    assert code(call(app, report("tx-b"))[1]) == 1000
    assert code(call(app, report("tx-c", status="Expired"))[1]) == 1000
    assert [m.transaction_id for m in handler.calls] == ["tx-a", "tx-c"]


def test_a_truncated_body_claims_nothing() -> None:
    store = MemoryDedupe()
    handler = Handler()
    app = make_wsgi_app(handler, dedupe=store)
    body = mm7.encode(deliver()).body
    seen: Dict[str, Any] = {}
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": 'text/xml; charset="utf-8"',
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body[:-40]),
        "wsgi.errors": io.StringIO(),
    }
    app(environ, lambda status, headers, exc_info=None: seen.update(status=status))
    assert seen["status"].startswith("500")
    assert len(store) == 0 and handler.calls == []


def test_a_submit_req_is_not_deduplicated_its_answer_needs_the_handlers_message_id() -> None:
    submit = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(vasp_id="K", vas_id="V"),
        recipients=mm7.Recipients(to=[mm7.Address.number("15553199144")]),
    )
    message = mm7.Message(submit, "tx-sub")
    ids = iter(["m-1", "m-2"])
    calls: List[str] = []

    def relay(request: mm7.Message) -> mm7.Message:
        calls.append(request.transaction_id)
        return request.response(message_id=next(ids))

    store = MemoryDedupe()
    app = make_wsgi_app(relay, dedupe=store, side="relay")
    answers = [call(app, message)[1] for _ in range(2)]
    assert [a.pdu.message_id for a in answers] == ["m-1", "m-2"]
    assert calls == ["tx-sub", "tx-sub"] and len(store) == 0


class RecordingStore:
    """A DedupeStore that records its calls and can be told to fail."""

    def __init__(self, state: Claim = Claim.NEW, fail: str = "") -> None:
        self.state = state
        self.fail = fail
        self.calls: List[str] = []

    def _do(self, name: str, key: str) -> None:
        self.calls.append(f"{name} {key}")
        if name == self.fail:
            raise ConnectionError(f"store down during {name}")

    def claim(self, key: str, owner: str) -> Claim:
        self._do("claim", key)
        return self.state

    def confirm(self, key: str, owner: str) -> None:
        self._do("confirm", key)

    def release(self, key: str, owner: str) -> None:
        self._do("release", key)


KEY = "DeliverReq:relay.example.net:tx-mo-1"


def test_a_custom_store_gets_claim_then_confirm_or_release() -> None:
    store = RecordingStore()
    handler = Handler(None, RuntimeError("boom"))
    app = make_wsgi_app(handler, dedupe=store)
    call(app, deliver())
    call(app, deliver())
    assert store.calls == [f"claim {KEY}", f"confirm {KEY}", f"claim {KEY}", f"release {KEY}"]


def test_a_store_that_fails_to_claim_gets_a_3000_and_no_handler_run() -> None:
    handler = Handler()
    app = make_wsgi_app(handler, dedupe=RecordingStore(fail="claim"))
    status, answer, log = call(app, deliver())
    assert (status, code(answer)) == (500, 3000)
    assert handler.calls == []
    assert "duplicate check failed" in log


def test_a_store_that_fails_to_confirm_still_acknowledges_what_was_handled() -> None:
    handler = Handler()
    status, answer, log = call(
        make_wsgi_app(handler, dedupe=RecordingStore(fail="confirm")), deliver()
    )
    assert (status, code(answer)) == (200, 1000)
    assert "dedupe confirm failed" in log


def test_a_store_that_fails_to_release_still_sends_the_fault() -> None:
    handler = Handler(RuntimeError("boom"))
    status, answer, log = call(
        make_wsgi_app(handler, dedupe=RecordingStore(fail="release")), deliver()
    )
    assert (status, code(answer)) == (500, 3000)
    assert "dedupe release failed" in log


def test_a_store_saying_done_or_busy_keeps_the_handler_out() -> None:
    handler = Handler()
    status, answer, log = call(make_wsgi_app(handler, dedupe=RecordingStore(Claim.DONE)), deliver())
    assert (status, code(answer)) == (200, 1000)
    assert "handler not called" in log
    status, answer, _ = call(make_wsgi_app(handler, dedupe=RecordingStore(Claim.BUSY)), deliver())
    assert (status, code(answer)) == (503, 4006)
    assert handler.calls == []


def test_an_interrupted_handler_releases_its_claim() -> None:
    store = MemoryDedupe()
    handler = Handler(SystemExit(1))
    app = make_wsgi_app(handler, dedupe=store)
    with pytest.raises(SystemExit):
        call(app, deliver())
    assert len(store) == 0
    assert code(call(app, deliver())[1]) == 1000
    assert len(handler.calls) == 2


def test_dedupe_true_is_a_memory_store_of_each_app_and_false_is_none() -> None:
    from mm7codec._exchange import ReceiverPolicy

    one, two = ReceiverPolicy(dedupe=True), ReceiverPolicy(dedupe=True)
    assert isinstance(one.dedupe, MemoryDedupe) and one.dedupe is not two.dedupe
    assert ReceiverPolicy(dedupe=False).dedupe is None
    assert ReceiverPolicy().dedupe is None


def test_importing_the_http_module_loads_neither_dedupe_nor_profiles() -> None:
    code_ = (
        "import sys, mm7codec.http; "
        "print([m for m in ('mm7codec.dedupe', 'mm7codec.profiles') if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code_], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_missing_status_or_transaction_never_confuses_the_key() -> None:
    # No TransactionID at all: no key, so no claim (the handler runs, as without dedupe).
    store = RecordingStore()
    handler = Handler()
    app = make_wsgi_app(handler, dedupe=store)
    status, answer, _ = call(app, deliver(tx=""))
    assert status == 200 and handler.calls and store.calls == []
    del answer


def test_the_sans_io_policy_alone_keeps_the_sequence_without_a_log() -> None:
    """What an ASGI or other shell gets by calling ReceiverPolicy itself (no log given)."""
    from mm7codec._exchange import Answer, Pending, ReceiverPolicy

    message = deliver()
    store = RecordingStore(fail="confirm")
    pending = ReceiverPolicy(dedupe=store).prepare(message)
    assert isinstance(pending, Pending)
    answer = pending.result(None)
    assert answer.http_status == 200
    assert store.calls == [f"claim {KEY}", f"confirm {KEY}"]
    # A shell cancelled mid-handler calls abandon(): released once, not twice.
    store = RecordingStore()
    pending = ReceiverPolicy(dedupe=store).prepare(message)
    assert isinstance(pending, Pending)
    pending.abandon()
    pending.abandon()
    assert store.calls == [f"claim {KEY}", f"release {KEY}"]
    for state, http_status in ((Claim.DONE, 200), (Claim.BUSY, 503)):
        done = ReceiverPolicy(dedupe=RecordingStore(state)).prepare(message)
        assert isinstance(done, Answer) and done.http_status == http_status
    refused = ReceiverPolicy(dedupe=RecordingStore(fail="claim")).prepare(message)
    assert isinstance(refused, Answer) and refused.http_status == 500
