"""What a decision on an application would say, built from the stored calculation (pure reads).

:func:`propose` gives the outcome per applied item, the overall outcome and amount, the reasons
generated from the calculation's trace and the rules it applied, and the legal basis. Every figure
comes from the stored calculation (its result as stored, never a new calculation), so a decision shows
the same figures however the parameters change later.

Items: the norm (``norm``) and each cost type (``rent``, ``household_electricity`` …). The amount
*applied for* is what the application declares (``declaration["costs"]``; the calculation input's
costs when the application declares none); the amount *granted* is what the calculation counted
(trace line ``costs.<type>``). An item counted in full is granted (bifall), one counted in part is
partly refused (delavslag), one not counted is refused (avslag); a refusal needs the case worker's
own reason. The calculation's own explanation (e.g. its warning that the rent is above the
municipality's ceiling) is the line's ``suggestion``: shown beside the reason field and kept in the
decision, it never counts as the case worker's reason, not even typed back unchanged (issue 17 §2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils import timezone

from bistand.common.formatting import format_kronor
from bistand.common.months import add_months, month_sv, parse_month
from bistand.rules import calculate, legal_references
from bistand.rules.calculate import COST_LABELS, NORM_ADJUSTMENT_LABELS
from bistand.rules.parameters import load_parameters

from .models import Outcome

NORM_ITEM = "norm"
#: Items of the case worker's higher or lower norm levels: ``norm_level.1``, ``norm_level.2`` … (the trace's codes).
NORM_LEVEL_PREFIX = "norm_level."
NORM_LABEL = "Försörjningsstöd enligt riksnormen (personliga och gemensamma kostnader)"
#: The item of the case worker's nedsättning (12 kap. 5 § SoL; the trace's code ``reduction``).
REDUCTION_ITEM = "reduction"
REDUCTION_LABEL = "Nedsättning av försörjningsstödet (normdelen)"

#: The trace line of the rådrum for rent above the ceiling (issue 17 §2).
HOUSING_GRACE_CODE = "housing_grace"

#: Legal basis added to an automated decision (rules.md 5.1 and 5.2; the section of the Local
#: Government Act follows the inquiry's text and should be checked against the final wording).
AUTOMATED_BASIS = (
    "28 § förvaltningslagen (2017:900): beslut kan fattas automatiserat; "
    "6 kap. 37 § kommunallagen (2017:725): nämnden får delegera beslut till en automatiserad beslutsfunktion"
)


class ProposalError(ValueError):
    """A decision cannot be made as asked (message in Swedish)."""


def ore(amount: Any) -> int:
    """A stored kronor amount (int, Decimal or text with at most two decimals) → öre."""
    value = Decimal(str(amount)) * 100
    return int(value.to_integral_value())


@dataclass(frozen=True)
class LineProposal:
    item: str
    label: str
    applied_ore: int
    granted_ore: int
    outcome: str
    reason: str = ""  # the case worker's own reason (a norm level's: the reason given with it)
    suggestion: str = ""  # the calculation's explanation: never the case worker's reason

    @property
    def text(self) -> str:
        """What the decision line says: the calculation's explanation, then the case worker's reason."""
        return " ".join(part for part in (self.suggestion, self.reason) if part)

    @property
    def has_own_reason(self) -> bool:
        """Whether the case worker gave a reason of their own: not empty, and not the suggestion typed back."""
        return bool(self.reason) and normalised(self.reason) != normalised(self.suggestion)


def normalised(text: str) -> str:
    """Text compared as written: whitespace collapsed, case and a closing full stop ignored."""
    return " ".join(str(text).split()).rstrip(".").casefold()


@dataclass(frozen=True)
class Proposal:
    outcome: str
    amount_ore: int
    lines: list[LineProposal]
    reasons: str  # generated from the calculation (the case worker's own text is added by the service)
    legal_basis: str
    missing_reasons: list[str] = field(default_factory=list)  # labels of refused items without a reason
    missing_items: list[str] = field(default_factory=list)  # their items (``rent`` …), for the form's fields

    @property
    def is_full_grant(self) -> bool:
        return self.outcome == Outcome.GRANTED


def _trace(calculation) -> dict[str, Any]:
    return {line["code"]: line for line in calculation.result.get("lines", [])}


def _figure(calculation, key: str) -> int:
    return ore(calculation.result.get(key, 0))


def declared_costs(application, calculation) -> dict[str, int]:
    """cost type → amount applied for, in öre (in the order the costs first appear)."""
    costs = (getattr(application, "declaration", None) or {}).get("costs") if application is not None else None
    applied: dict[str, int] = {}
    if costs:
        for cost in costs:
            if not isinstance(cost, Mapping) or not cost.get("type"):
                continue
            if cost.get("amount_ore") not in (None, ""):
                amount = int(cost["amount_ore"])
            elif cost.get("amount") not in (None, ""):
                amount = ore(cost["amount"])
            else:
                continue
            applied[cost["type"]] = applied.get(cost["type"], 0) + amount
        return applied
    for cost in calculation.input_data.get("costs", ()):
        applied[cost["type"]] = applied.get(cost["type"], 0) + ore(cost["amount"])
    return applied


def _warning_about(calculation, label: str) -> str:
    for warning in calculation.result.get("warnings", ()):
        if warning.startswith(label):
            return warning
    return ""


def line_outcome(applied: int, granted: int) -> str:
    if granted >= applied:
        return Outcome.GRANTED
    if granted > 0:
        return Outcome.PARTLY_REFUSED
    return Outcome.REFUSED


def riksnorm_ore(calculation) -> int:
    """The riksnorm of the calculation before any higher or lower level (the trace's ``norm`` line; the
    result's ``norm`` is the norm as applied)."""
    line = _trace(calculation).get("norm")
    return ore(line["amount"]) if line is not None else _figure(calculation, "norm")


def norm_level_lines(calculation, line_reasons: Mapping[str, str] | None = None) -> list[LineProposal]:
    """One decision line per higher or lower norm level of the calculation (12 kap. 7 § tredje stycket
    SoL), with the case worker's reason from the calculation input. A higher level is granted; a lower
    level is the part of the riksnorm that is not granted (avslag on that part, so the decision as a whole
    is a delavslag that can be appealed)."""
    line_reasons = line_reasons or {}
    lines = []
    adjustments = (getattr(calculation, "input_data", None) or {}).get("norm_adjustments") or []
    for i, adjustment in enumerate(adjustments, start=1):
        item = f"{NORM_LEVEL_PREFIX}{i}"
        amount = ore(adjustment["amount"])
        kind = NORM_ADJUSTMENT_LABELS.get(adjustment.get("kind"), adjustment.get("kind", ""))
        reason = " ".join(part for part in (" ".join(str(adjustment.get("reason", "")).split()),
                                            line_reasons.get(item, "")) if part)
        if adjustment.get("direction") == "higher":
            lines.append(LineProposal(item, f"Högre nivå än riksnormen: {kind}", amount, amount, Outcome.GRANTED,
                                      reason))
        else:
            lines.append(LineProposal(item, f"Lägre nivå än riksnormen: {kind}", amount, 0, Outcome.REFUSED, reason))
    return lines


def reduction_lines(calculation, line_reasons: Mapping[str, str] | None = None) -> list[LineProposal]:
    """The decision line of the calculation's nedsättning (12 kap. 5 § SoL), if it has one: the part of the
    norm that is not granted (avslag on that part), with the plan requirement that was not met and the
    case worker's reason as recorded with the nedsättning."""
    reduction = (getattr(calculation, "input_data", None) or {}).get("reduction")
    line = _trace(calculation).get(REDUCTION_ITEM)
    if not reduction or line is None:
        return []
    reduced_by = -ore(line["amount"])
    own = " ".join(str(reduction.get("reason", "")).split())
    extra = (line_reasons or {}).get(REDUCTION_ITEM, "")
    reason = " ".join(part for part in (
        f"Krav i planeringen som du inte har följt: {' '.join(str(reduction.get('requirement', '')).split())}.",
        f"Skäl: {own}", extra) if part)
    return [LineProposal(REDUCTION_ITEM, REDUCTION_LABEL, reduced_by, 0, Outcome.REFUSED, reason if own else "")]


def propose_lines(application, calculation, line_reasons: Mapping[str, str] | None = None) -> list[LineProposal]:
    line_reasons = {k: (v or "").strip() for k, v in (line_reasons or {}).items()}
    trace = _trace(calculation)
    norm = riksnorm_ore(calculation)
    lines = [LineProposal(NORM_ITEM, NORM_LABEL, norm, norm, Outcome.GRANTED, line_reasons.get(NORM_ITEM, "")),
             *norm_level_lines(calculation, line_reasons), *reduction_lines(calculation, line_reasons)]
    applied = declared_costs(application, calculation)
    counted_types = [code.split(".", 1)[1] for code in trace if code.startswith("costs.")]
    for cost_type in [*applied, *[t for t in counted_types if t not in applied]]:
        applied_ore = applied.get(cost_type, 0)
        counted = trace.get(f"costs.{cost_type}")
        granted_ore = ore(counted["amount"]) if counted is not None else 0
        if applied_ore == 0 and granted_ore == 0:
            continue
        label = COST_LABELS.get(cost_type, cost_type)
        outcome = line_outcome(applied_ore, granted_ore)
        reason = line_reasons.get(cost_type, "")
        suggestion = _warning_about(calculation, label) if outcome != Outcome.GRANTED else ""
        lines.append(LineProposal(cost_type, label, applied_ore, granted_ore, outcome, reason, suggestion))
    return lines


def grace_period(calculation) -> tuple[dt.date, dt.date] | None:
    """The rådrum a stored calculation used, as (first month, last month), or None when it had none."""
    data = getattr(calculation, "input_data", None) or {}
    grace = data.get("housing_grace")
    if not grace:
        return None
    start = parse_month(grace["start"])
    if grace.get("end"):
        return start, parse_month(grace["end"])
    params = load_parameters(str(data["month"]), data.get("municipality"),
                             getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None) or None)
    return start, add_months(start, params.housing_grace_months.value - 1)


