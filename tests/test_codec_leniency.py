"""The decoder's leniency (mm7-spec.md §5 items 9-11), one hand-written vector per deviation.

Every vector is decoded whole, one byte at a time and in seeded random chunks
(``feed_variants`` from the MIME strategies): all three must give the same
message and the same defects. The defects are asserted exactly, and
``strict=True`` must raise :class:`DecodeError` for every vector that has one
(and decode the clean vectors to the same message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

import pytest
from mime_strategies import feed_variants

from mm7codec import (
    Address,
    DecodeError,
    Decoder,
    Message,
    Part,
    Recipients,
    SenderIdentification,
    SubmitReq,
    decode,
)

NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TEXT = "Hello ✓ from the VASP".encode()
IMAGE = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\r\n--b1x\r\n--b1 \x00\xff\xd9"


def envelope(content: str = '<Content href="cid:content"/>', *, attrs: str = "") -> bytes:
    """A REL-6-MM7-1-4 SubmitReq envelope, written by hand; ``content`` is the Content element."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\r\n'
        f'<env:Envelope xmlns:env="{SOAP_NS}"{attrs}>'
        f'<env:Header><mm7:TransactionID xmlns:mm7="{NS}" env:mustUnderstand="1">'
        "tx-lenient-1</mm7:TransactionID></env:Header>"
        f'<env:Body><SubmitReq xmlns="{NS}"><MM7Version>6.8.0</MM7Version>'
        "<SenderIdentification><VASPID>vasp</VASPID><VASID>svc</VASID></SenderIdentification>"
        "<Recipients><To><Number>15551234567</Number></To></Recipients>"
        f"<Subject>leniency</Subject>{content}</SubmitReq></env:Body></env:Envelope>\r\n"
    ).encode()


def entity(headers: Sequence[str], body: bytes, eol: bytes = b"\r\n") -> bytes:
    if not headers:
        return eol + body
    return eol.join(h.encode() for h in headers) + eol + eol + body


def multipart(
    boundary: str,
    parts: Sequence[bytes],
    *,
    eol: bytes = b"\r\n",
    preamble: bytes = b"",
    pad: bytes = b"",
) -> bytes:
    delim = b"--" + boundary.encode()
    out = preamble
    for i, part in enumerate(parts):
        out += (b"" if i == 0 else eol) + delim + pad + eol + part
    return out + eol + delim + b"--" + pad + eol


def soap_part(
    content: str = '<Content href="cid:content"/>', cid: Optional[str] = "<soap>"
) -> bytes:
    headers = ["Content-Type: text/xml; charset=utf-8"]
    if cid is not None:
        headers.append(f"Content-ID: {cid}")
    return entity(headers, envelope(content))


def text_part(cid: Optional[str] = "<content>", extra: Sequence[str] = ()) -> bytes:
    headers = ["Content-Type: text/plain; charset=utf-8"]
    if cid is not None:
        headers.append(f"Content-ID: {cid}")
    return entity([*headers, *extra], TEXT)


def image_part(cid: str = "<photo>") -> bytes:
    return entity(
        ["Content-Type: image/jpeg", f"Content-ID: {cid}", "Content-Transfer-Encoding: binary"],
        IMAGE,
    )


CT = 'multipart/related; boundary="b1"; type="text/xml"; start="<soap>"'
CT_NO_START = 'multipart/related; boundary="b1"; type="text/xml"'


def expected_pdu(href: Optional[str]) -> SubmitReq:
    from mm7codec import ContentRef

    return SubmitReq(
        sender_identification=SenderIdentification(vasp_id="vasp", vas_id="svc"),
        recipients=Recipients(to=[Address.number("15551234567")]),
        subject="leniency",
        content=None if href is None else ContentRef(href),
    )


def is_text(content: Optional[Part]) -> None:
    assert content is not None
    assert content.content_type.mime_type == "text/plain"
    assert content.data == TEXT


def is_image(content: Optional[Part]) -> None:
    assert content is not None
    assert content.content_type.mime_type == "image/jpeg"
    assert content.data == IMAGE


def no_content(content: Optional[Part]) -> None:
    assert content is None


