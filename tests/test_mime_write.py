"""The writer's plan: the announced length is the written length, known without reading.

``EncodedMessage.content_length`` comes from ``MimeWriter``'s plan (each leaf's encoded
size from its decoded size through the transfer-encoding registry, a file's from
``stat``), so sending a message reads and base64-encodes each content byte once.
"""

from __future__ import annotations

import os
import pathlib
from typing import Any, Dict, List

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mime_strategies import parts

import mm7codec._part
import mm7codec._transfer
from mm7codec import (
    Address,
    EncodeError,
    Message,
    Part,
    Recipients,
    SenderIdentification,
    SubmitReq,
    encode,
)
from mm7codec._mime import MimeWriter, parse_entity
from mm7codec._transfer import BASE64, IDENTITY, lookup


def _message(content: Part) -> Message:
    req = SubmitReq(
        sender_identification=SenderIdentification(vasp_id="v", vas_id="s"),
        recipients=Recipients(to=[Address.number("15551234567")]),
    )
    return Message(req, transaction_id="tx", content=content)


class _Counters:
    """Bytes read from files and bytes given to ``b2a_base64``, counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read = 0
        self.encoded = 0
        real_chunks = mm7codec._part._PathBody.iter_chunks
        real_read = mm7codec._part._PathBody.read
        real_b2a = mm7codec._transfer._B2A

        def iter_chunks(body: Any, size: int = 1 << 16) -> Any:
            for chunk in real_chunks(body, size):
                self.read += len(chunk)
                yield chunk

        def read(body: Any) -> bytes:
            data = real_read(body)
            self.read += len(data)
            return data

        def b2a(data: Any, *, newline: bool = True) -> bytes:
            self.encoded += len(data)
            return real_b2a(data, newline=newline)

        monkeypatch.setattr(mm7codec._part._PathBody, "iter_chunks", iter_chunks)
        monkeypatch.setattr(mm7codec._part._PathBody, "read", read)
        monkeypatch.setattr(mm7codec._transfer, "_B2A", b2a)


def test_send_path_reads_and_encodes_each_content_byte_once(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picture = os.urandom(300_001)
    path = tmp_path / "cat.jpg"
    path.write_bytes(picture)
    content = Part.multipart(
        "mixed", [Part.text("Hello"), Part.file(path, content_type="image/jpeg")]
    )
    counters = _Counters(monkeypatch)
    encoded = encode(_message(content))
    length = encoded.content_length  # what Client.send announces first
    assert (counters.read, counters.encoded) == (0, 0)
    sent = b"".join(encoded.iter_body())  # then streams
    assert len(sent) == length
    assert counters.read == len(picture)
    assert counters.encoded == len(picture)
    decoded = parse_entity(f"Content-Type: {encoded.content_type}\r\n\r\n".encode() + sent).parts[1]
    assert decoded.parts[1].data == picture


@pytest.mark.parametrize("size", [0, 1, 2, 3, 56, 57, 58, 114, 57 * 1150, 57 * 1150 + 1, 200_000])
def test_base64_encoded_size_matches_the_writer(size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    body = mm7codec._part._BytesBody(data[:size])
    assert BASE64.encoded_size(size) == len(b"".join(BASE64.encode(body)))


def test_registry_names() -> None:
    assert lookup(None) is IDENTITY and lookup("") is IDENTITY
    assert lookup(" Base64 ") is BASE64
    assert lookup("x-uuencode") is None
    qp = lookup("quoted-printable")
    assert qp is not None and qp.encoded_size(10) is None and qp.decode_whole(b"a") is None
    assert repr(BASE64) == "<Transfer base64>"


@given(parts(), st.booleans())
def test_planned_length_is_the_written_length(part: Part, headers: bool) -> None:
    writer = MimeWriter(part, include_headers=headers)
    assert writer.content_length == len(writer.to_bytes())
    assert writer.content_length == sum(map(len, writer.iter_chunks()))


def test_planned_length_with_preamble_epilogue_and_unknown_encoding() -> None:
    leaf = Part.bytes(b"=?abc", "application/x-thing", transfer_encoding="x-uuencode")
    qp = Part.bytes(b"caf\xe9 = ok\r\n", "text/plain", transfer_encoding="quoted-printable")
    root = Part(
        [("Content-Type", "multipart/mixed")],
        parts=[leaf, qp, Part.multipart("related", [])],
        preamble=b"pre",
        epilogue=b"epi",
    )
    for headers in (True, False):
        writer = MimeWriter(root, include_headers=headers)
        out = writer.to_bytes()
        assert writer.content_length == len(out)
        assert b"Content-Transfer-Encoding: x-uuencode" in out


def test_a_file_that_changes_after_planning_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 1000)
    for cte in (None, "binary"):
        encoded = encode(
            _message(Part.file(path, "application/octet-stream", transfer_encoding=cte))
        )
        announced = encoded.content_length
        path.write_bytes(b"x" * 1010)
        with pytest.raises(EncodeError, match="changed while being written"):
            b"".join(encoded.iter_body())
        path.write_bytes(b"x" * 1000)
        assert len(b"".join(encoded.iter_body())) == announced


def test_writer_refuses_what_is_not_a_part() -> None:
    with pytest.raises(EncodeError, match="expected a Part"):
        MimeWriter("not a part")  # type: ignore[arg-type]


def test_bare_envelope_length() -> None:
    req = _message(Part.text("x")).replace(content=None)
    encoded = encode(req)
    assert encoded.content_length == len(encoded.body) == len(encoded.envelope)
    chunks: List[bytes] = list(encoded.iter_body())
    counts: Dict[str, int] = {"chunks": len(chunks)}
    assert counts == {"chunks": 1}
