"""The parameter files: their shape, their dates, their status marks, and the loader built on them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from bistand.rules import CalculationInputError, load_parameters, parameter_hash
from bistand.rules.parameters import (
    AGE_BANDS,
    LOCAL_KEYS,
    PARAMETERS_DIR,
    STATUS_BY_CONFIDENCE,
    child_benefit,
    clear_caches,
    known_municipalities,
)

YEARS = (2024, 2025, 2026)
MUNICIPALITIES = (None, "0680", "0662", "0684")
ALL_FILES = sorted(PARAMETERS_DIR.rglob("*.yaml"))
VALUE_FILES = [p for p in ALL_FILES if p.name != "references.yaml"]


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _leaves(node, path=()):
    """Every parameter value (a mapping with a `value` key) inside a block."""
    if isinstance(node, dict):
        if "value" in node:
            yield path, node
            return
        for key, child in node.items():
            yield from _leaves(child, (*path, str(key)))


def _name(path: Path) -> str:
    return str(path.relative_to(PARAMETERS_DIR))


@pytest.mark.parametrize("path", ALL_FILES, ids=_name)
def test_every_parameter_file_has_description_unit_and_dated_values_in_order(path):
    data = _load(path)
    assert data["description"].strip()
    assert data["unit"]
    keys = list(data["values"])
    dates = [k if isinstance(k, dt.date) else dt.date.fromisoformat(k) for k in keys]
    assert dates == sorted(dates), "dated blocks must be written oldest first"
    assert len(set(dates)) == len(dates)


@pytest.mark.parametrize("path", VALUE_FILES, ids=_name)
def test_every_value_has_status_confidence_and_a_source(path):
    data = _load(path)
    for date, block in data["values"].items():
        leaves = list(_leaves(block))
        if "value" in block:  # a file whose blocks are single values (prisbasbelopp)
            leaves = [((), block)]
        assert leaves, f"{date}: no values"
        for leaf_path, leaf in leaves:
            where = f"{_name(path)} {date} {'.'.join(leaf_path)}"
            assert leaf["status"] in {"verified", "estimated"}, where
            assert leaf["confidence"] in STATUS_BY_CONFIDENCE, where
            assert leaf["status"] == STATUS_BY_CONFIDENCE[leaf["confidence"]], where
            source = leaf.get("source") or block.get("source") or data.get("source")
            assert source and source.strip(), f"{where}: no source"
            if leaf["status"] == "estimated" and not path.parent.name == "local":
                assert leaf.get("note") or "uppskatt" in source.lower(), f"{where}: an estimate must say why"


@pytest.mark.parametrize("year", YEARS)
def test_riksnorm_file_is_complete_for_the_year(year):
    data = _load(PARAMETERS_DIR / "riksnorm" / f"{year}.yaml")
    blocks = data["values"]
    assert min(dt.date.fromisoformat(k) for k in blocks) == dt.date(year, 1, 1)
    for block in blocks.values():
        assert block["legal_reference"].strip()
        personal = block["personal_costs"]
        assert set(personal["children"]) == {band for band, _, _ in AGE_BANDS}
        assert set(personal["children_lunch_away_from_home"]) == {"0", "1-2", "3", "4-6"}
        assert set(block["shared_costs"]) == set(range(1, 8))
        for _, leaf in _leaves(block):
            assert isinstance(leaf["value"], int) and leaf["value"] > 0
            assert leaf["value"] % 10 == 0, "riksnorm amounts are whole tens of kronor"
        shared = [block["shared_costs"][n]["value"] for n in range(1, 8)]
        assert shared == sorted(shared)
        for band in ("0", "1-2", "3", "4-6"):
            reduced = personal["children_lunch_away_from_home"][band]["value"]
            assert reduced < personal["children"][band]["value"]


def test_2025_has_two_legal_bases_with_the_same_amounts():
    data = _load(PARAMETERS_DIR / "riksnorm" / "2025.yaml")
    spring, autumn = data["values"]["2025-01-01"], data["values"]["2025-07-01"]
    assert "2024:1016" in spring["legal_reference"]
    assert "2025:468" in autumn["legal_reference"]
    strip = lambda block: {k: v for k, v in block.items() if k not in {"legal_reference", "source"}}  # noqa: E731
    assert strip(spring) == strip(autumn)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_every_month_of_every_year_loads_for_every_municipality(year, municipality):
    for month in range(1, 13):
        params = load_parameters(f"{year}-{month:02d}", municipality)
        assert params.norm_year == year
        assert params.prisbasbelopp.valid_from.year == year
        assert params.jobbstimulans_rate.value == Fraction(1, 4)
        assert params.notices == ()
        if municipality is not None:
            for adults in (1, 2):
                for children in range(0, 7):
                    assert params.housing_ceiling(adults, children) > 0


def test_government_totals_for_2026_match_the_table():
    """Regeringen: riksnorm 2026 is 5 220 kr for a single person and 8 510 kr for a cohabiting couple."""
    params = load_parameters("2026-01")
    assert params.single_adult.value + params.shared_costs(1) == 522_000
    assert params.cohabiting_pair.value + params.shared_costs(2) == 851_000


def test_shared_costs_above_seven_add_the_difference_between_seven_and_six_per_person():
    params = load_parameters("2026-05")
    assert params.shared_costs(7) == 283_000
    assert params.shared_costs(8) == 283_000 + 19_000
    assert params.shared_costs(12) == 283_000 + 5 * 19_000


def test_status_marks_follow_the_reference_document():
    p2024 = load_parameters("2024-05")
    assert not p2024.single_adult.is_estimated  # [S] → verified
    assert all(v.is_estimated for v in p2024.child_costs_lunch_away.values())  # [E]
    assert p2024.prisbasbelopp.is_estimated and p2024.prisbasbelopp.value == 5_730_000
    for month in ("2025-03", "2025-09", "2026-03"):
        params = load_parameters(month)
        values = [params.single_adult, params.cohabiting_pair, params.prisbasbelopp,
                  *params.child_costs.values(), *params.child_costs_lunch_away.values(), *params.shared_costs_table]
        assert not any(v.is_estimated for v in values), month
    assert load_parameters("2025-01").prisbasbelopp.value == 5_880_000
    assert load_parameters("2026-12").prisbasbelopp.value == 5_920_000
    assert load_parameters("2026-01", "0680").housing_cost_ceiling.is_estimated


def test_the_block_in_force_is_the_latest_on_or_before_the_month():
    assert load_parameters("2025-06").riksnorm_reference.endswith("SFS 2024:1016")
    assert "2025:468" in load_parameters("2025-07").riksnorm_reference
    assert load_parameters("2025-06").references["norm"].startswith("4 kap. 3 §")
    assert load_parameters("2025-07").references["norm"].startswith("12 kap. 7 §")


def test_a_year_without_riksnorm_is_an_input_error_on_month():
    with pytest.raises(CalculationInputError) as info:
        load_parameters("2023-12")
    assert info.value.field == "month"
    assert "Riksnorm saknas för år 2023" in info.value.message


def test_unknown_municipality_uses_the_national_default_with_a_notice():
    params = load_parameters("2026-01", "0999")
    assert params.housing_cost_ceiling.value is None
    assert params.rounding.value == "half_up"
    assert params.part_month_divisor.value == "days_in_month"
    assert "0999" in params.notices[0]


def test_local_file_merges_key_by_key_over_the_default(tmp_path):
    (tmp_path / "9905.yaml").write_text(
        """
