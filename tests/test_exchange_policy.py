"""The sans-I/O exchange policy (mm7codec._exchange), driven without sockets.

Every row of the outcome table in docs/http-usage.md is produced here from the
policy functions a shell calls: transport failures by stage, HTTP answers that
are not MM7, MM7 answers that do not answer the request, and answers. The
receiver's steps (head checks, body sink, answer) are driven the same way,
including the WSGI shell called in-process.
"""

from __future__ import annotations

import io
import ssl
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

import mm7codec as mm7
from mm7codec._exchange import (
    Answer,
    Deadline,
    Pending,
    ReceiverPolicy,
    ReplyReader,
    http_outcome,
    interpret_reply,
    request_head,
    request_headers,
    transport_failure,
)
from mm7codec.http import (
    HTTPError,
    Outcome,
    ResponseMismatchError,
    TransportError,
    classify,
    is_retryable,
    make_wsgi_app,
)

HOST, PORT = "127.0.0.1", 8080


def deliver(
    transaction_id: str = "tx-1",
    version: str = "REL-6-MM7-1-4",
    mm7_version: Optional[str] = None,
    content: bool = True,
) -> mm7.Message:
    req = mm7.DeliverReq(
        mms_relay_server_id="relay",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
        reply_charging_id="rc" if version in ("REL-5-MM7-1-0", "REL-5-MM7-1-1") else None,
    )
    part = (
        mm7.Part.multipart(
            "mixed",
            [mm7.Part.text("hello"), mm7.Part.bytes(bytes(range(256)) * 8, "image/jpeg")],
        )
        if content
        else None
    )
    return mm7.Message(req, transaction_id, version, mm7_version, content=part)


def submit(transaction_id: str = "tx-s") -> mm7.Message:
    req = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(vasp_id="v", vas_id="s"),
        recipients=mm7.Recipients(to=[mm7.Address.number("15553199144")]),
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4")


def wire(message: mm7.Message) -> Tuple[bytes, Tuple[Tuple[str, str], ...]]:
    encoded = mm7.encode(message)
    return encoded.body, (("Content-Type", encoded.content_type),)


# --- the sender's outcome table --------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "outcome", "sent", "retryable"),
    [
        ("connect", Outcome.NOT_DELIVERED, False, True),
        ("send", Outcome.NOT_DELIVERED, False, True),
        ("wait", Outcome.UNKNOWN, True, False),
        ("read", Outcome.UNKNOWN, True, False),
    ],
)
def test_transport_failure_by_stage(
    stage: str, outcome: Outcome, sent: bool, retryable: bool
) -> None:
    for cause in (ConnectionResetError("reset"), TimeoutError("timed out"), BrokenPipeError()):
        error = transport_failure(stage, cause, host=HOST, port=PORT, timeout=2.0)
        assert isinstance(error, mm7.MM7Error)
        assert (error.outcome, error.request_sent, error.retryable) == (outcome, sent, retryable)
        assert classify(error) is outcome and is_retryable(error) is retryable
        assert f"{HOST}:{PORT}" in str(error) and (error.host, error.port) == (HOST, PORT)
    timed_out = transport_failure(stage, TimeoutError(), host=HOST, port=PORT, timeout=2.0)
    assert "deadline of 2.0 s" in str(timed_out)


def test_certificate_failure_is_not_retryable() -> None:
    cause = ssl.SSLCertVerificationError("self-signed certificate")
    error = transport_failure("connect", cause, host=HOST, port=443)
    assert error.outcome is Outcome.NOT_DELIVERED and not error.request_sent
    assert not error.retryable and not is_retryable(error)
    assert "certificate" in str(error) and f"{HOST}:443" in str(error)


def test_unknown_stage_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        transport_failure("later", OSError(), host=HOST, port=PORT)


