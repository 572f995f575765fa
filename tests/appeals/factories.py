"""Builders for appeal tests: an issued decision made on a given day, and the builders of the
cross-municipality walk (tests/factories.PERSON_LEVEL_BUILDERS)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone

from bistand.appeals import services
from bistand.appeals.models import Appeal
from bistand.tenancy.roles import Role
from tests.factories import user_with_role
from tests.payments.factories import issued_decision


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def decision_issued_on(municipality, day: dt.date, *, channel: str = "e_service", **fields):
    """An issued, granted decision of ``municipality`` issued on ``day`` (10:00), its application made
    through ``channel``."""
    with mock.patch("django.utils.timezone.now", return_value=moment(day)):
        decision = issued_decision(municipality, **fields)
    if channel != "e_service":
        type(decision.application).objects.filter(pk=decision.application_id).update(channel=channel)
        decision.application.refresh_from_db()
    return decision


def worker(municipality):
    return user_with_role(Role.CASEWORKER, municipality)


def _decision(municipality, made):
    made_decision = made.get("decisions.decision")
    if made_decision is not None and made_decision.is_issued:
        return made_decision
    if made_decision is not None and made_decision.reconsiders_id:  # the walk's draft copy of an issued decision
        return made_decision.reconsiders
    return decision_issued_on(municipality, dt.date(2026, 11, 2))


def build_appeal(municipality, *, pk=None, made, **fields):
    decision = _decision(municipality, made)
    appeal = services.register_paper_appeal(worker(municipality), decision, "Jag vill ha mer.",
                                            timezone.localdate(decision.issued_at))
    if pk is not None:
        Appeal.objects.filter(pk=appeal.pk).update(id=pk)
        appeal = Appeal.objects.get(pk=pk)
    return appeal


def build_appeal_letter(municipality, *, pk=None, made, **fields):
    from bistand.appeals.models import AppealLetter

    appeal = made.get("appeals.appeal") or build_appeal(municipality, made=made)
    forwarded = services.forward(appeal, worker(municipality), statement="Nämnden vidhåller beslutet.")
    letter = AppealLetter.objects.get(appeal=forwarded)
    if pk is not None:
        AppealLetter.objects.filter(pk=letter.pk).update(id=pk)
        letter = AppealLetter.objects.get(pk=pk)
    return letter
