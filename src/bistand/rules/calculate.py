"""Försörjningsstöd for one household and one month (docs/rules/calculation-spec.md).

Försörjningsstöd is the riksnorm (personal costs plus shared household costs) plus reasonable costs outside
the norm, less the household's incomes that count. Every step below is one function named after the legal
concept; each adds its trace lines in the order of the specification.

All money is integer öre; the two steps that can give fractions of an öre (a child present part of the
month, the share of shared costs in a hushållsgemenskap) and the jobbstimulans share (25 % of a wage in
öre) are exact `Fraction`s. Only the payable amount is rounded, once, by the municipality's rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import msgspec

from bistand.rules import ENGINE_VERSION, warnings
from bistand.rules.errors import CalculationInputError
from bistand.rules.formatting import format_kronor
from bistand.rules.model import (
    Adult,
    CalculationInput,
    Child,
    Household,
    month_from_index,
    month_index,
    parse_input,
    validate_input,
)
from bistand.rules.parameters import ParameterSet, ParameterValue, legal_references, load_parameters
from bistand.rules.texts import composition, how_many, number_text

COST_LABELS = {
    "rent": "Boendekostnad (hyra)",
    "household_electricity": "Hushållsel",
    "home_insurance": "Hemförsäkring",
    "work_travel": "Arbetsresor",
    "union_fee": "Fackavgift",
    "unemployment_fund_fee": "A-kasseavgift",
    "childcare_fee": "Avgift för barnomsorg",
    "medical_care": "Läkarvård",
    "medicine": "Medicin",
    "dental_care_acute": "Akut tandvård",
    "glasses": "Glasögon",
    "other": "Annan kostnad",
}
INCOME_LABELS = {
    "wage": "Lön",
    "unemployment_benefit": "Ersättning från a-kassa",
    "sickness_benefit": "Sjukpenning",
    "activity_compensation": "Sjuk- eller aktivitetsersättning",
    "parental_benefit": "Föräldrapenning",
    "pension": "Pension",
    "child_benefit": "Barnbidrag",
    "housing_allowance": "Bostadsbidrag",
    "maintenance_support": "Underhållsstöd",
    "student_aid": "Studiemedel",
    "establishment_allowance": "Etableringsersättning",
    "activity_support": "Aktivitetsstöd",
    "tax_refund": "Skatteåterbäring",
    "other": "Annan inkomst",
}
#: Cost types that are needs for livsföring i övrigt (12 kap. 1 § SoL (2025:400)), not reasonable costs
#: outside the norm under 12 kap. 7 § första stycket 2.
NORM_ADJUSTMENT_LABELS = {
    "special_diet": "Särskild kost",
    "school_meals": "Skolmåltider",
    "food_in_care_fee": "Mat som ingår i en vårdavgift",
    "disability": "Kostnader på grund av funktionsnedsättning",
    "other": "Andra särskilda skäl",
}
OTHER_NEEDS = frozenset({"childcare_fee", "medical_care", "medicine", "dental_care_acute", "glasses", "other"})
ROUNDING_LABELS = {
    "half_up": "avrundat till närmaste hela krona",
    "down": "avrundat nedåt till hel krona",
    "up": "avrundat uppåt till hel krona",
}


# --- number helpers -----------------------------------------------------------------------------------


def round_half_up(value: Fraction | int) -> int:
    """Round to the nearest integer, halves upwards."""
    return math.floor(Fraction(value) + Fraction(1, 2))


def kronor(ore: Fraction | int) -> int | Decimal:
    """Öre → kronor for output: rounded half up to the öre; an int when whole kronor, else an exact Decimal
    ('5220.5', '1234.57'). This is display only."""
    rounded = round_half_up(ore)
    if rounded % 100 == 0:
        return rounded // 100
    sign = 1 if rounded < 0 else 0
    magnitude = abs(rounded)
    exponent = -2
    if magnitude % 10 == 0:
        magnitude //= 10
        exponent = -1
    return Decimal((sign, tuple(int(d) for d in str(magnitude)), exponent))


_ENCODER = msgspec.json.Encoder(decimal_format="number")


def encode_json(obj: Any) -> bytes:
    """JSON with Decimal written as numbers (the output format of `bistand calculate`)."""
    return _ENCODER.encode(obj)


# --- results ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceLine:
    """One step of the calculation: which rule, which amount (exact öre) and which law and parameter."""

    code: str
    label: str
    amount: Fraction
    reference: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "amount": kronor(self.amount), "reference": self.reference}


@dataclass(frozen=True)
class CalculationResult:
    """The result for one household and month. Money is exact öre except `amount` (whole kronor)."""

    month: str
    norm_year: int
    norm: Fraction
    costs: Fraction
    need: Fraction
    income_counted: Fraction
    income_disregarded: Fraction
    amount: int
    outcome: str
    lines: tuple[TraceLine, ...]
    warnings: tuple[str, ...]
    parameters: ParameterSet = field(repr=False, compare=False)
    jobbstimulans_started: dict[str, str] = field(default_factory=dict, compare=False)

    def to_dict(self, trace: bool = True) -> dict[str, Any]:
        """Exactly the fields of calculation-result.md, in its order (`lines` only with trace)."""
        result: dict[str, Any] = {
            "month": self.month,
            "norm_year": self.norm_year,
            "norm": kronor(self.norm),
            "costs": kronor(self.costs),
            "need": kronor(self.need),
            "income_counted": kronor(self.income_counted),
            "income_disregarded": kronor(self.income_disregarded),
            "amount": self.amount,
            "outcome": self.outcome,
        }
        if trace:
            result["lines"] = [line.to_dict() for line in self.lines]
        result["warnings"] = list(self.warnings)
        return result

    def to_json(self, trace: bool = True) -> bytes:
        return encode_json(self.to_dict(trace=trace))

    def metadata(self) -> dict[str, Any]:
        """What is not part of the result contract: the engine version, the hash of the parameter files used,
        and the months in which a new jobbstimulans window starts (adult id → month) for the system to store."""
        return {
            "engine_version": ENGINE_VERSION,
            "parameter_hash": self.parameters.parameter_hash,
            "parameter_files": list(self.parameters.files),
            "jobbstimulans_started": dict(self.jobbstimulans_started),
        }


class _Trace:
    """Collects trace lines and warnings (each warning once, in the order it first arises)."""

    def __init__(self, params: ParameterSet, references: dict[str, str] | None = None) -> None:
        self.params = params
        # The law cited: by the decision date (calculate passes it); the month's first day otherwise.
        self.refs = references if references is not None else dict(params.references)
        self.lines: list[TraceLine] = []
        self.warnings: list[str] = list(params.notices)

    def line(self, code: str, label: str, amount: Fraction | int, reference: str) -> None:
        self.lines.append(TraceLine(code, label, Fraction(amount), reference))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def used(self, value: ParameterValue, shown: str | None = None) -> None:
        """Record that a parameter value was used; an estimated one gives a warning naming it."""
        message = warnings.estimated_value(value, shown)
        if message is not None:
            self.warn(message)


def _amounts_reference(trace: _Trace, file_reference: str) -> str:
    """Where the riksnorm amounts are set: the year file's citation (with its SFS) when it is the ordinance in
    force on the decision date, else that ordinance's provision (the amounts are the same)."""
    ordinance = trace.refs["riksnorm"]
    return file_reference if ordinance in file_reference else ordinance


