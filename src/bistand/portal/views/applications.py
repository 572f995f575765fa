"""The application: starting one (new or recurring), its steps, the review and signing, the
co-applicant's confirmation and withdrawing it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bistand.applications import declaration as decl
from bistand.applications import selectors, services
from bistand.applications.models import Application, ApplicationKind, ApplicationStatus
from bistand.casework import timeline
from bistand.casework.declaration_forms import bind_section, section_data
from bistand.common import languages
from bistand.common.months import add_months, format_month
from bistand.decisions.selectors import issued_decisions
from bistand.tenancy.selectors import all_municipalities

from .. import forms
from ..presenters import month_in_language, next_unfinished
from ..session import applicant_required
from .common import (
    STEP_KEYS,
    own_draft,
    own_draft_or_received,
    person_for,
    register_facts,
    sections_in_language,
    step_states,
)
from .language import remember_language


def _month_choices():
    this = timezone.localdate().replace(day=1)
    return [(format_month(m), month_in_language(m).capitalize()) for m in (this, add_months(this, 1))]


@require_http_methods(["GET", "POST"])
@applicant_required
def new_application(request):
    applicant = request.applicant
    known = {p.municipality_id for p in applicant.persons}
    municipalities = all_municipalities()
    preselected = next(iter(known)) if len(known) == 1 else (municipalities[0].pk if len(municipalities) == 1 else "")
    form = forms.StartForm(request.POST or None, municipalities=municipalities, months=_month_choices(),
                           initial={"month": _month_choices()[0][0], "municipality": str(preselected)})
    if request.method == "POST" and form.is_valid():
        municipality = next(m for m in municipalities if str(m.pk) == form.cleaned_data["municipality"])
        person = applicant.person_in(municipality.pk) or services.ensure_person(
            municipality=municipality, personnummer=applicant.personnummer,
            given_name=applicant.given_name, family_name=applicant.family_name,
        )
        applicant.forget_persons()
        if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:  # a new person gets the language already chosen
            remember_language(applicant, languages.from_cookie(request))
        if not _is_adult(person):
            form.add_error(None, _("Du behöver vara 18 år för att söka själv. Kontakta socialtjänsten i din kommun."))
        else:
            application = services.start_application(person=person, month=form.cleaned_data["month"])
            if application.applicant_id != person.pk:
                messages.info(request, _("Hushållet har redan en ansökan för månaden."))
            return redirect("portal:application", pk=application.pk)
    return render(request, "portal/new_application.html", {"form": form}, status=400 if form.errors else 200)


def _is_adult(person) -> bool:
    from bistand.common.months import age_at

    return age_at(person.birth_date, timezone.localdate()) >= 18


@require_POST
@applicant_required
def recurring(request):
    try:
        household_id = int(request.POST.get("household", ""))
        month = request.POST.get("month", "")
    except ValueError:
        raise Http404("Sidan finns inte.") from None
    household, person = selectors.recurring_applicant(request.applicant.person_ids, household_id)
    try:
        application = services.prefill_recurring(household, month, person=person)
    except (ValidationError, ValueError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("portal:case")
    except PermissionDenied:
        raise Http404("Sidan finns inte.") from None
    return redirect("portal:application", pk=application.pk)


# --- the application ------------------------------------------------------------------------------------


@require_GET
@applicant_required
def application_detail(request, pk: int):
    application = selectors.own_application(request.applicant.person_ids, pk)
    person = person_for(request, application)
    if application.is_editable and person.pk == application.applicant_id:
        steps = step_states(application)
        state = {row["key"]: row["text"] for row in steps}
        return render(request, "portal/application_draft.html", {
            "application": application, "steps": steps, "month_label": month_in_language(application.month),
            "sections": sections_in_language([(key, label, rows, state.get(key, ""))
                                              for key, label, rows in selectors.declaration_sections(application)]),
            "missing": decl.missing_answers(application.declaration), "next_step": next_unfinished(steps),
        })
    return render(request, "portal/application_detail.html", {
        "application": application,
        "month_label": month_in_language(application.month),
        "summary": sections_in_language(selectors.declaration_sections(application, _viewer(application, person))),
        "events": timeline.application_events(application, viewer_ids=request.applicant.person_ids),
        "completions": list(application.completion_requests.order_by("-created_at")),
        "attachments": list(application.attachments.all()),
        "decisions": issued_decisions(application),
        "is_co_applicant": person.pk == application.co_applicant_id,
        "answer_by": selectors.answer_by(application),
        "register_facts": register_facts(application),
    })


def _viewer(application: Application, person) -> str:
    return decl.VIEWER_APPLICANT if person.pk == application.applicant_id else decl.VIEWER_PARTNER


@require_POST
@applicant_required
def confirm_unchanged(request, pk: int, section: str):
    """Recurring application: the section is the same as last month."""
    application, person = own_draft(request, pk)
    if section not in decl.SECTION_LABELS or application.previous_id is None:
        raise Http404("Sidan finns inte.")
    services.save_draft(application, person=person, section=section)
    return redirect("portal:application", pk=pk)


@require_http_methods(["GET", "POST"])
@applicant_required
def step(request, pk: int, section: str):
    application, person = own_draft(request, pk)
    if section not in decl.SECTION_LABELS:
        raise Http404("Sidan finns inte.")
    declaration = application.declaration
    post = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "") if post else ""
    cannot = forms.CannotAnswerForm(post, initial={
        "cannot_answer": section in (declaration.get("cannot_answer") or {}),
        "note": (declaration.get("cannot_answer") or {}).get(section, ""),
    })
    bound = bind_section(section, declaration, post, applicant_personnummer=request.applicant.personnummer)
    context = {"application": application, "section": section, "section_label": _(decl.SECTION_LABELS[section]),
               "steps": step_states(application), "cannot": cannot, "focus_row": bound.focus_row}

    if post and not action:
        cannot_ok = cannot.is_valid()
        marks_cannot = cannot_ok and cannot.cleaned_data.get("cannot_answer")
        note = cannot.cleaned_data.get("note", "") if cannot_ok else ""
        valid = bound.is_valid()
        if valid or marks_cannot:
            data = section_data(section, bound.form, bound.formset, declaration.get("members") or {}) if valid else None
            services.save_draft(application, person=person, section=section, data=data,
                                cannot_answer=note if marks_cannot else None)
            if marks_cannot and not valid:
                messages.info(request, _("Vi har sparat att du inte kan svara om %(section)s. En handläggare hjälper "
                                         "dig. Det du skrev på sidan sparades inte.")
                              % {"section": _(decl.SECTION_LABELS[section]).lower()})
            return redirect(_next_step_url(application, section))
    context.update({"form": bound.form, "formset": bound.formset})
    status = 400 if post and not action and bound.has_errors() else 200
    template = "portal/step_form.html" if request.headers.get("HX-Request") and action else "portal/step.html"
    return render(request, template, context, status=status)


def _next_step_url(application: Application, section: str) -> str:
    if application.kind == ApplicationKind.RECURRING:
        return reverse("portal:application", kwargs={"pk": application.pk})
    index = STEP_KEYS.index(section)
    following = STEP_KEYS[index + 1]
    if following == "attachments":
        return reverse("portal:attachments", kwargs={"pk": application.pk})
    return reverse("portal:step", kwargs={"pk": application.pk, "section": following})


@require_http_methods(["GET", "POST"])
@applicant_required
def review(request, pk: int):
    application, person = own_draft(request, pk)
    error = ""
    missing = decl.missing_answers(application.declaration)
    status = 200
    if request.method == "POST":
        try:
            result = services.submit(application, request.POST.get("submission_key", ""), person=person)
        except services.StaleSubmission as stale:
            error, status = stale.message, 409
            application.refresh_from_db()
        except ValidationError as failure:
            missing = {k: " ".join(v) for k, v in failure.message_dict.items()}
            status = 400
        else:
            if result.application.status == ApplicationStatus.AWAITING_CO_APPLICANT:
                messages.success(request, _("Du har skrivit under. Nu behöver din make, maka eller sambo logga in och "
                                            "bekräfta ansökan innan den skickas till kommunen."))
            elif result.created:
                messages.success(request, _("Tack! Din ansökan har kommit in till kommunen."))
            return redirect("portal:application", pk=result.application.pk)
    steps = step_states(application)
    missing_rows = [(row["url"], row["label"], missing[row["key"]]) for row in steps if row["key"] in missing]
    return render(request, "portal/review.html", {
        "application": application, "month_label": month_in_language(application.month), "missing_rows": missing_rows,
        "summary": sections_in_language(selectors.declaration_sections(application)),
        "changes": selectors.declaration_changes(application), "missing": missing, "error": error,
        "attachments": list(application.attachments.all()),
        "unanswerable": application.declaration.get("cannot_answer") or {},
        "steps": steps, "section": "review",
    }, status=status)


@require_http_methods(["GET", "POST"])
@applicant_required
def confirm(request, pk: int):
    """The co-applicant confirms (or does not confirm) the application with their own e-ID login. A
    declared partner whom the municipality did not know gets their Person from their own e-ID here."""
    applicant = request.applicant
    application = selectors.awaiting_confirmation_for(applicant.personnummer).filter(pk=pk).first()
    if application is None:
        application = selectors.own_application(applicant.person_ids, pk)
    person = applicant.person_in(application.municipality_id)
    if person is None and application.co_applicant_id is None and services.declared_partner_number(application) == applicant.personnummer:
        if request.method != "POST":
            person = None  # shown before any Person exists; made when they answer
        else:
            person = services.ensure_person(municipality=application.municipality, personnummer=applicant.personnummer,
                                            given_name=applicant.given_name, family_name=applicant.family_name)
            applicant.forget_persons()
    elif not services.is_declared_partner(application, person):
        raise Http404("Sidan finns inte.")
    form = forms.DeclineForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline" and form.is_valid():
                services.decline_as_co_applicant(application, person=person, reason=form.cleaned_data["reason"])
                messages.info(request, _("Du har inte bekräftat ansökan. Den som sökte kan ändra den och skriva under igen."))
            else:
                services.confirm_as_co_applicant(application, person=person)
                messages.success(request, _("Tack! Du har bekräftat ansökan och den har kommit in till kommunen."))
        except ValidationError as failure:
            messages.error(request, " ".join(failure.messages))
        return redirect("portal:case")
    return render(request, "portal/confirm.html", {
        "application": application, "month_label": month_in_language(application.month), "form": form,
        "summary": sections_in_language(selectors.declaration_sections(application, decl.VIEWER_PARTNER)),
        "awaiting": application.status == ApplicationStatus.AWAITING_CO_APPLICANT,
    })


@require_http_methods(["GET", "POST"])
@applicant_required
def withdraw(request, pk: int):
    """GET asks "are you sure?" (a page of its own: no script), POST deletes the draft or withdraws."""
    application, person = own_draft_or_received(request, pk)
    if request.method == "GET":
        return render(request, "portal/withdraw.html", {"application": application, "month_label": month_in_language(application.month),
                                                         "is_draft": application.status == ApplicationStatus.DRAFT})
    try:
        services.withdraw(application, person=person)
    except ValidationError as failure:
        messages.error(request, " ".join(failure.messages))
    else:
        messages.success(request, _("Ansökan är återkallad."))
    return redirect("portal:case")
