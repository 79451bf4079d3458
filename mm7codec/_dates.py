"""Date-times as received, read into ``datetime`` (the PDUs keep the text).

An ``xs:dateTime`` (``2025-03-10T14:32:07-05:00``, ``...Z``, fractions of a
second, no zone) and the form a widely used Java library writes instead,
``Date.toString()`` (``Mon Mar 10 14:32:07 UTC 2025``; peers.md). Python 3.9's
``fromisoformat`` reads neither ``Z`` nor every fraction, hence the pattern.
"""

from __future__ import annotations

import datetime as _dt
import re

from ._errors import DecodeError

__all__ = ["parse_date_time"]

_FORMAT_CORRUPT = 2007

_XSD = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?",
    re.ASCII,
)
_JAVA = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (\d\d) (\d\d):(\d\d):(\d\d) (UTC|GMT) (\d{4})",
    re.ASCII,
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _zone(text: str) -> _dt.tzinfo:
    if text == "Z":
        return _dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))


def parse_date_time(text: str) -> _dt.datetime:
    """``text`` as a ``datetime``: aware when it names a zone, naive when not.

    Fractions beyond microseconds are cut, not rounded.

    Raises:
        DecodeError: not a date-time in either form, or out of range (2007).
    """
    value = text.strip()
    try:
        found = _XSD.fullmatch(value)
        if found is not None:
            year, month, day, hour, minute, second, fraction, zone = found.groups()
            micro = int((fraction or "0")[:6].ljust(6, "0"))
            return _dt.datetime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(minute),
                int(second),
                micro,
                tzinfo=_zone(zone) if zone else None,
            )
        found = _JAVA.fullmatch(value)
        if found is not None:
            month_name, day, hour, minute, second, _, year = found.groups()
            return _dt.datetime(
                int(year),
                _MONTHS.index(month_name) + 1,
                int(day),
                int(hour),
                int(minute),
                int(second),
                tzinfo=_dt.timezone.utc,
            )
    except ValueError as exc:  # day 31 in April, hour 25, offset over 24 h
        raise DecodeError(
            f"{text!r} is not a valid date-time: {exc}", status_code=_FORMAT_CORRUPT
        ) from None
    raise DecodeError(
        f"{text!r} is not a date-time (xs:dateTime such as 2025-03-10T14:32:07-05:00)",
        status_code=_FORMAT_CORRUPT,
    )