def _norm_reference(trace: _Trace, file_reference: str, file: str, *middle: str) -> str:
    return "; ".join((trace.refs["norm"], _amounts_reference(trace, file_reference), *middle, file))


# --- 1. personal costs (personliga kostnader) ---------------------------------------------------------


def personal_costs_adults(household: Household, params: ParameterSet, trace: _Trace) -> int:
    """Personal costs of the adults. The riksnorm has one amount for a single adult (ensamstående) and one
    amount for two cohabiting adults together (sambor): the pair's amount is for both, not per person."""
    pair = len(household.adults) == 2
    value = params.cohabiting_pair if pair else params.single_adult
    trace.used(value)
    label = "Personliga kostnader, sambor (två vuxna tillsammans)" if pair else "Personliga kostnader, ensamstående vuxen"
    trace.line("personal_costs.adults", label, value.value,
               _norm_reference(trace, value.legal_reference, value.file))
    return value.value


def personal_cost_child(child: Child, params: ParameterSet, trace: _Trace) -> Fraction:
    """A child's personal cost by age band. A child aged 0–6 who eats lunch away from home five days a week
    (förskola) has the reduced amount of the same band. A child who lives in the household only part of the
    month (umgänge, växelvis boende) counts by days: cost × days present / divisor; more days than the
    divisor count as the whole month."""
    value = params.child_cost(child.age, child.lunch_away_from_home)
    trace.used(value)
    reduced = child.lunch_away_from_home and child.age <= 6
    label = f"Personliga kostnader, barn {child.id}, {child.age} år"
    if reduced:
        label += ", äter lunch utanför hemmet"
    reference = _norm_reference(trace, value.legal_reference, value.file)
    cost = Fraction(value.value)
    if child.days_present is not None:
        divisor = params.divisor()
        divisor_value = params.part_month_divisor
        trace.used(divisor_value, number_text(divisor))
        days = min(Fraction(child.days_present), divisor)
        if child.days_present > divisor:
            trace.warn(warnings.child_present_more_days_than_divisor(child.id, child.days_present, divisor))
        cost = cost * days / divisor
        label += f", {number_text(days)} av {number_text(divisor)} dagar ({format_kronor(value.value)} för hel månad)"
        reference += f"; {trace.refs['part_month']}; {divisor_value.file} (part_month_divisor)"
    trace.line(f"personal_costs.child.{child.id}", label, cost, reference)
    return cost


