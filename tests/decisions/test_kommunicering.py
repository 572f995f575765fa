"""Kommunicering (25 § förvaltningslagen): before a decision against the applicant that rests on register
data differing from what they declared, the applicant is told what was found and gets a deadline
(municipal parameter, default 7 days) to comment in the e-service. While it runs neither the automated
decision function (in any configuration, single or monthly run) nor a case worker's refusal decides."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bistand.applications import selectors as application_selectors
from bistand.applications.services import answer_completion, start_kommunicering
from bistand.casework import monthly
from bistand.decisions import services
from bistand.decisions.models import Decision, DecisionStatus
from bistand.registers.services import fetch_for_application
from tests.decisions.factories import MONTH, calculate, make_delegation, standard_case

pytestmark = pytest.mark.django_db

FINDINGS = "Skatteverket uppger 9 000 kr i lön för mars; du angav 4 000 kr."


def test_kommunicering_gets_the_default_deadline_of_seven_days_and_says_what_was_found(settings):
    case = standard_case(settings)
    started = start_kommunicering(case.application, actor=case.caseworker, findings=FINDINGS)
    assert started.kind == "kommunicering" and started.status == "open"
    assert started.due_date == timezone.localdate() + dt.timedelta(days=7)
    assert FINDINGS in started.text and "25 § förvaltningslagen" in started.text
    assert application_selectors.pending_kommunicering(case.application) == started


def test_the_municipality_sets_its_own_number_of_days(settings):
    case = standard_case(settings)
    case.municipality.kommunicering_days = 10
    case.municipality.save()
    started = start_kommunicering(case.application, actor=case.caseworker, findings=FINDINGS)
    assert started.due_date == timezone.localdate() + dt.timedelta(days=10)


def test_kommunicering_needs_the_findings(settings):
    case = standard_case(settings)
    with pytest.raises(ValidationError) as error:
        start_kommunicering(case.application, actor=case.caseworker, findings=" ")
    assert "findings" in error.value.message_dict


def test_an_answer_or_a_passed_deadline_ends_the_waiting(settings):
    case = standard_case(settings)
    started = start_kommunicering(case.application, actor=case.caseworker, findings=FINDINGS)
    later = timezone.localdate() + dt.timedelta(days=8)
    assert application_selectors.pending_kommunicering(case.application, on=later) is None
    answer_completion(started, person=case.application.applicant, answer="Lönen var för februari.")
    assert application_selectors.pending_kommunicering(case.application) is None


def test_the_automated_function_never_decides_during_kommunicering_even_with_the_request_criterion_off(settings):
    case = standard_case(settings, delegation=False)
    make_delegation(case.municipality, criteria={"no_open_completion_request": {"enabled": False}})
    start_kommunicering(case.application, actor=case.caseworker, findings=FINDINGS)
    facts = fetch_for_application(case.application)
    decision, verdict = services.decide_automatically(case.application, calculation=calculate(case.application, facts),
                                                      register_facts=facts)
    assert decision is None
    assert [c.code for c in verdict.failed] == ["no_pending_kommunicering"]
    assert "25 § förvaltningslagen" in verdict.failed[0].detail


def test_the_monthly_run_never_decides_during_kommunicering(settings):
    case = standard_case(settings, delegation=False)
    make_delegation(case.municipality, criteria={"no_open_completion_request": {"enabled": False}})
    start_kommunicering(case.application, actor=case.caseworker, findings=FINDINGS)
    monthly.run_month(case.municipality, MONTH)
    assert not Decision.objects.filter(application=case.application).exists()


def test_a_case_worker_cannot_refuse_before_the_deadline_or_an_answer(settings):
    case = standard_case(settings)
    start_kommunicering(case.application, actor=case.caseworker, findings=FINDINGS)
    facts = fetch_for_application(case.application)
    calculation = calculate(case.application, facts)
    with pytest.raises(services.DecisionError, match="kommunicering"):
        services.issue_decision(case.application, calculation, case.caseworker, outcome="refused",
                                caseworker_text="Inkomsten är för hög.")
    assert not Decision.objects.filter(application=case.application, status=DecisionStatus.ISSUED).exists()
    # a grant in full does not go against the applicant and may be made
    assert services.issue_decision(case.application, calculation, case.caseworker).is_issued


def test_the_case_page_offers_kommunicering_of_the_differences_and_then_shows_the_case_waiting(settings, client):
    from django.urls import reverse

    case = standard_case(settings)
    from tests.decisions.factories import simulator_fixture

    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(case.application, {"applicant": [("wage", 9000)]})
    fetch_for_application(case.application)
    client.force_login(case.caseworker)
    page = client.get(reverse("staff:case_detail", args=[case.application.pk])).content.decode()
    assert "Kommunicera uppgifterna från registren" in page
    client.post(reverse("staff:case_kommunicering", args=[case.application.pk]), {"findings": FINDINGS})
    page = client.get(reverse("staff:case_detail", args=[case.application.pk])).content.decode()
    assert "Väntar på kommunicering" in page
    assert application_selectors.pending_kommunicering(case.application) is not None
