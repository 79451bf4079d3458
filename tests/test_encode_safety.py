"""The encoder never writes what the caller did not mean: no header injection, no broken XML.

Header values and Content-IDs with CR/LF or non-ASCII raise :class:`EncodeError` wherever
they enter (Part constructors, ``content_id=``, ``content_location=``, extra headers,
Content-Type parameters, hand-built parts caught at write time). XML text with markup,
``]]>`` or CDATA-like content is escaped and survives a round trip; characters XML 1.0
cannot carry raise instead; tab, CR and LF survive.
"""

from __future__ import annotations

from typing import Any, Callable, Dict
from xml.etree.ElementTree import fromstring

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pdu_strategies import minimal_message

from mm7codec import (
    Address,
    ContentRef,
    EncodeError,
    Extension,
    Message,
    MM7Error,
    Part,
    Recipients,
    SenderIdentification,
    Status,
    StatusCode,
    SubmitReq,
    SubmitRsp,
    decode,
    encode,
)
from mm7codec._mime import iter_write, to_bytes

BAD_VALUES = [
    "a\r\nX-Injected: 1",
    "a\nb",
    "a\rb",
    "\r\n\r\n<evil/>",
    "caf\u00e9",
    "\u202eabc",
    "snow\u2603",
]


def submit(**fields: Any) -> SubmitReq:
    values: Dict[str, Any] = {
        "sender_identification": SenderIdentification(vasp_id="v", vas_id="s"),
        "recipients": Recipients(to=[Address.number("15551234567")]),
    }
    values.update(fields)
    return SubmitReq(**values)


def refuses(func: Callable[[], object]) -> EncodeError:
    with pytest.raises(MM7Error) as info:
        func()
    assert type(info.value) is EncodeError, repr(info.value)
    assert info.value.status_code == 2007
    return info.value


# -- header injection ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("constructor", ["text", "bytes", "multipart"])
def test_content_id_with_crlf_or_non_ascii(constructor: str, value: str) -> None:
    builders: Dict[str, Callable[[], Part]] = {
        "text": lambda: Part.text("x", content_id=value),
        "bytes": lambda: Part.bytes(b"x", "image/gif", content_id=value),
        "multipart": lambda: Part.multipart("mixed", [Part.text("x")], content_id=value),
    }
    refuses(builders[constructor])


@pytest.mark.parametrize("value", BAD_VALUES)
def test_content_location_with_crlf_or_non_ascii(value: str) -> None:
    refuses(lambda: Part.text("x", content_location=value))
    refuses(lambda: Part.bytes(b"x", "image/gif", content_location=value))
    refuses(lambda: Part.multipart("mixed", [Part.text("x")], content_location=value))


def test_content_location_as_file_part(tmp_path: Any) -> None:
    path = tmp_path / "a.gif"
    path.write_bytes(b"GIF89a")
    refuses(lambda: Part.file(path, content_location="a\r\nb"))
    refuses(lambda: Part.file(path, content_id="caf\u00e9"))
    refuses(lambda: Part.file(path, headers=[("X-A", "a\nb")]))
    refuses(lambda: Part.file(tmp_path / "missing.gif"))


@pytest.mark.parametrize("value", BAD_VALUES)
def test_extra_header_value(value: str) -> None:
    refuses(lambda: Part.text("x", headers=[("X-Extra", value)]))
    refuses(lambda: Part.bytes(b"x", "image/gif", headers=[("X-Extra", value)]))
    refuses(lambda: Part.multipart("mixed", [Part.text("x")], headers=[("X-Extra", value)]))


@pytest.mark.parametrize(
    "name", ["X-A\r\nX-B", "X A", "X:A", "", "X-\u00e9", "X\tA", "X\x00A", "X\nA"]
)
def test_extra_header_name(name: str) -> None:
    refuses(lambda: Part.text("x", headers=[(name, "v")]))


@pytest.mark.parametrize("name", ["Content-Type", "content-id", "Content-Location"])
def test_reserved_headers_go_through_keywords(name: str) -> None:
    refuses(lambda: Part.text("x", headers=[(name, "v")]))


@pytest.mark.parametrize("value", ["7bit\r\nX-A: 1", "base64\n", "b\u00e4se64"])
def test_transfer_encoding_value(value: str) -> None:
    refuses(lambda: Part.bytes(b"x", "image/gif", transfer_encoding=value))


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain\r\nX-Injected: 1",
        "text/plain\r\nx:1",
        'text/plain; name="a\r\nb"',
        "text/plain; name=a\nb",
        "text/pl\u00e4in",
        "not a type",
    ],
)
def test_content_type_with_crlf_or_garbage(content_type: str) -> None:
    refuses(lambda: Part.bytes(b"x", content_type))


