"""Run in a subprocess by tests/faults/test_database_stops.py against a PostgreSQL cluster of its own:
an applicant submits, and the server stops (``pg_ctl stop -m immediate``) in the middle of the submit's
transaction, after the application row was written and before the audit event. Then the server starts
again and the applicant submits once more. Prints what was seen as JSON on stdout.

    BISTAND_FAULT_PGDATA=… BISTAND_FAULT_PGCTL=… DATABASE_URL=… python -m tests.faults.pg_stop_submit
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys


def pg_ctl(*args: str) -> None:
    command = [os.environ["BISTAND_FAULT_PGCTL"], "-D", os.environ["BISTAND_FAULT_PGDATA"], *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, cwd="/")


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bistand.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)

    from bistand.applications import services
    from bistand.applications.models import Application, ApplicationStatus
    from bistand.audit.models import AuditEvent
    from tests.applications.test_services import fill_all
    from tests.factories import MunicipalityFactory, PersonFactory
    from tests.portal.helpers import simulator_login

    person = PersonFactory(municipality=MunicipalityFactory())
    application = fill_all(services.start_application(person=person, month=dt.date(2026, 3, 1)), person)
    client = Client(raise_request_exception=False)
    simulator_login(client, person.personnummer)
    key = str(application.submission_key)
    url = f"/e-tjanst/ansokan/{application.pk}/granska/"

    real_audit = services._audit

    def stop_then_audit(*args, **kwargs):
        pg_ctl("-m", "immediate", "-w", "stop")  # in the middle of the submit's transaction
        return real_audit(*args, **kwargs)

    services._audit = stop_then_audit
    failed = client.post(url, {"submission_key": key})
    services._audit = real_audit
    pg_ctl("-o", os.environ["BISTAND_FAULT_PGOPTIONS"], "-l", os.environ["BISTAND_FAULT_PGLOG"], "-w", "-t", "60", "start")
    connections.close_all()

    after_fault = Application.objects.get(pk=application.pk)
    audited = [e.changes.get("status", {}).get("new") for e in AuditEvent.objects.filter(model="applications.application",
                                                                                        object_id=str(application.pk))]
    again = client.post(url, {"submission_key": key})
    final = Application.objects.get(pk=application.pk)
    print(json.dumps({
        "fault_status": failed.status_code,
        "fault_text": failed.content.decode(),
        "fault_retry_after": failed.get("Retry-After"),
        "after_fault": {"status": after_fault.status, "signed": after_fault.applicant_signed_at is not None,
                        "submitted": after_fault.submitted_at is not None, "audited": audited},
        "again_status": again.status_code,
        "again_location": again.get("Location", ""),
        "final_status": final.status,
        "submitted_status": ApplicationStatus.SUBMITTED,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
