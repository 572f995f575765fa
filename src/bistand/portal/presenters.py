"""How the e-service shows a decision's calculation: line by line in plain Swedish, read from the
stored calculation's trace (never calculated again), with the people's names instead of ids, and
where each income came from (the applicant, or a register)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bistand.applications import declaration as decl
from bistand.applications.selectors import label_with_names

#: Plain-Swedish explanation per trace-line code (the part before the first dot for lines with a suffix).
EXPLANATIONS = {
    "personal_costs.adults": "Pengar till mat, kläder, hygien, fritid och liknande för vuxna, enligt riksnormen som regeringen bestämmer varje år.",
    "personal_costs.child": "Pengar till mat, kläder, lek och liknande för barnet, enligt riksnormen. Beloppet beror på barnets ålder.",
    "shared_costs": "Hushållets gemensamma kostnader enligt riksnormen, till exempel tidning, telefon, internet och förbrukningsvaror.",
    "norm": "Riksnormen för hela hushållet.",
    "norm_level": "Handläggaren har av särskilda skäl räknat med en högre eller lägre nivå än riksnormen, till exempel för särskild kost. Skälet står på raden.",
    "reduction": "Handläggaren har satt ned försörjningsstödet (normdelen) eftersom du utan godtagbart skäl inte har följt ett krav i din planering. Kravet och skälet står på raden. Hyran och andra kostnader utanför riksnormen sätts inte ned. Följ kravet eller berätta för din handläggare om du har ett skäl, så prövas nästa månad på nytt. Du kan överklaga beslutet.",
    "reduction.norm": "Normdelen efter nedsättningen.",
    "housing_grace": "Din hyra är högre än kommunens gräns. Första gången får du ett rådrum: då räknas hela hyran, så att du hinner skaffa en billigare bostad eller sänka kostnaden. Beloppet är den del av hyran som är över gränsen; det ingår i hyran på nästa rad. Efter rådrummet räknas bara gränsen.",
    "costs": "Kostnader utöver riksnormen som kommunen räknar med, till exempel hyra och hushållsel. Är hyran högre än kommunens gräns räknas bara gränsen.",
    "need": "Det hushållet behöver för månaden: riksnormen och kostnaderna tillsammans.",
    "income": "Inkomster som minskar försörjningsstödet.",
    "disregard.jobbstimulans": "Jobbstimulans: när du har haft försörjningsstöd i sex månader i följd räknas en fjärdedel av lönen inte som inkomst, under två år.",
    "disregard.child_earnings": "Barns och skolungdomars egna löner räknas inte, upp till ett prisbasbelopp per år.",
    "income_counted": "Summan av de inkomster som räknas.",
    "income_disregarded": "Summan av de inkomster som inte räknas.",
    "amount": "Behovet minus inkomsterna, avrundat till hela kronor. Det är det belopp som betalas ut.",
}
TOTALS = {"norm", "norm_level", "reduction.norm", "costs", "need", "income_counted", "income_disregarded", "amount"}


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    amount: Any
    explanation: str
    reference: str
    is_total: bool


def _explanation(code: str) -> str:
    if code in EXPLANATIONS:
        return EXPLANATIONS[code]
    parts = code.split(".")
    for n in range(len(parts) - 1, 0, -1):
        key = ".".join(parts[:n])
        if key in EXPLANATIONS:
            return EXPLANATIONS[key]
    return ""


def calculation_lines(stored_calculation, names: dict[str, str] | None = None) -> list[Line]:
    """The trace of a stored calculation as :class:`Line` rows (the stored result, as decided)."""
    names = names or {}
    lines = []
    for row in stored_calculation.result.get("lines", []):
        code = row.get("code", "")
        lines.append(Line(code=code, label=label_with_names(row.get("label", ""), names), amount=row.get("amount"),
                          explanation=_explanation(code), reference=row.get("reference", ""),
                          is_total=code in TOTALS))
    return lines


def calculation_basis(stored_calculation, names: dict[str, str]) -> list[dict[str, str]]:
    """The costs and incomes the calculation used, each with where it came from."""
    data = stored_calculation.input_data or {}
    rows = []
    for cost in data.get("costs", []):
        rows.append({"what": decl.COST_LABELS.get(cost["type"], cost["type"]), "who": "",
                     "amount": cost["amount"], "source": cost.get("note") or "Uppgift i ansökan"})
    for income in data.get("incomes", []):
        rows.append({"what": decl.INCOME_LABELS.get(income["type"], income["type"]),
                     "who": names.get(str(income.get("member")), ""), "amount": income["amount"],
                     "source": income.get("note") or "Uppgift i ansökan"})
    return rows


def next_unfinished(steps: list[dict]) -> dict | None:
    """The first part of a draft that is neither answered nor marked "kan inte svara" (the one
    "Fortsätt" button of the overview), or None when every part is done."""
    return next((row for row in steps if row["state"] == "todo"), None)


#: A plan's status and an action's responsible party as the applicant reads them in their own plan
#: ("du", never "klienten"); the staff pages keep the models' labels.
PLAN_STATUS_FOR_APPLICANT = {
    "draft": "Utkast",
    "shared": "Delad med dig – svara gärna",
    "accepted": "Du har godkänt planeringen",
    "accepted_with_comment": "Du har godkänt planeringen med en kommentar",
    "disputed": "Du håller inte med om planeringen",
    "closed": "Avslutad",
}
RESPONSIBLE_FOR_APPLICANT = {"client": "Du själv"}


def plan_status_for_applicant(plan) -> str:
    return PLAN_STATUS_FOR_APPLICANT.get(plan.status, plan.get_status_display())


def responsible_for_applicant(action) -> str:
    return RESPONSIBLE_FOR_APPLICANT.get(action.responsible) or action.responsible_label


def field_error(label: str, error: str) -> str:
    """One line of an error summary: "Hyra: Skriv beloppet …"; a label that is a question keeps its own
    mark ("Hur bor du? Välj …", never "Hur bor du?: …")."""
    label = str(label).strip()
    return f"{label} {error}" if label.endswith(("?", "!", ":")) else f"{label}: {error}"


def month_in_language(month) -> str:
    """A month as the applicant reads it: "mars 2026" in Swedish and lättläst, "March 2026" in English."""
    from django.utils import translation
    from django.utils.formats import date_format

    from bistand.common.languages import ENGLISH
    from bistand.common.months import month_sv

    return date_format(month, "F Y") if translation.get_language() == ENGLISH else month_sv(month)
