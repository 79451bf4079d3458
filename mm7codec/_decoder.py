"""``Decoder``: an MM7 HTTP body in, a ``Message`` out; ``decode`` is feed-all-then-close.

Theory of operation. The Content-Type label decides how to read the body,
unless the body contradicts it (mm7-spec.md §4.4, §5 item 10): the first
bytes that are not whitespace are sniffed, so a bare envelope labelled
multipart/related (Sinch's DR example) or a multipart body labelled text/xml
is read as what it is, with a defect. A bare envelope is collected (bounded
by ``max_envelope_size``) and handed to the XML layer at ``close``. A
multipart body streams through the MIME push parser, whose sinks keep big
attachments out of memory; at ``close`` the SOAP part is found (by ``start``,
then by ``type``, then first part) and the content is the part that the
PDU's ``Content href`` names (§5 item 9 leniency: missing ``cid:``, stray
spaces, no brackets, Content-Location references, and a fallback to the
first non-SOAP part when nothing matches).
"""

from __future__ import annotations

from ._errors import DecodeError, DefectRecorder, LimitExceededError
from ._headers import ContentType, normalize_content_id, parse_cid_href, parse_content_type
from ._limits import Limits, MessageBudget
from ._message import Message
from ._mime_parse import MimeParser
from ._part import Part
from ._record import make
from ._xml import decode_envelope, read_envelope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, List, Optional

    from ._part import SinkFactory
    from ._pdu import PDU, ContentRef

__all__ = ["Decoder", "decode", "decode_http"]

_XML_TYPES = ("text/xml", "application/xml", "application/soap+xml")
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_LT = ord("<")
_FORMAT_CORRUPT = 2007
_DEFAULT_LIMITS = Limits()  # frozen: one instance serves every decoder