# --- 2. shared household costs (gemensamma hushållskostnader) -----------------------------------------


def shared_household_costs(household: Household, params: ParameterSet, trace: _Trace) -> Fraction:
    """Shared household costs (consumables, newspaper, telephone …) by the number of members, adults plus
    children (a child present part of the month counts fully). The table covers 1–7 persons; each further
    person adds the difference between the amounts for seven and six persons. A household that shares its
    dwelling with others without being their spouse, sambo or children (hushållsgemenskap) gets its share:
    the amount for everyone in the dwelling × household size / persons in the dwelling."""
    size = household.size
    persons = household.dwelling_size if household.dwelling_size is not None else size
    for value in params.shared_cost_values(persons):
        trace.used(value)
    full = params.shared_costs(persons)
    reference = _norm_reference(trace, params.riksnorm_reference, params.riksnorm_file)
    if persons > 7 or household.dwelling_size is not None:
        reference = _norm_reference(trace, params.riksnorm_reference, params.riksnorm_file,
                                    trace.refs["shared_rules"])
    if household.dwelling_size is None:
        amount = Fraction(full)
        label = f"Gemensamma hushållskostnader, {how_many(size)}"
        if persons > 7:
            extra = params.shared_costs(7) - params.shared_costs(6)
            label += (f" ({format_kronor(params.shared_costs(7))} för 7 personer + {persons - 7} × "
                      f"{format_kronor(extra)})")
    else:
        amount = Fraction(full) * size / persons
        label = (f"Gemensamma hushållskostnader, hushållets andel {size}/{persons} av "
                 f"{format_kronor(full)} för {how_many(persons)} i bostaden")
    trace.line("shared_costs", label, amount, reference)
    return amount


def riksnorm(inp: CalculationInput, params: ParameterSet, trace: _Trace) -> Fraction:
    """The riksnorm for the household: personal costs plus shared household costs."""
    household = inp.household
    norm = Fraction(personal_costs_adults(household, params, trace))
    for child in household.children:
        norm += personal_cost_child(child, params, trace)
    norm += shared_household_costs(household, params, trace)
    trace.line("norm", "Riksnorm (personliga och gemensamma kostnader)", norm,
               _norm_reference(trace, params.riksnorm_reference, params.riksnorm_file))
    return norm


# --- 3. higher or lower norm level (högre eller lägre nivå) -------------------------------------------


