"""`bistand calculate --batch IN.jsonl --out OUT.jsonl [--trace]`: many households from a JSON Lines file.

Format
- Input: one household per line, each a JSON object following calculation.schema.json. Lines end with
  "\\n" (a "\\r\\n" ending is accepted); the last line may lack it. An empty line (or one with only
  spaces) is an input error: each output line answers the input line with the same number, so a blank line
  cannot just be skipped. An empty file gives an empty output file.
- Output: one JSON object per input line, in the same order, exactly as calculation-result.md describes
  (`calculate(x).to_json(trace=False)`); with --trace every result also has `lines`.
- Invalid input: `CalculationInputError` with `index` = the 0-based line (the CLI prints
  "rad N: fältet F: …"), for the first invalid line of the file. No output file is written: results go
  to a temporary file in the output's directory that is renamed over OUT.jsonl only when every line is
  done, and removed on any failure.

Speed
- Two readers give the same columns (`HouseholdArrays`), which `batch.calculate_arrays` calculates; results
  are formatted from the columns.
- The compiled reader (`_linescan.c`, built at install by setup.py; `use_compiled_reader`)
  reads a chunk's lines straight into int64 columns, without a Python object per line. It takes only lines
  written in the plain way (no escapes in ids, members, types, months or codes; integers as digits; amounts
  as digits with at most two decimals; each key once) that pass every check below, and marks every other
  line as suspect: the single path then decides it, as below. It never rejects a line itself. When it
  leaves more than a few lines of a chunk (COMPILED_LEFT_MAX_SHARE), the pure-Python reader reads the chunk.
- The reader is chosen by BISTAND_BATCH_READER = compiled (the default: an error when it was not built) | python
  (never the compiled one); see `bistand.engine.readers`. Nothing falls back silently.
- The pure-Python reader (BISTAND_BATCH_READER=python, and for a chunk the compiled one leaves): lines are decoded
  with msgspec into light structs (`_Input`) a thousand at a time (so that the decoded objects are still in
  the processor's cache when they are turned into columns) and turned into columns.
- Amounts become öre exactly, with integer arithmetic only: the compiled reader reads their digits itself;
  the pure-Python reader keeps them as their raw JSON text (msgspec.Raw) and converts the usual forms
  ("1234", "1234.5", "1234.56") on whole columns, anything else (an exponent, …) through Decimal (see
  `_raw_ore`). No float is involved.
- The checks that the schema cannot express (unique ids, members, dwelling size, two decimals, a year
  with riksnorm) are done on whole columns (by the compiled reader line by line). Any line that fails one
  of them, that a reader does not take, or whose amounts are too large for int64 arithmetic, is decoded
  again by the single path's `decode_input`, which either raises the authoritative error (same field and message as
  `bistand calculate FILE.json`) or accepts it, in which case the single path calculates that line. The
  batch therefore accepts and rejects exactly what the single path does.
- Large files are cut into chunks of whole lines (CHUNK_BYTES) that worker processes (one per core,
  fork) take in turn; each writes its results straight into its place in the output file as soon as the
  sizes of the earlier chunks are known. A progress bar is shown on stderr for long runs.
- With --trace every line goes through the single path (trace lines are not vectorised).
"""

from __future__ import annotations

import gc
import multiprocessing
import operator
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, compress, repeat
from operator import attrgetter
from pathlib import Path
from typing import IO, Annotated, Any, Literal

import msgspec
import numpy as np
from msgspec import Meta, Struct
from msgspec.structs import astuple

from bistand.engine import readers
from bistand.engine.batch import (
    COST_CODES,
    FIRST_CHILD_MEMBER,
    INCOME_CODES,
    MAX_AMOUNT_ORE,
    MAX_PERSONS,
    MONTHS_CLIP,
    NO_MEMBER,
    WAGE,
    HouseholdArrays,
    calculate_arrays,
    parameter_groups_indexed,
)
from bistand.rules.calculate import calculate as calculate_single
from bistand.rules.errors import CalculationInputError
from bistand.rules.model import (
    CostType,
    IncomeType,
    amount_to_ore,
    decode_input,
)
from bistand.rules.parameters import load_parameters

#: Whether decode_jsonl reads with the compiled reader (C, built at install by setup.py; see _linescan.c) or
#: with the pure-Python one (msgspec's light decoder); both give the same results.
#: BISTAND_BATCH_READER = compiled (default) | python chooses, explicitly (`readers.use_compiled_reader`: an
#: unknown value, or "compiled" when it was not built, raises ReaderChoiceError here, at import).
use_compiled_reader: bool = readers.use_compiled_reader()
#: The compiled reader's module when chosen (a plain import: one that is there but broken fails loudly).
_linescan = readers.load_compiled_reader() if use_compiled_reader else None

#: Households with more children than this are left to the single path by the batch readers.
MAX_CHILDREN_CHECKED = 8

__all__ = ["ProgressBar", "calculate_documents", "calculate_jsonl", "decode_jsonl", "run_batch"]

#: Bytes of lines split, decoded and turned into columns together inside a chunk (about 1 000 households):
#: small enough that the lines and the decoded objects stay in the processor's cache meanwhile (much faster
#: than one big step).
SUBCHUNK_BYTES = 400_000

EMPTY_LINE_MESSAGE = "Raden är tom. Varje rad ska innehålla ett hushåll som ett JSON-objekt."
_NOT_WRITTEN = "ingen resultatfil har skrivits"

# --- light structs for decoding (same constraints as bistand.rules.model; amounts untyped) --------------

