"""Follow-up pages: the manager's dashboard of the own municipality (with the cases behind a month, for
roles that may see people, access-logged), the regional coordinator's region page with the
implementation goals, and the researcher's start page.

Views parse, call the reads of bistand.followup.aggregates (the dashboards' precomputed numbers) /
dashboard / goals, render."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from bistand.audit.models import AccessAction, AccessPurpose
from bistand.audit.services import log_access
from bistand.common.months import MONTH_NAMES
from bistand.followup import aggregates, charts, goals, population, selectors, services, statistics
from bistand.followup import dashboard as dash
from bistand.followup.forms import DashboardFilterForm, GoalForm, StatisticsMonthForm
from bistand.people.presenters import present_persons
from bistand.people.selectors import persons_for
from bistand.tenancy.current import for_request
from bistand.tenancy.decorators import person_data_view
from bistand.tenancy.roles import Role


def _filters(request, units=None):
    form = DashboardFilterForm(request.GET or None, units=units)
    if form.is_bound and form.is_valid():
        return form, form.year_or_default(), form.filters()
    return form, dash.previous_month().year, dash.Filters()


def _charts(board):
    return [{"measure": measure, "label": label, "svg": charts.month_chart(board.months, measure),
             "rows": [{"month": point.month, "name": MONTH_NAMES[point.month.month - 1],
                       "value": point.values[measure], "last_year": point.last_year[measure],
                       "change": point.change(measure)} for point in board.months]}
            for measure, label in dash.MONTHLY_MEASURES.items()]


@require_GET
@person_data_view("followup.view_personmonth")
def dashboard(request):
    state = for_request(request)
    form, year, filters = _filters(request, units=state.municipality.units.order_by("name"))
    board = aggregates.municipality_dashboard(state.municipality, year, filters)
    if request.GET.get("format") == "csv":
        return _dashboard_csv(board, state.municipality)
    indicators = [(name, label, board.indicators[name]) for name, label in dash.INDICATOR_LABELS.items()]
    shares = population.dashboard_shares(board)
    share_rows = [(label, _per_cent(shares[name].value), shares[name].note)
                  for name, label in population.SHARE_LABELS.items()] if shares is not None else []
    return render(request, "staff/followup_dashboard.html", {
        "form": form, "board": board, "year": year, "indicators": indicators, "charts": _charts(board),
        "query": request.GET.urlencode(), "municipality": state.municipality, "shares": shares,
        "share_rows": share_rows,
    })


def _per_cent(value) -> str:
    """A share in per cent the Swedish way (0,50 %), or "" when there is none."""
    return "" if value is None else f"{value:.2f}".replace(".", ",") + " %"


def _dashboard_csv(board, municipality) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="uppfoljning-{municipality.code}-{board.year}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with the BOM
    writer = csv.writer(response, delimiter=";")
    head = ["kommun", municipality.code, "år", board.year, "beräknat", board.computed_at.isoformat(timespec="seconds"),
            "underlaget ändrat", board.data_changed_at.isoformat(timespec="seconds") if board.data_changed_at else ""]
    if board.pending_since:  # a stale number never goes without saying so
        head += ["uppdateras: ändringar sedan", board.pending_since.isoformat(timespec="seconds")]
    writer.writerow(head)
    writer.writerow(["indikator", "namn", "värde"])
    for name, label in dash.INDICATOR_LABELS.items():
        value = board.indicators[name]
        writer.writerow([name, label, "" if value is None else value])
    writer.writerow([])
    writer.writerow(["månad", *[f"{measure}{suffix}" for measure in dash.MONTHLY_MEASURES
                                for suffix in ("", "_året_före")]])
    for point in board.months:
        writer.writerow([f"{point.month:%Y-%m}", *[v for m in dash.MONTHLY_MEASURES
                                                    for v in (point.values[m], point.last_year[m])]])
    return response


@require_GET
@person_data_view("followup.view_personmonth", "people.view_person")
def dashboard_cases(request, month: str):
    """The households and persons behind one month's numbers (access-logged)."""
    state = for_request(request)
    try:
        first = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise Http404("Månad: skriv månaden som ÅÅÅÅ-MM.") from None
    form, _year, filters = _filters(request, units=state.municipality.units.order_by("name"))
    rows = dash.cases_behind(state.municipality, first, filters)
    ids = {person_id for row in rows for person_id, _role in row["persons"]}
    persons = {view.pk: view for view in present_persons(
        persons_for(request.user).filter(pk__in=ids).order_by("pk"), request.user)}
    log_access(user=request.user, persons=persons_for(request.user).filter(pk__in=ids),
               action=AccessAction.VIEW, target="staff:followup_cases", purpose=AccessPurpose.CASEWORK, request=request)
    for row in rows:
        row["people"] = [(persons.get(person_id), role) for person_id, role in row["persons"]]
    return render(request, "staff/followup_cases.html", {
        "rows": rows, "month": first, "month_name": f"{MONTH_NAMES[first.month - 1]} {first.year}",
        "form": form, "filters": filters,
    })


