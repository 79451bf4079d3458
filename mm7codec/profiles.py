"""Gateway profiles: what one peer calls "correct", as data.

Each gateway wants its own schema version and MM7Version pairing, SOAPAction,
number format and content layout (facts in ``peers.md``; README "Gateway
profiles"). A :class:`Profile` names them once; the shells apply it:
``encode(message, profile=SINCH)``, ``mm7codec.http.Client(url,
profile="sinch")``, ``make_wsgi_app(handler, profile=...)``, the CLI's
``--profile``. What they call:

>>> from mm7codec.profiles import SINCH
>>> message = SINCH.prepare(message)                # version, MM7Version, number rule
>>> encoded = mm7codec.encode(message)
>>> headers = SINCH.request_headers(encoded.headers)   # SOAPAction as Sinch sends it

An answer written by a receiver uses :meth:`Profile.response_headers` (no
SOAPAction, the profile's Content-Type). Decoding needs no profile: the decoder
already reads what each profile's notes say the peer sends.

``encode(profile=)`` honours ``soap_transfer_encoding`` and ``media_layout``:
``MediaLayout.SIBLINGS`` (Telnyx) writes the content's members beside the
SOAP part, the href naming the SMIL presentation or the first member, and
``decode`` reads that back as one multipart/related content. ``soap_prefix``
is the SOAP envelope prefix written (``env`` for every profile here; some Java
stacks read only ``SOAP-ENV``: ``profile.replace(soap_prefix="SOAP-ENV")``).

"""

from __future__ import annotations

import enum

from ._errors import EncodeError
from ._message import Message
from ._numbers import InvalidNumberError, normalize_number
from ._pdu import Address, DeliverReq
from ._record import replace as _replace
from ._versions import SchemaVersion, get_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from typing import Any, Iterator, List, Optional, Sequence, Tuple
else:
    from ._record import record

__all__ = [
    "LENIENT_PEER",
    "MBUNI",
    "NOWSMS",
    "PROFILES",
    "SINCH",
    "STANDARD",
    "TELNYX",
    "MediaLayout",
    "NumberRule",
    "Profile",
    "get_profile",
]

_XML = 'text/xml; charset="utf-8"'


class NumberRule(enum.Enum):
    """What a peer accepts in ``<Number>`` (``Address.number`` checks the form itself)."""

    #: Whatever ``Address.number`` accepts (``+1 555 ...``, ``/TYPE=PLMN``).
    ANY = "any"
    #: International digits only: 7 to 15 digits, no ``+``, no ``00``, no
    #: separators (Sinch: ``15553199144``).
    INTERNATIONAL_DIGITS = "international-digits"


class MediaLayout(enum.Enum):
    """Where the content goes in the ``multipart/related`` body."""

    #: One content part after the SOAP part, the one ``Content href`` names
    #: (TS 23.140 §8.4; what ``encode`` writes without a profile).
    MULTIPART = "multipart"
    #: Each top-level member of the content a sibling of the SOAP part, the
    #: root (``start``, else the SMIL presentation, else the first) written
    #: first and named by the href; a leaf content is one part either way (Telnyx).
    SIBLINGS = "siblings"


