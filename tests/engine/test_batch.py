"""The vectorised batch path (bistand.engine.batch, batch_io) gives exactly the single path's results.

The single path (`calculate`) is authoritative. The property tests generate valid households that use
every rule — part-month children (also with a fixed divisor of 30 or 30.4 and more days than the divisor),
hushållsgemenskap, more than seven persons, jobbstimulans windows, children's earnings around one
prisbasbelopp, rent ceilings of 0680/0662/0684 and of test municipalities with cost caps and other
rounding rules, parameter values that change within a year, estimated values, years 2024–2026, amounts in
öre — and compare the batch's exact values, shown values, warnings and JSON bytes with the single path.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
import sysconfig
from decimal import Decimal
from fractions import Fraction

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bistand.engine import batch, batch_io
from bistand.engine.batch import (
    MAX_AMOUNT_ORE,
    HouseholdArrays,
    calculate_arrays,
    calculate_many,
)
from bistand.engine.batch_io import EMPTY_LINE_MESSAGE, calculate_jsonl, decode_jsonl
from bistand.engine.readers import compiled_reader_built
from bistand.rules import CalculationInputError, calculate, decode_input
from bistand.rules.calculate import encode_json
from bistand.rules.formatting import KR_SUFFIX, format_kronor
from bistand.rules.model import COST_TYPES, INCOME_TYPES

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

# The JSON Lines tests run with both batch readers: the compiled one (when built) and the pure-Python one.
READERS = [
    pytest.param(True, id="compiled-reader",
                 marks=pytest.mark.skipif(batch_io._linescan is None, reason="the compiled reader is not built")),
    pytest.param(False, id="python-reader"),
]


@pytest.fixture(params=READERS)
def reader(request, monkeypatch):
    monkeypatch.setattr(batch_io, "use_compiled_reader", request.param)
    return request.param


# The property tests also run with blocks of three households (`batch.BLOCK_SIZE`, normally thousands), so
# that their few households cross block boundaries: blocks without children, costs or incomes, a household
# calculated by the single path in any block.
@pytest.fixture(params=[None, 3], ids=["one-block", "blocks-of-3"])
def blocks(request, monkeypatch):
    if request.param is not None:
        monkeypatch.setattr(batch, "BLOCK_SIZE", request.param)
    return request.param


def test_the_compiled_reader_is_built_where_a_c_compiler_is_installed():
    """The install builds the compiled reader whenever it can (setup.py); without it the batch command is
    about two and a half times slower, so a machine with a compiler must not silently go without it."""
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]  # as setuptools
    if not shutil.which(compiler):
        pytest.skip(f"no C compiler ({compiler}) on this machine")
    assert compiled_reader_built()
    assert batch_io.use_compiled_reader or os.environ.get("BISTAND_BATCH_READER") == "python"

# Test municipalities: a fixed divisor of 30.4 and cost caps (estimated), rounding up and then down from
# July 2025 with a new, estimated rent ceiling; a partial ceiling table; rounding half up with divisor 30.
LOCAL_FILES = {
    "9801.yaml": """
municipality: "9801"
name: Testkommun Uppåt
description: Testdata för batchtesterna.
unit: kr per månad
legal_reference: "Testdata"
values:
  "2024-01-01":
    source: "Testdata"
    rounding: {value: up, status: estimated, confidence: E}
    part_month_divisor: {value: 30.4, status: estimated, confidence: E}
    cost_caps:
      value: {glasses: 800, household_electricity: 600}
      status: estimated
      confidence: E
    housing_cost_ceiling:
      status: verified
      confidence: D
      value:
        1: {0: 5000, 1: 6000, 2: 7000}
        2: {0: 6000, 1: 7000, 3: 9000}
  "2025-07-01":
    source: "Testdata"
    rounding: {value: down, status: verified, confidence: D}
    housing_cost_ceiling:
      status: estimated
      confidence: E
      value:
        1: {0: 5500, 1: 6500, 2: 7500, 3: 8500, 4: 9500}
        2: {0: 6500, 1: 7500, 2: 8500, 3: 9500, 4: 10500}
""",
    "9802.yaml": """
municipality: "9802"
name: Testkommun Trettio
description: Testdata för batchtesterna.
unit: kr per månad
legal_reference: "Testdata"
values:
  "2024-01-01":
    source: "Testdata"
    part_month_divisor: {value: 30, status: verified, confidence: D}
    cost_caps:
      value: {other: 500}
      status: verified
      confidence: D
