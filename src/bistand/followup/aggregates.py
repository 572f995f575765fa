"""Precomputed follow-up (issue 19 §5): the indicators and the monthly trend of each scope (a municipality
or a region), year and filter combination, stored in :class:`~bistand.followup.models.IndicatorAggregate`
and refreshed incrementally, so that the pages and ``bistand indicators`` read a few rows instead of
condensing millions of person-months.

The numbers are made by the definitions themselves (:mod:`bistand.followup.indicators`, and
:func:`bistand.followup.dashboard.filter_rows` / :func:`~bistand.followup.dashboard.monthly`), never by a
second definition: counts of distinct persons over a year, months that add up across a region's
municipalities and exits that look a year ahead cannot be summed from monthly counts, so what is stored
is each scope-year's result, computed from the person-month base. The aggregates therefore give exactly
what the base gives (tests/followup/test_aggregates.py compares them).

Freshness:

- Every writer of :class:`~bistand.followup.models.PersonMonth` (``import-history``, the payment export's
  :func:`~bistand.followup.services.sync_decided_months`, the end reason, gallring, the demo) calls
  :func:`touch` in its own transaction: one :class:`~bistand.followup.models.AggregateTouch` per
  (municipality, month) it changed. The writers that run in a web request (the payment export, the end
  reason) only mark: the refresh costs seconds to minutes on a large region, so it runs outside the request,
  from ``bistand followup refresh`` on a timer (docs/operations.md). ``import-history`` (a command) refreshes
  once its transaction has committed (``refresh_on_commit``).
- :func:`refresh` (also ``bistand followup refresh``; idempotent) recomputes what the touched months can
  change: a year's indicators read the years Y−2 … Y+1, so a month of year X changes the years X−1 … X+2
  of its municipality and of its region; and when how far the scope's data reaches (its latest month)
  changes, the exits of the years around both months. The unfiltered result of every year with data is
  kept; a filtered one is computed the first time it is asked for and refreshed like the others after.
- A page shows when its numbers were computed, and when changes are waiting to be counted in.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from bistand.tenancy.models import Municipality, Region

from . import dashboard as dash
from . import indicators as ind
from .models import AggregateTouch, CondensedYear, IndicatorAggregate, PersonMonth

_CHUNK = 900
#: No filter: the whole population.
EVERYONE = dash.Filters()


def municipality_key(municipality_id: int) -> str:
    return f"m:{municipality_id}"


def region_key(region_id: int) -> str:
    return f"r:{region_id}"


def filters_key(filters: dash.Filters) -> str:
    """The stored name of a filter combination ("" for everyone)."""
    if not filters.active:
        return ""
    chosen = {name: value for name, value in sorted(asdict(filters).items()) if value}
    return json.dumps(chosen, ensure_ascii=False, separators=(",", ":"))


def filters_of(key: str) -> dash.Filters:
    return dash.Filters(**json.loads(key)) if key else dash.Filters()


# --- storing results as JSON (order kept: jsonb does not keep the keys' order) ----------------------


def _encode(value):
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        raise TypeError("no datetimes in an aggregate")
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {"$items": [[key, _encode(item)] for key, item in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        if "$decimal" in value:
            return Decimal(value["$decimal"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        return {key: _decode(item) for key, item in value["$items"]}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _payload(result: dict, months: list[dash.MonthPoint]) -> dict:
    return {"indicators": _encode(result),
            "months": [[_encode(p.month), _encode(p.values), _encode(p.last_year)] for p in months]}


def _indicators(aggregate: IndicatorAggregate) -> dict:
    return _decode(aggregate.data["indicators"])


def _months(aggregate: IndicatorAggregate) -> list[dash.MonthPoint]:
    return [dash.MonthPoint(_decode(month), _decode(values), _decode(last_year))
            for month, values, last_year in aggregate.data["months"]]


# --- computing from the base -----------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    first: dt.date | None
    latest: dt.date | None
    changed: dt.datetime | None


def _states(municipality_ids: Iterable[int]) -> dict[int, _State]:
    """Per municipality: its first and latest month with assistance and the latest change of its base."""
    ids = sorted(set(municipality_ids))
    out = {pk: _State(None, None, None) for pk in ids}
    for chunk in (ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)):
        query = (PersonMonth.objects.filter(municipality_id__in=chunk).order_by().values("municipality_id")
                 .annotate(first=Min("month"), latest=Max("month"), changed=Max("updated_at"))
                 .values_list("municipality_id", "first", "latest", "changed"))
        for pk, first, latest, changed in query:
            out[pk] = _State(first, latest, changed)
    return out


def _region_state(states: Iterable[_State]) -> _State:
    states = list(states)
    firsts = [s.first for s in states if s.first]
    latests = [s.latest for s in states if s.latest]
    changed = [s.changed for s in states if s.changed]
    return _State(min(firsts, default=None), max(latests, default=None), max(changed, default=None))


def _window(rows_by_year: dict[int, list], year: int) -> list:
    return [row for y in range(year - ind.VERY_LONG_TERM_YEARS + 1, year + 2) for row in rows_by_year.get(y, ())]


# --- the condensed layer: one municipality's unfiltered person-household-years of one year ------------


def _encode_condensed(rows: Iterable[ind.PersonHouseholdYear]) -> str:
    return json.dumps([[r.household[1], r.person, r.months, r.adult, r.child, r.young_adult, r.work_or_studies_end,
                        r.amount_ore] for r in rows], ensure_ascii=False, separators=(",", ":"))


def _decode_condensed(municipality_id: int, year: int, text: str) -> list[ind.PersonHouseholdYear]:
    return [ind.PersonHouseholdYear((municipality_id, key), person, year, months, adult, child, young_adult, ended,
                                    amount)
            for key, person, months, adult, child, young_adult, ended, amount in json.loads(text)]


def _store_condensed(by_year: dict[tuple[int, int], list[ind.PersonHouseholdYear]]) -> None:
    """Keep these (municipality id, year) → condensed rows, made from the base just now."""
    now = timezone.now()
    CondensedYear.objects.bulk_create(
        [CondensedYear(municipality_id=pk, year=year, rows=_encode_condensed(rows), updated_at=now)
         for (pk, year), rows in sorted(by_year.items())],
        batch_size=100, update_conflicts=True, unique_fields=["municipality", "year"],
        update_fields=["rows", "updated_at"])


def _drop_condensed(pairs: Iterable[tuple[int, int]]) -> None:
    """Forget the condensed rows of these (municipality id, year) pairs: their base changed."""
    by_municipality: dict[int, set[int]] = defaultdict(set)
    for pk, year in pairs:
        by_municipality[pk].add(year)
    for pk, years in by_municipality.items():
        CondensedYear.objects.filter(municipality_id=pk, year__in=sorted(years)).delete()


def _condensed_years(municipality_id: int, years: set[int],
                     known: dict[tuple[int, int], list[ind.PersonHouseholdYear]]) -> list[ind.PersonHouseholdYear]:
    """The municipality's unfiltered condensed rows of ``years``: from ``known`` (made in this refresh),
    else from the stored layer, else condensed from the base (and stored). Only the years missing in both
    are read from the person-months."""
    out: list[ind.PersonHouseholdYear] = []
    wanted = {year for year in years if (municipality_id, year) not in known}
    if wanted:
        for year, text in CondensedYear.objects.filter(municipality_id=municipality_id, year__in=sorted(wanted)).values_list(
                "year", "rows"):
            known[(municipality_id, year)] = _decode_condensed(municipality_id, year, text)
            wanted.discard(year)
    if wanted:
        made: dict[tuple[int, int], list[ind.PersonHouseholdYear]] = {(municipality_id, year): [] for year in wanted}
        for low, high in _runs(sorted(wanted)):
            for item in ind.condense(row[:8] for row in dash._rows(
                    (municipality_id,), dt.date(low, 1, 1), dt.date(high, 12, 1))):
                made[(municipality_id, item.year)].append(item)
        _store_condensed(made)
        known.update(made)
    for year in sorted(years):
        out.extend(known[(municipality_id, year)])
    return out


def _runs(years: list[int]) -> list[tuple[int, int]]:
    """Sorted years → runs of consecutive years (first, last)."""
    runs: list[tuple[int, int]] = []
    for year in years:
        if runs and runs[-1][1] == year - 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return runs


def _window_years(years: Iterable[int]) -> set[int]:
    """The years whose condensed rows the indicators of ``years`` read (Y−2 … Y+1)."""
    return {y for year in years for y in range(year - ind.VERY_LONG_TERM_YEARS + 1, year + 2)}


def _compute(municipality_jobs: dict[int, set[tuple[int, str]]],
             region_jobs: dict[int, set[tuple[int, str]]]) -> list[IndicatorAggregate]:
    """The aggregates asked for, (year, filters key) per municipality and per region, from the base: each
    municipality with jobs of its own (or in a region with filtered jobs) has its person-months read once
    (the years the jobs need), filtered and condensed. A region's unfiltered jobs are computed from its
    municipalities' condensed rows (a household is a (municipality, household) pair, so the region's
    condensed base is its municipalities' put together), taken from the condensed layer
    (:class:`~bistand.followup.models.CondensedYear`) where the base has not changed since: a changed month
    costs its municipality's person-months, not the whole region's."""
    regions = {r.pk: r for r in Region.objects.filter(pk__in=list(region_jobs))}
    members: dict[int, list[int]] = {pk: [] for pk in regions}
    for pk, region_id in Municipality.objects.filter(region_id__in=list(regions)).values_list("pk", "region_id"):
        members[region_id].append(pk)
    wanted: dict[int, set[tuple[int, str]]] = defaultdict(set)  # municipality → (year, key) its rows must serve
    for pk, jobs in municipality_jobs.items():
        wanted[pk] |= jobs
    for region_id, jobs in region_jobs.items():
        filtered_jobs = {(year, key) for year, key in jobs if key}
        for pk in members[region_id] if filtered_jobs else ():
            wanted[pk] |= filtered_jobs
    municipalities = Municipality.objects.in_bulk(list(wanted))
    states = _states(set(wanted) | {pk for ids in members.values() for pk in ids})
    now = timezone.now()
    out: list[IndicatorAggregate] = []
    region_rows: dict[tuple[int, str], list[ind.PersonHouseholdYear]] = defaultdict(list)
    known: dict[tuple[int, int], list[ind.PersonHouseholdYear]] = {}  # (municipality, year) → unfiltered rows
    for pk in sorted(wanted):
        municipality = municipalities[pk]
        years = {year for year, _key in wanted[pk]}
        first = dt.date(min(years) - ind.VERY_LONG_TERM_YEARS + 1, 1, 1)
        rows = dash._rows((pk,), first, dt.date(max(years) + 1, 12, 1))
        scope = ind.Scope.municipality(municipality)
        state = states[pk]
        for key in sorted({key for _year, key in wanted[pk]}):
            filtered = dash.filter_rows(rows, filters_of(key))
            condensed = ind.condense(row[:8] for row in filtered)
            by_year: dict[int, list] = defaultdict(list)
            for item in condensed:
                by_year[item.year].append(item)
            if not key:  # every year of the read range is whole: keep its condensed rows
                made = {(pk, year): by_year.get(year, []) for year in range(first.year, max(years) + 2)}
                _store_condensed(made)
                known.update(made)
            for year in sorted(y for y, k in municipality_jobs.get(pk, ()) if k == key):
                base = ind.Base(year, _window(by_year, year), state.latest)
                out.append(IndicatorAggregate(
                    scope_key=municipality_key(pk), municipality_id=pk, year=year, filters=key,
                    data=_payload(ind.compute(scope, year, base), dash.monthly(filtered, year)),
                    latest_month=state.latest, data_changed_at=state.changed, updated_at=now))
            if key and municipality.region_id in region_jobs and any(
                    k == key for _y, k in region_jobs[municipality.region_id]):
                region_rows[(municipality.region_id, key)].extend(condensed)
        del rows
    for region_id, jobs in region_jobs.items():
        region = regions[region_id]
        scope = ind.Scope.region(region)
        state = _region_state(states[pk] for pk in members[region_id])
        for key in sorted({key for _year, key in jobs}):
            years = sorted(y for y, k in jobs if k == key)
            if key:
                condensed = region_rows.pop((region_id, key), [])
            else:
                condensed = [item for pk in sorted(members[region_id])
                             for item in _condensed_years(pk, _window_years(years), known)]
            by_year = defaultdict(list)
            for item in condensed:
                by_year[item.year].append(item)
            for year in years:
                base = ind.Base(year, _window(by_year, year), state.latest)
                out.append(IndicatorAggregate(
                    scope_key=region_key(region_id), region_id=region_id, year=year, filters=key,
                    data=_payload(ind.compute(scope, year, base), []),
                    latest_month=state.latest, data_changed_at=state.changed, updated_at=now))
    return out


def _store(aggregates: list[IndicatorAggregate]) -> None:
    IndicatorAggregate.objects.bulk_create(
        aggregates, batch_size=500, update_conflicts=True, unique_fields=["scope_key", "year", "filters"],
        update_fields=["data", "latest_month", "data_changed_at", "updated_at"])


def _compute_and_store(municipality_jobs, region_jobs) -> dict[tuple[str, int, str], IndicatorAggregate]:
    aggregates = _compute(municipality_jobs, region_jobs)
    with transaction.atomic():
        _store(aggregates)
    return {(a.scope_key, a.year, a.filters): a for a in aggregates}


# --- writers and the refresh -----------------------------------------------------------------------


def touch(pairs: Iterable[tuple[int, dt.date]], *, refresh_on_commit: bool = False) -> int:
    """Record that the person-months of these (municipality id, month) pairs changed; call inside the
    writer's transaction. The next :func:`refresh` (``bistand followup refresh``, on a timer) counts them in;
    until then the pages show when their numbers were computed and that they are being updated. With
    ``refresh_on_commit`` (commands only, never in a web request) :func:`refresh` runs once the transaction
    has committed (a failure there is logged and leaves the touches for the next refresh). Returns the number
    of pairs."""
    pairs = {(municipality_id, month.replace(day=1)) for municipality_id, month in pairs}
    if not pairs:
        return 0
    now = timezone.now()
    _drop_condensed({(pk, month.year) for pk, month in pairs})
    AggregateTouch.objects.bulk_create(
        [AggregateTouch(municipality_id=pk, month=month, touched_at=now) for pk, month in sorted(pairs)], batch_size=500)
    if refresh_on_commit:
        transaction.on_commit(refresh, robust=True)
    return len(pairs)


def forget(municipalities) -> None:
    """Drop the aggregates of these municipalities and of their regions, and what waits for them (when
    their whole base is removed, as the demo's reset does); the next refresh or read computes them anew."""
    ids = [m.pk for m in municipalities]
    region_ids = {m.region_id for m in municipalities if m.region_id is not None}
    IndicatorAggregate.objects.filter(municipality_id__in=ids).delete()
    IndicatorAggregate.objects.filter(region_id__in=region_ids).delete()
    AggregateTouch.objects.filter(municipality_id__in=ids).delete()
    CondensedYear.objects.filter(municipality_id__in=ids).delete()


@dataclass
class RefreshResult:
    touches: int
    aggregates: int
    seconds: float


def _affected_years(years: Iterable[int]) -> set[int]:
    """The years whose indicators read a month of one of ``years`` (Y reads Y−2 … Y+1)."""
    return {year + step for year in years for step in range(-1, ind.VERY_LONG_TERM_YEARS)}


def _latest_changed(stored: dt.date | None, current: dt.date | None, year: int) -> bool:
    """Whether moving the scope's latest month from ``stored`` to ``current`` can change the year's exits
    (they look up to M+12, M in the year: the months April Y … December Y+1 are compared with it)."""
    if stored == current:
        return False
    low, high = sorted((stored or dt.date.min, current or dt.date.min))
    return low.year - 1 <= year <= high.year


def refresh(*, everything: bool = False) -> RefreshResult:
    """Bring the aggregates in line with the base for every touched (municipality, month), in one
    transaction; idempotent (nothing touched: nothing done). ``everything``: recompute every stored
    aggregate and every year with data of every municipality and region."""
    started = time.monotonic()
    with transaction.atomic():
        touches = list(AggregateTouch.objects.select_for_update().values_list("pk", "municipality_id", "month"))
        touched: dict[int, set[int]] = defaultdict(set)
        for _pk, municipality_id, month in touches:
            touched[municipality_id].add(month.year)
        # The condensed rows of a touched year are made again from the base (also when a writer's touch
        # came while an earlier refresh was storing rows it had read before that writer committed).
        _drop_condensed((pk, year) for pk, years in touched.items() for year in years)
        if everything:
            CondensedYear.objects.all().delete()
            municipality_ids = set(Municipality.objects.values_list("pk", flat=True))
        else:
            municipality_ids = set(touched)
        if not municipality_ids:
            return RefreshResult(len(touches), 0, time.monotonic() - started)
        region_of = dict(Municipality.objects.filter(pk__in=municipality_ids).values_list("pk", "region_id"))
        region_ids = {r for r in region_of.values() if r is not None}
        members: dict[int, list[int]] = defaultdict(list)
        for pk, region_id in Municipality.objects.filter(region_id__in=region_ids).values_list("pk", "region_id"):
            members[region_id].append(pk)
        states = _states(municipality_ids | {pk for ids in members.values() for pk in ids})
        stored: dict[str, list[tuple[int, str, dt.date | None]]] = defaultdict(list)
        keys = [municipality_key(pk) for pk in municipality_ids] + [region_key(pk) for pk in region_ids]
        for chunk in (keys[i:i + _CHUNK] for i in range(0, len(keys), _CHUNK)):
            for scope_key, year, key, latest in IndicatorAggregate.objects.filter(scope_key__in=chunk).values_list(
                    "scope_key", "year", "filters", "latest_month"):
                stored[scope_key].append((year, key, latest))

        def jobs_of(scope_key: str, state: _State, affected: set[int]) -> set[tuple[int, str]]:
            data_years = set(range(state.first.year, state.latest.year + 1)) if state.first else set()
            jobs = {(year, "") for year in (data_years if everything else affected & data_years)}
            for year, key, latest in stored[scope_key]:
                if everything or year in affected or _latest_changed(latest, state.latest, year):
                    jobs.add((year, key))
            return jobs

        municipality_jobs = {pk: jobs_of(municipality_key(pk), states[pk], _affected_years(touched.get(pk, ())))
                             for pk in municipality_ids}
        region_jobs = {}
        for region_id in region_ids:
            years = {year for pk in members[region_id] for year in touched.get(pk, ())}
            region_jobs[region_id] = jobs_of(region_key(region_id), _region_state(states[pk] for pk in members[region_id]),
                                             _affected_years(years))
        aggregates = _compute({pk: jobs for pk, jobs in municipality_jobs.items() if jobs},
                              {pk: jobs for pk, jobs in region_jobs.items() if jobs})
        _store(aggregates)
        # How far the data reach and when they last changed are the scope's, for its other years too.
        for pk in municipality_ids:
            IndicatorAggregate.objects.filter(scope_key=municipality_key(pk)).update(
                latest_month=states[pk].latest, data_changed_at=states[pk].changed)
        for region_id in region_ids:
            state = _region_state(states[pk] for pk in members[region_id])
            IndicatorAggregate.objects.filter(scope_key=region_key(region_id)).update(
                latest_month=state.latest, data_changed_at=state.changed)
        ids = [pk for pk, _m, _month in touches]
        for chunk in (ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)):
            AggregateTouch.objects.filter(pk__in=chunk).delete()
    return RefreshResult(len(touches), len(aggregates), time.monotonic() - started)


