"""AsyncClient: the same outcomes and errors as Client, on asyncio streams.

The sender fault cases of tests/test_sender_faults.py run here a second time,
unchanged, with ``Client`` and ``send`` in that module swapped for thin
wrappers that drive an :class:`AsyncClient` on an event loop: every
assertion about the outcome class and how often the server saw the request
holds for the asyncio shell too.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

import pytest
import test_sender_faults as sync_cases
from faulty_servers import HOST, RawServer, fault_answer, mm7_answer
from test_sender_faults import (  # the cases, collected again here with the async sender
    self_signed,
    submit,
    test_401_says_authentication_refused,
    test_a_tls_handshake_that_never_ends_is_bounded_by_the_deadline,
    test_answer_cut_is_unknown,
    test_connection_refused_is_not_delivered_and_retryable,
    test_early_413_fault_is_surfaced_not_a_retryable_broken_pipe,
    test_early_413_fault_over_tls_is_read,
    test_idle_kept_alive_close_reconnects_and_delivers_once,
    test_kept_alive_close_after_full_read_is_unknown_and_not_resent,
    test_kept_alive_close_mid_body_is_not_delivered_and_not_resent,
    test_self_signed_certificate_is_not_retryable,
    test_success_that_is_not_ours_is_a_mismatch,
    test_trickled_answer_past_the_deadline_is_unknown,
)

import mm7codec as mm7
from mm7codec.http import AsyncClient, Outcome, TransportError
from mm7codec.testing import GatewaySimulator

__all__ = [
    "self_signed",
    "test_401_says_authentication_refused",
    "test_a_tls_handshake_that_never_ends_is_bounded_by_the_deadline",
    "test_answer_cut_is_unknown",
    "test_connection_refused_is_not_delivered_and_retryable",
    "test_early_413_fault_is_surfaced_not_a_retryable_broken_pipe",
    "test_early_413_fault_over_tls_is_read",
    "test_idle_kept_alive_close_reconnects_and_delivers_once",
    "test_kept_alive_close_after_full_read_is_unknown_and_not_resent",
    "test_kept_alive_close_mid_body_is_not_delivered_and_not_resent",
    "test_self_signed_certificate_is_not_retryable",
    "test_success_that_is_not_ours_is_a_mismatch",
    "test_trickled_answer_past_the_deadline_is_unknown",
]

PICTURE = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 400 + b"\xff\xd9"


class LoopClient:
    """``Client``'s sync interface over an AsyncClient on a private event loop."""

    def __init__(self, url: str, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = AsyncClient(url, **options)

    def send(self, message: mm7.Message) -> mm7.Message:
        return self.loop.run_until_complete(self.client.send(message))

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.client.aclose())
        finally:
            self.loop.close()

    def __enter__(self) -> LoopClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def loop_send(url: str, message: mm7.Message, **options: Any) -> mm7.Message:
    async def go() -> mm7.Message:
        async with AsyncClient(url, **options) as client:
            return await client.send(message)

    return asyncio.run(go())


@pytest.fixture(autouse=True)
def async_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync_cases, "Client", LoopClient)
    monkeypatch.setattr(sync_cases, "send", loop_send)


# --- against the simulator ------------------------------------------------------------------------


def picture_submit(transaction_id: Optional[str] = None) -> Tuple[mm7.SubmitReq, mm7.Part]:
    req = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(vasp_id="vasp", vas_id="svc"),
        recipients=mm7.Recipients(to=[mm7.Address.number("15553199144")]),
        subject="a picture",
    )
    content = mm7.Part.multipart(
        "mixed",
        [mm7.Part.text("look"), mm7.Part.bytes(PICTURE, "image/jpeg", content_id="pic")],
    )
    return req, content


