"""Phone-number normalisation: the forms users paste, and the rejects."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mm7codec._errors import EncodeError, MM7Error
from mm7codec._numbers import InvalidNumberError, check_number, is_short_code, normalize_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1 (555) 319-9144", "15553199144"),
        ("+15553199144", "15553199144"),
        ("15553199144", "15553199144"),
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
        # Written for people, no '+': the country is not guessed (55 is Brazil's code).
        ("(555) 319-9144", "does not say its country"),
        ("1-555-319-9144", "does not say its country"),
        ("44 20 7946 0958", "does not say its country"),
        ("tel:555-319-9144;phone-context=example.com", "does not say its country"),
        ("011 44 20 7946 0958", "international_prefix='011'"),
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


# The must-show cases: a US national number, the NANP exit code, 00 and '+'.
@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("(555) 319-9144", {"default_country_code": "1"}, "15553199144"),
        ("555-319-9144", {"default_country_code": "+1"}, "15553199144"),
        ("011 44 20 7946 0958", {"default_country_code": "1"}, "442079460958"),
        ("011 44 20 7946 0958", {"international_prefix": "011"}, "442079460958"),
        ("00 44 20 7946 0958", {}, "442079460958"),
        ("0044 20 7946 0958", {"default_country_code": "61"}, "442079460958"),
        ("+44 20 7946 0958", {}, "442079460958"),
        ("+1 555 319 9144", {"default_country_code": "44"}, "15553199144"),
        # A caller-given exit code: Australia dials 0011 (00 still understood).
        ("0011 1 555 319 9144", {"international_prefix": "0011"}, "15553199144"),
        ("0015553199144", {"international_prefix": "0011"}, "15553199144"),
        # Japan's 010, with national numbers of that country alongside.
        (
            "010 44 20 7946 0958",
            {"international_prefix": "010", "default_country_code": "81"},
            "442079460958",
        ),
        (
            "03 1234 5678",
            {"international_prefix": "010", "default_country_code": "81"},
            "81312345678",
        ),
    ],
)
def test_prefixes_and_us_national(text: str, kwargs: dict[str, str], expected: str) -> None:
    assert normalize_number(text, **kwargs) == expected


def test_national_without_country_is_an_error_saying_so() -> None:
    with pytest.raises(InvalidNumberError, match="give default_country_code") as info:
        normalize_number("(555) 319-9144")
    assert info.value.number == "(555) 319-9144"
    with pytest.raises(InvalidNumberError, match="national number; give default_country_code"):
        normalize_number("020 7946 0958")


@pytest.mark.parametrize("prefix", ["", "11", "0", "00011", "0a", "+00"])
def test_bad_international_prefix(prefix: str) -> None:
    with pytest.raises(InvalidNumberError, match="international_prefix"):
        normalize_number("0011 1 555", international_prefix=prefix)


@pytest.mark.parametrize(
    "text",
    [
        "15553199144",
        "+1 (555) 319-9144",
        "0207 946 0958",
        "+3859100010010/TYPE=PLMN",
        "tel:+1-555-319-9144;ext=1",
        "1",
        "12345",
        "12345678901234567890",
    ],
)
def test_check_number_keeps_what_can_be_a_phone_number(text: str) -> None:
    assert check_number(text) is text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("hello world", "unexpected 'h'"),
        ("jane@example.com", "unexpected 'j'"),
        ("+1 555 CALL NOW", "unexpected 'C'"),
        ("", "0 digits"),
        ("+ ()", "0 digits"),
        ("123456789012345678901", "21 digits"),
        ("1.2.3.4/TYPE=IPv4", "address type"),
        ("1+2", "unexpected '+'"),
    ],
)
def test_check_number_refuses_what_cannot(text: str, fragment: str) -> None:
    with pytest.raises(InvalidNumberError) as info:
        check_number(text)
    assert fragment in info.value.message
    assert info.value.status_code == 2002


def test_check_number_non_string() -> None:
    with pytest.raises(InvalidNumberError, match="must be a string"):
        check_number(5553199144)  # type: ignore[arg-type]


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


def test_address_number_refuses_text_that_is_no_number() -> None:
    from mm7codec import Address, Recipients

    with pytest.raises(InvalidNumberError, match="not a phone number"):
        Address.number("hello world")
    with pytest.raises(InvalidNumberError):
        Recipients(to=["jane@example.com"])  # plain strings are numbers
    # The forms peers write are kept as written; coded addresses are opaque.
    assert Address.number("+1 555 319 9144").value == "+1 555 319 9144"
    assert Address.number("+3859100010010/TYPE=PLMN").value == "+3859100010010/TYPE=PLMN"
    assert Address.number("q83hd==", address_coding="encrypted").value == "q83hd=="
    # The decoder keeps whatever arrived (leniency); only the builder checks.
    assert Address("hello", "number").value == "hello"


@pytest.mark.parametrize(
    "text",
    [
        " tel:+1-555-319-9144;ext=12 ",
        "TEL:+15553199144",
        "+15553199144/type=plmn",
        "tel:+15553199144/TYPE=PLMN",
    ],
)
def test_check_and_normalize_take_the_same_written_forms(text: str) -> None:
    # tel:, its parameters and /TYPE= are read in one place for both.
    assert check_number(text) == text
    assert normalize_number(text) == "15553199144"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("user@example.com/TYPE=RFC822", "address type 'RFC822'"),
        ("+15553199144/TYPE=", "address type 'empty'"),
        ("tel:+1555/TYPE=IPv4;x", "address type 'IPV4'"),
        (b"15553199144", "must be a string, got bytes"),
    ],
)
def test_check_and_normalize_refuse_other_forms_alike(text: str, words: str) -> None:
    for function in (check_number, normalize_number):
        with pytest.raises(InvalidNumberError, match=re.escape(words)) as caught:
            function(text)
        assert caught.value.number == (text if isinstance(text, str) else "")
