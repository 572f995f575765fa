"""Loading the dated parameter files (OpenFisca style) into a `ParameterSet` for one month.

Layout of every file: `description`, `unit`, optionally `legal_reference`, and `values`, a mapping from the
date a value takes effect to a block. A block holds `legal_reference` and `source` (inherited by its values)
and the values themselves. A value is a mapping with `value`, `status` (`verified` | `estimated`),
`confidence` (V/S/D/E/U from shared/reference/rules.md) and optionally `source` and `note`. A law change
adds a new dated block; an old one is never edited.

The block in force for a month is the one with the latest date on or before the first day of the month.
The riksnorm for a month comes from `riksnorm/<year>.yaml` of that calendar year. A year block may also
hold that year's `prisbasbelopp` (used when prisbasbelopp.yaml has no value for the year).

Years that are not yet confirmed: a year after the latest year with a riksnorm gets *provisional* values,
the latest earlier year's, each marked `estimated` (so a calculation still runs, with warnings, and the
automated decision function stops); the same for a prisbasbelopp. A year before the first riksnorm year is
an input error on `month`.

Year documents from the outside: a caller (the Django side, for years a municipality's administrators have
entered and confirmed) may give extra documents, `{"riksnorm/2027.yaml": yaml_text}`, in exactly the format
of the packaged year files; they add years the package lacks (a packaged year is never replaced). Give them
to `load_parameters(..., extra_documents=...)` or register a provider with `set_documents_provider`, which
is asked for (year, municipality) whenever no documents are given. `check_year_document` validates one.

The legal references cited depend on the **decision date**, not on the month: `legal_references(day)`.

Local parameters: `local/default.yaml` (the national default) and `local/<kommunkod>.yaml`. They are merged
key by key: for each key (`housing_cost_ceiling`, `rounding`, `part_month_divisor`, `cost_caps`) the
municipality's latest block on or before the month that has the key wins, else the default's. A caller may
give an extra directory of local files (Django passes settings.BISTAND_LOCAL_PARAMETERS_DIR); a file there
replaces the packaged file with the same name.

Amounts in the files are whole kronor; a `ParameterValue` holds them in integer öre.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from calendar import monthrange
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from bistand.rules.errors import CalculationInputError, ParameterFileError
from bistand.rules.texts import how_many

PARAMETERS_DIR = Path(__file__).resolve().parent / "parameters"

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0", 0, 0),
    ("1-2", 1, 2),
    ("3", 3, 3),
    ("4-6", 4, 6),
    ("7-10", 7, 10),
    ("11-14", 11, 14),
    ("15-18", 15, 18),
    ("19-20", 19, 20),
)
LUNCH_BANDS = ("0", "1-2", "3", "4-6")
LOCAL_KEYS = ("housing_cost_ceiling", "rounding", "part_month_divisor", "cost_caps", "asset_threshold",
              "housing_grace_months")
ROUNDING_RULES = ("half_up", "down", "up")
#: L: a local decision (the municipality's own choice where no national rule sets a value, e.g. the length of
#: the rådrum for rent above the ceiling): verified as the municipality's decision, not as a national figure.
STATUS_BY_CONFIDENCE = {"V": "verified", "S": "verified", "D": "verified", "L": "verified", "E": "estimated",
                        "U": "estimated"}
MAX_CHILDREN_KEY = 4  # housing-cost ceilings: the key 4 means "4 or more children"


def age_band(age: int) -> str:
    """The riksnorm age band of a child: 0 | 1-2 | 3 | 4-6 | 7-10 | 11-14 | 15-18 | 19-20."""
    for name, low, high in AGE_BANDS:
        if low <= age <= high:
            return name
    raise ValueError(f"no riksnorm age band for age {age}")


# --- YAML ---------------------------------------------------------------------------------------------


# libyaml's parser when PyYAML has it (the wheels on PyPI do): about ten times faster, same result.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc, valid-type]
    """Safe YAML with exact numbers: decimals become Decimal, never float."""


_Loader.add_constructor(
    "tag:yaml.org,2002:float", lambda loader, node: Decimal(loader.construct_scalar(node).replace("_", ""))
)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(_canonical(k)): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return value


@dataclass(frozen=True, eq=False)  # identity: one object per file (load_file caches), usable as a cache key
class ParameterFile:
    name: str  # relative name, e.g. "riksnorm/2026.yaml" or "local/0680.yaml"
    path: Path
    data: Mapping[str, Any]
    canonical_json: str

    @cached_property
    def blocks(self) -> list[tuple[dt.date, Mapping[str, Any]]]:
        """The dated blocks, oldest first."""
        return sorted(((_as_date(k, self.name), v) for k, v in self.data["values"].items()), key=lambda x: x[0])


def _as_date(key: Any, name: str) -> dt.date:
    if isinstance(key, dt.date):
        return key
    try:
        return dt.date.fromisoformat(str(key))
    except ValueError:
        raise ParameterFileError(f"{name}: datumet {key!r} ska skrivas ÅÅÅÅ-MM-DD") from None


_file_lock = threading.Lock()


@lru_cache(maxsize=256)
def load_file(path: Path, name: str) -> ParameterFile:
    """Read and cache one parameter file."""
    with _file_lock:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    return _parameter_file(name, path, data)


def _parameter_file(name: str, path: Path, data: Any) -> ParameterFile:
    if not isinstance(data, Mapping) or not isinstance(data.get("values"), Mapping):
        raise ParameterFileError(f"{name}: filen saknar 'values'")
    return ParameterFile(name, path, data, json.dumps(_canonical(data), sort_keys=True, ensure_ascii=False))


@lru_cache(maxsize=256)
def parse_document(name: str, text: str) -> ParameterFile:
    """One parameter document given as YAML text (an extra year document), parsed and cached."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ParameterFileError(f"{name}: filen är inte giltig YAML ({exc})") from None
    return _parameter_file(name, Path(name), data)


