"""Declared assets are a criterion of the need test (12 kap. 1 § SoL 2025:400): an application whose
declared assets are above the municipality's threshold (local parameter `asset_threshold`; without one,
any declared asset) is never decided automatically, and the case worker sees the assets beside the
calculation."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.applications.selectors import declared_assets
from bistand.decisions.automation import evaluate
from bistand.rules.parameters import clear_caches
from tests.decisions.factories import MONTH, calculate, declaration, make_application, make_delegation
from tests.factories import MunicipalityFactory, household_with_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def household():
    return household_with_members(MunicipalityFactory(code="9911", name="Tillgångsby"), adults=1,
                                  birth_date=dt.date(1984, 4, 4))


@pytest.fixture
def threshold(settings, tmp_path):
    (tmp_path / "9911.yaml").write_text(
        'municipality: "9911"\nname: Tillgångsby kommun\ndescription: test\nunit: kr\nlegal_reference: "Kommunens riktlinjer"\n'
        'values:\n  "2020-01-01":\n    source: test\n    asset_threshold:\n      value: 10000\n'
        '      status: verified\n      confidence: S\n', encoding="utf-8")
    settings.BISTAND_LOCAL_PARAMETERS_DIR = str(tmp_path)
    clear_caches()
    yield
    clear_caches()


def _with_assets(household, *assets):
    data = declaration(household, MONTH, incomes=[])
    data["assets"] = [{"kind": kind, "description": text, "value_ore": kronor * 100, "source": "applicant"}
                      for kind, text, kronor in assets]
    make_delegation(household.municipality)
    return make_application(household, MONTH, decl=data)


def _failed(application):
    verdict = evaluate(application, calculate(application, register_facts=[]), register_facts=[])
    return {c.code: c.detail for c in verdict.failed}, {c.code for c in verdict.passed}


def test_assets_above_the_municipal_threshold_are_never_decided_automatically(household, threshold):
    application = _with_assets(household, ("bank", "Sparkonto", 8000), ("vehicle", "Volvo V70 2009", 6000))
    failed, _ = _failed(application)
    assert "assets_within_threshold" in failed
    assert "14\u00a0000\u00a0kr" in failed["assets_within_threshold"] and "10\u00a0000\u00a0kr" in failed["assets_within_threshold"]
    assert "Volvo V70 2009" in failed["assets_within_threshold"]


def test_assets_within_the_threshold_pass(household, threshold):
    application = _with_assets(household, ("bank", "Lönekonto", 2500))
    _, passed = _failed(application)
    assert "assets_within_threshold" in passed


def test_without_a_municipal_threshold_any_declared_asset_goes_to_a_case_worker(household):
    application = _with_assets(household, ("bank", "Lönekonto", 1))
    failed, _ = _failed(application)
    assert "ingen gräns" in failed["assets_within_threshold"]


def test_no_declared_assets_pass_without_a_threshold(household):
    application = _with_assets(household)
    _, passed = _failed(application)
    assert "assets_within_threshold" in passed


def test_the_declared_assets_are_listed_with_their_total(household):
    application = _with_assets(household, ("property", "Fritidshus i Vrigstad", 450000), ("bank", "", 300))
    assets = declared_assets(application)
    assert assets["total_ore"] == 45_030_000
    assert [row["label"] for row in assets["rows"]] == ["Hus, bostadsrätt eller mark: Fritidshus i Vrigstad",
                                                        "Pengar på bankkonto"]
