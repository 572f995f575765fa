"""What-if simulation: the stored calculation inputs of a period recalculated with changed parameters.

The calculation is the batch engine's (`bistand.engine`), with parameter sets derived by the law package
(`bistand.rules.whatif.apply_change`). "Before" is the same inputs recalculated with the parameters in
force (so that the change shows the effect of the rule change alone, and a change of zero gives exactly
0 kr); the amounts decided at the time are reported beside it as `cost_decided`.

Figures (all money in whole kronor, integers):

* `households`, `household_months`; `cost_before`, `cost_after`, `cost_change`;
* `households_gaining` / `households_losing`: households whose total for the period goes up / down, with
  the deciles (10 %, 20 %, … 90 %) of their change — only when at least `DECILE_MIN` households are in the
  group, so that no single household's amount can be read from them;
* per household type (by the household-month's composition) and per municipality: households,
  household-months, cost before, after and change.

No person data: only counts and sums leave this module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bistand.engine.batch import HouseholdArrays, calculate_arrays
from bistand.rules import calculate as calculate_single
from bistand.rules import load_parameters
from bistand.rules.parameters import ParameterSet
from bistand.rules.whatif import ParameterChange, apply_change, apply_to_sets

DECILE_MIN = 10
#: On the page and in its CSV a group of fewer households than this shows no figures (only that it is small).
SUPPRESS_BELOW = 5

HOUSEHOLD_TYPES: tuple[tuple[str, str], ...] = (
    ("single_no_children", "Ensamstående utan barn"),
    ("single_with_children", "Ensamstående med barn"),
    ("couple_no_children", "Sammanboende utan barn"),
    ("couple_with_children", "Sammanboende med barn"),
)
HOUSEHOLD_TYPE_LABELS = dict(HOUSEHOLD_TYPES)


@dataclass
class Group:
    key: str
    label: str
    households: int
    household_months: int
    cost_before: int
    cost_after: int

    @property
    def cost_change(self) -> int:
        return self.cost_after - self.cost_before

    @property
    def suppressed(self) -> bool:
        return 0 < self.households < SUPPRESS_BELOW

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "households": self.households,
                "household_months": self.household_months, "cost_before": self.cost_before,
                "cost_after": self.cost_after, "cost_change": self.cost_change}


@dataclass
class SimulationReport:
    period_from: str
    period_to: str
    scope: str
    change: list[str]
    households: int
    household_months: int
    cost_decided: int
    cost_before: int
    cost_after: int
    households_gaining: int
    households_losing: int
    households_unchanged: int
    gain_deciles: list[int] | None
    loss_deciles: list[int] | None
    by_household_type: list[Group] = field(default_factory=list)
    by_municipality: list[Group] = field(default_factory=list)

    @property
    def cost_change(self) -> int:
        return self.cost_after - self.cost_before

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": {"from": self.period_from, "to": self.period_to},
            "scope": self.scope,
            "change": self.change,
            "households": self.households,
            "household_months": self.household_months,
            "cost_decided": self.cost_decided,
            "cost_before": self.cost_before,
            "cost_after": self.cost_after,
            "cost_change": self.cost_change,
            "households_gaining": self.households_gaining,
            "households_losing": self.households_losing,
            "households_unchanged": self.households_unchanged,
            "gain_deciles": self.gain_deciles,
            "loss_deciles": self.loss_deciles,
            "by_household_type": [g.to_dict() for g in self.by_household_type],
            "by_municipality": [g.to_dict() for g in self.by_municipality],
            "unit": "kr",
        }


#: For one simulation: parameter set → the same set changed (id(set) → (set, changed set)). Parts read one
#: after the other share their sets (the rules package caches them); changing each once keeps the changed sets
#: the same objects too, so the engine builds its parameter tables for them once, not once per part.
ChangedSets = dict[int, tuple[ParameterSet, ParameterSet]]


def _changed_sets(sets: Sequence[ParameterSet], change: ParameterChange, known: ChangedSets | None
                  ) -> tuple[ParameterSet, ...]:
    if known is None:
        return apply_to_sets(sets, change)
    out = []
    for ps in sets:
        found = known.get(id(ps))
        if found is None or found[0] is not ps:
            found = known[id(ps)] = (ps, apply_change(ps, change))
        out.append(found[1])
    return tuple(out)


def _amounts(arrays: HouseholdArrays, change: ParameterChange | None, local_dir: str | None = None,
             changed_sets: ChangedSets | None = None) -> np.ndarray:
    """Payable amount (whole kronor) per household-month with the parameters changed by `change`."""
    if change is None:
        A = arrays
    else:
        A = dataclasses.replace(arrays, params=_changed_sets(arrays.params, change, changed_sets), fallback={})
    result = calculate_arrays(A, local_dir=local_dir)
    amount = result.amount.astype(np.int64).copy()
    # households the int64 representation cannot hold: the single path, with the same (changed) set
    for h, inp in arrays.fallback.items():
        ps = load_parameters(inp.month, inp.municipality_code, local_dir)
        amount[h] = calculate_single(inp, parameters=ps if change is None else apply_change(ps, change)).amount
    return amount


def household_type_codes(arrays: HouseholdArrays) -> np.ndarray:
    """Index into HOUSEHOLD_TYPES per household-month."""
    return (arrays.n_adults.astype(np.int64) >= 2) * 2 + (arrays.n_children > 0)


def _deciles(values: np.ndarray) -> list[int] | None:
    if len(values) < DECILE_MIN:
        return None
    qs = np.percentile(values, [10, 20, 30, 40, 50, 60, 70, 80, 90], method="inverted_cdf")
    return [int(q) for q in qs]


def _groups(codes: np.ndarray, keys: Sequence[tuple[str, str]], household: np.ndarray, before: np.ndarray,
            after: np.ndarray) -> list[Group]:
    out = []
    for i, (key, label) in enumerate(keys):
        mask = codes == i
        months = int(mask.sum())
        if not months:
            continue
        out.append(Group(key, label, int(len(np.unique(household[mask]))), months,
                         int(before[mask].sum()), int(after[mask].sum())))
    return out


def amounts_before_after(arrays: HouseholdArrays, change: ParameterChange, local_dir: str | None = None,
                         changed_sets: ChangedSets | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The payable amounts (whole kronor) per household-month with the parameters in force and with `change`:
    two passes of the batch engine over the same decoded arrays (only the parameter sets differ); a change of
    zero makes no second pass, so its amounts are the very same. `changed_sets`: the sets already changed in
    this simulation (see ChangedSets), filled as new ones come."""
    if arrays.n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    before = _amounts(arrays, None, local_dir)
    after = before if change.is_zero else _amounts(arrays, change, local_dir, changed_sets)
    return before, after


