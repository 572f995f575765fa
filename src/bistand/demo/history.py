"""Deterministic assistance history in the format of ``bistand import-history`` (shared contract
contracts/assistance-history.md), for the demo and for the import benchmark.

:func:`generate_history` makes households with one or two adults and 0–3 children, each with one to three
periods of assistance of realistic lengths (many short, some long-term for years), an end reason on the
last month of a period that ended, and some applicants who move to another of the municipalities. The
same arguments give the same bytes. Personnummer are from Skatteverket's test series (980–999), so they
never belong to a real person.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass

from bistand.common.months import add_months, months_between
from bistand.people import personnummer as pnr

HEADER = ["municipality", "household", "personnummer", "role", "month", "amount", "end_reason", "name"]
_END_REASONS = ["work"] * 30 + ["studies"] * 10 + ["other_benefit"] * 20 + ["moved"] * 10 + ["other"] * 15 + ["unknown"] * 15
_FIRST = ["Anna", "Maria", "Sara", "Fatima", "Emma", "Elin", "Amina", "Lena", "Erik", "Lars", "Mohammed", "Johan",
          "Ali", "Anders", "Per", "Ahmed", "Karin", "Ida", "Oskar", "Hassan"]
_LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
         "Gustafsson", "Ali", "Hassan", "Lindberg", "Jakobsson", "Holm", "Berg", "Ek", "Lund", "Axelsson", "Sandberg"]


@dataclass
class _Numbers:
    """Hands out distinct test personnummer: 20 per birth date."""

    used: set

    def take(self, rng: random.Random, first: dt.date, last: dt.date) -> pnr.Personnummer:
        span = (last - first).days
        while True:
            born = first + dt.timedelta(days=rng.randrange(span))
            index = rng.randrange(20)
            if (born, index) not in self.used:
                self.used.add((born, index))
                return pnr.test_number(born, index)


def _periods(rng: random.Random, months: int) -> list[tuple[int, int]]:
    """(first, length) of 1–3 periods within ``months`` months, long-term ones among them."""
    periods = []
    start = rng.randrange(months)
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        kind = rng.random()
        if kind < 0.45:
            length = rng.randint(1, 5)
        elif kind < 0.8:
            length = rng.randint(6, 14)
        else:
            length = rng.randint(15, 48)
        length = min(length, months - start)
        if length <= 0:
            break
        periods.append((start, length))
        start += length + rng.choice([1, 2, 3, 4, 6, 9, 14, 20])
        if start >= months:
            break
    return periods


def generate_history(
    codes: list[str],
    *,
    households_per_municipality: int,
    first_month: dt.date,
    last_month: dt.date,
    seed: int = 1,
    max_rows: int | None = None,
) -> bytes:
    """The CSV file's bytes. ``max_rows`` stops after that many rows (whole household-months only)."""
    rng = random.Random(f"bistand-history:{seed}")
    numbers = _Numbers(set())
    months = months_between(first_month, last_month) + 1
    # Worked out once, not per row (a full-size benchmark writes millions of rows): the months and, per
    # household below, each member's number (its check digit is a Luhn sum) and birth date.
    month_dates = [add_months(first_month, offset) for offset in range(months)]
    month_texts = [f"{month:%Y-%m}" for month in month_dates]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    rows = 0
    for number in range(1, households_per_municipality + 1):
        for code in codes:
            adults = [numbers.take(rng, dt.date(1958, 1, 1), dt.date(2005, 12, 31))]
            if rng.random() < 0.3:
                adults.append(numbers.take(rng, dt.date(1958, 1, 1), dt.date(2005, 12, 31)))
            children = [numbers.take(rng, dt.date(2007, 1, 1), dt.date(2024, 12, 31))
                        for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3]))]
            names = {p.normalised: f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for p in [*adults, *children]}
            applicant = adults[0].normalised
            partners = [(p.normalised, names[p.normalised]) for p in adults[1:]]
            kids = [(p.normalised, names[p.normalised], p.birth_date) for p in children]
            base_amount = rng.randint(3500, 9000) + 2500 * (len(adults) - 1) + 2800 * len(children)
            periods = _periods(rng, months)
            # One applicant in twenty moves to another municipality for the last period.
            moves_to = rng.choice([c for c in codes if c != code]) if len(codes) > 1 and rng.random() < 0.05 else None
            for position, (start, length) in enumerate(periods):
                where = moves_to if moves_to and position == len(periods) - 1 and position > 0 else code
                household = f"{where}-{number:06d}" if where == code else f"{where}-{code}-{number:06d}"
                for offset in range(length):
                    month, month_text = month_dates[start + offset], month_texts[start + offset]
                    ended = offset == length - 1 and start + length < months
                    amount = f"{base_amount + rng.randint(-400, 400)}.{rng.choice(['00', '00', '50', '25'])}"
                    reason = rng.choice(_END_REASONS) if ended else ""
                    writer.writerow([where, household, applicant, "applicant", month_text, amount, reason,
                                     names[applicant]])
                    rows += 1
                    for partner, name in partners:
                        writer.writerow([where, household, partner, "co_applicant", month_text, "", "", name])
                        rows += 1
                    for child, name, born in kids:
                        if born <= month:
                            writer.writerow([where, household, child, "child", month_text, "", "", name])
                            rows += 1
                    if max_rows is not None and rows >= max_rows:
                        return out.getvalue().encode()
    return out.getvalue().encode()
