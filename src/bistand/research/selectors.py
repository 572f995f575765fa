"""Reads of the research app: the what-if simulation over the stored calculation inputs, and the research
projects and exports a user may see."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Q

from bistand.calculations.models import StoredCalculation
from bistand.common.pgcopy import copy_chunks, copy_to_buffer, split_json_rows
from bistand.engine.batch_io import decode_jsonl
from bistand.rules.errors import CalculationInputError
from bistand.rules.whatif import ParameterChange
from bistand.tenancy import current
from bistand.tenancy.models import Membership, Municipality
from bistand.tenancy.roles import Role

from .models import ResearchProject
from .simulation import SimulationReport, part_figures, report_from_parts


def _month_start(text: str, field: str) -> dt.date:
    try:
        year, month = (int(x) for x in text.strip().split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise CalculationInputError(field, f"Månaden ”{text}” ska skrivas ÅÅÅÅ-MM, till exempel 2026-01.") from None


#: How the stored inputs are read: "stream" (PostgreSQL's COPY handed over in parts as it arrives, a thread
#: receiving the next part while the engine calculates the one before), "copy" (the whole COPY into one JSON Lines
#: buffer first) or "rows" (a plain query, one Python row per household-month; any database). Default: "stream"
#: on PostgreSQL; the environment variable BISTAND_SIMULATE_READ chooses another (the benchmark compares them).
READ_METHODS = ("stream", "copy", "rows")
#: Bytes of COPY output per part when streaming (about 145 000 household-months of the benchmark's inputs): each
#: part costs the engine a fixed overhead (two calculations' set-up); with 8 MB parts that was 1–2 s of CPU more per
#: million household-months than one buffer, with 64 MB the same as one buffer (docs/performance.md).
STREAM_PART_BYTES = 64 << 20


def _read_method(method: str | None) -> str:
    if method is None:
        method = os.environ.get("BISTAND_SIMULATE_READ") or ("stream" if connection.vendor == "postgresql" else "rows")
    if method not in READ_METHODS or (method != "rows" and connection.vendor != "postgresql"):
        raise ValueError(f"unknown read method {method!r} for {connection.vendor}")
    return method


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

    On PostgreSQL ("copy" and "stream") the rows are streamed with `COPY (SELECT …) TO STDOUT` into one buffer and split into
    columns with NumPy (bistand.common.pgcopy): no Python object per row. The "rows" method (SQLite, and the
    reference for the tests) fetches one row per stored calculation. Both give the same household-months;
    the order of the rows may differ (the simulation does not depend on it)."""
    ids = [int(i) for i in municipality_ids]
    method = _read_method(method)
    if not ids:
        return StoredInputs(np.zeros(0, np.int64), b"", np.zeros(0, np.int64))
    if method == "rows":
        return _stored_inputs_rows(ids, first, last)
    return _stored_inputs_copy(ids, first, last)


def stored_input_parts(municipality_ids: Sequence[int], first: dt.date, last: dt.date, *,
                       method: str | None = None) -> Iterator[StoredInputs]:
    """The same household-months as `stored_inputs`, in parts as they are read: with "stream" (PostgreSQL) the
    COPY's output in parts of about STREAM_PART_BYTES (whole rows), received by a thread while the caller works
    on the parts before (bistand.common.pgcopy.copy_chunks); otherwise all in one part. No part when there is
    nothing to read."""
    ids = [int(i) for i in municipality_ids]
    method = _read_method(method)
    if not ids:
        return
    if method != "stream":
        inputs = stored_inputs(ids, first, last, method=method)
        if len(inputs):
            yield inputs
        return
    with connection.cursor() as cursor:
        for buf in copy_chunks(cursor.cursor, _copy_statement(ids), [*ids, first, last],
                               chunk_bytes=STREAM_PART_BYTES, reader_thread=True):
            (households, amount_ore), text = split_json_rows(buf, 2)
            yield StoredInputs(households, text, amount_ore // 100)


def _where(ids: list[int]) -> str:
    return f"municipality_id IN ({', '.join(['%s'] * len(ids))}) AND month >= %s AND month <= %s"


def _copy_statement(ids: list[int]) -> str:
    table = StoredCalculation._meta.db_table
    # The index storedcalc_latest_per_month gives the rows in this order, so DISTINCT ON needs no sort (a sort
    # of a million wide rows spills to disk). The input is `json` (TextJSONField): `::text` is its text as
    # written, which costs the server little (from `jsonb` it was most of the server's work).
    return (f"COPY (SELECT DISTINCT ON (household_id, month) household_id, amount_ore, input_data::text "
            f"FROM {table} WHERE {_where(ids)} ORDER BY household_id, month, created_at DESC, id DESC) TO STDOUT")


def _stored_inputs_copy(ids: list[int], first: dt.date, last: dt.date) -> StoredInputs:
    with connection.cursor() as cursor:
        buf = copy_to_buffer(cursor.cursor, _copy_statement(ids), [*ids, first, last])
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
    names = {m.code: m.name for m in municipalities}
    period = (f"{first:%Y-%m}", f"{last:%Y-%m}")
    local_dir = getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None) or None
    parts, read, changed_sets = [], 0, {}
    for inputs in stored_input_parts([m.pk for m in municipalities], first, last, method=method):
        arrays = decode_jsonl(inputs.text, first_index=read, local_dir=local_dir)
        parts.append(part_figures(arrays, inputs.households, change, decided=inputs.decided, local_dir=local_dir,
                                  changed_sets=changed_sets))
        read += len(inputs)
    if not parts:
        return _empty(period, scope, change)
    return report_from_parts(parts, change, municipality_names=names, period=period, scope=scope)


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
