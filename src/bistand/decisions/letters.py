"""The decision letter (beslutsbrev) as an accessible PDF.

:func:`render_pdf` renders ``decisions/letter.html`` with WeasyPrint as PDF/UA-1: a tagged PDF with the
document language (``/Lang (sv)``) and the title shown as the window title. Content, in order: the
decision, the calculation table, the reasons, the legal basis, conditions, the decision maker, and how
to appeal (``decisions/_appeal.html``, the one appeal text, also shown in the e-service: three weeks from the
day the decision was received, sent to the committee that decided, tried by förvaltningsrätten). The
sender is the municipality's committee for ekonomiskt bistånd with its postal address, telephone and e-mail
(:func:`authority`).

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


def municipality_name(municipality) -> str:
    """The municipality as letters name it: as it spells itself (``official_name``, "Sävsjö kommun"), else its
    plain name. Never a generated genitive."""
    return municipality.letter_name


def authority(municipality) -> dict:
    """Who decides and where to write: the committee that delegated the decisions, the municipality, and
    its postal address, telephone and e-mail (tenancy.Municipality)."""
    return {
        "committee_name": municipality.committee_name,
        "municipality": municipality_name(municipality),
        "committee": f"{municipality.committee_name}, {municipality_name(municipality)}",
        "postal_address": [line.strip() for line in municipality.postal_address.splitlines() if line.strip()],
        "phone": municipality.phone,
        "email": municipality.email,
    }


def letter_date(decision: Decision) -> dt.datetime:
    """The moment the letter is dated: when the decision was issued (a draft: when it was made)."""
    return timezone.localtime(decision.issued_at or decision.created_at)


def letter_title(decision: Decision) -> str:
    kind = "Omprövning av beslut" if decision.reconsiders_id else "Beslut"
    return (f"{kind} om ekonomiskt bistånd för {decision.month_label} – "
            f"{municipality_name(decision.municipality)}, beslut {decision.pk}")


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
        **authority(decision.municipality),
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