#: The ``fil`` parameter of the statistics page: which file to download.
STATISTICS_FILES = {"bistand": "assistance", "avslut": "end_reasons"}


@require_GET
@person_data_view("followup.view_personmonth", "followup.add_statisticsexport")
def statistics_page(request):
    """The monthly files for Socialstyrelsen (HSLF-FS 2015:30): the check of the month (what is missing, per
    household) and the two files to download. A download is an export run (logged) of the full month."""
    state = for_request(request)
    form = StatisticsMonthForm(request.GET or None)
    month = form.month_or_default()
    wanted = request.GET.get("fil")
    if wanted is not None:
        if wanted not in STATISTICS_FILES or not form.is_valid():
            raise Http404("Fil: välj filen med bistånd eller med avslut, och en månad som ÅÅÅÅ-MM.")
        file = STATISTICS_FILES[wanted]
        result = services.export_statistics(municipality=state.municipality, month=month, actor=request.user)
        log_access(user=request.user, persons=persons_for(request.user).filter(pk__in=result.content.person_ids()),
                   action=AccessAction.EXPORT, target="staff:followup_statistics", purpose=AccessPurpose.CASEWORK,
                   request=request)
        response = HttpResponse(result.files[file], content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{statistics.file_name(state.municipality, month, file)}"')
        return response
    content = statistics.build(state.municipality, month)
    named = {m.person_id for h in content.households for m in h.adults
             if any(p.household_key == h.key for p in content.problems)}
    named |= {m.person_id for e in content.ends for m in e.adults
              if any(p.household_key == e.key for p in content.problems)}
    if named:  # the check names households: their adults' data were read
        log_access(user=request.user, persons=persons_for(request.user).filter(pk__in=named),
                   action=AccessAction.LIST, target="staff:followup_statistics", purpose=AccessPurpose.CASEWORK,
                   request=request)
    query = f"month={month:%Y-%m}"
    return render(request, "staff/followup_statistics.html", {
        "form": form, "month": month, "month_name": f"{MONTH_NAMES[month.month - 1]} {month.year}",
        "content": content, "notes": statistics.unverified_notes(), "layout": statistics.layout(),
        "codes": statistics.codes(), "file_labels": statistics.FILE_LABELS, "query": query,
        "exports": selectors.statistics_exports(state.municipality.pk), "municipality": state.municipality,
    })


def _coordinator_region(request):
    state = for_request(request)
    if Role.REGIONAL_COORDINATOR not in state.region_roles or not state.regions:
        raise PermissionDenied("Sidan är för regionala samordnare.")
    return state.regions[0], state


@login_required
@require_http_methods(["GET", "POST"])
def region_page(request):
    region, state = _coordinator_region(request)
    own = state.municipality.pk if state.municipality else None
    goal_form = GoalForm(request.POST or None, prefix="goal")
    if request.method == "POST":
        if goal_form.is_valid():
            data = goal_form.cleaned_data
            try:
                goals.set_goal(actor=request.user, region=region, indicator=data["indicator"], year=data["year"],
                               target_percent=data["target"], direction=data["direction"])
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    goal_form.add_error(field if field in goal_form.fields else None, errors)
            else:
                messages.success(request, "Målet är sparat.")
                return redirect(f"{request.path}?year={data['year']}")
    form, year, filters = _filters(request)
    overview = aggregates.region_overview(region, year, filters)
    columns = [(m, r if m.pk == own else dash.suppress(r)) for m, r in overview.municipalities]
    rows = [(label, [result[name] for _m, result in columns], dash.suppress(overview.total)[name])
            for name, label in dash.INDICATOR_LABELS.items()]
    municipalities = [m for m, _ in overview.municipalities]
    progress = [(goal, goals.GOAL_INDICATORS[goal.indicator].label, goals.goal_progress(goal, municipalities, own_municipality_id=own))
                for goal in goals.goals_of(region, year)]
    if request.method == "GET":
        goal_form = GoalForm(initial={"year": year}, prefix="goal")
    return render(request, "staff/followup_region.html", {
        "region": region, "year": year, "form": form, "overview": overview, "municipalities": municipalities,
        "rows": rows, "progress": progress, "goal_form": goal_form, "suppressed": dash.SUPPRESSED,
    })


@login_required
def research_page(request):
    return render(request, "staff/followup_research.html")
