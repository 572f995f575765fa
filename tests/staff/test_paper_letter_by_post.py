"""A paper, post or visit application's decision letter goes by post (issue 20): the case says so and
the letter itself says it was sent by post to the applicant's address; an e-service application's
letter says it is in the e-service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bistand.applications.models import Application
from bistand.decisions.letters import render_html
from bistand.decisions.models import Decision
from tests.decisions.factories import MONTH
from tests.staff.test_paper_application import register, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _decide(client, application) -> Decision:
    assert client.post(reverse("staff:case_fetch_registers", args=[application.pk])).status_code == 302
    assert client.post(reverse("staff:case_calculate", args=[application.pk])).status_code == 302
    assert client.post(reverse("staff:case_decide", args=[application.pk]), {"outcome": ""}).status_code == 302
    return Decision.objects.get(application=application)


def test_the_letter_of_a_paper_application_goes_by_post_and_the_case_says_so(client, world):  # noqa: F811
    household, previous, worker = world
    client.force_login(worker)
    register(client, previous.applicant, channel="paper")
    application = Application.objects.get(month=MONTH)
    decision = _decide(client, application)
    case = client.get(reverse("staff:case_detail", args=[application.pk])).content.decode()
    assert "Beslutsbrevet skickas med posten" in case
    letter = render_html(decision)
    assert "Skickat med posten" in letter


def test_the_letter_of_an_e_service_application_is_not_said_to_go_by_post(world):  # noqa: F811
    from bistand.decisions.services import issue_decision
    from tests.decisions.factories import calculate, make_application

    household, previous, worker = world
    application = make_application(household, MONTH, kind="recurring", previous=previous)
    assert application.channel == "e_service"
    decision = issue_decision(application, calculate(application, register_facts=[]), worker)
    assert "Skickat med posten" not in render_html(decision)
