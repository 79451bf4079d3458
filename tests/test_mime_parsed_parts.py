"""Parts built by the parser (Part._parsed fills a shell, then makes it a Part)."""

from __future__ import annotations

import pytest

from mm7codec._mime_parse import parse
from mm7codec._part import Part, _BytesBody

CT = 'multipart/related; boundary="B"'
BODY = (
    b"preamble\r\n--B\r\nContent-Type: text/plain\r\nContent-ID: <a>\r\n\r\nhello\r\n"
    b"--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
    b"\r\nAAEC\r\n--B--\r\nepilogue"
)


def test_parsed_parts_are_exactly_parts_and_immutable() -> None:
    root = parse(BODY, CT)
    for part in root.walk():
        assert type(part) is Part
        with pytest.raises(AttributeError):
            part.preamble = b"x"  # type: ignore[misc]
    assert root.preamble == b"preamble"
    assert root.epilogue == b"epilogue"
    text, data = root.parts
    assert (text.data, text.content_id, text.preamble, text.epilogue) == (b"hello", "a", None, None)
    assert data.data == b"\x00\x01\x02"
    assert data.parts == ()


def test_parsed_parts_compare_equal_to_built_ones() -> None:
    root = parse(BODY, CT)
    built = Part([("Content-Type", "text/plain"), ("Content-ID", "<a>")], body=_BytesBody(b"hello"))
    assert root.parts[0] == built
