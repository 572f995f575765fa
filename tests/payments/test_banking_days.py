"""Requested execution dates fall on Swedish banking days: weekends, public holidays and the days the
banks keep closed (midsommarafton, julafton, nyårsafton) move to the next banking day (issue 20)."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bistand.payments import pain001
from bistand.payments.banking_days import is_banking_day, next_banking_day
from bistand.payments.services import approve, default_due_date, export_payments, schedule_payment
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role

from . import schema
from .factories import debtor_account, issued_decision


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2026, 3, 25), dt.date(2026, 3, 25)),  # an ordinary Wednesday
        (dt.date(2026, 3, 28), dt.date(2026, 3, 30)),  # Saturday → Monday
        (dt.date(2026, 4, 3), dt.date(2026, 4, 7)),  # långfredag, then annandag påsk
        (dt.date(2026, 5, 14), dt.date(2026, 5, 15)),  # Kristi himmelsfärd (the squeeze day after is a banking day)
        (dt.date(2026, 6, 19), dt.date(2026, 6, 22)),  # midsommarafton: banks are closed
        (dt.date(2026, 12, 24), dt.date(2026, 12, 28)),  # julafton, juldagen, annandag jul, Sunday
        (dt.date(2026, 12, 31), dt.date(2027, 1, 4)),  # nyårsafton, nyårsdagen, weekend
        (dt.date(2027, 1, 6), dt.date(2027, 1, 7)),  # trettondedag jul
    ],
)
def test_the_next_banking_day_skips_weekends_and_swedish_bank_holidays(day, expected):
    assert next_banking_day(day) == expected
    assert default_due_date(day) == expected


def test_half_days_before_a_holiday_are_banking_days():
    assert is_banking_day(dt.date(2026, 4, 2))  # skärtorsdag
    assert is_banking_day(dt.date(2026, 4, 30))  # valborgsmässoafton


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 12, 31)))
def test_the_next_banking_day_is_a_banking_day_within_a_week_and_never_earlier(day):
    result = next_banking_day(day)
    assert is_banking_day(result) and result.weekday() < 5
    assert day <= result <= day + dt.timedelta(days=7)
    assert next_banking_day(result) == result


@pytest.mark.django_db
def test_a_payment_due_on_a_holiday_is_scheduled_for_the_next_banking_day():
    municipality = MunicipalityFactory()
    decision = issued_decision(municipality, decided_by=user_with_role(Role.CASEWORKER, municipality))
    payment = schedule_payment(decision, due_date=dt.date(2026, 4, 3))
    assert payment.due_date == dt.date(2026, 4, 7)


@pytest.mark.django_db
def test_the_bank_file_never_asks_for_execution_on_a_bank_holiday():
    municipality = MunicipalityFactory()
    debtor_account(municipality)
    caseworker, approver = user_with_role(Role.CASEWORKER, municipality), user_with_role(Role.APPROVER, municipality)
    payment = approve(schedule_payment(issued_decision(municipality, decided_by=caseworker), due_date=dt.date(2026, 6, 10)),
                      approver)
    export = export_payments(municipality, dt.date(2026, 6, 19))  # exported on midsommarafton, already due
    content = bytes(export.content)
    schema.validate(content)
    dates = [e.text for e in ET.fromstring(content).iter(f"{{{pain001.NAMESPACE}}}Dt")]
    assert dates == ["2026-06-22"]
    assert payment.pk