def housing_grace_paragraph(calculation) -> str:
    """The letter's paragraph on the rådrum when the calculation counted the full rent above the ceiling:
    from which month the ceiling applies and why (and the case worker's reason when it was extended)."""
    line = _trace(calculation).get(HOUSING_GRACE_CODE)
    rent_line = _trace(calculation).get("costs.rent")
    period = grace_period(calculation)
    if line is None or rent_line is None or period is None:
        return ""
    start, end = period
    rent = ore(rent_line["amount"])
    ceiling = rent - ore(line["amount"])
    text = (f"Rådrum för boendekostnaden: din hyra, {format_kronor(rent)}, är högre än kommunens tak för boendekostnad "
            f"för ett hushåll som ditt, {format_kronor(ceiling)}. Därför får du ett rådrum, {month_sv(start)}–"
            f"{month_sv(end)}, då vi räknar med hela hyran, så att du hinner skaffa en bostad med lägre hyra eller på "
            f"annat sätt sänka boendekostnaden. Från och med {month_sv(add_months(end, 1))} räknar vi med högst "
            f"{format_kronor(ceiling)} i hyra, eftersom försörjningsstödet bara räknar med en skälig boendekostnad: "
            "det som ett hushåll med låga inkomster på orten normalt kan betala enligt kommunens riktlinjer.")
    reason = " ".join(str(((calculation.input_data or {}).get("housing_grace") or {}).get("reason") or "").split())
    if reason:
        text += f" Rådrummet är förlängt till och med {month_sv(end)}. Skäl: {reason}"
    return text


