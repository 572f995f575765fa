"""Months and their Swedish names: one table for the whole project."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import bistand
from bistand.common.months import MONTH_NAMES, format_month, month_name, month_sv, parse_month

SRC = Path(bistand.__file__).resolve().parent


def test_the_month_names_are_swedish_and_lower_case():
    assert month_name(1) == "januari" and month_name(3) == "mars" and month_name(12) == "december"
    assert len(MONTH_NAMES) == 12 and all(name == name.lower() for name in MONTH_NAMES)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_a_month_reads_the_same_from_a_date_and_from_its_contract_text(day):
    month = parse_month(day)
    assert month_sv(day) == month_sv(month) == month_sv(format_month(month))
    assert month_sv(month) == f"{MONTH_NAMES[day.month - 1]} {day.year}"


def test_anything_else_is_shown_as_it_is():
    assert month_sv("okänd") == "okänd" and month_sv(None) == "None"


def test_no_other_module_has_a_table_of_month_names():
    own = SRC / "common" / "months.py"
    pattern = re.compile(r'"januari"|"februari"|\'januari\'')
    tables = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
              if path != own and pattern.search(path.read_text(encoding="utf-8"))]
    assert tables == []
