"""Writes of the case handling: who works on an application, and the case workers' notes.

Every function runs in one transaction with its audit event. Errors for the person at the screen are
``ValidationError`` (a dict of field → Swedish message) and ``PermissionDenied``.
"""

from __future__ import annotations

import logging
import threading

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.utils import timezone

from bistand.applications import services as application_services
from bistand.applications.models import Application, ApplicationStatus
from bistand.audit.services import diff, display_name, record_change, record_create, snapshot
from bistand.tenancy.current import get_state
from bistand.tenancy.scoping import check_can_act_in

from . import monthly
from .models import Assignment, CaseNote, MonthlyRunJob
from .selectors import colleagues_for

ASSIGNMENT_AUDIT_FIELDS = ["application", "assigned_to", "assigned_by", "assigned_at"]
NOTE_MAX_LENGTH = 10_000
#: Applications that can be assigned and worked on (not decided or withdrawn).
OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)


@transaction.atomic
def assign(application: Application, *, to_user, by_user) -> Assignment:
    """Assign ``application`` to ``to_user`` (``by_user`` themselves or a colleague in the application's
    unit). A submitted application then counts as taken by a person ("handläggs"): the monthly run no
    longer decides it automatically. Assigning it again to someone else moves it."""
    check_can_act_in(by_user, application.municipality_id)
    current = Application.objects.select_for_update().get(pk=application.pk)
    if current.status not in OPEN_STATUSES:
        raise ValidationError({"assigned_to": ["Ansökan är redan beslutad eller återkallad och kan inte tilldelas."]})
    allowed = {u.pk for u in colleagues_for(by_user, current)}
    if to_user is None or to_user.pk not in allowed:
        raise ValidationError({"assigned_to": ["Välj en handläggare i enheten som ska ha ansökan."]})
    assignment = Assignment.objects.select_for_update().filter(application=current).first()
    if assignment is None:
        assignment = Assignment.objects.create(application=current, assigned_to=to_user, assigned_by=by_user,
                                               assigned_at=timezone.now())
        record_create(user=by_user, instance=assignment, municipality_id=current.municipality_id,
                      fields=ASSIGNMENT_AUDIT_FIELDS)
    elif assignment.assigned_to_id != to_user.pk:
        before = snapshot(assignment, ASSIGNMENT_AUDIT_FIELDS)
        assignment.assigned_to = to_user
        assignment.assigned_by = by_user
        assignment.assigned_at = timezone.now()
        assignment.save()
        record_change(user=by_user, action="update", instance=assignment, municipality_id=current.municipality_id,
                      changes=diff(before, snapshot(assignment, ASSIGNMENT_AUDIT_FIELDS)))
    if current.status == ApplicationStatus.SUBMITTED:
        application_services.set_status(current, ApplicationStatus.IN_REVIEW, actor=by_user)
    application.status = ApplicationStatus.IN_REVIEW
    return assignment


@transaction.atomic
def unassign(application: Application, *, by_user) -> None:
    """Nobody works on ``application`` any more (it stays "handläggs" until it is decided)."""
    check_can_act_in(by_user, application.municipality_id)
    assignment = Assignment.objects.select_for_update().filter(application_id=application.pk).first()
    if assignment is None:
        return
    record_change(user=by_user, action="delete", instance=assignment, municipality_id=application.municipality_id,
                  changes=diff(snapshot(assignment, ASSIGNMENT_AUDIT_FIELDS), {}))
    assignment.delete()


@transaction.atomic
def add_note(application: Application, *, author, text: str) -> CaseNote:
    """A note on the application (journal). Notes are never changed."""
    check_can_act_in(author, application.municipality_id)
    if author is None:
        raise PermissionDenied("En anteckning skrivs av en inloggad handläggare.")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["Skriv anteckningen."]})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"text": [f"Anteckningen får vara högst {NOTE_MAX_LENGTH} tecken."]})
    note = CaseNote.objects.create(application=application, author=author, author_name=display_name(author)[:200],
                                   text=text, created_at=timezone.now())
    record_create(user=author, instance=note, municipality_id=application.municipality_id,
                  fields=["application", "author", "text", "created_at"])
    return note


# --- the monthly run from the web page --------------------------------------------------------------------

logger = logging.getLogger("bistand.casework")


def start_monthly_run(*, user, month) -> MonthlyRunJob:
    """Start the monthly run of the municipality ``user`` works in for ``month``, from a web request.

    The run is claimed here, in the request (so that a second start is refused at once with
    :class:`~bistand.casework.monthly.RunInProgress`), and then done in a background thread of the web
    server process, which reports its progress in the job row that the page polls. Why a thread and not
    a subprocess or a task queue: the run is the same function ``bistand monthly-run`` calls, with the
    same settings and database; it needs no broker or worker to run beside the web server; and it is
    safe to lose — every chunk is one transaction, so if the web server stops in the middle, what is
    done stays done, the job is marked abandoned at the next start (its process is gone) and starting
    again finishes the month with the same result.
    """
    if not user.has_perm("casework.start_monthly_run"):
        raise PermissionDenied("Du har inte behörighet att starta månadskörningen.")
    municipality = get_state(user).municipality
    if municipality is None:
        raise PermissionDenied("Välj först vilken kommun du arbetar i.")
    check_can_act_in(user, municipality.pk)
    if month is None:
        raise ValidationError({"month": ["Välj vilken månad som ska köras."]})
    job = monthly.begin(municipality, month, user=user, started_from="web")
    threading.Thread(target=_run_in_background, args=(job.pk,), name=f"monthly-run-{job.pk}", daemon=True).start()
    return job


def _run_in_background(job_pk: int) -> None:
    try:
        job = MonthlyRunJob.objects.select_related("municipality").get(pk=job_pk)
        monthly.run_month(job.municipality, job.month, job=job)
    except Exception:  # run_month has marked the job failed; the page shows it
        logger.exception("monthly run %s from the web failed", job_pk)
    finally:
        connections.close_all()  # this thread's connections


__all__ = ["add_note", "assign", "start_monthly_run", "unassign"]
