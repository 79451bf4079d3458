"""The MM7 PDUs and the types they share, as frozen records.

One class per global element of the schemas (named as in the XSD; the four
``extended*`` PDUs get a capital, their wire names stay in ``WIRE_NAME``).
Fields are the union over all ten schema versions; which of them a version
may carry is not written here but read from the version table through
:data:`ELEMENT_FIELDS` (element name -> field name, explicit, never derived by
regex; declared with every other wire name in ``_wire``). Renamed elements
map to one field: ``DistributionProtection`` (REL-5-MM7-1-0) and
``DistributionIndicator`` both to ``distribution_indicator``; ``Date`` and
``TimeStamp`` of DeliveryReportReq both to ``date``.

``MM7Version`` is not a PDU field: it belongs to :class:`~mm7codec.Message`
with the schema version, since it must agree with it.

Values are kept as text where the schema allows more than Python types say:
dates and durations stay the exact text received (``P90D``,
``2002-12-12T10:12:10-05:00``) so they round-trip; constructors also accept
``datetime`` and ``timedelta`` and write them as XSD text. Enumerated values
(MessageClass, MMStatus, ...) are open strings because gateways send values
outside the enumeration (mm7-spec.md §3.3).
"""

from __future__ import annotations

import datetime as _dt

from ._numbers import check_number
from ._status import MMStatus, StatusCode
from ._wire import ADDRESS_ELEMENTS, ELEMENT_FIELD_OVERRIDES, ELEMENT_FIELDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from typing import Any, ClassVar, Dict, Iterable, Optional, Sequence, Tuple, Type, Union

    from ._versions import ElementSpec, SchemaVersion

    DeliveryCondition = Union[str, Tuple[int, ...]]
else:
    from ._record import record

__all__ = [
    "ELEMENT_FIELDS",
    "PDU",
    "PDU_CLASSES",
    "Address",
    "CancelReq",
    "CancelRsp",
    "ContentRef",
    "DeliverReq",
    "DeliverRsp",
    "DeliveryReportReq",
    "DeliveryReportRsp",
    "ExtendedCancelReq",
    "ExtendedCancelRsp",
    "ExtendedReplaceReq",
    "ExtendedReplaceRsp",
    "Extension",
    "RSErrorRsp",
    "ReadReplyReq",
    "ReadReplyRsp",
    "Recipients",
    "ReplaceReq",
    "ReplaceRsp",
    "ReplyCharging",
    "Request",
    "Response",
    "SenderIdentification",
    "SentTime",
    "Status",
    "SubmitReq",
    "SubmitRsp",
    "UACapabilities",
    "UserAgent",
    "VASPErrorRsp",
    "element_field",
    "fields_in_version",
    "xsd_text",
]

_REPR_LIMIT = 60