""",
}
MUNICIPALITIES = (None, "0680", "0662", "0684", "9801", "9802", "9999")


@pytest.fixture(scope="module")
def local_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("local")
    for name, text in LOCAL_FILES.items():
        (directory / name).write_text(text.lstrip(), encoding="utf-8")
    return directory


# --- generated households -----------------------------------------------------------------------------

whole = st.integers(min_value=0, max_value=30_000)
with_ore = st.decimals(min_value=0, max_value=30_000, places=2, allow_nan=False, allow_infinity=False)
amounts = st.one_of(whole, with_ore)


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@st.composite
def households(draw, municipalities=MUNICIPALITIES, max_children=9):
    year = draw(st.sampled_from([2024, 2025, 2026]))
    month_index = year * 12 + draw(st.integers(0, 11))
    adults = []
    for i in range(draw(st.integers(1, 2))):
        adult = {"id": f"a{i + 1}", "age": draw(st.integers(18, 90))}
        if draw(st.booleans()):
            adult["consecutive_months_on_assistance"] = draw(st.integers(0, 40))
        since = draw(st.one_of(st.none(), st.just("null"), st.integers(-30, 3)))
        if since == "null":
            adult["jobbstimulans_since"] = None
        elif since is not None:
            adult["jobbstimulans_since"] = month_text(month_index + since)
        adults.append(adult)
    children = []
    for i in range(draw(st.integers(0, max_children))):
        child = {"id": draw(st.sampled_from([f"b{i + 1}", f"barn-{i + 1}", f"c{i}\"x"])), "age": draw(st.integers(0, 20))}
        if draw(st.booleans()):
            child["lunch_away_from_home"] = draw(st.booleans())
        if draw(st.integers(0, 2)) == 0:
            child["days_present"] = draw(st.one_of(st.none(), st.integers(0, 31), st.integers(27, 31)))
        if child["age"] >= 18 and draw(st.booleans()):  # declared in upper-secondary school (single path only)
            child["in_upper_secondary_school"] = True
        elif child["age"] < 18 and draw(st.integers(0, 5)) == 0:  # ignored under 18 (single path only)
            child["in_upper_secondary_school"] = draw(st.booleans())
        if draw(st.booleans()):
            child["earnings_this_year_before_month"] = draw(
                st.one_of(amounts.map(lambda a: a * 2), st.integers(55_000, 62_000), with_ore.map(lambda a: a + 57_000))
            )
        children.append(child)
    members = [a["id"] for a in adults] + [c["id"] for c in children]
    household = {"adults": adults}
    if children or draw(st.booleans()):
        household["children"] = children
    dwelling = draw(st.integers(0, 3))
    if dwelling == 1:
        household["dwelling_size"] = len(members) + draw(st.integers(0, 4))
    elif dwelling == 2:
        household["dwelling_size"] = None
    doc = {"month": month_text(month_index), "household": household}
    municipality = draw(st.sampled_from(municipalities))
    if municipality is not None:
        doc["municipality"] = municipality
    costs = []
    for _ in range(draw(st.integers(0, 6))):
        cost_type = draw(st.sampled_from(("rent", "rent", "household_electricity", "glasses", "other") + COST_TYPES))
        amount = draw(st.one_of(amounts, st.integers(4_000, 12_000)) if cost_type == "rent" else amounts)
        cost = {"type": cost_type, "amount": amount}
        if draw(st.integers(0, 4)) == 0:
            cost["note"] = draw(st.text(max_size=8))
        costs.append(cost)
    if costs or draw(st.booleans()):
        doc["costs"] = costs
    incomes = []
    for _ in range(draw(st.integers(0, 6))):
        income_type = draw(st.sampled_from(("wage", "wage") + INCOME_TYPES))
        income = {"type": income_type, "amount": draw(amounts)}
        if income_type == "wage" or draw(st.booleans()):
            income["member"] = draw(st.sampled_from(members))
        if draw(st.integers(0, 4)) == 0:
            income["note"] = draw(st.text(max_size=8))
        incomes.append(income)
    if incomes or draw(st.booleans()):
        doc["incomes"] = incomes
    if draw(st.integers(0, 4)) == 0:  # the case worker's higher or lower norm level (single path only)
        adjustments = []
        for _ in range(draw(st.integers(0, 2))):
            adjustment = {"direction": draw(st.sampled_from(["higher", "lower"])),
                          "kind": draw(st.sampled_from(["special_diet", "school_meals", "food_in_care_fee", "other"])),
                          "amount": draw(st.one_of(st.integers(1, 1000), with_ore.map(lambda a: a % 1000 + 1))),
                          "reason": draw(st.text(min_size=1, max_size=8).filter(str.strip))}
            if draw(st.booleans()):
                adjustment["member"] = draw(st.sampled_from(members))
            adjustments.append(adjustment)
        doc["norm_adjustments"] = adjustments
    return doc


def as_line(doc) -> bytes:
    return encode_json(doc)


def single_results(docs, local_dir):
    return [calculate(decode_input(as_line(doc)), local_dir=local_dir) for doc in docs]


# --- the property tests -------------------------------------------------------------------------------


@SETTINGS
@given(docs=st.lists(households(), min_size=1, max_size=12))
def test_batch_results_are_identical_to_the_single_path(docs, local_dir, blocks):
    expected = single_results(docs, local_dir)
    result = calculate_many([decode_input(as_line(doc)) for doc in docs], local_dir=local_dir)

    assert result.to_dicts() == [r.to_dict(trace=False) for r in expected]
    assert result.to_jsonl() == b"".join(r.to_json(trace=False) + b"\n" for r in expected)
    for h, single in enumerate(expected):
        if h in result.fallback:
            continue
        d = int(result.denominator[h])
        assert Fraction(int(result.norm_num[h]), d) == single.norm
        assert int(result.costs[h]) == single.costs
        assert Fraction(int(result.need_num[h]), d) == single.need
        assert Fraction(int(result.income_counted_num[h]), d) == single.income_counted
        assert Fraction(int(result.income_disregarded_num[h]), d) == single.income_disregarded
        assert int(result.amount[h]) == single.amount
        assert bool(result.granted[h]) == (single.outcome == "granted")
        assert (int(result.flags[h]) != 0) == bool(single.warnings)


@SETTINGS
@given(docs=st.lists(households(), min_size=1, max_size=12))
def test_jsonl_batch_writes_the_single_paths_json_line_for_line(docs, local_dir, reader, blocks):
    expected = b"".join(r.to_json(trace=False) + b"\n" for r in single_results(docs, local_dir))
    text = b"".join(as_line(doc) + b"\n" for doc in docs)
    assert calculate_jsonl(text, local_dir=local_dir) == expected


@SETTINGS
@given(docs=st.lists(households(municipalities=("0680", "9801"), max_children=3), min_size=1, max_size=6), data=st.data())
def test_numbers_written_in_any_json_form_are_read_exactly_as_the_single_path_reads_them(docs, data, local_dir, reader):
    """Amounts written with an exponent, trailing zeros or 16+ characters (which the light decoder does not
    read as floats) give the same results as in the single path."""
    forms = [
        lambda a: f"{Decimal(a):.2f}",
        lambda a: f"{Decimal(a):.2E}".replace("E+", "e"),
        lambda a: f"{Decimal(a):.16f}",
        lambda a: f"{Decimal(a) * 100}e-2",
        lambda a: str(a),
    ]

    def rewrite(doc):
        text = as_line(doc).decode()
        numbers = data.draw(st.lists(st.integers(0, len(forms) - 1), min_size=1, max_size=3))

        def amount_text(match_value):
            return forms[numbers[len(match_value) % len(numbers)]](match_value)

        parsed = json.loads(text, parse_float=Decimal)
        for cost in parsed.get("costs", []):
            cost["amount"] = RawNumber(amount_text(str(cost["amount"])))
        for income in parsed.get("incomes", []):
            income["amount"] = RawNumber(amount_text(str(income["amount"])))
        return dumps_raw(parsed).encode()

    lines = [rewrite(doc) for doc in docs]
    expected = b"".join(calculate(decode_input(line), local_dir=local_dir).to_json(trace=False) + b"\n" for line in lines)
    assert calculate_jsonl(b"\n".join(lines) + b"\n", local_dir=local_dir) == expected


class RawNumber(str):
    """A number to be written as is by dumps_raw."""


def dumps_raw(value) -> str:
    if isinstance(value, RawNumber):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dumps_raw(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps_raw(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


# --- invalid input: the same error as the single path, on the right line --------------------------------

MUTATIONS = {
    "three decimals": lambda d: d.setdefault("costs", []).append({"type": "rent", "amount": Decimal("12.345")}),
    "negative amount": lambda d: d.setdefault("incomes", []).append({"type": "pension", "amount": -1}),
    "amount as text": lambda d: d.setdefault("costs", []).append({"type": "other", "amount": "12"}),
    "amount true": lambda d: d.setdefault("costs", []).append({"type": "other", "amount": True}),
    "amount null": lambda d: d.setdefault("incomes", []).append({"type": "other", "amount": None}),
    "earnings null": lambda d: d["household"].setdefault("children", []).append(
        {"id": "zz", "age": 15, "earnings_this_year_before_month": None}),
    "child too old": lambda d: d["household"].setdefault("children", []).append({"id": "zz", "age": 21}),
    "adult too young": lambda d: d["household"]["adults"][0].update(age=17),
    "days over 31": lambda d: d["household"].setdefault("children", []).append({"id": "zz", "age": 5, "days_present": 32}),
    "duplicate id": lambda d: d["household"].setdefault("children", []).append({"id": "a1", "age": 5}),
    "unknown member": lambda d: d.setdefault("incomes", []).append({"type": "pension", "member": "nobody", "amount": 5}),
    "wage without member": lambda d: d.setdefault("incomes", []).append({"type": "wage", "amount": 5}),
    "dwelling too small": lambda d: d["household"].update(
        dwelling_size=len(d["household"]["adults"]) + len(d["household"].get("children", [])) - 1),
    "month without riksnorm": lambda d: d.update(month="2023-05"),
    "month malformed": lambda d: d.update(month="2026-13"),
    "municipality malformed": lambda d: d.update(municipality="68"),
    "municipality null": lambda d: d.update(municipality=None),
    "since malformed": lambda d: d["household"]["adults"][0].update(jobbstimulans_since="2025-1"),
    "unknown field": lambda d: d.update(extra=1),
    "unknown cost type": lambda d: d.setdefault("costs", []).append({"type": "food", "amount": 1}),
    "no adults": lambda d: d["household"].update(adults=[]),
    "three adults": lambda d: d["household"]["adults"].extend([{"id": "x1", "age": 30}, {"id": "x2", "age": 30}]),
    "missing household": lambda d: d.pop("household"),
    "age as float": lambda d: d["household"]["adults"][0].update(age=30.0),
    "member empty": lambda d: d.setdefault("incomes", []).append({"type": "pension", "member": "", "amount": 5}),
    "youth out of school": lambda d: d["household"].setdefault("children", []).append(
        {"id": "y1", "age": 19, "in_upper_secondary_school": False}),
    "note null": lambda d: d.setdefault("costs", []).append({"type": "other", "amount": 5, "note": None}),
}
RAW_LINES = {
    "not json": b'{"month": "2026-01", ',
    "a list": b"[]",
    "a number": b"17",
    "long decimals": None,  # built from the document, see below
}


def mutated_line(doc, name: str) -> bytes:
    if name in RAW_LINES:
        if name == "long decimals":
            text = as_line(doc).decode()[:-1]
            extra = '"costs":[{"type":"rent","amount":100.0000000000000001}]'
            if '"costs":' in text:
                text = text.replace('"costs":[', '"costs":[{"type":"other","amount":1.0000000000000000001},', 1)
                return (text + "}").encode()
            return (text + "," + extra + "}").encode()
        return RAW_LINES[name]
    changed = copy.deepcopy(doc)
    MUTATIONS[name](changed)
    return encode_json(changed)


def single_error(line: bytes, local_dir) -> CalculationInputError | None:
    try:
        calculate(decode_input(line), local_dir=local_dir)
    except CalculationInputError as exc:
        return exc
    return None


@SETTINGS
@given(
    docs=st.lists(households(max_children=3), min_size=1, max_size=6),
    name=st.sampled_from(sorted(MUTATIONS) + sorted(RAW_LINES)),
    data=st.data(),
)
def test_an_invalid_line_gives_the_single_paths_error_with_its_line(docs, name, data, local_dir, reader):
    position = data.draw(st.integers(0, len(docs) - 1))
    lines = [as_line(doc) for doc in docs]
    lines[position] = mutated_line(docs[position], name)
    expected = single_error(lines[position], local_dir)
    assume(expected is not None)  # e.g. a dwelling size that cannot be made too small
    with pytest.raises(CalculationInputError) as caught:
        calculate_jsonl(b"\n".join(lines) + b"\n", local_dir=local_dir)
    assert (caught.value.field, caught.value.message, caught.value.index) == (
        expected.field, expected.message, position)


def test_the_first_of_several_invalid_lines_is_reported(local_dir, reader):
    good = b'{"month":"2026-01","household":{"adults":[{"id":"a","age":30}]}}'
    lines = [good] * 5 + [b'{"month":"2026-01","household":{"adults":[{"id":"a","age":12}]}}'] + [good] + [b"{"]
    with pytest.raises(CalculationInputError) as caught:
        calculate_jsonl(b"\n".join(lines), local_dir=local_dir)
    assert caught.value.index == 5
    assert caught.value.field == "household.adults[0].age"


@pytest.mark.parametrize("blank", [b"", b"   ", b"\t\r"])
def test_an_empty_line_is_an_error_naming_the_line(blank, reader):
    good = b'{"month":"2026-01","household":{"adults":[{"id":"a","age":30}]}}'
    with pytest.raises(CalculationInputError) as caught:
        calculate_jsonl(good + b"\n" + blank + b"\n" + good + b"\n")
    assert (caught.value.index, caught.value.field, caught.value.message) == (1, "", EMPTY_LINE_MESSAGE)


def test_crlf_line_ends_and_a_missing_final_newline_are_accepted(reader):
    good = b'{"month":"2026-01","household":{"adults":[{"id":"a","age":30}]}}'
    expected = calculate(decode_input(good)).to_json(trace=False) + b"\n"
    assert calculate_jsonl(good + b"\r\n" + good) == expected * 2
    assert calculate_jsonl(b"") == b""


# --- households the int64 representation cannot hold go to the single path -------------------------------


@pytest.mark.parametrize(
    ("change", "single_path"),
    [
        (lambda d: d["costs"].append({"type": "other", "amount": MAX_AMOUNT_ORE // 100 + 1}), True),
        (lambda d: d["incomes"].append({"type": "other", "amount": 10**30}), True),
        (lambda d: d["household"].update(dwelling_size=10**7), True),
        (lambda d: d["household"].update(dwelling_size=10**25), True),
        (lambda d: d["household"]["adults"][0].update(jobbstimulans_since="1850-01"), True),
        (lambda d: d["incomes"].append({"type": "other", "amount": Decimal("1E+400")}), True),
        # clipped in the columns without changing the result
        (lambda d: d["household"]["adults"][0].update(consecutive_months_on_assistance=10**30), False),
    ],
)
def test_households_beyond_int64_are_calculated_by_the_single_path(change, single_path, reader, blocks):
    doc = {
        "month": "2026-03", "municipality": "0680",
        "household": {"adults": [{"id": "a", "age": 30, "consecutive_months_on_assistance": 7}],
                      "children": [{"id": "b", "age": 4, "days_present": 10}]},
        "costs": [{"type": "rent", "amount": 9000}],
        "incomes": [{"type": "wage", "member": "a", "amount": 1234.57}],
    }
    normal = encode_json(doc)
    change(doc)
    line = encode_json(doc)
    expected = calculate(decode_input(line)).to_json(trace=False) + b"\n"
    text = normal + b"\n" + line + b"\n" + normal + b"\n"
    normal_result = calculate(decode_input(normal)).to_json(trace=False) + b"\n"
    assert calculate_jsonl(text) == normal_result + expected + normal_result
    arrays = decode_jsonl(text)
    assert list(arrays.fallback) == ([1] if single_path else [])
    assert calculate_many([decode_input(normal), decode_input(line)]).to_jsonl() == normal_result + expected


def test_the_result_does_not_depend_on_the_block_size():
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
    import households as benchmark_households

    text = benchmark_households.generate_jsonl(3_000, seed=7)
    arrays = decode_jsonl(text)
    whole = calculate_arrays(arrays, block_size=arrays.n)
    fields = ["param", "denominator", "norm_num", "costs", "need_num", "income_counted_num",
              "income_disregarded_num", "amount", "granted", "flags", "_child_days_over", "_adult_has_wage",
              "_child_has_wage"]
    assert whole.flags.any() and whole._child_days_over.any() and whole._adult_has_wage.any()
    for size in (7, 1_000, 2_999):
        blocked = calculate_arrays(arrays, block_size=size)
        for name in fields:
            assert np.array_equal(getattr(blocked, name), getattr(whole, name)), (size, name)
        assert list(blocked._capped) == list(whole._capped)
        for code, (total, cap) in whole._capped.items():
            assert np.array_equal(blocked._capped[code][0], total) and np.array_equal(blocked._capped[code][1], cap)
        assert blocked.warnings() == whole.warnings()
        assert blocked.to_jsonl() == whole.to_jsonl()


def test_a_block_size_below_one_is_refused():
    arrays = decode_jsonl(as_line({"month": "2026-03", "household": {"adults": [{"id": "a", "age": 30}]}}) + b"\n")
    with pytest.raises(ValueError, match="block_size"):
        calculate_arrays(arrays, block_size=0)


# --- the pieces -----------------------------------------------------------------------------------------


@given(st.lists(st.one_of(st.integers(min_value=0, max_value=batch._KRONOR_LUT_SIZE * 100 - 1),
                          st.integers(min_value=-(10**12), max_value=10**12))))
def test_the_engines_table_of_amount_texts_writes_what_the_one_formatter_writes(ore):
    """The engine formats many amounts at once by table look-up (`_kronor_bytes`): the same bytes as
    `format_kronor`, within the table and outside it."""
    assert batch._kronor_bytes(np.array(ore, dtype=np.int64)) == [format_kronor(x).encode() for x in ore]


@given(st.lists(st.lists(st.integers(min_value=0, max_value=batch._KRONOR_LUT_SIZE * 100 - 1), max_size=30),
                max_size=4))
def test_the_table_of_amount_texts_is_filled_as_amounts_come_and_stays_right(calls):
    """The table of whole kronor is filled in when an amount first needs it (repeats within a call, amounts
    seen in an earlier call): every call gives `format_kronor`'s bytes."""
    for ore in calls:
        assert batch._kronor_bytes(np.array(ore, dtype=np.int64)) == [format_kronor(x).encode() for x in ore]
    made = np.flatnonzero(batch._KRONOR_WHOLE_MADE)
    assert list(batch._KRONOR_WHOLE[made]) == [format_kronor(k * 100).removesuffix(KR_SUFFIX).encode()
                                               for k in made.tolist()]


