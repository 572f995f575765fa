"""Deterministic generator of realistic calculation inputs for the benchmarks.

Only generated data: no names, no personnummer, member ids are "a1", "a2", "b1", ...

The mix (per household):
- month 2024-01 … 2026-12, municipality 0680 / 0662 / 0684 or none (national default);
- 1 adult (60 %) or 2; consecutive months on assistance, some with a jobbstimulans window;
- 0–5 children of age 0–20, some eating lunch away from home, some present only part of the month
  (växelvis boende / umgänge), some older children with earlier earnings this year;
- sometimes a shared dwelling (hushållsgemenskap);
- rent (usually; growing with the household, about one in five above the local ceiling), household electricity, home insurance and occasional other costs;
- wages (adults, sometimes a child), child benefit, housing allowance, unemployment benefit, ...

`generate(n, seed)` returns a list of dicts that follow calculation.schema.json;
`generate_jsonl(n, seed)` returns the same as JSON Lines bytes.
"""

from __future__ import annotations

import random

import msgspec

MUNICIPALITIES = ("0680", "0662", "0684", None)
CHILD_COUNT_P = (0.40, 0.22, 0.20, 0.10, 0.05, 0.03)  # 0..5 children
OTHER_COSTS = (
    "home_insurance",
    "work_travel",
    "union_fee",
    "unemployment_fund_fee",
    "childcare_fee",
    "medical_care",
    "medicine",
    "dental_care_acute",
    "glasses",
    "other",
)
ADULT_INCOMES = (
    "unemployment_benefit",
    "sickness_benefit",
    "activity_compensation",
    "parental_benefit",
    "pension",
    "maintenance_support",
    "student_aid",
    "establishment_allowance",
    "activity_support",
    "tax_refund",
    "other",
)


def _kronor(rng: random.Random, low: int, high: int) -> int | float:
    """An amount in kronor: mostly whole kronor, sometimes with öre (at most two decimals)."""
    whole = rng.randint(low, high)
    if rng.random() < 0.3:
        ore = rng.randint(1, 99)
        # Decimal text with two decimals, as a JSON number (float repr round-trips exactly).
        return float(f"{whole}.{ore:02d}")
    return whole


def _month(year: int, month: int, delta: int) -> str:
    index = year * 12 + (month - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def household(rng: random.Random) -> dict:
    """One generated household input."""
    year = rng.randrange(2024, 2027)
    month = rng.randrange(1, 13)
    data: dict = {"month": f"{year:04d}-{month:02d}"}
    municipality = MUNICIPALITIES[rng.randrange(0, len(MUNICIPALITIES))]
    if municipality is not None:
        data["municipality"] = municipality

    n_adults = 1 if rng.random() < 0.6 else 2
    adults = []
    for i in range(n_adults):
        adult: dict = {"id": f"a{i + 1}", "age": rng.randrange(18, 80)}
        r = rng.random()
        if r < 0.85:
            adult["consecutive_months_on_assistance"] = rng.randrange(0, 40)
        if r < 0.25:
            # A window that started some months ago: inside or outside the 24 months.
            adult["jobbstimulans_since"] = _month(year, month, -rng.randrange(-2, 30))
        elif r < 0.30:
            adult["jobbstimulans_since"] = None
        adults.append(adult)

    n_children = rng.choices(range(6), weights=CHILD_COUNT_P)[0]
    children = []
    for i in range(n_children):
        age = rng.randrange(0, 21)
        child: dict = {"id": f"b{i + 1}", "age": age}
        if age <= 6 and rng.random() < 0.6:
            child["lunch_away_from_home"] = True
        elif rng.random() < 0.1:
            child["lunch_away_from_home"] = False
        r = rng.random()
        if r < 0.12:
            child["days_present"] = rng.randrange(0, 32)
        elif r < 0.15:
            child["days_present"] = None
        if age >= 13 and rng.random() < 0.3:
            child["earnings_this_year_before_month"] = _kronor(rng, 0, 70000)
        children.append(child)

    hh: dict = {"adults": adults}
    if children or rng.random() < 0.5:
        hh["children"] = children
    size = n_adults + n_children
    r = rng.random()
    if r < 0.05:
        hh["dwelling_size"] = size + rng.randrange(0, 4)
    elif r < 0.10:
        hh["dwelling_size"] = None
    data["household"] = hh

    costs = []
    if rng.random() < 0.92:
        # rent grows with the household (a bigger flat); about one in five is above the local ceiling
        typical = 4200 + 1000 * (n_adults - 1) + 750 * min(n_children, 4)
        low = max(1500, typical - 2500)
        costs.append({"type": "rent", "amount": _kronor(rng, low, typical + 2500)})
        if rng.random() < 0.03:
            costs.append({"type": "rent", "amount": _kronor(rng, 100, 2000), "note": "garage"})
    if rng.random() < 0.5:
        costs.append({"type": "household_electricity", "amount": _kronor(rng, 150, 1200)})
    for _ in range(rng.randrange(0, 3)):
        costs.append({"type": OTHER_COSTS[rng.randrange(0, len(OTHER_COSTS))],
                      "amount": _kronor(rng, 50, 1500)})
    if costs or rng.random() < 0.5:
        data["costs"] = costs

    incomes = []
    for adult in adults:
        if rng.random() < 0.3:
            incomes.append({"type": "wage", "member": adult["id"], "amount": _kronor(rng, 500, 25000)})
        if rng.random() < 0.25:
            kind = ADULT_INCOMES[rng.randrange(0, len(ADULT_INCOMES))]
            income = {"type": kind, "amount": _kronor(rng, 200, 15000)}
            if rng.random() < 0.5:
                income["member"] = adult["id"]
            incomes.append(income)
    if children:
        incomes.append({"type": "child_benefit", "amount": 1250 * n_children})
        if rng.random() < 0.3:
            incomes.append({"type": "housing_allowance", "amount": _kronor(rng, 500, 4000)})
        for child in children:
            if child["age"] >= 13 and rng.random() < 0.15:
                incomes.append({"type": "wage", "member": child["id"], "amount": _kronor(rng, 200, 9000)})
    if incomes or rng.random() < 0.5:
        data["incomes"] = incomes
    return data


def generate(n: int, seed: int = 2026) -> list[dict]:
    rng = random.Random(seed)
    return [household(rng) for _ in range(n)]


def generate_jsonl(n: int, seed: int = 2026) -> bytes:
    encoder = msgspec.json.Encoder()
    buffer = bytearray()
    rng = random.Random(seed)
    for _ in range(n):
        encoder.encode_into(household(rng), buffer, -1)
        buffer += b"\n"
    return bytes(buffer)