def xsd_text(value: object) -> str:
    """Write a ``datetime``, ``date`` or ``timedelta`` as XSD text; pass strings through.

    A ``timedelta`` becomes an ``xs:duration`` (``P90D``, ``PT1H30M``); a
    ``datetime`` keeps its UTC offset if it has one.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        total = value.days * 86400 + value.seconds
        sign = "-" if total < 0 else ""
        total = abs(total)
        days, rest = divmod(total, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        text = f"{sign}P{days}D" if days else f"{sign}P"
        clock = "".join(
            f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n
        )
        if clock:
            text += "T" + clock
        return text if text not in ("P", "-P") else "PT0S"
    raise TypeError(f"expected text, datetime or timedelta, got {type(value).__name__}")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


# --- shared types -----------------------------------------------------------------------------


@record(frozen=True)
class Address:
    """An MM7 address: a phone number, an e-mail address or a short code.

    ``value`` is kept as sent (a ``/TYPE=PLMN`` suffix included). The
    attributes ``display_only``, ``address_coding`` (``encrypted`` or
    ``obfuscated``, REL-6 on) and ``id`` are optional.
    """

    value: str
    kind: str = "number"
    display_only: Optional[bool] = None
    address_coding: Optional[str] = None
    id: Optional[str] = None

    def _on_build(self) -> None:
        if self.kind not in ADDRESS_ELEMENTS:
            raise ValueError(f"address kind must be one of {sorted(ADDRESS_ELEMENTS)}")
        if not isinstance(self.value, str):
            raise TypeError("address value must be a string")

    @classmethod
    def number(cls, value: str, **attributes: Any) -> Address:
        """A phone number (``<Number>``), e.g. ``Address.number("15553199144")``.

        Text that cannot be a phone number is an ``InvalidNumberError`` (2002;
        ``mm7codec._numbers.check_number`` says what passes); an encrypted or
        obfuscated ``address_coding`` is taken as it is.
        """
        if attributes.get("address_coding") is None:
            check_number(value)
        return cls(value, "number", **attributes)

    @classmethod
    def email(cls, value: str, **attributes: Any) -> Address:
        """An RFC 2822 address (``<RFC2822Address>``)."""
        return cls(value, "email", **attributes)

    @classmethod
    def short_code(cls, value: str, **attributes: Any) -> Address:
        """A short code (``<ShortCode>``)."""
        return cls(value, "short_code", **attributes)

    def __str__(self) -> str:
        return self.value


def _addresses(items: Iterable[Union[Address, str]]) -> Tuple[Address, ...]:
    if isinstance(items, (str, Address)):
        items = (items,)
    found = tuple(items)  # the same tuple when given one
    for item in found:
        if not isinstance(item, Address):
            return tuple(a if isinstance(a, Address) else Address.number(a) for a in found)
    return found  # type: ignore[return-value]


@record(frozen=True)
class Recipients:
    """To, Cc and Bcc addresses; plain strings are taken as numbers."""

    # Typed as sequences so lists read naturally; stored as tuples.
    to: Sequence[Address] = ()
    cc: Sequence[Address] = ()
    bcc: Sequence[Address] = ()

    def __post_init__(self) -> None:
        values = self.__dict__
        for name in ("to", "cc", "bcc"):
            items = values[name]
            found = _addresses(items)
            if found is not items:  # a decoded list of addresses is already a tuple
                _set(self, name, found)

    def __bool__(self) -> bool:
        return bool(self.to or self.cc or self.bcc)

    def __iter__(self) -> Any:
        return iter((*self.to, *self.cc, *self.bcc))


@record(frozen=True)
class SenderIdentification:
    """Who submits: ``vasp_id`` (often the API key), ``vas_id`` (the service) and address."""

    vasp_id: Optional[str] = None
    vas_id: Optional[str] = None
    sender_address: Optional[Address] = None


@record(frozen=True)
class Status:
    """A response status: code, text and free-form ``details`` (raw XML content).

    ``text`` defaults to the spec's wording for the code ("Success").
    """

    code: StatusCode = StatusCode.SUCCESS
    text: Optional[str] = None
    details: Optional[str] = None

    def __post_init__(self) -> None:
        if type(self.code) is not StatusCode:  # a decoded code already is one
            _set(self, "code", StatusCode(self.code))

    def _on_build(self) -> None:
        if self.text is None:
            # StatusText is mandatory on the wire; the spec's wording is the natural default
            # (a decoded Status keeps what was received: a missing one stays None).
            _set(self, "text", self.code.default_text)

    @property
    def is_success(self) -> bool:
        return self.code.is_success

    @classmethod
    def error(cls, code: int, reason: Optional[str] = None) -> Status:
        """A status whose text is the spec wording plus ``reason`` ("Validation error: ...").

        The reason goes into StatusText because ``Details`` is element-only in
        every schema: plain text there is not schema-valid.
        """
        status_code = StatusCode(code)
        text = status_code.default_text
        return cls(status_code, f"{text}: {reason}" if reason else text)


@record(frozen=True)
class ReplyCharging:
    """Reply charging offered to the recipient (SubmitReq ``ReplyCharging`` attributes)."""

    size: Optional[int] = None
    deadline: Optional[str] = None

    def __post_init__(self) -> None:
        if self.deadline is not None:
            _set(self, "deadline", xsd_text(self.deadline))


@record(frozen=True)
class ContentRef:
    """The ``Content`` element: which MIME part holds the message content."""

    href: str
    allow_adaptations: Optional[bool] = None


@record(frozen=True)
class UACapabilities:
    """The recipient terminal's capabilities (REL-6-MM7-1-4)."""

    ua_prof: Optional[str] = None
    time_stamp: Optional[str] = None

    def __post_init__(self) -> None:
        if self.time_stamp is not None:
            _set(self, "time_stamp", xsd_text(self.time_stamp))