@pytest.mark.parametrize("boundary", ["a\r\nb", "a\nContent-Type: x", "a\rb"])
def test_boundary_parameter_with_crlf(boundary: str) -> None:
    refuses(lambda: Part.multipart("mixed", [Part.text("x")], boundary=boundary))


@pytest.mark.parametrize("boundary", ["caf\u00e9", "has space ", "x" * 71, "a;b", ""])
def test_invalid_boundary_parameter_is_never_written(boundary: str) -> None:
    # An invalid boundary (non-ASCII, too long, trailing space, tspecials) is not refused
    # but replaced by one the writer draws: what goes out is always a valid boundary.
    try:
        part = Part.multipart("mixed", [Part.text("x")], boundary=boundary)
    except EncodeError:
        return
    data = to_bytes(part)
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    written = head.split("boundary=", 1)[1].strip('"')
    assert written != boundary
    assert written.isascii() and 0 < len(written) <= 70
    assert f"--{written}".encode() in data


@pytest.mark.parametrize("param", [{"start": "<a>\r\n"}, {"type": "text/xml\nX: 1"}])
def test_multipart_params_with_crlf(param: Dict[str, str]) -> None:
    refuses(lambda: Part.multipart("related", [Part.text("x")], params=param))


def test_non_ascii_parameter_is_rfc2231_encoded_not_raw() -> None:
    part = Part.bytes(b"x", 'image/gif; name="caf\u00e9.gif"')
    data = to_bytes(part)
    assert data.isascii()
    assert b"name*=utf-8''caf%C3%A9.gif" in data


@pytest.mark.parametrize("value", BAD_VALUES)
def test_hand_built_part_is_checked_when_written(value: str) -> None:
    # Part(...) itself does not validate (the parser builds parts with it): the writer does.
    from mm7codec._part import _BytesBody

    part = Part([("Content-Type", "text/plain"), ("X-Hand", value)], body=_BytesBody(b"x"))
    refuses(lambda: b"".join(iter_write(part)))
    message = Message(submit(content=ContentRef("cid:c")), "tx", content=_with_cid(part, "c"))
    refuses(lambda: encode(message).body)


def _with_cid(part: Part, cid: str) -> Part:
    return part.with_content_id(cid)


@pytest.mark.parametrize("href", ["cid:a\r\nX-Injected: 1", "cid:caf\u00e9"])
def test_content_href_becomes_a_content_id_safely(href: str) -> None:
    # The href names the Content-ID the content gets: it cannot smuggle a header in.
    def run() -> bytes:
        message = Message(submit(content=ContentRef(href)), "tx", content=Part.text("x"))
        return encode(message).body

    refuses(run)


@given(st.text(min_size=1, max_size=20))
def test_any_content_id_is_refused_or_written_on_one_ascii_line(cid: str) -> None:
    try:
        part = Part.text("x", content_id=cid)
    except EncodeError:
        assert not cid.isascii() or "\r" in cid or "\n" in cid
        return
    data = to_bytes(part)
    head = data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    lines = head.split(b"\r\n")
    assert sum(1 for line in lines if line.lower().startswith(b"content-id:")) == 1
    assert all(b"\r" not in line and b"\n" not in line for line in lines)


# -- XML text ------------------------------------------------------------------------------------


def roundtrip(message: Message) -> Message:
    encoded = encode(message)
    envelope = encoded.envelope
    fromstring(envelope)  # well-formed on its own
    return decode(encoded.body, encoded.content_type)


@pytest.mark.parametrize(
    "text",
    [
        "a]]>b",
        "]]>",
        "<![CDATA[x]]>",
        "</Subject><evil/>",
        "&amp; &lt; &#0; &#x1;",
        "\"quoted\" 'single'",
        "tab\there",
        "cr\rlf\ncrlf\r\nend",
        "  leading and trailing  ",
        "\u00e9\u4e2d\U0001f600\u007f",
    ],
)
def test_subject_text_survives(text: str) -> None:
    message = Message(submit(subject=text), "tx-1")
    decoded = roundtrip(message)
    assert decoded.pdu.subject == text
    assert decoded.defects == ()


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
)
def test_control_characters_raise(char: str) -> None:
    refuses(lambda: encode(Message(submit(subject=f"a{char}b"), "tx-1")))
    refuses(lambda: encode(Message(submit(), f"tx{char}")))


