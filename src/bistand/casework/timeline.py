"""The applicant's case as a stream of events for "Mitt ärende": received, more information requested,
decided, paid.

The timeline reads applications, decisions and payments, so it lives above all three (in casework); each
of them gives its own events as :class:`bistand.applications.events.CaseEvent` through a plain import —
if one of them cannot be read the page fails, it never leaves the events out silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_noop

from bistand.appeals import selectors as appeal_selectors
from bistand.applications.events import CaseEvent
from bistand.applications.models import Application, ApplicationStatus
from bistand.applications.selectors import applications_of
from bistand.decisions import selectors as decision_selectors
from bistand.payments import selectors as payment_selectors


def application_events(application: Application, viewer_ids: Iterable[int] = (), *,
                       preloaded: dict[str, dict[int, list[CaseEvent]]] | None = None) -> list[CaseEvent]:
    """The events of one application, oldest first, as the applicant reads them — or as the co-applicant
    does when ``viewer_ids`` (the reader's Person ids) do not include the applicant. ``preloaded``: the
    decisions', payments' and appeals' events of many applications read at once (:func:`case_events`)."""
    events: list[CaseEvent] = []
    viewer_ids = set(viewer_ids)
    is_co_applicant = bool(viewer_ids) and application.applicant_id not in viewer_ids
    if application.applicant_signed_at and application.status == ApplicationStatus.AWAITING_CO_APPLICANT:
        events.append(CaseEvent(application.applicant_signed_at, "awaiting_co_applicant",
                                gettext_noop("Väntar på att du bekräftar ansökan") if is_co_applicant
                                else gettext_noop("Väntar på att din make, maka eller sambo bekräftar ansökan"),
                                application_id=application.pk))
    if application.submitted_at:
        events.append(CaseEvent.of(application.submitted_at, "received",
                                   ((gettext_noop("Ansökan har kommit in till kommunen"), {}),),
                                   ((gettext_noop("%(kind)s för %(month)s."),
                                     {"kind": application.get_kind_display(), "month": application.month}),),
                                   application_id=application.pk))
    for completion in application.completion_requests.all():
        events.append(CaseEvent(
            completion.created_at, "completion_requested",
            gettext_noop("Kommunen vill att du yttrar dig över uppgifter från register") if completion.kind == "kommunicering"
            else gettext_noop("Kommunen behöver fler uppgifter"),
            f"{completion.text} Svara senast {completion.due_date:%Y-%m-%d}.", application_id=application.pk,
            text_parts=(("%(text)s", {"text": completion.text}),
                        (gettext_noop("Svara senast %(date)s."), {"date": f"{completion.due_date:%Y-%m-%d}"})),
        ))
        if completion.answered_at:
            events.append(CaseEvent(completion.answered_at, "completion_answered", gettext_noop("Du har skickat kompletteringen"),
                                    application_id=application.pk))
    if preloaded is None:
        events += decision_selectors.events_for_application(application)
        events += payment_selectors.events_for_application(application)
        events += appeal_selectors.events_for_application(application)
    else:
        for source in ("decisions", "payments", "appeals"):
            events += preloaded[source][application.pk]
    return sorted(events, key=lambda e: (e.at, e.kind))


def case_events(person, applications: list[Application] | None = None) -> list[CaseEvent]:
    """Every event of the applications in which ``person`` (a Person, or a list of Person ids of the
    same personnummer) is the applicant or the co-applicant, newest first. ``applications``: the person's
    applications as :func:`~bistand.applications.selectors.applications_of` gives them, all of them, when
    the caller has read them already (they are not read again)."""
    ids: list[int] = [person.pk] if hasattr(person, "pk") else list(person)
    events: list[CaseEvent] = []
    if applications is None:
        applications = list(applications_of(ids).exclude(status=ApplicationStatus.DRAFT))
    else:
        applications = [a for a in applications if a.status != ApplicationStatus.DRAFT]
    prefetch_related_objects(applications, "completion_requests")
    preloaded = {"decisions": decision_selectors.events_for_applications(applications),
                 "payments": payment_selectors.events_for_applications(applications),
                 "appeals": appeal_selectors.events_for_applications(applications)}
    for application in applications:
        events += application_events(application, viewer_ids=ids, preloaded=preloaded)
    return sorted(events, key=lambda e: (e.at, e.kind), reverse=True)
