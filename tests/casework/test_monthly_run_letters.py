"""The letter is part of the decision also for the monthly run (issue 17 §3): the letters of the
decisions the automated decision function makes in the run are stored (HTML and SHA-256) when the
decisions are issued, not at their first download — so a template change between the run and the
first download never changes what the applicant gets. The PDF is made from the stored HTML at the
first download, the same bytes whenever it is made."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from bistand.casework import monthly
from bistand.decisions import letters
from bistand.decisions.models import Decision, DecisionLetter
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

NEW_TEMPLATE = "<!doctype html><html lang='sv'><head><title>Ny mall</title></head><body><p>Ny mall</p></body></html>"


def test_the_monthly_run_stores_each_letter_when_the_decision_is_issued(cases):
    for _ in range(3):
        cases.add()
    monthly.run_month(cases.municipality, MONTH)
    decisions = list(Decision.objects.filter(municipality=cases.municipality, month=MONTH, automated=True))
    assert len(decisions) == 3
    for decision in decisions:
        stored = DecisionLetter.objects.get(decision=decision)
        assert not stored.stored_on_first_download and stored.content is None
        assert stored.html_sha256 == hashlib.sha256(stored.html.encode()).hexdigest()
        # the same HTML a single decision's letter gets
        assert stored.html == letters.render_html(decision)


def test_a_template_change_after_the_run_does_not_change_the_letter_downloaded_later(cases, client, monkeypatch):
    case = cases.add()
    monthly.run_month(cases.municipality, MONTH)
    decision = Decision.objects.get(application=case.application)
    as_issued = letters.render_pdf(decision)  # what the letter was when the run decided
    monkeypatch.setattr(letters, "render_to_string", lambda name, context: NEW_TEMPLATE)
    assert letters.render_pdf(decision) != as_issued
    client.force_login(user_with_role(Role.CASEWORKER, cases.municipality))
    served = client.get(reverse("staff:decision_letter", args=[decision.pk])).content
    assert served == as_issued
    assert client.get(reverse("staff:decision_letter", args=[decision.pk])).content == as_issued


def test_the_pdf_made_from_the_stored_html_is_the_same_bytes_each_time(cases):
    case = cases.add()
    monthly.run_month(cases.municipality, MONTH)
    decision = Decision.objects.get(application=case.application)
    stored = DecisionLetter.objects.get(decision=decision)
    assert letters._letter_pdf(stored.html, decision) == letters._letter_pdf(stored.html, decision)
