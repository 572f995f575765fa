"""Appeals in the e-service: the applicant appeals a decision from its page, follows each appeal (the
rättidsprövning, an omprövning, the forwarding to förvaltningsrätten or an avvisning) and can appeal an
avvisning. Reads go through the applicant's own applications (404 for anyone else's); writes through
:mod:`bistand.appeals.services`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bistand.appeals import letters, selectors, services
from bistand.appeals.models import AppealLetterError, AppealStatus, LetterKind
from bistand.applications import selectors as application_selectors
from bistand.decisions.letters import authority

from ..forms import AppealForm, service_errors_in_language
from ..session import applicant_required
from . import my_case
from .common import person_for


def appeal_context(application, decision) -> dict:
    """The decision page's appeals: each with its chain, and the form to appeal."""
    appeals = selectors.appeals_of_decision(decision)
    return {"appeals": [{"appeal": a, "steps": selectors.chain(a, _)} for a in appeals],
            "appeal_form": AppealForm() if decision.is_issued else None}


@require_POST
@applicant_required
def appeal(request, pk: int, decision_pk: int):
    application, decision = my_case._own_decision(request, pk, decision_pk)
    person = person_for(request, application)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            lodged = services.lodge_appeal(person, decision, form.cleaned_data["text"])
        except ValidationError as error:
            form.add_service_errors(service_errors_in_language(error))
    if form.errors:
        return my_case.render_decision(request, application, decision, appeal_form=form, status=400)
    messages.success(request, _("Ditt överklagande har kommit in.") + " " + (
        _("Det kom in i tid.") if lodged.in_time else
        _("Det kom in efter sista dagen (%(deadline)s). Din handläggare prövar det och hör av sig.")
        % {"deadline": f"{lodged.deadline:%Y-%m-%d}"}))
    return redirect("portal:appeal", pk=lodged.pk)


def _own_appeal(request, pk: int):
    found = selectors.appeal_by_pk(pk)
    if found is None:
        raise Http404("Sidan finns inte.")
    application = application_selectors.own_application(request.applicant.person_ids, found.application_id)
    person = person_for(request, application)
    return found, application, person


@require_http_methods(["GET", "POST"])
@applicant_required
def appeal_detail(request, pk: int):
    """One appeal: its chain; when it was refused (avvisning), the decision with its own appeal
    instructions, its letter and the form to appeal it."""
    found, application, person = _own_appeal(request, pk)
    dismissed = found.status == AppealStatus.DISMISSED
    form = AppealForm(request.POST or None) if dismissed else None
    if request.method == "POST":
        if form is None:
            raise Http404("Sidan finns inte.")
        if form.is_valid():
            try:
                lodged = services.lodge_appeal(person, found.decision, form.cleaned_data["text"], appealed_dismissal=found)
            except ValidationError as error:
                form.add_service_errors(service_errors_in_language(error))
            else:
                messages.success(request, _("Ditt överklagande av beslutet om avvisning har kommit in."))
                return redirect("portal:appeal", pk=lodged.pk)
    return render(request, "portal/appeal.html", {
        "application": application, "appeal": found, "steps": selectors.chain(found, _), "dismissed": dismissed,
        "form": form, "court": selectors.court_name(found.municipality_id),
        "date": timezone.localtime(found.dismissed_at) if dismissed else None,
        "letter": selectors.letter_of(found, LetterKind.DISMISSAL),
        "appeals_of_dismissal": list(found.appeals_of_dismissal.order_by("pk")),
        **authority(application.municipality),
    }, status=400 if form is not None and form.errors else 200)


@require_GET
@applicant_required
def appeal_letter(request, pk: int):
    found, application, person = _own_appeal(request, pk)
    stored = selectors.letter_of(found, LetterKind.DISMISSAL)
    if stored is None:
        raise Http404("Sidan finns inte.")
    try:
        content = letters.stored_pdf(stored)
    except AppealLetterError as error:
        return HttpResponse(error.message, status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letters.filename(stored)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


__all__ = ["appeal", "appeal_context", "appeal_detail", "appeal_letter"]
