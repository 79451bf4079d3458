"""The catalogue of defect kinds: every tolerated deviation decoding can name.

One entry per kind: the layer that records it and one line of meaning.
``DefectRecorder.record`` refuses a kind that is not here (an assertion, so
the test suite catches a new kind nobody described), a test checks that every
kind the package records is here, and ``docs/defects.md`` is rendered from
this table (``python -m mm7codec._defects > docs/defects.md``; a test checks
that it is current).

Layers, outermost first: ``http`` (a whole HTTP capture, ``decode_http``),
``body`` (how the HTTP body is read: sniffing, the SOAP part, the content
reference), ``mime`` (the multipart parser), ``transfer`` (a part's
Content-Transfer-Encoding), ``xml`` (the SOAP envelope and the PDU).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Tuple

__all__ = ["DEFECTS", "LAYERS", "markdown"]

LAYERS: Tuple[str, ...] = ("http", "body", "mime", "transfer", "xml")

#: kind -> (layer, meaning)
DEFECTS: Dict[str, Tuple[str, str]] = {
    # http
    "http-header-folding": ("http", "an obsolete folded HTTP header line (joined with a space)"),
    "content-length-mismatch": (
        "http",
        "Content-Length disagrees with the body (says by how much and which framing was used)",
    ),
    "trailing-data-after-body": ("http", "bytes after Content-Length (the body is cut there)"),
    # body
    "xml-body-labelled-multipart": ("body", "a bare SOAP envelope labelled multipart/related"),
    "xml-body-mislabelled": ("body", "a bare SOAP envelope labelled neither text/xml nor XML"),
    "multipart-body-mislabelled": ("body", "a multipart body labelled as something else"),
    "missing-content-type": ("body", "no Content-Type: the body was sniffed"),
    "missing-start": ("body", "no start parameter: the SOAP part found by type or position"),
    "start-without-brackets": ("body", "the start parameter without <angle brackets>"),
    "start-matches-no-part": ("body", "the start parameter names no part"),
    "content-id-without-brackets": ("body", "a Content-ID without <angle brackets>"),
    "content-without-reference": ("body", "no Content href, one part besides SOAP (taken)"),
    "content-as-sibling-parts": (
        "body",
        "several parts besides SOAP, not one Content entity (all kept in one synthetic"
        " multipart: related, rooted at the part the href names; mixed without one)",
    ),
    "href-whitespace": ("body", "Content href with surrounding whitespace"),
    "href-cid-space": ("body", "Content href with whitespace after 'cid:'"),
    "href-missing-cid-prefix": ("body", "Content href without 'cid:'"),
    "href-with-brackets": ("body", "Content href with <angle brackets>"),
    "href-matches-no-part": ("body", "Content href names no part (every other part is kept)"),
    "href-names-inner-part": (
        "body",
        "Content href names a part inside a multipart (the whole multipart is taken)",
    ),
    # mime
    "bare-lf": ("mime", "lines end in LF without CR"),
    "missing-header-separator": ("mime", "a part's headers not ended by a blank line"),
    "malformed-header": ("mime", "a header line without a colon (ignored)"),
    "invalid-content-type": ("mime", "a part's Content-Type cannot be parsed (text/plain assumed)"),
    "multipart-without-boundary": ("mime", "a multipart Content-Type without boundary (a leaf)"),
    "unknown-transfer-encoding": ("mime", "an unknown Content-Transfer-Encoding (raw bytes kept)"),
    "part-transfer-encoding": ("mime", "an HTTP Transfer-Encoding header on a part (ignored)"),
    "preamble-too-long": ("mime", "a preamble over max_header_size (the start kept)"),
    "epilogue-too-long": ("mime", "an epilogue over max_header_size (the start kept)"),
    "junk-after-close-delimiter": ("mime", "text on the close delimiter's line after '--'"),
    "missing-close-delimiter": ("mime", "the body ends before the close delimiter (truncated)"),
    # transfer
    "base64-invalid-characters": ("transfer", "non-base64 characters in a base64 part (ignored)"),
    "base64-data-after-padding": ("transfer", "data after base64 padding (ignored)"),
    "base64-invalid-length": ("transfer", "one stray base64 character at the end (dropped)"),
    "base64-padding": ("transfer", "missing or short base64 padding"),
    # xml
    "whitespace-before-declaration": (
        "xml",
        "whitespace or blank lines before the XML declaration (removed)",
    ),
    "charset-mismatch": (
        "xml",
        "the MIME charset and the XML declaration name different encodings (the declaration wins)",
    ),
    "soap-namespace": ("xml", "Envelope, Header or Body is not in the SOAP 1.1 namespace"),
    "missing-transaction-id": ("xml", "no TransactionID in the SOAP Header (transaction_id is '')"),
    "transaction-id-whitespace": ("xml", "TransactionID padded with whitespace (stripped)"),
    "extra-body-element": ("xml", "more than one element in the SOAP Body (the first is decoded)"),
    "qualified-fault-element": (
        "xml",
        "faultcode/faultstring/detail in a namespace (SOAP 1.1 says unqualified)",
    ),
    "fault-without-pdu": (
        "xml",
        "a SOAP Fault without RSErrorRsp/VASPErrorRsp in detail (an RSErrorRsp is made from "
        "faultcode: Client 2000, Server 3000, other 4000)",
    ),
    "missing-namespace": ("xml", "the PDU is in no namespace (decoded by local names)"),
    "unknown-namespace": (
        "xml",
        "the PDU's namespace is not a 3GPP MM7 schema (decoded by local names)",
    ),
    "mm7-version-not-in-schema": (
        "xml",
        "MM7Version is not in the schema's versionType enumeration",
    ),
    "pdu-not-in-version": (
        "xml",
        "the PDU does not exist in the detected schema (decoded with the latest)",
    ),
    "namespace-mismatch": ("xml", "an MM7 element in another namespace than its PDU"),
    "out-of-order": ("xml", "elements not in the schema's sequence order"),
    "duplicate-element": ("xml", "an element repeated where the schema allows one (an extension)"),
    "unknown-element": ("xml", "an element the PDU does not define (kept in pdu.extensions)"),
    "element-not-in-version": (
        "xml",
        "an element of the PDU that the detected schema lacks but another has (read into its "
        "field by that version's types; StatusText where the Status type has none is read "
        "into Status.text)",
    ),
    "sender-identification-wrapped": (
        "xml",
        "VASPID/VASID wrapped in SenderIdentification where the PDU has them bare (unwrapped)",
    ),
    "rfc822-address-element": (
        "xml",
        "an address written <RFC822Address> (read as RFC2822Address)",
    ),
    "date-timestamp-swap": ("xml", "Date where the schema has TimeStamp, or the other way round"),
    "renamed-element": (
        "xml",
        "DistributionProtection/DistributionIndicator under the other version's name",
    ),
    "missing-element": ("xml", "a mandatory element is missing (its field is None)"),
    "empty-element": ("xml", "an element without a value where one is needed (its field is None)"),
    "bare-address": (
        "xml",
        "an address as bare text instead of a Number/RFC2822Address/ShortCode child "
        "(kind inferred: '@' e-mail, else number)",
    ),
    "typed-address": ("xml", "a typed address where the schema has plain text"),
    "extra-address": ("xml", "more than one address in a single-address element (first kept)"),
    "boolean-case": ("xml", "a boolean not written true/false/1/0 (e.g. 'True')"),
    "invalid-boolean": ("xml", "a boolean element with another value (kept as text)"),
    "invalid-integer": ("xml", "a positive integer with another value (dropped)"),
    "enum-value": ("xml", "a value outside the schema's enumeration (kept as text)"),
    "unknown-attribute": ("xml", "an attribute the schema does not define (dropped)"),
    "attribute-not-in-version": ("xml", "an attribute the detected schema lacks (dropped)"),
    "missing-attribute": ("xml", "a mandatory attribute is missing"),
    "unexpected-child": ("xml", "child elements inside an element that holds a value (ignored)"),
    "delivery-condition-form": (
        "xml",
        "DeliveryCondition as text where the schema has DC children, or the other way round",
    ),
}


def markdown() -> str:
    """``docs/defects.md``: the catalogue as a table per layer."""
    lines = [
        "# Defect kinds",
        "",
        "Every tolerated deviation lenient decoding records in `Message.defects`, by the layer",
        "that records it (`strict=True` raises `DecodeError` on the first one instead). Each",
        "defect keeps the byte offset it was recorded at where the layer knows it.",
        "Generated from `mm7codec/_defects.py` by `python -m mm7codec._defects`; a test keeps",
        "this file current.",
    ]
    for layer in LAYERS:
        lines += ["", f"## {layer}", "", "| kind | meaning |", "|---|---|"]
        lines += [f"| `{kind}` | {text} |" for kind, (at, text) in DEFECTS.items() if at == layer]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - the test calls markdown() itself
    print(markdown(), end="")
