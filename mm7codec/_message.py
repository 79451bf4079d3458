"""``Message``: one MM7 exchange unit, a PDU with its envelope and content.

A message is what travels in one HTTP body: the SOAP envelope (TransactionID
header, the PDU in the body, its schema version and MM7Version) and, for
requests with content, the MIME part that ``Content href`` names.
"""

from __future__ import annotations

from ._errors import EncodeError, StatusError
from ._headers import parse_cid_href
from ._pdu import (
    PDU,
    RESPONSE_FOR,
    Request,
    Response,
    RSErrorRsp,
    Status,
    SubmitReq,
    VASPErrorRsp,
)
from ._status import StatusCode
from ._versions import LATEST, SchemaVersion, get_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from dataclasses import field
    from typing import Any, Dict, Optional, Tuple, Union

    from ._errors import Defect
    from ._part import Part
    from .profiles import Profile
else:
    from ._record import field, record

__all__ = ["Message"]


def answer_mm7_version(
    version: SchemaVersion, written: Optional[str], profile: Optional[Profile] = None
) -> Optional[str]:
    """The MM7Version an answer in ``version`` carries, given the one the request wrote.

    ``written`` when the schema lists it; else (6.7.0 from a Java library,
    5.2.0 from old MMSCs, or None for a request not decoded) the profile's
    MM7Version when the profile speaks this schema; else None, which Message
    turns into the schema's own wire value. An answer must encode, and peers
    read the namespace, not this field, to parse it.
    """
    if written in version.mm7_versions:
        return written
    if profile is not None and version.name == profile.version:
        return profile.mm7_version
    return None


#: Content-ID given to content that has none (and no href names one).
DEFAULT_CONTENT_ID = "mms-content"


def _pair_content(message: Message) -> None:
    """Make the content's Content-ID and the PDU's ``Content href`` name each other.

    Fills in whichever is missing: a Content-ID from the href, an href from the
    Content-ID, or both (``mms-content``). An href that names a part inside the
    content (a decoded message whose media came as sibling parts) is kept.

    Raises:
        EncodeError: the PDU cannot carry content, or href and Content-ID disagree.
    """
    from ._pdu import ContentRef
    from ._record import replace

    pdu: Any = message.pdu
    content: Any = message.content
    if "content" not in pdu.__dict__:
        raise EncodeError(f"{pdu.WIRE_NAME} cannot carry content")
    reference = pdu.content
    content_id = content.content_id
    if reference is not None:
        href = str(reference.href).strip()
        wanted = href[4:].strip() if href[:4].lower() == "cid:" else None
        named = {p.content_id for p in content.walk()}
        # Read as the decoder reads it (no cid:, brackets, spaces, URL escapes), so a
        # decoded message rebuilt by replace() keeps its content: a loose spelling is
        # written canonically, an escaped cid URL (RFC 2392) already is.
        target, how = parse_cid_href(str(reference.href))
        if target and target in named and (how or wanted not in named):
            if how:
                reference = replace(reference, href=f"cid:{target}")
                pdu = replace(pdu, content=reference)
                object.__setattr__(message, "pdu", pdu)
            wanted = target
        if wanted and wanted != content_id and wanted in named:
            # The href names the root inside the content, as a decoded message whose
            # media came as sibling parts does: kept, no Content-ID given twice.
            return
        if content_id is None and wanted:
            object.__setattr__(message, "content", content.with_content_id(wanted))
        elif wanted is None or wanted != content_id:
            raise EncodeError(
                f"Content href {href!r} does not name the content's Content-ID {content_id!r}"
            )
        return
    if content_id is None:
        content_id = DEFAULT_CONTENT_ID
        object.__setattr__(message, "content", content.with_content_id(content_id))
    object.__setattr__(message, "pdu", replace(pdu, content=ContentRef(f"cid:{content_id}")))


