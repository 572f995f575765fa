"""The decision letter (beslutsbrev) as an accessible PDF.

:func:`render_pdf` renders ``decisions/letter.html`` with WeasyPrint as PDF/UA-1: a tagged PDF with the
document language (``/Lang (sv)``) and the title shown as the window title. Content, in order: the
decision, the calculation table, the reasons, the legal basis, conditions, the decision maker, and how
to appeal (three weeks from the day the decision was received, sent to the social committee, tried by
förvaltningsrätten).

Everything in the letter comes from the stored decision and its stored calculation — nothing is
calculated again — and the PDF's creation date and document identifier are fixed from the decision,
so rendering the same decision again gives **the same bytes**, however the parameters change later.
The embedded font subsets carry no time either: where WeasyPrint subsets the fonts with fontTools (when
HarfBuzz's subsetter is not installed), fontTools writes the current time into each font's ``head`` table
unless ``SOURCE_DATE_EPOCH`` is set (the reproducible-builds convention), so :func:`render_pdf` sets it to
:data:`FONT_TIMESTAMP` when it is not set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os

from django.template.loader import render_to_string
from django.utils import timezone

from bistand.rules.parameters import format_kronor

from .models import Decision, DecisionStatus, Outcome
from .selectors import summary

#: The time written into the embedded fonts (seconds since 1970; 2024-01-01 00:00 UTC). It means nothing;
#: it is fixed so that a letter rendered again is the same, byte for byte.
FONT_TIMESTAMP = "1704067200"

#: Trace-line codes that are sums (shown in bold in the calculation table).
SUBTOTALS = frozenset({"norm", "costs", "need", "income_counted", "income_disregarded", "amount"})


def municipality_name(name: str) -> str:
    """"Jönköping" → "Jönköpings kommun"; "Västerås" → "Västerås kommun"."""
    if name.lower().endswith("kommun"):
        return name
    return f"{name} kommun" if name[-1:].lower() in "sxz" else f"{name}s kommun"


def letter_date(decision: Decision) -> dt.datetime:
    """The moment the letter is dated: when the decision was issued (a draft: when it was made)."""
    return timezone.localtime(decision.issued_at or decision.created_at)


def letter_title(decision: Decision) -> str:
    kind = "Omprövning av beslut" if decision.reconsiders_id else "Beslut"
    return (f"{kind} om ekonomiskt bistånd för {decision.month_label} – "
            f"{municipality_name(decision.municipality.name)}, beslut {decision.pk}")


def letter_filename(decision: Decision) -> str:
    return f"beslut-{decision.pk}-{decision.month:%Y-%m}.pdf"


def _calculation_rows(decision: Decision) -> list[dict]:
    if decision.calculation is None:
        return []
    rows = []
    for line in decision.calculation.result.get("lines", ()):
        code = line.get("code", "")
        rows.append({"label": line.get("label", ""), "amount": line.get("amount"), "subtotal": code in SUBTOTALS})
    return rows


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


def letter_context(decision: Decision) -> dict:
    application = decision.application
    applicant = application.applicant
    co_applicant = application.co_applicant
    return {
        "decision": decision,
        "title": letter_title(decision),
        "municipality": municipality_name(decision.municipality.name),
        "committee": f"Socialnämnden, {municipality_name(decision.municipality.name)}",
        "date": letter_date(decision),
        "is_draft": decision.status == DecisionStatus.DRAFT,
        "summary": summary(decision),
        "applicant": applicant,
        "co_applicant": co_applicant,
        "show_address": not applicant.protected_identity,
        "lines": list(decision.lines.all().order_by("position", "pk")),
        "calculation_rows": _calculation_rows(decision),
        "calculation": decision.calculation,
        "reasons": _paragraphs(decision.reasons),
        "legal_basis": [line for line in decision.legal_basis.splitlines() if line.strip()],
        "conditions": _paragraphs(decision.conditions),
        "amount": format_kronor(decision.amount_ore),
        "granted": decision.outcome in (Outcome.GRANTED, Outcome.PARTLY_REFUSED),
        "reconsiders": decision.reconsiders,
    }


def render_html(decision: Decision) -> str:
    return render_to_string("decisions/letter.html", letter_context(decision))


def _identifier(decision: Decision) -> bytes:
    seed = f"bistand-beslut:{decision.municipality_id}:{decision.pk}:{letter_date(decision).isoformat()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32].encode()


def render_pdf(decision: Decision) -> bytes:
    """The decision letter as a tagged PDF/UA-1 (see the module docstring)."""
    from weasyprint import HTML

    os.environ.setdefault("SOURCE_DATE_EPOCH", FONT_TIMESTAMP)
    html = render_html(decision)
    document = HTML(string=html, base_url=None).render()
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=_identifier(decision))