def _find(name: str, local_dir: Path | None) -> Path | None:
    if local_dir is not None and name.startswith("local/"):
        candidate = local_dir / name.split("/", 1)[1]
        if candidate.is_file():
            return candidate
    candidate = PARAMETERS_DIR / name
    return candidate if candidate.is_file() else None


def norm_years() -> tuple[int, ...]:
    """The years that have a riksnorm (riksnorm/<year>.yaml), in order."""
    return tuple(sorted(int(path.stem) for path in (PARAMETERS_DIR / "riksnorm").glob("[0-9][0-9][0-9][0-9].yaml")))


def known_municipalities(local_dir: Path | str | None = None) -> tuple[tuple[str, str], ...]:
    """(kommunkod, name) of every municipality with a local parameter file (local/<kommunkod>.yaml),
    packaged or in ``local_dir`` (which wins for the same code), sorted by name. A file without a name
    is "Kommun <kommunkod>"."""
    return _known_municipalities(str(local_dir) if local_dir else None)


@lru_cache(maxsize=4)
def _known_municipalities(local_dir: str | None) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for directory in (PARAMETERS_DIR / "local", Path(local_dir) if local_dir else None):
        if directory is None or not directory.is_dir():
            continue
        for path in sorted(directory.glob("[0-9][0-9][0-9][0-9].yaml")):
            with path.open(encoding="utf-8") as handle:
                data = yaml.safe_load(handle) or {}
            found[path.stem] = str(data.get("name") or f"Kommun {path.stem}")
    return tuple(sorted(found.items(), key=lambda item: (item[1], item[0])))


@lru_cache(maxsize=256)
def _file(name: str, local_dir: Path | None) -> ParameterFile | None:
    path = _find(name, local_dir)
    return None if path is None else load_file(path, name)


# --- values -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterValue:
    """One parameter value in force for the month, with where it comes from.

    `value` is in öre for amounts; `label` is a Swedish name for messages; `reference` is
    "<legal reference>; <file>" for trace lines."""

    name: str
    label: str
    value: Any
    status: str
    confidence: str
    file: str
    valid_from: dt.date
    legal_reference: str
    source: str
    note: str | None = None

    @property
    def is_estimated(self) -> bool:
        return self.status == "estimated"

    @property
    def reference(self) -> str:
        return f"{self.legal_reference}; {self.file}" if self.legal_reference else self.file


