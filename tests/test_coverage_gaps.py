"""Targeted tests for branches the rest of the suite leaves untaken.

Modules: ``_decoder`` (mode sniffing, lifecycle errors, SOAP part and content lookup),
``_encoder`` (EncodedMessage, SOAP Content-ID clashes, transfer encoding of the envelope),
``_http1`` (framing edge cases), ``_jsonform`` (specs to messages and back), ``_content``
and ``_message`` (content pairing, responses, status). Each test asserts what happens,
not only that the code runs.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import List, Optional

import pytest

from mm7codec import (
    Address,
    ContentRef,
    DecodeError,
    Decoder,
    DeliverReq,
    EncodeError,
    LimitExceededError,
    Limits,
    Message,
    Part,
    Recipients,
    RSErrorRsp,
    SenderIdentification,
    Status,
    StatusCode,
    StatusError,
    SubmitReq,
    SubmitRsp,
    VASPErrorRsp,
    decode,
    decode_http,
    encode,
    iter_encode,
    presentation,
)
from mm7codec._http1 import parse_http
from mm7codec._jsonform import message_from_spec, message_to_data, part_to_data, value_to_data

NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def envelope(pdu: str = "", tx: str = "tx-1") -> bytes:
    pdu = pdu or (
        f'<SubmitReq xmlns="{NS}"><MM7Version>6.8.0</MM7Version>'
        "<SenderIdentification><VASPID>v</VASPID><VASID>s</VASID></SenderIdentification>"
        "<Recipients><To><Number>15551234567</Number></To></Recipients>"
        '<Content href="cid:c"/></SubmitReq>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="{SOAP}"><env:Header>'
        f'<mm7:TransactionID xmlns:mm7="{NS}">{tx}</mm7:TransactionID></env:Header>'
        f"<env:Body>{pdu}</env:Body></env:Envelope>"
    ).encode()


RSP = (
    f'<SubmitRsp xmlns="{NS}"><MM7Version>6.8.0</MM7Version><Status>'
    "<StatusCode>1000</StatusCode><StatusText>ok</StatusText></Status>"
    "<MessageID>m</MessageID></SubmitRsp>"
)


def part(headers: List[str], body: bytes) -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def multipart(parts: List[bytes], boundary: str = "b") -> bytes:
    out = b""
    for p in parts:
        out += b"--" + boundary.encode() + b"\r\n" + p + b"\r\n"
    return out + b"--" + boundary.encode() + b"--\r\n"


def kinds(message: Message) -> List[str]:
    return [d.kind for d in message.defects]


def submit(**fields: object) -> SubmitReq:
    values: dict = {
        "sender_identification": SenderIdentification(vasp_id="v", vas_id="s"),
        "recipients": Recipients(to=[Address.number("15551234567")]),
    }
    values.update(fields)
    return SubmitReq(**values)


# -- _decoder: lifecycle and sniffing ------------------------------------------------------------


def test_feed_after_close_and_close_twice() -> None:
    decoder = Decoder("text/xml")
    decoder.feed(envelope(RSP))
    decoder.close()
    with pytest.raises(DecodeError, match="after close"):
        decoder.feed(b"x")
    with pytest.raises(DecodeError, match="twice"):
        decoder.close()


def test_empty_feeds_are_ignored() -> None:
    decoder = Decoder("text/xml")
    decoder.feed(b"")
    decoder.feed(envelope(RSP))
    decoder.feed(bytearray())
    assert decoder.close().pdu.message_id == "m"


@pytest.mark.parametrize("body", [b"", b"   \r\n\t ", b"\xef\xbb\xbf  "])
def test_empty_or_blank_body(body: bytes) -> None:
    decoder = Decoder("text/xml")
    for i in range(len(body)):
        decoder.feed(body[i : i + 1])
    with pytest.raises(DecodeError, match="empty MM7 body") as info:
        decoder.close()
    assert info.value.status_code == 4004


def test_leading_whitespace_in_many_feeds_then_multipart() -> None:
    body = multipart([part(["Content-Type: text/xml"], envelope(RSP))])
    decoder = Decoder('multipart/related; boundary="b"')
    for chunk in (b"\r\n", b"\r", b"\n", body[:1], body[1:]):
        decoder.feed(chunk)
    message = decoder.close()
    assert message.pdu.message_id == "m"
    assert decode(b"\r\n\r\n" + body, 'multipart/related; boundary="b"') == message


def test_blank_prefix_then_bom_and_envelope() -> None:
    decoder = Decoder("text/xml")
    for chunk in (b" ", b"\n", b"\xef\xbb\xbf", envelope(RSP)):
        decoder.feed(chunk)
    with pytest.raises(DecodeError):
        # Whitespace before the XML declaration is not well-formed: same as whole.
        decoder.close()
    with pytest.raises(DecodeError):
        decode(b" \n\xef\xbb\xbf" + envelope(RSP), "text/xml")


def test_short_start_waits_for_more_bytes() -> None:
    decoder = Decoder(None)
    decoder.feed(b"-")
    decoder.feed(b"-")
    decoder.feed(b"b\r\nContent-Type: text/xml\r\n\r\n" + envelope(RSP) + b"\r\n--b--\r\n")
    message = decoder.close()
    assert message.pdu.message_id == "m"
    assert "missing-content-type" in kinds(message)


def test_lone_boundary_line() -> None:
    with pytest.raises(DecodeError, match="lone boundary line"):
        decode(b"--boundary-without-line-end", None)


def test_body_neither_xml_nor_multipart() -> None:
    with pytest.raises(DecodeError, match="neither a SOAP envelope nor multipart"):
        decode(b"hello there", "text/plain")


def test_xml_body_labelled_multipart_and_mislabelled() -> None:
    labelled = decode(envelope(RSP), 'multipart/related; boundary="x"')
    assert kinds(labelled) == ["xml-body-labelled-multipart"]
    mislabelled = decode(envelope(RSP), "application/octet-stream")
    assert kinds(mislabelled) == ["xml-body-mislabelled"]
    assert decode(envelope(RSP), "application/soap+xml").defects == ()
    assert decode(envelope(RSP).decode().encode("utf-16"), None).pdu.message_id == "m"


def test_multipart_body_mislabelled() -> None:
    body = multipart([part(["Content-Type: text/xml"], envelope(RSP))])
    message = decode(body, "text/xml")
    assert kinds(message)[0] == "multipart-body-mislabelled"


def test_multipart_without_parts() -> None:
    with pytest.raises(DecodeError, match="without any part"):
        decode(b"--b--\r\n", 'multipart/related; boundary="b"')


def test_soap_part_that_is_multipart() -> None:
    inner = multipart([part(["Content-Type: text/xml"], envelope(RSP))], "in")
    body = multipart([part(['Content-Type: multipart/mixed; boundary="in"'], inner)])
    with pytest.raises(DecodeError, match="itself a multipart"):
        decode(body, 'multipart/related; boundary="b"')


def test_multipart_label_without_usable_boundary_reads_body_as_envelope() -> None:
    # boundary=" " is no boundary: the root is a leaf and the whole body is the envelope.
    decoder = Decoder('multipart/related; boundary=" "')
    decoder.feed(b"--x\r\n")
    with pytest.raises(DecodeError):
        decoder.close()


def test_root_leaf_envelope_over_max_envelope_size() -> None:
    limits = Limits(max_envelope_size=64)
    with pytest.raises(LimitExceededError) as info:
        # A blank boundary is sniffed from the first line; an empty one there leaves a leaf.
        decode(b"--\r\n" + b"x" * 200 + b"\r\n", 'multipart/related; boundary=" "', limits=limits)
    assert info.value.limit == "max_envelope_size"


# -- _decoder: SOAP part and content lookup -----------------------------------------------------


def text_part(cid: Optional[str], body: bytes = b"hello", extra: str = "") -> bytes:
    headers = ["Content-Type: text/plain"]
    if cid is not None:
        headers.append(f"Content-ID: {cid}")
    if extra:
        headers.append(extra)
    return part(headers, body)


def soap(cid: Optional[str] = "<s>", pdu: str = "", ctype: str = "text/xml") -> bytes:
    headers = [f"Content-Type: {ctype}"]
    if cid is not None:
        headers.append(f"Content-ID: {cid}")
    return part(headers, envelope(pdu))


def test_soap_part_found_by_type_param() -> None:
    body = multipart([text_part("<c>"), soap("<s>", ctype="application/soap+xml")])
    message = decode(body, 'multipart/related; boundary=b; type="application/soap+xml"')
    assert "missing-start" in kinds(message)
    assert message.content is not None and message.content.data == b"hello"


def test_soap_part_found_by_xml_type_when_start_matches_nothing() -> None:
    body = multipart([text_part("<c>"), soap("<s>")])
    message = decode(body, 'multipart/related; boundary=b; start="<nope>"')
    assert kinds(message)[:1] == ["start-matches-no-part"]
    assert message.content is not None and message.content.data == b"hello"


def test_soap_part_first_part_fallback() -> None:
    body = multipart([soap("<s>", ctype="application/octet-stream"), text_part("<c>")])
    message = decode(body, "multipart/related; boundary=b")
    assert message.transaction_id == "tx-1"
    assert message.content is not None and message.content.content_id == "c"


def test_start_without_brackets_and_content_id_without_brackets() -> None:
    body = multipart([soap("s"), text_part("c")])
    message = decode(body, 'multipart/related; boundary=b; start="s"')
    assert kinds(message) == ["start-without-brackets", "content-id-without-brackets"]


def test_content_without_reference_and_sibling_parts() -> None:
    one = multipart([soap(pdu=RSP), text_part("<a>")])
    message = decode(one, 'multipart/related; boundary=b; start="<s>"')
    assert kinds(message) == ["content-without-reference"]
    assert message.content is not None and message.content.content_id == "a"
    two = multipart([soap(pdu=RSP), text_part("<a>"), text_part("<b>", b"second")])
    message = decode(two, 'multipart/related; boundary=b; start="<s>"')
    assert kinds(message) == ["content-as-sibling-parts"]
    assert message.content is not None
    assert [p.data for p in message.content.parts] == [b"hello", b"second"]


def test_href_without_any_content_part() -> None:
    body = multipart([soap()])
    message = decode(body, 'multipart/related; boundary=b; start="<s>"')
    assert kinds(message) == ["href-matches-no-part"]
    assert message.content is None


def test_href_matched_by_content_location() -> None:
    pdu = (
        f'<SubmitReq xmlns="{NS}"><MM7Version>6.8.0</MM7Version>'
        "<SenderIdentification><VASPID>v</VASPID><VASID>s</VASID></SenderIdentification>"
        "<Recipients><To><Number>15551234567</Number></To></Recipients>"
        '<Content href="pic.jpg"/></SubmitReq>'
    )
    body = multipart([soap(pdu=pdu), text_part(None, b"x", "Content-Location: pic.jpg")])
    message = decode(body, 'multipart/related; boundary=b; start="<s>"')
    assert kinds(message) == ["href-missing-cid-prefix"]
    assert message.content is not None and message.content.data == b"x"


@pytest.mark.parametrize(
    ("href", "defect"),
    [
        ("cid: c", "href-cid-space"),
        ("cid:%63", None),
        ("cid:&lt;c&gt;", "href-with-brackets"),
    ],
)
def test_href_forms(href: str, defect: Optional[str]) -> None:
    pdu = (
        f'<SubmitReq xmlns="{NS}"><MM7Version>6.8.0</MM7Version>'
        "<SenderIdentification><VASPID>v</VASPID><VASID>s</VASID></SenderIdentification>"
        "<Recipients><To><Number>15551234567</Number></To></Recipients>"
        f'<Content href="{href}"/></SubmitReq>'
    )
    body = multipart([soap(pdu=pdu), text_part("<c>", b"found")])
    message = decode(body, 'multipart/related; boundary=b; start="<s>"')
    assert kinds(message) == ([defect] if defect else [])
    assert message.content is not None and message.content.data == b"found"


def test_decode_http_strict_raises_on_framing_defect() -> None:
    raw = b"POST / HTTP/1.1\r\nContent-Type: text/xml\r\nX-A: 1\r\n  folded\r\n\r\n" + envelope(RSP)
    assert kinds(decode_http(raw)) == ["http-header-folding"]
    with pytest.raises(DecodeError, match="http-header-folding"):
        decode_http(raw, strict=True)


# -- _http1 --------------------------------------------------------------------------------------


def test_http_leading_blank_lines_and_response() -> None:
    http = parse_http(b"\r\n\r\nHTTP/1.1 200\r\nContent-Type: text/xml\r\n\r\n<a/>")
    assert (http.status, http.reason, http.method) == (200, "", None)
    assert http.get("content-type") == "text/xml" and http.get("x-none", "d") == "d"
    assert http.body == b"<a/>"
    request = parse_http(b"POST /mm7 HTTP/1.0\nHost: h\n\nbody")
    assert (request.method, request.target, request.body) == ("POST", "/mm7", b"body")


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1\r\n\r\n",
        b"GET\r\n\r\n",
        b"123 / HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"POST / HTTP/1.1\r\n : empty name\r\n\r\n",
        b"POST / HTTP/1.1\r\nName : space before colon\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: h",
    ],
)
def test_http_malformed_head(raw: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        parse_http(raw)
    assert info.value.status_code == 4004


def test_http_crlf_line_then_bare_lf_blank_line() -> None:
    http = parse_http(b"POST / HTTP/1.1\r\nContent-Type: text/xml\r\n\n<a/>")
    assert http.content_type == "text/xml" and http.body == b"<a/>"


def test_http_without_content_length_takes_everything() -> None:
    http = parse_http(b"POST / HTTP/1.1\r\nContent-Type: text/xml\r\n\r\n<a/>\r\n\r\ntail")
    assert http.body == b"<a/>\r\n\r\ntail"


def test_http_body_over_max_message_size() -> None:
    raw = b"POST / HTTP/1.1\r\n\r\n" + b"x" * 100
    with pytest.raises(LimitExceededError) as info:
        parse_http(raw, limits=Limits(max_message_size=50))
    assert info.value.limit == "max_message_size"


def test_http_head_over_max_header_size() -> None:
    raw = b"POST / HTTP/1.1\r\nX: " + b"y" * 100 + b"\r\n\r\n"
    with pytest.raises(LimitExceededError) as info:
        parse_http(raw, limits=Limits(max_header_size=50))
    assert info.value.limit == "max_header_size"


def chunked(body: bytes) -> bytes:
    return b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body


def test_chunked_with_extensions_bare_lf_and_trailers() -> None:
    http = parse_http(chunked(b"3;ext=1\r\nabc\n2\nde\r\n0\r\nTrailer: x\r\n\r\n"))
    assert http.body == b"abcde"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"3\r\nabc\r\n5", "ends inside a chunk size line"),
        (b"3\r\nabcX0\r\n\r\n", "not followed by a line ending"),
        (b"10\r\nabc\r\n", "cut short"),
        (b"zz\r\n", "bad chunk size"),
    ],
)
def test_chunked_errors(body: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        parse_http(chunked(body))


def test_content_length_trailing_data_is_a_defect() -> None:
    from mm7codec._errors import DefectRecorder

    recorder = DefectRecorder()
    http = parse_http(b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nabcd", defects=recorder)
    assert http.body == b"ab"
    assert [d.kind for d in recorder.defects] == ["trailing-data-after-body"]


# -- _encoder ------------------------------------------------------------------------------------


def test_encoded_message_api() -> None:
    message = Message(submit(content=ContentRef("cid:c")), "tx", content=Part.text("hi"))
    encoded = encode(message)
    assert repr(encoded) == "<EncodedMessage SubmitReq multipart/related>"
    assert encoded.content_length == len(encoded.body)
    assert b"".join(encoded.iter_body()) == encoded.body == b"".join(encoded)
    assert dict(encoded.headers)["SOAPAction"] == '""'
    assert b"".join(iter_encode(message)) != b""  # a fresh boundary each time
    bare = encode(Message(submit(), "tx"))
    assert repr(bare) == "<EncodedMessage SubmitReq text/xml>"
    assert bare.content_length == len(bare.body) == len(bare.envelope)


def test_content_length_before_body() -> None:
    message = Message(submit(), "tx", content=Part.bytes(b"\x00" * 1000, "image/gif"))
    encoded = encode(message)
    length = encoded.content_length
    assert length == len(encoded.body)


def test_encode_with_mm7_version_and_version() -> None:
    message = Message(submit(), "tx")
    encoded = encode(message, mm7_version="6.5.0")
    assert encoded.message.mm7_version == "6.5.0"
    assert decode(encoded.body, encoded.content_type).mm7_version == "6.5.0"
    older = encode(message, version="REL-6-MM7-1-0")
    assert older.message.version.name == "REL-6-MM7-1-0"


def test_soap_content_id_avoids_the_content_ids() -> None:
    content = Part.multipart(
        "mixed",
        [
            Part.text("a", content_id="mm7-soap-envelope"),
            Part.text("b", content_id="mm7-soap-envelope-2"),
        ],
        content_id="c",
    )
    encoded = encode(Message(submit(), "tx", content=content))
    assert 'start="<mm7-soap-envelope-3>"' in encoded.content_type
    decoded = decode(encoded.body, encoded.content_type)
    assert decoded.content is not None
    assert [p.content_id for p in decoded.content.parts] == [
        "mm7-soap-envelope",
        "mm7-soap-envelope-2",
    ]


@pytest.mark.parametrize(("length", "ctes"), [(10, (b"8bit", b"binary")), (2000, (b"binary",))])
def test_soap_part_transfer_encoding_by_line_length(length: int, ctes: tuple) -> None:
    # Raw text, never base64; a line over 998 bytes is only allowed as binary.
    message = Message(submit(subject="s" * length), "tx", content=Part.text("x"))
    encoded = encode(message)
    soap_headers = encoded.body.split(b"\r\n\r\n", 1)[0]
    assert any(b"Content-Transfer-Encoding: " + cte in soap_headers for cte in ctes)
    assert decode(encoded.body, encoded.content_type).pdu.subject == "s" * length


def test_fits_8bit() -> None:
    from mm7codec._transfer import fits_8bit

    assert fits_8bit(b"a\r\nb\r\n" + b"c" * 998)
    assert not fits_8bit(b"a\r\n" + b"c" * 999)
    assert not fits_8bit(b"c" * 1000 + b"\r\nx")
    assert fits_8bit(b"a\r\nb")
    assert not fits_8bit(b"a\nb")
    assert not fits_8bit(b"a\rb")
    assert not fits_8bit(b"a\0b")


# -- _message ------------------------------------------------------------------------------------


def test_content_on_a_pdu_without_content() -> None:
    rsp = SubmitRsp(status=Status(StatusCode.SUCCESS, "ok"), message_id="m")
    with pytest.raises(EncodeError, match="cannot carry content"):
        Message(rsp, "tx", content=Part.text("x"))


def test_href_and_content_id_must_agree() -> None:
    with pytest.raises(EncodeError, match="does not name"):
        Message(submit(content=ContentRef("cid:a")), "tx", content=Part.text("x", content_id="b"))
    with pytest.raises(EncodeError, match="does not name"):
        Message(submit(content=ContentRef("a.jpg")), "tx", content=Part.text("x"))


def test_content_pairing_fills_in_what_is_missing() -> None:
    by_href = Message(submit(content=ContentRef("cid:given")), "tx", content=Part.text("x"))
    assert by_href.content is not None and by_href.content.content_id == "given"
    by_cid = Message(submit(), "tx", content=Part.text("x", content_id="mine"))
    assert by_cid.pdu.content == ContentRef("cid:mine")
    neither = Message(submit(), "tx", content=Part.text("x"))
    assert neither.content is not None and neither.content.content_id == "mms-content"
    assert neither.pdu.content == ContentRef("cid:mms-content")


def test_defects_given_as_a_list_become_a_tuple() -> None:
    from mm7codec import Defect

    message = Message(submit(), "tx", defects=[Defect("x")])
    assert message.defects == (Defect("x"),)


def test_response_of_a_response_and_bad_fields() -> None:
    rsp = Message(SubmitRsp(status=Status(StatusCode.SUCCESS, "ok"), message_id="m"), "tx")
    with pytest.raises(EncodeError, match="is a response"):
        rsp.response()
    request = Message(submit(), "tx")
    with pytest.raises(EncodeError, match="needs a message_id"):
        request.response()
    with pytest.raises(EncodeError, match="SubmitRsp"):
        request.response(message_id="m", no_such_field=1)
    ok = request.response(StatusCode.SUCCESS, message_id="m-9")
    assert ok.transaction_id == "tx" and ok.pdu.message_id == "m-9"
    custom = request.response(Status(StatusCode.PARTIAL_SUCCESS, "some"), message_id="m")
    assert custom.status is not None and custom.status.text == "some"


def test_raise_for_status() -> None:
    request = Message(submit(), "tx")
    with pytest.raises(StatusError, match="not a response"):
        request.raise_for_status()
    ok = request.response(message_id="m")
    assert ok.raise_for_status() is ok
    fault = request.error_response(StatusCode.MESSAGE_FORMAT_CORRUPT, "bad")
    assert isinstance(fault.pdu, RSErrorRsp) and fault.is_fault
    with pytest.raises(StatusError) as info:
        fault.raise_for_status()
    assert info.value.status_code == 2007 and info.value.status_text == "bad"
    decoded = decode(encode(fault).body, "text/xml")
    with pytest.raises(StatusError, match="fault Client"):
        decoded.raise_for_status()


def test_error_response_to_the_relay_is_a_vasp_error() -> None:
    deliver = DeliverReq(
        mms_relay_server_id="relay",
        sender=Address.number("15551234567"),
    )
    answer = Message(deliver, "tx").error_response(StatusCode.SERVER_ERROR)
    assert isinstance(answer.pdu, VASPErrorRsp)
    assert answer.status is not None and answer.status.text == StatusCode.SERVER_ERROR.default_text


def test_replace_unknown_attribute() -> None:
    with pytest.raises(TypeError, match="no attributes"):
        Message(submit(), "tx").replace(nope=1)


# -- _content ------------------------------------------------------------------------------------


def test_presentation_assigns_ids_and_builds_smil() -> None:
    image = Part.bytes(b"\xff\xd8", "image/jpeg", content_location="photo.jpg")
    text = Part.text("caption", content_id="cap")
    show = presentation([image, text], content_id="show")
    assert show.content_type.mime_type == "multipart/related"
    assert show.content_id == "show"
    smil, got_image, got_text = show.parts
    assert smil.content_type.mime_type == "application/smil"
    assert got_text is text  # already had an ID: kept as it was
    assert got_image.content_id is not None
    assert f"cid:{got_image.content_id}".encode() in smil.data
    assert b"cid:cap" in smil.data


# -- _jsonform -----------------------------------------------------------------------------------


def test_spec_with_every_kind_of_field(tmp_path: Path) -> None:
    path = tmp_path / "pic.gif"
    path.write_bytes(b"GIF89a")
    spec = {
        "pdu": "SubmitReq",
        "transaction_id": "tx-json",
        "fields": {
            "sender_identification": {
                "vasp_id": "v",
                "vas_id": "s",
                "sender_address": {"short_code": "12345"},
            },
            "recipients": {"to": ["15551234567"], "cc": {"email": "a@b.c"}},
            "reply_charging": {"size": 100},
            "delivery_condition": [1, 2],
            "subject": "hi",
            "extensions": [{"name": "{urn:x}y", "xml": '<y xmlns="urn:x"/>'}],
        },
        "content": [
            {"text": "caption", "content_id": "t"},
            {"file": str(path)},
            {"base64": base64.b64encode(b"\x00\x01").decode(), "content_type": "image/png"},
        ],
    }
    message = message_from_spec(spec)
    assert message.transaction_id == "tx-json"
    assert message.pdu.recipients.cc == (Address.email("a@b.c"),)
    assert message.content is not None and len(message.content.parts) == 3
    smil = message_from_spec({**spec, "smil": True, "fields": {**spec["fields"]}})
    assert smil.content is not None
    assert smil.content.parts[0].content_type.mime_type == "application/smil"
    data = message_to_data(message)
    assert data["pdu"] == "SubmitReq" and data["fields"]["subject"] == "hi"
    assert json.loads(json.dumps(data)) == data


def test_spec_response_fields() -> None:
    spec = {
        "pdu": "SubmitRsp",
        "fields": {"status": 1000, "message_id": "m"},
    }
    message = message_from_spec(spec)
    assert message.pdu.status.code == StatusCode.SUCCESS
    assert len(message.transaction_id) == 16  # a random one when none is given
    dr = message_from_spec(
        {
            "pdu": "DeliverReq",
            "version": "REL-6-MM7-1-4",
            "fields": {
                "mms_relay_server_id": "r",
                "sender": "15551234567",
                "recipients": ["15550000000"],
                "previously_sent_by": [{"address": "15551111111", "sequence": 1}],
                "previously_sent_date_and_time": ["2025-01-01T00:00:00Z"],
                "ua_capabilities": {"ua_prof": "http://x"},
                "content": "cid:c",
            },
        }
    )
    assert dr.pdu.previously_sent_by[0].address == Address.number("15551111111")
    assert value_to_data(dr.pdu)["ua_capabilities"] == {"ua_prof": "http://x"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([], "must be a JSON object"),
        ({"pdu": "Nope"}, "unknown PDU"),
        ({"pdu": "SubmitReq", "fields": {"sender": 5}}, "string or an object"),
        ({"pdu": "SubmitReq", "fields": {"sender": {"number": "1", "email": "a"}}}, "exactly one"),
        ({"pdu": "SubmitReq", "fields": {"no_such": 1}}, "SubmitReq"),
        ({"pdu": "SubmitReq", "content": [{"nothing": 1}]}, "needs text, file or base64"),
        ({"pdu": "SubmitReq", "content": {"base64": "!!!", "content_type": "a/b"}}, "bad base64"),
    ],
)
def test_bad_specs(spec: object, message: str) -> None:
    with pytest.raises(EncodeError, match=message):
        message_from_spec(spec)  # type: ignore[arg-type]


def test_spec_by_class_name_and_single_content() -> None:
    message = message_from_spec(
        {
            "pdu": "SubmitReq",
            "fields": {"recipients": "15551234567", "sender_identification": {"vasp_id": "v"}},
            "content": {"text": "only"},
        }
    )
    assert message.content is not None and message.content.data == b"only"


def test_part_to_data_previews() -> None:
    text = Part.bytes("héllo".encode("latin-1"), "text/plain; charset=latin-1")
    assert part_to_data(text, preview=3)["text"] == "hél"
    unknown = Part.bytes(b"abc", "text/plain; charset=x-unknown")
    assert part_to_data(unknown, preview=10)["text"] == "abc"
    idna = Part.bytes(b"abc", "text/plain; charset=idna")
    assert part_to_data(idna, preview=10)["text"] == "abc"
    tree = part_to_data(Part.multipart("mixed", [text], content_id="m"))
    assert tree["content_id"] == "m" and tree["parts"][0]["size"] == 5
    located = part_to_data(Part.bytes(b"x", "image/gif", content_location="a.gif"))
    assert located["content_location"] == "a.gif" and "text" not in located


def test_value_to_data_fallbacks() -> None:
    assert value_to_data(StatusCode.SUCCESS) == 1000
    assert value_to_data(None) is None
    assert value_to_data(Address.number("1", display_only=True)) == {
        "number": "1",
        "display_only": True,
    }
    assert value_to_data((1, "a")) == [1, "a"]
    assert value_to_data(Path("a") / "b") == str(Path("a") / "b")


def test_parse_href_forms() -> None:
    from mm7codec._headers import parse_cid_href as _parse_href

    assert _parse_href(" cid:x ") == ("x", "href-whitespace")
    assert _parse_href("cid: x") == ("x", "href-cid-space")
    assert _parse_href("cid:<x>") == ("x", "href-with-brackets")
    assert _parse_href("x") == ("x", "href-missing-cid-prefix")
    assert _parse_href("cid:a%40b") == ("a@b", "")


def test_href_names_a_leaf_after_a_nested_multipart_without_it() -> None:
    inner = multipart([text_part("<n1>", b"nested")], "in")
    nested = part(['Content-Type: multipart/mixed; boundary="in"', "Content-ID: <m>"], inner)
    body = multipart([soap(), nested, text_part("<c>", b"target")])
    message = decode(body, 'multipart/related; boundary=b; start="<s>"')
    # The named leaf is the root; the multipart beside it is kept, not dropped.
    assert message.content is not None
    assert [p.content_id for p in message.content.parts] == ["c", "m"]
    assert message.content.parts[0].data == b"target"
    assert message.content.parts[1].parts[0].data == b"nested"
    assert [d.kind for d in message.defects] == ["content-as-sibling-parts"]


def test_spec_null_field_is_omitted() -> None:
    message = message_from_spec(
        {
            "pdu": "SubmitReq",
            "fields": {"recipients": "15551234567", "subject": None},
        }
    )
    assert message.pdu.subject is None
