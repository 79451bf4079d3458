"""Media as sibling parts of the SOAP part (Telnyx, some MMSCs), both ways: nothing is lost.

Decode: every part besides the SOAP part is in ``message.content`` whatever the
href names (the part it names is the root of a synthetic multipart/related);
such a message re-encodes (validated and not) with every byte of every part and
no Content-ID twice, and a receiver acknowledges it with the handler seeing
every part. Encode: ``MediaLayout.SIBLINGS`` writes the content's members
beside the SOAP part and reads back to the same parts. Plus two digit checks
that took a non-ASCII digit to ``int()``.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_xsd_matrix import Validators, validation_errors

import mm7codec as mm7
from mm7codec import DecodeError, MM7Error
from mm7codec._exchange import ReplyReader
from mm7codec.http import make_wsgi_app
from mm7codec.profiles import STANDARD, TELNYX, MediaLayout

NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SMIL = b'<smil><body><par><img src="cid:photo"/><text src="cid:words"/></par></body></smil>'
TEXT = "Hello ✓ from the MMSC".encode()
# Bytes that look like MIME framing and every byte value: any loss or rewrite shows.
IMAGE = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 3 + b"\r\n--sib\r\n--sib--\r\n\x00\xff\xd9"
AUDIO = bytes(range(255, -1, -1)) * 2


@pytest.fixture(scope="module")
def validators(xsd_path: Path) -> Validators:
    return Validators(xsd_path)


def envelope(pdu: str = "DeliverReq", content: str = '<Content href="cid:photo"/>') -> bytes:
    """A REL-6-MM7-1-4 request envelope as a peer writes it, ``content`` its Content element."""
    if pdu == "DeliverReq":
        fields = "<Sender><Number>15551234567</Number></Sender>"
    else:
        fields = (
            "<SenderIdentification><VASPID>vasp</VASPID><VASID>svc</VASID>"
            "</SenderIdentification><Recipients><To><Number>15551234567</Number></To></Recipients>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\r\n'
        f'<env:Envelope xmlns:env="{SOAP_NS}"><env:Header>'
        f'<mm7:TransactionID xmlns:mm7="{NS}" env:mustUnderstand="1">tx-sib-1</mm7:TransactionID>'
        f'</env:Header><env:Body><{pdu} xmlns="{NS}"><MM7Version>6.8.0</MM7Version>{fields}'
        f"<Subject>siblings</Subject>{content}</{pdu}></env:Body></env:Envelope>\r\n"
    ).encode()


def leaf(content_type: str, data: bytes, cid: Optional[str], encoding: str = "binary") -> bytes:
    import base64

    headers = [f"Content-Type: {content_type}"]
    if cid is not None:
        headers.append(f"Content-ID: <{cid}>")
    headers.append(f"Content-Transfer-Encoding: {encoding}")
    body = base64.encodebytes(data) if encoding == "base64" else data
    return "\r\n".join(headers).encode() + b"\r\n\r\n" + body


def body(parts: Sequence[bytes], boundary: str = "sib-outer") -> Tuple[bytes, str]:
    delim = b"--" + boundary.encode()
    out = b"".join(delim + b"\r\n" + p + b"\r\n" for p in parts) + delim + b"--\r\n"
    ct = f'multipart/related; boundary="{boundary}"; type="text/xml"; start="<soap>"'
    return out, ct


def soap(content: str = '<Content href="cid:photo"/>', pdu: str = "DeliverReq") -> bytes:
    return leaf("text/xml; charset=utf-8", envelope(pdu, content), "soap", "8bit")


def telnyx_body(href: str = "cid:photo") -> Tuple[bytes, str]:
    """SOAP, then the media as siblings; the href names the image, not the first."""
    return body(
        [
            soap(f'<Content href="{href}"/>'),
            leaf("text/plain; charset=utf-8", TEXT, "words", "8bit"),
            leaf("image/jpeg", IMAGE, "photo", "base64"),
            leaf("audio/amr", AUDIO, None),
        ]
    )


WANTED = {"words": TEXT, "photo": IMAGE, None: AUDIO}


def leaves(content: Optional[mm7.Part]) -> Dict[Optional[str], bytes]:
    assert content is not None
    return {p.content_id: p.data for p in content.walk() if not p.is_multipart}


def content_ids(encoded: mm7.EncodedMessage) -> List[str]:
    """Every Content-ID written in the body, the SOAP part's included."""
    message = mm7.decode(encoded.body, encoded.content_type)
    found = [message.content] if message.content is not None else []
    ids = [p.content_id for part in found for p in part.walk() if p.content_id is not None]
    return [*ids, "soap"]


# -- decode ---------------------------------------------------------------------------------