def test_household_arrays_hold_the_households_in_columns():
    docs = [
        {"month": "2026-03", "municipality": "0680",
         "household": {"adults": [{"id": "a", "age": 30}, {"id": "b", "age": 31, "jobbstimulans_since": "2025-01"}],
                       "children": [{"id": "c", "age": 4, "lunch_away_from_home": True, "days_present": 12}],
                       "dwelling_size": 5},
         "costs": [{"type": "rent", "amount": 8000.5}, {"type": "other", "amount": 10}],
         "incomes": [{"type": "wage", "member": "c", "amount": 100}, {"type": "wage", "member": "b", "amount": 7}]},
        {"month": "2025-12", "household": {"adults": [{"id": "x", "age": 50, "consecutive_months_on_assistance": 9}]}},
    ]
    for arrays in (HouseholdArrays.from_inputs([decode_input(as_line(d)) for d in docs]),
                   decode_jsonl(b"\n".join(as_line(d) for d in docs))):
        assert arrays.n == 2
        assert arrays.n_adults.tolist() == [2, 1]
        assert arrays.adult_months.tolist() == [[0, 9], [0, 0]]
        assert arrays.adult_since.tolist() == [[-1, -1], [2025 * 12, -1]]
        assert arrays.dwelling_size.tolist() == [5, 0]
        assert arrays.child_offsets.tolist() == [0, 1, 1]
        assert arrays.child_days.tolist() == [12] and arrays.child_lunch.tolist() == [True]
        assert arrays.cost_amount.tolist() == [800050, 1000]
        assert arrays.income_amount.tolist() == [10000, 700]
        assert arrays.income_member.tolist() == [2, 1]  # child 0 of the household, adult slot 1
        assert [arrays.params[p].municipality for p in arrays.param_index] == ["0680", None]
        result = calculate_arrays(arrays)
        assert result.to_dicts() == [calculate(decode_input(as_line(d))).to_dict(trace=False) for d in docs]
        assert np.all(result.denominator > 0)