_Id = Annotated[str, Meta(min_length=1)]
# Amounts are kept as their raw JSON text (msgspec.Raw) and converted to öre on whole columns with integer
# arithmetic (see _raw_ore); a JSON value that is not a number is an invalid amount.
_Amount = msgspec.Raw
_ZERO = msgspec.Raw(b"0")
# Months 1900-01 … 2199-12 and municipality codes 0000 … 9999 as literals: the decoder hands out these very
# strings (no new text per line) and rejects any other text, and such a line goes to the single path (which
# gives the error, or calculates a month far outside the years the rules cover).
_MONTH_TEXTS = tuple(f"{year:04d}-{month:02d}" for year in range(1900, 2200) for month in range(1, 13))
_MUNICIPALITY_TEXTS = tuple(f"{code:04d}" for code in range(10_000))
_MonthText = Literal[_MONTH_TEXTS]  # type: ignore[valid-type]
_MunicipalityText = Literal[_MUNICIPALITY_TEXTS]  # type: ignore[valid-type]


class _Adult(Struct, forbid_unknown_fields=True, gc=False):
    id: _Id
    age: Annotated[int, Meta(ge=18, le=130)]
    consecutive_months_on_assistance: Annotated[int, Meta(ge=0)] = 0
    jobbstimulans_since: _MonthText | None = None


class _Child(Struct, forbid_unknown_fields=True, gc=False):
    id: _Id
    age: Annotated[int, Meta(ge=0, le=20)]
    lunch_away_from_home: bool = False
    days_present: Annotated[int, Meta(ge=0, le=31)] | None = None
    earnings_this_year_before_month: _Amount = _ZERO  # absent: 0 (JSON null is an invalid amount)


class _Household(Struct, forbid_unknown_fields=True, gc=False):
    adults: Annotated[list[_Adult], Meta(min_length=1, max_length=2)]
    children: list[_Child] = []
    dwelling_size: Annotated[int, Meta(ge=1)] | None = None


class _Cost(Struct, forbid_unknown_fields=True, gc=False):
    type: CostType
    amount: _Amount
    note: str = None  # type: ignore[assignment]  # absent → None; JSON null is rejected (as in the model)


class _Income(Struct, forbid_unknown_fields=True, gc=False):
    type: IncomeType
    amount: _Amount
    member: str = None  # type: ignore[assignment]
    note: str = None  # type: ignore[assignment]


class _Input(Struct, forbid_unknown_fields=True, gc=False):
    month: _MonthText
    household: _Household
    municipality: _MunicipalityText = None  # type: ignore[assignment]  # absent → None; JSON null is rejected
    costs: list[_Cost] = []
    incomes: list[_Income] = []


_DECODER = msgspec.json.Decoder(_Input, strict=True)
# _extract unpacks the structs by field order (msgspec.structs.astuple)
assert _Input.__struct_fields__ == ("month", "household", "municipality", "costs", "incomes")
assert _Child.__struct_fields__ == ("id", "age", "lunch_away_from_home", "days_present", "earnings_this_year_before_month")
_AMOUNT_CHARACTERS = b"0123456789.,"
_PLAIN_NUMBER = re.compile(rb"[0-9]+(?:\.[0-9]+)?")


def _joined(raws: list[Any]) -> bytes:
    """The raw amount texts, each followed by a comma (made while the decoded objects are in the cache)."""
    return b",".join(raws) + b"," if raws else b""


