"""mm7codec: encode and decode MM7 (3GPP TS 23.140) messages. Standard library only."""

from __future__ import annotations

from ._errors import (
    DecodeError,
    Defect,
    EncodeError,
    LimitExceededError,
    MM7Error,
    StatusError,
    UnsupportedOperationError,
    UnsupportedVersionError,
)
from ._limits import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_ENVELOPE_SIZE,
    DEFAULT_MAX_HEADER_SIZE,
    DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_MAX_PARTS,
    Limits,
)
from ._version import __version__, __version_info__

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_ENVELOPE_SIZE",
    "DEFAULT_MAX_HEADER_SIZE",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "DEFAULT_MAX_PARTS",
    "DecodeError",
    "Defect",
    "EncodeError",
    "LimitExceededError",
    "Limits",
    "MM7Error",
    "StatusError",
    "UnsupportedOperationError",
    "UnsupportedVersionError",
    "__version__",
    "__version_info__",
]