def test_transport_error_defaults() -> None:
    assert TransportError("x").outcome is Outcome.NOT_DELIVERED
    assert TransportError("x").retryable
    unknown = TransportError("x", request_sent=True)
    assert unknown.outcome is Outcome.UNKNOWN and not unknown.retryable
    # retryable=True cannot make an UNKNOWN outcome safe to resend.
    assert not TransportError("x", request_sent=True, retryable=True).retryable


@pytest.mark.parametrize(
    ("http_status", "outcome", "retryable"),
    [
        (200, Outcome.UNKNOWN, False),
        (302, Outcome.NOT_DELIVERED, False),
        (400, Outcome.NOT_DELIVERED, False),
        (401, Outcome.NOT_DELIVERED, False),
        (403, Outcome.NOT_DELIVERED, False),
        (404, Outcome.NOT_DELIVERED, False),
        (408, Outcome.NOT_DELIVERED, True),
        (413, Outcome.NOT_DELIVERED, False),
        (429, Outcome.NOT_DELIVERED, True),
        (500, Outcome.UNKNOWN, False),
        (501, Outcome.NOT_DELIVERED, False),
        (505, Outcome.NOT_DELIVERED, False),
        (507, Outcome.UNKNOWN, False),
        (524, Outcome.UNKNOWN, False),
        (599, Outcome.UNKNOWN, False),
        (502, Outcome.UNKNOWN, False),
        (503, Outcome.NOT_DELIVERED, True),
        (504, Outcome.UNKNOWN, False),
    ],
)
def test_http_answers_that_are_not_mm7(http_status: int, outcome: Outcome, retryable: bool) -> None:
    assert http_outcome(http_status) == (outcome, retryable)
    page = b"<html><body>not MM7</body></html>"
    with pytest.raises(HTTPError) as info:
        interpret_reply(http_status, (("Content-Type", "text/html"),), page, submit())
    error = info.value
    assert (error.outcome, error.retryable, error.http_status) == (outcome, retryable, http_status)
    assert error.body_start == page and classify(error) is outcome
    if http_status in (401, 403):
        assert "authentication refused, check auth=" in str(error)
        assert error.status_code == (4001 if http_status == 401 else 4007)


def test_empty_answer_is_an_http_error() -> None:
    with pytest.raises(HTTPError) as info:
        interpret_reply(200, (), b"  ", submit())
    assert info.value.outcome is Outcome.UNKNOWN and "empty body" in str(info.value)


def test_early_answer_before_the_body_was_sent_is_not_delivered() -> None:
    # 413 or 200 alike: the server answered before it had the whole body.
    for http_status in (200, 413, 502):
        with pytest.raises(HTTPError) as info:
            interpret_reply(http_status, (), b"<html/>", submit(), request_complete=False)
        assert info.value.outcome is Outcome.NOT_DELIVERED


def test_answers_are_returned() -> None:
    request = submit()
    body, headers = wire(request.response(1000, message_id="m1"))
    reply = interpret_reply(200, headers, body, request)
    assert reply.status is not None and reply.status.code == 1000
    assert classify(reply) is Outcome.ANSWERED and not is_retryable(reply)
    # A Fault under any status is an answer; its code says whether to retry.
    for code, retryable in ((4006, True), (3000, True), (2007, False), (4007, False)):
        body, headers = wire(request.error_response(code))
        fault = interpret_reply(500, headers, body, request)
        assert fault.is_fault and classify(fault) is Outcome.ANSWERED
        assert is_retryable(fault) is retryable
        with pytest.raises(mm7.StatusError) as info:
            fault.raise_for_status()
        assert classify(info.value) is Outcome.ANSWERED
        assert is_retryable(info.value) is retryable
    # An error Rsp (not a Fault) under 500 is an answer too.
    body, headers = wire(request.response(4006, message_id="m1"))
    assert interpret_reply(500, headers, body, request).status.code == 4006  # type: ignore[union-attr]


