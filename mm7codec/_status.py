"""MM7 status codes (TS 23.140 §8.7; mm7-spec.md §4.6).

Codes fall in four classes by their first digit: 1xxx success, 2xxx client
error, 3xxx server error, 4xxx service error. The set is extensible, so a
peer may send a code this module does not name (gateways use x500–x999 for
their own, e.g. Sinch's 2500–2569). Such a code is kept as its own value — a
pseudo-member named ``CODE_<n>`` — and :attr:`StatusCode.effective` gives the
code it must be *treated as* under the spec rule:

* a known code is itself;
* 1101–1199 count as 1100 "Partial success" — the spec says the low-order
  digits of 1100 may tell which parts failed, so they refine 1100 rather
  than being unknown successes (this is the one refinement of the x000 rule);
* any other unknown code in 1000–4999 counts as the x000 of its class;
* a code outside the four classes (1–999, 5000–99999) counts as 3000.

:class:`StatusClass` has the four spec classes only; partial success is a
flavour of success, exposed as :attr:`StatusCode.is_partial`. Everything
derived from a code (class, text, fault code, retryability) is derived from
its effective code, so an unknown code behaves exactly as the spec says.
"""

from __future__ import annotations

import enum

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet, Optional

__all__ = ["MMStatus", "StatusClass", "StatusCode", "status_text"]

# Bounds of an acceptable code. The spec's codes are four digits; five digits
# leave room for odd vendors while rejecting garbage (0, negatives, overflow)
# and capping the pseudo-member cache at 99 999 entries.
_MIN_CODE = 1
_MAX_CODE = 99_999


class StatusClass(enum.IntEnum):
    """The four status classes; the value is the code's first digit."""

    #: 1xxx: the request was executed (1100 and 11xx only partially).
    SUCCESS = 1
    #: 2xxx: the request was invalid; a SOAP Fault says "Client".
    CLIENT_ERROR = 2
    #: 3xxx: the server failed a valid request; also every code outside the
    #: four classes, since the spec treats those as 3000.
    SERVER_ERROR = 3
    #: 4xxx: the service cannot be given to this client.
    SERVICE_ERROR = 4

    @property
    def base(self) -> StatusCode:
        """The class's general code, x000 (what unknown codes count as)."""
        return StatusCode(self.value * 1000)

    @property
    def fault_code(self) -> Optional[str]:
        """SOAP faultcode local name for errors of this class; None for success.

        Only client errors blame the sender; server and service errors are the
        receiver's side (TS 23.140 maps them to ``Server``).
        """
        if self is StatusClass.SUCCESS:
            return None
        return "Client" if self is StatusClass.CLIENT_ERROR else "Server"


