"""The letters of an appeal: the forwarding letter to förvaltningsrätten (46 § FL) and the decision to
refuse a late appeal (avvisning, 45 § FL, with its own appeal instructions).

Each is rendered once, when it is made, and stored as HTML with its SHA-256 (:class:`AppealLetter`); the
PDF is made from that stored HTML at the first download, with a creation date and document identifier
fixed from the letter (the date is a ``dcterms.created`` meta tag in the HTML; and the font time fixed by ``SOURCE_DATE_EPOCH``, as for decision letters), so it
is the same bytes whenever it is made; it is then stored with its SHA-256 and served from there."""

from __future__ import annotations

import hashlib
import os

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from bistand.decisions.letters import FONT_TIMESTAMP, authority

from .models import Appeal, AppealLetter, AppealLetterError, LetterKind

TEMPLATES = {LetterKind.FORWARDING: "appeals/forwarding_letter.html",
             LetterKind.DISMISSAL: "appeals/dismissal_letter.html"}


def context(appeal: Appeal, kind: str) -> dict:
    from .selectors import court_name

    moment = appeal.forwarded_at if kind == LetterKind.FORWARDING else appeal.dismissed_at
    application = appeal.application
    return {
        "appeal": appeal,
        "kind": kind,
        "decision": appeal.decision,
        "reconsideration": appeal.reconsideration,
        "applicant": application.applicant,
        "show_address": not application.applicant.protected_identity,
        "date": timezone.localtime(moment),
        "court": court_name(appeal.municipality_id),
        "handled_by": (appeal.handled_by.get_full_name() or appeal.handled_by.get_username()) if appeal.handled_by else "",
        "reasons": [p.strip() for p in appeal.dismissal_reasons.split("\n\n") if p.strip()],
        "statement": [p.strip() for p in appeal.statement.split("\n\n") if p.strip()],
        "appeal_text": [p.strip() for p in appeal.text.split("\n\n") if p.strip()],
        **authority(appeal.municipality),
    }


def render_html(appeal: Appeal, kind: str) -> str:
    return render_to_string(TEMPLATES[kind], context(appeal, kind))


def store(appeal: Appeal, kind: str) -> AppealLetter:
    """Store the letter of ``kind`` for ``appeal`` (idempotent: a stored letter is never rendered again)."""
    existing = AppealLetter.objects.filter(appeal_id=appeal.pk, kind=kind).first()
    if existing is not None:
        return existing
    html = render_html(appeal, kind)
    letter = AppealLetter(appeal=appeal, kind=kind, html=html, html_sha256=hashlib.sha256(html.encode()).hexdigest())
    try:
        with transaction.atomic():
            letter.save()
    except IntegrityError:
        return AppealLetter.objects.get(appeal_id=appeal.pk, kind=kind)
    return letter


def _identifier(letter: AppealLetter) -> bytes:
    seed = f"bistand-overklagande:{letter.appeal_id}:{letter.kind}:{letter.html_sha256}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32].encode()


def render_pdf(letter: AppealLetter) -> bytes:
    """The PDF of a stored letter's HTML (PDF/UA-1), the same bytes each time."""
    from weasyprint import HTML

    os.environ.setdefault("SOURCE_DATE_EPOCH", FONT_TIMESTAMP)
    document = HTML(string=letter.html, base_url=None).render()
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=_identifier(letter))


def stored_pdf(letter: AppealLetter) -> bytes:
    """The letter as it was made: the stored PDF (made from the stored HTML at the first download),
    checked against its SHA-256. Raises AppealLetterError when a checksum does not match."""
    if letter.content is None:
        with transaction.atomic():
            letter = AppealLetter.objects.select_for_update().get(pk=letter.pk)
            if letter.content is None:
                if hashlib.sha256(letter.html.encode()).hexdigest() != letter.html_sha256:
                    raise AppealLetterError()
                content = render_pdf(letter)
                letter.content, letter.sha256 = content, hashlib.sha256(content).hexdigest()
                letter.save(update_fields=["content", "sha256"])
    content = bytes(letter.content)
    if hashlib.sha256(content).hexdigest() != letter.sha256:
        raise AppealLetterError()
    return content


def filename(letter: AppealLetter) -> str:
    name = "overlamnande" if letter.kind == LetterKind.FORWARDING else "avvisning"
    return f"{name}-overklagande-{letter.appeal_id}.pdf"


__all__ = ["filename", "render_html", "render_pdf", "store", "stored_pdf"]