def norm_level(inp: CalculationInput, norm: Fraction, trace: _Trace) -> Fraction:
    """The norm at the level the case worker set: the riksnorm, raised where the household's needs are
    greater for special reasons (a special diet, school-meal fees …; the committee *shall* go higher) or
    lowered where there are special reasons (food included in a care fee …; it *may* go lower). Each
    adjustment is its own line with the case worker's reason. The norm can never go below zero."""
    if not inp.norm_adjustments:
        return norm
    total = Fraction(0)
    for i, adjustment in enumerate(inp.norm_adjustments, start=1):
        higher = adjustment.direction == "higher"
        label = f"{'Högre' if higher else 'Lägre'} nivå än riksnormen: {NORM_ADJUSTMENT_LABELS[adjustment.kind]}"
        if adjustment.member_id is not None:
            label += f" (för {adjustment.member_id})"
        label += f". Skäl: {' '.join(adjustment.reason.split())}"
        trace.line(f"norm_level.{i}", label, adjustment.signed_ore, trace.refs["norm_level"])
        total += adjustment.signed_ore
    applied = norm + total
    if applied < 0:
        raise CalculationInputError(
            "norm_adjustments",
            f"Normen kan inte sänkas under {format_kronor(0)}: riksnormen är {format_kronor(norm)} och sänkningarna är "
            f"{format_kronor(-total)} mer än höjningarna.",
        )
    trace.line("norm_level", "Norm efter högre eller lägre nivå", applied,
               f"{trace.refs['norm']}; {trace.refs['norm_level']}")
    return applied


# --- 3 b. nedsättning ---------------------------------------------------------------------------------


def reduction(inp: CalculationInput, norm: Fraction, trace: _Trace) -> Fraction:
    """Nedsättning: when the applicant without an acceptable reason has not followed the plan — refused
    reasonable work, praktik or another activity the committee required — the committee *may* reduce or
    refuse continued försörjningsstöd. The law sets no amount; the case worker states what the norm part is
    reduced to (0 refuses it), never more than the norm, and gives their own reason and the plan
    requirement that was not met. Reasonable costs outside the norm (rent …) are not reduced."""
    if inp.reduction is None:
        return norm
    target = inp.reduction.norm_amount_ore
    if target > norm:
        raise CalculationInputError(
            "reduction.norm_amount",
            f"Normdelen kan inte sättas ned till {format_kronor(target)}: den är {format_kronor(norm)} före "
            "nedsättningen. Ange ett belopp från 0 kr upp till normen.",
        )
    what = "vägras" if target == 0 else f"sätts ned till {format_kronor(target)}"
    label = (f"Nedsättning: normdelen {what} ({format_kronor(norm)} före nedsättningen). "
             f"Krav i planeringen som inte följts: {' '.join(inp.reduction.requirement.split())}. "
             f"Skäl: {' '.join(inp.reduction.reason.split())}")
    trace.line("reduction", label, Fraction(target) - norm, trace.refs["reduction"])
    trace.line("reduction.norm", "Norm efter nedsättning", target, f"{trace.refs['norm']}; {trace.refs['reduction']}")
    return Fraction(target)


# --- 4. reasonable costs (skäliga kostnader) ----------------------------------------------------------


