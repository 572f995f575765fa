"""Benchmark of the follow-up pages' data (issue 19 §5): seconds for the region page's data, one
municipality's dashboard and `bistand indicators --region` for a year (goal: each under 1 s), read from
the precomputed aggregates (new) and computed from the person-month base (old), alternately.

    .venv/bin/python benchmarks/followup.py [--rows 3000000] [--seed 1] [--year 2025] [--rounds 2]
                                            [--database-url URL | --postgres]

It generates the history of 13 municipalities of one region over 2021–2025 (bistand.demo.history,
deterministic for the seed; --rows caps the person-months, whole household-months only), makes a fresh
SQLite database (or uses --database-url, which must be an empty database, or --postgres: a throwaway
PostgreSQL cluster like the test suite's, tests/pgcluster.py), migrates it, sets up the municipalities,
imports the file with `bistand import-history` (which refreshes the aggregates when it commits) and then
times, `--rounds` times each, old and new alternately:

- in this process: the region page's data (`followup.dashboard.region_overview` from the base,
  `followup.aggregates.region_overview` from the aggregates) and Jönköping's dashboard (likewise);
- in a subprocess from start to exit: `bistand indicators --region --year Y --json [--raw]`, and the
  same command in this process (`call_command`), and once `bistand indicators --help` (Django's start);

then an incremental refresh after one changed month of Jönköping (what a payment export triggers) and a
full `bistand followup refresh --all`. This is a benchmark, not a test. Results: docs/performance.md
("Follow-up dashboards").
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import import_history as ih  # noqa: E402  (the same file, municipalities and helpers)


def _quiet() -> dict:
    return {"stdout": io.StringIO(), "stderr": io.StringIO()}


def _note(text: str) -> None:
    """Progress on stderr (a full-size run takes long)."""
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {text}", file=sys.stderr, flush=True)


def _timed_child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """``bistand ARGS`` in a subprocess: wall seconds and the child's CPU seconds (user + sys)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, _out = ih._timed(args, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _timed_call(function, *args, **kwargs) -> float:
    started = time.monotonic()
    function(*args, **kwargs)
    return time.monotonic() - started