@dataclass
class Vector:
    name: str
    body: bytes
    content_type: Optional[str]
    defects: List[str]
    check: Callable[[Optional[Part]], None] = is_text
    href: Optional[str] = "cid:content"
    extra: Callable[[Message], None] = field(default=lambda m: None)


def _sibling_parts(content: Optional[Part]) -> None:
    assert content is not None
    assert content.content_type.mime_type == "multipart/mixed"
    assert [p.content_type.mime_type for p in content.parts] == ["image/jpeg", "text/plain"]
    assert content.parts[0].data == IMAGE
    assert content.parts[1].data == TEXT


def _all_kept(*types: str, root: Optional[str] = None) -> Callable[[Optional[Part]], None]:
    """Several parts besides SOAP: every one kept, in a synthetic multipart (related,
    rooted at the named part of type ``root``; mixed when none is named)."""

    def check(content: Optional[Part]) -> None:
        assert content is not None
        assert content.content_id is None  # synthetic: no Content-ID to duplicate
        expected = "multipart/mixed" if root is None else "multipart/related"
        assert content.content_type.mime_type == expected
        if root is not None:  # the root first, typed, and named by start when it has an id
            assert content.content_type.params["type"] == root == types[0]
            start = content.content_type.params.get("start")
            cid = content.parts[0].content_id
            assert start == (None if cid is None else f"<{cid}>")
        assert [p.content_type.mime_type for p in content.parts] == list(types)
        for part in content.walk():
            if part.content_type.mime_type == "image/jpeg":
                assert part.data == IMAGE
            elif part.content_type.mime_type == "text/plain":
                assert part.data == TEXT

    return check


def _whole_mixed(content: Optional[Part]) -> None:
    # The href names a part inside the multipart: the whole multipart is the content.
    assert content is not None
    assert content.content_id == "mixed"
    assert [p.data for p in content.parts] == [TEXT, IMAGE]


def _chunked_kept(content: Optional[Part]) -> None:
    assert content is not None
    assert content.data == b"5\r\nhello\r\n0\r\n"


def _eight_bit(content: Optional[Part]) -> None:
    assert content is not None
    assert content.data == "naïve café – 8bit\r\nraw \x80\xff".encode("utf-8", "surrogateescape")


def _soap_first_untyped(message: Message) -> None:
    assert message.transaction_id == "tx-lenient-1"


