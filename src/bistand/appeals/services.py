"""Appeals under förvaltningslagen (2017:900): lodging, rättidsprövning, omprövning, forwarding and
avvisning. See :mod:`bistand.appeals.models`.

* :func:`lodge_appeal` — the applicant appeals in the e-service (the day it came in is today);
  :func:`register_paper_appeal` — a case worker registers an appeal that came by letter or e-mail, with
  the day it arrived. Both do the rättidsprövning at once (45 § FL): the day the applicant got the
  decision (:func:`bistand.appeals.selectors.notification`), the last day (44 § FL and 2 § lagen
  (1930:173), :func:`bistand.common.deadlines.appeal_deadline`) and whether it came in in time.
* :func:`reconsider_on_appeal` — the case worker reconsiders the decision (38 § FL) with the existing
  omprövning (:func:`bistand.decisions.services.reconsider`); the appeal then covers the new decision
  (39 § FL) and can still be forwarded.
* :func:`forward` — the appeal goes with the case worker's yttrande to förvaltningsrätten (46 § FL); a
  forwarding letter is stored. A late appeal is forwarded only under an exception of 45 § second
  paragraph.
* :func:`dismiss_late` — a late appeal is refused (avvisning, 45 § FL) by a decision with its own
  reasons and appeal instructions; the letter is stored. The avvisning can itself be appealed.

Every write is one transaction with an audit event; repeating a write gives the same result.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from bistand.audit.services import diff, record_change, record_create, snapshot
from bistand.common.deadlines import appeal_deadline
from bistand.decisions import services as decision_services
from bistand.decisions.models import Decision
from bistand.decisions.selectors import decision_in_force
from bistand.tenancy.scoping import check_can_act_in

from . import letters
from .models import Appeal, AppealChannel, AppealStatus, LateException, LetterKind
from .selectors import dismissal_notification, notification

AUDIT_FIELDS = ["application", "decision", "appealed_dismissal", "channel", "lodged_on", "registered_by",
                "notified_via", "notified_on", "deadline", "in_time", "status", "late_exception",
                "reconsideration", "handled_by", "forwarded_at", "dismissed_at"]


def today() -> dt.date:
    """The day an appeal in the e-service comes in (the Swedish calendar day)."""
    return timezone.localdate()


def _error(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _timeliness(decision: Decision, appealed_dismissal: Appeal | None, lodged_on: dt.date) -> dict:
    via, notified_on = (dismissal_notification(appealed_dismissal) if appealed_dismissal is not None
                        else notification(decision))
    deadline = appeal_deadline(notified_on)
    return {"notified_via": via, "notified_on": notified_on, "deadline": deadline, "in_time": lodged_on <= deadline}


def _create(decision: Decision, *, channel: str, text: str, lodged_on: dt.date, user,
            appealed_dismissal: Appeal | None) -> Appeal:
    text = (text or "").strip()
    if not text:
        raise _error("text", gettext_noop("Skriv vilket beslut du överklagar, hur du vill att det ska ändras och varför."))
    if not decision.is_issued:
        raise _error("decision", gettext_noop("Bara ett fattat beslut kan överklagas."))
    if appealed_dismissal is not None:
        if appealed_dismissal.status != AppealStatus.DISMISSED or appealed_dismissal.decision_id != decision.pk:
            raise _error("decision", gettext_noop("Bara ett beslut om avvisning kan överklagas på det här sättet."))
    issued_on = timezone.localdate(decision.issued_at)
    if appealed_dismissal is not None:
        issued_on = timezone.localdate(appealed_dismissal.dismissed_at)
    if lodged_on < issued_on:
        raise _error("lodged_on", "Överklagandet kan inte ha kommit in före beslutet.")
    if lodged_on > today():
        raise _error("lodged_on", "Dagen då överklagandet kom in kan inte vara senare än i dag.")
    Decision.objects.select_for_update().filter(pk=decision.pk).first()  # one appeal registration at a time
    same = Appeal.objects.filter(decision=decision, appealed_dismissal=appealed_dismissal, channel=channel,
                                 text=text, lodged_on=lodged_on).first()
    if same is not None:  # the same appeal sent twice (a double click, a repeated registration)
        return same
    appeal = Appeal.objects.create(
        municipality_id=decision.municipality_id, application_id=decision.application_id, decision=decision,
        appealed_dismissal=appealed_dismissal, channel=channel, text=text, lodged_on=lodged_on, registered_by=user,
        **_timeliness(decision, appealed_dismissal, lodged_on))
    record_create(user=user, instance=appeal, municipality_id=appeal.municipality_id, fields=[*AUDIT_FIELDS, "text"])
    return appeal


@transaction.atomic
def lodge_appeal(person, decision: Decision, text: str, *, appealed_dismissal: Appeal | None = None) -> Appeal:
    """The applicant (or co-applicant) ``person`` appeals ``decision`` in the e-service, today."""
    application = decision.application
    if person is None or person.pk not in (application.applicant_id, application.co_applicant_id):
        raise PermissionDenied("Bara den som ansökte kan överklaga beslutet här.")
    return _create(decision, channel=AppealChannel.E_SERVICE, text=text, lodged_on=today(), user=None,
                   appealed_dismissal=appealed_dismissal)


@transaction.atomic
def register_paper_appeal(user, decision: Decision, text: str, lodged_on: dt.date | None, *,
                          appealed_dismissal: Appeal | None = None) -> Appeal:
    """A case worker registers an appeal that came by letter or e-mail, with the day it arrived."""
    check_can_act_in(user, decision.municipality_id)
    if lodged_on is None:
        raise _error("lodged_on", "Skriv dagen då överklagandet kom in till kommunen.")
    return _create(decision, channel=AppealChannel.PAPER, text=text, lodged_on=lodged_on, user=user,
                   appealed_dismissal=appealed_dismissal)


def _locked(appeal: Appeal, user) -> Appeal:
    check_can_act_in(user, appeal.municipality_id)
    return Appeal.objects.select_for_update().get(pk=appeal.pk)


def _save(appeal: Appeal, user, before: dict) -> None:
    appeal.handled_by = user
    appeal.save()
    record_change(user=user, action="update", instance=appeal, municipality_id=appeal.municipality_id,
                  changes=diff(before, snapshot(appeal, AUDIT_FIELDS)))


@transaction.atomic
def reconsider_on_appeal(appeal: Appeal, user, *, caseworker_text: str, calculation=None, outcome: str | None = None,
                         worsening_exception: str = "", worsening_reason: str = "", kommunicering_exception: str = "",
                         kommunicering_reason: str = "") -> Decision:
    """Reconsider the decision the appeal is about (its newest decision) because of the appeal (38 §
    FL). Raises DecisionError as the omprövning does (e.g. a change to the applicant's detriment, or one
    against the applicant on differing register data without kommunicering or an exception of 25 § FL)."""
    appeal = _locked(appeal, user)
    if appeal.appealed_dismissal_id is not None:
        raise _error("appeal", "Ett överklagande av en avvisning omprövas inte här; skicka det till förvaltningsrätten.")
    if appeal.status != AppealStatus.RECEIVED:
        raise _error("appeal", f"Överklagandet är redan {appeal.get_status_display().lower()}.")
    current = decision_in_force(appeal.application) or appeal.decision
    new = decision_services.reconsider(
        current, user, calculation=calculation, outcome=outcome, worsening_exception=worsening_exception,
        worsening_reason=worsening_reason, kommunicering_exception=kommunicering_exception,
        kommunicering_reason=kommunicering_reason,
        caseworker_text=f"Omprövning efter överklagande som kom in {appeal.lodged_on:%Y-%m-%d}. {caseworker_text.strip()}"
        if caseworker_text and caseworker_text.strip() else "")
    before = snapshot(appeal, AUDIT_FIELDS)
    appeal.reconsideration = new
    appeal.status = AppealStatus.RECONSIDERED
    _save(appeal, user, before)
    return new


@transaction.atomic
def forward(appeal: Appeal, user, *, statement: str, late_exception: str = "", late_exception_reason: str = "",
            now: dt.datetime | None = None) -> Appeal:
    """Forward the appeal with ``statement`` (the yttrande) to förvaltningsrätten (46 § FL) and store the
    forwarding letter. Idempotent: an appeal already forwarded is returned as it is."""
    appeal = _locked(appeal, user)
    if appeal.status == AppealStatus.FORWARDED:
        return appeal
    if not appeal.may_be_forwarded:
        raise _error("appeal", f"Överklagandet kan inte skickas: det är {appeal.get_status_display().lower()}.")
    statement = (statement or "").strip()
    if not statement:
        raise _error("statement", "Skriv kommunens yttrande till förvaltningsrätten.")
    late_exception = (late_exception or "").strip()
    late_exception_reason = (late_exception_reason or "").strip()
    if late_exception and late_exception not in LateException.values:
        raise _error("late_exception", "Välj ett av undantagen i 45 § andra stycket förvaltningslagen.")
    if not appeal.in_time and not late_exception:
        raise _error("late_exception", f"Överklagandet kom in för sent (sista dagen var {appeal.deadline:%Y-%m-%d}). "
                     "Avvisa det, eller välj det undantag i 45 § andra stycket förvaltningslagen som gäller.")
    if late_exception and not late_exception_reason:
        raise _error("late_exception_reason", "Skriv skälen till att undantaget gäller.")
    before = snapshot(appeal, AUDIT_FIELDS)
    if not appeal.in_time:
        appeal.late_exception, appeal.late_exception_reason = late_exception, late_exception_reason
    appeal.statement = statement
    appeal.status = AppealStatus.FORWARDED
    appeal.forwarded_at = now or timezone.now()
    _save(appeal, user, before)
    letter = letters.store(appeal, LetterKind.FORWARDING)
    record_create(user=user, instance=letter, municipality_id=appeal.municipality_id, fields=["appeal", "kind", "html_sha256"])
    return appeal


@transaction.atomic
def dismiss_late(appeal: Appeal, user, *, caseworker_text: str = "", now: dt.datetime | None = None) -> Appeal:
    """Refuse (avvisa) an appeal that came in late (45 § FL) and store the decision letter, which has
    its own appeal instructions. Idempotent: an appeal already dismissed is returned as it is."""
    appeal = _locked(appeal, user)
    if appeal.status == AppealStatus.DISMISSED:
        return appeal
    if appeal.in_time:
        raise _error("appeal", "Överklagandet kom in i tid och kan inte avvisas för att det kom in för sent.")
    if appeal.status not in (AppealStatus.RECEIVED, AppealStatus.RECONSIDERED):
        raise _error("appeal", f"Överklagandet kan inte avvisas: det är {appeal.get_status_display().lower()}.")
    before = snapshot(appeal, AUDIT_FIELDS)
    what = (f"beslutet om avvisning den {timezone.localdate(appeal.appealed_dismissal.dismissed_at):%Y-%m-%d}"
            if appeal.appealed_dismissal_id else f"beslut {appeal.decision_id}")
    reasons = (f"Du har överklagat {what}. Ett överklagande ska ha kommit in inom tre veckor från den dag du fick "
               f"del av beslutet (44 § förvaltningslagen). Du räknas ha fått beslutet {appeal.notified_on:%Y-%m-%d} "
               f"({appeal.get_notified_via_display().lower()}), så sista dagen var {appeal.deadline:%Y-%m-%d}. "
               f"Överklagandet kom in {appeal.lodged_on:%Y-%m-%d}, alltså för sent, och ska därför avvisas "
               "(45 § förvaltningslagen).")
    appeal.dismissal_reasons = "\n\n".join(p for p in (reasons, (caseworker_text or "").strip()) if p)
    appeal.status = AppealStatus.DISMISSED
    appeal.dismissed_at = now or timezone.now()
    _save(appeal, user, before)
    letter = letters.store(appeal, LetterKind.DISMISSAL)
    record_create(user=user, instance=letter, municipality_id=appeal.municipality_id, fields=["appeal", "kind", "html_sha256"])
    return appeal


__all__ = ["dismiss_late", "forward", "lodge_appeal", "reconsider_on_appeal", "register_paper_appeal"]
