"""The pseudonymisation steps of a research export (issue 21 §1), pure Python: the parts that decide what a
researcher can and cannot learn, kept apart from the database so that they can be tested on crafted data.

* `pseudonym(key, personnummer)` — HMAC-SHA256 of the normalised personnummer (12 digits) with the
  project's key: the same person gets the same pseudonym in every municipality and every export of the
  project, and a different one in another project (another key). The key is never written anywhere by
  this module; only the pseudonym is. Without the key the pseudonym cannot be reversed or linked.
* `pseudonym_of(key, kind, value)` — the same for what is not a person (case workers, households, plans).
* `month_of(date)`, `year_of_birth(date)` — dates coarsened to months, birth dates to the year.
* `k_anonymise(rows, quasi_identifiers, k)` — every combination of the quasi-identifiers must have at
  least k persons: first the month of first assistance is coarsened to its year, then the year of birth
  to a five-year band, then the rows still in a smaller group are suppressed. The report says what was
  coarsened and how many rows were suppressed, per step.
* `screen_free_text(text, names)` — free text (only where a project allows it) with anything shaped like
  a personnummer or samordningsnummer, a phone number, an e-mail address and the given names replaced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PSEUDONYM_LENGTH = 32  # hex characters (128 bits) of the HMAC-SHA256
REDACTED = "[borttaget]"

_PNR = re.compile(r"(?<!\d)(?:19|20)?\d{6}[-+ ]?\d{4}(?!\d)")
_PHONE = re.compile(r"(?<!\w)(?:\+46|0)[\d\s-]{6,14}\d(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\D", re.ASCII)


def normalise_personnummer(personnummer: str) -> str:
    """12 digits, without separator: "19850101-1234", "850101-1234", "198501011234" → "198501011234".
    A 10-digit number is given its century by the separator ("+" means 100 years or older) and today's date."""
    text = personnummer.strip()
    digits = _DIGITS.sub("", text)
    if len(digits) == 12:
        return digits
    if len(digits) != 10:
        raise ValueError("personnumret ska ha 10 eller 12 siffror")
    year = int(digits[:2])
    this_year = dt.date.today().year
    full = 2000 + year if 2000 + year <= this_year else 1900 + year
    if "+" in text:
        full -= 100
    return f"{full}{digits[2:]}"


def pseudonym(key: bytes, personnummer: str) -> str:
    """The project's pseudonym for a person (hex, `PSEUDONYM_LENGTH` characters)."""
    if len(key) < 32:
        raise ValueError("projektnyckeln ska vara minst 32 byte")
    digest = hmac.new(key, normalise_personnummer(personnummer).encode("ascii"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_LENGTH]


def pseudonym_of(key: bytes, kind: str, value: object) -> str:
    """The project's pseudonym for something that is not a person (a case worker, a household, a plan):
    HMAC-SHA256 of "kind:value" with the project's key, so that ids of the system never leave it and the
    same thing has the same pseudonym in every export of the project."""
    if len(key) < 32:
        raise ValueError("projektnyckeln ska vara minst 32 byte")
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def month_of(day: dt.date | None) -> str | None:
    return None if day is None else f"{day:%Y-%m}"


def year_of_birth(day: dt.date | None) -> int | None:
    return None if day is None else day.year


def five_year_band(year: int | None) -> str | None:
    if year is None:
        return None
    low = year - year % 5
    return f"{low}–{low + 4}"


def year_band(value: int | str | None, width: int) -> str | None:
    """A year of birth, or a narrower band such as "1985–1989", as its band of ``width`` years."""
    if value is None:
        return None
    year = int(str(value)[:4])
    low = year - year % width
    return f"{low}–{low + width - 1}"


def ten_year_band(value: int | str | None) -> str | None:
    """A year of birth, or a five-year band such as "1985–1989", as its ten-year band ("1980–1989")."""
    return year_band(value, 10)


@dataclass
class SuppressionReport:
    k: int
    rows_in: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    rows_suppressed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"k": self.k, "rows_in": self.rows_in, "steps": self.steps, "rows_suppressed": self.rows_suppressed,
                "rows_out": self.rows_in - self.rows_suppressed}


def _small_groups(rows: Sequence[Mapping[str, Any]], quasi: Sequence[str], k: int) -> set[tuple]:
    counts = Counter(tuple(row[q] for q in quasi) for row in rows)
    return {key for key, n in counts.items() if n < k}


def k_anonymise(rows: Iterable[Mapping[str, Any]], quasi_identifiers: Sequence[str], k: int = 5, *,
                first_month: str = "first_assistance_month", birth_year: str = "birth_year",
                more_steps: Sequence[tuple[str, str, Callable[[Any], Any]]] = (), max_suppressed_share: float = 0.0,
                ) -> tuple[list[dict[str, Any]], SuppressionReport]:
    """One row per person. Returns the rows (coarsened where needed, small groups suppressed) and the
    report. Coarsening applies to every row once any group is too small, so that a value means the same
    thing in every row of the table.

    ``more_steps`` — (column, label, coarsen) — come after the two built-in steps; the steps go on while more
    than ``max_suppressed_share`` of the rows are in groups smaller than k (0: while any is), and the rows
    still in small groups are then suppressed."""
    if k < 2:
        raise ValueError("k ska vara minst 2")
    out = [dict(row) for row in rows]
    report = SuppressionReport(k=k, rows_in=len(out))
    quasi = list(quasi_identifiers)
    steps = []
    if first_month in quasi:
        steps.append((first_month, "månad för första bistånd → år", lambda v: None if v is None else str(v)[:4]))
    if birth_year in quasi:
        steps.append((birth_year, "födelseår → femårsgrupp", five_year_band))
    steps += [step for step in more_steps if step[0] in quasi]
    for name, label, coarsen in steps:
        small = _small_groups(out, quasi, k)
        affected = sum(1 for row in out if tuple(row[q] for q in quasi) in small)
        if not small or affected <= max_suppressed_share * len(out):
            break
        for row in out:
            row[name] = coarsen(row[name])
        report.steps.append({"step": label, "rows_in_small_groups_before": affected})
    small = _small_groups(out, quasi, k)
    kept = [row for row in out if tuple(row[q] for q in quasi) not in small]
    report.rows_suppressed = len(out) - len(kept)
    if report.rows_suppressed:
        report.steps.append({"step": f"rader i grupper med färre än {k} personer borttagna",
                             "rows_suppressed": report.rows_suppressed})
    return kept, report


def screen_free_text(text: str, names: Iterable[str] = ()) -> str:
    """`text` with personnummer-shaped numbers, phone numbers, e-mail addresses and the `names` replaced."""
    text = _EMAIL.sub(REDACTED, text)
    text = _PNR.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", REDACTED, text, flags=re.IGNORECASE)
    return text
