"""Run in subprocesses by tests/faults/test_database_stops.py against a PostgreSQL cluster of its own:

    python -m tests.faults.pg_stop_monthly_run prepare FIXTURES.json   migrate; standard recurring cases
    python -m tests.faults.pg_stop_monthly_run stop-in-run CODE MONTH  the monthly run, with the server
                                                                      stopped inside its second chunk
    python -m tests.faults.pg_stop_monthly_run run CODE MONTH          the monthly run again
    python -m tests.faults.pg_stop_monthly_run state CODE MONTH        per application: status, decisions,
                                                                      payments (JSON)

The server is stopped with ``pg_ctl stop -m immediate`` (BISTAND_FAULT_PGCTL, BISTAND_FAULT_PGDATA) after
the second chunk's applications were processed and before its transaction commits.
"""

from __future__ import annotations

import json
import os
import sys

CASES = 6
CHUNK = "2"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bistand.settings.test")
    import django

    django.setup()


def prepare(fixtures_path: str) -> dict:
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    from tests.casework.conftest import Cases
    from tests.decisions.factories import MONTH

    cases = Cases(settings)
    for _ in range(CASES):
        cases.add()
    with open(fixtures_path, "w", encoding="utf-8") as out:
        json.dump(cases.fixtures, out, default=str)
    return {"code": cases.municipality.code, "month": MONTH.strftime("%Y-%m")}


def state(code: str, month: str) -> dict:
    from bistand.applications.models import Application
    from bistand.common.months import parse_month
    from bistand.decisions.models import Decision
    from bistand.payments.models import Payment

    rows = {}
    for application in Application.objects.filter(municipality__code=code, month=parse_month(month)).order_by("pk"):
        decisions = Decision.objects.filter(application=application)
        rows[str(application.pk)] = {
            "status": application.status,
            "decisions": decisions.count(),
            "payments": Payment.objects.filter(decision__in=decisions).count(),
        }
    return rows


def _stop_in_second_chunk() -> None:
    import subprocess

    from bistand.casework import monthly

    real = monthly._process_month
    calls = 0

    def process_then_stop(*args, **kwargs):
        nonlocal calls
        real(*args, **kwargs)
        calls += 1
        if calls == 2:
            command = [os.environ["BISTAND_FAULT_PGCTL"], "-D", os.environ["BISTAND_FAULT_PGDATA"], "-m", "immediate",
                       "-w", "stop"]
            if os.geteuid() == 0:
                command = ["runuser", "-u", "postgres", "--", *command]
            subprocess.run(command, check=True, capture_output=True, cwd="/")

    monthly._process_month = process_then_stop


def main(argv: list[str]) -> int:
    _setup()
    if argv[0] == "prepare":
        print(json.dumps(prepare(argv[1])))
        return 0
    if argv[0] == "state":
        print(json.dumps(state(argv[1], argv[2])))
        return 0
    if argv[0] == "stop-in-run":
        _stop_in_second_chunk()
    from bistand.cli import main as bistand

    return bistand(["monthly-run", "--municipality", argv[1], "--month", argv[2], "--chunk-size", CHUNK, "--wait", "0"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
