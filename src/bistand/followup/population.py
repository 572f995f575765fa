"""Population figures (``bistand import-population FILE.csv``) and the population-based shares.

The file: CSV (UTF-8, comma-separated, a header line), one row per municipality, year, sex and age
group, as in SCB's table "Folkmängden efter region, ålder och kön" (31 December):

| column | meaning |
|---|---|
| `municipality` | four-digit kommunkod of a municipality of the installation |
| `year` | the year (population on 31 December) |
| `sex` | `women` or `men` (also SCB's `2`/`1`, `kvinnor`/`män`) |
| `age_group` | `FROM-TO` (both included, e.g. `18-24`) or `FROM+` (e.g. `65+`); single years (`18`) too |
| `population` | number of inhabitants, a whole number ≥ 0 |

All or nothing: any fault → nothing written, every fault named by line and column. A (municipality,
year, sex, age group) already imported gets the file's figure (a corrected table replaces the old).

The shares (:func:`population_shares`) divide by the population of the ages they need; when the
imported age groups do not give exactly those ages, or a municipality of the scope has no figures for
the year, the share is ``None`` with a note saying what is missing: never a guess.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bistand.audit.models import ChangeAction
from bistand.audit.services import record_change
from bistand.tenancy.models import Municipality

from .history import HistoryError, HistoryFileError, decode
from .models import Population, PopulationSex

COLUMNS = ("municipality", "year", "sex", "age_group", "population")
_SEX = {"women": PopulationSex.WOMEN, "kvinnor": PopulationSex.WOMEN, "2": PopulationSex.WOMEN,
        "men": PopulationSex.MEN, "män": PopulationSex.MEN, "1": PopulationSex.MEN}
_AGES = re.compile(r"^([0-9]{1,3})(?:(\+)|-([0-9]{1,3}))?$")


@dataclass(frozen=True)
class PopulationRow:
    line: int
    municipality: str
    year: int
    sex: str
    age_from: int
    age_to: int | None
    population: int


def parse_population(text: str, *, municipality_codes: set[str]) -> list[PopulationRow]:
    errors: list[HistoryError] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in COLUMNS if name not in header]
    for name in missing:
        errors.append(HistoryError(1, name, "kolumnen saknas i rubrikraden."))
    if errors:
        raise HistoryFileError(errors)
    index = {name: header.index(name) for name in COLUMNS}
    rows: list[PopulationRow] = []
    seen: dict[tuple, int] = {}
    for values in reader:
        line = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(HistoryError(line, None, f"raden har {len(values)} fält men rubrikraden {len(header)}."))
            continue
        field = {name: values[position].strip() for name, position in index.items()}
        ok = True
        if field["municipality"] not in municipality_codes:
            errors.append(HistoryError(line, "municipality", f"kommunen {field['municipality']} finns inte i systemet."))
            ok = False
        year = int(field["year"]) if re.fullmatch(r"[0-9]{4}", field["year"]) else None
        if year is None or not 1900 <= year <= 2200:
            errors.append(HistoryError(line, "year", "året ska skrivas med fyra siffror, till exempel 2025."))
            ok = False
        sex = _SEX.get(field["sex"].lower())
        if sex is None:
            errors.append(HistoryError(line, "sex", "könet ska vara women eller men (eller SCB:s 2 och 1)."))
            ok = False
        ages = _AGES.match(field["age_group"])
        age_from = age_to = None
        if not ages:
            errors.append(HistoryError(line, "age_group", "åldersgruppen ska skrivas FRÅN-TILL (18-24), FRÅN+ (65+) "
                                                          "eller en ålder (18)."))
            ok = False
        else:
            age_from = int(ages.group(1))
            age_to = None if ages.group(2) else int(ages.group(3) or ages.group(1))
            if age_to is not None and age_to < age_from:
                errors.append(HistoryError(line, "age_group", "åldersgruppens slut är före dess början."))
                ok = False
        if not re.fullmatch(r"[0-9]{1,9}", field["population"].replace(" ", "")):
            errors.append(HistoryError(line, "population", "folkmängden ska vara ett heltal, 0 eller större."))
            ok = False
        if not ok:
            continue
        key = (field["municipality"], year, sex, age_from)
        if key in seen:
            errors.append(HistoryError(line, "age_group", f"samma kommun, år, kön och åldersgrupp finns redan på rad "
                                                          f"{seen[key]}."))
            continue
        seen[key] = line
        rows.append(PopulationRow(line, field["municipality"], year, sex, age_from, age_to,
                                  int(field["population"].replace(" ", ""))))
    if not rows and not errors:
        errors.append(HistoryError(None, None, "filen har inga rader med folkmängd."))
    if errors:
        raise HistoryFileError(errors[:50], truncated=len(errors) > 50)
    return rows


@transaction.atomic
def import_population(data: bytes, *, actor=None) -> tuple[int, int]:
    """Import a population file; all or nothing. Returns (rows created, rows changed)."""
    municipalities = {m.code: m for m in Municipality.objects.all()}
    rows = parse_population(decode(data), municipality_codes=set(municipalities))
    existing = {
        (p.municipality_id, p.year, p.sex, p.age_from): p
        for p in Population.objects.filter(municipality__code__in={r.municipality for r in rows},
                                           year__in={r.year for r in rows})
    }
    created = changed = 0
    now = timezone.now()
    for row in rows:
        municipality = municipalities[row.municipality]
        current = existing.get((municipality.pk, row.year, row.sex, row.age_from))
        if current is None:
            figure = Population.objects.create(municipality=municipality, year=row.year, sex=row.sex,
                                               age_from=row.age_from, age_to=row.age_to, population=row.population,
                                               updated_at=now)
            record_change(user=actor, action=ChangeAction.CREATE, instance=figure, municipality_id=municipality.pk,
                          changes={"population": {"old": None, "new": row.population}})
            created += 1
        elif (current.age_to, current.population) != (row.age_to, row.population):
            changes = {"population": {"old": current.population, "new": row.population},
                       "age_to": {"old": current.age_to, "new": row.age_to}}
            current.age_to, current.population, current.updated_at = row.age_to, row.population, now
            current.save(update_fields=["age_to", "population", "updated_at"])
            record_change(user=actor, action=ChangeAction.UPDATE, instance=current, municipality_id=municipality.pk,
                          changes=changes)
            changed += 1
    return created, changed


# --- the shares ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A population-based share in per cent (2 decimals), or None with the reason."""

    value: Decimal | None
    numerator: int
    denominator: int | None
    note: str = ""

    def as_dict(self) -> dict:
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator, "note": self.note}


