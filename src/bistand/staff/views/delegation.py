"""Staff pages for the delegationsordning for people (issue 17 §3).

* ``to_decide`` — "Att besluta": the proposals that föredragande case workers have left for decision and
  that the user has delegation to decide. Only for users with some delegation (the menu shows it only
  to them).
* ``proposal`` — one proposal: the delegate decides it as it stands or returns it with a comment.
* ``delegation_report`` — the decisions made under the delegationsordning in a period, grouped by
  committee and kind of decision, for the anmälan to the committee; ``?format=csv`` downloads it
  (without names or personnummer).

Reads go through :mod:`bistand.decisions.selectors` (scoped to the user's municipality); writes through
:mod:`bistand.decisions.services`; every page that shows persons writes the access log.
"""

from __future__ import annotations

import datetime as dt
import io
from itertools import groupby

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from bistand.audit.models import AccessAction
from bistand.audit.services import log_access
from bistand.common.forms import AccessibleFormMixin
from bistand.decisions import services as decision_services
from bistand.decisions.reports import write_report_csv
from bistand.decisions.selectors import (
    delegated_decisions,
    may_decide_decision,
    may_use_to_decide,
    proposal_for,
    proposals_to_decide,
)
from bistand.people.presenters import can_see_protected, present_person
from bistand.tenancy.current import current_municipality
from bistand.tenancy.decorators import person_data_view


class ReturnForm(AccessibleFormMixin, forms.Form):
    comment = forms.CharField(label="Kommentar till föredraganden", required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Krävs när du lämnar tillbaka förslaget: skriv vad som ska ändras.")


class PeriodForm(AccessibleFormMixin, forms.Form):
    date_from = forms.DateField(label="Från och med", widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"required": "Skriv första dagen (från och med).",
                                                "invalid": "Skriv datumet som ÅÅÅÅ-MM-DD."})
    date_to = forms.DateField(label="Till och med", widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"required": "Skriv sista dagen (till och med).",
                                              "invalid": "Skriv datumet som ÅÅÅÅ-MM-DD."})

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "Sista dagen kan inte vara före första dagen.")
        return data


def _check_delegate(user) -> None:
    if not may_use_to_decide(user):
        raise PermissionDenied("Du har ingen delegation att fatta beslut i kommunen.")


@require_GET
@person_data_view("decisions.view_decision")
def to_decide(request):
    _check_delegate(request.user)
    reveal = can_see_protected(request.user)
    proposals = proposals_to_decide(request.user)
    rows = [{"decision": d, "person": present_person(d.application.applicant, reveal=reveal)} for d in proposals]
    log_access(user=request.user, persons=[d.application.applicant for d in proposals], action=AccessAction.LIST,
               target="staff:to_decide", request=request)
    return render(request, "staff/to_decide.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@person_data_view("decisions.view_decision")
def proposal(request, pk: int):
    _check_delegate(request.user)
    decision = proposal_for(request.user, pk)
    if not may_decide_decision(request.user, decision):
        raise PermissionDenied("Du har inte delegation att fatta det här beslutet.")
    form = ReturnForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide":
                decision = decision_services.decide_proposal(decision, request.user)
                messages.success(request, f"Beslutet är fattat: {decision.get_outcome_display().lower()}.")
                return redirect(reverse("staff:case_detail", args=[decision.application_id]) + "#beslut")
            if action == "return" and form.is_valid():
                decision_services.return_proposal(decision, request.user, comment=form.cleaned_data["comment"])
                messages.success(request, "Förslaget är tillbaka hos föredraganden.")
                return redirect("staff:to_decide")
        except decision_services.DecisionError as error:
            form.add_error("comment" if action == "return" and "kommentar" in str(error) else None, str(error))
        except PermissionDenied as error:
            form.add_error(None, str(error))
    reveal = can_see_protected(request.user)
    log_access(user=request.user, persons=[decision.application.applicant], target="staff:proposal", request=request)
    return render(request, "staff/proposal.html", {
        "decision": decision, "lines": list(decision.lines.all()),
        "person": present_person(decision.application.applicant, reveal=reveal),
        "presented_by": decision_services.person_decision_maker_label(decision.presented_by),
        "form": form,
    }, status=400 if form.errors else 200)


def _default_period() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    first_this = today.replace(day=1)
    last_previous = first_this - dt.timedelta(days=1)
    return last_previous.replace(day=1), last_previous


@require_GET
@person_data_view("decisions.view_decision", "decisions.view_persondelegation")
def delegation_report(request):
    """Delegated decisions of a period for the anmälan to the committee (default: last month)."""
    municipality = current_municipality(request.user)
    start, end = _default_period()
    form = PeriodForm(request.GET if "date_from" in request.GET else None,
                      initial={"date_from": start, "date_to": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    elif form.is_bound:
        return render(request, "staff/delegation_report.html", {"form": form, "groups": []}, status=400)
    rows = delegated_decisions(municipality, start, end)
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        write_report_csv(out, rows)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (f'attachment; filename="delegationsbeslut-{municipality.code}-'
                                           f'{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"')
        response["Cache-Control"] = "private, no-store"
        return response
    show_people = request.user.has_perm("people.view_person")
    reveal = can_see_protected(request.user)
    groups = []
    for (committee, _kind), items in groupby(rows, key=lambda r: (r.committee, r.kind)):
        items = list(items)
        groups.append({"committee": committee, "kind_label": items[0].kind_label, "rows": [
            {"row": r, "person": present_person(r.decision.application.applicant, reveal=reveal) if show_people else None}
            for r in items]})
    if show_people and rows:
        log_access(user=request.user, persons=[r.decision.application.applicant for r in rows],
                   action=AccessAction.LIST, target="staff:delegation_report", request=request)
    query = f"date_from={start:%Y-%m-%d}&date_to={end:%Y-%m-%d}"
    return render(request, "staff/delegation_report.html", {
        "form": form, "groups": groups, "count": len(rows), "start": start, "end": end, "show_people": show_people,
        "csv_query": query,
    })


__all__ = ["delegation_report", "proposal", "to_decide"]