def test_href_naming_one_sibling_keeps_every_sibling() -> None:
    data, ct = telnyx_body()
    message = mm7.decode(data, ct)
    assert [d.kind for d in message.defects] == ["content-as-sibling-parts"]
    content = message.content
    assert content is not None
    # Synthetic: related, rooted at the named part (first, typed, named by start), no id.
    assert content.content_type.mime_type == "multipart/related"
    assert content.content_type.params["type"] == "image/jpeg"
    assert content.content_type.params["start"] == "<photo>"
    assert content.content_id is None
    assert [p.content_id for p in content.parts] == ["photo", "words", None]
    assert leaves(content) == WANTED
    assert message.pdu.content.href == "cid:photo"  # type: ignore[union-attr]
    # Fed byte by byte, the same message.
    decoder = mm7.Decoder(ct)
    for i in range(len(data)):
        decoder.feed(data[i : i + 1])
    assert decoder.close() == message
    with pytest.raises(DecodeError):
        mm7.decode(data, ct, strict=True)


def test_href_naming_nothing_keeps_every_part() -> None:
    data, ct = telnyx_body("cid:nowhere")
    message = mm7.decode(data, ct)
    assert [d.kind for d in message.defects] == ["href-matches-no-part", "content-as-sibling-parts"]
    assert message.content is not None
    assert message.content.content_type.mime_type == "multipart/mixed"
    assert [p.content_id for p in message.content.parts] == ["words", "photo", None]
    assert leaves(message.content) == WANTED


def test_href_naming_a_part_inside_a_multipart_sibling_keeps_both_whole() -> None:
    inner = b"\r\n".join(
        [
            b'Content-Type: multipart/mixed; boundary="inner"',
            b"Content-ID: <album>",
            b"",
            b"--inner",
            leaf("image/jpeg", IMAGE, "photo", "base64"),
            b"--inner",
            leaf("text/plain; charset=utf-8", TEXT, "words", "8bit"),
            b"--inner--",
        ]
    )
    data, ct = body([soap(), leaf("audio/amr", AUDIO, None), inner])
    message = mm7.decode(data, ct)
    assert [d.kind for d in message.defects] == [
        "href-names-inner-part",
        "content-as-sibling-parts",
    ]
    content = message.content
    assert content is not None
    # The root is the whole multipart holding the named part, its start its own id.
    assert content.content_type.params["start"] == "<album>"
    assert [p.content_id for p in content.parts] == ["album", None]
    assert leaves(content) == WANTED


def test_href_naming_a_part_inside_the_only_part_takes_that_part_whole() -> None:
    # Before: the named inner part alone, its siblings in the multipart lost.
    content_part = mm7.Part.multipart(
        "related",
        [mm7.Part.bytes(SMIL, "application/smil", content_id="smil"), mm7.Part.text("hi")],
        content_id="pres",
    )
    built = mm7.Message(deliver_req("cid:pres"), "tx-1", content=content_part)
    encoded = mm7.encode(built)
    data = encoded.body.replace(b'href="cid:pres"', b'href="cid:smil"')
    message = mm7.decode(data, encoded.content_type)
    assert [d.kind for d in message.defects] == ["href-names-inner-part"]
    assert message.content == content_part


# -- re-encode and receive --------------------------------------------------------------------


def deliver_req(href: Optional[str]) -> mm7.DeliverReq:
    return mm7.DeliverReq(
        sender=mm7.Address.number("15551234567"),
        subject="siblings",
        content=None if href is None else mm7.ContentRef(href),
    )


@pytest.mark.parametrize("validate", [True, False])
@pytest.mark.parametrize("href", ["cid:photo", "cid:nowhere"])
def test_decoded_siblings_reencode_whole(validate: bool, href: str, validators: Validators) -> None:
    message = mm7.decode(*telnyx_body(href))
    for profile in (None, STANDARD, TELNYX):
        encoded = mm7.encode(message, validate=validate, profile=profile)
        assert validation_errors(encoded.envelope, encoded.message, validators) == []
        ids = content_ids(encoded)
        assert len(ids) == len(set(ids)), ids
        again = mm7.decode(encoded.body, encoded.content_type)
        assert leaves(again.content) == WANTED
        if profile is None:
            # As received: the same PDU, the synthetic multipart as the one content part.
            assert again.pdu == message.pdu
            assert again.content == message.content
        elif href == "cid:photo":
            # The href already names a part inside the content: kept as it is.
            assert again.pdu == message.pdu
            assert list(again.content.parts) == list(message.content.parts)  # type: ignore[union-attr]


