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
import logging
import os

from django.template.loader import render_to_string
from django.utils import timezone

from bistand.applications.selectors import label_with_names, member_names, member_names_many
from bistand.common.formatting import format_kronor

from .models import Decision, DecisionStatus, Outcome
from .selectors import summary

logger = logging.getLogger(__name__)

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


#: How a delegate is titled in the letter, by the role of the delegation row (a named person: no title).
ROLE_TITLES = {"caseworker": "socialsekreterare", "approver": "1:e socialsekreterare", "manager": "enhetschef"}


def delegation_context(decision: Decision) -> dict:
    """Who decided under which delegation and who presented the decision (föredragande), for a decision made
    by a person under the municipality's delegationsordning: the letter names the committee of the
    delegation row as the authority."""
    if decision.person_delegation_id is None:
        return {"person_delegation": None, "presented_by_label": _person_label(decision.presented_by)
                if decision.presented_by_id else ""}
    delegation = decision.person_delegation
    committee = delegation.committee_name
    return {
        "person_delegation": delegation,
        "committee_name": committee,
        "committee": f"{committee}, {municipality_name(decision.municipality)}",
        "decision_maker_title": ROLE_TITLES.get(delegation.role, ""),
        "presented_by_label": _person_label(decision.presented_by) if decision.presented_by_id else "",
    }


def _person_label(user) -> str:
    full = user.get_full_name().strip()
    return full or user.get_username()


def letter_date(decision: Decision) -> dt.datetime:
    """The moment the letter is dated: when the decision was issued (a draft: when it was made)."""
    return timezone.localtime(decision.issued_at or decision.created_at)


def letter_title(decision: Decision) -> str:
    kind = "Omprövning av beslut" if decision.reconsiders_id else "Beslut"
    return (f"{kind} om ekonomiskt bistånd för {decision.month_label} – "
            f"{municipality_name(decision.municipality)}, beslut {decision.pk}")


def letter_filename(decision: Decision) -> str:
    return f"beslut-{decision.pk}-{decision.month:%Y-%m}.pdf"


def _calculation_rows(decision: Decision, names: dict[str, str] | None = None) -> list[dict]:
    if decision.calculation is None:
        return []
    rows = []
    names = member_names(decision.application) if names is None else names
    for line in decision.calculation.result.get("lines", ()):
        code = line.get("code", "")
        rows.append({"label": label_with_names(line.get("label", ""), names), "amount": line.get("amount"), "subtotal": code in SUBTOTALS})
    return rows


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


def letter_context(decision: Decision, *, lines: list | None = None, names: dict[str, str] | None = None) -> dict:
    """The letter's template context. ``lines`` and ``names`` (member id → first name): the decision's
    lines and its household's names when the caller has them (the monthly run, which stores many letters
    without a query per decision)."""
    application = decision.application
    applicant = application.applicant
    co_applicant = application.co_applicant
    return {
        "decision": decision,
        "title": letter_title(decision),
        **authority(decision.municipality),
        **delegation_context(decision),
        "date": letter_date(decision),
        "is_draft": decision.status == DecisionStatus.DRAFT,
        "summary": summary(decision),
        "applicant": applicant,
        "co_applicant": co_applicant,
        "show_address": not applicant.protected_identity,
        "lines": list(decision.lines.all().order_by("position", "pk")) if lines is None
        else sorted(lines, key=lambda line: (line.position, line.pk or 0)),
        "calculation_rows": _calculation_rows(decision, names),
        "calculation": decision.calculation,
        "reasons": _paragraphs(decision.reasons),
        "legal_basis": [line for line in decision.legal_basis.splitlines() if line.strip()],
        "conditions": _paragraphs(decision.conditions),
        "amount": format_kronor(decision.amount_ore),
        "granted": decision.outcome in (Outcome.GRANTED, Outcome.PARTLY_REFUSED),
        "reconsiders": decision.reconsiders,
        "explanation": explanation(decision),
    }


def explanation(decision: Decision) -> dict | None:
    """The letter's last section in the applicant's language (Person.language, English or lättläst) when it
    is not Swedish: what was decided, the amount, how to appeal and by when. The letter stays Swedish; this
    explains it. Part of the HTML stored at issue, so the stored letter and its checksum include it. The values
    are worked out in that language here; letter.html renders decisions/_explanation.html with it active."""
    from django.utils import translation
    from django.utils.formats import date_format

    from bistand.applications.models import STAFF_CHANNELS
    from bistand.common import languages
    from bistand.common.deadlines import appeal_deadline
    from bistand.common.months import month_sv

    code = getattr(decision.application.applicant, "language", languages.SWEDISH)
    if code not in (languages.ENGLISH, languages.EASY_SWEDISH) or decision.issued_at is None:
        return None
    issued_on = timezone.localdate(decision.issued_at)
    by_post = decision.application.channel in STAFF_CHANNELS
    with translation.override(code):
        english = code == languages.ENGLISH

        def day(value):
            return date_format(value, "j F Y") if english else f"{value.day} {month_sv(value).split()[0]} {value.year}"

        return {"code": code,
                "lang": "en" if english else "sv",
                "month": date_format(decision.month, "F Y") if english else month_sv(decision.month),
                "amount": format_kronor(decision.amount_ore or 0),
                "granted": decision.outcome in (Outcome.GRANTED, Outcome.PARTLY_REFUSED),
                "outcome": translation.gettext(decision.get_outcome_display()).lower(),
                "issued_on": day(issued_on), "by_post": by_post,
                "deadline": day(appeal_deadline(issued_on)),  # shown for a decision published in the e-service
        }