def _value(
    raw: Any,
    *,
    name: str,
    label: str,
    pfile: ParameterFile,
    valid_from: dt.date,
    block: Mapping[str, Any],
    convert: Any = None,
    provisional_for: int | None = None,
) -> ParameterValue:
    """One value of a block. With `provisional_for` (a year) the value stands in for that year's, which is
    not yet known: it is marked estimated (confidence E) whatever the file says."""
    if not isinstance(raw, Mapping) or "value" not in raw or "status" not in raw or "confidence" not in raw:
        raise ParameterFileError(f"{pfile.name} ({valid_from}): {name} saknar value, status eller confidence")
    legal_reference = raw.get("legal_reference") or block.get("legal_reference") or pfile.data.get("legal_reference") or ""
    source = raw.get("source") or block.get("source") or pfile.data.get("source") or ""
    value = raw["value"]
    note = " ".join(str(raw["note"]).split()) if raw.get("note") else None
    status, confidence = raw["status"], raw["confidence"]
    if provisional_for is not None:
        status, confidence = "estimated", "E"
        note = (f"Preliminärt värde för {provisional_for}: {valid_from.year} års värde används tills "
                f"{provisional_for} års värde är fastställt och bekräftat.")
    return ParameterValue(
        name=name,
        label=label,
        value=convert(value) if convert is not None else value,
        status=status,
        confidence=confidence,
        file=pfile.name,
        valid_from=valid_from,
        legal_reference=" ".join(str(legal_reference).split()),
        source=" ".join(str(source).split()),
        note=note,
    )


