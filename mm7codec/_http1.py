"""A whole HTTP/1.x message in bytes: start line, header fields and body.

Sans-I/O and lenient, for ``decode_http`` and the CLI's ``--http``: files and
captures of MM7 exchanges hold whole requests or responses. The body is framed
by ``Transfer-Encoding: chunked`` (decoded here) or ``Content-Length``, else
it is everything after the blank line. Bare-LF line endings are accepted.

Captures often disagree with their own Content-Length (documentation that
elides binary content, CRLFs turned into LFs): a body shorter than announced
is read as present, with a ``content-length-mismatch`` defect; a longer one is
cut at the length with a ``trailing-data-after-body`` defect, and
:attr:`HttpMessage.uncut` keeps the whole so that ``decode_http`` can try it
when the cut body does not decode.
"""

from __future__ import annotations

from ._errors import DecodeError, DefectRecorder, LimitExceededError
from ._headers import header_value
from ._limits import Limits

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from typing import List, Optional, Tuple
else:
    from ._record import record

__all__ = ["HttpMessage", "parse_http"]

_HEXDIGITS = b"0123456789abcdefABCDEF"


@record(frozen=True)
class HttpMessage:
    """The start line and header fields of an HTTP message, and its decoded body.

    For a request ``method`` and ``target`` are set, for a response ``status``
    and ``reason``. ``headers`` keeps every field in order with its case.
    """

    start_line: str
    headers: Tuple[Tuple[str, str], ...]
    body: bytes
    method: Optional[str] = None
    target: Optional[str] = None
    status: Optional[int] = None
    reason: Optional[str] = None
    #: Every byte after the header block, when Content-Length cut the body short.
    uncut: Optional[bytes] = None

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first header field called ``name`` (any case)."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return default

    @property
    def content_type(self) -> Optional[str]:
        return self.get("Content-Type")


def _head_end(raw: bytes) -> Tuple[int, int]:
    """Where the header block ends and the body starts."""
    crlf = raw.find(b"\r\n\r\n")
    lf = raw.find(b"\n\n")
    if crlf < 0 and lf < 0:
        raise DecodeError("HTTP message has no blank line after its headers", offset=len(raw))
    if lf < 0 or (0 <= crlf < lf):
        return crlf, crlf + 4
    return lf, lf + 2


def _dechunk(data: bytes, offset: int) -> bytes:
    pieces: List[bytes] = []
    position = 0
    while True:
        line_end = data.find(b"\n", position)
        if line_end < 0:
            raise DecodeError(
                "chunked body ends inside a chunk size line", offset=offset + position
            )
        size_text = data[position:line_end].split(b";", 1)[0].strip()
        # 1*HEXDIG only: int() would also take "0x1f", "+1f", "-0" or "1_f", which
        # another parser on the path reads differently (request smuggling).
        if not size_text or size_text.strip(_HEXDIGITS):
            raise DecodeError(f"bad chunk size {size_text[:20]!r}", offset=offset + position)
        size = int(size_text, 16)
        start = line_end + 1
        if size == 0:
            return b"".join(pieces)  # trailer fields, if any, are ignored
        end = start + size
        if end > len(data):
            raise DecodeError(f"chunk of {size} bytes is cut short", offset=offset + start)
        pieces.append(data[start:end])
        position = end
        if data.startswith(b"\r\n", position):
            position += 2
        elif data.startswith(b"\n", position):
            position += 1
        else:
            raise DecodeError("chunk not followed by a line ending", offset=offset + position)