def test_submit_with_a_picture_gets_a_message_id_from_the_simulator() -> None:
    req, content = picture_submit()

    async def go(url: str) -> mm7.Message:
        async with AsyncClient(url, auth=("user", "pass"), timeout=10) as client:
            return await client.submit(req, content)

    with GatewaySimulator() as gateway:
        reply = asyncio.run(go(gateway.url))
        got = gateway.next_received()
    reply.raise_for_status()
    assert isinstance(reply.pdu, mm7.SubmitRsp) and reply.pdu.message_id
    assert reply.pdu.message_id.startswith("sim-")
    assert got.transaction_id == reply.transaction_id
    assert got.content is not None
    jpeg = [p for p in got.content.walk() if p.content_type.subtype == "jpeg"]
    assert jpeg and jpeg[0].data == PICTURE


def test_tasks_share_one_client_and_each_request_arrives_once() -> None:
    async def go(url: str) -> List[mm7.Message]:
        async with AsyncClient(url, auth=("user", "pass"), timeout=10) as client:
            messages = [submit(f"tx-{i}") for i in range(8)]
            return list(await asyncio.gather(*(client.send(m) for m in messages)))

    with GatewaySimulator() as gateway:
        replies = asyncio.run(go(gateway.url))
        received = sorted(m.transaction_id for m in gateway.received)
    assert sorted(r.raise_for_status().transaction_id for r in replies) == received
    assert received == sorted(f"tx-{i}" for i in range(8))


def test_exchange_keeps_status_headers_and_elapsed() -> None:
    async def go(url: str) -> Any:
        async with AsyncClient(url, auth=("user", "pass"), version="REL-6-MM7-1-4") as client:
            return await client.exchange(submit("tx-x"))

    with GatewaySimulator() as gateway:
        result = asyncio.run(go(gateway.url))
    assert result.http_status == 200 and result.elapsed >= 0
    assert any(name.lower() == "content-type" for name, _ in result.headers)
    assert result.message.transaction_id == "tx-x"


def test_a_fault_is_an_answer_and_credentials_in_the_url_are_used() -> None:
    with GatewaySimulator() as gateway:
        gateway.fail_next(4006)
        url = gateway.url.replace("http://", "http://user:pass@")
        reply = loop_send(url, submit("tx-f"), timeout=10)
    assert reply.is_fault and int(reply.status.code) == 4006  # type: ignore[union-attr]


def test_a_cancelled_send_drops_the_connection_and_the_next_one_reconnects() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        assert request is not None
        if request.body and b"tx-stall" in request.body:
            server.stopping.wait(5)  # never answers: the caller gives up
            return
        conn.sendall(mm7_answer(request))

    async def go(url: str) -> mm7.Message:
        async with AsyncClient(url, timeout=10) as client:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.send(submit("tx-stall")), 0.3)
            return await client.send(submit("tx-next"))

    with RawServer(script) as server:
        reply = asyncio.run(go(server.url))
        assert reply.raise_for_status().transaction_id == "tx-next"
        assert server.saw("tx-stall") == 1 and server.saw("tx-next") == 1
        assert server.connections == 2


def test_an_answer_that_is_not_http_is_unknown() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        assert request is not None
        conn.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")

    with RawServer(script) as server, pytest.raises(TransportError) as info:
        loop_send(server.url, submit("tx-ssh"), timeout=10)
    assert info.value.outcome is Outcome.UNKNOWN
    assert server.saw("tx-ssh") == 1


def test_an_oversized_answer_is_a_limit_error() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        assert request is not None
        conn.sendall(fault_answer(500, 3000, "x" * 4000, request.header("x") or "unknown"))

    with RawServer(script) as server, pytest.raises(mm7.LimitExceededError):
        loop_send(server.url, submit("tx-big"), timeout=10, limits=mm7.Limits(max_message_size=500))


def test_an_early_answer_before_the_body_is_read() -> None:
    """401 sent as soon as the head arrived, the connection kept: the answer is read."""

    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_head(conn)
        assert request is not None
        conn.sendall(fault_answer(500, 4001, "who are you"))
        server.stopping.wait(2)

    with RawServer(script) as server:
        reply = loop_send(server.url, submit("tx-early", sync_cases.BIG), timeout=10)
    assert reply.is_fault and int(reply.status.code) == 4001  # type: ignore[union-attr]