class StatusCode(enum.IntEnum):
    """An MM7 status code; unknown codes in 1..99999 become pseudo-members.

    ``StatusCode(2569)`` works, equals ``2569`` and keeps its value; 0,
    negatives, values above 99999 and non-integers raise ``ValueError``.
    ``str()`` and ``format()`` give the bare number on every Python version
    (3.9/3.10 would otherwise print ``StatusCode.SUCCESS``), so a code can be
    written straight into XML.
    """

    #: Request executed completely.
    SUCCESS = 1000
    #: Executed partially; low-order digits or Details may say what failed.
    PARTIAL_SUCCESS = 1100
    #: Invalid request from the client.
    CLIENT_ERROR = 2000
    #: Refused for lack of permission.
    OPERATION_RESTRICTED = 2001
    #: Address format unrecognised or not served here (multi-recipient: at
    #: least one address is bad).
    ADDRESS_ERROR = 2002
    #: Address not found, e.g. for an operation on an earlier message.
    ADDRESS_NOT_FOUND = 2003
    #: Content could not be parsed, or its size or media type is unacceptable.
    MULTIMEDIA_CONTENT_REFUSED = 2004
    #: The MessageID of an earlier message is unknown.
    MESSAGE_ID_NOT_FOUND = 2005
    #: A LinkedID was given but its message was not found.
    LINKED_ID_NOT_FOUND = 2006
    #: An element value has a bad format.
    MESSAGE_FORMAT_CORRUPT = 2007
    #: ApplicID not recognised (Rel-6).
    APPLICATION_ID_NOT_FOUND = 2008
    #: ReplyApplicID not recognised (Rel-6).
    REPLY_APPLICATION_ID_NOT_FOUND = 2009
    #: The server failed to fulfil an apparently valid request.
    SERVER_ERROR = 3000
    #: Cannot be done, e.g. cancelling a message already delivered.
    NOT_POSSIBLE = 3001
    #: The server could not complete the requested service.
    MESSAGE_REJECTED = 3002
    #: Not supported for several recipients; resubmit one by one.
    MULTIPLE_ADDRESSES_NOT_SUPPORTED = 3003
    #: The R/S does not support application addressing (Rel-6).
    APPLICATION_ADDRESSING_NOT_SUPPORTED = 3004
    #: The requested service cannot be fulfilled.
    GENERAL_SERVICE_ERROR = 4000
    #: The identification header does not uniquely identify the client.
    IMPROPER_IDENTIFICATION = 4001
    #: MM7Version not supported.
    UNSUPPORTED_VERSION = 4002
    #: Message type (PDU) not supported.
    UNSUPPORTED_OPERATION = 4003
    #: SOAP/XML unparsable, mandatory fields missing or format incompatible.
    VALIDATION_ERROR = 4004
    #: The operation caused a server failure; do not resend.
    SERVICE_ERROR = 4005
    #: The server is temporarily unavailable (e.g. busy).
    SERVICE_UNAVAILABLE = 4006
    #: The client is not authorised for the operation.
    SERVICE_DENIED = 4007
    #: The application (ApplicID) is not authorised (Rel-6).
    APPLICATION_DENIED = 4008

    @classmethod
    def _missing_(cls, value: object) -> Optional[StatusCode]:
        # bool is an int subclass, but True is no status code; returning None
        # makes Enum raise its usual ValueError.
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        value = int(value)  # an int subclass (another IntEnum) becomes plain
        if not _MIN_CODE <= value <= _MAX_CODE:
            return None
        member = _PSEUDO_MEMBERS.get(value)
        if member is None:
            # Built like a real member but kept out of _value2member_map_, so
            # iteration and len() still see only the spec's codes.
            candidate = int.__new__(cls, value)
            candidate._name_ = f"CODE_{value}"
            candidate._value_ = value
            # setdefault keeps one instance per value even under threads.
            member = _PSEUDO_MEMBERS.setdefault(value, candidate)
        return member

    def __str__(self) -> str:
        return str(self._value_)

    def __format__(self, format_spec: str) -> str:
        return format(self._value_, format_spec)

    @property
    def is_known(self) -> bool:
        """True for a code the spec defines, False for a pseudo-member."""
        return self._value_ in _TEXTS

    @property
    def effective(self) -> StatusCode:
        """The known code this one is treated as (see the module docstring)."""
        value: int = self._value_
        if value in _TEXTS:
            return self
        if 1101 <= value <= 1199:
            return StatusCode.PARTIAL_SUCCESS
        if 1000 <= value <= 4999:
            return StatusCode(value // 1000 * 1000)
        return StatusCode.SERVER_ERROR

    @property
    def status_class(self) -> StatusClass:
        """The class of the effective code (so 5000 or 999 is SERVER_ERROR)."""
        return StatusClass(self.effective._value_ // 1000)

    @property
    def is_success(self) -> bool:
        """True for 1xxx, partial success included."""
        return self.status_class is StatusClass.SUCCESS

    @property
    def is_partial(self) -> bool:
        """True for 1100–1199: executed, but some parts were not."""
        return self.effective is StatusCode.PARTIAL_SUCCESS

    @property
    def retryable(self) -> bool:
        """True when sending the same request again later may succeed.

        Only transient server-side states qualify (see ``_RETRYABLE``); 1xxx
        needs no retry and 2xxx means the request itself is wrong. An unknown
        code inherits the answer of its effective code.
        """
        return self.effective in _RETRYABLE

    @property
    def default_text(self) -> str:
        """The spec's StatusText wording (the effective code's, if unknown)."""
        return _TEXTS[self.effective._value_]

    @property
    def fault_code(self) -> Optional[str]:
        """SOAP faultcode: "Client" for 2xxx, "Server" for 3xxx/4xxx, else None."""
        return self.status_class.fault_code


# StatusText wording exactly as in the spec table (capitalisation included,
# it is what peers send); also the set of known codes.
_TEXTS: Dict[int, str] = {
    1000: "Success",
    1100: "Partial success",
    2000: "Client error",
    2001: "Operation restricted",
    2002: "Address Error",
    2003: "Address Not Found",
    2004: "Multimedia content refused",
    2005: "Message ID Not found",
    2006: "LinkedID not found",
    2007: "Message format corrupt",
    2008: "Application ID not found",
    2009: "Reply Application ID not found",
    3000: "Server Error",
    3001: "Not Possible",
    3002: "Message rejected",
    3003: "Multiple addresses not supported",
    3004: "Application Addressing not supported",
    4000: "General service error",
    4001: "Improper identification",
    4002: "Unsupported version",
    4003: "Unsupported operation",
    4004: "Validation error",
    4005: "Service error",
    4006: "Service unavailable",
    4007: "Service denied",
    4008: "Application denied",
}

# Codes after which resending the same request later may work:
# - 3000: the server failed on a valid request, a fault of the moment.
# - 4006: the spec's own example is a busy server; it is temporary by name.
# Deliberately not retryable: 3001 (state will not change back), 3002 (a
# rejection, resending only repeats it), 3003/3004 (need a different request),
# 4000-4004/4007/4008 (identity, version, format or permission), 4005 (the
# spec says "do not resend").
_RETRYABLE: FrozenSet[StatusCode] = frozenset(
    {StatusCode.SERVER_ERROR, StatusCode.SERVICE_UNAVAILABLE}
)

# Pseudo-members by value; module-level because a dict in the class body
# would become an enum member.
_PSEUDO_MEMBERS: Dict[int, StatusCode] = {}


def status_text(code: int) -> str:
    """The spec's StatusText for ``code``; unknown codes get their class's text.

    Raises ``ValueError`` for codes :class:`StatusCode` rejects (0, negatives,
    above 99999).
    """
    return StatusCode(code).default_text


class MMStatus(str, enum.Enum):
    """``MMStatus`` of a DeliveryReportReq or a ReadReplyReq, unknown values kept.

    The members are the schemas' enumerations (delivery statuses, then the
    read statuses Read and Deleted; Indeterminate is in both). Gateways send
    others (``Delivered``, seen from aggregators): ``MMStatus("Delivered")``
    is a pseudo-member named ``UNKNOWN`` whose value is the text, equal to
    it, with ``is_known`` False. Known values match whatever their case or
    surrounding spaces. A member is a ``str`` equal to its wire value, and
    ``str()``/``format()`` give that value on every Python version.
    """

    EXPIRED = "Expired"
    RETRIEVED = "Retrieved"
    REJECTED = "Rejected"
    INDETERMINATE = "Indeterminate"
    FORWARDED = "Forwarded"
    #: REL-6-MM7-1-1 on.
    UNRECOGNISED = "Unrecognised"
    #: REL-6-MM7-1-1 on.
    DEFERRED = "Deferred"
    #: REL-6-MM7-1-3 on.
    DELIVERY_CONDITION_NOT_MET = "DeliveryConditionNotMet"
    #: Read-reply statuses.
    READ = "Read"
    DELETED = "Deleted"

    @classmethod
    def _missing_(cls, value: object) -> Optional[MMStatus]:
        if not isinstance(value, str):
            return None
        text = value.strip()
        for member in cls:
            if member.value.lower() == text.lower():
                return member
        # Not cached: the values come from the network, a cache would grow with them.
        unknown = str.__new__(cls, value)
        unknown._name_ = "UNKNOWN"
        unknown._value_ = value
        return unknown

    def __str__(self) -> str:
        return str(self._value_)

    def __format__(self, format_spec: str) -> str:
        return format(str(self._value_), format_spec)

    @property
    def is_known(self) -> bool:
        """True for a value some schema defines."""
        return self._name_ != "UNKNOWN"

    @property
    def is_final(self) -> bool:
        """True when no later report will change it (a message can get several:
        Forwarded, then Retrieved or Rejected, then Expired).

        Retrieved, Rejected, Expired, DeliveryConditionNotMet, Read and Deleted
        are final; Forwarded, Deferred, Indeterminate, Unrecognised and unknown
        values are not.
        """
        return self in _FINAL


_FINAL: FrozenSet[MMStatus] = frozenset(
    {
        MMStatus.RETRIEVED,
        MMStatus.REJECTED,
        MMStatus.EXPIRED,
        MMStatus.DELIVERY_CONDITION_NOT_MET,
        MMStatus.READ,
        MMStatus.DELETED,
    }
)