def parse_http(
    raw: bytes, *, limits: Optional[Limits] = None, defects: Optional[DefectRecorder] = None
) -> HttpMessage:
    """Split a whole HTTP/1.x request or response into start line, headers and body.

    Raises:
        DecodeError: no header block, a malformed start line or chunked body,
            or a Content-Length that disagrees with the bytes present (4004).
        LimitExceededError: header block or body over the limits.
    """
    limits = limits or Limits()
    recorder = defects if defects is not None else DefectRecorder()
    raw = bytes(raw)
    # Captures sometimes start with stray blank lines before the start line.
    stripped = raw.lstrip(b"\r\n")
    skipped = len(raw) - len(stripped)
    head_end, body_start = _head_end(stripped)
    if head_end > limits.max_header_size:
        raise LimitExceededError(
            f"HTTP header block of {head_end} bytes exceeds max_header_size",
            limit="max_header_size",
            value=limits.max_header_size,
        )
    raw_head = stripped[:head_end]
    if raw_head.endswith(b"\r"):
        raw_head = raw_head[:-1]  # a CRLF line, then a bare LF blank line
    _check_head(raw_head, skipped)
    head = raw_head.decode("latin-1")
    lines = head.replace("\r\n", "\n").split("\n")
    start_line = lines[0].strip()
    headers: List[Tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            # Obsolete line folding (RFC 7230 §3.2.4): join with one space.
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            recorder.record("http-header-folding", name)
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or name != name.strip():
            raise DecodeError(f"malformed HTTP header line {line[:60]!r}")
        headers.append((name, value.strip()))
    message = _start_line(start_line)
    uncut: Optional[bytes] = None
    body = stripped[body_start:]
    offset = skipped + body_start
    transfer = header_value(headers, "Transfer-Encoding")
    length_text = header_value(headers, "Content-Length")
    if transfer is not None and "chunked" in transfer.lower():
        body = _dechunk(body, offset)
    elif length_text is not None:
        digits = length_text.strip()
        if not (digits.isdigit() and digits.isascii()):
            # 1*DIGIT only: int() would also take "+5", "-1" or "1_0" (request smuggling).
            raise DecodeError(f"Content-Length {length_text[:40]!r} is not a number")
        significant = digits.lstrip("0")
        if len(significant) > 18:
            # More than any body could hold; int() would refuse past 4300 digits anyway.
            raise DecodeError(
                f"Content-Length of {len(significant)} digits is longer than the body",
                offset=offset + len(body),
            )
        length = int(significant or "0")
        if len(body) < length:
            recorder.record(
                "content-length-mismatch",
                f"body has {len(body)} bytes, {length - len(body)} fewer than Content-Length "
                f"{length}; framed by the end of the capture",
                offset=offset + len(body),
            )
        elif len(body) > length:
            recorder.record(
                "trailing-data-after-body",
                f"{len(body) - length} bytes after Content-Length {length}; the body is cut there",
                offset=offset + length,
            )
            uncut, body = body, body[:length]
    if len(body) > limits.max_message_size:
        raise LimitExceededError(
            f"HTTP body of {len(body)} bytes exceeds max_message_size",
            limit="max_message_size",
            value=limits.max_message_size,
        )
    return HttpMessage(start_line, tuple(headers), body, *message, uncut)


def _check_head(head: bytes, offset: int) -> None:
    """Refuse NUL and bare CR: RFC 9110 §5.5 (reject, never pass on: smuggling, injection)."""
    at = head.find(b"\0")
    if at >= 0:
        raise DecodeError("NUL in the HTTP header block", offset=offset + at)
    at = head.find(b"\r")
    while at >= 0:
        if head[at + 1 : at + 2] != b"\n":
            raise DecodeError("bare CR in the HTTP header block", offset=offset + at)
        at = head.find(b"\r", at + 2)


def _start_line(
    line: str,
) -> Tuple[Optional[str], Optional[str], Optional[int], Optional[str]]:
    parts = line.split(" ", 2)
    if line.startswith("HTTP/"):
        # ASCII only: str.isdigit() takes '²', which int() refuses.
        if len(parts) < 2 or not (parts[1].isascii() and parts[1].isdigit()) or len(parts[1]) != 3:
            raise DecodeError(f"malformed HTTP status line {line[:60]!r}")
        return None, None, int(parts[1]), parts[2] if len(parts) > 2 else ""
    if (
        len(parts) == 3
        and parts[2].startswith("HTTP/")
        and parts[0].isascii()
        and parts[0].isalpha()
    ):
        return parts[0], parts[1], None, None
    raise DecodeError(f"malformed HTTP start line {line[:60]!r}")
