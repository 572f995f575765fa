"""Paper and in-person applications (issue 20): a case worker registers an application received on
paper, by post or at a visit, on the applicant's behalf, with the day it came in and the scanned paper;
it goes to the inbox and follows the same calculation and decision flow; the case shows how it came in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bistand.applications.models import Application, ApplicationStatus, Channel
from bistand.audit.models import AuditEvent
from bistand.decisions.models import Decision
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


def register(client, person, **data):
    values = {"month": "2026-03", "channel": "post", "received_on": "2026-03-02",
              "scanned": SimpleUploadedFile("ansokan.pdf", PDF, content_type="application/pdf"), **data}
    return client.post(reverse("staff:register_paper_application", args=[person.pk]), values)


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