@record(frozen=True)
class UserAgent:
    """One entry of ``Previouslysentby``: an address with an optional sequence number."""

    address: Address
    sequence: Optional[int] = None


@record(frozen=True)
class SentTime:
    """One entry of ``Previouslysentdateandtime``: a date-time with a sequence number."""

    value: str
    sequence: Optional[int] = None

    def __post_init__(self) -> None:
        _set(self, "value", xsd_text(self.value))


@record(frozen=True)
class Extension:
    """An element the schema does not define, kept as raw XML to be written back.

    ``name`` is the element's name in Clark notation (``{namespace}local``)
    or a bare local name; ``xml`` is the element serialised, namespace
    declarations included.
    """

    name: str
    xml: str

    def __repr__(self) -> str:
        return f"Extension(name={self.name!r}, xml={_short(self.xml)})"


# --- PDUs ------------------------------------------------------------------------------------

_DATE_FIELDS = frozenset({"time_stamp", "earliest_delivery_time", "expiry_date", "date"})
#: The fields PDU.__post_init__ may have to normalise, and per class those it has.
_TO_NORMALISE = (
    *sorted(_DATE_FIELDS),
    "recipients",
    "previously_sent_by",
    "previously_sent_date_and_time",
    "delivery_condition",
    "status",
)
_NORMALISED: Dict[type, Tuple[str, ...]] = {}


