"""Cross-checks against stdlib ``email``: the parser agrees with it, and it reads the writer."""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
from email.message import Message
from typing import Any, List

from hypothesis import given, settings
from mime_strategies import RawEntity, parse_variants, parts, raw_entities, unfold

from mm7codec._mime import Part, iter_write_body, parse, parse_entity, to_bytes


def stdlib(data: bytes) -> Message:
    return email.parser.BytesParser(policy=email.policy.compat32).parsebytes(data)


def _stdlib_param(msg: Message, name: str) -> Any:
    value = msg.get_param(name)
    if value is None:
        return None
    return email.utils.collapse_rfc2231_value(value)


def assert_same_tree(ours: Part, theirs: Message) -> None:
    assert ours.content_type.mime_type == theirs.get_content_type()
    ours_headers = [(n.lower(), v) for n, v in ours.headers]
    theirs_headers = [(n.lower(), unfold(str(v))) for n, v in theirs.items()]
    assert ours_headers == theirs_headers
    for name in ours.content_type.params:
        assert ours.content_type.params[name] == _stdlib_param(theirs, name), name
    if theirs.is_multipart():
        assert ours.is_multipart
        children: List[Message] = theirs.get_payload()  # type: ignore[assignment]
        assert len(ours.parts) == len(children)
        for mine, other in zip(ours.parts, children):
            assert_same_tree(mine, other)
    else:
        assert not ours.is_multipart
        assert ours.data == (theirs.get_payload(decode=True) or b"")


@given(raw_entities())
def test_parser_matches_stdlib(entity: RawEntity) -> None:
    root, _defects = parse_variants(entity.data)
    assert_same_tree(root, stdlib(entity.data))


@given(raw_entities(eol=b"\r\n"))
@settings(max_examples=50)
def test_body_with_content_type_from_http(entity: RawEntity) -> None:
    # MM7: the top-level headers arrive as HTTP headers, the parser gets the body only.
    head, _, body = entity.data.partition(b"\r\n\r\n")
    ctype = next(
        (unfold(v) for n, v in stdlib(head + b"\r\n\r\n").items() if n.lower() == "content-type"),
        "text/plain",
    )
    cte = stdlib(head + b"\r\n\r\n").get("Content-Transfer-Encoding")
    root, _ = parse_variants(body, ctype, transfer_encoding=cte)
    whole = parse_entity(entity.data)
    assert root.parts == whole.parts
    assert root.data == whole.data


@given(parts())
def test_writer_output_read_by_stdlib(part: Part) -> None:
    data = to_bytes(part)
    assert_same_tree(parse_entity(data), stdlib(data))
    theirs = stdlib(data)
    for mine, other in zip(part.walk(), theirs.walk()):
        assert mine.content_type.mime_type == other.get_content_type()
        if not mine.is_multipart:
            assert mine.data == (other.get_payload(decode=True) or b"")


@given(parts())
def test_round_trip(part: Part) -> None:
    assert parse_entity(to_bytes(part)) == part
    # Body only: the root's other headers would travel as HTTP headers.
    ctype, chunks = iter_write_body(part)
    body_only = parse(b"".join(chunks), ctype)
    assert body_only.parts == part.parts
    assert body_only.data == part.data
    assert body_only.content_type.replace(boundary=None) == part.content_type.replace(boundary=None)
