"""Reading an assistance-history file (``bistand import-history``), per shared contract
contracts/assistance-history.md: one CSV row per person and month the assistance is for.

:func:`parse_history` checks every row and the rules between rows and returns the rows, or raises
:class:`HistoryFileError` with every fault found (line and column named, in Swedish). It reads only
the file and the municipalities; writing is :func:`bistand.followup.services.import_history`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from bistand.people import personnummer as pnr

from .models import EndReason, MonthRole

REQUIRED_COLUMNS = ("municipality", "household", "personnummer", "role", "month")
COLUMNS = (*REQUIRED_COLUMNS, "amount", "end_reason", "name")
#: Faults listed before the reading stops (the file is refused either way).
MAX_ERRORS = 50

_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
_AMOUNT = re.compile(r"^([0-9]{1,9})(?:[.,]([0-9]{1,2}))?$")
_ROLES = frozenset(MonthRole.values)
_REASONS = frozenset(EndReason.values)
_APPLICANT = MonthRole.APPLICANT.value
_ROLE_LABELS = ", ".join(MonthRole.values)
_REASON_LABELS = ", ".join(EndReason.values)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    line: int
    municipality: str  # kommunkod
    household: str
    personnummer: str  # 12 digits
    birth_date: dt.date
    kind: str
    role: str
    month: dt.date
    amount_ore: int | None
    end_reason: str
    name: str


@dataclass(frozen=True, slots=True)
class HistoryError:
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"rad {self.line}")
        if self.column is not None:
            where.append(f"kolumn {self.column}")
        return f"{', '.join(where).capitalize()}: {self.message}" if where else self.message


class HistoryFileError(ValueError):
    def __init__(self, errors: list[HistoryError], *, truncated: bool = False):
        self.errors = errors
        self.truncated = truncated
        super().__init__("\n".join(str(error) for error in errors))


class _Collector:
    def __init__(self) -> None:
        self.errors: list[HistoryError] = []
        self.truncated = False

    def add(self, line: int | None, column: str | None, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.truncated = True
            return
        self.errors.append(HistoryError(line, column, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise HistoryFileError(self.errors, truncated=self.truncated)


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise HistoryFileError([HistoryError(line, None, "filen är inte UTF-8-kodad.")]) from None


def parse_history(
    text: str,
    *,
    municipality_codes: set[str],
    today: dt.date,
    progress: Callable[[int], None] | None = None,
) -> list[HistoryRow]:
    """Every row of the file, checked. ``municipality_codes``: the installation's municipalities."""
    errors = _Collector()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise HistoryFileError([HistoryError(1, None, "filen är tom; första raden ska vara kolumnnamnen.")]) from None
    except csv.Error as error:
        raise HistoryFileError([HistoryError(1, None, f"raden går inte att läsa som CSV ({error}).")]) from None
    header = [name.strip() for name in header]
    for name in REQUIRED_COLUMNS:
        if name not in header:
            errors.add(1, name, "kolumnen saknas i rubrikraden.")
    for name in header:
        if name not in COLUMNS:
            errors.add(1, name, f"okänd kolumn. Kolumnerna är: {', '.join(COLUMNS)}.")
    if len(set(header)) != len(header):
        errors.add(1, None, "samma kolumn finns två gånger i rubrikraden.")
    errors.raise_if_any()
    index = {name: position for position, name in enumerate(header)}
    this_month = today.replace(day=1)
    numbers: dict[str, tuple[str, dt.date, str] | str] = {}
    months: dict[str, dt.date | str] = {}
    rows: list[HistoryRow] = []
    line = 1
    done = 0
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.add(start, None, f"raden går inte att läsa som CSV ({error}).")
            break
        line = start
        done += 1
        if progress is not None and done % 1000 == 0:
            progress(1000)
        if not values or all(not value.strip() for value in values):
            continue
        if len(values) != len(header):
            errors.add(line, None, f"raden har {len(values)} fält men rubrikraden {len(header)}.")
            continue
        row = _parse_row(line, values, index, municipality_codes, this_month, numbers, months, errors)
        if row is not None:
            rows.append(row)
    if progress is not None and done % 1000:
        progress(done % 1000)
    if not rows and not errors.errors:
        errors.add(None, None, "filen har inga rader med bistånd.")
    _check_between_rows(rows, errors)
    errors.raise_if_any()
    return rows


def _field(values: list[str], index: dict[str, int], name: str) -> str:
    position = index.get(name)
    return values[position].strip() if position is not None else ""


