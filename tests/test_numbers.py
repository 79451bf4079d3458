"""Phone-number normalisation: the forms users paste, and the rejects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mm7codec._errors import EncodeError, MM7Error
from mm7codec._numbers import InvalidNumberError, is_short_code, normalize_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1 (555) 319-9144", "15553199144"),
        ("+15553199144", "15553199144"),
        ("15553199144", "15553199144"),
        ("1-555-319-9144", "15553199144"),
        ("1.555.319.9144", "15553199144"),
        ("001 555 319 9144", "15553199144"),
        ("tel:+1-555-319-9144", "15553199144"),
        ("TEL:+1-555-319-9144;ext=12", "15553199144"),
        ("tel:+1-555-319-9144;phone-context=example.com", "15553199144"),
        ("+15553199144/TYPE=PLMN", "15553199144"),
        ("15553199144/type=plmn", "15553199144"),
        ("+3859100010010/TYPE=PLMN", "3859100010010"),  # Nokia MMSC sample
        ("+44 20 7946 0958", "442079460958"),
        ("+44 (0)20 7946 0958", "442079460958"),
        ("0044 20 7946 0958", "442079460958"),
        ("  +44\u00a020\u00a07946\u00a00958 ", "442079460958"),
        ("+49 30/1234567", "49301234567"),
        ("+49 (0)30 1234567", "49301234567"),
        ("+683 4002", "6834002"),  # Niue: 7 digits, the shortest in service
        ("+86 139 5190 0000", "8613951900000"),
        ("+123456789012345", "123456789012345"),
    ],
)
def test_international_forms(text: str, expected: str) -> None:
    assert normalize_number(text) == expected


@pytest.mark.parametrize(
    ("text", "cc", "expected"),
    [
        ("020 7946 0958", "44", "442079460958"),
        ("(020) 7946 0958", "+44", "442079460958"),
        ("07700 900123", "44", "447700900123"),
        ("5553199144", "1", "15553199144"),
        ("(555) 319-9144", "1", "15553199144"),
        ("15553199144", "1", "15553199144"),  # rule 3: already international
        ("1 555 319 9144", "1", "15553199144"),
        ("011 44 20 7946 0958", "1", "442079460958"),  # NANP exit code
        ("0113 496 0000", "44", "441134960000"),  # 011 is only an exit code in NANP
        ("06 1234 5678", "39", "390612345678"),  # Italy keeps the 0
        ("3931234567", "39", "393931234567"),  # 10 digits: national mobile
        ("+44 20 7946 0958", "1", "442079460958"),  # '+' wins over the default
        ("0044 20 7946 0958", "1", "442079460958"),
        ("030 1234567", "49", "49301234567"),
    ],
)
def test_national_forms(text: str, cc: str, expected: str) -> None:
    assert normalize_number(text, default_country_code=cc) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no digits"),
        ("   ", "no digits"),
        ("+", "no digits"),
        ("-- ()", "no digits"),
        ("+1 555 CALL NOW", "unexpected 'C'"),
        ("+1 555 319 9144 x12", "unexpected 'x'"),
        ("1+5553199144", "unexpected '+'"),
        ("+1 555 ١٢٣ 4567", "unexpected"),  # non-ASCII digits
        ("+1234567890123456", "16 digits"),
        ("+123456", "6 digits"),
        ("12345", "5 digits"),
        ("020 7946 0958", "national number"),
        ("+0 555 319 9144", "cannot start with 0"),
        ("000 555 319 9144", "cannot start with 0"),
        ("user@example.com/TYPE=RFC822", "address type 'RFC822'"),
        ("1.2.3.4/TYPE=IPv4", "address type 'IPV4'"),
        ("15553199144/TYPE=", "address type 'empty'"),
    ],
)
def test_rejects(text: str, fragment: str) -> None:
    with pytest.raises(InvalidNumberError) as info:
        normalize_number(text)
    assert fragment in info.value.message
    assert info.value.number == text


def test_error_is_an_address_error() -> None:
    with pytest.raises(EncodeError) as info:
        normalize_number("not a number")
    assert isinstance(info.value, MM7Error)
    assert info.value.status_code == 2002
    assert "[status 2002]" in str(info.value)


@pytest.mark.parametrize("cc", ["", "0", "044", "1234", "UK", "+"])
def test_bad_default_country_code(cc: str) -> None:
    with pytest.raises(InvalidNumberError, match="default_country_code"):
        normalize_number("5553199144", default_country_code=cc)


def test_non_string() -> None:
    with pytest.raises(InvalidNumberError, match="must be a string"):
        normalize_number(15553199144)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123", True),
        ("12345", True),
        (" 12345678 ", True),
        ("12", False),
        ("123456789", False),
        ("12a45", False),
        ("", False),
        ("+12345", False),
        ("١٢٣٤٥", False),
    ],
)
def test_is_short_code(text: str, expected: bool) -> None:
    assert is_short_code(text) is expected


# --- properties ----------------------------------------------------------

country_codes = st.from_regex(r"\A[1-9][0-9]{0,2}\Z")
subscriber = st.from_regex(r"\A[0-9]{4,12}\Z")


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """An international number and one way a person might write it."""
    cc = draw(country_codes)
    rest = draw(subscriber)
    digits = (cc + rest)[:15]
    groups = []
    body = digits[len(cc) :]
    while body:
        size = draw(st.integers(1, 4))
        groups.append(body[:size])
        body = body[size:]
    separator = draw(st.sampled_from([" ", "-", ".", "", "\u00a0"]))
    prefix = draw(st.sampled_from(["+", "00", "tel:+", "+ "]))
    suffix = draw(st.sampled_from(["", "/TYPE=PLMN"]))
    text = f"{prefix}{cc}{separator}{separator.join(groups)}{suffix}"
    return text, digits


@given(written_numbers())
def test_written_forms_round_to_digits(case: tuple[str, str]) -> None:
    text, digits = case
    if len(digits) >= 7:
        assert normalize_number(text) == digits
    else:
        with pytest.raises(InvalidNumberError):
            normalize_number(text)


@given(st.text(max_size=30), st.one_of(st.none(), country_codes))
def test_output_shape_and_idempotence(text: str, cc: str | None) -> None:
    try:
        out = normalize_number(text, default_country_code=cc)
    except InvalidNumberError:
        return
    assert 7 <= len(out) <= 15
    assert out.isascii() and out.isdigit() and out[0] != "0"
    assert normalize_number(out) == out
    assert normalize_number("+" + out) == out


@given(st.from_regex(r"\A[0-9 ()+./-]{0,25}\Z"), st.one_of(st.none(), country_codes))
def test_phone_like_text_never_crashes(text: str, cc: str | None) -> None:
    try:
        out = normalize_number(text, default_country_code=cc)
    except InvalidNumberError:
        return
    assert normalize_number(out) == out
