"""How the e-service shows a decision's calculation: line by line in plain Swedish, read from the
stored calculation's trace (never calculated again), with the people's names instead of ids, and
where each income came from (the applicant, or a register)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from bistand.applications import declaration as decl
from bistand.applications.selectors import label_with_names

#: Plain-Swedish explanation per trace-line code (the part before the first dot for lines with a suffix).
EXPLANATIONS = {
    "personal_costs.adults": gettext_noop("Pengar till mat, kläder, hygien, fritid och liknande för vuxna, enligt riksnormen som regeringen bestämmer varje år."),
    "personal_costs.child": gettext_noop("Pengar till mat, kläder, lek och liknande för barnet, enligt riksnormen. Beloppet beror på barnets ålder."),
    "shared_costs": gettext_noop("Hushållets gemensamma kostnader enligt riksnormen, till exempel tidning, telefon, internet och förbrukningsvaror."),
    "norm": gettext_noop("Riksnormen för hela hushållet."),
    "norm_level": gettext_noop("Handläggaren har av särskilda skäl räknat med en högre eller lägre nivå än riksnormen, till exempel för särskild kost. Skälet står på raden."),
    "reduction": gettext_noop("Handläggaren har satt ned försörjningsstödet (normdelen) eftersom du utan godtagbart skäl inte har följt ett krav i din planering. Kravet och skälet står på raden. Hyran och andra kostnader utanför riksnormen sätts inte ned. Följ kravet eller berätta för din handläggare om du har ett skäl, så prövas nästa månad på nytt. Du kan överklaga beslutet."),
    "reduction.norm": gettext_noop("Normdelen efter nedsättningen."),
    "housing_grace": gettext_noop("Din hyra är högre än kommunens gräns. Första gången får du ett rådrum: då räknas hela hyran, så att du hinner skaffa en billigare bostad eller sänka kostnaden. Beloppet är den del av hyran som är över gränsen; det ingår i hyran på nästa rad. Efter rådrummet räknas bara gränsen."),
    "costs": gettext_noop("Kostnader utöver riksnormen som kommunen räknar med, till exempel hyra och hushållsel. Är hyran högre än kommunens gräns räknas bara gränsen."),
    "need": gettext_noop("Det hushållet behöver för månaden: riksnormen och kostnaderna tillsammans."),
    "income": gettext_noop("Inkomster som minskar försörjningsstödet."),
    "disregard.jobbstimulans": gettext_noop("Jobbstimulans: när du har haft försörjningsstöd i sex månader i följd räknas en fjärdedel av lönen inte som inkomst, under två år."),
    "disregard.child_earnings": gettext_noop("Barns och skolungdomars egna löner räknas inte, upp till ett prisbasbelopp per år."),
    "income_counted": gettext_noop("Summan av de inkomster som räknas."),
    "income_disregarded": gettext_noop("Summan av de inkomster som inte räknas."),
    "amount": gettext_noop("Behovet minus inkomsterna, avrundat till hela kronor. Det är det belopp som betalas ut."),
}
TOTALS = {"norm", "norm_level", "reduction.norm", "costs", "need", "income_counted", "income_disregarded", "amount"}


#: A trace line's label in the applicant's language, by code (the trace's own Swedish label, with the law's
#: words, is shown beside it): "%(name)s" is the member's name.
LINE_LABELS = {
    "personal_costs.adults": gettext_noop("Personliga kostnader för vuxna"),
    "personal_costs.child": gettext_noop("Personliga kostnader för %(name)s"),
    "shared_costs": gettext_noop("Gemensamma kostnader för hushållet"),
    "norm": gettext_noop("Riksnormen"),
    "norm_level": gettext_noop("Annan nivå än riksnormen"),
    "reduction": gettext_noop("Nedsättning av försörjningsstödet"),
    "reduction.norm": gettext_noop("Normdelen efter nedsättningen"),
    "housing_grace": gettext_noop("Rådrum: hela hyran räknas en tid"),
    "costs": gettext_noop("Kostnader utöver riksnormen"),
    "need": gettext_noop("Behov"),
    "income": gettext_noop("Inkomst"),
    "disregard.jobbstimulans": gettext_noop("Jobbstimulans för %(name)s"),
    "disregard.child_earnings": gettext_noop("Lön som inte räknas för %(name)s"),
    "income_counted": gettext_noop("Inkomster som räknas"),
    "income_disregarded": gettext_noop("Inkomster som inte räknas"),
    "amount": gettext_noop("Försörjningsstöd att betala ut"),
}
#: Where an income came from, as calculation_incomes writes it (register agencies are names).
SOURCES = [gettext_noop("Uppgift från dig"), gettext_noop("Uppgift i ansökan")]


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    amount: Any
    explanation: str
    reference: str
    is_total: bool
    trace_label: str = ""  # the trace's Swedish label (with names), shown beside a translated label


def _label_in_language(code: str, names: dict[str, str]) -> str:
    """A trace line's label in the applicant's language, from its code ("" for an unknown code)."""
    parts = code.split(".")
    if parts[0] == "costs" and len(parts) > 1:
        return gettext(decl.COST_LABELS.get(parts[1], LINE_LABELS["costs"]))
    if parts[0] == "income" and len(parts) > 1:
        return gettext(decl.INCOME_LABELS.get(parts[1], LINE_LABELS["income"]))
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LINE_LABELS:
            name = names.get(parts[n]) if n < len(parts) else None
            if "%(name)s" in LINE_LABELS[key]:
                return gettext(LINE_LABELS[key]) % {"name": name or gettext("barnet")}
            return gettext(LINE_LABELS[key])
    return ""


def _explanation(code: str) -> str:
    """The plain-words explanation of a trace line, in the applicant's language."""
    if code in EXPLANATIONS:
        return gettext(EXPLANATIONS[code])
    parts = code.split(".")
    for n in range(len(parts) - 1, 0, -1):
        key = ".".join(parts[:n])
        if key in EXPLANATIONS:
            return gettext(EXPLANATIONS[key])
    return ""


