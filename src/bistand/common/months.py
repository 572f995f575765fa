"""Calendar months as values (a month is the ``datetime.date`` of its first day) and their Swedish names.

The calculation contract writes months as ``"YYYY-MM"``; the database stores the first day of the
month so that months sort and compare as dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: str | dt.date) -> dt.date:
    """``"2026-03"`` or any date in March 2026 → ``date(2026, 3, 1)``."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    match = _MONTH_RE.match(str(value))
    if not match:
        raise ValueError(f"Månaden måste skrivas ÅÅÅÅ-MM, till exempel 2026-03, inte {value!r}.")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def format_month(month: dt.date) -> str:
    """``date(2026, 3, 1)`` → ``"2026-03"``."""
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months after (or before, if negative) ``month``."""
    index = month.year * 12 + (month.month - 1) + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """How many months ``last`` is after ``first`` (negative if before)."""
    return (last.year - first.year) * 12 + (last.month - first.month)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from ``first`` to ``last``, both included."""
    return [add_months(first, i) for i in range(months_between(first, last) + 1)]


def days_in_month(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def last_day(month: dt.date) -> dt.date:
    return month.replace(day=days_in_month(month))


def age_at(birth_date: dt.date, on: dt.date) -> int:
    """Age in whole years on the day ``on`` (a person born 29 February turns a year older on 1 March
    in years without 29 February)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


#: The Swedish names of the months, January first — the one table of the project.
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
               "november", "december")


def month_name(number: int) -> str:
    """``3`` → ``"mars"``."""
    return MONTH_NAMES[number - 1]


def month_sv(month: dt.date | str) -> str:
    """A month (a date, or ``"YYYY-MM"``) in Swedish: ``"mars 2026"``. Anything else is shown as it is."""
    if isinstance(month, str) and _MONTH_RE.match(month):
        month = parse_month(month)
    if not isinstance(month, dt.date):
        return str(month)
    return f"{month_name(month.month)} {month.year}"
