"""Large bodies go out of mm7codec.http in chunks, never as one bytes object.

Two checks on a 5 MiB file attachment: ``EncodedMessage.body`` (the whole
body joined) is never touched by ``send``, and tracemalloc's peak during the
send stays far below the body size. The receiving end is a counting sink, so
its own memory does not blur the measurement; a second test pushes the same
file through the gateway simulator's full decoder and compares the bytes.
"""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path
from typing import Iterable, List

import pytest

import mm7codec as mm7
from mm7codec.http import send
from mm7codec.testing import GatewaySimulator, ServerThread

SIZE = 5 << 20
CHUNK = 1 << 16
AUTH = ("user", "pass")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "clip.3gp"
    block = hashlib.sha256(b"mm7").digest() * (CHUNK // 32)
    with path.open("wb") as out:
        for n in range(SIZE // CHUNK):
            out.write(bytes([n % 251]) + block[1:])  # every chunk differs
    assert path.stat().st_size == SIZE
    return path


def big_submit(path: Path, transaction_id: str) -> mm7.Message:
    req = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(vasp_id="API_KEY", vas_id="12345mms"),
        recipients=mm7.Recipients(to=[mm7.Address.number("15553199144")]),
        subject="A clip",
    )
    content = mm7.Part.multipart(
        "mixed", [mm7.Part.text("clip"), mm7.Part.file(path, "video/3gpp")]
    )
    return mm7.Message(req, transaction_id, content=content)


class CountingSink:
    """A WSGI app that reads the body in 64 KiB pieces, counts it and answers 1000."""

    def __init__(self, reply: mm7.Message) -> None:
        self.reply = mm7.encode(reply).body
        self.counts: List[tuple[int, int]] = []

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:  # type: ignore[type-arg,no-untyped-def]
        declared = int(environ["CONTENT_LENGTH"])
        received = 0
        while True:
            piece = environ["wsgi.input"].read(min(CHUNK, declared - received))
            if not piece:
                break
            received += len(piece)
        self.counts.append((declared, received))
        start_response(
            "200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(self.reply)))]
        )
        return [self.reply]


def test_send_streams_a_large_file_without_building_the_body(
    big_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = big_submit(big_file, "tx-big")
    sink = CountingSink(message.response(1000, message_id="big-1"))

    def no_whole_body(self: mm7.EncodedMessage) -> bytes:
        raise AssertionError("send() built the whole body")

    monkeypatch.setattr(mm7.EncodedMessage, "body", property(no_whole_body))
    with ServerThread(sink) as server:
        tracemalloc.start()
        try:
            reply = send(server.url, message, timeout=30)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert reply.raise_for_status().transaction_id == "tx-big"
    [(declared, received)] = sink.counts
    assert declared == received > SIZE  # Content-Length was right, all of it arrived
    assert peak < SIZE // 4, f"peak {peak} bytes while sending {SIZE}"


def test_large_file_arrives_intact_at_the_simulator(big_file: Path) -> None:
    message = big_submit(big_file, "tx-big-2")
    with GatewaySimulator(auth=AUTH) as sim:
        reply = send(sim.url, message, auth=AUTH, timeout=30)
        assert reply.raise_for_status().transaction_id == "tx-big-2"
        [seen] = sim.received
    assert seen.content is not None
    [clip] = [p for p in seen.content.walk() if p.content_type.mime_type == "video/3gpp"]
    assert clip.size == SIZE
    digest = hashlib.sha256()
    for piece in clip.iter_data():
        digest.update(piece)
    assert digest.digest() == hashlib.sha256(big_file.read_bytes()).digest()