def calculation_lines(stored_calculation, names: dict[str, str] | None = None) -> list[Line]:
    """The trace of a stored calculation as :class:`Line` rows (the stored result, as decided)."""
    names = names or {}
    swedish = translation.get_language() in (None, "sv")
    lines = []
    for row in stored_calculation.result.get("lines", []):
        code = row.get("code", "")
        trace_label = label_with_names(row.get("label", ""), names)
        label = trace_label if swedish else (_label_in_language(code, names) or trace_label)
        lines.append(Line(code=code, label=label, amount=row.get("amount"), explanation=_explanation(code),
                          reference=row.get("reference", ""), is_total=code in TOTALS,
                          trace_label="" if label == trace_label else trace_label))
    return lines


def calculation_basis(stored_calculation, names: dict[str, str]) -> list[dict[str, str]]:
    """The costs and incomes the calculation used, each with where it came from."""
    data = stored_calculation.input_data or {}
    rows = []
    for cost in data.get("costs", []):
        rows.append({"what": gettext(decl.COST_LABELS.get(cost["type"], cost["type"])), "who": "",
                     "amount": cost["amount"], "source": _source(cost.get("note"))})
    for income in data.get("incomes", []):
        rows.append({"what": gettext(decl.INCOME_LABELS.get(income["type"], income["type"])),
                     "who": names.get(str(income.get("member")), ""), "amount": income["amount"],
                     "source": _source(income.get("note"))})
    return rows


def _source(note: str | None) -> str:
    """"Uppgift från dig", "Uppgift från Försäkringskassan" … in the applicant's language (an agency is a name)."""
    note = note or SOURCES[1]
    if note in SOURCES:
        return gettext(note)
    if note.startswith("Uppgift från "):
        return gettext("Uppgift från %(agency)s") % {"agency": note.removeprefix("Uppgift från ")}
    return note


def next_unfinished(steps: list[dict]) -> dict | None:
    """The first part of a draft that is neither answered nor marked "kan inte svara" (the one
    "Fortsätt" button of the overview), or None when every part is done."""
    return next((row for row in steps if row["state"] == "todo"), None)


#: A plan's status and an action's responsible party as the applicant reads them in their own plan
#: ("du", never "klienten"); the staff pages keep the models' labels.
PLAN_STATUS_FOR_APPLICANT = {
    "draft": gettext_noop("Utkast"),
    "shared": gettext_noop("Delad med dig – svara gärna"),
    "accepted": gettext_noop("Du har godkänt planeringen"),
    "accepted_with_comment": gettext_noop("Du har godkänt planeringen med en kommentar"),
    "disputed": gettext_noop("Du håller inte med om planeringen"),
    "closed": gettext_noop("Avslutad"),
}
RESPONSIBLE_FOR_APPLICANT = {"client": gettext_noop("Du själv")}


def plan_status_for_applicant(plan) -> str:
    return gettext(PLAN_STATUS_FOR_APPLICANT.get(plan.status, plan.get_status_display()))


def responsible_for_applicant(action) -> str:
    """Who does an action, in the applicant's language ("Du själv"; an "other" party as the worker wrote it)."""
    if action.responsible == "other" and action.responsible_other:
        return action.responsible_other
    return gettext(RESPONSIBLE_FOR_APPLICANT.get(action.responsible) or action.responsible_label)


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


def parts_in_language(parts) -> str:
    """Message parts ((msgid, params), …; :meth:`bistand.applications.events.CaseEvent.of`) in the applicant's
    language: each msgid translated, a date param as a month, a word param translated where the catalogue has
    it ("bifall" as "Bifall" lowercased; a name, an amount or what someone wrote stays as it is)."""
    import datetime as dt

    def value(param):
        if isinstance(param, dt.date):
            return month_in_language(param)
        if not isinstance(param, str) or not param:
            return param
        if gettext(param) != param:
            return gettext(param)
        capital = param[:1].upper() + param[1:]
        return gettext(capital).lower() if gettext(capital) != capital else param

    return " ".join(gettext(msgid) % {key: value(param) for key, param in params.items()} if params else gettext(msgid)
                    for msgid, params in parts)
