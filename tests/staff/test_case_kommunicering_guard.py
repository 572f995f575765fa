"""The case page and kommunicering (25 § förvaltningslagen): a refusal resting on register data that differ
from the declaration is not issued until the applicant has been given the chance to comment; the error is
shown at the decision form, which offers the kommunicering and the exceptions of 25 § second paragraph."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bistand.decisions.models import Decision, DecisionStatus
from tests.decisions.factories import simulator_fixture, standard_case

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"staff:{name}", args=args)


@pytest.fixture
def differing(settings, client):
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    case = standard_case(settings)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(case.application, {"applicant": [("wage", 9000)]})
    client.force_login(case.caseworker)
    assert client.post(url("case_fetch_registers", case.application.pk)).status_code == 302
    assert client.post(url("case_calculate", case.application.pk)).status_code == 302
    return case


def test_a_refusal_on_differing_register_data_is_refused_at_the_decision_form_which_offers_kommunicering(client,
                                                                                                      differing):
    page = client.get(url("case_detail", differing.application.pk)).content.decode()
    assert "vilket undantag gäller?" in page and "Avgörandet kan inte skjutas upp (25 § andra stycket 3 FL)" in page
    response = client.post(url("case_decide", differing.application.pk),
                           {"action": "issue", "outcome": "refused", "caseworker_text": "Inkomsten räcker."})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Kommunicera registeruppgifterna innan beslut" in content
    assert content.index("Kommunicera registeruppgifterna innan beslut") > content.index('id="decision-form"')
    assert 'href="#kommunicering"' in content
    assert not Decision.objects.filter(application=differing.application, status=DecisionStatus.ISSUED).exists()


def test_the_case_worker_records_an_exception_with_a_reason_in_the_decision_form(client, differing):
    response = client.post(url("case_decide", differing.application.pk),
                           {"action": "issue", "outcome": "refused", "caseworker_text": "Inkomsten räcker.",
                            "kommunicering_exception": "unnecessary"})
    assert response.status_code == 400
    assert "Skriv skälen till att undantaget från kommunicering" in response.content.decode()
    response = client.post(url("case_decide", differing.application.pk),
                           {"action": "issue", "outcome": "refused", "caseworker_text": "Inkomsten räcker.",
                            "kommunicering_exception": "unnecessary",
                            "kommunicering_reason": "Sökanden har själv lämnat lönebeskedet med 9 000 kr."})
    assert response.status_code == 302
    decision = Decision.objects.get(application=differing.application, status=DecisionStatus.ISSUED)
    assert decision.kommunicering_exemption.exception == "unnecessary"
    assert "25 § andra stycket 1 förvaltningslagen" in decision.letter.html