def test_answers_that_do_not_answer_this_request() -> None:
    request = submit()
    cases = [
        (200, submit("other").response(1000, message_id="m1"), "TransactionID"),
        (200, deliver("tx-s").response(), "answered by DeliverRsp"),
        (500, request.response(1000, message_id="m1"), "under HTTP 500"),
        (302, request.response(1000, message_id="m1"), "under HTTP 302"),
        (500, submit("other").error_response(4006), "Fault carries TransactionID"),
    ]
    for http_status, answer, text in cases:
        body, headers = wire(answer)
        with pytest.raises(ResponseMismatchError) as info:
            interpret_reply(http_status, headers, body, request)
        error = info.value
        assert text in str(error)
        assert error.outcome is Outcome.UNKNOWN and not error.retryable
        assert classify(error) is Outcome.UNKNOWN and not is_retryable(error)
        assert error.reply.transaction_id == answer.transaction_id
        assert error.http_status == http_status


def test_a_fault_that_could_not_name_the_request_is_its_answer() -> None:
    request = submit()
    for transaction_id in ("tx-s", "unknown", ""):
        fault = request.error_response(4004).replace(transaction_id=transaction_id)
        body, headers = wire(fault)
        assert interpret_reply(500, headers, body, request).is_fault


def test_classify_other_exceptions() -> None:
    assert classify(mm7.EncodeError("bad field")) is Outcome.NOT_DELIVERED
    limit = mm7.LimitExceededError("big answer", limit="max_message_size", value=1)
    assert classify(limit) is Outcome.UNKNOWN
    assert classify(ValueError("x")) is Outcome.UNKNOWN
    assert not is_retryable(limit) and not is_retryable(ValueError("x"))


# --- the deadline and the request ------------------------------------------------------------


def test_deadline_covers_the_whole_exchange() -> None:
    now = [100.0]
    deadline = Deadline(2.0, clock=lambda: now[0])
    assert deadline.remaining() == 2.0 and not deadline.expired
    now[0] += 1.5  # connect and send took 1.5 s: the wait gets what is left
    assert deadline.remaining() == 0.5
    now[0] += 1.0
    assert deadline.remaining() == 0.0 and deadline.expired


def test_request_headers() -> None:
    encoded = mm7.encode(submit())
    headers = request_headers(
        encoded,
        host="gw.example:8080",
        authorization="Basic eDp5",
        extra=[("SOAPAction", '"ns"'), ("Content-Length", "1"), ("Host", "evil")],
    )
    named: Dict[str, List[str]] = {}
    for name, value in headers:
        named.setdefault(name.lower(), []).append(value)
    assert named["content-length"] == [str(encoded.content_length)]
    assert named["host"] == ["gw.example:8080"]
    assert named["authorization"] == ["Basic eDp5"]
    assert named["soapaction"] == ['"ns"']
    assert named["content-type"] == [encoded.content_type]
    head = request_head("/mm7?a=1", headers)
    assert head.startswith(b"POST /mm7?a=1 HTTP/1.1\r\nHost: gw.example:8080\r\n")
    assert head.endswith(b"\r\n\r\n")
    with pytest.raises(mm7.EncodeError) as info:
        request_head("/", [("X-Bad", "a\r\nInjected: 1")])
    assert classify(info.value) is Outcome.NOT_DELIVERED
    with pytest.raises(mm7.EncodeError):
        request_head("/", [("X-Name", "\u4e2d")])


# --- reading an answer -----------------------------------------------------------------------


def feed_bytewise(reader: ReplyReader, data: bytes) -> None:
    for i in range(len(data)):
        reader.feed(data[i : i + 1])


def test_reply_reader_content_length() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n\r\nhello"
    for cut in range(len(raw)):
        reader = ReplyReader()
        feed_bytewise(reader, raw[:cut])
        reader.eof()
        assert not reader.complete  # cut anywhere: mid-headers or mid-body
    reader = ReplyReader()
    feed_bytewise(reader, raw)
    assert reader.complete and reader.status == 200 and reader.body == b"hello"
    assert reader.keep_alive
    reader.feed(b"more")  # ignored once whole
    assert reader.body == b"hello"