def _parse_row(line, values, index, municipality_codes, this_month, numbers, months, errors) -> HistoryRow | None:
    ok = True
    municipality = _field(values, index, "municipality")
    if not municipality:
        errors.add(line, "municipality", "kommunkoden saknas.")
        ok = False
    elif municipality not in municipality_codes:
        errors.add(line, "municipality", f"kommunen {municipality} finns inte i systemet (lägg till den med "
                                         "bistand municipality add).")
        ok = False

    household = _field(values, index, "household")
    if not household:
        errors.add(line, "household", "hushållets referens saknas.")
        ok = False
    elif len(household) > 64:
        errors.add(line, "household", "hushållets referens får vara högst 64 tecken.")
        ok = False

    raw_number = _field(values, index, "personnummer")
    number = numbers.get(raw_number)
    if number is None:
        number = _parse_number(raw_number)
        numbers[raw_number] = number
    if isinstance(number, str):
        errors.add(line, "personnummer", number)
        ok = False

    role = _field(values, index, "role")
    if role not in _ROLES:
        errors.add(line, "role", f"rollen ska vara en av {_ROLE_LABELS}." if role else "rollen saknas.")
        ok = False

    raw_month = _field(values, index, "month")
    month = months.get(raw_month)
    if month is None:
        month = _parse_month(raw_month, this_month)
        months[raw_month] = month
    if isinstance(month, str):
        errors.add(line, "month", month)
        ok = False

    raw_amount = _field(values, index, "amount")
    amount_ore = None
    if role == _APPLICANT:
        match = _AMOUNT.match(raw_amount)
        if not raw_amount:
            errors.add(line, "amount", "beloppet saknas; sökandens rad ska ha hushållets belopp för månaden.")
            ok = False
        elif not match:
            errors.add(line, "amount", f"beloppet {raw_amount!r} är inte ett belopp i kronor med högst två decimaler "
                                       "(till exempel 8450.50).")
            ok = False
        else:
            amount_ore = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
            if amount_ore <= 0:
                errors.add(line, "amount", "beloppet ska vara större än 0 kr.")
                ok = False
    elif raw_amount and role in _ROLES:
        errors.add(line, "amount", "bara sökandens rad ska ha ett belopp; lämna fältet tomt för medsökande och barn.")
        ok = False

    end_reason = _field(values, index, "end_reason")
    if end_reason:
        if end_reason not in _REASONS:
            errors.add(line, "end_reason", f"avslutsorsaken ska vara en av {_REASON_LABELS}.")
            ok = False
        elif role != _APPLICANT and role in _ROLES:
            errors.add(line, "end_reason", "bara sökandens rad kan ha en avslutsorsak.")
            ok = False

    name = _field(values, index, "name")
    if len(name) > 201:
        errors.add(line, "name", "namnet får vara högst 200 tecken.")
        ok = False
    if not ok:
        return None
    normalised, birth_date, kind = number
    return HistoryRow(line, municipality, household, normalised, birth_date, kind, role, month, amount_ore, end_reason,
                      name)


def _parse_number(value: str) -> tuple[str, dt.date, str] | str:
    """(12-digit form, birth date, kind), or the fault in Swedish."""
    if not value:
        return "personnumret saknas."
    if sum(ch.isdigit() for ch in value) != 12 or not re.fullmatch(r"[0-9]{8}-?[0-9]{4}", value):
        return "personnumret ska ha tolv siffror (ÅÅÅÅMMDDNNNN, med eller utan bindestreck)."
    try:
        number = pnr.parse(value)
    except pnr.PersonnummerError as error:
        return error.message
    return number.normalised, number.birth_date, number.kind


def _parse_month(value: str, this_month: dt.date) -> dt.date | str:
    match = _MONTH.match(value)
    if not match:
        return "månaden ska skrivas ÅÅÅÅ-MM, till exempel 2024-03." if value else "månaden saknas."
    month = dt.date(int(match.group(1)), int(match.group(2)), 1)
    if month > this_month:
        return f"månaden {value} har inte börjat än."
    return month


def _check_between_rows(rows: list[HistoryRow], errors: _Collector) -> None:
    """One applicant row per (municipality, household, month); a person once per municipality and month;
    a household's persons all in the same municipality row set."""
    applicants: dict[tuple[str, str, dt.date], int] = {}
    persons: dict[tuple[str, str, dt.date], int] = {}
    households: set[tuple[str, str, dt.date]] = set()
    for row in rows:
        household_month = (row.municipality, row.household, row.month)
        households.add(household_month)
        if row.role == _APPLICANT:
            first = applicants.setdefault(household_month, row.line)
            if first != row.line:
                errors.add(row.line, "role", f"hushållet {row.household} har redan en sökande för {row.month:%Y-%m} "
                                             f"(rad {first}); varje hushåll och månad har en rad med rollen applicant.")
        person_month = (row.municipality, row.personnummer, row.month)
        first = persons.setdefault(person_month, row.line)
        if first != row.line:
            errors.add(row.line, "personnummer", f"personen finns redan för {row.month:%Y-%m} i kommunen (rad {first}); "
                                                 "en person får finnas en gång per kommun och månad.")
    first_lines: dict[tuple[str, str, dt.date], int] = {}
    for row in rows:
        first_lines.setdefault((row.municipality, row.household, row.month), row.line)
    for household_month in sorted(households - set(applicants), key=lambda key: first_lines[key]):
        errors.add(first_lines[household_month], "role",
                   f"hushållet {household_month[1]} saknar en rad med rollen applicant för {household_month[2]:%Y-%m}.")
