"""The försörjningshinder code list (``data/forsorjningshinder.yaml``, versioned) and recording the main
försörjningshinder of each adult of a decision, and a household's end reason.

The list's codes are the system's stable keys; Socialstyrelsen's own codes were not found and are marked
unverified in the file (shared reference statistics.md §1.6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from bistand.audit.models import ChangeAction
from bistand.audit.services import display_name, record_change
from bistand.tenancy.scoping import check_can_act_in

from . import aggregates
from .models import EndReason, HouseholdEnd, MonthRole, PersonMonth, SupportBarrier
from .services import adults_of, household_key

CODE_LIST = Path(__file__).parent / "data" / "forsorjningshinder.yaml"


@dataclass(frozen=True)
class Barrier:
    code: str
    label: str  # "Arbetslös – ingen ersättning eller stöd"
    group: str
    verified: bool


@dataclass(frozen=True)
class CodeList:
    version: str
    verified: bool
    barriers: dict[str, Barrier]  # the codes that can be chosen


@lru_cache(maxsize=1)
def code_list() -> CodeList:
    data = yaml.safe_load(CODE_LIST.read_text(encoding="utf-8"))
    barriers: dict[str, Barrier] = {}
    for group in data["groups"]:
        if not group["options"]:
            barriers[group["code"]] = Barrier(group["code"], group["label"], group["code"], bool(group["verified"]))
        for option in group["options"]:
            barriers[option["code"]] = Barrier(option["code"], f"{group['label']} – {option['label']}", group["code"],
                                               bool(group["verified"]))
    return CodeList(str(data["version"]), bool(data["verified"]), barriers)


@transaction.atomic
def record_support_barrier(*, actor, decision, person, code: str) -> SupportBarrier:
    """Record (or change) the main försörjningshinder of one adult of the decision. Idempotent: the same
    code again changes nothing. Raises ValidationError naming the field."""
    check_can_act_in(actor, decision.municipality_id)
    barriers = code_list()
    if code not in barriers.barriers:
        raise ValidationError({"code": [f"Okänt försörjningshinder: {code!r}. Välj ett ur kodlistan (version "
                                         f"{barriers.version})."]})
    if person.pk not in {person_id for person_id, _ in adults_of(decision)}:
        raise ValidationError({"person": ["Försörjningshinder registreras för de vuxna som beslutet gäller: "
                                           "sökande och medsökande."]})
    current = SupportBarrier.objects.select_for_update().filter(decision=decision, person=person).first()
    if current is None:
        barrier = SupportBarrier.objects.create(municipality_id=decision.municipality_id, decision=decision,
                                                person=person, code=code, code_list_version=barriers.version,
                                                recorded_by=display_name(actor))
        record_change(user=actor, action=ChangeAction.CREATE, instance=barrier, municipality_id=decision.municipality_id,
                      changes={"code": {"old": None, "new": code}})
        return barrier
    if current.code != code:
        record_change(user=actor, action=ChangeAction.UPDATE, instance=current, municipality_id=decision.municipality_id,
                      changes={"code": {"old": current.code, "new": code}})
        current.code, current.code_list_version, current.recorded_by = code, barriers.version, display_name(actor)
        current.save(update_fields=["code", "code_list_version", "recorded_by"])
    return current


@transaction.atomic
def record_end_reason(*, actor, household, month: dt.date, reason: str) -> HouseholdEnd:
    """Record why a household left assistance after ``month`` (its last month with assistance); the
    person-month base gets it on the applicant's row of that month. Idempotent."""
    check_can_act_in(actor, household.municipality_id)
    if reason not in EndReason.values:
        raise ValidationError({"reason": [f"Okänd avslutsorsak. Välj en av: {', '.join(EndReason.labels)}."]})
    month = month.replace(day=1)
    current = HouseholdEnd.objects.select_for_update().filter(household=household, month=month).first()
    if current is None:
        current = HouseholdEnd.objects.create(municipality_id=household.municipality_id, household=household,
                                              month=month, reason=reason, recorded_by=display_name(actor))
        record_change(user=actor, action=ChangeAction.CREATE, instance=current, municipality_id=household.municipality_id,
                      changes={"reason": {"old": None, "new": reason}})
    elif current.reason != reason:
        record_change(user=actor, action=ChangeAction.UPDATE, instance=current, municipality_id=household.municipality_id,
                      changes={"reason": {"old": current.reason, "new": reason}})
        current.reason, current.recorded_by = reason, display_name(actor)
        current.save(update_fields=["reason", "recorded_by"])
    if PersonMonth.objects.filter(household_key=household_key(household.pk), month=month,
                                  role=MonthRole.APPLICANT).update(end_reason=reason):
        aggregates.touch([(household.municipality_id, month)])
    return current