municipality: "9905"
name: Testkommun
description: test
unit: kr
values:
  "2025-07-01":
    source: test
    rounding: {value: down, status: verified, confidence: D}
""",
        encoding="utf-8",
    )
    before = load_parameters("2025-06", "9905", tmp_path)
    after = load_parameters("2025-07", "9905", tmp_path)
    assert before.rounding.value == "half_up" and before.rounding.file == "local/default.yaml"
    assert after.rounding.value == "down" and after.rounding.file == "local/9905.yaml"
    assert after.part_month_divisor.value == "days_in_month"  # still the default
    assert after.housing_cost_ceiling.value is None
    assert after.municipality_name == "Testkommun"


def test_a_file_in_the_extra_directory_replaces_the_packaged_one(tmp_path):
    text = (PARAMETERS_DIR / "local" / "0680.yaml").read_text(encoding="utf-8")
    (tmp_path / "0680.yaml").write_text(text.replace("6700", "6750"), encoding="utf-8")
    packaged = load_parameters("2026-03", "0680")
    own = load_parameters("2026-03", "0680", tmp_path)
    assert packaged.housing_ceiling(2, 0) == 670_000
    assert own.housing_ceiling(2, 0) == 675_000
    assert own.housing_ceiling(1, 0) == packaged.housing_ceiling(1, 0)


def test_divisor_is_days_in_month_by_default_and_exact_when_fixed(tmp_path):
    assert load_parameters("2024-02").divisor() == 29
    assert load_parameters("2025-02").divisor() == 28
    assert load_parameters("2026-07").divisor() == 31
    (tmp_path / "9906.yaml").write_text(
        'municipality: "9906"\nname: T\ndescription: t\nunit: dagar\nvalues:\n  "2024-01-01":\n'
        "    source: t\n    part_month_divisor: {value: 30.4, status: verified, confidence: D}\n",
        encoding="utf-8",
    )
    divisor = load_parameters("2026-07", "9906", tmp_path).divisor()
    assert divisor == Fraction(152, 5)


def test_yaml_decimals_are_read_exactly_never_as_float(tmp_path):
    from bistand.rules.parameters import _Loader

    assert yaml.load("x: 30.4", Loader=_Loader) == {"x": Decimal("30.4")}


@pytest.mark.parametrize("path", ALL_FILES, ids=_name)
def test_the_fast_parser_reads_every_file_exactly_as_the_pure_python_one(path):
    """libyaml's parser (when PyYAML has it) must not change any value, hence no parameter hash."""
    from bistand.rules.parameters import _canonical, _Loader

    class PureLoader(yaml.SafeLoader):
        pass

    PureLoader.add_constructor("tag:yaml.org,2002:float", _Loader.yaml_constructors["tag:yaml.org,2002:float"])
    text = path.read_text(encoding="utf-8")
    fast, pure = yaml.load(text, Loader=_Loader), yaml.load(text, Loader=PureLoader)  # noqa: S506
    assert _canonical(fast) == _canonical(pure) and fast == pure