def generated_reasons(calculation, lines: list[LineProposal], outcome: str) -> str:
    """The reasons, in plain Swedish, from the calculation's figures and the outcome of each item."""
    month = month_sv(calculation.month)
    need, norm, costs = _figure(calculation, "need"), _figure(calculation, "norm"), _figure(calculation, "costs")
    counted, disregarded = _figure(calculation, "income_counted"), _figure(calculation, "income_disregarded")
    riksnorm = riksnorm_ore(calculation)
    reduced = next((line for line in lines if line.item == REDUCTION_ITEM), None)
    if reduced is not None:
        norm += reduced.applied_ore  # the norm before the nedsättning (the nedsättning has its own paragraph)
        need += reduced.applied_ore
    if riksnorm != norm:
        norm_text = (f"riksnormen {format_kronor(riksnorm)}, som av särskilda skäl är satt till en "
                     f"{'högre' if norm > riksnorm else 'lägre'} nivå, {format_kronor(norm)},")
    else:
        norm_text = f"riksnormen {format_kronor(norm)}"
    paragraphs = [
        f"Du har ansökt om ekonomiskt bistånd (försörjningsstöd) för {month}.",
        f"Hushållets behov är {format_kronor(need)} för månaden: {norm_text} och skäliga kostnader utanför "
        f"riksnormen {format_kronor(costs)}.",
    ]
    income = f"Hushållets inkomster som räknas är {format_kronor(counted)}."
    if disregarded:
        income += (f" {format_kronor(disregarded)} av inkomsterna räknas inte, enligt reglerna om jobbstimulans, barns "
                   "inkomster av eget arbete och inkomster som inte ska räknas.")
    paragraphs.append(income)
    amount = calculation.amount_ore
    if amount > 0 and outcome == Outcome.REFUSED:
        paragraphs.append(f"Enligt beräkningen skulle försörjningsstödet bli {format_kronor(amount)}. Ansökan avslås ändå, "
                          "av de skäl som står nedan.")
    elif amount > 0:
        paragraphs.append(f"Försörjningsstödet är behovet minus inkomsterna: {format_kronor(amount)}.")
    else:
        paragraphs.append(
            "Hushållets inkomster är lika stora som eller större än behovet. Därför har du inte rätt till "
            "försörjningsstöd för månaden."
        )
    grace = housing_grace_paragraph(calculation)
    if grace:
        paragraphs.append(grace)
    for line in lines:
        if line.item == REDUCTION_ITEM:
            what = ("Normdelen av försörjningsstödet vägras" if line.applied_ore >= norm
                    else f"Normdelen av försörjningsstödet sätts ned med {format_kronor(line.applied_ore)} till "
                         f"{format_kronor(norm - line.applied_ore)}")
            paragraphs.append(
                f"Nedsättning: {what} för {month}, eftersom du utan godtagbart skäl inte har följt din planering. "
                f"{line.reason} Kostnader utanför riksnormen, som hyran, sätts inte ned. Vad du kan göra: följ "
                "kravet i planeringen eller berätta för din handläggare om du har ett skäl till att du inte kunnat "
                "göra det. Då prövas försörjningsstödet för nästa månad på nytt. Du kan också överklaga beslutet."
            )
        elif line.item.startswith(NORM_LEVEL_PREFIX):
            change = "höjs" if line.outcome == Outcome.GRANTED else "sänks"
            paragraphs.append(f"{line.label}: normen {change} med {format_kronor(line.applied_ore)} i månaden. "
                              f"Skäl: {line.reason}")
        elif line.outcome == Outcome.PARTLY_REFUSED:
            text = (f"{line.label}: du ansökte om {format_kronor(line.applied_ore)} och {format_kronor(line.granted_ore)} "
                    f"räknas med. {line.text}")
            paragraphs.append(text.strip())
        elif line.outcome == Outcome.REFUSED:
            paragraphs.append(f"{line.label}: du ansökte om {format_kronor(line.applied_ore)}, som inte räknas med. "
                              f"{line.text}".strip())
    return "\n\n".join(paragraphs)


