"""A decoded message that does not fit its schema can be forwarded by a client built with
``validate=False``, as it was received; by default it is refused before any byte is sent."""

from __future__ import annotations

import asyncio
import dataclasses
import socket

import pytest
from faulty_servers import RawServer, response_bytes

import mm7codec as mm7
from mm7codec.http import AsyncClient, Client

EXTRA = b"<VendorRouting>lane-7</VendorRouting>"


def _decoded_with_an_unknown_element() -> mm7.Message:
    with open("examples/deliver-mo-picture.http", "rb") as f:
        raw = f.read().replace(b"</mm7:DeliverReq>", EXTRA + b"</mm7:DeliverReq>")
    decoded = mm7.decode_http(raw)
    assert [e.name for e in decoded.pdu.extensions] != []
    return dataclasses.replace(decoded, transaction_id="fwd-7")


def _answering(conn: socket.socket, server: RawServer) -> None:
    request = server.read_request(conn)
    if request is not None:
        received = mm7.decode(request.body, request.header("Content-Type"))
        encoded = mm7.encode(received.response(1000))
        conn.sendall(response_bytes(200, encoded.body, content_type=encoded.content_type))


def test_a_client_refuses_it_by_default_and_sends_nothing() -> None:
    forwarded = _decoded_with_an_unknown_element()
    with RawServer(_answering) as server:
        client = Client(server.url, timeout=10)
        with client, pytest.raises(mm7.EncodeError):
            client.send(forwarded)
    assert server.heads == 0


def test_validate_false_forwards_it_as_received() -> None:
    forwarded = _decoded_with_an_unknown_element()
    with RawServer(_answering) as server:
        with Client(server.url, timeout=10, validate=False) as client:
            reply = client.send(forwarded).raise_for_status()
        assert reply.transaction_id == "fwd-7"
        assert server.saw("fwd-7") == 1
        body = server.requests[0].body
    assert b">lane-7</VendorRouting>" in body
    # The content went along whole.
    again = mm7.decode(body, server.requests[0].header("Content-Type"))
    assert again.content == forwarded.content
    assert again.pdu.extensions == forwarded.pdu.extensions


def test_the_async_client_takes_the_same_argument() -> None:
    forwarded = _decoded_with_an_unknown_element()

    async def go(url: str, validate: bool) -> mm7.Message:
        async with AsyncClient(url, timeout=10, validate=validate) as client:
            return await client.send(forwarded)

    with RawServer(_answering) as server:
        with pytest.raises(mm7.EncodeError):
            asyncio.run(go(server.url, True))
        assert server.heads == 0
        assert asyncio.run(go(server.url, False)).raise_for_status().transaction_id == "fwd-7"
        assert b">lane-7</VendorRouting>" in server.requests[0].body
