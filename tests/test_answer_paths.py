"""The receiver's answer paths, each written once: the echoed TransactionID,
the MM7Version an answer carries, the body-to-answer step the WSGI app and the
CLI share."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_xsd_matrix import Validators, validation_errors

import mm7codec as mm7
from mm7codec._encoder import encode_with
from mm7codec._exchange import encode_answer

#: TransactionIDs a lenient decoder takes that xs:NMTOKEN refuses: a space, markup
#: characters that must be escaped, non-ASCII, and an entity-looking text.
ODD_IDS = ["relay 7781/0042", "a<b>c", "t&1", "caf\u00e9-\u20ac \u4e2d", "x&amp;y"]
NMTOKEN_VERSIONS = ["REL-5-MM7-1-0", "REL-5-MM7-1-1"]


@pytest.fixture(scope="module")
def validators(xsd_path: Path) -> Validators:
    return Validators(xsd_path)


def delivery(transaction_id: str, version: str) -> mm7.Message:
    pdu = mm7.DeliverReq(
        mms_relay_server_id="relay",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
        reply_charging_id="rc",
    )
    return mm7.Message(pdu, transaction_id, version)


@pytest.mark.parametrize("version", NMTOKEN_VERSIONS)
@pytest.mark.parametrize("transaction_id", ODD_IDS)
def test_answers_echo_an_odd_transaction_id_and_validate_the_rest(
    version: str, transaction_id: str, validators: Validators
) -> None:
    request = delivery(transaction_id, version)
    for reply in (request.response(1000), request.error_response(2007)):
        # A plain encode refuses it (documented): only the receiver echoes.
        with pytest.raises(mm7.EncodeError, match=r"^TransactionID:"):
            mm7.encode(reply)
        answer = encode_answer(reply, 200)
        # The same bytes as the unvalidated encode the receiver used to fall back on.
        assert answer.body == mm7.encode(reply, validate=False).body
        root = ET.fromstring(answer.body)  # well-formed, the ID escaped
        found = root.find(f".//{{{reply.version.namespace}}}TransactionID")
        assert found is not None and found.text == transaction_id
        problems = validation_errors(answer.body, reply, validators)
        assert problems == [f"TransactionID {transaction_id!r} is no NMTOKEN"]
        assert mm7.decode(answer.body, "text/xml").transaction_id == transaction_id


@pytest.mark.parametrize("version", NMTOKEN_VERSIONS)
def test_an_echoed_transaction_id_does_not_let_anything_else_through(version: str) -> None:
    reply = delivery("tx 1", version).response(1000)
    with pytest.raises(mm7.EncodeError, match="MM7Version"):
        encode_answer(reply.replace(mm7_version="9.9.9"), 200)
    with pytest.raises(mm7.EncodeError, match=r"U\+0000"):
        encode_answer(reply.replace(transaction_id="a\x00b"), 200)


def test_echo_is_only_the_transaction_id_option() -> None:
    reply = delivery("t x", "REL-5-MM7-1-0").response(1000)
    echoed = encode_with(reply, echo_transaction_id=True)
    assert echoed.body == mm7.encode(reply, validate=False).body
    assert b">t x</" in echoed.body
    # A valid ID is written the same either way.
    plain = reply.replace(transaction_id="tx-1")
    assert encode_with(plain, echo_transaction_id=True).body == mm7.encode(plain).body
