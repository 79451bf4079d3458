"""mm7codec: encode and decode MM7 (3GPP TS 23.140) messages, standard library only.

Every PDU of every schema version (REL-5-MM7-1-0 to REL-6-MM7-1-4) from one
version table generated from the official XSDs; a streaming MIME core; named
defects for every deviation tolerated on decode; strict, schema-valid encode.
"""

from __future__ import annotations

from ._content import presentation
from ._decoder import Decoder, decode, decode_http
from ._encoder import EncodedMessage, encode, iter_encode
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
from ._headers import ContentType
from ._limits import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_ENVELOPE_SIZE,
    DEFAULT_MAX_HEADER_SIZE,
    DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_MAX_PARTS,
    Limits,
)
from ._message import Message
from ._numbers import InvalidNumberError, is_short_code, normalize_number
from ._part import Part
from ._pdu import (
    PDU,
    Address,
    CancelReq,
    CancelRsp,
    ContentRef,
    DeliverReq,
    DeliverRsp,
    DeliveryReportReq,
    DeliveryReportRsp,
    ExtendedCancelReq,
    ExtendedCancelRsp,
    ExtendedReplaceReq,
    ExtendedReplaceRsp,
    Extension,
    ReadReplyReq,
    ReadReplyRsp,
    Recipients,
    ReplaceReq,
    ReplaceRsp,
    ReplyCharging,
    Request,
    Response,
    RSErrorRsp,
    SenderIdentification,
    SentTime,
    Status,
    SubmitReq,
    SubmitRsp,
    UACapabilities,
    UserAgent,
    VASPErrorRsp,
)
from ._status import MMStatus, StatusClass, StatusCode, status_text
from ._version import __version__, __version_info__
from ._versions import LATEST, VERSIONS, SchemaVersion, get_version

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_ENVELOPE_SIZE",
    "DEFAULT_MAX_HEADER_SIZE",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "DEFAULT_MAX_PARTS",
    "LATEST",
    "PDU",
    "VERSIONS",
    "Address",
    "CancelReq",
    "CancelRsp",
    "ContentRef",
    "ContentType",
    "DecodeError",
    "Decoder",
    "Defect",
    "DeliverReq",
    "DeliverRsp",
    "DeliveryReportReq",
    "DeliveryReportRsp",
    "EncodeError",
    "EncodedMessage",
    "ExtendedCancelReq",
    "ExtendedCancelRsp",
    "ExtendedReplaceReq",
    "ExtendedReplaceRsp",
    "Extension",
    "InvalidNumberError",
    "LimitExceededError",
    "Limits",
    "MM7Error",
    "MMStatus",
    "Message",
    "Part",
    "RSErrorRsp",
    "ReadReplyReq",
    "ReadReplyRsp",
    "Recipients",
    "ReplaceReq",
    "ReplaceRsp",
    "ReplyCharging",
    "Request",
    "Response",
    "SchemaVersion",
    "SenderIdentification",
    "SentTime",
    "Status",
    "StatusClass",
    "StatusCode",
    "StatusError",
    "SubmitReq",
    "SubmitRsp",
    "UACapabilities",
    "UnsupportedOperationError",
    "UnsupportedVersionError",
    "UserAgent",
    "VASPErrorRsp",
    "__version__",
    "__version_info__",
    "decode",
    "decode_http",
    "encode",
    "get_version",
    "is_short_code",
    "iter_encode",
    "normalize_number",
    "presentation",
    "status_text",
]