def test_a_month_without_riksnorm_names_the_household_in_from_inputs():
    good = decode_input(b'{"month":"2026-01","household":{"adults":[{"id":"a","age":30}]}}')
    bad = msgspec.structs.replace(good, month="2023-01")
    with pytest.raises(CalculationInputError) as caught:
        HouseholdArrays.from_inputs([good, good, bad])
    assert (caught.value.field, caught.value.index) == ("month", 2)


# --- warnings for estimated national values (not estimated in today's files, so made so here) ------------


@pytest.fixture
def everything_estimated(monkeypatch):
    """Every national and local value marked `estimated`, in both paths."""
    import dataclasses
    import functools
    import importlib

    from bistand.engine import batch, batch_io
    from bistand.rules import parameters

    single_module = importlib.import_module("bistand.rules.calculate")

    def estimated(value):
        return dataclasses.replace(value, status="estimated", confidence="E")

    @functools.cache
    def load(month, municipality=None, local_dir=None):
        ps = parameters.load_parameters(month, municipality, local_dir)
        return dataclasses.replace(
            ps,
            single_adult=estimated(ps.single_adult),
            cohabiting_pair=estimated(ps.cohabiting_pair),
            child_costs={band: estimated(v) for band, v in ps.child_costs.items()},
            child_costs_lunch_away={band: estimated(v) for band, v in ps.child_costs_lunch_away.items()},
            shared_costs_table=tuple(estimated(v) for v in ps.shared_costs_table),
            prisbasbelopp=estimated(ps.prisbasbelopp),
            jobbstimulans_rate=estimated(ps.jobbstimulans_rate),
            jobbstimulans_qualifying_months=estimated(ps.jobbstimulans_qualifying_months),
            jobbstimulans_window_months=estimated(ps.jobbstimulans_window_months),
            housing_cost_ceiling=estimated(ps.housing_cost_ceiling),
            rounding=estimated(ps.rounding),
            part_month_divisor=estimated(ps.part_month_divisor),
            cost_caps=estimated(ps.cost_caps),
        )

    for module in (single_module, batch, batch_io):
        monkeypatch.setattr(module, "load_parameters", load)
    return load


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(docs=st.lists(households(), min_size=1, max_size=8))
def test_warnings_for_estimated_values_are_the_single_paths(docs, local_dir, everything_estimated, reader, blocks):
    expected = [calculate(decode_input(as_line(doc)), local_dir=local_dir) for doc in docs]
    assert all(r.warnings for r in expected)
    result = calculate_many([decode_input(as_line(doc)) for doc in docs], local_dir=local_dir)
    assert result.to_dicts() == [r.to_dict(trace=False) for r in expected]
    text = b"".join(as_line(doc) + b"\n" for doc in docs)
    assert calculate_jsonl(text, local_dir=local_dir) == b"".join(r.to_json(trace=False) + b"\n" for r in expected)


