"""Swedish banking days, for the requested execution date of a payment.

Banks in Sweden do not execute payments on Saturdays, Sundays, public holidays (helgdagar) and the three
days that are not public holidays but on which the banks are closed all the same: midsommarafton,
julafton and nyårsafton. The calendar is the maintained ``holidays`` package (pinned in
pyproject.toml): Sweden's ``public`` and ``de_facto`` categories. The half days before a holiday
(skärtorsdag, valborgsmässoafton …, the package's ``bank`` category "from 2pm") are banking days.

Pure Python (no Django)."""

from __future__ import annotations

import datetime as dt
import functools

import holidays

#: The package's categories of Swedish days on which the banks are closed.
CLOSED_CATEGORIES = (holidays.PUBLIC, "de_facto")


@functools.lru_cache(maxsize=64)
def _closed_days(year: int) -> frozenset[dt.date]:
    calendar = holidays.SE(years=year, categories=CLOSED_CATEGORIES, include_sundays=False)
    return frozenset(calendar.keys())


def is_banking_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _closed_days(day.year)


def next_banking_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a banking day, otherwise the first banking day after it."""
    while not is_banking_day(day):
        day += dt.timedelta(days=1)
    return day


__all__ = ["is_banking_day", "next_banking_day"]
