"""Statutory time limits (pure Python, no Django).

An appeal must have reached the authority within three weeks from the day the party got the decision
(44 § förvaltningslagen (2017:900)). When the last day of a statutory period falls on a Saturday,
Sunday or other public holiday, midsommarafton, julafton or nyårsafton, the act may be done on the next
weekday (2 § lagen (1930:173) om beräkning av lagstadgad tid). Förvaltningslagen itself has no rule on
this; the 1930 act applies to every period set by statute.

The calendar is the maintained ``holidays`` package (pinned in pyproject.toml): Sweden's ``public``
category (the public holidays, without Sundays, which are counted here as Sundays) and ``de_facto``
(midsommarafton, julafton, nyårsafton) — exactly the days of the 1930 act."""

from __future__ import annotations

import datetime as dt
import functools

import holidays

#: The three weeks of 44 § förvaltningslagen.
APPEAL_PERIOD = dt.timedelta(weeks=3)
APPEAL_PERIOD_PROVISION = "44 § förvaltningslagen (2017:900)"
HOLIDAY_PROVISION = "2 § lagen (1930:173) om beräkning av lagstadgad tid"


@functools.lru_cache(maxsize=64)
def _non_weekdays(year: int) -> frozenset[dt.date]:
    calendar = holidays.SE(years=year, categories=(holidays.PUBLIC, "de_facto"), include_sundays=False)
    return frozenset(calendar.keys())


def is_weekday_for_deadlines(day: dt.date) -> bool:
    """Whether a period may end on ``day`` (not a Saturday, Sunday, public holiday, midsommarafton,
    julafton or nyårsafton)."""
    return day.weekday() < 5 and day not in _non_weekdays(day.year)


def last_day(day: dt.date) -> dt.date:
    """``day``, or the next weekday when ``day`` is not one (2 § lagen (1930:173))."""
    while not is_weekday_for_deadlines(day):
        day += dt.timedelta(days=1)
    return day


def appeal_deadline(received_on: dt.date) -> dt.date:
    """The last day an appeal can come in: three weeks from ``received_on`` (the day the party got the
    decision), moved to the next weekday when needed."""
    return last_day(received_on + APPEAL_PERIOD)


__all__ = ["APPEAL_PERIOD", "APPEAL_PERIOD_PROVISION", "HOLIDAY_PROVISION", "appeal_deadline",
           "is_weekday_for_deadlines", "last_day"]