def population_of(municipality_ids, year: int, age_from: int, age_to: int | None) -> tuple[int | None, str]:
    """Inhabitants of the ages ``age_from``–``age_to`` (None: and older) on 31 December of the year in the
    municipalities, summed over the imported age groups that lie inside those ages; None and the reason
    when a municipality has no figures for the year or its groups do not give exactly those ages."""
    figures = list(Population.objects.filter(municipality_id__in=municipality_ids, year=year)
                   .values_list("municipality_id", "sex", "age_from", "age_to", "population"))
    names = dict(Municipality.objects.filter(pk__in=municipality_ids).values_list("pk", "name"))
    without = sorted(names[m] for m in set(municipality_ids) - {f[0] for f in figures})
    if without:
        return None, f"Befolkningsuppgifter saknas för {year} ({', '.join(without)}); läs in dem med bistand import-population."
    total = 0
    for municipality_id in municipality_ids:
        for sex in PopulationSex.values:
            groups = sorted((f[2], f[3], f[4]) for f in figures if f[0] == municipality_id and f[1] == sex)
            covered, next_age = 0, age_from
            for group_from, group_to, population in groups:
                inside = group_from >= age_from and (age_to is None or (group_to is not None and group_to <= age_to))
                if not inside:
                    continue
                if group_from != next_age:
                    break
                covered += population
                next_age = None if group_to is None else group_to + 1
                if next_age is None or (age_to is not None and next_age > age_to):
                    break
            complete = next_age is None if age_to is None else next_age == age_to + 1
            if not complete:
                ages = f"{age_from}+" if age_to is None else f"{age_from}–{age_to}"
                return None, (f"Befolkningsuppgifterna för {year} ({names[municipality_id]}) har inte åldersgrupper "
                              f"som ger åldrarna {ages} år.")
            total += covered
    return total, ""


def _share(numerator: int, denominator: int | None, note: str) -> Share:
    if denominator is None:
        return Share(None, numerator, None, note)
    if denominator == 0:
        return Share(None, numerator, 0, "Folkmängden är 0.")
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    return Share(value, numerator, denominator)


#: The adults' ages in the denominator of the long-term share (Kolada N31816; the range is unverified,
#: see shared reference statistics.md).
ADULT_AGES = (18, None)


def population_shares(scope, year: int, indicators: dict) -> dict[str, Share]:
    """Kolada's population-based shares, in per cent, from the indicators of the scope and year:

    - ``recipients_share``: recipients (adults and children) ÷ all inhabitants (N31807);
    - ``long_term_adults_share``: long-term adults ÷ inhabitants 18 and older (N31816);
    - ``young_adults_share``: young adults 18–24 with assistance ÷ inhabitants 18–24.
    """
    ids = scope.municipality_ids
    everyone, note_all = population_of(ids, year, 0, None)
    adults, note_adults = population_of(ids, year, *ADULT_AGES)
    young, note_young = population_of(ids, year, 18, 24)
    return {
        "recipients_share": _share(indicators["recipients"], everyone, note_all),
        "long_term_adults_share": _share(indicators["long_term_adults"], adults, note_adults),
        "young_adults_share": _share(indicators["young_adults_18_24"], young, note_young),
    }


#: The shares' names on the pages (Kolada's key figures in brackets).
SHARE_LABELS = {
    "recipients_share": "Invånare med försörjningsstöd, andel av alla invånare (Kolada N31807)",
    "long_term_adults_share": "Vuxna med långvarigt försörjningsstöd, andel av invånarna 18 år och äldre (Kolada N31816)",
    "young_adults_share": "Unga vuxna 18–24 år med försörjningsstöd, andel av invånarna 18–24 år",
}


def dashboard_shares(board) -> dict[str, Share] | None:
    """The population-based shares of a dashboard (:class:`bistand.followup.dashboard.Dashboard`), or None
    when a filter is chosen: the population figures are for everyone, so a filtered numerator over them
    would not be the share it looks like."""
    if board.filters.active:
        return None
    return population_shares(board.scope, board.year, board.indicators)
