"""What-if simulation (`bistand simulate`): hand-computed small caseloads.

Riksnorm 2025 (riksnorm/2025.yaml): a single adult 3 910 kr, shared costs for one person 1 270 kr.
The test municipalities have no local parameter file, so no rent ceiling: a single adult without income
gets 3 910 + 1 270 + rent = 5 180 kr + rent. With the riksnorm +10 %: 4 301 + 1 397 = 5 698 kr + rent,
that is 518 kr more per household-month.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bistand.research.selectors import simulate
from bistand.rules.errors import CalculationInputError
from bistand.rules.whatif import ParameterChange
from tests.calculations.factories import StoredCalculationFactory
from tests.factories import MunicipalityFactory, RegionFactory, household_with_members

pytestmark = pytest.mark.django_db

NORM_SINGLE = 3910 + 1270
GAIN_SINGLE_10 = (4301 + 1397) - NORM_SINGLE  # 518


def _caseload(municipality, rents, months=("2025-03", "2025-04"), adults=1):
    households = []
    for rent in rents:
        household = household_with_members(municipality, adults=adults)
        for month in months:
            StoredCalculationFactory(household=household, month=month, rent=rent)
        households.append(household)
    return households


def _run(*args) -> dict:
    out = StringIO()
    call_command("simulate", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_a_change_of_zero_gives_exactly_zero_kronor_and_no_one_gains_or_loses():
    m = MunicipalityFactory()
    _caseload(m, [5000, 6000, 7000])
    report = _run("--municipality", m.code, "--from", "2025-03", "--to", "2025-04", "--riksnorm-change", "0")
    assert report["households"] == 3
    assert report["household_months"] == 6
    assert report["cost_before"] == 2 * (3 * NORM_SINGLE + 5000 + 6000 + 7000)  # 67 080
    assert report["cost_after"] == report["cost_before"]
    assert report["cost_change"] == 0
    assert report["households_gaining"] == 0
    assert report["households_losing"] == 0
    assert report["cost_decided"] == report["cost_before"]


def test_a_riksnorm_increase_gives_every_household_month_the_hand_computed_difference():
    m = MunicipalityFactory()
    _caseload(m, [5000, 6000, 7000])
    report = _run("--municipality", m.code, "--from", "2025-03", "--to", "2025-04", "--riksnorm-change", "10")
    assert report["cost_change"] == 6 * GAIN_SINGLE_10  # 3 108
    assert report["cost_after"] == 2 * (3 * (NORM_SINGLE + GAIN_SINGLE_10) + 18000)
    assert report["households_gaining"] == 3
    assert report["households_losing"] == 0
    assert report["gain_deciles"] is None  # fewer than ten households: no deciles
    [group] = report["by_household_type"]
    assert group == {"key": "single_no_children", "label": "Ensamstående utan barn", "households": 3,
                     "household_months": 6, "cost_before": report["cost_before"],
                     "cost_after": report["cost_after"], "cost_change": 3108}


def test_a_new_rent_ceiling_cuts_the_households_above_it_by_the_excess_and_the_deciles_show_how_much():
    m = MunicipalityFactory()
    # ten households with rents 5 600 … 6 500 kr, one month each; a ceiling of 5 500 kr for one adult
    _caseload(m, [5500 + 100 * i for i in range(1, 11)], months=("2025-03",))
    _caseload(m, [5000], months=("2025-03",))  # under the ceiling: unchanged
    report = _run("--municipality", m.code, "--from", "2025-03", "--to", "2025-03",
                  "--set", f"local.{m.code}.housing_cost_ceiling.1.0=5500")
    assert report["households"] == 11
    assert report["households_losing"] == 10
    assert report["households_gaining"] == 0
    assert report["households_unchanged"] == 1
    assert report["cost_change"] == -sum(100 * i for i in range(1, 11))  # −5 500
    assert report["loss_deciles"] == [100, 200, 300, 400, 500, 600, 700, 800, 900]


def test_the_latest_stored_calculation_of_a_household_month_is_the_one_simulated():
    m = MunicipalityFactory()
    household = household_with_members(m)
    StoredCalculationFactory(household=household, month="2025-03", rent=5000)
    StoredCalculationFactory(household=household, month="2025-03", rent=6000)  # a later recalculation
    report = _run("--municipality", m.code, "--from", "2025-03", "--to", "2025-03")
    assert report["household_months"] == 1
    assert report["cost_before"] == NORM_SINGLE + 6000


def test_months_outside_the_period_and_other_municipalities_are_left_out_but_the_region_has_both():
    region = RegionFactory()
    a, b = MunicipalityFactory(region=region), MunicipalityFactory(region=region)
    _caseload(a, [5000], months=("2025-02", "2025-03"))
    _caseload(b, [6000, 7000], months=("2025-03",), adults=2)
    only_a = _run("--municipality", a.code, "--from", "2025-03", "--to", "2025-03")
    assert (only_a["households"], only_a["household_months"]) == (1, 1)
    assert only_a["cost_before"] == NORM_SINGLE + 5000
    both = _run("--region", region.name, "--from", "2025-03", "--to", "2025-03", "--riksnorm-change", "10")
    # a couple: 7 050 + 1 400 = 8 450 kr + rent; +10 %: 7 755 + 1 540 = 9 295 kr (+845)
    assert both["cost_before"] == NORM_SINGLE + 5000 + 2 * 8450 + 13000
    assert both["cost_change"] == GAIN_SINGLE_10 + 2 * 845
    by_municipality = {g["key"]: g for g in both["by_municipality"]}
    assert by_municipality[a.code]["cost_change"] == GAIN_SINGLE_10
    assert by_municipality[b.code]["households"] == 2
    assert by_municipality[b.code]["cost_change"] == 2 * 845
    types = {g["key"]: g["households"] for g in both["by_household_type"]}
    assert types == {"single_no_children": 1, "couple_no_children": 2}


def test_a_household_refused_before_can_be_granted_after_and_counts_as_gaining():
    m = MunicipalityFactory()
    household = household_with_members(m)
    StoredCalculationFactory(household=household, month="2025-03", rent=5000, wage=10_180)  # need 10 180: 0 kr
    report = _run("--municipality", m.code, "--from", "2025-03", "--to", "2025-03", "--riksnorm-change", "10")
    assert report["cost_before"] == 0
    assert report["cost_after"] == GAIN_SINGLE_10
    assert report["households_gaining"] == 1


def test_the_text_report_is_in_swedish():
    m = MunicipalityFactory()
    _caseload(m, [5000], months=("2025-03",))
    out = StringIO()
    call_command("simulate", "--municipality", m.code, "--from", "2025-03", "--to", "2025-03",
                 "--riksnorm-change", "10", stdout=out)
    text = out.getvalue()
    assert "Förändring: 518\u00a0kr" in text
    assert "Hushåll som får mer: 1" in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--riksnorm-change", "tio"], "--riksnorm-change"),
        (["--set", "riksnorm.nothing=1"], "--set: riksnorm.nothing"),
        (["--to", "2025-13"], "--to"),
    ],
)
def test_bad_input_gives_a_swedish_error_naming_the_option(args, words):
    m = MunicipalityFactory()
    base = {"--from": "2025-03", "--to": "2025-03"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [x for kv in base.items() for x in kv]
    with pytest.raises(CommandError, match=words):
        call_command("simulate", "--municipality", m.code, *flat)


def test_an_unknown_municipality_is_an_error():
    with pytest.raises(CommandError, match="finns inte"):
        call_command("simulate", "--municipality", "9999", "--from", "2025-03", "--to", "2025-03")


def test_an_empty_period_gives_zeroes():
    m = MunicipalityFactory()
    report = simulate([m], "2025-03", "2025-03", ParameterChange.build("5"))
    assert (report.households, report.cost_before, report.cost_change) == (0, 0, 0)


def test_a_period_that_ends_before_it_begins_is_refused_naming_the_field():
    m = MunicipalityFactory()
    with pytest.raises(CalculationInputError) as caught:
        simulate([m], "2025-04", "2025-03", ParameterChange.build("0"))
    assert caught.value.field == "to"


def test_starting_the_simulate_command_does_not_import_the_export_libraries():
    # every `bistand` command sets Django up (the admin imports each app's services); pyarrow, needed only
    # to write research exports, took about a third of a second of CPU of every start
    import subprocess
    import sys

    code = ("import sys, django; django.setup(); "
            "import bistand.research.management.commands.simulate, bistand.research.views; "
            "print(sorted(m for m in ('pyarrow', 'pyarrow.parquet') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
