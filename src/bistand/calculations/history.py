"""What a household's earlier months mean for this month's calculation (pure functions, no database).

The calculation contract asks, per adult, for ``consecutive_months_on_assistance`` (months in a row,
before the month, in which the person received försörjningsstöd) and ``jobbstimulans_since`` (the first
month of the current two-year jobbstimulans window). Both follow from the history of earlier months:

* a month counts as *on assistance* when a calculation for it gave an amount above zero;
* jobbstimulans (25 % of an adult's wage left out) starts in the first month in which the adult has a
  wage after six consecutive months on assistance, and lasts 24 months from that month; after that, the
  adult needs six new consecutive months on assistance *after the window* before a new window can start
  (4 kap. 1 b § SoL (2001:453), carried over to SoL (2025:400); see rules/parameters/jobbstimulans.yaml).

The rule's month counts (6 and 24) are passed in, so that they come from the parameter file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from bistand.common.months import add_months, month_range

QUALIFYING_MONTHS = 6
WINDOW_MONTHS = 24


def consecutive_months_before(assisted: Collection[dt.date], month: dt.date, *, after: dt.date | None = None) -> int:
    """Months directly before ``month`` that are all in ``assisted`` (stopping at the first gap, and
    never counting ``after`` or any month before it)."""
    count = 0
    current = add_months(month, -1)
    while current in assisted and (after is None or current > after):
        count += 1
        current = add_months(current, -1)
    return count


def jobbstimulans_since(
    assisted: Collection[dt.date],
    wage_months: Collection[dt.date],
    month: dt.date,
    *,
    qualifying_months: int = QUALIFYING_MONTHS,
    window_months: int = WINDOW_MONTHS,
) -> dt.date | None:
    """The first month of the adult's latest jobbstimulans window that started *before* ``month``, or
    ``None`` when no window has started (or an expired one has been cleared by six new months).

    ``assisted``: months with försörjningsstöd paid; ``wage_months``: months in which the adult had a
    wage. Passing ``None`` to the calculation lets the rules start a new window in ``month`` itself when
    the adult qualifies; passing an expired window tells them that no disregard applies.
    """
    earlier = [m for m in assisted if m < month] + [m for m in wage_months if m < month]
    if not earlier:
        return None
    since: dt.date | None = None
    for current in month_range(min(earlier), add_months(month, -1)):
        if since is not None:
            window_end = add_months(since, window_months - 1)
            if current > window_end and consecutive_months_before(assisted, current, after=window_end) >= qualifying_months:
                since = None
        if since is None and current in wage_months and consecutive_months_before(assisted, current) >= qualifying_months:
            since = current
    if since is not None:
        window_end = add_months(since, window_months - 1)
        if month > window_end and consecutive_months_before(assisted, month, after=window_end) >= qualifying_months:
            return None
    return since


def jobbstimulans_applies(since: dt.date | None, consecutive: int, month: dt.date, *,
                          qualifying_months: int = QUALIFYING_MONTHS, window_months: int = WINDOW_MONTHS) -> bool:
    """The contract's rule, as the calculation applies it (used to describe a month in the demo data)."""
    if since is not None:
        return since <= month <= add_months(since, window_months - 1)
    return consecutive >= qualifying_months