def test_an_early_answer_while_a_write_is_stuck(monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer arrives while a write waits on a peer that stopped reading: the write
    is cancelled and the answer read (it raised InvalidStateError, under load only)."""
    from mm7codec import _aclient

    real_send = _aclient._PlainConnection.send
    writes: List[int] = []

    async def send(self: Any, data: bytes) -> None:
        writes.append(len(data))
        if len(writes) == 1:
            await real_send(self, data)  # the head goes out
        else:
            await asyncio.Event().wait()  # a body write that never ends

    monkeypatch.setattr(_aclient._PlainConnection, "send", send)

    def script(conn: socket.socket, server: RawServer) -> None:
        assert server.read_head(conn) is not None
        conn.sendall(fault_answer(500, 4001, "who are you"))
        server.stopping.wait(2)

    with RawServer(script) as server:
        reply = loop_send(server.url, submit("tx-stuck", sync_cases.BIG), timeout=10)
    assert reply.is_fault and int(reply.status.code) == 4001  # type: ignore[union-attr]
    assert len(writes) == 2  # the stuck write was the last one tried


def test_tls_with_a_trusted_certificate(self_signed: Tuple[Path, Path]) -> None:
    cert, key = self_signed
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))

    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        assert request is not None
        conn.sendall(mm7_answer(request))

    with RawServer(script, ssl_context=server_context) as server:
        reply = loop_send(server.url, submit("tx-tls-ok"), timeout=10, context=client_context)
    assert reply.raise_for_status().transaction_id == "tx-tls-ok"
    assert server.url.startswith("https://") and HOST in server.url


def test_tls_connection_is_kept_alive_and_dropped_when_the_server_closes_it(
    self_signed: Tuple[Path, Path],
) -> None:
    cert, key = self_signed
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))

    def script(conn: socket.socket, server: RawServer) -> None:
        for _ in range(2):
            request = server.read_request(conn)
            if request is None:
                return  # the client closed its connection
            conn.sendall(mm7_answer(request))
        # then closed while idle

    async def go(url: str) -> List[str]:
        async with AsyncClient(url, timeout=10, context=client_context) as client:
            got = []
            for name in ("tx-1", "tx-2", "tx-3"):
                if name == "tx-3":
                    await asyncio.sleep(0.2)  # the server's close reaches the client
                got.append((await client.send(submit(name))).transaction_id)
            return got

    with RawServer(script, ssl_context=server_context) as server:
        assert asyncio.run(go(server.url)) == ["tx-1", "tx-2", "tx-3"]
        assert server.connections == 2  # two on the first, a fresh one for the third
        assert [server.saw(t) for t in ("tx-1", "tx-2", "tx-3")] == [1, 1, 1]


def test_a_deadline_while_sending_is_not_delivered() -> None:
    """The server takes the head and stops reading: the body never goes out whole."""

    def script(conn: socket.socket, server: RawServer) -> None:
        assert server.read_head(conn) is not None
        server.stopping.wait(5)

    with RawServer(script) as server, pytest.raises(TransportError) as info:
        loop_send(server.url, submit("tx-stuck", sync_cases.BIG * 4), timeout=1)
    error = info.value
    assert error.outcome is Outcome.NOT_DELIVERED and error.retryable
    assert "deadline" in str(error) and "sending" in str(error)


def test_a_deadline_before_connecting_names_the_connect_stage() -> None:
    from mm7codec._aclient import _Exchange

    client = AsyncClient("http://127.0.0.1:9/mm7", timeout=2)
    error = client._timed_out(_Exchange(client.limits))
    assert "connecting" in str(error) and error.outcome is Outcome.NOT_DELIVERED


def test_bad_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="absolute"):
        AsyncClient("ftp://example.com/mm7")
    client = AsyncClient("https://[::1]:8443/mm7?x=1", profile="sinch")
    assert client.profile is not None and client.rate_limit is None


def _iter(values: List[int]) -> Iterator[int]:
    yield from values