# --- purity -----------------------------------------------------------------------------------------------


def test_batch_modules_use_no_float_and_no_django():
    """Money stays integer öre: the batch modules never call float() or use a float array type (amounts are
    read as integers or as their text, see batch_io._amounts; only the progress bar and timeouts use
    seconds) and import nothing from Django."""
    import ast
    from pathlib import Path

    import bistand.engine

    engine_dir = Path(bistand.engine.__file__).parent
    names = sorted(p.name for p in engine_dir.glob("*.py"))
    assert {"batch.py", "batch_io.py", "cli.py"} <= set(names)
    for name in names:
        tree = ast.parse((engine_dir / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                assert node.id not in {"float", "float64", "float32", "double"}, f"{name}:{node.lineno}"
            if isinstance(node, ast.Attribute):
                assert node.attr not in {"float64", "float32", "float16", "double", "longdouble"}, f"{name}:{node.lineno}"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert all(m.split(".")[0] != "django" for m in modules), f"{name}:{node.lineno}"
    # the compiled reader: integer arithmetic only (no floating-point type in its source)
    import re

    source = (engine_dir / "_linescan.c").read_text(encoding="utf-8")
    code = re.sub(r'/\*.*?\*/|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])\'', "", source, flags=re.S)  # no comments, texts
    assert not re.search(r"\b(float|double|strtod|atof)\b", code)


# --- reading amounts and lines ----------------------------------------------------------------------------

_AMOUNT_TEXT = st.one_of(
    st.integers(0, 10**25).map(str),
    st.tuples(st.integers(0, 10**20), st.text("0123456789", min_size=1, max_size=22)).map(lambda t: f"{t[0]}.{t[1]}"),
)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(_AMOUNT_TEXT, min_size=0, max_size=40))
def test_plain_amount_texts_become_exact_ore_or_are_refused(texts):
    """Digits with at most one point: exactly the Decimal value in öre when it has at most two decimals and
    is at most MAX_AMOUNT_ORE öre; otherwise not ok (the line then goes to the single path). Overlong texts
    (beyond int64) are too large, never wrapped around."""
    from bistand.engine.batch import MAX_AMOUNT_ORE
    from bistand.engine.batch_io import _joined, _raw_ore

    raws = [msgspec.Raw(t.encode()) for t in texts]
    ore, ok = _raw_ore(raws, _joined(raws))
    for text, got, good in zip(texts, ore.tolist(), ok.tolist(), strict=True):
        value = Decimal(text)
        decimals = len(text.split(".")[1]) if "." in text else 0
        expected_ok = decimals <= 2 and value * 100 <= MAX_AMOUNT_ORE
        assert good == expected_ok, text
        assert got == (int(value * 100) if expected_ok else 0), text


@pytest.mark.parametrize("ending", [b"", b"\n", b"\n\n", b"\r\n"])
@pytest.mark.parametrize("piece_bytes", [1, 7, 50, 400_000])
def test_lines_split_in_pieces_are_the_lines_of_the_text(ending, piece_bytes):
    from bistand.engine.batch_io import _line_pieces, _split_lines

    text = b"\n".join([b'{"a":1}', b"", b"x" * 60, b"  ", b'{"b":[1,2]}\r']) + ending
    pieces = list(_line_pieces(text, piece_bytes))
    assert all(pieces)
    assert [line for piece in pieces for line in piece] == _split_lines(text)
    assert list(_line_pieces(b"", piece_bytes)) == []
    assert [line for piece in _line_pieces(b"\n", piece_bytes) for line in piece] == [b""]


# --- a law change is made in the law package alone, and the engine follows ----------------------------------


def assert_the_engine_gives_the_single_paths_results(docs, local_dir) -> list:
    """The differential check of the tests above, in one place: values, warnings and bytes of both readers'
    JSON Lines path equal the single path's. Returns the single path's results."""
    expected = single_results(docs, local_dir)
    result = calculate_many([decode_input(as_line(doc)) for doc in docs], local_dir=local_dir)
    assert result.to_dicts() == [r.to_dict(trace=False) for r in expected]
    text = b"".join(as_line(doc) + b"\n" for doc in docs)
    assert calculate_jsonl(text, local_dir=local_dir) == b"".join(r.to_json(trace=False) + b"\n" for r in expected)
    return expected


@pytest.fixture
def law_copy(tmp_path, monkeypatch):
    """A copy of the law's parameter files for a test to change; the law package reads it instead."""
    import yaml

    from bistand.rules import parameters

    directory = tmp_path / "parameters"
    shutil.copytree(parameters.PARAMETERS_DIR, directory)
    monkeypatch.setattr(parameters, "PARAMETERS_DIR", directory)
    parameters.clear_caches()
    batch._REGISTRY.reset()

    def add_block(name: str, valid_from: str, change) -> None:
        """A law change as the parameter files make it: a new dated block (a copy of the last one, changed)."""
        path = directory / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        block = copy.deepcopy(data["values"][max(data["values"])])
        change(block)
        data["values"][valid_from] = block
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        parameters.clear_caches()
        batch._REGISTRY.reset()

    yield add_block
    parameters.clear_caches()
    batch._REGISTRY.reset()


LAW_CHANGE_HOUSEHOLDS = [
    {"month": "2026-09", "household": {"adults": [{"id": "a", "age": 40}]}},
    {"month": "2026-09", "municipality": "0680", "household": {"adults": [{"id": "a", "age": 40}]},
     "costs": [{"type": "rent", "amount": 9000}], "incomes": [{"type": "other", "member": "a", "amount": 500}]},
    {"month": "2026-03", "household": {"adults": [{"id": "a", "age": 40}]}},
]


def test_a_new_riksnorm_value_in_its_one_parameter_file_changes_both_paths_alike(law_copy, local_dir):
    """The law changes in one file (riksnorm/2026.yaml gets a block from 1 September with a higher,
    estimated, amount for a single adult): the single path and the engine both give the new amount and
    the new warning, and the differential property still holds for any households under the new law."""
    before = assert_the_engine_gives_the_single_paths_results(LAW_CHANGE_HOUSEHOLDS, local_dir)

    def raise_single_adult(block):
        raised = block["personal_costs"]["single_adult"]["value"] + 1000
        block["personal_costs"]["single_adult"] = {"value": raised, "status": "estimated", "confidence": "E"}
        shown.append(format_kronor(raised * 100))

    shown: list[str] = []

    law_copy("riksnorm/2026.yaml", "2026-09-01", raise_single_adult)
    after = assert_the_engine_gives_the_single_paths_results(LAW_CHANGE_HOUSEHOLDS, local_dir)

    assert [a.amount - b.amount for a, b in zip(after, before, strict=True)] == [1000, 1000, 0]  # from September only
    assert any(f"ensamstående vuxen = {shown[0]}" in w for w in after[0].warnings)
    assert not any(shown[0] in w for w in before[0].warnings + after[2].warnings)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(docs=st.lists(households(), min_size=1, max_size=8))
    def engine_follows(docs):
        assert_the_engine_gives_the_single_paths_results(docs, local_dir)

    engine_follows()


def test_a_rule_changed_in_calculate_py_alone_is_caught_by_the_differential_check(monkeypatch, local_dir):
    """The engine vectorises the rules of calculate.py; if a rule there changed and the engine did not, the
    differential check (the property tests) fails — it cannot pass by accident."""
    import importlib

    law = importlib.import_module("bistand.rules.calculate")
    assert_the_engine_gives_the_single_paths_results(LAW_CHANGE_HOUSEHOLDS, local_dir)
    original = law.personal_costs_adults
    monkeypatch.setattr(law, "personal_costs_adults", lambda *args: original(*args) + 100 * 100)

    with pytest.raises(AssertionError):
        assert_the_engine_gives_the_single_paths_results(LAW_CHANGE_HOUSEHOLDS, local_dir)


def test_a_warning_is_worded_in_one_function_that_both_paths_use(monkeypatch, law_copy, local_dir):
    """Rewording a warning in bistand.rules.warnings changes it in the single path and in the engine."""
    import bistand.rules.warnings as law_warnings

    def estimated(block):
        block["personal_costs"]["single_adult"]["status"] = "estimated"
        block["personal_costs"]["single_adult"]["confidence"] = "E"

    law_copy("riksnorm/2026.yaml", "2026-09-01", estimated)
    for name in ("estimated_value", "cost_above_cap", "child_present_more_days_than_divisor"):
        original = getattr(law_warnings, name)
        monkeypatch.setattr(
            law_warnings, name, lambda *args, _original=original: None if _original(*args) is None else "Obs! " + _original(*args)
        )
    batch._REGISTRY.reset()
    docs = LAW_CHANGE_HOUSEHOLDS + [
        {"month": "2026-09", "municipality": "0680", "household": {"adults": [{"id": "a", "age": 40}],
         "children": [{"id": "b", "age": 4, "days_present": 31}]}, "costs": [{"type": "rent", "amount": 20000}]},
    ]
    results = assert_the_engine_gives_the_single_paths_results(docs, local_dir)

    warnings = [w for r in results for w in r.warnings]
    assert any(w.startswith("Obs! Ett uppskattat värde används: riksnorm 2026, ensamstående vuxen") for w in warnings)
    assert any(w.startswith("Obs! Boendekostnad (hyra) 20\u00a0000\u00a0kr är högre än") for w in warnings)
    assert any(w.startswith("Obs! Barnet b bor i hushållet 31 dagar") for w in warnings)
