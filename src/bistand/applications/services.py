"""Writes of applications, attachments and completion requests.

Every function runs in one transaction, locks the application row it changes, and writes an audit
event in that transaction. The applicant acts through the e-service as a Person (recorded in the audit
trail as "Sökanden via e-tjänsten (person <id>)"); staff act as users.

Idempotency: :func:`start_application` and :func:`prefill_recurring` return the household's live
application of the month when there is one (the database allows only one); :func:`submit` returns the
already submitted application when it is called again (double click, retry, a second tab). Together
with the database constraint this means one application however often the applicant presses the button.

Errors for the person are ``ValidationError`` (a dict of field or section → Swedish message),
:class:`StaleSubmission` and ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bistand.audit.services import diff, record_change, record_create, record_delete, snapshot
from bistand.calculations.services import members_in_month
from bistand.common.months import parse_month
from bistand.people import personnummer as pnr
from bistand.people.models import Household, HouseholdMember, HouseholdRole, Person
from bistand.people.services import add_household_member, create_household, create_person
from bistand.tenancy.scoping import check_can_act_in

from . import declaration as decl
from . import selectors
from .models import (
    MONTHLY_KINDS,
    STAFF_CHANNELS,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    Channel,
    CompletionRequest,
    CompletionStatus,
    NormAdjustment,
    NormAdjustmentKind,
    NormDirection,
)

APPLICATION_AUDIT_FIELDS = ["household", "applicant", "co_applicant", "month", "kind", "status", "previous",
                            "needs_caseworker", "submitted_at", "co_applicant_confirmed_at"]


class StaleSubmission(Exception):
    """The page the applicant signed on is older than the application (it was changed in another tab)."""

    def __init__(self) -> None:
        super().__init__(
            "Ansökan har ändrats sedan du öppnade sidan, till exempel i en annan flik. Kontrollera uppgifterna "
            "en gång till och skriv under igen."
        )
        self.message = str(self)


@dataclass(frozen=True)
class ApplicantActor:
    """The applicant acting through the e-service, for the audit trail (not a Django user)."""

    person_id: int
    pk: None = None

    def get_full_name(self) -> str:
        return "Sökanden via e-tjänsten"

    def get_username(self) -> str:
        return f"person {self.person_id}"


def actor_for(person: Person) -> ApplicantActor:
    return ApplicantActor(person.pk)


@dataclass(frozen=True)
class SubmitResult:
    application: Application
    created: bool  # False when it had already been submitted (a double click, a retry, another tab)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("municipality").get(pk=application.pk)


def _audit(application: Application, actor, old: dict | None, action: str = "update") -> None:
    new = snapshot(application, APPLICATION_AUDIT_FIELDS)
    record_change(user=actor, action=action, instance=application, municipality_id=application.municipality_id,
                  changes=diff(old or {}, new))


def _check_applicant(application: Application, person: Person) -> None:
    if person is None or application.applicant_id != person.pk:
        raise PermissionDenied("Bara den som söker kan ändra ansökan.")


def _refresh(target: Application, source: Application) -> Application:
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


# --- persons and households of the e-service --------------------------------------------------------


@transaction.atomic
def ensure_person(*, municipality, personnummer: str, given_name: str, family_name: str) -> Person:
    """The Person with ``personnummer`` in ``municipality``, created from the e-ID's name when the
    municipality does not know the person yet (recorded as done by the system)."""
    number = pnr.normalise(personnummer)
    person = Person.objects.filter(municipality=municipality, personnummer=number).first()
    if person is not None:
        return person
    try:
        return create_person(actor=None, municipality=municipality, personnummer=number,
                             first_name=given_name or "Okänt", last_name=family_name or "Okänt")
    except ValidationError:
        # Created at the same moment by another request.
        return Person.objects.get(municipality=municipality, personnummer=number)


def current_household_of(person: Person, on: dt.date) -> Household | None:
    """The household in which ``person`` is the applicant or the partner on ``on`` (newest first)."""
    member = (
        HouseholdMember.objects.filter(person=person, role__in=[HouseholdRole.APPLICANT, HouseholdRole.PARTNER],
                                       valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("household")
        .order_by("-valid_from", "-pk")
        .first()
    )
    return member.household if member else None


def _live(household: Household, month: dt.date) -> Application | None:
    return (
        Application.objects.filter(household=household, month=month, kind__in=MONTHLY_KINDS)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .first()
    )


@transaction.atomic
def start_application(*, person: Person, month, now: dt.datetime | None = None) -> Application:
    """The applicant's draft of a first (new) application for ``month`` in the person's municipality,
    or the household's live application of that month if there is one (idempotent: two tabs, a
    reload, a double click give the same application)."""
    month = parse_month(month)
    person = Person.objects.select_for_update().get(pk=person.pk)
    household = current_household_of(person, month)
    if household is None:
        # Applicants without a household (or whose household was not in this month) get a new one;
        # the people register learns about them when they submit.
        household = (
            Household.objects.filter(municipality_id=person.municipality_id, applications__applicant=person,
                                     members__isnull=True)
            .order_by("-pk").first()
        ) or create_household(actor=None, municipality=person.municipality)
    existing = _live(household, month)
    if existing is not None:
        return existing
    application = Application(
        municipality_id=household.municipality_id, unit_id=household.unit_id, household=household, applicant=person,
        month=month, kind=ApplicationKind.NEW, declaration=decl.empty(person), created_at=_now(now),
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        return _live(household, month)
    _audit(application, actor_for(person), None, action="create")
    return application


def previous_application(household: Household, month: dt.date) -> Application | None:
    """The household's newest received application of an earlier month."""
    return (
        Application.objects.filter(household=household, month__lt=month, kind__in=MONTHLY_KINDS,
                                   status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW,
                                               ApplicationStatus.DECIDED])
        .order_by("-month", "-submitted_at", "-pk")
        .first()
    )


