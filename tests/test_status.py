"""StatusCode / StatusClass / status_text against mm7-spec.md §4.6."""

from __future__ import annotations

import copy
import pickle
import threading
from typing import List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mm7codec._status import MMStatus, StatusClass, StatusCode, status_text

S = StatusClass

# (name, value, class, StatusText) straight from the spec table.
KNOWN = [
    ("SUCCESS", 1000, S.SUCCESS, "Success"),
    ("PARTIAL_SUCCESS", 1100, S.SUCCESS, "Partial success"),
    ("CLIENT_ERROR", 2000, S.CLIENT_ERROR, "Client error"),
    ("OPERATION_RESTRICTED", 2001, S.CLIENT_ERROR, "Operation restricted"),
    ("ADDRESS_ERROR", 2002, S.CLIENT_ERROR, "Address Error"),
    ("ADDRESS_NOT_FOUND", 2003, S.CLIENT_ERROR, "Address Not Found"),
    ("MULTIMEDIA_CONTENT_REFUSED", 2004, S.CLIENT_ERROR, "Multimedia content refused"),
    ("MESSAGE_ID_NOT_FOUND", 2005, S.CLIENT_ERROR, "Message ID Not found"),
    ("LINKED_ID_NOT_FOUND", 2006, S.CLIENT_ERROR, "LinkedID not found"),
    ("MESSAGE_FORMAT_CORRUPT", 2007, S.CLIENT_ERROR, "Message format corrupt"),
    ("APPLICATION_ID_NOT_FOUND", 2008, S.CLIENT_ERROR, "Application ID not found"),
    ("REPLY_APPLICATION_ID_NOT_FOUND", 2009, S.CLIENT_ERROR, "Reply Application ID not found"),
    ("SERVER_ERROR", 3000, S.SERVER_ERROR, "Server Error"),
    ("NOT_POSSIBLE", 3001, S.SERVER_ERROR, "Not Possible"),
    ("MESSAGE_REJECTED", 3002, S.SERVER_ERROR, "Message rejected"),
    ("MULTIPLE_ADDRESSES_NOT_SUPPORTED", 3003, S.SERVER_ERROR, "Multiple addresses not supported"),
    (
        "APPLICATION_ADDRESSING_NOT_SUPPORTED",
        3004,
        S.SERVER_ERROR,
        "Application Addressing not supported",
    ),
    ("GENERAL_SERVICE_ERROR", 4000, S.SERVICE_ERROR, "General service error"),
    ("IMPROPER_IDENTIFICATION", 4001, S.SERVICE_ERROR, "Improper identification"),
    ("UNSUPPORTED_VERSION", 4002, S.SERVICE_ERROR, "Unsupported version"),
    ("UNSUPPORTED_OPERATION", 4003, S.SERVICE_ERROR, "Unsupported operation"),
    ("VALIDATION_ERROR", 4004, S.SERVICE_ERROR, "Validation error"),
    ("SERVICE_ERROR", 4005, S.SERVICE_ERROR, "Service error"),
    ("SERVICE_UNAVAILABLE", 4006, S.SERVICE_ERROR, "Service unavailable"),
    ("SERVICE_DENIED", 4007, S.SERVICE_ERROR, "Service denied"),
    ("APPLICATION_DENIED", 4008, S.SERVICE_ERROR, "Application denied"),
]
KNOWN_VALUES = {value for _, value, _, _ in KNOWN}


def test_member_set_is_exactly_the_spec_table() -> None:
    assert [(m.name, m.value) for m in StatusCode] == [(n, v) for n, v, _, _ in KNOWN]
    assert len(StatusCode) == 26


@pytest.mark.parametrize(("name", "value", "cls", "text"), KNOWN)
def test_known_code(name: str, value: int, cls: StatusClass, text: str) -> None:
    code = StatusCode(value)
    assert code is StatusCode[name]
    assert code == value and int(code) == value
    assert code.is_known
    assert code.effective is code
    assert code.status_class is cls
    assert code.default_text == text
    assert status_text(value) == text
    assert code.is_success is (cls is S.SUCCESS)
    assert code.is_partial is (value == 1100)


