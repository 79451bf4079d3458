"""The Content-ID a part reports: read once, the same however the part was made."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import List

import pytest

import mm7codec
from mm7codec._headers import normalize_content_id
from mm7codec._limits import Limits
from mm7codec._mime import Part, parse
from mm7codec._part import _FileObjBody

BODY = (
    b"--b\r\n"
    b"Content-Type: text/plain\r\nContent-ID:  < a@x >\r\n\r\nhello\r\n"
    b"--b\r\n"
    b"Content-Type: text/plain\r\n\r\nno id\r\n"
    b"--b\r\n"
    b"Content-Type: multipart/mixed; boundary=c\r\nContent-ID: inner\r\n\r\n"
    b"--c\r\nContent-Type: text/plain\r\ncontent-id: <deep>\r\n\r\nx\r\n--c--\r\n"
    b"--b--\r\n"
)


def _parsed() -> Part:
    return parse(BODY, 'multipart/related; boundary="b"')


def test_parsed_parts_report_the_normalised_header() -> None:
    root = _parsed()
    for part in root.walk():
        assert part.content_id == normalize_content_id(part.header("Content-ID"))
    assert [p.content_id for p in root.walk()] == [None, "a@x", None, "inner", "deep"]


def test_the_same_block_in_two_messages_gives_each_its_own_answer() -> None:
    # Header blocks are cached by their bytes; the Content-ID must follow the block.
    first = _parsed()
    second = parse(BODY.replace(b"< a@x >", b"<other>"), 'multipart/related; boundary="b"')
    assert first.parts[0].content_id == "a@x"
    assert second.parts[0].content_id == "other"
    assert second.parts[2].parts[0].content_id == "deep"


def test_content_id_survives_pickling_and_copies() -> None:
    root = _parsed()
    before = [p.content_id for p in root.walk()]
    again = pickle.loads(pickle.dumps(root))
    assert [p.content_id for p in again.walk()] == before
    unread = pickle.loads(pickle.dumps(_parsed()))  # pickled before anything was read
    assert [p.content_id for p in unread.walk()] == before
    renamed = root.parts[0].with_content_id("new@x")
    assert renamed.content_id == "new@x"
    assert root.parts[0].content_id == "a@x"


def test_a_decoded_message_pickles_with_its_content(tmp_path: Path) -> None:
    # Job queues pickle what a receiver hands them: spooled bodies travel as bytes.
    with open("examples/deliver-mo-picture.http", "rb") as f:
        raw = f.read()
    for limits in (Limits(), Limits(spool_threshold=16)):
        message = mm7codec.decode_http(raw, limits=limits)
        again = pickle.loads(pickle.dumps(message))
        assert again == message
        assert again.content is not None and message.content is not None
        assert [p.data for p in again.content.walk()] == [p.data for p in message.content.walk()]
        assert again.content.content_type == message.content.content_type
    path = tmp_path / "pic.bin"
    path.write_bytes(b"first")
    named = pickle.loads(pickle.dumps(Part.file(str(path), "image/png")))
    path.write_bytes(b"second")  # a named file is read when sent, before and after pickling
    assert named.data == b"second"
    fixed = Part.multipart("mixed", [Part.text("x")], boundary="fixed-b")
    assert pickle.loads(pickle.dumps(fixed))._fixed_boundary


def test_copies_of_a_decoded_message_share_its_parts_unread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Parts are immutable: copy and deepcopy give the part itself, as for a tuple, and
    # never read a body spooled to a file (copying through __reduce__ read it all).
    with open("examples/deliver-mo-picture.http", "rb") as f:
        message = mm7codec.decode_http(f.read(), limits=Limits(spool_threshold=16))
    assert message.content is not None
    spooled = [p for p in message.content.walk() if isinstance(p._body, _FileObjBody)]
    assert spooled
    reads: List[str] = []
    monkeypatch.setattr(_FileObjBody, "read", lambda self: reads.append("read") or b"")
    deep = copy.deepcopy(message)
    assert deep.content is message.content
    assert copy.copy(spooled[0]) is spooled[0]
    assert copy.deepcopy([spooled[0]])[0] is spooled[0]
    assert reads == []


def test_built_parts_read_their_header() -> None:
    part = Part.text("hi", content_id="<built>")
    assert part.content_id == "built"
    assert Part.text("hi").content_id is None


def test_decoded_content_is_the_part_its_href_names() -> None:
    with open("examples/deliver-mo-picture.http", "rb") as f:
        message = mm7codec.decode_http(f.read())
    href = message.pdu.content.href  # type: ignore[attr-defined]
    assert message.content is not None
    assert message.content.content_id == href[len("cid:") :]
