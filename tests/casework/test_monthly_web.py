"""The monthly cycle from the web (issue 20): the page /handlaggning/manadskorning/ shows the month's state
and starts the run in the background for the user's municipality, with progress and the summary; one run
at a time per municipality by a database guard (MonthlyRunJob), the same for ``bistand monthly-run``;
``bistand monthly-run --due`` runs what is due for a system timer."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bistand.applications.models import Application
from bistand.audit.models import AuditEvent
from bistand.casework import monthly
from bistand.casework.models import MonthlyRunJob, RunStatus
from bistand.decisions.models import Decision
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH
from tests.factories import user_with_role

PAGE = "/handlaggning/manadskorning/"


def running_job(municipality, **fields) -> MonthlyRunJob:
    values = {"municipality": municipality, "month": MONTH, "host": monthly.HOST, "pid": None, **fields}
    return MonthlyRunJob.objects.create(**values)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# --- the guard ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_allows_one_running_job_per_municipality(cases):
    cases.add()
    running_job(cases.municipality)
    with pytest.raises(IntegrityError), transaction.atomic():
        running_job(cases.municipality, month=dt.date(2026, 4, 1))
    # another municipality, or a finished run, is no conflict
    running_job(cases.municipality, status=RunStatus.DONE)


@pytest.mark.django_db
def test_a_second_start_while_a_run_is_going_on_is_refused(cases):
    cases.add()
    live = monthly.begin(cases.municipality, MONTH)  # this process: alive
    with pytest.raises(monthly.RunInProgress, match="En månadskörning för kommunen pågår redan"):
        monthly.begin(cases.municipality, MONTH)
    with pytest.raises(monthly.RunInProgress):
        monthly.run_month(cases.municipality, MONTH)
    assert Decision.objects.filter(month=MONTH).count() == 0
    report = monthly.run_month(cases.municipality, MONTH, job=live)
    assert report.state.decided_automatically == 1
    live.refresh_from_db()
    assert live.status == RunStatus.DONE and live.done == live.total == 1 and live.decided == 1
    assert "Beslutade automatiskt: 1" in live.summary
    assert AuditEvent.objects.filter(model="casework.monthlyrunjob", object_id=str(live.pk)).count() == 2
    monthly.run_month(cases.municipality, MONTH)  # free again once it is done


@pytest.mark.django_db
def test_a_run_whose_process_died_does_not_block_the_next_one(cases):
    cases.add()
    killed = running_job(cases.municipality, pid=dead_pid())
    silent = running_job(cases.municipality, host="another-server", pid=1,
                         status=RunStatus.DONE)  # finished: ignored
    report = monthly.run_month(cases.municipality, MONTH)
    assert report.state.decided_automatically == 1
    killed.refresh_from_db()
    silent.refresh_from_db()
    assert killed.status == RunStatus.ABANDONED


@pytest.mark.django_db
def test_a_run_on_another_server_that_has_been_silent_too_long_is_abandoned(cases):
    cases.add()
    recent = running_job(cases.municipality, host="another-server", pid=1)
    with pytest.raises(monthly.RunInProgress):
        monthly.begin(cases.municipality, MONTH)
    MonthlyRunJob.objects.filter(pk=recent.pk).update(heartbeat_at=timezone.now() - monthly.STALE_AFTER
                                                      - dt.timedelta(minutes=1))
    monthly.begin(cases.municipality, MONTH)
    recent.refresh_from_db()
    assert recent.status == RunStatus.ABANDONED


@pytest.mark.django_db
def test_the_command_gives_up_with_exit_code_3_when_another_run_goes_on(cases):
    cases.add()
    running_job(cases.municipality, pid=None, host="another-server")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("monthly-run", municipality=cases.municipality.code, month="2026-03", wait=0,
                     stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 3
    assert "pågår redan" in err.getvalue()
    assert Decision.objects.filter(month=MONTH).count() == 0


# --- --due -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_due_runs_are_the_months_whose_payment_date_is_near(cases, settings):
    settings.BISTAND_MONTHLY_PAYMENT_DAY = 25
    settings.BISTAND_MONTHLY_RUN_DAYS_BEFORE = 5
    cases.add()
    assert monthly.payment_date(MONTH) == dt.date(2026, 2, 25)
    assert monthly.due_runs(dt.date(2026, 2, 19)) == []
    assert monthly.due_runs(dt.date(2026, 2, 20)) == [(cases.municipality.pk, MONTH)]
    assert monthly.due_runs(dt.date(2026, 3, 10)) == [(cases.municipality.pk, MONTH)]  # late: still due


@pytest.mark.django_db
def test_monthly_run_due_decides_what_is_due_and_then_nothing(cases, settings, monkeypatch):
    cases.add()
    cases.add()
    monkeypatch.setattr(monthly.timezone, "localdate", lambda *a: dt.date(2026, 2, 22))
    out = io.StringIO()
    call_command("monthly-run", due=True, stdout=out, stderr=io.StringIO())
    assert "Beslutade automatiskt: 2" in out.getvalue()
    assert MonthlyRunJob.objects.get().started_from == "due"
    out = io.StringIO()
    call_command("monthly-run", due=True, stdout=out, stderr=io.StringIO())
    assert "Ingen månadskörning är aktuell" in out.getvalue()


# --- the page ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_case_worker_sees_the_month_but_cannot_start_the_run(client, cases):
    case = cases.add()
    client.force_login(case.caseworker)
    response = client.get(PAGE, {"manad": "2026-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Läget för mars 2026" in html
    assert 'id="state-waiting">1<' in html
    assert "Starta månadskörningen" not in html
    assert client.post(reverse("staff:monthly_run_start"), {"month": "2026-03"}).status_code == 403
    assert not MonthlyRunJob.objects.exists()


@pytest.mark.django_db
def test_a_wrong_month_on_the_page_is_a_clear_error(client, cases):
    case = cases.add()
    client.force_login(case.caseworker)
    response = client.get(PAGE, {"manad": "mars"})
    assert response.status_code == 400
    assert "Månad: Skriv månaden som år och månad" in response.content.decode()


@pytest.mark.django_db
def test_the_progress_of_another_municipalitys_run_is_not_shown(client, cases):
    case = cases.add()
    other = user_with_role(Role.MANAGER)
    job = running_job(case.municipality)
    client.force_login(other)
    assert client.get(reverse("staff:monthly_run_progress", args=[job.pk])).status_code == 404


@pytest.fixture
def background_runs_joined(transactional_db):
    """Waits for the monthly runs started in background threads before the test database is emptied
    (set up after the database, so torn down before it): a run still going when the test ends would
    otherwise touch a database that is gone and take the test process down."""
    yield
    for thread in threading.enumerate():
        if thread.name.startswith("monthly-run-"):
            thread.join(timeout=600)


@pytest.mark.django_db(transaction=True)
def test_a_manager_starts_the_run_from_the_page_and_follows_it_to_the_summary(client, cases, background_runs_joined):
    for _ in range(3):
        case = cases.add()
    manager = user_with_role(Role.MANAGER, case.municipality, first_name="Maja", last_name="Chef")
    client.force_login(manager)
    page = client.get(PAGE, {"manad": "2026-03"}).content.decode()
    assert "Starta månadskörningen för mars 2026" in page
    response = client.post(reverse("staff:monthly_run_start"), {"month": "2026-03"})
    assert response.status_code == 302 and response["Location"].endswith("?manad=2026-03")
    job = MonthlyRunJob.objects.get()
    assert job.started_by == manager and job.started_from == "web"
    progress = reverse("staff:monthly_run_progress", args=[job.pk])
    # Wait on the job row itself: the tests' in-memory SQLite (shared cache) answers "table is locked" at
    # once, without the busy timeout a database file has, when the page's request saves the session (the
    # idle timeout does, on each request) while the run writes; so the page is read after the run.
    deadline = time.monotonic() + 300  # generous: a loaded machine is slow, and the run is not what is timed
    while MonthlyRunJob.objects.get(pk=job.pk).status == RunStatus.RUNNING:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.2)
    part = client.get(progress, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in part  # done: the part stops polling
    job.refresh_from_db()
    assert job.status == RunStatus.DONE
    assert "Beslutade automatiskt: 3" in part
    assert Decision.objects.filter(month=MONTH, automated=True).count() == 3
    html = client.get(PAGE, {"manad": "2026-03"}).content.decode()
    assert 'id="state-automatic">3<' in html and 'id="state-waiting">0<' in html


@pytest.mark.django_db
def test_starting_from_the_page_while_a_run_goes_on_is_refused_with_a_message(client, cases):
    case = cases.add()
    manager = user_with_role(Role.MANAGER, case.municipality)
    running_job(case.municipality, host="another-server", pid=1)
    client.force_login(manager)
    response = client.post(reverse("staff:monthly_run_start"), {"month": "2026-03"}, follow=True)
    assert "pågår redan" in response.content.decode()
    assert MonthlyRunJob.objects.count() == 1
    assert Application.objects.filter(status="submitted").count() == 1
