"""The bare floor of decoding a small MM7 request in pure Python; stdlib only.

``bare_decode`` does only what any decoder of a clean multipart/related MM7
body has to do: split the parts at their delimiters, read each header block,
decode base64 bodies, recurse into nested multiparts, parse the SOAP envelope
with ``xml.etree`` and collect the PDU's elements into plain dicts. It checks
nothing, records no defects, enforces no limits, builds no typed records and
copes only with CRLF bodies that are already clean.

It is not a decoder: it is the measuring stick for the "≥ 5× stdlib email on
a ~4 KB request" target (DESIGN.md §4). ``run.py`` times it next to
``mm7codec.decode`` and stdlib ``email`` on the same bytes; when even this floor
is barely 5× ``email``, a decoder that validates is below it.
"""

from __future__ import annotations

import binascii
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Tuple


def _content_type(value: str) -> Tuple[str, Dict[str, str]]:
    main, _, rest = value.partition(";")
    params = {}
    for item in rest.split(";"):
        key, _, val = item.partition("=")
        params[key.strip().lower()] = val.strip().strip('"')
    return main.strip().lower(), params


def _split(body: bytes, content_type: str) -> List[Tuple[Dict[str, str], Any]]:
    _, params = _content_type(content_type)
    # A leading CRLF lets the first delimiter match like the others.
    pieces = (b"\r\n" + body).split(b"\r\n--" + params["boundary"].encode())
    parts: List[Tuple[Dict[str, str], Any]] = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        head, _, data = piece[2:].partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip()
        ctype = headers.get("content-type", "text/plain")
        if ctype.lower().startswith("multipart/"):
            parts.append((headers, _split(data, ctype)))
        elif headers.get("content-transfer-encoding", "").lower() == "base64":
            parts.append((headers, binascii.a2b_base64(data)))
        else:
            parts.append((headers, data))
    return parts


def _elements(elem: ET.Element) -> Dict[str, Any]:
    values: Dict[str, Any] = {}
    for child in elem:
        name = child.tag.rpartition("}")[2]
        values[name] = _elements(child) if len(child) else (child.text, dict(child.attrib))
    return values


def bare_decode(body: bytes, content_type: str) -> Tuple[Dict[str, Any], List[Any]]:
    """(the PDU's elements, the MIME parts) of a clean MM7 body whose first part is SOAP."""
    parts = _split(body, content_type)
    envelope = ET.fromstring(parts[0][1])
    pdu = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]  # type: ignore[index]
    return _elements(pdu), parts
