"""Reads of appeals. Reads for a user go through the tenancy scoping helper; the functions that take an
application serve pages that have already scoped it (staff case page, the applicant's own pages)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_noop

from bistand.applications.events import CaseEvent
from bistand.applications.models import STAFF_CHANNELS
from bistand.tenancy.scoping import get_scoped_or_404

from .models import DEFAULT_POST_DAYS, Appeal, AppealLetter, AppealStatus, NotifiedVia, ProcedureSettings


def procedure_settings(municipality_id: int) -> ProcedureSettings:
    """The municipality's settings (the defaults when it has set none; not saved)."""
    found = ProcedureSettings.objects.filter(municipality_id=municipality_id).first()
    return found or ProcedureSettings(municipality_id=municipality_id, post_delivery_days=DEFAULT_POST_DAYS)


def court_name(municipality_id: int) -> str:
    return procedure_settings(municipality_id).court_name or "Förvaltningsrätten"


def notification(decision) -> tuple[str, dt.date]:
    """How and on which day the applicant got ``decision`` (a Decision): an application made in the
    e-service gets its decision published there the day it is issued; an application made on paper, by
    post or at a visit gets the letter by post, and counts as having got it the municipality's number
    of post days after the issue date."""
    issued_on = timezone.localdate(decision.issued_at)
    if decision.application.channel in STAFF_CHANNELS:
        days = procedure_settings(decision.municipality_id).post_delivery_days
        return NotifiedVia.POST, issued_on + dt.timedelta(days=days)
    return NotifiedVia.E_SERVICE, issued_on


def dismissal_notification(appeal: Appeal) -> tuple[str, dt.date]:
    """How and when the appellant got the avvisning of ``appeal``: in the e-service the day it was made
    when they appealed there, else by post (+ the post days)."""
    made_on = timezone.localdate(appeal.dismissed_at)
    if appeal.channel == "e_service":
        return NotifiedVia.E_SERVICE, made_on
    return NotifiedVia.POST, made_on + dt.timedelta(days=procedure_settings(appeal.municipality_id).post_delivery_days)


def appeals_for_application(application) -> list[Appeal]:
    """The appeals of ``application``'s decisions, oldest first."""
    return list(Appeal.objects.filter(application_id=application.pk)
                .select_related("decision", "reconsideration", "appealed_dismissal", "registered_by", "handled_by")
                .prefetch_related("letters").order_by("created_at", "pk"))


def appeals_of_decision(decision) -> list[Appeal]:
    return [a for a in appeals_for_application(decision.application) if a.decision_id == decision.pk]


def appeal_for(user, pk: int) -> Appeal:
    """One appeal ``user`` may see, or 404."""
    return get_scoped_or_404(Appeal.objects.select_related("application", "decision", "municipality"), user, pk=pk)


def appeal_by_pk(pk: int) -> Appeal | None:
    """An appeal by its number, for the e-service (which then checks that its application is the applicant's own)."""
    return Appeal.objects.filter(pk=pk).select_related("decision", "application").first()


def letter_of(appeal: Appeal, kind: str) -> AppealLetter | None:
    return next((letter for letter in appeal.letters.all() if letter.kind == kind), None)


def _swedish(text: str) -> str:
    return text


