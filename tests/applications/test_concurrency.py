"""Two submissions of the same application at the same moment (a double click that reaches two
server processes) make one submitted application. Needs real concurrent transactions: PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from bistand.applications import services
from bistand.applications.models import Application, ApplicationStatus
from bistand.audit.models import AuditEvent
from tests.applications.test_services import fill_all
from tests.factories import MunicipalityFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(count, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def runner():
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL (pytest --postgres)")
def test_simultaneous_submissions_make_one_application():
    person = PersonFactory(municipality=MunicipalityFactory())
    application = fill_all(services.start_application(person=person, month=dt.date(2026, 3, 1)), person)
    key = application.submission_key
    results, errors = run_at_once(4, lambda: services.submit(Application.objects.get(pk=application.pk), key, person=person))
    assert not errors
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert Application.objects.filter(status=ApplicationStatus.SUBMITTED).count() == 1
    submitted = [e for e in AuditEvent.objects.filter(model="applications.application")
                 if e.changes.get("status", {}).get("new") == "submitted"]
    assert len(submitted) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL (pytest --postgres)")
def test_simultaneous_starts_make_one_draft():
    person = PersonFactory(municipality=MunicipalityFactory())
    results, errors = run_at_once(4, lambda: services.start_application(person=person, month=dt.date(2026, 3, 1)).pk)
    assert not errors
    assert len(set(results)) == 1
    assert Application.objects.count() == 1
