"""Benchmark of `bistand simulate`: seconds for N stored household-months on PostgreSQL (goal, issue 21:
1 000 000 household-months in under 10 s, including reading the stored inputs from PostgreSQL).

    .venv/bin/python benchmarks/simulate.py [--household-months 1000000] [--seed 1]

It starts a throwaway PostgreSQL cluster (tests/pgcluster.py, like the test suite), migrates a fresh
database and writes the data (not timed): one region with three municipalities (0680, 0662, 0684, the
demo's local parameters), N / 12 households, each with twelve stored calculations (2025-01 … 2025-12)
whose inputs come from benchmarks/households.py (deterministic for the seed; only generated data, no names
or personnummer) and whose amounts are the engine's. Then it times, in-process, the selector the command
and the page use (read the inputs, decode, calculate before and after) and, in a subprocess from start to
exit, the real command:

    bistand simulate --region --from 2025-01 --to 2025-12 --riksnorm-change 2 --json

and prints the figures. This is a benchmark, not a test. Results: docs/performance.md ("What-if").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BISTAND = ROOT / ".venv" / "bin" / "bistand"
MUNICIPALITIES = [("0680", "Jönköping"), ("0662", "Gislaved"), ("0684", "Sävsjö")]


def _env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bistand.settings.dev", "DEBUG": "false",
                "AUDIT_LOG_LEVEL": "WARNING", "LOG_LEVEL": "WARNING"})
    return env


def _django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(HERE))
    import django

    django.setup()


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def build(n: int, seed: int) -> dict:
    """Write the region, municipalities, households and stored calculations (COPY)."""
    import hashlib

    import msgspec
    from django.db import connection
    from django.utils import timezone
    from households import generate

    from bistand.calculations.models import StoredCalculation
    from bistand.engine.batch import calculate_arrays
    from bistand.engine.batch_io import decode_jsonl
    from bistand.people.models import Household
    from bistand.rules import ENGINE_VERSION
    from bistand.tenancy.models import Municipality, Region

    region = Region.objects.create(code="R06", name="Region Jönköpings län")
    munis = [Municipality.objects.create(code=code, name=name, region=region) for code, name in MUNICIPALITIES]
    n_households = -(-n // 12)
    Household.objects.bulk_create([Household(municipality=munis[h % 3]) for h in range(n_households)], batch_size=5000)
    households = list(Household.objects.order_by("pk").values_list("pk", "municipality_id"))
    code_of = {m.pk: m.code for m in munis}
    docs = generate(n, seed)
    rows = []
    for i, doc in enumerate(docs):
        hid, mid = households[i // 12]
        month = f"2025-{i % 12 + 1:02d}"
        old = _index(doc["month"])
        for adult in doc["household"]["adults"]:
            since = adult.get("jobbstimulans_since")
            if since:
                adult["jobbstimulans_since"] = _text(_index(month) + _index(since) - old)
        doc["month"] = month
        doc["municipality"] = code_of[mid]
        rows.append((hid, mid, month))
    encoder = msgspec.json.Encoder()
    lines = [encoder.encode(doc) for doc in docs]
    amounts = calculate_arrays(decode_jsonl(b"\n".join(lines))).amount.tolist()
    now = timezone.now()
    table = StoredCalculation._meta.db_table
    columns = ("municipality_id, household_id, month, input_data, input_hash, result, amount_ore, outcome, "
               "engine_version, parameter_hash, made_by, made_by_name, created_at")
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for (hid, mid, month), line, amount in zip(rows, lines, amounts, strict=False):
            text = line.decode()
            copy.write_row([mid, hid, f"{month}-01", text, hashlib.sha256(line).hexdigest(), f'{{"amount": {amount}}}',
                            amount * 100, "granted" if amount > 0 else "refused", ENGINE_VERSION, "benchmark", "system",
                            "Benchmark", now])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    return {"households": n_households, "household_months": len(rows)}


def measure_in_process() -> dict:
    """The selector in this process: seconds to read, and in all (read + decode + calculate twice)."""
    from django.db import connection

    from bistand.research import selectors
    from bistand.rules.whatif import ParameterChange
    from bistand.tenancy.models import Municipality

    munis = list(Municipality.objects.order_by("code"))
    first, last = dt.date(2025, 1, 1), dt.date(2025, 12, 1)
    connection.ensure_connection()
    started = time.perf_counter()
    households, texts, decided = selectors.stored_inputs([m.pk for m in munis], first, last)
    read = time.perf_counter() - started
    del households, texts, decided
    started = time.perf_counter()
    report = selectors.simulate(munis, "2025-01", "2025-12", ParameterChange.build("2"), scope="bench")
    total = time.perf_counter() - started
    return {"read": read, "total": total, "household_months": report.household_months,
            "cost_change": report.cost_change}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--household-months", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_only:
        _django()
        print(json.dumps(build(args.household_months, args.seed)))
        return 0
    if args.measure_only:
        _django()
        print(json.dumps(measure_in_process()))
        return 0

    sys.path.insert(0, str(ROOT))
    from tests.pgcluster import ThrowawayCluster

    cluster = ThrowawayCluster()
    try:
        cluster.start()
        import psycopg

        with psycopg.connect(dbname="postgres", host=str(cluster.socket_dir), port=cluster.port, user="postgres",
                             autocommit=True) as admin:
            admin.execute("CREATE DATABASE bistand")
        env = _env(cluster.url)
        subprocess.run([str(BISTAND), "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        started = time.monotonic()
        built = json.loads(subprocess.run([sys.executable, __file__, "--build-only", "--household-months",
                                           str(args.household_months), "--seed", str(args.seed)],
                                          env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
        print(f"Data skrivna på {time.monotonic() - started:.0f} s: {built}", file=sys.stderr, flush=True)
        runs = []
        for _ in range(3):
            load = os.getloadavg()[0]
            inproc = json.loads(subprocess.run([sys.executable, __file__, "--measure-only"], env=env, cwd=ROOT,
                                               capture_output=True, text=True, check=True).stdout)
            started = time.monotonic()
            done = subprocess.run([str(BISTAND), "simulate", "--region", "--from", "2025-01", "--to", "2025-12",
                                   "--riksnorm-change", "2", "--json"], env=env, cwd=ROOT, capture_output=True,
                                  text=True)
            command = time.monotonic() - started
            if done.returncode != 0:
                raise SystemExit(f"simulate failed:\n{done.stdout}\n{done.stderr}")
            report = json.loads(done.stdout)
            runs.append((load, inproc, command, report))
    finally:
        cluster.stop()
    print(f"bistand simulate, {built['household_months']:,} hushållsmånader ({built['households']:,} hushåll), "
          f"PostgreSQL, maskin: {os.cpu_count()} kärnor".replace(",", " "))
    for load, inproc, command, report in runs:
        print(f"  kommandot {command:5.1f} s (start till slut)  |  i processen: läsa {inproc['read']:4.1f} s, "
              f"allt {inproc['total']:4.1f} s  |  hushållsmånader {report['household_months']}, "
              f"förändring {report['cost_change']} kr  |  load average {load:.2f} vid start")
    return 0


if __name__ == "__main__":
    sys.exit(main())