@record(frozen=True)
class Profile:
    """How to talk to one kind of peer.

    ``version`` (a schema name) and ``mm7_version`` are written by
    :meth:`prepare`. ``soap_action`` is the SOAPAction header value;
    ``{namespace}`` in it stands for the schema's namespace URI.
    ``response_content_type`` is what a receiver writes on a bare-envelope
    answer to this peer; ``peer_content_type`` is what the peer's own answers
    carry (a fact for readers; the decoder accepts it). ``peer_namespace`` and
    ``peer_mm7_version`` are set when the peer writes values outside the 3GPP
    schemas: mm7codec reads them (the decoder maps them to ``version``) but
    writes only what the official XSD validates, so answers go out in
    ``version``. ``always_priority`` writes ``Priority`` on a DeliverReq that
    has none (a reader that throws without it); ``refused_fields`` are PDU
    fields :meth:`prepare` refuses to send to this peer. ``notes`` says where the facts
    come from.
    """

    name: str
    version: str
    mm7_version: str
    soap_action: str = '""'
    number_rule: NumberRule = NumberRule.ANY
    media_layout: MediaLayout = MediaLayout.MULTIPART
    #: ``None``: the encoder's choice (8bit, or binary for long lines).
    soap_transfer_encoding: Optional[str] = None
    #: The SOAP envelope prefix the encoder writes (one of ``SOAP_PREFIXES``).
    soap_prefix: str = "env"
    response_content_type: str = _XML
    peer_content_type: str = _XML
    peer_namespace: Optional[str] = None
    peer_mm7_version: Optional[str] = None
    always_priority: bool = False
    #: PDU fields the peer answers with an error when set (Sinch: ChargedParty).
    refused_fields: Tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self) -> None:
        # Programming mistakes in a custom profile, caught when it is built.
        schema = get_version(self.version)
        if self.mm7_version not in schema.mm7_versions:
            raise ValueError(
                f"profile {self.name}: {schema.name} does not accept MM7Version"
                f" {self.mm7_version} (it accepts {', '.join(schema.mm7_versions)})"
            )
        from ._xml_encode import SOAP_PREFIXES

        if self.soap_prefix not in SOAP_PREFIXES:
            raise ValueError(
                f"profile {self.name}: SOAP prefix {self.soap_prefix!r} is not one of "
                f"{sorted(SOAP_PREFIXES)}"
            )
        if self.soap_transfer_encoding not in (None, "8bit", "binary"):
            raise ValueError(
                f"profile {self.name}: SOAP part transfer encoding must be 8bit/binary"
            )

    @property
    def schema(self) -> SchemaVersion:
        """The schema version this profile writes."""
        return get_version(self.version)

    def replace(self, **changes: Any) -> Profile:
        """A copy with some fields changed: ``SINCH.replace(version="REL-5-MM7-1-2",
        mm7_version="5.3.0")`` for an account set up on 5.3.0."""
        return _replace(self, **changes)

    def soap_action_value(self) -> str:
        """The SOAPAction header value, ``{namespace}`` filled in."""
        return self.soap_action.replace("{namespace}", self.schema.namespace)

    def prepare(self, message: Message) -> Message:
        """``message`` in this profile's schema and MM7Version, checked against its rules.

        Raises:
            InvalidNumberError: a ``<Number>`` the peer refuses (an
                :class:`EncodeError`, status 2002), the rule quoted and
                ``normalize_number`` suggested.
            EncodeError: a field set that the peer refuses (``refused_fields``).
        """
        if not isinstance(message, Message):
            raise TypeError(f"prepare() takes a Message, not {type(message).__name__}")
        if self.number_rule is NumberRule.INTERNATIONAL_DIGITS:
            for address in _addresses(message.pdu):
                if address.kind == "number":
                    self._check_international(address.value)
        pdu = message.pdu
        for name in self.refused_fields:
            if pdu.__dict__.get(name) is not None:
                raise EncodeError(
                    f"{self.name} refuses {type(pdu).__name__}.{name}: leave it unset"
                )
        if self.always_priority and isinstance(pdu, DeliverReq) and pdu.priority is None:
            pdu = _replace(pdu, priority="Normal")
        return message.replace(pdu=pdu, version=self.schema, mm7_version=self.mm7_version)

    def _check_international(self, value: str) -> None:
        try:
            normalized: Optional[str] = normalize_number(value)
            hint = f"normalize_number({value!r}) gives {normalized!r}"
        except InvalidNumberError as exc:
            normalized = None
            hint = f"normalize_number refuses it too ({exc.message})"
        if normalized == value:
            return
        raise InvalidNumberError(
            f"{self.name} wants numbers as international digits, no '+', '00' or"
            f" separators (like 15553199144); {value!r} is not one: {hint}",
            number=value,
        )

    def request_headers(self, headers: Sequence[Tuple[str, str]]) -> List[Tuple[str, str]]:
        """Headers of an encoded request with this peer's SOAPAction."""
        out = [(k, v) for k, v in headers if k.lower() != "soapaction"]
        out.append(("SOAPAction", self.soap_action_value()))
        return out

    def response_headers(self, headers: Sequence[Tuple[str, str]]) -> List[Tuple[str, str]]:
        """Headers of an encoded answer: no SOAPAction (a request header), and a
        bare envelope labelled ``response_content_type``."""
        out: List[Tuple[str, str]] = []
        for key, value in headers:
            lower = key.lower()
            if lower == "soapaction":
                continue
            if lower == "content-type" and value.split(";", 1)[0].strip().lower() == "text/xml":
                value = self.response_content_type
            out.append((key, value))
        return out


