"""The receiver's source allow-list (issue 16 item 7), decided in ReceiverPolicy for both shells.

Gateways publish the addresses their postbacks come from. With ``allow`` a
request from elsewhere gets 403 and the handler does not run (its body is not
even read). Behind a reverse proxy, ``X-Forwarded-For`` is believed only when
the connection comes from a listed trusted proxy, read from the right: the
first hop that is not a trusted proxy is the source, whatever a client wrote
to the left of it.
"""

from __future__ import annotations

import asyncio
import http.client
import io
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import mm7codec as mm7
from mm7codec._exchange import ReceiverPolicy
from mm7codec.http import make_asgi_app, make_wsgi_app
from mm7codec.testing import ServerThread

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "delivery-report.http"
GATEWAY = ["203.0.113.0/24", "2001:db8:7::/48"]
PROXIES = ["10.0.0.0/8"]


def _request() -> Tuple[str, bytes]:
    raw = EXAMPLE.read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-type":
            return value.strip().decode("latin-1"), body
    raise AssertionError("no Content-Type in the example")


CONTENT_TYPE, BODY = _request()


class Handler:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, message: mm7.Message) -> None:
        self.calls += 1


class Untouchable(io.BytesIO):
    def read(self, size: Optional[int] = -1) -> bytes:
        raise AssertionError("a refused source's body must not be read")


def wsgi(app: Any, peer: Optional[str], xff: Optional[str] = None, *, body: bool = True) -> int:
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": CONTENT_TYPE,
        "CONTENT_LENGTH": str(len(BODY)),
        "wsgi.input": io.BytesIO(BODY) if body else Untouchable(),
        "wsgi.errors": io.StringIO(),
    }
    if peer is not None:
        environ["REMOTE_ADDR"] = peer
    if xff is not None:
        environ["HTTP_X_FORWARDED_FOR"] = xff
    status: List[str] = []
    app(environ, lambda s, h: status.append(s))
    return int(status[0].split()[0])


def asgi(app: Any, peer: Optional[str], xff: Optional[str] = None) -> int:
    headers = [(b"content-type", CONTENT_TYPE.encode()), (b"content-length", b"%d" % len(BODY))]
    if xff is not None:
        headers.append((b"x-forwarded-for", xff.encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "headers": headers,
        "client": None if peer is None else (peer, 50000),
    }
    events = [{"type": "http.request", "body": BODY, "more_body": False}]
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return events.pop(0) if events else {"type": "http.disconnect"}

    async def send(event: Dict[str, Any]) -> None:
        sent.append(event)

    asyncio.run(app(scope, receive, send))
    status: int = sent[0]["status"]
    return status


# (peer, X-Forwarded-For, allowed?)
CASES = [
    ("203.0.113.9", None, True),
    ("198.51.100.1", None, False),
    ("2001:db8:7::15", None, True),
    ("::ffff:203.0.113.9", None, True),  # a dual-stack socket's view of an IPv4 peer
    ("198.51.100.1", "203.0.113.9", False),  # a client's own header: not believed
    ("10.0.0.1", "203.0.113.9", True),
    ("10.0.0.1", "198.51.100.7, 203.0.113.9", True),  # spoofed left part ignored
    ("10.0.0.1", "203.0.113.9, 198.51.100.7", False),  # the rightmost untrusted hop wins
    ("10.0.0.1", "203.0.113.9, 10.2.3.4", True),  # two proxies
    ("10.0.0.1", "203.0.113.9:4711, 10.2.3.4", True),  # a hop with a port
    ("10.0.0.1", "[2001:db8:7::1]:443", True),
    ("10.0.0.1", "unknown", False),  # a hop that is no address
    ("10.0.0.1", None, False),  # the proxy itself is not the gateway
    ("10.0.0.1", "10.9.9.9, 10.2.3.4", False),  # all proxies: the leftmost, not allowed
    ("10.0.0.1", " , 203.0.113.9", True),
    (None, None, False),  # no peer address at all
    ("not-an-address", None, False),
]


@pytest.mark.parametrize(("peer", "xff", "allowed"), CASES)
def test_both_shells_refuse_what_the_policy_refuses(
    peer: Optional[str], xff: Optional[str], allowed: bool
) -> None:
    sync_handler, async_handler = Handler(), Handler()
    wsgi_app = make_wsgi_app(sync_handler, allow=GATEWAY, trusted_proxies=PROXIES)
    asgi_app = make_asgi_app(async_handler, allow=GATEWAY, trusted_proxies=PROXIES)
    want = 200 if allowed else 403
    assert wsgi(wsgi_app, peer, xff, body=allowed) == want
    assert asgi(asgi_app, peer, xff) == want
    assert sync_handler.calls == async_handler.calls == int(allowed)


def test_asgi_joins_repeated_forwarded_for_fields() -> None:
    handler = Handler()
    app: Any = make_asgi_app(handler, allow=GATEWAY, trusted_proxies=PROXIES)
    sent: List[Dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": "POST",
        "headers": [
            (b"content-type", CONTENT_TYPE.encode()),
            (b"x-forwarded-for", b"203.0.113.9"),
            (b"x-forwarded-for", b"198.51.100.7"),  # the last proxy's: the source
        ],
        "client": ("10.0.0.1", 1234),
    }

    async def receive() -> Dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(event: Dict[str, Any]) -> None:
        sent.append(event)

    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 403 and handler.calls == 0


def test_without_an_allow_list_every_source_is_answered() -> None:
    handler = Handler()
    assert wsgi(make_wsgi_app(handler), "198.51.100.1") == 200
    assert asgi(make_asgi_app(handler), None) == 200
    assert handler.calls == 2


def test_the_refusal_is_a_plain_403_before_auth() -> None:
    policy = ReceiverPolicy(allow=GATEWAY, auth=("u", "p"))
    answer = policy.check_source("198.51.100.1", None)
    assert answer is not None and answer.http_status == 403
    assert answer.status_line == "403 Forbidden"
    assert b"not allowed" in answer.body
    assert policy.check_source("203.0.113.1", None) is None
    assert str(policy.source("10.0.0.1", "203.0.113.1")) == "10.0.0.1"  # no trusted proxies


def test_bad_networks_are_refused_at_construction() -> None:
    with pytest.raises(ValueError):
        make_wsgi_app(Handler(), allow=["203.0.113.7/24"])  # host bits: a typo, not a /24
    with pytest.raises(ValueError):
        make_asgi_app(Handler(), allow=["gateway.example.com"])
    with pytest.raises(TypeError, match="list"):
        make_wsgi_app(Handler(), allow="203.0.113.0/24")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ReceiverPolicy(allow=GATEWAY, trusted_proxies=["10.0.0.1/8"])


def test_a_real_server_on_loopback_answers_by_source() -> None:
    handler = Handler()
    for allow, want in ((["127.0.0.0/8"], 200), (GATEWAY, 403)):
        with ServerThread(make_wsgi_app(handler, allow=allow)) as server:
            host, port = server.url.split("//")[1].split("/")[0].split(":")
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            connection.request("POST", "/mm7", body=BODY, headers={"Content-Type": CONTENT_TYPE})
            response = connection.getresponse()
            response.read()
            connection.close()
        assert response.status == want
    assert handler.calls == 1
