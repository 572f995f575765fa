"""Building the calculation input (contract/calculation.schema.json) from facts about a household.

This module is pure Python: the facts come in as plain values, so that the same code serves the
service that reads a stored household (``services.build_input_for_household``) and the demo data
generator (which has no database rows yet while it plans a household's history).

Decisions made here (the contract leaves them to the system):

* A member's age is the age on the **first day of the month**. A child born during the month counts
  with age 0; a child not yet born at the end of the month is left out.
* ``consecutive_months_on_assistance`` and ``jobbstimulans_since`` follow from earlier months with
  försörjningsstöd paid (see :mod:`bistand.calculations.history`).
* A child's ``earnings_this_year_before_month`` is the sum of the child's wages in earlier months of
  the same calendar year.
* A young person aged 18–20 is a child of the household only while in upper-secondary school (issue 17
  §2; föräldrabalken 7 kap. 1 §): declared in school, the input says so (``in_upper_secondary_school``);
  declared *not* in school, they are left out of the children and counted in ``dwelling_size`` (an adult
  in hushållsgemenskap who applies on their own; the automation sends such an application to a person).
  Not stated, they stay a child as before (and the application goes to a person too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bistand.common.months import age_at, format_month, last_day

from .history import QUALIFYING_MONTHS, WINDOW_MONTHS, consecutive_months_before, jobbstimulans_since

MAX_CHILD_AGE = 20
#: From this age a child belongs to the household only while in upper-secondary school.
SCHOOL_YOUTH_AGE = 18
MIN_ADULT_AGE = 18


class InputBuildError(ValueError):
    """The household's facts cannot be turned into a calculation input (message in Swedish)."""


@dataclass(frozen=True)
class AdultFacts:
    id: str
    birth_date: dt.date


@dataclass(frozen=True)
class ChildFacts:
    id: str
    birth_date: dt.date
    days_present: int | None = None
    lunch_away_from_home: bool = False
    #: Declared for a young person aged 18–20: in upper-secondary school (None: not stated).
    in_upper_secondary_school: bool | None = None


@dataclass(frozen=True)
class AdultHistory:
    """Earlier months of one adult: with försörjningsstöd paid, and with a wage."""

    assisted: frozenset[dt.date] = frozenset()
    wage_months: frozenset[dt.date] = frozenset()


def json_amount(value: Any) -> int | Decimal:
    """An amount in kronor (int, Decimal or decimal text with at most two decimals) as an int (whole
    kronor) or an exact Decimal."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InputBuildError("Ett belopp ska vara ett heltal eller ett exakt decimaltal (Decimal).")
    if isinstance(value, int):
        return value
    amount = Decimal(str(value))
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise InputBuildError(f"Beloppet {value} får ha högst två decimaler.")
    if amount == amount.to_integral_value():
        return int(amount)
    return amount.quantize(Decimal("0.01"))


def ore_to_json_amount(ore: int) -> int | Decimal:
    """Integer öre → kronor (an int for whole kronor, else an exact Decimal)."""
    if ore % 100 == 0:
        return ore // 100
    return (Decimal(ore) / 100).quantize(Decimal("0.01"))


class DecimalJSONEncoder(json.JSONEncoder):
    """Writes ``Decimal`` amounts as JSON numbers.

    The standard library can only write a number through a float, so a Decimal is written as the float
    whose shortest representation is the same decimal text (true for every amount with at most two
    decimals below 10¹³ kr); any other Decimal is refused rather than changed."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            as_float = float(o)
            if Decimal(repr(as_float)) != o:
                raise ValueError(f"{o} cannot be written as a JSON number without changing it")
            return as_float
        return super().default(o)


