"""Periods of records as day ranges, and the windows that "as of" and "between" ask about.

A date in the data is the lexical form of an ``xsd:date``, ``xsd:gYearMonth``, ``xsd:gYear``
or ``xsd:dateTime``; it stands for every day it names: ``"2015"`` covers 2015-01-01 to
2015-12-31. A period runs from the first day of its start to the last day of its end; a
missing start is open to the past, a missing end means the record goes on (open to the
future). Two periods overlap when they share at least one day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from coopgraph.errors import ParameterError

DayRange = tuple[date, date]

# Year, optional month, optional day, optional time and timezone (ignored: a day is the unit).
_LEXICAL = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})(?:T[\d:.]+)?)?)?(?:Z|[+-]\d{2}:\d{2})?"
)


def day_range(lexical: str) -> DayRange | None:
    """The first and last day a date names, or None when it is not a date coopgraph reads."""
    match = _LEXICAL.fullmatch(lexical.strip())
    if match is None:
        return None
    year = int(match["year"])
    try:
        if match["month"] is None:
            return date(year, 1, 1), date(year, 12, 31)
        month = int(match["month"])
        if match["day"] is None:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        day = date(year, month, int(match["day"]))
    except ValueError:  # month 13, 30 February, year 0
        return None
    return day, day


@dataclass(frozen=True)
class Window:
    """The days a projection keeps: records whose period overlaps [first, last] stay."""

    first: date
    last: date
    text: str
    """How the user gave it, for messages and the graph's ``window`` attribute."""

    def overlaps(self, start: str | None, end: str | None) -> bool:
        """Whether a record running from ``start`` to ``end`` shares a day with the window.

        A missing or unreadable start is open to the past, a missing or unreadable end open
        to the future (an ongoing record).
        """
        first, last = period(start, end)
        return first <= self.last and last >= self.first

    def contains(self, when: str | None) -> bool:
        """Whether a one-off event on ``when`` falls in the window (an undated event does)."""
        return self.overlaps(when, when)


def period(start: str | None, end: str | None) -> DayRange:
    """The days from the first day of ``start`` to the last day of ``end``, open where missing."""
    first = day_range(start) if start else None
    last = day_range(end) if end else None
    return (first[0] if first else date.min, last[1] if last else date.max)


def parse_day_range(text: str, parameter: str) -> DayRange:
    """A date the user gave (YYYY, YYYY-MM or YYYY-MM-DD) as a day range, or ParameterError."""
    days = day_range(text)
    if days is None or "T" in text:
        raise ParameterError(
            f"{parameter}: {text!r} is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)"
        )
    return days


def as_of(text: str, parameter: str = "--as-of") -> Window:
    """The window of one date: every day it names (a year, a month or a day)."""
    first, last = parse_day_range(text, parameter)
    return Window(first, last, f"as of {text}")


def between(start: str, end: str, parameter: str = "--between") -> Window:
    """The window from the first day of ``start`` to the last day of ``end``."""
    first = parse_day_range(start, parameter)[0]
    last = parse_day_range(end, parameter)[1]
    if last < first:
        raise ParameterError(f"{parameter}: {end!r} is before {start!r}")
    return Window(first, last, f"between {start} and {end}")