def _raw_ore(raws: list[Any], joined: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Amounts as raw JSON texts (and `_joined` of them) → (öre, ok), with integer arithmetic only. ok is False unless the text is a
    number ≥ 0 with at most two decimals and at most MAX_AMOUNT_ORE öre. The usual forms ("1234",
    "1234.5", "1234.56", with any number of digits) are read on whole columns; anything else (an exponent, a
    sign, or not a number at all) one by one."""
    n = len(raws)
    ore = np.zeros(n, np.int64)
    ok = np.zeros(n, bool)
    if not n:
        return ore, ok
    if joined.translate(None, _AMOUNT_CHARACTERS):  # something else than plain numbers: sort them out
        texts = [bytes(r) for r in raws]
        plain = np.fromiter((_PLAIN_NUMBER.fullmatch(t) is not None for t in texts), bool, n)
        rows = np.flatnonzero(plain)
        if len(rows):
            ore[rows], ok[rows] = _plain_ore([texts[i] for i in rows.tolist()])
        for i in np.flatnonzero(~plain).tolist():
            ore[i], ok[i] = _decimal_ore(texts[i])
        return ore, ok
    return _plain_ore(raws, joined)


def _plain_ore(texts: list[Any], joined: bytes | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`_raw_ore` for texts that are all digits with at most one point: the points are taken out and the
    digits read as integers by NumPy's text parser (C `strtoll`: exact, and clamped at the int64 limit, so an
    overlong text is simply too large); the number of decimals gives the power of ten. A text with more than
    two decimals, or above MAX_AMOUNT_ORE, is not ok (its line then goes to the single path)."""
    n = len(texts)
    if joined is None:
        joined = b",".join(texts) + b","
    buf = np.frombuffer(joined, np.uint8)
    points = np.flatnonzero(buf == 46)
    scale = np.full(n, 100, np.int64)
    if len(points):
        ends = np.flatnonzero(buf == 44)  # the comma after each text
        with_point = np.searchsorted(ends, points)  # the text of each point
        decimals = ends[with_point] - points - 1
        scale[with_point] = _SCALE[np.minimum(decimals, 3)]  # 3 or more decimals: 0 (not ok)
        joined = joined.replace(b".", b"")
    value = np.fromstring(joined[:-1], np.int64, sep=",") if n else np.zeros(0, np.int64)
    if len(value) != n:  # pragma: no cover - only digits and commas come here
        raise AssertionError("amount texts were not read to their end")
    ok = (scale > 0) & (value <= MAX_AMOUNT_ORE)
    ore = np.where(ok, value, 0) * scale  # no overflow: at most MAX_AMOUNT_ORE × 100
    ok &= ore <= MAX_AMOUNT_ORE
    return np.where(ok, ore, 0), ok


_SCALE = np.array([100, 10, 1, 0], np.int64)  # öre per unit of the text without its point, by decimals


def _decimal_ore(text: bytes) -> tuple[int, bool]:
    """One amount text the column reader does not take (an exponent, a sign, …) → (öre, ok)."""
    try:
        value = Decimal(text.decode())
        if value.is_finite() and value >= 0 and value.adjusted() < 12:  # before any huge power of ten
            ore = amount_to_ore(value)
            if ore <= MAX_AMOUNT_ORE:
                return ore, True
    except (ArithmeticError, ValueError, UnicodeDecodeError):
        pass
    return 0, False


def _ints(values: list[int], high: int, low: int = 0) -> np.ndarray:
    """Python ints → int64, clipped to low … high (they may be beyond int64)."""
    try:
        arr = np.fromiter(values, np.int64, len(values))
    except OverflowError:
        arr = np.array([min(max(v, low), high) for v in values], np.int64)
    return np.clip(arr, low, high)


def _ints_or_none(values: list[int | None], high: int) -> np.ndarray:
    """Like _ints (low −1), with None → −1."""
    try:
        arr = np.fromiter(map(_NONE_TO_MINUS_ONE.get, values, values), np.int64, len(values))
    except OverflowError:
        arr = np.array([-1 if v is None else min(v, high) for v in values], np.int64)
    return np.minimum(arr, high)


_NONE_TO_MINUS_ONE = {None: -1}


def _split_lines(text: bytes) -> list[bytes]:
    lines = text.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def _line_pieces(text: bytes, piece_bytes: int = SUBCHUNK_BYTES) -> Iterator[list[bytes]]:
    """`_split_lines(text)` in consecutive pieces of whole lines, each about `piece_bytes` long, split one
    after the other (a piece's lines are still in the cache when they are decoded)."""
    if not text:
        return
    body_end = len(text) - 1 if text.endswith(b"\n") else len(text)  # the final newline ends the last line
    pos = 0
    while True:
        end = text.find(b"\n", pos + piece_bytes, body_end) if body_end - pos > piece_bytes else -1
        if end < 0:
            yield text[pos:body_end].split(b"\n")
            return
        yield text[pos:end].split(b"\n")
        pos = end + 1


def _decode_lines(lines: Sequence[bytes]) -> tuple[list[_Input], list[int]]:
    """Decode with the light decoder. Returns (structs, positions that it rejected); a rejected position
    holds a placeholder struct."""
    decode = _DECODER.decode
    try:
        return list(map(decode, lines)), []
    except (msgspec.DecodeError, ValueError):
        pass
    out: list[_Input] = []
    bad: list[int] = []
    for i, line in enumerate(lines):
        try:
            out.append(decode(line))
        except (msgspec.DecodeError, ValueError):
            bad.append(i)
            out.append(_PLACEHOLDER)
    return out, bad


_PLACEHOLDER = _Input(month="2000-01", household=_Household(adults=[_Adult(id="-", age=18)]))


_MONTHS: dict[str | None, int] = {}


def _month_table() -> dict[str | None, int]:
    """'YYYY-MM' (the literal texts) → month index for 1900-01 … 2199-12, and None → −1."""
    if not _MONTHS:
        _MONTHS[None] = -1
        _MONTHS.update((text, 1900 * 12 + i) for i, text in enumerate(_MONTH_TEXTS))
    return _MONTHS


_get = attrgetter
_MISSING = -2
# Municipality codes seen (valid pattern, or None), numbered in order of appearance in this process.
_MUNICIPALITIES: list[str | None] = [None]
_MUNICIPALITY_CODES: dict[str | None, int] = {None: 0}


def _hashes(texts: list[Any]) -> np.ndarray:
    return np.fromiter(map(hash, texts), np.int64, len(texts))


@dataclass
class _Columns:
    """The raw columns of some lines (see `_extract`): per household, and flat per adult, child, cost and
    income. Checks that need whole columns are done afterwards, on a whole chunk (`_validate`)."""

    suspect: np.ndarray  # lines the light decoder rejected (a malformed month or municipality among them)
    month_idx: np.ndarray
    municipality_code: np.ndarray  # position in _MUNICIPALITIES
    n_adults: np.ndarray
    n_children: np.ndarray
    n_costs: np.ndarray
    n_incomes: np.ndarray
    dwelling: np.ndarray
    adult_months: np.ndarray  # flat, one per adult
    adult_since: np.ndarray  # flat; _MISSING when not a usable month
    child_age: np.ndarray
    child_lunch: np.ndarray
    child_days: np.ndarray
    child_earnings: np.ndarray  # öre
    child_earnings_ok: np.ndarray
    child_ids: list[str]
    cost_type: np.ndarray
    cost_amount: np.ndarray
    cost_ok: np.ndarray
    income_type: np.ndarray
    income_amount: np.ndarray
    income_ok: np.ndarray
    # ids and members for the checks in _validate (the light decoder's path) ...
    adult_ids: list[str] | None = None
    adult_hash: np.ndarray | None = None
    child_hash: np.ndarray | None = None
    members: list[str | None] | None = None
    member_hash: np.ndarray | None = None
    member_given: np.ndarray | None = None
    # ... or, from the compiled reader, the member of each income (ids and members already checked)
    income_member: np.ndarray | None = None

    @classmethod
    def concatenate(cls, parts: list[_Columns]) -> _Columns:
        if len(parts) == 1:
            return parts[0]
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            first = getattr(parts[0], name)
            if first is None:
                values[name] = None
            elif isinstance(first, list):
                values[name] = list(chain.from_iterable(getattr(part, name) for part in parts))
            else:
                values[name] = np.concatenate([getattr(part, name) for part in parts])
        return cls(**values)


def _extract(lines: Sequence[bytes]) -> _Columns:
    """Decode `lines` with the light decoder and take every value out of the decoded objects (while they
    are still in the processor's cache)."""
    n = len(lines)
    objs, bad = _decode_lines(lines)
    suspect = np.zeros(n, bool)
    if bad:
        suspect[bad] = True
    months_table = _month_table()

    # one tuple per struct, transposed into one tuple per field (faster than a pass per field here)
    months, households, municipalities, costs_l, incomes_l = zip(*map(astuple, objs), strict=True) if n else ((),) * 5
    month_idx = np.fromiter(map(months_table.get, months, repeat(_MISSING)), np.int64, n)
    codes = _MUNICIPALITY_CODES
    for m in set(municipalities).difference(codes):  # a valid code (the decoder checked it), or None
        codes[m] = len(_MUNICIPALITIES)
        _MUNICIPALITIES.append(m)
    municipality_code = np.fromiter(map(codes.__getitem__, municipalities), np.int64, n)
    adults_l = list(map(_get("adults"), households))
    children_l = list(map(_get("children"), households))
    adults = list(chain.from_iterable(adults_l))
    children = list(chain.from_iterable(children_l))
    costs = list(chain.from_iterable(costs_l))
    incomes = list(chain.from_iterable(incomes_l))
    n_children = len(children)
    adult_ids = list(map(_get("id"), adults))
    child_ids, child_ages, child_lunches, child_days, earnings = zip(*map(astuple, children), strict=True) if children else ((),) * 5
    child_ids = list(child_ids)
    members = list(map(_get("member"), incomes))
    earnings_given = np.fromiter(map(operator.is_not, earnings, repeat(_ZERO)), bool, len(earnings))
    given = list(compress(earnings, earnings_given))
    # every amount of these lines converted together: the given earnings, then the costs, then the incomes
    raws = given + list(map(_get("amount"), costs)) + list(map(_get("amount"), incomes))
    amount, amount_ok = _raw_ore(raws, _joined(raws))
    n_given, n_costs = len(given), len(costs)
    child_earnings = np.zeros(len(earnings), np.int64)
    earnings_ok = np.ones(len(earnings), bool)
    child_earnings[earnings_given], earnings_ok[earnings_given] = amount[:n_given], amount_ok[:n_given]
    cost_amount, cost_ok = amount[n_given:n_given + n_costs], amount_ok[n_given:n_given + n_costs]
    income_amount, income_ok = amount[n_given + n_costs:], amount_ok[n_given + n_costs:]
    return _Columns(
        suspect=suspect | (month_idx < 0),
        month_idx=month_idx,
        municipality_code=municipality_code,
        n_adults=np.fromiter(map(len, adults_l), np.int64, n),
        n_children=np.fromiter(map(len, children_l), np.int64, n),
        n_costs=np.fromiter(map(len, costs_l), np.int64, n),
        n_incomes=np.fromiter(map(len, incomes_l), np.int64, n),
        dwelling=np.maximum(_ints_or_none(list(map(_get("dwelling_size"), households)), MAX_PERSONS + 1), 0),
        adult_months=_ints(list(map(_get("consecutive_months_on_assistance"), adults)), MONTHS_CLIP),
        adult_since=np.fromiter(
            map(months_table.get, map(_get("jobbstimulans_since"), adults), repeat(_MISSING)), np.int64, len(adults)
        ),
        adult_ids=adult_ids,
        adult_hash=_hashes(adult_ids),
        child_age=np.fromiter(child_ages, np.int8, n_children),
        child_lunch=np.fromiter(child_lunches, bool, n_children),
        child_days=_ints_or_none(child_days, 31).astype(np.int16),
        child_earnings=child_earnings,
        child_earnings_ok=earnings_ok,
        child_ids=child_ids,
        child_hash=_hashes(child_ids),
        cost_type=np.fromiter(map(COST_CODES.__getitem__, map(_get("type"), costs)), np.int8, len(costs)),
        cost_amount=cost_amount,
        cost_ok=cost_ok,
        income_type=np.fromiter(map(INCOME_CODES.__getitem__, map(_get("type"), incomes)), np.int8, len(incomes)),
        income_amount=income_amount,
        income_ok=income_ok,
        members=members,
        member_hash=_hashes(members),
        member_given=np.fromiter(map(operator.is_not, members, repeat(None)), bool, len(incomes)),
    )


def _validate(c: _Columns) -> tuple[np.ndarray, ...]:
    """The amounts in öre, and the checks the schema cannot express, on whole columns. Returns (suspect,
    adult_months (2, n), adult_since (2, n), income_member, child_earnings, cost_amount, income_amount).
    A line is suspect when it fails a check (the single path then decides)."""
    n = len(c.month_idx)
    suspect = c.suspect.copy()
    n_ad, n_ch = c.n_adults, c.n_children
    # amounts: exact two-decimal numbers within range (converted in _extract)
    child_earnings, earnings_ok = c.child_earnings, c.child_earnings_ok
    cost_amount, cost_ok = c.cost_amount, c.cost_ok
    income_amount, income_ok = c.income_amount, c.income_ok
    for ok, counts in ((earnings_ok, n_ch), (cost_ok, c.n_costs), (income_ok, c.n_incomes)):
        if not ok.all():
            suspect[np.repeat(np.arange(n), counts)[~ok]] = True
    # adults in two slots
    first_adult = np.zeros(n, np.int64)
    if n > 1:
        np.cumsum(n_ad[:-1], out=first_adult[1:])
    two = n_ad == 2
    second_adult = np.where(two, first_adult + 1, -1)
    adult_months = np.zeros((2, n), np.int64)
    adult_since = np.full((2, n), -1, np.int64)
    if n:
        adult_months[0] = c.adult_months[first_adult]
        adult_since[0] = c.adult_since[first_adult]
        adult_months[1, two] = c.adult_months[second_adult[two]]
        adult_since[1, two] = c.adult_since[second_adult[two]]
        suspect |= (adult_since[0] == _MISSING) | (adult_since[1] == _MISSING)
        adult_since = np.maximum(adult_since, -1)
    # dwelling size at least the household
    suspect |= (c.dwelling > 0) & (c.dwelling < n_ad + n_ch)
    if c.income_member is not None:  # the compiled reader has checked ids and members line by line
        return suspect, adult_months, adult_since, c.income_member, child_earnings, cost_amount, income_amount
    assert c.adult_hash is not None and c.child_hash is not None and c.member_hash is not None
    assert c.adult_ids is not None and c.members is not None and c.member_given is not None
    # unique ids: hashes compared pairwise within each household (equal hashes make the line suspect, and the
    # single path then decides; more than MAX_CHILDREN_CHECKED children: the single path checks)
    child_start = np.zeros(n, np.int64)
    if n > 1:
        np.cumsum(n_ch[:-1], out=child_start[1:])
    width = int(min(n_ch.max(initial=0), MAX_CHILDREN_CHECKED))
    suspect |= n_ch > width
    lowest = np.iinfo(np.int64).min
    columns = [c.adult_hash[first_adult] if n else np.zeros(0, np.int64)]
    columns.append(np.where(two, c.adult_hash[np.maximum(second_adult, 0)] if n else 0, lowest))
    for j in range(width):
        has = n_ch > j
        column = np.full(n, lowest + 1 + j, np.int64)
        column[has] = c.child_hash[child_start[has] + j]
        columns.append(column)
    for a in range(len(columns)):
        for b in range(a + 1, len(columns)):
            suspect |= columns[a] == columns[b]
    # members: a wage needs one; each must name an adult or a child of the same household (a candidate whose
    # hash matches is confirmed by comparing the texts)
    n_incomes = len(c.income_type)
    income_member = np.full(n_incomes, NO_MEMBER, np.int32)
    if n_incomes:
        inc_h = np.repeat(np.arange(n), c.n_incomes)
        given = c.member_given
        suspect[inc_h[(c.income_type == WAGE) & ~given]] = True
        candidates = [(first_adult, None, c.adult_hash, c.adult_ids, 0), (second_adult, two, c.adult_hash, c.adult_ids, 1)]
        candidates += [(child_start + j, n_ch > j, c.child_hash, c.child_ids, FIRST_CHILD_MEMBER + j) for j in range(width)]
        members = c.members
        unresolved = np.flatnonzero(given)  # incomes whose member is not found yet
        for rows, exists, hashes, ids, code in candidates:
            if not len(unresolved):
                break
            owner = inc_h[unresolved]
            look = unresolved
            if exists is not None:
                keep = exists[owner]
                look, owner = unresolved[keep], owner[keep]
            row = rows[owner]
            match = c.member_hash[look] == hashes[row]
            if not match.any():
                continue
            look, row = look[match].tolist(), row[match].tolist()
            same = np.fromiter(map(operator.eq, [members[i] for i in look], [ids[r] for r in row]), bool, len(look))
            found = np.array(look, np.int64)[same]
            income_member[found] = code
            unresolved = unresolved[income_member[unresolved] == NO_MEMBER]
        suspect[inc_h[unresolved]] = True
    return suspect, adult_months, adult_since, income_member, child_earnings, cost_amount, income_amount


def _offsets(counts: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def _finish(
    c: _Columns, lines: Sequence[bytes] | _Lines, first_index: int, local_dir: str | Path | None
) -> HouseholdArrays:
    """Columns → HouseholdArrays: parameter sets, and the single path's verdict on every suspect line."""
    suspect, adult_months, adult_since, income_member, child_earnings, cost_amount, income_amount = _validate(c)
    month_idx = np.where(c.month_idx >= 0, c.month_idx, -1)
    param_index, sets, failed = parameter_groups_indexed(
        month_idx, list(_MUNICIPALITIES), local_dir, municipality_code=c.municipality_code
    )
    suspect |= failed
    arrays = HouseholdArrays(
        month_index=month_idx,
        params=sets,
        param_index=param_index,
        n_adults=c.n_adults.astype(np.int8),
        adult_months=adult_months,
        adult_since=adult_since,
        dwelling_size=np.where(suspect, 0, c.dwelling),
        child_offsets=_offsets(c.n_children),
        child_age=c.child_age,
        child_lunch=c.child_lunch,
        child_days=c.child_days,
        child_earnings=child_earnings,
        child_ids=c.child_ids,
        cost_offsets=_offsets(c.n_costs),
        cost_type=c.cost_type,
        cost_amount=cost_amount,
        income_offsets=_offsets(c.n_incomes),
        income_type=c.income_type,
        income_amount=income_amount,
        income_member=income_member,
    )
    suspect |= arrays.unrepresentable()

    # Lines that failed a check: the single path decides (its error, or the single path calculates them).
    for h in np.flatnonzero(suspect).tolist():
        index = first_index + h
        line = lines[h]
        if not line.strip():
            raise CalculationInputError("", EMPTY_LINE_MESSAGE, index)
        inp = decode_input(line, index)
        try:
            load_parameters(inp.month, inp.municipality_code, local_dir)
        except CalculationInputError as exc:
            raise exc.with_index(index) from None
        arrays.fallback[h] = inp
    return arrays


# --- the compiled reader -------------------------------------------------------------------------------

#: The single path calculates the lines the compiled reader does not take (≈ 15 times slower per line than
#: the pure-Python reader); when more than this share of a chunk's lines (and more than this number) are
#: left, the pure-Python reader reads the chunk instead.
COMPILED_LEFT_MAX_SHARE = 0.03
COMPILED_LEFT_MAX_LINES = 8

_SCAN_LIMITS = (MAX_AMOUNT_ORE, MAX_PERSONS + 1, MAX_CHILDREN_CHECKED, MONTHS_CLIP, FIRST_CHILD_MEMBER)
_COST_NAMES = tuple(COST_CODES)
_INCOME_NAMES = tuple(INCOME_CODES)
assert [COST_CODES[name] for name in _COST_NAMES] == list(range(len(_COST_NAMES)))
assert [INCOME_CODES[name] for name in _INCOME_NAMES] == list(range(len(_INCOME_NAMES)))


def _municipality_positions(codes: np.ndarray) -> np.ndarray:
    """Municipality codes as numbers (−1: none) → positions in _MUNICIPALITIES."""
    values, inverse = np.unique(codes, return_inverse=True)
    table = np.empty(len(values), np.int64)
    for i, value in enumerate(values.tolist()):
        code = None if value < 0 else f"{value:04d}"
        if code not in _MUNICIPALITY_CODES:
            _MUNICIPALITY_CODES[code] = len(_MUNICIPALITIES)
            _MUNICIPALITIES.append(code)
        table[i] = _MUNICIPALITY_CODES[code]
    return table[inverse.reshape(-1)]


def _scan(text: bytes) -> _Columns:
    """The columns of every line of `text`, read by the compiled reader. A line it does not take (invalid,
    or valid but written in a way it does not read) is suspect, and the single path decides it."""
    assert _linescan is not None
    hh, ad, ch, co, inc, child_ids = _linescan.scan(text, _COST_NAMES, _INCOME_NAMES, WAGE, _SCAN_LIMITS)
    h = np.frombuffer(hh, np.int64).reshape(-1, 8)
    a = np.frombuffer(ad, np.int64).reshape(-1, 2)
    k = np.frombuffer(ch, np.int64).reshape(-1, 4)
    cost = np.frombuffer(co, np.int64).reshape(-1, 2)
    income = np.frombuffer(inc, np.int64).reshape(-1, 3)
    return _Columns(
        suspect=h[:, 7] == 0,
        month_idx=h[:, 0].copy(),
        municipality_code=_municipality_positions(h[:, 1]),
        n_adults=h[:, 2].copy(),
        n_children=h[:, 3].copy(),
        n_costs=h[:, 4].copy(),
        n_incomes=h[:, 5].copy(),
        dwelling=h[:, 6].copy(),
        adult_months=a[:, 0].copy(),
        adult_since=a[:, 1].copy(),
        child_age=k[:, 0].astype(np.int8),
        child_lunch=k[:, 1].astype(bool),
        child_days=k[:, 2].astype(np.int16),
        child_earnings=k[:, 3].copy(),
        child_earnings_ok=np.ones(len(k), bool),
        child_ids=child_ids,
        cost_type=cost[:, 0].astype(np.int8),
        cost_amount=cost[:, 1].copy(),
        cost_ok=np.ones(len(cost), bool),
        income_type=income[:, 0].astype(np.int8),
        income_amount=income[:, 1].copy(),
        income_ok=np.ones(len(income), bool),
        income_member=income[:, 2].astype(np.int32),
    )


class _Lines:
    """The lines of a text (as `_split_lines`), split only when one is asked for: with the compiled reader
    only the lines it did not take are needed."""

    def __init__(self, text: bytes) -> None:
        self.text = text
        self._lines: list[bytes] | None = None

    def __getitem__(self, i: int) -> bytes:
        if self._lines is None:
            self._lines = _split_lines(self.text)
        return self._lines[i]

    def __len__(self) -> int:
        return _count_lines(self.text)


def decode_jsonl(
    text: bytes,
    *,
    first_index: int = 0,
    local_dir: str | Path | None = None,
) -> HouseholdArrays:
    """JSON Lines (one household per line) → `HouseholdArrays`, validated exactly like `decode_input`.

    Raises CalculationInputError for the first invalid line, with `index` = first_index + its position."""
    if use_compiled_reader:
        columns = _scan(text)
        left = int(np.count_nonzero(columns.suspect))
        if left <= max(COMPILED_LEFT_MAX_LINES, len(columns.suspect) * COMPILED_LEFT_MAX_SHARE):
            return _finish(columns, _Lines(text), first_index, local_dir)
        # Many lines written in ways the compiled reader leaves (escapes in ids, say): the pure-Python reader
        # reads those much faster than the single path would.
    lines: list[bytes] = []
    parts = []
    for piece in _line_pieces(text):
        parts.append(_extract(piece))
        lines += piece
    if not parts:
        parts = [_extract([])]
    return _finish(_Columns.concatenate(parts), lines, first_index, local_dir)


def calculate_jsonl(
    text: bytes,
    *,
    first_index: int = 0,
    trace: bool = False,
    local_dir: str | Path | None = None,
) -> bytes:
    """Results (JSON Lines) for the households in `text` (JSON Lines)."""
    return b"".join(_calculate_pieces(text, first_index=first_index, trace=trace, local_dir=local_dir))


def calculate_documents(
    documents: Sequence[bytes],
    *,
    trace: bool = False,
    local_dir: str | Path | None = None,
) -> list[bytes]:
    """Results for households given as separate JSON documents that are known to be well-formed JSON (the
    items of the API's list, already parsed as one JSON array): each one's result as JSON bytes, in order —
    exactly the lines `bistand calculate --batch` writes for the same households.

    A line break in well-formed JSON can only be whitespace between tokens (inside a text it must be
    escaped), so a document written over several lines becomes one line by turning its line breaks into
    spaces. Raises CalculationInputError (`index` = the document's position) for the first invalid one."""
    lines = [doc.replace(b"\r", b" ").replace(b"\n", b" ") for doc in documents]
    if not lines:
        return []
    return calculate_jsonl(b"\n".join(lines), trace=trace, local_dir=local_dir).split(b"\n")[:-1]


def _calculate_pieces(
    text: bytes, *, first_index: int = 0, trace: bool = False, local_dir: str | Path | None = None
) -> list[bytes]:
    """`calculate_jsonl` as pieces to write one after the other (no need to join them in memory)."""
    if trace:
        out = []
        for i, line in enumerate(_split_lines(text)):
            if not line.strip():
                raise CalculationInputError("", EMPTY_LINE_MESSAGE, first_index + i)
            inp = decode_input(line, first_index + i)
            try:
                result = calculate_single(inp, local_dir=local_dir)
            except CalculationInputError as exc:
                raise exc.with_index(first_index + i) from None
            out.append(result.to_json(trace=True))
            out.append(b"\n")
        return out
    arrays = decode_jsonl(text, first_index=first_index, local_dir=local_dir)
    return calculate_arrays(arrays, local_dir=local_dir).jsonl_pieces()


# --- progress bar -------------------------------------------------------------------------------------


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


class ProgressBar:
    """A small progress bar on stderr: "Beräknar  [#####.....]  42 %  420 000 hushåll klara".

    `total` is the work in any unit (bytes of the input file here); `update(done, households)` reports how
    far it has come and how many households are done. On a terminal it redraws one line (at most ten times
    a second); otherwise it writes a new line at every tenth of the work, so that logs stay short."""

    def __init__(self, total: int, stream: IO[str] | None = None, width: int = 30) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self.households = 0
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._last_tenth = -1
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, done: int, households: int) -> None:
        self.done = min(done, self.total)
        self.households = households
        now = time.monotonic()
        if self.tty:
            if now - self._last_draw >= 0.1 or self.done == self.total:
                self._last_draw = now
                self.stream.write("\r" + self.text())
                self.stream.flush()
        else:
            tenth = self.done * 10 // max(self.total, 1)
            if tenth != self._last_tenth:
                self._last_tenth = tenth
                self.stream.write(self.text() + "\n")
                self.stream.flush()

    def text(self) -> str:
        fraction = self.done / self.total if self.total else 1.0
        filled = int(fraction * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        return f"Beräknar  [{bar}] {int(fraction * 100):3d} %  {_thousands(self.households)} hushåll klara"

    def close(self) -> None:
        seconds = f"{time.monotonic() - self.started:.1f}".replace(".", ",")
        if self.tty:
            self.stream.write("\r" + " " * (len(self.text()) + 2) + "\r")
        self.stream.write(f"Klart: {_thousands(self.households)} hushåll på {seconds} s\n")
        self.stream.flush()

    def abort(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


# --- the file runner ----------------------------------------------------------------------------------

#: Bytes of input per chunk (one unit of work for a worker process; about 20 000 households).
CHUNK_BYTES = 8 << 20
#: Below this input size everything runs in this process (about 40 000 households).
PARALLEL_MIN_BYTES = 16 << 20
#: From this input size on a progress bar is shown when `progress` is None (about 100 000 households).
PROGRESS_MIN_BYTES = 40 << 20

def _chunk_ranges(path: str | os.PathLike[str], size: int, chunk_bytes: int) -> list[tuple[int, int]]:
    """Cut the file into byte ranges of whole lines, each about `chunk_bytes` long; the last ones smaller,
    so that the workers finish at about the same time."""
    ranges = []
    with open(path, "rb") as fh:
        start = 0
        while start < size:
            step = chunk_bytes if size - start > 3 * chunk_bytes else max(chunk_bytes // 4, 1)
            end = start + step
            if end >= size:
                end = size
            else:
                fh.seek(end - 1)
                while True:
                    block = fh.read(65536)
                    if not block:
                        end = size
                        break
                    newline = block.find(b"\n")
                    if newline >= 0:
                        end += newline  # position just after the "\n"
                        break
                    end += len(block)
            ranges.append((start, end))
            start = end
    return ranges


def _read_range(fd: int, start: int, end: int) -> bytes:
    data = os.pread(fd, end - start, start)
    while len(data) < end - start:  # pread may return less than asked for
        more = os.pread(fd, end - start - len(data), start + len(data))
        if not more:
            break
        data += more
    return data


def _count_lines(text: bytes) -> int:
    return text.count(b"\n") + (1 if text and not text.endswith(b"\n") else 0)


def _write_all(fd: int, pieces: list[bytes], offset: int) -> None:
    """Write `pieces` one after the other at `offset` (gather writes, no joining in memory)."""
    step = 1024  # IOV_MAX on Linux
    for i in range(0, len(pieces), step):
        batch = pieces[i:i + step]
        size = sum(map(len, batch))
        written = os.pwritev(fd, batch, offset)
        if written < size:  # a short write: finish this batch with plain writes
            rest = b"".join(batch)[written:]
            view = memoryview(rest)
            position = offset + written
            while view:
                n = os.pwrite(fd, view, position)
                view = view[n:]
                position += n
        offset += size


class _Shared:
    """State shared by the worker processes (created before fork)."""

    def __init__(self, context: Any, n_chunks: int) -> None:
        self.next_chunk = context.Value("q", 0)
        self.sizes = context.Array("q", [-1] * n_chunks, lock=False)  # output bytes; −2 = failed
        self.lines = context.Array("q", [-1] * n_chunks, lock=False)
        self.first_failed = context.Value("q", n_chunks)
        self.errors = context.SimpleQueue()

    def offset(self, k: int) -> int | None:
        """Where chunk k's output starts, once every earlier chunk's size is known."""
        total = 0
        for j in range(k):
            size = self.sizes[j]
            if size < 0:
                return None
            total += size
        return total


def _worker(shared: _Shared, ranges: list[tuple[int, int]], in_fd: int, out_fd: int, trace: bool,
            local_dir: str | Path | None) -> None:
    """A worker process: take the next chunk, calculate it, write it at its place in the output file as
    soon as the sizes of all earlier chunks are known."""
    gc.disable()
    pending: list[tuple[int, list[bytes]]] = []

    def flush() -> None:
        for item in list(pending):
            offset = shared.offset(item[0])
            if offset is not None:
                _write_all(out_fd, item[1], offset)
                pending.remove(item)

    try:
        while True:
            with shared.next_chunk.get_lock():
                k = shared.next_chunk.value
                shared.next_chunk.value += 1
            if k >= len(ranges) or k > shared.first_failed.value:
                break
            start, end = ranges[k]
            text = _read_range(in_fd, start, end)
            try:
                out = _calculate_pieces(text, trace=trace, local_dir=local_dir)
            except CalculationInputError as exc:
                shared.lines[k] = _count_lines(text)
                shared.sizes[k] = -2
                with shared.first_failed.get_lock():
                    shared.first_failed.value = min(shared.first_failed.value, k)
                shared.errors.put(("input", k, (exc.index, exc.field, exc.message)))
                continue
            shared.lines[k] = _count_lines(text)
            pending.append((k, out))
            shared.sizes[k] = sum(map(len, out))
            flush()
        while pending and shared.first_failed.value >= len(ranges):
            flush()
            if pending:
                time.sleep(0.001)
    except BaseException as exc:  # noqa: BLE001 - reported to the main process
        with shared.first_failed.get_lock():
            shared.first_failed.value = -1
        try:
            shared.errors.put(("exception", -1, exc))
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            shared.errors.put(("exception", -1, RuntimeError(repr(exc))))
        os._exit(1)
    os._exit(0)


def _default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def _run_parallel(
    in_path: str | os.PathLike[str],
    out_fd: int,
    ranges: list[tuple[int, int]],
    workers: int,
    trace: bool,
    local_dir: str | Path | None,
    bar: ProgressBar | None,
) -> None:
    context = multiprocessing.get_context("fork")
    shared = _Shared(context, len(ranges))
    in_fd = os.open(in_path, os.O_RDONLY)
    processes = []
    try:
        for _ in range(min(workers, len(ranges))):
            process = context.Process(
                target=_worker, args=(shared, ranges, in_fd, out_fd, trace, local_dir), daemon=True
            )
            process.start()
            processes.append(process)
        while any(p.is_alive() for p in processes):
            for p in processes:
                p.join(0.05)
            if any(p.exitcode not in (None, 0) for p in processes):  # a worker died: release the others
                shared.first_failed.value = -1
            if bar is not None:
                done, lines = 0, 0
                for k in range(len(ranges)):
                    if shared.sizes[k] < 0:
                        break
                    done, lines = ranges[k][1], lines + shared.lines[k]
                bar.update(done, lines)
        errors = []
        while not shared.errors.empty():
            errors.append(shared.errors.get())
        for kind, _k, payload in errors:
            if kind == "exception":
                raise payload
        failed = [(k, payload) for kind, k, payload in errors if kind == "input"]
        if failed:
            k, (index, field, message) = min(failed, key=lambda item: item[0])
            before = sum(shared.lines[j] for j in range(k))
            raise CalculationInputError(field, message, before + (index or 0))
        if any(p.exitcode != 0 for p in processes) or any(shared.sizes[k] < 0 for k in range(len(ranges))):
            raise OSError(f"en beräkningsprocess avbröts oväntat (till exempel av brist på minne); {_NOT_WRITTEN}")
        if bar is not None:
            bar.update(ranges[-1][1], sum(shared.lines[k] for k in range(len(ranges))))
    finally:
        for p in processes:
            if p.is_alive():
                p.terminate()
            p.join()
        os.close(in_fd)


def run_batch(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    trace: bool = False,
    progress: bool | IO[str] | None = None,
    local_dir: str | Path | None = None,
    workers: int | None = None,
) -> int:
    """Calculate every household of the JSON Lines file `in_path` and write the results to `out_path`,
    one line per input line, in order. Returns 0 (the exit code).

    `progress`: None shows a progress bar on stderr for inputs of at least PROGRESS_MIN_BYTES, True
    always, False never; a text stream shows it there. `workers`: processes to use (default: one per core;
    small files are done in this process).

    Raises CalculationInputError (`index` = 0-based line) for invalid input and OSError when a file cannot
    be read or written; in both cases no output file (and no temporary file) is left behind."""
    size = os.stat(in_path).st_size
    if workers is None:
        workers = _default_workers()
    if "fork" not in multiprocessing.get_all_start_methods() or size < PARALLEL_MIN_BYTES:
        workers = 1
    chunk_bytes = CHUNK_BYTES if not trace else CHUNK_BYTES // 8
    ranges = _chunk_ranges(in_path, size, chunk_bytes) if workers > 1 else [(0, size)]

    bar: ProgressBar | None = None
    if progress is True or (progress is None and size >= PROGRESS_MIN_BYTES):
        bar = ProgressBar(size)
    elif progress not in (None, False, True):
        bar = ProgressBar(size, stream=progress)  # type: ignore[arg-type]

    out = Path(out_path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:  # name the output file, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(out)) from None
    umask = os.umask(0)
    os.umask(umask)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        os.fchmod(fd, 0o666 & ~umask)
        if bar is not None:
            bar.update(0, 0)
        if workers <= 1 or len(ranges) <= 1:
            text = Path(in_path).read_bytes()
            _write_all(fd, _calculate_pieces(text, trace=trace, local_dir=local_dir), 0)
            if bar is not None:
                bar.update(size, _count_lines(text))
        else:
            _run_parallel(in_path, fd, ranges, workers, trace, local_dir, bar)
        os.close(fd)
        fd = -1
        os.replace(tmp_name, out)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        if bar is not None:
            bar.abort()
        raise
    finally:
        if gc_was_enabled:
            gc.enable()
    if bar is not None:
        bar.close()
    return 0