def render_html(decision: Decision, *, lines: list | None = None, names: dict[str, str] | None = None) -> str:
    return render_to_string("decisions/letter.html", letter_context(decision, lines=lines, names=names))


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


# --- the letter as sent (issue 17 §3: the letter is part of the decision) ------------------------------------


def _letter_pdf(html: str, decision: Decision) -> bytes:
    from weasyprint import HTML

    os.environ.setdefault("SOURCE_DATE_EPOCH", FONT_TIMESTAMP)
    document = HTML(string=html, base_url=None).render()
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=_identifier(decision))


def store_letter(decision: Decision, *, on_first_download: bool = False):
    """Store the issued decision's letter as HTML with its SHA-256 (a DecisionLetter; the PDF is made
    from it at the first download, :func:`stored_letter`). Idempotent: a letter already stored is
    returned as it is, never rendered again (also when two requests store it at the same moment)."""
    from django.db import IntegrityError, transaction

    from .models import DecisionLetter

    existing = DecisionLetter.objects.filter(decision_id=decision.pk).first()
    if existing is not None:
        return existing
    if not decision.is_issued:
        raise ValueError("Bara ett fattat beslut har ett beslutsbrev att spara.")
    letter = letter_to_store(decision, on_first_download=on_first_download)
    try:
        with transaction.atomic():
            letter.save()
    except IntegrityError:
        return DecisionLetter.objects.get(decision_id=decision.pk)
    return letter


def letter_to_store(decision: Decision, *, on_first_download: bool = False):
    """The unsaved DecisionLetter of an issued decision (its HTML and SHA-256)."""
    from .models import DecisionLetter

    html = render_html(decision)
    return DecisionLetter(decision=decision, html=html, html_sha256=hashlib.sha256(html.encode()).hexdigest(),
                          stored_on_first_download=on_first_download)


def letters_to_store_many(decisions, lines_by_decision: dict) -> list:
    """The unsaved DecisionLetters of many decisions just issued together (the monthly run), rendered
    from what is in memory: each decision with its application (applicant, co-applicant), municipality
    and calculation loaded, and ``lines_by_decision`` (decision pk → its lines). No query per decision."""
    from .models import DecisionLetter

    result = []
    names = member_names_many([decision.application for decision in decisions])
    for decision in decisions:
        html = render_html(decision, lines=lines_by_decision.get(decision.pk, []),
                           names=names.get(decision.application.pk, {}))
        result.append(DecisionLetter(decision=decision, html=html, html_sha256=hashlib.sha256(html.encode()).hexdigest()))
    return result


def stored_letter(decision: Decision) -> bytes:
    """The letter as it was sent, byte for byte: the stored PDF, checked against its SHA-256; at the
    first download the PDF is made from the HTML stored at issue (checked against its own SHA-256)
    and stored. Raises :class:`~bistand.decisions.models.LetterIntegrityError` when a checksum does not
    match; the letter is then not served.

    Decisions issued before letters were stored get theirs rendered and stored **on first download**
    rather than by a data migration: rendering is deterministic (the same bytes a download gave
    before), a migration would render every letter ever issued with today's templates and WeasyPrint in
    one deployment step (slow, and a migration should not depend on templates and libraries that
    change), and a letter that is never downloaded needs no copy. From that first download on, the
    stored copy is what is served."""
    from django.db import transaction
    from django.utils import timezone as tz

    from .models import DecisionLetter, LetterIntegrityError, LetterRenderingError

    letter = store_letter(decision, on_first_download=True)
    if letter.content is None:
        with transaction.atomic():
            letter = DecisionLetter.objects.select_for_update().get(pk=letter.pk)
            if letter.content is None:
                if hashlib.sha256(letter.html.encode()).hexdigest() != letter.html_sha256:
                    raise LetterIntegrityError()
                try:
                    content = _letter_pdf(letter.html, decision)
                except Exception as error:  # WeasyPrint, fontconfig, the disk: whatever fails, nothing is stored
                    logger.exception("decision letter could not be rendered (decision_id=%s)", decision.pk)
                    raise LetterRenderingError() from error
                letter.content, letter.sha256, letter.pdf_stored_at = content, hashlib.sha256(content).hexdigest(), tz.now()
                letter.save(update_fields=["content", "sha256", "pdf_stored_at"])
    content = bytes(letter.content)
    if hashlib.sha256(content).hexdigest() != letter.sha256:
        raise LetterIntegrityError()
    return content