def _kronor_to_ore(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterFileError(f"beloppet {value!r} ska vara hela kronor")
    return value * 100


def _block_for(pfile: ParameterFile, first_day: dt.date) -> tuple[dt.date, Mapping[str, Any]] | None:
    found = None
    for date, block in pfile.blocks:
        if date <= first_day:
            found = (date, block)
    return found


def _ceiling_table(value: Any) -> dict[tuple[int, int], int] | None:
    if value is None:
        return None
    table = {}
    for adults, row in value.items():
        for children, amount in row.items():
            table[(int(adults), int(children))] = _kronor_to_ore(amount)
    return table


def _divisor(value: Any) -> str | Fraction:
    if value == "days_in_month":
        return "days_in_month"
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ParameterFileError(f"part_month_divisor {value!r} ska vara days_in_month eller ett tal")
    divisor = Fraction(str(value))
    if divisor <= 0:
        raise ParameterFileError("part_month_divisor ska vara större än noll")
    return divisor


def _rounding(value: Any) -> str:
    if value not in ROUNDING_RULES:
        raise ParameterFileError(f"rounding {value!r} ska vara en av {', '.join(ROUNDING_RULES)}")
    return value


def _cost_caps(value: Any) -> dict[str, int]:
    return {str(k): _kronor_to_ore(v) for k, v in (value or {}).items()}


def _asset_threshold(value: Any) -> int | None:
    return None if value is None else _kronor_to_ore(value)


def _grace_months(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterFileError(f"housing_grace_months {value!r} ska vara ett heltal, minst 1")
    return value


_LOCAL_CONVERT = {
    "housing_cost_ceiling": _ceiling_table,
    "rounding": _rounding,
    "part_month_divisor": _divisor,
    "cost_caps": _cost_caps,
    "asset_threshold": _asset_threshold,
    "housing_grace_months": _grace_months,
}
_LOCAL_LABEL = {
    "housing_cost_ceiling": "tak för boendekostnad",
    "rounding": "avrundningsregel",
    "part_month_divisor": "nämnare för del av månad",
    "cost_caps": "tak för kostnader",
    "asset_threshold": "gräns för tillgångar",
    "housing_grace_months": "rådrum för boendekostnad över taket, månader",
}


# --- the parameter set --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterSet:
    """Every parameter value in force for one month in one municipality (or the national default).

    Amounts are integer öre. Get one with `load_parameters(month, municipality, local_dir)`."""

    month: str
    norm_year: int
    municipality: str | None
    municipality_name: str | None
    single_adult: ParameterValue
    cohabiting_pair: ParameterValue
    child_costs: Mapping[str, ParameterValue]  # age band → personal cost
    child_costs_lunch_away: Mapping[str, ParameterValue]  # age band 0..4-6 → reduced personal cost
    shared_costs_table: tuple[ParameterValue, ...]  # [0] = 1 person … [6] = 7 persons
    riksnorm_file: str
    riksnorm_reference: str  # the legal reference of the riksnorm block in force
    prisbasbelopp: ParameterValue  # öre per year
    jobbstimulans_rate: ParameterValue  # Fraction (25 % → 1/4)
    jobbstimulans_qualifying_months: ParameterValue  # int (6)
    jobbstimulans_window_months: ParameterValue  # int (24)
    housing_cost_ceiling: ParameterValue  # dict[(adults, min(children, 4))] → öre, or None
    rounding: ParameterValue  # "half_up" | "down" | "up"
    part_month_divisor: ParameterValue  # "days_in_month" or a Fraction
    cost_caps: ParameterValue  # dict[cost type] → öre
    # öre, or None: declared assets above it are never decided automatically (None: any declared asset)
    asset_threshold: ParameterValue
    # int ≥ 1: months the full rent counts the first time it is above the ceiling (rådrum; a local decision)
    housing_grace_months: ParameterValue
    references: Mapping[str, str]  # rule → legal reference (references.yaml), e.g. "costs", "amount"
    files: tuple[str, ...]
    parameter_hash: str
    notices: tuple[str, ...] = field(default=())  # warnings that come with the set itself

    # -- riksnorm --

    def child_cost(self, age: int, lunch_away_from_home: bool = False) -> ParameterValue:
        """A child's personal cost: the age band's amount, or the reduced amount when a child aged 0–6
        eats lunch away from home five days a week."""
        band = age_band(age)
        if lunch_away_from_home and band in self.child_costs_lunch_away:
            return self.child_costs_lunch_away[band]
        return self.child_costs[band]

    def shared_costs(self, persons: int) -> int:
        """Shared household costs in öre for a household of `persons` (≥ 1): the table for 1–7; above seven,
        each further person adds the difference between the amounts for seven and six persons."""
        if persons < 1:
            raise ValueError("persons must be at least 1")
        table = self.shared_costs_table
        if persons <= 7:
            return table[persons - 1].value
        return table[6].value + (persons - 7) * (table[6].value - table[5].value)

    def shared_cost_values(self, persons: int) -> tuple[ParameterValue, ...]:
        """The table values `shared_costs(persons)` uses."""
        table = self.shared_costs_table
        return (table[persons - 1],) if persons <= 7 else (table[6], table[5])

    # -- local --

    def housing_ceiling(self, adults: int, children: int) -> int | None:
        """The local ceiling for rent in öre for the household's composition, or None when there is none."""
        table = self.housing_cost_ceiling.value
        if table is None:
            return None
        return table.get((adults, min(children, MAX_CHILDREN_KEY)))

    def divisor(self) -> Fraction:
        """The divisor for part-month presence: the days of the month, or the fixed local number."""
        if self.part_month_divisor.value == "days_in_month":
            year, month = int(self.month[:4]), int(self.month[5:7])
            return Fraction(monthrange(year, month)[1])
        return self.part_month_divisor.value

    def cost_cap(self, cost_type: str) -> int | None:
        """The local cap in öre for a cost type other than rent, or None."""
        return self.cost_caps.value.get(cost_type)

    def metadata(self) -> dict[str, Any]:
        return {"parameter_hash": self.parameter_hash, "parameter_files": list(self.files)}


def _riksnorm(pfile: ParameterFile, first_day: dt.date, year: int, provisional: bool = False) -> dict[str, Any]:
    """The riksnorm values for `year`: of the block of `pfile` in force on `first_day`, or, when
    `provisional`, of the latest block of `pfile` (an earlier year's file), each marked estimated."""
    if provisional:
        found = pfile.blocks[-1] if pfile.blocks else None
    else:
        found = _block_for(pfile, first_day)
    if found is None:
        raise CalculationInputError("month", f"Riksnorm saknas för år {year} (ingen regel gäller för månaden).")
    return _riksnorm_block(pfile, found[0], year, provisional)


@lru_cache(maxsize=256)
def _riksnorm_block(pfile: ParameterFile, date: dt.date, year: int, provisional: bool = False) -> dict[str, Any]:
    """The riksnorm values of the block of `pfile` in force from `date` (shared by the months it covers;
    ParameterValue is immutable). Callers copy the dict."""
    block = dict(pfile.blocks)[date]
    what = f"riksnorm {year}" + (f" (preliminärt {date.year} års belopp)" if provisional else "")
    common = dict(pfile=pfile, valid_from=date, block=block, convert=_kronor_to_ore,
                  provisional_for=year if provisional else None)
    try:
        personal = block["personal_costs"]
        children = {
            band: _value(personal["children"][band], name=f"riksnorm.personal_costs.children.{band}",
                         label=f"{what}, barn {band.replace('-', '–')} år", **common)
            for band, _, _ in AGE_BANDS
        }
        lunch = {
            band: _value(personal["children_lunch_away_from_home"][band],
                         name=f"riksnorm.personal_costs.children_lunch_away_from_home.{band}",
                         label=f"{what}, barn {band.replace('-', '–')} år som äter lunch utanför hemmet",
                         **common)
            for band in LUNCH_BANDS
        }
        shared = tuple(
            _value(block["shared_costs"][n], name=f"riksnorm.shared_costs.{n}",
                   label=f"{what}, gemensamma hushållskostnader för {how_many(n)}",
                   **common)
            for n in range(1, 8)
        )
        single = _value(personal["single_adult"], name="riksnorm.personal_costs.single_adult",
                        label=f"{what}, ensamstående vuxen", **common)
        pair = _value(personal["cohabiting_pair"], name="riksnorm.personal_costs.cohabiting_pair",
                      label=f"{what}, sambor tillsammans", **common)
    except (KeyError, TypeError) as exc:
        raise ParameterFileError(f"{pfile.name} ({date}): värdet {exc} saknas") from None
    return dict(
        single_adult=single,
        cohabiting_pair=pair,
        child_costs=children,
        child_costs_lunch_away=lunch,
        shared_costs_table=shared,
        riksnorm_file=pfile.name,
        riksnorm_reference=" ".join(str(block.get("legal_reference", "")).split()),
    )


def _national_single(pfile: ParameterFile, first_day: dt.date, what: str) -> tuple[dt.date, Mapping[str, Any]]:
    found = _block_for(pfile, first_day)
    if found is None:
        raise CalculationInputError("month", f"{what} saknas för {first_day:%Y-%m}.")
    return found


def compute_parameter_hash(files: list[ParameterFile], marks: Iterable[str] = ()) -> str:
    """sha256 over the canonical content (parsed data, sorted keys) of the files, in name order, and any
    marks (such as which values are provisional). Comments and formatting do not change it; any value does."""
    digest = hashlib.sha256()
    for pfile in sorted(files, key=lambda f: f.name):
        digest.update(pfile.name.encode())
        digest.update(b"\0")
        digest.update(pfile.canonical_json.encode())
        digest.update(b"\0")
    for mark in marks:
        digest.update(b"mark:" + mark.encode() + b"\0")
    return digest.hexdigest()


# --- legal references by decision date ----------------------------------------------------------------

#: The day SoL (2025:400) replaced SoL (2001:453).
NEW_SOCIAL_SERVICES_ACT = dt.date(2025, 7, 1)


def legal_references(day: dt.date) -> dict[str, str]:
    """Rule → legal reference for a decision made on `day` (references.yaml; the block in force that day)."""
    return dict(_legal_references(day))


@lru_cache(maxsize=512)
def _legal_references(day: dt.date) -> tuple[tuple[str, str], ...]:
    ref_file = _file("references.yaml", None)
    if ref_file is None:
        raise ParameterFileError("En nationell parameterfil saknas (references).")
    found = _block_for(ref_file, day)
    if found is None:
        raise CalculationInputError("decision_date", f"Det finns inga lagrum för beslut den {day.isoformat()}.")
    return tuple((key, " ".join(str(text).split())) for key, text in found[1].items() if key != "source")


# --- extra year documents -----------------------------------------------------------------------------

Documents = tuple[tuple[str, str], ...]  # ((name, YAML text), ...), sorted by name
DocumentsProvider = Callable[[int, "str | None"], "Mapping[str, str] | Iterable[tuple[str, str]] | None"]

_provider: DocumentsProvider | None = None
_YEAR_DOCUMENT = re.compile(r"^riksnorm/([0-9]{4})\.yaml$")
#: How many years back a provisional year looks for the latest known year.
PROVISIONAL_LOOKBACK = 10


def set_documents_provider(provider: DocumentsProvider | None) -> DocumentsProvider | None:
    """Register the function asked for extra year documents, `provider(year, municipality)` → documents
    (see the module docstring), whenever `load_parameters` is called without `extra_documents`. None
    removes it. Returns the provider registered before (to put back). The Django side registers one that
    gives the years its administrators have confirmed."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def packaged_years() -> tuple[int, ...]:
    """The years that have a packaged riksnorm file (their figures are never replaced from the outside)."""
    return tuple(sorted(int(path.stem) for path in (PARAMETERS_DIR / "riksnorm").glob("[0-9][0-9][0-9][0-9].yaml")))


#: The cells of a year document, in the order of the packaged files: (key, Swedish label). Keys are dotted
#: paths in the year block ("personal_costs.children.7-10", "shared_costs.3"), and "prisbasbelopp".
YEAR_CELLS: tuple[tuple[str, str], ...] = (
    ("personal_costs.single_adult", "Ensamstående vuxen"),
    ("personal_costs.cohabiting_pair", "Sambor tillsammans"),
    *((f"personal_costs.children.{band}", f"Barn {band.replace('-', '–')} år") for band, _, _ in AGE_BANDS),
    *((f"personal_costs.children_lunch_away_from_home.{band}",
       f"Barn {band.replace('-', '–')} år som äter lunch utanför hemmet") for band in LUNCH_BANDS),
    *((f"shared_costs.{n}", f"Gemensamma hushållskostnader, {how_many(n)}")
      for n in range(1, 8)),
    ("prisbasbelopp", "Prisbasbelopp (kr per år)"),
)


def write_year_document(year: int, cells: Mapping[str, int], *, sfs: str, source: str = "") -> str:
    """A year document (YAML text, the format of riksnorm/<year>.yaml) with every cell of YEAR_CELLS in whole
    kronor, all verified (confidence V), citing the ordinance as amended by `sfs`. Checked before it is
    returned."""
    block: dict[str, Any] = {
        "legal_reference": f"12 kap. 2 § socialtjänstförordningen (2025:468) i lydelse enligt {sfs}",
        "source": source or sfs,
    }
    for key, _ in YEAR_CELLS:
        parts = key.split(".")
        target = block
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        last: Any = int(parts[-1]) if parts[0] == "shared_costs" else parts[-1]
        if key not in cells:
            raise ParameterFileError(f"riksnorm/{year}.yaml: värdet {key} saknas")
        target[last] = {"value": int(cells[key]), "status": "verified", "confidence": "V"}
    data = {
        "description": (f"Riksnormen för försörjningsstöd {year}: personliga kostnader per person (vuxna och barn "
                        "efter ålder) och gemensamma hushållskostnader efter antal personer i hushållet; "
                        "årets prisbasbelopp."),
        "unit": "kr per månad (prisbasbelopp: kr per år)",
        "values": {f"{year}-01-01": block},
    }
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
    check_year_document(text, year)
    return text


def read_year_document(text: str, year: int) -> dict[str, int]:
    """The cells (YEAR_CELLS keys → whole kronor) of a year document's block from 1 January."""
    pfile = check_year_document(text, year)
    block = dict(pfile.blocks)[dt.date(year, 1, 1)]
    cells: dict[str, int] = {}
    for key, _ in YEAR_CELLS:
        node: Any = block
        for part in key.split("."):
            if not isinstance(node, Mapping):
                node = None
                break
            node = node.get(int(part) if key.startswith("shared_costs") and part.isdigit() else part)
        if isinstance(node, Mapping) and "value" in node:
            cells[key] = node["value"]
    return cells


def _documents(value: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Documents:
    if not value:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    docs = tuple(sorted((str(name), str(text)) for name, text in items))
    for name, _ in docs:
        if not _YEAR_DOCUMENT.match(name):
            raise ParameterFileError(f"{name}: bara årsfiler riksnorm/<år>.yaml kan ges utifrån")
    return docs


def check_year_document(text: str, year: int) -> ParameterFile:
    """Parse and check one year document (riksnorm/<year>.yaml format): a block dated 1 January of `year`
    with every riksnorm cell in whole kronor, each with status and confidence, and optionally the year's
    prisbasbelopp. Raises ParameterFileError with a message naming the field."""
    name = f"riksnorm/{year}.yaml"
    pfile = parse_document(name, text)
    blocks = dict(pfile.blocks)
    first = dt.date(year, 1, 1)
    if first not in blocks:
        raise ParameterFileError(f"{name}: values saknar ett block från {first.isoformat()}")
    for date in blocks:
        if date.year != year:
            raise ParameterFileError(f"{name}: blocket {date.isoformat()} hör inte till år {year}")
        _riksnorm_block(pfile, date, year, False)
        pbb = blocks[date].get("prisbasbelopp")
        if pbb is not None:
            _value(pbb, name="prisbasbelopp", label=f"prisbasbelopp {year}", pfile=pfile, valid_from=date,
                   block=blocks[date], convert=_kronor_to_ore)
    return pfile


def load_parameters(
    month: str,
    municipality: str | None = None,
    local_dir: str | Path | None = None,
    extra_documents: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
) -> ParameterSet:
    """The parameters in force for `month` ("YYYY-MM") in `municipality` (kommunkod or None).

    `extra_documents` adds year documents the package lacks (see the module docstring); without it the
    registered provider, if any, is asked. Raises CalculationInputError(field="month") when the year is
    before the first year with a riksnorm."""
    if extra_documents is None and _provider is not None:
        extra_documents = _provider(int(month[:4]), municipality)
    return _load(month, municipality, None if local_dir is None else str(Path(local_dir).resolve()),
                 _documents(extra_documents))


def _year_file(year: int, docs: Documents) -> ParameterFile | None:
    """The riksnorm file of `year`: the packaged one, else an extra document."""
    packaged = _file(f"riksnorm/{year}.yaml", None)
    if packaged is not None:
        return packaged
    for name, text in docs:
        if name == f"riksnorm/{year}.yaml":
            return check_year_document(text, year)
    return None


def _prisbasbelopp(year: int, first_day: dt.date, pbb_file: ParameterFile, docs: Documents,
                   year_file: ParameterFile | None) -> tuple[ParameterValue, ParameterFile | None]:
    """The prisbasbelopp for `year`: prisbasbelopp.yaml's, else the year document's, else (provisional) the
    latest earlier one, marked estimated. Returns the value and the year file it came from (if one)."""
    found = _block_for(pbb_file, first_day)
    if found is not None and found[0].year == year:
        date, block = found
        return _value(block, name="prisbasbelopp", label=f"prisbasbelopp {year}", pfile=pbb_file,
                      valid_from=date, block=block, convert=_kronor_to_ore), None
    candidates: list[tuple[dt.date, Mapping[str, Any], ParameterFile]] = []
    if found is not None:
        candidates.append((found[0], found[1], pbb_file))
    for back in range(0, PROVISIONAL_LOOKBACK + 1):
        pfile = year_file if back == 0 else _year_file(year - back, docs)
        if pfile is None:
            continue
        for date, block in pfile.blocks:
            if date <= first_day and block.get("prisbasbelopp") is not None:
                candidates.append((date, block, pfile))
    if not candidates:
        raise CalculationInputError("month", f"Prisbasbelopp saknas för år {year}.")
    date, block, pfile = max(candidates, key=lambda c: c[0])
    raw = block if pfile is pbb_file else block["prisbasbelopp"]
    provisional = date.year != year
    label = f"prisbasbelopp {year}" + (f" (preliminärt {date.year} års belopp)" if provisional else "")
    value = _value(raw, name="prisbasbelopp", label=label, pfile=pfile, valid_from=date, block=block,
                   convert=_kronor_to_ore, provisional_for=year if provisional else None)
    return value, (pfile if pfile is not pbb_file else None)


@lru_cache(maxsize=1024)
def _load(month: str, municipality: str | None, local_dir_text: str | None, docs: Documents = ()) -> ParameterSet:
    local_dir = Path(local_dir_text) if local_dir_text else None
    year = int(month[:4])
    riksnorm_file = _year_file(year, docs)
    provisional_from = None
    if riksnorm_file is None:
        for back in range(1, PROVISIONAL_LOOKBACK + 1):
            riksnorm_file = _year_file(year - back, docs)
            if riksnorm_file is not None:
                provisional_from = year - back
                break
        if riksnorm_file is None or _year_file(year + 1, docs) is not None:
            raise CalculationInputError("month", f"Riksnorm saknas för år {year}.")
    first_day = dt.date(year, int(month[5:7]), 1)  # after the check: year 0 has no riksnorm, and no date either
    pbb_file = _file("prisbasbelopp.yaml", None)
    js_file = _file("jobbstimulans.yaml", None)
    ref_file = _file("references.yaml", None)
    default_file = _file("local/default.yaml", local_dir)
    if pbb_file is None or js_file is None or default_file is None or ref_file is None:
        raise ParameterFileError(
            "En nationell parameterfil saknas (prisbasbelopp, jobbstimulans, references eller local/default)."
        )
    files = [riksnorm_file, pbb_file, js_file, ref_file, default_file]
    marks: list[str] = []
    notices: list[str] = []

    references = legal_references(first_day)

    riksnorm = _riksnorm(riksnorm_file, first_day, year, provisional=provisional_from is not None)
    if provisional_from is not None:
        marks.append(f"riksnorm {year} preliminär från {provisional_from}")
        notices.append(
            f"Riksnormen för {year} är inte fastställd och bekräftad i systemet. {provisional_from} års belopp "
            "används preliminärt. Beräkningen ska göras om när årets belopp är bekräftade."
        )

    prisbasbelopp, pbb_year_file = _prisbasbelopp(year, first_day, pbb_file, docs,
                                                  riksnorm_file if provisional_from is None else None)
    if pbb_year_file is not None and pbb_year_file not in files:
        files.append(pbb_year_file)
    if prisbasbelopp.valid_from.year != year:  # its warning comes where it is used (children's earnings)
        marks.append(f"prisbasbelopp {year} preliminärt från {prisbasbelopp.valid_from.year}")

    js_date, js_block = _national_single(js_file, first_day, "Regeln om jobbstimulans")
    js_common = dict(pfile=js_file, valid_from=js_date, block=js_block)
    rate = _value(js_block["rate"], name="jobbstimulans.rate", label="jobbstimulans, andel av lönen",
                  convert=lambda v: Fraction(str(v)) / 100, **js_common)
    qualifying = _value(js_block["qualifying_months"], name="jobbstimulans.qualifying_months",
                        label="jobbstimulans, månader i följd med försörjningsstöd", **js_common)
    window = _value(js_block["window_months"], name="jobbstimulans.window_months",
                    label="jobbstimulans, regelns längd i månader", **js_common)

    muni_file = None
    municipality_name = None
    if municipality is not None:
        muni_file = _file(f"local/{municipality}.yaml", local_dir)
        if muni_file is None:
            notices.append(
                f"Det finns inga lokala parametrar för kommun {municipality}; nationella standardvärden används "
                "(inget tak för boendekostnad)."
            )
        else:
            files.append(muni_file)
            municipality_name = muni_file.data.get("name")

    local: dict[str, ParameterValue] = {}
    for key in LOCAL_KEYS:
        for pfile in (muni_file, default_file):
            if pfile is None:
                continue
            found = None
            for date, block in pfile.blocks:
                if date <= first_day and key in block:
                    found = date
            if found is not None:
                where = f" ({municipality_name})" if pfile is muni_file and municipality_name else ""
                local[key] = _local_value(pfile, found, key, where)
                break
        else:
            raise ParameterFileError(f"local/default.yaml saknar {key} för {month}")

    return ParameterSet(
        month=month,
        norm_year=year,
        municipality=municipality,
        municipality_name=municipality_name,
        prisbasbelopp=prisbasbelopp,
        jobbstimulans_rate=rate,
        jobbstimulans_qualifying_months=qualifying,
        jobbstimulans_window_months=window,
        files=tuple(f.name for f in files),
        parameter_hash=compute_parameter_hash(files, marks),
        notices=tuple(notices),
        references=references,
        **riksnorm,
        **local,
    )


@lru_cache(maxsize=1024)
def _local_value(pfile: ParameterFile, date: dt.date, key: str, where: str) -> ParameterValue:
    """Local parameter `key` from the block of `pfile` in force from `date` (shared by the months it covers)."""
    block = dict(pfile.blocks)[date]
    return _value(block[key], name=f"local.{key}", label=_LOCAL_LABEL[key] + where,
                  pfile=pfile, valid_from=date, block=block, convert=_LOCAL_CONVERT[key])


def parameter_hash(month: str, municipality: str | None = None, local_dir: str | Path | None = None) -> str:
    """The sha256 of the parameter files a calculation for `month` in `municipality` uses."""
    return load_parameters(month, municipality, local_dir).parameter_hash


def child_benefit(children: int, month: str) -> int:
    """Barnbidrag plus flerbarnstillägg in öre per month for a family with `children` children."""
    pfile = _file("child_benefit.yaml", None)
    assert pfile is not None
    year, mon = int(month[:4]), int(month[5:7])
    found = _block_for(pfile, dt.date(year, mon, 1))
    if found is None:
        raise CalculationInputError("month", f"Barnbidrag saknas för {month}.")
    _, block = found
    if children <= 0:
        return 0
    basic = block["basic_amount"]["value"]
    supplements = block["large_family_supplement"]["value"]
    further = block["further_child_supplement"]["value"]
    top = max(supplements)
    if children <= top:
        supplement = supplements.get(children, 0)
    else:
        supplement = supplements[top] + (children - top) * further
    return (children * basic + supplement) * 100


def clear_caches() -> None:
    """Forget cached files and parameter sets (tests that write parameter files call this)."""
    load_file.cache_clear()
    parse_document.cache_clear()
    _legal_references.cache_clear()
    _file.cache_clear()
    _riksnorm_block.cache_clear()
    _local_value.cache_clear()
    _load.cache_clear()
