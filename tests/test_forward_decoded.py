"""A decoded message rebuilt with ``replace()`` (forwarded with a new TransactionID or
recipients) keeps its content however loosely the sender wrote its href."""

from __future__ import annotations

import dataclasses

import pytest

import mm7codec as mm7

with open("examples/deliver-mo-picture.http", "rb") as _f:
    RAW = _f.read()
HREF = b'href="cid:mo-content-0042"'


def _decoded(href: bytes) -> mm7.Message:
    message = mm7.decode_http(RAW.replace(HREF, b'href="' + href + b'"'))
    assert message.content is not None
    return message


@pytest.mark.parametrize(
    ("href", "written"),
    [
        (b"mo-content-0042", "cid:mo-content-0042"),  # no cid: (a named defect)
        (b"cid:&lt;mo-content-0042&gt;", "cid:mo-content-0042"),  # brackets
        (b"cid: mo-content-0042", "cid:mo-content-0042"),  # a space after cid:
        (b"cid:mo%2Dcontent-0042", "cid:mo%2Dcontent-0042"),  # RFC 2392 escape: canonical
        (b"cid:mo-content-0042", "cid:mo-content-0042"),
    ],
)
def test_replace_keeps_the_content_and_writes_the_href_canonically(
    href: bytes, written: str
) -> None:
    decoded = _decoded(href)
    forwarded = dataclasses.replace(decoded, transaction_id="fwd-1")
    assert forwarded.content == decoded.content
    assert forwarded.pdu.content.href == written  # type: ignore[attr-defined]
    again = mm7.decode(*reversed(_body_and_type(mm7.encode(forwarded))))
    assert again.content == decoded.content
    assert again.transaction_id == "fwd-1"
    assert not [d for d in again.defects if d.kind.startswith("href")]


def _body_and_type(encoded: mm7.EncodedMessage) -> tuple[str, bytes]:
    return encoded.content_type, encoded.body


def test_an_href_naming_nothing_is_still_refused() -> None:
    decoded = _decoded(b"cid:elsewhere")
    with pytest.raises(mm7.EncodeError, match="does not name"):
        dataclasses.replace(decoded, transaction_id="fwd-1")
    built = mm7.DeliverReq(
        sender=mm7.Address.number("15551230001"), content=mm7.ContentRef("nothing-here")
    )
    with pytest.raises(mm7.EncodeError, match="does not name"):
        mm7.Message(built, "t-1", content=mm7.Part.text("hi", content_id="<other>"))
