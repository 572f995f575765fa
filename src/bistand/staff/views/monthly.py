"""The monthly run from the web: /handlaggning/manadskorning/.

* ``monthly_run`` — the month's state for the user's municipality (applications received, decided
  automatically, in the inbox, waiting for the run, payments and how many are sent to the bank), the
  newest run with its progress and summary, and the button that starts the run (for roles with
  ``casework.start_monthly_run``).
* ``monthly_run_start`` (POST) — claims the run and starts it in the background
  (:func:`bistand.casework.services.start_monthly_run`); one run at a time per municipality.
* ``monthly_run_progress`` — the progress part of the page; htmx polls it every two seconds while the run
  is going on, and it stops polling when the run is done.

The page shows numbers only, no persons, so it writes no access log.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bistand.casework.monthly import RunInProgress
from bistand.casework.selectors import monthly_page, run_job_for
from bistand.casework.services import start_monthly_run
from bistand.common.forms import AccessibleFormMixin
from bistand.common.months import month_sv, parse_month
from bistand.tenancy.decorators import person_data_view


class MonthForm(AccessibleFormMixin, forms.Form):
    month = forms.CharField(label="Månad", max_length=7, help_text="År och månad, till exempel 2026-03.",
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    def clean_month(self):
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError:
            raise ValidationError("Skriv månaden som år och månad, till exempel 2026-03.") from None


def _month_url(month) -> str:
    return f"{reverse('staff:monthly_run')}?manad={month:%Y-%m}"


@require_GET
@person_data_view("casework.view_monthlyrunjob")
def monthly_run(request):
    form = MonthForm({"month": request.GET["manad"]}) if request.GET.get("manad") else None
    if form is not None and not form.is_valid():
        page = monthly_page(request.user)
        status = 400
    else:
        page = monthly_page(request.user, form.cleaned_data["month"] if form is not None else None)
        status = 200
    start_form = MonthForm(initial={"month": f"{page.month:%Y-%m}"}) if page else None
    return render(request, "staff/monthly_run.html", {
        "page": page, "form": form, "start_form": start_form,
        "may_start": request.user.has_perm("casework.start_monthly_run"),
        "month_choices": [(f"{m:%Y-%m}", month_sv(m)) for m in page.months] if page else [],
    }, status=status)


@require_POST
@person_data_view("casework.view_monthlyrunjob", "casework.start_monthly_run")
def monthly_run_start(request):
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Månad: " + " ".join(form.errors["month"]))
        return redirect("staff:monthly_run")
    month = form.cleaned_data["month"]
    try:
        start_monthly_run(user=request.user, month=month)
    except RunInProgress as busy:
        messages.error(request, busy.message)
    else:
        messages.success(request, f"Månadskörningen för {month_sv(month)} är startad.")
    return redirect(_month_url(month))


@require_GET
@person_data_view("casework.view_monthlyrunjob")
def monthly_run_progress(request, pk: int):
    job = run_job_for(request.user, pk)
    return render(request, "staff/monthly_run_progress.html", {"job": job})


__all__ = ["monthly_run", "monthly_run_progress", "monthly_run_start"]