# --- reads for the pages and the command -----------------------------------------------------------


def _pending_since(municipality_ids: Iterable[int], computed_at: dt.datetime) -> dt.datetime | None:
    """The first change of the scope's base made after ``computed_at`` that is not yet counted in."""
    return (AggregateTouch.objects.filter(municipality_id__in=list(municipality_ids), touched_at__gt=computed_at)
            .aggregate(first=Min("touched_at"))["first"])


def _get(scope_key: str, year: int, key: str, municipality_jobs, region_jobs) -> IndicatorAggregate:
    aggregate = IndicatorAggregate.objects.filter(scope_key=scope_key, year=year, filters=key).first()
    if aggregate is None:
        aggregate = _compute_and_store(municipality_jobs, region_jobs)[(scope_key, year, key)]
    return aggregate


def municipality_indicators(municipality, year: int) -> tuple[dict, IndicatorAggregate]:
    """The indicators of ``bistand indicators --municipality`` (stored; computed and stored when missing)."""
    aggregate = _get(municipality_key(municipality.pk), year, "", {municipality.pk: {(year, "")}}, {})
    return _indicators(aggregate), aggregate


def region_indicators(region, year: int) -> tuple[dict, IndicatorAggregate]:
    """The indicators of ``bistand indicators --region`` (stored; computed and stored when missing)."""
    aggregate = _get(region_key(region.pk), year, "", {}, {region.pk: {(year, "")}})
    return _indicators(aggregate), aggregate