@transaction.atomic
def prefill_recurring(household: Household, month, *, person: Person | None = None,
                      now: dt.datetime | None = None) -> Application:
    """A recurring application (återansökan) for ``month`` prefilled from the household's last
    application: the same facts, which the applicant confirms or changes. Returns the household's live
    application of the month when there already is one. Raises ValidationError when the household has
    no earlier application to start from."""
    month = parse_month(month)
    household = Household.objects.select_for_update().get(pk=household.pk)
    existing = _live(household, month)
    if existing is not None:
        return existing
    previous = previous_application(household, month)
    if previous is None:
        raise ValidationError({"month": ["Det finns ingen tidigare ansökan att utgå från. Gör en ny ansökan."]})
    applicant = person or previous.applicant
    if applicant.pk not in (previous.applicant_id, previous.co_applicant_id):
        raise PermissionDenied("Bara hushållets sökande kan göra en återansökan.")
    data = decl.copy_for_new_month(previous.declaration)
    if applicant.pk != previous.applicant_id:
        # The partner applies this month: the roles in the declaration swap.
        members = data["members"]
        old_applicant = members["applicant"]
        old_partner = members.get("partner") or {}
        members["applicant"] = decl.person_fact(applicant)
        if "labour_market" in old_partner:
            members["applicant"]["labour_market"] = old_partner["labour_market"]
        members["partner"] = {**old_applicant, **decl.SOURCE}
        data["incomes"] = [
            {**i, "member": {"applicant": "partner", "partner": "applicant"}.get(i.get("member"), i.get("member"))}
            for i in data.get("incomes") or []
        ]
    application = Application(
        municipality_id=household.municipality_id, unit_id=household.unit_id, household=household, applicant=applicant,
        month=month, kind=ApplicationKind.RECURRING, declaration=data, previous=previous, created_at=_now(now),
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        return _live(household, month)
    _audit(application, actor_for(applicant), None, action="create")
    return application


# --- drafts -------------------------------------------------------------------------------------------


@transaction.atomic
def save_draft(application: Application, *, person: Person | None = None, section: str | None = None, data: Any = None,
               cannot_answer: str | None = None, message: str | None = None, actor=None) -> Application:
    """Save one section of the draft (``data`` as the declaration's forms clean it,
    bistand.casework.declaration_forms) and mark the section as gone through. ``cannot_answer`` (a note,
    may be "") marks that the applicant cannot answer the section — it then goes to a case worker;
    ``None`` clears that mark. Every save gives the draft a new submission key, so that the page where the
    applicant signs always shows what is signed.

    The applicant saves their own draft (``person``); a case worker (``actor``, a user) saves the sections
    of a paper or in-person application they are registering (:func:`register_on_behalf`), and only such a
    draft — which, in turn, the applicant cannot change in the e-service."""
    current = _lock(application)
    if actor is not None:
        _check_registered_by_staff(current, actor)
    else:
        _check_applicant(current, person)
        if current.registered_by_id is not None:
            raise PermissionDenied("En handläggare registrerar den här ansökan.")
    if not current.is_editable:
        raise ValidationError({"__all__": ["Ansökan är redan inskickad och kan inte ändras. Kontakta kommunen om något har ändrats."]})
    declaration = dict(current.declaration or {})
    old_declaration = dict(declaration)
    if section is not None:
        if section not in decl.SECTION_LABELS:
            raise ValueError(f"unknown section {section!r}")
        if data is not None:
            if section == "members":
                members = dict(declaration.get("members") or {})
                members.update(data)
                declaration["members"] = members
            else:
                declaration[section] = data
        answered = list(dict.fromkeys([*(declaration.get("answered") or []), section]))
        declaration["answered"] = answered
        unanswerable = dict(declaration.get("cannot_answer") or {})
        if cannot_answer is None:
            unanswerable.pop(section, None)
        else:
            unanswerable[section] = " ".join(str(cannot_answer).split())[:1000]
        declaration["cannot_answer"] = unanswerable
    if message is not None:
        declaration["message"] = str(message).strip()[:4000]
    current.declaration = declaration
    current.submission_key = uuid.uuid4()
    current.save(update_fields=["declaration", "submission_key", "updated_at"])
    changed = {key: {"old": old_declaration.get(key), "new": declaration.get(key)}
               for key in sorted(set(old_declaration) | set(declaration)) if old_declaration.get(key) != declaration.get(key)}
    if changed:
        record_change(user=actor if actor is not None else actor_for(person), action="update", instance=current,
                      municipality_id=current.municipality_id, changes={f"declaration.{k}": v for k, v in changed.items()})
    return _refresh(application, current)


def _check_registered_by_staff(application: Application, actor) -> None:
    """A case worker changes only a paper or in-person application (registered by staff) of their municipality."""
    check_can_act_in(actor, application.municipality_id)
    if application.registered_by_id is None:
        raise PermissionDenied("Bara sökanden kan ändra en ansökan från e-tjänsten.")


#: Reason (Application.caseworker_reasons) for a declared partner or child whom the people register has
#: in another household: a case worker checks it before the register changes.
MEMBER_IN_OTHER_HOUSEHOLD = "member_in_other_household"
MEMBER_IN_OTHER_HOUSEHOLD_LABEL = ("En make, maka, sambo eller ett barn som anges i ansökan hör redan till ett annat "
                                   "hushåll i personregistret. Kontrollera uppgiften innan hushållet ändras.")


def _known_person(municipality_id: int, number: str | None) -> Person | None:
    """The Person the municipality already has with ``number`` (never created here)."""
    if not number:
        return None
    try:
        normalised = pnr.normalise(number)
    except ValueError:
        return None
    return Person.objects.filter(municipality_id=municipality_id, personnummer=normalised).first()


def _in_other_household(person: Person, household: Household, month: dt.date) -> bool:
    return (
        HouseholdMember.objects.filter(person=person, valid_from__lte=month)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .exclude(household=household)
        .exists()
    )


def _registered_ids(household: Household, month: dt.date) -> set[int]:
    return set(
        HouseholdMember.objects.filter(household=household, valid_from__lte=month)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .values_list("person_id", flat=True)
    )


def _read_claims(application: Application) -> tuple[dict[str, Any], bool, list[dict[str, str]]]:
    """The declared partner and children as *claims*: the register is only read, never written, and no
    Person is created. A claim is linked (``person_id``) only to a person the household already has;
    a claim on a person whom the register has in another household gives the case worker a reason.
    Returns (declaration, partner_conflict, reasons). What the applicant typed stays as typed."""
    declaration = dict(application.declaration)
    members = dict(declaration.get("members") or {})
    partner = dict(members["partner"]) if members.get("partner") else None
    children = [dict(c) for c in members.get("children") or []]
    registered = _registered_ids(application.household, application.month)
    conflict = partner_conflict = False
    for claim, is_partner in [(partner, True)] + [(c, False) for c in children]:
        if not claim:
            continue
        if claim.get("personnummer"):
            try:
                claim["personnummer"] = pnr.normalise(claim["personnummer"])
            except ValueError:
                pass
        known = _known_person(application.municipality_id, claim.get("personnummer"))
        claim["person_id"] = known.pk if known is not None and known.pk in registered else None
        if known is not None and known.pk not in registered and _in_other_household(
                known, application.household, application.month):
            conflict = True
            partner_conflict = partner_conflict or is_partner
    members["partner"], members["children"] = partner, children
    declaration["members"] = members
    reasons = [{"code": MEMBER_IN_OTHER_HOUSEHOLD, "label": MEMBER_IN_OTHER_HOUSEHOLD_LABEL}] if conflict else []
    return declaration, partner_conflict, reasons


def _register_applicant(application: Application) -> None:
    """A new application makes the applicant (who signed with their own e-ID) the applicant member of the
    household from the month on; the people register learns about a household the first time it
    applies. Only the applicant: what they declare about others is a claim."""
    if application.applicant_id in _registered_ids(application.household, application.month):
        return
    try:
        add_household_member(actor=None, household=application.household, person=application.applicant,
                             role=HouseholdRole.APPLICANT, valid_from=application.month)
    except ValidationError:
        pass  # already in the household in another way: the case worker sees the register beside the claim


def declared_partner_number(application: Application) -> str:
    partner = (application.declaration.get("members") or {}).get("partner") or {}
    return partner.get("personnummer") or ""


@transaction.atomic
def accept_household_claims(application: Application, *, actor) -> Application:
    """A case worker accepts what the applicant declared about the household: each declared partner and
    child with a personnummer becomes a member of the household from the application's month (a Person
    is created from the declaration when the municipality does not know the person yet). One
    transaction, audited (the members and the application). Accepting again changes nothing. Refused
    (ValidationError on ``members``) when a declared person belongs to another household."""
    current = _lock(application)
    check_can_act_in(actor, current.municipality_id)
    old = snapshot(current, APPLICATION_AUDIT_FIELDS)
    declaration = dict(current.declaration)
    members = dict(declaration.get("members") or {})
    partner = dict(members["partner"]) if members.get("partner") else None
    children = [dict(c) for c in members.get("children") or []]
    household = Household.objects.select_for_update().get(pk=current.household_id)
    registered = _registered_ids(household, current.month)
    for claim, role in [(partner, HouseholdRole.PARTNER)] + [(c, HouseholdRole.CHILD) for c in children]:
        if not claim or not claim.get("personnummer"):
            continue
        person = _known_person(current.municipality_id, claim["personnummer"])
        if person is None:
            person = create_person(actor=actor, municipality=current.municipality,
                                   personnummer=claim["personnummer"], first_name=claim.get("first_name") or "Okänt",
                                   last_name=claim.get("last_name") or "Okänt")
        if person.pk not in registered:
            if _in_other_household(person, household, current.month):
                raise ValidationError({"members": [
                    f"{claim.get('first_name') or 'Personen'} hör redan till ett annat hushåll i personregistret. "
                    "Ändra det hushållet först."]})
            add_household_member(actor=actor, household=household, person=person, role=role,
                                 valid_from=current.month)
            registered.add(person.pk)
        claim["person_id"] = person.pk
    members["partner"], members["children"] = partner, children
    declaration["members"] = members
    declaration["claims_accepted"] = True
    current.declaration = declaration
    current.save(update_fields=["declaration"])
    _audit(current, actor, old)
    return _refresh(application, current)


@transaction.atomic
def submit(application: Application, key, *, person: Person, now: dt.datetime | None = None) -> SubmitResult:
    """The applicant signs and sends the application.

    Idempotent: when the application has already been signed (a double click, a retry, a second tab)
    it is returned as it is (``created`` False). A draft is signed only with its current submission key
    (:class:`StaleSubmission` otherwise: the draft changed after the page was shown). Sections neither
    answered nor marked "kan inte svara" are reported as a ValidationError (section → message);
    nothing is ever refused for how it was filled in.

    With a partner in the household the application waits for the co-applicant's confirmation
    (``awaiting_co_applicant``); otherwise it is submitted at once.
    """
    now = _now(now)
    current = _lock(application)
    _check_applicant(current, person)
    if current.status != ApplicationStatus.DRAFT:
        return SubmitResult(_refresh(application, current), created=False)
    if current.registered_by_id is not None:
        raise PermissionDenied("En handläggare registrerar den här ansökan.")
    try:
        key = key if isinstance(key, uuid.UUID) else uuid.UUID(str(key))
    except (TypeError, ValueError):
        raise StaleSubmission() from None
    if key != current.submission_key:
        raise StaleSubmission()
    missing = decl.missing_answers(current.declaration)
    if missing:
        raise ValidationError({section: [message] for section, message in missing.items()})
    old = snapshot(current, APPLICATION_AUDIT_FIELDS)
    if current.kind == ApplicationKind.NEW:
        _register_applicant(current)
    declaration, partner_conflict, claim_reasons = _read_claims(current)
    partner = (declaration.get("members") or {}).get("partner")
    partner_number = partner.get("personnummer") if partner else ""
    reasons = decl.caseworker_reasons(declaration) + claim_reasons
    if partner and not partner_number:
        reasons.append({"code": "partner_without_personnummer",
                        "label": "Make, maka eller sambo saknar personnummer i ansökan."})
    # The partner confirms with their own e-ID (then becomes the co-applicant): unless the register has
    # them in another household, which a case worker sorts out first.
    awaits_partner = bool(partner_number) and not partner_conflict
    known_partner = _known_person(current.municipality_id, partner_number) if awaits_partner else None
    current.declaration = declaration
    current.co_applicant_id = known_partner.pk if known_partner is not None and known_partner.pk != current.applicant_id else None
    current.caseworker_reasons = reasons
    current.needs_caseworker = bool(reasons)
    current.applicant_signed_at = now
    current.declined_by_co_applicant_at = None
    if awaits_partner:
        current.status = ApplicationStatus.AWAITING_CO_APPLICANT
    else:
        current.status = ApplicationStatus.SUBMITTED
        current.submitted_at = now
    current.save()
    _audit(current, actor_for(person), old)
    return SubmitResult(_refresh(application, current), created=True)


def is_declared_partner(application: Application, person: Person | None) -> bool:
    """True when ``person`` (from their own e-ID login) is the co-applicant of ``application``: its
    co-applicant, or — before the municipality knew them — the person with the declared partner's
    personnummer in the application's municipality."""
    if person is None:
        return False
    if application.co_applicant_id is not None:
        return application.co_applicant_id == person.pk
    number = declared_partner_number(application)
    return bool(number) and person.personnummer == number and person.municipality_id == application.municipality_id \
        and person.pk != application.applicant_id


@transaction.atomic
def confirm_as_co_applicant(application: Application, *, person: Person, now: dt.datetime | None = None) -> Application:
    """The co-applicant (logged in with their own e-ID) confirms the application; only then is it
    submitted, and the partner the applicant declared becomes a member of the household (confirmed by
    the person themself). Confirming again changes nothing."""
    now = _now(now)
    current = _lock(application)
    if not is_declared_partner(current, person):
        raise PermissionDenied("Bara den medsökande kan bekräfta ansökan.")
    if current.status != ApplicationStatus.AWAITING_CO_APPLICANT:
        if current.co_applicant_confirmed_at is not None:
            return _refresh(application, current)
        raise ValidationError({"__all__": ["Ansökan väntar inte på din bekräftelse."]})
    old = snapshot(current, APPLICATION_AUDIT_FIELDS)
    current.co_applicant_id = person.pk
    household = Household.objects.select_for_update().get(pk=current.household_id)
    declaration = dict(current.declaration)
    members = dict(declaration.get("members") or {})
    if person.pk not in _registered_ids(household, current.month):
        if _in_other_household(person, household, current.month):
            current.caseworker_reasons = [*current.caseworker_reasons,
                                          {"code": MEMBER_IN_OTHER_HOUSEHOLD, "label": MEMBER_IN_OTHER_HOUSEHOLD_LABEL}]
            current.needs_caseworker = True
        else:
            add_household_member(actor=None, household=household, person=person, role=HouseholdRole.PARTNER,
                                 valid_from=current.month)
            members["partner"] = {**(members.get("partner") or {}), "person_id": person.pk}
    declaration["members"] = members
    current.declaration = declaration
    current.co_applicant_confirmed_at = now
    current.status = ApplicationStatus.SUBMITTED
    current.submitted_at = now
    current.save()
    _audit(current, actor_for(person), old)
    return _refresh(application, current)


@transaction.atomic
def decline_as_co_applicant(application: Application, *, person: Person, reason: str = "",
                            now: dt.datetime | None = None) -> Application:
    """The co-applicant does not confirm: the application goes back to the applicant as a draft, with
    the co-applicant's reason as a note."""
    now = _now(now)
    current = _lock(application)
    if not is_declared_partner(current, person):
        raise PermissionDenied("Bara den medsökande kan svara på ansökan.")
    if current.status != ApplicationStatus.AWAITING_CO_APPLICANT:
        raise ValidationError({"__all__": ["Ansökan väntar inte på din bekräftelse."]})
    old = snapshot(current, APPLICATION_AUDIT_FIELDS)
    declaration = dict(current.declaration)
    declaration["co_applicant_note"] = " ".join(reason.split())[:1000]
    current.declaration = declaration
    current.status = ApplicationStatus.DRAFT
    current.declined_by_co_applicant_at = now
    current.applicant_signed_at = None
    current.submission_key = uuid.uuid4()
    current.save()
    _audit(current, actor_for(person), old)
    return _refresh(application, current)


@transaction.atomic
def withdraw(application: Application, *, person: Person) -> Application:
    """The applicant withdraws a draft or an application that has not been decided."""
    current = _lock(application)
    _check_applicant(current, person)
    if current.status in (ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN):
        raise ValidationError({"__all__": ["Ansökan kan inte återkallas."]})
    old = snapshot(current, APPLICATION_AUDIT_FIELDS)
    current.status = ApplicationStatus.WITHDRAWN
    current.save(update_fields=["status", "updated_at"])
    _audit(current, actor_for(person), old)
    return _refresh(application, current)


_TRANSITIONS = {
    ApplicationStatus.SUBMITTED: {ApplicationStatus.IN_REVIEW, ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.IN_REVIEW: {ApplicationStatus.DECIDED, ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.DRAFT: {ApplicationStatus.WITHDRAWN},
    ApplicationStatus.AWAITING_CO_APPLICANT: {ApplicationStatus.WITHDRAWN},
}


@transaction.atomic
def set_status(application: Application, status: str, *, actor) -> Application:
    """Change the status on behalf of another part of the system (case handling, decisions). ``actor``
    is a user or None (the system). Setting the status it already has changes nothing."""
    current = _lock(application)
    if actor is not None and not isinstance(actor, ApplicantActor):
        check_can_act_in(actor, current.municipality_id)
    if current.status == status:
        return _refresh(application, current)
    if status not in _TRANSITIONS.get(current.status, set()):
        raise ValidationError({"status": [f"Ansökan kan inte gå från {current.get_status_display().lower()} till "
                                          f"{ApplicationStatus(status).label.lower()}."]})
    old = snapshot(current, APPLICATION_AUDIT_FIELDS)
    current.status = status
    current.save(update_fields=["status", "updated_at"])
    _audit(current, actor, old)
    return _refresh(application, current)


def set_status_many(applications, status: str, *, actor) -> list[Application]:
    """:func:`set_status` for many applications at once (the monthly run): the same transitions, one
    UPDATE and one INSERT of audit events. Call it inside a transaction. Applications that already have
    ``status`` are left as they are; raises ValidationError when one of them cannot make the
    transition (nothing is changed then). Returns the applications that changed."""
    from bistand.audit.services import record_changes_many

    rows = list(applications)
    if not rows:
        return []
    current = {a.pk: a for a in Application.objects.select_for_update().filter(pk__in=[a.pk for a in rows])
               .only("pk", "status", "municipality")}
    changed = []
    for application in rows:
        now_status = current[application.pk].status
        if actor is not None and not isinstance(actor, ApplicantActor):
            check_can_act_in(actor, current[application.pk].municipality_id)
        if now_status == status:
            continue
        if status not in _TRANSITIONS.get(now_status, set()):
            raise ValidationError({"status": [f"Ansökan {application.pk} kan inte gå från "
                                              f"{ApplicationStatus(now_status).label.lower()} till "
                                              f"{ApplicationStatus(status).label.lower()}."]})
        changed.append((application, now_status))
    if not changed:
        return []
    by_old: dict[str, list[int]] = {}
    for application, old in changed:
        by_old.setdefault(old, []).append(application.pk)
    now = timezone.now()
    for old, ids in by_old.items():
        Application.objects.filter(pk__in=ids, status=old).update(status=status, updated_at=now)
    for application, _ in changed:
        application.status = status
        application.updated_at = now
    record_changes_many(user=actor, changes=[(a, {"status": {"old": old, "new": status}}) for a, old in changed])
    return [a for a, _ in changed]


# --- higher or lower norm level (12 kap. 7 § tredje stycket SoL) ---------------------------------------

NORM_ADJUSTMENT_AUDIT_FIELDS = ["application", "direction", "kind", "member", "amount_ore", "reason"]
_OPEN_FOR_CASEWORK = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)


def _check_open_for_casework(application: Application) -> None:
    if application.status not in _OPEN_FOR_CASEWORK:
        raise ValidationError({"__all__": ["Normen kan bara ändras medan ansökan handläggs (inte när den är "
                                           f"{application.get_status_display().lower()})."]})


@transaction.atomic
def add_norm_adjustment(application: Application, *, actor, direction: str, kind: str, amount_ore: int,
                        reason: str, member: Person | None = None) -> NormAdjustment:
    """The case worker sets the norm at a higher or a lower level for ``application`` (12 kap. 7 § tredje
    stycket SoL): ``amount_ore`` per month, for ``kind`` of special reasons, with the case worker's own
    ``reason`` (required). Recalculate the application afterwards; the adjustment is in its calculation
    input from now on. A submitted application becomes "handläggs" (the automated function never decides
    it). Raises ValidationError naming the field."""
    current = _lock(application)
    check_can_act_in(actor, current.municipality_id)
    _check_open_for_casework(current)
    errors: dict[str, list[str]] = {}
    if direction not in NormDirection.values:
        errors["direction"] = ["Välj om normen ska sättas högre eller lägre."]
    if kind not in NormAdjustmentKind.values:
        errors["kind"] = ["Välj vad de särskilda skälen gäller."]
    if isinstance(amount_ore, bool) or not isinstance(amount_ore, int) or amount_ore <= 0:
        errors["amount"] = ["Beloppet måste vara större än 0 kr."]
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = ["Skriv skälen till att normen sätts högre eller lägre. Skälen står i beslutet."]
    if member is not None:
        in_household = {m.person_id for m in members_in_month([current.household_id], current.month)
                        .get(current.household_id, [])}
        if member.pk not in in_household:
            errors["member"] = ["Personen hör inte till hushållet den månad ansökan gäller."]
    if errors:
        raise ValidationError(errors)
    adjustment = NormAdjustment.objects.create(
        municipality_id=current.municipality_id, application=current, direction=direction, kind=kind,
        member=member, amount_ore=amount_ore, reason=reason, created_by=actor,
    )
    record_create(user=actor, instance=adjustment, municipality_id=current.municipality_id,
                  fields=NORM_ADJUSTMENT_AUDIT_FIELDS)
    if current.status == ApplicationStatus.SUBMITTED:
        set_status(current, ApplicationStatus.IN_REVIEW, actor=actor)
    return adjustment


@transaction.atomic
def remove_norm_adjustment(adjustment: NormAdjustment, *, actor) -> None:
    """Take back a higher or lower norm level while the application is still being handled."""
    current = _lock(adjustment.application)
    check_can_act_in(actor, current.municipality_id)
    _check_open_for_casework(current)
    record_delete(user=actor, instance=adjustment, municipality_id=current.municipality_id,
                  fields=NORM_ADJUSTMENT_AUDIT_FIELDS)
    adjustment.delete()


# --- attachments --------------------------------------------------------------------------------------

#: Accepted file types: name → (content type, extension, check of the first bytes).
FILE_TYPES = {
    "pdf": ("application/pdf", "pdf", lambda head: head.startswith(b"%PDF-")),
    "png": ("image/png", "png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpeg": ("image/jpeg", "jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
}


def detect_type(head: bytes) -> str | None:
    """The accepted type of a file from its first bytes (not from its name or what the browser says)."""
    for name, (_, _, check) in FILE_TYPES.items():
        if check(head):
            return name
    return None


def max_attachment_bytes() -> int:
    return int(getattr(settings, "BISTAND_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def check_upload(uploaded) -> str:
    """The file type of ``uploaded`` (a Django UploadedFile), or a ValidationError with a message for
    the field ``file``."""
    limit = max_attachment_bytes()
    if uploaded is None:
        raise ValidationError({"file": ["Välj en fil att ladda upp."]})
    if uploaded.size == 0:
        raise ValidationError({"file": ["Filen är tom. Välj en annan fil."]})
    if uploaded.size > limit:
        raise ValidationError({"file": [f"Filen är för stor ({_megabytes(uploaded.size)}). "
                                        f"Den får vara högst {_megabytes(limit)}. Ta en bild med lägre upplösning "
                                        "eller dela upp dokumentet."]})
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    kind = detect_type(head)
    if kind is None:
        raise ValidationError({"file": ["Filen går inte att ta emot. Skicka en PDF eller en bild i formatet JPG eller PNG."]})
    return kind


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _clean_name(name: str) -> str:
    base = (name or "fil").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip() or "fil"
    return base[:200]


@transaction.atomic
def add_attachment(application: Application, *, person: Person, uploaded, kind: str = AttachmentKind.OTHER,
                   completion_request: CompletionRequest | None = None) -> Attachment:
    """Attach a file (checked: PDF, JPG or PNG by its content, at most BISTAND_ATTACHMENT_MAX_BYTES).
    The applicant may attach files to a draft, and to a received application when answering a
    completion request."""
    current = _lock(application)
    _check_applicant_or_co(current, person)
    if completion_request is not None:
        if completion_request.application_id != current.pk or completion_request.status != CompletionStatus.OPEN:
            raise ValidationError({"file": ["Kompletteringen är redan besvarad."]})
    elif not current.is_editable:
        raise ValidationError({"file": ["Ansökan är redan inskickad. Skicka filer som svar på en begäran om komplettering."]})
    attachment = _save_attachment(current, uploaded=uploaded, kind=kind, uploaded_by=person, actor=actor_for(person),
                                  completion_request=completion_request)
    if completion_request is None:
        current.submission_key = uuid.uuid4()  # what is signed includes the attachments
        current.save(update_fields=["submission_key", "updated_at"])
    return attachment


def _save_attachment(current: Application, *, uploaded, kind: str, uploaded_by: Person, actor,
                     completion_request: CompletionRequest | None = None) -> Attachment:
    """Check and store one file of ``current`` (locked by the caller), with its audit event."""
    file_type = check_upload(uploaded)
    if kind not in AttachmentKind.values:
        kind = AttachmentKind.OTHER
    content_type, extension, _ = FILE_TYPES[file_type]
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    original = _clean_name(uploaded.name)
    attachment = Attachment(
        municipality_id=current.municipality_id, application=current, completion_request=completion_request,
        uploaded_by=uploaded_by, kind=kind, original_name=original, content_type=content_type, size=uploaded.size,
        sha256=digest.hexdigest(),
    )
    attachment.file.save(f"fil.{extension}", uploaded, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    record_create(user=actor, instance=attachment, municipality_id=current.municipality_id,
                  fields=["application", "kind", "original_name", "content_type", "size", "sha256", "completion_request"])
    return attachment


@transaction.atomic
def remove_attachment(attachment: Attachment, *, person: Person) -> None:
    current = _lock(attachment.application)
    _check_applicant(current, person)
    if not current.is_editable:
        raise ValidationError({"file": ["Bilagor till en inskickad ansökan kan inte tas bort."]})
    record_change(user=actor_for(person), action="delete", instance=attachment, municipality_id=current.municipality_id,
                  changes={"original_name": {"old": attachment.original_name, "new": None}}, object_id=attachment.pk)
    name = attachment.file.name
    attachment.delete()
    current.submission_key = uuid.uuid4()
    current.save(update_fields=["submission_key", "updated_at"])
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(name))


def _check_applicant_or_co(application: Application, person: Person) -> None:
    if person is None or person.pk not in (application.applicant_id, application.co_applicant_id):
        raise PermissionDenied("Bara den som söker kan lägga till filer.")


# --- applications received on paper, by post or at a visit ------------------------------------------------

PAPER_REASON = "registered_by_caseworker"


@transaction.atomic
def register_on_behalf(*, actor, person: Person, month, channel: str, received_on: dt.date, scanned,
                       now: dt.datetime | None = None) -> Application:
    """A case worker starts registering an application that came in on paper, by post or at a visit, on
    behalf of ``person``, with the day it was received and the scanned paper (PDF, JPG or PNG) as an
    attachment. Returns the draft; the case worker then fills in the same declaration as the e-service
    asks for — the household, Arbetsförmedlingen per adult, the school question, housing, costs, incomes,
    assets, bank account — with the same forms (:func:`save_draft` with ``actor``), and sends it in with
    :func:`submit_on_behalf`.

    The declaration starts from the household's last application (a recurring application, as the
    e-service prefills it) or, for a first application, from the person alone. Registering the same paper
    again for the same month (same channel and day) gives the application already registered (one live
    application per household and month); an applicant's own draft in the e-service is taken over."""
    errors: dict[str, list[str]] = {}
    if channel not in STAFF_CHANNELS:
        errors["channel"] = ["Välj hur ansökan kom in: pappersblankett, brev eller besök."]
    today = timezone.localdate()
    if received_on is None:
        errors["received_on"] = ["Skriv vilken dag ansökan kom in."]
    elif received_on > today:
        errors["received_on"] = ["Dagen då ansökan kom in kan inte vara i framtiden."]
    if scanned is None and channel != Channel.VISIT:
        errors["scanned"] = ["Bifoga den skannade ansökan (PDF, JPG eller PNG)."]
    try:
        month = parse_month(month)
    except (TypeError, ValueError):
        errors["month"] = ["Skriv månaden som år och månad, till exempel 2026-03."]
    if errors:
        raise ValidationError(errors)
    person = Person.objects.select_for_update().get(pk=person.pk)
    check_can_act_in(actor, person.municipality_id)
    household = current_household_of(person, month)
    previous = previous_application(household, month) if household is not None else None
    if household is not None and previous is not None:
        application = prefill_recurring(household, month, person=person if person.pk in (
            previous.applicant_id, previous.co_applicant_id) else None, now=now)
    else:
        application = start_application(person=person, month=month, now=now)
    current = _lock(application)
    if current.registered_by_id is not None and current.channel == channel and current.received_on == received_on:
        return _refresh(application, current)  # the same paper registered again
    if current.status != ApplicationStatus.DRAFT:
        raise ValidationError({"month": ["Hushållet har redan en ansökan för den månaden."]})
    old = snapshot(current, APPLICATION_AUDIT_FIELDS + ["channel", "received_on", "registered_by"])
    current.channel = channel
    current.received_on = received_on
    current.registered_by = actor
    current.submission_key = uuid.uuid4()
    current.save()
    record_change(user=actor, action="update", instance=current, municipality_id=current.municipality_id,
                  changes=diff(old, snapshot(current, APPLICATION_AUDIT_FIELDS + ["channel", "received_on",
                                                                                 "registered_by"])))
    if scanned is not None:
        _save_attachment(current, uploaded=scanned, kind=AttachmentKind.OTHER, uploaded_by=current.applicant,
                         actor=actor)
    return _refresh(application, current)


@transaction.atomic
def submit_on_behalf(application: Application, *, actor) -> Application:
    """The case worker sends in the paper or in-person application they registered
    (:func:`register_on_behalf`), once every section of the declaration is filled in or marked as not
    answered on the paper (a ValidationError section → message, as for the applicant). It counts as
    received on the day it came in, never goes to the automated function (a person compares the paper
    with what was registered) and gets, beside the e-service's reasons, the declaration's own findings:
    an adult neither registered with Arbetsförmedlingen nor with a reason not to be, a child aged 18–20
    not (or not known to be) in upper-secondary school. Idempotent: a submitted application is
    returned as it is."""
    current = _lock(application)
    _check_registered_by_staff(current, actor)
    if current.status != ApplicationStatus.DRAFT:
        return _refresh(application, current)
    missing = decl.missing_answers(current.declaration)
    if missing:
        raise ValidationError({section: [message] for section, message in missing.items()})
    old = snapshot(current, APPLICATION_AUDIT_FIELDS)
    received_at = timezone.make_aware(dt.datetime.combine(current.received_on, dt.time(12, 0)))
    if current.kind == ApplicationKind.NEW:
        _register_applicant(current)
    # What the paper says about a partner or children is a claim, as in the e-service: the case worker
    # accepts it on the case page.
    declaration, _partner_conflict, claim_reasons = _read_claims(current)
    current.declaration = declaration
    current.caseworker_reasons = [*decl.caseworker_reasons(declaration), *claim_reasons,
                                  *selectors.declaration_findings(current), {
        "code": PAPER_REASON,
        "label": f"Inkom via {Channel(current.channel).label.lower()} {current.received_on:%Y-%m-%d}: jämför "
                 "uppgifterna med ansökan på papper innan beslut.",
    }]
    current.needs_caseworker = True
    current.applicant_signed_at = received_at
    current.status = ApplicationStatus.SUBMITTED
    current.submitted_at = received_at
    current.save()
    _audit(current, actor, old)
    return _refresh(application, current)


# --- completion requests ------------------------------------------------------------------------------


@transaction.atomic
def request_completion(application: Application, *, actor, text: str, due_date: dt.date) -> CompletionRequest:
    """A case worker asks the applicant for more information by ``due_date``."""
    current = _lock(application)
    check_can_act_in(actor, current.municipality_id)
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = ["Skriv vad sökanden behöver komplettera med."]
    if due_date is None:
        errors["due_date"] = ["Skriv senaste dag för svar."]
    elif due_date < timezone.localdate():
        errors["due_date"] = ["Sista dagen för svar kan inte ha passerat."]
    if current.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW):
        errors["__all__"] = ["Komplettering kan bara begäras för en inskickad ansökan som inte är beslutad."]
    if errors:
        raise ValidationError(errors)
    completion = CompletionRequest.objects.create(
        municipality_id=current.municipality_id, application=current, requested_by=actor, text=text[:4000],
        due_date=due_date,
    )
    record_create(user=actor, instance=completion, municipality_id=current.municipality_id,
                  fields=["application", "text", "due_date", "status"])
    return completion


@transaction.atomic
def start_kommunicering(application: Application, *, actor, findings: str,
                        today: dt.date | None = None) -> CompletionRequest:
    """Kommunicering (25 § förvaltningslagen): tell the applicant what registers say that differs from
    what they declared (``findings``, in plain Swedish) and give them the municipality's number of days
    (``Municipality.kommunicering_days``, default 7) to comment in the e-service. Until they answer or the
    day has passed, no decision against them is made (``pending_kommunicering``)."""
    from .models import CompletionKind

    current = _lock(application)
    check_can_act_in(actor, current.municipality_id)
    findings = " ".join((findings or "").split())
    if not findings:
        raise ValidationError({"findings": ["Skriv vilka uppgifter från registren som skiljer sig från ansökan."]})
    if current.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW):
        raise ValidationError({"__all__": ["Kommunicering kan bara göras för en inskickad ansökan som inte är beslutad."]})
    due_date = (today or timezone.localdate()) + dt.timedelta(days=current.municipality.kommunicering_days)
    text = (f"Innan vi beslutar om din ansökan vill vi att du får yttra dig (kommunicering enligt 25 § "
            f"förvaltningslagen). Vi har fått uppgifter som skiljer sig från det du har angett: {findings} "
            f"Skriv vad du vill säga om uppgifterna senast {due_date:%Y-%m-%d}. Vi beslutar inte om ansökan före "
            "dess, om du inte svarar tidigare.")
    same = CompletionRequest.objects.filter(application=current, kind=CompletionKind.KOMMUNICERING,
                                            status=CompletionStatus.OPEN, text=text[:4000]).first()
    if same is not None:  # the same kommunicering started twice
        return same
    started = CompletionRequest.objects.create(
        municipality_id=current.municipality_id, application=current, requested_by=actor, text=text[:4000],
        due_date=due_date, kind=CompletionKind.KOMMUNICERING,
    )
    record_create(user=actor, instance=started, municipality_id=current.municipality_id,
                  fields=["application", "kind", "text", "due_date", "status"])
    return started


@transaction.atomic
def answer_completion(completion: CompletionRequest, *, person: Person, answer: str, files=(),
                      now: dt.datetime | None = None) -> CompletionRequest:
    """The applicant (or co-applicant) answers a completion request, with text and/or files."""
    current = CompletionRequest.objects.select_for_update().select_related("application").get(pk=completion.pk)
    application = current.application
    _check_applicant_or_co(application, person)
    if current.status != CompletionStatus.OPEN:
        raise ValidationError({"answer": ["Kompletteringen är redan besvarad eller återkallad."]})
    answer = (answer or "").strip()
    if not answer and not files:
        raise ValidationError({"answer": ["Skriv ett svar eller bifoga en fil."]})
    for uploaded in files:
        add_attachment(application, person=person, uploaded=uploaded, completion_request=current)
    old = snapshot(current, ["status", "answer", "answered_at", "answered_by"])
    current.answer = answer[:4000]
    current.answered_at = _now(now)
    current.answered_by = person
    current.status = CompletionStatus.ANSWERED
    current.save()
    record_change(user=actor_for(person), action="update", instance=current, municipality_id=current.municipality_id,
                  changes=diff(old, snapshot(current, ["status", "answer", "answered_at", "answered_by"])))
    for field in ("answer", "answered_at", "answered_by_id", "status"):
        setattr(completion, field, getattr(current, field))
    return completion