VECTORS: List[Vector] = [
    Vector("clean", multipart("b1", [soap_part(), text_part()]), CT, []),
    # -- §5 item 9: references -------------------------------------------------------------
    Vector(
        "start-without-brackets",
        multipart("b1", [soap_part(), text_part()]),
        'multipart/related; boundary="b1"; type="text/xml"; start="soap"',
        ["start-without-brackets"],
    ),
    Vector(
        "content-id-without-brackets",
        multipart("b1", [soap_part(), text_part(cid="content")]),
        CT,
        ["content-id-without-brackets"],
    ),
    Vector(
        "soap-content-id-without-brackets",
        multipart("b1", [soap_part(cid="soap"), text_part()]),
        'multipart/related; boundary="b1"; type="text/xml"; start=soap',
        ["start-without-brackets"],
    ),
    Vector(
        "href-cid-space",
        multipart("b1", [soap_part('<Content href="cid: content"/>'), text_part()]),
        CT,
        ["href-cid-space"],
        href="cid: content",
    ),
    Vector(
        # The XML layer strips attribute values, so this is not even a defect.
        "href-padded",
        multipart("b1", [soap_part('<Content href=" cid:content "/>'), text_part()]),
        CT,
        [],
    ),
    Vector(
        "href-with-brackets",
        multipart("b1", [soap_part('<Content href="cid:&lt;content&gt;"/>'), text_part()]),
        CT,
        ["href-with-brackets"],
        href="cid:<content>",
    ),
    Vector(
        "href-missing-cid-prefix",
        multipart("b1", [soap_part('<Content href="content"/>'), text_part()]),
        CT,
        ["href-missing-cid-prefix"],
        href="content",
    ),
    Vector(
        "href-url-escaped",
        multipart(
            "b1", [soap_part('<Content href="cid:my%20content"/>'), text_part("<my content>")]
        ),
        CT,
        [],
        href="cid:my%20content",
    ),
    Vector(
        "whitespace-inside-content-element",
        multipart("b1", [soap_part('<Content href="cid:content">\r\n   </Content>'), text_part()]),
        CT,
        [],
    ),
    Vector(
        # Two candidates, neither named: both kept, in wire order, though the SOAP
        # part is not first.
        "href-matches-no-part",
        multipart(
            "b1", [text_part("<other>"), soap_part('<Content href="cid:nothing"/>'), image_part()]
        ),
        CT,
        ["href-matches-no-part", "content-as-sibling-parts"],
        check=_all_kept("text/plain", "image/jpeg"),
        href="cid:nothing",
    ),
    Vector(
        "href-names-nested-part",
        multipart(
            "b1",
            [
                soap_part('<Content href="cid:photo"/>'),
                entity(
                    ['Content-Type: multipart/mixed; boundary="inner"', "Content-ID: <mixed>"],
                    multipart("inner", [text_part(), image_part()]),
                ),
            ],
        ),
        CT,
        ["href-names-inner-part"],
        check=_whole_mixed,
        href="cid:photo",
    ),
    Vector(
        "content-location-url",
        multipart(
            "b1",
            [
                soap_part('<Content href="http://vasp.example/c/hello.txt"/>'),
                image_part(),
                text_part(None, ["Content-Location: http://vasp.example/c/hello.txt"]),
            ],
        ),
        CT,
        ["href-missing-cid-prefix", "content-as-sibling-parts"],
        check=_all_kept("text/plain", "image/jpeg", root="text/plain"),
        href="http://vasp.example/c/hello.txt",
    ),
    Vector(
        "content-location-by-cid",
        multipart(
            "b1",
            [
                soap_part('<Content href="cid:hello.txt"/>'),
                image_part(),
                text_part(None, ["Content-Location: hello.txt"]),
            ],
        ),
        CT,
        ["content-as-sibling-parts"],
        check=_all_kept("text/plain", "image/jpeg", root="text/plain"),
        href="cid:hello.txt",
    ),
    Vector(
        "soap-part-without-content-id",
        multipart("b1", [soap_part(cid=None), text_part()]),
        CT,
        ["start-matches-no-part"],
    ),
    Vector(
        "soap-part-without-content-id-no-start",
        multipart("b1", [soap_part(cid=None), text_part()]),
        CT_NO_START,
        ["missing-start"],
    ),
    Vector(
        # No start: the SOAP part is found by the type parameter, though it comes second.
        "no-start-found-by-type",
        multipart("b1", [text_part(), soap_part()]),
        CT_NO_START,
        ["missing-start"],
    ),
    Vector(
        # No start, no type, the SOAP part unlabelled: the first part is the SOAP part.
        "no-start-first-part",
        multipart("b1", [entity([], envelope()), text_part()]),
        'multipart/related; boundary="b1"',
        ["missing-start"],
        extra=_soap_first_untyped,
    ),
    # -- §5 item 10: Content-Type lies, headers, boundaries --------------------------------
    Vector(
        "xml-body-labelled-multipart",
        envelope(""),
        CT,
        ["xml-body-labelled-multipart"],
        check=no_content,
        href=None,
    ),
    Vector(
        "xml-body-labelled-octet-stream",
        envelope(""),
        "application/octet-stream",
        ["xml-body-mislabelled"],
        check=no_content,
        href=None,
    ),
    Vector(
        "xml-body-labelled-application-xml",
        envelope(""),
        "application/xml",
        [],
        check=no_content,
        href=None,
    ),
    Vector("xml-body-no-content-type", envelope(""), None, [], check=no_content, href=None),
    Vector(
        "multipart-labelled-text-xml",
        multipart("b1", [soap_part(), text_part()]),
        'text/xml; charset="utf-8"',
        ["multipart-body-mislabelled", "missing-start"],
    ),
    Vector(
        "multipart-labelled-application-xml",
        multipart("b1", [soap_part(), text_part()]),
        "application/xml",
        ["multipart-body-mislabelled", "missing-start"],
    ),
    Vector(
        "multipart-no-content-type",
        multipart("b1", [soap_part(), text_part()]),
        None,
        ["missing-content-type", "missing-start"],
    ),
    Vector(
        "folded-part-headers",
        multipart(
            "b1",
            [
                entity(
                    ["Content-Type: text/xml;\r\n\tcharset=utf-8", "Content-ID:\r\n <soap>"],
                    envelope(),
                ),
                entity(
                    ["Content-Type: text/plain;\r\n charset=utf-8", "Content-ID:\r\n\t<content>"],
                    TEXT,
                ),
            ],
        ),
        CT,
        [],
    ),
    Vector(
        "blank-line-before-first-boundary",
        multipart("b1", [soap_part(), text_part()], preamble=b"\r\n"),
        CT,
        [],
    ),
    Vector(
        "boundary-with-spaces",
        multipart("Next Part 0042 x", [soap_part(), text_part()]),
        'multipart/related; boundary="Next Part 0042 x"; type="text/xml"; start="<soap>"',
        [],
    ),
    Vector(
        "boundary-starting-with-dashes",
        multipart("--=_NextPart_01", [soap_part(), text_part()]),
        'multipart/related; boundary="--=_NextPart_01"; type="text/xml"; start="<soap>"',
        [],
    ),
    Vector(
        "trailing-spaces-on-boundary-lines",
        multipart("b1", [soap_part(), text_part()], pad=b"  \t "),
        CT,
        [],
    ),
    Vector(
        "capitalised-parameter-names",
        multipart("b1", [soap_part(), text_part()]),
        'Multipart/Related; Boundary="b1"; Type="text/xml"; Start="<soap>"',
        [],
    ),
    # -- §5 item 11: raw parts, Transfer-Encoding --------------------------------------------
    Vector(
        "binary-content-part",
        multipart("b1", [soap_part('<Content href="cid:photo"/>'), image_part()]),
        CT,
        [],
        check=is_image,
        href="cid:photo",
    ),
    Vector(
        "eight-bit-content-part",
        multipart(
            "b1",
            [
                soap_part(),
                entity(
                    [
                        "Content-Type: text/plain; charset=utf-8",
                        "Content-ID: <content>",
                        "Content-Transfer-Encoding: 8bit",
                    ],
                    "naïve café – 8bit\r\nraw \x80\xff".encode("utf-8", "surrogateescape"),
                ),
            ],
        ),
        CT,
        [],
        check=_eight_bit,
    ),
    Vector(
        "transfer-encoding-chunked-in-part",
        multipart(
            "b1",
            [
                soap_part(),
                entity(
                    [
                        "Content-Type: text/plain",
                        "Content-ID: <content>",
                        "Transfer-Encoding: chunked",
                    ],
                    b"5\r\nhello\r\n0\r\n",
                ),
            ],
        ),
        CT,
        ["part-transfer-encoding"],
        check=_chunked_kept,
    ),
    Vector(
        "telnyx-sibling-media",
        multipart("b1", [soap_part(""), image_part(), text_part("<text>")]),
        CT,
        ["content-as-sibling-parts"],
        check=_sibling_parts,
        href=None,
    ),
    Vector(
        "one-part-without-reference",
        multipart("b1", [soap_part(""), text_part()]),
        CT,
        ["content-without-reference"],
        href=None,
    ),
]


