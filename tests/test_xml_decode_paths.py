"""The decoder's precomputed paths give what the general ones give.

What each case pins: a PDU's setup (version, defects, plans) is cached per
(tag, namespace hint, MM7Version) and bounded; MM7Version and TransactionID
found by tag still report children and depth; a StatusCode read by its text
and one that needs the number path decode alike; records normalised by
``__post_init__`` (a Response's bare code, recipient lists) come out the same
whether built or decoded.
"""

from __future__ import annotations

import pytest

import mm7codec
from mm7codec import (
    Address,
    DecodeError,
    LimitExceededError,
    Limits,
    Recipients,
    Status,
    StatusCode,
    SubmitRsp,
    _xml_decode,
)
from mm7codec._xml import decode_envelope

NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def envelope(body: str, header: str = "<mm7:TransactionID>t-1</mm7:TransactionID>") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<env:Envelope xmlns:env="{SOAP}" xmlns:mm7="{NS}">'
        f"<env:Header>{header}</env:Header><env:Body>{body}</env:Body></env:Envelope>"
    ).encode()


def submit_rsp(code: str = "1000", version: str = "<MM7Version>6.8.0</MM7Version>") -> bytes:
    return envelope(
        f'<SubmitRsp xmlns="{NS}">{version}<Status><StatusCode>{code}</StatusCode>'
        "<StatusText>Success</StatusText></Status><MessageID>m-1</MessageID></SubmitRsp>"
    )


def kinds(message: mm7codec.Message) -> list[str]:
    return [d.kind for d in message.defects]


@pytest.mark.parametrize(
    ("text", "code"), [("1000", 1000), (" 1000\n", 1000), ("2569", 2569), ("4004", 4004)]
)
def test_status_code_by_text_or_by_number(text: str, code: int) -> None:
    status = decode_envelope(submit_rsp(text)).pdu.status  # type: ignore[attr-defined]
    assert status.code == code and type(status.code) is StatusCode