class Decoder:
    """Incremental decoder for one MM7 HTTP body.

    ``content_type`` is the HTTP Content-Type header (``None`` when absent:
    the body is sniffed). Call :meth:`feed` with chunks of any size, then
    :meth:`close` for the :class:`Message`. ``strict=True`` raises on the
    first tolerated deviation instead of recording it in ``message.defects``.
    ``sink_factory`` receives each MIME leaf's description and may return a
    binary file object to hold its decoded body (default: memory, spooled to
    a temporary file above ``limits.spool_threshold``).

    Raises (from ``feed`` and ``close``):
        DecodeError: the body is not an MM7 message (4004 and others).
        LimitExceededError: a limit of ``limits`` was exceeded.
    """

    def __init__(
        self,
        content_type: Optional[str] = None,
        *,
        strict: bool = False,
        limits: Optional[Limits] = None,
        sink_factory: Optional[SinkFactory] = None,
    ) -> None:
        self._label = content_type
        self._strict = strict
        self._limits = limits or _DEFAULT_LIMITS
        self._sink_factory = sink_factory
        self._defects = DefectRecorder(strict)
        self._mode = ""  # "", "xml" or "mime" once the first bytes are seen
        self._pending: List[bytes] = []
        self._pending_size = 0
        # While only whitespace (after an optional BOM) has arrived, more whitespace is
        # collected here without deciding again, so a body trickled in byte by byte stays
        # linear: re-joining everything on every feed was quadratic.
        self._blank = False
        self._blank_tail: Optional[bytearray] = None  # made when whitespace comes alone
        self._label_ct: Optional[ContentType] = None
        self._parser: Optional[MimeParser] = None
        # max_message_size: counted here until the body is known to be MIME, then by the
        # parser (each byte by one MessageBudget, so feeding never changes the outcome).
        # Made by the first feed: decode() of a body that fits never needs one.
        self._budget: Optional[MessageBudget] = None
        self._closed = False

    def feed(self, data: bytes) -> None:
        """Decode the next chunk of the body."""
        if self._closed:
            raise DecodeError("feed() after close()")
        if not data:
            return
        data = bytes(data)
        if self._mode == "mime":
            assert self._parser is not None
            self._parser.feed(data)
            return
        n = len(data)
        budget = self._budget
        if budget is None:
            budget = self._budget = MessageBudget(self._limits.max_message_size)
        keep = budget.take(n)
        if keep < n:
            # The bytes that fit are read first, as they would be in smaller chunks.
            if keep:
                self._take(data[:keep])
            if self._mode == "mime":
                assert self._parser is not None
                self._parser.feed(data[keep:])  # the parser refuses them, as it would alone
            raise budget.error()
        self._take(data)

    def _take(self, data: bytes) -> None:
        """Bytes before the body's kind is known, or of a bare envelope."""
        self._pending_size += len(data)
        if self._mode == "xml":
            self._pending.append(data)
            self._check_envelope_size()
        elif self._blank and not data.translate(None, _WHITESPACE):
            if self._blank_tail is None:
                self._blank_tail = bytearray()
            self._blank_tail += data
        else:
            self._take_blank_tail()
            self._pending.append(data)
            self._decide(final=False)

    def close(self) -> Message:
        """End of the body: finish decoding and return the message."""
        if self._closed:
            raise DecodeError("close() called twice")
        self._closed = True
        if not self._mode:
            self._take_blank_tail()
            self._decide(final=True)
        return self._finish()

    def _whole(self, body: bytes) -> Message:
        """``feed(body)`` then ``close()``, for a body that is all there (``decode``).

        The same decisions with less bookkeeping: nothing is pending, nothing is
        blank yet and the body cannot outgrow a budget it fits in at once (a bare
        SubmitRsp or DeliveryReportReq decodes about 7 % faster).
        """
        if type(body) is not bytes or len(body) > self._limits.max_message_size:
            self.feed(body)
            return self.close()
        self._closed = True
        self._pending_size = len(body)
        self._pending.append(body)
        self._decide(final=True)
        return self._finish()

    def _finish(self) -> Message:
        if self._mode == "xml":
            # A bare envelope's charset hint is the HTTP Content-Type's (GB2312 MMSCs).
            label = self._label_ct
            charset = (
                label.params.get("charset")
                if label is not None and label._items and label.type != "multipart"
                else None
            )
            pending = self._pending
            return self._decode_envelope(
                pending[0] if len(pending) == 1 else b"".join(pending), charset
            )
        assert self._parser is not None
        root = self._parser.close()
        return self._from_tree(root)

    # -- choosing how to read the body ----------------------------------------------------------

    def _take_blank_tail(self) -> None:
        self._blank = False
        if self._blank_tail:
            self._pending.append(bytes(self._blank_tail))
            self._blank_tail = None

    def _check_envelope_size(self) -> None:
        if self._pending_size > self._limits.max_envelope_size:
            raise LimitExceededError(
                f"SOAP envelope larger than max_envelope_size ({self._limits.max_envelope_size})",
                limit="max_envelope_size",
                value=self._limits.max_envelope_size,
            )

    def _decide(self, final: bool) -> None:
        pending = self._pending
        if len(pending) == 1:
            head = pending[0]
        else:
            head = b"".join(pending)
            self._pending = [head]
        label = self._label_ct
        if label is None and self._label:
            # Parsed once: _decide runs on every feed until the body's kind is known.
            label = self._label_ct = parse_content_type(self._label)[0]
        if head[:1] == b"<":
            start = head  # an envelope with nothing before it: the usual body
        else:
            start = head.lstrip(_WHITESPACE)
            if start[:3] == _BOM:
                start = start[3:].lstrip(_WHITESPACE)
            if not start:
                if final:
                    raise DecodeError("empty MM7 body")
                self._blank = True
                return
            if len(start) < 3 and not final:
                # Too few bytes to tell "<", "--" and a byte order mark apart: wait.
                return
        if start[0] == _LT or start[:2] in (b"\xff\xfe", b"\xfe\xff"):
            if label is not None and f"{label.type}/{label.subtype}" not in _XML_TYPES:
                labelled = _names_boundary(label)
                kind = "xml-body-labelled-multipart" if labelled else "xml-body-mislabelled"
                self._defects.record(kind, str(self._label))
            self._mode = "xml"
            self._check_envelope_size()
            return
        if _names_boundary(label):
            assert self._label is not None
            self._start_mime(self._label)
            return
        if start[:2] == b"--":
            line_end = start.find(b"\n")
            # Checked whether or not the line end has arrived, so that the body fed whole
            # and fed in small chunks give the same result.
            if (line_end if line_end >= 0 else len(start)) > self._limits.max_header_size:
                raise LimitExceededError(
                    "first boundary line too long",
                    limit="max_header_size",
                    value=self._limits.max_header_size,
                )
            if line_end < 0:
                if not final:
                    return
                raise DecodeError("body is a lone boundary line")
            boundary = start[2:line_end].rstrip(b"\r \t").decode("latin-1")
            kind = "multipart-body-mislabelled" if self._label else "missing-content-type"
            self._defects.record(kind, f"{self._label or ''} (boundary {boundary!r})")
            if label is not None and label.is_multipart:
                # Only the boundary was missing: type= and start= still find the SOAP part.
                self._start_mime(str(label.replace(boundary=boundary)))
            else:
                self._start_mime(f'multipart/related; boundary="{boundary}"')
            return
        raise DecodeError(
            f"body is neither a SOAP envelope nor multipart (Content-Type {self._label!r})"
        )

    def _start_mime(self, content_type: str) -> None:
        self._mode = "mime"
        self._parser = MimeParser(
            content_type,
            limits=self._limits,
            defects=self._defects,
            sink_factory=self._sink_factory,
        )
        pending, self._pending = self._pending, []
        for chunk in pending:
            self._parser.feed(chunk)

    # -- from the MIME tree to the message -----------------------------------------------------

    def _decode_envelope(self, data: bytes, charset: Optional[str]) -> Message:
        # decode_envelope is imported with the module: an import statement here cost
        # about 1.4 µs per message (the XML layer is loaded by ``import mm7codec`` anyway).
        return decode_envelope(
            data,
            strict=self._strict,
            limits=self._limits,
            defects=self._defects,
            charset=charset,
        )

    def _from_tree(self, root: Part) -> Message:
        if not root.parts:
            if root.is_multipart:
                raise DecodeError("multipart MM7 body without any part")
            # A non-multipart root: the whole body is the envelope.
            return self._decode_envelope(
                self._envelope_bytes(root), root.content_type.params.get("charset")
            )
        soap = self._soap_part(root)
        if soap.is_multipart:
            raise DecodeError("the SOAP part of the MM7 body is itself a multipart")
        # The envelope's values only: the one Message is built below, with its content.
        pdu, transaction_id, version, mm7_version = read_envelope(
            self._envelope_bytes(soap),
            strict=self._strict,
            limits=self._limits,
            defects=self._defects,
            charset=soap.content_type.params.get("charset"),
        )
        others = [p for p in root.parts if p is not soap]
        for part in others:
            raw = part.header("Content-ID")
            if raw is not None and not raw.strip().startswith("<"):
                self._defects.record("content-id-without-brackets", raw)
        content = self._content(pdu, others)
        # The content as received: the PDU keeps its href verbatim even when it names
        # the content loosely or not at all (the defects say how), so the strict
        # href/Content-ID pairing that Message() applies to built messages is skipped;
        # the other values are already normalised by read_envelope.
        return make(
            Message,
            {
                "pdu": pdu,
                "transaction_id": transaction_id,
                "version": version,
                "mm7_version": mm7_version,
                "content": content,
                "defects": tuple(self._defects.defects),
            },
        )

    def _envelope_bytes(self, part: Part) -> bytes:
        """The part's body, refused by its size before a spooled one is read back."""
        if part.size > self._limits.max_envelope_size:
            raise LimitExceededError(
                f"SOAP envelope of {part.size} bytes is over the limit of "
                f"{self._limits.max_envelope_size}",
                limit="max_envelope_size",
                value=self._limits.max_envelope_size,
            )
        return part.data

    def _soap_part(self, root: Part) -> Part:
        params = root.content_type.params
        start = params.get("start")
        if start is not None:
            if not start.strip().startswith("<"):
                self._defects.record("start-without-brackets", start)
            wanted = normalize_content_id(start)
            for part in root.parts:
                if part.content_id == wanted:  # wanted is text: a part without one never matches
                    return part
            self._defects.record("start-matches-no-part", start)
        else:
            self._defects.record("missing-start", "SOAP part found by type or position")
        root_type = (params.get("type") or "").strip().lower()
        if root_type:
            for part in root.parts:
                if part.content_type.mime_type == root_type:
                    return part
        for part in root.parts:
            if part.content_type.mime_type in _XML_TYPES:
                return part
        return root.parts[0]

    def _content(self, pdu: PDU, others: List[Part]) -> Optional[Part]:
        return _gather_content(getattr(pdu, "content", None), others, self._defects)


