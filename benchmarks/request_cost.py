"""CPU cost per request of the load test's pages (issue 16 §4), measured without a load generator.

    .venv/bin/python benchmarks/request_cost.py [--requests 30] [--rounds 2] [--months 6]
                                                [--database-url URL] [--profile "Mitt ärende"]

On a machine shared with other work, wall-clock load runs say little; what one request costs the server's
Python does not depend on the load. This script starts a throwaway PostgreSQL cluster (tests/pgcluster.py,
or uses --database-url: an empty database, or one an earlier run loaded, which is reused), migrates it and loads the demo (``bistand demo``) with the
load test's settings (``bistand.settings.loadtest``: production over plain HTTP with the e-ID simulator),
logs in the load test's users as benchmarks/load.py does (case workers with their password, applicants
through the e-ID simulator's four requests) and then times ``--requests`` requests of each kind through
Django's test client: ``time.process_time()`` of this process per request (the Django side), the wall
time, the number of SQL queries per request, and — when PostgreSQL runs on this machine — the CPU time of
the server's processes (from /proc, including the backends that exited: a new connection per request
costs a backend each time), as a mean per request kind (the kernel counts in 10 ms ticks).

Every request is followed by what a WSGI server's end of request does (``close_old_connections``), so
the database connection's lifetime (``CONN_MAX_AGE``) counts as in production. ``--rounds`` repeats the
whole measurement; compare figures measured in the same run or alternating runs of two trees.
``--profile NAME`` writes a cProfile of that request kind to ``benchmarks/results/`` (not kept in git; sorted by
cumulative time, the top 40 lines printed).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASE_LINK = re.compile(r'href="/handlaggning/arenden/(\d+)/"')
HOUSEHOLD = re.compile(r'name="household" value="(\d+)"')
MONTH = re.compile(r'name="month" value="([0-9-]+)"')
CODES = ["0680", "0662", "0684"]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """CPU time of a local PostgreSQL server (all its processes, and the backends that have exited: the
    postmaster's children's time), in ms, read from /proc; None when the server is not on this machine.
    The kernel counts in ticks (10 ms), so only sums over many requests mean something."""

    def __init__(self) -> None:
        from django.db import connection

        self.postmaster = None
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            with open(f"/proc/{backend}/stat") as stat:
                self.postmaster = int(stat.read().rsplit(")", 1)[1].split()[1])
        except Exception:  # noqa: BLE001 - SQLite, or a server elsewhere
            self.postmaster = None

    def __call__(self) -> float | None:
        if self.postmaster is None:
            return None
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(entry), int(fields[1])
            if pid == self.postmaster:
                total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
            elif ppid == self.postmaster:
                total += int(fields[11]) + int(fields[12])
        return total * 1000 / CLOCK_TICKS


class Counter:
    """Counts the SQL statements sent (a connection's execute wrapper: no query log kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _setup(url: str, months: int) -> None:
    os.environ.update({
        "DATABASE_URL": url, "SECRET_KEY": "benchmark-request-cost-" + "x" * 40,
        "DJANGO_SETTINGS_MODULE": "bistand.settings.loadtest", "ALLOWED_HOSTS": "testserver,127.0.0.1",
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bistand.people.models import HouseholdMember

    if not HouseholdMember.objects.exists():  # a --database-url already loaded by an earlier run is reused
        call_command("demo", months=months, stdout=io.StringIO(), stderr=io.StringIO())


class Users:
    """The load test's users, logged in as benchmarks/load.py logs them in."""

    def __init__(self, password: str) -> None:
        from django.test import Client

        self.Client = Client
        self.password = password

    def staff(self, username: str):
        client = self.Client(enforce_csrf_checks=True)
        _done(client.get("/konto/logga-in/"))
        response = client.post("/konto/logga-in/", {"username": username, "password": self.password,
                                                    "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
        _done(response)
        assert response.status_code == 302, (username, response.status_code)
        return client

    def applicant_steps(self, personnummer: str) -> tuple[list[tuple[str, Callable]], dict]:
        """The e-ID simulator login as its four requests, each a (name, call) to time one by one."""
        client = self.Client(enforce_csrf_checks=True)
        state: dict = {"client": client}

        def start():
            response = client.get("/e-tjanst/logga-in/")
            state["location"] = response.headers["Location"]
            state["state"] = parse_qs(urlparse(state["location"]).query)["state"][0]
            return response

        def simulator_page():
            return client.get(state["location"])

        def simulator_login():
            response = client.post("/e-legitimation/simulator/", {
                "state": state["state"], "personnummer": personnummer, "given_name": "", "family_name": "",
                "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
            state["next"] = response.headers.get("Location", "")
            return response

        def complete():
            return client.get(state["next"])

        return [("e-service login", start), ("e-ID simulator", simulator_page),
                ("e-ID simulator login", simulator_login), ("e-ID login complete", complete)], state


def _done(response):
    """What the WSGI server's end of a request does: close the response (request_finished) and, as the
    handler's signal would, the database connection when its age is up."""
    from django.db import close_old_connections

    response.close()
    close_old_connections()
    return response


def measure(users: Users, applicants: list[str], case_workers: list[str], requests: int,
            profile: str | None) -> dict[str, list[tuple[float, float, int]]]:
    from django.db import close_old_connections, connection

    results: dict[str, list[tuple[float, float, int]]] = {}
    server_cpu = ServerCpu()
    server: dict[str, float] = {}
    profiler = cProfile.Profile() if profile else None

    def timed(name: str, call: Callable, check: Callable | None = None):
        counter = Counter()
        server_before = server_cpu()
        close_old_connections()  # request_started
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler and name == profile:
            profiler.enable()
        with connection.execute_wrapper(counter):
            response = call()
            _done(response)
        if profiler and name == profile:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if server_before is not None:
            server[name] = server.get(name, 0.0) + server_cpu() - server_before
        assert response.status_code < 400, (name, response.status_code)
        if check:
            check(response)
        results.setdefault(name, []).append((cpu * 1000, wall * 1000, counter.count))
        return response

    def not_login(response):
        assert "logga-in" not in response.headers.get("Location", ""), "sent back to the login page"

    # applicants: the e-ID login (four requests), "Mitt ärende", the re-application
    signed_in = []
    for number in random.sample(applicants, min(requests, len(applicants))):
        steps, state = users.applicant_steps(number)
        for name, call in steps:
            timed(name, call)
        signed_in.append(state["client"])
    for i in range(requests):
        client = signed_in[i % len(signed_in)]
        page = timed("Mitt ärende", lambda c=client: c.get("/e-tjanst/mitt-arende/"), not_login)
        household, month = HOUSEHOLD.search(page.content.decode()), MONTH.search(page.content.decode())
        if household and month:
            timed("apply (re-application)", lambda c=client, h=household, m=month: c.post("/e-tjanst/ateransok/", {
                "household": h.group(1), "month": m.group(1),
                "csrfmiddlewaretoken": c.cookies["csrftoken"].value}), not_login)
    # case workers: login, inbox, case page, calculation tab, calculate (POST), decision tab
    staff = []
    for i in range(max(1, requests // 3)):
        client = users.Client(enforce_csrf_checks=True)
        timed("staff login page", lambda c=client: c.get("/konto/logga-in/"))
        username = case_workers[i % len(case_workers)]
        timed("staff login", lambda c=client, u=username: c.post("/konto/logga-in/", {
            "username": u, "password": users.password, "csrfmiddlewaretoken": c.cookies["csrftoken"].value}))
        staff.append(client)
    for i in range(requests):
        client = staff[i % len(staff)]
        page = timed("inbox", lambda c=client: c.get("/handlaggning/inkorg/"), not_login)
        cases = CASE_LINK.findall(page.content.decode())
        if not cases:
            continue
        pk = random.choice(cases)
        timed("case page", lambda c=client, p=pk: c.get(f"/handlaggning/arenden/{p}/"), not_login)
        timed("case calculation", lambda c=client, p=pk: c.get(f"/handlaggning/arenden/{p}/?flik=berakning"), not_login)
        timed("calculate", lambda c=client, p=pk: c.post(
            f"/handlaggning/arenden/{p}/berakna/", {"csrfmiddlewaretoken": c.cookies["csrftoken"].value},
            HTTP_REFERER=f"http://testserver/handlaggning/arenden/{p}/"), not_login)
        timed("case decision", lambda c=client, p=pk: c.get(f"/handlaggning/arenden/{p}/?flik=beslut"), not_login)
    if profiler:
        out = HERE / "results" / f"request-cost-{re.sub(r'[^a-z0-9]+', '-', profile.lower())}.prof"
        profiler.dump_stats(out)
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(40)
        print(stream.getvalue())
        print(f"profile: {out}")
    return results, server


# How often each request kind is made in the load test (benchmarks/load.py: 200 applicants with tasks 3 : 1
# and think time 1–5 s, 50 case workers with tasks 3 : 3 : 2 : 1 and 1–3 s), per minute, roughly — used only
# to weigh the kinds into a share of the server's CPU.
WEIGHT = {"Mitt ärende": 200 * 0.75 * 20, "apply (re-application)": 200 * 0.25 * 20,
          "inbox": 50 * 3 / 9 * 30, "case page": 50 * 3 / 9 * 30, "case calculation": 50 * 2 / 9 * 30,
          "calculate": 50 * 2 / 9 * 30, "case decision": 50 * 1 / 9 * 30}


def report(results: dict[str, list[tuple[float, float, int]]], server: dict[str, float]) -> list[str]:
    lines = [f"{'request':<24} {'n':>4} {'CPU ms median':>14} {'CPU ms mean':>12} {'wall ms median':>15} {'queries':>8}"
             f" {'PostgreSQL CPU ms mean':>23}"]
    total = 0.0
    for name, rows in results.items():
        cpu = [r[0] for r in rows]
        wall = [r[1] for r in rows]
        queries = sorted({r[2] for r in rows})
        shown = str(queries[0]) if len(queries) == 1 else f"{queries[0]}–{queries[-1]}"
        lines.append(f"{name:<24} {len(rows):>4} {statistics.median(cpu):>14.1f} {statistics.mean(cpu):>12.1f} "
                     f"{statistics.median(wall):>15.1f} {shown:>8} "
                     f"{(server[name] / len(rows)) if name in server else float('nan'):>23.1f}")
        total += WEIGHT.get(name, 0) * statistics.mean(cpu)
    lines.append(f"CPU s per minute of the load test's steady mix (without logins): {total / 1000:.1f} "
                 f"(2 cores give 120)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="requests of each kind per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--months", type=int, default=6, help="the demo's months of history")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", default=None, metavar="NAME", help='a request kind, e.g. "Mitt ärende"')
    args = parser.parse_args(argv)
    random.seed(args.seed)
    sys.path.insert(0, str(ROOT))
    cluster = None
    url = args.database_url
    if not url:
        from tests.pgcluster import ThrowawayCluster

        cluster = ThrowawayCluster()
        cluster.start()
        import psycopg

        with psycopg.connect(dbname="postgres", host=str(cluster.socket_dir), port=cluster.port, user="postgres",
                             autocommit=True) as admin:
            admin.execute("CREATE DATABASE bistand")
        url = cluster.url
    try:
        _setup(url, args.months)
        from bistand.demo import loader
        from bistand.people.models import HouseholdMember

        applicants = list(HouseholdMember.objects.filter(role="applicant", valid_to__isnull=True)
                          .values_list("person__personnummer", flat=True)[:400])
        users = Users(loader.demo_password())
        case_workers = [f"handlaggare.{code}" for code in CODES]
        print(f"load average {os.getloadavg()[0]:.1f}; {len(applicants)} applicants; "
              f"CONN_MAX_AGE {__import__('django.conf').conf.settings.DATABASES['default'].get('CONN_MAX_AGE')}")
        for round_ in range(1, args.rounds + 1):
            results, server = measure(users, applicants, case_workers, args.requests,
                                      args.profile if round_ == args.rounds else None)
            print(f"round {round_} (load average {os.getloadavg()[0]:.1f}):")
            print("\n".join(report(results, server)))
    finally:
        from django.db import connections

        connections.close_all()
        if cluster:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
