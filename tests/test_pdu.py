"""The PDU records and ``Message``: construction, immutability, equality, normalisation."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any, Set

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mm7codec import UnsupportedVersionError
from mm7codec._message import Message
from mm7codec._pdu import (
    PDU,
    PDU_CLASSES,
    Address,
    ContentRef,
    DeliverReq,
    DeliveryReportReq,
    ExtendedCancelRsp,
    Extension,
    Recipients,
    ReplyCharging,
    Request,
    Response,
    RSErrorRsp,
    SenderIdentification,
    SentTime,
    Status,
    SubmitReq,
    SubmitRsp,
    UACapabilities,
    UserAgent,
    VASPErrorRsp,
    fields_in_version,
    xsd_text,
)
from mm7codec._record import FrozenInstanceError, fields_of
from mm7codec._status import StatusCode
from mm7codec._versions import LATEST, VERSIONS, get_version

ERROR_CLASSES = (RSErrorRsp, VASPErrorRsp)


def sample_submit(**changes: Any) -> SubmitReq:
    values: dict = {
        "sender_identification": SenderIdentification(
            vasp_id="API_KEY", vas_id="12345mms", sender_address=Address.short_code("12345")
        ),
        "recipients": Recipients(to=[Address.number("15553199144")]),
        "subject": "Hello",
        "delivery_report": True,
    }
    values.update(changes)
    return SubmitReq(**values)


# --- construction -------------------------------------------------------------------------------


def test_keyword_construction() -> None:
    req = sample_submit()
    assert req.subject == "Hello"
    assert req.delivery_report is True
    assert req.sender_identification is not None
    assert req.sender_identification.vasp_id == "API_KEY"
    assert req.sender_identification.sender_address == Address("12345", "short_code")
    assert req.recipients is not None and req.recipients.to == (Address("15553199144"),)
    assert req.priority is None and req.extensions == ()
    assert req.wire_name == "SubmitReq" == SubmitReq.WIRE_NAME


@pytest.mark.parametrize("wire", sorted(PDU_CLASSES))
def test_every_pdu_constructs_empty_and_by_keyword(wire: str) -> None:
    cls = PDU_CLASSES[wire]
    assert wire == cls.WIRE_NAME
    empty = cls()
    assert isinstance(empty, PDU)
    assert isinstance(empty, (Request, Response))
    assert empty == cls()
    # Every field by keyword (a string is accepted by every Optional field's
    # constructor except the normalised ones, which get their own types).
    names = [n for n in fields_of(cls) if n not in ("extensions", "status", "recipients")]
    if names:
        pdu = cls(**{names[0]: "value" if names[0] != "sender" else Address("1")})
        assert getattr(pdu, names[0]) is not None
    with pytest.raises(TypeError):
        cls(no_such_field=1)


def test_address_constructors() -> None:
    assert Address.number("1") == Address("1", "number")
    assert Address.email("a@b") == Address("a@b", "email")
    assert Address.short_code("123", display_only=True).display_only is True
    assert str(Address.email("a@b")) == "a@b"
    with pytest.raises(ValueError):
        Address("1", "fax")
    with pytest.raises(TypeError):
        Address(123)  # type: ignore[arg-type]


# --- immutability, equality, hashing --------------------------------------------------------------


@pytest.mark.parametrize(
    "obj",
    [
        sample_submit(),
        Address.number("1"),
        Recipients(to=["1"]),
        Status(1000, "Success"),
        ContentRef("cid:x"),
        RSErrorRsp(status=Status(2001, "x")),
        Message(SubmitRsp(status=Status(1000, "ok"), message_id="m"), "tx"),
    ],
    ids=lambda obj: type(obj).__name__,
)
def test_frozen(obj: Any) -> None:
    first = fields_of(obj)[0]
    with pytest.raises(FrozenInstanceError):
        setattr(obj, first, None)
    with pytest.raises(AttributeError):  # FrozenInstanceError is one
        setattr(obj, first, None)
    with pytest.raises(FrozenInstanceError):
        delattr(obj, first)


def test_equality_and_hash() -> None:
    a, b = sample_submit(), sample_submit()
    assert a == b and a is not b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    c = sample_submit(subject="Other")
    assert a != c
    assert a != SubmitRsp()
    assert SubmitReq() != DeliverReq()
    # Same fields, different class: never equal.
    assert RSErrorRsp(status=Status(3000, "x")) != VASPErrorRsp(status=Status(3000, "x"))
    assert Address("1") != "1"


def test_message_equality_ignores_defects() -> None:
    pdu = SubmitRsp(status=Status(1000, "ok"), message_id="m")
    assert Message(pdu, "t") == Message(pdu, "t", defects=("anything",))  # type: ignore[arg-type]
    assert Message(pdu, "t") != Message(pdu, "u")
    assert Message(pdu, "t") != Message(pdu, "t", mm7_version="5.3.0")


def test_message_is_hashable() -> None:
    # Frozen records are hashable (PDUs are usable as set members / dict keys);
    # a Message hashes its SchemaVersion, so that must be hashable too.
    pdu = SubmitRsp(status=Status(1000, "ok"), message_id="m")
    assert hash(Message(pdu, "t")) == hash(Message(pdu, "t", defects=("x",)))  # type: ignore[arg-type]
    assert len({Message(pdu, "t"), Message(pdu, "t")}) == 1


def test_pickle_round_trip() -> None:
    for obj in (sample_submit(), Message(sample_submit(), "tx", "REL-5-MM7-1-3")):
        assert pickle.loads(pickle.dumps(obj)) == obj


# --- repr ---------------------------------------------------------------------------------------


def test_repr_truncates_large_values() -> None:
    pdu = sample_submit(subject="x" * 10_000)
    text = repr(pdu)
    assert len(text) < 600
    assert text.startswith("SubmitReq(")
    assert "..." in text
    ext = Extension("{urn:x}Big", "<Big xmlns='urn:x'>" + "y" * 10_000 + "</Big>")
    assert len(repr(ext)) < 200
    assert len(repr(Message(pdu, "tx"))) < 1_000


def test_repr_omits_unset_fields() -> None:
    text = repr(SubmitReq(subject="s"))
    assert "subject='s'" in text
    assert "priority" not in text and "extensions" not in text


# --- normalisation ------------------------------------------------------------------------------


def test_recipients_normalise_lists_and_strings() -> None:
    r = Recipients(
        to="15550001", cc=["15550002", Address.email("a@b")], bcc=Address.short_code("1")
    )
    assert r.to == (Address.number("15550001"),)
    assert r.cc == (Address.number("15550002"), Address.email("a@b"))
    assert r.bcc == (Address.short_code("1"),)
    assert isinstance(r.to, tuple) and isinstance(r.cc, tuple)
    assert list(r) == [*r.to, *r.cc, *r.bcc]
    assert bool(r) and not Recipients()
    # A PDU given a plain list takes it as To.
    assert SubmitReq(recipients=["1", "2"]).recipients == Recipients(to=("1", "2"))
    assert DeliverReq(recipients="1").recipients == Recipients(to=["1"])
    hash(Recipients(to=["1"]))


def test_sequences_become_tuples() -> None:
    pdu = DeliverReq(
        previously_sent_by=[UserAgent(Address("1"), 1)],
        previously_sent_date_and_time=[SentTime("P1D", 1)],
        extensions=[Extension("x", "<x/>")],
    )
    assert pdu.previously_sent_by == (UserAgent(Address("1"), 1),)
    assert pdu.previously_sent_date_and_time == (SentTime("P1D", 1),)
    assert pdu.extensions == (Extension("x", "<x/>"),)
    assert SubmitReq(delivery_condition=[1, 2]).delivery_condition == (1, 2)
    assert SubmitReq(delivery_condition="cond").delivery_condition == "cond"
    hash(pdu)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.timedelta(days=90), "P90D"),
        (dt.timedelta(hours=1, minutes=30), "PT1H30M"),
        (dt.timedelta(days=1, seconds=5), "P1DT5S"),
        (dt.timedelta(0), "PT0S"),
        (dt.timedelta(days=-2), "-P2D"),
        (dt.datetime(2002, 12, 12, 10, 12, 10), "2002-12-12T10:12:10"),
        (
            dt.datetime(2002, 12, 12, 10, 12, 10, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            "2002-12-12T10:12:10-05:00",
        ),
        (
            dt.datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=dt.timezone.utc),
            "2024-01-02T03:04:05.600000+00:00",
        ),
        ("P1Y2M3DT4H5M6S", "P1Y2M3DT4H5M6S"),
    ],
)
def test_dates_become_xsd_text(value: Any, text: str) -> None:
    assert xsd_text(value) == text
    assert SubmitReq(expiry_date=value).expiry_date == text
    assert SubmitReq(earliest_delivery_time=value).earliest_delivery_time == text
    assert ReplyCharging(deadline=value).deadline == text
    assert UACapabilities(time_stamp=value).time_stamp == text
    assert SentTime(value).value == text


def test_timestamps_from_datetime() -> None:
    when = dt.datetime(2020, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    assert SubmitReq(time_stamp=when).time_stamp == "2020-05-06T07:08:09+00:00"
    assert DeliveryReportReq(date=when).date == "2020-05-06T07:08:09+00:00"
    with pytest.raises(TypeError):
        xsd_text(42)


@given(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=10_000)))
def test_timedelta_text_is_whole_seconds_duration(value: dt.timedelta) -> None:
    text = xsd_text(value)
    assert text.startswith("P")
    # Parse back what xsd_text writes (days and clock parts).
    days = hours = minutes = seconds = 0
    body = text[1:]
    date_part, _, clock = body.partition("T")
    if date_part:
        days = int(date_part.rstrip("D"))
    number = ""
    for ch in clock:
        if ch.isdigit():
            number += ch
        else:
            value_ = int(number)
            number = ""
            if ch == "H":
                hours = value_
            elif ch == "M":
                minutes = value_
            else:
                seconds = value_
    assert dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds) == dt.timedelta(
        days=value.days, seconds=value.seconds
    )


# --- status and errors --------------------------------------------------------------------------


def test_status_keeps_unknown_code() -> None:
    status = Status(2569)
    assert int(status.code) == 2569
    assert isinstance(status.code, StatusCode)
    assert not status.code.is_known
    assert not status.is_success
    assert Status(2569) == Status(StatusCode(2569))
    assert Status(1000).is_success and Status().code == StatusCode.SUCCESS
    assert SubmitRsp(status=1100).status == Status(1100)  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", ERROR_CLASSES)
@pytest.mark.parametrize(
    ("code", "fault"),
    [
        (2000, "Client"),
        (2007, "Client"),
        (2569, "Client"),
        (3000, "Server"),
        (4002, "Server"),
        (4999, "Server"),
    ],
)
def test_error_responses_fill_fault_code(cls: Any, code: int, fault: str) -> None:
    pdu = cls(status=Status(code, "text"))
    assert pdu.fault_code == fault
    assert pdu.fault_string == f"{fault} error"
    # An explicit fault code/string is kept.
    custom = cls(status=Status(code, "text"), fault_code="Server", fault_string="Boom")
    assert (custom.fault_code, custom.fault_string) == ("Server", "Boom")


def test_error_response_without_status_has_no_fault() -> None:
    assert RSErrorRsp().fault_code is None


def test_message_error_response_picks_class() -> None:
    submit = Message(sample_submit(), "tx-1", "REL-6-MM7-1-0")
    err = submit.error_response(2007)
    assert isinstance(err.pdu, RSErrorRsp)
    assert err.pdu.fault_code == "Client"
    assert err.transaction_id == "tx-1" and err.version is submit.version
    deliver = Message(DeliverReq(sender=Address("1")), "tx-2")
    err2 = deliver.error_response(3000, details="<d/>")
    assert isinstance(err2.pdu, VASPErrorRsp) and err2.pdu.fault_code == "Server"
    assert err2.pdu.status is not None and err2.pdu.status.details == "<d/>"


# --- the fields and the version table --------------------------------------------------------------


@pytest.mark.parametrize("wire", sorted(PDU_CLASSES))
def test_fields_are_union_over_versions(wire: str) -> None:
    cls = PDU_CLASSES[wire]
    union: Set[str] = set()
    for version in VERSIONS:
        union.update(fields_in_version(cls, version))
    extra = {"extensions"}
    if cls in ERROR_CLASSES:
        extra |= {"fault_code", "fault_string"}
    assert set(fields_of(cls)) == union | extra
    assert len(fields_of(cls)) == len(set(fields_of(cls)))


def test_fields_in_version_examples() -> None:
    old, new = get_version("REL-5-MM7-1-0"), LATEST
    # Not in the published REL-5-MM7-1-0 XSD, but there by erratum (mm7codec/_errata.py).
    assert fields_in_version(SubmitRsp, old) == ("status", "message_id")
    assert fields_in_version(SubmitRsp, new) == ("status", "message_id")
    assert fields_in_version(ExtendedCancelRsp, old) == ()
    assert "ua_capabilities" in fields_in_version(DeliverReq, new)
    assert "ua_capabilities" not in fields_in_version(DeliverReq, get_version("REL-6-MM7-1-3"))


# --- Message ------------------------------------------------------------------------------------


def test_message_defaults() -> None:
    pdu = sample_submit()
    msg = Message(pdu, "tx")
    assert msg.version is LATEST and msg.mm7_version == "6.8.0"
    assert msg.content is None and msg.defects == ()
    assert msg.status is None and not msg.is_fault
    for version in VERSIONS:
        m = Message(pdu, "tx", version)
        assert m.mm7_version == version.default_mm7_version


@pytest.mark.parametrize(
    ("key", "name", "mm7_version"),
    [
        ("REL-5-MM7-1-3", "REL-5-MM7-1-3", "5.6.0"),
        ("rel-5-mm7-1-2", "REL-5-MM7-1-2", "5.3.0"),
        ("6.8.0", "REL-6-MM7-1-4", "6.8.0"),
        ("5.3.0", "REL-5-MM7-1-0", "5.3.0"),
        (
            "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-0/",
            "REL-6-MM7-1-0",
            "6.3.0",
        ),
    ],
)
def test_message_version_from_string(key: str, name: str, mm7_version: str) -> None:
    msg = Message(sample_submit(), "tx", key)  # type: ignore[arg-type]
    assert msg.version is get_version(name)
    assert msg.mm7_version == mm7_version


def test_message_explicit_mm7_version_kept() -> None:
    msg = Message(sample_submit(), "tx", "REL-5-MM7-1-3", "5.3.0")
    assert msg.mm7_version == "5.3.0"


def test_message_unknown_version_raises() -> None:
    with pytest.raises(UnsupportedVersionError):
        Message(sample_submit(), "tx", "REL-9-MM7-9-9")  # type: ignore[arg-type]


def test_message_replace_resets_mm7_version() -> None:
    msg = Message(sample_submit(), "tx", "REL-5-MM7-1-3", "5.3.0")
    moved = msg.replace(version="REL-6-MM7-1-2")
    assert moved.version is get_version("REL-6-MM7-1-2")
    assert moved.mm7_version == "6.5.0"
    assert moved.pdu is msg.pdu and moved.transaction_id == "tx"
    pinned = msg.replace(version="REL-6-MM7-1-2", mm7_version="5.10.0")
    assert pinned.mm7_version == "5.10.0"
    same = msg.replace(transaction_id="tx2")
    assert same.mm7_version == "5.3.0" and same.transaction_id == "tx2"
    with pytest.raises(TypeError):
        msg.replace(nope=1)


def test_message_response_helper() -> None:
    msg = Message(sample_submit(), "tx-9", "REL-5-MM7-1-3", "5.5.0")
    reply = msg.response(message_id="mid")
    assert isinstance(reply.pdu, SubmitRsp)
    assert reply.pdu.message_id == "mid"
    assert reply.transaction_id == "tx-9"
    assert reply.version is msg.version and reply.mm7_version == "5.5.0"
    assert reply.status is not None and reply.status.code == StatusCode.SUCCESS
    assert reply.raise_for_status() is reply
