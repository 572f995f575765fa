"""The appeal pages: the applicant appeals from the decision page and follows the chain; the case worker
sees the appeal with its rättidsprövning on the case page, registers paper appeals, forwards with a
yttrande, dismisses a late appeal; the applicant appeals the avvisning."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from bistand.appeals.models import Appeal, AppealStatus
from bistand.audit.models import AccessLog
from tests.appeals.factories import decision_issued_on, worker
from tests.factories import MunicipalityFactory
from tests.portal.helpers import simulator_login

pytestmark = pytest.mark.django_db

ISSUED = dt.date(2026, 11, 2)


@pytest.fixture
def decision():
    return decision_issued_on(MunicipalityFactory(), ISSUED)


def _portal(client, decision):
    simulator_login(client, decision.application.applicant.personnummer)
    return f"/e-tjanst/ansokan/{decision.application_id}/beslut/{decision.pk}/"


def _case(decision):
    return reverse("staff:case_detail", args=[decision.application_id])


def test_the_applicant_appeals_from_the_decision_page_and_sees_the_chain(client, decision):
    page = _portal(client, decision)
    assert "Överklaga här i e-tjänsten" in client.get(page).content.decode()
    with mock.patch("bistand.appeals.services.today", return_value=dt.date(2026, 11, 20)):
        sent = client.post(page + "overklaga/", {"text": "Hyran ska räknas i sin helhet."})
    appeal = Appeal.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse("portal:appeal", args=[appeal.pk])
    assert appeal.channel == "e_service" and appeal.in_time and appeal.lodged_on == dt.date(2026, 11, 20)
    shown = client.get(sent["Location"]).content.decode()
    assert "Kom in i tid" in shown and "2026-11-23" in shown
    assert "Ditt överklagande har kommit in" in client.get("/e-tjanst/mitt-arende/").content.decode()


def test_an_empty_appeal_gets_an_error_at_the_field(client, decision):
    page = _portal(client, decision)
    answer = client.post(page + "overklaga/", {"text": "  "})
    assert answer.status_code == 400
    page = answer.content.decode()
    # the summary keeps the question's own mark (never "Fråga?: Fel", issue 20) and the error says what to write
    assert "Hur vill du att beslutet ska ändras, och varför? Skriv hur du vill att beslutet ska ändras, och varför." in page
    assert "varför?: " not in page
    assert not Appeal.objects.exists()


def test_someone_else_cannot_appeal_the_decision(client, decision):
    other = decision_issued_on(decision.municipality, ISSUED)
    simulator_login(client, other.application.applicant.personnummer)
    answer = client.post(f"/e-tjanst/ansokan/{decision.application_id}/beslut/{decision.pk}/overklaga/", {"text": "X"})
    assert answer.status_code == 404 and not Appeal.objects.exists()


def test_the_case_worker_registers_a_paper_appeal_and_forwards_it_with_a_statement(client, decision):
    user = worker(decision.municipality)
    client.force_login(user)
    case = client.get(_case(decision)).content.decode()
    assert "Registrera ett överklagande som kom med brev eller e-post" in case
    client.post(reverse("staff:appeal_register", args=[decision.application_id]),
                {"decision": decision.pk, "lodged_on": "2026-11-23", "text": "Jag överklagar."})
    appeal = Appeal.objects.get()
    assert appeal.channel == "paper" and appeal.registered_by == user and appeal.in_time
    case = client.get(_case(decision)).content.decode()
    assert "Rättidsprövning:" in case and "kom in i tid" in case and "2026-11-23" in case
    missing = client.post(reverse("staff:appeal_forward", args=[appeal.pk]), {f"f{appeal.pk}-statement": ""}, follow=True)
    assert "Nämndens yttrande till förvaltningsrätten: " in missing.content.decode()
    client.post(reverse("staff:appeal_forward", args=[appeal.pk]), {f"f{appeal.pk}-statement": "Vi vidhåller beslutet."})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.FORWARDED
    letter = client.get(reverse("staff:appeal_letter", args=[appeal.pk, "forwarding"]))
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(target="staff:appeal_letter").exists()


def test_a_late_paper_appeal_is_dismissed_and_the_applicant_appeals_the_dismissal(client, decision):
    user = worker(decision.municipality)
    client.force_login(user)
    client.post(reverse("staff:appeal_register", args=[decision.application_id]),
                {"decision": decision.pk, "lodged_on": "2026-11-24", "text": "Sent överklagande."})
    appeal = Appeal.objects.get()
    assert not appeal.in_time and "kom in för sent" in client.get(_case(decision)).content.decode()
    client.post(reverse("staff:appeal_dismiss", args=[appeal.pk]), {f"d{appeal.pk}-caseworker_text": ""})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DISMISSED
    client.logout()
    simulator_login(client, decision.application.applicant.personnummer)
    page = client.get(reverse("portal:appeal", args=[appeal.pk])).content.decode()
    assert "Om du inte är nöjd med beslutet att avvisa ditt överklagande" in page
    assert client.get(reverse("portal:appeal_letter", args=[appeal.pk])).content.startswith(b"%PDF")
    client.post(reverse("portal:appeal", args=[appeal.pk]), {"text": "Jag postade det i tid."})
    again = Appeal.objects.get(appealed_dismissal=appeal)
    assert again.channel == "e_service" and again.decision_id == decision.pk


def test_staff_of_another_municipality_cannot_see_or_act_on_the_appeal(client, decision):
    user = worker(decision.municipality)
    client.force_login(user)
    client.post(reverse("staff:appeal_register", args=[decision.application_id]),
                {"decision": decision.pk, "lodged_on": "2026-11-10", "text": "Jag överklagar."})
    appeal = Appeal.objects.get()
    client.force_login(worker(MunicipalityFactory()))
    assert client.post(reverse("staff:appeal_forward", args=[appeal.pk]), {f"f{appeal.pk}-statement": "X"}).status_code == 404
    assert Appeal.objects.get().status == AppealStatus.RECEIVED