class App:
    """``make_wsgi_app`` called in-process; the handler keeps what it saw."""

    def __init__(self) -> None:
        self.seen: List[Dict[Optional[str], bytes]] = []
        self.app = make_wsgi_app(self._handle)

    def _handle(self, message: mm7.Message) -> Optional[mm7.Message]:
        self.seen.append(leaves(message.content))
        return None

    def post(self, content_type: str, data: bytes) -> Tuple[int, mm7.Message]:
        environ: Dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": io.StringIO(),
        }
        seen: List[Tuple[str, List[Tuple[str, str]]]] = []

        def start_response(status: str, headers: List[Tuple[str, str]], *exc: object) -> None:
            seen.append((status, headers))

        answer = b"".join(self.app(environ, start_response))  # type: ignore[arg-type]
        status, headers = seen[0]
        answer_type = next(v for k, v in headers if k.lower() == "content-type")
        return int(status.split()[0]), mm7.decode(answer, answer_type)


@pytest.mark.parametrize("href", ["cid:photo", "cid:nowhere", "photo"])
def test_receiver_acknowledges_siblings_with_every_part_handled(href: str) -> None:
    app = App()
    data, ct = telnyx_body(href)
    status, reply = app.post(ct, data)
    assert status == 200
    assert not reply.is_fault
    assert reply.transaction_id == "tx-sib-1"
    assert reply.status is not None and reply.status.code == mm7.StatusCode.SUCCESS
    assert app.seen == [WANTED]


@given(
    datas=st.lists(st.binary(max_size=300), min_size=1, max_size=5),
    has_id=st.lists(st.booleans(), min_size=5, max_size=5),
    named=st.integers(min_value=-1, max_value=4),
)
def test_any_siblings_any_href_every_byte_survives(
    datas: List[bytes], has_id: List[bool], named: int
) -> None:
    ids = [f"m{i}" if has_id[i] else None for i in range(len(datas))]
    href = f"cid:m{named}" if named >= 0 else "cid:none"
    parts = [leaf("application/octet-stream", d, c, "base64") for d, c in zip(datas, ids)]
    data, ct = body([soap(f'<Content href="{href}"/>'), *parts])
    message = mm7.decode(data, ct)
    wanted = sorted(datas)
    assert sorted(p.data for p in message.content.walk() if not p.is_multipart) == wanted  # type: ignore[union-attr]
    acked = App().post(ct, data)
    assert acked[0] == 200 and acked[1].status.code == mm7.StatusCode.SUCCESS  # type: ignore[union-attr]
    for profile in (None, TELNYX):
        try:
            encoded = mm7.encode(message, profile=profile)
        except mm7.EncodeError:
            # A profile rebuilds the message, and the pairing refuses (never rewrites)
            # an href that names no part when the one content part has its own id.
            assert profile is not None
            assert len(datas) == 1 and ids[0] is not None and href != f"cid:{ids[0]}"
            continue
        written = content_ids(encoded)
        assert len(written) == len(set(written)), written
        again = mm7.decode(encoded.body, encoded.content_type)
        got = sorted(p.data for p in again.content.walk() if not p.is_multipart)  # type: ignore[union-attr]
        assert got == wanted


# -- encode with MediaLayout.SIBLINGS --------------------------------------------------------


def presentation(start: bool = True) -> mm7.Part:
    members = [
        mm7.Part.text("caption", content_id="words"),
        mm7.Part.bytes(SMIL, "application/smil", content_id="smil"),
        mm7.Part.bytes(IMAGE, "image/jpeg", content_id="photo"),
    ]
    params = {"type": "application/smil"}
    if start:
        params["start"] = "<smil>"
    return mm7.Part.multipart("related", members, params=params)


def submit(content: mm7.Part) -> mm7.Message:
    req = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(vasp_id="vasp", vas_id="svc"),
        recipients=mm7.Recipients(to=[mm7.Address.number("15551234567")]),
        subject="siblings",
    )
    return mm7.Message(req, "tx-enc-1", content=content)


def top_level(encoded: mm7.EncodedMessage) -> List[mm7.Part]:
    """The parts of the HTTP body as written, read with the MIME layer only."""
    from mm7codec._mime_parse import MimeParser

    parser = MimeParser(encoded.content_type)
    parser.feed(encoded.body)
    return list(parser.close().parts)


