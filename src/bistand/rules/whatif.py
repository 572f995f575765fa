"""Changed parameters for a what-if simulation: a `ParameterSet` with some values replaced (pure Python).

The simulation (`bistand simulate`, the what-if page) asks "what would the stored cases have cost with
these parameters?". The law stays here: this module derives a changed `ParameterSet` from one loaded by
`load_parameters`, and the calculation (single path or batch engine) uses it like any other set. Nothing
here reads or writes the parameter files.

Two kinds of change, applied in this order:

* `riksnorm_change` — a percentage (Decimal, may be negative) applied to every riksnorm amount: the
  personal costs of adults and children (also the reduced amounts for lunch away from home) and the shared
  household costs. Each new amount is rounded half up to whole kronor, as the riksnorm is published.
  A change of 0 gives exactly the same values.
* settings — `PATH=VALUE`, one parameter by its documented path (below). A setting wins over the
  percentage for the value it names.

Documented paths (amounts in whole kronor, as in the parameter files):

| path | value |
|---|---|
| `riksnorm.personal_costs.single_adult` | kronor per month |
| `riksnorm.personal_costs.cohabiting_pair` | kronor per month |
| `riksnorm.personal_costs.children.<band>` | kronor; band `0`, `1-2`, `3`, `4-6`, `7-10`, `11-14`, `15-18`, `19-20` |
| `riksnorm.personal_costs.children_lunch_away_from_home.<band>` | kronor; band `0`, `1-2`, `3`, `4-6` |
| `riksnorm.shared_costs.<persons>` | kronor; persons 1–7 |
| `prisbasbelopp` | kronor per year |
| `jobbstimulans.rate` | per cent of the wage |
| `jobbstimulans.qualifying_months`, `jobbstimulans.window_months` | whole months |
| `local.<kommunkod>.housing_cost_ceiling.<adults>.<children>` | kronor; adults 1–2, children 0–4 (4 = four or more) |
| `local.<kommunkod>.cost_caps.<cost type>` | kronor |
| `local.<kommunkod>.rounding` | `half_up`, `down` or `up` |
| `local.<kommunkod>.part_month_divisor` | `days_in_month` or a number |

`<kommunkod>` is a municipality's four-digit code (the change applies to that municipality's parameter
sets only) or `*` (every municipality). Example: `local.0680.housing_cost_ceiling.2.0=7000` — the rent
ceiling in Jönköping for two adults without children.

A bad path or value raises `CalculationInputError` with field "set" (or "riksnorm_change") and a Swedish
message that names the path.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from bistand.rules.errors import CalculationInputError
from bistand.rules.formatting import format_kronor
from bistand.rules.model import COST_TYPES
from bistand.rules.parameters import (
    AGE_BANDS,
    LUNCH_BANDS,
    MAX_CHILDREN_KEY,
    ROUNDING_RULES,
    ParameterSet,
    ParameterValue,
)

__all__ = ["ParameterChange", "Setting", "SETTING_PATHS", "apply_change", "apply_to_sets", "parse_setting"]

CHANGED_NOTE = "Ändrat i en simulering (inte ett gällande värde)."

#: The documented path patterns (for help texts and the page).
SETTING_PATHS: tuple[str, ...] = (
    "riksnorm.personal_costs.single_adult",
    "riksnorm.personal_costs.cohabiting_pair",
    "riksnorm.personal_costs.children.<åldersgrupp>",
    "riksnorm.personal_costs.children_lunch_away_from_home.<åldersgrupp>",
    "riksnorm.shared_costs.<antal personer 1–7>",
    "prisbasbelopp",
    "jobbstimulans.rate",
    "jobbstimulans.qualifying_months",
    "jobbstimulans.window_months",
    "local.<kommunkod|*>.housing_cost_ceiling.<vuxna>.<barn>",
    "local.<kommunkod|*>.cost_caps.<kostnadstyp>",
    "local.<kommunkod|*>.rounding",
    "local.<kommunkod|*>.part_month_divisor",
)

_BANDS = tuple(band for band, _, _ in AGE_BANDS)
_KOD = re.compile(r"^(\d{4}|\*)$")
_MAX_KRONOR = 10**8


@dataclass(frozen=True)
class Setting:
    """One `PATH=VALUE`: `target` is the parameter ("single_adult", "child", "ceiling", …), `key` its
    position (age band, persons, (adults, children), cost type), `municipality` a kommunkod, "*" or None
    (national values), `value` converted (öre for amounts)."""

    path: str
    target: str
    key: Any
    municipality: str | None
    value: Any


@dataclass(frozen=True)
class ParameterChange:
    """The change a simulation makes: a riksnorm percentage and settings. `is_zero` when it changes nothing
    by construction (0 % and no settings)."""

    riksnorm_change: Decimal = Decimal(0)
    settings: tuple[Setting, ...] = ()

    @classmethod
    def build(cls, riksnorm_change: Any = 0, settings: Iterable[str] = ()) -> ParameterChange:
        return cls(riksnorm_change=parse_percent(riksnorm_change), settings=tuple(parse_setting(s) for s in settings))

    @property
    def is_zero(self) -> bool:
        return self.riksnorm_change == 0 and not self.settings

    def describe(self) -> list[str]:
        """The change in plain Swedish, one line per part."""
        out = []
        if self.riksnorm_change:
            sign = "+" if self.riksnorm_change > 0 else "−"
            out.append(f"Riksnormen {sign}{format(abs(self.riksnorm_change), 'f').replace('.', ',')} %")
        for s in self.settings:
            out.append(f"{s.path} = {_shown(s)}")
        return out or ["Ingen ändring"]

    def canonical(self) -> str:
        return json.dumps({"riksnorm_change": str(self.riksnorm_change),
                           "settings": [[s.path, _shown(s)] for s in self.settings]}, ensure_ascii=False)


def _shown(s: Setting) -> str:
    if isinstance(s.value, int) and s.target not in {"qualifying_months", "window_months"}:
        return str(s.value // 100)
    if isinstance(s.value, Fraction):
        return str(s.value * 100) if s.target == "rate" else str(s.value)
    return str(s.value)


def parse_percent(value: Any) -> Decimal:
    """A percentage like "2,5", "-3" or a Decimal; between −100 and +1000."""
    text = str(value).strip().replace(",", ".").replace("−", "-")
    try:
        percent = Decimal(text)
    except InvalidOperation:
        raise CalculationInputError("riksnorm_change", f"Ändringen av riksnormen ”{value}” är inte ett tal i procent.") from None
    if not percent.is_finite() or not Decimal(-100) <= percent <= Decimal(1000):
        raise CalculationInputError("riksnorm_change", "Ändringen av riksnormen ska vara mellan −100 och 1000 procent.")
    return percent


def _kronor(path: str, text: str) -> int:
    if not re.fullmatch(r"\d{1,9}", text):
        raise CalculationInputError("set", f"{path}: värdet ”{text}” ska vara hela kronor (till exempel 7000).")
    value = int(text)
    if value > _MAX_KRONOR:
        raise CalculationInputError("set", f"{path}: värdet {format_kronor(value * 100)} är för stort.")
    return value * 100


def _whole(path: str, text: str, low: int, high: int) -> int:
    if not re.fullmatch(r"\d{1,4}", text) or not low <= int(text) <= high:
        raise CalculationInputError("set", f"{path}: värdet ”{text}” ska vara ett heltal från {low} till {high}.")
    return int(text)


def parse_setting(text: str) -> Setting:
    """`PATH=VALUE` → Setting (see the module docstring for the paths)."""
    if "=" not in text:
        raise CalculationInputError("set", f"”{text}”: skriv ändringen som PARAMETER=VÄRDE.")
    path, raw = (part.strip() for part in text.split("=", 1))
    parts = path.split(".")
    bad = CalculationInputError("set", f"{path}: ingen sådan parameter. Möjliga: {', '.join(SETTING_PATHS)}.")
    if parts[0] == "riksnorm":
        if parts[1:] == ["personal_costs", "single_adult"]:
            return Setting(path, "single_adult", None, None, _kronor(path, raw))
        if parts[1:] == ["personal_costs", "cohabiting_pair"]:
            return Setting(path, "cohabiting_pair", None, None, _kronor(path, raw))
        if len(parts) == 4 and parts[1:3] == ["personal_costs", "children"] and parts[3] in _BANDS:
            return Setting(path, "child", parts[3], None, _kronor(path, raw))
        if (len(parts) == 4 and parts[1:3] == ["personal_costs", "children_lunch_away_from_home"]
                and parts[3] in LUNCH_BANDS):
            return Setting(path, "child_lunch", parts[3], None, _kronor(path, raw))
        if len(parts) == 3 and parts[1] == "shared_costs" and parts[2] in {str(n) for n in range(1, 8)}:
            return Setting(path, "shared", int(parts[2]), None, _kronor(path, raw))
        raise bad
    if parts == ["prisbasbelopp"]:
        return Setting(path, "prisbasbelopp", None, None, _kronor(path, raw))
    if parts[0] == "jobbstimulans" and len(parts) == 2:
        if parts[1] == "rate":
            percent = parse_percent(raw) if re.fullmatch(r"\d{1,3}([.,]\d{1,4})?", raw) else None
            if percent is None or percent > 100:
                raise CalculationInputError("set", f"{path}: värdet ”{raw}” ska vara en andel i procent, 0–100.")
            return Setting(path, "rate", None, None, Fraction(str(percent)) / 100)
        if parts[1] in {"qualifying_months", "window_months"}:
            return Setting(path, parts[1], None, None, _whole(path, raw, 0, 120))
        raise bad
    if parts[0] == "local" and len(parts) >= 3:
        if not _KOD.match(parts[1]):
            raise CalculationInputError("set", f"{path}: ”{parts[1]}” ska vara en kommunkod med fyra siffror eller *.")
        kod, rest = parts[1], parts[2:]
        if len(rest) == 3 and rest[0] == "housing_cost_ceiling":
            adults = _whole(path, rest[1], 1, 2)
            children = _whole(path, rest[2], 0, MAX_CHILDREN_KEY)
            return Setting(path, "ceiling", (adults, children), kod, _kronor(path, raw))
        if len(rest) == 2 and rest[0] == "cost_caps":
            if rest[1] not in COST_TYPES or rest[1] == "rent":
                raise CalculationInputError("set", f"{path}: kostnadstypen ”{rest[1]}” finns inte (hyran har ett eget tak).")
            return Setting(path, "cap", rest[1], kod, _kronor(path, raw))
        if rest == ["rounding"]:
            if raw not in ROUNDING_RULES:
                raise CalculationInputError("set", f"{path}: värdet ska vara en av {', '.join(ROUNDING_RULES)}.")
            return Setting(path, "rounding", None, kod, raw)
        if rest == ["part_month_divisor"]:
            if raw == "days_in_month":
                return Setting(path, "divisor", None, kod, raw)
            try:
                divisor = Fraction(raw.replace(",", "."))
            except (ValueError, ZeroDivisionError):
                divisor = Fraction(0)
            if not 0 < divisor <= 1000:
                raise CalculationInputError("set", f"{path}: värdet ska vara days_in_month eller ett tal större än noll.")
            return Setting(path, "divisor", None, kod, divisor)
    raise bad


def _changed(pv: ParameterValue, value: Any) -> ParameterValue:
    if value == pv.value:
        return pv
    return replace(pv, value=value, note=CHANGED_NOTE)


def _scaled(pv: ParameterValue, factor: Decimal) -> ParameterValue:
    kronor = (Decimal(pv.value) / 100 * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return _changed(pv, int(kronor) * 100)


def apply_change(ps: ParameterSet, change: ParameterChange) -> ParameterSet:
    """`ps` with `change` applied; `ps` itself when nothing of it changes (so a zero change is exact)."""
    fields: dict[str, Any] = {}
    if change.riksnorm_change:
        factor = 1 + change.riksnorm_change / 100
        fields["single_adult"] = _scaled(ps.single_adult, factor)
        fields["cohabiting_pair"] = _scaled(ps.cohabiting_pair, factor)
        fields["child_costs"] = {k: _scaled(v, factor) for k, v in ps.child_costs.items()}
        fields["child_costs_lunch_away"] = {k: _scaled(v, factor) for k, v in ps.child_costs_lunch_away.items()}
        fields["shared_costs_table"] = tuple(_scaled(v, factor) for v in ps.shared_costs_table)
    for s in change.settings:
        if s.municipality is not None and s.municipality != "*" and s.municipality != ps.municipality:
            continue
        current = {**{f: getattr(ps, f) for f in ("single_adult", "cohabiting_pair", "child_costs",
                                                   "child_costs_lunch_away", "shared_costs_table")}, **fields}
        if s.target in {"single_adult", "cohabiting_pair"}:
            fields[s.target] = _changed(current[s.target], s.value)
        elif s.target == "child":
            fields["child_costs"] = {**current["child_costs"], s.key: _changed(current["child_costs"][s.key], s.value)}
        elif s.target == "child_lunch":
            table = current["child_costs_lunch_away"]
            fields["child_costs_lunch_away"] = {**table, s.key: _changed(table[s.key], s.value)}
        elif s.target == "shared":
            table = list(current["shared_costs_table"])
            table[s.key - 1] = _changed(table[s.key - 1], s.value)
            fields["shared_costs_table"] = tuple(table)
        elif s.target == "prisbasbelopp":
            fields["prisbasbelopp"] = _changed(ps.prisbasbelopp, s.value)
        elif s.target == "rate":
            fields["jobbstimulans_rate"] = _changed(ps.jobbstimulans_rate, s.value)
        elif s.target in {"qualifying_months", "window_months"}:
            name = f"jobbstimulans_{s.target}"
            fields[name] = _changed(getattr(ps, name), s.value)
        elif s.target == "ceiling":
            pv = fields.get("housing_cost_ceiling", ps.housing_cost_ceiling)
            table = dict(pv.value or {})
            table[s.key] = s.value
            fields["housing_cost_ceiling"] = _changed(pv, table)
        elif s.target == "cap":
            pv = fields.get("cost_caps", ps.cost_caps)
            fields["cost_caps"] = _changed(pv, {**pv.value, s.key: s.value})
        elif s.target == "rounding":
            fields["rounding"] = _changed(ps.rounding, s.value)
        elif s.target == "divisor":
            fields["part_month_divisor"] = _changed(ps.part_month_divisor, s.value)
    changed = {k: v for k, v in fields.items() if v != getattr(ps, k)}
    if not changed:
        return ps
    digest = hashlib.sha256(f"{ps.parameter_hash}\n{change.canonical()}".encode()).hexdigest()
    return replace(ps, parameter_hash=digest, **changed)


def apply_to_sets(sets: Sequence[ParameterSet], change: ParameterChange) -> tuple[ParameterSet, ...]:
    """`apply_change` for each set (the same order)."""
    return tuple(apply_change(ps, change) for ps in sets)
