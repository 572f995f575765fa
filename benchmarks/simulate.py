"""Benchmark of `bistand simulate`: seconds for N stored household-months on PostgreSQL (goal, issue 21:
1 000 000 household-months in under 10 s, including reading the stored inputs from PostgreSQL).

    .venv/bin/python benchmarks/simulate.py [--household-months 1000000] [--seed 1] [--rounds 3]
                                            [--methods rows,copy] [--database-url URL]

It starts a throwaway PostgreSQL cluster (tests/pgcluster.py, like the test suite), migrates a fresh
database and writes the data (not timed): one region with three municipalities (0680, 0662, 0684, the
demo's local parameters), N / 12 households, each with twelve stored calculations (2025-01 … 2025-12)
whose inputs come from benchmarks/households.py (deterministic for the seed; only generated data, no names
or personnummer) and whose amounts are the engine's. With --database-url it measures an already built
database on a local server instead (no build).

Then, in each round and for each read method in turn (alternately, so that a shared, noisy machine's load
hits both alike; "rows": the former plain query with one Python row per household-month, "copy": COPY into
one buffer), it times in a fresh process the phases the command and the page go through — read the
stored inputs, decode them, calculate before and after, make the report — and, from start to exit, the real
command

    bistand simulate --region --from 2025-01 --to 2025-12 --riksnorm-change 2 --json

For every phase and for the command it prints three figures: wall seconds, this process's CPU seconds
(`time.process_time`; for the command the child's user + system time) and the PostgreSQL server's CPU
seconds (its processes' user + system time from /proc), with the load average before and after. CPU time
is much less sensitive to the load of a shared machine than wall time. It checks that both methods give
the same report. This is a benchmark, not a test. Results: docs/performance.md ("What-if").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
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


def _server_cpu(postmaster: int) -> float:
    """CPU seconds (user + system) of the PostgreSQL server so far: the postmaster's children that are running
    (the backend, its parallel workers, the background processes) and those that have ended (counted in the
    postmaster's cutime/cstime once reaped). Linux /proc only; a local server."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        pid, ppid = int(entry), int(fields[1])
        if pid == postmaster:
            total += int(fields[13]) + int(fields[14])  # cutime + cstime: children that have ended
        elif ppid == postmaster:
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def measure_in_process(method: str) -> dict:
    """The selector's phases in this process for one read method: wall seconds, this process's CPU seconds
    (time.process_time) and the server's CPU seconds of each phase.

    "rows" (one Python row per household-month) and "copy" (COPY into one buffer): read, decode, calculate
    (before and after), report. "stream" (COPY in parts, a thread receiving while the engine calculates; the
    default) and "stream-nothread" (the same parts, received between them in the one thread): read, decode
    and calculate overlap, so they are one phase, "read+calculate"; then report."""
    from django.db import connection

    from bistand.common.pgcopy import copy_chunks, split_json_rows
    from bistand.engine.batch_io import decode_jsonl
    from bistand.research import selectors
    from bistand.research.simulation import part_figures, report_from_parts
    from bistand.rules.whatif import ParameterChange
    from bistand.tenancy.models import Municipality

    if os.environ.get("BENCH_PART_BYTES"):  # the size of the streamed parts (default: selectors.STREAM_PART_BYTES)
        selectors.STREAM_PART_BYTES = int(os.environ["BENCH_PART_BYTES"])
    munis = list(Municipality.objects.order_by("code"))
    ids = [m.pk for m in munis]
    first, last = dt.date(2025, 1, 1), dt.date(2025, 12, 1)
    change = ParameterChange.build("2")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    phases: dict[str, dict[str, float]] = {}
    mark = [time.perf_counter(), time.process_time(), _server_cpu(postmaster)]

    def done(name: str) -> None:
        now = [time.perf_counter(), time.process_time(), _server_cpu(postmaster)]
        phases[name] = {"wall": now[0] - mark[0], "cpu": now[1] - mark[1], "server_cpu": now[2] - mark[2]}
        mark[:] = now

    if method in ("rows", "copy"):
        inputs = selectors.stored_inputs(ids, first, last, method=method)
        done("read")
        arrays = decode_jsonl(inputs.text)
        done("decode")
        parts = [part_figures(arrays, inputs.households, change, decided=inputs.decided)]
        done("calculate")
    elif method == "stream":
        parts = [part_figures(decode_jsonl(i.text), i.households, change, decided=i.decided)
                 for i in selectors.stored_input_parts(ids, first, last, method="stream")]
        done("read+calculate")
    elif method == "stream-nothread":
        parts = []
        with connection.cursor() as cursor:
            for buf in copy_chunks(cursor.cursor, selectors._copy_statement(ids), [*ids, first, last],
                                   chunk_bytes=selectors.STREAM_PART_BYTES, reader_thread=False):
                (households, amount_ore), text = split_json_rows(buf, 2)
                parts.append(part_figures(decode_jsonl(text), households, change, decided=amount_ore // 100))
        done("read+calculate")
    else:
        raise SystemExit(f"unknown method {method}")
    report = report_from_parts(parts, change, municipality_names={m.code: m.name for m in munis}, scope="bench")
    done("report")
    return {"method": method, "phases": phases, "household_months": report.household_months,
            "cost_change": report.cost_change, "report": report.to_dict()}


def _command(env: dict[str, str], method: str | None, postmaster: int) -> dict:
    """The real command from start to exit: wall seconds, the child's CPU seconds, the server's CPU seconds.
    `method`: BISTAND_SIMULATE_READ (None: the default)."""
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = _server_cpu(postmaster)
    started = time.monotonic()
    env = {**env, "BISTAND_SIMULATE_READ": method} if method else env
    done = subprocess.run([sys.executable, "-m", "bistand.cli", "simulate", "--region", "--from", "2025-01",
                           "--to", "2025-12", "--riksnorm-change", "2", "--json"], env=env,
                          cwd="/", capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"simulate failed:\n{done.stdout}\n{done.stderr}")
    return {"wall": wall, "cpu": after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime,
            "server_cpu": _server_cpu(postmaster) - server, "report": json.loads(done.stdout)}


def _fmt(x: dict) -> str:
    return f"{x['wall']:5.1f}/{x['cpu']:4.1f}/{x['server_cpu']:4.1f}"


def _print_runs(built: dict, runs: list[dict]) -> None:
    print(f"bistand simulate, {built['household_months']:,} hushållsmånader ({built['households']:,} hushåll), "
          f"PostgreSQL, {platform.node()}, {os.cpu_count()} kärnor".replace(",", " "))
    print("Sekunder: vägg (wall) / processens CPU (time.process_time) / serverns CPU (PostgreSQL-processerna).")
    for run in runs:
        inproc, command = run["in_process"], run["command"]
        ph = inproc["phases"]
        cells = "  ".join(f"{name} {_fmt(ph[name])}" for name in ph)
        total = {k: sum(p[k] for p in ph.values()) for k in ("wall", "cpu", "server_cpu")}
        print(f"  {run['method']:15}  load {run['load'][0]:5.2f} {run['load'][1]:5.2f}  |  i processen: {cells}  "
              f"summa {_fmt(total)}  |  kommandot start till slut {_fmt(command)}  |  "
              f"{inproc['household_months']} hushållsmånader, förändring {inproc['cost_change']} kr")


def _measure(env: dict[str, str], postmaster: int, rounds: int, methods: list[str]) -> list[dict]:
    """`rounds` rounds; in each, every method in turn (alternately, so that the load hits them alike)."""
    runs = []
    for _ in range(rounds):
        for method in methods:
            load_before = os.getloadavg()[0]
            inproc = json.loads(subprocess.run([sys.executable, __file__, "--measure-only", method],
                                               env=env, cwd=ROOT, capture_output=True, text=True,
                                               check=True).stdout)
            command = _command(env, method if method != "stream-nothread" else "stream", postmaster)
            if command["report"]["cost_change"] != inproc["cost_change"]:
                raise SystemExit("the command and the selector disagree")
            runs.append({"method": method, "load": (load_before, os.getloadavg()[0]), "in_process": inproc,
                         "command": command})
            print(f"  ({method} klar, load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)
    reports = {json.dumps(r["in_process"]["report"], sort_keys=True) for r in runs}
    if len(reports) != 1:
        raise SystemExit("the read methods gave different reports")
    return runs


def _compare(old_env: dict[str, str], new_env: dict[str, str], postmaster: int, rounds: int) -> list[dict]:
    """The command from start to exit, the former code (old_env: its source on PYTHONPATH, its database with
    the input as jsonb) and this one (the input as json) alternately, `rounds` times each."""
    runs = []
    for _ in range(rounds):
        for name, env in (("old", old_env), ("new", new_env)):
            load = os.getloadavg()
            command = _command(env, None, postmaster)
            runs.append({"code": name, "load": (load[0], os.getloadavg()[0]), "command": command})
            print(f"  ({name} klar, load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)
    reports = {json.dumps({k: v for k, v in r["command"]["report"].items()}, sort_keys=True) for r in runs}
    if len(reports) != 1:
        raise SystemExit("the former and the new code gave different reports")
    return runs


def _print_compare(built: dict, runs: list[dict], migrate: dict | None) -> None:
    print(f"bistand simulate --region, 2025, --riksnorm-change 2, {built['household_months']:,} hushållsmånader, "
          f"PostgreSQL, {platform.node()}, {os.cpu_count()} kärnor".replace(",", " "))
    if migrate:
        print(f"  migrering jsonb -> json av tabellen: {_fmt(migrate)} (vägg / klientens CPU / serverns CPU)")
    print("Kommandot från start till slut, sekunder: vägg / klientens CPU (user+sys) / serverns CPU / summa CPU")
    for run in runs:
        c = run["command"]
        print(f"  {run['code']:3}  load {run['load'][0]:5.2f} {run['load'][1]:5.2f}  |  {_fmt(c)}  "
              f"summa CPU {c['cpu'] + c['server_cpu']:4.1f}  |  förändring {c['report']['cost_change']} kr")
    print("Samma rapport från båda.")


def _postmaster_of(url: str) -> tuple[int, int, int]:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        households = conn.execute("SELECT count(*) FROM people_household").fetchone()[0]
        months = conn.execute("SELECT count(*) FROM calculations_storedcalculation").fetchone()[0]
    return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1]), households, months


def _migrate(env: dict[str, str], postmaster: int) -> dict:
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = _server_cpu(postmaster)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "bistand.cli", "migrate", "-v0"], env=env, check=True, cwd="/")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": time.monotonic() - started, "cpu": after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime,
            "server_cpu": _server_cpu(postmaster) - server}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--household-months", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--methods", default="copy,stream-nothread,stream",
                        help="read methods to compare, alternately (rows, copy, stream-nothread, stream)")
    parser.add_argument("--database-url", help="measure an already built database (a local server; skip the build)")
    parser.add_argument("--old-src", metavar="DIR",
                        help="also compare the command with a former version's src/ (e.g. `git archive main`), "
                             "alternately; its database: --old-database-url, or built by its own benchmark")
    parser.add_argument("--old-database-url", help="the former version's database (with --database-url)")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", metavar="METHOD", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_only:
        _django()
        print(json.dumps(build(args.household_months, args.seed)))
        return 0
    if args.measure_only:
        _django()
        print(json.dumps(measure_in_process(args.measure_only)))
        return 0
    methods = [m for m in args.methods.split(",") if m]

    def old_env(url: str) -> dict[str, str]:
        return {**_env(url), "PYTHONPATH": str(Path(args.old_src).resolve())}

    if args.database_url:
        env = _env(args.database_url)
        postmaster, households, months = _postmaster_of(args.database_url)
        built = {"households": households, "household_months": months}
        if methods:
            _print_runs(built, _measure(env, postmaster, args.rounds, methods))
        if args.old_src:
            _print_compare(built, _compare(old_env(args.old_database_url), env, postmaster, args.rounds), None)
        return 0

    sys.path.insert(0, str(ROOT))
    from tests.pgcluster import ThrowawayCluster

    cluster = ThrowawayCluster()
    try:
        cluster.start()
        import psycopg

        def url(name: str) -> str:
            return cluster.url.replace("/bistand?", f"/{name}?")

        with psycopg.connect(dbname="postgres", host=str(cluster.socket_dir), port=cluster.port, user="postgres",
                             autocommit=True) as admin:
            admin.execute("CREATE DATABASE bistand_old" if args.old_src else "CREATE DATABASE bistand")
        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        started = time.monotonic()
        if args.old_src:  # the former version migrates and writes the data; this one migrates a copy of it
            old = old_env(url("bistand_old"))
            subprocess.run([sys.executable, "-m", "bistand.cli", "migrate", "-v0"], env=old, check=True, cwd="/")
            built = json.loads(subprocess.run(
                [sys.executable, str(Path(args.old_src).resolve().parent / "benchmarks" / "simulate.py"),
                 "--build-only", "--household-months", str(args.household_months), "--seed", str(args.seed)],
                env=old, cwd=Path(args.old_src).resolve().parent, capture_output=True, text=True, check=True).stdout)
            with psycopg.connect(dbname="postgres", host=str(cluster.socket_dir), port=cluster.port,
                                 user="postgres", autocommit=True) as admin:
                admin.execute("CREATE DATABASE bistand TEMPLATE bistand_old")
            env = _env(cluster.url)
            migrate = _migrate(env, postmaster)
        else:
            env = _env(cluster.url)
            subprocess.run([sys.executable, "-m", "bistand.cli", "migrate", "-v0"], env=env, check=True, cwd="/")
            built = json.loads(subprocess.run([sys.executable, __file__, "--build-only", "--household-months",
                                               str(args.household_months), "--seed", str(args.seed)],
                                              env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
        print(f"Data skrivna på {time.monotonic() - started:.0f} s: {built}", file=sys.stderr, flush=True)
        runs = _measure(env, postmaster, args.rounds, methods) if methods else []
        compared = _compare(old, env, postmaster, args.rounds) if args.old_src else []
    finally:
        cluster.stop()
    if runs:
        _print_runs(built, runs)
    if compared:
        _print_compare(built, compared, migrate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