def simulate_arrays(
    arrays: HouseholdArrays,
    household_ids: np.ndarray,
    change: ParameterChange,
    *,
    decided: np.ndarray | None = None,
    municipality_names: dict[str | None, str] | None = None,
    period: tuple[str, str] = ("", ""),
    scope: str = "",
    local_dir: str | None = None,
) -> SimulationReport:
    """The report for the household-months of `arrays` (one per stored input; `household_ids` says whose)."""
    before, after = amounts_before_after(arrays, change, local_dir)
    return report_from_amounts(arrays, household_ids, change, before, after, decided=decided,
                               municipality_names=municipality_names, period=period, scope=scope)


@dataclass
class PartFigures:
    """The columns the report needs of one part of the household-months (see `part_figures`): whose each is,
    its household type (index into HOUSEHOLD_TYPES), its municipality (index into `municipalities`, the
    parameter sets' municipality codes), the amounts before and after and the amount decided (whole kronor)."""

    households: np.ndarray
    type_codes: np.ndarray
    municipality_index: np.ndarray
    municipalities: tuple[str | None, ...]
    before: np.ndarray
    after: np.ndarray
    decided: np.ndarray | None


def _figures(arrays: HouseholdArrays, household_ids: np.ndarray, before: np.ndarray, after: np.ndarray,
             decided: np.ndarray | None) -> PartFigures:
    n = arrays.n
    municipalities = tuple(sorted({ps.municipality for ps in arrays.params}, key=lambda m: m or ""))
    position = {m: i for i, m in enumerate(municipalities)}
    set_index = np.array([position[ps.municipality] for ps in arrays.params], np.int64)
    return PartFigures(
        households=np.asarray(household_ids, np.int64),
        type_codes=household_type_codes(arrays) if n else np.zeros(0, np.int64),
        municipality_index=set_index[arrays.param_index] if n else np.zeros(0, np.int64),
        municipalities=municipalities,
        before=before, after=after, decided=None if decided is None else np.asarray(decided, np.int64),
    )


