"""The sender's side of the exchange contract against misbehaving loopback servers.

Each case asserts the outcome class the caller is told (answered, not
delivered, unknown) and how often the request reached the server: a request
that may have been taken is never sent again by the client on its own.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator, Tuple

import pytest
from faulty_servers import (
    HOST,
    RawServer,
    fault_answer,
    free_port,
    mm7_answer,
    response_bytes,
)

import mm7codec as mm7
from mm7codec.http import (
    Client,
    HTTPError,
    Outcome,
    ResponseMismatchError,
    TransportError,
    classify,
    is_retryable,
    send,
)

# Several MB of content, so the body is still being written when the server refuses it.
BIG = bytes(range(256)) * (6 * 4096)


def submit(transaction_id: str, payload: bytes = b"hello") -> mm7.Message:
    req = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(vasp_id="vasp", vas_id="svc"),
        recipients=mm7.Recipients(to=[mm7.Address.number("15553199144")]),
        subject="faults",
    )
    content = mm7.Part.bytes(payload, "application/octet-stream")
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4", content=content)


def assert_unknown(error: TransportError, server: RawServer) -> None:
    assert error.outcome is Outcome.UNKNOWN
    assert classify(error) is Outcome.UNKNOWN
    assert error.request_sent
    assert not error.retryable and not is_retryable(error)
    assert f"{HOST}:{server.port}" in str(error)
    assert (error.host, error.port) == (HOST, server.port)


# --- 1. kept-alive connection closed after the request was read whole ------------------------


def test_kept_alive_close_after_full_read_is_unknown_and_not_resent() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        first = server.read_request(conn)
        assert first is not None and first.complete
        conn.sendall(mm7_answer(first))  # no Connection: close, so the client keeps it
        second = server.read_request(conn)
        assert second is not None and second.complete
        # A worker killed after reading: the connection goes, no answer.

    with RawServer(script) as server, Client(server.url, timeout=10) as client:
        assert client.send(submit("tx-1")).raise_for_status().transaction_id == "tx-1"
        with pytest.raises(TransportError) as info:
            client.send(submit("tx-2"))
    assert_unknown(info.value, server)
    assert server.saw("tx-2") == 1
    assert server.heads == 2
    assert server.connections == 1  # no second connection: nothing resent


def test_kept_alive_close_mid_body_is_not_delivered_and_not_resent() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        first = server.read_request(conn)
        assert first is not None
        conn.sendall(mm7_answer(first))
        second = server.read_head(conn)
        assert second is not None
        conn.recv(1024)  # a little of the body, then the worker dies

    with RawServer(script) as server, Client(server.url, timeout=10) as client:
        client.send(submit("tx-1")).raise_for_status()
        with pytest.raises(TransportError) as info:
            client.send(submit("tx-2", BIG))
    error = info.value
    # Not written whole, so a receiver keeping the contract cannot have acted on it.
    assert error.outcome is Outcome.NOT_DELIVERED and not error.request_sent
    assert error.retryable and is_retryable(error)
    assert server.saw("tx-2") == 0 and server.heads == 2
    assert server.connections == 1  # the caller decides about the resend, not the client


# --- 2, 3. answers cut mid-headers and mid-body ------------------------------------------------


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(
            lambda answer: answer[: answer.index(b"Content-Length") + 9], id="mid-headers"
        ),
        pytest.param(lambda answer: answer[:12], id="mid-status-line"),
        pytest.param(lambda answer: answer[: len(answer) - 40], id="mid-body"),
    ],
)
def test_answer_cut_is_unknown(cut: object) -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        assert request is not None
        conn.sendall(cut(mm7_answer(request)))  # type: ignore[operator]

    with RawServer(script) as server, pytest.raises(TransportError) as info:
        send(server.url, submit("tx-cut"), timeout=10)
    assert_unknown(info.value, server)
    assert server.saw("tx-cut") == 1 and server.heads == 1
    assert server.connections == 1


# --- 4. early 413 + 4004 Fault while the client is still sending ---------------------------


@pytest.mark.parametrize("linger", [True, False], ids=["drains-then-closes", "closes"])
def test_early_413_fault_is_surfaced_not_a_retryable_broken_pipe(linger: bool) -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_head(conn)
        assert request is not None
        conn.sendall(fault_answer(413, 4004, "message too large"))
        if linger:
            # As nginx does: stop writing, read and drop the rest for a bounded time.
            conn.shutdown(socket.SHUT_WR)
            for _ in range(2000):
                if not conn.recv(1 << 16):
                    break

    with RawServer(script) as server:
        try:
            reply = send(server.url, submit("tx-big", BIG), timeout=20)
        except (HTTPError, TransportError) as exc:
            # Acceptable only if it says what the server said, and is no blind resend.
            assert "413" in str(exc) or "4004" in str(exc), exc
            assert exc.outcome is not Outcome.UNKNOWN or not exc.retryable
        else:
            assert reply.is_fault and reply.status is not None
            assert int(reply.status.code) == 4004
            assert classify(reply) is Outcome.ANSWERED and not is_retryable(reply)
            with pytest.raises(mm7.StatusError):
                reply.raise_for_status()
    assert server.heads == 1  # the client did not loop
    assert server.connections == 1


# --- 5. an answer trickled past the deadline -----------------------------------------------


def test_trickled_answer_past_the_deadline_is_unknown() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        assert request is not None
        answer = mm7_answer(request)
        for byte in answer[:100]:
            if server.stopping.is_set():
                return
            conn.sendall(bytes([byte]))
            time.sleep(0.2)  # the scenario: a slow peer, not a wait for the test

    with RawServer(script) as server:
        started = time.monotonic()
        with pytest.raises(TransportError) as info:
            send(server.url, submit("tx-slow"), timeout=1)
        elapsed = time.monotonic() - started
    assert_unknown(info.value, server)
    assert "deadline" in str(info.value)
    assert elapsed < 1 + 2  # a hang guard, not a timing goal
    assert server.saw("tx-slow") == 1 and server.connections == 1


# --- 6, 7. MM7 answers that do not answer this request ---------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"transaction_id": "someone-else"}, "someone-else"),
        ({"http_status": 500}, "HTTP 500"),
    ],
    ids=["other-transaction-id", "1000-under-http-500"],
)
def test_success_that_is_not_ours_is_a_mismatch(kwargs: dict, words: str) -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        assert request is not None
        conn.sendall(mm7_answer(request, **kwargs))

    with RawServer(script) as server, pytest.raises(ResponseMismatchError) as info:
        send(server.url, submit("tx-mine"), timeout=10)
    error = info.value
    assert error.outcome is Outcome.UNKNOWN and classify(error) is Outcome.UNKNOWN
    assert not error.retryable and not is_retryable(error)
    assert words in str(error)
    assert isinstance(error.reply.pdu, mm7.SubmitRsp)
    assert server.saw("tx-mine") == 1 and server.connections == 1


# --- 8. a self-signed certificate --------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    yield cert, key


def test_self_signed_certificate_is_not_retryable(self_signed: Tuple[Path, Path]) -> None:
    cert, key = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)  # never reached: the handshake fails
        assert request is None

    with RawServer(script, ssl_context=context) as server, pytest.raises(TransportError) as info:
        send(server.url, submit("tx-tls"), timeout=10)
    error = info.value
    assert error.outcome is Outcome.NOT_DELIVERED and not error.request_sent
    assert not error.retryable and not is_retryable(error)
    assert "certificate" in str(error) and f"{HOST}:{server.port}" in str(error)
    assert server.heads == 0  # not a byte of the request went out
    assert server.connections == 1  # and the client did not try again


@pytest.mark.parametrize("linger", [True, False], ids=["drains-then-closes", "closes"])
def test_early_413_fault_over_tls_is_read(self_signed: Tuple[Path, Path], linger: bool) -> None:
    # As section 4, over TLS: the answer is read, however the server then hangs up.
    cert, key = self_signed
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))

    def script(conn: socket.socket, server: RawServer) -> None:
        # Sent at once, as web servers do: a small answer held back by Nagle behind the
        # session tickets would die with the reset, before any client could read it.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        assert server.read_head(conn) is not None
        conn.sendall(fault_answer(413, 4004, "message too large"))
        if linger:
            for _ in range(2000):
                if not conn.recv(1 << 16):
                    break

    with RawServer(script, ssl_context=server_context) as server:
        reply = send(server.url, submit("tx-big-tls", BIG), timeout=20, context=client_context)
    assert reply.is_fault and reply.status is not None and int(reply.status.code) == 4004
    assert classify(reply) is Outcome.ANSWERED and not is_retryable(reply)
    assert server.heads == 1 and server.connections == 1


def test_a_tls_handshake_that_never_ends_is_bounded_by_the_deadline() -> None:
    # A server that accepts and never answers the ClientHello: the handshake is part of
    # the exchange's deadline, and nothing of the request was sent.
    def script(conn: socket.socket, server: RawServer) -> None:
        server.stopping.wait(10)

    with RawServer(script) as server:
        url = server.url.replace("http://", "https://")
        started = time.monotonic()
        with pytest.raises(TransportError) as info:
            send(url, submit("tx-tls-silent"), timeout=0.5)
        elapsed = time.monotonic() - started
    assert info.value.outcome is Outcome.NOT_DELIVERED and not info.value.request_sent
    assert elapsed < 5  # the deadline, not the server's 10 s
    assert server.heads == 0


# --- 9. nothing listening ------------------------------------------------------------------------


def test_connection_refused_is_not_delivered_and_retryable() -> None:
    port = free_port()
    with pytest.raises(TransportError) as info:
        send(f"http://{HOST}:{port}/mm7", submit("tx-refused"), timeout=10)
    error = info.value
    assert error.outcome is Outcome.NOT_DELIVERED and classify(error) is Outcome.NOT_DELIVERED
    assert error.retryable and is_retryable(error)
    assert not error.request_sent
    assert (error.host, error.port) == (HOST, port) and f"{HOST}:{port}" in str(error)


# --- 10. kept-alive connection closed while idle ---------------------------------------------


def test_idle_kept_alive_close_reconnects_and_delivers_once() -> None:
    closed = threading.Event()

    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        assert request is not None
        conn.sendall(mm7_answer(request))
        # Then the server's idle timeout: it closes the kept-alive connection.
        conn.close()
        closed.set()

    with RawServer(script) as server, Client(server.url, timeout=10) as client:
        assert client.send(submit("tx-a")).raise_for_status().transaction_id == "tx-a"
        assert closed.wait(10)
        assert client.send(submit("tx-b")).raise_for_status().transaction_id == "tx-b"
    assert server.saw("tx-a") == 1 and server.saw("tx-b") == 1
    assert server.heads == 2 and server.connections == 2


# --- 11. 401 --------------------------------------------------------------------------------------


def test_401_says_authentication_refused() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        assert request is not None
        conn.sendall(
            response_bytes(
                401,
                b"<html>no</html>",
                content_type="text/html",
                extra=(("WWW-Authenticate", 'Basic realm="MM7"'),),
            )
        )

    with RawServer(script) as server, pytest.raises(HTTPError) as info:
        send(server.url, submit("tx-auth"), auth=("user", "wrong"), timeout=10)
    error = info.value
    assert error.http_status == 401
    assert "authentication refused" in str(error)
    assert error.outcome is Outcome.NOT_DELIVERED and not error.retryable
    assert server.saw("tx-auth") == 1 and server.connections == 1
