"""The what-if page for managers (their municipality) and the regional coordinator (the region):
choose a change, see the figures as a chart and a table, download them as CSV. Aggregates only."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from bistand.rules.whatif import SETTING_PATHS

from . import selectors
from .charts import cost_chart
from .forms import SimulationForm
from .simulation import SUPPRESS_BELOW, SimulationReport


def _scope(request) -> selectors.SimulationScope:
    scope = selectors.simulation_scope(request.user)
    if scope is None:
        raise PermissionDenied("Simuleringen är för enhetschefer och regionala samordnare.")
    return scope


def _initial() -> dict[str, str]:
    year = dt.date.today().year - 1
    return {"month_from": f"{year}-01", "month_to": f"{year}-12", "riksnorm_change": "0"}


def _report(request, scope) -> tuple[SimulationForm, SimulationReport | None]:
    if "month_from" not in request.GET:
        return SimulationForm(initial=_initial()), None
    form = SimulationForm(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    report = selectors.simulate(scope.municipalities, data["month_from"], data["month_to"], data["change"],
                                scope=scope.label)
    return form, report


@login_required
def simulation(request):
    scope = _scope(request)
    form, report = _report(request, scope)
    context = {"form": form, "report": report, "scope": scope, "paths": SETTING_PATHS,
               "suppress_below": SUPPRESS_BELOW, "query": request.GET.urlencode()}
    if report is not None:
        context["chart"] = cost_chart(report.by_household_type)
        gains, losses = report.gain_deciles or [], report.loss_deciles or []
        context["deciles"] = [(10 * (i + 1), gains[i] if gains else None, losses[i] if losses else None)
                              for i in range(9)] if gains or losses else []
        context["total_suppressed"] = 0 < report.households < SUPPRESS_BELOW
    return render(request, "research/simulation.html", context, status=400 if form.is_bound and form.errors else 200)


@login_required
def simulation_csv(request):
    scope = _scope(request)
    form, report = _report(request, scope)
    if report is None:
        return HttpResponse("Välj period och ändring på sidan först; något är fel i valen.", status=400,
                            content_type="text/plain; charset=utf-8")
    out = StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Simulering", scope.label, f"{report.period_from} – {report.period_to}", "; ".join(report.change)])
    writer.writerow(["Grupp", "Namn", "Hushåll", "Hushållsmånader", "Kostnad före (kr)", "Kostnad efter (kr)",
                     "Förändring (kr)"])
    total_hidden = 0 < report.households < SUPPRESS_BELOW
    writer.writerow(["Totalt", scope.label, report.households, report.household_months,
                     *(["färre än 5 hushåll"] * 3 if total_hidden else
                       [report.cost_before, report.cost_after, report.cost_change])])
    for kind, groups in (("Hushållstyp", report.by_household_type), ("Kommun", report.by_municipality)):
        for g in groups:
            figures = (["färre än 5 hushåll", "", "", "", ""] if g.suppressed else
                       [g.households, g.household_months, g.cost_before, g.cost_after, g.cost_change])
            writer.writerow([kind, g.label, *figures])
    if not total_hidden:
        writer.writerow(["Hushåll som får mer", "", report.households_gaining])
        writer.writerow(["Hushåll som får mindre", "", report.households_losing])
        for label, deciles in (("Ökning per hushåll, decil", report.gain_deciles),
                               ("Minskning per hushåll, decil", report.loss_deciles)):
            for i, value in enumerate(deciles or []):
                writer.writerow([f"{label} {10 * (i + 1)} %", "", value])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="simulering-{report.period_from}-{report.period_to}.csv"'
    return response
