"""Messages as plain JSON-able data and back: the CLI's ``--json`` and ``encode SPEC.json``.

The format is documented in ``docs/cli.md``; what ``decode --json`` prints
``encode`` takes back. A PDU is ``{"pdu": wire name, "fields": {...}}`` with
snake_case field names; an address is ``{"number": "1555..."}`` (or ``email``
/ ``short_code``) plus its attributes, or a plain string for a number.
Content is a part, or a list of parts: ``{"text": ...}``, ``{"file": path}``,
``{"base64": ..., "content_type": ...}`` or ``{"content_type":
"multipart/...", "parts": [...]}``. Decoded leaves carry ``base64`` (the
bytes) plus ``size``, ``sha256`` and a ``text`` preview that encode ignores.
"""

from __future__ import annotations

import base64
import hashlib
import os

from . import _pdu
from ._errors import EncodeError
from ._headers import parse_content_type
from ._pdu import PDU_CLASSES, Address, Extension, Recipients
from ._record import fields_of, iter_items
from ._versions import LATEST
from ._wire import ADDRESS_ELEMENTS, FIELD_SHAPES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

    from ._message import Message
    from ._part import Part

__all__ = ["message_from_spec", "message_to_data", "part_to_data"]


def value_to_data(value: Any) -> Any:
    """A field value as JSON-able data."""
    if isinstance(value, int) and hasattr(value, "status_class"):
        return int(value)  # a StatusCode, as its number
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Address):
        data: Dict[str, Any] = {value.kind: value.value}
        for name in ("display_only", "address_coding", "id"):
            if getattr(value, name) is not None:
                data[name] = getattr(value, name)
        return data
    if isinstance(value, (tuple, list)):
        return [value_to_data(v) for v in value]
    if hasattr(value, "_record_fields"):
        return {k: value_to_data(v) for k, v in iter_items(value) if v is not None and v != ()}
    return str(value)


def part_to_data(part: Part, *, preview: int = 0, data: bool = False) -> Dict[str, Any]:
    """A part tree: types, IDs, sizes, a digest of each body and its children.

    ``data`` adds each leaf's bytes as ``base64``, so the tree can be encoded again.
    """
    out: Dict[str, Any] = {"content_type": str(part.content_type)}
    if part.content_id is not None:
        out["content_id"] = part.content_id
    if part.content_location is not None:
        out["content_location"] = part.content_location
    if part.is_multipart:
        out["parts"] = [part_to_data(p, preview=preview, data=data) for p in part.parts]
        return out
    out["size"] = part.size
    digest = hashlib.sha256()
    for chunk in part.iter_data():
        digest.update(chunk)
    out["sha256"] = digest.hexdigest()
    if data:
        out["base64"] = base64.b64encode(part.data).decode("ascii")
    if preview and part.content_type.type == "text":
        charset = part.content_type.params.get("charset") or "utf-8"
        try:
            out["text"] = part.data[: preview * 4].decode(charset, "replace")[:preview]
        except (LookupError, UnicodeError, ValueError):
            out["text"] = part.data[:preview].decode("latin-1")
    return out


def message_to_data(message: Message, *, data: bool = False) -> Dict[str, Any]:
    """A message as JSON-able data; with ``data`` the content bytes too (then
    :func:`message_from_spec` builds the same message back)."""
    out: Dict[str, Any] = {
        "pdu": message.pdu.WIRE_NAME,
        "version": message.version.name,
        "mm7_version": message.mm7_version,
        "transaction_id": message.transaction_id,
        "fields": value_to_data(message.pdu),
    }
    if message.content is not None:
        out["content"] = part_to_data(message.content, preview=200, data=data)
    out["defects"] = [{"kind": d.kind, "detail": d.detail} for d in message.defects]
    return out


# --- from a spec -------------------------------------------------------------------------------


def _address(data: Any) -> Address:
    if isinstance(data, str):
        return Address.number(data)
    if not isinstance(data, dict):
        raise EncodeError(f"an address is a string or an object, not {data!r}")
    kinds = [k for k in ADDRESS_ELEMENTS if k in data]
    if len(kinds) != 1:
        raise EncodeError(f"an address needs exactly one of {sorted(ADDRESS_ELEMENTS)}: {data!r}")
    attrs = {k: v for k, v in data.items() if k != kinds[0]}
    address: Address = _build(Address, {"value": data[kinds[0]], "kind": kinds[0], **attrs})
    return address


def _build(cls: Any, values: Dict[str, Any]) -> Any:
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise EncodeError(f"{cls.__name__}: {exc}") from None


def _addresses(data: Any) -> List[Address]:
    return [_address(a) for a in (data if isinstance(data, list) else [data])]


def _record(cls: Any, data: Any) -> Any:
    """A nested record from an object, or from its first field's value alone
    (``"content": "cid:x"``, ``"status": 1000``)."""
    if isinstance(data, list):
        raise EncodeError(f"a {cls.__name__} is an object or one value, not a list: {data!r}")
    values = dict(data) if isinstance(data, dict) else {fields_of(cls)[0]: data}
    return _build(cls, {k: _field(k, v) if k in FIELD_SHAPES else v for k, v in values.items()})


