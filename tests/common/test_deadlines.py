"""The statutory time limit of an appeal: three weeks from the day the applicant got the decision
(44 § förvaltningslagen), moved to the next weekday when the last day is a Saturday, Sunday, public
holiday, midsommarafton, julafton or nyårsafton (2 § lagen (1930:173) om beräkning av lagstadgad tid)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bistand.common.deadlines import appeal_deadline, is_weekday_for_deadlines


def test_three_weeks_ends_on_the_same_weekday():
    # Monday 2 November 2026 → Monday 23 November 2026
    assert appeal_deadline(dt.date(2026, 11, 2)) == dt.date(2026, 11, 23)


def test_a_last_day_on_a_saturday_moves_to_monday():
    # Saturday 28 November 2026 + 21 days = Saturday 19 December 2026 → Monday 21 December
    assert appeal_deadline(dt.date(2026, 11, 28)) == dt.date(2026, 12, 21)


def test_a_last_day_on_julafton_moves_past_the_christmas_holidays():
    # Thursday 3 December 2026 + 21 days = Thursday 24 December (julafton) → 25 and 26 December are
    # holidays, 27 December a Sunday → Monday 28 December
    assert appeal_deadline(dt.date(2026, 12, 3)) == dt.date(2026, 12, 28)


def test_a_last_day_on_midsommarafton_moves_to_the_monday():
    # Friday 29 May 2026 + 21 days = Friday 19 June 2026 (midsommarafton); 20 June midsommardagen → Monday 22 June
    assert appeal_deadline(dt.date(2026, 5, 29)) == dt.date(2026, 6, 22)


def test_a_last_day_on_nyarsafton_and_a_public_holiday():
    # Thursday 10 December 2026 + 21 days = Thursday 31 December (nyårsafton), 1 January a holiday → Monday 4 January 2027
    assert appeal_deadline(dt.date(2026, 12, 10)) == dt.date(2027, 1, 4)
    # Ascension Day 2026 is Thursday 14 May: 23 April + 21 days → Friday 15 May
    assert appeal_deadline(dt.date(2026, 4, 23)) == dt.date(2026, 5, 15)


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)))
def test_the_deadline_is_never_earlier_than_three_weeks_and_always_a_weekday(day):
    deadline = appeal_deadline(day)
    assert deadline >= day + dt.timedelta(weeks=3)
    assert is_weekday_for_deadlines(deadline)
    # only days that are not weekdays in the act's sense are skipped
    skipped = day + dt.timedelta(weeks=3)
    while skipped < deadline:
        assert not is_weekday_for_deadlines(skipped)
        skipped += dt.timedelta(days=1)
