"""Reads of the research app: the what-if simulation over the stored calculation inputs, and the research
projects and exports a user may see."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Q

from bistand.calculations.models import StoredCalculation
from bistand.common.pgcopy import copy_to_buffer, split_json_rows
from bistand.engine.batch_io import decode_jsonl
from bistand.rules.errors import CalculationInputError
from bistand.rules.whatif import ParameterChange
from bistand.tenancy import current
from bistand.tenancy.models import Membership, Municipality
from bistand.tenancy.roles import Role

from .models import ResearchProject
from .simulation import SimulationReport, simulate_arrays


def _month_start(text: str, field: str) -> dt.date:
    try:
        year, month = (int(x) for x in text.strip().split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise CalculationInputError(field, f"Månaden ”{text}” ska skrivas ÅÅÅÅ-MM, till exempel 2026-01.") from None


#: How `stored_inputs` reads: "copy" (PostgreSQL's COPY straight into one JSON Lines buffer) or "rows" (a plain
#: query, one Python row per household-month; any database). Default: "copy" on PostgreSQL; the environment
#: variable BISTAND_SIMULATE_READ=rows chooses the plain query (the benchmark compares the two).
READ_METHODS = ("copy", "rows")


@dataclass(frozen=True)
class StoredInputs:
    """The latest stored calculation input of each household-month: `text` is JSON Lines (one input per line,
    for the batch engine's reader), `households` and `decided` (kronor, whole) the matching columns."""

    households: np.ndarray
    text: bytes | bytearray
    decided: np.ndarray

    def __len__(self) -> int:
        return len(self.households)


def stored_inputs(municipality_ids: Sequence[int], first: dt.date, last: dt.date, *,
                  method: str | None = None) -> StoredInputs:
    """The input of the latest stored calculation (newest `created_at`, then highest id) of each household and
    month from `first` to `last` in the municipalities, in one query. The JSON is read as text (never decoded
    by Django) so that the engine's reader takes it as JSON Lines.

    On PostgreSQL the rows are streamed with `COPY (SELECT …) TO STDOUT` into one buffer and split into
    columns with NumPy (bistand.common.pgcopy): no Python object per row. The "rows" method (SQLite, and the
    reference for the tests) fetches one row per stored calculation. Both give the same household-months;
    the order of the rows may differ (the simulation does not depend on it)."""
    ids = [int(i) for i in municipality_ids]
    if method is None:
        method = os.environ.get("BISTAND_SIMULATE_READ") or ("copy" if connection.vendor == "postgresql" else "rows")
    if method not in READ_METHODS or (method == "copy" and connection.vendor != "postgresql"):
        raise ValueError(f"unknown read method {method!r} for {connection.vendor}")
    if not ids:
        return StoredInputs(np.zeros(0, np.int64), b"", np.zeros(0, np.int64))
    if method == "copy":
        return _stored_inputs_copy(ids, first, last)
    return _stored_inputs_rows(ids, first, last)


def _where(ids: list[int]) -> str:
    return f"municipality_id IN ({', '.join(['%s'] * len(ids))}) AND month >= %s AND month <= %s"


def _stored_inputs_copy(ids: list[int], first: dt.date, last: dt.date) -> StoredInputs:
    table = StoredCalculation._meta.db_table
    # The index storedcalc_latest_per_month gives the rows in this order, so DISTINCT ON needs no sort (a sort
    # of a million wide rows spills to disk); most of the server's time goes to writing the JSON as text.
    sql = (f"COPY (SELECT DISTINCT ON (household_id, month) household_id, amount_ore, input_data::text "
           f"FROM {table} WHERE {_where(ids)} ORDER BY household_id, month, created_at DESC, id DESC) TO STDOUT")
    with connection.cursor() as cursor:
        buf = copy_to_buffer(cursor.cursor, sql, [*ids, first, last])
    (households, amount_ore), text = split_json_rows(buf, 2)
    return StoredInputs(households, text, amount_ore // 100)


def _stored_inputs_rows(ids: list[int], first: dt.date, last: dt.date) -> StoredInputs:
    table = StoredCalculation._meta.db_table
    if connection.vendor == "postgresql":
        sql = (f"SELECT DISTINCT ON (household_id, month) household_id, input_data::text, amount_ore, month "
               f"FROM {table} WHERE {_where(ids)} ORDER BY household_id, month, created_at DESC, id DESC")
    else:
        sql = (f"SELECT household_id, input_data, amount_ore, month FROM {table} WHERE {_where(ids)} "
               "ORDER BY household_id, month, created_at DESC, id DESC")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, first, last])
        rows = cursor.fetchall()
    seen, unique = set(), []
    for row in rows:  # the first row of each household-month is its latest
        key = (row[0], row[3])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    texts = [(r[1].encode() if isinstance(r[1], str) else bytes(r[1])).replace(b"\n", b" ") for r in unique]
    return StoredInputs(np.array([r[0] for r in unique], np.int64), b"".join(t + b"\n" for t in texts),
                        np.array([r[2] // 100 for r in unique], np.int64))


def simulate(municipalities: Sequence[Municipality], month_from: str, month_to: str, change: ParameterChange,
             *, scope: str = "", method: str | None = None) -> SimulationReport:
    """The what-if report for the municipalities' stored calculations from `month_from` to `month_to`
    ("YYYY-MM", inclusive). Raises CalculationInputError naming the field for a bad month. `method`: how the
    stored inputs are read (see `stored_inputs`)."""
    first = _month_start(month_from, "from")
    last = _month_start(month_to, "to")
    if last < first:
        raise CalculationInputError("to", "Slutmånaden ska vara samma som eller efter startmånaden.")
    inputs = stored_inputs([m.pk for m in municipalities], first, last, method=method)
    names = {m.code: m.name for m in municipalities}
    period = (f"{first:%Y-%m}", f"{last:%Y-%m}")
    if not len(inputs):
        return _empty(period, scope, change)
    local_dir = getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None) or None
    arrays = decode_jsonl(inputs.text, local_dir=local_dir)
    return simulate_arrays(arrays, inputs.households, change, decided=inputs.decided,
                           municipality_names=names, period=period, scope=scope, local_dir=local_dir)


def _empty(period: tuple[str, str], scope: str, change: ParameterChange) -> SimulationReport:
    return SimulationReport(period_from=period[0], period_to=period[1], scope=scope, change=change.describe(),
                            households=0, household_months=0, cost_decided=0, cost_before=0, cost_after=0,
                            households_gaining=0, households_losing=0, households_unchanged=0,
                            gain_deciles=None, loss_deciles=None)


@dataclass(frozen=True)
class SimulationScope:
    """Whose stored calculations a user may simulate: a manager their municipality's, a regional
    coordinator the region's municipalities. Only aggregates are shown (see `SUPPRESS_BELOW`)."""

    municipalities: tuple[Municipality, ...]
    label: str


def simulation_scope(user) -> SimulationScope | None:
    """The user's scope for the what-if page, or None when the user may not simulate."""
    state = current.get_state(user)
    if Role.REGIONAL_COORDINATOR in state.region_roles and state.regions:
        region = state.regions[0]
        return SimulationScope(tuple(Municipality.objects.filter(region=region).order_by("code")), region.name)
    if state.municipality is not None and Role.MANAGER in state.roles:
        return SimulationScope((state.municipality,), state.municipality.name)
    return None


# --- the research project register (issue 21 §1) ------------------------------------------------------


def visible_projects(user):
    """The projects ``user`` may see: as manager or administrator those where the municipality the user
    works in now takes part; as researcher those that name the user among the people who may download."""
    if user is None or not user.is_authenticated:
        return ResearchProject.objects.none()
    condition = Q(downloaders=user)
    state = current.get_state(user)
    if state.municipality is not None and user.has_perm("research.view_researchproject"):
        condition |= Q(participations__municipality=state.municipality)
    return ResearchProject.objects.filter(condition).distinct().order_by("slug")


def is_researcher(user) -> bool:
    """True when the user has the researcher role in some municipality (whichever they work in now)."""
    return Membership.objects.filter(user_id=user.pk, role=Role.RESEARCHER).exists()


def visible_exports(user, project):
    """The project's exports for the manager (or administrator) of a municipality taking part, and for the
    researcher their own."""
    state = current.get_state(user)
    exports = project.exports.all()
    if (state.municipality is not None and user.has_perm("research.view_researchexport")
            and project.participations.filter(municipality=state.municipality).exists()):
        return exports
    return exports.filter(exported_by=user)