def test_months_of_one_block_share_the_values_and_a_new_block_gets_its_own():
    clear_caches()
    march, november = load_parameters("2026-03", "0680"), load_parameters("2026-11", "0680")
    assert march.single_adult is november.single_adult and march.housing_cost_ceiling == november.housing_cost_ceiling
    assert load_parameters("2025-03", "0680").single_adult.valid_from.year == 2025
    assert march.single_adult.valid_from.year == 2026


class TestParameterHash:
    def test_is_stable_and_shared_by_months_that_use_the_same_files(self):
        first = parameter_hash("2026-03", "0680")
        clear_caches()
        assert parameter_hash("2026-03", "0680") == first
        assert parameter_hash("2026-11", "0680") == first
        assert len(first) == 64 and int(first, 16) >= 0

    def test_differs_between_municipalities_and_years(self):
        hashes = {parameter_hash("2026-03", m) for m in MUNICIPALITIES}
        assert len(hashes) == 4
        assert parameter_hash("2025-03") != parameter_hash("2026-03")

    def test_ignores_comments_and_formatting_but_not_values(self, tmp_path):
        source = PARAMETERS_DIR / "local" / "0684.yaml"
        (tmp_path / "0684.yaml").write_text(
            "# en ny kommentar\n" + source.read_text(encoding="utf-8").replace(": {", ":  {"), encoding="utf-8"
        )
        assert parameter_hash("2026-03", "0684", tmp_path) == parameter_hash("2026-03", "0684")
        clear_caches()
        (tmp_path / "0684.yaml").write_text(
            source.read_text(encoding="utf-8").replace("4800", "4801"), encoding="utf-8"
        )
        assert parameter_hash("2026-03", "0684", tmp_path) != parameter_hash("2026-03", "0684")

    def test_goes_into_the_result_metadata_not_the_contract_fields(self):
        from bistand.rules import ENGINE_VERSION, calculate

        result = calculate({"month": "2026-03", "municipality": "0680", "household": {"adults": [{"id": "a", "age": 30}]}})
        assert result.metadata()["parameter_hash"] == parameter_hash("2026-03", "0680")
        assert result.metadata()["engine_version"] == ENGINE_VERSION
        assert "local/0680.yaml" in result.metadata()["parameter_files"]
        assert "parameter_hash" not in result.to_dict()


def test_child_benefit_with_large_family_supplement():
    assert child_benefit(0, "2026-01") == 0
    assert child_benefit(1, "2026-01") == 125_000
    assert child_benefit(2, "2026-01") == 265_000
    assert child_benefit(5, "2026-01") == 924_000
    assert child_benefit(7, "2026-01") == (7 * 1250 + 4240 + 1250) * 100


def test_local_keys_all_have_national_defaults():
    data = _load(PARAMETERS_DIR / "local" / "default.yaml")
    (block,) = data["values"].values()
    assert set(LOCAL_KEYS) <= set(block)