@pytest.mark.parametrize("text", ["", "0", "+1000", "1e3", "100000"])
def test_a_status_code_that_is_none_is_refused(text: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_envelope(submit_rsp(text))
    assert info.value.status_code == 2007


def test_setups_are_cached_and_an_absurd_mm7_version_is_not() -> None:
    decode_envelope(submit_rsp())
    size = len(_xml_decode._SETUPS)
    assert decode_envelope(submit_rsp()).mm7_version == "6.8.0"
    assert len(_xml_decode._SETUPS) == size  # the second decode used the first's setup
    long_version = "6." + "8" * 600
    message = decode_envelope(submit_rsp(version=f"<MM7Version>{long_version}</MM7Version>"))
    assert message.mm7_version == long_version
    assert "mm7-version-not-in-schema" in kinds(message)
    assert len(_xml_decode._SETUPS) == size


def test_cached_setup_defects_are_recorded_every_time() -> None:
    body = envelope(
        '<SubmitRsp xmlns="urn:example:not-mm7"><MM7Version>6.8.0</MM7Version><Status>'
        "<StatusCode>1000</StatusCode><StatusText>ok</StatusText></Status></SubmitRsp>"
    )
    first, second = decode_envelope(body), decode_envelope(body)
    assert "unknown-namespace" in kinds(first)
    assert kinds(first) == kinds(second)
    with pytest.raises(DecodeError):
        decode_envelope(body, strict=True)


def test_mm7_version_and_transaction_id_with_children_are_named() -> None:
    message = decode_envelope(submit_rsp(version="<MM7Version>6.8.0<x/></MM7Version>"))
    assert kinds(message) == ["unexpected-child"]
    message = decode_envelope(
        submit_rsp().replace(b"t-1</mm7:TransactionID>", b"t-1<x/></mm7:TransactionID>")
    )
    assert message.transaction_id == "t-1" and kinds(message) == ["unexpected-child"]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_shallow_max_xml_depth_is_kept(depth: int) -> None:
    for data in (
        submit_rsp(),
        submit_rsp().replace(b"<mm7:TransactionID>t-1</mm7:TransactionID>", b""),
    ):
        with pytest.raises(LimitExceededError) as info:
            decode_envelope(data, limits=Limits(max_xml_depth=depth))
        assert info.value.limit == "max_xml_depth"


def test_other_envelope_spellings_take_the_general_path() -> None:
    with pytest.raises(DecodeError, match="not a SOAP envelope"):
        decode_envelope(b"<Other/>")
    with pytest.raises(DecodeError, match="Body is empty"):
        decode_envelope(envelope(""))
    other = submit_rsp().replace(SOAP.encode(), b"urn:example:soap")
    assert kinds(decode_envelope(other)) == ["soap-namespace"]
    # No declaration, a declaration in another spelling, a charset hint: _prepare decides.
    for data, charset in (
        (submit_rsp()[38:], None),
        (submit_rsp().replace(b'"UTF-8"', b'"ascii"'), None),
        (submit_rsp(), "iso-8859-1"),
        (memoryview(submit_rsp()), None),
    ):
        message = decode_envelope(data, charset=charset)  # type: ignore[arg-type]
        assert message.pdu.message_id == "m-1"  # type: ignore[attr-defined]


def test_decoded_and_built_records_are_normalised_alike() -> None:
    decoded = decode_envelope(submit_rsp()).pdu
    built = SubmitRsp(status=1000, message_id="m-1")  # type: ignore[arg-type]
    assert built.status == Status(StatusCode.SUCCESS, "Success")
    assert decoded == built
    recipients = Recipients(
        to=["15551230001"],  # type: ignore[list-item]
        cc=Address.email("a@example.com"),  # type: ignore[arg-type]
    )
    assert recipients.to == (Address.number("15551230001"),)
    assert recipients.cc == (Address.email("a@example.com"),)
    kept = (Address.number("1"),)
    assert Recipients(to=kept).to is kept  # a normal tuple is kept as it is


def test_a_pdu_without_namespace_takes_the_transaction_ids_namespace() -> None:
    rel5 = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-5-MM7-1-2"
    header = f'<t:TransactionID xmlns:t="{rel5}">t-1</t:TransactionID><x:Other xmlns:x="{NS}"/>'
    body = (
        "<SubmitRsp><MM7Version>5.6.0</MM7Version><Status><StatusCode>1000</StatusCode>"
        "<StatusText>ok</StatusText></Status><MessageID>m-1</MessageID></SubmitRsp>"
    )
    message = decode_envelope(envelope(body, header))
    # A header element after the TransactionID does not change which namespace it gave.
    assert message.version.name == "REL-5-MM7-1-2"
    assert "missing-namespace" in kinds(message)


def test_transcoded_envelopes_say_utf8_once_whatever_they_declared() -> None:
    # One rewrite for every transcoding path: a charset hint without an encoding in
    # the declaration, a declaration naming a legacy codec, and UTF-16 with a BOM.
    text = submit_rsp().decode().replace("m-1", "m-\u00e9")
    no_encoding = text.replace(' encoding="UTF-8"', "")
    cases = (
        (no_encoding.encode("latin-1"), "iso-8859-1"),
        (text.replace('"UTF-8"', '"windows-1252"').encode("cp1252"), None),
        (("\ufeff" + text.replace('"UTF-8"', '"UTF-16"')).encode("utf-16-le"), None),
        (no_encoding.encode("utf-16"), None),
    )
    for data, charset in cases:
        message = decode_envelope(data, charset=charset)
        assert message.pdu.message_id == "m-\u00e9"  # type: ignore[attr-defined]
    # A codec that hands back a lone surrogate: refused as XML, not a UnicodeEncodeError.
    with pytest.raises(DecodeError):
        decode_envelope(
            no_encoding.replace("m-\u00e9", "\\ud800").encode(), charset="raw_unicode_escape"
        )