def test_status_text_with_markup_and_control_characters() -> None:
    rsp = SubmitRsp(status=Status(StatusCode.SUCCESS, "ok ]]> <b>&"), message_id="m&<1>")
    decoded = roundtrip(Message(rsp, "tx"))
    assert decoded.pdu.status.text == "ok ]]> <b>&"
    assert decoded.pdu.message_id == "m&<1>"
    bad = SubmitRsp(status=Status(StatusCode.SUCCESS, "x\x02"), message_id="m")
    refuses(lambda: encode(Message(bad, "tx")))


@pytest.mark.parametrize(
    "transaction_id",
    [
        "</mm7:TransactionID><evil/>",
        "a&b<c>d",
        "]]>",
        '" onload="x',
        "tx\twith\ttabs",
    ],
)
def test_transaction_id_with_markup_is_escaped(transaction_id: str) -> None:
    message = Message(submit(), transaction_id)
    encoded = encode(message)
    assert b"<evil/>" not in encoded.envelope
    header = fromstring(encoded.envelope)[0]
    assert [child.text for child in header] == [transaction_id]
    decoded = decode(encoded.body, encoded.content_type)
    assert decoded.transaction_id == transaction_id.strip()


def test_attribute_values_are_escaped() -> None:
    href = 'cid:a"b<c>&d'
    message = Message(
        submit(content=ContentRef(href, allow_adaptations=True)), "tx", content=Part.text("x")
    )
    decoded = roundtrip(message)
    assert decoded.pdu.content.href == href
    assert decoded.content is not None and decoded.content.data == b"x"


@pytest.mark.parametrize(
    "xml",
    [
        '<!DOCTYPE x [<!ENTITY e "v">]><x>&e;</x>',
        '<x xmlns="urn:v"><!ENTITY e "v"></x>',
        "<x>",
        "<x/><y/>",
        "text only",
        "<x>\x01</x>",
    ],
)
def test_extension_raw_xml_must_be_one_safe_element(xml: str) -> None:
    pdu = submit(extensions=(Extension("{urn:v}x", xml),))
    refuses(lambda: encode(Message(pdu, "tx")))


@pytest.mark.parametrize(
    "details",
    ["<!DOCTYPE x><a/>", "<a>", "<a>\x01</a>", '<!ENTITY x "y">'],
)
def test_status_details_raw_xml_is_checked(details: str) -> None:
    rsp = SubmitRsp(status=Status(StatusCode.SUCCESS, "ok", details), message_id="m")
    refuses(lambda: encode(Message(rsp, "tx")))


@given(st.text(max_size=40))
def test_any_subject_encodes_to_valid_xml_or_raises(text: str) -> None:
    message = Message(submit(subject=text), "tx-1")
    try:
        encoded = encode(message)
    except EncodeError:
        bad = [c for c in text if not _xml_char(c)]
        assert bad, f"refused {text!r} without an XML-invalid character"
        return
    fromstring(encoded.envelope)
    assert decode(encoded.body, encoded.content_type).pdu.subject == text


def _xml_char(c: str) -> bool:
    o = ord(c)
    return (
        o in (0x9, 0xA, 0xD)
        or 0x20 <= o <= 0xD7FF
        or 0xE000 <= o <= 0xFFFD
        or 0x10000 <= o <= 0x10FFFF
    )


def test_every_pdu_minimal_message_encodes_to_well_formed_xml() -> None:
    from mm7codec import VERSIONS

    count = 0
    for version in VERSIONS:
        for wire in version.pdus:
            encoded = encode(minimal_message(version, wire))
            fromstring(encoded.envelope)
            count += 1
    assert count > 100


def test_subject_in_an_address_display_and_id() -> None:
    address = Address.email("a&b@example.com", display_only=True, id="x1")
    message = Message(submit(recipients=Recipients(to=[address])), "tx")
    decoded = roundtrip(message)
    assert decoded.pdu.recipients.to == (address,)


def test_content_id_pairing_keeps_an_explicit_boundary_explicit() -> None:
    # Message gives the content its Content-ID through Part.with_content_id; the
    # caller's boundary must stay the caller's: refused when unsafe, never replaced.
    content = Part.multipart("mixed", [Part.text("--B in the text\r\n--B--")], boundary="B")
    message = Message(submit(), "tx", content=content)
    assert message.content is not None and message.content.content_id == "mms-content"
    with pytest.raises(EncodeError, match="boundary"):
        b"".join(encode(message).iter_body())