#: How a trace reference marks Socialstyrelsen's general advice (SOSFS 2013:1): guidance, not lagrum.
GENERAL_ADVICE = "Allmänna råd"


def _is_legal_reference(part: str) -> bool:
    """Parts of a trace reference that cite law: not a parameter file (``riksnorm/2026.yaml``), not
    allmänna råd (SOSFS 2013:1 is never cited as lagrum)."""
    return bool(part) and ".yaml" not in part and not part.startswith(GENERAL_ADVICE) and "SOSFS" not in part


def split_reference(reference: str) -> list[str]:
    """A trace reference split at the semicolons outside parentheses:
    ``"12 kap. 7 § SoL; riksnorm/2026.yaml"`` → ``["12 kap. 7 § SoL", "riksnorm/2026.yaml"]``."""
    return list(_split_reference(reference))


@lru_cache(maxsize=4096)
def _split_reference(reference: str) -> tuple[str, ...]:
    # Cached: the same few references recur in every calculation (the monthly run splits thousands).
    parts, depth, current = [], 0, []
    for char in reference:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == ";" and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return tuple(p for p in parts if p)


def _calculated_for(calculation) -> dt.date:
    """The decision date the stored calculation's references were made for (its input's
    ``decision_date``, else the first day of its month)."""
    data = getattr(calculation, "input_data", None) or {}
    if data.get("decision_date"):
        return dt.date.fromisoformat(str(data["decision_date"]))
    month = str(data.get("month") or f"{calculation.month:%Y-%m}")
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def _trace_lines(calculation, decision_date: dt.date) -> list:
    """The stored trace, or — when the law in force on ``decision_date`` is not the one the stored trace
    cites (a month before 1 July 2025 decided after it, say) — the same calculation's trace made for
    that decision date (the decision date changes references only, never an amount)."""
    lines = list(calculation.result.get("lines", ()))
    made_for = _calculated_for(calculation)
    if legal_references(made_for) == legal_references(decision_date):
        return lines
    document = {**calculation.input_data, "decision_date": decision_date.isoformat()}
    local_dir = getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None)
    return calculate(document, local_dir=local_dir).to_dict(trace=True)["lines"]


