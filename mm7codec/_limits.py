"""Named limits for decoding; going over one raises ``LimitExceededError``.

Each default carries the reason for its size. ``Limits`` bundles them so a
caller can tighten or loosen any one of them per ``Decoder``.
"""

from __future__ import annotations

from ._errors import LimitExceededError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as record
else:
    from ._record import record

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_ENVELOPE_SIZE",
    "DEFAULT_MAX_HEADER_SIZE",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "DEFAULT_MAX_PARTS",
    "DEFAULT_MAX_XML_DEPTH",
    "DEFAULT_SPOOL_THRESHOLD",
    "Limits",
    "MessageBudget",
]

#: Whole HTTP body. Operators cap MMS at 300 KB to 1 MB and vectorcore's MMSC
#: defaults to 5 MB; 64 MiB leaves room for video without inviting abuse.
DEFAULT_MAX_MESSAGE_SIZE = 64 << 20
#: MIME parts in the whole tree (nested ones included). Real MMS carry a few;
#: a SMIL slideshow rarely passes 50.
DEFAULT_MAX_PARTS = 1000
#: Nesting of multiparts. MM7 uses two levels (related > mixed/related);
#: pyasn1's CVEs show why unbounded recursion must never be possible.
DEFAULT_MAX_DEPTH = 8
#: One part's header block in bytes (h11 uses 16 KiB for a whole HTTP head).
DEFAULT_MAX_HEADER_SIZE = 64 << 10
#: The SOAP envelope. Real ones are 1 to 4 KB; 1 MiB covers vendor extensions.
DEFAULT_MAX_ENVELOPE_SIZE = 1 << 20
#: XML element nesting in the envelope; MM7 needs 6 levels.
DEFAULT_MAX_XML_DEPTH = 64
#: Part bodies above this many bytes move from memory to a temporary file.
DEFAULT_SPOOL_THRESHOLD = 1 << 20


@record(frozen=True)
class Limits:
    """The limits one decoder enforces (defaults: the ``DEFAULT_MAX_*`` constants)."""

    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    max_parts: int = DEFAULT_MAX_PARTS
    max_depth: int = DEFAULT_MAX_DEPTH
    max_header_size: int = DEFAULT_MAX_HEADER_SIZE
    max_envelope_size: int = DEFAULT_MAX_ENVELOPE_SIZE
    max_xml_depth: int = DEFAULT_MAX_XML_DEPTH
    spool_threshold: int = DEFAULT_SPOOL_THRESHOLD


class MessageBudget:
    """The one counter of ``max_message_size``: bytes fed, whoever reads them first.

    :meth:`take` says how many bytes of a chunk still fit. The reader hands
    those on (so what they hold, another limit or a strict-mode defect, is
    found as it would be had they come in smaller chunks) and then raises
    :meth:`error`; whole, byte-wise and chunked feeding thus end alike.
    """

    __slots__ = ("left", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, n: int) -> int:
        """How many of the next ``n`` bytes fit (``n`` when all do)."""
        left = self.left
        self.left = left - n
        if n <= left:
            return n
        return left if left > 0 else 0

    def error(self) -> LimitExceededError:
        return LimitExceededError(
            f"message larger than max_message_size ({self.limit} bytes)",
            limit="max_message_size",
            value=self.limit,
            offset=self.limit,
        )