def part_figures(arrays: HouseholdArrays, household_ids: np.ndarray, change: ParameterChange, *,
                 decided: np.ndarray | None = None, local_dir: str | None = None,
                 changed_sets: ChangedSets | None = None) -> PartFigures:
    """One part's figures: the batch engine's amounts before and after (`amounts_before_after`) and the
    columns the report groups by. The decoded arrays are not kept, so a long period can be calculated part
    by part as it is read (the report is the same however the household-months are parted); give every part
    of one simulation the same `changed_sets` (a dict, at first empty)."""
    before, after = amounts_before_after(arrays, change, local_dir, changed_sets)
    return _figures(arrays, household_ids, before, after, decided)


def _concatenate(parts: Sequence[PartFigures]) -> PartFigures:
    if len(parts) == 1:
        return parts[0]
    municipalities = tuple(sorted({m for p in parts for m in p.municipalities}, key=lambda m: m or ""))
    position = {m: i for i, m in enumerate(municipalities)}
    remapped = [np.array([position[m] for m in p.municipalities], np.int64)[p.municipality_index]
                if len(p.municipality_index) else np.zeros(0, np.int64) for p in parts]
    decided = None if any(p.decided is None for p in parts) else np.concatenate([p.decided for p in parts])
    return PartFigures(
        households=np.concatenate([p.households for p in parts]),
        type_codes=np.concatenate([p.type_codes for p in parts]),
        municipality_index=np.concatenate(remapped),
        municipalities=municipalities,
        before=np.concatenate([p.before for p in parts]),
        after=np.concatenate([p.after for p in parts]),
        decided=decided,
    )


def report_from_parts(
    parts: Sequence[PartFigures],
    change: ParameterChange,
    *,
    municipality_names: dict[str | None, str] | None = None,
    period: tuple[str, str] = ("", ""),
    scope: str = "",
) -> SimulationReport:
    """The report from the figures of all parts (`part_figures`; at least one part)."""
    f = _concatenate(parts)
    before, after, household_ids = f.before, f.after, f.households
    uniq, inverse = np.unique(household_ids, return_inverse=True)
    per_household = np.zeros(len(uniq), np.int64)
    np.add.at(per_household, inverse, after - before)
    gains, losses = per_household[per_household > 0], -per_household[per_household < 0]
    names = municipality_names or {}
    return SimulationReport(
        period_from=period[0],
        period_to=period[1],
        scope=scope,
        change=change.describe(),
        households=len(uniq),
        household_months=len(household_ids),
        cost_decided=int(f.decided.sum()) if f.decided is not None else int(before.sum()),
        cost_before=int(before.sum()),
        cost_after=int(after.sum()),
        households_gaining=len(gains),
        households_losing=len(losses),
        households_unchanged=int((per_household == 0).sum()),
        gain_deciles=_deciles(gains),
        loss_deciles=_deciles(losses),
        by_household_type=_groups(f.type_codes, HOUSEHOLD_TYPES, household_ids, before, after),
        by_municipality=_groups(f.municipality_index,
                                [(m or "", names.get(m, m or "Nationella värden")) for m in f.municipalities],
                                household_ids, before, after),
    )


def report_from_amounts(
    arrays: HouseholdArrays,
    household_ids: np.ndarray,
    change: ParameterChange,
    before: np.ndarray,
    after: np.ndarray,
    *,
    decided: np.ndarray | None = None,
    municipality_names: dict[str | None, str] | None = None,
    period: tuple[str, str] = ("", ""),
    scope: str = "",
) -> SimulationReport:
    """The report from the amounts before and after (`amounts_before_after`) of the household-months of `arrays`."""
    return report_from_parts([_figures(arrays, household_ids, before, after, decided)], change,
                             municipality_names=municipality_names, period=period, scope=scope)
