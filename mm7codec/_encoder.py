"""``encode``: a ``Message`` in, an MM7 HTTP body and its headers out.

A message without content is a bare SOAP envelope, ``text/xml;
charset="utf-8"``. With content it is SOAP with attachments (mm7-spec.md
§4.3): ``multipart/related; type="text/xml"; start="<soap id>"`` with the
envelope first and the content part second, its Content-ID the one the
PDU's ``Content href`` names (``Message`` guarantees that pairing). Bodies
are produced lazily: ``iter_body`` streams file-backed parts without loading
them, ``body`` joins the same bytes once.
"""

from __future__ import annotations

from ._mime import _coalesce, _final_ct, _header_block, _plan_for, _top
from ._part import Part
from ._xml import encode_envelope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, List, Optional, Tuple, Union

    from ._message import Message
    from ._mime import _Plan
    from ._versions import SchemaVersion

__all__ = ["EncodedMessage", "encode", "iter_encode"]

XML_CONTENT_TYPE = 'text/xml; charset="utf-8"'
#: Content-ID of the SOAP part; the content tree never uses it (checked).
SOAP_CONTENT_ID = "mm7-soap-envelope"
_MAX_LINE = 998  # RFC 5322 line limit for 7bit/8bit parts


class EncodedMessage:
    """An encoded MM7 message: HTTP headers to send and the body, built on demand.

    ``headers`` holds ``Content-Type`` and ``SOAPAction: ""`` (add
    Content-Length from :attr:`content_length`). ``body`` is the whole body;
    :meth:`iter_body` yields the same bytes in chunks without holding them.
    """

    __slots__ = (
        "_body",
        "_length",
        "_plan",
        "_root",
        "content_type",
        "envelope",
        "headers",
        "message",
    )

    def __init__(self, message: Message, envelope: bytes, root: Optional[Part]) -> None:
        self.message = message
        self.envelope = envelope
        self._root = root
        self._body: Optional[bytes] = None
        self._length: Optional[int] = None
        self._plan: Optional[_Plan] = None
        if root is None:
            self.content_type = XML_CONTENT_TYPE
            self._body = envelope
        else:
            # One plan (boundaries, transfer encodings) for every pass over the body,
            # so the header, iter_body(), body and content_length all agree.
            self._plan = _plan_for(root)
            _header_block(root, self._plan)  # validates headers before any output
            self.content_type = str(_final_ct(root, self._plan))
        self.headers: List[Tuple[str, str]] = [
            ("Content-Type", self.content_type),
            ("SOAPAction", '""'),
        ]

    @property
    def body(self) -> bytes:
        """The whole body as one ``bytes`` (for file-backed parts this reads them)."""
        if self._body is None:
            assert self._root is not None and self._plan is not None
            # The writer's pieces joined once: coalescing them first would copy twice.
            self._body = b"".join(_top(self._root, self._plan, False))
            self._length = len(self._body)
        return self._body

    def iter_body(self) -> Iterator[bytes]:
        """The body in chunks of about 64 KiB; file-backed parts are streamed."""
        if self._body is not None:
            yield self._body
            return
        assert self._root is not None and self._plan is not None
        yield from _coalesce(_top(self._root, self._plan, False))

    @property
    def content_length(self) -> int:
        """The body's length in bytes, counted without keeping the body."""
        if self._length is None:
            if self._body is not None:
                self._length = len(self._body)
            else:
                self._length = sum(len(chunk) for chunk in self.iter_body())
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_body()

    def __repr__(self) -> str:
        return f"<EncodedMessage {self.message.pdu.WIRE_NAME} {self.content_type.split(';')[0]}>"


def encode(
    message: Message,
    *,
    version: Union[SchemaVersion, str, None] = None,
    mm7_version: Optional[str] = None,
    validate: bool = True,
) -> EncodedMessage:
    """Encode ``message`` for the wire, in its own schema version or in ``version``.

    ``mm7_version`` overrides the MM7Version written (default: the message's,
    or the new schema's own when ``version`` changes it). With ``validate``
    (the default) every value is checked against the version's schema types.

    Raises:
        EncodeError: a field the version does not have, a missing mandatory
            element, an invalid value, or an invalid header.
    """
    if version is not None:
        message = message.replace(version=version)
    if mm7_version is not None:
        message = message.replace(mm7_version=mm7_version)
    envelope = encode_envelope(message, validate=validate)
    content = message.content
    if content is None:
        return EncodedMessage(message, envelope, None)
    soap_id = _soap_content_id(content)
    soap = Part.bytes(
        envelope,
        XML_CONTENT_TYPE,
        content_id=soap_id,
        # Raw text, never base64 (the envelope has bare LFs, which would make the
        # MIME writer pick base64): 8bit when it is CRLF text with short lines.
        transfer_encoding="8bit" if _short_crlf_lines(envelope) else "binary",
    )
    root = Part.multipart(
        "related",
        [soap, content],
        # No boundary given: the writer draws one the content does not hold
        # (a boundary given is the caller's choice, refused on a collision).
        params={"type": "text/xml", "start": f"<{soap_id}>"},
    )
    return EncodedMessage(message, envelope, root)


def iter_encode(
    message: Message,
    *,
    version: Union[SchemaVersion, str, None] = None,
    mm7_version: Optional[str] = None,
    validate: bool = True,
) -> Iterator[bytes]:
    """The body of ``encode(message, ...)`` in chunks (headers: use :func:`encode`)."""
    return encode(message, version=version, mm7_version=mm7_version, validate=validate).iter_body()


def _soap_content_id(content: Part) -> str:
    used = {p.content_id for p in content.walk()}
    candidate, n = SOAP_CONTENT_ID, 1
    while candidate in used:
        n += 1
        candidate = f"{SOAP_CONTENT_ID}-{n}"
    return candidate


def _short_crlf_lines(data: bytes) -> bool:
    crlf = data.count(b"\r\n")
    if data.count(b"\r") != crlf or data.count(b"\n") != crlf:
        return False
    return _short_lines(data)


def _short_lines(data: bytes) -> bool:
    start = 0
    while True:
        end = data.find(b"\n", start)
        if end < 0:
            return len(data) - start <= _MAX_LINE
        if end - start > _MAX_LINE + 1:
            return False
        start = end + 1
