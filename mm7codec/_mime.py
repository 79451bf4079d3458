"""The MIME layer's public names in one place: the parser (``_mime_parse``), the writer
(``_mime_write``) and the parts they share (``_part``)."""

from __future__ import annotations

from ._headers import ContentType
from ._mime_parse import MimeParser, parse, parse_entity
from ._mime_write import MimeWriter, iter_write, iter_write_body, to_bytes
from ._part import Part, PartInfo, SinkFactory

__all__ = [
    "ContentType",
    "MimeParser",
    "MimeWriter",
    "Part",
    "PartInfo",
    "SinkFactory",
    "iter_write",
    "iter_write_body",
    "parse",
    "parse_entity",
    "to_bytes",
]
