"""Benchmark of the monthly run: applications per second for N recurring applications, on SQLite and on
PostgreSQL.

    .venv/bin/python benchmarks/monthly_run.py [--applications 10000] [--databases sqlite,postgres]
                                               [--chunk-size 500] [--seed 1]
    .venv/bin/python benchmarks/monthly_run.py --inserts [--rows 20000] [--repeat 5] [--databases ...]

With ``--inserts`` it measures the run's INSERTs alone instead (:func:`measure_inserts`): ``rows`` audit
events such as the run writes (the table with most rows, JSON values), inserted by each way in turn —
``bistand.bulkinsert.insert_many``, Django's ``bulk_create`` and, on PostgreSQL, psycopg's ``COPY`` —
alternating, each in a transaction that is rolled back, ``repeat`` times; it prints every time and the
best of each.

For each database it makes a fresh database (an SQLite file in a temporary directory; a throwaway
PostgreSQL cluster started and stopped like the test suite's, tests/pgcluster.py), migrates it, writes the
data (below, not timed) and then times the real command in a subprocess:

    bistand monthly-run --municipality 0680 --month <this month>

from start to exit (interpreter start, Django set-up, every chunk, the summary). It checks that every
application was decided and every decision has its payment, and prints applications per second. The
goal (issue 3): 10 000 recurring applications decided and scheduled in under 60 seconds on the project's
2-core machine. Results: docs/performance.md ("The monthly run").

The data (:func:`build`, deterministic for the seed): one municipality (0680, the demo's local parameters),
N households — 1 or 2 adults, 0–3 children aged 11–14 — each with last month's decided application (its stored
calculation and a case worker's issued decision) and this month's submitted recurring application that
repeats it; rents below the ceiling; child benefit and for some a part-time wage, which the register
(the SSBTEK simulator, fed with fixtures) reports exactly as declared. So every application meets every
criterion of the delegation and is decided automatically: the benchmark measures the whole path —
register fetch, calculation with its trace, the criteria, the decision with its lines, the payment, the
audit events — for each of the N applications.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BISTAND = ROOT / ".venv" / "bin" / "bistand"
MUNICIPALITY = "0680"


# --- the data ----------------------------------------------------------------------------------------------


def build(n: int, month: dt.date, *, seed: int = 1, fixtures_path: Path) -> dict:
    """Write the benchmark's data into the configured database (Django must be set up) and the register
    fixtures to ``fixtures_path``. Returns counts."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from bistand.applications.models import Application
    from bistand.calculations.inputs import AdultFacts, ChildFacts, build_contract_input
    from bistand.calculations.services import bulk_store, new_stored_calculation, prepare_calculation
    from bistand.common.months import add_months, format_month
    from bistand.decisions.models import Decision, DecisionType, Delegation
    from bistand.payments.models import DebtorAccount
    from bistand.people import personnummer as pnr
    from bistand.people.models import Household, HouseholdMember, HouseholdRole, Person
    from bistand.registers.ssbtek.base import AGENCY_OF_INCOME
    from bistand.rules.parameters import child_benefit, load_parameters
    from bistand.tenancy.models import Municipality, Unit
    from bistand.tenancy.roles import Role
    from bistand.tenancy.services import add_membership

    rng = random.Random(f"bistand-monthly-benchmark:{seed}")
    previous = add_months(month, -1)
    params = load_parameters(format_month(month), MUNICIPALITY)
    with transaction.atomic():
        municipality, _ = Municipality.objects.get_or_create(code=MUNICIPALITY, defaults={"name": "Jönköping"})
        unit, _ = Unit.objects.get_or_create(municipality=municipality, name="Försörjningsstöd")
        caseworker, created = get_user_model().objects.get_or_create(username="handlaggare.benchmark",
                                                                      defaults={"first_name": "Bente", "last_name": "Bänk"})
        if created:
            add_membership(actor=None, user=caseworker, role=Role.CASEWORKER, municipality=municipality, unit=unit)
        Delegation.objects.get_or_create(
            municipality=municipality, decision_type=DecisionType.MONTHLY_ASSISTANCE, effective_from=add_months(month, -2),
            defaults={"active": True, "committee_reference": "Socialnämnden (benchmark) § 1",
                      "criteria": {"no_estimated_parameter": {"accepted_files": [f"local/{MUNICIPALITY}.yaml"]}}},
        )
        DebtorAccount.objects.get_or_create(municipality=municipality, defaults={
            "name": "Jönköpings kommun", "iban": "SE4550000000058398257466", "bic": "ESSESESS"})

        # persons: unique test personnummer (20 per birth date)
        numbers = (pnr.test_number(dt.date(1950, 1, 1) + dt.timedelta(days=day), index).normalised
                   for day in range(30_000) for index in range(20))
        # children born two and three years before the year they turn 14: 11–14 years old both last month and
        # this month (one age band of the riksnorm, so that the amount does not change with a birthday)
        child_numbers = (pnr.test_number(dt.date(month.year - 14, 1, 1) + dt.timedelta(days=day), index).normalised
                         for day in range(730) for index in range(20))
        plans = []
        persons = []
        for _ in range(n):
            adults = 1 if rng.random() < 0.6 else 2
            children = rng.choice((0, 0, 0, 1, 1, 2, 3))
            members = []
            for a in range(adults):
                number = next(numbers)
                born = dt.date(int(number[:4]), int(number[4:6]), int(number[6:8]))
                if (month - born).days < 20 * 366:
                    raise RuntimeError("too many households for the birth dates")
                members.append((HouseholdRole.APPLICANT if a == 0 else HouseholdRole.PARTNER, number, born))
            for _ in range(children):
                number = next(child_numbers)
                members.append((HouseholdRole.CHILD, number, dt.date(int(number[:4]), int(number[4:6]), int(number[6:8]))))
            rows = [Person(municipality=municipality, personnummer=number, kind=pnr.PERSONNUMMER, birth_date=born,
                           first_name=f"Person{len(persons) + k}", last_name="Bänksson",
                           search_name=Person.build_search_name(f"Person{len(persons) + k}", "Bänksson"))
                    for k, (_, number, born) in enumerate(members)]
            persons += rows
            ceiling = params.housing_ceiling(adults, children) // 100
            under_16 = sum(1 for role, _, born in members if role == HouseholdRole.CHILD)
            incomes = []
            if under_16:
                incomes.append(("child_benefit", "applicant", child_benefit(under_16, format_month(month)) // 100))
            if rng.random() < 0.3:
                incomes.append(("wage", "applicant", rng.randrange(3_000, 7_000, 10)))
            costs = [("rent", ceiling * rng.randrange(75, 95) // 100), ("household_electricity", rng.randrange(180, 420)),
                     ("home_insurance", rng.randrange(110, 230))]
            plans.append({"members": members, "rows": rows, "costs": costs, "incomes": incomes})
        Person.objects.bulk_create(persons, batch_size=1000)
        households = [Household(municipality=municipality, unit=unit) for _ in plans]
        Household.objects.bulk_create(households, batch_size=1000)
        since = add_months(month, -12)
        HouseholdMember.objects.bulk_create(
            [HouseholdMember(household=household, person=person, role=role, valid_from=since)
             for household, plan in zip(households, plans, strict=True) for person, (role, _, _) in zip(plan["rows"], plan["members"], strict=True)],
            batch_size=1000,
        )

        # last month: calculation, decided application, a case worker's issued decision
        calculations = []
        for household, plan in zip(households, plans, strict=True):
            ids = {"applicant": str(plan["rows"][0].pk)}
            if len([m for m in plan["members"] if m[0] != HouseholdRole.CHILD]) == 2:
                ids["partner"] = str(plan["rows"][1].pk)
            document = build_contract_input(
                month=previous,
                adults=[AdultFacts(str(p.pk), born) for p, (role, _, born) in zip(plan["rows"], plan["members"], strict=True)
                        if role != HouseholdRole.CHILD],
                children=[ChildFacts(str(p.pk), born) for p, (role, _, born) in zip(plan["rows"], plan["members"], strict=True)
                          if role == HouseholdRole.CHILD],
                costs=[{"type": t, "amount": a} for t, a in plan["costs"]],
                incomes=[{"type": t, "member": ids[m], "amount": a} for t, m, a in plan["incomes"]],
                municipality_code=MUNICIPALITY,
            )
            calculations.append(new_stored_calculation(household=household, month=previous,
                                                       prepared=prepare_calculation(document), user="system"))
        bulk_store(calculations, batch_size=500)
        stored = {c.household_id: c for c in calculations}
        now = timezone.now()
        submitted = now - dt.timedelta(days=40)
        declarations = [_declaration(plan) for plan in plans]
        old = [Application(municipality=municipality, unit=unit, household=h, applicant=plan["rows"][0],
                           co_applicant=plan["rows"][1] if plan["members"][1:2] and plan["members"][1][0] == HouseholdRole.PARTNER else None,
                           month=previous, kind="new", status="decided", declaration=d, submitted_at=submitted,
                           applicant_signed_at=submitted, co_applicant_confirmed_at=submitted)
               for h, plan, d in zip(households, plans, declarations, strict=True)]
        Application.objects.bulk_create(old, batch_size=1000)
        Decision.objects.bulk_create([
            Decision(municipality=municipality, application=a, household_id=a.household_id, month=previous,
                     outcome="granted", amount_ore=stored[a.household_id].amount_ore, calculation=stored[a.household_id],
                     engine_version=stored[a.household_id].engine_version,
                     parameter_hash=stored[a.household_id].parameter_hash, reasons="Beviljas enligt beräkningen.",
                     legal_basis="4 kap. 1 § socialtjänstlagen", decided_by=caseworker,
                     decision_maker_label="Bente Bänk", status="issued", issued_at=submitted + dt.timedelta(days=3))
            for a in old
        ], batch_size=1000)

        # this month: the recurring applications, submitted
        Application.objects.bulk_create([
            Application(municipality=municipality, unit=unit, household=a.household, applicant=a.applicant,
                        co_applicant=a.co_applicant, month=month, kind="recurring", status="submitted",
                        declaration={**a.declaration}, previous=a, submitted_at=now - dt.timedelta(days=5),
                        applicant_signed_at=now - dt.timedelta(days=5),
                        co_applicant_confirmed_at=(now - dt.timedelta(days=5)) if a.co_applicant_id else None)
            for a in old
        ], batch_size=1000)

    # what the registers say: exactly the declared incomes
    fixtures: dict[str, dict] = {}
    for plan in plans:
        keys = {"applicant": plan["rows"][0].personnummer}
        for person in plan["rows"]:
            fixtures[person.personnummer] = {"*": []}
        for kind, member, amount in plan["incomes"]:
            fixtures[keys[member]]["*"].append({"agency": AGENCY_OF_INCOME[kind], "kind": kind, "amount": amount})
    fixtures_path.write_text(json.dumps(fixtures), encoding="utf-8")
    return {"households": len(households), "persons": len(persons)}


def _declaration(plan) -> dict:
    from bistand.people.models import HouseholdRole

    source = {"source": "applicant"}

    def fact(person):
        return {"person_id": person.pk, "personnummer": person.personnummer, "first_name": person.first_name,
                "last_name": person.last_name}

    rows, members = plan["rows"], plan["members"]
    partner = next((p for p, m in zip(rows, members, strict=True) if m[0] == HouseholdRole.PARTNER), None)
    children = [p for p, m in zip(rows, members, strict=True) if m[0] == HouseholdRole.CHILD]
    return {
        "version": 1,
        "members": {
            "applicant": fact(rows[0]),
            "partner": {**fact(partner), **source} if partner else None,
            "children": [{"key": f"c{i + 1}", **fact(c), "days_present": None, "lunch_away_from_home": False, **source}
                         for i, c in enumerate(children)],
            "other_adults_in_dwelling": 0,
        },
        "housing": {"kind": "rental", "rooms": 1 + len(rows) // 2, "persons_in_dwelling": len(rows), **source},
        "costs": [{"type": t, "amount_ore": a * 100, **source} for t, a in plan["costs"]],
        "incomes": [{"type": t, "member": m, "amount_ore": a * 100, **source} for t, m, a in plan["incomes"]],
        "assets": [],
        "bank_account": {"clearing": "5000", "account": "1111116", **source},
        "answered": ["members", "housing", "costs", "incomes", "assets", "bank_account"],
        "cannot_answer": {},
        "message": "",
    }


# --- one database --------------------------------------------------------------------------------------------


def _env(database_url: str, fixtures: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bistand.settings.dev",
        "DEBUG": "false",  # as in production: Django does not keep a copy of every query
        "BISTAND_SSBTEK_SIMULATOR_FIXTURES": str(fixtures),
        "BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT": "0",
        "AUDIT_LOG_LEVEL": "WARNING",
        "LOG_LEVEL": "WARNING",
    })
    return env


def prepare(database_url: str, n: int, month: str, seed: int, workdir: Path) -> Path:
    """Migrate and write the data in a subprocess (Django is set up once per process)."""
    fixtures = workdir / "ssbtek-fixtures.json"
    fixtures.write_text("{}", encoding="utf-8")
    env = _env(database_url, fixtures)
    subprocess.run([str(BISTAND), "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([sys.executable, __file__, "--build-only", "--applications", str(n), "--month", month,
                    "--seed", str(seed), "--fixtures", str(fixtures)], env=env, check=True, cwd=ROOT)
    return fixtures


def measure(name: str, database_url: str, n: int, month: str, seed: int, chunk_size: int, workdir: Path) -> dict:
    print(f"{name}: skapar {_n(n)} återansökningar …", file=sys.stderr, flush=True)
    started = time.monotonic()
    fixtures = prepare(database_url, n, month, seed, workdir)
    print(f"{name}: data klar på {time.monotonic() - started:.0f} s; kör månadskörningen …", file=sys.stderr, flush=True)
    env = _env(database_url, fixtures)
    load = os.getloadavg()[0]
    started = time.monotonic()
    result = subprocess.run([str(BISTAND), "monthly-run", "--municipality", MUNICIPALITY, "--month", month,
                             "--chunk-size", str(chunk_size)], env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"{name}: monthly-run failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    check = subprocess.run([sys.executable, __file__, "--check-only", "--month", month], env=env, cwd=ROOT,
                           capture_output=True, text=True, check=True)
    counts = json.loads(check.stdout)
    return {"database": name, "applications": n, "seconds": seconds, "per_second": n / seconds, **counts,
            "summary": result.stdout, "load": load}


# --- the INSERTs alone --------------------------------------------------------------------------------------


def _audit_rows(n: int) -> list:
    """``n`` new audit events as the monthly run makes them (a created object's fields as JSON)."""
    from django.utils import timezone

    from bistand.audit.models import AuditEvent

    now = timezone.now()
    return [
        AuditEvent(
            created_at=now, user_id=None, user_display_name="Automatiserad beslutsfunktion", action="create",
            model="decisions.decisionline", object_id=str(100_000 + i), municipality_id=None,
            changes={"decision": {"old": None, "new": 40_000 + i // 3}, "position": {"old": None, "new": i % 3},
                     "code": {"old": None, "new": "personal_costs.adults"},
                     "label": {"old": None, "new": "Personliga kostnader, ensamstående vuxen"},
                     "amount_ore": {"old": None, "new": 394_000 + i}, "month": {"old": None, "new": "2026-12-01"},
                     "reference": {"old": None, "new": "12 kap. 2 § SoF; riksnorm/2026.yaml"}},
            sensitive=False,
        )
        for i in range(n)
    ]


def _copy_rows(objs: list) -> None:
    """psycopg's COPY for the audit events (no keys come back, unlike the other two ways)."""
    from django.core.serializers.json import DjangoJSONEncoder
    from django.db import connection

    from bistand.audit.models import AuditEvent

    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    encode = DjangoJSONEncoder().encode
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([encode(obj.changes) if f.name == "changes" else getattr(obj, f.attname) for f in fields])


def measure_inserts(rows: int, repeat: int) -> dict:
    """The INSERT of ``rows`` audit events by each way, alternating (the order turns each round), each in
    a transaction rolled back afterwards. Returns {way: [seconds, …]}."""
    from django.db import connection, transaction

    from bistand.audit.models import AuditEvent
    from bistand.bulkinsert import insert_many

    ways = {"insert_many": insert_many, "bulk_create": AuditEvent.objects.bulk_create}
    if connection.vendor == "postgresql":
        ways["COPY"] = _copy_rows
    times: dict[str, list[float]] = {name: [] for name in ways}
    names = list(ways)
    for round_ in range(repeat):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            objs = _audit_rows(rows)
            with transaction.atomic():
                started = time.perf_counter()
                ways[name](objs)
                times[name].append(time.perf_counter() - started)
                assert AuditEvent.objects.count() == rows
                transaction.set_rollback(True)
    return times


def inserts(name: str, database_url: str, rows: int, repeat: int, workdir: Path) -> dict:
    env = _env(database_url, workdir / "none.json")
    subprocess.run([str(BISTAND), "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, __file__, "--inserts-only", "--rows", str(rows), "--repeat", str(repeat)],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return {"database": name, "times": json.loads(done.stdout), "load": load}


def _check(month: str) -> dict:
    from bistand.applications.models import Application
    from bistand.decisions.models import Decision
    from bistand.payments.models import Payment

    month_date = dt.date(int(month[:4]), int(month[5:7]), 1)
    return {
        "decided": Decision.objects.filter(month=month_date, automated=True).count(),
        "payments": Payment.objects.filter(decision__month=month_date, decision__automated=True).count(),
        "still_submitted": Application.objects.filter(month=month_date, status="submitted").count(),
    }


def _n(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--month", default=None, help="ÅÅÅÅ-MM (default: this month)")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fixtures", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--inserts", action="store_true", help="measure the INSERTs alone (see above)")
    parser.add_argument("--rows", type=int, default=20_000, help="audit events per INSERT with --inserts")
    parser.add_argument("--repeat", type=int, default=5, help="rounds with --inserts")
    parser.add_argument("--inserts-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    month = args.month or dt.date.today().strftime("%Y-%m")
    if args.build_only:
        _django()
        counts = build(args.applications, dt.date(int(month[:4]), int(month[5:7]), 1), seed=args.seed,
                       fixtures_path=Path(args.fixtures))
        print(json.dumps(counts))
        return 0
    if args.check_only:
        _django()
        print(json.dumps(_check(month)))
        return 0
    if args.inserts_only:
        _django()
        print(json.dumps(measure_inserts(args.rows, args.repeat)))
        return 0

    results = []
    with tempfile.TemporaryDirectory(prefix="bistand-monthly-bench-") as tmp:
        workdir = Path(tmp)
        for name in [d.strip() for d in args.databases.split(",") if d.strip()]:
            if name == "sqlite":
                url = f"sqlite:///{workdir / 'bench.sqlite3'}"
                results.append(inserts("SQLite", url, args.rows, args.repeat, workdir) if args.inserts else
                               measure("SQLite", url, args.applications, month, args.seed, args.chunk_size, workdir))
            elif name == "postgres":
                sys.path.insert(0, str(ROOT))
                from tests.pgcluster import ThrowawayCluster

                cluster = ThrowawayCluster()
                try:
                    cluster.start()
                    import psycopg

                    with psycopg.connect(dbname="postgres", host=str(cluster.socket_dir), port=cluster.port,
                                         user="postgres", autocommit=True) as admin:
                        admin.execute("CREATE DATABASE bistand")
                    results.append(inserts("PostgreSQL", cluster.url, args.rows, args.repeat, workdir)
                                   if args.inserts else
                                   measure("PostgreSQL", cluster.url, args.applications, month, args.seed,
                                           args.chunk_size, workdir))
                finally:
                    cluster.stop()
            else:
                parser.error(f"unknown database {name!r} (sqlite, postgres)")
            r = results[-1]
            if args.inserts:
                continue
            print(f"{r['database']}: {r['seconds']:.1f} s, {r['per_second']:.0f} ansökningar/s", file=sys.stderr, flush=True)
    if args.inserts:
        print(f"INSERT av {_n(args.rows)} granskningshändelser, {args.repeat} omgångar växelvis, "
              f"maskin: {os.cpu_count()} kärnor")
        for r in results:
            for way, seconds in r["times"].items():
                print(f"  {r['database']:<11} {way:<12} bäst {min(seconds):6.3f} s  "
                      f"({', '.join(f'{t:.3f}' for t in seconds)})  load average {r['load']:.2f} vid start")
        return 0
    print(f"Månadskörningen, {_n(args.applications)} återansökningar (chunk {args.chunk_size}), maskin: "
          f"{os.cpu_count()} kärnor")
    for r in results:
        ok = r["decided"] == r["applications"] == r["payments"] and r["still_submitted"] == 0
        print(f"  {r['database']:<11} {r['seconds']:6.1f} s  {r['per_second']:7.0f} ansökningar/s  "
              f"beslutade automatiskt {_n(r['decided'])}, utbetalningar {_n(r['payments'])}, "
              f"load average {r['load']:.2f} vid start{'' if ok else '  (OBS: inte alla beslutade!)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