@pytest.mark.parametrize(
    ("value", "cls", "effective"),
    [
        (2569, S.CLIENT_ERROR, StatusCode.CLIENT_ERROR),
        (3005, S.SERVER_ERROR, StatusCode.SERVER_ERROR),
    ],
)
def test_unknown_code_kept_as_value(value: int, cls: StatusClass, effective: StatusCode) -> None:
    code = StatusCode(value)
    assert isinstance(code, StatusCode)
    assert code == value and int(code) == value and hash(code) == hash(value)
    assert code.name == f"CODE_{value}"
    assert repr(code) == f"<StatusCode.CODE_{value}: {value}>"
    assert not code.is_known
    assert code.status_class is cls
    assert code.effective is effective
    assert code.default_text == effective.default_text == status_text(value)
    assert code.fault_code == effective.fault_code


def test_pseudo_members_are_cached_and_stay_out_of_the_enum() -> None:
    assert StatusCode(2569) is StatusCode(2569)
    assert StatusCode(StatusCode(2569)) is StatusCode(2569)
    assert len(StatusCode) == 26
    assert "CODE_2569" not in StatusCode.__members__


def test_pseudo_members_are_unique_across_threads() -> None:
    seen: List[StatusCode] = []

    def make() -> None:
        seen.append(StatusCode(2777))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code is seen[0] for code in seen)


def test_pickle_and_copy_keep_identity() -> None:
    for code in (StatusCode.VALIDATION_ERROR, StatusCode(2569)):
        assert pickle.loads(pickle.dumps(code)) is code
        assert copy.copy(code) is code
        assert copy.deepcopy(code) is code


def test_str_and_format_give_the_number() -> None:
    assert str(StatusCode.SUCCESS) == "1000"
    assert f"{StatusCode(2569)}" == "2569"
    assert f"{StatusCode.SUCCESS:06d}" == "001000"


def test_other_int_subclasses_are_accepted() -> None:
    class Other(int):
        pass

    assert StatusCode(Other(2569)) is StatusCode(2569)
    assert StatusCode(Other(4004)) is StatusCode.VALIDATION_ERROR


@pytest.mark.parametrize("bad", [0, -1, -1000, 100_000, 10**30, True, False, "1000", None, 2.5])
def test_rejected_values(bad: object) -> None:
    with pytest.raises(ValueError):
        StatusCode(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -1, 100_000])
def test_status_text_rejects_what_status_code_rejects(bad: int) -> None:
    with pytest.raises(ValueError):
        status_text(bad)


@pytest.mark.parametrize(
    ("value", "effective"),
    [
        (1234, 1000),  # unknown success -> 1000
        (1999, 1000),
        (1101, 1100),  # 11xx: low-order digits refine partial success
        (1150, 1100),
        (1199, 1100),
        (2010, 2000),
        (2500, 2000),  # vendor range x500-x999
        (3005, 3000),  # Mbuni "Command Rejected"
        (4009, 4000),
        (4999, 4000),
        (5000, 3000),  # outside the four classes -> 3000
        (9999, 3000),
        (999, 3000),
        (1, 3000),
        (10_000, 3000),
        (99_999, 3000),
    ],
)
def test_effective_rule(value: int, effective: int) -> None:
    code = StatusCode(value)
    assert code.effective is StatusCode(effective)
    assert code.effective.is_known
    assert int(code) == value  # the original value is never replaced


def test_partial_success_flags() -> None:
    for value in (1100, 1101, 1150, 1199):
        assert StatusCode(value).is_partial
        assert StatusCode(value).is_success
        assert StatusCode(value).default_text == "Partial success"
    for value in (1000, 1001, 1099, 1200, 1234, 2000):
        assert not StatusCode(value).is_partial


def test_outside_classes_count_as_server_errors() -> None:
    for value in (1, 999, 5000, 9999, 12345):
        code = StatusCode(value)
        assert code.status_class is S.SERVER_ERROR
        assert code.default_text == "Server Error"
        assert code.fault_code == "Server"
        assert not code.is_success


