"""SOAP 1.1 envelope <-> PDU: the XML layer (see ``_xml_encode`` and ``_xml_decode``).

Neither ``xml.etree`` nor ``re`` is imported here; they load on first use.
"""

from __future__ import annotations

from ._xml_decode import DEFECT_KINDS, canonical_fragment, decode_envelope, read_envelope
from ._xml_encode import SOAP_NS, encode_envelope

__all__ = [
    "DEFECT_KINDS",
    "SOAP_NS",
    "canonical_fragment",
    "decode_envelope",
    "encode_envelope",
    "read_envelope",
]
