"""The receiver's answer paths, each written once: the echoed TransactionID,
the MM7Version an answer carries, the body-to-answer step the WSGI app and the
CLI share."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest
from test_exchange_policy import deliver
from test_xsd_matrix import Validators, validation_errors

import mm7codec as mm7
from mm7codec._encoder import encode_echoing
from mm7codec._exchange import Answer, Pending, ReceiverPolicy, basic_auth_header, encode_answer
from mm7codec._message import answer_mm7_version
from mm7codec.http import make_wsgi_app
from mm7codec.profiles import get_profile

#: TransactionIDs a lenient decoder takes that xs:NMTOKEN refuses: a space, markup
#: characters that must be escaped, non-ASCII, and an entity-looking text.
ODD_IDS = ["relay 7781/0042", "a<b>c", "t&1", "caf\u00e9-\u20ac \u4e2d", "x&amp;y"]
NMTOKEN_VERSIONS = ["REL-5-MM7-1-0", "REL-5-MM7-1-1"]


@pytest.fixture(scope="module")
def validators(xsd_path: Path) -> Validators:
    return Validators(xsd_path)


def delivery(transaction_id: str, version: str) -> mm7.Message:
    return deliver(transaction_id, version, content=False)


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
    echoed = encode_echoing(reply)
    assert echoed.body == mm7.encode(reply, validate=False).body
    assert b">t x</" in echoed.body
    # A valid ID is written the same either way.
    plain = reply.replace(transaction_id="tx-1")
    assert encode_echoing(plain).body == mm7.encode(plain).body


# --- the MM7Version an answer carries ---------------------------------------------------------

OLD_ACCOUNT = get_profile("sinch").replace(mm7_version="6.4.0")  # a peer set up on 6.4.0


def test_answer_mm7_version_keeps_a_listed_one_else_the_profiles_else_none() -> None:
    rel14 = mm7.get_version("REL-6-MM7-1-4")
    rel12 = mm7.get_version("REL-5-MM7-1-2")
    assert answer_mm7_version(rel14, "6.3.0") == "6.3.0"
    assert answer_mm7_version(rel14, "6.3.0", OLD_ACCOUNT) == "6.3.0"  # the request's wins
    assert answer_mm7_version(rel14, "6.7.0") is None
    assert answer_mm7_version(rel14, "6.7.0", OLD_ACCOUNT) == "6.4.0"
    assert answer_mm7_version(rel14, None, OLD_ACCOUNT) == "6.4.0"
    assert answer_mm7_version(rel12, "6.7.0", OLD_ACCOUNT) is None  # another schema
    assert answer_mm7_version(rel12, None) is None


def _unlisted(version: str, written: str = "6.7.0") -> mm7.Message:
    message = delivery("tx-v", version)
    body = mm7.encode(message).body.replace(
        f">{message.mm7_version}<".encode(), f">{written}<".encode(), 1
    )
    decoded = mm7.decode(body, "text/xml")
    assert decoded.mm7_version == written
    return decoded


def _wire_mm7_version(answer: Answer) -> str:
    decoded = mm7.decode(answer.body, dict(answer.headers)["Content-Type"])
    return decoded.mm7_version


def test_every_answer_path_picks_the_mm7_version_the_same_way() -> None:
    request = _unlisted("REL-6-MM7-1-4")
    # No profile: the schema's own value, whichever path answers.
    assert request.response().mm7_version == "6.8.0"
    assert request.error_response(3000).mm7_version == "6.8.0"
    plain = ReceiverPolicy().prepare(request)
    assert isinstance(plain, Pending)
    assert _wire_mm7_version(plain.result(None)) == "6.8.0"
    # A profile on the same schema: its MM7Version on success, Fault and refusal alike.
    policy = ReceiverPolicy(profile=OLD_ACCOUNT)
    pending = policy.prepare(request)
    assert isinstance(pending, Pending)
    assert _wire_mm7_version(pending.result(None)) == "6.4.0"
    assert _wire_mm7_version(pending.failed(RuntimeError("x"))) == "6.4.0"
    head = b"<x:TransactionID>tx-r</x:TransactionID>"  # no schema to read: the profile's
    assert _wire_mm7_version(policy.refusal(500, mm7.MM7Error("cut"), head)) == "6.4.0"
    # A request in another schema keeps that schema's own value under the profile.
    other = ReceiverPolicy(profile=OLD_ACCOUNT).prepare(_unlisted("REL-6-MM7-1-2"))
    assert isinstance(other, Pending)
    assert _wire_mm7_version(other.result(None)) == "6.5.0"  # REL-6-MM7-1-2's own
    ns = mm7.get_version("REL-6-MM7-1-0").namespace.encode()
    refused = policy.refusal(500, mm7.MM7Error("cut"), ns)
    assert _wire_mm7_version(refused) == "6.3.0"


# --- one body-to-answer step for the WSGI app, the CLI and a whole body in hand ---------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _wsgi(app: Any, method: str, headers: List[Tuple[str, str]], body: bytes) -> Answer:
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": method,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    seen: List[Tuple[str, List[Tuple[str, str]]]] = []
    chunks = app(environ, lambda status, head: seen.append((status, head)))
    [(status, head)] = seen
    return Answer(int(status.split()[0]), list(head), b"".join(chunks))


def _capture() -> Tuple[List[Tuple[str, str]], bytes]:
    head, _, body = (EXAMPLES / "deliver-mo-picture.http").read_bytes().partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")[1:]
    fields = [(n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in lines)]
    return [(n, v) for n, v in fields if n.lower() != "authorization"], body


def _failing(message: mm7.Message) -> None:
    raise RuntimeError("the handler broke")


@pytest.mark.parametrize(
    "case",
    ["whole", "trailing", "cut", "short-length", "garbage", "get", "no-auth", "raises", "refuses"],
)
def test_answer_whole_is_what_the_wsgi_app_answers(case: str) -> None:
    headers, body = _capture()
    auth = basic_auth_header("u", "p")
    headers = [*headers, ("Authorization", auth)]
    method = "POST"
    handler: Callable[[mm7.Message], Any] = lambda message: None  # noqa: E731
    if case == "trailing":  # the close delimiter past the Content-Length: not read
        headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body) - 40)))
    elif case == "cut":  # a body shorter than its Content-Length
        body = body[:-40]
        headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body) + 40)))
    elif case == "short-length":  # a length that leaves out the close delimiter
        headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body) - 40)))
        body = body[:-40]
    elif case == "garbage":
        body = b"<not-soap/>"
        headers = [("Content-Type", "text/xml"), ("Content-Length", "11"), ("Authorization", auth)]
    elif case == "get":
        method = "GET"
    elif case == "no-auth":
        headers = [(n, v) for n, v in headers if n != "Authorization"]
    elif case == "raises":
        handler = _failing
    elif case == "refuses":
        handler = lambda message: mm7.StatusCode.SERVICE_DENIED  # noqa: E731
    options: Dict[str, Any] = {"auth": ("u", "p"), "profile": "sinch"}
    expected = _wsgi(make_wsgi_app(handler, **options), method, headers, body)
    got = ReceiverPolicy(**options).answer_whole(method, headers, body, handler)
    assert got == expected
    status = {"whole": 200, "get": 405, "no-auth": 401}.get(case, 500)
    assert got.http_status == status


def test_answer_whole_without_a_content_length_takes_the_body_as_whole() -> None:
    headers, body = _capture()
    headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
    seen: List[mm7.Message] = []
    answer = ReceiverPolicy().answer_whole("POST", headers, body, seen.append)
    assert answer.http_status == 200 and [m.transaction_id for m in seen] == ["relay-7781-0042"]
    # The same bytes cut short are refused, not acknowledged.
    cut = ReceiverPolicy().answer_whole("POST", headers, body[:-40], seen.append)
    assert cut.http_status == 500 and len(seen) == 1


def test_handle_releases_nothing_it_did_not_claim_and_lets_interruptions_through() -> None:
    policy = ReceiverPolicy(dedupe=True)
    request = delivery("tx-int", "REL-6-MM7-1-4")

    def interrupted(message: mm7.Message) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        policy.handle(request, interrupted)
    # The claim was released: the resend runs the handler, and is answered 1000.
    seen: List[mm7.Message] = []
    answer = policy.handle(request, seen.append)
    assert answer.http_status == 200 and len(seen) == 1


def test_the_receiver_factories_take_exactly_the_policys_keywords() -> None:
    # from_arguments hands them on by name: the three signatures must agree
    # on names and defaults.
    import inspect

    from mm7codec.http import make_asgi_app

    def keywords(function: Callable[..., Any]) -> List[inspect.Parameter]:
        params = inspect.signature(function).parameters.values()
        return [p for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]

    policy = keywords(ReceiverPolicy.__init__)
    assert [p.name for p in policy][:2] == ["limits", "auth"] and len(policy) == 9
    for factory in (make_wsgi_app, make_asgi_app):
        assert [(p.name, p.default) for p in keywords(factory)] == [
            (p.name, p.default) for p in policy
        ]
    options = {"realm": "R", "side": "relay", "strict": True, "allow": ["127.0.0.1/32"]}
    built = ReceiverPolicy.from_arguments({**{p.name: p.default for p in policy}, **options})
    assert (built.realm, built.side, built.strict) == ("R", "relay", True)
    assert built.allow is not None and len(built.allow) == 1
