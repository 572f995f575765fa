"""Staff pages for appeals (bistand.appeals): the appeals section of the case page, registering an
appeal that came on paper, and the case worker's actions — omprövning, forwarding with a yttrande to
förvaltningsrätten, avvisning of a late appeal — and the letters.

Each POST calls one service and redirects back to the case page (section "Överklaganden"); a refused
action is shown as an error message naming the field. Reads are scoped (``appeal_for``, ``case_for``);
letters are logged in the access log.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bistand.appeals import letters, selectors, services
from bistand.appeals.models import AppealLetterError, AppealStatus, LateException
from bistand.audit.models import AccessAction
from bistand.audit.services import log_access
from bistand.casework.selectors import case_for
from bistand.common.forms import AccessibleFormMixin
from bistand.decisions.services import DecisionError
from bistand.people.presenters import can_see_protected
from bistand.tenancy.decorators import person_data_view

from . import cases


class PaperAppealForm(AccessibleFormMixin, forms.Form):
    decision = forms.TypedChoiceField(label="Överklagat beslut", coerce=int)
    lodged_on = forms.DateField(label="Dagen då överklagandet kom in till kommunen",
                                help_text="Datumet då brevet eller e-posten kom in (ankomststämpeln), ÅÅÅÅ-MM-DD.",
                                widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label="Vad sökanden skriver i överklagandet", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, decisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(d.pk, f"Beslut {d.pk}: {d.get_outcome_display().lower()}, fattat "
                                                  f"{timezone.localtime(d.issued_at):%Y-%m-%d}") for d in decisions]


class AppealReconsiderForm(AccessibleFormMixin, forms.Form):
    caseworker_text = forms.CharField(label="Varför omprövas beslutet?", widget=forms.Textarea(attrs={"rows": 3}))
    new_calculation = forms.BooleanField(label="Använd den senaste beräkningen", required=False,
                                         help_text="Annars gäller samma beräkning som i beslutet som omprövas.")


class ForwardForm(AccessibleFormMixin, forms.Form):
    statement = forms.CharField(label="Nämndens yttrande till förvaltningsrätten", widget=forms.Textarea(attrs={"rows": 5}))
    late_exception = forms.ChoiceField(
        label="Om överklagandet kom in för sent: varför ska det ändå prövas?", required=False,
        choices=[("", "Det kom in i tid"), *LateException.choices], widget=forms.RadioSelect)
    late_exception_reason = forms.CharField(label="Skäl för undantaget", required=False,
                                            widget=forms.Textarea(attrs={"rows": 2}))


class DismissForm(AccessibleFormMixin, forms.Form):
    caseworker_text = forms.CharField(label="Egna skäl (läggs till de skäl som skrivs automatiskt)", required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))


def appeals_context(user, application, decisions) -> dict:
    """What the case page shows about appeals (used by ``staff.views.cases``)."""
    appeals = selectors.appeals_for_application(application)
    issued = [d for d in decisions if d.is_issued]
    may_act = user.has_perm("decisions.add_decision")
    return {
        "appeals": [{"appeal": a, "steps": selectors.chain(a), "forward_form": ForwardForm(prefix=f"f{a.pk}"),
                     "reconsider_form": AppealReconsiderForm(prefix=f"r{a.pk}"),
                     "dismiss_form": DismissForm(prefix=f"d{a.pk}"),
                     "may_reconsider": may_act and a.status == AppealStatus.RECEIVED and not a.appealed_dismissal_id,
                     "may_forward": may_act and a.may_be_forwarded,
                     "may_dismiss": may_act and not a.in_time and a.may_be_forwarded,
                     "letters": list(a.letters.all())} for a in appeals],
        "paper_appeal_form": PaperAppealForm(decisions=issued) if may_act and issued else None,
    }


def _back(application):
    return redirect(reverse("staff:case_detail", args=[application.pk]) + "#overklaganden")


def _report(request, form, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, (f"{label}: " if label else "") + " ".join(texts))


def _form_errors(request, form) -> None:
    for field, texts in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, (f"{label}: " if label else "") + " ".join(texts))


def _appeal(request, pk: int):
    appeal = selectors.appeal_for(request.user, pk)
    return appeal, appeal.application


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def register_paper_appeal(request, pk: int):
    application = case_for(request.user, pk)
    decisions = [d for d in application.decisions.all() if d.is_issued]
    form = PaperAppealForm(request.POST, decisions=decisions)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(application)
    decision = next(d for d in decisions if d.pk == form.cleaned_data["decision"])
    try:
        appeal = services.register_paper_appeal(request.user, decision, form.cleaned_data["text"],
                                                form.cleaned_data["lodged_on"])
    except ValidationError as error:
        _report(request, form, error)
    else:
        messages.success(request, f"Överklagandet är registrerat. Det kom in {'i tid' if appeal.in_time else 'för sent'} "
                                  f"(sista dagen var {appeal.deadline:%Y-%m-%d}).")
    return _back(application)


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def reconsider(request, pk: int):
    appeal, application = _appeal(request, pk)
    form = AppealReconsiderForm(request.POST, prefix=f"r{appeal.pk}")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(application)
    calculation = cases.current_calculation(application) if form.cleaned_data["new_calculation"] else None
    try:
        new = services.reconsider_on_appeal(appeal, request.user, caseworker_text=form.cleaned_data["caseworker_text"],
                                            calculation=calculation)
    except ValidationError as error:
        _report(request, form, error)
    except DecisionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Beslutet är omprövat (beslut {new.pk}). Överklagandet gäller nu det nya beslutet; "
                                  "skicka det till förvaltningsrätten om sökanden inte har fått allt.")
    return _back(application)


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def forward(request, pk: int):
    appeal, application = _appeal(request, pk)
    form = ForwardForm(request.POST, prefix=f"f{appeal.pk}")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(application)
    try:
        services.forward(appeal, request.user, **form.cleaned_data)
    except ValidationError as error:
        _report(request, form, error)
    else:
        messages.success(request, f"Överklagandet är skickat till {selectors.court_name(appeal.municipality_id).lower()} "
                                  "med yttrandet.")
    return _back(application)


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def dismiss(request, pk: int):
    appeal, application = _appeal(request, pk)
    form = DismissForm(request.POST, prefix=f"d{appeal.pk}")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(application)
    try:
        services.dismiss_late(appeal, request.user, caseworker_text=form.cleaned_data["caseworker_text"])
    except ValidationError as error:
        _report(request, form, error)
    else:
        messages.success(request, "Överklagandet är avvisat. Beslutet om avvisning går att överklaga.")
    return _back(application)


@require_GET
@person_data_view("decisions.view_decision")
def letter(request, pk: int, kind: str):
    appeal, application = _appeal(request, pk)
    if application.applicant.protected_identity and not can_see_protected(request.user):
        raise PermissionDenied("Sökanden har skyddad identitet. Du har inte behörighet att se brevet.")
    stored = selectors.letter_of(appeal, kind)
    if stored is None:
        raise Http404("Brevet finns inte.")
    try:
        content = letters.stored_pdf(stored)
    except AppealLetterError as error:
        return HttpResponse(error.message, status=500, content_type="text/plain; charset=utf-8")
    log_access(user=request.user, persons=[p for p in (application.applicant, application.co_applicant) if p],
               action=AccessAction.EXPORT, target="staff:appeal_letter", request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letters.filename(stored)}"'
    response["Cache-Control"] = "private, no-store"
    return response


__all__ = ["appeals_context", "dismiss", "forward", "letter", "reconsider", "register_paper_appeal"]