@pytest.mark.parametrize("code", ["0680", "0662", "0684"])
def test_demo_municipality_ceilings_are_marked_as_invented(code):
    path = PARAMETERS_DIR / "local" / f"{code}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "PÅHITTADE" in text
    data = _load(path)
    assert data["municipality"] == code
    for year in YEARS:
        assert f"{year}-01-01" in data["values"]
    for block in data["values"].values():
        ceiling = block["housing_cost_ceiling"]
        assert ceiling["status"] == "estimated"
        assert set(ceiling["value"]) == {1, 2}
        for row in ceiling["value"].values():
            assert set(row) == {0, 1, 2, 3, 4}
            assert list(row.values()) == sorted(row.values())


def test_references_file_names_a_reference_for_every_rule():
    data = _load(PARAMETERS_DIR / "references.yaml")
    for block in data["values"].values():
        assert {"norm", "shared_rules", "part_month", "costs", "incomes", "child_earnings", "amount"} <= set(block)


def test_cost_caps_never_name_rent():
    """Rent has its own ceiling; a cost cap for rent would be ambiguous."""
    for path in (PARAMETERS_DIR / "local").glob("*.yaml"):
        for block in _load(path)["values"].values():
            caps = (block.get("cost_caps") or {}).get("value") or {}
            assert "rent" not in caps, path.name


#: Optional fields the packaged contract adds to the shared one, by the schema path of the properties they are
#: added to (issue 17 §2: the case worker's higher or lower norm level; a young person's upper-secondary
#: school). The shared contract is kept exactly as it is; the packaged schema is the shared one plus these, so
#: that every document valid under the shared contract stays valid.
ADDED_OPTIONAL_FIELDS = {
    "/properties": ("norm_adjustments", "reduction", "housing_grace"),
    "/properties/household/properties/children/items/properties": ("in_upper_secondary_school",),
}


def _compatible_extension(shared, packaged, path="") -> list[str]:
    """Where `packaged` is not `shared` with only optional properties added (empty when it is)."""
    if isinstance(shared, dict) and isinstance(packaged, dict):
        problems = []
        for key, value in shared.items():
            if key not in packaged:
                problems.append(f"{path}/{key} removed")
            elif key == "required":
                if sorted(packaged[key]) != sorted(value):
                    problems.append(f"{path}/required changed")
            else:
                problems += _compatible_extension(value, packaged[key], f"{path}/{key}")
        for key in packaged.keys() - shared.keys():
            if path not in ADDED_OPTIONAL_FIELDS:
                problems.append(f"{path}/{key} added")
            elif key not in ADDED_OPTIONAL_FIELDS[path]:
                problems.append(f"{path}/{key} added but not listed in ADDED_OPTIONAL_FIELDS")
        return problems
    return [] if shared == packaged else [f"{path} changed"]


def test_copy_of_the_contract_schema_is_the_shared_one_with_only_optional_fields_added():
    # CI and developers have ../shared beside the project checkout.
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "contracts" / "calculation.schema.json"
    if not shared.exists():
        pytest.skip(f"the shared contracts directory is not beside the project ({shared})")
    packaged = PARAMETERS_DIR.parent / "contract" / "calculation.schema.json"
    shared_schema = json.loads(shared.read_text(encoding="utf-8"))
    packaged_schema = json.loads(packaged.read_text(encoding="utf-8"))
    assert _compatible_extension(shared_schema, packaged_schema) == []
    assert not set(ADDED_OPTIONAL_FIELDS["/properties"]) & set(packaged_schema["required"])
    child = packaged_schema["properties"]["household"]["properties"]["children"]["items"]
    assert not set(ADDED_OPTIONAL_FIELDS["/properties/household/properties/children/items/properties"]) & set(
        child.get("required", ()))


def test_known_municipalities_are_the_packaged_local_files_by_name():
    known = known_municipalities()
    assert ("0680", "Jönköpings kommun") in known
    assert all(code.isdigit() and len(code) == 4 for code, _ in known)
    assert [name for _, name in known] == sorted(name for _, name in known)


def test_known_municipalities_add_those_of_a_local_directory(tmp_path):
    (tmp_path / "9999.yaml").write_text("municipality: '9999'\nname: Provkommunen\n", encoding="utf-8")
    (tmp_path / "9998.yaml").write_text("municipality: '9998'\n", encoding="utf-8")
    (tmp_path / "notes.yaml").write_text("name: Inte en kommun\n", encoding="utf-8")
    known = dict(known_municipalities(tmp_path))
    assert known["9999"] == "Provkommunen" and known["9998"] == "Kommun 9998"
    assert "notes" not in known and "0680" in known