def test_reply_reader_chunked_and_interim() -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
    )
    for cut in range(len(raw)):
        reader = ReplyReader()
        feed_bytewise(reader, raw[:cut])
        reader.eof()
        assert not reader.complete
    reader = ReplyReader()
    feed_bytewise(reader, raw)
    assert reader.complete and reader.status == 500 and reader.body == b"abcde"
    whole = ReplyReader()
    whole.feed(raw)
    assert whole.complete and whole.body == b"abcde"


def test_reply_reader_framed_by_close() -> None:
    reader = ReplyReader()
    reader.feed(b"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\npartial")
    assert not reader.complete
    reader.feed(b" body")
    reader.eof()
    assert reader.complete and reader.body == b"partial body" and not reader.keep_alive


def test_reply_reader_refuses_bad_framing_and_limits() -> None:
    bad = [
        b"HTTP/1.1 2xx OK\r\n\r\n",
        b"SMTP 200\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY",
    ]
    for raw in bad:
        with pytest.raises(mm7.DecodeError):
            ReplyReader().feed(raw)
    small = mm7.Limits(max_message_size=10, max_header_size=64)
    too_big = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 11,
        b"HTTP/1.1 200 OK\r\nX: " + b"y" * 80,
    ]
    for raw in too_big:
        with pytest.raises(mm7.LimitExceededError):
            ReplyReader(small).feed(raw)


