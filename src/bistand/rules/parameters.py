"""Loading the dated parameter files (OpenFisca style) into a `ParameterSet` for one month.

Layout of every file: `description`, `unit`, optionally `legal_reference`, and `values`, a mapping from the
date a value takes effect to a block. A block holds `legal_reference` and `source` (inherited by its values)
and the values themselves. A value is a mapping with `value`, `status` (`verified` | `estimated`),
`confidence` (V/S/D/E/U from shared/reference/rules.md) and optionally `source` and `note`. A law change
adds a new dated block; an old one is never edited.

The block in force for a month is the one with the latest date on or before the first day of the month.
The riksnorm for a month comes from `riksnorm/<year>.yaml` of that calendar year; a missing year is an
input error on `month`.

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
import threading
from calendar import monthrange
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from bistand.rules.errors import CalculationInputError, ParameterFileError

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
LOCAL_KEYS = ("housing_cost_ceiling", "rounding", "part_month_divisor", "cost_caps")
ROUNDING_RULES = ("half_up", "down", "up")
STATUS_BY_CONFIDENCE = {"V": "verified", "S": "verified", "D": "verified", "E": "estimated", "U": "estimated"}
MAX_CHILDREN_KEY = 4  # housing-cost ceilings: the key 4 means "4 or more children"


def age_band(age: int) -> str:
    """The riksnorm age band of a child: 0 | 1-2 | 3 | 4-6 | 7-10 | 11-14 | 15-18 | 19-20."""
    for name, low, high in AGE_BANDS:
        if low <= age <= high:
            return name
    raise ValueError(f"no riksnorm age band for age {age}")


def format_kronor(ore: int | Fraction) -> str:
    """Öre → '3 940 kr' or '1 234,56 kr' (Swedish style with plain spaces, for messages). Rounds half up
    to the öre."""
    value = Fraction(ore) / 100
    rounded = int(value * 100 + Fraction(1, 2)) if value >= 0 else -int(-value * 100 + Fraction(1, 2))
    kronor, ore_part = divmod(abs(rounded), 100)
    text = f"{kronor:,}".replace(",", " ")
    if ore_part:
        text += f",{ore_part:02d}"
    return ("−" if rounded < 0 else "") + text + " kr"


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
    if not isinstance(data, Mapping) or not isinstance(data.get("values"), Mapping):
        raise ParameterFileError(f"{name}: filen saknar 'values'")
    return ParameterFile(name, path, data, json.dumps(_canonical(data), sort_keys=True, ensure_ascii=False))


def _find(name: str, local_dir: Path | None) -> Path | None:
    if local_dir is not None and name.startswith("local/"):
        candidate = local_dir / name.split("/", 1)[1]
        if candidate.is_file():
            return candidate
    candidate = PARAMETERS_DIR / name
    return candidate if candidate.is_file() else None


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
) -> ParameterValue:
    if not isinstance(raw, Mapping) or "value" not in raw or "status" not in raw or "confidence" not in raw:
        raise ParameterFileError(f"{pfile.name} ({valid_from}): {name} saknar value, status eller confidence")
    legal_reference = raw.get("legal_reference") or block.get("legal_reference") or pfile.data.get("legal_reference") or ""
    source = raw.get("source") or block.get("source") or pfile.data.get("source") or ""
    value = raw["value"]
    return ParameterValue(
        name=name,
        label=label,
        value=convert(value) if convert is not None else value,
        status=raw["status"],
        confidence=raw["confidence"],
        file=pfile.name,
        valid_from=valid_from,
        legal_reference=" ".join(str(legal_reference).split()),
        source=" ".join(str(source).split()),
        note=" ".join(str(raw["note"]).split()) if raw.get("note") else None,
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


_LOCAL_CONVERT = {
    "housing_cost_ceiling": _ceiling_table,
    "rounding": _rounding,
    "part_month_divisor": _divisor,
    "cost_caps": _cost_caps,
}
_LOCAL_LABEL = {
    "housing_cost_ceiling": "tak för boendekostnad",
    "rounding": "avrundningsregel",
    "part_month_divisor": "nämnare för del av månad",
    "cost_caps": "tak för kostnader",
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

    def child_costs_by_age(self, lunch_away_from_home: bool = False) -> tuple[int, ...]:
        """Personal cost in öre for ages 0..20 (index = age), for vectorised use."""
        return tuple(self.child_cost(age, lunch_away_from_home).value for age in range(21))

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


def _riksnorm(pfile: ParameterFile, first_day: dt.date, year: int) -> dict[str, Any]:
    found = _block_for(pfile, first_day)
    if found is None:
        raise CalculationInputError("month", f"Riksnorm saknas för år {year} (ingen regel gäller för månaden).")
    return _riksnorm_block(pfile, found[0], year)


@lru_cache(maxsize=256)
def _riksnorm_block(pfile: ParameterFile, date: dt.date, year: int) -> dict[str, Any]:
    """The riksnorm values of the block of `pfile` in force from `date` (shared by the months it covers;
    ParameterValue is immutable). Callers copy the dict."""
    block = dict(pfile.blocks)[date]
    common = dict(pfile=pfile, valid_from=date, block=block, convert=_kronor_to_ore)
    personal = block["personal_costs"]
    children = {
        band: _value(personal["children"][band], name=f"riksnorm.personal_costs.children.{band}",
                     label=f"riksnorm {year}, barn {band.replace('-', '–')} år", **common)
        for band, _, _ in AGE_BANDS
    }
    lunch = {
        band: _value(personal["children_lunch_away_from_home"][band],
                     name=f"riksnorm.personal_costs.children_lunch_away_from_home.{band}",
                     label=f"riksnorm {year}, barn {band.replace('-', '–')} år som äter lunch utanför hemmet",
                     **common)
        for band in LUNCH_BANDS
    }
    shared = tuple(
        _value(block["shared_costs"][n], name=f"riksnorm.shared_costs.{n}",
               label=f"riksnorm {year}, gemensamma hushållskostnader för {n} {'person' if n == 1 else 'personer'}",
               **common)
        for n in range(1, 8)
    )
    return dict(
        single_adult=_value(personal["single_adult"], name="riksnorm.personal_costs.single_adult",
                            label=f"riksnorm {year}, ensamstående vuxen", **common),
        cohabiting_pair=_value(personal["cohabiting_pair"], name="riksnorm.personal_costs.cohabiting_pair",
                               label=f"riksnorm {year}, sambor tillsammans", **common),
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


def compute_parameter_hash(files: list[ParameterFile]) -> str:
    """sha256 over the canonical content (parsed data, sorted keys) of the files, in name order. Comments
    and formatting do not change it; any value does."""
    digest = hashlib.sha256()
    for pfile in sorted(files, key=lambda f: f.name):
        digest.update(pfile.name.encode())
        digest.update(b"\0")
        digest.update(pfile.canonical_json.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def load_parameters(
    month: str, municipality: str | None = None, local_dir: str | Path | None = None
) -> ParameterSet:
    """The parameters in force for `month` ("YYYY-MM") in `municipality` (kommunkod or None).

    Raises CalculationInputError(field="month") when the year has no riksnorm."""
    return _load(month, municipality, None if local_dir is None else str(Path(local_dir).resolve()))


@lru_cache(maxsize=1024)
def _load(month: str, municipality: str | None, local_dir_text: str | None) -> ParameterSet:
    local_dir = Path(local_dir_text) if local_dir_text else None
    year = int(month[:4])
    riksnorm_file = _file(f"riksnorm/{year}.yaml", None)
    if riksnorm_file is None:  # before the date: year 0 has none, and no date either
        raise CalculationInputError("month", f"Riksnorm saknas för år {year}.")
    first_day = dt.date(year, int(month[5:7]), 1)
    pbb_file = _file("prisbasbelopp.yaml", None)
    js_file = _file("jobbstimulans.yaml", None)
    ref_file = _file("references.yaml", None)
    default_file = _file("local/default.yaml", local_dir)
    if pbb_file is None or js_file is None or default_file is None or ref_file is None:
        raise ParameterFileError(
            "En nationell parameterfil saknas (prisbasbelopp, jobbstimulans, references eller local/default)."
        )
    files = [riksnorm_file, pbb_file, js_file, ref_file, default_file]

    _, ref_block = _national_single(ref_file, first_day, "Lagrum")
    references = {
        key: " ".join(str(text).split())
        for key, text in ref_block.items()
        if key != "source"
    }

    riksnorm = _riksnorm(riksnorm_file, first_day, year)

    pbb_date, pbb_block = _national_single(pbb_file, first_day, "Prisbasbelopp")
    prisbasbelopp = _value(pbb_block, name="prisbasbelopp", label=f"prisbasbelopp {year}", pfile=pbb_file,
                           valid_from=pbb_date, block=pbb_block, convert=_kronor_to_ore)
    if pbb_date.year != year:
        raise CalculationInputError("month", f"Prisbasbelopp saknas för år {year}.")

    js_date, js_block = _national_single(js_file, first_day, "Regeln om jobbstimulans")
    js_common = dict(pfile=js_file, valid_from=js_date, block=js_block)
    rate = _value(js_block["rate"], name="jobbstimulans.rate", label="jobbstimulans, andel av lönen",
                  convert=lambda v: Fraction(str(v)) / 100, **js_common)
    qualifying = _value(js_block["qualifying_months"], name="jobbstimulans.qualifying_months",
                        label="jobbstimulans, månader i följd med försörjningsstöd", **js_common)
    window = _value(js_block["window_months"], name="jobbstimulans.window_months",
                    label="jobbstimulans, regelns längd i månader", **js_common)

    notices: list[str] = []
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
        parameter_hash=compute_parameter_hash(files),
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
    _file.cache_clear()
    _riksnorm_block.cache_clear()
    _local_value.cache_clear()
    _load.cache_clear()