def reasonable_costs(inp: CalculationInput, params: ParameterSet, trace: _Trace) -> int:
    """Reasonable actual costs outside the norm (housing, household electricity, home insurance, work travel,
    union and unemployment-fund fees, and the like), one line per type. Rent counts at most up to the
    municipality's housing-cost ceiling for the household's composition (all children count); a local cap
    limits other types the same way. The excess is not counted. Needs for livsföring i övrigt (childcare fee,
    medical care, medicine, acute dental care, glasses, other) cite the right to assistance (12 kap. 1 §),
    the others the reasonable costs outside the norm (12 kap. 7 § första stycket 2)."""
    totals: dict[str, int] = {}
    for cost in inp.costs:
        totals[cost.type] = totals.get(cost.type, 0) + cost.amount_ore
    adults, children = len(inp.household.adults), len(inp.household.children)
    counted_total = 0
    for cost_type, total in totals.items():
        label = COST_LABELS[cost_type]
        reference = trace.refs["other_needs"] if cost_type in OTHER_NEEDS else trace.refs["costs"]
        rent = cost_type == "rent"
        if rent:
            cap = params.housing_ceiling(adults, children)
            cap_value = params.housing_cost_ceiling
        else:
            cap = params.cost_cap(cost_type)
            cap_value = params.cost_caps
        counted = total
        if cap is not None:
            trace.used(cap_value, warnings.cap_shown(format_kronor(cap), label, rent, adults, children))
            reference += f"; {cap_value.file} ({'housing_cost_ceiling' if rent else 'cost_caps'})"
            grace = housing_grace_period(inp, params) if rent and total > cap else None
            if grace is not None and grace[0] <= inp.month <= grace[1]:
                housing_grace(inp, params, trace, total, cap, grace, reference)
                label += ", hela hyran under rådrummet"
            elif total > cap:
                counted = cap
                label += f", högst {format_kronor(cap)}"
                message = warnings.cost_above_cap(
                    COST_LABELS[cost_type], format_kronor(total),
                    warnings.cap_name(COST_LABELS[cost_type], rent, adults, children),
                    format_kronor(cap), format_kronor(total - cap),
                )
                if grace is not None and inp.month > grace[1]:
                    label += f" (rådrummet {grace[0]}–{grace[1]} är slut)"
                    message += f" Rådrummet, då hela hyran räknades med, var {grace[0]}–{grace[1]}."
                trace.warn(message)
        trace.line(f"costs.{cost_type}", label, counted, reference)
        counted_total += counted
    total_reference = trace.refs["costs"]
    if any(cost_type in OTHER_NEEDS for cost_type in totals):
        total_reference += f"; {trace.refs['other_needs']}"
    trace.line("costs", "Skäliga kostnader utanför riksnormen", counted_total, total_reference)
    return counted_total


def housing_grace_period(inp: CalculationInput, params: ParameterSet) -> tuple[str, str] | None:
    """The rådrum of the input as (first month, last month), or None: its `end`, or else `start` + the
    municipality's `housing_grace_months` − 1."""
    grace = inp.housing_grace
    if grace is None:
        return None
    end = grace.end_month
    if end is None:
        end = month_from_index(month_index(grace.start) + params.housing_grace_months.value - 1)
    return grace.start, end


def housing_grace(inp: CalculationInput, params: ParameterSet, trace: _Trace, total: int, cap: int,
                  grace: tuple[str, str], reference: str) -> None:
    """Rådrum: the first time the rent is above the municipality's ceiling the household gets time to lower
    its housing cost (move, sublet a room, renegotiate); during that time the full rent is a reasonable cost
    (12 kap. 7 § första stycket 2 SoL; Socialstyrelsen: the length is decided in the individual case). The
    line's amount is the part of the rent above the ceiling that still counts; from the month after the
    rådrum only the ceiling counts. A case worker's extension carries their own reason."""
    start, end = grace
    adults, children = len(inp.household.adults), len(inp.household.children)
    number = month_index(inp.month) - month_index(start) + 1
    length = month_index(end) - month_index(start) + 1
    after = month_from_index(month_index(end) + 1)
    label = (f"Rådrum för hyra över kommunens tak för boendekostnad för {composition(adults, children)} "
             f"({format_kronor(cap)}): hela hyran räknas med {start}–{end} (månad {number} av {length}); från och "
             f"med {after} räknas högst taket")
    if inp.housing_grace.reason_text:
        label += f". Rådrummet är förlängt. Skäl: {inp.housing_grace.reason_text}"
    elif inp.housing_grace.end_month is None:
        trace.used(params.housing_grace_months, f"{params.housing_grace_months.value} månader")
        reference += f"; {params.housing_grace_months.file} (housing_grace_months)"
    trace.line("housing_grace", label, total - cap, reference)
    trace.warn(warnings.rent_within_grace(
        COST_LABELS["rent"], format_kronor(total), warnings.cap_name(COST_LABELS["rent"], True, adults, children),
        format_kronor(cap), end, after,
    ))


# --- 6. incomes and what is disregarded ---------------------------------------------------------------


