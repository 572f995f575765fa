"""The form logic of the calculation page (bistand.staff.calculation), without HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from bistand.rules.model import COST_TYPES, INCOME_TYPES
from bistand.staff.calculation.forms import KronorField, municipalities
from bistand.staff.calculation.page import CalculationPage
from bistand.staff.calculation.presenters import COST_LABELS, INCOME_LABELS, kronor_text

from .test_calculation_page import form_data

NBSP = "\u00a0"


@pytest.mark.parametrize(
    "amount, text",
    [
        (5220, f"5{NBSP}220{NBSP}kr"),
        (Decimal("0.5"), f"0,50{NBSP}kr"),
        (Decimal("1234567.891"), f"1{NBSP}234{NBSP}567,89{NBSP}kr"),
        (Decimal("999.995"), f"1{NBSP}000{NBSP}kr"),
        (Decimal("-150.5"), f"−150,50{NBSP}kr"),
        (0, f"0{NBSP}kr"),
        (16880, f"16{NBSP}880{NBSP}kr"),
    ],
)
def test_result_amounts_in_kronor_are_written_by_the_one_formatter(amount, text):
    """Before: the page wrote "5 220,00 kr" with öre that are not there; now öre only where they exist."""
    assert kronor_text(amount) == text


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_formatted_amount_reads_back_as_the_same_amount(amount):
    text = kronor_text(amount)
    back = Decimal(text.removesuffix(f"{NBSP}kr").replace(NBSP, "").replace(",", ".").replace("−", "-"))
    assert back == amount


@pytest.mark.parametrize(
    "typed, value",
    [("5 220,50", Decimal("5220.50")), ("5220.5", Decimal("5220.5")), (f"1{NBSP}000 kr", Decimal("1000")), ("0", 0)],
)
def test_kronor_field_accepts_amounts_as_people_write_them(typed, value):
    assert KronorField().clean(typed) == value


def test_every_cost_and_income_type_has_a_swedish_label():
    assert list(COST_LABELS) == list(COST_TYPES)
    assert list(INCOME_LABELS) == list(INCOME_TYPES)


def test_municipalities_come_from_the_local_parameter_files():
    codes = dict(municipalities())
    assert codes["0680"] == "Jönköpings kommun"
    assert "default" not in codes


def test_local_parameter_directory_from_settings_adds_municipalities(tmp_path, settings):
    (tmp_path / "9999.yaml").write_text("municipality: '9999'\nname: Provkommunen\n", encoding="utf-8")
    settings.BISTAND_LOCAL_PARAMETERS_DIR = str(tmp_path)
    assert ("9999", "Provkommunen") in municipalities()


def _bound(**fields) -> CalculationPage:
    data = QueryDict(mutable=True)
    data.update(form_data(**fields))
    return CalculationPage(data)


def test_form_becomes_the_contract_document():
    page = _bound(
        municipality="0662",
        dwelling_size="5",
        adults=({"age": "40", "consecutive_months_on_assistance": "3", "jobbstimulans_since": "2025-09"},),
        children=({"age": "6", "lunch_away_from_home": "on", "days_present": "14", "earnings_this_year_before_month": "1 200,50"},),
        costs=({"type": "medicine", "amount": "99,90"},),
        incomes=({"type": "wage", "member": "1", "amount": "300"}, {"type": "other", "member": "", "amount": "5"}),
    )
    assert page.is_valid()
    assert page.to_document() == {
        "month": "2026-03",
        "municipality": "0662",
        "household": {
            "adults": [
                {"id": "sökande", "age": 40, "consecutive_months_on_assistance": 3, "jobbstimulans_since": "2025-09"}
            ],
            "children": [
                {
                    "id": "1",
                    "age": 6,
                    "lunch_away_from_home": True,
                    "days_present": 14,
                    "earnings_this_year_before_month": Decimal("1200.50"),
                }
            ],
            "dwelling_size": 5,
        },
        "costs": [{"type": "medicine", "amount": Decimal("99.90")}],
        "incomes": [{"type": "wage", "member": "1", "amount": 300}, {"type": "other", "amount": 5}],
    }


@pytest.mark.parametrize(
    "path, form, field",
    [
        ("month", "main", "month"),
        ("municipality", "main", "municipality"),
        ("household.dwelling_size", "main", "dwelling_size"),
        ("household.adults[1].age", ("adults", 1), "age"),
        ("household.children[0].days_present", ("children", 0), "days_present"),
        ("costs[0].amount", ("costs", 0), "amount"),
        ("incomes[1].member", ("incomes", 1), "member"),
        ("household.children[0].id", ("children", 0), "__all__"),
        ("household.adults", "group:adults", None),
        ("household", "main", "__all__"),
        ("", "main", "__all__"),
    ],
)
def test_decoder_errors_are_placed_at_the_field_holding_the_value(path, form, field):
    page = _bound(
        adults=({"age": "30"}, {"age": "31"}),
        children=({"age": "3"},),
        incomes=({"type": "other", "amount": "1"}, {"type": "other", "amount": "2"}),
    )
    assert page.is_valid()
    page.attach_error(path, "Meddelande.")

    if form == "main":
        assert page.form.errors == {field: ["Meddelande."]}
    elif isinstance(form, tuple):
        assert page.formsets[form[0]].forms[form[1]].errors == {field: ["Meddelande."]}
    else:
        assert page.group_errors == {form.split(":")[1]: ["Meddelande."]}
    assert [e.message.endswith("Meddelande.") for e in page.error_summary] == [True]
