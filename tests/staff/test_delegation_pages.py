"""The delegationsordning on the staff pages (issue 17 §3): "Att besluta" only for users with a
delegation (menu and 403), the case worker without delegation presents the decision (föredragande), the
delegate decides or returns it, the anmälan list and its CSV for the manager."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bistand.audit.models import AccessLog
from bistand.decisions import services
from bistand.decisions.models import Decision, DecisionStatus
from bistand.decisions.selectors import calculation_to_decide_on
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application, make_person_delegation
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

TO_DECIDE = "/handlaggning/att-besluta/"
REPORT = "/handlaggning/delegationsbeslut/"


def url(name, *args):
    return reverse(f"staff:{name}", args=args)


@pytest.fixture
def municipality():
    return MunicipalityFactory(committee_name="Individ- och familjeomsorgsnämnden")


@pytest.fixture
def caseworker(municipality):
    return user_with_role(Role.CASEWORKER, municipality, first_name="Karin", last_name="Kasper")


@pytest.fixture
def approver(municipality):
    return user_with_role(Role.APPROVER, municipality, first_name="Anna", last_name="Attest")


@pytest.fixture
def manager(municipality):
    return user_with_role(Role.MANAGER, municipality, first_name="Maja", last_name="Chef")


@pytest.fixture
def application(municipality):
    household = household_with_members(municipality, birth_date=dt.date(1980, 5, 5))
    application = make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])
    calculate(application, register_facts=[])
    return application


@pytest.fixture
def ordning(municipality):
    """Case workers decide grants up to 1 000 kr; approvers every grant."""
    return [make_person_delegation(municipality, "grant", role=Role.CASEWORKER, max_kronor=1_000),
            make_person_delegation(municipality, "grant", role=Role.APPROVER)]


def menu(client) -> str:
    return client.get("/handlaggning/?meny=1").content.decode()


def test_att_besluta_is_in_the_menu_only_for_users_with_a_delegation(client, caseworker, approver, ordning):
    other = MunicipalityFactory()
    stranger = user_with_role(Role.APPROVER, other)
    client.force_login(approver)
    assert TO_DECIDE in menu(client)
    assert client.get(TO_DECIDE).status_code == 200
    client.force_login(stranger)  # approver in a municipality without a delegationsordning
    assert TO_DECIDE not in menu(client)
    assert client.get(TO_DECIDE).status_code == 403


def test_without_delegation_the_page_and_a_proposal_answer_403(client, municipality, caseworker, approver,
                                                                application):
    make_person_delegation(municipality, "refusal", role=Role.CASEWORKER)
    proposal = services.submit_for_decision(application, calculation_to_decide_on(application), caseworker)
    client.force_login(approver)
    assert TO_DECIDE not in menu(client)
    assert client.get(TO_DECIDE).status_code == 403
    assert client.get(url("proposal", proposal.pk)).status_code == 403


def test_the_case_worker_without_delegation_only_presents_and_the_approver_decides(
        client, caseworker, approver, application, ordning):
    client.force_login(caseworker)
    page = client.get(url("case_detail", application.pk)).content.decode()
    assert 'value="issue"' not in page and 'value="present"' in page and 'id="no-delegation"' in page
    response = client.post(url("case_decide", application.pk), {"action": "present", "caseworker_text": "Underlag finns."})
    assert response.status_code == 302
    proposal = Decision.objects.get(application=application)
    assert proposal.status == DecisionStatus.DRAFT and proposal.presented_by == caseworker
    assert 'id="awaiting-decision"' in client.get(url("case_detail", application.pk)).content.decode()

    client.force_login(approver)
    listing = client.get(TO_DECIDE)
    assert url("proposal", proposal.pk) in listing.content.decode()
    assert AccessLog.objects.filter(user=approver, target="staff:to_decide", person=application.applicant).exists()
    detail = client.get(url("proposal", proposal.pk))
    assert detail.status_code == 200 and "Karin Kasper" in detail.content.decode()
    response = client.post(url("proposal", proposal.pk), {"action": "decide"})
    assert response.status_code == 302 and response["Location"].startswith(url("case_detail", application.pk))
    proposal.refresh_from_db()
    assert proposal.is_issued and proposal.decided_by == approver and proposal.presented_by == caseworker
    case_page = client.get(url("case_detail", application.pk)).content.decode()
    assert "av Anna Attest. Föredragande: Karin Kasper." in case_page


def test_the_case_worker_with_delegation_decides_as_before(client, municipality, caseworker, application):
    make_person_delegation(municipality, "grant", role=Role.CASEWORKER)
    client.force_login(caseworker)
    page = client.get(url("case_detail", application.pk)).content.decode()
    assert 'value="issue"' in page and 'id="no-delegation"' not in page
    assert client.post(url("case_decide", application.pk), {"action": "issue"}).status_code == 302
    decision = Decision.objects.get(application=application)
    assert decision.is_issued and decision.decided_by == caseworker and decision.presented_by is None


def test_issuing_without_delegation_shows_the_reason_and_saves_nothing(client, caseworker, application, ordning):
    client.force_login(caseworker)
    response = client.post(url("case_decide", application.pk), {"action": "issue"})
    assert response.status_code == 400
    assert "Du har inte delegation att fatta beslutet" in response.content.decode()
    assert not Decision.objects.filter(application=application).exists()


def test_returning_needs_a_comment_and_sends_the_proposal_back(client, caseworker, approver, application, ordning):
    proposal = services.submit_for_decision(application, calculation_to_decide_on(application), caseworker)
    client.force_login(approver)
    response = client.post(url("proposal", proposal.pk), {"action": "return", "comment": ""})
    assert response.status_code == 400 and "Skriv en kommentar" in response.content.decode()
    response = client.post(url("proposal", proposal.pk), {"action": "return", "comment": "Styrk hyran."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.presented_at is None and proposal.returned_comment == "Styrk hyran."
    client.force_login(caseworker)
    assert "Styrk hyran." in client.get(url("case_detail", application.pk)).content.decode()


def _decided(caseworker, approver, application):
    proposal = services.submit_for_decision(application, calculation_to_decide_on(application), caseworker)
    return services.decide_proposal(proposal, approver)


def test_the_manager_gets_the_anmalan_list_with_people_logged_and_a_csv_without(
        client, caseworker, approver, manager, application, ordning):
    decision = _decided(caseworker, approver, application)
    day = timezone.localdate(decision.issued_at)
    client.force_login(manager)
    assert REPORT in menu(client)
    page = client.get(REPORT, {"date_from": day.isoformat(), "date_to": day.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Individ- och familjeomsorgsnämnden: Försörjningsstöd: bifall (1 beslut)" in html
    assert str(application.applicant) in html  # the personnummer as the staff pages show it
    assert AccessLog.objects.filter(user=manager, target="staff:delegation_report", person=application.applicant).exists()
    csv = client.get(REPORT, {"date_from": day.isoformat(), "date_to": day.isoformat(), "format": "csv"})
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0].startswith("Nämnd;Typ av beslut;Beslut nummer")
    assert f";{decision.pk};" in text and "Anna Attest;Karin Kasper" in text
    assert application.applicant.personnummer not in text and str(application.applicant) not in text
    assert application.applicant.last_name not in text
    other_period = client.get(REPORT, {"date_from": (day + dt.timedelta(days=1)).isoformat(),
                                       "date_to": (day + dt.timedelta(days=2)).isoformat()})
    assert 'id="report-empty"' in other_period.content.decode()


def test_the_anmalan_list_refuses_a_period_that_ends_before_it_starts(client, manager):
    client.force_login(manager)
    response = client.get(REPORT, {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert response.status_code == 400 and "Sista dagen kan inte vara före första dagen." in response.content.decode()


def test_the_case_worker_has_no_anmalan_list(client, caseworker):
    client.force_login(caseworker)
    assert REPORT not in menu(client)
    assert client.get(REPORT).status_code == 403