def pending_since(aggregate: IndicatorAggregate) -> dt.datetime | None:
    """When changes not yet counted in the aggregate began (None: it is up to date)."""
    if aggregate.municipality_id is not None:
        ids = [aggregate.municipality_id]
    else:
        ids = list(Municipality.objects.filter(region_id=aggregate.region_id).values_list("pk", flat=True))
    return _pending_since(ids, aggregate.updated_at)


def municipality_dashboard(municipality, year: int, filters: dash.Filters = EVERYONE) -> dash.Dashboard:
    """:func:`bistand.followup.dashboard.municipality_dashboard` from the aggregates (one row)."""
    key = filters_key(filters)
    aggregate = _get(municipality_key(municipality.pk), year, key, {municipality.pk: {(year, key)}}, {})
    return dash.Dashboard(
        ind.Scope.municipality(municipality), year, filters, _indicators(aggregate), _months(aggregate),
        aggregate.latest_month, aggregate.data_changed_at, computed_at=aggregate.updated_at,
        pending_since=_pending_since([municipality.pk], aggregate.updated_at))


def region_overview(region, year: int, filters: dash.Filters = EVERYONE) -> dash.RegionOverview:
    """:func:`bistand.followup.dashboard.region_overview` from the aggregates (one row per municipality and
    one for the region)."""
    key = filters_key(filters)
    municipalities = list(region.municipalities.order_by("name"))
    keys = [municipality_key(m.pk) for m in municipalities] + [region_key(region.pk)]
    found = {a.scope_key: a for a in IndicatorAggregate.objects.filter(scope_key__in=keys, year=year, filters=key)}
    missing_municipalities = {m.pk: {(year, key)} for m in municipalities if municipality_key(m.pk) not in found}
    missing_region = {region.pk: {(year, key)}} if region_key(region.pk) not in found else {}
    if missing_municipalities or missing_region:
        found.update({a_key: a for (a_key, _y, _k), a in
                      _compute_and_store(missing_municipalities, missing_region).items()})
    total = found[region_key(region.pk)]
    computed_at = min(a.updated_at for a in found.values())
    return dash.RegionOverview(
        region, year, filters, [(m, _indicators(found[municipality_key(m.pk)])) for m in municipalities],
        _indicators(total), total.data_changed_at, computed_at=computed_at,
        pending_since=_pending_since([m.pk for m in municipalities], computed_at))
