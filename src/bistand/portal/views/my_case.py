"""The applicant's case ("Mitt ärende"): applications, events and requests, and the decisions with their
calculation and letter."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bistand.applications import selectors
from bistand.applications.models import ApplicationStatus
from bistand.casework import timeline
from bistand.common.months import format_month
from bistand.decisions import letters
from bistand.decisions.letters import authority
from bistand.decisions.selectors import issued_decisions

from ..presenters import calculation_basis, calculation_lines, month_in_language
from ..session import applicant_required, current_applicant
from . import appeals
from .common import person_for, register_facts


@require_GET
@applicant_required
def case(request):
    ids = request.applicant.person_ids
    every = list(selectors.applications_of(ids))  # read once: the list shows 36, the timeline all
    applications = every[:36]
    events = timeline.case_events(ids, applications=every)[:60]
    return render(request, "portal/case.html", {
        "applications": applications,
        "drafts": [a for a in applications if a.status == ApplicationStatus.DRAFT],
        "events": events,
        "awaiting": list(selectors.awaiting_confirmation_for(request.applicant.personnummer)),
        "completions": selectors.open_completion_requests_of(ids),
        "offers": selectors.recurring_offers(applications, timezone.localdate()),
    })


@require_GET
def events_fragment(request):
    """The events for htmx polling. When the login has ended, 286 tells htmx to stop polling (rather
    than swapping a login page into the list)."""
    applicant = current_applicant(request)
    if applicant is None:
        return HttpResponse(status=286)
    events = timeline.case_events(applicant.person_ids)[:60]
    return render(request, "portal/_events.html", {"events": events})


# --- decisions ------------------------------------------------------------------------------------------


def _own_decision(request, pk: int, decision_pk: int):
    application = selectors.own_application(request.applicant.person_ids, pk)
    person_for(request, application)
    if application.status == ApplicationStatus.DRAFT:
        raise Http404("Sidan finns inte.")
    decision = next((d for d in issued_decisions(application) if d.pk == decision_pk), None)
    if decision is None:
        raise Http404("Sidan finns inte.")
    return application, decision


def letter_renderer():
    """The function that gives a decision's letter as it was sent (:func:`bistand.decisions.letters.stored_letter`)."""
    return letters.stored_letter


@require_GET
@applicant_required
def decision(request, pk: int, decision_pk: int):
    application, decision_obj = _own_decision(request, pk, decision_pk)
    return render_decision(request, application, decision_obj)


def render_decision(request, application, decision_obj, *, appeal_form=None, status: int = 200):
    """The decision page (also with the appeal form and its errors, from views.appeals.appeal)."""
    calculation = getattr(decision_obj, "calculation", None)
    names = selectors.member_names(application)
    return render(request, "portal/decision.html", {
        "application": application, "decision": decision_obj, "month_label": month_in_language(application.month),
        "lines": calculation_lines(calculation, names) if calculation is not None else [],
        "basis": calculation_basis(calculation, names) if calculation is not None else [],
        "decision_lines": list(decision_obj.lines.all()),
        "letter_available": letter_renderer() is not None,
        "register_facts": register_facts(application),
        "date": timezone.localtime(decision_obj.issued_at) if getattr(decision_obj, "issued_at", None) else None,
        **authority(application.municipality),
        **appeals.appeal_context(application, decision_obj),
        **({"appeal_form": appeal_form} if appeal_form is not None else {}),
    }, status=status)


@require_GET
@applicant_required
def decision_letter(request, pk: int, decision_pk: int):
    application, decision_obj = _own_decision(request, pk, decision_pk)
    render_pdf = letter_renderer()
    if render_pdf is None:
        return render(request, "portal/letter_unavailable.html", {"application": application}, status=404)
    from bistand.decisions.models import LetterIntegrityError, LetterRenderingError

    try:
        content = render_pdf(decision_obj)
    except LetterIntegrityError as error:
        return HttpResponse(error.message, status=500, content_type="text/plain; charset=utf-8")
    except LetterRenderingError:
        response = HttpResponse("Beslutsbrevet kunde inte skapas just nu. Ditt beslut gäller som det är. "
                                "Försök igen om en stund.", status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "60"
        return response
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="beslut-{format_month(application.month)}-{decision_obj.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
