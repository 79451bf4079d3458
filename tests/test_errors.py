"""The error contract: bad input is an MM7Error, programming mistakes are listed in docs/errors.md.

Also what item 4 of issue 16 added: Part.file sends its name, a file gone before sending is an
EncodeError, and typed accessors for dates and MMStatus.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
from pathlib import Path

import pytest

import mm7codec as mm7
from mm7codec._dates import parse_date_time

REPO = Path(__file__).resolve().parent.parent
ERRORS_DOC = REPO / "docs" / "errors.md"

# Every deliberate TypeError / ValueError / AttributeError in the package, by module and
# enclosing function: what docs/errors.md must name for it, or why it never reaches a caller.
DOCUMENTED = {
    ("_exchange.py", "basic_auth_header"): "Basic-auth user name",
    ("_exchange.py", "request_head"): "header value with a line break",
    ("_exchange.py", "ReceiverPolicy.__init__"): '`side` other than `"vasp"`',
    ("_headers.py", "ContentType.__setattr__"): "`Part`, `ContentType`",
    ("_message.py", "Message.replace"): "`Message.replace`",
    ("_part.py", "Part.__setattr__"): "`Part`, `ContentType`",
    ("_part.py", "Part.file"): "`Part.file(filename=...)`",
    ("_pdu.py", "xsd_text"): "date fields of a PDU",
    ("_pdu.py", "Address._on_build"): "`Address(...)`",
    ("_pdu.py", "Address.__post_init__"): "`Address(...)`",
    ("_pdu.py", "PDU.as_datetime"): "`pdu.as_datetime(name)`, `pdu.as_mm_status()`",
    ("_pdu.py", "PDU.as_mm_status"): "`pdu.as_datetime(name)`, `pdu.as_mm_status()`",
    ("_record.py", "_init"): "any record constructor",
    ("_record.py", "replace"): "record `replace`",
    ("dedupe.py", "MemoryDedupe.__init__"): "`mm7codec.dedupe.MemoryDedupe(...)`",
    ("_exchange.py", "ClientBase.__init__"): "`Client(...)`, `AsyncClient(...)`, `send(...)`",
    ("http.py", "make_wsgi_app"): "`make_wsgi_app(...)`",
    ("_asgi.py", "make_asgi_app.app"): "the app `make_asgi_app` returns",
    ("_throttle.py", "RateLimiter.__init__"): "`RateLimiter(...)`, `Client(rate_limit=...)`",
    ("_throttle.py", "as_limiter"): "`RateLimiter(...)`, `Client(rate_limit=...)`",
    ("_exchange.py", "_networks"): "`allow=`, `trusted_proxies=`",
    ("profiles.py", "Profile.__post_init__"): "`mm7codec.profiles.Profile(...)`",
    ("profiles.py", "Profile.prepare"): "`profile.prepare(x)`",
    ("profiles.py", "get_profile"): "`mm7codec.profiles.get_profile(name)`",
    ("testing.py", "Fault.slow"): "`mm7codec.testing` simulators",
    ("testing.py", "_at_least"): "`mm7codec.testing` simulators",
    ("testing.py", "GatewaySimulator.deliver"): "`mm7codec.testing` simulators",
    ("testing.py", "GatewaySimulator._shaped_request"): "`mm7codec.testing` simulators",
}
INTERNAL = {
    ("_exchange.py", "transport_failure"): "a stage name from the shells, never user input",
    ("_exchange.py", "Pending.result"): "caught there: a 3000 Fault answers it",
    ("_exchange.py", "Pending._result"): "caught there: a 3000 Fault answers it",
    ("http.py", "__getattr__"): "a module's missing attribute, as Python's own",
    (
        "_headers.py",
        "decode_text",
    ): "Part.as_text and the header decoder turn it into DecodeError/None",
    ("_record.py", "record"): "the record decorator, used by the package itself",
}


def _raise_sites() -> set[tuple[str, str]]:
    found = set()
    for path in sorted((REPO / "mm7codec").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def walk(node: ast.AST, stack: list[str], name: str = path.name) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    walk(child, [*stack, child.name])
                    continue
                if isinstance(child, ast.Raise) and child.exc is not None:
                    exc = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
                    if isinstance(exc, ast.Name) and exc.id in (
                        "TypeError",
                        "ValueError",
                        "AttributeError",
                    ):
                        found.add((name, ".".join(stack)))
                walk(child, stack)

        walk(tree, [])
    return found


def test_every_programming_mistake_is_listed_in_docs_errors() -> None:
    doc = ERRORS_DOC.read_text(encoding="utf-8")
    sites = _raise_sites()
    unlisted = sorted(sites - set(DOCUMENTED) - set(INTERNAL))
    assert unlisted == [], f"document these in docs/errors.md and in DOCUMENTED: {unlisted}"
    for site in sites & set(DOCUMENTED):
        assert DOCUMENTED[site] in doc, f"{site}: docs/errors.md lacks {DOCUMENTED[site]!r}"


# --- Part.file sends the file's name ---------------------------------------------------------


SUBMIT = mm7.SubmitReq(
    sender_identification=mm7.SenderIdentification(vasp_id="KEY"),
    recipients=mm7.Recipients(to=["15553199144"]),
)


def _round_trip(content: mm7.Part) -> mm7.Part:
    message = mm7.Message(SUBMIT, "tx", content=content)
    encoded = mm7.encode(message)
    back = mm7.decode(encoded.body, encoded.content_type).content
    assert back is not None
    return back


@pytest.mark.parametrize("name", ["cat.jpg", "chat é 猫 (1).jpg"])
def test_part_file_sends_its_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xff\xd8\xff\xe0jpeg")
    part = mm7.Part.file(path)
    assert part.content_type.params["name"] == name
    assert part.content_location is not None and part.content_location.isascii()
    received = _round_trip(part)
    assert received.filename == name
    assert received.data == path.read_bytes()


def test_part_file_name_can_be_chosen_or_left_out(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0001.JPG"
    path.write_bytes(b"jpeg")
    named = mm7.Part.file(path, "image/jpeg", filename="holiday.jpg")
    anonymous = mm7.Part.file(path, "image/jpeg", filename=False)
    located = mm7.Part.file(path, "image/jpeg", content_location="cid-style-name")
    given = mm7.Part.file(path, 'image/jpeg; name="given.jpg"')
    received = _round_trip(mm7.Part.multipart("mixed", [named, anonymous, located, given]))
    assert [p.filename for p in received.parts] == [
        "holiday.jpg",
        None,
        "IMG_0001.JPG",  # the name parameter comes before Content-Location
        "given.jpg",
    ]
    assert received.parts[2].content_location == "cid-style-name"
    assert received.parts[3].content_location == "IMG_0001.JPG"
    with pytest.raises(TypeError, match="filename"):
        mm7.Part.file(path, filename=3)  # type: ignore[arg-type]


def test_a_file_deleted_before_sending_is_an_mm7_error(tmp_path: Path) -> None:
    path = tmp_path / "gone.jpg"
    path.write_bytes(b"jpeg")
    message = mm7.Message(SUBMIT, "tx", content=mm7.Part.file(path))
    encoded = mm7.encode(message)
    os.remove(path)
    for attempt in (
        lambda: encoded.body,
        lambda: b"".join(encoded.iter_body()),
        lambda: mm7.encode(message),
        lambda: message.content.data,  # type: ignore[union-attr]
    ):
        with pytest.raises(mm7.EncodeError, match=r"gone\.jpg' cannot be read"):
            attempt()


# --- typed accessors ------------------------------------------------------------------------

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2025-03-10T14:32:07-05:00",
            dt.datetime(2025, 3, 10, 14, 32, 7, tzinfo=dt.timezone(-dt.timedelta(hours=5))),
        ),
        ("2025-03-10T19:32:07Z", dt.datetime(2025, 3, 10, 19, 32, 7, tzinfo=UTC)),
        (
            " 2025-03-10T19:32:07.1234567+00:00 ",
            dt.datetime(2025, 3, 10, 19, 32, 7, 123456, tzinfo=UTC),
        ),
        ("2025-03-10T19:32:07", dt.datetime(2025, 3, 10, 19, 32, 7)),
        ("Mon Mar 10 14:32:07 UTC 2025", dt.datetime(2025, 3, 10, 14, 32, 7, tzinfo=UTC)),
        ("Sun Dec 07 01:02:03 GMT 2025", dt.datetime(2025, 12, 7, 1, 2, 3, tzinfo=UTC)),
    ],
)
def test_date_times_read(text: str, expected: dt.datetime) -> None:
    assert parse_date_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "P90D",
        "tomorrow",
        "",
        "2025-02-30T00:00:00Z",
        "2025-03-10T25:00:00",
        "2025-03-10T10:00:00+24:30",
        "Mon Mar 10 14:32:07 PST 2025",
        "2025-03-10",
    ],
)
def test_what_is_not_a_date_time(text: str) -> None:
    with pytest.raises(mm7.DecodeError) as caught:
        parse_date_time(text)
    assert caught.value.status_code == 2007


def _report(date: str, status: str) -> mm7.Message:
    ns = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
    body = (
        '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header>'
        f'<TransactionID xmlns="{ns}">t</TransactionID></e:Header><e:Body>'
        f'<DeliveryReportReq xmlns="{ns}"><MM7Version>6.8.0</MM7Version>'
        "<MMSRelayServerID>r</MMSRelayServerID><MessageID>m</MessageID>"
        "<Recipient><Number>15553199144</Number></Recipient><Sender><Number>1</Number></Sender>"
        f"<Date>{date}</Date><MMStatus>{status}</MMStatus></DeliveryReportReq></e:Body></e:Envelope>"
    ).encode()
    return mm7.decode(body, "text/xml")


def test_decoded_report_has_typed_date_and_status_and_keeps_the_text() -> None:
    report = _report("Mon Mar 10 14:32:07 UTC 2025", "Delivered").pdu
    assert isinstance(report, mm7.DeliveryReportReq)
    assert report.date == "Mon Mar 10 14:32:07 UTC 2025"
    assert report.as_datetime("date") == dt.datetime(2025, 3, 10, 14, 32, 7, tzinfo=UTC)
    status = report.as_mm_status()
    assert status == "Delivered" and status is not None and not status.is_known
    retrieved = _report("2025-03-10T14:32:07-05:00", "Retrieved").pdu
    assert retrieved.as_mm_status() is mm7.MMStatus.RETRIEVED
    assert retrieved.as_datetime("date").utcoffset() == -dt.timedelta(hours=5)  # type: ignore[union-attr]


def test_accessors_on_built_pdus() -> None:
    reply = mm7.ReadReplyReq(
        mm_status="Read", time_stamp=dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    assert reply.as_mm_status() is mm7.MMStatus.READ
    assert reply.as_datetime("time_stamp") == dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    empty = mm7.DeliveryReportReq()
    assert empty.as_datetime("date") is None and empty.as_mm_status() is None
    submit = mm7.SubmitReq(expiry_date=dt.timedelta(days=90))
    with pytest.raises(mm7.DecodeError, match="P90D"):
        submit.as_datetime("expiry_date")
    with pytest.raises(AttributeError):
        submit.as_datetime("subject")
    with pytest.raises(AttributeError):
        submit.as_datetime("date")
    with pytest.raises(AttributeError):
        submit.as_mm_status()