@record(frozen=True)
class PDU:
    """Base of every PDU. ``extensions`` holds unknown elements, written back last."""

    WIRE_NAME: ClassVar[str] = ""
    extensions: Tuple[Extension, ...] = ()

    def __post_init__(self) -> None:
        values = self.__dict__
        if not isinstance(self.extensions, tuple):
            _set(self, "extensions", tuple(self.extensions))
        # Only the fields this class has (found once per class): the decoder runs this
        # for every PDU it reads, with values that are already normal.
        names = _NORMALISED.get(type(self))
        if names is None:
            names = _NORMALISED[type(self)] = tuple(n for n in _TO_NORMALISE if n in values)
        for name in names:
            value = values[name]
            if value is None:
                continue
            if name in _DATE_FIELDS:
                if not isinstance(value, str):
                    _set(self, name, xsd_text(value))
            elif name == "recipients":
                if not isinstance(value, Recipients):
                    _set(self, "recipients", Recipients(to=value))
            elif name == "delivery_condition":
                if not isinstance(value, (str, tuple)):
                    _set(self, name, tuple(value))
            elif name == "status":  # a Response's: a bare code stands for its Status
                if isinstance(value, int):
                    _set(self, "status", Status(StatusCode(value)))
            elif not isinstance(value, tuple):  # previously_sent_by / ..._date_and_time
                _set(self, name, tuple(value))

    def as_datetime(self, name: str) -> Optional[_dt.datetime]:
        """Date field ``name`` (``"date"``, ``"time_stamp"``...) as a ``datetime``;
        ``None`` when unset. The field keeps the text received.

        Raises:
            AttributeError: this PDU has no such date field (a programming mistake).
            DecodeError: the text is not a date-time (a duration such as
                ``P90D`` included; status 2007).
        """
        if name not in _DATE_FIELDS or name not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} has no date field {name!r}")
        value = self.__dict__[name]
        if value is None:
            return None
        from ._dates import parse_date_time

        return parse_date_time(value)

    def as_mm_status(self) -> Optional[MMStatus]:
        """``mm_status`` as an :class:`MMStatus` (unknown values kept); ``None`` when unset.

        Raises:
            AttributeError: this PDU has no MMStatus (a programming mistake).
        """
        if "mm_status" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} has no mm_status")
        value = self.__dict__["mm_status"]
        return None if value is None else MMStatus(value)

    def __repr__(self) -> str:
        shown = []
        for name, value in self.__dict__.items():
            if value is None or value == ():
                continue
            shown.append(f"{name}={_short(value)}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @property
    def wire_name(self) -> str:
        return self.WIRE_NAME


@record(frozen=True)
class Request(PDU):
    """A request PDU; answered by :attr:`RESPONSE` (see ``Message.response``)."""

    #: True for requests a VASP sends (answered, on error, by RSErrorRsp).
    FROM_VASP: ClassVar[bool] = True


@record(frozen=True)
class Response(PDU):
    """A response PDU; every one carries a :class:`Status`."""

    status: Optional[Status] = None

    @property
    def status_code(self) -> Optional[StatusCode]:
        return None if self.status is None else self.status.code


@record(frozen=True)
class SubmitReq(Request):
    """MT message from a VASP to the relay/server (MM7_submit.REQ)."""

    WIRE_NAME: ClassVar[str] = "SubmitReq"
    sender_identification: Optional[SenderIdentification] = None
    recipients: Optional[Recipients] = None
    service_code: Optional[str] = None
    linked_id: Optional[str] = None
    message_class: Optional[str] = None
    time_stamp: Optional[str] = None
    reply_charging: Optional[ReplyCharging] = None
    earliest_delivery_time: Optional[str] = None
    expiry_date: Optional[str] = None
    delivery_report: Optional[bool] = None
    read_reply: Optional[bool] = None
    priority: Optional[str] = None
    subject: Optional[str] = None
    charged_party: Optional[str] = None
    charged_party_id: Optional[str] = None
    distribution_indicator: Optional[bool] = None
    delivery_condition: Optional[DeliveryCondition] = None
    applic_id: Optional[str] = None
    reply_applic_id: Optional[str] = None
    aux_applic_info: Optional[str] = None
    content_class: Optional[str] = None
    drm_content: Optional[bool] = None
    content: Optional[ContentRef] = None


@record(frozen=True)
class SubmitRsp(Response):
    """The relay/server's answer to a SubmitReq, with the new MessageID."""

    WIRE_NAME: ClassVar[str] = "SubmitRsp"
    message_id: Optional[str] = None


@record(frozen=True)
class DeliverReq(Request):
    """MO message from the relay/server to the VASP (MM7_deliver.REQ)."""

    WIRE_NAME: ClassVar[str] = "DeliverReq"
    FROM_VASP: ClassVar[bool] = False
    mms_relay_server_id: Optional[str] = None
    vasp_id: Optional[str] = None
    vas_id: Optional[str] = None
    linked_id: Optional[str] = None
    sender: Optional[Address] = None
    recipients: Optional[Recipients] = None
    previously_sent_by: Optional[Tuple[UserAgent, ...]] = None
    previously_sent_date_and_time: Optional[Tuple[SentTime, ...]] = None
    sender_spi: Optional[str] = None
    recipient_spi: Optional[str] = None
    time_stamp: Optional[str] = None
    reply_charging_id: Optional[str] = None
    priority: Optional[str] = None
    subject: Optional[str] = None
    applic_id: Optional[str] = None
    reply_applic_id: Optional[str] = None
    aux_applic_info: Optional[str] = None
    ua_capabilities: Optional[UACapabilities] = None
    content: Optional[ContentRef] = None


@record(frozen=True)
class DeliverRsp(Response):
    """The VASP's answer to a DeliverReq."""

    WIRE_NAME: ClassVar[str] = "DeliverRsp"
    service_code: Optional[str] = None


@record(frozen=True)
class CancelReq(Request):
    """Cancel an earlier submitted message (MM7_cancel.REQ)."""

    WIRE_NAME: ClassVar[str] = "CancelReq"
    sender_identification: Optional[SenderIdentification] = None
    message_id: Optional[str] = None
    applic_id: Optional[str] = None
    reply_applic_id: Optional[str] = None
    aux_applic_info: Optional[str] = None


@record(frozen=True)
class CancelRsp(Response):
    """The answer to a CancelReq."""

    WIRE_NAME: ClassVar[str] = "CancelRsp"


@record(frozen=True)
class ReplaceReq(Request):
    """Replace an earlier submitted message (MM7_replace.REQ)."""

    WIRE_NAME: ClassVar[str] = "ReplaceReq"
    sender_identification: Optional[SenderIdentification] = None
    message_id: Optional[str] = None
    service_code: Optional[str] = None
    time_stamp: Optional[str] = None
    read_reply: Optional[bool] = None
    earliest_delivery_time: Optional[str] = None
    distribution_indicator: Optional[bool] = None
    content_class: Optional[str] = None
    drm_content: Optional[bool] = None
    applic_id: Optional[str] = None
    reply_applic_id: Optional[str] = None
    aux_applic_info: Optional[str] = None
    content: Optional[ContentRef] = None


@record(frozen=True)
class ReplaceRsp(Response):
    """The answer to a ReplaceReq."""

    WIRE_NAME: ClassVar[str] = "ReplaceRsp"


@record(frozen=True)
class ExtendedCancelReq(Request):
    """Cancel by CancelID (REL-6-MM7-1-4; wire name ``extendedCancelReq``)."""

    WIRE_NAME: ClassVar[str] = "extendedCancelReq"
    sender_identification: Optional[SenderIdentification] = None
    cancel_id: Optional[str] = None


@record(frozen=True)
class ExtendedCancelRsp(Response):
    """Its status has a code only (``extendedcancelresponseStatusType``)."""

    WIRE_NAME: ClassVar[str] = "extendedCancelRsp"


@record(frozen=True)
class ExtendedReplaceReq(Request):
    """Replace by ReplaceID (REL-6-MM7-1-4; wire name ``extendedReplaceReq``)."""

    WIRE_NAME: ClassVar[str] = "extendedReplaceReq"
    vasp_id: Optional[str] = None
    vas_id: Optional[str] = None
    service_code: Optional[str] = None
    replace_id: Optional[str] = None
    time_stamp: Optional[str] = None
    earliest_delivery_time: Optional[str] = None
    expiry_date: Optional[str] = None
    read_reply: Optional[bool] = None
    delivery_report: Optional[bool] = None
    content: Optional[ContentRef] = None


@record(frozen=True)
class ExtendedReplaceRsp(Response):
    """The answer to an extendedReplaceReq; its status has a code only."""

    WIRE_NAME: ClassVar[str] = "extendedReplaceRsp"
    message_id: Optional[str] = None


@record(frozen=True)
class DeliveryReportReq(Request):
    """Status of an earlier submitted message, from the relay/server."""

    WIRE_NAME: ClassVar[str] = "DeliveryReportReq"
    FROM_VASP: ClassVar[bool] = False
    mms_relay_server_id: Optional[str] = None
    message_id: Optional[str] = None
    recipient: Optional[Address] = None
    sender: Optional[Address] = None
    #: ``Date`` in most versions, ``TimeStamp`` in REL-5-MM7-1-4 and REL-6-MM7-1-1.
    date: Optional[str] = None
    mm_status: Optional[str] = None
    mm_status_extension: Optional[str] = None
    status_text: Optional[str] = None
    applic_id: Optional[str] = None
    reply_applic_id: Optional[str] = None
    aux_applic_info: Optional[str] = None
    ua_capabilities: Optional[UACapabilities] = None


@record(frozen=True)
class DeliveryReportRsp(Response):
    """The VASP's answer to a DeliveryReportReq."""

    WIRE_NAME: ClassVar[str] = "DeliveryReportRsp"


@record(frozen=True)
class ReadReplyReq(Request):
    """A read report for an earlier submitted message, from the relay/server."""

    WIRE_NAME: ClassVar[str] = "ReadReplyReq"
    FROM_VASP: ClassVar[bool] = False
    mms_relay_server_id: Optional[str] = None
    message_id: Optional[str] = None
    recipient: Optional[Address] = None
    sender: Optional[Address] = None
    time_stamp: Optional[str] = None
    mm_status: Optional[str] = None
    status_text: Optional[str] = None
    applic_id: Optional[str] = None
    reply_applic_id: Optional[str] = None
    aux_applic_info: Optional[str] = None


@record(frozen=True)
class ReadReplyRsp(Response):
    """The VASP's answer to a ReadReplyReq."""

    WIRE_NAME: ClassVar[str] = "ReadReplyRsp"


def _fault_defaults(pdu: Any) -> None:
    """Built by hand, an error response is a SOAP Fault: fill in its faultcode/string.

    ``Client`` for 2xxx, ``Server`` otherwise (3xxx/4xxx, and codes that count
    as 3000). The decoder builds records without this step, so an error
    response that arrived as a plain body keeps ``fault_code=None`` and is
    written back the same way.
    """
    if pdu.status is None:
        return
    if pdu.fault_code is None:
        _set(pdu, "fault_code", pdu.status.code.fault_code or "Server")
    if pdu.fault_string is None:
        _set(pdu, "fault_string", f"{pdu.fault_code} error")


@record(frozen=True)
class RSErrorRsp(Response):
    """Error from the relay/server, usually inside a SOAP Fault's ``detail``.

    ``fault_code`` and ``fault_string`` are the Fault's (not schema elements).
    """

    WIRE_NAME: ClassVar[str] = "RSErrorRsp"
    fault_code: Optional[str] = None
    fault_string: Optional[str] = None

    def _on_build(self) -> None:
        _fault_defaults(self)


@record(frozen=True)
class VASPErrorRsp(Response):
    """Error from the VASP, usually inside a SOAP Fault's ``detail``."""

    WIRE_NAME: ClassVar[str] = "VASPErrorRsp"
    fault_code: Optional[str] = None
    fault_string: Optional[str] = None

    def _on_build(self) -> None:
        _fault_defaults(self)


#: Every PDU class by wire name (the Body child's local name).
PDU_CLASSES: Dict[str, Type[PDU]] = {
    cls.WIRE_NAME: cls
    for cls in (
        SubmitReq, SubmitRsp, DeliverReq, DeliverRsp, CancelReq, CancelRsp,
        ReplaceReq, ReplaceRsp, ExtendedCancelReq, ExtendedCancelRsp,
        ExtendedReplaceReq, ExtendedReplaceRsp, DeliveryReportReq, DeliveryReportRsp,
        ReadReplyReq, ReadReplyRsp, RSErrorRsp, VASPErrorRsp,
    )
}  # fmt: skip

#: The response that answers each request.
RESPONSE_FOR: Dict[Type[PDU], Type[Response]] = {
    SubmitReq: SubmitRsp,
    DeliverReq: DeliverRsp,
    CancelReq: CancelRsp,
    ReplaceReq: ReplaceRsp,
    ExtendedCancelReq: ExtendedCancelRsp,
    ExtendedReplaceReq: ExtendedReplaceRsp,
    DeliveryReportReq: DeliveryReportRsp,
    ReadReplyReq: ReadReplyRsp,
}


def element_field(cls: Type[PDU], element: str) -> Optional[str]:
    """The field of ``cls`` that holds ``element``, or ``None`` if it has none."""
    override = ELEMENT_FIELD_OVERRIDES.get(cls.WIRE_NAME)
    if override and element in override:
        return override[element]
    name = ELEMENT_FIELDS.get(element)
    return name if name is not None and name in _field_names(cls) else None


def _field_names(cls: Type[PDU]) -> Tuple[str, ...]:
    return tuple(s.name for s in cls._record_fields)  # type: ignore[attr-defined]


def fields_in_version(cls: Type[PDU], version: SchemaVersion) -> Tuple[str, ...]:
    """The fields ``cls`` may carry in ``version``, in schema order (from the table)."""
    if not version.has_pdu(cls.WIRE_NAME):
        return ()
    found = []
    for spec in version.pdu_type(cls.WIRE_NAME).children:
        name = element_field(cls, spec.name)
        if name is not None:
            found.append(name)
    return tuple(found)


def element_elsewhere(
    cls: Type[PDU], version: SchemaVersion, *, element: str = "", field: str = ""
) -> Optional[Tuple[SchemaVersion, ElementSpec, str]]:
    """The closest other schema whose ``cls`` has this element (or the element of this field).

    Gives the version, the element's spec there and the field. Nearest in age
    wins; of two equally near, the newer. For elements a peer sends from
    another version than it declares (ContentClass in REL-5-MM7-1-3), read
    and written by that version's types.
    """
    from ._versions import VERSIONS

    wire = cls.WIRE_NAME
    best: Optional[Tuple[SchemaVersion, ElementSpec, str]] = None
    for other in VERSIONS:
        if other is version or not other.has_pdu(wire):
            continue
        for spec in other.pdu_type(wire).children:
            name = element_field(cls, spec.name)
            if name is None or (spec.name != element if element else name != field):
                continue
            distance = (abs(other.index - version.index), -other.index)
            if best is None or distance < (abs(best[0].index - version.index), -best[0].index):
                best = (other, spec, name)
    return best
