"""The input decoder against the contract: calculation.schema.json (checked with the jsonschema package) and
the rules the schema cannot express (at most two decimals, members that exist, unique ids, dwelling size)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bistand.rules
from bistand.rules import CalculationInputError, convert_input, decode_input
from bistand.rules.model import COST_TYPES, INCOME_TYPES, amount_to_ore

from .conftest import golden_cases

SCHEMA_PATH = Path(bistand.rules.__file__).parent / "contract" / "calculation.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
_ENCODE = msgspec.json.Encoder(decimal_format="number").encode


def to_json(doc) -> bytes:
    return _ENCODE(doc)


def schema_valid(text: bytes) -> bool:
    # Decimals keep 3.0 a non-integer, as in JSON Schema's own data model ("integer" is a number without a
    # fractional part *as written* in most validators; Python's json would turn 3.0 into a float that
    # jsonschema then accepts as an integer).
    return VALIDATOR.is_valid(json.loads(text, parse_float=Decimal))


def _two_decimals(value) -> bool:
    try:
        amount_to_ore(Decimal(str(value)) if not isinstance(value, int) else value)
    except ValueError:
        return False
    return True


def rules_beyond_schema_hold(doc) -> bool:
    """An independent statement of the checks the schema cannot make."""
    household = doc["household"]
    members = [m["id"] for m in household["adults"]] + [c["id"] for c in household.get("children", [])]
    if len(set(members)) != len(members):
        return False
    if household.get("dwelling_size") is not None and household["dwelling_size"] < len(members):
        return False
    for child in household.get("children", []):
        if "earnings_this_year_before_month" in child and not _two_decimals(child["earnings_this_year_before_month"]):
            return False
    for line in doc.get("costs", []):
        if not _two_decimals(line["amount"]):
            return False
    for line in doc.get("incomes", []):
        if not _two_decimals(line["amount"]):
            return False
        if "member" in line and line["member"] not in members:
            return False
    return True


def decoder_accepts(text: bytes) -> bool:
    try:
        decode_input(text)
    except CalculationInputError:
        return False
    return True


def _error(doc_or_text) -> CalculationInputError:
    text = doc_or_text if isinstance(doc_or_text, (bytes, str)) else to_json(doc_or_text)
    with pytest.raises(CalculationInputError) as info:
        decode_input(text)
    return info.value


BASE = {
    "month": "2026-03",
    "municipality": "0680",
    "household": {
        "adults": [{"id": "a1", "age": 34, "consecutive_months_on_assistance": 7, "jobbstimulans_since": None}],
        "children": [
            {"id": "c1", "age": 5, "lunch_away_from_home": True, "days_present": None},
            {"id": "c2", "age": 16, "days_present": 12, "earnings_this_year_before_month": 1000.5},
        ],
        "dwelling_size": None,
    },
    "costs": [{"type": "rent", "amount": 7450, "note": "hyra"}],
    "incomes": [{"type": "wage", "member": "c2", "amount": 1234.56}, {"type": "child_benefit", "amount": 2650}],
}


def variant(change):
    doc = copy.deepcopy(BASE)
    change(doc)
    return doc


# (name, document, expected error field or None when valid)
EXAMPLES = [
    ("the full example", BASE, None),
    ("only the required fields", {"month": "2024-01", "household": {"adults": [{"id": "x", "age": 18}]}}, None),
    ("two adults and no municipality", variant(lambda d: (d.pop("municipality"), d["household"]["adults"].append({"id": "a2", "age": 130}))), None),
    ("a wage with a member", variant(lambda d: d["incomes"].append({"type": "wage", "member": "a1", "amount": 0})), None),
    ("dwelling size equal to the household", variant(lambda d: d["household"].update(dwelling_size=3)), None),
    ("an amount written 1.10", variant(lambda d: d["costs"][0].update(amount=Decimal("1.10"))), None),
    ("an amount written 1.100", variant(lambda d: d["costs"][0].update(amount=Decimal("1.100"))), None),
    ("an amount in exponent form", variant(lambda d: d["costs"][0].update(amount=Decimal("1.5E+3"))), None),
    ("month 13", variant(lambda d: d.update(month="2026-13")), "month"),
    ("month without zero", variant(lambda d: d.update(month="2026-3")), "month"),
    ("month with a trailing newline", variant(lambda d: d.update(month="2026-03\n")), "month"),
    ("month missing", variant(lambda d: d.pop("month")), "month"),
    ("municipality of three digits", variant(lambda d: d.update(municipality="680")), "municipality"),
    ("municipality null", variant(lambda d: d.update(municipality=None)), "municipality"),
    ("unknown top-level field", variant(lambda d: d.update(extra=1)), "extra"),
    ("unknown adult field", variant(lambda d: d["household"]["adults"][0].update(name="Anna")), "household.adults[0].name"),
    ("no adults", variant(lambda d: d["household"].update(adults=[])), "household.adults"),
    ("three adults", variant(lambda d: d["household"]["adults"].extend([{"id": "a2", "age": 30}, {"id": "a3", "age": 30}])), "household.adults"),
    ("adult aged 17", variant(lambda d: d["household"]["adults"][0].update(age=17)), "household.adults[0].age"),
    ("adult age as text", variant(lambda d: d["household"]["adults"][0].update(age="34")), "household.adults[0].age"),
    ("adult age 34.0", variant(lambda d: d["household"]["adults"][0].update(age=Decimal("34.0"))), "household.adults[0].age"),
    ("empty id", variant(lambda d: d["household"]["adults"][0].update(id="")), "household.adults[0].id"),
    ("negative months on assistance", variant(lambda d: d["household"]["adults"][0].update(consecutive_months_on_assistance=-1)), "household.adults[0].consecutive_months_on_assistance"),
    ("months on assistance null", variant(lambda d: d["household"]["adults"][0].update(consecutive_months_on_assistance=None)), "household.adults[0].consecutive_months_on_assistance"),
    ("jobbstimulans_since not a month", variant(lambda d: d["household"]["adults"][0].update(jobbstimulans_since="2026-00")), "household.adults[0].jobbstimulans_since"),
    ("child aged 21", variant(lambda d: d["household"]["children"][1].update(age=21)), "household.children[1].age"),
    ("child without id", variant(lambda d: d["household"]["children"][0].pop("id")), "household.children[0].id"),
    ("lunch as a string", variant(lambda d: d["household"]["children"][0].update(lunch_away_from_home="ja")), "household.children[0].lunch_away_from_home"),
    ("lunch null", variant(lambda d: d["household"]["children"][0].update(lunch_away_from_home=None)), "household.children[0].lunch_away_from_home"),
    ("32 days present", variant(lambda d: d["household"]["children"][1].update(days_present=32)), "household.children[1].days_present"),
    ("negative earnings", variant(lambda d: d["household"]["children"][1].update(earnings_this_year_before_month=-1)), "household.children[1].earnings_this_year_before_month"),
    ("earnings null", variant(lambda d: d["household"]["children"][1].update(earnings_this_year_before_month=None)), "household.children[1].earnings_this_year_before_month"),
    ("earnings with three decimals", variant(lambda d: d["household"]["children"][1].update(earnings_this_year_before_month=Decimal("1.005"))), "household.children[1].earnings_this_year_before_month"),
    ("dwelling size zero", variant(lambda d: d["household"].update(dwelling_size=0)), "household.dwelling_size"),
    ("dwelling size smaller than the household", variant(lambda d: d["household"].update(dwelling_size=2)), "household.dwelling_size"),
    ("unknown cost type", variant(lambda d: d["costs"][0].update(type="car")), "costs[0].type"),
    ("negative cost", variant(lambda d: d["costs"][0].update(amount=-5)), "costs[0].amount"),
    ("cost amount as text", variant(lambda d: d["costs"][0].update(amount="7450")), "costs[0].amount"),
    ("cost amount true", variant(lambda d: d["costs"][0].update(amount=True)), "costs[0].amount"),
    ("cost with three decimals", variant(lambda d: d["costs"][0].update(amount=Decimal("10.001"))), "costs[0].amount"),
    ("cost without amount", variant(lambda d: d["costs"][0].pop("amount")), "costs[0].amount"),
    ("note as a number", variant(lambda d: d["costs"][0].update(note=5)), "costs[0].note"),
    ("unknown income type", variant(lambda d: d["incomes"][1].update(type="gift")), "incomes[1].type"),
    ("wage without member", variant(lambda d: d["incomes"][0].pop("member")), "incomes[0].member"),
    ("member that does not exist", variant(lambda d: d["incomes"][1].update(member="zz")), "incomes[1].member"),
    ("member null", variant(lambda d: d["incomes"][1].update(member=None)), "incomes[1].member"),
    ("the same id twice", variant(lambda d: d["household"]["children"][1].update(id="a1")), "household.children[1].id"),
    ("costs not a list", variant(lambda d: d.update(costs={})), "costs"),
    ("household missing", variant(lambda d: d.pop("household")), "household"),
]


@pytest.mark.parametrize(("name", "doc", "field"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_decoder_agrees_with_the_schema_and_names_the_field(name, doc, field):
    text = to_json(doc)
    beyond_schema = {
        "dwelling size smaller than the household", "earnings with three decimals", "cost with three decimals",
        "member that does not exist", "the same id twice",
    }
    if name == "month with a trailing newline":
        pass  # Python's `re` lets `$` match before "\n"; JSON Schema (ECMA-262) does not. We follow JSON Schema.
    elif field is None or name in beyond_schema:
        assert schema_valid(text), name
    else:
        assert not schema_valid(text), name
    if field is None:
        decode_input(text)
    else:
        error = _error(text)
        assert error.field == field
        assert error.message and error.message[0].isupper()
        assert field in str(error) if field else True


@pytest.mark.parametrize("case", [c for _, _, c in golden_cases()], ids=lambda c: c["id"])
def test_every_golden_input_follows_the_schema(case):
    text = to_json(case["input"])
    VALIDATOR.validate(json.loads(text, parse_float=Decimal))
    if "error" in case["expected"]:  # follows the schema, but the rules refuse it (see test_golden)
        with pytest.raises(CalculationInputError):
            decode_input(text)
        return
    decode_input(text)


def test_messages_are_plain_swedish():
    assert _error(variant(lambda d: d["household"]["adults"][0].update(age=17))).message == "Värdet måste vara minst 18."
    assert _error(variant(lambda d: d["incomes"][1].update(member="zz"))).message == (
        "Det finns ingen person med id 'zz' i hushållet."
    )
    assert "ÅÅÅÅ-MM" in _error(variant(lambda d: d.update(month="mars"))).message
    assert "högst två decimaler" in _error(variant(lambda d: d["costs"][0].update(amount=Decimal("1.001")))).message
    assert "minst en vuxen" in _error(variant(lambda d: d["household"].update(adults=[]))).message
    assert "okänt" in _error(variant(lambda d: d.update(extra=1))).message
    assert "giltig JSON" in _error(b'{"month": ').message
    assert _error(b'{"month": ').field == ""


@pytest.mark.parametrize(
    "data",
    [
        b'{"\xc3month":"2024-01","household":{"adults":[{"id":"a1","age":30}]}}',
        b'{"month":"2024-01","household":{"adults":[{"id":"a\xff","age":30}]}}',
        b'{"month":"2024-01","household":{"adults":[{"id":"\xed\xa0\x80","age":30}]}}',  # a surrogate
    ],
)
def test_text_that_is_not_utf8_is_an_input_error_not_a_crash(data):
    with pytest.raises(CalculationInputError) as info:
        decode_input(data, index=2)
    assert info.value.field == ""
    assert "UTF-8" in info.value.message
    assert info.value.index == 2


def test_errors_carry_the_batch_index():
    with pytest.raises(CalculationInputError) as info:
        decode_input(b"[]", index=4)
    assert info.value.index == 4
    assert str(info.value).startswith("Hushåll 5: ")
    assert info.value.with_index(7).index == 7


def test_amounts_become_exact_ore():
    value = decode_input(to_json(BASE))
    assert value.costs[0].amount_ore == 745_000
    assert value.incomes[0].amount_ore == 123_456
    assert value.household.children[1].earnings_this_year_before_month_ore == 100_050
    assert value.household.children[0].earnings_this_year_before_month_ore == 0
    assert decode_input(b'{"month":"2026-01","household":{"adults":[{"id":"a","age":20}]},'
                        b'"costs":[{"type":"other","amount":0.07}]}').costs[0].amount_ore == 7
    # 17 significant digits that a float could not hold
    big = decode_input(b'{"month":"2026-01","household":{"adults":[{"id":"a","age":20}]},'
                       b'"costs":[{"type":"other","amount":123456789012345.67}]}')
    assert big.costs[0].amount_ore == 12_345_678_901_234_567


def test_convert_input_accepts_parsed_json_with_floats_exactly():
    doc = json.loads(to_json(BASE))  # floats, as Python's json gives them
    value = convert_input(doc)
    assert value.incomes[0].amount_ore == 123_456
    assert value.household.children[1].earnings_this_year_before_month_ore == 100_050
    with pytest.raises(CalculationInputError) as info:
        convert_input(variant(lambda d: d["costs"][0].update(amount=0.125)))
    assert info.value.field == "costs[0].amount"


# --- generated inputs ---------------------------------------------------------------------------------

ids = st.text(alphabet="abcxyz019-_", min_size=1, max_size=4)
amounts = st.one_of(
    st.integers(min_value=0, max_value=10**7),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
)
months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2000, 2100), st.integers(1, 12))


@st.composite
def valid_documents(draw):
    n_adults = draw(st.integers(1, 2))
    n_children = draw(st.integers(0, 4))
    member_ids = draw(st.lists(ids, min_size=n_adults + n_children, max_size=n_adults + n_children, unique=True))
    adults = []
    for member in member_ids[:n_adults]:
        adult = {"id": member, "age": draw(st.integers(18, 130))}
        if draw(st.booleans()):
            adult["consecutive_months_on_assistance"] = draw(st.integers(0, 60))
        if draw(st.booleans()):
            adult["jobbstimulans_since"] = draw(st.one_of(st.none(), months))
        adults.append(adult)
    children = []
    for member in member_ids[n_adults:]:
        child = {"id": member, "age": draw(st.integers(0, 20))}
        if draw(st.booleans()):
            child["lunch_away_from_home"] = draw(st.booleans())
        if draw(st.booleans()):
            child["days_present"] = draw(st.one_of(st.none(), st.integers(0, 31)))
        if draw(st.booleans()):
            child["earnings_this_year_before_month"] = draw(amounts)
        children.append(child)
    household = {"adults": adults}
    if children or draw(st.booleans()):
        household["children"] = children
    if draw(st.booleans()):
        size = n_adults + n_children
        household["dwelling_size"] = draw(st.one_of(st.none(), st.integers(size, size + 5)))
    doc = {"month": draw(months), "household": household}
    if draw(st.booleans()):
        doc["municipality"] = draw(st.sampled_from(["0680", "0662", "0684", "1234"]))
    doc["costs"] = [
        {"type": draw(st.sampled_from(COST_TYPES)), "amount": draw(amounts)}
        for _ in range(draw(st.integers(0, 3)))
    ]
    incomes = []
    for _ in range(draw(st.integers(0, 3))):
        income = {"type": draw(st.sampled_from(INCOME_TYPES)), "amount": draw(amounts)}
        if income["type"] == "wage" or draw(st.booleans()):
            income["member"] = draw(st.sampled_from(member_ids))
        incomes.append(income)
    doc["incomes"] = incomes
    return doc


def _objects(doc, path=()):
    """(path, object) for every JSON object in the document."""
    if isinstance(doc, dict):
        yield path, doc
        for key, value in doc.items():
            yield from _objects(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _objects(value, (*path, i))


BAD_VALUES = [None, True, "x", "", -1, 0, 1, 17, 21, 32, 131, Decimal("1.5"), Decimal("2.0"), Decimal("0.001"),
              [], {}, "2026-13", "2026-01", "0680", "wage", "rent", "nobody", 10**20]


@st.composite
def mutated_documents(draw):
    doc = draw(valid_documents())
    objects = list(_objects(doc))
    kind = draw(st.sampled_from(["none", "drop", "add", "replace", "replace", "replace", "beyond", "beyond"]))
    if kind == "none":
        return doc
    if kind == "beyond":  # schema-valid documents that break a rule the schema cannot express
        household = doc["household"]
        members = household["adults"] + household.get("children", [])
        rule = draw(st.sampled_from(["duplicate", "dwelling", "member", "decimals"]))
        if rule == "duplicate" and len(members) > 1:
            members[-1]["id"] = members[0]["id"]
        elif rule == "dwelling":
            household["dwelling_size"] = max(1, len(members) - 1)
        elif rule == "member" and doc["incomes"]:
            doc["incomes"][-1]["member"] = "nobody"
        elif rule == "decimals" and doc["costs"]:
            doc["costs"][0]["amount"] = Decimal("12.345")
        return doc
    _, target = draw(st.sampled_from(objects))
    if kind == "drop" and target:
        target.pop(draw(st.sampled_from(sorted(target))))
    elif kind == "add":
        target[draw(st.sampled_from(["extra", "member", "note", "dwelling_size", "children", "amount"]))] = draw(
            st.sampled_from(BAD_VALUES)
        )
    elif target:
        target[draw(st.sampled_from(sorted(target)))] = draw(st.sampled_from(BAD_VALUES))
    return doc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_decoder_accepts_exactly_what_the_schema_and_the_extra_rules_accept(doc):
    text = to_json(doc)
    expected = schema_valid(text) and rules_beyond_schema_hold(doc)
    assert decoder_accepts(text) == expected


@settings(max_examples=150, deadline=None)
@given(valid_documents())
def test_every_valid_document_decodes_and_round_trips(doc):
    text = to_json(doc)
    assert schema_valid(text)
    value = decode_input(text)
    assert decode_input(_ENCODE(value)) == value