def legal_basis(calculation, *, automated: bool = False, decision_date: dt.date | None = None) -> str:
    """The legal references of the rules the calculation applied (from its trace, in order, each once), in
    the law in force on ``decision_date`` (default: today); for an automated decision also the rules that
    allow it. Förvaltningslagen's rules on reasons and notification (32–33 §§) are not the basis of the
    decision and are not listed; allmänna råd are not lagrum and are not listed either."""
    if decision_date is None:
        decision_date = timezone.localdate()
    found: list[str] = []
    if calculation is not None:
        for line in _trace_lines(calculation, decision_date):
            for part in split_reference(str(line.get("reference", ""))):
                if _is_legal_reference(part) and part not in found:
                    found.append(part)
    basis = list(found)
    if automated:
        basis.append(AUTOMATED_BASIS)
    return "\n".join(basis)


def overall_outcome(amount_ore: int, lines: list[LineProposal]) -> str:
    if amount_ore <= 0:
        return Outcome.REFUSED
    if any(line.outcome != Outcome.GRANTED for line in lines):
        return Outcome.PARTLY_REFUSED
    return Outcome.GRANTED


def propose(application, calculation, *, line_reasons: Mapping[str, str] | None = None,
            automated: bool = False, decision_date: dt.date | None = None) -> Proposal:
    """The decision the calculation supports (see the module docstring); its legal basis is the law in
    force on ``decision_date`` (default: today)."""
    lines = propose_lines(application, calculation, line_reasons)
    outcome = overall_outcome(calculation.amount_ore, lines)
    missing = [line for line in lines if line.outcome != Outcome.GRANTED and not line.has_own_reason]
    return Proposal(
        outcome=outcome,
        amount_ore=calculation.amount_ore if outcome != Outcome.REFUSED else 0,
        lines=lines,
        reasons=generated_reasons(calculation, lines, outcome),
        legal_basis=legal_basis(calculation, automated=automated, decision_date=decision_date),
        missing_reasons=[line.label for line in missing],
        missing_items=[line.item for line in missing],
    )