def _addresses(value: Any) -> Iterator[Address]:
    if isinstance(value, Address):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _addresses(item)
    elif hasattr(value, "_record_fields"):
        for item in value.__dict__.values():
            yield from _addresses(item)


#: TS 23.140 as written: the latest schema, SOAPAction "" (what ``encode`` does alone).
STANDARD = Profile(
    name="standard",
    version="REL-6-MM7-1-4",
    mm7_version="6.8.0",
    notes="The latest 3GPP schema with its own MM7Version; mm7codec's defaults.",
)

SINCH = Profile(
    name="sinch",
    version="REL-6-MM7-1-4",
    mm7_version="6.8.0",
    soap_action='"{namespace}"',
    number_rule=NumberRule.INTERNATIONAL_DIGITS,
    peer_content_type="application/xml",
    refused_fields=("charged_party",),
    notes=(
        "Accepts MM7Version 5.3.0 to 6.8.0 (pick one and stay on it: SINCH.replace(...)). Recipients in international format, digits only."
        ' Sends SOAPAction: "<namespace URI>", answers application/xml, labels a bare'
        " XML body multipart/related; rejects ChargedParty."
    ),
)

MBUNI = Profile(
    name="mbuni",
    version="REL-5-MM7-1-0",
    mm7_version="5.3.0",
    notes=(
        "The open-source gateway's defaults (mm7-soap-xmlns REL-5-MM7-1-0, mm7-version"
        " 5.3.0). It writes typed <Number>/<RFC2822Address>/<ShortCode> for versions after"
        ' 5.1.0, so 5.3.0 gets typed addresses; sends SOAPAction ""; answers every'
        " non-1xxx status with a Fault (faultcode Server) and reads any non-2xx as a"
        " transport failure."
    ),
)

NOWSMS = Profile(
    name="nowsms",
    version="REL-5-MM7-1-2",
    mm7_version="5.3.0",
    notes=(
        "NowSMS and Vibes: REL-5-MM7-1-2 must carry 5.3.0. NowSMS requires Content-Length;"
        " Vibes takes an empty HTTP 200 as the answer to an MO or a report."
    ),
)

TELNYX = Profile(
    name="telnyx",
    version="REL-6-MM7-1-4",
    mm7_version="6.8.0",
    media_layout=MediaLayout.SIBLINGS,
    notes="MM7Version 6.8.0; media as sibling parts instead of one multipart Content part.",
)

LENIENT_PEER = Profile(
    name="lenient-peer",
    version="REL-6-MM7-1-3",
    mm7_version="6.6.0",
    soap_transfer_encoding="binary",
    peer_namespace="http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-6-7",
    peer_mm7_version="6.7.0",
    always_priority=True,
    notes=(
        "Peers built on a widely used Java library: they write the non-3GPP namespace"
        " REL-6-MM7-6-7 with MM7Version 6.7.0 (read as REL-6-MM7-1-3, the newest schema"
        " not newer than 6.7.0), a binary SOAP part, Java Date.toString() dates and"
        " True/False booleans; their reader throws on a DeliverReq without Priority."
    ),
)

#: Every built-in profile by name.
PROFILES = {p.name: p for p in (STANDARD, SINCH, MBUNI, NOWSMS, TELNYX, LENIENT_PEER)}


def get_profile(name: str | Profile) -> Profile:
    """A built-in profile by name (``"sinch"``, case and ``_``/``-`` ignored).

    Raises:
        ValueError: no such profile (a programming or configuration mistake).
    """
    if isinstance(name, Profile):
        return name
    key = str(name).strip().lower().replace("_", "-")
    found = PROFILES.get(key)
    if found is None:
        raise ValueError(f"unknown profile {name!r} (known: {', '.join(PROFILES)})")
    return found