@pytest.mark.parametrize("start", [True, False])
def test_siblings_layout_writes_members_beside_soap_smil_named(
    start: bool, validators: Validators
) -> None:
    assert TELNYX.media_layout is MediaLayout.SIBLINGS
    message = submit(presentation(start))
    encoded = mm7.encode(message, profile=TELNYX)
    assert validation_errors(encoded.envelope, encoded.message, validators) == []
    written = top_level(encoded)
    # SOAP, then the SMIL root (moved first), then the others in order; no wrapper.
    assert [p.content_id for p in written[1:]] == ["smil", "words", "photo"]
    assert written[0].content_type.mime_type == "text/xml"
    assert b'href="cid:smil"' in encoded.envelope
    back = mm7.decode(encoded.body, encoded.content_type)
    assert [d.kind for d in back.defects] == ["content-as-sibling-parts"]
    assert back.content is not None
    assert back.content.content_type.params["start"] == "<smil>"
    by_id = {p.content_id: p for p in message.content.parts}  # type: ignore[union-attr]
    assert list(back.content.parts) == [by_id["smil"], by_id["words"], by_id["photo"]]
    # And the standard layout of the same message is one content part, unchanged.
    plain = mm7.encode(message)
    assert len(top_level(plain)) == 2


def test_siblings_layout_names_the_first_member_and_gives_it_an_id() -> None:
    members = [mm7.Part.bytes(IMAGE, "image/jpeg"), mm7.Part.bytes(AUDIO, "audio/amr")]
    message = submit(mm7.Part.multipart("mixed", members))
    encoded = mm7.encode(message, profile="telnyx", validate=False)
    written = top_level(encoded)
    root_id = written[1].content_id
    assert root_id is not None and root_id != "mms-content"  # the wrapper's id, not on the wire
    assert f'href="cid:{root_id}"'.encode() in encoded.envelope
    assert [p.data for p in written[1:]] == [IMAGE, AUDIO]
    # The message returned names what was written.
    assert encoded.message.pdu.content.href == f"cid:{root_id}"  # type: ignore[union-attr]
    back = mm7.decode(encoded.body, encoded.content_type)
    assert [p.data for p in back.content.parts] == [IMAGE, AUDIO]  # type: ignore[union-attr]


def test_siblings_layout_keeps_nested_multiparts_whole_and_a_leaf_as_one_part() -> None:
    nested = mm7.Part.multipart("alternative", [mm7.Part.text("a"), mm7.Part.text("b", "html")])
    members = [mm7.Part.bytes(IMAGE, "image/jpeg", content_id="photo"), nested]
    encoded = mm7.encode(submit(mm7.Part.multipart("mixed", members)), profile=TELNYX)
    written = top_level(encoded)
    assert written[2].content_type.mime_type == "multipart/alternative"
    assert [p.data for p in written[2].parts] == [b"a", b"b"]
    single = mm7.encode(submit(mm7.Part.bytes(IMAGE, "image/jpeg")), profile=TELNYX)
    assert [p.data for p in top_level(single)[1:]] == [IMAGE]
    assert mm7.decode(single.body, single.content_type).defects == ()


def test_siblings_layout_refuses_an_empty_multipart() -> None:
    with pytest.raises(mm7.EncodeError):
        mm7.encode(submit(mm7.Part.multipart("mixed", [])), profile=TELNYX)


def test_siblings_layout_avoids_ids_already_used() -> None:
    members = [mm7.Part.bytes(IMAGE, "image/jpeg"), mm7.Part.text("t", content_id="mms-content")]
    content = mm7.Part.multipart("mixed", members, content_id="mms-content-2")
    encoded = mm7.encode(submit(content), profile=TELNYX)
    ids = [p.content_id for p in top_level(encoded)]
    assert len(ids) == len(set(ids)) == 3
    assert ids[1] == "mms-content-3"


# -- stray digits -----------------------------------------------------------------------------


def test_rfc2231_index_with_a_superscript_digit_is_not_a_crash() -> None:
    data, ct = body(
        [soap(), leaf("image/jpeg; name*\N{SUPERSCRIPT TWO}=x", IMAGE, "photo", "base64")]
    )
    try:
        message = mm7.decode(data, ct)
    except MM7Error:
        return
    assert leaves(message.content) == {"photo": IMAGE}


def test_status_line_with_a_superscript_digit_is_a_decode_error() -> None:
    reader = ReplyReader()
    with pytest.raises(DecodeError):
        reader.feed(
            "HTTP/1.1 2\N{SUPERSCRIPT TWO}0 OK\r\nContent-Length: 0\r\n\r\n".encode("latin-1")
        )


def test_siblings_layout_keeps_allow_adaptations() -> None:
    message = submit(presentation())
    pdu = dataclasses.replace(message.pdu, content=mm7.ContentRef("cid:pres", False))
    built = mm7.Message(pdu, "tx-enc-2", content=presentation())
    encoded = mm7.encode(built, profile=TELNYX)
    assert encoded.message.pdu.content == mm7.ContentRef("cid:smil", False)  # type: ignore[union-attr]
    back = mm7.decode(encoded.body, encoded.content_type)
    assert back.pdu.content.allow_adaptations is False  # type: ignore[union-attr]