def _gather_content(
    reference: Optional[ContentRef], others: List[Part], defects: DefectRecorder
) -> Optional[Part]:
    """The content: every part besides SOAP, nothing dropped (an acknowledged
    message must hold every byte that arrived).

    One part besides SOAP is the content whatever the href says. Several
    (Telnyx's media as sibling parts, or an href that names nothing) become one
    synthetic multipart the message never had on the wire, without a
    Content-ID, so none is duplicated when it is re-encoded: multipart/related
    rooted at the part holding what the href names, or multipart/mixed.
    """
    if reference is None:
        if not others:
            return None
        if len(others) == 1:
            defects.record("content-without-reference", "one part besides SOAP")
            return others[0]
        defects.record("content-as-sibling-parts", f"{len(others)} parts, no Content href")
        return Part.multipart("mixed", others)
    href = str(reference.href)
    target, how = parse_cid_href(href)
    if how:
        defects.record(how, href)
    if not others:
        defects.record("href-matches-no-part", f"{href} (no content part)")
        return None
    if len(others) == 1 and others[0].content_id == target:
        return others[0]  # the usual body: the href names its one content part
    wanted = (href.strip(), target)

    def by_id(part: Part) -> bool:
        return part.content_id == target

    def by_location(part: Part) -> bool:
        location = part.content_location
        return location is not None and location.strip() in wanted

    named: Callable[[Part], bool] = by_id
    top = _holder(others, by_id)
    if top is None:
        named = by_location
        top = _holder(others, by_location)
    if top is None:
        defects.record("href-matches-no-part", href)
        if len(others) == 1:
            return others[0]
        defects.record("content-as-sibling-parts", f"{len(others)} parts, none named")
        return Part.multipart("mixed", others)
    if not named(top):
        defects.record("href-names-inner-part", href)
    if len(others) == 1:
        return top
    defects.record("content-as-sibling-parts", f"{len(others)} parts, the href names one")
    rest = [p for p in others if p is not top]
    params = [("type", top.content_type.mime_type)]
    if top.content_id is not None:
        params.append(("start", f"<{top.content_id}>"))
    # Built unchecked: the values are the sender's, read already; encode checks them.
    ct = ContentType("multipart", "related", params)
    return Part([("Content-Type", str(ct))], parts=[top, *rest], content_type=ct)