def chain(appeal: Appeal, translate=_swedish) -> list[dict]:
    """The steps of ``appeal`` as the applicant and the case worker see them, oldest first: each a dict
    with ``at`` (date or datetime), ``title`` and ``text``. Swedish; the e-service passes ``gettext`` as
    ``translate`` for the applicant's language (every text is marked with gettext_noop)."""
    t = translate
    late = ""
    if appeal.late_exception:
        late = " " + t(gettext_noop("Överklagandet prövas ändå: %(reason)s.")) % {"reason": t(appeal.get_late_exception_display())}
    steps = [{
        "at": appeal.lodged_on, "title": t(gettext_noop("Överklagandet kom in")),
        "text": t(gettext_noop("I e-tjänsten.")) if appeal.channel == "e_service" else t(gettext_noop("Med brev eller e-post.")),
    }, {
        "at": appeal.lodged_on,
        "title": t(gettext_noop("Kom in i tid")) if appeal.in_time else t(gettext_noop("Kom in för sent")),
        "text": t(gettext_noop("Beslutet räknas som mottaget %(notified)s (%(via)s). Sista dagen att överklaga var "
                               "%(deadline)s; överklagandet kom in %(lodged)s.")) % {
            "notified": f"{appeal.notified_on:%Y-%m-%d}", "via": t(appeal.get_notified_via_display()).lower(),
            "deadline": f"{appeal.deadline:%Y-%m-%d}", "lodged": f"{appeal.lodged_on:%Y-%m-%d}"} + late,
    }]
    if appeal.reconsideration_id:
        new = appeal.reconsideration
        steps.append({"at": new.issued_at, "title": t(gettext_noop("Beslutet har omprövats")),
                      "text": t(gettext_noop("Nytt beslut %(number)s: %(outcome)s. Överklagandet gäller nu det nya "
                                             "beslutet (39 § förvaltningslagen).")) % {
                          "number": new.pk, "outcome": t(new.get_outcome_display()).lower()}})
    if appeal.status == AppealStatus.FORWARDED:
        steps.append({"at": appeal.forwarded_at,
                      "title": t(gettext_noop("Skickat till %(court)s")) % {"court": court_name(appeal.municipality_id).lower()},
                      "text": t(gettext_noop("Kommunen har skickat överklagandet med sitt yttrande. Domstolen prövar det nu."))})
    if appeal.status == AppealStatus.DISMISSED:
        steps.append({"at": appeal.dismissed_at, "title": t(gettext_noop("Överklagandet har avvisats")),
                      "text": t(gettext_noop("Det kom in för sent och kan inte prövas. Du kan överklaga beslutet om avvisning."))})
    return steps


def events_for_application(application) -> list[CaseEvent]:
    """The application's appeals as events for "Mitt ärende"."""
    return events_for_applications([application])[application.pk]


def events_for_applications(applications) -> dict[int, list[CaseEvent]]:
    """:func:`events_for_application` for many applications in one query (and one per municipality with a
    forwarded appeal): application id → its events."""
    out: dict[int, list[CaseEvent]] = {application.pk: [] for application in applications}
    courts: dict[int, str] = {}
    for appeal in Appeal.objects.filter(application_id__in=list(out)).order_by("created_at", "pk"):
        events = out[appeal.application_id]
        start = timezone.make_aware(dt.datetime.combine(appeal.lodged_on, dt.time(0, 0)))
        received = max(appeal.created_at, start)
        ids = {"application_id": appeal.application_id, "decision_id": appeal.decision_id}
        events.append(CaseEvent.of(received, "appealed", ((gettext_noop("Ditt överklagande har kommit in"), {}),),
                                   ((gettext_noop("Det kom in i tid.") if appeal.counts_as_in_time
                                     else gettext_noop("Det kom in för sent."), {}),), **ids))
        if appeal.status == AppealStatus.FORWARDED:
            if appeal.municipality_id not in courts:
                courts[appeal.municipality_id] = court_name(appeal.municipality_id)
            events.append(CaseEvent.of(appeal.forwarded_at, "appeal_forwarded",
                                       ((gettext_noop("Överklagandet har skickats till %(court)s"),
                                         {"court": courts[appeal.municipality_id].lower()}),), **ids))
        if appeal.status == AppealStatus.DISMISSED:
            events.append(CaseEvent.of(appeal.dismissed_at, "appeal_dismissed", ((gettext_noop("Överklagandet har avvisats"), {}),),
                                       ((gettext_noop("Det kom in för sent. Du kan överklaga beslutet om avvisning."), {}),),
                                       **ids))
    return out


__all__ = ["appeal_for", "appeals_for_application", "appeals_of_decision", "chain", "court_name",
           "dismissal_notification", "events_for_application", "events_for_applications", "letter_of", "notification", "procedure_settings"]
