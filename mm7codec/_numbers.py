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

How a number is read. Nothing here guesses a country: when the text does not
say which country it belongs to and no ``default_country_code`` is given, it
is an error that says so.

1. ``+``, ``00`` or the caller's ``international_prefix`` (``011`` from the
   US, ``0011`` from Australia...) starts it: international. ``011`` is also
   read as one with ``default_country_code="1"`` (the NANP exit code); in
   other countries it starts national numbers (Leeds: ``0113 ...``).
2. It starts with ``0``: national with a trunk prefix; needs
   ``default_country_code``.
3. No ``default_country_code``: bare digits are taken as already
   international (the gateway's own format, so normalising an output again
   changes nothing); digits written with separators (``(555) 319-9144``,
   ``1-555-319-9144``) are a form written for people, national or missing its
   ``+``: an error asking for either.
4. It starts with the default country code and has at least 11 digits:
   already international (``15553199144`` with ``"1"``).
5. Otherwise national without trunk prefix: the country code is prepended
   (``5553199144`` with ``"1"`` gives ``15553199144``).
"""

from __future__ import annotations

from ._errors import EncodeError

__all__ = ["InvalidNumberError", "check_number", "is_short_code", "normalize_number"]

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


def _number_text(text: str) -> str:
    """What a phone number's text writes of the number: ``text`` stripped, without
    ``tel:`` and its RFC 3966 parameters or a ``/TYPE=PLMN`` suffix.

    Raises:
        InvalidNumberError: ``text`` is not a string, or names another address type.
    """
    if not isinstance(text, str):
        raise InvalidNumberError(f"a phone number must be a string, got {type(text).__name__}")
    body = text.strip()
    if body[:4].lower() == "tel:":
        # RFC 3966 parameters (";phone-context=...", ";ext=...") are not dialled.
        body = body[4:].split(";", 1)[0]
    # MMS addresses carry the address type after a slash; only PLMN is a
    # phone number (IPv4 / IPv6 / RFC822 are not).
    slash = body.upper().rfind("/TYPE=")
    if slash < 0:
        return body
    kind = body[slash + 6 :].strip().upper()
    if kind != "PLMN":
        raise InvalidNumberError(
            f"{text!r} is not a phone number (address type {kind or 'empty'!r})", number=text
        )
    return body[:slash]


def _international_prefix(value: str) -> str:
    prefix = value.strip()
    if not (prefix.isascii() and prefix.isdigit() and 2 <= len(prefix) <= 4 and prefix[0] == "0"):
        raise InvalidNumberError(
            f"international_prefix must be 2 to 4 digits starting with 0, got {value!r}",
            number=value,
        )
    return prefix


def normalize_number(
    text: str,
    *,
    default_country_code: str | None = None,
    international_prefix: str | None = None,
) -> str:
    """Return ``text`` as an international number: 7 to 15 ASCII digits.

    ``normalize_number("+1 (555) 319-9144") == "15553199144"``;
    ``normalize_number("(555) 319-9144", default_country_code="1") ==
    "15553199144"``; ``normalize_number("011 44 20 7946 0958",
    default_country_code="1") == "442079460958"``. The rules are in the
    module docstring. ``default_country_code`` may be written with a leading
    ``+``; ``international_prefix`` is the exit code dialled before a country
    code where the number was written (``00`` is always understood).

    Raises:
        InvalidNumberError: letters or other stray characters, no digits, a
            national number or a number written with separators and no
            ``+`` when no ``default_country_code`` says the country, fewer
            than 7 or more than 15 digits, a country code starting with 0, or
            an invalid ``default_country_code`` / ``international_prefix``.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       No country is guessed for ``(555) 319-9144``; ``international_prefix``.
    """
    original = text
    text = _number_text(text)
    cc = None if default_country_code is None else _country_code(default_country_code)
    prefixes = ["00"]
    if cc == "1":
        prefixes.append(_NANP_EXIT)
    if international_prefix is not None:
        # Longest first: "0011" must win over "00".
        prefixes.insert(0, _international_prefix(international_prefix))
    text = text.replace("(0)", "")
    written = text
    for separator in _SEPARATORS:
        text = text.replace(separator, "")
    digits, international = text, False
    if text.startswith("+"):
        digits, international = text[1:], True
    else:
        for prefix in prefixes:
            if text.startswith(prefix):
                digits, international = text[len(prefix) :], True
                break
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
    elif cc is None:
        if digits[0] == "0":
            exit_code = " (or international_prefix='011' if 011 is dialled to leave the US)"
            raise InvalidNumberError(
                f"{original!r} is a national number; give default_country_code"
                + (exit_code if digits.startswith(_NANP_EXIT) else ""),
                number=original,
            )
        if written != digits:
            raise InvalidNumberError(
                f"{original!r} does not say its country: write it with '+' and the"
                " country code, or give default_country_code",
                number=original,
            )
    elif digits[0] == "0":
        digits = cc + (digits if cc in _ZERO_IS_PART_OF_NUMBER else digits[1:])
    elif not (digits.startswith(cc) and len(digits) >= _INTERNATIONAL_MIN_WITH_DEFAULT):
        digits = cc + digits
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise InvalidNumberError(
            f"{original!r} has {len(digits)} digits in international form;"
            f" E.164 numbers have {MIN_DIGITS} to {MAX_DIGITS}",
            number=original,
        )
    return digits


# A phone number as an MM7 <Number> may carry it: an optional "+", digits and
# the separators people type, at most this many digits (E.164's 15 plus an exit code).
_MAX_WRITTEN_DIGITS = 20


def check_number(text: str) -> str:
    """``text`` unchanged if it can be a phone number, else :class:`InvalidNumberError`.

    What ``Address.number`` takes: an optional ``tel:`` and ``+``, 1 to 20
    digits with the separators people type between them, an optional
    ``/TYPE=PLMN`` suffix (TS 23.140). It does not normalise: a peer's own
    format is kept (a profile enforces a stricter rule, see
    ``mm7codec.profiles``). Words, e-mail addresses and other address types
    are refused.

    .. versionadded:: 0.1
    """
    body = _number_text(text)
    if body.startswith("+"):
        body = body[1:]
    digits = 0
    for char in body:
        if "0" <= char <= "9":
            digits += 1
        elif char not in _SEPARATORS:
            raise InvalidNumberError(
                f"{text!r} is not a phone number (unexpected {char!r}); use Address.email"
                " or Address.short_code for other kinds of address",
                number=text,
            )
    if not 1 <= digits <= _MAX_WRITTEN_DIGITS:
        raise InvalidNumberError(f"{text!r} is not a phone number ({digits} digits)", number=text)
    return text


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
