"""The exception tree and the record of tolerated deviations.

Every error carries ``status_code``: the MM7 status a server answers with when
the error is the remote side's fault (TS 23.140 §8.7; mm7-spec.md §4.6). Any
exception other than an :class:`MM7Error` escaping ``decode``, ``Decoder.feed``
/ ``close`` or ``encode`` is a bug.

Lenient decoding appends a :class:`Defect` per tolerated deviation (the idea of
stdlib ``email``'s defects, held as data); ``strict=True`` turns the first one
into a :class:`DecodeError` instead.
"""

from __future__ import annotations

from ._defects import DEFECTS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from dataclasses import field
    from typing import List, Optional
else:
    from ._record import field, record

__all__ = [
    "DecodeError",
    "Defect",
    "DefectRecorder",
    "EncodeError",
    "LimitExceededError",
    "MM7Error",
    "StatusError",
    "UnsupportedOperationError",
    "UnsupportedVersionError",
]

# Status codes used below, spelled as numbers so this module imports no table.
_VALIDATION_ERROR = 4004
_UNSUPPORTED_VERSION = 4002
_UNSUPPORTED_OPERATION = 4003
_FORMAT_CORRUPT = 2007


class MM7Error(Exception):
    """Root of every error mm7codec raises.

    ``status_code`` is the MM7 status code a server would answer with;
    ``offset`` is the byte offset in the input where the problem was found,
    when it is known.
    """

    default_status_code: int = 3000

    def __init__(
        self, message: str, *, status_code: Optional[int] = None, offset: Optional[int] = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code: int = (
            self.default_status_code if status_code is None else int(status_code)
        )
        self.offset = offset

    def __str__(self) -> str:
        where = "" if self.offset is None else f" (at byte {self.offset})"
        return f"{self.message}{where} [status {self.status_code}]"


class DecodeError(MM7Error):
    """The remote side sent something that cannot be decoded.

    4004 (validation error) by default; 2007 for a bad element value, 2004 for
    content that cannot be parsed.
    """

    default_status_code = _VALIDATION_ERROR


class UnsupportedVersionError(DecodeError):
    """The MM7 version or schema cannot be handled (4002)."""

    default_status_code = _UNSUPPORTED_VERSION


class UnsupportedOperationError(DecodeError):
    """The PDU (message type) is not one MM7 defines (4003)."""

    default_status_code = _UNSUPPORTED_OPERATION


class LimitExceededError(DecodeError):
    """Input went over a configured limit; nothing is ever truncated (4004).

    ``limit`` names the limit (for example ``"max_message_size"``) and
    ``value`` is its configured value.
    """

    default_status_code = _VALIDATION_ERROR

    def __init__(
        self,
        message: str,
        *,
        limit: str = "",
        value: Optional[int] = None,
        status_code: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> None:
        super().__init__(message, status_code=status_code, offset=offset)
        self.limit = limit
        self.value = value


class EncodeError(MM7Error):
    """The caller asked for something that cannot be encoded validly (2007)."""

    default_status_code = _FORMAT_CORRUPT


class StatusError(MM7Error):
    """Raised by ``Message.raise_for_status()`` for a non-success status.

    ``status_code`` is the code the peer sent; ``status_text`` its text.
    """

    def __init__(
        self, message: str, *, status_code: int, status_text: Optional[str] = None
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.status_text = status_text


@record(frozen=True)
class Defect:
    """One tolerated deviation from the schema or the MIME rules.

    ``kind`` is a stable, dash-separated name (``"href-missing-cid-prefix"``),
    one of the catalogue in ``docs/defects.md``; ``detail`` says what was seen;
    ``offset`` is the byte offset where it was found, when the layer knows it
    (not compared: equal messages fed in different chunks stay equal).
    """

    kind: str
    detail: str = ""
    offset: Optional[int] = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}" if self.detail else self.kind


class DefectRecorder:
    """Collects defects, or raises on the first one in strict mode.

    One instance is shared by every layer decoding one message, so the
    message's defects come out in the order they were found.
    """

    __slots__ = ("defects", "strict")

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.defects: List[Defect] = []

    def record(
        self,
        kind: str,
        detail: str = "",
        *,
        status_code: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> None:
        """Note a deviation; in strict mode raise :class:`DecodeError` for it."""
        assert kind in DEFECTS, f"defect kind {kind!r} is not in mm7codec/_defects.py"
        defect = Defect(kind, detail, offset)
        if self.strict:
            raise DecodeError(f"strict mode: {defect}", status_code=status_code, offset=offset)
        self.defects.append(defect)
