"""The what-if page for managers (their municipality) and the regional coordinator (the region):
choose a change, see the figures as a chart and a table, download them as CSV. Aggregates only.

The research project register: managers and administrators see the projects their municipality takes part
in, a manager approves a project for the municipality, researchers download the exports of the projects
that name them (every download is an export, logged)."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import zipfile
from io import BytesIO, StringIO
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bistand.rules.whatif import SETTING_PATHS

from . import selectors, services
from .charts import cost_chart
from .forms import ApprovalForm, SimulationForm
from .models import ResearchProject, Variable
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


# --- the research project register (issue 21 §1) ------------------------------------------------------


def _project(request, slug: str) -> ResearchProject:
    project = selectors.visible_projects(request.user).filter(slug=slug).first()
    if project is None:
        raise Http404("Projektet finns inte, eller så har du inte tillgång till det.")
    return project


@login_required
@require_GET
def project_list(request):
    projects = list(selectors.visible_projects(request.user).prefetch_related("participations__municipality"))
    if not projects and not (request.user.has_perm("research.view_researchproject") or
                             selectors.is_researcher(request.user)):
        raise PermissionDenied("Forskningsprojekten visas för enhetschefer, administratörer och forskare.")
    rows = [(p, services.problems(p, timezone.localdate())) for p in projects]
    return render(request, "research/project_list.html", {"rows": rows})


def _detail_context(request, project: ResearchProject, form: ApprovalForm | None = None) -> dict:
    participations = list(project.participations.select_related("municipality"))
    mine = next((p for p in participations if services.may_approve(request.user, p)), None)
    if form is None and mine is not None and not mine.approved:
        form = ApprovalForm(initial={"secrecy_assessed_on": mine.secrecy_assessed_on,
                                     "secrecy_decided_by": mine.secrecy_decided_by})
    labels = dict(Variable.choices)
    return {"project": project, "participations": participations, "mine": mine, "form": form,
            "variables": [labels.get(v, v) for v in project.variables],
            "problems": services.problems(project, timezone.localdate()),
            "may_download": services.may_download(request.user, project),
            "exports": list(selectors.visible_exports(request.user, project)[:50]),
            "k": settings.BISTAND_RESEARCH_K}


@login_required
@require_GET
def project_detail(request, slug: str):
    project = _project(request, slug)
    return render(request, "research/project_detail.html", _detail_context(request, project))


@login_required
@require_POST
def project_approve(request, slug: str):
    project = _project(request, slug)
    participation = next((p for p in project.participations.select_related("municipality")
                          if services.may_approve(request.user, p)), None)
    if participation is None:
        raise PermissionDenied("Bara kommunens enhetschef kan godkänna projektet för kommunen.")
    form = ApprovalForm(request.POST)
    if form.is_valid():
        try:
            services.approve(user=request.user, participation=participation,
                             secrecy_assessed_on=form.cleaned_data["secrecy_assessed_on"],
                             secrecy_decided_by=form.cleaned_data["secrecy_decided_by"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Du har godkänt projektet för {participation.municipality.name}.")
            return redirect("research:project_detail", slug=project.slug)
    return render(request, "research/project_detail.html", _detail_context(request, project, form), status=400)


@login_required
@require_POST
def project_download(request, slug: str):
    """Export the project now and send the files as one zip file (the export is logged like any other)."""
    project = _project(request, slug)
    if not services.may_download(request.user, project):
        raise PermissionDenied("Du finns inte bland dem som får ladda ner projektets data.")
    with tempfile.TemporaryDirectory(prefix="forskning-") as tmp:
        out = Path(tmp) / project.slug
        try:
            export = services.run_export(project=project, out_dir=out, user=request.user, via="web")
        except services.ExportRefused as exc:
            messages.error(request, str(exc))
            return redirect("research:project_detail", slug=project.slug)
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out.iterdir()):
                archive.write(path, f"{project.slug}/{path.name}")
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    stamp = timezone.localtime(export.exported_at).strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="{project.slug}-{stamp}.zip"'
    return response