def _dc(value: Any) -> int:
    """A DeliveryCondition DC value: a JSON number, or ASCII digits (never '²')."""
    from ._xml_decode import ascii_int

    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = ascii_int(value) if isinstance(value, str) else None
    if number is None:
        raise EncodeError(f"a DeliveryCondition value is a number, not {value!r}")
    return number


def _checked_field(name: str, data: Any) -> Any:
    """:func:`_field`, a malformed JSON shape (a list where an object belongs...) an EncodeError."""
    try:
        return _field(name, data)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise EncodeError(f"field {name!r}: cannot use {data!r} ({exc})") from None


def _field(name: str, data: Any) -> Any:
    """A field value from JSON data, by the field's shape (``_wire.FIELD_SHAPES``)."""
    if data is None:
        return None
    shape = FIELD_SHAPES.get(name, "")
    if shape == "address":
        return _address(data)
    if shape == "recipients":
        if isinstance(data, (list, str)):
            return Recipients(to=_addresses(data))
        return _build(Recipients, {k: _addresses(v) for k, v in data.items()})
    if shape.startswith(("record:", "sequence:")):
        kind, _, record = shape.partition(":")
        cls = getattr(_pdu, record)
        items = [data] if kind == "record" else data
        built = tuple(_record(cls, item) for item in items)
        return built[0] if kind == "record" else built
    if shape == "dc-list" and isinstance(data, list):
        return tuple(_dc(v) for v in data)
    if name == "extensions":
        return tuple(_build(Extension, d) for d in data)
    return data


_PART_OPTIONS = ("content_id", "content_location")


def _part(item: Any) -> Part:
    from ._part import Part

    if not isinstance(item, dict):
        raise EncodeError(f"a content item is an object, not {item!r}")
    options = {k: item[k] for k in _PART_OPTIONS if k in item}
    if "parts" in item:
        ct, ok = parse_content_type(str(item.get("content_type") or "multipart/mixed"))
        if not ok:
            raise EncodeError(f"invalid content type {item.get('content_type')!r}")
        # The writer draws its own boundary: the old one may not suit the new bytes.
        params = {k: v for k, v in ct.params.items() if k != "boundary"}
        children = item["parts"]
        if not isinstance(children, list):
            raise EncodeError(f"'parts' is a list of content items, not {children!r}")
        return Part.multipart(ct.mime_type, [_part(c) for c in children], params=params, **options)
    if "base64" in item:
        # Before "text": a decoded leaf has both, and its "text" is only a preview.
        try:
            data = base64.b64decode(item["base64"], validate=True)
        except (ValueError, TypeError) as exc:
            raise EncodeError(f"bad base64 in content spec: {exc}") from None
        return Part.bytes(data, item.get("content_type", "application/octet-stream"), **options)
    if "text" in item:
        return Part.text(item["text"], item.get("subtype", "plain"), **options)
    if "file" in item:
        return Part.file(item["file"], item.get("content_type"), **options)
    raise EncodeError(
        f"a content item needs text, file or base64 (parts for a multipart): {item!r}"
    )


def _content(spec: Any, smil: bool) -> Optional[Part]:
    from ._part import Part

    if spec is None:
        return None
    if isinstance(spec, dict) and not smil:
        return _part(spec)
    parts = [_part(item) for item in (spec if isinstance(spec, list) else [spec])]
    if len(parts) == 1 and not smil:
        return parts[0]
    if smil:
        from ._content import presentation

        return presentation(parts)
    return Part.multipart("mixed", parts)


#: Top-level keys of a spec; "defects" (from decode --json) is read and ignored.
_SPEC_KEYS = frozenset(
    {"pdu", "version", "mm7_version", "transaction_id", "fields", "content", "smil", "defects"}
)


def message_from_spec(spec: Dict[str, Any]) -> Message:
    """Build a message from a JSON spec (see the module docstring).

    Raises:
        EncodeError: the spec names an unknown PDU or field, or a value is invalid.
    """
    from ._message import Message

    if not isinstance(spec, dict):
        raise EncodeError("the spec must be a JSON object")
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        raise EncodeError(f"unknown spec keys {unknown}; known: {', '.join(sorted(_SPEC_KEYS))}")
    name = spec.get("pdu", "")
    cls = PDU_CLASSES.get(name) or next(
        (c for c in PDU_CLASSES.values() if c.__name__ == name), None
    )
    if cls is None:
        raise EncodeError(f"unknown PDU {name!r}; one of {', '.join(PDU_CLASSES)}")
    given = spec.get("fields") or {}
    if not isinstance(given, dict):
        raise EncodeError(f"'fields' is an object, not {given!r}")
    fields = {k: _checked_field(k, v) for k, v in given.items()}
    pdu = _build(cls, fields)
    message: Message = _build(
        Message,
        {
            "pdu": pdu,
            "transaction_id": str(spec.get("transaction_id") or os.urandom(8).hex()),
            "version": spec.get("version", LATEST),
            "mm7_version": spec.get("mm7_version"),
            "content": _content(spec.get("content"), bool(spec.get("smil"))),
        },
    )
    return message
