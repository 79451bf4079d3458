"""``encode``: a ``Message`` in, an MM7 HTTP body and its headers out.

A message without content is a bare SOAP envelope, ``text/xml;
charset="utf-8"``. With content it is SOAP with attachments (mm7-spec.md
§4.3): ``multipart/related; type="text/xml"; start="<soap id>"`` with the
envelope first and the content part second, its Content-ID the one the
PDU's ``Content href`` names (``Message`` guarantees that pairing), or, for a
profile with ``MediaLayout.SIBLINGS``, the content's members as siblings of
the envelope, the href naming the root one. Bodies
are produced lazily: ``iter_body`` streams file-backed parts without loading
them, ``body`` joins the same bytes once.
"""

from __future__ import annotations

from ._errors import EncodeError
from ._headers import normalize_content_id
from ._mime_write import MimeWriter
from ._part import Part
from ._transfer import fits_8bit
from ._xml import encode_envelope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, List, Optional, Tuple, Union

    from ._message import Message
    from ._versions import SchemaVersion
    from .profiles import Profile

__all__ = ["EncodedMessage", "encode", "iter_encode"]

XML_CONTENT_TYPE = 'text/xml; charset="utf-8"'
#: Content-ID of the SOAP part; the content tree never uses it (checked).
SOAP_CONTENT_ID = "mm7-soap-envelope"


class EncodedMessage:
    """An encoded MM7 message: HTTP headers to send and the body, built on demand.

    ``headers`` holds ``Content-Type`` and ``SOAPAction: ""`` (add
    Content-Length from :attr:`content_length`). ``body`` is the whole body;
    :meth:`iter_body` yields the same bytes in chunks without holding them.
    """

    __slots__ = ("_body", "_writer", "content_type", "envelope", "headers", "message")

    def __init__(self, message: Message, envelope: bytes, root: Optional[Part]) -> None:
        self.message = message
        self.envelope = envelope
        self._body: Optional[bytes] = None
        # One plan (boundaries, transfer encodings, lengths) for every pass over
        # the body, so the header, iter_body(), body and content_length agree.
        self._writer: Optional[MimeWriter] = None
        if root is None:
            self.content_type = XML_CONTENT_TYPE
            self._body = envelope
        else:
            self._writer = MimeWriter(root, include_headers=False)
            self.content_type = self._writer.content_type
        self.headers: List[Tuple[str, str]] = [
            ("Content-Type", self.content_type),
            ("SOAPAction", '""'),
        ]

    @property
    def body(self) -> bytes:
        """The whole body as one ``bytes`` (for file-backed parts this reads them)."""
        if self._body is None:
            assert self._writer is not None
            self._body = self._writer.to_bytes()
        return self._body

    def iter_body(self) -> Iterator[bytes]:
        """The body in chunks of about 64 KiB; file-backed parts are streamed."""
        if self._body is not None:
            yield self._body
            return
        assert self._writer is not None
        yield from self._writer.iter_chunks()

    @property
    def content_length(self) -> int:
        """The body's length in bytes, from the writer's plan: no content is read or encoded.

        A file-backed part's size is its ``stat`` size; a file that changes before
        it is written makes :meth:`iter_body` raise ``EncodeError`` rather than
        send a body of another length.
        """
        if self._body is not None:
            return len(self._body)
        assert self._writer is not None
        return self._writer.content_length

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
    profile: Union[Profile, str, None] = None,
) -> EncodedMessage:
    """Encode ``message`` for the wire, in its own schema version or in ``version``.

    ``mm7_version`` overrides the MM7Version written (default: the message's,
    or the new schema's own when ``version`` changes it). With ``validate``
    (the default) every value is checked against the version's schema types.

    ``profile`` (a :class:`mm7codec.profiles.Profile` or its name) writes for
    one gateway: its ``prepare()`` first (schema and MM7Version pairing,
    number rule, refused fields), then ``version``/``mm7_version`` when given
    (explicit arguments win). A request gets the profile's SOAPAction, any
    other PDU (an answer) its response headers (no SOAPAction, its
    Content-Type on a bare envelope). ``soap_transfer_encoding="binary"``
    labels the SOAP part binary. ``media_layout=MediaLayout.SIBLINGS``
    (Telnyx) writes the content's members beside the SOAP part instead of the
    content as one part (TS 23.140 §8.4), the href naming the root member (the
    SMIL presentation when there is one, else the first); ``decode`` reads
    that back as one multipart/related content.

    Raises:
        EncodeError: a field the version does not have, a missing mandatory
            element, an invalid value, or an invalid header; under a
            profile, a number or field the peer refuses (InvalidNumberError
            for numbers).
        ValueError: ``profile`` names no known profile.
    """
    chosen: Optional[Profile] = None
    if profile is not None:
        from .profiles import get_profile  # here: a plain encode never needs it

        chosen = get_profile(profile)
        message = chosen.prepare(message)
    if version is not None:
        message = message.replace(version=version)
    if mm7_version is not None:
        message = message.replace(mm7_version=mm7_version)
    return _encode(message, chosen, validate)


def encode_echoing(message: Message) -> EncodedMessage:
    """``encode(message)`` with the TransactionID written as it is, unchecked against
    its schema type (everything else validated): a receiver's answer echoes the
    peer's correlator even where REL-5-MM7-1-0/1-1 (xs:NMTOKEN) would refuse it."""
    return _encode(message, None, True, echo_transaction_id=True)