def jobbstimulans_applies(adult: Adult, month: str, params: ParameterSet) -> tuple[bool, str]:
    """Jobbstimulans: when a person has had försörjningsstöd for six months in a row, 25 % of their income
    from employment is left out, for two years (24 months). After the two years, six new months in a row are
    needed. With `jobbstimulans_since` the window that started then decides; without it, six or more
    consecutive months start a new window with this month. Returns (applies, reason in Swedish)."""
    qualifying = params.jobbstimulans_qualifying_months.value
    window = params.jobbstimulans_window_months.value
    current = month_index(month)
    if adult.jobbstimulans_since is not None:
        start = month_index(adult.jobbstimulans_since)
        end = start + window - 1
        if start <= current <= end:
            return True, f"månad {current - start + 1} av {window} i perioden från {adult.jobbstimulans_since}"
        if current < start:
            return False, f"perioden börjar först {adult.jobbstimulans_since}"
        return False, f"perioden från {adult.jobbstimulans_since} tog slut {month_from_index(end)}"
    months = adult.months_on_assistance
    if months >= qualifying:
        return True, f"{months} månader i följd med försörjningsstöd; en ny period på {window} månader börjar {month}"
    return False, f"{months} av {qualifying} månader i följd med försörjningsstöd"


def jobbstimulans_disregard(
    adult: Adult, wages: int, month: str, params: ParameterSet, trace: _Trace
) -> tuple[Fraction, bool]:
    """The part of an adult's wage left out by jobbstimulans (25 % when the rule applies, else nothing)."""
    applies, reason = jobbstimulans_applies(adult, month, params)
    rate = params.jobbstimulans_rate
    for value in (rate, params.jobbstimulans_qualifying_months, params.jobbstimulans_window_months):
        trace.used(value, str(value.value))
    percent = number_text(rate.value * 100)
    if applies:
        amount = rate.value * wages
        label = f"Jobbstimulans, {adult.id}: {percent} % av lönen räknas inte ({reason})"
    else:
        amount = Fraction(0)
        label = f"Jobbstimulans, {adult.id}: gäller inte ({reason})"
    trace.line(f"disregard.jobbstimulans.{adult.id}", label, amount, f"{trace.refs['jobbstimulans']}; {rate.file}")
    return amount, applies and adult.jobbstimulans_since is None


def child_earnings_disregard(child: Child, wages: int, params: ParameterSet, trace: _Trace) -> int:
    """A child's (or school youth's) own earnings are not counted up to one prisbasbelopp per calendar year:
    what is left of the prisbasbelopp after earlier earnings this year is disregarded, the rest counts.
    A young person aged 18–20 is a child here only while in upper-secondary school (`Child.counts_as_child`;
    one who is not is refused as a child by `validate_input`, so their earnings are never disregarded)."""
    pbb = params.prisbasbelopp
    trace.used(pbb)
    earlier = child.earnings_this_year_before_month_ore
    left = max(0, pbb.value - earlier)
    amount = min(wages, left)
    label = (f"Barnets egen arbetsinkomst, {child.id}: räknas inte upp till ett prisbasbelopp per år "
             f"({format_kronor(pbb.value)}; kvar i år före månaden {format_kronor(left)})")
    trace.line(f"disregard.child_earnings.{child.id}", label, amount,
               f"{trace.refs['child_earnings']}; {pbb.file}")
    return amount


@dataclass
class _Incomes:
    counted: Fraction
    disregarded: Fraction
    jobbstimulans_started: dict[str, str]