def test_reply_reader_no_body_statuses_and_reuse() -> None:
    reader = ReplyReader()
    reader.feed(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert reader.complete and reader.body == b""
    extra = ReplyReader()
    extra.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK")
    assert extra.complete and not extra.keep_alive  # bytes past the answer: no reuse


# --- the receiver ----------------------------------------------------------------------------


def run_sink(
    policy: ReceiverPolicy, body: bytes, content_type: str, length: Optional[int]
) -> mm7.Message | Answer:
    sink = policy.body_sink(content_type, None if length is None else str(length))
    for i in range(0, len(body), 700):
        refused = sink.feed(body[i : i + 700])
        if refused is not None:
            return refused
    return sink.finish()


def decoded_answer(answer: Answer) -> mm7.Message:
    content_type = dict((n.lower(), v) for n, v in answer.headers)["content-type"]
    return mm7.decode(answer.body, content_type)


def test_head_checks() -> None:
    policy = ReceiverPolicy(auth=("u", "p"), limits=mm7.Limits(max_message_size=1000))
    assert policy.check_head("GET", None, None).http_status == 405  # type: ignore[union-attr]
    assert policy.check_head("POST", None, "10").http_status == 401  # type: ignore[union-attr]
    assert policy.check_head("POST", "Basic !!", "10").http_status == 401  # type: ignore[union-attr]
    good = "Basic dTpw"
    assert policy.check_head("POST", good, "10") is None
    assert policy.check_head("POST", good, None) is None
    bad = policy.check_head("POST", good, "-5")
    assert bad is not None and bad.http_status == 400
    assert decoded_answer(bad).status.code == 4004  # type: ignore[union-attr]
    big = policy.check_head("POST", good, "1001")
    assert big is not None and big.http_status == 413
    assert decoded_answer(big).status.code == 4004  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        ReceiverPolicy(side="middle")


def truncation_cases() -> Iterator[Tuple[str, mm7.Message]]:
    yield "multipart", deliver("tx-cut")
    yield "bare envelope", deliver("tx-bare", content=False)


@pytest.mark.parametrize(("name", "message"), list(truncation_cases()))
def test_body_cut_anywhere_is_never_acknowledged(name: str, message: mm7.Message) -> None:
    policy = ReceiverPolicy()
    encoded = mm7.encode(message)
    body = encoded.body
    whole = run_sink(policy, body, encoded.content_type, len(body))
    assert isinstance(whole, mm7.Message)
    cuts = range(0, len(body), 7)
    for cut in cuts:
        piece = body[:cut]
        # As the server sees it with a matching Content-Length, and read to EOF
        # (a terminated chunked body); and with the original length, short.
        for length in (cut, None, len(body)):
            result = run_sink(policy, piece, encoded.content_type, length)
            assert isinstance(result, Answer), (name, cut, length)
            assert result.http_status != 200
            assert decoded_answer(result).is_fault


def test_short_body_fault_is_3000_and_correlated() -> None:
    policy = ReceiverPolicy()
    encoded = mm7.encode(deliver("tx-short"))
    body = encoded.body[: len(encoded.body) - 10]
    answer = run_sink(policy, body, encoded.content_type, len(body) + 10)
    assert isinstance(answer, Answer) and answer.http_status == 500
    fault = decoded_answer(answer)
    assert fault.status is not None and fault.status.code == 3000
    assert "not received whole" in (fault.status.text or "")
    assert fault.transaction_id == "tx-short"


def test_complete_body_with_quirks_is_acknowledged() -> None:
    policy = ReceiverPolicy()
    encoded = mm7.encode(deliver("tx-q"))
    body = encoded.body.replace(b"\r\n", b"\n")  # bare LFs throughout
    content_type = encoded.content_type.replace("; start=", "; x-start=")  # no start
    result = run_sink(policy, body, content_type, len(body))
    assert isinstance(result, mm7.Message)
    pending = policy.prepare(result)
    assert isinstance(pending, Pending)
    answer = pending.result(None)
    assert answer.http_status == 200
    assert decoded_answer(answer).status.code == 1000  # type: ignore[union-attr]


def test_oversized_body_without_length_is_413() -> None:
    policy = ReceiverPolicy(limits=mm7.Limits(max_message_size=1000))
    encoded = mm7.encode(deliver())
    answer = run_sink(policy, encoded.body, encoded.content_type, None)
    assert isinstance(answer, Answer) and answer.http_status == 413
    sink = policy.body_sink(encoded.content_type, None)
    sink.feed(encoded.body)
    assert sink.feed(b"more") is sink.finish()  # refused once, stays refused


def test_undecodable_body_gets_the_decoders_code() -> None:
    policy = ReceiverPolicy(side="relay")
    answer = run_sink(policy, b"<not-soap/>" + b" " * 50, "text/xml", 61)
    assert isinstance(answer, Answer) and answer.http_status == 500
    fault = decoded_answer(answer)
    assert isinstance(fault.pdu, mm7.RSErrorRsp)
    assert fault.status is not None and fault.status.code == 4004


def request_from_wire(
    version: str, mm7_version: Optional[str], transaction_id: str = "tx-1"
) -> mm7.Message:
    """A DeliverReq as a Java library or an old MMSC writes it: its own MM7Version."""
    message = deliver(transaction_id, version, content=False)
    body = mm7.encode(message, validate=False).body
    if mm7_version is not None:
        default = message.version.default_mm7_version.encode()
        body = body.replace(b">" + default + b"<", b">" + mm7_version.encode() + b"<")
    request = mm7.decode(body, "text/xml")
    assert request.version.name == version and request.transaction_id == transaction_id
    return request


@pytest.mark.parametrize("version", [v.name for v in mm7.VERSIONS])
@pytest.mark.parametrize("mm7_version", ["6.7.0", "5.2.0", None])
def test_answers_carry_a_schema_valid_mm7_version(version: str, mm7_version: Optional[str]) -> None:
    request = request_from_wire(version, mm7_version)
    for reply in (request.response(), request.error_response(4006), request.error_response(2007)):
        assert reply.mm7_version in reply.version.mm7_versions
        encoded = mm7.encode(reply)  # validated against the version's types
        back = mm7.decode(encoded.body, encoded.content_type)
        assert back.transaction_id == "tx-1" and back.version.name == version
    if mm7_version is None:
        assert request.response().mm7_version == request.mm7_version  # a listed one is kept
    else:
        assert request.response().mm7_version == request.version.default_mm7_version


@pytest.mark.parametrize("version", [v.name for v in mm7.VERSIONS])
def test_every_decoded_request_gets_an_answer_that_encodes(version: str) -> None:
    # A TransactionID that REL-5-MM7-1-0/1-1 (xs:NMTOKEN) refuse, under an
    # unlisted MM7Version: the receiver still answers 1000 and echoes it.
    request = request_from_wire(version, "6.7.0", "tx 1/x")
    pending = ReceiverPolicy().prepare(request)
    assert isinstance(pending, Pending)
    for answer in (pending.result(None), pending.result(request.response(1000))):
        assert answer.http_status == 200
        reply = decoded_answer(answer)
        assert reply.status is not None and reply.status.code == 1000
        assert reply.transaction_id == "tx 1/x"
    # Everything but the echoed TransactionID is still validated.
    bad = pending.result(request.response(1000).replace(mm7_version="9.9.9"))
    assert bad.http_status == 500


def test_a_response_as_request_never_reaches_the_handler() -> None:
    answer = ReceiverPolicy().prepare(deliver().response())
    assert isinstance(answer, Answer) and answer.http_status == 500
    assert decoded_answer(answer).status.code == 4003  # type: ignore[union-attr]


def test_handler_results_and_failures() -> None:
    policy = ReceiverPolicy()
    request = deliver("tx-h")
    logs: List[str] = []
    pending = policy.prepare(request, logs.append)
    assert isinstance(pending, Pending)

    def code(answer: Answer) -> Tuple[int, int]:
        status = decoded_answer(answer).status
        assert status is not None
        return answer.http_status, int(status.code)

    assert code(pending.result(None)) == (200, 1000)
    assert code(pending.result(1000)) == (200, 1000)
    assert code(pending.result(mm7.StatusCode.PARTIAL_SUCCESS)) == (200, 1100)
    assert code(pending.result(mm7.Status(mm7.StatusCode.SUCCESS))) == (200, 1000)
    assert code(pending.result(4006)) == (500, 4006)
    assert code(pending.result(request.response(1000, service_code="gold"))) == (200, 1000)
    assert code(pending.failed(mm7.DecodeError("bad", status_code=2007))) == (500, 2007)
    assert code(pending.failed(RuntimeError("boom"), logs.append)) == (500, 3000)
    assert any("handler failed" in line for line in logs)
    # A result that is no result, and an answer that does not encode: 3000, saying why.
    for result, text in (
        ("yes", "handler result 'yes' does not encode"),
        (request.response(1000, "bad \x00 text"), "handler's DeliverRsp does not encode"),
    ):
        answer = pending.result(result, logs.append)  # type: ignore[arg-type]
        assert code(answer) == (500, 3000)
        assert text in (decoded_answer(answer).status.text or "")  # type: ignore[union-attr]


def test_submit_needs_the_handlers_message_id() -> None:
    policy = ReceiverPolicy(side="relay")
    pending = policy.prepare(submit())
    assert isinstance(pending, Pending)
    missing = decoded_answer(pending.result(None))
    assert isinstance(missing.pdu, mm7.RSErrorRsp)
    assert missing.status is not None and missing.status.code == 3000
    assert "message_id" in (missing.status.text or "")
    given = pending.result(submit().response(1000, message_id="m-1"))
    assert given.http_status == 200


# --- the WSGI shell in-process ---------------------------------------------------------------


class Broken(io.BytesIO):
    """A wsgi.input whose connection dies after some bytes."""

    def __init__(self, data: bytes, error: Exception) -> None:
        super().__init__(data)
        self.dead = False
        self.error = error

    def read(self, size: Optional[int] = -1) -> bytes:
        if self.dead:
            raise self.error
        self.dead = True
        return super().read(size)


def call_app(app, environ: Dict[str, object]) -> Tuple[str, bytes]:  # type: ignore[no-untyped-def]
    seen: List[str] = []
    environ.setdefault("wsgi.errors", io.StringIO())
    body = b"".join(app(environ, lambda status, headers: seen.append(status)))
    return seen[0], body


def test_wsgi_app_contract_in_process() -> None:
    handled: List[mm7.Message] = []
    app = make_wsgi_app(handled.append)
    encoded = mm7.encode(deliver("tx-w"))
    base = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": encoded.content_type}
    status, _ = call_app(
        app,
        {**base, "CONTENT_LENGTH": str(len(encoded.body)), "wsgi.input": io.BytesIO(encoded.body)},
    )
    assert status == "200 OK" and [m.transaction_id for m in handled] == ["tx-w"]
    # A chunked body terminated early: no CONTENT_LENGTH, EOF after the cut.
    cut = encoded.body[: len(encoded.body) // 2]
    status, _ = call_app(app, {**base, "wsgi.input": io.BytesIO(cut)})
    assert status.startswith("500")
    # The connection dies mid-body, reported as an OSError or as the server's own error.
    for error in (ConnectionResetError("peer gone"), ValueError("chunk size missing")):
        environ = {**base, "CONTENT_LENGTH": str(len(encoded.body))}
        status, _ = call_app(app, {**environ, "wsgi.input": Broken(cut, error)})
        assert status.startswith("500")
    assert len(handled) == 1  # never called for a body that did not arrive whole


def test_wsgi_app_refuses_async_handlers() -> None:
    async def handler(message: mm7.Message) -> None:
        return None

    class AsyncCallable:
        async def __call__(self, message: mm7.Message) -> None:
            return None

    for candidate in (handler, AsyncCallable()):
        with pytest.raises(TypeError, match="async def"):
            make_wsgi_app(candidate)  # type: ignore[arg-type]


def test_request_whose_answer_cannot_encode_never_reaches_the_handler() -> None:
    # Not decodable from the wire (NUL), so built by hand: no answer can carry
    # this TransactionID, so the Fault is sent uncorrelated instead.
    request = mm7.Message(deliver().pdu, "tx\x00", "REL-6-MM7-1-4")
    logs: List[str] = []
    answer = ReceiverPolicy().prepare(request, logs.append)
    assert isinstance(answer, Answer) and answer.http_status == 500
    fault = decoded_answer(answer)
    assert fault.status is not None and fault.status.code == 3000
    assert fault.transaction_id == "unknown"
    assert any("no answer to DeliverReq encodes" in line for line in logs)


def test_unknown_status_code_from_a_handler_error_is_3000() -> None:
    pending = ReceiverPolicy().prepare(deliver())
    assert isinstance(pending, Pending)
    answer = pending.failed(mm7.MM7Error("odd", status_code=0))
    assert decoded_answer(answer).status.code == 3000  # type: ignore[union-attr]


@pytest.mark.parametrize("wire_name", ["SubmitReq", "extendedReplaceReq"])
def test_answers_needing_the_handlers_message_id(wire_name: str) -> None:
    # SubmitRsp and (REL-6-MM7-1-4) extendedReplaceRsp carry a MessageID only the
    # handler can give: the handler runs, and must give it.
    from pdu_strategies import minimal_message

    request = minimal_message("REL-6-MM7-1-4", wire_name)
    pending = ReceiverPolicy(side="relay").prepare(request)
    assert isinstance(pending, Pending)
    assert pending.result(request.response(1000, message_id="m-1")).http_status == 200
    missing = decoded_answer(pending.result(None))
    assert missing.status is not None and missing.status.code == 3000
