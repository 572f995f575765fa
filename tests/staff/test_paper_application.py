"""Paper and in-person applications (issue 20): a case worker registers an application received on
paper, by post or at a visit, on the applicant's behalf, with the day it came in and the scanned paper,
and fills in the same declaration as the e-service asks for (the e-service's own forms: household,
Arbetsförmedlingen per adult, the school question, housing, costs, incomes, assets, bank account); it
goes to the inbox with the declaration's findings and follows the same calculation and decision flow;
the case shows how it came in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bistand.applications.models import Application, ApplicationStatus, Channel
from bistand.applications.selectors import calculation_input_for
from bistand.applications.services import save_draft, submit, submit_on_behalf
from bistand.audit.models import AuditEvent
from bistand.casework.reasons import reason_label
from bistand.casework.selectors import reasons_for
from bistand.decisions.models import Decision
from bistand.people import personnummer as pnr
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application, simulator_fixture
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path)
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    municipality = MunicipalityFactory()
    household = household_with_members(municipality, birth_date=dt.date(1970, 1, 1), last_name="Pappersson")
    previous = make_application(household, dt.date(2026, 2, 1), kind="new", status="decided",
                                incomes=(("wage", "applicant", 2000),))
    worker = user_with_role(Role.CASEWORKER, municipality, first_name="Karin", last_name="Kasper")
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(previous)
    return household, previous, worker


def start(client, person, **data):
    """The first page: month, how it came in, the day, the scanned paper."""
    values = {"month": "2026-03", "channel": "post", "received_on": "2026-03-02",
              "scanned": SimpleUploadedFile("ansokan.pdf", PDF, content_type="application/pdf"), **data}
    return client.post(reverse("staff:register_paper_application", args=[person.pk]), values)


#: The paper's answers, section by section, as the e-service's forms take them.
PAPER = {
    "members": {"has_partner": "no", "partner_personnummer": "", "partner_first_name": "", "partner_last_name": "",
                "other_adults_in_dwelling": "0", "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0",
                "applicant_af_registered": "yes", "partner_af_registered": ""},
    "housing": {"kind": "rental", "rooms": "2", "persons_in_dwelling": "1"},
    "costs": {"cost_rent": "6 000", "cost_household_electricity": "300"},
    "incomes": {"incomes-TOTAL_FORMS": "1", "incomes-INITIAL_FORMS": "1", "incomes-0-type": "wage",
                "incomes-0-member": "applicant", "incomes-0-amount": "2 000"},
    "assets": {"has_assets": "no"},
    "bank_account": {"clearing": "8327-9", "account": "123 456 789-7"},
}


def fill_in(client, application, overrides=None):
    for section, data in PAPER.items():
        data = {**data, **(overrides or {}).get(section, {})}
        response = client.post(reverse("staff:paper_step", args=[application.pk, section]), data)
        assert response.status_code == 302, (section, response.content.decode()[:3000])


def send_in(client, application):
    return client.post(reverse("staff:paper_declaration", args=[application.pk]))


def register(client, person, overrides=None, **data):
    """The whole registration: the first page, the declaration from the paper, sent in."""
    response = start(client, person, **data)
    if response.status_code != 302 or "/pappersansokan/" not in response["Location"]:
        return response
    application = Application.objects.get(month=MONTH, applicant=person)
    fill_in(client, application, overrides)
    return send_in(client, application)


def test_a_case_worker_registers_a_paper_application_that_goes_to_the_inbox(client, world):
    household, previous, worker = world
    client.force_login(worker)
    person = previous.applicant
    assert "Registrera ansökan på papper" in client.get(reverse("staff:person_detail", args=[person.pk])).content.decode()
    response = register(client, person)
    application = Application.objects.get(month=MONTH)
    assert response.status_code == 302 and response["Location"] == reverse("staff:case_detail", args=[application.pk])
    assert application.channel == Channel.POST
    assert application.received_on == dt.date(2026, 3, 2)
    assert timezone.localtime(application.submitted_at).date() == dt.date(2026, 3, 2)
    assert application.status == ApplicationStatus.SUBMITTED and application.registered_by == worker
    assert application.kind == "recurring" and application.previous == previous
    assert application.declaration["incomes"] == previous.declaration["incomes"]
    assert application.attachments.get().original_name == "ansokan.pdf"
    assert AuditEvent.objects.filter(model="applications.application", object_id=str(application.pk),
                                     user_id=worker.pk).exists()
    # the case shows how it came in, and the inbox has it with the reason
    case = client.get(reverse("staff:case_detail", args=[application.pk])).content.decode()
    assert "Brev (med posten), registrerad av Karin Kasper" in case
    assert "ansokan.pdf" in case
    inbox = client.get(reverse("staff:inbox")).content.decode()
    assert f'id="ansokan-{application.pk}"' in inbox and "jämför uppgifterna med ansökan på papper" in inbox


def test_a_paper_application_follows_the_same_calculation_and_decision_flow(client, world):
    household, previous, worker = world
    client.force_login(worker)
    register(client, previous.applicant, channel="paper")
    application = Application.objects.get(month=MONTH)
    assert client.post(reverse("staff:case_fetch_registers", args=[application.pk])).status_code == 302
    assert client.post(reverse("staff:case_calculate", args=[application.pk])).status_code == 302
    assert client.post(reverse("staff:case_decide", args=[application.pk]), {"outcome": ""}).status_code == 302
    decision = Decision.objects.get(application=application)
    assert decision.is_issued
    assert client.get(reverse("staff:decision_letter", args=[decision.pk])).status_code == 200


def test_registering_the_same_paper_twice_gives_one_application(client, world):
    household, previous, worker = world
    client.force_login(worker)
    register(client, previous.applicant)
    register(client, previous.applicant)
    assert Application.objects.filter(month=MONTH).count() == 1


@pytest.mark.parametrize(("data", "field_text"), [
    ({"received_on": "2099-01-01"}, "kan inte vara i framtiden"),
    ({"channel": "e_service"}, "Välj ett giltigt alternativ"),
    ({"scanned": ""}, "Bifoga den skannade ansökan"),
    ({"month": "mars"}, "Skriv månaden som år och månad"),
])
def test_wrong_input_gives_a_clear_swedish_error_at_the_field(client, world, data, field_text):
    household, previous, worker = world
    client.force_login(worker)
    response = register(client, previous.applicant, **data)
    assert response.status_code == 400
    assert field_text in response.content.decode()
    assert not Application.objects.filter(month=MONTH).exists()


def test_an_application_at_a_visit_needs_no_scanned_paper(client, world):
    household, previous, worker = world
    client.force_login(worker)
    response = register(client, previous.applicant, channel="visit", scanned="")
    assert response.status_code == 302
    assert Application.objects.get(month=MONTH).channel == Channel.VISIT


def test_a_manager_cannot_register_applications(client, world):
    household, previous, worker = world
    manager = user_with_role(Role.MANAGER, household.municipality)
    client.force_login(manager)
    assert register(client, previous.applicant).status_code == 403


# --- the same declaration as the e-service ---------------------------------------------------------------


def test_a_paper_application_with_an_adult_not_registered_and_no_reason_goes_to_the_inbox_with_that_reason(client, world):
    household, previous, worker = world
    client.force_login(worker)
    response = register(client, previous.applicant, {"members": {"applicant_af_registered": "no",
                                                                 "applicant_af_reason": "none"}})
    assert response.status_code == 302
    application = Application.objects.get(month=MONTH)
    assert application.declaration["members"]["applicant"]["labour_market"] == {
        "registered": False, "reason": "none", "reason_text": ""}
    [row] = [r for r in reasons_for(application, referral=None, open_requests=0) if r.code == "labour_market_available"]
    assert row.label == reason_label("labour_market_available")
    assert f"{previous.applicant.first_name} är inte inskriven på Arbetsförmedlingen" in row.detail
    inbox = client.get(reverse("staff:inbox")).content.decode()
    assert f'id="ansokan-{application.pk}"' in inbox
    assert reason_label("labour_market_available") in inbox
    filtered = client.get(reverse("staff:inbox"), {"reason": "labour_market_available"}).content.decode()
    assert f'id="ansokan-{application.pk}"' in filtered


def test_a_registered_adult_gives_no_labour_market_reason(client, world):
    household, previous, worker = world
    client.force_login(worker)
    register(client, previous.applicant)
    application = Application.objects.get(month=MONTH)
    assert "labour_market_available" not in {r.code for r in reasons_for(application, referral=None, open_requests=0)}
    filtered = client.get(reverse("staff:inbox"), {"reason": "labour_market_available"}).content.decode()
    assert f'id="ansokan-{application.pk}"' not in filtered


def test_the_labour_market_question_is_required_on_the_paper_form_too(client, world):
    household, previous, worker = world
    client.force_login(worker)
    start(client, previous.applicant)
    application = Application.objects.get(month=MONTH)
    data = {**PAPER["members"], "applicant_af_registered": "no", "applicant_af_reason": ""}
    response = client.post(reverse("staff:paper_step", args=[application.pk, "members"]), data)
    assert response.status_code == 400
    assert "Välj ett skäl, eller välj att inget av skälen stämmer." in response.content.decode()


def test_a_child_aged_19_not_in_upper_secondary_school_is_asked_and_goes_to_the_inbox(client, world):
    household, previous, worker = world
    client.force_login(worker)
    nineteen = pnr.test_number(dt.date(2006, 6, 1)).normalised  # 19 years old in March 2026
    children = {"children-TOTAL_FORMS": "1", "children-INITIAL_FORMS": "0", "children-0-first_name": "Ella",
                "children-0-personnummer": nineteen, "children-0-days_present": "",
                "children-0-in_upper_secondary_school": ""}
    start(client, previous.applicant)
    application = Application.objects.get(month=MONTH)
    url = reverse("staff:paper_step", args=[application.pk, "members"])
    unanswered = client.post(url, {**PAPER["members"], **children})
    assert unanswered.status_code == 400
    assert "Svara om barnet går i gymnasieskolan." in unanswered.content.decode()
    fill_in(client, application, {"members": {**children, "children-0-in_upper_secondary_school": "no"}})
    assert send_in(client, application).status_code == 302
    application.refresh_from_db()
    [child] = application.declaration["members"]["children"]
    assert child["in_upper_secondary_school"] is False
    codes = {r.code: r for r in reasons_for(application, referral=None, open_requests=0)}
    assert "Ella är 19 år och går inte i gymnasieskolan" in codes["school_youth_in_school"].detail


def test_the_calculation_sees_what_was_registered_from_the_paper(client, world):
    household, previous, worker = world
    client.force_login(worker)
    register(client, previous.applicant, {"incomes": {"incomes-0-type": "sickness_benefit", "incomes-0-amount": "3 100"},
                                          "costs": {"cost_rent": "7 250"}})
    application = Application.objects.get(month=MONTH)
    document = calculation_input_for(application, register_facts=[])
    assert [(i["type"], i["amount"], i["note"]) for i in document["incomes"]] == [("sickness_benefit", 3100, "Uppgift från dig")]
    assert {c["type"]: c["amount"] for c in document["costs"]} == {"rent": 7250, "household_electricity": 300}


def test_a_paper_application_is_sent_in_only_when_every_section_is_filled_in(client, world):
    household, previous, worker = world
    client.force_login(worker)
    start(client, previous.applicant)
    application = Application.objects.get(month=MONTH)
    response = send_in(client, application)
    assert response.status_code == 400
    assert "Fyll i hushållet" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    # a section the paper leaves blank is marked so (as "kan inte svara" in the e-service) and goes to a person
    fill_in(client, application, {"assets": {"has_assets": "", "ca-cannot_answer": "on", "ca-note": "Tomt på blanketten"}})
    assert send_in(client, application).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert "Tomt på blanketten" in " ".join(r["label"] for r in application.caseworker_reasons)


def test_sending_in_twice_gives_one_submitted_application(client, world):
    household, previous, worker = world
    client.force_login(worker)
    register(client, previous.applicant)
    application = Application.objects.get(month=MONTH)
    submitted_at = application.submitted_at
    assert submit_on_behalf(application, actor=worker).submitted_at == submitted_at
    assert client.post(reverse("staff:paper_declaration", args=[application.pk])).status_code == 404


def test_the_applicant_cannot_change_a_paper_application_the_case_worker_is_registering(client, world):
    household, previous, worker = world
    client.force_login(worker)
    start(client, previous.applicant)
    application = Application.objects.get(month=MONTH)
    with pytest.raises(PermissionDenied):
        save_draft(application, person=previous.applicant, section="assets", data=[])
    with pytest.raises(PermissionDenied):
        submit(application, application.submission_key, person=previous.applicant)


def test_the_person_page_links_to_a_paper_application_being_registered(client, world):
    household, previous, worker = world
    client.force_login(worker)
    start(client, previous.applicant)
    application = Application.objects.get(month=MONTH)
    page = client.get(reverse("staff:person_detail", args=[previous.applicant.pk])).content.decode()
    assert reverse("staff:paper_declaration", args=[application.pk]) in page
    assert "Registreras från papper" in page


def test_a_case_worker_of_another_municipality_cannot_fill_in_the_paper_application(client, world):
    household, previous, worker = world
    client.force_login(worker)
    start(client, previous.applicant)
    application = Application.objects.get(month=MONTH)
    other = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    client.force_login(other)
    assert client.get(reverse("staff:paper_step", args=[application.pk, "members"])).status_code == 404
    assert client.post(reverse("staff:paper_declaration", args=[application.pk])).status_code == 404