def _names_boundary(label: Optional[ContentType]) -> bool:
    """A multipart label with a boundary (``boundary=""`` names no delimiter)."""
    return (
        label is not None
        and label.type == "multipart"
        and bool((label.params.get("boundary") or "").strip())
    )


def _holder(others: List[Part], named: Callable[[Part], bool]) -> Optional[Part]:
    """The part of ``others`` that is or contains the part ``named`` picks (a part
    inside a multipart is never taken alone: its siblings would be lost)."""
    for part in others:
        # The part itself first: the usual href names a part at the top.
        if named(part) or any(named(p) for p in part.walk()):
            return part
    return None


def decode(
    body: bytes,
    content_type: Optional[str] = None,
    *,
    strict: bool = False,
    limits: Optional[Limits] = None,
) -> Message:
    """Decode a whole MM7 HTTP body (``Content-Type`` from the HTTP headers).

    Raises:
        DecodeError: the body is not a valid MM7 message; ``.status_code`` is
            what a server answers (4004, 2007, ...).
        LimitExceededError: a limit was exceeded.
    """
    return Decoder(content_type, strict=strict, limits=limits)._whole(body)


def decode_http(raw: bytes, *, strict: bool = False, limits: Optional[Limits] = None) -> Message:
    """Decode a whole HTTP request or response (start line, headers, body).

    Chunked transfer coding is undone; the Content-Type header selects how the
    body is read. Deviations in the HTTP framing are recorded as defects too.

    Raises:
        DecodeError: malformed HTTP, or the body is not a valid MM7 message.
        LimitExceededError: a limit was exceeded.
    """
    from ._http1 import parse_http

    limits = limits or Limits()
    defects = DefectRecorder(strict)
    http = parse_http(raw, limits=limits, defects=defects)
    framing = list(defects.defects)
    try:
        message = _decode_with(http.content_type, http.body, defects, strict, limits)
    except LimitExceededError:
        raise
    except DecodeError as exc:
        if http.uncut is None:
            raise
        why = f"the cut body does not decode ({exc.message})"
        failed: Optional[DecodeError] = exc
    else:
        if http.uncut is None or not any(
            d.kind == "missing-close-delimiter" for d in message.defects
        ):
            return message
        why = "the cut body ends before its close delimiter"
        failed = None
    # Content-Length cut the body (a capture whose LFs became CRLFs, a hand-edited
    # example): the bytes present may be the message. Strict mode never gets here.
    cut = len(http.uncut) - len(http.body)
    where = f"Content-Length {len(http.body)} cut {cut} bytes off the body"
    retry = DefectRecorder(strict)
    retry.defects = [d for d in framing if d.kind != "trailing-data-after-body"]
    retry.record(
        "content-length-mismatch",
        f"{where} and {why}; framed by the end of the capture, {len(http.uncut)} bytes",
    )
    try:
        whole = _decode_with(http.content_type, http.uncut, retry, strict, limits)
    except DecodeError:
        if failed is None:
            return message
        raise DecodeError(
            f"{failed.message} ({where}; the whole body does not decode either)",
            status_code=failed.status_code,
            offset=failed.offset,
        ) from None
    if failed is None and any(d.kind == "missing-close-delimiter" for d in whole.defects):
        return message  # no better whole
    return whole


def _decode_with(
    content_type: Optional[str],
    body: bytes,
    defects: DefectRecorder,
    strict: bool,
    limits: Limits,
) -> Message:
    decoder = Decoder(content_type, strict=strict, limits=limits)
    decoder._defects = defects
    decoder.feed(body)
    return decoder.close()
