"""Kommunicering (25 § förvaltningslagen) from the case page: when the registers say something else than
the applicant declared, the case worker sends the findings to the applicant, who has the municipality's
number of days to comment in the e-service; the case shows it as waiting until the answer or the last
day. The write goes through :func:`bistand.applications.services.start_kommunicering`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from bistand.applications.selectors import pending_kommunicering
from bistand.applications.services import start_kommunicering
from bistand.casework.selectors import case_for
from bistand.common.forms import AccessibleFormMixin
from bistand.decisions.services import OPEN_STATUSES
from bistand.registers.services import compare_declared
from bistand.tenancy.decorators import person_data_view


class KommuniceringForm(AccessibleFormMixin, forms.Form):
    findings = forms.CharField(
        label="Vad registren visar som skiljer sig från ansökan", widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000, help_text="Skrivs till sökanden. Förslaget kommer från jämförelsen med registren; ändra det "
                                   "så att det är begripligt för sökanden.")


def kommunicering_context(user, application, *, register: dict | None = None,
                          completion_requests: list | None = None) -> dict:
    """What the case page shows: the kommunicering that is running, and the form with the findings.
    ``register`` (persons, fetches and facts, as ``compare_declared`` takes them) and ``completion_requests``
    (all the application's): when the case page has read them already."""
    may = user.has_perm("applications.add_completionrequest") and application.status in OPEN_STATUSES
    findings = ""
    if may:
        found = [d for d in compare_declared(application, **(register or {})) if d.code != "not_fetched" and d.detail]
        findings = " ".join(d.detail for d in found)
    return {"pending_kommunicering": pending_kommunicering(application, among=completion_requests),
            "kommunicering_form": KommuniceringForm(initial={"findings": findings}) if may and findings else None}


@require_POST
@person_data_view("applications.view_application", "applications.add_completionrequest")
def start(request, pk: int):
    application = case_for(request.user, pk)
    form = KommuniceringForm(request.POST)
    if form.is_valid():
        try:
            started = start_kommunicering(application, actor=request.user, findings=form.cleaned_data["findings"])
        except ValidationError as error:
            form.add_service_errors(error)
    if form.errors:
        for field, texts in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, (f"{label}: " if label else "") + " ".join(texts))
    else:
        messages.success(request, f"Sökanden har fått uppgifterna och kan yttra sig till och med {started.due_date:%Y-%m-%d}.")
    return redirect(reverse("staff:case_detail", args=[application.pk]) + "#kompletteringar")


__all__ = ["kommunicering_context", "start"]
