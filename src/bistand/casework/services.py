"""Writes of the case handling: who works on an application, and the case workers' notes.

Every function runs in one transaction with its audit event. Errors for the person at the screen are
``ValidationError`` (a dict of field → Swedish message) and ``PermissionDenied``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bistand.applications import services as application_services
from bistand.applications.models import Application, ApplicationStatus
from bistand.audit.services import diff, display_name, record_change, record_create, snapshot
from bistand.tenancy.scoping import check_can_act_in

from .models import Assignment, CaseNote
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


__all__ = ["add_note", "assign", "unassign"]