def incomes(inp: CalculationInput, params: ParameterSet, trace: _Trace) -> _Incomes:
    """The household's incomes after tax count against the need, except what the law leaves out: the
    jobbstimulans share of an adult's wage and a child's earnings up to one prisbasbelopp a year. One line
    per income type shows the counted part; then one line per adult, and per child, who has a wage."""
    totals: dict[str, int] = {}
    wages_by_member: dict[str, int] = {}
    for income in inp.incomes:
        totals[income.type] = totals.get(income.type, 0) + income.amount_ore
        if income.type == "wage":
            member = income.member_id
            assert member is not None
            wages_by_member[member] = wages_by_member.get(member, 0) + income.amount_ore

    # The disregards are worked out first (the wage line shows what is left), but their lines come after
    # the income lines.
    start = len(trace.lines)
    disregarded = Fraction(0)
    started: dict[str, str] = {}
    for adult in inp.household.adults:
        if adult.id in wages_by_member:
            amount, new_window = jobbstimulans_disregard(adult, wages_by_member[adult.id], inp.month, params, trace)
            disregarded += amount
            if new_window:
                started[adult.id] = inp.month
    for child in inp.household.children:
        if child.id in wages_by_member:
            disregarded += child_earnings_disregard(child, wages_by_member[child.id], params, trace)
    disregard_lines = trace.lines[start:]
    del trace.lines[start:]

    total = Fraction(sum(totals.values()))
    for income_type, amount in totals.items():
        counted = amount - disregarded if income_type == "wage" else Fraction(amount)
        label = f"{INCOME_LABELS[income_type]}, räknas som inkomst"
        trace.line(f"income.{income_type}", label, counted, trace.refs["incomes"])
    trace.lines.extend(disregard_lines)
    counted_total = total - disregarded
    trace.line("income_counted", "Inkomster som räknas", counted_total, trace.refs["incomes"])
    trace.line("income_disregarded", "Inkomster som inte räknas", disregarded, trace.refs["incomes"])
    return _Incomes(counted_total, disregarded, started)


# --- 7. the payable amount ----------------------------------------------------------------------------


def payable_amount(need: Fraction, income_counted: Fraction, params: ParameterSet, trace: _Trace) -> int:
    """Försörjningsstöd to pay: the need less the counted incomes, never below zero, rounded once to whole
    kronor by the municipality's rule (half up by default)."""
    rule = params.rounding
    trace.used(rule, rule.value)
    exact = max(Fraction(0), need - income_counted) / 100  # kronor
    if rule.value == "half_up":
        amount = round_half_up(exact)
    elif rule.value == "down":
        amount = math.floor(exact)
    else:
        amount = math.ceil(exact)
    trace.line("amount", f"Försörjningsstöd att betala ut ({ROUNDING_LABELS[rule.value]})", amount * 100,
               f"{trace.refs['amount']}; {rule.file} (rounding)")
    return amount


def calculate(
    household_input: Any,
    *,
    local_dir: str | Path | None = None,
    extra_documents: Any = None,
    parameters: ParameterSet | None = None,
) -> CalculationResult:
    """Calculate försörjningsstöd for one household and one month.

    `household_input` is a CalculationInput, a parsed JSON object or JSON text. Raises
    CalculationInputError for input that does not follow the contract. `local_dir` is an extra directory
    of local parameter files (settings.BISTAND_LOCAL_PARAMETERS_DIR); `extra_documents` are year documents
    from the outside (see bistand.rules.parameters). The legal references follow the input's
    `decision_date` (default: the first day of the month); the amounts never depend on it. `parameters`
    replaces the loaded set (a what-if simulation's changed set, `bistand.rules.whatif`); it must be for
    the input's month and municipality."""
    if isinstance(household_input, CalculationInput):
        validate_input(household_input)
        inp = household_input
    else:
        inp = parse_input(household_input)
    if parameters is not None:
        if (parameters.month, parameters.municipality) != (inp.month, inp.municipality_code):
            raise ValueError("parameters are for another month or municipality than the input")
        params = parameters
    elif extra_documents is None:  # the registered provider, if any, is asked
        params = load_parameters(inp.month, inp.municipality_code, local_dir)
    else:
        params = load_parameters(inp.month, inp.municipality_code, local_dir, extra_documents)
    trace = _Trace(params, legal_references(inp.decision_day))

    norm = reduction(inp, norm_level(inp, riksnorm(inp, params, trace), trace), trace)
    costs = reasonable_costs(inp, params, trace)
    need = norm + costs
    trace.line("need", "Behov (riksnorm och skäliga kostnader)", need, trace.refs["right"])
    counted = incomes(inp, params, trace)
    amount = payable_amount(need, counted.counted, params, trace)

    return CalculationResult(
        month=inp.month,
        norm_year=params.norm_year,
        norm=norm,
        costs=Fraction(costs),
        need=need,
        income_counted=counted.counted,
        income_disregarded=counted.disregarded,
        amount=amount,
        outcome="granted" if amount > 0 else "refused",
        lines=tuple(trace.lines),
        warnings=tuple(trace.warnings),
        parameters=params,
        jobbstimulans_started=counted.jobbstimulans_started,
    )