class DecimalJSONDecoder(json.JSONDecoder):
    """Reads JSON numbers with a fraction as exact ``Decimal`` (never float)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(*args, **kwargs)


def _items(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = {key: value for key, value in row.items() if value is not None}
        item["amount"] = json_amount(item["amount"])
        out.append(item)
    return out


def build_contract_input(
    *,
    month: dt.date,
    adults: list[AdultFacts],
    children: list[ChildFacts] = (),  # type: ignore[assignment]
    costs: Iterable[Mapping[str, Any]] = (),
    incomes: Iterable[Mapping[str, Any]] = (),
    municipality_code: str | None = None,
    dwelling_size: int | None = None,
    history: Mapping[str, AdultHistory] | None = None,
    child_earnings_before: Mapping[str, Any] | None = None,
    qualifying_months: int = QUALIFYING_MONTHS,
    window_months: int = WINDOW_MONTHS,
) -> dict[str, Any]:
    """The contract input for one household and one month, as a JSON-ready dict."""
    if not adults:
        raise InputBuildError("Hushållet har ingen vuxen sökande.")
    if len(adults) > 2:
        raise InputBuildError("Hushållet kan ha högst två vuxna (sökande och make, maka eller sambo).")
    month = month.replace(day=1)
    history = history or {}
    child_earnings_before = child_earnings_before or {}

    adult_rows = []
    for adult in adults:
        age = age_at(adult.birth_date, month)
        if age < MIN_ADULT_AGE:
            raise InputBuildError(
                f"Den vuxna med id {adult.id} är {max(age, 0)} år i {format_month(month)} och kan inte räknas som vuxen "
                f"(minst {MIN_ADULT_AGE} år)."
            )
        past = history.get(adult.id, AdultHistory())
        row: dict[str, Any] = {
            "id": adult.id,
            "age": age,
            "consecutive_months_on_assistance": consecutive_months_before(past.assisted, month),
        }
        since = jobbstimulans_since(past.assisted, past.wage_months, month,
                                    qualifying_months=qualifying_months, window_months=window_months)
        if since is not None:
            row["jobbstimulans_since"] = format_month(since)
        adult_rows.append(row)

    child_rows = []
    out_of_school = 0
    for child in children:
        if child.birth_date > last_day(month):
            continue  # not born yet
        age = max(age_at(child.birth_date, month), 0)
        if age > MAX_CHILD_AGE:
            raise InputBuildError(
                f"Barnet med id {child.id} är {age} år i {format_month(month)}. Barn och skolungdomar räknas till "
                f"och med {MAX_CHILD_AGE} år; en äldre person är en egen sökande."
            )
        if age >= SCHOOL_YOUTH_AGE and child.in_upper_secondary_school is False:
            out_of_school += 1  # their own household, living in the same dwelling
            continue
        row = {"id": child.id, "age": age}
        if age >= SCHOOL_YOUTH_AGE and child.in_upper_secondary_school:
            row["in_upper_secondary_school"] = True
        if child.lunch_away_from_home and age <= 6:
            row["lunch_away_from_home"] = True
        if child.days_present is not None:
            row["days_present"] = child.days_present
        earned = child_earnings_before.get(child.id)
        if earned:
            row["earnings_this_year_before_month"] = json_amount(earned)
        child_rows.append(row)

    household: dict[str, Any] = {"adults": adult_rows, "children": child_rows}
    if out_of_school and dwelling_size is None:
        dwelling_size = len(adult_rows) + len(child_rows) + out_of_school
    if dwelling_size is not None:
        household["dwelling_size"] = dwelling_size
    document: dict[str, Any] = {"month": format_month(month), "household": household}
    if municipality_code:
        document["municipality"] = municipality_code
    document["costs"] = _items(costs)
    document["incomes"] = _items(incomes)
    return document


def canonical_json(document: Mapping[str, Any]) -> str:
    """The one text form of an input document: sorted keys, no spaces, UTF-8 characters as they are."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DecimalJSONEncoder)


def input_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON: two inputs with the same hash are the same calculation."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def assisted_months(rows: Iterable[tuple[dt.date, int]]) -> frozenset[dt.date]:
    """Months with försörjningsstöd paid, from (month, amount in öre) pairs."""
    return frozenset(month for month, amount in rows if amount > 0)


def wage_in(document: Mapping[str, Any], member_id: str) -> Decimal:
    """The sum of ``member_id``'s wages in one input document, in kronor."""
    return sum(
        (Decimal(str(i["amount"])) for i in document.get("incomes", ())
         if i.get("type") == "wage" and i.get("member") == member_id),
        Decimal(0),
    )
