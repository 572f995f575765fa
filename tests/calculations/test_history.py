"""Months on assistance and the jobbstimulans window, worked out from earlier months (pure functions)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from bistand.calculations.history import consecutive_months_before, jobbstimulans_applies, jobbstimulans_since
from bistand.common.months import add_months, month_range, parse_month

M = parse_month


def months(first: str, last: str) -> set[dt.date]:
    return set(month_range(M(first), M(last)))


def test_consecutive_months_stop_at_the_first_gap():
    assisted = months("2025-01", "2025-03") | months("2025-05", "2025-08")
    assert consecutive_months_before(assisted, M("2025-09")) == 4
    assert consecutive_months_before(assisted, M("2025-05")) == 0
    assert consecutive_months_before(assisted, M("2025-04")) == 3


def test_consecutive_months_do_not_count_the_month_itself():
    assert consecutive_months_before({M("2025-06")}, M("2025-06")) == 0


def test_no_window_without_six_months_before_the_first_wage():
    assisted = months("2025-01", "2025-05")  # five months
    wages = {M("2025-06")}
    assert jobbstimulans_since(assisted, wages, M("2025-07")) is None


def test_window_starts_in_the_first_wage_month_after_six_months_on_assistance():
    assisted = months("2025-01", "2025-12")
    wages = months("2025-09", "2025-11")
    assert jobbstimulans_since(assisted, wages, M("2025-12")) == M("2025-09")
    # Before the first wage month, no window has started yet.
    assert jobbstimulans_since(assisted, wages, M("2025-09")) is None


def test_an_expired_window_is_passed_on_so_that_no_disregard_applies():
    assisted = months("2023-01", "2025-12")
    wages = {M("2023-07")}
    since = jobbstimulans_since(assisted, wages, M("2025-07"))
    # The window 2023-07 … 2025-06 has passed; fewer than six months since then.
    assert since == M("2023-07")
    assert not jobbstimulans_applies(since, consecutive_months_before(assisted, M("2025-07")), M("2025-07"))


def test_six_new_months_after_the_window_clear_it():
    assisted = months("2023-01", "2026-06")
    wages = {M("2023-07")}
    # Window 2023-07 … 2025-06; six new months 2025-07 … 2025-12 → cleared in 2026-01.
    assert jobbstimulans_since(assisted, wages, M("2025-12")) == M("2023-07")
    assert jobbstimulans_since(assisted, wages, M("2026-01")) is None


def test_a_new_window_starts_with_a_wage_after_the_six_new_months():
    assisted = months("2023-01", "2026-06")
    wages = {M("2023-07"), M("2026-02")}
    assert jobbstimulans_since(assisted, wages, M("2026-03")) == M("2026-02")


month_offsets = st.sets(st.integers(min_value=0, max_value=47), max_size=48)


@settings(max_examples=200, deadline=None)
@given(assisted=month_offsets, wages=month_offsets, at=st.integers(min_value=0, max_value=48))
def test_the_window_is_always_a_wage_month_before_the_month(assisted, wages, at):
    base = M("2023-01")
    assisted_months = {add_months(base, i) for i in assisted}
    wage_months = {add_months(base, i) for i in wages}
    month = add_months(base, at)
    since = jobbstimulans_since(assisted_months, wage_months, month)
    if since is not None:
        assert since < month
        assert since in wage_months
        assert consecutive_months_before(assisted_months, since) >= 6


@settings(max_examples=200, deadline=None)
@given(assisted=month_offsets, wages=month_offsets, at=st.integers(min_value=0, max_value=48))
def test_later_months_do_not_change_the_answer(assisted, wages, at):
    """Only months before the month matter: adding anything from the month on changes nothing."""
    base = M("2023-01")
    month = add_months(base, at)
    earlier_assisted = {add_months(base, i) for i in assisted if i < at}
    earlier_wages = {add_months(base, i) for i in wages if i < at}
    everything_assisted = {add_months(base, i) for i in assisted}
    everything_wages = {add_months(base, i) for i in wages}
    assert jobbstimulans_since(earlier_assisted, earlier_wages, month) == jobbstimulans_since(
        everything_assisted, everything_wages, month
    )