def test_retryable_set() -> None:
    assert {c.value for c in StatusCode if c.retryable} == {3000, 4006}
    assert StatusCode(3569).retryable  # unknown server error counts as 3000
    assert StatusCode(5000).retryable  # outside the classes counts as 3000
    assert not StatusCode(4999).retryable  # counts as 4000
    assert not StatusCode(2569).retryable
    assert not StatusCode(1234).retryable


@pytest.mark.parametrize(
    ("cls", "fault"),
    [
        (S.SUCCESS, None),
        (S.CLIENT_ERROR, "Client"),
        (S.SERVER_ERROR, "Server"),
        (S.SERVICE_ERROR, "Server"),
    ],
)
def test_fault_codes(cls: StatusClass, fault: Optional[str]) -> None:
    assert cls.fault_code == fault
    for code in StatusCode:
        if code.status_class is cls:
            assert code.fault_code == fault


def test_status_class_base() -> None:
    assert [c.base for c in StatusClass] == [
        StatusCode.SUCCESS,
        StatusCode.CLIENT_ERROR,
        StatusCode.SERVER_ERROR,
        StatusCode.GENERAL_SERVICE_ERROR,
    ]
    assert [int(c) for c in StatusClass] == [1, 2, 3, 4]


@given(st.integers(min_value=1, max_value=99_999))
def test_effective_is_known_and_class_is_consistent(value: int) -> None:
    code = StatusCode(value)
    eff = code.effective
    assert int(code) == value
    assert eff.is_known and eff.value in KNOWN_VALUES
    assert eff.effective is eff
    assert code.status_class is eff.status_class
    assert eff.value // 1000 == int(code.status_class)
    if 1000 <= value <= 4999:
        # Inside the four classes the first digit decides the class.
        assert int(code.status_class) == value // 1000
    else:
        assert eff is StatusCode.SERVER_ERROR
    assert code.is_success is (code.status_class is S.SUCCESS)
    assert code.fault_code == code.status_class.fault_code
    assert code.default_text == eff.default_text == status_text(value)
    assert code.retryable is eff.retryable
    assert code.is_known is (value in KNOWN_VALUES)


@given(st.integers().filter(lambda v: not 1 <= v <= 99_999))
def test_out_of_range_always_rejected(value: int) -> None:
    with pytest.raises(ValueError):
        StatusCode(value)


# --- MMStatus ------------------------------------------------------------------------------------


def test_mm_status_members_are_the_schema_values() -> None:
    assert MMStatus("Retrieved") is MMStatus.RETRIEVED
    assert MMStatus.RETRIEVED == "Retrieved"
    assert str(MMStatus.DELIVERY_CONDITION_NOT_MET) == "DeliveryConditionNotMet"
    assert f"{MMStatus.READ}" == "Read" and f"{MMStatus.READ:>6}" == "  Read"
    assert MMStatus(" retrieved ") is MMStatus.RETRIEVED  # case and spaces forgiven
    assert all(m.is_known for m in MMStatus)
    assert len(MMStatus) == 10


def test_mm_status_keeps_unknown_values() -> None:
    delivered = MMStatus("Delivered")
    assert isinstance(delivered, MMStatus)
    assert delivered == "Delivered" and str(delivered) == "Delivered"
    assert delivered.value == "Delivered" and delivered.name == "UNKNOWN"
    assert not delivered.is_known and not delivered.is_final
    assert delivered not in list(MMStatus)
    assert MMStatus("Delivered") == delivered
    with pytest.raises(ValueError):
        MMStatus(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "final"),
    [
        (MMStatus.RETRIEVED, True),
        (MMStatus.REJECTED, True),
        (MMStatus.EXPIRED, True),
        (MMStatus.DELIVERY_CONDITION_NOT_MET, True),
        (MMStatus.READ, True),
        (MMStatus.DELETED, True),
        (MMStatus.FORWARDED, False),
        (MMStatus.DEFERRED, False),
        (MMStatus.INDETERMINATE, False),
        (MMStatus.UNRECOGNISED, False),
    ],
)
def test_mm_status_final(status: MMStatus, final: bool) -> None:
    assert status.is_final is final