def _encode(
    message: Message,
    chosen: Optional[Profile],
    validate: bool,
    echo_transaction_id: bool = False,
) -> EncodedMessage:
    """The message (already prepared for ``chosen``) written: envelope, parts, headers."""
    prefix = "env" if chosen is None else chosen.soap_prefix
    content = message.content
    members = [] if content is None else [content]
    if content is not None and chosen is not None:
        from .profiles import MediaLayout  # loaded already: chosen is a Profile

        if chosen.media_layout is MediaLayout.SIBLINGS:
            message, members = _as_siblings(message, content)
    envelope = encode_envelope(
        message, validate=validate, soap_prefix=prefix, echo_transaction_id=echo_transaction_id
    )
    if content is None:
        return _with_profile(EncodedMessage(message, envelope, None), chosen)
    soap_id = _soap_content_id(members)
    binary = chosen is not None and chosen.soap_transfer_encoding == "binary"
    soap = Part.bytes(
        envelope,
        XML_CONTENT_TYPE,
        content_id=soap_id,
        # Raw text, never base64 (the envelope has bare LFs, which would make the
        # MIME writer pick base64): 8bit when it is CRLF text with short lines.
        transfer_encoding="8bit" if not binary and fits_8bit(envelope) else "binary",
    )
    root = Part.multipart(
        "related",
        [soap, *members],
        # No boundary given: the writer draws one the content does not hold
        # (a boundary given is the caller's choice, refused on a collision).
        params={"type": "text/xml", "start": f"<{soap_id}>"},
    )
    return _with_profile(EncodedMessage(message, envelope, root), chosen)


def _with_profile(encoded: EncodedMessage, profile: Optional[Profile]) -> EncodedMessage:
    if profile is not None:
        from ._pdu import Request

        if isinstance(encoded.message.pdu, Request):
            encoded.headers = profile.request_headers(encoded.headers)
        else:
            encoded.headers = profile.response_headers(encoded.headers)
    return encoded


def iter_encode(
    message: Message,
    *,
    version: Union[SchemaVersion, str, None] = None,
    mm7_version: Optional[str] = None,
    validate: bool = True,
    profile: Union[Profile, str, None] = None,
) -> Iterator[bytes]:
    """The body of ``encode(message, ...)`` in chunks (headers: use :func:`encode`)."""
    return encode(
        message, version=version, mm7_version=mm7_version, validate=validate, profile=profile
    ).iter_body()


def _as_siblings(message: Message, content: Part) -> Tuple[Message, List[Part]]:
    """``MediaLayout.SIBLINGS``: the parts to write beside the SOAP part, and the
    message with its href naming the root among them.

    A multipart content gives its top-level members (nested multiparts stay
    whole, so no byte or structure is lost), a leaf itself. The root, which the
    href names and which is written first, is the member the href already
    names (a decoded message's), else the one the content's ``start`` names,
    else its SMIL presentation, else its first member; it gets a Content-ID
    when it has none. The content's own headers (its Content-ID) have no place
    on the wire. The decoder reads such a body back as a multipart/related
    rooted at that part, the members in the order written.

    Raises:
        EncodeError: a multipart content without members (nothing for the href).
    """
    from ._message import DEFAULT_CONTENT_ID, Message
    from ._pdu import ContentRef
    from ._record import make, replace

    if not content.is_multipart:
        return message, [content]
    members = list(content.parts)
    if not members:
        raise EncodeError("a multipart content without parts cannot be written as siblings")
    pdu = message.pdu
    old = pdu.content  # type: ignore[attr-defined]  # paired: a ContentRef by now
    href = str(old.href).strip()
    start = content.content_type.params.get("start")
    index = None
    for wanted in (
        href[4:].strip() if href[:4].lower() == "cid:" else None,  # a decoded message's root
        normalize_content_id(start) if start else None,
    ):
        if index is None and wanted:
            index = next((i for i, p in enumerate(members) if p.content_id == wanted), None)
    if index is None:
        smil = "application/smil"
        index = next((i for i, p in enumerate(members) if p.content_type.mime_type == smil), 0)
    root = members[index]
    root_id = root.content_id
    if root_id is None:
        used = {p.content_id for p in content.walk()}
        root_id, n = DEFAULT_CONTENT_ID, 1
        while root_id in used:
            n += 1
            root_id = f"{DEFAULT_CONTENT_ID}-{n}"
        members[index] = root.with_content_id(root_id)
        # The message keeps naming what is written: its content holds the same root.
        content = Part(
            content.headers,
            parts=members,
            content_type=content.content_type,
            preamble=content.preamble,
            epilogue=content.epilogue,
        )
    reference = ContentRef(f"cid:{root_id}", old.allow_adaptations)
    pdu = replace(pdu, content=reference)
    # The root written first, as the decoder puts it first when it reads siblings back.
    members.insert(0, members.pop(index))
    return make(Message, {**message.__dict__, "pdu": pdu, "content": content}), members


def _soap_content_id(members: List[Part]) -> str:
    used = {p.content_id for member in members for p in member.walk()}
    candidate, n = SOAP_CONTENT_ID, 1
    while candidate in used:
        n += 1
        candidate = f"{SOAP_CONTENT_ID}-{n}"
    return candidate