def _old_aggregates(revision: str):
    """``bistand.followup.aggregates`` as it was at ``revision`` (git), loaded beside the current one as
    ``bistand.followup._aggregates_old`` (its relative imports resolve in the current package)."""
    import importlib.util

    source = subprocess.run(["git", "show", f"{revision}:src/bistand/followup/aggregates.py"], cwd=ih.ROOT,
                            check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("bistand.followup._aggregates_old", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "bistand.followup"
    sys.modules[spec.name] = module  # its dataclasses look their module up
    exec(compile(source, f"{revision}:aggregates.py", "exec"), module.__dict__)  # noqa: S102
    return module


def refresh_rounds(old_revision: str, municipality, year: int, rounds: int) -> list[str]:
    """One changed month of ``municipality`` refreshed by the old and the new code, alternating: process
    time (on SQLite the database's work is in it, on PostgreSQL only the client's) and wall time."""
    from bistand.followup import aggregates as new

    old = _old_aggregates(old_revision)
    lines = []
    for round_ in range(1, rounds + 1):
        for label, module in (("old", old), ("new", new)):
            new.touch([(municipality.pk, dt.date(year, 6, 1))], refresh_on_commit=False)  # the same marks
            cpu, wall = time.process_time(), time.monotonic()
            result = module.refresh()
            cpu, wall = time.process_time() - cpu, time.monotonic() - wall
            lines.append(f"  omräkning efter en ändrad månad, {label} ({old_revision if label == 'old' else 'HEAD'}), "
                         f"omgång {round_}: {wall:.2f} s ({cpu:.2f} s CPU, {result.aggregates} nyckeltal)")
    return lines


def run(url: str, csv_path: Path, rows: int, year: int, rounds: int, old_revision: str = "",
        refresh_only: bool = False, raw: bool = True, refresh_all: bool = True) -> list[str]:
    env = ih._env(url)
    subprocess.run([str(ih.BISTAND), "migrate", "-v0"], env=env, check=True, cwd=ih.ROOT)
    for code, name in ih.MUNICIPALITIES:
        subprocess.run([str(ih.BISTAND), "municipality", "add", code, name, "--region", ih.REGION], env=env,
                       check=True, cwd=ih.ROOT, capture_output=True)
    load_before = os.getloadavg()[0]
    _note(f"import-history of {rows} rows")
    imported, imported_cpu = _timed_child(["import-history", str(csv_path), "--no-progress"], env)
    _note(f"imported in {imported:.1f} s")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from bistand.followup import aggregates, dashboard
    from bistand.tenancy.models import Municipality, Region

    region = Region.objects.get(name=ih.REGION)
    municipality = Municipality.objects.get(code="0680")
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    count = f"{rows:,}".replace(",", " ")
    if refresh_only:
        load_before = os.getloadavg()[0]
        lines = refresh_rounds(old_revision, municipality, year, rounds)
        return [f"uppföljning, {database}, {count} personmånader ({len(ih.MUNICIPALITIES)} kommuner), "
                f"load {load_before:.1f} före, {os.getloadavg()[0]:.1f} efter:",
                f"  inläsning av historiken (med omräkning):  {imported:.1f} s (CPU {imported_cpu:.1f} s)", *lines]
    command = ["indicators", "--region", "--year", str(year), "--json"]
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(label: str, function, *args, **kwargs) -> None:
        started = time.process_time()
        times.setdefault(label, []).append(_timed_call(function, *args, **kwargs))
        cpu.setdefault(label, []).append(time.process_time() - started)

    for _round in range(rounds):
        _note(f"round {_round + 1}")
        for label, function, args in (
            ("region, old", dashboard.region_overview, (region, year)),
            ("region, new", aggregates.region_overview, (region, year)),
            ("municipality, old", dashboard.municipality_dashboard, (municipality, year)),
            ("municipality, new", aggregates.municipality_dashboard, (municipality, year)),
        ):
            if raw or label.endswith("new"):
                timed(label, function, *args)
        if raw:
            times.setdefault("command, old", []).append(ih._timed([*command, "--raw"], env)[0])
        times.setdefault("command, new", []).append(ih._timed(command, env)[0])
        if raw:
            timed("call, old", call_command, *command, "--raw", **_quiet())
        timed("call, new", call_command, *command, **_quiet())
    _note("start-up, incremental refresh, refresh --all")
    startup, _ = ih._timed(["indicators", "--help"], env)
    aggregates.touch([(municipality.pk, dt.date(year, 6, 1))], refresh_on_commit=False)
    incremental_cpu = time.process_time()
    incremental = aggregates.refresh()
    incremental_cpu = time.process_time() - incremental_cpu
    everything = ih._timed(["followup", "refresh", "--all"], env)[0] if refresh_all else None
    compared = refresh_rounds(old_revision, municipality, year, rounds) if old_revision else []
    load_after = os.getloadavg()[0]

    def figures(label: str) -> str:
        if label not in times:
            return "(inte mätt: --no-raw)"
        text = " / ".join(f"{seconds:.2f}" for seconds in times[label]) + " s"
        if label in cpu:  # in this process: on SQLite the database's work is in it, on PostgreSQL the client's
            text += " (CPU " + " / ".join(f"{seconds:.2f}" for seconds in cpu[label]) + " s)"
        return text

    return [
        f"uppföljning, {database}, {count} personmånader ({len(ih.MUNICIPALITIES)} kommuner), "
        f"load {load_before:.1f} före, {load_after:.1f} efter:",
        f"  inläsning av historiken (med omräkning):  {imported:.1f} s (CPU {imported_cpu:.1f} s i processen; "
        f"PostgreSQL-serverns arbete ingår inte)",
        f"  regionsidans data ({year}), ur underlaget:  {figures('region, old')}",
        f"  regionsidans data ({year}), förberäknat:    {figures('region, new')}  mål: under 1 s",
        f"  en kommuns översikt (0680), ur underlaget: {figures('municipality, old')}",
        f"  en kommuns översikt (0680), förberäknat:   {figures('municipality, new')}  mål: under 1 s",
        f"  bistand indicators --region --raw:         {figures('command, old')}",
        f"  bistand indicators --region:               {figures('command, new')}  mål: under 1 s",
        f"    varav start (bistand indicators --help):  {startup:.2f} s",
        f"    i processen (call_command), --raw:       {figures('call, old')}",
        f"    i processen (call_command):              {figures('call, new')}",
        f"  omräkning efter en ändrad månad (0680):    {incremental.seconds:.2f} s (CPU {incremental_cpu:.2f} s, "
        f"{incremental.aggregates} nyckeltal)",
        "  bistand followup refresh --all:            "
        + (f"{everything:.1f} s" if everything is not None else "(inte mätt: --no-refresh-all)"),
        *compared,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--old", default="", metavar="REVISION",
                        help="also time the incremental refresh of this git revision's aggregates module, alternating")
    parser.add_argument("--refresh-only", action="store_true",
                        help="after the import, time only the incremental refresh (with --old: old and new)")
    parser.add_argument("--no-raw", action="store_true",
                        help="time only the precomputed reads, not the same figures computed from the base")
    parser.add_argument("--no-refresh-all", action="store_true", help="skip timing `bistand followup refresh --all`")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--database-url", default="")
    which.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bistand-followup-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "historik.csv"
        _note(f"generating {args.rows} rows")
        started, cpu = time.monotonic(), time.process_time()
        rows = ih._file(args.rows, args.seed, csv_path)
        generated = (time.monotonic() - started, time.process_time() - cpu)
        _note(f"generated {rows} rows in {generated[0]:.1f} s")
        if args.postgres:
            sys.path.insert(0, str(ih.ROOT))
            from tests.pgcluster import ThrowawayCluster

            cluster = ThrowawayCluster()
            try:
                cluster.start()
                import psycopg

                with psycopg.connect(dbname="postgres", host=str(cluster.socket_dir), port=cluster.port,
                                     user="postgres", autocommit=True) as admin:
                    admin.execute("CREATE DATABASE bistand")
                lines = run(cluster.url, csv_path, rows, args.year, args.rounds, args.old, args.refresh_only,
                            not args.no_raw, not args.no_refresh_all)
            finally:
                from django.conf import settings

                if settings.configured:  # a run stopped before Django was set up has no connections
                    from django.db import connections

                    connections.close_all()
                cluster.stop()
        else:
            url = args.database_url or f"sqlite:///{workdir / 'bistand.sqlite3'}"
            lines = run(url, csv_path, rows, args.year, args.rounds, args.old, args.refresh_only, not args.no_raw,
                        not args.no_refresh_all)
    print("\n".join([lines[0], f"  filen skapades ({rows} rader):            {generated[0]:.1f} s (CPU {generated[1]:.1f} s)",
                      *lines[1:]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