def decode_all_ways(body: bytes, content_type: Optional[str], **kwargs: bool) -> Message:
    """Decode ``body`` whole, byte by byte and in random chunks; all must agree."""
    results: List[Tuple[str, Message]] = []
    for name, chunks in feed_variants(body):
        decoder = Decoder(content_type, **kwargs)
        for chunk in chunks:
            decoder.feed(chunk)
        results.append((name, decoder.close()))
    first = results[0][1]
    for name, message in results[1:]:
        assert message == first, name
        assert message.content == first.content, name
        assert kinds(message) == kinds(first), name
    return first


def raises_all_ways(body: bytes, content_type: Optional[str]) -> None:
    for name, chunks in feed_variants(body):
        decoder = Decoder(content_type, strict=True)
        with pytest.raises(DecodeError):
            for chunk in chunks:
                decoder.feed(chunk)
            decoder.close()
        assert name


def kinds(message: Message) -> List[str]:
    return [d.kind for d in message.defects]


@pytest.mark.parametrize("vector", VECTORS, ids=[v.name for v in VECTORS])
def test_vector_lenient(vector: Vector) -> None:
    message = decode_all_ways(vector.body, vector.content_type)
    assert kinds(message) == vector.defects
    assert isinstance(message.pdu, SubmitReq)
    assert message.transaction_id == "tx-lenient-1"
    assert message.version.name == "REL-6-MM7-1-4"
    assert message.mm7_version == "6.8.0"
    assert message.pdu == expected_pdu(vector.href)
    vector.check(message.content)
    vector.extra(message)
    # decode() is the same as feeding the decoder.
    assert decode(vector.body, vector.content_type) == message


