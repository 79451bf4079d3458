"""Phone numbers in the form MM7 gateways want: international, digits only.

Facts this module follows:

- Gateways want recipients as E.164 digits without ``+`` or ``00``
  (Sinch: ``15553199144``; DESIGN.md §0). E.164 caps a number at 15 digits;
  the shortest international numbers in service have 7 (Niue ``+683 xxxx``).
  Country codes never start with ``0``.
- What users paste is anything but that: ``+1 (555) 319-9144``,
  ``001 555 319 9144``, ``tel:+1-555-319-9144`` (RFC 3966), ``+44 (0)20 ...``
  (the ``(0)`` is the trunk prefix, dropped when dialling from abroad), and
  MMS addresses with a ``/TYPE=PLMN`` suffix (TS 23.140; Nokia MMSC samples).
- National numbers carry a trunk prefix ``0`` in most countries
  (``020 7946 0958`` in the UK); in Italy, San Marino and Côte d'Ivoire the
  ``0`` is part of the number and is kept after the country code.

How a number without ``+`` or ``00`` is read (there is no way to be sure, so
the rule is fixed and documented):

1. It starts with ``0``: national with a trunk prefix; needs
   ``default_country_code``.
2. No ``default_country_code``: already international (the gateway's own
   format), so normalising an output again changes nothing.
3. It starts with the default country code and has at least 11 digits:
   already international (``15553199144`` with ``"1"``).
4. Otherwise national without trunk prefix: the country code is prepended
   (``5553199144`` with ``"1"`` gives ``15553199144``).
"""

from __future__ import annotations

from ._errors import EncodeError

__all__ = ["InvalidNumberError", "is_short_code", "normalize_number"]

_ADDRESS_ERROR = 2002  # TS 23.140 §8.7: "Address Error"

MIN_DIGITS = 7
MAX_DIGITS = 15  # ITU-T E.164

# Rule 3 above: NANP numbers are 10 digits nationally and 11 with the "1".
_INTERNATIONAL_MIN_WITH_DEFAULT = 11

# Separators people type between digit groups: RFC 3966 visual separators
# plus spaces (including no-break space) and the "/" of German notation.
_SEPARATORS = " \t\u00a0-.()/"

# Countries whose national numbers keep their leading 0 after the code.
_ZERO_IS_PART_OF_NUMBER = frozenset({"39", "378", "225"})

# The NANP international call prefix, read as "00" only with default "1".
_NANP_EXIT = "011"


class InvalidNumberError(EncodeError):
    """Text that cannot be read as an international phone number (2002).

    ``number`` is the text that was given.

    .. versionadded:: 0.1
    """

    default_status_code = _ADDRESS_ERROR

    def __init__(self, message: str, *, number: str = "") -> None:
        super().__init__(message)
        self.number = number


def _country_code(value: str) -> str:
    code = value.strip().lstrip("+")
    if not (code.isascii() and code.isdigit() and 1 <= len(code) <= 3 and code[0] != "0"):
        raise InvalidNumberError(
            f"default_country_code must be 1 to 3 digits not starting with 0, got {value!r}",
            number=value,
        )
    return code


def _strip_type_suffix(text: str, original: str) -> str:
    # MMS addresses carry the address type after a slash; only PLMN is a
    # phone number (IPv4 / IPv6 / RFC822 are not).
    slash = text.upper().rfind("/TYPE=")
    if slash < 0:
        return text
    kind = text[slash + 6 :].strip().upper()
    if kind != "PLMN":
        raise InvalidNumberError(
            f"{original!r} is not a phone number (address type {kind or 'empty'!r})",
            number=original,
        )
    return text[:slash]


def normalize_number(text: str, *, default_country_code: str | None = None) -> str:
    """Return ``text`` as an international number: 7 to 15 ASCII digits.

    ``normalize_number("+1 (555) 319-9144") == "15553199144"``;
    ``normalize_number("020 7946 0958", default_country_code="44") ==
    "442079460958"``. The rules for numbers written without ``+`` or ``00``
    are in the module docstring. ``default_country_code`` may be written
    with a leading ``+``.

    Raises:
        InvalidNumberError: letters or other stray characters, no digits, a
            national number with no ``default_country_code``, fewer than 7 or
            more than 15 digits, a country code starting with 0, or an
            invalid ``default_country_code``.

    .. versionadded:: 0.1
    """
    if not isinstance(text, str):
        raise InvalidNumberError(f"a phone number must be a string, got {type(text).__name__}")
    original = text
    cc = None if default_country_code is None else _country_code(default_country_code)
    text = text.strip()
    if text[:4].lower() == "tel:":
        # RFC 3966 parameters (";phone-context=...", ";ext=...") are not dialled.
        text = text[4:].split(";", 1)[0]
    text = _strip_type_suffix(text, original)
    text = text.replace("(0)", "")
    for separator in _SEPARATORS:
        text = text.replace(separator, "")
    if text.startswith("+"):
        digits, international = text[1:], True
    elif text.startswith("00"):
        digits, international = text[2:], True
    elif cc == "1" and text.startswith(_NANP_EXIT):
        digits, international = text[3:], True
    else:
        digits, international = text, False
    if not digits:
        raise InvalidNumberError(f"{original!r} has no digits", number=original)
    if not (digits.isascii() and digits.isdigit()):
        bad = next(c for c in digits if not ("0" <= c <= "9"))
        raise InvalidNumberError(
            f"{original!r} is not a phone number (unexpected {bad!r})", number=original
        )
    if international:
        if digits[0] == "0":
            raise InvalidNumberError(
                f"{original!r}: a country code cannot start with 0", number=original
            )
    elif digits[0] == "0":
        if cc is None:
            raise InvalidNumberError(
                f"{original!r} is a national number; give default_country_code",
                number=original,
            )
        digits = cc + (digits if cc in _ZERO_IS_PART_OF_NUMBER else digits[1:])
    elif cc is not None and not (
        digits.startswith(cc) and len(digits) >= _INTERNATIONAL_MIN_WITH_DEFAULT
    ):
        digits = cc + digits
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise InvalidNumberError(
            f"{original!r} has {len(digits)} digits in international form;"
            f" E.164 numbers have {MIN_DIGITS} to {MAX_DIGITS}",
            number=original,
        )
    return digits


def is_short_code(text: str) -> bool:
    """Whether ``text`` (surrounding spaces ignored) is a short code: 3 to 8 digits.

    Short codes are not phone numbers: MM7 sends them as ``<ShortCode>`` and
    they must not go through :func:`normalize_number`. A 7- or 8-digit string
    is also a valid length for an international number; callers who know
    better should decide for themselves.

    .. versionadded:: 0.1
    """
    value = text.strip()
    return value.isascii() and value.isdigit() and 3 <= len(value) <= 8