@record(frozen=True)
class Message:
    """A PDU with its TransactionID, schema version, MM7Version and content.

    ``version`` accepts a :class:`SchemaVersion` or anything
    :func:`get_version` understands (``"REL-6-MM7-1-4"``, a namespace, a
    wire MM7Version such as ``"6.8.0"``). ``mm7_version`` defaults to the
    schema's own wire value. ``content`` is the MIME part the PDU's
    ``Content`` element refers to. ``defects`` lists what lenient decoding
    tolerated; it takes no part in equality.
    """

    pdu: PDU
    transaction_id: str
    version: SchemaVersion = LATEST
    mm7_version: Optional[str] = None
    content: Optional[Part] = None
    defects: Tuple[Defect, ...] = field(default=(), compare=False)

    if TYPE_CHECKING:
        # What __post_init__ accepts for ``version``, so a type checker takes
        # ``Message(..., version="REL-6-MM7-1-4")`` as the docstring promises.
        def __init__(
            self,
            pdu: PDU,
            transaction_id: str,
            version: Union[str, SchemaVersion] = LATEST,
            mm7_version: Optional[str] = None,
            content: Optional[Part] = None,
            defects: Tuple[Defect, ...] = (),
        ) -> None: ...

    def __post_init__(self) -> None:
        version = self.version
        if type(version) is not SchemaVersion:  # a decoded message's already is one
            version = get_version(version)
            object.__setattr__(self, "version", version)
        if self.mm7_version is None:
            object.__setattr__(self, "mm7_version", version.default_mm7_version)
        if type(self.defects) is not tuple:
            object.__setattr__(self, "defects", tuple(self.defects))

    def _on_build(self) -> None:
        # Built messages only: a decoded one keeps its href as received (defects say how).
        if self.content is not None:
            _pair_content(self)

    @property
    def status(self) -> Optional[Status]:
        """The status of a response PDU; ``None`` for a request."""
        return self.pdu.status if isinstance(self.pdu, Response) else None

    @property
    def is_fault(self) -> bool:
        """True for an RSErrorRsp / VASPErrorRsp (normally sent as a SOAP Fault)."""
        return isinstance(self.pdu, (RSErrorRsp, VASPErrorRsp))

    def raise_for_status(self) -> Message:
        """Raise :class:`StatusError` unless this is a response with a 1xxx status.

        Returns the message itself, so calls can be chained.
        """
        status = self.status
        if status is None:
            raise StatusError(
                f"{self.pdu.WIRE_NAME} is not a response", status_code=StatusCode.CLIENT_ERROR
            )
        if not status.code.is_success:
            text = status.text or status.code.default_text
            fault = ""
            if isinstance(self.pdu, (RSErrorRsp, VASPErrorRsp)) and self.pdu.fault_string:
                fault = f" (fault {self.pdu.fault_code}: {self.pdu.fault_string})"
            raise StatusError(
                f"{self.pdu.WIRE_NAME} status {int(status.code)} {text}{fault}",
                status_code=int(status.code),
                status_text=status.text,
            )
        return self

    def response(
        self,
        status: Union[StatusCode, int, Status] = StatusCode.SUCCESS,
        text: Optional[str] = None,
        **fields: Any,
    ) -> Message:
        """The response to this request: matching PDU, same TransactionID and version.

        ``status`` may be a code or a :class:`Status`; ``text`` defaults to the
        spec's wording for the code. Other keyword arguments are fields of the
        response PDU: a SubmitReq's answer needs ``message_id``.

        The MM7Version is the request's when the schema's enumeration lists it,
        else the schema's own wire value (``version.default_mm7_version``): a
        request marked 6.7.0 or 5.2.0 decodes, so its answer must encode. The
        TransactionID is copied as it came: in REL-5-MM7-1-0/1-1 (xs:NMTOKEN) a
        value the lenient decoder took but the type refuses makes
        ``encode(validate=True)`` raise; the receivers in ``mm7codec.http`` then
        echo it unvalidated (everything else validated), as the peer correlates on it.

        Raises:
            EncodeError: this is not a request, or a field does not exist.
        """
        if not isinstance(self.pdu, Request):
            raise EncodeError(f"{self.pdu.WIRE_NAME} is a response; it has no response")
        if not isinstance(status, Status):
            code = StatusCode(status)
            status = Status(code, text if text is not None else code.default_text)
        response_cls = RESPONSE_FOR[type(self.pdu)]
        if (
            isinstance(self.pdu, SubmitReq)
            and "message_id" not in fields
            and self.version.pdu_type("SubmitRsp").child("MessageID")
        ):
            raise EncodeError("the response to a SubmitReq needs a message_id")
        try:
            pdu = response_cls(status=status, **fields)
        except TypeError as exc:
            raise EncodeError(f"{response_cls.__name__}: {exc}") from None
        return Message(
            pdu,
            self.transaction_id,
            self.version,
            answer_mm7_version(self.version, self.mm7_version),
        )

    def error_response(
        self,
        status: Union[StatusCode, int],
        text: Optional[str] = None,
        details: Optional[str] = None,
    ) -> Message:
        """A fault answer: RSErrorRsp to a VASP's request, VASPErrorRsp to the relay's.

        Encoded, it becomes a SOAP Fault with ``Client`` for 2xxx and
        ``Server`` for 3xxx/4xxx. ``details`` is raw XML; plain text given there
        is appended to the StatusText instead (Details is element-only).
        The MM7Version is chosen as in :meth:`response`.
        """
        code = StatusCode(status)
        if details is not None and not details.lstrip().startswith("<"):
            # Details is element-only in the schemas; plain text joins the StatusText.
            text = f"{text or code.default_text}: {details}"
            details = None
        from_vasp = not isinstance(self.pdu, Request) or type(self.pdu).FROM_VASP
        cls = RSErrorRsp if from_vasp else VASPErrorRsp
        pdu = cls(status=Status(code, text if text is not None else code.default_text, details))
        return Message(
            pdu,
            self.transaction_id,
            self.version,
            answer_mm7_version(self.version, self.mm7_version),
        )

    def replace(self, **changes: Any) -> Message:
        """A copy with some attributes changed."""
        values: Dict[str, Any] = {
            "pdu": self.pdu,
            "transaction_id": self.transaction_id,
            "version": self.version,
            "mm7_version": self.mm7_version,
            "content": self.content,
            "defects": self.defects,
        }
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"Message has no attributes {sorted(unknown)}")
        if "version" in changes and "mm7_version" not in changes:
            values["mm7_version"] = None  # the new schema's own default
        values.update(changes)
        return Message(**values)