@pytest.mark.parametrize("vector", VECTORS, ids=[v.name for v in VECTORS])
def test_vector_strict(vector: Vector) -> None:
    if vector.defects:
        raises_all_ways(vector.body, vector.content_type)
        with pytest.raises(DecodeError):
            decode(vector.body, vector.content_type, strict=True)
    else:
        lenient = decode(vector.body, vector.content_type)
        assert decode_all_ways(vector.body, vector.content_type, strict=True) == lenient


def test_every_decoder_defect_kind_has_a_vector() -> None:
    import re
    from pathlib import Path

    import mm7codec._decoder as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    recorded = set(re.findall(r'record\(\s*"([a-z-]+)"', source))
    recorded |= set(re.findall(r'how = "([a-z-]+)"', source))
    recorded |= set(re.findall(r'"((?:multipart-body-mislabelled|missing-content-type))"', source))
    # href-whitespace cannot come from the wire: the XML layer strips attribute values.
    covered = {kind for v in VECTORS for kind in v.defects} | {"href-whitespace"}
    # decode_http's framing: vectors in tests/vectors/http (tests/test_conformance.py).
    covered |= {"content-length-mismatch"}
    assert recorded <= covered, sorted(recorded - covered)


def test_namespaced_href_finds_the_content() -> None:
    # mm7:href (the attribute in the MM7 namespace): decided by the XML layer; the
    # content must still be found (here the only content part).
    body = multipart(
        "b1", [soap_part(f'<Content xmlns:mm7="{NS}" mm7:href="cid:content"/>'), text_part()]
    )
    message = decode_all_ways(body, CT)
    is_text(message.content)
    assert message.defects, "a namespaced href is a deviation"
    raises_all_ways(body, CT)


def test_trailing_junk_after_close_delimiter_is_kept_out_of_the_content() -> None:
    body = multipart("b1", [soap_part(), text_part()]) + b"junk after the end\r\n"
    message = decode_all_ways(body, CT)
    is_text(message.content)
    assert kinds(message) == []


def test_bare_lf_multipart() -> None:
    lf_envelope = envelope().replace(b"\r\n", b"\n")
    body = multipart(
        "b1",
        [
            entity(["Content-Type: text/xml", "Content-ID: <soap>"], lf_envelope, b"\n"),
            entity(
                ["Content-Type: text/plain; charset=utf-8", "Content-ID: <content>"], TEXT, b"\n"
            ),
        ],
        eol=b"\n",
    )
    message = decode_all_ways(body, CT)
    is_text(message.content)
    assert message.pdu == expected_pdu("cid:content")
    assert "bare-lf" in kinds(message)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", CT),
        (b"   \r\n", None),
        (b"hello world", "text/plain"),
        (b"--b1\r\n", "text/xml"),
        (multipart("b1", []), CT),
    ],
    ids=["empty", "whitespace", "text", "lone-boundary", "no-parts"],
)
def test_not_an_mm7_body(body: bytes, content_type: Optional[str]) -> None:
    for _name, chunks in feed_variants(body):
        decoder = Decoder(content_type)
        with pytest.raises(DecodeError):
            for chunk in chunks:
                decoder.feed(chunk)
            decoder.close()
