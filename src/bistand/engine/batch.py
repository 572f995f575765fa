"""Many households at once: the calculation of `calculate.py`, vectorised with NumPy.

The rules are exactly those of docs/rules/calculation-spec.md and of the single-household path
(`bistand.rules.calculate`), which is authoritative; a Hypothesis property test proves that both give the
same result for every valid input.

Exactness. Money is int64 öre. Three steps can give fractions of an öre: a child present part of the month
(cost × days / divisor), the hushållsgemenskap share (shared(d) × n / d) and the jobbstimulans share
(rate × wage, a quarter öre). Each household therefore carries its amounts as int64 numerators over one
common denominator

    D = divisor numerator × dwelling size (1 without hushållsgemenskap) × jobbstimulans rate denominator

so that nothing is rounded until the payable amount, which is rounded once from the exact value by the
municipality's rule. Shown amounts are rounded half up to the öre, as in the single path.

Households are grouped by parameter set: one `ParameterSet` per (month, municipality) — the riksnorm of the
month's year and the local values in force that month — turned into lookup tables (`ParameterTables`, one
process-wide table that grows as new sets appear). The norm year alone would not do: dated local values
(a new rent ceiling from 1 July) and legal references can change within a year.

Layout (`HouseholdArrays`): per household one value in each array; children, costs and incomes flattened
in input order with offsets per household (and the household of each row); the one or two adults padded
to two slots. The calculation runs over blocks of `BLOCK_SIZE` households (for the caches; the result
does not depend on it). Results (`BatchResult`): exact numerators and the denominator per household, the payable
amount, the outcome and warning flags; the warning texts are made only when the results are written.

A household whose numbers do not fit the int64 representation (amounts above `MAX_AMOUNT_ORE`, or sizes so
large that D × amounts could overflow) is calculated by the single path instead (`HouseholdArrays.fallback`),
so the batch accepts and computes exactly what the single path does. The case worker's higher or lower norm
level (`norm_adjustments`, 12 kap. 7 § tredje stycket SoL), nedsättning (`reduction`, 12 kap. 5 §) and the
rådrum for rent above the ceiling (`housing_grace`, 12 kap. 7 § första stycket 2) are not
vectorised: a household that has one is
calculated by the single path too (both JSON Lines readers leave such a line to it, and `from_inputs` puts it
in `fallback`); such households are few and are always decided by a person. A child with
`in_upper_secondary_school` (a young person aged 18–20, issue 17 §2) is likewise left to the single path by both
readers: stated true (or under 18) it changes no number, stated false at 18–20 the single path refuses the
input with its error.

    arrays = HouseholdArrays.from_inputs([decode_input(b) for b in documents])
    result = calculate_arrays(arrays)
    result.to_dicts()        # the same dicts as calculate(x).to_dict(trace=False)
    result.to_jsonl()        # one JSON line per household, as written by `bistand calculate --batch`
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from bistand.rules import warnings
from bistand.rules.calculate import COST_LABELS, CalculationResult, encode_json, kronor
from bistand.rules.calculate import calculate as calculate_single
from bistand.rules.errors import CalculationInputError
from bistand.rules.formatting import KR_SUFFIX, format_kronor
from bistand.rules.model import (
    COST_TYPES,
    INCOME_TYPES,
    CalculationInput,
    month_from_index,
    month_index,
    validate_input,
)
from bistand.rules.parameters import MAX_CHILDREN_KEY, ParameterSet, load_parameters, norm_years
from bistand.rules.texts import number_text

__all__ = [
    "BatchResult",
    "HouseholdArrays",
    "ParameterTables",
    "calculate_arrays",
    "calculate_many",
]

RENT = COST_TYPES.index("rent")
WAGE = INCOME_TYPES.index("wage")
COST_CODES = {name: i for i, name in enumerate(COST_TYPES)}
INCOME_CODES = {name: i for i, name in enumerate(INCOME_TYPES)}
ROUNDING_CODES = {"half_up": 0, "down": 1, "up": 2}
NO_MEMBER = -1
FIRST_CHILD_MEMBER = 2  # income_member: 0, 1 = adult slot; 2 + j = child j of the household

#: Largest single amount (öre) the batch representation takes; larger amounts go to the single path.
MAX_AMOUNT_ORE = 10**11  # 1 000 000 000 kr
#: Largest dwelling size / number of children the batch representation takes.
MAX_PERSONS = 10_000
#: Consecutive months on assistance above this are held as this (the rules only compare them with small numbers).
MONTHS_CLIP = 2**40
#: Largest number of cost or income lines of one household the batch representation takes.
MAX_LINES = 1_000_000
#: Parameter factors (divisor numerator and denominator, jobbstimulans rate) and amounts in the tables
#: above these limits make every household of that parameter set go to the single path.
_FACTOR_LIMIT = 10**6
_COST_LIMIT = 10**9

# Warning flags (BatchResult.flags): which kinds of warnings a household has.
W_NOTICE = 1 << 0  # the parameter set's own notices (e.g. no local parameters for the municipality)
W_ADULT_ESTIMATED = 1 << 1
W_CHILD_ESTIMATED = 1 << 2
W_DIVISOR_ESTIMATED = 1 << 3
W_DAYS_OVER_DIVISOR = 1 << 4
W_SHARED_ESTIMATED = 1 << 5
W_CAP_ESTIMATED = 1 << 6
W_CAP_EXCEEDED = 1 << 7
W_JOBBSTIMULANS_ESTIMATED = 1 << 8
W_PBB_ESTIMATED = 1 << 9
W_ROUNDING_ESTIMATED = 1 << 10


class _Messages:
    """Warning texts by number, so that households can refer to them with int arrays."""

    def __init__(self, texts: Sequence[str] = ()) -> None:
        self.texts: list[str] = list(texts)
        self.ids: dict[str, int] = {text: i for i, text in enumerate(self.texts)}
        self._encoded: list[bytes] = []

    def intern(self, text: str | None) -> int:
        if text is None:
            return -1
        found = self.ids.get(text)
        if found is None:
            found = self.ids[text] = len(self.texts)
            self.texts.append(text)
        return found

    def encoded(self) -> list[bytes]:
        """The texts as JSON strings (cached)."""
        if len(self._encoded) < len(self.texts):
            self._encoded.extend(encode_json(t) for t in self.texts[len(self._encoded):])
        return self._encoded


class _LocalMessages:
    """The process-wide texts plus the texts of one batch (ids from LOCAL on), e.g. "rent above the
    ceiling" with the household's own amounts, which are not worth keeping. Local texts are kept as their
    JSON encoding (what the output needs)."""

    LOCAL = 1 << 40

    def __init__(self, shared: _Messages) -> None:
        self.shared = shared
        self.local: list[bytes] = []

    def add(self, text: str) -> int:
        self.local.append(encode_json(text))
        return self.LOCAL + len(self.local) - 1

    def add_encoded(self, encoded: list[bytes]) -> np.ndarray:
        first = self.LOCAL + len(self.local)
        self.local.extend(encoded)
        return np.arange(first, first + len(encoded), dtype=np.int64)

    def texts(self, ids: Sequence[int]) -> list[str]:
        shared, local, base = self.shared.texts, self.local, self.LOCAL
        return [msgspec.json.decode(local[i - base]) if i >= base else shared[i] for i in ids]


_KRONOR_LUT_SIZE = 32_768
#: `format_kronor`'s texts cut in two, made by it: the whole kronor ("3 681", index = kronor, filled in when first
#: needed: a worker formats only the amounts its households have, not all 32 768) and the rest (",90 kr" or
#: " kr", index = öre), so that an amount's text is the two joined.
_KRONOR_WHOLE = np.full(_KRONOR_LUT_SIZE, None, dtype=object)
_KRONOR_WHOLE_MADE = np.zeros(_KRONOR_LUT_SIZE, dtype=bool)
_KRONOR_REST: list[np.ndarray] = []


def _kronor_bytes(ore: np.ndarray) -> list[bytes]:
    """`format_kronor` for an array of öre ≥ 0, as UTF-8 bytes (table look-up for the usual sizes)."""
    if len(ore) and (ore.min() < 0 or ore.max() >= _KRONOR_LUT_SIZE * 100):
        return [format_kronor(x).encode() for x in ore.tolist()]
    if not _KRONOR_REST:
        _KRONOR_REST.append(np.array([format_kronor(r)[1:].encode() for r in range(100)], dtype=object))
    whole, rest = np.divmod(ore, 100)
    missing = np.unique(whole[~_KRONOR_WHOLE_MADE[whole]])
    if len(missing):
        _KRONOR_WHOLE[missing] = [format_kronor(k * 100).removesuffix(KR_SUFFIX).encode() for k in missing.tolist()]
        _KRONOR_WHOLE_MADE[missing] = True
    return (_KRONOR_WHOLE[whole] + _KRONOR_REST[0][rest]).tolist()


def _first_per_group(groups: np.ndarray) -> np.ndarray:
    """Positions of the first element of each run of equal values in a sorted array."""
    if not len(groups):
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])


def _json_inner(text: str) -> bytes:
    """The JSON string encoding of `text` without its quotes."""
    return encode_json(text)[1:-1]


# --- parameter tables ---------------------------------------------------------------------------------


@dataclass(eq=False)
class ParameterTables:
    """The parameter sets of a batch as NumPy lookup tables (index 0 … S−1 = `sets`). Amounts in öre; −1
    means "no such ceiling/cap"; `*_w` arrays hold the message id of the "estimated value" warning (−1 when
    the value is verified)."""

    sets: tuple[ParameterSet, ...]
    messages: _Messages
    norm_year: np.ndarray  # (S,)
    adult_cost: np.ndarray  # (S, 3): [s, number of adults]
    child_cost: np.ndarray  # (S, 21, 2): [s, age, lunch away from home]
    shared: np.ndarray  # (S, 8): [s, persons 1..7]
    shared_extra: np.ndarray  # (S,): shared(7) − shared(6), per person above seven
    div_num: np.ndarray  # (S,): part-month divisor = div_num / div_den
    div_den: np.ndarray
    pbb: np.ndarray  # (S,) prisbasbelopp, öre per year
    rate_num: np.ndarray  # (S,) jobbstimulans rate = rate_num / rate_den
    rate_den: np.ndarray
    qualifying: np.ndarray  # (S,)
    window: np.ndarray  # (S,)
    ceiling: np.ndarray  # (S, 3, 5): [s, adults, min(children, 4)] öre or −1
    caps: np.ndarray  # (S, len(COST_TYPES)) öre or −1 (never for rent)
    rounding: np.ndarray  # (S,) ROUNDING_CODES
    # warnings
    notices: tuple[tuple[int, ...], ...]
    adult_w: np.ndarray  # (S, 3)
    child_w: np.ndarray  # (S, 21, 2)
    div_w: np.ndarray  # (S,)
    shared_w: np.ndarray  # (S, 8)
    ceiling_estimated: np.ndarray  # (S,) bool
    cap_w: np.ndarray  # (S, len(COST_TYPES))
    jobbstimulans_w: np.ndarray  # (S, 3): rate, qualifying months, window months
    pbb_w: np.ndarray  # (S,)
    rounding_w: np.ndarray  # (S,)
    # derived: "is the value estimated" as booleans, and facts about the whole table
    adult_est: np.ndarray = field(init=False)
    child_est: np.ndarray = field(init=False)
    div_est: np.ndarray = field(init=False)
    shared_est: np.ndarray = field(init=False)
    cap_est: np.ndarray = field(init=False)
    js_est: np.ndarray = field(init=False)
    pbb_est: np.ndarray = field(init=False)
    rounding_est: np.ndarray = field(init=False)
    has_notice: np.ndarray = field(init=False)
    any_ceiling: bool = field(init=False)
    capped_types: list[int] = field(init=False)
    all_half_up: bool = field(init=False)
    bounded: np.ndarray = field(init=False)  # (S,) parameter factors small enough for int64 arithmetic

    def __post_init__(self) -> None:
        self.adult_est = self.adult_w >= 0
        self.child_est = self.child_w >= 0
        self.div_est = self.div_w >= 0
        self.shared_est = self.shared_w >= 0
        self.cap_est = self.cap_w >= 0
        self.js_est = (self.jobbstimulans_w >= 0).any(axis=1)
        self.pbb_est = self.pbb_w >= 0
        self.rounding_est = self.rounding_w >= 0
        self.has_notice = np.array([bool(x) for x in self.notices], bool)
        self.any_ceiling = bool((self.ceiling >= 0).any())
        self.capped_types = [int(c) for c in np.flatnonzero((self.caps >= 0).any(axis=0))]
        self.all_half_up = bool((self.rounding == ROUNDING_CODES["half_up"]).all())
        self.bounded = (
            (self.div_num <= _FACTOR_LIMIT) & (self.div_den <= _FACTOR_LIMIT)
            & (self.rate_num <= _FACTOR_LIMIT) & (self.rate_den <= _FACTOR_LIMIT)
            & (np.abs(self.adult_cost).max(axis=1) <= _COST_LIMIT)
            & (np.abs(self.child_cost).reshape(len(self.sets), -1).max(axis=1, initial=0) <= _COST_LIMIT)
            & (np.abs(self.shared).max(axis=1) <= _COST_LIMIT)
            & (self.pbb <= _COST_LIMIT * 100)
        )

    @classmethod
    def build(cls, sets: Sequence[ParameterSet], messages: _Messages | None = None) -> ParameterTables:
        sets = tuple(sets)
        messages = messages if messages is not None else _Messages()
        rows = [_set_row(ps) for ps in sets]
        columns: dict[str, np.ndarray] = {}
        notices = []
        for name in _ROW_FIELDS:
            columns[name] = np.stack([row[name] for row in rows]) if rows else np.zeros((0,) + _ROW_SHAPES[name])
        for s, row in enumerate(rows):
            remap = np.array([messages.intern(text) for text in row["texts"]] + [-1], np.int64)
            for name in _MESSAGE_FIELDS:
                columns[name][s] = remap[row[name]]
            notices.append(tuple(int(remap[i]) for i in row["notices"]))
        return cls(sets=sets, messages=messages, notices=tuple(notices), **columns)

    def shared_costs(self, p: np.ndarray, persons: np.ndarray) -> np.ndarray:
        """shared(persons) in öre for each household (table for 1–7, then + extra per person)."""
        small = np.minimum(persons, 7)
        table = self.shared.reshape(-1)[p * 8 + small]
        if len(persons) and persons.max() > 7:
            table = table + np.maximum(persons - 7, 0) * self.shared_extra[p]
        return table


_ROW_SHAPES: dict[str, tuple[int, ...]] = {
    "norm_year": (),
    "adult_cost": (3,),
    "child_cost": (21, 2),
    "shared": (8,),
    "shared_extra": (),
    "div_num": (),
    "div_den": (),
    "pbb": (),
    "rate_num": (),
    "rate_den": (),
    "qualifying": (),
    "window": (),
    "ceiling": (3, MAX_CHILDREN_KEY + 1),
    "caps": (len(COST_TYPES),),
    "rounding": (),
    "adult_w": (3,),
    "child_w": (21, 2),
    "div_w": (),
    "shared_w": (8,),
    "ceiling_estimated": (),
    "cap_w": (len(COST_TYPES),),
    "jobbstimulans_w": (3,),
    "pbb_w": (),
    "rounding_w": (),
}
_ROW_FIELDS = tuple(_ROW_SHAPES)
_MESSAGE_FIELDS = tuple(name for name in _ROW_FIELDS if name.endswith("_w"))
_ROW_CACHE: dict[int, tuple[ParameterSet, dict[str, Any]]] = {}


def _set_row(ps: ParameterSet) -> dict[str, Any]:
    """One parameter set as table rows (cached per set; message ids are local to the row's `texts`)."""
    found = _ROW_CACHE.get(id(ps))
    if found is not None and found[0] is ps:
        return found[1]
    texts = _Messages()

    def w(value: Any, shown: str | None = None) -> int:
        if not value.is_estimated:
            return -1
        return texts.intern(warnings.estimated_value(value, shown))

    r: dict[str, Any] = {
        name: np.full(shape, -1 if name.endswith("_w") or name in ("ceiling", "caps") else 0, np.int64)
        for name, shape in _ROW_SHAPES.items()
    }
    r["ceiling_estimated"] = np.zeros((), bool)
    r["rounding"] = np.zeros((), np.int8)
    r["norm_year"][...] = ps.norm_year
    for adults, value in ((1, ps.single_adult), (2, ps.cohabiting_pair)):
        r["adult_cost"][adults] = value.value
        r["adult_w"][adults] = w(value)
    by_value: dict[int, tuple[int, int]] = {}
    for age in range(21):
        for lunch in (0, 1):
            value = ps.child_cost(age, bool(lunch))
            if id(value) not in by_value:
                by_value[id(value)] = (value.value, w(value))
            r["child_cost"][age, lunch], r["child_w"][age, lunch] = by_value[id(value)]
    for persons in range(1, 8):
        value = ps.shared_costs_table[persons - 1]
        r["shared"][persons] = value.value
        r["shared_w"][persons] = w(value)
    r["shared_extra"][...] = ps.shared_costs(7) - ps.shared_costs(6)
    divisor = Fraction(ps.divisor())
    r["div_num"][...], r["div_den"][...] = divisor.numerator, divisor.denominator
    r["div_w"][...] = w(ps.part_month_divisor, number_text(divisor))
    r["pbb"][...] = ps.prisbasbelopp.value
    r["pbb_w"][...] = w(ps.prisbasbelopp)
    rate = Fraction(ps.jobbstimulans_rate.value)
    r["rate_num"][...], r["rate_den"][...] = rate.numerator, rate.denominator
    r["qualifying"][...] = ps.jobbstimulans_qualifying_months.value
    r["window"][...] = ps.jobbstimulans_window_months.value
    for k, value in enumerate(
        (ps.jobbstimulans_rate, ps.jobbstimulans_qualifying_months, ps.jobbstimulans_window_months)
    ):
        r["jobbstimulans_w"][k] = w(value, str(value.value))
    for adults in (1, 2):
        for children in range(MAX_CHILDREN_KEY + 1):
            cap = ps.housing_ceiling(adults, children)
            if cap is not None:
                r["ceiling"][adults, children] = cap
    r["ceiling_estimated"][...] = ps.housing_cost_ceiling.is_estimated
    for cost_type, code in COST_CODES.items():
        cap = None if cost_type == "rent" else ps.cost_cap(cost_type)
        if cap is not None:
            r["caps"][code] = cap
            r["cap_w"][code] = w(ps.cost_caps, warnings.cap_shown(format_kronor(cap), COST_LABELS[cost_type], False, 0, 0))
    r["rounding"][...] = ROUNDING_CODES[ps.rounding.value]
    r["rounding_w"][...] = w(ps.rounding, ps.rounding.value)
    r["notices"] = [texts.intern(text) for text in ps.notices]
    r["texts"] = texts.texts
    if len(_ROW_CACHE) > 4096:
        _ROW_CACHE.clear()
    _ROW_CACHE[id(ps)] = (ps, r)
    return r


class _Registry:
    """Every parameter set this process has calculated with, as one global `ParameterTables` (rebuilt only
    when a new set appears), plus cached warning texts. Batches map their own set indexes to these."""

    LIMIT = 2048

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.sets: list[ParameterSet] = []
        self.index: dict[int, int] = {}
        self.messages = _Messages()
        self.tables: ParameterTables | None = None
        self.ceiling_messages: dict[tuple[int, int, int], int] = {}

    def global_index(self, sets: Sequence[ParameterSet]) -> tuple[ParameterTables, np.ndarray]:
        if len(self.sets) + len(sets) > self.LIMIT:
            self.reset()
        out = []
        changed = self.tables is None
        for ps in sets:
            found = self.index.get(id(ps))
            if found is None or self.sets[found] is not ps:
                found = self.index[id(ps)] = len(self.sets)
                self.sets.append(ps)
                changed = True
            out.append(found)
        if changed:
            self.tables = ParameterTables.build(self.sets, self.messages)
        assert self.tables is not None
        return self.tables, np.array(out, np.int64)

    def ceiling_message(self, s: int, adults: int, children: int) -> int:
        """Message id of "an estimated housing-cost ceiling is used" for set s and the composition."""
        key = (s, adults, children)
        found = self.ceiling_messages.get(key)
        if found is None:
            ps = self.sets[s]
            ceiling = ps.housing_ceiling(adults, children)
            shown = warnings.cap_shown(format_kronor(ceiling), COST_LABELS["rent"], True, adults, children)
            found = self.ceiling_messages[key] = self.messages.intern(
                warnings.estimated_value(ps.housing_cost_ceiling, shown)
            )
        return found


_REGISTRY = _Registry()


def tables_for(sets: Sequence[ParameterSet]) -> tuple[ParameterTables, np.ndarray]:
    """The process-wide tables and, for each of `sets`, its row in them."""
    return _REGISTRY.global_index(sets)


# --- the households -----------------------------------------------------------------------------------


@dataclass(eq=False)
class HouseholdArrays:
    """Many households in columns. Per household: arrays of length n. Children, costs and incomes are
    flattened in input order; `*_offsets` (length n + 1) say where each household's rows start and end.

    - `param_index` points into `params` (one ParameterSet per (month, municipality));
    - adults are padded to two slots, shape (2, n): `adult_months` (consecutive months on assistance, 0
      when not given), `adult_since` (month index of jobbstimulans_since, −1 when null);
    - `dwelling_size` 0 means none (the household lives on its own);
    - `child_days` −1 means the whole month;
    - amounts are int64 öre;
    - `income_member` −1 = no member, 0/1 = adult slot, 2 + j = child j of the same household;
    - `fallback`: households (by position) that the single path calculates instead (see module docstring).
    """

    month_index: np.ndarray
    params: tuple[ParameterSet, ...]
    param_index: np.ndarray
    n_adults: np.ndarray
    adult_months: np.ndarray
    adult_since: np.ndarray
    dwelling_size: np.ndarray
    child_offsets: np.ndarray
    child_age: np.ndarray
    child_lunch: np.ndarray
    child_days: np.ndarray
    child_earnings: np.ndarray
    child_ids: list[str]
    cost_offsets: np.ndarray
    cost_type: np.ndarray
    cost_amount: np.ndarray
    income_offsets: np.ndarray
    income_type: np.ndarray
    income_amount: np.ndarray
    income_member: np.ndarray
    fallback: dict[int, CalculationInput] = field(default_factory=dict)
    # derived from the offsets: children per household, and the household (position) of each row
    n_children: np.ndarray = field(init=False, repr=False)
    child_household: np.ndarray = field(init=False, repr=False)
    cost_household: np.ndarray = field(init=False, repr=False)
    income_household: np.ndarray = field(init=False, repr=False)

    @property
    def n(self) -> int:
        return len(self.month_index)

    def __post_init__(self) -> None:
        n = len(self.month_index)
        self.n_children = np.diff(self.child_offsets)
        self.child_household = np.repeat(np.arange(n), self.n_children)
        self.cost_household = np.repeat(np.arange(n), np.diff(self.cost_offsets))
        self.income_household = np.repeat(np.arange(n), np.diff(self.income_offsets))

    @classmethod
    def from_inputs(
        cls,
        inputs: Sequence[CalculationInput],
        *,
        local_dir: str | Path | None = None,
        validate: bool = True,
    ) -> HouseholdArrays:
        """Build the columns from decoded inputs (`decode_input`/`convert_input`). With `validate`, each
        input is checked by `validate_input` first (errors carry the 0-based position as `index`)."""
        n = len(inputs)
        months: list[str] = []
        municipalities: list[str | None] = []
        n_adults = np.zeros(n, np.int8)
        adult_months = np.zeros((2, n), np.int64)
        adult_since = np.full((2, n), -1, np.int64)
        dwelling = np.zeros(n, np.int64)
        child_counts = np.zeros(n, np.int64)
        cost_counts = np.zeros(n, np.int64)
        income_counts = np.zeros(n, np.int64)
        c_age: list[int] = []
        c_lunch: list[bool] = []
        c_days: list[int] = []
        c_earn: list[int] = []
        c_ids: list[str] = []
        k_type: list[int] = []
        k_amount: list[int] = []
        i_type: list[int] = []
        i_amount: list[int] = []
        i_member: list[int] = []
        too_big = np.zeros(n, bool)
        single = np.zeros(n, bool)
        for h, inp in enumerate(inputs):
            if validate:
                validate_input(inp, h)
            if inp.norm_adjustments or inp.reduction is not None or inp.housing_grace is not None:
                single[h] = True  # a norm level, a nedsättning or a rådrum: the single path calculates it (see above)
            months.append(inp.month)
            municipalities.append(inp.municipality_code)
            household = inp.household
            members: dict[str, int] = {}
            n_adults[h] = len(household.adults)
            for slot, adult in enumerate(household.adults):
                members[adult.id] = slot
                adult_months[slot, h] = min(adult.months_on_assistance, MONTHS_CLIP)
                if adult.jobbstimulans_since is not None:
                    adult_since[slot, h] = month_index(adult.jobbstimulans_since)
            child_counts[h] = len(household.children)
            for j, child in enumerate(household.children):
                members[child.id] = FIRST_CHILD_MEMBER + j
                c_age.append(child.age)
                c_lunch.append(child.lunch_away_from_home)
                c_days.append(-1 if child.days_present is None else child.days_present)
                earnings = child.earnings_this_year_before_month_ore
                if earnings > MAX_AMOUNT_ORE:
                    too_big[h] = True
                    earnings = 0
                c_earn.append(earnings)
                c_ids.append(child.id)
            if household.dwelling_size is not None:
                dwelling[h] = min(household.dwelling_size, MAX_PERSONS + 1)
            cost_counts[h] = len(inp.costs)
            for cost in inp.costs:
                amount = cost.amount_ore
                if amount > MAX_AMOUNT_ORE:
                    too_big[h] = True
                    amount = 0
                k_type.append(COST_CODES[cost.type])
                k_amount.append(amount)
            income_counts[h] = len(inp.incomes)
            for income in inp.incomes:
                amount = income.amount_ore
                if amount > MAX_AMOUNT_ORE:
                    too_big[h] = True
                    amount = 0
                i_type.append(INCOME_CODES[income.type])
                i_amount.append(amount)
                member = income.member_id
                i_member.append(NO_MEMBER if member is None else members[member])
        arrays = _assemble(
            months=months,
            municipalities=municipalities,
            local_dir=local_dir,
            n_adults=n_adults,
            adult_months=adult_months,
            adult_since=adult_since,
            dwelling_size=dwelling,
            child_counts=child_counts,
            child_age=np.array(c_age, np.int8),
            child_lunch=np.array(c_lunch, bool),
            child_days=np.array(c_days, np.int16),
            child_earnings=np.array(c_earn, np.int64),
            child_ids=c_ids,
            cost_counts=cost_counts,
            cost_type=np.array(k_type, np.int8),
            cost_amount=np.array(k_amount, np.int64),
            income_counts=income_counts,
            income_type=np.array(i_type, np.int8),
            income_amount=np.array(i_amount, np.int64),
            income_member=np.array(i_member, np.int32),
        )
        for h in np.flatnonzero(too_big | single | arrays.unrepresentable()):
            arrays.fallback[int(h)] = inputs[h]
        return arrays

    def unrepresentable(self) -> np.ndarray:
        """Households whose exact numerators could overflow int64, by an integer upper bound.

        Every value that `calculate_arrays` multiplies by the common denominator D is at most
        D × (adult costs + largest child cost × children + shared(persons) × size + costs + incomes ×
        (2 + rate numerator) + 100); each term must stay below 2**60 / (8 D)."""
        tables, rows = tables_for(self.params)
        p = rows[self.param_index]
        n_ch = self.n_children
        n_costs = np.diff(self.cost_offsets)
        n_incomes = np.diff(self.income_offsets)
        ds = self.dwelling_size
        out = (ds > MAX_PERSONS) | (n_ch > MAX_PERSONS) | (n_costs > MAX_LINES) | (n_incomes > MAX_LINES)
        out |= ~tables.bounded[p]
        persons_cap = MAX_PERSONS + 1
        size = np.minimum(self.n_adults.astype(np.int64) + n_ch, persons_cap)
        persons = np.minimum(np.where(ds > 0, ds, size), persons_cap)
        s = np.clip(ds, 1, persons_cap)
        div_num = np.minimum(tables.div_num[p], _FACTOR_LIMIT)
        rate_num = np.minimum(tables.rate_num[p], _FACTOR_LIMIT)
        d = div_num * s * np.minimum(tables.rate_den[p], _FACTOR_LIMIT)
        term = (2**60 // d) // 8
        shared = np.minimum(tables.shared[p, 7], _COST_LIMIT) + persons * np.minimum(
            np.abs(tables.shared_extra[p]), _COST_LIMIT
        )
        child_max = min(int(np.abs(tables.child_cost).max(initial=0)), _COST_LIMIT)
        costs = np.zeros(self.n, np.int64)
        np.add.at(costs, self.cost_household, self.cost_amount)
        incomes = np.zeros(self.n, np.int64)
        np.add.at(incomes, self.income_household, self.income_amount)
        out |= np.minimum(tables.adult_cost[p, 2], _COST_LIMIT) > term
        out |= n_ch > term // max(child_max, 1)
        out |= shared * size > term
        out |= costs > term
        out |= incomes > term // (2 + rate_num)
        return out


def _offsets(counts: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def parameter_groups_indexed(
    month_idx: np.ndarray,
    municipalities: Sequence[str | None],
    local_dir: str | Path | None = None,
    municipality_code: np.ndarray | None = None,
) -> tuple[np.ndarray, tuple[ParameterSet, ...], np.ndarray]:
    """Group households by parameter set (month, municipality); `month_idx` is the month index (−1 for a
    household to leave out). Either `municipalities` has one code (or None) per household, or it lists the
    distinct codes and `municipality_code` gives each household's position in it.

    Returns (parameter-set index per household, the sets, failed) where `failed` marks households whose
    month has no parameters (no riksnorm) or was left out; they get set 0."""
    n = len(month_idx)
    if municipality_code is None:
        codes: dict[str | None, int] = {m: i for i, m in enumerate(dict.fromkeys(municipalities))}
        uniq = list(codes)
        municipality_code = np.fromiter(map(codes.__getitem__, municipalities), np.int64, n)
    else:
        uniq = list(municipalities)
    keys = np.asarray(month_idx, np.int64) * (len(uniq) + 1) + municipality_code
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    sets: list[ParameterSet] = []
    key_set = np.zeros(len(unique_keys), np.int64)
    key_failed = np.zeros(len(unique_keys), bool)
    for k, key in enumerate(unique_keys.tolist()):
        month, code = divmod(key, len(uniq) + 1)
        if month < 0:
            key_failed[k] = True
            continue
        try:
            ps = load_parameters(month_from_index(month), uniq[code], local_dir)
        except CalculationInputError:
            key_failed[k] = True
            continue
        key_set[k] = len(sets)
        sets.append(ps)
    if not sets:
        # every household failed: keep one valid set so that the (unused) rows can be indexed
        sets.append(load_parameters(f"{norm_years()[-1]}-01", None, local_dir))
    return key_set[inverse].reshape(n), tuple(sets), key_failed[inverse].reshape(n)


def parameter_groups(
    months: Sequence[str], municipalities: Sequence[str | None], local_dir: str | Path | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[ParameterSet, ...]]:
    """(month index per household, parameter-set index per household, the parameter sets) for valid
    inputs. A month without riksnorm raises CalculationInputError(field="month", index=first household)."""
    cache: dict[str, int] = {}
    month_idx = np.fromiter(
        (cache[m] if m in cache else cache.setdefault(m, month_index(m)) for m in months), np.int64, len(months)
    )
    param_index, sets, failed = parameter_groups_indexed(month_idx, municipalities, local_dir)
    if failed.any():
        first = int(np.argmax(failed))
        try:
            load_parameters(months[first], municipalities[first], local_dir)
        except CalculationInputError as exc:
            raise exc.with_index(first) from None
    return month_idx, param_index, tuple(sets)


def _assemble(
    *,
    months: Sequence[str],
    municipalities: Sequence[str | None],
    local_dir: str | Path | None,
    child_counts: np.ndarray,
    cost_counts: np.ndarray,
    income_counts: np.ndarray,
    **columns: Any,
) -> HouseholdArrays:
    month_idx, param_index, sets = parameter_groups(months, municipalities, local_dir)
    return HouseholdArrays(
        month_index=month_idx,
        params=sets,
        param_index=param_index,
        child_offsets=_offsets(child_counts),
        cost_offsets=_offsets(cost_counts),
        income_offsets=_offsets(income_counts),
        **columns,
    )


# --- the calculation ----------------------------------------------------------------------------------


@dataclass(eq=False)
class BatchResult:
    """Results in columns. The exact money values are `*_num / denominator` öre (int64); `costs` is whole
    öre; `amount` whole kronor; `granted` the outcome; `flags` the kinds of warnings (W_* bits).
    Households in `fallback` were calculated by the single path; their rows in the arrays are not used."""

    arrays: HouseholdArrays
    tables: ParameterTables
    param: np.ndarray  # row of each household in `tables`
    denominator: np.ndarray
    norm_num: np.ndarray
    costs: np.ndarray
    need_num: np.ndarray
    income_counted_num: np.ndarray
    income_disregarded_num: np.ndarray
    amount: np.ndarray
    granted: np.ndarray
    flags: np.ndarray
    fallback: dict[int, CalculationResult]
    # what the warning texts need
    _capped: dict[int, tuple[np.ndarray, np.ndarray]] = field(repr=False)  # type → (total, cap or −1)
    _child_days_over: np.ndarray = field(repr=False)
    _adult_has_wage: np.ndarray = field(repr=False)
    _child_has_wage: np.ndarray = field(repr=False)

    @property
    def n(self) -> int:
        return len(self.amount)

    def shown_ore(self, numerator: np.ndarray) -> np.ndarray:
        """numerator / denominator rounded half up to the öre (all values here are ≥ 0)."""
        d = self.denominator
        return (2 * numerator + d) // (2 * d)

    def norm_year(self) -> np.ndarray:
        return self.tables.norm_year[self.param]

    def months(self) -> list[str]:
        """The month of each household as "YYYY-MM"."""
        unique, inverse = np.unique(self.arrays.month_index, return_inverse=True)
        texts = np.array([month_from_index(int(m)) for m in unique], dtype=object)
        return texts[inverse].tolist()

    # -- warnings --

    def _warning_events(self, messages: _LocalMessages) -> tuple[np.ndarray, np.ndarray]:
        """(household, message id) of every warning, in the single path's order, without repeats."""
        A, T = self.arrays, self.tables
        p = self.param
        flags = self.flags
        hs: list[np.ndarray] = []
        keys: list[np.ndarray] = []
        sids: list[np.ndarray] = []

        def add(h: np.ndarray, category: int, position: Any, sub: int, sid: np.ndarray) -> None:
            keep = sid >= 0
            if not keep.all():
                h, sid = h[keep], sid[keep]
                if isinstance(position, np.ndarray):
                    position = position[keep]
            hs.append(h)
            keys.append((category << 40) + np.asarray(position, np.int64) * 4 + sub + np.zeros(len(h), np.int64))
            sids.append(sid.astype(np.int64))

        # 0: notices of the parameter set
        with_notice = np.flatnonzero(flags & W_NOTICE)
        if len(with_notice):
            for s, notice_ids in enumerate(T.notices):
                h = with_notice[p[with_notice] == s]
                for j, sid in enumerate(notice_ids):
                    add(h, 0, j, 0, np.full(len(h), sid, np.int64))
        # 1: adults
        h = np.flatnonzero(flags & W_ADULT_ESTIMATED)
        add(h, 1, 0, 0, T.adult_w[p[h], A.n_adults[h]])
        # 2: children (cost, divisor, more days than the divisor)
        n_ch = A.n_children
        child_h = np.repeat(np.arange(A.n), n_ch)
        local = np.arange(len(child_h)) - A.child_offsets[child_h]
        c = np.flatnonzero(flags[child_h] & W_CHILD_ESTIMATED)
        if len(c):
            sid = T.child_w[p[child_h[c]], A.child_age[c], A.child_lunch[c].view(np.int8)]
            c, sid = c[sid >= 0], sid[sid >= 0]
            # children of the same age band: the same message, once
            _, first = np.unique(child_h[c] * (1 << 24) + sid, return_index=True)
            first.sort()
            add(child_h[c[first]], 2, local[c[first]], 0, sid[first])
        c = np.flatnonzero((flags[child_h] & W_DIVISOR_ESTIMATED).astype(bool) & (A.child_days >= 0))
        c = c[_first_per_group(child_h[c])]  # the same message for every child of the household
        add(child_h[c], 2, local[c], 1, T.div_w[p[child_h[c]]])
        c = np.flatnonzero(self._child_days_over)
        if len(c):
            texts = []
            for ci in c.tolist():
                ps = T.sets[p[child_h[ci]]]
                texts.append(messages.add(warnings.child_present_more_days_than_divisor(
                    A.child_ids[ci], int(A.child_days[ci]), Fraction(ps.divisor())
                )))
            add(child_h[c], 2, local[c], 2, np.array(texts, np.int64))
        # 3: shared costs (the table values used: persons, or 7 and 6 above seven)
        h = np.flatnonzero(flags & W_SHARED_ESTIMATED)
        if len(h):
            size = A.n_adults[h].astype(np.int64) + n_ch[h]
            persons = np.where(A.dwelling_size[h] > 0, A.dwelling_size[h], size)
            add(h, 3, 0, 0, T.shared_w[p[h], np.minimum(persons, 7)])
            big = persons > 7
            add(h[big], 3, 1, 0, T.shared_w[p[h[big]], 6])
        # 4: costs with a ceiling/cap, in the order the types first appear
        for code, (total, cap) in self._capped.items():
            h = np.flatnonzero((flags & (W_CAP_ESTIMATED | W_CAP_EXCEEDED)).astype(bool) & (cap >= 0))
            if not len(h):
                continue
            lines = np.flatnonzero(A.cost_type == code)
            owner = A.cost_household[lines]
            first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, bool)
            first_line = np.zeros(A.n, np.int64)
            first_line[owner[first]] = lines[first]
            position = first_line[h] - A.cost_offsets[h]
            adults = A.n_adults[h].astype(np.int64)
            children = n_ch[h]
            if code == RENT:
                estimated = T.ceiling_estimated[p[h]]
                combo = (p[h] * 3 + adults) * (MAX_PERSONS + 2) + np.minimum(children, MAX_PERSONS + 1)
                unique, inverse = np.unique(combo[estimated], return_inverse=True)
                ids = []
                for key in unique.tolist():
                    s, rest = divmod(key, 3 * (MAX_PERSONS + 2))
                    n_ad, n_c = divmod(rest, MAX_PERSONS + 2)
                    ids.append(_REGISTRY.ceiling_message(s, n_ad, n_c))
                sid = np.full(len(h), -1, np.int64)
                if ids:
                    sid[estimated] = np.array(ids, np.int64)[inverse.reshape(-1)]
                add(h, 4, position, 0, sid)
            else:
                add(h, 4, position, 0, T.cap_w[p[h], code])
            over = np.flatnonzero(total[h] > cap[h])
            if len(over):
                label = COST_LABELS[COST_TYPES[code]]
                rent = code == RENT
                h_over = h[over]
                tot, cp = total[h_over], cap[h_over]
                if code == RENT:
                    combo = A.n_adults[h_over].astype(np.int64) * (MAX_PERSONS + 2) + np.minimum(
                        n_ch[h_over], MAX_PERSONS + 1
                    )
                    unique, inverse = np.unique(combo, return_inverse=True)
                    what = np.array([
                        _json_inner(warnings.cap_name(label, rent, *divmod(key, MAX_PERSONS + 2)))
                        for key in unique.tolist()
                    ], dtype=object)[inverse.reshape(-1)].tolist()
                else:
                    what = [_json_inner(warnings.cap_name(label, rent, 0, 0))] * len(h_over)
                # the warning's text with a place for each amount and the ceiling's name, filled in for every
                # household at once ('%' in the text itself doubled for the formatting)
                fmt = encode_json(
                    warnings.cost_above_cap(label.replace("%", "%%"), "%s", "%s", "%s", "%s")
                )
                encoded = [
                    fmt % row
                    for row in zip(_kronor_bytes(tot), what, _kronor_bytes(cp), _kronor_bytes(tot - cp), strict=True)
                ]
                add(h_over, 4, position[over], 1, messages.add_encoded(encoded))
        # 5: jobbstimulans parameters, per adult with a wage
        # (the same messages for both adults: they are given for the first adult with a wage)
        h_js = np.flatnonzero(flags & W_JOBBSTIMULANS_ESTIMATED)
        first_slot = np.where(self._adult_has_wage[0, h_js], 0, 1)
        for k in range(3):
            add(h_js, 5, first_slot, k, T.jobbstimulans_w[p[h_js], k])
        # 6: prisbasbelopp, for the first child with a wage (the same message for every child)
        c = np.flatnonzero((flags[child_h] & W_PBB_ESTIMATED).astype(bool) & self._child_has_wage)
        c = c[_first_per_group(child_h[c])]
        add(child_h[c], 6, local[c], 0, T.pbb_w[p[child_h[c]]])
        # 7: rounding
        h = np.flatnonzero(flags & W_ROUNDING_ESTIMATED)
        add(h, 7, 0, 0, T.rounding_w[p[h]])

        if not hs:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        h_all = np.concatenate(hs).astype(np.int64)
        key_all = np.concatenate(keys)
        sid_all = np.concatenate(sids)
        order = np.lexsort((key_all, h_all))
        # Repeats of a message within a household (which the single path gives once) can only come from
        # the categories above that drop them already; every other message names its own value or amount.
        return h_all[order], sid_all[order]

    def _warning_groups(self) -> tuple[_LocalMessages, dict[int, list[int]]]:
        messages = _LocalMessages(self.tables.messages)
        h, sid = self._warning_events(messages)
        groups: dict[int, list[int]] = {}
        if len(h):
            starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
            ends = np.r_[starts[1:], len(h)]
            sid_list = sid.tolist()
            for hh, a, b in zip(h[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
                groups[hh] = sid_list[a:b]
        return messages, groups

    def warnings(self) -> list[list[str]]:
        """The warning texts of each household, as in the single path."""
        messages, groups = self._warning_groups()
        out: list[list[str]] = [[] for _ in range(self.n)]
        for h, ids in groups.items():
            out[h] = messages.texts(ids)
        for h, result in self.fallback.items():
            out[h] = list(result.warnings)
        return out

    # -- output --

    def to_dicts(self) -> list[dict[str, Any]]:
        """The same dicts as `calculate(x).to_dict(trace=False)` for each household."""
        kr = kronor
        months = self.months()
        years = self.norm_year().tolist()
        norm = self.shown_ore(self.norm_num).tolist()
        costs = self.costs.tolist()
        need = self.shown_ore(self.need_num).tolist()
        counted = self.shown_ore(self.income_counted_num).tolist()
        disregarded = self.shown_ore(self.income_disregarded_num).tolist()
        amount = self.amount.tolist()
        granted = self.granted.tolist()
        warnings = self.warnings()
        out = []
        for h in range(self.n):
            if h in self.fallback:
                out.append(self.fallback[h].to_dict(trace=False))
                continue
            out.append({
                "month": months[h],
                "norm_year": years[h],
                "norm": kr(norm[h]),
                "costs": kr(costs[h]),
                "need": kr(need[h]),
                "income_counted": kr(counted[h]),
                "income_disregarded": kr(disregarded[h]),
                "amount": amount[h],
                "outcome": "granted" if granted[h] else "refused",
                "warnings": warnings[h],
            })
        return out

    def to_jsonl(self) -> bytes:
        """One JSON line per household, byte for byte `calculate(x).to_json(trace=False)` + newline."""
        return b"".join(self.jsonl_pieces())

    def jsonl_pieces(self) -> list[bytes]:
        """`to_jsonl` as a list of pieces to be written one after the other (e.g. with os.writev)."""
        n = self.n
        if n == 0:
            return []
        # the head of each line, up to and including '"warnings":['
        cols: list[list[Any]] = []
        for ore in (
            self.shown_ore(self.norm_num),
            self.costs,
            self.shown_ore(self.need_num),
            self.shown_ore(self.income_counted_num),
            self.shown_ore(self.income_disregarded_num),
        ):
            whole, rest = np.divmod(ore, 100)
            cols.append(_int_bytes(whole))
            cols.append(_FRACTION_TEXT[rest].tolist())
        unique, inverse = np.unique(self.arrays.month_index * 4096 + self.norm_year(), return_inverse=True)
        month_year = np.array(
            [b'{"month":"%s","norm_year":%d' % (month_from_index(k // 4096).encode(), k % 4096) for k in unique.tolist()],
            dtype=object,
        )[inverse.reshape(-1)].tolist()
        outcome = np.where(self.granted, _GRANTED, _REFUSED).tolist()
        fmt = _HEAD_FORMAT
        heads = [fmt % row for row in zip(month_year, *cols, _int_bytes(self.amount), outcome, strict=True)]

        # the warnings: every piece in one flat array, then one join
        messages = _LocalMessages(self.tables.messages)
        h_ev, sid = self._warning_events(messages)
        counts = np.bincount(h_ev, minlength=n) if len(h_ev) else np.zeros(n, np.int64)
        start = np.zeros(n, np.int64)
        np.cumsum(counts[:-1] + 2, out=start[1:])
        pieces = np.empty(int(start[-1] + counts[-1] + 2), dtype=object)
        pieces[start] = heads
        pieces[start + 1 + counts] = _TAIL
        if len(h_ev):
            first = np.r_[True, h_ev[1:] != h_ev[:-1]]
            group_start = np.flatnonzero(first)
            rank = np.arange(len(h_ev)) - np.repeat(group_start, np.diff(np.r_[group_start, len(h_ev)]))
            local = sid >= _LocalMessages.LOCAL
            shared_encoded = np.array(messages.shared.encoded() + [b""], dtype=object)
            encoded = shared_encoded[np.where(local, -1, sid)]
            if local.any():
                local_encoded = np.array(messages.local + [b""], dtype=object)
                encoded[local] = local_encoded[sid[local] - _LocalMessages.LOCAL]
            encoded[~first] = _COMMA + encoded[~first]
            pieces[start[h_ev] + 1 + rank] = encoded
        for h, result in self.fallback.items():
            pieces[start[h]] = result.to_json(trace=False) + b"\n"
            pieces[start[h] + 1 + counts[h]] = b""
        return pieces.tolist()


_FRACTION_TEXT = np.array(
    [b""] + [f".{i:02d}".rstrip("0").encode() for i in range(1, 100)], dtype=object
)
_HEAD_FORMAT = (
    b'%s,"norm":%s%s,"costs":%s%s,"need":%s%s,"income_counted":%s%s,'
    b'"income_disregarded":%s%s,"amount":%s,"outcome":"%s","warnings":['
)
_INT_LUT: list[np.ndarray] = []


def _int_bytes(values: np.ndarray) -> list[bytes]:
    """Integers as decimal ASCII bytes (a table look-up for 0 … 65 535)."""
    if not _INT_LUT:
        _INT_LUT.append(np.array([b"%d" % i for i in range(65_536)], dtype=object))
    lut = _INT_LUT[0]
    if not len(values) or (values.min() >= 0 and values.max() < len(lut)):
        return lut[values].tolist()
    out = lut[np.clip(values, 0, len(lut) - 1)]
    big = (values < 0) | (values >= len(lut))
    out[big] = [b"%d" % v for v in values[big].tolist()]
    return out.tolist()
_TAIL = b"]}\n"
_COMMA = np.array([b","], dtype=object)
_GRANTED = np.array([b"granted"], dtype=object)[0]
_REFUSED = np.array([b"refused"], dtype=object)[0]


BLOCK_SIZE = 16_384
"""Households per block in `calculate_arrays`. The calculation runs over the households block by block, so
that a block's intermediate arrays stay in the processor's caches; over a million households at once each
of the ~100 steps would stream its arrays through main memory. On the project's 2-core machine, 1 000 000
benchmark households took 279 ms in one block and 200 ms in blocks of 16 384; blocks of 8 192–32 768 are
within 4 % of each other (docs/performance.md)."""


def calculate_arrays(
    arrays: HouseholdArrays, *, local_dir: str | Path | None = None, block_size: int | None = None
) -> BatchResult:
    """Calculate every household of `arrays` (the vectorised form of `calculate.calculate`), `block_size`
    households at a time (default `BLOCK_SIZE`; the result does not depend on it)."""
    block_size = BLOCK_SIZE if block_size is None else block_size
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, not {block_size}")
    A = arrays
    T, rows = tables_for(A.params)
    n = A.n
    if n <= block_size:
        parts = [_calculate_block(A, T, rows[A.param_index])]
    else:
        parts = []
        for lo in range(0, n, block_size):
            hi = min(lo + block_size, n)
            parts.append(_calculate_block(_Block(A, lo, hi), T, rows[A.param_index[lo:hi]]))
    r = parts[0] if len(parts) == 1 else _Part.joined(parts, _capped_types(T))
    flags, D, days_over = r.flags, r.denominator, r.days_over

    fallback = {h: calculate_single(inp, local_dir=local_dir) for h, inp in sorted(A.fallback.items())}
    if fallback:
        fallback_rows = np.fromiter(fallback, np.int64, len(fallback))
        flags[fallback_rows] = 0
        D[fallback_rows] = 1
        days_over &= ~np.isin(A.child_household, fallback_rows)
    return BatchResult(
        arrays=A,
        tables=T,
        param=r.param,
        denominator=D,
        norm_num=r.norm_num,
        costs=r.costs,
        need_num=r.need_num,
        income_counted_num=r.counted_num,
        income_disregarded_num=r.disregarded_num,
        amount=r.amount,
        granted=r.amount > 0,
        flags=flags,
        fallback=fallback,
        _capped=r.capped,
        _child_days_over=days_over,
        _adult_has_wage=r.adult_has_wage,
        _child_has_wage=r.child_has_wage,
    )


def _capped_types(T: ParameterTables) -> list[int]:
    """The cost types with a ceiling or a cap in some parameter set, rent first."""
    return ([RENT] if T.any_ceiling else []) + list(T.capped_types)


class _Block:
    """Households lo:hi of a `HouseholdArrays`, read by `_calculate_block` like the whole: the households'
    arrays and the rows of their children, costs and incomes (views), with the household of each row and
    the child offsets counted from the block's first household and row."""

    __slots__ = (
        "n", "month_index", "param_index", "n_adults", "adult_months", "adult_since", "dwelling_size",
        "n_children", "child_offsets", "child_household", "child_age", "child_lunch", "child_days",
        "child_earnings", "cost_household", "cost_type", "cost_amount", "income_household", "income_type",
        "income_amount", "income_member",
    )

    def __init__(self, A: HouseholdArrays, lo: int, hi: int) -> None:
        self.n = hi - lo
        for name in ("month_index", "param_index", "n_adults", "dwelling_size", "n_children"):
            setattr(self, name, getattr(A, name)[lo:hi])
        self.adult_months = A.adult_months[:, lo:hi]
        self.adult_since = A.adult_since[:, lo:hi]
        c0, c1 = int(A.child_offsets[lo]), int(A.child_offsets[hi])
        self.child_offsets = A.child_offsets[lo:hi + 1] - c0
        self.child_household = A.child_household[c0:c1] - lo
        for name in ("child_age", "child_lunch", "child_days", "child_earnings"):
            setattr(self, name, getattr(A, name)[c0:c1])
        k0, k1 = int(A.cost_offsets[lo]), int(A.cost_offsets[hi])
        self.cost_household = A.cost_household[k0:k1] - lo
        self.cost_type, self.cost_amount = A.cost_type[k0:k1], A.cost_amount[k0:k1]
        i0, i1 = int(A.income_offsets[lo]), int(A.income_offsets[hi])
        self.income_household = A.income_household[i0:i1] - lo
        self.income_type, self.income_amount = A.income_type[i0:i1], A.income_amount[i0:i1]
        self.income_member = A.income_member[i0:i1]


@dataclass
class _Part:
    """`_calculate_block`'s results for the households of one block (see `BatchResult`)."""

    param: np.ndarray
    denominator: np.ndarray
    norm_num: np.ndarray
    costs: np.ndarray
    need_num: np.ndarray
    counted_num: np.ndarray
    disregarded_num: np.ndarray
    amount: np.ndarray
    flags: np.ndarray
    capped: dict[int, tuple[np.ndarray, np.ndarray]]  # type → (total, cap or −1), types with a line
    days_over: np.ndarray  # per child row
    adult_has_wage: np.ndarray  # (2, n)
    child_has_wage: np.ndarray  # per child row

    @classmethod
    def joined(cls, parts: list[_Part], capped_types: list[int]) -> _Part:
        """The parts of consecutive blocks as one."""
        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(part, name) for part in parts])

        def capped_column(code: int, column: int, absent: int) -> np.ndarray:
            # a block without a line of the type: total 0, no cap (−1)
            return np.concatenate([part.capped[code][column] if code in part.capped
                                   else np.full(len(part.amount), absent, np.int64) for part in parts])

        capped = {code: (capped_column(code, 0, 0), capped_column(code, 1, -1))
                  for code in capped_types if any(code in part.capped for part in parts)}
        return cls(
            param=cat("param"), denominator=cat("denominator"), norm_num=cat("norm_num"), costs=cat("costs"),
            need_num=cat("need_num"), counted_num=cat("counted_num"), disregarded_num=cat("disregarded_num"),
            amount=cat("amount"), flags=cat("flags"), capped=capped, days_over=cat("days_over"),
            adult_has_wage=np.concatenate([part.adult_has_wage for part in parts], axis=1),
            child_has_wage=cat("child_has_wage"),
        )


def _calculate_block(A: HouseholdArrays | _Block, T: ParameterTables, p: np.ndarray) -> _Part:
    """The calculation of the households of `A`, whose rows in `T` are `p`."""
    n = A.n
    i64 = np.int64
    flags = np.zeros(n, i64)

    def flag(mask: np.ndarray, bit: int) -> None:
        # (branch-free: flags[mask] |= bit is several times slower when the mask is mixed)
        if mask.any():
            np.bitwise_or(flags, mask * i64(bit), out=flags)

    def flag_rows(households: np.ndarray, bit: int) -> None:
        if len(households):
            flags[households] |= bit

    n_adults = A.n_adults.astype(i64)
    n_ch = A.n_children
    size = n_adults + n_ch
    ds = A.dwelling_size
    shared_home = ds > 0
    dnum = T.div_num[p]
    S = np.where(shared_home, ds, 1) if shared_home.any() else np.ones(n, i64)
    rate_den = T.rate_den[p]
    D = dnum * S * rate_den

    # 1. personal costs: adults, children (part-month: cost × days × div_den / div_num)
    adults = T.adult_cost[p, n_adults]
    flag(T.adult_est[p, n_adults], W_ADULT_ESTIMATED)
    child_h = A.child_household
    cp = p[child_h]
    age, lunch = A.child_age, A.child_lunch
    child_key = (cp * 21 + age) * 2 + lunch.view(np.int8)  # flat index into the (S, 21, 2) tables
    cost = T.child_cost.reshape(-1)[child_key]
    days = A.child_days.astype(i64)
    c_num = dnum[child_h]
    part_month = days >= 0
    child_term = cost * c_num  # öre × div_num
    days_over = np.zeros(len(days), bool)
    if part_month.any():
        c_den = T.div_den[cp]
        part = part_month & (days * c_den < c_num)
        days_over = part_month & (days * c_den > c_num)
        child_term = np.where(part, cost * days * c_den, child_term)
        flag_rows(child_h[part_month & T.div_est[cp]], W_DIVISOR_ESTIMATED)
        flag_rows(child_h[days_over], W_DAYS_OVER_DIVISOR)
    child_sum = np.zeros(n, i64)
    np.add.at(child_sum, child_h, child_term)
    flag_rows(child_h[T.child_est.reshape(-1)[child_key]], W_CHILD_ESTIMATED)

    # 2. shared household costs, hushållsgemenskap share
    persons = np.where(shared_home, ds, size)
    shared_full = T.shared_costs(p, persons)
    shared_num = np.where(shared_home, shared_full * size * (dnum * rate_den), shared_full * D)
    shared_est = T.shared_est[p, np.minimum(persons, 7)]
    shared_est |= (persons > 7) & T.shared_est[p, 6]
    flag(shared_est, W_SHARED_ESTIMATED)

    # 3. norm
    norm_num = adults * D + child_sum * (S * rate_den) + shared_num

    # 4. reasonable costs, with the rent ceiling and local caps
    cost_h = A.cost_household
    ctype = A.cost_type
    camount = A.cost_amount
    costs = np.zeros(n, i64)
    np.add.at(costs, cost_h, camount)
    capped: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for code in _capped_types(T):
        lines = np.flatnonzero(ctype == code)
        if not len(lines):
            continue
        h_t = cost_h[lines]
        total = np.zeros(n, i64)
        np.add.at(total, h_t, camount[lines])
        present = np.zeros(n, bool)
        present[h_t] = True
        if code == RENT:
            ceiling_key = (p * 3 + n_adults) * (MAX_CHILDREN_KEY + 1) + np.minimum(n_ch, MAX_CHILDREN_KEY)
            cap = T.ceiling.reshape(-1)[ceiling_key]
            estimated = T.ceiling_estimated[p]
        else:
            cap = T.caps[p, code]
            estimated = T.cap_est[p, code]
        has_cap = present & (cap >= 0)
        over = has_cap & (total > cap)
        costs -= np.where(over, total - cap, 0)
        flag(has_cap & estimated, W_CAP_ESTIMATED)
        flag(over, W_CAP_EXCEEDED)
        capped[code] = (total, np.where(present, cap, -1))

    # 5. need
    need_num = norm_num + costs * D

    # 6. incomes, jobbstimulans, children's earnings
    inc_h = A.income_household
    iamount = A.income_amount
    member = A.income_member
    income_total = np.zeros(n, i64)
    np.add.at(income_total, inc_h, iamount)
    wage = A.income_type == WAGE
    current = A.month_index
    js_wages = np.zeros(n, i64)
    adult_has_wage = np.zeros((2, n), bool)
    for slot in (0, 1):
        lines = np.flatnonzero(wage & (member == slot))
        if not len(lines):
            continue
        h_w = inc_h[lines]
        wages = np.zeros(n, i64)
        np.add.at(wages, h_w, iamount[lines])
        adult_has_wage[slot, h_w] = True
        h = np.flatnonzero(adult_has_wage[slot])  # only the households where this adult has a wage
        since, ph, now = A.adult_since[slot, h], p[h], current[h]
        applies = np.where(
            since >= 0,
            (since <= now) & (now <= since + T.window[ph] - 1),
            A.adult_months[slot, h] >= T.qualifying[ph],
        )
        js_wages[h] += np.where(applies, wages[h], 0)
    js_num = js_wages * T.rate_num[p]  # öre × rate_den
    flag(T.js_est[p] & (adult_has_wage[0] | adult_has_wage[1]), W_JOBBSTIMULANS_ESTIMATED)

    child_disregard_h = np.zeros(n, i64)
    child_has_wage = np.zeros(len(child_h), bool)
    lines = np.flatnonzero(wage & (member >= FIRST_CHILD_MEMBER))
    if len(lines):
        h_w = inc_h[lines]
        child_row = A.child_offsets[h_w] + member[lines] - FIRST_CHILD_MEMBER
        wage_by_child = np.zeros(len(child_h), i64)
        np.add.at(wage_by_child, child_row, iamount[lines])
        child_has_wage[child_row] = True
        with_wage = np.flatnonzero(child_has_wage)
        left = np.maximum(0, T.pbb[cp[with_wage]] - A.child_earnings[with_wage])
        np.add.at(child_disregard_h, child_h[with_wage], np.minimum(wage_by_child[with_wage], left))
        flag_rows(child_h[with_wage[T.pbb_est[cp[with_wage]]]], W_PBB_ESTIMATED)

    disregarded_num = js_num * (dnum * S) + child_disregard_h * D
    counted_num = income_total * D - disregarded_num

    # 7. the payable amount, rounded once
    rest = np.maximum(need_num - counted_num, 0)
    unit = 100 * D
    rule = T.rounding[p]
    if T.all_half_up:
        amount = (2 * rest + unit) // (2 * unit)
    else:
        amount = np.where(
            rule == 0, (2 * rest + unit) // (2 * unit), np.where(rule == 1, rest // unit, -((-rest) // unit))
        )
    flag(T.rounding_est[p], W_ROUNDING_ESTIMATED)
    flag(T.has_notice[p], W_NOTICE)

    return _Part(
        param=p,
        denominator=D,
        norm_num=norm_num,
        costs=costs,
        need_num=need_num,
        counted_num=counted_num,
        disregarded_num=disregarded_num,
        amount=amount,
        flags=flags,
        capped=capped,
        days_over=days_over,
        adult_has_wage=adult_has_wage,
        child_has_wage=child_has_wage,
    )


def calculate_many(
    inputs: Sequence[CalculationInput], *, local_dir: str | Path | None = None
) -> BatchResult:
    """`HouseholdArrays.from_inputs` + `calculate_arrays`."""
    return calculate_arrays(HouseholdArrays.from_inputs(inputs, local_dir=local_dir), local_dir=local_dir)
