"""Services of the applications app: drafts, idempotent submission, co-applicant, recurring
applications, completion requests and status changes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from bistand.applications import declaration as decl
from bistand.applications import selectors, services
from bistand.applications.models import Application, ApplicationKind, ApplicationStatus, CompletionStatus
from bistand.audit.models import AuditEvent
from bistand.casework import timeline
from bistand.people import personnummer as pnr
from bistand.people.models import HouseholdMember, HouseholdRole, Person
from bistand.tenancy.roles import Role
from tests.applications.factories import ApplicationFactory, complete_declaration
from tests.factories import MunicipalityFactory, PersonFactory, user_with_role

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 3, 1)


def a_test_number(year: int, index: int = 0) -> str:
    return pnr.test_number(dt.date(year, 5, 17), index).normalised


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def person(municipality):
    return PersonFactory(municipality=municipality)


def fill_all(application, person, **sections):
    """Answer every section (with the given data where given)."""
    data = complete_declaration(person)
    for section, _ in decl.SECTIONS:
        value = sections.get(section, data.get(section) if section != "members" else {})
        application = services.save_draft(application, person=person, section=section, data=value)
    return application


# --- drafts -----------------------------------------------------------------------------------------


def test_start_application_makes_a_draft_in_a_new_household(person):
    application = services.start_application(person=person, month="2026-03")
    assert application.status == ApplicationStatus.DRAFT
    assert application.kind == ApplicationKind.NEW
    assert application.month == MONTH
    assert application.household.municipality_id == person.municipality_id
    assert application.declaration["members"]["applicant"]["person_id"] == person.pk
    assert AuditEvent.objects.filter(model="applications.application", object_id=str(application.pk), action="create").exists()


def test_starting_again_gives_the_same_application(person):
    first = services.start_application(person=person, month="2026-03")
    second = services.start_application(person=person, month="2026-03")
    assert first.pk == second.pk
    assert Application.objects.count() == 1


def test_the_database_allows_one_live_application_per_household_and_month(person):
    first = services.start_application(person=person, month="2026-03")
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(municipality=first.municipality, household=first.household, applicant=person,
                                   month=MONTH, kind=ApplicationKind.RECURRING)
    services.withdraw(first, person=person)
    # A withdrawn application does not count: a new one can be made.
    again = services.start_application(person=person, month="2026-03")
    assert again.pk != first.pk


def test_save_draft_marks_the_section_answered_and_changes_the_submission_key(person):
    application = services.start_application(person=person, month=MONTH)
    key = application.submission_key
    services.save_draft(application, person=person, section="housing",
                        data={"kind": "rental", "rooms": 2, "persons_in_dwelling": 1, **decl.SOURCE})
    application.refresh_from_db()
    assert "housing" in application.declaration["answered"]
    assert application.declaration["housing"]["kind"] == "rental"
    assert application.submission_key != key
    event = AuditEvent.objects.filter(model="applications.application", action="update").latest("pk")
    assert "declaration.housing" in event.changes
    assert event.user_id is None and "Sökanden via e-tjänsten" in event.user_display_name


def test_only_the_applicant_may_change_the_draft(person, municipality):
    application = services.start_application(person=person, month=MONTH)
    with pytest.raises(PermissionDenied):
        services.save_draft(application, person=PersonFactory(municipality=municipality), section="housing", data={})


def test_cannot_answer_counts_as_answered_and_goes_to_a_case_worker(person):
    application = services.start_application(person=person, month=MONTH)
    application = fill_all(application, person)
    application = services.save_draft(application, person=person, section="incomes", cannot_answer="Vet inte vad a-kassan betalar")
    assert decl.missing_answers(application.declaration) == {}
    result = services.submit(application, application.submission_key, person=person)
    assert result.application.status == ApplicationStatus.SUBMITTED
    assert result.application.needs_caseworker is True
    assert result.application.caseworker_reasons == [
        {"code": "cannot_answer:incomes", "label": "Sökanden kunde inte svara om inkomster: Vet inte vad a-kassan betalar"}
    ]


# --- submitting -------------------------------------------------------------------------------------


def test_unanswered_sections_are_reported_per_section_and_nothing_is_submitted(person):
    application = services.start_application(person=person, month=MONTH)
    application = services.save_draft(application, person=person, section="housing",
                                      data={"kind": "rental", "rooms": 1, "persons_in_dwelling": 1})
    with pytest.raises(ValidationError) as caught:
        services.submit(application, application.submission_key, person=person)
    assert set(caught.value.message_dict) == {"members", "costs", "incomes", "assets", "bank_account"}
    assert caught.value.message_dict["costs"] == ["Fyll i kostnader, eller markera att du inte kan svara."]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_submitting_twice_gives_one_application(person):
    application = fill_all(services.start_application(person=person, month=MONTH), person)
    key = application.submission_key
    first = services.submit(application, key, person=person)
    second = services.submit(Application.objects.get(pk=application.pk), key, person=person)
    assert first.created is True and second.created is False
    assert first.application.pk == second.application.pk
    assert first.application.submitted_at == second.application.submitted_at
    assert Application.objects.filter(status=ApplicationStatus.SUBMITTED).count() == 1
    # One audit event for the submission, not two.
    submitted = [e for e in AuditEvent.objects.filter(model="applications.application", object_id=str(application.pk))
                 if e.changes.get("status", {}).get("new") == "submitted"]
    assert len(submitted) == 1


def test_a_retry_from_another_tab_with_an_older_key_returns_the_submitted_application(person):
    application = fill_all(services.start_application(person=person, month=MONTH), person)
    old_key = uuid.uuid4()
    result = services.submit(application, application.submission_key, person=person)
    again = services.submit(application, old_key, person=person)
    assert again.created is False and again.application.pk == result.application.pk


def test_a_draft_changed_after_the_page_was_shown_is_not_signed(person):
    application = fill_all(services.start_application(person=person, month=MONTH), person)
    shown_key = application.submission_key
    services.save_draft(application, person=person, section="costs", data=[{"type": "rent", "amount_ore": 700000}])
    with pytest.raises(services.StaleSubmission):
        services.submit(application, shown_key, person=person)
    with pytest.raises(services.StaleSubmission):
        services.submit(application, "not-a-key", person=person)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_submitting_a_new_application_registers_the_applicant_and_keeps_the_others_as_claims(person, municipality):
    partner_number = a_test_number(1988)
    child_number = pnr.test_number(dt.date(2019, 2, 3), 1).normalised
    application = services.start_application(person=person, month=MONTH)
    members = {
        "partner": {"person_id": None, "personnummer": partner_number, "first_name": "Pia", "last_name": "Partner", **decl.SOURCE},
        "children": [{"key": "barn1", "person_id": None, "personnummer": child_number, "first_name": "Bo",
                      "days_present": None, "lunch_away_from_home": True, **decl.SOURCE}],
        "other_adults_in_dwelling": 0,
    }
    application = fill_all(application, person, members=members)
    result = services.submit(application, application.submission_key, person=person)
    submitted = result.application
    assert not Person.objects.filter(personnummer__in=[partner_number, child_number]).exists()
    assert submitted.co_applicant_id is None  # the partner confirms with their own e-ID (test_household_claims)
    assert submitted.status == ApplicationStatus.AWAITING_CO_APPLICANT
    assert submitted.submitted_at is None
    roles = dict(HouseholdMember.objects.filter(household=submitted.household).values_list("person_id", "role"))
    assert roles == {person.pk: HouseholdRole.APPLICANT}
    assert submitted.declaration["members"]["children"][0]["personnummer"] == child_number


def test_a_child_without_personnummer_goes_to_a_case_worker(person):
    application = services.start_application(person=person, month=MONTH)
    members = {"partner": None, "children": [{"key": "barn1", "person_id": None, "personnummer": "", "first_name": "Ida",
                                              "days_present": None, "lunch_away_from_home": False, **decl.SOURCE}]}
    application = fill_all(application, person, members=members)
    result = services.submit(application, application.submission_key, person=person)
    assert result.application.needs_caseworker
    assert [r["code"] for r in result.application.caseworker_reasons] == ["child_without_personnummer"]


# --- the co-applicant -------------------------------------------------------------------------------


@pytest.fixture
def awaiting(person):
    partner_number = a_test_number(1987, 3)
    application = services.start_application(person=person, month=MONTH)
    members = {"partner": {"person_id": None, "personnummer": partner_number, "first_name": "Pia", "last_name": "P", **decl.SOURCE},
               "children": []}
    application = fill_all(application, person, members=members)
    submitted = services.submit(application, application.submission_key, person=person).application
    # The partner logs in with their own e-ID (which makes their Person) and confirms: the co-applicant.
    partner = services.ensure_person(municipality=submitted.municipality, personnummer=partner_number,
                                     given_name="Pia", family_name="P")
    Application.objects.filter(pk=submitted.pk).update(co_applicant=partner)
    submitted.refresh_from_db()
    return submitted


def test_the_application_counts_as_submitted_only_when_the_co_applicant_confirms(awaiting):
    assert awaiting.status == ApplicationStatus.AWAITING_CO_APPLICANT
    assert not selectors.submitted_for_month(awaiting.municipality, MONTH).exists()
    confirmed = services.confirm_as_co_applicant(awaiting, person=awaiting.co_applicant)
    assert confirmed.status == ApplicationStatus.SUBMITTED
    assert confirmed.submitted_at is not None and confirmed.co_applicant_confirmed_at is not None
    assert list(selectors.submitted_for_month(awaiting.municipality, MONTH)) == [confirmed]
    # Confirming again changes nothing.
    again = services.confirm_as_co_applicant(awaiting, person=awaiting.co_applicant)
    assert again.co_applicant_confirmed_at == confirmed.co_applicant_confirmed_at


def test_only_the_co_applicant_can_confirm(awaiting):
    with pytest.raises(PermissionDenied):
        services.confirm_as_co_applicant(awaiting, person=awaiting.applicant)
    with pytest.raises(PermissionDenied):
        services.confirm_as_co_applicant(awaiting, person=PersonFactory(municipality=awaiting.municipality))


def test_a_co_applicant_who_does_not_confirm_sends_it_back_as_a_draft(awaiting):
    declined = services.decline_as_co_applicant(awaiting, person=awaiting.co_applicant, reason="Hyran är fel.")
    assert declined.status == ApplicationStatus.DRAFT
    assert declined.declined_by_co_applicant_at is not None
    assert declined.declaration["co_applicant_note"] == "Hyran är fel."
    # The applicant can sign again.
    result = services.submit(declined, declined.submission_key, person=declined.applicant)
    assert result.created and result.application.status == ApplicationStatus.AWAITING_CO_APPLICANT


# --- recurring applications -------------------------------------------------------------------------


def test_a_recurring_application_starts_from_last_month_and_shows_what_changed(person):
    first = fill_all(services.start_application(person=person, month="2026-02"), person)
    first = services.submit(first, first.submission_key, person=person).application
    recurring = services.prefill_recurring(first.household, "2026-03", person=person)
    assert recurring.kind == ApplicationKind.RECURRING
    assert recurring.previous_id == first.pk
    assert recurring.declaration["costs"] == first.declaration["costs"]
    assert recurring.declaration["answered"] == []
    assert selectors.declaration_changes(recurring) == []
    # Same as last month for everything but the rent.
    for section, _ in decl.SECTIONS:
        if section != "costs":
            recurring = services.save_draft(recurring, person=person, section=section)
    recurring = services.save_draft(recurring, person=person, section="costs",
                                    data=[{"type": "rent", "amount_ore": 710000, **decl.SOURCE}])
    changes = selectors.declaration_changes(recurring)
    assert changes == [{"section": "costs", "section_label": "Kostnader", "label": "Hyra eller avgift för bostaden",
                        "old": "6\u00a0500\u00a0kr", "new": "7\u00a0100\u00a0kr"}]
    assert services.prefill_recurring(first.household, "2026-03", person=person).pk == recurring.pk
    result = services.submit(recurring, recurring.submission_key, person=person)
    assert result.application.status == ApplicationStatus.SUBMITTED


def test_a_recurring_application_needs_an_earlier_one(person):
    application = services.start_application(person=person, month=MONTH)
    with pytest.raises(ValidationError):
        services.prefill_recurring(application.household, "2026-04", person=person)


# --- completion requests and status ---------------------------------------------------------------


def test_completion_request_and_answer_appear_as_events(person, municipality):
    application = fill_all(services.start_application(person=person, month=MONTH), person)
    application = services.submit(application, application.submission_key, person=person).application
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    due = dt.date.today() + dt.timedelta(days=10)
    completion = services.request_completion(application, actor=caseworker, text="Skicka hyresavin.", due_date=due)
    assert list(selectors.open_completion_requests(application)) == [completion]
    kinds = [e.kind for e in timeline.case_events(person)]
    assert kinds[0] == "completion_requested" and "received" in kinds
    services.answer_completion(completion, person=person, answer="Hyran är 6 500 kr.")
    completion.refresh_from_db()
    assert completion.status == CompletionStatus.ANSWERED and completion.answered_by_id == person.pk
    assert "completion_answered" in [e.kind for e in timeline.case_events(person)]
    with pytest.raises(ValidationError):
        services.answer_completion(completion, person=person, answer="igen")


def test_a_case_worker_of_another_municipality_cannot_request_completion(person):
    application = ApplicationFactory(applicant=person, household__municipality=person.municipality)
    outsider = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    with pytest.raises(PermissionDenied):
        services.request_completion(application, actor=outsider, text="x", due_date=dt.date.today())


def test_completion_request_needs_text_and_a_future_date(person, municipality):
    application = ApplicationFactory(applicant=person, household__municipality=municipality)
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    with pytest.raises(ValidationError) as caught:
        services.request_completion(application, actor=caseworker, text=" ", due_date=dt.date(2000, 1, 1))
    assert set(caught.value.message_dict) == {"text", "due_date"}


def test_set_status_follows_the_allowed_transitions(person):
    application = ApplicationFactory(applicant=person, household__municipality=person.municipality)
    services.set_status(application, ApplicationStatus.IN_REVIEW, actor=None)
    services.set_status(application, ApplicationStatus.DECIDED, actor=None)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DECIDED
    with pytest.raises(ValidationError):
        services.set_status(application, ApplicationStatus.SUBMITTED, actor=None)
